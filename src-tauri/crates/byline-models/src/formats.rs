//! Recognising and sanity-checking weight files by their headers, before they are imported.
//!
//! Each check walks the file's own index (GGUF tensor infos, whisper.cpp ggml tensor records, the safetensors
//! JSON header) and makes sure every tensor it describes lies inside the file, so a truncated download or a
//! lying header is refused at import time instead of crashing inference later.

use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::Path;

use byline_core::{Error, Result};

use crate::catalog::Format;

const GGUF_MAGIC: &[u8; 4] = b"GGUF";
const GGML_MAGIC: u32 = 0x6767_6d6c;
/// Limits that no real header reaches; they keep a corrupt length from allocating gigabytes.
const MAX_NAME: u64 = 64 * 1024;
const MAX_SAFETENSORS_HEADER: u64 = 100 * 1024 * 1024;

/// Whether `path` starts like a Silero VAD file in whisper.cpp's ggml layout: the ggml magic, then a model
/// type that names Silero.
pub fn is_silero_ggml(path: &Path) -> bool {
    use std::io::Read;
    let mut head = [0u8; 24];
    let Ok(mut file) = std::fs::File::open(path) else { return false };
    if file.read_exact(&mut head).is_err() {
        return false;
    }
    let magic = u32::from_le_bytes([head[0], head[1], head[2], head[3]]);
    let len = u32::from_le_bytes([head[4], head[5], head[6], head[7]]) as usize;
    magic == GGML_MAGIC && (6..=16).contains(&len) && head[8..8 + len].starts_with(b"silero")
}

/// Identifies a single weight file by its first bytes and validates it; `Err(Format)` explains what is wrong.
pub fn check_file(path: &Path) -> Result<Format> {
    let mut r = Reader::open(path)?;
    let mut magic = [0u8; 4];
    r.exact(&mut magic, "file magic")?;
    if &magic == GGUF_MAGIC {
        check_gguf(&mut r)?;
        return Ok(Format::Gguf);
    }
    if u32::from_le_bytes(magic) == GGML_MAGIC {
        // Silero VAD's ggml file has its own header (whisper.cpp checks it when loading).
        if !is_silero_ggml(path) {
            check_ggml(&mut r)?;
        }
        return Ok(Format::Ggml);
    }
    if path.extension().is_some_and(|e| e == "safetensors") || looks_like_safetensors(&mut r)? {
        check_safetensors(&mut r)?;
        return Ok(Format::Safetensors);
    }
    Err(r.error(format!("not a GGUF, ggml or safetensors file (starts with {:02x?})", magic)))
}

/// Reads little-endian values with the file's path and length at hand for error messages.
struct Reader {
    inner: BufReader<File>,
    path: std::path::PathBuf,
    len: u64,
}

impl Reader {
    fn open(path: &Path) -> Result<Self> {
        let file = File::open(path).map_err(|e| Error::io(format!("opening {}", path.display()), e))?;
        let len = file.metadata().map_err(|e| Error::io(format!("reading {}", path.display()), e))?.len();
        Ok(Reader { inner: BufReader::new(file), path: path.to_path_buf(), len })
    }

    fn error(&self, message: String) -> Error {
        Error::Format { path: self.path.clone(), message }
    }

    fn pos(&mut self) -> Result<u64> {
        self.inner.stream_position().map_err(|e| Error::io(format!("reading {}", self.path.display()), e))
    }

    fn exact(&mut self, buf: &mut [u8], what: &str) -> Result<()> {
        self.inner.read_exact(buf).map_err(|e| match e.kind() {
            std::io::ErrorKind::UnexpectedEof => {
                self.error(format!("file is truncated: it ends inside the {what} ({} bytes in all)", self.len))
            }
            _ => Error::io(format!("reading {}", self.path.display()), e),
        })
    }

    fn u32(&mut self, what: &str) -> Result<u32> {
        let mut b = [0u8; 4];
        self.exact(&mut b, what)?;
        Ok(u32::from_le_bytes(b))
    }

    fn u64(&mut self, what: &str) -> Result<u64> {
        let mut b = [0u8; 8];
        self.exact(&mut b, what)?;
        Ok(u64::from_le_bytes(b))
    }

    /// Skips `n` bytes, refusing to skip past the end (seeking alone would not notice).
    fn skip(&mut self, n: u64, what: &str) -> Result<()> {
        let pos = self.pos()?;
        if pos.saturating_add(n) > self.len {
            return Err(self.error(format!("file is truncated: it ends inside the {what} ({} bytes in all)", self.len)));
        }
        self.inner.seek_relative(n as i64).map_err(|e| Error::io(format!("reading {}", self.path.display()), e))
    }

    fn string(&mut self, len: u64, what: &str) -> Result<String> {
        if len > MAX_NAME {
            return Err(self.error(format!("{what} claims to be {len} bytes long")));
        }
        let mut buf = vec![0u8; len as usize];
        self.exact(&mut buf, what)?;
        Ok(String::from_utf8_lossy(&buf).into_owned())
    }
}

