//! Related articles: background indexing with progress and cancel, suggestions for a saved
//! article or the live draft, and pin/hide feedback.
use std::sync::{Mutex, OnceLock};

use byline_core::{AppPaths, CancelToken, Progress, Settings};
use byline_library::Library;
use byline_related::{Embedder, Feedback, IndexStats, RankOptions, Recommender, RelatedResult, index_library};
use tauri::State;
use tauri::ipc::Channel;

use crate::commands::import::ChannelReporter;
use crate::error::{CommandError, CommandResult};
use crate::state::AppState;

const DEFAULT_MODEL: &str = "all-minilm-l6-v2";

/// The loaded model stays warm between draft refreshes; loading it takes far longer than a query.
static RECOMMENDER: OnceLock<Mutex<Option<Recommender>>> = OnceLock::new();

/// What a blocking task needs from the app state (State itself cannot leave the async command).
#[derive(Clone)]
struct Env {
    paths: AppPaths,
    settings: Settings,
}

impl Env {
    fn of(state: &AppState) -> Self {
        Self { paths: state.paths.clone(), settings: state.settings.lock().map(|s| s.clone()).unwrap_or_default() }
    }
}

fn load_embedder(env: &Env, model: &str) -> byline_core::Result<Embedder> {
    let dir = byline_models::Store::new(&env.paths)?.path(model)?;
    let selected = byline_device::from_settings(&env.settings);
    Embedder::load(&dir, model, &selected.device)
}

/// Runs `f` with the warm recommender for `model`, loading it first when needed.
static RECOMMENDER_USED: crate::warm::LastUsed = crate::warm::LastUsed::new();

/// Unloads the embedding model when it has not been used for `idle`; says what was freed.
pub fn unload_if_idle(idle: std::time::Duration) -> Option<String> {
    crate::warm::take_if_idle(RECOMMENDER.get()?, &RECOMMENDER_USED, idle)
        .map(|r| format!("the embedding model {}", r.embedder().model_id()))
}

fn with_recommender<T>(
    env: &Env,
    model: &str,
    f: impl FnOnce(&mut Recommender) -> byline_core::Result<T>,
) -> CommandResult<T> {
    let cell = RECOMMENDER.get_or_init(|| Mutex::new(None));
    let mut guard = cell.lock().map_err(|_| CommandError::internal("the related-articles engine failed earlier"))?;
    if guard.as_ref().is_none_or(|r| r.embedder().model_id() != model) {
        *guard = Some(Recommender::new(load_embedder(env, model)?));
    }
    RECOMMENDER_USED.touch();
    match guard.as_mut() {
        Some(rec) => {
            let result = f(rec);
            // Idle time counts from the end of the work (indexing can take long).
            RECOMMENDER_USED.touch();
            Ok(result?)
        }
        None => Err(CommandError::internal("the embedding model is not loaded")),
    }
}

async fn blocking<T: Send + 'static>(f: impl FnOnce() -> CommandResult<T> + Send + 'static) -> CommandResult<T> {
    tauri::async_runtime::spawn_blocking(f)
        .await
        .map_err(|e| CommandError::internal(format!("the related-articles task stopped unexpectedly: {e}")))?
}

/// Indexes the library on a blocking thread with its own connection, so editing never waits;
/// `job_cancel(job_id)` stops it between articles and the next run resumes.
#[tauri::command]
pub async fn related_index(
    state: State<'_, AppState>,
    model: Option<String>,
    job_id: String,
    on_progress: Channel<Progress>,
) -> CommandResult<IndexStats> {
    let model = model.unwrap_or_else(|| DEFAULT_MODEL.into());
    let db = state.paths.library_db();
    let env = Env::of(&state);
    let cancel: CancelToken = state.start_job(&job_id);
    let result = blocking(move || {
        let emb = load_embedder(&env, &model)?;
        let mut library = Library::open(&db)?;
        Ok(index_library(&mut library, &emb, &ChannelReporter(on_progress), &cancel)?)
    })
    .await;
    state.finish_job(&job_id);
    result
}

/// Suggestions for a saved article.
#[tauri::command]
pub async fn related_for_article(
    state: State<'_, AppState>,
    id: i64,
    model: Option<String>,
    options: Option<RankOptions>,
) -> CommandResult<RelatedResult> {
    let model = model.unwrap_or_else(|| DEFAULT_MODEL.into());
    let env = Env::of(&state);
    blocking(move || {
        let library = Library::open(&env.paths.library_db())?;
        with_recommender(&env, &model, |rec| rec.for_article(&library, id, &options.unwrap_or_default()))
    })
    .await
}

/// Suggestions for the unsaved draft; `article_id` (the article being edited) is excluded and
/// its pin/hide feedback applies.
#[tauri::command]
pub async fn related_for_draft(
    state: State<'_, AppState>,
    text: String,
    article_id: Option<i64>,
    model: Option<String>,
    options: Option<RankOptions>,
) -> CommandResult<RelatedResult> {
    let model = model.unwrap_or_else(|| DEFAULT_MODEL.into());
    let env = Env::of(&state);
    blocking(move || {
        let library = Library::open(&env.paths.library_db())?;
        with_recommender(&env, &model, |rec| rec.for_text(&library, &text, article_id, &options.unwrap_or_default()))
    })
    .await
}

/// Pins, hides or clears `suggestion_id` as a suggestion for `article_id`.
#[tauri::command]
pub async fn related_feedback(
    state: State<'_, AppState>,
    article_id: i64,
    suggestion_id: i64,
    action: Feedback,
) -> CommandResult<()> {
    let library = state.library()?;
    Ok(byline_related::set_feedback(library.connection(), article_id, suggestion_id, action)?)
}
