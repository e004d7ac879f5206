//! Related articles: background indexing with progress and cancel, suggestions for a saved
//! article or the live draft, and pin/hide feedback.

use byline_core::Progress;
use byline_library::Library;
use byline_library::usage::{self, UsageKind, UsageSummary};
use byline_models::warm::Wanted;
use byline_related::{Embedder, Feedback, IndexStats, RankOptions, Recommender, RelatedResult, index_library};
use tauri::State;
use tauri::ipc::Channel;

use crate::commands::import::ChannelReporter;

use crate::error::CommandResult;
use crate::state::{AppState, ModelEnv, blocking};

const DEFAULT_MODEL: &str = "all-minilm-l6-v2";

type Env = ModelEnv<Recommender>;

impl Env {
    fn load_embedder(&self, model: &str) -> byline_core::Result<Embedder> {
        let dir = byline_models::Store::new(&self.paths)?.path(model)?;
        Embedder::load(&dir, model, &self.device.selected.device)
    }

    /// Runs `f` with the warm recommender for `model` (loaded first when needed).
    fn with_recommender<T>(
        &self,
        model: &str,
        f: impl FnOnce(&mut Recommender) -> byline_core::Result<T>,
    ) -> CommandResult<T> {
        let dir = byline_models::Store::new(&self.paths)?.path(model)?;
        let wanted = Wanted {
            key: format!("{model}|{}", self.device.key),
            label: format!("the embedding model {model}"),
            // f32 weights, the index's vectors and activations: about twice the folder.
            mb: byline_models::size_on_disk_mb(&dir) * 2,
        };
        Ok(self.slot.with(&self.registry, &wanted, |_| Ok(Recommender::new(self.load_embedder(model)?)), f)?)
    }
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
    let env = state.model_env(&state.models.embedder);
    state
        .run_job(&job_id, "indexing", move |cancel| {
            let emb = env.load_embedder(&model)?;
            let mut library = Library::open(&env.paths.library_db())?;
            Ok(index_library(&mut library, &emb, &ChannelReporter(on_progress), &cancel)?)
        })
        .await
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
    let env = state.model_env(&state.models.embedder);
    blocking("related articles", move || {
        let library = Library::open(&env.paths.library_db())?;
        env.with_recommender(&model, |rec| rec.for_article(&library, id, &options.unwrap_or_default()))
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
    let env = state.model_env(&state.models.embedder);
    blocking("related articles", move || {
        let library = Library::open(&env.paths.library_db())?;
        env.with_recommender(&model, |rec| rec.for_text(&library, &text, article_id, &options.unwrap_or_default()))
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
    state
        .with_library(move |lib| byline_related::set_feedback(lib.connection(), article_id, suggestion_id, action))
        .await
}

/// The reporter opened `opened_id` from the Related panel while writing `article_id`: a use, for learning.
#[tauri::command]
pub async fn related_opened(state: State<'_, AppState>, article_id: i64, opened_id: i64) -> CommandResult<()> {
    state.with_library(move |lib| usage::record(lib.connection(), article_id, opened_id, UsageKind::Open)).await
}

/// What learning from use has recorded: the total and the `limit` most recent uses.
#[tauri::command]
pub async fn related_usage(state: State<'_, AppState>, limit: Option<u32>) -> CommandResult<UsageSummary> {
    state.with_library(move |lib| usage::summary(lib.connection(), limit.unwrap_or(50))).await
}

/// Forgets every recorded use (pins stay pinned); returns how many were forgotten.
#[tauri::command]
pub async fn related_usage_reset(state: State<'_, AppState>) -> CommandResult<u64> {
    state.with_library(move |lib| usage::clear(lib.connection()).map(|n| n as u64)).await
}
