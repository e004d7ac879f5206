use std::path::PathBuf;

use byline_core::Progress;
use byline_models::{InstallManifest, ModelInfo, Store, VerifyReport};
use tauri::State;
use tauri::ipc::Channel;

use crate::commands::import::ChannelReporter;
use crate::error::{CommandError, CommandResult};
use crate::state::AppState;

fn store(state: &AppState) -> CommandResult<Store> {
    Ok(Store::new(&state.paths)?)
}

/// Catalog and installed models, each with its RAM-fit hint for this machine.
#[tauri::command]
pub async fn models_list(state: State<'_, AppState>) -> CommandResult<Vec<ModelInfo>> {
    let store = store(&state)?;
    let ids: Vec<String> = store.list()?.into_iter().map(|m| m.id).collect();
    Ok(ids.iter().map(|id| store.info(id)).collect::<byline_core::Result<_>>()?)
}

/// Downloads a catalog model (the only command that reaches the network, and only when asked).
#[tauri::command]
pub async fn models_pull(
    state: State<'_, AppState>,
    id: String,
    job_id: String,
    on_progress: Channel<Progress>,
) -> CommandResult<InstallManifest> {
    let store = store(&state)?;
    let cancel = state.start_job(&job_id);
    let result =
        tauri::async_runtime::spawn_blocking(move || store.pull(&id, &ChannelReporter(on_progress), &cancel)).await;
    state.finish_job(&job_id);
    result.map_err(|e| CommandError::internal(format!("the download stopped unexpectedly: {e}")))?.map_err(Into::into)
}

/// Registers a model file or folder the user already has (hashing can take a while).
#[tauri::command]
pub async fn models_import(
    state: State<'_, AppState>,
    path: PathBuf,
    job_id: String,
) -> CommandResult<InstallManifest> {
    let store = store(&state)?;
    let cancel = state.start_job(&job_id);
    let result = tauri::async_runtime::spawn_blocking(move || store.import(&path, &cancel)).await;
    state.finish_job(&job_id);
    result.map_err(|e| CommandError::internal(format!("the import stopped unexpectedly: {e}")))?.map_err(Into::into)
}

#[tauri::command]
pub async fn models_remove(state: State<'_, AppState>, id: String) -> CommandResult<()> {
    Ok(store(&state)?.remove(&id)?)
}

#[tauri::command]
pub async fn models_verify(state: State<'_, AppState>, id: String, job_id: String) -> CommandResult<Vec<VerifyReport>> {
    let store = store(&state)?;
    let cancel = state.start_job(&job_id);
    let result = tauri::async_runtime::spawn_blocking(move || store.verify(Some(&id), &cancel)).await;
    state.finish_job(&job_id);
    result.map_err(|e| CommandError::internal(format!("verification stopped unexpectedly: {e}")))?.map_err(Into::into)
}
