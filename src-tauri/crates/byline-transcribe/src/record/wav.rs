//! A WAV writer that survives being killed: samples go to disk every half second, the header's sizes are
//! patched and the file synced each time, so a crash or power cut loses at most the last half second and
//! leaves a file whose header matches its data (or one [`repair_wav`] fixes).

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use byline_core::{Error, Result};
use serde::Serialize;

const HEADER_LEN: u64 = 44;

fn io(path: &Path, what: &str) -> impl Fn(std::io::Error) -> Error {
    let context = format!("{what} {}", path.display());
    move |e| Error::io(context.clone(), e)
}

fn header(rate: u32, data_len: u32) -> [u8; 44] {
    let mut h = [0u8; 44];
    h[0..4].copy_from_slice(b"RIFF");
    h[4..8].copy_from_slice(&data_len.saturating_add(36).to_le_bytes());
    h[8..16].copy_from_slice(b"WAVEfmt ");
    h[16..20].copy_from_slice(&16u32.to_le_bytes());
    h[20..22].copy_from_slice(&1u16.to_le_bytes()); // PCM
    h[22..24].copy_from_slice(&1u16.to_le_bytes()); // mono
    h[24..28].copy_from_slice(&rate.to_le_bytes());
    h[28..32].copy_from_slice(&(rate * 2).to_le_bytes());
    h[32..34].copy_from_slice(&2u16.to_le_bytes());
    h[34..36].copy_from_slice(&16u16.to_le_bytes());
    h[36..40].copy_from_slice(b"data");
    h[40..44].copy_from_slice(&data_len.to_le_bytes());
    h
}

/// Writes mono 16-bit PCM incrementally.
pub struct CrashSafeWav {
    file: File,
    path: PathBuf,
    rate: u32,
    pending: Vec<u8>,
    data_len: u64,
    flush_bytes: usize,
}

impl CrashSafeWav {
    pub fn create(path: &Path, rate: u32) -> Result<Self> {
        if rate == 0 {
            return Err(Error::InvalidInput("a recording needs a sample rate above 0 Hz".into()));
        }
        // Never truncate: an existing file is someone's earlier take (or anything else of the reporter's).
        let mut file = OpenOptions::new().write(true).create_new(true).open(path).map_err(|e| {
            if e.kind() == std::io::ErrorKind::AlreadyExists {
                Error::InvalidInput(format!(
                    "{} already exists; a recording never replaces a file, choose another name",
                    path.display()
                ))
            } else {
                Error::io(format!("creating {}", path.display()), e)
            }
        })?;
        file.write_all(&header(rate, 0)).map_err(io(path, "writing"))?;
        file.sync_all().map_err(io(path, "syncing"))?;
        // Half a second of 16-bit samples.
        let flush_bytes = rate as usize;
        Ok(Self {
            file,
            path: path.to_path_buf(),
            rate,
            pending: Vec::with_capacity(flush_bytes),
            data_len: 0,
            flush_bytes,
        })
    }

    pub fn sample_rate(&self) -> u32 {
        self.rate
    }

    /// Seconds written so far (including samples not yet flushed).
    pub fn duration_s(&self) -> f64 {
        (self.data_len + self.pending.len() as u64) as f64 / 2.0 / f64::from(self.rate)
    }

    pub fn write(&mut self, samples: &[f32]) -> Result<()> {
        for s in samples {
            let v = (s.clamp(-1.0, 1.0) * 32767.0).round() as i16;
            self.pending.extend_from_slice(&v.to_le_bytes());
        }
        if self.pending.len() >= self.flush_bytes {
            self.flush()?;
        }
        Ok(())
    }

    /// Appends buffered samples, patches the header's sizes and syncs to disk.
    pub fn flush(&mut self) -> Result<()> {
        if self.pending.is_empty() {
            return Ok(());
        }
        // WAV sizes are 32-bit: refuse to write past 4 GiB rather than corrupt the header.
        if self.data_len + self.pending.len() as u64 > u64::from(u32::MAX) - 36 {
            return Err(Error::InvalidInput("the recording reached the 4 GiB limit of WAV files".into()));
        }
        let at = HEADER_LEN + self.data_len;
        self.file.seek(SeekFrom::Start(at)).map_err(io(&self.path, "seeking in"))?;
        self.file.write_all(&self.pending).map_err(io(&self.path, "writing"))?;
        self.data_len += self.pending.len() as u64;
        self.pending.clear();
        self.file.seek(SeekFrom::Start(0)).map_err(io(&self.path, "seeking in"))?;
        self.file.write_all(&header(self.rate, self.data_len as u32)).map_err(io(&self.path, "writing"))?;
        self.file.sync_data().map_err(io(&self.path, "syncing"))
    }

