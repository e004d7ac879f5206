//! The app's log: a file in the data folder that rotates by size, so an app left open for months keeps a
//! few megabytes of recent history and never fills the disk. What goes in is the caller's choice; Byline
//! logs what happened (jobs, model loads, failures with their codes), never the text of articles or
//! transcripts.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use crate::{Error, Result};

/// `byline.log`, then `byline.1.log` (older) … `byline.<keep>.log` (oldest).
pub struct RotatingFile {
    dir: PathBuf,
    stem: String,
    max_bytes: u64,
    keep: usize,
    open: Mutex<Option<(File, u64)>>,
}

impl RotatingFile {
    /// A log `stem.log` in `dir` (created if needed) that rotates once it would pass `max_bytes`, keeping
    /// `keep` older files.
    pub fn new(dir: &Path, stem: &str, max_bytes: u64, keep: usize) -> Result<Self> {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(format!("creating {}", dir.display()), e))?;
        Ok(Self { dir: dir.to_path_buf(), stem: stem.to_string(), max_bytes, keep, open: Mutex::new(None) })
    }

    /// The file being written now.
    pub fn current(&self) -> PathBuf {
        self.dir.join(format!("{}.log", self.stem))
    }

    fn numbered(&self, n: usize) -> PathBuf {
        self.dir.join(format!("{}.{n}.log", self.stem))
    }

    fn rotate(&self) -> std::io::Result<()> {
        let _ = std::fs::remove_file(self.numbered(self.keep));
        for n in (1..self.keep).rev() {
            let from = self.numbered(n);
            if from.exists() {
                std::fs::rename(&from, self.numbered(n + 1))?;
            }
        }
        if self.keep == 0 {
            std::fs::remove_file(self.current())
        } else {
            std::fs::rename(self.current(), self.numbered(1))
        }
    }

    fn open_current(&self) -> std::io::Result<(File, u64)> {
        let file = OpenOptions::new().create(true).append(true).open(self.current())?;
        let len = file.metadata()?.len();
        Ok((file, len))
    }

    /// Appends one record (whole lines); rotates first when it would not fit.
    pub fn append(&self, record: &[u8]) -> std::io::Result<()> {
        let mut open = self.open.lock().unwrap_or_else(|p| p.into_inner());
        if open.is_none() {
            *open = Some(self.open_current()?);
        }
        if let Some((_, len)) = open.as_ref()
            && *len > 0
            && len + record.len() as u64 > self.max_bytes
        {
            *open = None;
            self.rotate()?;
            *open = Some(self.open_current()?);
        }
        let Some((file, len)) = open.as_mut() else { return Ok(()) };
        file.write_all(record)?;
        *len += record.len() as u64;
        Ok(())
    }
}

/// A writer for one record; `tracing-subscriber` makes one per event, and the record goes out whole.
pub struct Record<'a> {
    log: &'a RotatingFile,
    buf: Vec<u8>,
}

impl<'a> Record<'a> {
    pub fn new(log: &'a RotatingFile) -> Self {
        Self { log, buf: Vec::with_capacity(256) }
    }
}

impl Write for Record<'_> {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.buf.extend_from_slice(data);
        Ok(data.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Drop for Record<'_> {
    fn drop(&mut self) {
        if !self.buf.is_empty() {
            // A log that cannot be written must never stop the app; the work goes on without it.
            let _ = self.log.append(&self.buf);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rotates_by_size_and_keeps_the_newest_files() {
        let dir = tempfile::tempdir().expect("tempdir");
        let log = RotatingFile::new(&dir.path().join("logs"), "byline", 100, 2).expect("log");
        for i in 0..12 {
            let mut record = Record::new(&log);
            writeln!(record, "record {i:02} {}", "x".repeat(20)).expect("write");
        }
        let read = |p: PathBuf| std::fs::read_to_string(p).unwrap_or_default();
        let (now, older, oldest) = (read(log.current()), read(log.numbered(1)), read(log.numbered(2)));
        assert!(now.contains("record 11") && now.len() <= 100, "{now}");
        assert!(older.contains("record 07") && older.len() <= 100, "{older}");
        assert!(oldest.contains("record 03"), "{oldest}");
        assert!(!log.numbered(3).exists(), "only two older files are kept");
        // Every record is whole and in order across the files.
        let all: Vec<String> = [oldest, older, now].concat().lines().map(str::to_string).collect();
        assert!(all.iter().all(|l| l.len() == 30), "{all:?}");
        let numbers: Vec<u32> = all.iter().map(|l| l[7..9].parse().expect("number")).collect();
        assert!(numbers.windows(2).all(|w| w[1] == w[0] + 1), "{numbers:?}");
    }

    #[test]
    fn a_record_longer_than_the_limit_still_goes_in_whole() {
        let dir = tempfile::tempdir().expect("tempdir");
        let log = RotatingFile::new(dir.path(), "app", 10, 1).expect("log");
        log.append(b"short\n").expect("append");
        log.append(b"a much longer record than ten bytes\n").expect("append");
        assert_eq!(std::fs::read_to_string(log.current()).expect("read"), "a much longer record than ten bytes\n");
        assert_eq!(std::fs::read_to_string(log.numbered(1)).expect("read"), "short\n");
    }
}
