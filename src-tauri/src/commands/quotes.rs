//! The Quotes panel: a draft's quotations checked against the library's transcripts.

use byline_library::Library;

use byline_quotes::{QuotesReport, SearchFilter, SearchHit};
use tauri::State;

use crate::error::CommandResult;
use crate::state::{AppState, blocking};

#[tauri::command]
pub async fn quotes_check(state: State<'_, AppState>, text: String) -> CommandResult<QuotesReport> {
    let (paths, cache) = (state.paths.clone(), state.quotes.clone());
    blocking("the quote check", move || {
        let lib = Library::open(&paths.library_db())?;
        Ok(cache.check_draft(lib.connection(), &text)?)
    })
    .await
}

/// Quote bank: where `phrase` was said in any transcript, word for word or nearly; `speaker` narrows it.
#[tauri::command]
pub async fn quotes_search(
    state: State<'_, AppState>,
    phrase: String,
    speaker: Option<String>,
    exact: bool,
) -> CommandResult<Vec<SearchHit>> {
    let (paths, cache) = (state.paths.clone(), state.quotes.clone());
    let filter = SearchFilter { speaker: speaker.filter(|s| !s.trim().is_empty()), exact, ..SearchFilter::default() };
    blocking("the quote search", move || {
        let lib = Library::open(&paths.library_db())?;
        Ok(cache.search(lib.connection(), &phrase, &filter, 20)?)
    })
    .await
}
