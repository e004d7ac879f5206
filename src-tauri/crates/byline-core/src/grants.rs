//! Which files the app's window may name. The webview is the least trusted part of the app (it renders
//! imported articles), so commands that read or write a file it names only accept a path the user chose
//! in a native open or save dialog, or dropped on the window: the shell records those here and checks each
//! path a command receives. A script that got to run in the page can therefore neither read the reporter's
//! other files nor write anywhere.
use std::collections::HashSet;
use std::path::{Component, Path, PathBuf};
use std::sync::Mutex;

use crate::{Error, Result};

#[derive(Debug, Default)]
pub struct PathGrants {
    inner: Mutex<Granted>,
}

#[derive(Debug, Default)]
struct Granted {
    /// Files and folders the user opened or dropped: each, and everything inside a folder, may be read.
    read: HashSet<PathBuf>,
    /// Files the user named in a save dialog: exactly these may be written.
    write: HashSet<PathBuf>,
}

/// The absolute path without `.` components, or `None` for a relative path or one that climbs with `..`
/// (through a link inside a chosen folder, `..` can lead anywhere), which a grant never covers.
fn normal(path: &Path) -> Option<PathBuf> {
    if !path.is_absolute() {
        return None;
    }
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            Component::CurDir => {}
            Component::ParentDir => return None,
            other => out.push(other),
        }
    }
    Some(out)
}

fn refused(path: &Path, what: &str) -> Error {
    Error::InvalidInput(format!(
        "Byline only {what} files you choose in its dialogs or drop on its window, and {} was not one",
        path.display()
    ))
}

impl PathGrants {
    pub fn new() -> Self {
        Self::default()
    }

    fn granted(&self) -> std::sync::MutexGuard<'_, Granted> {
        // The sets stay consistent whatever a panicking holder was doing: each change is one insert.
        self.inner.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The user opened or dropped these files or folders.
    pub fn allow_read<P: AsRef<Path>>(&self, paths: impl IntoIterator<Item = P>) {
        let mut granted = self.granted();
        granted.read.extend(paths.into_iter().filter_map(|p| normal(p.as_ref())));
    }

    /// The user chose this file in a save dialog.
    pub fn allow_write(&self, path: &Path) {
        if let Some(path) = normal(path) {
            self.granted().write.insert(path);
        }
    }

    /// A file or folder the user opened or dropped, or one inside a folder they did.
    pub fn check_read(&self, path: &Path) -> Result<()> {
        let granted = self.granted();
        match normal(path) {
            Some(p) if p.ancestors().any(|a| granted.read.contains(a)) => Ok(()),
            _ => Err(refused(path, "opens")),
        }
    }

    /// Exactly a file the user chose in a save dialog.
    pub fn check_write(&self, path: &Path) -> Result<()> {
        match normal(path) {
            Some(p) if self.granted().write.contains(&p) => Ok(()),
            _ => Err(refused(path, "writes")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_chosen_files_and_what_is_inside_chosen_folders_can_be_read() {
        let grants = PathGrants::new();
        grants.allow_read(["/home/ann/articles", "/home/ann/interview.wav"]);
        for ok in ["/home/ann/articles", "/home/ann/articles/2026/flood.md", "/home/ann/./interview.wav"] {
            grants.check_read(Path::new(ok)).unwrap_or_else(|e| panic!("{ok}: {e}"));
        }
        for refused in [
            "/home/ann/.ssh/id_ed25519",
            "/home/ann/articles/../.ssh/id_ed25519",
            "/home/ann/articles-private/notes.md",
            "/home/ann/interview.wav.bak",
            "/home/ann",
            "articles/flood.md",
            "/",
        ] {
            let err = grants.check_read(Path::new(refused)).expect_err(refused);
            assert_eq!(err.code(), "invalid_input");
            assert!(err.to_string().contains("choose in its dialogs"), "{err}");
        }
    }

    #[test]
    fn only_the_exact_file_named_in_a_save_dialog_can_be_written() {
        let grants = PathGrants::new();
        grants.allow_write(Path::new("/home/ann/out/story.html"));
        grants.allow_read(["/home/ann/out"]);
        grants.check_write(Path::new("/home/ann/out/story.html")).expect("chosen");
        grants.check_write(Path::new("/home/ann/out/./story.html")).expect("the same file");
        for refused in [
            "/home/ann/out/../out/story.html",
            "/home/ann/out/story.md",
            "/home/ann/out",
            "/home/ann/.bashrc",
            "story.html",
        ] {
            grants.check_write(Path::new(refused)).expect_err(refused);
        }
    }
}
