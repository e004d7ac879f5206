//! Just enough of NumPy's `.npy`/`.npz` formats to read float arrays such as Whisper's mel filter bank.
//!
//! An `.npy` file is a magic string, a version, a little Python-dict header naming `descr`, `fortran_order`
//! and `shape`, then the raw data; an `.npz` is a zip of `.npy` members.

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::Path;

use byline_core::{Error, Result};

const MAGIC: &[u8] = b"\x93NUMPY";
const MAX_ELEMENTS: usize = 1 << 28;

/// A C-ordered array converted to f32.
#[derive(Clone, Debug, PartialEq)]
pub struct NpyArray {
    pub shape: Vec<usize>,
    pub data: Vec<f32>,
}

/// Reads one `.npy` member of an `.npz` file.
pub fn read_npz_member(npz: &Path, member: &str) -> Result<NpyArray> {
    let fail = |message: String| Error::Format { path: npz.to_path_buf(), message };
    let file = File::open(npz).map_err(|e| Error::io(format!("opening {}", npz.display()), e))?;
    let mut archive = zip::ZipArchive::new(BufReader::new(file)).map_err(|e| fail(format!("not an .npz file: {e}")))?;
    let mut entry = archive.by_name(member).map_err(|e| fail(format!("no array {member}: {e}")))?;
    let mut bytes = Vec::new();
    entry.read_to_end(&mut bytes).map_err(|e| fail(format!("reading {member}: {e}")))?;
    parse_npy(&bytes).map_err(|message| fail(format!("{member}: {message}")))
}

/// Parses a whole `.npy` file held in memory. Accepts little-endian f32 and f64 in C order.
pub fn parse_npy(bytes: &[u8]) -> std::result::Result<NpyArray, String> {
    let rest = bytes.strip_prefix(MAGIC).ok_or("not an .npy array (bad magic)")?;
    let (&major, rest) = rest.split_first().ok_or("truncated before the version")?;
    let (_minor, rest) = rest.split_first().ok_or("truncated before the version")?;
    let (header_len, rest) = match major {
        1 => {
            let (len, rest) = rest.split_at_checked(2).ok_or("truncated header length")?;
            (usize::from(u16::from_le_bytes([len[0], len[1]])), rest)
        }
        2 | 3 => {
            let (len, rest) = rest.split_at_checked(4).ok_or("truncated header length")?;
            (u32::from_le_bytes([len[0], len[1], len[2], len[3]]) as usize, rest)
        }
        v => return Err(format!("unsupported .npy version {v}")),
    };
    let (header, data) = rest.split_at_checked(header_len).ok_or("truncated header")?;
    let header = std::str::from_utf8(header).map_err(|_| "header is not text")?;
    let descr = dict_value(header, "descr").ok_or("header has no descr")?;
    let descr = descr.trim_matches(|c| c == '\'' || c == '"');
    if dict_value(header, "fortran_order").is_some_and(|v| v.starts_with("True")) {
        return Err("Fortran-ordered arrays are not supported".into());
    }
    let shape = parse_shape(dict_value(header, "shape").ok_or("header has no shape")?)?;
    let count = shape.iter().try_fold(1usize, |acc, d| acc.checked_mul(*d)).filter(|n| *n <= MAX_ELEMENTS);
    let count = count.ok_or_else(|| format!("shape {shape:?} is too large"))?;
    let width = match descr {
        "<f4" => 4,
        "<f8" => 8,
        other => return Err(format!("unsupported dtype {other} (expected <f4 or <f8)")),
    };
    if data.len() != count * width {
        return Err(format!("shape {shape:?} needs {} bytes of data, found {}", count * width, data.len()));
    }
    let data = if width == 4 {
        data.chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect()
    } else {
        data.chunks_exact(8)
            .map(|c| f64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]) as f32)
            .collect()
    };
    Ok(NpyArray { shape, data })
}

/// The raw text after `'key':` up to the next top-level comma (tuples keep their commas).
fn dict_value<'a>(header: &'a str, key: &str) -> Option<&'a str> {
    let start = header.find(&format!("'{key}'")).map(|i| i + key.len() + 2)?;
    let rest = header[start..].trim_start().strip_prefix(':')?.trim_start();
    let mut depth = 0i32;
    for (i, c) in rest.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' | '}' if depth <= 0 => return Some(rest[..i].trim()),
            _ => {}
        }
    }
    Some(rest.trim())
}

fn parse_shape(text: &str) -> std::result::Result<Vec<usize>, String> {
    let inner = text.trim().strip_prefix('(').and_then(|t| t.strip_suffix(')')).ok_or("shape is not a tuple")?;
    inner
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| s.parse::<usize>().map_err(|_| format!("shape entry {s:?} is not a number")))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn npy(descr: &str, shape: &str, data: &[u8]) -> Vec<u8> {
        let mut header = format!("{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape}, }}");
        // NumPy pads the header with spaces so the data starts on a 64-byte boundary, ending in a newline.
        while !(MAGIC.len() + 4 + header.len() + 1).is_multiple_of(64) {
            header.push(' ');
        }
        header.push('\n');
        let mut out = MAGIC.to_vec();
        out.extend([1, 0]);
        out.extend((header.len() as u16).to_le_bytes());
        out.extend(header.as_bytes());
        out.extend(data);
        out
    }

    #[test]
    fn reads_a_float32_matrix() {
        let data: Vec<u8> = [1.0f32, 2.0, 3.0, 4.0, 5.0, 6.0].iter().flat_map(|v| v.to_le_bytes()).collect();
        let array = parse_npy(&npy("<f4", "(2, 3)", &data)).expect("valid npy");
        assert_eq!(array.shape, vec![2, 3]);
        assert_eq!(array.data, vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
    }

    #[test]
    fn reads_float64_vectors_and_scalars() {
        let data: Vec<u8> = [0.5f64, -1.5].iter().flat_map(|v| v.to_le_bytes()).collect();
        assert_eq!(parse_npy(&npy("<f8", "(2,)", &data)).expect("vector").data, vec![0.5, -1.5]);
        let scalar = parse_npy(&npy("<f4", "()", &7.0f32.to_le_bytes())).expect("scalar");
        assert_eq!((scalar.shape.len(), scalar.data), (0, vec![7.0]));
    }

    #[test]
    fn refuses_bad_input() {
        let data = [0u8; 8];
        assert!(parse_npy(b"PK\x03\x04").expect_err("must fail").contains("magic"));
        assert!(parse_npy(&npy("<i4", "(2,)", &data)).expect_err("must fail").contains("dtype"));
        assert!(parse_npy(&npy("<f4", "(3,)", &data)).expect_err("must fail").contains("needs 12 bytes"));
        let full = npy("<f4", "(2,)", &data);
        assert!(parse_npy(&full[..12]).expect_err("must fail").contains("truncated"));
        assert!(
            parse_npy(&npy("<f4", "(99999999999, 99999999999)", &data)).expect_err("must fail").contains("too large")
        );
    }
}
