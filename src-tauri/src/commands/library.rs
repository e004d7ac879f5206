use std::path::PathBuf;

use byline_library::{Article, ArticleFields, ArticleSummary, Revision, SearchHit, export};
use tauri::State;

use crate::error::{CommandError, CommandResult};
use crate::state::AppState;

#[tauri::command]
pub fn library_list(
    state: State<'_, AppState>,
    limit: Option<u32>,
    offset: Option<u32>,
) -> CommandResult<Vec<ArticleSummary>> {
    Ok(state.library()?.list(limit.unwrap_or(500), offset.unwrap_or(0))?)
}

#[tauri::command]
pub fn library_search(state: State<'_, AppState>, query: String, limit: Option<u32>) -> CommandResult<Vec<SearchHit>> {
    Ok(state.library()?.search(&query, limit.unwrap_or(50))?)
}

#[tauri::command]
pub fn article_get(state: State<'_, AppState>, id: i64) -> CommandResult<Article> {
    Ok(state.library()?.get(id)?)
}

#[tauri::command]
pub fn article_create(state: State<'_, AppState>, fields: ArticleFields) -> CommandResult<Article> {
    Ok(state.library()?.create(&fields)?)
}

#[tauri::command]
pub fn article_save(state: State<'_, AppState>, id: i64, fields: ArticleFields) -> CommandResult<Article> {
    Ok(state.library()?.save(id, &fields)?)
}

#[tauri::command]
pub fn article_delete(state: State<'_, AppState>, id: i64) -> CommandResult<()> {
    Ok(state.library()?.delete(id)?)
}

#[tauri::command]
pub fn revisions_list(state: State<'_, AppState>, article_id: i64) -> CommandResult<Vec<Revision>> {
    Ok(state.library()?.revisions(article_id)?)
}

#[tauri::command]
pub fn revision_restore(state: State<'_, AppState>, article_id: i64, revision_id: i64) -> CommandResult<Article> {
    Ok(state.library()?.restore(article_id, revision_id)?)
}

#[tauri::command]
pub fn article_export(state: State<'_, AppState>, id: i64, format: String, path: PathBuf) -> CommandResult<()> {
    let article = state.library()?.get(id)?;
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
    std::fs::write(&path, text).map_err(|e| byline_core::Error::io(format!("writing {}", path.display()), e))?;
    Ok(())
}

#[tauri::command]
pub fn markdown_preview(markdown: String) -> String {
    export::markdown_to_safe_html(&markdown)
}
