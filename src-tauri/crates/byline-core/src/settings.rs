use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::{Error, Result};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Theme {
    #[default]
    System,
    Light,
    Dark,
}

/// User settings, stored as TOML. Unknown keys are ignored and missing keys take defaults,
/// so a settings file from another version never stops the app from starting.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    pub theme: Theme,
    /// Seconds of quiet after the last keystroke before a draft is autosaved.
    pub autosave_seconds: u32,
    /// Compute device preference for inference: "auto", "cpu", "cuda" or "metal".
    pub device: String,
    /// Threads for CPU inference; 0 means "all physical cores".
    pub threads: u32,
}

impl Default for Settings {
    fn default() -> Self {
        Self { theme: Theme::System, autosave_seconds: 3, device: "auto".into(), threads: 0 }
    }
}

impl Settings {
    /// Reads settings; a missing file gives the defaults, a malformed one a clear error.
    pub fn load(path: &Path) -> Result<Self> {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Self::default()),
            Err(e) => return Err(Error::io(format!("reading {}", path.display()), e)),
        };
        toml::from_str(&text).map_err(|e| Error::Settings { path: path.to_path_buf(), message: e.to_string() })
    }

    /// For the app, which must open whatever the file holds: a settings file that cannot be read as settings
    /// is moved aside (kept, never deleted, as `settings.toml.unreadable`) and the defaults are used. The
    /// second value says what happened, for the reporter.
    pub fn load_or_recover(path: &Path) -> (Self, Option<String>) {
        match Self::load(path) {
            Ok(settings) => (settings, None),
            Err(err) => {
                let aside = crate::files::free_name(
                    path.parent().unwrap_or(Path::new(".")),
                    &format!(
                        "{}.unreadable",
                        path.file_name().map_or_else(|| "settings".into(), |n| n.to_string_lossy())
                    ),
                    "",
                );
                let kept = match std::fs::rename(path, &aside) {
                    Ok(()) => format!("it was kept as {}", aside.display()),
                    Err(e) => format!("moving it aside failed too ({e})"),
                };
                (
                    Self::default(),
                    Some(format!("The settings could not be read ({err}); default settings are in use, and {kept}.")),
                )
            }
        }
    }

    /// Writes settings atomically: a crash mid-write leaves the previous file intact.
    pub fn save(&self, path: &Path) -> Result<()> {
        let text = toml::to_string_pretty(self)
            .map_err(|e| Error::Settings { path: path.to_path_buf(), message: e.to_string() })?;
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| Error::io(format!("creating {}", dir.display()), e))?;
        }
        let tmp = path.with_extension("toml.tmp");
        std::fs::write(&tmp, text).map_err(|e| Error::io(format!("writing {}", tmp.display()), e))?;
        std::fs::rename(&tmp, path).map_err(|e| Error::io(format!("replacing {}", path.display()), e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_file_gives_defaults_and_round_trips() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("settings.toml");
        assert_eq!(Settings::load(&path).expect("load"), Settings::default());
        let s = Settings { theme: Theme::Dark, autosave_seconds: 5, ..Settings::default() };
        s.save(&path).expect("save");
        assert_eq!(Settings::load(&path).expect("reload"), s);
    }

    #[test]
    fn malformed_file_is_a_clear_error() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("settings.toml");
        std::fs::write(&path, "theme = [").expect("write");
        let err = Settings::load(&path).expect_err("must fail");
        assert_eq!(err.code(), "settings");
        assert!(err.to_string().contains("settings.toml"));
    }

    #[test]
    fn the_app_recovers_from_a_malformed_file_and_keeps_it() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("settings.toml");
        std::fs::write(&path, "theme = [").expect("write");
        let (settings, notice) = Settings::load_or_recover(&path);
        assert_eq!(settings, Settings::default());
        let notice = notice.expect("a notice");
        assert!(notice.contains("settings.toml.unreadable"), "{notice}");
        assert_eq!(std::fs::read_to_string(dir.path().join("settings.toml.unreadable")).expect("kept"), "theme = [");
        assert!(!path.exists());
        assert_eq!(Settings::load_or_recover(&path), (Settings::default(), None));
    }

    #[test]
    fn unknown_keys_are_ignored() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("settings.toml");
        std::fs::write(&path, "theme = \"light\"\nfuture_option = 1\n").expect("write");
        assert_eq!(Settings::load(&path).expect("load").theme, Theme::Light);
    }
}
