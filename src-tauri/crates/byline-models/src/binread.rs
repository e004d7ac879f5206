//! A bounds-checked little-endian file reader shared by the CTranslate2 and GGUF parsers.
//!
//! Every read and skip is checked against the file length first, so a truncated or lying header becomes a
//! `Format` error naming the field, never a panic, an endless loop or a multi-gigabyte allocation.

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

use byline_core::{Error, Result};

/// Strings and byte runs longer than this are refused without allocating: no real header holds one.
pub const MAX_BYTES: u64 = 64 * 1024 * 1024;

pub struct LeReader {
    inner: BufReader<File>,
    pub path: PathBuf,
    pub len: u64,
    pub pos: u64,
}

impl LeReader {
    pub fn open(path: &Path) -> Result<Self> {
        let file = File::open(path).map_err(|e| Error::io(format!("opening {}", path.display()), e))?;
        let len = file.metadata().map_err(|e| Error::io(format!("reading {}", path.display()), e))?.len();
        Ok(LeReader { inner: BufReader::with_capacity(1 << 16, file), path: path.to_path_buf(), len, pos: 0 })
    }

    pub fn error(&self, message: String) -> Error {
        Error::Format { path: self.path.clone(), message }
    }

    pub fn remaining(&self) -> u64 {
        self.len.saturating_sub(self.pos)
    }

    fn truncated(&self, what: &str) -> Error {
        self.error(format!("file is truncated: it ends inside the {what} ({} bytes in all)", self.len))
    }

    pub fn exact(&mut self, buf: &mut [u8], what: &str) -> Result<()> {
        if buf.len() as u64 > self.remaining() {
            return Err(self.truncated(what));
        }
        self.inner.read_exact(buf).map_err(|e| Error::io(format!("reading {}", self.path.display()), e))?;
        self.pos += buf.len() as u64;
        Ok(())
    }

    pub fn bytes(&mut self, n: u64, what: &str) -> Result<Vec<u8>> {
        if n > MAX_BYTES {
            return Err(self.error(format!("the {what} claims to be {n} bytes long")));
        }
        if n > self.remaining() {
            return Err(self.truncated(what));
        }
        let mut buf = vec![0u8; n as usize];
        self.exact(&mut buf, what)?;
        Ok(buf)
    }

    pub fn array<const N: usize>(&mut self, what: &str) -> Result<[u8; N]> {
        let mut b = [0u8; N];
        self.exact(&mut b, what)?;
        Ok(b)
    }

    pub fn u8(&mut self, what: &str) -> Result<u8> {
        Ok(self.array::<1>(what)?[0])
    }

    pub fn u16(&mut self, what: &str) -> Result<u16> {
        Ok(u16::from_le_bytes(self.array(what)?))
    }

    pub fn u32(&mut self, what: &str) -> Result<u32> {
        Ok(u32::from_le_bytes(self.array(what)?))
    }

    pub fn u64(&mut self, what: &str) -> Result<u64> {
        Ok(u64::from_le_bytes(self.array(what)?))
    }

    pub fn skip(&mut self, n: u64, what: &str) -> Result<()> {
        if n > self.remaining() {
            return Err(self.truncated(what));
        }
        let step = i64::try_from(n).map_err(|_| self.truncated(what))?;
        self.inner.seek_relative(step).map_err(|e| Error::io(format!("reading {}", self.path.display()), e))?;
        self.pos += n;
        Ok(())
    }
}
