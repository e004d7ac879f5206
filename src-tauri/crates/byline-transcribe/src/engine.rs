//! Transcription with whisper.cpp (whisper-rs): a file is decoded as a stream, cut into speech chunks, and
//! each chunk is decoded on its own, with only the reporter's vocabulary as a prompt, so a long recording
//! cannot drag an early mistake along. No text is carried from one chunk to the next: given the words it
//! has just written, Whisper drops speech that repeats them (on jfk.wav repeated ten times, 24 carried
//! words lost two copies in ten; none without). A chunk whose output loops is decoded again at a higher
//! temperature, and what still loops is collapsed to one copy.

use std::path::{Path, PathBuf};
use std::time::Instant;

use byline_core::{CancelToken, Error, Progress, Reporter, Result};
use byline_speakers::channels::ChannelEnergy;
use byline_speakers::{Count, Diarizer, Encoder, Turn};
use whisper_rs::{FullParams, SamplingStrategy, WhisperContext, WhisperContextParameters, WhisperState};

use crate::chunk::{Chunk, Chunker, speech_span};
use crate::decode::{self, AudioInfo};
use crate::note::{SpeakerMethod, TranscriptNote};
use crate::options::Options;
use crate::repetition;
use crate::resample::TARGET_RATE;
use crate::speakers;
use crate::transcript::{Segment, Transcript, Voice};
use crate::vad::{Gate, Rules, TimeMap, Vad};
use crate::words::{TokenPiece, make_monotonic, tokens_to_words};

/// A loaded whisper.cpp model.
pub struct Engine {
    ctx: WhisperContext,
    model_path: PathBuf,
    /// Silero VAD file: pauses are cut out before Whisper unless the options say otherwise.
    vad_model: Option<PathBuf>,
    /// CAM++ weights for telling speakers apart; without them diarization uses spectral statistics.
    speaker_model: Option<PathBuf>,
}

/// Called with each finished segment, for partial text while a long file is transcribed.
pub type SegmentSink<'a> = &'a mut dyn FnMut(&Segment);

fn whisper_err(what: &str, e: impl std::fmt::Display) -> Error {
    Error::InvalidInput(format!("{what}: {e}"))
}

impl Engine {
    pub fn load(model: &Path) -> Result<Self> {
        // Routes whisper.cpp's console chatter into the `log` facade, which stays silent unless set up.
        whisper_rs::install_logging_hooks();
        let mut params = WhisperContextParameters::default();
        params.flash_attn(flash_attention());
        let ctx = WhisperContext::new_with_params(model, params)
            .map_err(|e| whisper_err(&format!("cannot load the Whisper model {}", model.display()), e))?;
        Ok(Self { ctx, model_path: model.to_path_buf(), vad_model: None, speaker_model: None })
    }

    /// Uses the Silero VAD file at `path` (see [`crate::resolve_vad`]) to skip pauses; `None` decodes them.
    pub fn with_vad(mut self, path: Option<PathBuf>) -> Self {
        self.vad_model = path;
        self
    }

    /// Uses the CAM++ weights at `path` (see [`crate::resolve_speaker_model`]) when speakers are asked for.
    pub fn with_speaker_model(mut self, path: Option<PathBuf>) -> Self {
        self.speaker_model = path;
        self
    }

    pub fn vad_model(&self) -> Option<&Path> {
        self.vad_model.as_deref()
    }

    pub fn model_path(&self) -> &Path {
        &self.model_path
    }

    pub fn is_multilingual(&self) -> bool {
        self.ctx.is_multilingual()
    }

    fn check_options(&self, opts: &Options) -> Result<()> {
        opts.validate()?;
        if !self.is_multilingual() {
            if opts.translate {
                return Err(Error::InvalidInput(
                    "this model understands English only; translation needs a multilingual model".into(),
                ));
            }
            if opts.language().is_some_and(|l| l != "en") {
                return Err(Error::InvalidInput("this model understands English only; choose en or auto".into()));
            }
        }
        Ok(())
    }

