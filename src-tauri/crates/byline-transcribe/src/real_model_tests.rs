//! Tests on the real Whisper tiny.en, converted from the store's CTranslate2 copy by the model store
//! itself (once per test process, into a temporary store). Ignored by default; run with
//! `BYLINE_TEST_MODELS=/path/to/cache cargo test -p byline-transcribe -- --include-ignored`.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use byline_core::{AppPaths, CancelToken, NoProgress, Progress, Reporter};
use byline_models::Store;

use crate::{DEFAULT_MODEL, Engine, Options, Transcript, normalise, resolve_model, word_error_rate};

const NEEDS: &str = "set BYLINE_TEST_MODELS to the test model cache (cargo xtask fetch-models prints it)";
const JFK: &str =
    "And so my fellow Americans, ask not what your country can do for you, ask what you can do for your country.";

fn cache() -> PathBuf {
    PathBuf::from(std::env::var_os("BYLINE_TEST_MODELS").expect(NEEDS))
}

pub(crate) fn jfk() -> PathBuf {
    cache().join("jfk.wav")
}

/// The ggml file produced by `resolve_model` from a copy of the store's installed CTranslate2 model: the
/// conversion derives its mel filters and vocabulary, so the copy holds the model's own files only.
pub(crate) fn model() -> &'static Path {
    static MODEL: OnceLock<PathBuf> = OnceLock::new();
    MODEL.get_or_init(|| {
        let home = tempfile::tempdir().expect("tempdir").keep();
        let src = cache().join("home/models").join(DEFAULT_MODEL);
        let dst = home.join("models").join(DEFAULT_MODEL);
        std::fs::create_dir_all(&dst).expect("mkdir");
        for entry in std::fs::read_dir(&src).expect("cached model folder") {
            let entry = entry.expect("entry");
            let to = dst.join(entry.file_name());
            std::fs::hard_link(entry.path(), &to)
                .or_else(|_| std::fs::copy(entry.path(), &to).map(|_| ()))
                .expect("copy");
        }
        let store = Store::new(&AppPaths::at(&home)).expect("store");
        resolve_model(&store, DEFAULT_MODEL, &NoProgress, &CancelToken::new()).expect("convert through the store")
    })
}

/// Silero VAD as the store installed it (`silero-vad` is one of the test models).
pub(crate) fn vad_model() -> PathBuf {
    cache().join("home/models").join(crate::VAD_MODEL).join("ggml-silero-v6.2.0.bin")
}

/// The engine as users get it: Whisper with voice-activity detection.
pub(crate) fn engine() -> Engine {
    Engine::load(model()).expect("load").with_vad(Some(vad_model()))
}

fn transcribe(path: &Path, opts: &Options) -> Transcript {
    engine().transcribe_file(path, opts, &NoProgress, &CancelToken::new(), None).expect("transcribe").0
}

fn check_timestamps(t: &Transcript) {
    let words: Vec<_> = t.words().collect();
    assert!(!words.is_empty());
    assert!(words.windows(2).all(|w| w[0].start <= w[1].start), "word starts are monotonic");
    assert!(
        words.iter().all(|w| 0.0 <= w.start && w.start <= w.end && w.end <= t.duration_s),
        "words inside the audio"
    );
}

#[test]
#[ignore = "needs the test models: cargo xtask test"]
fn jfk_matches_the_reference() {
    let t = transcribe(&jfk(), &Options::default());
    let wer = word_error_rate(JFK, &t.text());
    eprintln!("jfk: {:?} WER {wer:.3}", t.text());
    assert!(wer <= 0.10, "WER {wer}: {}", t.text());
    assert_eq!(t.language.as_deref(), Some("en"));
    assert!((t.duration_s - 11.0).abs() < 0.1, "{}", t.duration_s);
    check_timestamps(&t);
    // "country" is said twice, the last time near the end.
    let last = t.words().filter(|w| normalise(&w.text) == "country").last().expect("country");
    assert!(last.start > 8.0, "{last:?}");
}

