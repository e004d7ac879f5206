//! Log mel filterbank features as Kaldi computes them (and torchaudio's `compliance.kaldi.fbank`, which
//! speaker models such as CAM++ were trained on): 25 ms frames every 10 ms without padding at the edges,
//! DC removed, pre-emphasis 0.97, Povey window, 512-point power spectrum, 80 triangular filters equally
//! spaced on Kaldi's mel scale from 20 Hz to Nyquist, natural log floored at f32's epsilon. No dither.

use std::sync::Arc;

use realfft::{RealFftPlanner, RealToComplex};

/// Samples per second the features are defined for.
pub const RATE: u32 = 16_000;
/// Samples per frame (25 ms) and between frame starts (10 ms).
pub const FRAME: usize = 400;
pub const SHIFT: usize = 160;
const FFT: usize = 512;
/// Filters.
pub const MELS: usize = 80;

fn mel(hz: f64) -> f64 {
    1127.0 * (1.0 + hz / 700.0).ln()
}

/// Computes filterbank frames; holds its FFT plan, window and filters.
pub struct Fbank {
    fft: Arc<dyn RealToComplex<f64>>,
    window: Vec<f64>,
    /// For each filter: the first FFT bin it covers and its weights from there.
    filters: Vec<(usize, Vec<f64>)>,
}

impl Default for Fbank {
    fn default() -> Self {
        Self::new()
    }
}

impl Fbank {
    pub fn new() -> Self {
        let fft = RealFftPlanner::<f64>::new().plan_fft_forward(FFT);
        let window = (0..FRAME)
            .map(|n| (0.5 - 0.5 * (2.0 * std::f64::consts::PI * n as f64 / (FRAME - 1) as f64).cos()).powf(0.85))
            .collect();
        let (low, high) = (mel(20.0), mel(f64::from(RATE) / 2.0));
        let step = (high - low) / (MELS + 1) as f64;
        let bin_hz = f64::from(RATE) / FFT as f64;
        let filters = (0..MELS)
            .map(|b| {
                let (left, centre, right) =
                    (low + b as f64 * step, low + (b + 1) as f64 * step, low + (b + 2) as f64 * step);
                // Bins 0..FFT/2 (the Nyquist bin has no weight, as in Kaldi).
                let weights: Vec<f64> = (0..FFT / 2)
                    .map(|k| {
                        let m = mel(k as f64 * bin_hz);
                        ((m - left) / (centre - left)).min((right - m) / (right - centre)).max(0.0)
                    })
                    .collect();
                let first = weights.iter().position(|w| *w > 0.0).unwrap_or(0);
                let last = weights.iter().rposition(|w| *w > 0.0).map_or(first, |l| l + 1);
                (first, weights[first..last].to_vec())
            })
            .collect();
        Self { fft, window, filters }
    }

    /// Number of frames `samples` samples give.
    pub fn frames(samples: usize) -> usize {
        if samples < FRAME { 0 } else { 1 + (samples - FRAME) / SHIFT }
    }

    /// Log mel energies, `frames × MELS` in row-major order, of 16 kHz samples in [-1, 1].
    pub fn compute(&self, samples: &[f32]) -> Vec<f32> {
        let n = Self::frames(samples.len());
        let mut out = Vec::with_capacity(n * MELS);
        let mut frame = vec![0.0f64; FFT];
        let mut spectrum = self.fft.make_output_vec();
        let mut scratch = self.fft.make_scratch_vec();
        let mut power = vec![0.0f64; FFT / 2];
        for i in 0..n {
            let x = &samples[i * SHIFT..i * SHIFT + FRAME];
            let mean = x.iter().map(|&v| f64::from(v)).sum::<f64>() / FRAME as f64;
            // Pre-emphasis runs backwards so each sample still sees its unemphasised neighbour.
            for j in (0..FRAME).rev() {
                let cur = f64::from(x[j]) - mean;
                let prev = if j == 0 { cur } else { f64::from(x[j - 1]) - mean };
                frame[j] = (cur - 0.97 * prev) * self.window[j];
            }
            frame[FRAME..].fill(0.0);
            // The lengths always match the plan, so this cannot fail.
            if self.fft.process_with_scratch(&mut frame, &mut spectrum, &mut scratch).is_err() {
                out.resize((i + 1) * MELS, f32::EPSILON.ln());
                continue;
            }
            for (p, c) in power.iter_mut().zip(&spectrum) {
                *p = c.norm_sqr();
            }
            for (first, weights) in &self.filters {
                let e: f64 = weights.iter().zip(&power[*first..]).map(|(w, p)| w * p).sum();
                out.push(e.max(f64::from(f32::EPSILON)).ln() as f32);
            }
        }
        out
    }
}

/// Subtracts each filter's mean over the frames (per-utterance cepstral mean normalisation).
pub fn subtract_mean(feats: &mut [f32]) {
    let n = feats.len() / MELS;
    if n == 0 {
        return;
    }
    let mut mean = [0.0f64; MELS];
    for row in feats.chunks_exact(MELS) {
        for (m, v) in mean.iter_mut().zip(row) {
            *m += f64::from(*v);
        }
    }
    for row in feats.chunks_exact_mut(MELS) {
        for (v, m) in row.iter_mut().zip(&mean) {
            *v -= (*m / n as f64) as f32;
        }
    }
}