    /// Transcribes a file of any supported format.
    pub fn transcribe_file(
        &self,
        path: &Path,
        opts: &Options,
        reporter: &dyn Reporter,
        cancel: &CancelToken,
        on_segment: Option<SegmentSink<'_>>,
    ) -> Result<(Transcript, AudioInfo)> {
        self.check_options(opts)?;
        let declared = decode::probe(path)?.declared_s;
        let mut run = Run::new(self, opts, reporter, cancel, on_segment, declared)?;
        let start = (opts.start_s.unwrap_or(0.0) * f64::from(TARGET_RATE)) as u64;
        let end = opts.end_s.map(|e| (e * f64::from(TARGET_RATE)) as u64);
        let mut position = 0u64;
        let mut channels = opts.speakers.filter(|n| *n == 0 || *n == 2).map(|_| ChannelEnergy::new());
        let info = decode::decode_16k_mono_observed(
            path,
            cancel,
            &mut |block| {
                let from = position;
                position += block.len() as u64;
                let lo = start.saturating_sub(from).min(block.len() as u64) as usize;
                let hi = end.map_or(block.len(), |e| e.saturating_sub(from).min(block.len() as u64) as usize);
                if lo < hi {
                    run.push(&block[lo..hi])?;
                }
                Ok(end.is_none_or(|e| position < e))
            },
            &mut |interleaved, n, rate| {
                if let Some(c) = channels.as_mut() {
                    c.push(interleaved, n, rate);
                }
            },
        )?;
        run.flush()?;
        run.channel_turns = channels.and_then(|c| c.turns());
        let mut transcript = run.finish()?;
        if info.truncated {
            transcript.notes.push(TranscriptNote::EndsEarly { at_s: info.decoded_s });
        }
        if info.skipped_packets > 0 {
            transcript.notes.push(TranscriptNote::DamagedPackets { count: info.skipped_packets as u64 });
        }
        Ok((transcript, info))
    }

    /// Transcribes 16 kHz mono samples already in memory (a recording that just stopped, tests).
    pub fn transcribe_samples(
        &self,
        samples: &[f32],
        opts: &Options,
        reporter: &dyn Reporter,
        cancel: &CancelToken,
    ) -> Result<Transcript> {
        self.check_options(opts)?;
        let duration = samples.len() as f64 / f64::from(TARGET_RATE);
        let mut run = Run::new(self, opts, reporter, cancel, None, Some(duration))?;
        for block in samples.chunks(TARGET_RATE as usize) {
            run.push(block)?;
        }
        run.flush()?;
        run.finish()
    }
}

/// One transcription in progress.
struct Run<'r, 's> {
    engine: &'r Engine,
    /// Lent to the worker thread while whisper.cpp runs.
    state: Option<WhisperState>,
    opts: &'r Options,
    reporter: &'r dyn Reporter,
    cancel: &'r CancelToken,
    on_segment: Option<SegmentSink<'s>>,
    language: Option<String>,
    transcript: Transcript,
    chunker: Chunker,
    /// Voice-activity detection, when on: it passes on only speech, and `map` says where each piece was.
    gate: Option<Gate>,
    vad: bool,
    map: TimeMap,
    /// Who speaks when, when asked for: it sees the same speech Whisper does.
    diarizer: Option<Diarizer>,
    /// A two-channel recording with one voice per channel: its turns by channel (seconds from the start
    /// of the file), which replace the voice model's.
    channel_turns: Option<Vec<Turn>>,
    /// Samples of the range taken in, speech or not.
    fed: u64,
    /// Seconds of audio before the range, added to every timestamp.
    offset: f64,
    processed: f64,
    total: Option<f64>,
    started: Instant,
}

