//! Finding the whisper.cpp (ggml) file for a `--model` argument: a file path, or an id in the model store,
//! whose CTranslate2 weights are converted to ggml on first use.

use std::path::{Path, PathBuf};

use byline_core::{CancelToken, Error, Reporter, Result};
use byline_models::formats::is_silero_ggml;
use byline_models::{DEFAULT_GGML_NAME, Format, Store, Task, formats};

/// The model used when none is named: the smallest English model, converted from the store's CTranslate2 copy.
pub const DEFAULT_MODEL: &str = "whisper-tiny.en-ct2";

fn is_ggml(path: &Path) -> bool {
    formats::check_file(path).is_ok_and(|f| f == Format::Ggml)
}

/// The catalog id of the voice-activity model that cuts pauses out before Whisper (see [`crate::vad`]).
pub const VAD_MODEL: &str = "silero-vad";

/// The catalog id of the speaker encoder diarization uses when it is installed.
pub const SPEAKER_MODEL: &str = "campplus-zh-en";

/// The installed CAM++ weights, if the model is installed.
pub fn resolve_speaker_model(store: &Store) -> Result<Option<PathBuf>> {
    let Some(manifest) = store.manifest(SPEAKER_MODEL)? else { return Ok(None) };
    let dir = store.path(SPEAKER_MODEL)?;
    Ok(manifest.files.iter().map(|f| dir.join(&f.path)).find(|p| p.extension().is_some_and(|e| e == "pt")))
}

/// The installed Silero VAD file, if the model is installed.
pub fn resolve_vad(store: &Store) -> Result<Option<PathBuf>> {
    let Some(manifest) = store.manifest(VAD_MODEL)? else { return Ok(None) };
    let dir = store.path(VAD_MODEL)?;
    Ok(manifest.files.iter().map(|f| dir.join(&f.path)).find(|p| is_silero_ggml(p)))
}

/// Resolves `spec` to a ggml file. A path to a file wins; otherwise `spec` names an installed model.
pub fn resolve_model(store: &Store, spec: &str, reporter: &dyn Reporter, cancel: &CancelToken) -> Result<PathBuf> {
    let as_path = Path::new(spec);
    if as_path.is_file() {
        if is_ggml(as_path) {
            return Ok(as_path.to_path_buf());
        }
        return Err(Error::InvalidInput(format!("{spec} is not a whisper.cpp ggml model file")));
    }
    let manifest = store.manifest(spec)?.ok_or_else(|| {
        Error::InvalidInput(format!("model {spec} is not installed; install it with `byline models pull {spec}`"))
    })?;
    let entry = store.catalog().get(spec);
    let task = manifest.task.or_else(|| entry.map(|e| e.task));
    if task.is_some_and(|t| t != Task::Whisper) {
        return Err(Error::InvalidInput(format!("model {spec} is not a speech-recognition (Whisper) model")));
    }
    let dir = store.path(spec)?;
    let converted = dir.join(DEFAULT_GGML_NAME);
    if is_ggml(&converted) {
        return Ok(converted);
    }
    let installed = manifest.files.iter().map(|f| dir.join(&f.path)).find(|p| is_ggml(p));
    if let Some(path) = installed {
        return Ok(path);
    }
    let format = manifest.format.or_else(|| entry.map(|e| e.format));
    if format == Some(Format::Ctranslate2) {
        // The conversion is exact and done once; the ggml file then lives beside the CTranslate2 weights.
        // It runs offline and runs nobody's code: the mel filters are computed and the vocabulary comes from
        // the model folder's own tokenizer.json.
        return store.convert_whisper(spec, None, None, reporter, cancel).map_err(|e| {
            Error::InvalidInput(format!(
                "model {spec} is a CTranslate2 model and converting it to ggml failed ({e}); \
                 try `byline models convert-whisper {spec}`"
            ))
        });
    }
    Err(Error::InvalidInput(format!("model {spec} has no whisper.cpp ggml file")))
}

#[cfg(test)]
mod tests {
    use byline_core::{AppPaths, NoProgress};

    use super::*;

    #[test]
    fn explains_missing_models_and_wrong_files() {
        let home = tempfile::tempdir().expect("tempdir");
        let store = Store::new(&AppPaths::at(home.path())).expect("store");
        let cancel = CancelToken::new();
        let err = resolve_model(&store, DEFAULT_MODEL, &NoProgress, &cancel).expect_err("not installed");
        assert!(err.to_string().contains("models pull"), "{err}");
        let text = home.path().join("notes.txt");
        std::fs::write(&text, "hello").expect("write");
        let err = resolve_model(&store, &text.to_string_lossy(), &NoProgress, &cancel).expect_err("not ggml");
        assert!(err.to_string().contains("not a whisper.cpp ggml"), "{err}");
    }

    /// A faster-whisper folder the reporter imported is converted offline; one that cannot be converted (here
    /// not real weights) gets a clear error, and nothing is downloaded or written.
    #[test]
    fn a_ctranslate2_model_is_never_converted_with_a_silent_download() {
        let home = tempfile::tempdir().expect("tempdir");
        let store = Store::new(&AppPaths::at(home.path())).expect("store");
        let folder = home.path().join("faster-whisper-tiny");
        std::fs::create_dir_all(&folder).expect("mkdir");
        std::fs::write(folder.join("model.bin"), b"not really weights").expect("write");
        std::fs::write(folder.join("config.json"), b"{}").expect("write");
        let cancel = CancelToken::new();
        let manifest = store.import(&folder, &cancel).expect("import");
        assert_eq!(manifest.task, Some(Task::Whisper));
        let err = resolve_model(&store, &manifest.id, &NoProgress, &cancel).expect_err("not real weights");
        assert!(err.to_string().contains("converting it to ggml failed"), "{err}");
        let dir = store.path(&manifest.id).expect("path");
        assert!(!dir.join(DEFAULT_GGML_NAME).exists(), "nothing was written");
    }
}
