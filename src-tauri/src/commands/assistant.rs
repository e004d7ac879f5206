//! The drafting assistant: list tasks, run one with its text streamed over a channel, keep history.
//! The language model stays loaded between requests (one engine for the app); `assistant_unload` frees it.

use byline_core::Progress;
use byline_draft::history::GenerationRecord;
use byline_draft::resolve::InstalledLlm;
use byline_draft::{Engine, GenerateParams, Source, TaskInput, TaskRun, TaskTemplate};
use byline_library::Library;
use byline_models::Store;
use byline_models::warm::Wanted;
use serde::{Deserialize, Serialize};
use tauri::State;
use tauri::ipc::Channel;

use crate::error::CommandResult;
use crate::state::AppState;

/// What streams to the panel while a task runs.
#[derive(Clone, Serialize, ts_rs::TS)]
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
    /// How much of the prompt has been read (tokens), after each chunk of it: the progress every long
    /// command streams.
    Progress(Progress),
    Token {
        text: String,
    },
}

#[derive(Clone, Debug, Deserialize, ts_rs::TS)]
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
    #[ts(optional = nullable)]
    pub model_id: Option<String>,
    #[serde(default)]
    #[ts(optional = nullable)]
    pub params: Option<GenerateParams>,
}

#[derive(Serialize, ts_rs::TS)]
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
    state.with_library(move |lib| byline_draft::tasks::list(lib.connection(), language.as_deref())).await
}

#[tauri::command]
pub async fn assistant_task_save(state: State<'_, AppState>, task: TaskTemplate) -> CommandResult<TaskTemplate> {
    state.with_library(move |lib| byline_draft::tasks::save(lib.connection(), &task)).await
}

#[tauri::command]
pub async fn assistant_task_reset(
    state: State<'_, AppState>,
    key: String,
    language: String,
) -> CommandResult<TaskTemplate> {
    state.with_library(move |lib| byline_draft::tasks::reset(lib.connection(), &key, &language)).await
}

#[tauri::command]
pub async fn assistant_history(
    state: State<'_, AppState>,
    article_id: Option<i64>,
    limit: Option<u32>,
) -> CommandResult<Vec<GenerationRecord>> {
    state.with_library(move |lib| byline_draft::history::list(lib.connection(), article_id, limit.unwrap_or(50))).await
}

#[tauri::command]
pub async fn assistant_history_delete(state: State<'_, AppState>, id: i64) -> CommandResult<()> {
    state.with_library(move |lib| byline_draft::history::delete(lib.connection(), id)).await
}

/// Frees the loaded language model's memory; returns whether one was loaded.
#[tauri::command]
pub async fn assistant_unload(state: State<'_, AppState>) -> CommandResult<bool> {
    Ok(state.models.llm.unload().is_some())
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
    let device = state.device();
    let (registry, slot) = (state.models.registry.clone(), state.models.llm.clone());
    state
        .run_job(&job_id, "the assistant", move |cancel| {
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
            let model_name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            let wanted = Wanted {
                key: format!("{}|{}", path.display(), device.key),
                label: format!("the language model {model_name}"),
                // Quantised weights plus the KV cache and scratch: about a fifth more than the file, and some.
                mb: byline_models::size_on_disk_mb(&path) * 6 / 5 + 256,
            };
            let load = |freed: &[String]| {
                let _ = on_event.send(AssistantEvent::Loading { model: model_name.clone() });
                if !freed.is_empty() {
                    let notes = vec![format!("Freed {} to make room for {model_name}.", freed.join(" and "))];
                    let _ = on_event.send(AssistantEvent::Notes { notes });
                }
                let threads = device.selected.report.threads;
                let mut engine = Engine::with_threads(device.selected.device.clone(), threads);
                engine.load(&path)?;
                Ok(engine)
            };
            let run = slot.with(&registry, &wanted, load, |engine| {
                let lm = engine.load(&path)?;
                let _ = on_event.send(AssistantEvent::Reading);
                let progress = on_event.clone();
                lm.observe_prefill(Some(Box::new(move |done, total| {
                    let p =
                        Progress { done: done as u64, total: Some(total as u64), message: "reading the prompt".into() };
                    let _ = progress.send(AssistantEvent::Progress(p));
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
                run
            })?;
            let record = byline_draft::save_run(&library, request.article_id, &task, &model_name, &params, &run)?;
            Ok(AssistantResult { run, record })
        })
        .await
}