impl<'r, 's> Run<'r, 's> {
    fn new(
        engine: &'r Engine,
        opts: &'r Options,
        reporter: &'r dyn Reporter,
        cancel: &'r CancelToken,
        on_segment: Option<SegmentSink<'s>>,
        declared: Option<f64>,
    ) -> Result<Self> {
        let state = engine.ctx.create_state().map_err(|e| whisper_err("cannot start Whisper", e))?;
        let offset = opts.start_s.unwrap_or(0.0);
        let total = declared.map(|d| opts.end_s.map_or(d, |e| e.min(d)) - offset).filter(|t| *t > 0.0);
        reporter.on_start(total.map(|t| (t * 1000.0) as u64), "transcribing");
        let language = if engine.is_multilingual() { opts.language().map(str::to_owned) } else { Some("en".into()) };
        let mut transcript = Transcript::default();
        // A damaged VAD file costs speed, never the transcript: Whisper then decodes the pauses too.
        let gate = match (&engine.vad_model, opts.no_vad) {
            (Some(path), false) => match Vad::load(path) {
                Ok(vad) => Some(Gate::new(vad, Rules::default())),
                Err(e) => {
                    transcript.notes.push(TranscriptNote::VadFailed { error: e.to_string() });
                    None
                }
            },
            _ => None,
        };
        if engine.vad_model.is_none() && !opts.no_vad {
            transcript.notes.push(TranscriptNote::VadMissing { model: crate::model::VAD_MODEL.to_string() });
        }
        let diarizer = opts.speakers.map(|_| {
            let model = crate::model::SPEAKER_MODEL.to_string();
            let encoder = match engine.speaker_model.as_deref().map(Encoder::campp) {
                Some(Ok(encoder)) => encoder,
                Some(Err(e)) => {
                    transcript.notes.push(TranscriptNote::SpeakerModelFailed { error: e.to_string(), model });
                    Encoder::Spectral
                }
                None => {
                    transcript.notes.push(TranscriptNote::SpeakerModelMissing { model });
                    Encoder::Spectral
                }
            };
            Diarizer::new(encoder)
        });
        Ok(Self {
            engine,
            state: Some(state),
            diarizer,
            channel_turns: None,
            opts,
            reporter,
            cancel,
            on_segment,
            language,
            transcript,
            chunker: Chunker::new(),
            vad: gate.is_some(),
            gate,
            map: TimeMap::default(),
            fed: 0,
            offset,
            processed: 0.0,
            total,
            started: Instant::now(),
        })
    }

    /// Takes the next samples of the range.
    fn push(&mut self, samples: &[f32]) -> Result<()> {
        self.fed += samples.len() as u64;
        match self.gate.take() {
            Some(mut gate) => {
                let result = gate.push(samples, &mut |at, speech| self.speech(at, speech));
                // Pauses the gate dropped count as done, so progress moves through long silences; speech
                // still waiting for its chunk does not.
                let waiting = self.chunker.pending() as u64;
                let done = gate.decided().saturating_sub(waiting) as f64 / f64::from(TARGET_RATE);
                self.gate = Some(gate);
                if done >= self.processed + 1.0 {
                    self.processed = done;
                    self.report();
                }
                result
            }
            None => self.speech(self.fed - samples.len() as u64, samples),
        }
    }

    /// Decodes what is still held back at the end of the range.
    fn flush(&mut self) -> Result<()> {
        if let Some(mut gate) = self.gate.take() {
            gate.finish(&mut |at, speech| self.speech(at, speech))?;
        }
        let mut chunker = std::mem::take(&mut self.chunker);
        chunker.finish(&mut |c| self.chunk(c))
    }

    /// Samples that go on to Whisper; `at` is where they start in the range.
    fn speech(&mut self, at: u64, samples: &[f32]) -> Result<()> {
        self.map.push(at, samples.len() as u64);
        if let Some(d) = self.diarizer.as_mut() {
            d.push(at, samples)?;
        }
        let mut chunker = std::mem::take(&mut self.chunker);
        let result = chunker.push(samples, &mut |c| self.chunk(c));
        self.chunker = chunker;
        result
    }

    /// Seconds into the range of `seconds` into the audio Whisper is given.
    fn original(&self, seconds: f64) -> f64 {
        self.map.to_original(seconds)
    }

    fn chunk(&mut self, chunk: Chunk<'_>) -> Result<()> {
        self.cancel.check()?;
        let at = chunk.start_sample as f64 / f64::from(TARGET_RATE);
        let len = chunk.samples.len() as f64 / f64::from(TARGET_RATE);
        if let Some((a, b)) = chunk.speech.then(|| speech_span(chunk.samples)).flatten() {
            let segments = self.decode_chunk(&chunk.samples[a..b], at + a as f64 / f64::from(TARGET_RATE))?;
            for s in &segments {
                if let Some(sink) = self.on_segment.as_mut() {
                    sink(s);
                }
            }
            self.transcript.segments.extend(segments);
        }
        self.processed = self.processed.max(self.original(at + len));
        self.report();
        Ok(())
    }

    fn report(&self) {
        let elapsed = self.started.elapsed().as_secs_f64();
        let eta = self
            .total
            .filter(|_| self.processed > 0.0)
            .map(|t| (t - self.processed).max(0.0) * elapsed / self.processed);
        let message = match eta {
            Some(eta) => format!("{:.0} s of audio done, about {:.0} s left", self.processed, eta),
            None => format!("{:.0} s of audio done", self.processed),
        };
        let done = (self.processed * 1000.0) as u64;
        let total = self.total.map(|t| ((t * 1000.0) as u64).max(done));
        self.reporter.on_progress(&Progress { done, total, message });
    }

