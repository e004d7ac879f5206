//! Playback through the default output device (cpal), with pause, resume, stop, speed and the index of
//! the sentence being heard.
//!
//! `cpal::Stream` must stay on the thread that made it, so a [`Player`] lives on one thread; other threads
//! steer it through a cloneable [`PlayerControl`].

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use byline_core::{Error, Result};
use cpal::traits::{DeviceTrait, HostTrait, StreamTrait};

use crate::engine::SpokenSentence;
use crate::stretch::time_stretch;

#[derive(Default)]
struct Shared {
    queue: Mutex<VecDeque<f32>>,
    /// (device sample at which a sentence starts, its index), in order.
    marks: Mutex<VecDeque<(u64, usize)>>,
    queued: AtomicU64,
    played: AtomicU64,
    paused: AtomicBool,
    stopped: AtomicBool,
    /// Speed × 100, read when the next sentence is queued.
    speed: AtomicU32,
}

/// Pause, resume, stop and speed, from any thread.
#[derive(Clone)]
pub struct PlayerControl(Arc<Shared>);

impl PlayerControl {
    pub fn pause(&self) {
        self.0.paused.store(true, Ordering::Relaxed);
    }
    pub fn resume(&self) {
        self.0.paused.store(false, Ordering::Relaxed);
    }
    pub fn stop(&self) {
        self.0.stopped.store(true, Ordering::Relaxed);
        if let Ok(mut q) = self.0.queue.lock() {
            q.clear();
        }
    }
    pub fn is_stopped(&self) -> bool {
        self.0.stopped.load(Ordering::Relaxed)
    }
    pub fn is_paused(&self) -> bool {
        self.0.paused.load(Ordering::Relaxed)
    }
    /// 0.5–2.0; applies from the next sentence.
    pub fn set_speed(&self, speed: f32) {
        let speed = if speed.is_finite() { speed.clamp(0.5, 2.0) } else { 1.0 };
        self.0.speed.store((speed * 100.0).round() as u32, Ordering::Relaxed);
    }
    fn speed(&self) -> f32 {
        self.0.speed.load(Ordering::Relaxed) as f32 / 100.0
    }
}

/// An open output stream.
pub struct Player {
    control: PlayerControl,
    device_rate: u32,
    _stream: cpal::Stream,
}

impl Player {
    /// Opens the default output device.
    pub fn open() -> Result<Self> {
        let host = cpal::default_host();
        let device = host
            .default_output_device()
            .ok_or_else(|| Error::Unavailable("no audio output device: export the audio to a file instead".into()))?;
        let supported = device
            .default_output_config()
            .map_err(|e| Error::Unavailable(format!("the audio output cannot be used: {e}")))?;
        let channels = supported.channels() as usize;
        let device_rate = supported.sample_rate();
        let shared = Arc::new(Shared { speed: AtomicU32::new(100), ..Shared::default() });
        let cb = shared.clone();
        let config = cpal::StreamConfig {
            channels: channels as u16,
            sample_rate: device_rate,
            buffer_size: cpal::BufferSize::Default,
        };
        let stream = device
            .build_output_stream::<f32, _, _>(
                config,
                move |out: &mut [f32], _| {
                    let paused = cb.paused.load(Ordering::Relaxed);
                    let mut queue = cb.queue.lock().ok();
                    for frame in out.chunks_mut(channels) {
                        let sample = if paused { None } else { queue.as_mut().and_then(|q| q.pop_front()) };
                        if sample.is_some() {
                            cb.played.fetch_add(1, Ordering::Relaxed);
                        }
                        frame.fill(sample.unwrap_or(0.0));
                    }
                },
                |e| eprintln!("audio output error: {e}"),
                None,
            )
            .map_err(|e| Error::Unavailable(format!("cannot open the audio output: {e}")))?;
        stream.play().map_err(|e| Error::Unavailable(format!("cannot start playback: {e}")))?;
        Ok(Self { control: PlayerControl(shared), device_rate, _stream: stream })
    }

    pub fn control(&self) -> PlayerControl {
        self.control.clone()
    }

