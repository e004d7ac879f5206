//! Keeps one language model warm between requests, for the CLI's chat loop and the desktop shell.

use std::path::{Path, PathBuf};
use std::time::Instant;

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
    last_used: Option<Instant>,
}

impl Engine {
    /// An engine using every available core on the CPU.
    pub fn new(device: Device) -> Self {
        Engine { device, options: LoadOptions::default(), loaded: None, last_used: None }
    }

    /// An engine whose CPU inference uses `threads` threads (the user's setting, as byline-device reports it).
    pub fn with_threads(device: Device, threads: usize) -> Self {
        Engine { options: LoadOptions { threads, ..LoadOptions::default() }, ..Engine::new(device) }
    }

    /// CPU threads the fast path runs on.
    pub fn threads(&self) -> usize {
        self.options.threads
    }

    /// Whether this engine runs on `device` with `threads` CPU threads: when the device setting changes, the
    /// app replaces an engine that does not.
    pub fn runs_on(&self, device: &Device, threads: usize) -> bool {
        self.device.same_device(device) && self.options.threads == threads
    }

    /// The model at `path`, loading it unless it is already warm.
    pub fn load(&mut self, path: &Path) -> Result<&mut LanguageModel> {
        let warm = self.loaded.as_ref().is_some_and(|m| m.model.path == path);
        if !warm {
            self.loaded = None;
            self.loaded = Some(LanguageModel::load_with(path, &self.device, self.options)?);
        }
        self.last_used = Some(Instant::now());
        self.loaded.as_mut().ok_or_else(|| Error::InvalidInput("the model was unloaded while loading".into()))
    }

    /// Marks the warm model as used now (after a long run, so idle time counts from its end).
    pub fn touch(&mut self) {
        if self.loaded.is_some() {
            self.last_used = Some(Instant::now());
        }
    }

    pub fn unload(&mut self) -> Option<PathBuf> {
        self.last_used = None;
        self.loaded.take().map(|m| m.model.path)
    }

    pub fn loaded_path(&self) -> Option<&Path> {
        self.loaded.as_ref().map(|m| m.model.path.as_path())
    }

    /// Unloads the model if it has not been used for `idle`; returns whether it did.
    pub fn unload_if_idle(&mut self, idle: std::time::Duration) -> bool {
        if self.last_used.is_some_and(|t| t.elapsed() >= idle) {
            self.unload();
            return true;
        }
        false
    }
}
