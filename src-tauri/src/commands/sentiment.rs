//! Sentiment: draft tone sentence by sentence, transcript speakers, readers' comments.
use std::path::PathBuf;

use byline_core::{CancelToken, Progress};
use byline_library::Library;
use byline_models::warm::Wanted;
use byline_sentiment::comments::{self, BucketSize, Distribution, ImportReport, StoredComment};
use byline_sentiment::speakers::{self, QuoteScore, Segment, TranscriptSentiment};
use byline_sentiment::{Analyzer, EngineChoice, TextSentiment};
use serde::Serialize;
use tauri::State;
use tauri::ipc::Channel;

use crate::commands::import::ChannelReporter;

use crate::error::CommandResult;
use crate::state::{AppState, ModelEnv, blocking};

type Env = ModelEnv<Analyzer>;

impl Env {
    /// Runs `f` with the warm analyzer for `choice` (loaded first when needed, or when a model was
    /// installed or removed since).
    fn with_analyzer<T>(
        &self,
        choice: EngineChoice,
        f: impl FnOnce(&Analyzer) -> byline_core::Result<T>,
    ) -> CommandResult<T> {
        let store = byline_models::Store::new(&self.paths)?;
        let model = Analyzer::model_to_use(&store, choice, None)?;
        let mb = match &model {
            // f32 weights and activations: about twice the folder.
            Some(id) => byline_models::size_on_disk_mb(&store.path(id)?) * 2,
            None => 16,
        };
        let name = model.as_deref().unwrap_or("built in");
        let wanted = Wanted {
            key: format!("{choice:?}|{name}|{}", self.device.key),
            label: format!("the sentiment model ({name})"),
            mb,
        };
        let load = |_: &[String]| Analyzer::from_store(&store, choice, None, &self.device.selected.device);
        Ok(self.slot.with(&self.registry, &wanted, load, |a| f(a))?)
    }
}

fn engine(name: Option<String>) -> CommandResult<EngineChoice> {
    Ok(name.as_deref().unwrap_or("auto").parse::<EngineChoice>()?)
}

#[derive(Serialize, ts_rs::TS)]
pub struct DraftSentiment {
    pub text: TextSentiment,
    pub quotes: Vec<QuoteScore>,
}

/// Tone of a draft (or any text): per sentence with offsets for highlighting, per paragraph, overall.
#[tauri::command]
pub async fn sentiment_analyze_text(
    state: State<'_, AppState>,
    text: String,
    engine_name: Option<String>,
    job_id: String,
    on_progress: Channel<Progress>,
) -> CommandResult<DraftSentiment> {
    let (env, choice) = (state.model_env(&state.models.sentiment), engine(engine_name)?);
    state
        .run_job(&job_id, "sentiment analysis", move |cancel| {
            env.with_analyzer(choice, |a| {
                let reporter = ChannelReporter(on_progress);
                Ok(DraftSentiment {
                    text: a.analyze_text(&text, &reporter, &cancel)?,
                    quotes: speakers::analyze_quotes(a, &text, &cancel)?,
                })
            })
        })
        .await
}

/// Per-speaker tone of a transcript given as (speaker, text) segments.
#[tauri::command]
pub async fn sentiment_analyze_segments(
    state: State<'_, AppState>,
    segments: Vec<Segment>,
    engine_name: Option<String>,
) -> CommandResult<TranscriptSentiment> {
    let (env, choice) = (state.model_env(&state.models.sentiment), engine(engine_name)?);
    blocking("sentiment analysis", move || {
        env.with_analyzer(choice, |a| speakers::analyze_segments(a, &segments, &CancelToken::new()))
    })
    .await
}

/// Imports a CSV / JSON Lines comments file into the library and scores every comment.
#[tauri::command]
pub async fn sentiment_import_comments(
    state: State<'_, AppState>,
    path: PathBuf,
    article: Option<String>,
    engine_name: Option<String>,
    job_id: String,
    on_progress: Channel<Progress>,
) -> CommandResult<ImportReport> {
    state.grants.check_read(&path)?;
    let (env, choice) = (state.model_env(&state.models.sentiment), engine(engine_name)?);
    state
        .run_job(&job_id, "the comments import", move |cancel| {
            let records = comments::read_file(&path, article.as_deref())?;
            // Its own connection, so the editor's autosave never waits behind the import.
            let mut lib = Library::open(&env.paths.library_db())?;
            let source = path.display().to_string();
            env.with_analyzer(choice, |a| {
                comments::import(lib.connection_mut(), &records, a, &source, &ChannelReporter(on_progress), &cancel)
            })
        })
        .await
}

#[tauri::command]
pub async fn sentiment_comments(state: State<'_, AppState>, article: String) -> CommandResult<Vec<StoredComment>> {
    state.with_library(move |lib| comments::list(lib.connection(), &article)).await
}

/// Comment counts and mean score per hour/day/week for one article.
#[tauri::command]
pub async fn sentiment_comment_distribution(
    state: State<'_, AppState>,
    article: String,
    bucket: Option<BucketSize>,
) -> CommandResult<Distribution> {
    state
        .with_library(move |lib| comments::distribution(lib.connection(), &article, bucket.unwrap_or(BucketSize::Auto)))
        .await
}
