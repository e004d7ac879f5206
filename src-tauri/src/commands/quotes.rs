//! The Quotes panel: a draft's quotations checked against the library's transcripts.

use byline_library::Library;
use std::sync::OnceLock;

use byline_quotes::{CorpusCache, QuotesReport};
use tauri::State;

use crate::error::{CommandError, CommandResult};
use crate::state::AppState;

#[tauri::command]
pub async fn quotes_check(state: State<'_, AppState>, text: String) -> CommandResult<QuotesReport> {
    let paths = state.paths.clone();
    let result = tauri::async_runtime::spawn_blocking(move || {
        // The transcripts' index outlives one check (it is rebuilt when a transcript is added or edited).
        static CACHE: OnceLock<CorpusCache> = OnceLock::new();
        let lib = Library::open(&paths.library_db())?;
        CACHE.get_or_init(CorpusCache::default).check_draft(lib.connection(), &text)
    })
    .await;
    Ok(result.map_err(|e| CommandError::internal(format!("the quote check stopped unexpectedly: {e}")))??)
}