#[test]
#[ignore = "needs the test models: cargo xtask test"]
fn a_range_transcribes_only_that_part() {
    let opts = Options { start_s: Some(0.0), end_s: Some(3.5), ..Default::default() };
    let t = transcribe(&jfk(), &opts);
    let text = normalise(&t.text());
    eprintln!("0-3.5 s: {text}");
    assert!(text.contains("fellow americans"), "{text}");
    assert!(!text.contains("country"), "{text}");
    let opts = Options { start_s: Some(4.0), end_s: None, ..Default::default() };
    let t = transcribe(&jfk(), &opts);
    let text = normalise(&t.text());
    eprintln!("4 s-: {text}");
    assert!(text.contains("ask what you can do for your country"), "{text}");
    assert!(t.words().all(|w| w.start >= 4.0), "times count from the file's start");
}

fn espeak(dir: &Path, name: &str, text: &str) -> Option<PathBuf> {
    let out = dir.join(name);
    match Command::new("espeak-ng").args(["-s", "150", "-w"]).arg(&out).arg(text).output() {
        Ok(o) if o.status.success() => Some(out),
        _ => {
            eprintln!("espeak-ng is not installed: synthetic speech is not checked");
            None
        }
    }
}

#[test]
#[ignore = "needs the test models: cargo xtask test"]
fn synthetic_speech_comes_back_with_its_key_words() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cases = [
        ("The mayor announced a new budget for public schools on Tuesday.", ["mayor", "budget", "schools", "tuesday"]),
        ("Heavy rain flooded the railway station and delayed the trains.", ["rain", "railway", "station", "trains"]),
        ("The hospital will open a new children's clinic next summer.", ["hospital", "children", "clinic", "summer"]),
    ];
    let engine = engine();
    for (i, (sentence, keys)) in cases.iter().enumerate() {
        let Some(wav) = espeak(dir.path(), &format!("s{i}.wav"), sentence) else { return };
        let (t, info) = engine
            .transcribe_file(&wav, &Options::default(), &NoProgress, &CancelToken::new(), None)
            .expect("transcribe");
        assert_eq!(info.sample_rate, 22_050, "espeak-ng speaks at 22.05 kHz: resampling is exercised");
        let text = normalise(&t.text());
        let found = keys.iter().filter(|k| text.contains(*k)).count();
        eprintln!("{sentence:?} -> {text:?}: {found}/4 key words");
        assert!(found >= 3, "{sentence:?} came back as {text:?}");
        check_timestamps(&t);
    }
}

/// 16 kHz mono samples of a file.
fn samples(path: &Path) -> Vec<f32> {
    crate::load_16k_mono(path, &CancelToken::new()).expect("decode").0
}

/// Passes each progress report's position (ms of audio done) to the test thread.
struct Positions(std::sync::Mutex<std::sync::mpsc::Sender<u64>>);
impl Reporter for Positions {
    fn on_progress(&self, p: &Progress) {
        let _ = self.0.lock().map(|tx| tx.send(p.done));
    }
}

/// The cancel lands while Whisper works on the second chunk: it is sent as soon as the first chunk's
/// progress arrives, not after a fixed time, so it cannot miss a run that a fast machine finished early.
/// "Promptly" is measured against the work itself: the run must end well before one chunk's worth of
/// decoding (the first chunk's time, on this machine, under this load), and no further chunk may finish.
#[test]
#[ignore = "needs the test models: cargo xtask test"]
fn cancel_stops_the_chunk_in_progress() {
    let jfk = samples(&jfk());
    let long: Vec<f32> = jfk.iter().copied().cycle().take(jfk.len() * 12).collect();
    let total_ms = long.len() as u64 * 1000 / 16_000;
    let cancel = CancelToken::new();
    let c = cancel.clone();
    let (tx, rx) = std::sync::mpsc::channel();
    // Loaded first: only transcription is being cancelled.
    let engine = engine();
    let started = Instant::now();
    let worker = std::thread::spawn(move || {
        // Without VAD, so that the first progress is the first chunk Whisper finished (with it, progress also
        // moves as pauses are dropped, before any chunk is decoded).
        let r = engine.transcribe_samples(&long, &no_vad(), &Positions(tx.into()), &c);
        (r.map(|_| ()).map_err(|e| e.code()), Instant::now())
    });
    // A deadline only against a hang: tiny.en decodes 30 s of speech in seconds even on two busy cores.
    let first = rx.recv_timeout(Duration::from_secs(600)).expect("the first chunk's progress");
    let one_chunk = started.elapsed();
    let cancelled_at = Instant::now();
    cancel.cancel();
    let (result, ended) = worker.join().expect("worker");
    let took = ended.duration_since(cancelled_at);
    let later: Vec<u64> = rx.try_iter().collect();
    eprintln!("first chunk ({first} ms of audio) in {one_chunk:?}; stopped {took:?} after cancel; later {later:?}");
    assert_eq!(result, Err("cancelled"));
    assert!(first < total_ms, "the whole file went in one chunk: nothing was left to cancel");
    // A chunk that finished just as the cancel came may still report; none after it.
    assert!(later.len() <= 1, "chunks kept finishing after the cancel: {later:?}");
    // Waiting for Whisper to finish the chunk would take about `one_chunk`; the engine polls every 50 ms.
    // The floor keeps a fast accelerator, whose chunk takes a few hundred milliseconds, from failing.
    let bound = (one_chunk / 2).max(Duration::from_millis(250));
    assert!(took < bound, "stopped {took:?} after cancel; one chunk takes {one_chunk:?}");
}

