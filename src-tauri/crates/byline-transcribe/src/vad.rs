//! Voice-activity detection with Silero VAD (the ggml file whisper.cpp's own VAD loads): pauses are cut out
//! of the stream before Whisper sees it, so an interview full of silences costs fewer encoder passes, and
//! every timestamp is mapped back to the original audio exactly ([`TimeMap`]).
//!
//! The stream is scored in windows of [`WINDOW`] samples (Silero's LSTM restarts at each, so each window is
//! given the second of audio before it to warm up on). What is kept is decided by [`keep_frames`] on the
//! probabilities of everything seen so far, but only up to a window behind the newest one, far beyond the
//! longest look-ahead the rules need, so a decision never changes once audio has been passed on.

use std::path::Path;

use byline_core::{Error, Result};
use whisper_rs::{WhisperVadContext, WhisperVadContextParams};

use crate::resample::TARGET_RATE;

/// Silero scores 512 samples (32 ms at 16 kHz) at a time.
pub const FRAME: usize = 512;
const RATE: usize = TARGET_RATE as usize;
/// Samples scored per call: 30 s.
const WINDOW: usize = 30 * RATE / FRAME * FRAME;
/// Audio before a window that Silero warms up on and whose scores are thrown away: about one second.
const WARMUP: usize = 31 * FRAME;

/// The rules that turn per-frame speech probabilities into the audio that is kept.
#[derive(Clone, Copy, Debug)]
pub struct Rules {
    /// A frame at or above this probability starts speech…
    pub start: f32,
    /// …and speech ends once frames stay below this one for `min_silence` frames.
    pub stop: f32,
    /// Pauses shorter than this are kept whole (frames).
    pub min_silence: usize,
    /// Speech shorter than this is dropped as a click or a cough (frames).
    pub min_speech: usize,
    /// Audio kept on either side of speech, so no word loses its edges (frames).
    pub pad: usize,
}

impl Default for Rules {
    fn default() -> Self {
        let frames = |ms: usize| (ms * RATE / 1000).div_ceil(FRAME);
        // Silero's own defaults for the thresholds; a pause must last 0.7 s to be cut, and 0.25 s of it
        // stays on either side, so speech keeps its breath and Whisper still hears where sentences end.
        Self { start: 0.5, stop: 0.35, min_silence: frames(700), min_speech: frames(200), pad: frames(250) }
    }
}

/// Which frames to keep, given the speech probability of each.
pub fn keep_frames(probs: &[f32], rules: &Rules) -> Vec<bool> {
    let n = probs.len();
    let mut regions: Vec<(usize, usize)> = Vec::new();
    let mut start: Option<usize> = None;
    let mut quiet_since: Option<usize> = None;
    for (i, &p) in probs.iter().enumerate() {
        match start {
            None if p >= rules.start => {
                start = Some(i);
                quiet_since = None;
            }
            None => {}
            Some(s) => {
                if p >= rules.stop {
                    quiet_since = None;
                } else {
                    let q = *quiet_since.get_or_insert(i);
                    if i + 1 - q >= rules.min_silence {
                        regions.push((s, q));
                        start = None;
                        quiet_since = None;
                    }
                }
            }
        }
    }
    if let Some(s) = start {
        regions.push((s, quiet_since.unwrap_or(n)));
    }
    let mut keep = vec![false; n];
    for (a, b) in regions.into_iter().filter(|(a, b)| b - a >= rules.min_speech) {
        keep[a.saturating_sub(rules.pad)..(b + rules.pad).min(n)].fill(true);
    }
    keep
}

/// Where the kept audio came from: piece by piece, the position in the kept stream and in the original.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TimeMap {
    /// (start in the kept stream, start in the original, length), in samples, in order and without gaps
    /// in the kept stream.
    pieces: Vec<(u64, u64, u64)>,
}

impl TimeMap {
    /// Records that the next `len` kept samples are the original samples from `original`.
    pub fn push(&mut self, original: u64, len: u64) {
        if len == 0 {
            return;
        }
        match self.pieces.last_mut() {
            Some((_, o, l)) if *o + *l == original => *l += len,
            last => {
                let kept = last.map_or(0, |(k, _, l)| *k + *l);
                self.pieces.push((kept, original, len));
            }
        }
    }

    /// The number of samples kept so far.
    pub fn kept(&self) -> u64 {
        self.pieces.last().map_or(0, |(k, _, l)| k + l)
    }

