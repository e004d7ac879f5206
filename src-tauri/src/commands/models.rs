use std::path::PathBuf;

use byline_core::Progress;
use byline_models::{InstallManifest, ModelInfo, Store, VerifyReport};
use tauri::State;
use tauri::ipc::Channel;

use crate::commands::import::ChannelReporter;
use crate::error::CommandResult;
use crate::state::{AppState, blocking};

fn store(state: &AppState) -> CommandResult<Store> {
    Ok(Store::new(&state.paths)?)
}

/// Catalog and installed models, each with its RAM-fit hint for this machine.
#[tauri::command]
pub async fn models_list(state: State<'_, AppState>) -> CommandResult<Vec<ModelInfo>> {
    let store = store(&state)?;
    blocking("listing models", move || {
        let ids: Vec<String> = store.list()?.into_iter().map(|m| m.id).collect();
        Ok(ids.iter().map(|id| store.info(id)).collect::<byline_core::Result<_>>()?)
    })
    .await
}

/// The first run's recommendations: one model per capability for this machine (memory, free disk, the GPU
/// the device setting found), Chinese-capable ones for a reporter working in Chinese.
#[tauri::command]
pub async fn setup_plan(state: State<'_, AppState>, chinese: bool) -> CommandResult<byline_models::setup::SetupPlan> {
    let store = store(&state)?;
    let device = state.device().selected.report.name;
    let gpu = (device != "cpu").then_some(device);
    blocking("recommending models", move || {
        let machine = byline_models::setup::Machine::detect(store.models_dir(), gpu);
        Ok(byline_models::setup::plan(&store, &machine, chinese)?)
    })
    .await
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
    state
        .run_job(&job_id, "the download", move |cancel| Ok(store.pull(&id, &ChannelReporter(on_progress), &cancel)?))
        .await
}

/// Registers a model file or folder the user already has (hashing can take a while).
#[tauri::command]
pub async fn models_import(
    state: State<'_, AppState>,
    path: PathBuf,
    job_id: String,
) -> CommandResult<InstallManifest> {
    state.grants.check_read(&path)?;
    let store = store(&state)?;
    state.run_job(&job_id, "the model import", move |cancel| Ok(store.import(&path, &cancel)?)).await
}

#[tauri::command]
pub async fn models_remove(state: State<'_, AppState>, id: String) -> CommandResult<()> {
    // A warm copy of the model would keep its memory (and on some systems its files) until unloaded.
    state.models.registry.unload_all();
    let store = store(&state)?;
    blocking("removing the model", move || Ok(store.remove(&id)?)).await
}

#[tauri::command]
pub async fn models_verify(state: State<'_, AppState>, id: String, job_id: String) -> CommandResult<Vec<VerifyReport>> {
    let store = store(&state)?;
    state.run_job(&job_id, "verification", move |cancel| Ok(store.verify(Some(&id), &cancel)?)).await
}

/// The models loaded now (kept warm between requests), for the Models screen.
#[tauri::command]
pub fn models_warm(state: State<'_, AppState>) -> Vec<byline_models::warm::WarmInfo> {
    state.models.registry.loaded()
}

/// Unloads every model not in use; says what was freed.
#[tauri::command]
pub fn models_unload(state: State<'_, AppState>) -> Vec<String> {
    state.models.registry.unload_all()
}
