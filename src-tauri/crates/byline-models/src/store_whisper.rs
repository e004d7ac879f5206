//! The store's side of Whisper conversion: how an installed CTranslate2 model becomes a ggml file, so the
//! CLI and the desktop shell each need one call. The conversion needs nothing beyond the model's own folder
//! (see [`WhisperAssets::derived`]); OpenAI's asset files are an optional alternative.

use std::path::{Path, PathBuf};

use byline_core::{CancelToken, Error, Reporter, Result};

use crate::catalog::Format;
use crate::convert::convert_with_progress;
use crate::store::Store;
use crate::whisper_assets::WhisperAssets;

/// The default output name, beside `model.bin` in the installed model's folder.
pub const DEFAULT_GGML_NAME: &str = "ggml-model.bin";

impl Store {
    /// Where OpenAI's asset files may be kept: a dot folder inside the models folder, which `list` skips.
    /// Earlier versions fetched them there; conversion no longer needs them, nor fetches them.
    pub fn whisper_assets_dir(&self) -> PathBuf {
        self.models_dir().join(".whisper-assets")
    }

    /// [`Store::whisper_assets_dir`] if OpenAI's asset files are there. Conversion does not depend on it:
    /// without assets it derives them from the model folder.
    pub fn whisper_assets_present(&self) -> Option<PathBuf> {
        let dir = self.whisper_assets_dir();
        WhisperAssets::in_dir(&dir).ok().map(|_| dir)
    }

    /// Converts the installed CTranslate2 Whisper model `id` to whisper.cpp's ggml format.
    ///
    /// `out` defaults to [`DEFAULT_GGML_NAME`] in the model's folder. `assets` names a folder holding OpenAI's
    /// asset files to use; without it the mel filters are computed and the vocabulary is read from the
    /// model's `tokenizer.json`, offline. `reporter` sees one step per tensor.
    pub fn convert_whisper(
        &self,
        id: &str,
        out: Option<&Path>,
        assets: Option<&Path>,
        reporter: &dyn Reporter,
        cancel: &CancelToken,
    ) -> Result<PathBuf> {
        let manifest = self.manifest(id)?.ok_or_else(|| Error::not_found("installed model", id))?;
        let format = manifest.format.or_else(|| self.catalog().get(id).map(|e| e.format));
        if format.is_some_and(|f| f != Format::Ctranslate2) {
            return Err(Error::InvalidInput(format!("{id} is not a CTranslate2 Whisper model ({format:?})")));
        }
        let dir = self.path(id)?;
        let assets = match assets {
            Some(folder) => WhisperAssets::in_dir(folder)?,
            None => WhisperAssets::derived(),
        };
        let out = out.map_or_else(|| dir.join(DEFAULT_GGML_NAME), Path::to_path_buf);
        convert_with_progress(&dir, &assets, &out, reporter, cancel)?;
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use byline_core::{AppPaths, NoProgress};

    use super::*;

    #[test]
    fn refuses_models_that_are_not_installed_or_not_ctranslate2() {
        let home = tempfile::tempdir().expect("tempdir");
        let store = Store::new(&AppPaths::at(home.path())).expect("store");
        let cancel = CancelToken::new();
        let err = store.convert_whisper("whisper-tiny.en-ct2", None, None, &NoProgress, &cancel).expect_err("absent");
        assert_eq!(err.code(), "not_found");
        assert!(store.whisper_assets_dir().starts_with(store.models_dir()));
        assert!(store.whisper_assets_dir().file_name().is_some_and(|n| n.to_string_lossy().starts_with('.')));
    }
}
