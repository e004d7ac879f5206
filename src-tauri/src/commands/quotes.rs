//! The Quotes panel: a draft's quotations checked against the library's transcripts.

use byline_library::Library;
use std::sync::OnceLock;

use byline_quotes::{CorpusCache, QuotesReport, SearchFilter, SearchHit};
use tauri::State;

use crate::error::{CommandError, CommandResult};
use crate::state::AppState;

/// The transcripts' index outlives one check or search (it is rebuilt when a transcript is added or edited).
fn cache() -> &'static CorpusCache {
    static CACHE: OnceLock<CorpusCache> = OnceLock::new();
    CACHE.get_or_init(CorpusCache::default)
}

#[tauri::command]
pub async fn quotes_check(state: State<'_, AppState>, text: String) -> CommandResult<QuotesReport> {
    let paths = state.paths.clone();
    let result = tauri::async_runtime::spawn_blocking(move || {
        let lib = Library::open(&paths.library_db())?;
        cache().check_draft(lib.connection(), &text)
    })
    .await;
    Ok(result.map_err(|e| CommandError::internal(format!("the quote check stopped unexpectedly: {e}")))??)
}

/// Quote bank: where `phrase` was said in any transcript, word for word or nearly; `speaker` narrows it.
#[tauri::command]
pub async fn quotes_search(
    state: State<'_, AppState>,
    phrase: String,
    speaker: Option<String>,
    exact: bool,
) -> CommandResult<Vec<SearchHit>> {
    let paths = state.paths.clone();
    let filter = SearchFilter { speaker: speaker.filter(|s| !s.trim().is_empty()), exact, ..SearchFilter::default() };
    let result = tauri::async_runtime::spawn_blocking(move || {
        let lib = Library::open(&paths.library_db())?;
        cache().search(lib.connection(), &phrase, &filter, 20)
    })
    .await;
    Ok(result.map_err(|e| CommandError::internal(format!("the quote search stopped unexpectedly: {e}")))??)
}
