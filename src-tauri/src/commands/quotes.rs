//! The Quotes panel: a draft's quotations checked against the library's transcripts (or the story's own
//! interviews), the quote bank, and the interviews linked to a story.

use byline_library::Library;

use byline_quotes::{QuotesReport, SearchFilter, SearchHit, sources};
use byline_transcribe::store::TranscriptSummary;
use tauri::State;

use crate::error::CommandResult;
use crate::state::{AppState, blocking};

/// Checks every quotation in `text`; with `sourcesOf`, only against that article's linked interviews.
#[tauri::command]
pub async fn quotes_check(
    state: State<'_, AppState>,
    text: String,
    sources_of: Option<i64>,
) -> CommandResult<QuotesReport> {
    let (paths, cache) = (state.paths.clone(), state.quotes.clone());
    blocking("the quote check", move || {
        let lib = Library::open(&paths.library_db())?;
        let only = sources_of.map(|id| sources::ids(lib.connection(), id)).transpose()?;
        Ok(cache.check_draft(lib.connection(), &text, only.as_deref())?)
    })
    .await
}

/// Quote bank: where `phrase` was said in any transcript, word for word or nearly; `speaker`, `transcriptId`
/// and the days `from`/`to` (YYYY-MM-DD) narrow it.
#[tauri::command]
#[allow(clippy::too_many_arguments)]
pub async fn quotes_search(
    state: State<'_, AppState>,
    phrase: String,
    speaker: Option<String>,
    transcript_id: Option<i64>,
    from: Option<String>,
    to: Option<String>,
    exact: bool,
) -> CommandResult<Vec<SearchHit>> {
    let (paths, cache) = (state.paths.clone(), state.quotes.clone());
    let day = |d: Option<String>| d.filter(|d| !d.trim().is_empty());
    let filter = SearchFilter {
        speaker: speaker.filter(|s| !s.trim().is_empty()),
        transcript_id,
        from: day(from),
        to: day(to),
        exact,
    };
    blocking("the quote search", move || {
        let lib = Library::open(&paths.library_db())?;
        Ok(cache.search(lib.connection(), &phrase, &filter, 20)?)
    })
    .await
}

/// The interviews linked to an article.
#[tauri::command]
pub async fn quotes_sources(state: State<'_, AppState>, article_id: i64) -> CommandResult<Vec<TranscriptSummary>> {
    let paths = state.paths.clone();
    blocking("the story's interviews", move || {
        let lib = Library::open(&paths.library_db())?;
        Ok(sources::list(lib.connection(), article_id)?)
    })
    .await
}

/// Links (`linked: true`) or unlinks a transcript as one of an article's interviews; returns the new list.
#[tauri::command]
pub async fn quotes_link(
    state: State<'_, AppState>,
    article_id: i64,
    transcript_id: i64,
    linked: bool,
) -> CommandResult<Vec<TranscriptSummary>> {
    let paths = state.paths.clone();
    blocking("linking the interview", move || {
        let lib = Library::open(&paths.library_db())?;
        if linked {
            sources::link(lib.connection(), article_id, transcript_id)?;
        } else {
            sources::unlink(lib.connection(), article_id, transcript_id)?;
        }
        Ok(sources::list(lib.connection(), article_id)?)
    })
    .await
}
