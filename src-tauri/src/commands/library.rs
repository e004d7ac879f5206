use std::path::PathBuf;

use byline_library::{Article, ArticleFields, ArticleSummary, Revision, SearchHit, export};
use tauri::State;

use crate::error::{CommandError, CommandResult};
use crate::state::AppState;

#[tauri::command]
pub async fn library_list(
    state: State<'_, AppState>,
    limit: Option<u32>,
    offset: Option<u32>,
) -> CommandResult<Vec<ArticleSummary>> {
    Ok(state.library()?.list(limit.unwrap_or(500), offset.unwrap_or(0))?)
}

#[tauri::command]
pub async fn library_search(
    state: State<'_, AppState>,
    query: String,
    limit: Option<u32>,
) -> CommandResult<Vec<SearchHit>> {
    Ok(state.library()?.search(&query, limit.unwrap_or(50))?)
}

#[tauri::command]
pub async fn article_get(state: State<'_, AppState>, id: i64) -> CommandResult<Article> {
    Ok(state.library()?.get(id)?)
}

#[tauri::command]
pub async fn article_create(state: State<'_, AppState>, fields: ArticleFields) -> CommandResult<Article> {
    Ok(state.library()?.create(&fields)?)
}

#[tauri::command]
pub async fn article_save(state: State<'_, AppState>, id: i64, fields: ArticleFields) -> CommandResult<Article> {
    Ok(state.library()?.save(id, &fields)?)
}

#[tauri::command]
pub async fn article_delete(state: State<'_, AppState>, id: i64) -> CommandResult<()> {
    Ok(state.library()?.delete(id)?)
}

#[tauri::command]
pub async fn revisions_list(state: State<'_, AppState>, article_id: i64) -> CommandResult<Vec<Revision>> {
    Ok(state.library()?.revisions(article_id)?)
}

#[tauri::command]
pub async fn revision_restore(state: State<'_, AppState>, article_id: i64, revision_id: i64) -> CommandResult<Article> {
    Ok(state.library()?.restore(article_id, revision_id)?)
}

#[tauri::command]
pub async fn article_export(state: State<'_, AppState>, id: i64, format: String, path: PathBuf) -> CommandResult<()> {
    let article = state.library()?.for_export(id)?;
    let text = match format.as_str() {
        "md" => export::to_markdown(&article),
        "html" => export::to_html(&article),
        other => {
            return Err(CommandError {
                code: "invalid_input".into(),
                message: format!("unknown export format {other:?}"),
            });
        }
    };
    // The path comes from the save dialog, which asked before replacing a file.
    byline_core::files::replace_atomically(&path, text.as_bytes())?;
    Ok(())
}

#[tauri::command]
/// Renders on a blocking thread: a long or crafted body must never freeze the window.
pub async fn markdown_preview(markdown: String) -> CommandResult<String> {
    tauri::async_runtime::spawn_blocking(move || export::markdown_to_safe_html(&markdown))
        .await
        .map_err(|e| CommandError::internal(format!("rendering the preview stopped unexpectedly: {e}")))
}
