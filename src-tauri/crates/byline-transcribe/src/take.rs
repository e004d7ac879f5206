//! Recording a take: the one workflow the CLI's `byline record` and the app's Record button both run. It
//! opens the input (a microphone, or a file standing in for one), meters it, records until stopped, and
//! with a Whisper engine transcribes live as it goes. Stopping is the caller's [`Control`]; a cancel token
//! stops it the same way (what was recorded is kept).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use byline_core::{CancelToken, Error, Result};
use serde::Serialize;

use crate::live::{LiveUpdate, record_live};
use crate::record::{self, Control, RecordSummary};
use crate::{Engine, Options};

/// Where the audio comes from.
#[derive(Clone, Debug)]
pub enum Input {
    /// A capture device by name; `None` is the system's default input.
    Device(Option<String>),
    /// A file played in real time as if it were a microphone (tests, demos).
    File(PathBuf),
}

/// What the meter shows, a few times a second.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, ts_rs::TS)]
pub struct Meter {
    /// Peak level of the last block, 0–1.
    pub level: f32,
    /// Seconds recorded so far (pauses excluded).
    pub seconds: f64,
    pub paused: bool,
}

/// How a take is recorded.
pub struct TakeOptions<'a> {
    pub input: Input,
    /// Live text from this engine with these options; `None` records only.
    pub live: Option<(&'a Engine, &'a Options)>,
    /// Stop after this many seconds of recorded audio (or that long plus ten seconds on the clock, for a
    /// device that delivers nothing).
    pub limit_s: Option<f64>,
    /// How often the meter reports.
    pub meter_every: Duration,
}

/// A finished take, and why live text stopped early when it did (the recording goes on regardless).
pub struct Take {
    pub summary: RecordSummary,
    pub live_error: Option<Error>,
}

/// Records `out` until `control` stops it, `cancel` fires or the limit is reached. `on_meter` runs on a
/// thread of its own; `on_live` gets the live text.
pub fn record_take(
    out: &Path,
    options: &TakeOptions<'_>,
    control: &Control,
    cancel: &CancelToken,
    on_meter: &(dyn Fn(Meter) + Sync),
    on_live: &mut (dyn FnMut(&LiveUpdate) + Send),
) -> Result<Take> {
    let (tx, rx) = record::channel();
    // The capture must stay alive while recording; a file source runs on its own thread.
    let mut _capture = None;
    let feeder_stop = CancelToken::new();
    let rate = match &options.input {
        Input::File(file) => {
            let (file, stop) = (file.clone(), feeder_stop.clone());
            std::thread::spawn(move || record::feed_file(&file, tx, true, &stop));
            crate::resample::TARGET_RATE
        }
        Input::Device(name) => {
            let capture = record::start_capture(name.as_deref(), tx)?;
            let rate = capture.sample_rate;
            _capture = Some(capture);
            rate
        }
    };
    let result = std::thread::scope(|scope| {
        scope.spawn(|| {
            let started = Instant::now();
            loop {
                let seconds = control.samples_written() as f64 / f64::from(rate);
                on_meter(Meter { level: control.level(), seconds, paused: control.is_paused() });
                // The limit counts recorded audio, not the clock: sound servers deliver the first blocks
                // late. The clock still ends a take whose device delivers nothing.
                let over = options.limit_s.is_some_and(|l| seconds >= l || started.elapsed().as_secs_f64() >= l + 10.0);
                if over || cancel.is_cancelled() {
                    control.stop();
                }
                if control.is_stopped() {
                    return;
                }
                std::thread::sleep(options.meter_every);
            }
        });
        let take = match options.live {
            Some((engine, opts)) => record_live(out, rate, &rx, control, engine, opts, on_live)
                .map(|(summary, live_error)| Take { summary, live_error }),
            None => record::record(out, rate, &rx, control).map(|summary| Take { summary, live_error: None }),
        };
        // Whatever ended the recording also ends the meter.
        control.stop();
        take
    });
    feeder_stop.cancel();
    result
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;

    fn tone_wav(path: &Path, seconds: f32) {
        let spec = hound::WavSpec {
            channels: 1,
            sample_rate: 16_000,
            bits_per_sample: 16,
            sample_format: hound::SampleFormat::Int,
        };
        let mut w = hound::WavWriter::create(path, spec).expect("wav");
        for i in 0..(16_000.0 * seconds) as usize {
            let s = (i as f32 * 440.0 * std::f32::consts::TAU / 16_000.0).sin() * 0.5;
            w.write_sample((s * i16::MAX as f32) as i16).expect("sample");
        }
        w.finalize().expect("finalize");
    }

    #[test]
    fn a_take_from_a_file_stops_at_its_limit_and_meters_the_audio() {
        let dir = tempfile::tempdir().expect("tempdir");
        let source = dir.path().join("source.wav");
        tone_wav(&source, 3.0);
        let out = dir.path().join("take.wav");
        let options = TakeOptions {
            input: Input::File(source),
            live: None,
            limit_s: Some(0.5),
            meter_every: Duration::from_millis(20),
        };
        let readings = Mutex::new(Vec::new());
        let take = record_take(
            &out,
            &options,
            &Control::new(),
            &CancelToken::new(),
            &|m| readings.lock().expect("lock").push(m),
            &mut |_| {},
        )
        .expect("take");
        assert!(take.live_error.is_none());
        // Stopped at the limit; after Stop the recorder still takes what the source had buffered for a
        // grace period (1.2 s, here more of the file, which plays in real time).
        assert!((0.5..2.0).contains(&take.summary.duration_s), "{}", take.summary.duration_s);
        let reader = hound::WavReader::open(&out).expect("the take is a WAV file");
        assert_eq!(reader.spec().sample_rate, 16_000);
        let readings = readings.into_inner().expect("lock");
        assert!(readings.iter().any(|m| m.level > 0.4 && m.level <= 0.51), "the tone's peak: {readings:?}");
        assert!(readings.windows(2).all(|w| w[1].seconds >= w[0].seconds), "seconds only grow");
    }

    #[test]
    fn a_cancel_stops_the_take_and_keeps_what_was_recorded() {
        let dir = tempfile::tempdir().expect("tempdir");
        let source = dir.path().join("source.wav");
        tone_wav(&source, 5.0);
        let out = dir.path().join("take.wav");
        let options = TakeOptions {
            input: Input::File(source),
            live: None,
            limit_s: None,
            meter_every: Duration::from_millis(20),
        };
        let cancel = CancelToken::new();
        let on_meter = |m: Meter| {
            if m.seconds >= 0.3 {
                cancel.cancel();
            }
        };
        let take = record_take(&out, &options, &Control::new(), &cancel, &on_meter, &mut |_| {}).expect("take");
        assert!((0.3..1.9).contains(&take.summary.duration_s), "{}", take.summary.duration_s);
        assert!(!record::marker_path(&out).exists(), "the take was completed, not left for repair");
    }
}
