//! Reading CTranslate2 `model.bin` files: the variable table with each tensor's place in the file.
//!
//! Only the index is read up front; tensor bytes are read one variable at a time, so converting a
//! multi-gigabyte model never holds more than one tensor in memory. Every length in the file is checked
//! against the file size before it is trusted, so a truncated download gives a clear error, never a panic
//! or a huge allocation.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use byline_core::{Error, Result};

use crate::binread::LeReader;

/// Element types of CTranslate2 variables (the `DataType` enum of its storage format).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ct2Dtype {
    F32,
    I8,
    I16,
    I32,
    F16,
    Bf16,
}

impl Ct2Dtype {
    fn from_code(code: u8) -> Option<Self> {
        Some(match code {
            0 => Self::F32,
            1 => Self::I8,
            2 => Self::I16,
            3 => Self::I32,
            4 => Self::F16,
            5 => Self::Bf16,
            _ => return None,
        })
    }

    pub fn width(self) -> u64 {
        match self {
            Self::I8 => 1,
            Self::I16 | Self::F16 | Self::Bf16 => 2,
            Self::F32 | Self::I32 => 4,
        }
    }
}

/// One named tensor (or scalar, when `dims` is empty) and where its bytes lie in the file.
#[derive(Clone, Debug)]
pub struct Ct2Variable {
    pub name: String,
    pub dims: Vec<u64>,
    pub dtype: Ct2Dtype,
    pub offset: u64,
    pub len: u64,
}

impl Ct2Variable {
    pub fn elements(&self) -> u64 {
        self.dims.iter().product()
    }
}

/// The index of a CTranslate2 model file.
#[derive(Clone, Debug)]
pub struct Ct2Model {
    pub path: PathBuf,
    pub version: u32,
    /// `WhisperSpec`, `TransformerSpec`, …; empty for version 1 files.
    pub spec: String,
    pub variables: Vec<Ct2Variable>,
    /// `(alias, target)` pairs, e.g. a tied output projection.
    pub aliases: Vec<(String, String)>,
}

/// The binary format versions whose layout we know: dtype codes appeared in version 4, 6 is current.
const VERSIONS: std::ops::RangeInclusive<u32> = 4..=6;
const MAX_RANK: u8 = 8;

impl Ct2Model {
    pub fn open(path: &Path) -> Result<Self> {
        let mut r = LeReader::open(path)?;
        let version = r.u32("format version")?;
        if !VERSIONS.contains(&version) {
            return Err(r.error(format!(
                "unsupported CTranslate2 format version {version} (Byline reads versions {} to {}); \
                 is this a CTranslate2 model.bin?",
                VERSIONS.start(),
                VERSIONS.end()
            )));
        }
        let spec = ct2_string(&mut r, "spec name")?;
        let _revision = r.u32("spec revision")?;
        let count = r.u32("variable count")?;
        // Each variable takes at least a dozen bytes, so a count beyond the file size is garbage.
        if u64::from(count) > r.remaining() {
            return Err(r.error(format!(
                "header claims {count} variables but only {} bytes follow: the file is truncated or damaged",
                r.remaining()
            )));
        }
        let mut variables = Vec::with_capacity(count.min(100_000) as usize);
        for _ in 0..count {
            variables.push(read_variable(&mut r)?);
        }
        let alias_count = r.u32("alias count")?;
        if u64::from(alias_count) > r.remaining() {
            return Err(r.error(format!("header claims {alias_count} aliases: the file is truncated or damaged")));
        }
        let mut aliases = Vec::new();
        for _ in 0..alias_count {
            let alias = ct2_string(&mut r, "alias name")?;
            let target = ct2_string(&mut r, "alias target")?;
            aliases.push((alias, target));
        }
        Ok(Ct2Model { path: path.to_path_buf(), version, spec, variables, aliases })
    }

    pub fn get(&self, name: &str) -> Option<&Ct2Variable> {
        self.variables.iter().find(|v| v.name == name)
    }

    /// The variable or a format error naming it, for variables a converter cannot do without.
    pub fn require(&self, name: &str) -> Result<&Ct2Variable> {
        self.get(name).ok_or_else(|| self.error(format!("has no variable {name}; is this the right kind of model?")))
    }

    /// The value of an integer scalar such as `encoder/num_heads`.
    pub fn scalar_int(&self, file: &mut File, name: &str) -> Result<i64> {
        let var = self.require(name)?;
        let bytes = self.read(file, var)?;
        let value = match (var.dtype, bytes.as_slice()) {
            (Ct2Dtype::I8, [a]) => i64::from(*a as i8),
            (Ct2Dtype::I16, [a, b]) => i64::from(i16::from_le_bytes([*a, *b])),
            (Ct2Dtype::I32, [a, b, c, d]) => i64::from(i32::from_le_bytes([*a, *b, *c, *d])),
            _ => return Err(self.error(format!("{name} is not an integer scalar ({:?}, {:?})", var.dtype, var.dims))),
        };
        Ok(value)
    }

    /// The raw little-endian bytes of one variable.
    pub fn read(&self, file: &mut File, var: &Ct2Variable) -> Result<Vec<u8>> {
        let mut buf = vec![0u8; var.len as usize];
        file.seek(SeekFrom::Start(var.offset))
            .and_then(|_| file.read_exact(&mut buf))
            .map_err(|e| Error::io(format!("reading {} from {}", var.name, self.path.display()), e))?;
        Ok(buf)
    }

    pub fn error(&self, message: String) -> Error {
        Error::Format { path: self.path.clone(), message }
    }
}

fn read_variable(r: &mut LeReader) -> Result<Ct2Variable> {
    let name = ct2_string(r, "variable name")?;
    let rank = r.u8(&format!("rank of {name}"))?;
    if rank > MAX_RANK {
        return Err(r.error(format!("variable {name} claims {rank} dimensions")));
    }
    let mut dims = Vec::with_capacity(rank as usize);
    for _ in 0..rank {
        dims.push(u64::from(r.u32(&format!("shape of {name}"))?));
    }
    let code = r.u8(&format!("type of {name}"))?;
    let dtype = Ct2Dtype::from_code(code).ok_or_else(|| r.error(format!("variable {name} has unknown type {code}")))?;
    let len = u64::from(r.u32(&format!("size of {name}"))?);
    let want = dims.iter().fold(dtype.width(), |acc, d| acc.saturating_mul(*d));
    if want != len {
        return Err(r.error(format!("variable {name} is {dtype:?} {dims:?} ({want} bytes) but stores {len} bytes")));
    }
    let offset = r.pos;
    r.skip(len, &format!("data of {name}"))?;
    Ok(Ct2Variable { name, dims, dtype, offset, len })
}

/// A u16 length that counts a trailing NUL, then the bytes and the NUL.
fn ct2_string(r: &mut LeReader, what: &str) -> Result<String> {
    let n = r.u16(what)?;
    let buf = r.bytes(u64::from(n), what)?;
    match buf.split_last() {
        Some((&0, text)) => String::from_utf8(text.to_vec())
            .map_err(|_| r.error(format!("the {what} before byte {} is not UTF-8", r.pos))),
        _ => Err(r.error(format!("the {what} before byte {} is not NUL-terminated", r.pos))),
    }
}
