//! Recording: a source (microphone, or a file/generator standing in for one in tests) sends mono blocks;
//! the loop here applies pause, measures the level and writes through [`CrashSafeWav`]. A `.recording`
//! marker beside the file exists while it is being written, so the next start knows what to repair.

mod capture;
mod wav;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, SyncSender, sync_channel};
use std::time::{Duration, Instant};

use byline_core::{CancelToken, Error, Result};
use serde::Serialize;

pub use capture::{Capture, InputDevice, input_devices, start as start_capture};
pub use wav::{CrashSafeWav, RepairReport, repair_wav};

/// Shared between the recording loop and whoever controls it (CLI keys, app buttons).
#[derive(Debug, Default)]
pub struct Control {
    paused: AtomicBool,
    stop: AtomicBool,
    /// Peak level of the last block, 0–1, as f32 bits.
    level: AtomicU32,
    /// Samples written.
    written: AtomicU64,
}

impl Control {
    pub fn new() -> Arc<Self> {
        Arc::new(Self::default())
    }
    pub fn pause(&self) {
        self.paused.store(true, Ordering::SeqCst);
    }
    pub fn resume(&self) {
        self.paused.store(false, Ordering::SeqCst);
    }
    pub fn is_paused(&self) -> bool {
        self.paused.load(Ordering::SeqCst)
    }
    pub fn stop(&self) {
        self.stop.store(true, Ordering::SeqCst);
    }
    pub fn is_stopped(&self) -> bool {
        self.stop.load(Ordering::SeqCst)
    }
    pub fn level(&self) -> f32 {
        f32::from_bits(self.level.load(Ordering::Relaxed))
    }
    pub fn samples_written(&self) -> u64 {
        self.written.load(Ordering::Relaxed)
    }
}

/// The marker that says `wav` is being recorded.
pub fn marker_path(wav: &Path) -> PathBuf {
    let mut name = wav.file_name().unwrap_or_default().to_os_string();
    name.push(".recording");
    wav.with_file_name(name)
}

/// A bounded channel for source blocks: about 20 s of 10 ms blocks before a stalled writer drops audio.
pub fn channel() -> (SyncSender<Vec<f32>>, Receiver<Vec<f32>>) {
    sync_channel(2048)
}

#[derive(Clone, Debug, PartialEq, Serialize, ts_rs::TS)]
pub struct RecordSummary {
    pub path: PathBuf,
    pub duration_s: f64,
    pub sample_rate: u32,
}

/// Records blocks from `rx` into `out` until `control.stop()` or until the source hangs up.
/// How long a recording keeps taking audio after Stop, for what the device had buffered.
const STOP_GRACE: Duration = Duration::from_millis(1200);

pub fn record(out: &Path, sample_rate: u32, rx: &Receiver<Vec<f32>>, control: &Control) -> Result<RecordSummary> {
    record_tapped(out, sample_rate, rx, control, &mut |_| {})
}

/// [`record`], handing every block that is written (none while paused) to `tap` as well: live transcription.
pub fn record_tapped(
    out: &Path,
    sample_rate: u32,
    rx: &Receiver<Vec<f32>>,
    control: &Control,
    tap: &mut dyn FnMut(&[f32]),
) -> Result<RecordSummary> {
    // The WAV first: it refuses an existing file before the marker could flag someone else's file for repair.
    let mut wav = CrashSafeWav::create(out, sample_rate)?;
    let marker = marker_path(out);
    std::fs::write(&marker, b"").map_err(|e| Error::io(format!("creating {}", marker.display()), e))?;
    loop {
        if control.stop.load(Ordering::SeqCst) {
            // The device still holds the last moments before Stop in its buffer (a second or more through
            // a sound server): keep taking blocks for a short while so the end of a quote is not lost.
            let grace = Instant::now() + STOP_GRACE;
            while let Some(left) = grace.checked_duration_since(Instant::now()) {
                match rx.recv_timeout(left) {
                    Ok(block) => take(&mut wav, &block, control, tap)?,
                    Err(_) => break,
                }
            }
            break;
        }
        match rx.recv_timeout(Duration::from_millis(100)) {
            Ok(block) => take(&mut wav, &block, control, tap)?,
            Err(RecvTimeoutError::Timeout) => wav.flush()?,
            Err(RecvTimeoutError::Disconnected) => break,
        }
    }
    let duration_s = wav.finish()?;
    std::fs::remove_file(&marker).map_err(|e| Error::io(format!("removing {}", marker.display()), e))?;
    Ok(RecordSummary { path: out.to_path_buf(), duration_s, sample_rate })
}

fn take(wav: &mut CrashSafeWav, block: &[f32], control: &Control, tap: &mut dyn FnMut(&[f32])) -> Result<()> {
    let peak = block.iter().fold(0.0f32, |m, s| m.max(s.abs()));
    control.level.store(peak.to_bits(), Ordering::Relaxed);
    if control.is_paused() {
        return Ok(());
    }
    wav.write(block)?;
    control.written.fetch_add(block.len() as u64, Ordering::Relaxed);
    tap(block);
    Ok(())
}

/// Repairs recordings in `dir` that were interrupted (their `.recording` marker survived), then removes
/// the markers. Call on start.
pub fn recover(dir: &Path) -> Result<Vec<RepairReport>> {
    let mut reports = Vec::new();
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(reports),
        Err(e) => return Err(Error::io(format!("listing {}", dir.display()), e)),
    };
    for entry in entries.flatten() {
        let marker = entry.path();
        let Some(name) = marker.file_name().and_then(|n| n.to_str()) else { continue };
        let Some(wav_name) = name.strip_suffix(".recording") else { continue };
        let wav = marker.with_file_name(wav_name);
        if wav.is_file() {
            reports.push(repair_wav(&wav)?);
        }
        std::fs::remove_file(&marker).map_err(|e| Error::io(format!("removing {}", marker.display()), e))?;
    }
    Ok(reports)
}

/// Feeds a file through the same path a microphone takes: decoded to 16 kHz mono and sent in 100 ms blocks,
/// in real time when `realtime` is set. For tests and demonstrations without a microphone.
pub fn feed_file(path: &Path, tx: SyncSender<Vec<f32>>, realtime: bool, cancel: &CancelToken) -> Result<()> {
    let block = (crate::resample::TARGET_RATE / 10) as usize;
    let mut pending: Vec<f32> = Vec::new();
    crate::decode::decode_16k_mono(path, cancel, &mut |s| {
        pending.extend_from_slice(s);
        while pending.len() >= block {
            let rest = pending.split_off(block);
            if tx.send(std::mem::replace(&mut pending, rest)).is_err() {
                return Ok(false);
            }
            if realtime {
                std::thread::sleep(Duration::from_millis(100));
            }
        }
        Ok(true)
    })?;
    if !pending.is_empty() {
        let _ = tx.send(pending);
    }
    Ok(())
}

#[cfg(test)]
pub(crate) mod tests;