#[test]
#[ignore = "needs the test models: cargo xtask test"]
fn silence_gives_no_text() {
    let t = engine()
        .transcribe_samples(&vec![0.0; 16_000 * 20], &Options::default(), &NoProgress, &CancelToken::new())
        .expect("ok");
    assert!(t.segments.is_empty(), "{t:?}");
    let notes: Vec<String> = t.notes.iter().map(ToString::to_string).collect();
    assert_eq!(
        notes,
        ["pauses skipped: 20 s of 20 s held no speech (voice-activity detection)", "no speech was detected"]
    );
    let t =
        engine().transcribe_samples(&vec![0.0; 16_000 * 20], &no_vad(), &NoProgress, &CancelToken::new()).expect("ok");
    assert!(t.segments.is_empty(), "{t:?}");
    assert_eq!(t.notes, [crate::TranscriptNote::NoSpeech]);
}

fn no_vad() -> Options {
    Options { no_vad: true, ..Options::default() }
}

/// Quiet room noise (about -50 dBFS), the same every run.
fn room_noise(seconds: f64, seed: u32) -> Vec<f32> {
    let mut x = seed.wrapping_mul(2_654_435_761).max(1);
    (0..(seconds * 16_000.0) as usize)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            0.003 * (x as f32 / u32::MAX as f32 * 2.0 - 1.0)
        })
        .collect()
}

/// jfk.wav's two sentences with long pauses of room noise around them, and where each stretch of speech is.
fn interview_with_pauses() -> (Vec<f32>, Vec<(f64, f64)>) {
    let jfk = samples(&jfk());
    let cut = (7.6 * 16_000.0) as usize;
    let mut audio = Vec::new();
    let mut spans = Vec::new();
    for (i, (pause, speech)) in
        [(6.0, &jfk[..cut]), (11.0, &jfk[cut..]), (8.0, &jfk[..]), (9.0, &jfk[..0])].into_iter().enumerate()
    {
        audio.extend(room_noise(pause, i as u32 + 1));
        let start = audio.len() as f64 / 16_000.0;
        audio.extend_from_slice(speech);
        if !speech.is_empty() {
            spans.push((start, audio.len() as f64 / 16_000.0));
        }
    }
    (audio, spans)
}

/// With voice-activity detection the pauses are not decoded, yet every word comes back, each inside the
/// stretch of audio where it was spoken (0.3 s either way), and the text is the same as without it.
#[test]
#[ignore = "needs the test models: cargo xtask test"]
fn vad_skips_pauses_and_keeps_every_word_where_it_was_said() {
    let (audio, spans) = interview_with_pauses();
    let engine = engine();
    let run = |opts: &Options| engine.transcribe_samples(&audio, opts, &NoProgress, &CancelToken::new()).expect("ok");
    let with = run(&Options::default());
    let without = run(&no_vad());
    let reference = format!("{JFK} {JFK}");
    let (wer_with, wer_without) =
        (word_error_rate(&reference, &with.text()), word_error_rate(&reference, &without.text()));
    eprintln!("VAD: {:?} WER {wer_with:.3}; notes {:?}\nno VAD: WER {wer_without:.3}", with.text(), with.notes);
    assert!(wer_with <= 0.10, "{}", with.text());
    assert!(wer_with <= wer_without + 0.005, "VAD {wer_with} against {wer_without} without");
    let seconds = with
        .notes
        .iter()
        .find_map(|n| match n {
            crate::TranscriptNote::PausesSkipped { quiet_s, .. } => Some(*quiet_s),
            _ => None,
        })
        .expect("the skipped pauses are noted");
    assert!(seconds >= 25.0, "{seconds} s skipped of 34 s of pauses");
    check_timestamps(&with);
    for w in with.words() {
        assert!(
            spans.iter().any(|&(a, b)| a - 0.3 <= w.start && w.end <= b + 0.3),
            "{w:?} lies outside the speech {spans:?}"
        );
    }
    // A segment starts and ends in speech, not in a pause that was cut out (it may span one).
    let in_speech = |t: f64| spans.iter().any(|&(a, b)| a - 0.3 <= t && t <= b + 0.3);
    for s in &with.segments {
        assert!(in_speech(s.start) && in_speech(s.end), "{:?} starts or ends in a pause", (s.start, s.end, &s.text));
    }
    // The duration is the original audio's, pauses included.
    assert!((with.duration_s - audio.len() as f64 / 16_000.0).abs() < 0.01);
}

