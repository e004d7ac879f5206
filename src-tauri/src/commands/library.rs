use std::path::PathBuf;

use byline_library::{Article, ArticleFields, ArticleSummary, Revision, SearchHit, export};
use tauri::State;

use crate::error::CommandResult;
use crate::state::{AppState, blocking};

#[tauri::command]
pub async fn library_list(
    state: State<'_, AppState>,
    limit: Option<u32>,
    offset: Option<u32>,
) -> CommandResult<Vec<ArticleSummary>> {
    state.note_window_ready();
    state.with_library(move |lib| lib.list(limit.unwrap_or(500), offset.unwrap_or(0))).await
}

#[tauri::command]
pub async fn library_search(
    state: State<'_, AppState>,
    query: String,
    limit: Option<u32>,
) -> CommandResult<Vec<SearchHit>> {
    state.with_library(move |lib| lib.search(&query, limit.unwrap_or(50))).await
}

#[tauri::command]
pub async fn article_get(state: State<'_, AppState>, id: i64) -> CommandResult<Article> {
    state.with_library(move |lib| lib.get(id)).await
}

#[tauri::command]
pub async fn article_create(state: State<'_, AppState>, fields: ArticleFields) -> CommandResult<Article> {
    state.with_library(move |lib| lib.create(&fields)).await
}

#[tauri::command]
pub async fn article_save(state: State<'_, AppState>, id: i64, fields: ArticleFields) -> CommandResult<Article> {
    state.with_library(move |lib| lib.save(id, &fields)).await
}

#[tauri::command]
pub async fn article_delete(state: State<'_, AppState>, id: i64) -> CommandResult<()> {
    state.with_library(move |lib| lib.delete(id)).await
}

#[tauri::command]
pub async fn revisions_list(state: State<'_, AppState>, article_id: i64) -> CommandResult<Vec<Revision>> {
    state.with_library(move |lib| lib.revisions(article_id)).await
}

#[tauri::command]
pub async fn revision_restore(state: State<'_, AppState>, article_id: i64, revision_id: i64) -> CommandResult<Article> {
    state.with_library(move |lib| lib.restore(article_id, revision_id)).await
}

#[tauri::command]
pub async fn article_export(state: State<'_, AppState>, id: i64, format: String, path: PathBuf) -> CommandResult<()> {
    state.grants.check_write(&path)?;
    state
        .with_library(move |lib| {
            let render = match format.as_str() {
                "md" => export::to_markdown,
                "html" => export::to_html,
                other => return Err(byline_core::Error::InvalidInput(format!("unknown export format {other:?}"))),
            };
            let text = render(&lib.for_export(id)?);
            // The path comes from the save dialog (checked above), which asked before replacing a file.
            byline_core::files::replace_atomically(&path, text.as_bytes())
        })
        .await
}

#[tauri::command]
/// Renders on a blocking thread: a long or crafted body must never freeze the window.
pub async fn markdown_preview(markdown: String) -> CommandResult<String> {
    blocking("rendering the preview", move || Ok(export::markdown_to_safe_html(&markdown))).await
}
