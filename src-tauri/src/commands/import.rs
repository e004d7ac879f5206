use std::path::PathBuf;

use byline_core::{Progress, Reporter};
use byline_library::{ImportSummary, Library};
use tauri::State;
use tauri::ipc::Channel;

use crate::error::CommandResult;
use crate::state::AppState;

pub struct ChannelReporter(pub Channel<Progress>);

impl Reporter for ChannelReporter {
    fn on_start(&self, total: Option<u64>, message: &str) {
        let _ = self.0.send(Progress { done: 0, total, message: message.to_string() });
    }
    fn on_progress(&self, progress: &Progress) {
        let _ = self.0.send(progress.clone());
    }
}

/// Imports on a blocking thread with its own connection; `job_cancel(job_id)` stops it
/// between files.
#[tauri::command]
pub async fn library_import(
    state: State<'_, AppState>,
    paths: Vec<PathBuf>,
    job_id: String,
    on_progress: Channel<Progress>,
) -> CommandResult<ImportSummary> {
    for path in &paths {
        state.grants.check_read(path)?;
    }
    let db = state.paths.library_db();
    state
        .run_job(&job_id, "the import", move |cancel| {
            let mut library = Library::open(&db)?;
            Ok(library.import_paths(&paths, &ChannelReporter(on_progress), &cancel)?)
        })
        .await
}