    pub fn finish(mut self) -> Result<f64> {
        self.flush()?;
        self.file.sync_all().map_err(io(&self.path, "syncing"))?;
        Ok(self.duration_s())
    }
}

/// What [`repair_wav`] found.
#[derive(Clone, Debug, PartialEq, Serialize, ts_rs::TS)]
pub struct RepairReport {
    pub path: PathBuf,
    /// Whether the header had to be rewritten.
    pub repaired: bool,
    pub duration_s: f64,
}

/// Makes a WAV's header agree with the data that reached the disk: the RIFF and data sizes are set from the
/// file length and a half-written last frame is cut off. Works on any PCM WAV with a plain 44-byte header
/// or with extra chunks before `data`.
pub fn repair_wav(path: &Path) -> Result<RepairReport> {
    let bad = |m: &str| Error::Format { path: path.to_path_buf(), message: m.to_owned() };
    let mut file = OpenOptions::new().read(true).write(true).open(path).map_err(io(path, "opening"))?;
    let len = file.metadata().map_err(io(path, "reading"))?.len();
    let mut head = vec![0u8; len.min(4096) as usize];
    file.read_exact(&mut head).map_err(io(path, "reading"))?;
    if head.len() < 12 || &head[0..4] != b"RIFF" || &head[8..12] != b"WAVE" {
        return Err(bad("not a WAV file (no RIFF/WAVE header)"));
    }
    let (mut pos, mut block_align, mut byte_rate, mut data_at) = (12usize, 0u16, 0u32, None);
    while pos + 8 <= head.len() {
        let id = &head[pos..pos + 4];
        let size = u32::from_le_bytes([head[pos + 4], head[pos + 5], head[pos + 6], head[pos + 7]]) as usize;
        if id == b"fmt " && pos + 24 <= head.len() {
            byte_rate = u32::from_le_bytes([head[pos + 16], head[pos + 17], head[pos + 18], head[pos + 19]]);
            block_align = u16::from_le_bytes([head[pos + 20], head[pos + 21]]);
        }
        if id == b"data" {
            data_at = Some(pos);
            break;
        }
        pos += 8 + size + (size & 1);
    }
    let data_at = data_at.ok_or_else(|| bad("no data chunk found"))? as u64;
    if block_align == 0 || byte_rate == 0 {
        return Err(bad("no usable fmt chunk"));
    }
    let available = len.saturating_sub(data_at + 8);
    let data_len =
        (available / u64::from(block_align) * u64::from(block_align)).min(u64::from(u32::MAX) - 36 - data_at);
    let declared_data = u32::from_le_bytes([
        head[data_at as usize + 4],
        head[data_at as usize + 5],
        head[data_at as usize + 6],
        head[data_at as usize + 7],
    ]);
    let declared_riff = u32::from_le_bytes([head[4], head[5], head[6], head[7]]);
    let riff = (data_at + 8 + data_len - 8) as u32;
    let repaired = u64::from(declared_data) != data_len || declared_riff != riff || len != data_at + 8 + data_len;
    if repaired {
        file.set_len(data_at + 8 + data_len).map_err(io(path, "truncating"))?;
        file.seek(SeekFrom::Start(4)).map_err(io(path, "seeking in"))?;
        file.write_all(&riff.to_le_bytes()).map_err(io(path, "writing"))?;
        file.seek(SeekFrom::Start(data_at + 4)).map_err(io(path, "seeking in"))?;
        file.write_all(&(data_len as u32).to_le_bytes()).map_err(io(path, "writing"))?;
        file.sync_all().map_err(io(path, "syncing"))?;
    }
    Ok(RepairReport { path: path.to_path_buf(), repaired, duration_s: data_len as f64 / f64::from(byte_rate) })
}

#[cfg(test)]
mod no_overwrite_tests {
    use super::*;

    #[test]
    fn a_recording_never_truncates_an_existing_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let take = dir.path().join("interview.wav");
        std::fs::write(&take, b"yesterday's take, 40 minutes of it").expect("write");
        let err = CrashSafeWav::create(&take, 16_000).err().expect("an existing file is refused");
        assert_eq!(err.code(), "invalid_input");
        assert!(err.to_string().contains("already exists"), "{err}");
        assert_eq!(std::fs::read(&take).expect("read"), b"yesterday's take, 40 minutes of it");
        // Through the recorder too, and without leaving a repair marker that would touch that file.
        let (_tx, rx) = crate::record::channel();
        let control = crate::record::Control::new();
        assert!(crate::record::record(&take, 16_000, &rx, &control).is_err());
        assert_eq!(std::fs::read(&take).expect("read"), b"yesterday's take, 40 minutes of it");
        assert!(!crate::record::marker_path(&take).exists());
    }
}
