//! Whisper's mel filter bank, computed instead of read from OpenAI's `mel_filters.npz`.
//!
//! OpenAI made that file with `librosa.filters.mel(sr=16000, n_fft=400, n_mels=80 or 128)`: Slaney's mel
//! scale (linear below 1 kHz, logarithmic above), triangles between neighbouring mel points, each scaled
//! to unit area ("slaney" normalisation). This follows librosa's arithmetic step by step in f64, including
//! its one quirk: the triangles are stored in a float32 array before the normalisation multiplies them, so
//! each weight is rounded to f32 twice. Reproducing that is what makes the result equal the file bit for bit.

/// Whisper's audio: 16 kHz, 25 ms windows of 400 samples, hence 201 frequency bins.
pub const SAMPLE_RATE: f64 = 16_000.0;
pub const N_FFT: usize = 400;

/// The `[n_mels, 1 + N_FFT / 2]` filter bank as `(rows, cols, row-major data)`, like `mel_<n>` in the npz.
pub fn whisper_mel_filters(n_mels: usize) -> (usize, usize, Vec<f32>) {
    let cols = 1 + N_FFT / 2;
    (n_mels, cols, librosa_mel(SAMPLE_RATE, N_FFT, n_mels))
}

/// `librosa.filters.mel(sr=sr, n_fft=n_fft, n_mels=n_mels)` with its defaults (fmin 0, fmax sr/2,
/// htk=False, norm="slaney", dtype float32), row-major.
pub fn librosa_mel(sr: f64, n_fft: usize, n_mels: usize) -> Vec<f32> {
    // numpy.fft.rfftfreq: k * (1 / (n * d)) with d = 1 / sr.
    let step = 1.0 / (n_fft as f64 * (1.0 / sr));
    let fft_freqs: Vec<f64> = (0..=n_fft / 2).map(|k| k as f64 * step).collect();
    let mel_f = mel_frequencies(n_mels + 2, 0.0, sr / 2.0);
    let mut weights = Vec::with_capacity(n_mels * fft_freqs.len());
    for i in 0..n_mels {
        let (below, above) = (mel_f[i + 1] - mel_f[i], mel_f[i + 2] - mel_f[i + 1]);
        let enorm = 2.0 / (mel_f[i + 2] - mel_f[i]);
        for &f in &fft_freqs {
            let lower = -(mel_f[i] - f) / below;
            let upper = (mel_f[i + 2] - f) / above;
            let triangle = lower.min(upper).max(0.0) as f32;
            weights.push((f64::from(triangle) * enorm) as f32);
        }
    }
    weights
}

/// `librosa.mel_frequencies`: `n` points evenly spaced on the Slaney mel scale, in Hz.
fn mel_frequencies(n: usize, fmin: f64, fmax: f64) -> Vec<f64> {
    let (min_mel, max_mel) = (hz_to_mel(fmin), hz_to_mel(fmax));
    // numpy.linspace: i * step + start, with the last point set to `stop` exactly.
    let step = (max_mel - min_mel) / (n - 1) as f64;
    (0..n).map(|i| if i + 1 == n { max_mel } else { i as f64 * step + min_mel }).map(mel_to_hz).collect()
}

const F_SP: f64 = 200.0 / 3.0;
const MIN_LOG_HZ: f64 = 1000.0;

fn min_log_mel() -> f64 {
    MIN_LOG_HZ / F_SP
}

fn log_step() -> f64 {
    6.4f64.ln() / 27.0
}

fn hz_to_mel(hz: f64) -> f64 {
    if hz >= MIN_LOG_HZ { min_log_mel() + (hz / MIN_LOG_HZ).ln() / log_step() } else { hz / F_SP }
}

