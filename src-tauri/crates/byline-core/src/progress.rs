use serde::Serialize;

/// One progress update. `total` is `None` while the amount of work is unknown.
#[derive(Clone, Debug, PartialEq, Serialize, ts_rs::TS)]
pub struct Progress {
    pub done: u64,
    pub total: Option<u64>,
    /// What is being worked on now, e.g. a file name.
    pub message: String,
}

/// Receives progress from long-running engine work. The CLI draws a progress bar, the
/// desktop shell forwards updates over an IPC channel; the engine knows neither.
pub trait Reporter: Send + Sync {
    fn on_start(&self, _total: Option<u64>, _message: &str) {}
    fn on_progress(&self, _progress: &Progress) {}
    fn on_done(&self, _message: &str) {}
}

/// A reporter that ignores everything.
pub struct NoProgress;

impl Reporter for NoProgress {}
