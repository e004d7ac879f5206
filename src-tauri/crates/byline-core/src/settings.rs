use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::{Error, Result};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "lowercase")]
pub enum Theme {
    #[default]
    System,
    Light,
    Dark,
}

/// The interface language: the system's (Chinese when the system language is any Chinese, English
/// otherwise), or one chosen in settings.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    #[default]
    System,
    En,
    Zh,
}

impl Language {
    /// English or Chinese: `En` or `Zh` as chosen, or for `System` the first of the POSIX locale variables
    /// that is set (`LC_ALL`, `LC_MESSAGES`, `LANG`). The app's window follows the webview's own reading of
    /// the system language; this is for the native menu before the window says which it chose.
    pub fn resolve(self, env: impl Fn(&str) -> Option<String>) -> Language {
        match self {
            Language::System => {
                let locale = ["LC_ALL", "LC_MESSAGES", "LANG"].iter().find_map(|k| env(k).filter(|v| !v.is_empty()));
                if locale.is_some_and(|l| l.to_ascii_lowercase().starts_with("zh")) {
                    Language::Zh
                } else {
                    Language::En
                }
            }
            chosen => chosen,
        }
    }
}

/// User settings, stored as TOML. Unknown keys are ignored and missing keys take defaults,
/// so a settings file from another version never stops the app from starting.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[serde(default)]
pub struct Settings {
    pub theme: Theme,
    /// Seconds of quiet after the last keystroke before a draft is autosaved.
    pub autosave_seconds: u32,
    /// Where inference runs: "auto", "cpu", "cuda", "cuda:N" or "metal" in the file.
    pub device: crate::DeviceChoice,
    /// Threads for CPU inference; 0 means "all physical cores".
    pub threads: u32,
    /// The interface language.
    pub language: Language,
    /// The first-run setup was finished or skipped: the app opens on the library from then on.
    pub setup_done: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            theme: Theme::System,
            autosave_seconds: 3,
            device: crate::DeviceChoice::Auto,
            threads: 0,
            language: Language::System,
            setup_done: false,
        }
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

    /// For the app, which must open whatever the file holds. A file that cannot be read as settings is moved
    /// aside (kept, never deleted, as `settings.toml.unreadable`). When it is still TOML, every setting that
    /// reads is kept and only the others (an unknown device, a theme of another version) go back to their
    /// defaults, written to a fresh file; otherwise the defaults are used. The second value says what
    /// happened, for the reporter.
    pub fn load_or_recover(path: &Path) -> (Self, Option<String>) {
        let err = match Self::load(path) {
            Ok(settings) => return (settings, None),
            Err(err) => err,
        };
        let salvaged = std::fs::read_to_string(path).ok().and_then(|text| Self::salvage(&text));
        let aside = crate::files::free_name(
            path.parent().unwrap_or(Path::new(".")),
            &format!("{}.unreadable", path.file_name().map_or_else(|| "settings".into(), |n| n.to_string_lossy())),
            "",
        );
        let kept = match std::fs::rename(path, &aside) {
            Ok(()) => format!("the file was kept as {}", aside.display()),
            Err(e) => format!("moving the file aside failed too ({e})"),
        };
        match salvaged {
            Some((settings, dropped)) => {
                let written = match settings.save(path) {
                    Ok(()) => String::new(),
                    Err(e) => format!(" Writing the repaired settings failed ({e})."),
                };
                let notice = format!(
                    "Some settings could not be read ({err}): {} back to the default, the others kept; {kept}.{written}",
                    dropped.join(", ")
                );
                (settings, Some(notice))
            }
            None => (
                Self::default(),
                Some(format!("The settings could not be read ({err}); default settings are in use, and {kept}.")),
            ),
        }
    }

    /// The settings of a TOML text with every key that fails to read left out, and the names of those keys;
    /// `None` when the text is not TOML at all.
    fn salvage(text: &str) -> Option<(Self, Vec<String>)> {
        let table: toml::Table = toml::from_str(text).ok()?;
        let (mut kept, mut dropped) = (toml::Table::new(), Vec::new());
        for (key, value) in table {
            let mut candidate = kept.clone();
            candidate.insert(key.clone(), value);
            if Self::deserialize(candidate.clone()).is_ok() {
                kept = candidate;
            } else {
                dropped.push(key);
            }
        }
        Some((Self::deserialize(kept).ok()?, dropped))
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
    fn a_setting_that_does_not_read_loses_only_itself() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("settings.toml");
        let text = "theme = \"dark\"\ndevice = \"tpu\"\nthreads = 3\n";
        std::fs::write(&path, text).expect("write");
        let err = Settings::load(&path).expect_err("the CLI refuses it");
        assert!(err.to_string().contains("unknown device"), "{err}");
        let (settings, notice) = Settings::load_or_recover(&path);
        assert_eq!(settings, Settings { theme: Theme::Dark, threads: 3, ..Settings::default() });
        let notice = notice.expect("a notice");
        assert!(notice.contains("device back to the default"), "{notice}");
        assert_eq!(std::fs::read_to_string(dir.path().join("settings.toml.unreadable")).expect("kept"), text);
        assert_eq!(Settings::load(&path).expect("the repaired file reads"), settings);
        assert_eq!(Settings::load_or_recover(&path), (settings, None));
    }

    #[test]
    fn device_settings_read_in_every_spelling() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("settings.toml");
        for (text, want) in [
            ("cuda:1", crate::DeviceChoice::Cuda(1)),
            ("GPU", crate::DeviceChoice::Cuda(0)),
            ("cpu", crate::DeviceChoice::Cpu),
        ] {
            std::fs::write(&path, format!("device = \"{text}\"\n")).expect("write");
            assert_eq!(Settings::load(&path).expect("load").device, want, "{text}");
        }
    }

    #[test]
    fn the_system_language_comes_from_the_first_locale_variable_set() {
        let env = |vars: &'static [(&'static str, &'static str)]| {
            move |k: &str| vars.iter().find(|(n, _)| *n == k).map(|(_, v)| (*v).to_owned())
        };
        assert_eq!(Language::System.resolve(env(&[("LANG", "zh_CN.UTF-8")])), Language::Zh);
        assert_eq!(Language::System.resolve(env(&[("LANG", "zh_TW.UTF-8")])), Language::Zh);
        assert_eq!(Language::System.resolve(env(&[("LC_ALL", "en_GB.UTF-8"), ("LANG", "zh_CN.UTF-8")])), Language::En);
        assert_eq!(Language::System.resolve(env(&[("LC_ALL", ""), ("LANG", "zh_HK")])), Language::Zh);
        assert_eq!(Language::System.resolve(env(&[])), Language::En);
        assert_eq!(Language::En.resolve(env(&[("LANG", "zh_CN.UTF-8")])), Language::En);
        assert_eq!(Language::Zh.resolve(env(&[])), Language::Zh);
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("settings.toml");
        std::fs::write(&path, "language = \"zh\"\n").expect("write");
        assert_eq!(Settings::load(&path).expect("load").language, Language::Zh);
    }

    #[test]
    fn unknown_keys_are_ignored() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("settings.toml");
        std::fs::write(&path, "theme = \"light\"\nfuture_option = 1\n").expect("write");
        assert_eq!(Settings::load(&path).expect("load").theme, Theme::Light);
    }
}