/// Bytes per block and elements per block of ggml tensor types (ggml's `type_traits`).
fn ggml_type_size(ty: u32) -> Option<(u64, u64)> {
    Some(match ty {
        0 => (4, 1),           // F32
        1 | 30 => (2, 1),      // F16, BF16
        2 | 20 => (18, 32),    // Q4_0, IQ4_NL
        3 => (20, 32),         // Q4_1
        6 => (22, 32),         // Q5_0
        7 => (24, 32),         // Q5_1
        8 => (34, 32),         // Q8_0
        9 => (36, 32),         // Q8_1
        10 => (84, 256),       // Q2_K
        11 | 21 => (110, 256), // Q3_K, IQ3_S
        12 => (144, 256),      // Q4_K
        13 => (176, 256),      // Q5_K
        14 => (210, 256),      // Q6_K
        15 => (292, 256),      // Q8_K
        16 => (66, 256),       // IQ2_XXS
        17 => (74, 256),       // IQ2_XS
        18 => (98, 256),       // IQ3_XXS
        19 => (50, 256),       // IQ1_S
        22 => (82, 256),       // IQ2_S
        23 => (136, 256),      // IQ4_XS
        24 => (1, 1),          // I8
        25 => (2, 1),          // I16
        26 => (4, 1),          // I32
        27 | 28 => (8, 1),     // I64, F64
        29 => (56, 256),       // IQ1_M
        _ => return None,
    })
}

fn tensor_bytes(ty: u32, elements: u64) -> Option<u64> {
    let (block_bytes, block_elems) = ggml_type_size(ty)?;
    elements.div_ceil(block_elems).checked_mul(block_bytes)
}

fn check_gguf(r: &mut Reader) -> Result<()> {
    let version = r.u32("GGUF version")?;
    if !(2..=3).contains(&version) {
        return Err(r.error(format!("unsupported GGUF version {version} (Byline reads versions 2 and 3)")));
    }
    let tensors = r.u64("GGUF tensor count")?;
    let kvs = r.u64("GGUF metadata count")?;
    // Every entry takes at least a few bytes, so counts beyond the file length are lies.
    if tensors > r.len || kvs > r.len {
        return Err(r.error(format!("GGUF header claims {tensors} tensors and {kvs} metadata entries")));
    }
    let mut alignment = 32u64;
    for _ in 0..kvs {
        let key_len = r.u64("GGUF metadata key")?;
        let key = r.string(key_len, "GGUF metadata key")?;
        let ty = r.u32("GGUF metadata type")?;
        if key == "general.alignment" && ty == 4 {
            // Loaders (candle, llama.cpp) divide by it; 0 made the model import and then panic on load.
            let declared = r.u32("GGUF alignment")?;
            if declared == 0 || !declared.is_power_of_two() {
                return Err(r.error(format!("general.alignment is {declared}; it must be a power of two")));
            }
            alignment = u64::from(declared);
        } else {
            skip_gguf_value(r, ty, &key)?;
        }
    }
    let mut infos = Vec::with_capacity(tensors.min(100_000) as usize);
    for _ in 0..tensors {
        let name_len = r.u64("GGUF tensor name")?;
        let name = r.string(name_len, "GGUF tensor name")?;
        let dims = r.u32("GGUF tensor rank")?;
        if dims > 8 {
            return Err(r.error(format!("tensor {name} claims {dims} dimensions")));
        }
        let mut elements = 1u64;
        for _ in 0..dims {
            elements = elements.saturating_mul(r.u64("GGUF tensor shape")?);
        }
        let ty = r.u32("GGUF tensor type")?;
        let offset = r.u64("GGUF tensor offset")?;
        infos.push((name, ty, elements, offset));
    }
    let data_start = r.pos()?.div_ceil(alignment) * alignment;
    for (name, ty, elements, offset) in infos {
        let size = tensor_bytes(ty, elements).unwrap_or(0); // Unknown new types: at least the start must fit.
        let end = data_start.saturating_add(offset).saturating_add(size);
        if end > r.len {
            return Err(
                r.error(format!("header says tensor {name} ends at byte {end} but the file has {} bytes", r.len))
            );
        }
    }
    Ok(())
}

fn skip_gguf_value(r: &mut Reader, ty: u32, key: &str) -> Result<()> {
    let what = format!("value of {key}");
    match ty {
        0 | 1 | 7 => r.skip(1, &what),
        2 | 3 => r.skip(2, &what),
        4..=6 => r.skip(4, &what),
        10..=12 => r.skip(8, &what),
        8 => {
            let len = r.u64(&what)?;
            r.skip(len, &what)
        }
        9 => {
            let item = r.u32(&what)?;
            let count = r.u64(&what)?;
            if count > r.len {
                return Err(r.error(format!("{key} claims {count} array items")));
            }
            for _ in 0..count {
                skip_gguf_value(r, item, key)?;
            }
            Ok(())
        }
        _ => Err(r.error(format!("{key} has unknown GGUF value type {ty}"))),
    }
}

