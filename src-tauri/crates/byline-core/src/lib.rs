//! Foundations shared by every Byline engine crate.
//!
//! Engine crates report progress through [`Reporter`], stop on a [`CancelToken`], and fail with
//! [`Error`]. None of them knows whether it runs under the CLI or the desktop shell.

mod cancel;
pub mod device;
mod error;
pub mod files;
mod grants;
mod jobs;
pub mod logfile;
mod paths;
mod progress;
mod settings;

pub use cancel::CancelToken;
pub use device::DeviceChoice;
pub use error::{DbResultExt, Error, Result};
pub use grants::PathGrants;
pub use jobs::{JobGuard, Jobs};
pub use paths::AppPaths;
pub use progress::{NoProgress, Progress, Reporter};
pub use settings::{Language, Settings, Theme};
