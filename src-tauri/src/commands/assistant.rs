//! The drafting assistant: list tasks, run one with its text streamed over a channel, keep history.
//! The language model stays loaded between requests (one engine for the app); `assistant_unload` frees it.

use std::sync::{Mutex, OnceLock};

use byline_draft::history::GenerationRecord;
use byline_draft::resolve::InstalledLlm;
use byline_draft::{Engine, GenerateParams, Source, TaskInput, TaskRun, TaskTemplate};
use byline_library::Library;
use byline_models::Store;
use serde::{Deserialize, Serialize};
use tauri::State;
use tauri::ipc::Channel;

use crate::error::{CommandError, CommandResult};
use crate::state::AppState;

/// The warm model. A static keeps the shell's shared state untouched; the mutex also makes two requests
/// run one after the other instead of fighting over the CPU.
fn engine() -> &'static Mutex<Option<Engine>> {
    static ENGINE: OnceLock<Mutex<Option<Engine>>> = OnceLock::new();
    ENGINE.get_or_init(|| Mutex::new(None))
}

/// What streams to the panel while a task runs.
#[derive(Clone, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum AssistantEvent {
    /// The model is being loaded (first request, or after a model change).
    Loading {
        model: String,
    },
    /// Parts of the prompt were cut to fit the context.
    Notes {
        notes: Vec<String>,
    },
    /// The model is ready and reads the prompt; the first token follows (seconds later on a CPU).
    Reading,
    /// How much of the prompt has been read, after each chunk of it.
    Prefill {
        done: usize,
        total: usize,
    },
    Token {
        text: String,
    },
}

#[derive(Clone, Debug, Deserialize)]
pub struct AssistantRequest {
    pub task: String,
    pub language: String,
    pub article_id: Option<i64>,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub draft: String,
    #[serde(default)]
    pub selection: String,
    #[serde(default)]
    pub request: String,
    /// Library articles to ground the output in.
    #[serde(default)]
    pub source_article_ids: Vec<i64>,
    /// Other passages (transcript excerpts) with their labels.
    #[serde(default)]
    pub extra_sources: Vec<Source>,
    /// An installed model id; default: the first installed language model.
    pub model_id: Option<String>,
    #[serde(default)]
    pub params: Option<GenerateParams>,
}

#[derive(Serialize)]
pub struct AssistantResult {
    pub run: TaskRun,
    pub record: GenerationRecord,
}

#[tauri::command]
pub async fn assistant_models(state: State<'_, AppState>) -> CommandResult<Vec<InstalledLlm>> {
    Ok(byline_draft::resolve::installed(&Store::new(&state.paths)?)?)
}

#[tauri::command]
pub async fn assistant_tasks(state: State<'_, AppState>, language: Option<String>) -> CommandResult<Vec<TaskTemplate>> {
    Ok(byline_draft::tasks::list(state.library()?.connection(), language.as_deref())?)
}

#[tauri::command]
pub async fn assistant_task_save(state: State<'_, AppState>, task: TaskTemplate) -> CommandResult<TaskTemplate> {
    Ok(byline_draft::tasks::save(state.library()?.connection(), &task)?)
}

#[tauri::command]
pub async fn assistant_task_reset(
    state: State<'_, AppState>,
    key: String,
    language: String,
) -> CommandResult<TaskTemplate> {
    Ok(byline_draft::tasks::reset(state.library()?.connection(), &key, &language)?)
}

#[tauri::command]
pub async fn assistant_history(
    state: State<'_, AppState>,
    article_id: Option<i64>,
    limit: Option<u32>,
) -> CommandResult<Vec<GenerationRecord>> {
    Ok(byline_draft::history::list(state.library()?.connection(), article_id, limit.unwrap_or(50))?)
}

#[tauri::command]
pub async fn assistant_history_delete(state: State<'_, AppState>, id: i64) -> CommandResult<()> {
    Ok(byline_draft::history::delete(state.library()?.connection(), id)?)
}

/// Size of the loaded model (MiB) when one is loaded and idle; `None` while a task runs.
pub fn warm_mb() -> Option<u64> {
    let guard = engine().try_lock().ok()?;
    guard.as_ref()?.loaded_path().map(byline_models::size_on_disk_mb)
}

/// Frees the loaded model if idle, to make room for another; says what was freed.
pub fn unload_warm() -> Option<String> {
    let mut guard = engine().try_lock().ok()?;
    let path = guard.as_mut()?.unload()?;
    Some(format!("the language model {}", path.file_name().unwrap_or_default().to_string_lossy()))
}

