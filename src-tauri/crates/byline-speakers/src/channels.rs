//! Two-channel recordings with one voice per channel (a phone call recorded through a hybrid or a
//! two-microphone interview rig): who speaks is whichever channel is louder, which beats any voice model.
//! Energies are kept per 100 ms; the recording counts as "one voice per channel" only when one channel is
//! clearly louder in most moments of sound and each channel leads in a fair share of them.

use crate::Turn;

/// Seconds per energy frame.
const FRAME_S: f64 = 0.1;
/// How much louder (in energy) the leading channel must be for a frame to count as clearly led (6 dB).
const LEAD: f64 = 4.0;
/// Frames quieter than this share of the loudest frame are silence.
const ACTIVE: f64 = 0.001;

/// Per-channel energy of a stereo stream, frame by frame.
#[derive(Default)]
pub struct ChannelEnergy {
    frame_len: usize,
    acc: [f64; 2],
    filled: usize,
    frames: Vec<[f64; 2]>,
    mono: bool,
}

impl ChannelEnergy {
    pub fn new() -> Self {
        Self::default()
    }

    /// Takes interleaved samples with `channels` channels at `rate` Hz. Anything but two channels marks
    /// the stream as not a two-voice recording.
    pub fn push(&mut self, interleaved: &[f32], channels: usize, rate: u32) {
        if channels != 2 || self.mono {
            self.mono = true;
            return;
        }
        if self.frame_len == 0 {
            self.frame_len = ((f64::from(rate) * FRAME_S) as usize).max(1);
        }
        for f in interleaved.chunks_exact(2) {
            self.acc[0] += f64::from(f[0]) * f64::from(f[0]);
            self.acc[1] += f64::from(f[1]) * f64::from(f[1]);
            self.filled += 1;
            if self.filled == self.frame_len {
                self.frames.push(self.acc);
                self.acc = [0.0; 2];
                self.filled = 0;
            }
        }
    }

    /// Speaker 0 (left) and speaker 1 (right) turns, in seconds from the start of the stream, when the
    /// recording has one voice per channel; `None` otherwise.
    pub fn turns(&self) -> Option<Vec<Turn>> {
        if self.mono || self.frames.is_empty() {
            return None;
        }
        let loudest = self.frames.iter().map(|f| f[0].max(f[1])).fold(0.0, f64::max);
        if loudest <= 0.0 {
            return None;
        }
        let active: Vec<(usize, usize, bool)> = self
            .frames
            .iter()
            .enumerate()
            .filter(|(_, f)| f[0].max(f[1]) >= loudest * ACTIVE)
            .map(|(i, f)| {
                let lead = usize::from(f[1] > f[0]);
                let (hi, lo) = if lead == 1 { (f[1], f[0]) } else { (f[0], f[1]) };
                (i, lead, hi >= lo * LEAD)
            })
            .collect();
        let n = active.len() as f64;
        let clear = active.iter().filter(|a| a.2).count() as f64;
        let left = active.iter().filter(|a| a.2 && a.1 == 0).count() as f64;
        let right = clear - left;
        if n < 10.0 || clear < 0.8 * n || left < 0.05 * n || right < 0.05 * n {
            return None;
        }
        let mut out: Vec<Turn> = Vec::new();
        for (i, speaker, _) in active {
            let (start, end) = (i as f64 * FRAME_S, (i + 1) as f64 * FRAME_S);
            match out.last_mut() {
                Some(t) if t.speaker == speaker && start - t.end < 0.3 => t.end = end,
                _ => out.push(Turn { start, end, speaker }),
            }
        }
        // Names in order of first appearance, as everywhere else.
        if out.first().is_some_and(|t| t.speaker == 1) {
            out.iter_mut().for_each(|t| t.speaker = 1 - t.speaker);
        }
        Some(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tone(seconds: f64, amp: f32) -> Vec<f32> {
        (0..(seconds * 8000.0) as usize).map(|i| amp * (i as f32 * 0.3).sin()).collect()
    }

    fn stereo(left: &[f32], right: &[f32]) -> Vec<f32> {
        left.iter().zip(right).flat_map(|(l, r)| [*l, *r]).collect()
    }

    #[test]
    fn one_voice_per_channel_gives_turns_by_the_louder_channel() {
        let mut e = ChannelEnergy::new();
        // Right speaks first (with a little leakage into the left), then left, then silence, then right.
        e.push(&stereo(&tone(2.0, 0.02), &tone(2.0, 0.5)), 2, 8000);
        e.push(&stereo(&tone(3.0, 0.5), &tone(3.0, 0.03)), 2, 8000);
        e.push(&stereo(&tone(1.0, 0.0), &tone(1.0, 0.0)), 2, 8000);
        e.push(&stereo(&tone(2.0, 0.01), &tone(2.0, 0.4)), 2, 8000);
        let t = e.turns().expect("two voices");
        let spans: Vec<(f64, f64, usize)> =
            t.iter().map(|t| ((t.start * 10.0).round() / 10.0, (t.end * 10.0).round() / 10.0, t.speaker)).collect();
        assert_eq!(spans, [(0.0, 2.0, 0), (2.0, 5.0, 1), (6.0, 8.0, 0)]);
    }

    #[test]
    fn a_mix_in_both_channels_or_mono_is_left_to_the_voice_model() {
        let mut both = ChannelEnergy::new();
        both.push(&stereo(&tone(5.0, 0.3), &tone(5.0, 0.25)), 2, 8000);
        assert!(both.turns().is_none());
        let mut mono = ChannelEnergy::new();
        mono.push(&tone(5.0, 0.3), 1, 8000);
        assert!(mono.turns().is_none());
    }
}