    /// The time in the original audio of `seconds` into the kept stream. A time past the end of a piece (the
    /// end of a word at a cut) stays at the end of that piece, never in the pause that was removed.
    pub fn to_original(&self, seconds: f64) -> f64 {
        let rate = f64::from(TARGET_RATE);
        let at = seconds * rate;
        let i = self.pieces.partition_point(|(k, _, _)| (*k as f64) <= at);
        let Some(&(k, o, l)) = i.checked_sub(1).and_then(|i| self.pieces.get(i)) else {
            return seconds; // before anything was kept, or nothing was
        };
        (o as f64 + (at - k as f64).min(l as f64)) / rate
    }
}

impl TimeMap {
    /// The stretch of original audio, in seconds, of the kept piece that holds original time `seconds`;
    /// `None` when nothing was cut (the whole stream is one piece) or the time was not kept.
    pub fn piece_around(&self, seconds: f64) -> Option<(f64, f64)> {
        if self.pieces.len() < 2 {
            return None;
        }
        let rate = f64::from(TARGET_RATE);
        let at = seconds * rate;
        let i = self.pieces.partition_point(|(_, o, _)| (*o as f64) <= at).checked_sub(1)?;
        let (_, o, l) = self.pieces[i];
        (at <= (o + l) as f64).then(|| (o as f64 / rate, (o + l) as f64 / rate))
    }
}

/// A loaded Silero model.
pub struct Vad {
    ctx: WhisperVadContext,
}

impl Vad {
    pub fn load(path: &Path) -> Result<Self> {
        let unusable = || Error::InvalidInput(format!("{} is not a usable Silero VAD (ggml) file", path.display()));
        if !byline_models::formats::is_silero_ggml(path) {
            return Err(unusable());
        }
        let mut params = WhisperVadContextParams::new();
        // The model is tiny: one thread and the CPU score a minute of audio in well under a second.
        params.set_n_threads(1);
        params.set_use_gpu(false);
        let ctx = WhisperVadContext::new(&path.to_string_lossy(), params).map_err(|_| unusable())?;
        Ok(Self { ctx })
    }

    /// The speech probability of each [`FRAME`] of `samples` (a last partial frame is padded with zeros).
    pub fn probabilities(&mut self, samples: &[f32]) -> Result<Vec<f32>> {
        if samples.is_empty() {
            return Ok(Vec::new());
        }
        self.ctx
            .detect_speech(samples)
            .map_err(|e| Error::InvalidInput(format!("voice-activity detection failed: {e}")))?;
        Ok(self.ctx.probabilities().to_vec())
    }
}

/// Passes on only the audio [`keep_frames`] keeps, as it streams in, each piece with its original position.
pub struct Gate {
    vad: Vad,
    rules: Rules,
    /// Original audio not yet passed on or dropped; `pending[0]` is original sample `pending_start`.
    pending: Vec<f32>,
    pending_start: u64,
    /// Original samples scored so far (a multiple of FRAME, except after `finish`).
    scored: u64,
    probs: Vec<f32>,
    /// Original samples already passed on or dropped.
    decided: u64,
}

impl Gate {
    pub fn new(vad: Vad, rules: Rules) -> Self {
        Self { vad, rules, pending: Vec::new(), pending_start: 0, scored: 0, probs: Vec::new(), decided: 0 }
    }

    /// Takes the next original samples; hands on the kept ones (possibly none yet).
    pub fn push(&mut self, samples: &[f32], out: &mut dyn FnMut(u64, &[f32]) -> Result<()>) -> Result<()> {
        self.pending.extend_from_slice(samples);
        while self.unscored() >= WINDOW {
            self.score(WINDOW)?;
            // Frames more than a window behind the newest score can no longer change.
            let settled = (self.probs.len() * FRAME).saturating_sub(WINDOW) as u64;
            self.release(settled, out)?;
        }
        Ok(())
    }

    /// Scores and decides the rest of the stream.
    pub fn finish(&mut self, out: &mut dyn FnMut(u64, &[f32]) -> Result<()>) -> Result<()> {
        let rest = self.unscored();
        if rest > 0 {
            self.score(rest)?;
        }
        let end = self.pending_start + self.pending.len() as u64;
        self.release(end, out)
    }

    /// Original samples already passed on or dropped.
    pub fn decided(&self) -> u64 {
        self.decided
    }

    fn unscored(&self) -> usize {
        (self.pending_start + self.pending.len() as u64 - self.scored) as usize
    }