fn mel_to_hz(mel: f64) -> f64 {
    if mel >= min_log_mel() { MIN_LOG_HZ * (log_step() * (mel - min_log_mel())).exp() } else { F_SP * mel }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_slaney_scale_is_linear_below_1_khz_and_continuous_at_it() {
        assert_eq!(hz_to_mel(0.0), 0.0);
        assert!((hz_to_mel(500.0) - 7.5).abs() < 1e-12);
        assert!((hz_to_mel(1000.0) - 15.0).abs() < 1e-12);
        assert!((hz_to_mel(999.999_999) - hz_to_mel(1000.0)).abs() < 1e-6);
        for hz in [10.0, 700.0, 1000.0, 2500.0, 8000.0] {
            assert!((mel_to_hz(hz_to_mel(hz)) - hz).abs() < 1e-9 * hz, "{hz}");
        }
        let points = mel_frequencies(82, 0.0, 8000.0);
        assert_eq!((points[0], points[81]), (0.0, mel_to_hz(hz_to_mel(8000.0))));
        assert!(points.windows(2).all(|w| w[0] < w[1]));
    }

    /// Each filter is a triangle over the FFT bins between its neighbours' centres, peaking next to its own
    /// centre, and Slaney normalisation gives every triangle the same area (2 / width × width / 2 = 1) in Hz.
    #[test]
    fn filters_are_unit_area_triangles_at_their_mel_points() {
        for n_mels in [80, 128] {
            let (rows, cols, w) = whisper_mel_filters(n_mels);
            assert_eq!((rows, cols, w.len()), (n_mels, 201, n_mels * 201));
            let mel_f = mel_frequencies(n_mels + 2, 0.0, 8000.0);
            let bin_hz = SAMPLE_RATE / N_FFT as f64;
            for (i, row) in w.chunks_exact(cols).enumerate() {
                assert!(row.iter().all(|v| *v >= 0.0 && v.is_finite()), "row {i}");
                let (lo, centre, hi) = (mel_f[i], mel_f[i + 1], mel_f[i + 2]);
                // Non-zero exactly strictly inside (lo, hi).
                for (k, v) in row.iter().enumerate() {
                    let f = k as f64 * bin_hz;
                    assert_eq!(*v > 0.0, f > lo && f < hi, "mels {n_mels} row {i} bin {k} ({f} Hz)");
                }
                // The heaviest bin is one of the two bins around the centre frequency.
                let peak = row.iter().enumerate().fold(0, |best, (k, v)| if *v > row[best] { k } else { best });
                let near = (centre / bin_hz).floor() as usize;
                assert!(peak == near || peak == near + 1, "mels {n_mels} row {i}: peak {peak}, centre bin {near}");
                // Heights match the triangle's formula: 2 / (hi - lo) at the centre, linear on both sides.
                let height = 2.0 / (hi - lo);
                for (k, v) in row.iter().enumerate() {
                    let f = k as f64 * bin_hz;
                    let want = height * ((f - lo) / (centre - lo)).min((hi - f) / (hi - centre)).max(0.0);
                    assert!((f64::from(*v) - want).abs() <= 1e-6 * height, "mels {n_mels} row {i} bin {k}");
                }
            }
            // Slaney normalisation: sampled every bin_hz, each triangle's area in Hz is close to 1, the closer
            // the more bins it spans (a Riemann sum of a triangle is exact up to its sampled corners).
            for (i, row) in w.chunks_exact(cols).enumerate() {
                let area: f64 = row.iter().map(|v| f64::from(*v) * bin_hz).sum();
                let span = (mel_f[i + 2] - mel_f[i]) / bin_hz;
                let close = if span >= 8.0 { (area - 1.0).abs() < 0.02 } else { area > 0.0 && area < 2.0 };
                assert!(close, "mels {n_mels} row {i}: area {area}, {span:.1} bins wide");
            }
        }
    }

    #[test]
    fn low_filters_are_narrow_and_tall_high_ones_wide_and_flat() {
        let (_, cols, w) = whisper_mel_filters(80);
        let max = |i: usize| w[i * cols..(i + 1) * cols].iter().copied().fold(0.0f32, f32::max);
        let width = |i: usize| w[i * cols..(i + 1) * cols].iter().filter(|v| **v > 0.0).count();
        assert!(max(0) > max(79) * 5.0);
        assert!(width(79) > width(0) * 5);
    }
}