/// The gate decides the same whatever the size of the blocks the decoder hands it.
#[test]
#[ignore = "needs the test models: cargo xtask test"]
fn vad_decisions_do_not_depend_on_block_sizes() {
    use crate::vad::{Gate, Rules, Vad};
    let (audio, _) = interview_with_pauses();
    let mut long = audio.clone();
    for _ in 0..3 {
        long.extend_from_slice(&audio); // past two 30 s windows
    }
    let kept = |block: usize| {
        let mut gate = Gate::new(Vad::load(&vad_model()).expect("vad"), Rules::default());
        let mut out: Vec<(u64, usize)> = Vec::new();
        let mut take = |at: u64, s: &[f32]| {
            match out.last_mut() {
                Some((a, n)) if *a + *n as u64 == at => *n += s.len(),
                _ => out.push((at, s.len())),
            }
            Ok(())
        };
        for b in long.chunks(block) {
            gate.push(b, &mut take).expect("push");
        }
        gate.finish(&mut take).expect("finish");
        out
    };
    let a = kept(16_000);
    assert_eq!(a, kept(1_234));
    assert_eq!(a, kept(long.len()));
    let total: usize = a.iter().map(|p| p.1).sum();
    // 22 s of speech in each 56 s copy: at least three pieces a copy, well under 70 % of the audio kept.
    assert!(a.len() >= 12 && total * 10 < long.len() * 7, "{a:?}");
}

#[test]
#[ignore = "needs the test models: cargo xtask test"]
fn a_file_that_is_not_silero_is_refused_clearly() {
    let err = crate::vad::Vad::load(model()).err().expect("a Whisper model is not a VAD model");
    assert!(err.to_string().contains("not a usable Silero VAD"), "{err}");
    // A damaged VAD file does not stop a transcription: the pauses are decoded too, and the transcript says so.
    let engine = Engine::load(model()).expect("load").with_vad(Some(model().to_path_buf()));
    let (t, _) =
        engine.transcribe_file(&jfk(), &Options::default(), &NoProgress, &CancelToken::new(), None).expect("ok");
    assert!(word_error_rate(JFK, &t.text()) <= 0.10, "{}", t.text());
    assert!(t.notes.iter().any(|n| matches!(n, crate::TranscriptNote::VadFailed { .. })), "{:?}", t.notes);
}

#[test]
#[ignore = "needs the test models: cargo xtask test"]
fn a_killed_recording_is_repaired_and_transcribed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("interview.wav");
    // jfk.wav (11 s) is fed in real time, then silence; the recorder is killed once its file on disk
    // holds all of jfk.wav and half a second of the silence.
    let declared = crate::record::tests::record_and_kill(&out, Some(&jfk()), 11.5);
    let reports = crate::record::recover(dir.path()).expect("recover");
    assert_eq!(reports.len(), 1);
    assert!(reports[0].duration_s >= declared, "{reports:?}: {declared} s were on disk before the kill");
    let t = transcribe(&out, &Options::default());
    let wer = word_error_rate(JFK, &t.text());
    eprintln!("recovered recording: {:?} WER {wer:.3}", t.text());
    assert!(wer <= 0.10);
}

/// pyannote.audio's two-speaker sample (30 s of a real conversation): its folder and reference turns.
fn conversation() -> (PathBuf, Vec<byline_speakers::der::Labelled>) {
    let sample = cache().join("packages/pyannote.audio-4.0.7/src/pyannote/audio/sample");
    let rttm = std::fs::read_to_string(sample.join("sample.rttm")).expect("rttm");
    (sample, byline_speakers::der::parse_rttm(&rttm, "sample").expect("parse"))
}

