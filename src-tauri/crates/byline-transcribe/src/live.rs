//! Live transcription while recording: the audio since the last settled line is transcribed again every
//! [`STEP`] of new audio, so words appear within a few seconds of being spoken and change as more context
//! arrives; once the open stretch is long enough, all but its last segment settle and are not decoded again.
//! The text so far is also written to a file beside the recording after every update, so a crash leaves it
//! next to the repaired WAV. When recording stops, the usual full pass over the file replaces the live text.

use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, RecvTimeoutError, TryRecvError};
use std::time::Duration;

use byline_core::{CancelToken, Error, NoProgress, Result};
use serde::Serialize;

use crate::record::{Control, RecordSummary, record_tapped};
use crate::resample::{MonoResampler, TARGET_RATE};
use crate::{Engine, Options, Segment};

const RATE: usize = TARGET_RATE as usize;
/// New audio between two passes over the open stretch.
const STEP: usize = RATE * 3 / 2;
/// Once the open stretch is this long, all its segments but the last settle.
const SETTLE_AFTER: usize = 12 * RATE;
/// The open stretch never grows past this (Whisper's window is 30 s): what is older settles whatever it is.
const MAX_OPEN: usize = 24 * RATE;
/// An open stretch without speech is dropped once this long (only its last second is kept).
const SILENT_DROP: usize = 6 * RATE;

/// What the live text looks like after a pass.
#[derive(Clone, Debug, Default, Serialize, PartialEq, ts_rs::TS)]
pub struct LiveUpdate {
    /// Segments that settled in this pass (they stay as they are until the final pass).
    pub settled: Vec<Segment>,
    /// The current guess for the open stretch; replaced by the next update.
    pub tentative: Vec<Segment>,
}

/// The file beside a recording that holds its live text: `interview.wav` → `interview.wav.live.txt`.
pub fn live_text_path(wav: &Path) -> PathBuf {
    let mut name = wav.file_name().unwrap_or_default().to_os_string();
    name.push(".live.txt");
    wav.with_file_name(name)
}

/// The live transcriber's state: settled text and the open stretch of 16 kHz audio.
pub struct Live<'e> {
    engine: &'e Engine,
    opts: Options,
    open: Vec<f32>,
    /// Where the open stretch starts, in 16 kHz samples from the start of the recording.
    open_start: u64,
    /// Samples added since the last pass.
    fresh: usize,
    settled: Vec<Segment>,
    tentative: Vec<Segment>,
    text_file: Option<PathBuf>,
}

impl<'e> Live<'e> {
    /// `text_file` receives the text so far after each pass.
    pub fn new(engine: &'e Engine, opts: &Options, text_file: Option<PathBuf>) -> Self {
        // Each pass transcribes the open stretch from its start: a range of the take makes no sense here.
        let opts = Options { start_s: None, end_s: None, ..opts.clone() };
        Self {
            engine,
            opts,
            open: Vec::new(),
            open_start: 0,
            fresh: 0,
            settled: Vec::new(),
            tentative: Vec::new(),
            text_file,
        }
    }

    /// Adds 16 kHz samples.
    pub fn push(&mut self, samples: &[f32]) {
        self.open.extend_from_slice(samples);
        self.fresh += samples.len();
    }

    /// Whether enough new audio arrived for another pass.
    pub fn due(&self) -> bool {
        self.fresh >= STEP
    }

    /// Transcribes the open stretch again and settles what is old enough; `last` settles everything.
    pub fn pass(&mut self, last: bool, cancel: &CancelToken) -> Result<LiveUpdate> {
        self.fresh = 0;
        let at = self.open_start as f64 / RATE as f64;
        let mut segments = if self.open.is_empty() {
            Vec::new()
        } else {
            self.engine.transcribe_samples(&self.open, &self.opts, &NoProgress, cancel)?.segments
        };
        for s in &mut segments {
            s.start += at;
            s.end += at;
            for w in &mut s.words {
                w.start += at;
                w.end += at;
            }
        }
        let len = self.open.len();
        let settle = match segments.len() {
            0 => 0,
            n if last => n,
            n if len >= MAX_OPEN => (n - 1).max(1),
            n if len >= SETTLE_AFTER => n - 1,
            _ => 0,
        };
        let settled: Vec<Segment> = segments.drain(..settle).collect();
        // The open stretch now starts where the last settled segment ended, or, in a long silence, a second
        // before the end.
        let mut cut = match settled.last() {
            Some(s) => (((s.end - at).max(0.0) * RATE as f64) as usize).min(len),
            None if segments.is_empty() && len >= SILENT_DROP => len - RATE,
            None => 0,
        };
        if len - cut > MAX_OPEN {
            // Timestamps that never let the stretch move on: it must stay within Whisper's window.
            cut = len - MAX_OPEN / 2;
        }
        self.open.drain(..cut);
        self.open_start += cut as u64;
        self.settled.extend(settled.iter().cloned());
        self.tentative = segments;
        self.write_text()?;
        Ok(LiveUpdate { settled, tentative: self.tentative.clone() })
    }

