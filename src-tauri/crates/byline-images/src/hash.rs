//! The model hash written into each PNG: sha256 of the UNet weights. Hashing gigabytes takes
//! seconds, so the result is cached beside the weights, keyed by size and modification time.
use std::io::Read;
use std::path::PathBuf;

use byline_core::{Error, Result};
use sha2::{Digest, Sha256};

const CACHE: &str = ".byline-sha256";

fn stamp(files: &[PathBuf]) -> Result<String> {
    let mut s = String::new();
    for f in files {
        let m = std::fs::metadata(f).map_err(|e| Error::io(format!("reading {}", f.display()), e))?;
        let mtime =
            m.modified().ok().and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok()).map_or(0, |d| d.as_nanos());
        let name = f.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        s.push_str(&format!("{name}:{}:{mtime};", m.len()));
    }
    Ok(s)
}

pub fn weights_sha256(files: &[PathBuf]) -> Result<String> {
    // Weights linked from the Hugging Face cache are used in place; Byline leaves no file there.
    let linked = files.iter().any(|f| f.symlink_metadata().is_ok_and(|m| m.file_type().is_symlink()));
    let cache = files.first().and_then(|f| f.parent()).filter(|_| !linked).map(|d| d.join(CACHE));
    let stamp = stamp(files)?;
    if let Some(c) = &cache
        && let Ok(text) = std::fs::read_to_string(c)
        && let Some((s, h)) = text.trim().rsplit_once(' ')
        && s == stamp
    {
        return Ok(h.to_string());
    }
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    for f in files {
        let mut file = std::fs::File::open(f).map_err(|e| Error::io(format!("opening {}", f.display()), e))?;
        loop {
            let n = file.read(&mut buf).map_err(|e| Error::io(format!("reading {}", f.display()), e))?;
            if n == 0 {
                break;
            }
            hasher.update(&buf[..n]);
        }
    }
    let hash = hex::encode(hasher.finalize());
    // A read-only model folder just means hashing again next time.
    if let Some(c) = cache {
        let _ = std::fs::write(c, format!("{stamp} {hash}\n"));
    }
    Ok(hash)
}