/// Unloads the language model when it has not been used for `idle`; says what was freed.
pub fn unload_if_idle(idle: std::time::Duration) -> Option<String> {
    let mut guard = engine().try_lock().ok()?;
    let engine = guard.as_mut()?;
    let path = engine.loaded_path()?.to_path_buf();
    engine
        .unload_if_idle(idle)
        .then(|| format!("the language model {}", path.file_name().unwrap_or_default().to_string_lossy()))
}

/// Frees the loaded model's memory; returns whether one was loaded.
#[tauri::command]
pub async fn assistant_unload() -> CommandResult<bool> {
    let mut guard = engine().lock().map_err(|_| CommandError::internal("the assistant is unavailable"))?;
    Ok(guard.as_mut().and_then(Engine::unload).is_some())
}

/// Runs a task on a blocking thread with its own library connection; `job_cancel(job_id)` stops it
/// before the next token. A stopped run is still returned (and kept in history) with what it wrote.
#[tauri::command]
pub async fn assistant_run(
    state: State<'_, AppState>,
    request: AssistantRequest,
    job_id: String,
    on_event: Channel<AssistantEvent>,
) -> CommandResult<AssistantResult> {
    let paths = state.paths.clone();
    let settings = state.settings.lock().map(|s| s.clone()).unwrap_or_default();
    let cancel = state.start_job(&job_id);
    let result = tauri::async_runtime::spawn_blocking(move || -> CommandResult<AssistantResult> {
        let library = Library::open(&paths.library_db())?;
        let store = Store::new(&paths)?;
        let path = byline_draft::resolve::resolve(&store, request.model_id.as_deref(), None)?;
        let task = byline_draft::tasks::get(library.connection(), &request.task, &request.language)?;
        let mut sources = byline_draft::article_sources(&library, &request.source_article_ids)?;
        sources.extend(request.extra_sources.iter().cloned());
        let input = TaskInput {
            title: request.title.clone(),
            draft: request.draft.clone(),
            selection: request.selection.clone(),
            request: request.request.clone(),
            sources,
        };
        let params = request.params.clone().unwrap_or_default();
        let mut guard = engine().lock().map_err(|_| CommandError::internal("the assistant is unavailable"))?;
        // The device and thread settings as they are now: a warm engine from before a change gives way.
        let selected = byline_device::from_settings(&settings);
        let threads = selected.report.threads;
        if guard.as_ref().is_some_and(|e| !e.runs_on(&selected.device, threads)) {
            *guard = None;
        }
        let engine = guard.get_or_insert_with(|| Engine::with_threads(selected.device, threads));
        let model_name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        if engine.loaded_path() != Some(path.as_path()) {
            let _ = on_event.send(AssistantEvent::Loading { model: model_name.clone() });
            // Quantised weights plus the KV cache and scratch: about a fifth more than the file, and some.
            let needed = byline_models::size_on_disk_mb(&path) * 6 / 5 + 256;
            let freed = crate::warm::make_room(needed, crate::warm::Warm::Llm);
            if !freed.is_empty() {
                let notes = vec![format!("Freed {} to make room for {model_name}.", freed.join(" and "))];
                let _ = on_event.send(AssistantEvent::Notes { notes });
            }
        }
        let lm = engine.load(&path)?;
        let _ = on_event.send(AssistantEvent::Reading);
        let progress = on_event.clone();
        lm.observe_prefill(Some(Box::new(move |done, total| {
            let _ = progress.send(AssistantEvent::Prefill { done, total });
        })));
        let run = byline_draft::run_task(
            lm,
            &task,
            &input,
            &params,
            &cancel,
            &mut |notes| {
                if !notes.is_empty() {
                    let _ = on_event.send(AssistantEvent::Notes { notes: notes.to_vec() });
                }
            },
            &mut |piece| {
                let _ = on_event.send(AssistantEvent::Token { text: piece.to_string() });
            },
        );
        lm.observe_prefill(None);
        engine.touch();
        let run = run?;
        let record = byline_draft::save_run(&library, request.article_id, &task, &model_name, &params, &run)?;
        Ok(AssistantResult { run, record })
    })
    .await;
    state.finish_job(&job_id);
    match result {
        Ok(r) => r,
        Err(e) => Err(CommandError::internal(format!("the assistant stopped unexpectedly: {e}"))),
    }
}
