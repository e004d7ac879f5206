//! GGUF metadata: every key/value pair of a v2/v3 header, including arrays (the tokenizer lives there).
//!
//! `formats.rs` only skims a GGUF header to validate it; this reads the values so a GGUF model can run
//! without side files. Tensor infos are not read.

use std::collections::BTreeMap;
use std::path::Path;

use byline_core::Result;

use crate::binread::LeReader;

/// One metadata value, by GGUF's type codes 0–12.
#[derive(Clone, Debug, PartialEq)]
pub enum GgufValue {
    U8(u8),
    I8(i8),
    U16(u16),
    I16(i16),
    U32(u32),
    I32(i32),
    F32(f32),
    Bool(bool),
    String(String),
    Array(Vec<GgufValue>),
    U64(u64),
    I64(i64),
    F64(f64),
}

impl GgufValue {
    /// Any integer type as i64 (token ids are u32 in some files and i32 in others).
    pub fn as_i64(&self) -> Option<i64> {
        Some(match *self {
            GgufValue::U8(v) => i64::from(v),
            GgufValue::I8(v) => i64::from(v),
            GgufValue::U16(v) => i64::from(v),
            GgufValue::I16(v) => i64::from(v),
            GgufValue::U32(v) => i64::from(v),
            GgufValue::I32(v) => i64::from(v),
            GgufValue::U64(v) => i64::try_from(v).ok()?,
            GgufValue::I64(v) => v,
            _ => return None,
        })
    }

    pub fn as_f64(&self) -> Option<f64> {
        match *self {
            GgufValue::F32(v) => Some(f64::from(v)),
            GgufValue::F64(v) => Some(v),
            _ => self.as_i64().map(|v| v as f64),
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        if let GgufValue::String(s) = self { Some(s) } else { None }
    }

    pub fn as_array(&self) -> Option<&[GgufValue]> {
        if let GgufValue::Array(items) = self { Some(items) } else { None }
    }
}

/// The header of a GGUF file: version, tensor count and all metadata.
#[derive(Clone, Debug)]
pub struct GgufMetadata {
    pub version: u32,
    pub tensor_count: u64,
    pub values: BTreeMap<String, GgufValue>,
}

impl GgufMetadata {
    pub fn read(path: &Path) -> Result<Self> {
        let mut r = LeReader::open(path)?;
        if &r.array::<4>("file magic")? != b"GGUF" {
            return Err(r.error("not a GGUF file (bad magic)".into()));
        }
        let version = r.u32("GGUF version")?;
        if !(2..=3).contains(&version) {
            return Err(r.error(format!("unsupported GGUF version {version} (Byline reads versions 2 and 3)")));
        }
        let tensor_count = r.u64("tensor count")?;
        let kv_count = r.u64("metadata count")?;
        if kv_count > r.remaining() {
            return Err(r.error(format!(
                "header claims {kv_count} metadata entries but only {} bytes follow: the file is truncated or damaged",
                r.remaining()
            )));
        }
        let mut values = BTreeMap::new();
        for _ in 0..kv_count {
            let key = string(&mut r, "metadata key")?;
            let ty = r.u32(&format!("type of {key}"))?;
            let value = read_value(&mut r, ty, &key, 0)?;
            values.insert(key, value);
        }
        Ok(GgufMetadata { version, tensor_count, values })
    }

    pub fn get(&self, key: &str) -> Option<&GgufValue> {
        self.values.get(key)
    }

    pub fn get_str(&self, key: &str) -> Option<&str> {
        self.get(key)?.as_str()
    }

    pub fn get_i64(&self, key: &str) -> Option<i64> {
        self.get(key)?.as_i64()
    }

    /// A string array such as `tokenizer.ggml.tokens`; `None` if absent or not all strings.
    pub fn get_strings(&self, key: &str) -> Option<Vec<&str>> {
        self.get(key)?.as_array()?.iter().map(GgufValue::as_str).collect()
    }

    pub fn get_i64s(&self, key: &str) -> Option<Vec<i64>> {
        self.get(key)?.as_array()?.iter().map(GgufValue::as_i64).collect()
    }

    pub fn get_f64s(&self, key: &str) -> Option<Vec<f64>> {
        self.get(key)?.as_array()?.iter().map(GgufValue::as_f64).collect()
    }
}

fn string(r: &mut LeReader, what: &str) -> Result<String> {
    let len = r.u64(what)?;
    let bytes = r.bytes(len, what)?;
    // Tokens of byte-level vocabularies are valid UTF-8; a lossy decode keeps odd files readable.
    Ok(String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()))
}

/// Arrays may nest; real files nest at most once, so deep nesting marks a corrupt file.
const MAX_DEPTH: u32 = 4;

fn read_value(r: &mut LeReader, ty: u32, key: &str, depth: u32) -> Result<GgufValue> {
    let what = format!("value of {key}");
    Ok(match ty {
        0 => GgufValue::U8(r.u8(&what)?),
        1 => GgufValue::I8(r.u8(&what)? as i8),
        2 => GgufValue::U16(r.u16(&what)?),
        3 => GgufValue::I16(r.u16(&what)? as i16),
        4 => GgufValue::U32(r.u32(&what)?),
        5 => GgufValue::I32(r.u32(&what)? as i32),
        6 => GgufValue::F32(f32::from_bits(r.u32(&what)?)),
        7 => match r.u8(&what)? {
            0 => GgufValue::Bool(false),
            1 => GgufValue::Bool(true),
            b => return Err(r.error(format!("{key} is a bool with value {b}"))),
        },
        8 => GgufValue::String(string(r, &what)?),
        9 => {
            let item = r.u32(&what)?;
            let count = r.u64(&what)?;
            // Every item takes at least one byte, so a count beyond the rest of the file is a lie.
            if count > r.remaining() || depth >= MAX_DEPTH {
                return Err(r.error(format!(
                    "{key} claims {count} array items but only {} bytes follow: the file is truncated or damaged",
                    r.remaining()
                )));
            }
            let mut items = Vec::with_capacity(count.min(1 << 20) as usize);
            for _ in 0..count {
                items.push(read_value(r, item, key, depth + 1)?);
            }
            GgufValue::Array(items)
        }
        10 => GgufValue::U64(r.u64(&what)?),
        11 => GgufValue::I64(r.u64(&what)? as i64),
        12 => GgufValue::F64(f64::from_bits(r.u64(&what)?)),
        _ => return Err(r.error(format!("{key} has unknown GGUF value type {ty}"))),
    })
}
