use std::path::{Path, PathBuf};

use crate::{Error, Result};

/// Where Byline keeps its data. `BYLINE_HOME` overrides the platform data directory,
/// which keeps tests and portable installs self-contained.
#[derive(Clone, Debug)]
pub struct AppPaths {
    root: PathBuf,
}

impl AppPaths {
    pub fn from_env() -> Result<Self> {
        if let Some(home) = std::env::var_os("BYLINE_HOME").filter(|h| !h.is_empty()) {
            return Ok(Self::at(PathBuf::from(home)));
        }
        let dirs = directories::ProjectDirs::from("org", "Byline", "Byline").ok_or_else(|| {
            Error::InvalidInput("no home directory found; set BYLINE_HOME to choose a data folder".into())
        })?;
        Ok(Self::at(dirs.data_dir().to_path_buf()))
    }

    pub fn at(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn library_db(&self) -> PathBuf {
        self.root.join("library.sqlite3")
    }

    pub fn settings_file(&self) -> PathBuf {
        self.root.join("settings.toml")
    }

    pub fn models_dir(&self) -> PathBuf {
        self.root.join("models")
    }

    pub fn attachments_dir(&self) -> PathBuf {
        self.root.join("attachments")
    }

    /// Creates the data directory if needed.
    pub fn ensure(&self) -> Result<()> {
        std::fs::create_dir_all(&self.root)
            .map_err(|e| Error::io(format!("creating data folder {}", self.root.display()), e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn everything_lives_under_the_root() {
        let p = AppPaths::at("/tmp/x");
        assert_eq!(p.library_db(), Path::new("/tmp/x/library.sqlite3"));
        assert!(p.settings_file().starts_with("/tmp/x"));
        assert!(p.models_dir().starts_with("/tmp/x"));
    }
}