    /// Scores the next `len` unscored samples, with the audio before them to warm up on.
    fn score(&mut self, len: usize) -> Result<()> {
        let from = (self.scored - self.pending_start) as usize;
        let warm = from.min(WARMUP) / FRAME * FRAME;
        let probs = self.vad.probabilities(&self.pending[from - warm..from + len])?;
        self.probs.extend_from_slice(&probs[(warm / FRAME).min(probs.len())..]);
        self.scored += len as u64;
        Ok(())
    }

    /// Passes on the kept audio before original sample `until` and forgets everything before it except the
    /// warm-up audio the next window needs.
    fn release(&mut self, until: u64, out: &mut dyn FnMut(u64, &[f32]) -> Result<()>) -> Result<()> {
        let keep = keep_frames(&self.probs, &self.rules);
        let kept = |sample: u64| keep.get((sample / FRAME as u64) as usize).copied().unwrap_or(false);
        let next_frame = |sample: u64| ((sample / FRAME as u64 + 1) * FRAME as u64).min(until);
        let mut i = self.decided;
        while i < until {
            if !kept(i) {
                i = next_frame(i);
                continue;
            }
            let mut j = i;
            while j < until && kept(j) {
                j = next_frame(j);
            }
            out(i, &self.pending[(i - self.pending_start) as usize..(j - self.pending_start) as usize])?;
            i = j;
        }
        self.decided = until;
        let forget = until.min(self.scored.saturating_sub(WARMUP as u64)).max(self.pending_start);
        self.pending.drain(..(forget - self.pending_start) as usize);
        self.pending_start = forget;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules() -> Rules {
        Rules { start: 0.5, stop: 0.35, min_silence: 4, min_speech: 3, pad: 1 }
    }

    fn frames(pattern: &str) -> Vec<f32> {
        pattern
            .chars()
            .map(|c| {
                if c == '#' {
                    0.9
                } else if c == '~' {
                    0.4
                } else {
                    0.05
                }
            })
            .collect()
    }

    fn shown(keep: &[bool]) -> String {
        keep.iter().map(|k| if *k { 'k' } else { '.' }).collect()
    }

    #[test]
    fn short_pauses_stay_long_ones_go_and_speech_keeps_its_edges() {
        // A three-frame pause is kept; the seven-frame one is cut down to one frame of padding on either side.
        let keep = keep_frames(&frames("..####...####.......####.."), &rules());
        assert_eq!(shown(&keep), ".kkkkkkkkkkkkk.....kkkkkk.");
    }

    #[test]
    fn hysteresis_clicks_and_the_end_of_the_stream() {
        // Frames between the two thresholds continue speech but never start it.
        assert_eq!(shown(&keep_frames(&frames("..~~~~..."), &rules())), ".........");
        assert_eq!(shown(&keep_frames(&frames(".###~~~~~~......"), &rules())), "kkkkkkkkkkk.....");
        // Speech shorter than min_speech is a click.
        assert_eq!(shown(&keep_frames(&frames("....##......"), &rules())), "............");
        // Speech running to the end of the stream is kept to the end.
        assert_eq!(shown(&keep_frames(&frames("......####"), &rules())), ".....kkkkk");
        assert!(keep_frames(&[], &rules()).is_empty());
    }

    #[test]
    fn the_time_map_goes_back_to_the_original_audio_exactly() {
        let mut map = TimeMap::default();
        // Kept: original 1 s to 3 s (in two touching pieces), then 10 s to 11 s.
        map.push(16_000, 16_000);
        map.push(32_000, 16_000);
        map.push(160_000, 16_000);
        map.push(200_000, 0);
        assert_eq!(map.kept(), 48_000);
        assert_eq!(map.pieces.len(), 2, "touching pieces merge");
        assert_eq!(map.to_original(0.0), 1.0);
        assert_eq!(map.to_original(1.5), 2.5);
        assert_eq!(map.to_original(2.0), 10.0);
        assert_eq!(map.to_original(2.25), 10.25);
        // Past the end of the last piece: its end, never beyond.
        assert_eq!(map.to_original(5.0), 11.0);
        assert_eq!(map.piece_around(2.5), Some((1.0, 3.0)));
        assert_eq!(map.piece_around(10.5), Some((10.0, 11.0)));
        assert_eq!(map.piece_around(5.0), None, "in a pause that was cut");
        // Nothing cut: every time is its own.
        let mut whole = TimeMap::default();
        whole.push(0, 10 * 16_000);
        assert!((whole.to_original(3.7) - 3.7).abs() < 1e-9);
        assert_eq!(whole.piece_around(3.7), None);
        assert_eq!(TimeMap::default().to_original(1.25), 1.25);
    }
}
