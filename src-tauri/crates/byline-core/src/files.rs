//! Writing files that belong to the reporter: never replace one by accident, never leave half of one.
//!
//! Exports and recordings land in folders where the reporter keeps their own notes, so the defaults never
//! overwrite: [`write_new`] creates a file only if no file (or link) of that name exists, and
//! [`free_name`] finds the next unused name. When the reporter explicitly names a file to replace,
//! [`replace_atomically`] writes a temporary file beside it and renames it over the old one, so a crash
//! leaves either the old or the new file, and a symbolic link at that name is replaced rather than followed.
use std::fs::OpenOptions;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::{Error, Result};

/// Creates `path` with `bytes`, failing with `AlreadyExists` if anything (a file, a link, a folder) is there.
/// A failed write removes the partial file it created.
pub fn write_new(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    // create_new is O_CREAT|O_EXCL: it refuses an existing name and does not follow a link there.
    let mut file = OpenOptions::new().write(true).create_new(true).open(path)?;
    let written = file.write_all(bytes).and_then(|()| file.sync_all());
    if let Err(e) = written {
        drop(file);
        if let Err(remove) = std::fs::remove_file(path) {
            return Err(std::io::Error::new(e.kind(), format!("{e} (and removing the partial file failed: {remove})")));
        }
        return Err(e);
    }
    Ok(())
}

/// `dir/stem.ext` if nothing has that name, else `dir/stem (2).ext`, `dir/stem (3).ext`, …
pub fn free_name(dir: &Path, stem: &str, extension: &str) -> PathBuf {
    let name = |n: u32| {
        let suffix = if n == 1 { String::new() } else { format!(" ({n})") };
        if extension.is_empty() {
            dir.join(format!("{stem}{suffix}"))
        } else {
            dir.join(format!("{stem}{suffix}.{extension}"))
        }
    };
    // symlink_metadata: a dangling link still takes the name.
    (1..).map(name).find(|p| std::fs::symlink_metadata(p).is_err()).unwrap_or_else(|| name(u32::MAX))
}

/// Writes `bytes` under the first free name after `dir/stem.ext` and returns the path used. Another process
/// taking the same name in between is handled by trying the next one.
pub fn write_to_free_name(dir: &Path, stem: &str, extension: &str, bytes: &[u8]) -> Result<PathBuf> {
    for _ in 0..1000 {
        let path = free_name(dir, stem, extension);
        match write_new(&path, bytes) {
            Ok(()) => return Ok(path),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(Error::io(format!("writing {}", path.display()), e)),
        }
    }
    Err(Error::InvalidInput(format!("no free file name for {stem}.{extension} in {}", dir.display())))
}

/// Replaces `path` with `bytes` atomically: a temporary file in the same folder, synced, then renamed over
/// `path`. A symbolic link at `path` is replaced by the file, never written through.
pub fn replace_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    if path.is_dir() {
        return Err(Error::InvalidInput(format!("{} is a folder; name a file to write", path.display())));
    }
    let name = path.file_name().map_or_else(|| "export".into(), |n| n.to_string_lossy().into_owned());
    let temp = (0..1000u32)
        .map(|n| dir.join(format!(".{name}.{}-{n}.partial", std::process::id())))
        .find_map(|candidate| match write_new(&candidate, bytes) {
            Ok(()) => Some(Ok(candidate)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => None,
            Err(e) => Some(Err(Error::io(format!("writing in {}", dir.display()), e))),
        })
        .unwrap_or_else(|| Err(Error::InvalidInput(format!("no temporary name free in {}", dir.display()))))?;
    std::fs::rename(&temp, path).map_err(|e| {
        let _ignored = std::fs::remove_file(&temp);
        Error::io(format!("replacing {}", path.display()), e)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn write_new_never_replaces_a_file_or_writes_through_a_link() {
        let dir = tempfile::tempdir().expect("tempdir");
        let notes = dir.path().join("notes.txt");
        std::fs::write(&notes, "my own notes").expect("write");
        let err = write_new(&notes, b"transcript").expect_err("must refuse");
        assert_eq!(err.kind(), std::io::ErrorKind::AlreadyExists);
        assert_eq!(std::fs::read_to_string(&notes).expect("read"), "my own notes");
        #[cfg(unix)]
        {
            let link = dir.path().join("link.txt");
            std::os::unix::fs::symlink(&notes, &link).expect("symlink");
            assert!(write_new(&link, b"x").is_err());
            assert_eq!(std::fs::read_to_string(&notes).expect("read"), "my own notes");
        }
    }

    #[test]
    fn free_names_count_up_past_files_and_dangling_links() {
        let dir = tempfile::tempdir().expect("tempdir");
        assert_eq!(free_name(dir.path(), "notes", "txt"), dir.path().join("notes.txt"));
        std::fs::write(dir.path().join("notes.txt"), "a").expect("write");
        #[cfg(unix)]
        std::os::unix::fs::symlink(dir.path().join("missing"), dir.path().join("notes (2).txt")).expect("symlink");
        let path = write_to_free_name(dir.path(), "notes", "txt", b"transcript").expect("write");
        assert_eq!(path, dir.path().join(if cfg!(unix) { "notes (3).txt" } else { "notes (2).txt" }));
        assert_eq!(std::fs::read_to_string(dir.path().join("notes.txt")).expect("read"), "a");
    }

    #[test]
    fn replace_atomically_replaces_a_link_not_its_target() {
        let dir = tempfile::tempdir().expect("tempdir");
        let private = dir.path().join("private.md");
        std::fs::write(&private, "secret").expect("write");
        let out = dir.path().join("export.md");
        #[cfg(unix)]
        std::os::unix::fs::symlink(&private, &out).expect("symlink");
        replace_atomically(&out, b"exported").expect("replace");
        assert_eq!(std::fs::read_to_string(&out).expect("read"), "exported");
        assert_eq!(std::fs::read_to_string(&private).expect("read"), "secret");
        assert!(!std::fs::symlink_metadata(&out).expect("meta").file_type().is_symlink());
        let leftovers = std::fs::read_dir(dir.path()).expect("read_dir").count();
        assert_eq!(leftovers, 2, "no temporary file is left behind");
        assert!(replace_atomically(dir.path(), b"x").is_err(), "a folder is refused");
    }
}
