//! Energy-based voice-activity chunking of a 16 kHz stream. Whisper sees at most 30 s at a time; cutting
//! in the quietest place near the limit keeps words whole, and chunks without speech are never decoded —
//! silence is where Whisper invents text and falls into loops.

use byline_core::Result;

use crate::resample::TARGET_RATE;

const FRAME: usize = 320; // 20 ms
const RATE: usize = TARGET_RATE as usize;
/// Below Whisper's 30 s window, so a chunk is never cut by the model itself.
const MAX_CHUNK: usize = 28 * RATE;
/// The cut is searched for in the last seconds of a full chunk.
const SEARCH: usize = 8 * RATE;
/// RMS below which audio counts as silence whatever the noise floor (about −50 dBFS).
const SILENCE_RMS: f32 = 0.003;
/// Speech must last this long in a chunk for it to be transcribed.
const MIN_SPEECH: usize = 10; // frames = 0.2 s

/// A piece of audio handed to the transcriber.
pub struct Chunk<'a> {
    /// Offset of the first sample from the start of the stream.
    pub start_sample: u64,
    pub samples: &'a [f32],
    /// Whether the chunk holds enough loud-enough audio to be worth decoding.
    pub speech: bool,
}

/// Collects samples and emits chunks of at most 28 s, each cut at a quiet moment.
#[derive(Default)]
pub struct Chunker {
    buf: Vec<f32>,
    buf_start: u64,
}

fn rms(frame: &[f32]) -> f32 {
    if frame.is_empty() {
        return 0.0;
    }
    (frame.iter().map(|s| s * s).sum::<f32>() / frame.len() as f32).sqrt()
}

/// Whether `samples` contain speech-like energy: frames louder than both an absolute floor and twice
/// the chunk's own noise floor (its 10th-percentile frame), for at least 0.2 s. Speech rises and falls
/// between syllables, so it clears its own floor; steady hum or hiss does not.
pub fn has_speech(samples: &[f32]) -> bool {
    speech_span(samples).is_some()
}

/// The stretch of `samples` from the first to the last speech-like frame, with half a second of margin,
/// or `None` without speech. Whisper is given only this stretch: long silence at the end of a window is
/// where it invents text, and each silent tail would cost another pass of the encoder.
pub fn speech_span(samples: &[f32]) -> Option<(usize, usize)> {
    let levels: Vec<f32> = samples.chunks(FRAME).map(rms).collect();
    if levels.len() < MIN_SPEECH {
        return None;
    }
    let mut sorted = levels.clone();
    sorted.sort_by(f32::total_cmp);
    let threshold = SILENCE_RMS.max(2.0 * sorted[sorted.len() / 10]);
    let loud: Vec<usize> = levels.iter().enumerate().filter(|(_, l)| **l > threshold).map(|(i, _)| i).collect();
    if loud.len() < MIN_SPEECH {
        return None;
    }
    let margin = RATE / 2;
    let first = loud[0] * FRAME;
    let last = (loud[loud.len() - 1] + 1) * FRAME;
    Some((first.saturating_sub(margin), (last + margin).min(samples.len())))
}

/// Index (in samples, relative to `samples`) of the quietest 60 ms in the last [`SEARCH`] samples.
fn quiet_cut(samples: &[f32]) -> usize {
    let from = samples.len().saturating_sub(SEARCH);
    let levels: Vec<f32> = samples[from..].chunks(FRAME).map(rms).collect();
    let mut best = (f32::MAX, levels.len().saturating_sub(1));
    for i in 1..levels.len().saturating_sub(1) {
        let l = levels[i - 1] + levels[i] + levels[i + 1];
        // `<=` prefers the latest of equally quiet places, which keeps chunks long.
        if l <= best.0 {
            best = (l, i);
        }
    }
    (from + best.1 * FRAME + FRAME / 2).min(samples.len())
}

impl Chunker {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn push(&mut self, samples: &[f32], on_chunk: &mut dyn FnMut(Chunk<'_>) -> Result<()>) -> Result<()> {
        self.buf.extend_from_slice(samples);
        while self.buf.len() >= MAX_CHUNK {
            let cut = quiet_cut(&self.buf[..MAX_CHUNK]).max(RATE);
            let piece = &self.buf[..cut];
            on_chunk(Chunk { start_sample: self.buf_start, samples: piece, speech: has_speech(piece) })?;
            self.buf.drain(..cut);
            self.buf_start += cut as u64;
        }
        Ok(())
    }

    /// Samples held back, waiting for a chunk to fill.
    pub fn pending(&self) -> usize {
        self.buf.len()
    }

    pub fn finish(&mut self, on_chunk: &mut dyn FnMut(Chunk<'_>) -> Result<()>) -> Result<()> {
        if !self.buf.is_empty() {
            let piece = std::mem::take(&mut self.buf);
            on_chunk(Chunk { start_sample: self.buf_start, samples: &piece, speech: has_speech(&piece) })?;
            self.buf_start += piece.len() as u64;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A tone whose loudness rises and falls three times a second, like syllables.
    fn tone(seconds: f32, amp: f32) -> Vec<f32> {
        (0..(seconds * RATE as f32) as usize)
            .map(|i| {
                let t = i as f32 / RATE as f32;
                amp * (0.2 + 0.8 * (t * 3.0 * std::f32::consts::TAU).sin().abs()) * (i as f32 * 0.07).sin()
            })
            .collect()
    }

    #[test]
    fn cuts_long_audio_at_silence_and_flags_speechless_chunks() {
        // 20 s "speech", 1 s silence, 20 s speech, then 60 s silence.
        let mut audio = tone(20.0, 0.3);
        audio.extend(vec![0.0; RATE]);
        audio.extend(tone(20.0, 0.3));
        audio.extend(vec![0.0; 60 * RATE]);
        let mut chunks = Vec::new();
        let mut chunker = Chunker::new();
        let mut record = |c: Chunk<'_>| {
            chunks.push((c.start_sample, c.samples.len(), c.speech));
            Ok(())
        };
        for piece in audio.chunks(4000) {
            chunker.push(piece, &mut record).expect("push");
        }
        chunker.finish(&mut record).expect("finish");
        // The first cut falls inside the one-second pause.
        let first_cut = chunks[0].1;
        assert!((20 * RATE..21 * RATE).contains(&first_cut), "{chunks:?}");
        assert!(chunks.iter().all(|c| c.1 <= MAX_CHUNK));
        assert_eq!(chunks.iter().map(|c| c.1).sum::<usize>(), audio.len());
        assert!(chunks[0].2 && chunks[1].2);
        assert!(!chunks.last().expect("last").2, "trailing silence is not speech");
        let starts: Vec<u64> = chunks.iter().map(|c| c.0).collect();
        assert!(starts.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn steady_noise_is_not_speech_but_quiet_speech_over_silence_is() {
        let noise: Vec<f32> = (0..5 * RATE).map(|i| 0.02 * (((i * 7919) % 101) as f32 / 50.0 - 1.0)).collect();
        assert!(!has_speech(&noise));
        let mut quiet = vec![0.0; 2 * RATE];
        quiet.extend(tone(1.0, 0.02));
        assert!(has_speech(&quiet));
        assert!(!has_speech(&vec![0.0; 10 * RATE]));
        // The span covers the tone (2 s to 3 s) with half a second either side.
        let (a, b) = speech_span(&quiet).expect("speech");
        assert!((RATE * 3 / 2 - 2 * FRAME..=RATE * 3 / 2 + 2 * FRAME).contains(&a), "{a}");
        assert_eq!(b, quiet.len());
    }
}
