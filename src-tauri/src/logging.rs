//! The app's log file, `logs/byline.log` in the data folder (5 MB, then rotated; three older files kept):
//! what the app did — start, jobs with their outcome and duration, models loaded and freed, failures with
//! their codes — never the text of articles or transcripts. `BYLINE_LOG` sets the level (error, warn,
//! info, debug, trace; info by default). Help ▸ Open Logs Folder shows the folder.
use std::path::{Path, PathBuf};
use std::sync::Arc;

use byline_core::logfile::{Record, RotatingFile};
use tracing_subscriber::fmt::MakeWriter;

const MAX_BYTES: u64 = 5 * 1024 * 1024;
const KEEP: usize = 3;

pub fn dir(root: &Path) -> PathBuf {
    root.join("logs")
}

struct Writer(Arc<RotatingFile>);

impl<'a> MakeWriter<'a> for Writer {
    type Writer = Record<'a>;

    fn make_writer(&'a self) -> Self::Writer {
        Record::new(&self.0)
    }
}

fn level() -> tracing::Level {
    match std::env::var("BYLINE_LOG").unwrap_or_default().to_ascii_lowercase().as_str() {
        "error" => tracing::Level::ERROR,
        "warn" => tracing::Level::WARN,
        "debug" => tracing::Level::DEBUG,
        "trace" => tracing::Level::TRACE,
        _ => tracing::Level::INFO,
    }
}

/// Starts writing the log for the data folder `root`. Without a log (a read-only folder) the app still
/// runs; it says so on standard error.
pub fn init(root: &Path) {
    let file = match RotatingFile::new(&dir(root), "byline", MAX_BYTES, KEEP) {
        Ok(file) => file,
        Err(e) => {
            eprintln!("Byline keeps no log this time: {e}");
            return;
        }
    };
    let subscriber = tracing_subscriber::fmt()
        .with_writer(Writer(Arc::new(file)))
        .with_ansi(false)
        .with_target(false)
        .with_max_level(level())
        .finish();
    if tracing::subscriber::set_global_default(subscriber).is_ok() {
        tracing::info!(version = env!("CARGO_PKG_VERSION"), os = std::env::consts::OS, "Byline started");
    }
}

/// Opens `folder` in the system's file manager.
pub fn reveal(folder: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(folder)?;
    let opener = if cfg!(target_os = "macos") {
        "open"
    } else if cfg!(windows) {
        "explorer"
    } else {
        "xdg-open"
    };
    std::process::Command::new(opener).arg(folder).spawn().map(drop)
}
