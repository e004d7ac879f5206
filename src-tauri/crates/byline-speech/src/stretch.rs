//! Playback speed without the chipmunk effect: WSOLA time stretching.
//!
//! Frames of the input are taken at `speed` times the output hop and overlap-added with a Hann window.
//! Each frame's start is nudged (within a few milliseconds) to where it best continues the previous frame,
//! so pitch periods line up instead of smearing.

/// Rate-independent frame size: 40 ms holds a few pitch periods of any voice.
fn frame_len(sample_rate: u32) -> usize {
    (sample_rate as usize * 40 / 1000).max(16)
}

/// Returns audio `1/speed` times as long with the same pitch. `speed` is clamped to 0.5..=2.0.
pub fn time_stretch(samples: &[f32], sample_rate: u32, speed: f32) -> Vec<f32> {
    let speed = if speed.is_finite() { speed.clamp(0.5, 2.0) } else { 1.0 };
    if (speed - 1.0).abs() < 1e-3 || samples.is_empty() {
        return samples.to_vec();
    }
    let frame = frame_len(sample_rate);
    let hop_out = frame / 2;
    let hop_in = hop_out as f32 * speed;
    let out_len = (samples.len() as f32 / speed).ceil() as usize;
    let window: Vec<f32> =
        (0..frame).map(|i| 0.5 - 0.5 * (2.0 * std::f32::consts::PI * i as f32 / frame as f32).cos()).collect();
    let mut out = vec![0.0f32; out_len + frame];
    let mut weight = vec![0.0f32; out_len + frame];
    let tolerance = (sample_rate as usize * 8 / 1000).max(2);
    let mut k = 0usize;
    let mut previous: Option<usize> = None;
    loop {
        let nominal = (k as f32 * hop_in) as usize;
        let dst = k * hop_out;
        if nominal >= samples.len() || dst >= out_len {
            break;
        }
        let src = match previous {
            Some(prev) => best_offset(samples, prev + hop_out, nominal, tolerance, hop_out),
            None => nominal,
        };
        previous = Some(src);
        for i in 0..frame {
            let Some(s) = samples.get(src + i) else { break };
            out[dst + i] += s * window[i];
            weight[dst + i] += window[i];
        }
        k += 1;
    }
    out.truncate(out_len);
    for (o, w) in out.iter_mut().zip(weight) {
        if w > 1e-3 {
            *o /= w;
        }
    }
    out
}

/// The start near `nominal` whose next `len` samples best match those at `natural` (where the previous frame
/// would have continued), by cross-correlation.
fn best_offset(samples: &[f32], natural: usize, nominal: usize, tolerance: usize, len: usize) -> usize {
    if natural + len > samples.len() {
        return nominal;
    }
    let target = &samples[natural..natural + len];
    let lo = nominal.saturating_sub(tolerance);
    let hi = (nominal + tolerance).min(samples.len().saturating_sub(len));
    let mut best = (nominal.min(hi.max(lo)), f32::MIN);
    for start in lo..=hi {
        let score: f32 = samples[start..start + len].iter().zip(target).map(|(a, b)| a * b).sum();
        if score > best.1 {
            best = (start, score);
        }
    }
    best.0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tone(freq: f32, rate: u32, seconds: f32) -> Vec<f32> {
        (0..(rate as f32 * seconds) as usize)
            .map(|i| (2.0 * std::f32::consts::PI * freq * i as f32 / rate as f32).sin())
            .collect()
    }

    /// Zero crossings per second: a cheap pitch estimate for a pure tone.
    fn crossings_per_second(s: &[f32], rate: u32) -> f32 {
        let n = s.windows(2).filter(|w| w[0] <= 0.0 && w[1] > 0.0).count();
        n as f32 * rate as f32 / s.len() as f32
    }

    #[test]
    fn faster_is_shorter_with_the_same_pitch() {
        let rate = 22_050;
        let input = tone(220.0, rate, 2.0);
        for speed in [0.5f32, 1.5, 2.0] {
            let out = time_stretch(&input, rate, speed);
            let expected = input.len() as f32 / speed;
            assert!((out.len() as f32 - expected).abs() <= 1.0, "speed {speed}: {} samples", out.len());
            let pitch = crossings_per_second(&out[rate as usize / 10..out.len() - rate as usize / 10], rate);
            assert!((pitch - 220.0).abs() < 15.0, "speed {speed}: pitch {pitch}");
        }
        assert_eq!(time_stretch(&input, rate, 1.0), input);
        assert!(time_stretch(&[], rate, 1.5).is_empty());
    }
}