/// The test engine with CAM++ for telling speakers apart.
fn speaker_engine() -> Engine {
    let campp = cache().join("home/models").join(crate::SPEAKER_MODEL).join("campplus_cn_en_common.pt");
    engine().with_speaker_model(Some(campp))
}

/// pyannote.audio's two-speaker sample (30 s, reference turns in RTTM), transcribed with speakers: two are
/// found, and the words land with the right one as often as the reference allows.
#[test]
#[ignore = "needs the test models: cargo xtask test"]
fn speakers_are_told_apart_word_by_word_on_a_real_conversation() {
    let (sample, reference) = conversation();
    let engine = speaker_engine();
    let opts = Options { speakers: Some(0), ..Options::default() };
    let t =
        engine.transcribe_file(&sample.join("sample.wav"), &opts, &NoProgress, &CancelToken::new(), None).expect("t").0;
    check_timestamps(&t);
    let names: Vec<String> = crate::speakers::speakers(&t).into_iter().map(|s| s.name).collect();
    assert_eq!(names, ["Speaker 1", "Speaker 2"], "{:?}", t.notes);
    assert!(t.notes.iter().any(|n| n.to_string().contains("2 speakers told apart (CAM++")), "{:?}", t.notes);
    // Each word whose middle falls where exactly one reference speaker talks, against that speaker, under
    // the better of the two ways of pairing the names.
    let mut pairs: Vec<(&str, &str)> = Vec::new();
    for seg in &t.segments {
        for w in &seg.words {
            let mid = (w.start + w.end) / 2.0;
            let talking: Vec<&str> =
                reference.iter().filter(|r| r.start <= mid && mid < r.end).map(|r| r.speaker.as_str()).collect();
            if let [who] = talking[..] {
                pairs.push((who, seg.speaker.as_deref().expect("every segment has a speaker")));
            }
        }
    }
    let agree = |a: &str| pairs.iter().filter(|(r, h)| (*r == "speaker90") == (*h == a)).count();
    let best = agree("Speaker 1").max(agree("Speaker 2"));
    let share = best as f64 / pairs.len() as f64;
    println!("{best} of {} words with the reference speaker ({:.1} %)", pairs.len(), 100.0 * share);
    assert!(pairs.len() >= 40, "{} words scored", pairs.len());
    assert!(share >= 0.85, "{best} of {} words with the right speaker", pairs.len());
    let srt = String::from_utf8(
        crate::export::export(&t, crate::export::ExportFormat::Srt, crate::export::ExportOptions::default())
            .expect("srt"),
    )
    .expect("utf8");
    assert!(srt.contains("Speaker 1: ") && srt.contains("Speaker 2: "), "{srt}");
}