fn check_ggml(r: &mut Reader) -> Result<()> {
    // whisper.cpp: 11 i32 hyper-parameters, the mel filter bank, the vocabulary, then tensor records to the end.
    let mut hp = [0u32; 11];
    for v in hp.iter_mut() {
        *v = r.u32("ggml hyper-parameters")?;
    }
    let (n_vocab, n_mels) = (hp[0], hp[9]);
    if n_vocab == 0 || n_vocab > 1_000_000 || n_mels == 0 || n_mels > 1024 {
        return Err(r.error(format!("ggml header is implausible (n_vocab {n_vocab}, n_mels {n_mels})")));
    }
    let rows = u64::from(r.u32("ggml mel filters")?);
    let cols = u64::from(r.u32("ggml mel filters")?);
    r.skip(rows.saturating_mul(cols).saturating_mul(4), "ggml mel filters")?;
    let tokens = r.u32("ggml vocabulary")?;
    for _ in 0..tokens {
        let len = u64::from(r.u32("ggml vocabulary")?);
        r.skip(len, "ggml vocabulary")?;
    }
    let mut count = 0;
    while r.pos()? < r.len {
        let dims = r.u32("ggml tensor header")?;
        let name_len = u64::from(r.u32("ggml tensor header")?);
        let ty = r.u32("ggml tensor header")?;
        if dims == 0 || dims > 4 {
            return Err(r.error(format!("ggml tensor record {count} claims {dims} dimensions")));
        }
        let mut elements = 1u64;
        for _ in 0..dims {
            elements = elements.saturating_mul(u64::from(r.u32("ggml tensor shape")?));
        }
        let name = r.string(name_len, "ggml tensor name")?;
        let size =
            tensor_bytes(ty, elements).ok_or_else(|| r.error(format!("tensor {name} has unknown ggml type {ty}")))?;
        let start = r.pos()?;
        if start.saturating_add(size) > r.len {
            return Err(r.error(format!(
                "header says tensor {name} ends at byte {} but the file has {} bytes",
                start.saturating_add(size),
                r.len
            )));
        }
        r.skip(size, "ggml tensor data")?;
        count += 1;
    }
    if count == 0 {
        return Err(r.error("ggml file holds no tensors".into()));
    }
    Ok(())
}

fn looks_like_safetensors(r: &mut Reader) -> Result<bool> {
    // An 8-byte length followed by '{'. Peek without consuming.
    let mut head = [0u8; 9];
    r.inner.seek(SeekFrom::Start(0)).map_err(|e| Error::io("seeking", e))?;
    let ok = r.inner.read_exact(&mut head).is_ok() && head[8] == b'{';
    Ok(ok)
}

fn dtype_bytes(dtype: &str) -> Option<u64> {
    Some(match dtype {
        "BOOL" | "U8" | "I8" | "F8_E4M3" | "F8_E5M2" => 1,
        "F16" | "BF16" | "I16" | "U16" => 2,
        "F32" | "I32" | "U32" => 4,
        "F64" | "I64" | "U64" => 8,
        _ => return None,
    })
}

fn check_safetensors(r: &mut Reader) -> Result<()> {
    r.inner.seek(SeekFrom::Start(0)).map_err(|e| Error::io("seeking", e))?;
    let header_len = r.u64("safetensors header length")?;
    if header_len > MAX_SAFETENSORS_HEADER || header_len > r.len.saturating_sub(8) {
        return Err(
            r.error(format!("safetensors header length {header_len} is larger than the file ({} bytes)", r.len))
        );
    }
    let mut raw = vec![0u8; header_len as usize];
    r.exact(&mut raw, "safetensors header")?;
    let header: serde_json::Map<String, serde_json::Value> =
        serde_json::from_slice(&raw).map_err(|e| r.error(format!("safetensors header is not a JSON object: {e}")))?;
    let data_len = r.len - 8 - header_len;
    for (name, info) in header.iter().filter(|(k, _)| k.as_str() != "__metadata__") {
        let offsets = info.get("data_offsets").and_then(|v| v.as_array());
        let (Some(start), Some(end)) = (
            offsets.and_then(|o| o.first()).and_then(|v| v.as_u64()),
            offsets.and_then(|o| o.get(1)).and_then(|v| v.as_u64()),
        ) else {
            return Err(r.error(format!("tensor {name} has no valid data_offsets")));
        };
        if start > end || end > data_len {
            return Err(r.error(format!(
                "header says tensor {name} ends at byte {} but the file has {} bytes",
                8 + header_len + end,
                r.len
            )));
        }
        let dtype = info.get("dtype").and_then(|v| v.as_str()).unwrap_or_default();
        let shape: Option<Vec<u64>> =
            info.get("shape").and_then(|v| v.as_array()).map(|dims| dims.iter().filter_map(|d| d.as_u64()).collect());
        if let (Some(width), Some(shape)) = (dtype_bytes(dtype), shape) {
            let want = shape.iter().fold(width, |acc, d| acc.saturating_mul(*d));
            if want != end - start {
                return Err(r.error(format!(
                    "tensor {name} is {dtype} {shape:?} ({want} bytes) but its offsets span {} bytes",
                    end - start
                )));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
#[path = "formats_tests.rs"]
pub(crate) mod tests;