    /// All settled segments so far.
    pub fn settled(&self) -> &[Segment] {
        &self.settled
    }

    /// The text so far, settled lines first.
    pub fn text(&self) -> String {
        self.settled.iter().chain(&self.tentative).map(|s| s.text.as_str()).collect::<Vec<_>>().join("\n")
    }

    fn write_text(&self) -> Result<()> {
        let Some(path) = &self.text_file else { return Ok(()) };
        let tmp = path.with_extension("tmp");
        std::fs::write(&tmp, self.text() + "\n").map_err(|e| Error::io(format!("writing {}", tmp.display()), e))?;
        std::fs::rename(&tmp, path).map_err(|e| Error::io(format!("writing {}", path.display()), e))
    }
}

/// Transcribes blocks at `rate` from `rx` as they arrive, until the sender hangs up, then settles the rest.
/// Passes never fall behind: blocks that arrived during a pass are all taken before the next one.
pub fn transcribe_live(
    engine: &Engine,
    opts: &Options,
    rate: u32,
    rx: &Receiver<Vec<f32>>,
    text_file: Option<PathBuf>,
    cancel: &CancelToken,
    on_update: &mut (dyn FnMut(&LiveUpdate) + Send),
) -> Result<Vec<Segment>> {
    let mut live = Live::new(engine, opts, text_file);
    let mut resampler = MonoResampler::new(rate)?;
    let mut feed = |live: &mut Live<'_>, block: &[f32]| {
        resampler.push(block, &mut |s| {
            live.push(s);
            Ok(())
        })
    };
    'recording: loop {
        cancel.check()?;
        match rx.recv_timeout(Duration::from_millis(100)) {
            Ok(block) => feed(&mut live, &block)?,
            Err(RecvTimeoutError::Timeout) => continue,
            Err(RecvTimeoutError::Disconnected) => break,
        }
        // Catch up with everything already waiting before spending a pass.
        loop {
            match rx.try_recv() {
                Ok(block) => feed(&mut live, &block)?,
                Err(TryRecvError::Empty) => break,
                Err(TryRecvError::Disconnected) => break 'recording,
            }
        }
        if live.due() {
            on_update(&live.pass(false, cancel)?);
        }
    }
    resampler.finish(&mut |s| {
        live.push(s);
        Ok(())
    })?;
    on_update(&live.pass(true, cancel)?);
    Ok(live.settled().to_vec())
}

/// Records like [`crate::record::record`] while transcribing live on another thread; the live text goes to
/// `on_update` and to [`live_text_path`]`(out)`. When the take ends, a live pass still running is dropped
/// (the full pass over the file replaces it). Returns the recording and, if live transcription failed, why.
pub fn record_live(
    out: &Path,
    rate: u32,
    rx: &Receiver<Vec<f32>>,
    control: &Control,
    engine: &Engine,
    opts: &Options,
    on_update: &mut (dyn FnMut(&LiveUpdate) + Send),
) -> Result<(RecordSummary, Option<Error>)> {
    std::thread::scope(|scope| {
        let (tx, live_rx) = std::sync::mpsc::channel::<Vec<f32>>();
        let stop = CancelToken::new();
        let live = {
            let (stop, text) = (stop.clone(), live_text_path(out));
            scope.spawn(move || transcribe_live(engine, opts, rate, &live_rx, Some(text), &stop, on_update))
        };
        let summary = record_tapped(out, rate, rx, control, &mut |block| {
            let _ = tx.send(block.to_vec());
        });
        control.stop();
        drop(tx);
        stop.cancel();
        let live_error = match live.join() {
            Ok(Ok(_) | Err(Error::Cancelled)) => None,
            Ok(Err(e)) => Some(e),
            Err(_) => Some(Error::Unavailable("live transcription stopped unexpectedly".into())),
        };
        Ok((summary?, live_error))
    })
}
