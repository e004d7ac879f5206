use byline_core::{Language, Settings};
use tauri::{AppHandle, Runtime, State};

use crate::error::{CommandError, CommandResult};
use crate::state::AppState;

#[tauri::command]
pub fn settings_get(state: State<'_, AppState>) -> CommandResult<Settings> {
    Ok(state.settings())
}

#[tauri::command]
pub async fn settings_save(state: State<'_, AppState>, settings: Settings) -> CommandResult<()> {
    state.set_settings(settings)
}

/// Puts the native menu in the language the window chose (`en` or `zh`; the window resolves `system` from
/// the webview's reading of the system language).
#[tauri::command]
pub fn menu_language<R: Runtime>(app: AppHandle<R>, language: Language) -> CommandResult<()> {
    if language == Language::System {
        return Err(byline_core::Error::InvalidInput("the menu needs a language: en or zh".into()).into());
    }
    crate::menu::set_language(&app, language).map_err(|e| CommandError::internal(format!("rebuilding the menu: {e}")))
}

/// Where inference runs with the current settings, and why when it is not where they ask (a GPU this build
/// or machine lacks falls back to the CPU).
#[tauri::command]
pub async fn device_status(state: State<'_, AppState>) -> CommandResult<byline_device::DeviceReport> {
    Ok(state.device().selected.report)
}

/// Notices from the start of the app (each returned once).
#[tauri::command]
pub fn startup_notices(state: State<'_, AppState>) -> CommandResult<Vec<String>> {
    let mut notices = state.startup_notices.lock().map_err(|_| CommandError::internal("notices are unavailable"))?;
    Ok(std::mem::take(&mut *notices))
}

/// The files the app was opened with (each returned once): the window treats them as dropped on it.
#[tauri::command]
pub fn opened_files(state: State<'_, AppState>) -> CommandResult<Vec<std::path::PathBuf>> {
    let mut files = state.opened_files.lock().map_err(|_| CommandError::internal("opened files are unavailable"))?;
    Ok(std::mem::take(&mut *files))
}