    /// Queues a sentence behind what is already playing.
    pub fn push(&self, spoken: &SpokenSentence) {
        let stretched = time_stretch(&spoken.samples, spoken.sample_rate, self.control.speed());
        let resampled = resample_linear(&stretched, spoken.sample_rate, self.device_rate);
        let shared = &self.control.0;
        let start = shared.queued.fetch_add(resampled.len() as u64, Ordering::Relaxed);
        if let Ok(mut marks) = shared.marks.lock() {
            marks.push_back((start, spoken.sentence.index));
        }
        if let Ok(mut queue) = shared.queue.lock() {
            queue.extend(resampled);
        }
    }

    /// The index of the sentence being heard now.
    pub fn current_sentence(&self) -> Option<usize> {
        let played = self.control.0.played.load(Ordering::Relaxed);
        let marks = self.control.0.marks.lock().ok()?;
        marks.iter().take_while(|(start, _)| *start <= played).last().map(|(_, i)| *i)
    }

    /// True once everything queued has been heard (or playback was stopped).
    pub fn is_drained(&self) -> bool {
        self.control.is_stopped() || self.control.0.queue.lock().map(|q| q.is_empty()).unwrap_or(true)
    }
}

/// How a reading ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ending {
    /// Everything was heard.
    Finished,
    /// Stopped by the player's control or the cancel token before the end.
    Stopped,
}

/// Reading aloud: the one workflow the CLI's `byline speak` and the app's Read aloud both run. Synthesises
/// `sentences` with `engine` one at a time into `player` (so the first is heard while the next is made),
/// calls `on_heard` with the index of each sentence as it starts to be heard, and waits until everything
/// has been heard, the player's control stops it, or `cancel` fires.
pub fn read_aloud(
    sentences: &[crate::Sentence],
    engine: &dyn crate::SpeechEngine,
    player: &Player,
    cancel: &byline_core::CancelToken,
    on_heard: &mut dyn FnMut(usize),
) -> Result<Ending> {
    let control = player.control();
    let mut shown = None;
    let mut report = |player: &Player, on_heard: &mut dyn FnMut(usize)| {
        let now = player.current_sentence();
        if now != shown {
            if let Some(index) = now {
                on_heard(index);
            }
            shown = now;
        }
    };
    let spoken = crate::speak(sentences, engine, cancel, &mut |s| {
        if control.is_stopped() {
            return Err(Error::Cancelled);
        }
        player.push(&s);
        report(player, on_heard);
        Ok(())
    });
    let stopped = || cancel.is_cancelled() || control.is_stopped();
    match spoken {
        Ok(_) => {}
        Err(Error::Cancelled) => {
            control.stop();
            return Ok(Ending::Stopped);
        }
        Err(e) => {
            control.stop();
            return Err(e);
        }
    }
    while !player.is_drained() && !stopped() {
        report(player, on_heard);
        std::thread::sleep(std::time::Duration::from_millis(40));
    }
    report(player, on_heard);
    let ending = if stopped() { Ending::Stopped } else { Ending::Finished };
    if ending == Ending::Finished {
        // Let the device play out its last buffer.
        std::thread::sleep(std::time::Duration::from_millis(300));
    }
    control.stop();
    Ok(ending)
}

/// Good enough for playback: speech has little energy near the Nyquist frequency of either rate.
pub fn resample_linear(samples: &[f32], from: u32, to: u32) -> Vec<f32> {
    if from == to || samples.is_empty() {
        return samples.to_vec();
    }
    let ratio = from as f64 / to as f64;
    let len = (samples.len() as f64 / ratio).floor() as usize;
    (0..len)
        .map(|i| {
            let pos = i as f64 * ratio;
            let j = pos as usize;
            let frac = (pos - j as f64) as f32;
            let a = samples[j.min(samples.len() - 1)];
            let b = samples[(j + 1).min(samples.len() - 1)];
            a + (b - a) * frac
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::resample_linear;

    #[test]
    fn resampling_keeps_duration() {
        let input: Vec<f32> = (0..22_050).map(|i| (i as f32 / 50.0).sin()).collect();
        let out = resample_linear(&input, 22_050, 48_000);
        assert!((out.len() as i64 - 48_000).abs() <= 2, "{}", out.len());
        assert_eq!(resample_linear(&input, 22_050, 22_050), input);
    }
}