    fn decode_chunk(&mut self, samples: &[f32], at: f64) -> Result<Vec<Segment>> {
        // A NUL byte would make whisper-rs panic while building its C string.
        let user_prompt = self.opts.prompt.as_deref().unwrap_or_default().replace('\0', " ");
        let prompt = user_prompt.trim();
        let segments = self.whisper(samples, at, prompt, 0.0)?;
        let looped = |segs: &[Segment]| {
            let texts: Vec<&str> = segs.iter().map(|s| s.text.as_str()).collect();
            repetition::has_repeated_segments(&texts) || repetition::has_loop(&texts.join(" "))
        };
        let mut segments = if looped(&segments) {
            // Decoding again with some randomness breaks most loops.
            let retry = self.whisper(samples, at, prompt, 0.4)?;
            self.transcript.notes.push(TranscriptNote::RepetitionRetried { at_s: at });
            retry
        } else {
            segments
        };
        if looped(&segments) {
            collapse(&mut segments);
            self.transcript.notes.push(TranscriptNote::RepetitionRemoved { at_s: at });
        }
        Ok(segments)
    }

    fn whisper(&mut self, samples: &[f32], at: f64, prompt: &str, temperature: f32) -> Result<Vec<Segment>> {
        let mut state = self.state.take().ok_or_else(|| whisper_err("Whisper", "a cancelled run cannot continue"))?;
        let samples = samples.to_vec();
        let prompt = prompt.to_owned();
        let language = self.language.clone().unwrap_or_else(|| "auto".into());
        let (threads, translate) = (self.opts.threads() as i32, self.opts.translate);
        let cancel = self.cancel.clone();
        // whisper.cpp checks the abort callback after each encoder pass and decoder step, but not inside
        // the encoder, which takes seconds on a slow CPU. It runs on its own thread so that a cancel
        // returns at once; the thread then stops at the next check and frees its state.
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut params = FullParams::new(SamplingStrategy::Greedy { best_of: 1 });
            params.set_n_threads(threads);
            params.set_translate(translate);
            params.set_language(Some(&language));
            params.set_no_context(true);
            params.set_token_timestamps(true);
            params.set_temperature(temperature);
            params.set_print_progress(false);
            params.set_print_realtime(false);
            params.set_print_timestamps(false);
            params.set_print_special(false);
            if !prompt.is_empty() {
                params.set_initial_prompt(&prompt);
            }
            // whisper-rs calls the abort closure through a pointer to a boxed trait object, so it must be one.
            let abort: Box<dyn FnMut() -> bool> = Box::new(move || cancel.is_cancelled());
            params.set_abort_callback_safe::<_, Box<dyn FnMut() -> bool>>(Some(abort));
            let result = state.full(params, &samples);
            let _ = tx.send((state, result));
        });
        let result = loop {
            match rx.recv_timeout(std::time::Duration::from_millis(50)) {
                Ok((state, result)) => {
                    self.state = Some(state);
                    break result;
                }
                Err(std::sync::mpsc::RecvTimeoutError::Timeout) => self.cancel.check()?,
                Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
                    return Err(whisper_err("Whisper failed", "its worker thread stopped"));
                }
            }
        };
        self.cancel.check()?;
        result.map_err(|e| whisper_err("Whisper failed", e))?;
        let state = self.state.as_ref().ok_or_else(|| whisper_err("Whisper", "no state"))?;
        if self.language.is_none() {
            let id = state.full_lang_id_from_state();
            self.language = whisper_rs::get_lang_str(id).map(str::to_owned);
        }
        let eot = self.engine.ctx.token_eot();
        let mut segments = Vec::new();
        for seg in state.as_iter() {
            let text = seg.to_str_lossy().map_err(|e| whisper_err("Whisper text", e))?.trim().to_owned();
            let mut pieces = Vec::new();
            for i in 0..seg.n_tokens() {
                let Some(tok) = seg.get_token(i) else { continue };
                if tok.token_id() >= eot {
                    continue; // timestamps, language and control tokens
                }
                let data = tok.token_data();
                let bytes = tok.to_bytes().map_err(|e| whisper_err("Whisper token", e))?.to_vec();
                pieces.push(TokenPiece {
                    bytes,
                    start: self.offset + self.original(at + data.t0 as f64 / 100.0),
                    end: self.offset + self.original(at + data.t1 as f64 / 100.0),
                    p: data.p,
                });
            }
            if text.is_empty() {
                continue;
            }
            let mut start = self.offset + self.original(at + seg.start_timestamp() as f64 / 100.0);
            let mut end = self.offset + self.original(at + seg.end_timestamp() as f64 / 100.0);
            let words = tokens_to_words(&pieces);
            // Whisper puts a segment's start right after the one before; when a pause was cut out in between,
            // the segment starts where the audio of its first word resumes (and ends where its last word's
            // stops), not inside the pause.
            if let Some(first) = words.first()
                && let Some((from, _)) = self.map.piece_around(first.start - self.offset)
            {
                start = start.max(self.offset + from).min(first.start);
            }
            if let Some(last) = words.last()
                && let Some((_, to)) = self.map.piece_around(last.end - self.offset)
            {
                end = end.min(self.offset + to).max(last.end);
            }
            segments.push(Segment { start, end, text, speaker: None, words });
        }
        Ok(segments)
    }

    fn finish(mut self) -> Result<Transcript> {
        let mut t = std::mem::take(&mut self.transcript);
        let fed = self.fed as f64 / f64::from(TARGET_RATE);
        t.duration_s = self.offset + fed;
        let skipped = fed - self.map.kept() as f64 / f64::from(TARGET_RATE);
        if self.vad && skipped >= 1.0 {
            t.notes.push(TranscriptNote::PausesSkipped { quiet_s: skipped, total_s: fed });
        }
        t.language = self.language.clone();
        make_monotonic(&mut t.segments, t.duration_s);
        if t.segments.is_empty() {
            t.notes.push(TranscriptNote::NoSpeech);
        }
        if let Some(mut d) = self.diarizer.take() {
            self.cancel.check()?;
            d.close()?;
            let count = match self.opts.speakers {
                Some(n) if n > 0 => Count::Exactly(n as usize),
                _ => Count::Auto,
            };
            let (turns, method) = match self.channel_turns.take() {
                Some(by_channel) => (by_channel, SpeakerMethod::Channels),
                None => {
                    let (turns, voices) = d.cluster_with_voices(count);
                    t.voices = voices
                        .into_iter()
                        .map(|v| Voice {
                            name: speakers::default_name(v.speaker),
                            embedding: v.embedding,
                            seconds: v.seconds,
                        })
                        .collect();
                    let offset = self.offset;
                    let turns =
                        turns.into_iter().map(|t| Turn { start: t.start + offset, end: t.end + offset, ..t }).collect();
                    let method = match d.encoder() {
                        Encoder::Spectral => SpeakerMethod::Spectral,
                        _ => SpeakerMethod::Campp,
                    };
                    (turns, method)
                }
            };
            speakers::assign(&mut t, &turns);
            let found = turns.iter().map(|t| t.speaker + 1).max().unwrap_or(0);
            t.notes.push(TranscriptNote::SpeakersToldApart { count: found, method });
        }
        self.reporter.on_done(&format!("{} segments", t.segments.len()));
        Ok(t)
    }
}

