//! Keeps one language model warm between requests, for the CLI's chat loop and the desktop shell (whose
//! registry of warm models decides when it is unloaded: `byline_models::warm`).

use std::path::{Path, PathBuf};

use byline_core::{Error, Result};
use candle_core::Device;

use crate::lm::LanguageModel;
use crate::model::LoadOptions;

/// Holds at most one loaded model. Loading a different file drops the current one first, so two models
/// never sit in memory together; `unload` frees it when the app needs the memory for something else.
pub struct Engine {
    device: Device,
    options: LoadOptions,
    loaded: Option<LanguageModel>,
}

impl Engine {
    /// An engine using every available core on the CPU.
    pub fn new(device: Device) -> Self {
        Engine { device, options: LoadOptions::default(), loaded: None }
    }

    /// An engine whose CPU inference uses `threads` threads (the user's setting, as byline-device reports it).
    pub fn with_threads(device: Device, threads: usize) -> Self {
        Engine { options: LoadOptions { threads, ..LoadOptions::default() }, ..Engine::new(device) }
    }

    /// CPU threads the fast path runs on.
    pub fn threads(&self) -> usize {
        self.options.threads
    }

    /// The model at `path`, loading it unless it is already warm.
    pub fn load(&mut self, path: &Path) -> Result<&mut LanguageModel> {
        let warm = self.loaded.as_ref().is_some_and(|m| m.model.path == path);
        if !warm {
            self.loaded = None;
            self.loaded = Some(LanguageModel::load_with(path, &self.device, self.options)?);
        }
        self.loaded.as_mut().ok_or_else(|| Error::InvalidInput("the model was unloaded while loading".into()))
    }

    pub fn unload(&mut self) -> Option<PathBuf> {
        self.loaded.take().map(|m| m.model.path)
    }

    pub fn loaded_path(&self) -> Option<&Path> {
        self.loaded.as_ref().map(|m| m.model.path.as_path())
    }
}