/// A voice named and saved in one transcript is recognised in the next: the first 18 s of pyannote.audio's
/// sample are transcribed and the first voice named "Diane"; transcribing the rest of the recording (a new
/// stretch of the conversation) puts "Diane" on her words there. Deleting the voice forgets it.
#[test]
#[ignore = "needs the test models: cargo xtask test"]
fn a_named_voice_is_recognised_in_the_next_recording() {
    let (sample, reference) = conversation();
    let engine = speaker_engine();
    let dir = tempfile::tempdir().expect("tempdir");
    let lib = byline_library::Library::open(&dir.path().join("library.sqlite3")).expect("library");
    let wav = sample.join("sample.wav");
    let run = |start_s: f64, end_s: Option<f64>| {
        let opts = Options { speakers: Some(2), start_s: Some(start_s), end_s, ..Options::default() };
        crate::transcribe_and_store(
            &engine,
            Some((&lib, "tiny.en")),
            &wav,
            &opts,
            &NoProgress,
            &CancelToken::new(),
            None,
        )
        .expect("transcribe")
    };
    // Who says the word at `t` per the reference, when exactly one person does.
    let who = |t: f64| {
        let talking: Vec<&str> =
            reference.iter().filter(|r| r.start <= t && t < r.end).map(|r| r.speaker.as_str()).collect();
        (talking.len() == 1).then(|| talking[0])
    };
    let first = run(0.0, Some(18.0));
    let id = first.id.expect("stored");
    // The found speaker whose words are mostly speaker90's ("Diane" in the sample's transcript).
    let diane = crate::speakers::speakers(&first.transcript)
        .into_iter()
        .max_by_key(|s| {
            first
                .transcript
                .segments
                .iter()
                .filter(|g| g.speaker.as_ref() == Some(&s.name))
                .flat_map(|g| &g.words)
                .filter(|w| who((w.start + w.end) / 2.0) == Some("speaker90"))
                .count()
        })
        .expect("speakers")
        .name;
    let mut edited = first.transcript.clone();
    crate::speakers::rename(&mut edited, &diane, "Diane").expect("rename");
    crate::store::save_edit(lib.connection(), id, &edited).expect("save");
    let profiles = crate::voices::list(lib.connection()).expect("profiles");
    assert_eq!(profiles.iter().map(|p| p.name.as_str()).collect::<Vec<_>>(), ["Diane"]);

    let second = run(18.0, None);
    assert!(
        second.transcript.notes.iter().any(|n| n.to_string().contains("is Diane")),
        "{:?}",
        second.transcript.notes
    );
    let (mut hers, mut named) = (0, 0);
    for seg in &second.transcript.segments {
        for w in &seg.words {
            if who((w.start + w.end) / 2.0) == Some("speaker90") {
                hers += 1;
                named += usize::from(seg.speaker.as_deref() == Some("Diane"));
            }
        }
    }
    println!("{named} of {hers} of Diane's words in the second part carry her name");
    assert!(hers >= 5 && named * 10 >= hers * 8, "{named} of {hers}");

    crate::voices::delete(lib.connection(), "Diane").expect("delete");
    assert!(crate::voices::list(lib.connection()).expect("profiles").is_empty());
    let third = run(18.0, None);
    assert!(!third.transcript.speakers_named("Diane"), "a deleted voice is not recognised");
}

/// A phone call recorded with one voice per channel (built from pyannote.audio's real two-speaker sample:
/// each reference speaker's stretches on their own channel, with the other voice leaking in 26 dB down):
/// the speakers are told apart by channel, and nearly every word goes to the right one.
#[test]
#[ignore = "needs the test models: cargo xtask test"]
fn a_two_channel_call_is_split_by_channel() {
    let (sample, reference) = conversation();
    let (mono, _) = crate::load_16k_mono(&sample.join("sample.wav"), &CancelToken::new()).expect("load");
    let talks = |who: &str, i: usize| {
        let t = i as f64 / 16_000.0;
        reference.iter().any(|r| r.speaker == who && r.start <= t && t < r.end)
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let call = dir.path().join("call.wav");
    let spec = hound::WavSpec {
        channels: 2,
        sample_rate: 16_000,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut w = hound::WavWriter::create(&call, spec).expect("create");
    for (i, s) in mono.iter().enumerate() {
        let (a, b) = (talks("speaker90", i), talks("speaker91", i));
        let gain = |mine: bool, other: bool| {
            if mine {
                1.0
            } else if other {
                0.05
            } else {
                0.3
            }
        };
        for g in [gain(a, b), gain(b, a)] {
            w.write_sample((s * g * 32767.0).round().clamp(-32768.0, 32767.0) as i16).expect("write");
        }
    }
    w.finalize().expect("finalize");
    let opts = Options { speakers: Some(0), ..Options::default() };
    let t = engine().transcribe_file(&call, &opts, &NoProgress, &CancelToken::new(), None).expect("transcribe").0;
    assert!(
        t.notes.iter().any(|n| n.to_string().contains("2 speakers told apart (one voice per channel")),
        "{:?}",
        t.notes
    );
    let (mut scored, mut right) = (0, 0);
    for seg in &t.segments {
        for w in &seg.words {
            let mid = ((w.start + w.end) / 2.0 * 16_000.0) as usize;
            let (a, b) = (talks("speaker90", mid), talks("speaker91", mid));
            if a != b {
                scored += 1;
                // speaker90 speaks first, on the left: "Speaker 1".
                let want = if a { "Speaker 1" } else { "Speaker 2" };
                right += usize::from(seg.speaker.as_deref() == Some(want));
            }
        }
    }
    println!("{right} of {scored} words on the right channel's speaker");
    assert!(scored >= 40 && right * 100 >= scored * 95, "{right} of {scored}");
}