/// Flash attention in whisper.cpp. Off on the CPU: measured on tiny.en with the portable (AVX2) build, the
/// 10-minute benchmark file took 28.8 s with it and 21.8 s without (median of three, 2 threads). GPU builds
/// keep whisper.cpp's own default (on). `BYLINE_WHISPER_FLASH_ATTN=1` or `=0` overrides, for measuring.
fn flash_attention() -> bool {
    match std::env::var("BYLINE_WHISPER_FLASH_ATTN").as_deref() {
        Ok("1") => true,
        Ok("0") => false,
        _ => cfg!(any(feature = "cuda", feature = "metal")),
    }
}

/// Removes looped words from each segment and drops segments that repeat the one before.
fn collapse(segments: &mut Vec<Segment>) {
    segments.dedup_by(|b, a| crate::transcript::normalise(&a.text) == crate::transcript::normalise(&b.text));
    for s in segments.iter_mut() {
        let text = std::mem::take(&mut s.text);
        let words: Vec<&str> = text.split_whitespace().collect();
        let keep = repetition::collapse_loops(&words);
        s.text = keep.iter().map(|&i| words[i]).collect::<Vec<_>>().join(" ");
        if keep.len() < words.len() && s.words.len() == words.len() {
            s.words = keep.iter().map(|&i| s.words[i].clone()).collect();
        }
    }
}
