//! Streaming conversion of mono audio to 16 kHz with rubato's FFT resampler, so a long file never has to
//! sit in memory at its original rate.

use byline_core::{Error, Result};
use rubato::audioadapter_buffers::direct::InterleavedSlice;
use rubato::{Fft, FixedSync, Indexing, Resampler};

/// Whisper's input rate.
pub const TARGET_RATE: u32 = 16_000;

/// Fixed input chunk of the FFT resampler; small enough to keep latency and memory low.
const CHUNK: usize = 1024;

/// Resamples a mono stream to [`TARGET_RATE`]. Input arrives in arbitrary pieces through
/// [`push`](Self::push); resampled audio leaves through the sink, without the resampler's start-up delay.
pub struct MonoResampler {
    inner: Option<Fft<f32>>,
    pending: Vec<f32>,
    out: Vec<f32>,
    to_trim: usize,
    input_total: u64,
    emitted: u64,
    ratio: f64,
}

fn err(e: impl std::fmt::Display) -> Error {
    Error::InvalidInput(format!("resampling failed: {e}"))
}

impl MonoResampler {
    pub fn new(input_rate: u32) -> Result<Self> {
        if input_rate == 0 {
            return Err(Error::InvalidInput("the audio declares a sample rate of 0 Hz".into()));
        }
        let inner = if input_rate == TARGET_RATE {
            None
        } else {
            Some(Fft::new(input_rate as usize, TARGET_RATE as usize, CHUNK, 1, FixedSync::Input).map_err(err)?)
        };
        let to_trim = inner.as_ref().map_or(0, |r| r.output_delay());
        let out = vec![0.0; inner.as_ref().map_or(0, |r| r.output_frames_max())];
        Ok(Self {
            inner,
            pending: Vec::new(),
            out,
            to_trim,
            input_total: 0,
            emitted: 0,
            ratio: f64::from(TARGET_RATE) / f64::from(input_rate),
        })
    }

    /// Feeds input; the sink sees every finished block of 16 kHz samples.
    pub fn push(&mut self, input: &[f32], sink: &mut dyn FnMut(&[f32]) -> Result<()>) -> Result<()> {
        self.input_total += input.len() as u64;
        let Some(r) = self.inner.as_mut() else {
            self.emitted += input.len() as u64;
            return sink(input);
        };
        self.pending.extend_from_slice(input);
        let mut pos = 0;
        while self.pending.len() - pos >= r.input_frames_next() {
            let need = r.input_frames_next();
            let inp = InterleavedSlice::new(&self.pending[pos..pos + need], 1, need).map_err(err)?;
            let len = self.out.len();
            let mut out = InterleavedSlice::new_mut(&mut self.out, 1, len).map_err(err)?;
            let (n_in, n_out) = r.process_into_buffer(&inp, &mut out, None).map_err(err)?;
            pos += n_in;
            emit(&self.out[..n_out], &mut self.to_trim, &mut self.emitted, u64::MAX, sink)?;
        }
        self.pending.drain(..pos);
        Ok(())
    }

    /// Flushes the tail: the last partial chunk, then zeros until the output has the length the input implies.
    pub fn finish(&mut self, sink: &mut dyn FnMut(&[f32]) -> Result<()>) -> Result<()> {
        let Some(r) = self.inner.as_mut() else { return Ok(()) };
        let expected = (self.input_total as f64 * self.ratio).round() as u64;
        let need = r.input_frames_next();
        let mut tail = std::mem::take(&mut self.pending);
        let partial = tail.len();
        tail.resize(need.max(partial), 0.0);
        let mut indexing = Indexing::new().partial_len(partial);
        // Each round either drains the real tail or pumps silence through the filter; a few rounds suffice.
        for _ in 0..64 {
            if self.emitted >= expected {
                break;
            }
            let inp = InterleavedSlice::new(&tail[..need], 1, need).map_err(err)?;
            let len = self.out.len();
            let mut out = InterleavedSlice::new_mut(&mut self.out, 1, len).map_err(err)?;
            let (_, n_out) = r.process_into_buffer(&inp, &mut out, Some(&indexing)).map_err(err)?;
            emit(&self.out[..n_out], &mut self.to_trim, &mut self.emitted, expected, sink)?;
            indexing = Indexing::new().partial_len(0);
        }
        Ok(())
    }
}

fn emit(
    block: &[f32],
    to_trim: &mut usize,
    emitted: &mut u64,
    limit: u64,
    sink: &mut dyn FnMut(&[f32]) -> Result<()>,
) -> Result<()> {
    let skip = (*to_trim).min(block.len());
    *to_trim -= skip;
    let block = &block[skip..];
    let room = limit.saturating_sub(*emitted).min(block.len() as u64) as usize;
    if room == 0 {
        return Ok(());
    }
    *emitted += room as u64;
    sink(&block[..room])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(rate: u32, input: &[f32], piece: usize) -> Vec<f32> {
        let mut r = MonoResampler::new(rate).expect("resampler");
        let mut out = Vec::new();
        let mut sink = |s: &[f32]| {
            out.extend_from_slice(s);
            Ok(())
        };
        for chunk in input.chunks(piece) {
            r.push(chunk, &mut sink).expect("push");
        }
        r.finish(&mut sink).expect("finish");
        out
    }

    #[test]
    fn keeps_length_and_pitch_when_downsampling_48k() {
        let rate = 48_000;
        let tone: Vec<f32> =
            (0..rate).map(|i| (i as f32 * 440.0 * std::f32::consts::TAU / rate as f32).sin()).collect();
        let out = run(rate, &tone, 777);
        assert_eq!(out.len(), 16_000);
        // Count zero crossings: 440 Hz over one second crosses about 880 times.
        let crossings = out.windows(2).filter(|w| w[0] < 0.0 && w[1] >= 0.0).count();
        assert!((435..=445).contains(&crossings), "{crossings}");
        // The delay was trimmed: the output lines up with the ideal 16 kHz sine from the first sample.
        let ideal = |n: usize| (n as f32 * 440.0 * std::f32::consts::TAU / 16_000.0).sin();
        let worst = (0..200).map(|n| (out[n] - ideal(n)).abs()).fold(0.0f32, f32::max);
        assert!(worst < 0.05, "{worst}: {:?}", &out[..10]);
    }

    #[test]
    fn passes_16k_through_and_handles_odd_rates() {
        let input: Vec<f32> = (0..1000).map(|i| i as f32 / 1000.0).collect();
        assert_eq!(run(16_000, &input, 100), input);
        assert_eq!(run(22_050, &vec![0.1; 22_050 * 2], 4096).len(), 32_000);
        assert_eq!(run(44_100, &vec![0.0; 300], 300).len(), 109);
        assert!(MonoResampler::new(0).is_err());
    }
}
