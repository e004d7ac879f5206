//! Sentiment: draft tone sentence by sentence, transcript speakers, readers' comments.
use std::path::PathBuf;
use std::sync::{Mutex, OnceLock};

use byline_core::{AppPaths, CancelToken, Progress, Settings};
use byline_library::Library;
use byline_sentiment::comments::{self, BucketSize, Distribution, ImportReport, StoredComment};
use byline_sentiment::speakers::{self, QuoteScore, Segment, TranscriptSentiment};
use byline_sentiment::{Analyzer, EngineChoice, TextSentiment};
use serde::Serialize;
use tauri::State;
use tauri::ipc::Channel;

use crate::commands::import::ChannelReporter;
use crate::error::{CommandError, CommandResult};
use crate::state::AppState;

/// A loaded transformer takes seconds to load; keep the last analyzer for the next draft refresh.
static ANALYZER: OnceLock<Mutex<Option<(EngineChoice, Analyzer)>>> = OnceLock::new();

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

static ANALYZER_USED: crate::warm::LastUsed = crate::warm::LastUsed::new();

/// Unloads the sentiment model when it has not been used for `idle`; says what was freed.
pub fn unload_if_idle(idle: std::time::Duration) -> Option<String> {
    crate::warm::take_if_idle(ANALYZER.get()?, &ANALYZER_USED, idle)
        .map(|(choice, _)| format!("the {choice:?} sentiment model"))
}

fn with_analyzer<T>(
    env: &Env,
    choice: EngineChoice,
    f: impl FnOnce(&Analyzer) -> byline_core::Result<T>,
) -> CommandResult<T> {
    let cell = ANALYZER.get_or_init(|| Mutex::new(None));
    let mut guard = cell.lock().map_err(|_| CommandError::internal("the sentiment engine failed earlier"))?;
    if guard.as_ref().is_none_or(|(c, _)| *c != choice) {
        let store = byline_models::Store::new(&env.paths)?;
        let device = byline_device::from_settings(&env.settings);
        *guard = Some((choice, Analyzer::from_store(&store, choice, None, &device.device)?));
    }
    ANALYZER_USED.touch();
    match guard.as_ref() {
        Some((_, analyzer)) => {
            let result = f(analyzer);
            // Idle time counts from the end of the work.
            ANALYZER_USED.touch();
            Ok(result?)
        }
        None => Err(CommandError::internal("the sentiment engine is not loaded")),
    }
}

fn engine(name: Option<String>) -> CommandResult<EngineChoice> {
    Ok(name.as_deref().unwrap_or("auto").parse::<EngineChoice>()?)
}

async fn blocking<T: Send + 'static>(f: impl FnOnce() -> CommandResult<T> + Send + 'static) -> CommandResult<T> {
    tauri::async_runtime::spawn_blocking(f)
        .await
        .map_err(|e| CommandError::internal(format!("sentiment analysis stopped unexpectedly: {e}")))?
}

#[derive(Serialize)]
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
    let (env, choice, cancel) = (Env::of(&state), engine(engine_name)?, state.start_job(&job_id));
    let result = blocking(move || {
        with_analyzer(&env, choice, |a| {
            let reporter = ChannelReporter(on_progress);
            Ok(DraftSentiment {
                text: a.analyze_text(&text, &reporter, &cancel)?,
                quotes: speakers::analyze_quotes(a, &text, &cancel)?,
            })
        })
    })
    .await;
    state.finish_job(&job_id);
    result
}

/// Per-speaker tone of a transcript given as (speaker, text) segments.
#[tauri::command]
pub async fn sentiment_analyze_segments(
    state: State<'_, AppState>,
    segments: Vec<Segment>,
    engine_name: Option<String>,
) -> CommandResult<TranscriptSentiment> {
    let (env, choice) = (Env::of(&state), engine(engine_name)?);
    blocking(move || with_analyzer(&env, choice, |a| speakers::analyze_segments(a, &segments, &CancelToken::new())))
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
    let (env, choice, cancel) = (Env::of(&state), engine(engine_name)?, state.start_job(&job_id));
    let result = blocking(move || {
        let records = comments::read_file(&path, article.as_deref())?;
        // Its own connection, so the editor's autosave never waits behind the import.
        let mut lib = Library::open(&env.paths.library_db())?;
        let source = path.display().to_string();
        with_analyzer(&env, choice, |a| {
            comments::import(lib.connection_mut(), &records, a, &source, &ChannelReporter(on_progress), &cancel)
        })
    })
    .await;
    state.finish_job(&job_id);
    result
}

#[tauri::command]
pub async fn sentiment_comments(state: State<'_, AppState>, article: String) -> CommandResult<Vec<StoredComment>> {
    let lib = state.library()?;
    Ok(comments::list(lib.connection(), &article)?)
}

/// Comment counts and mean score per hour/day/week for one article.
#[tauri::command]
pub async fn sentiment_comment_distribution(
    state: State<'_, AppState>,
    article: String,
    bucket: Option<BucketSize>,
) -> CommandResult<Distribution> {
    let lib = state.library()?;
    Ok(comments::distribution(lib.connection(), &article, bucket.unwrap_or(BucketSize::Auto))?)
}
