//! Everything the running app keeps between commands, in one place: the paths, the editor's library
//! connection, the settings, the running jobs, and the models kept loaded.
use std::sync::{Arc, Mutex};

use byline_core::{AppPaths, CancelToken, JobGuard, Jobs, Settings};
use byline_library::Library;
use byline_models::warm::{Slot, WarmModels};

use crate::error::{CommandError, CommandResult};

/// The models the app keeps loaded between requests, one slot per kind, all in one registry: loading one
/// frees others when memory is short, idle ones are unloaded, a device change reloads them.
pub struct Models {
    pub registry: Arc<WarmModels>,
    /// The drafting assistant's language model.
    pub llm: Arc<Slot<byline_draft::Engine>>,
    /// Illustrations: the Stable Diffusion pipeline.
    pub image: Arc<Slot<byline_images::Pipeline>>,
    /// Related articles: the embedding model with its index cache.
    pub embedder: Arc<Slot<byline_related::Recommender>>,
    /// Tone: the sentiment classifier.
    pub sentiment: Arc<Slot<byline_sentiment::Analyzer>>,
    /// Transcription: the Whisper model with its voice-activity detector.
    pub whisper: Arc<Slot<byline_transcribe::Engine>>,
}

impl Models {
    fn new() -> Self {
        let registry = Arc::new(WarmModels::new());
        Self {
            llm: registry.slot("language model"),
            image: registry.slot("image model"),
            embedder: registry.slot("embedding model"),
            sentiment: registry.slot("sentiment model"),
            whisper: registry.slot("speech recognition model"),
            registry,
        }
    }
}

/// Shared state of the running app.
pub struct AppState {
    pub paths: AppPaths,
    /// The connection used by the editor and the sidebar. Long jobs (imports) open their own,
    /// so autosave never waits behind them for more than one batch.
    library: Arc<Mutex<Library>>,
    /// Imports, generations, recordings, playbacks… by the id the UI gave them.
    pub jobs: Jobs,
    settings: Mutex<Settings>,
    pub models: Models,
    /// Files the user chose in a dialog or dropped on the window: the only ones the page may name.
    pub grants: byline_core::PathGrants,
    /// The transcripts' index for the Quotes panel, rebuilt when a transcript is added or edited.
    pub quotes: Arc<byline_quotes::CorpusCache>,
    /// What the reporter should know about the start (settings that could not be read), shown once.
    pub startup_notices: Mutex<Vec<String>>,
    /// Files the app was opened with (a double-click on a recording or an article in the file manager),
    /// handed to the window once, as a drop would be.
    pub opened_files: Mutex<Vec<std::path::PathBuf>>,
    /// When the state was made, for the log line that says how long the window took to ask for the library.
    started: std::time::Instant,
    ready_logged: std::sync::atomic::AtomicBool,
}

/// Where models run now, as the settings say: the device, and the part of a warm model's key that names it
/// (a model loaded for another device or thread count is reloaded).
pub struct DeviceNow {
    pub selected: byline_device::Selected,
    pub key: String,
}

impl AppState {
    /// The state for the data folder `paths`.
    pub fn load(paths: AppPaths) -> byline_core::Result<Self> {
        paths.ensure()?;
        let library = Library::open(&paths.library_db())?;
        // A damaged settings file must not keep the app closed: defaults, the file kept aside, a notice.
        let (settings, notice) = Settings::load_or_recover(&paths.settings_file());
        // The app's own takes may be transcribed like files the user chose.
        let grants = byline_core::PathGrants::new();
        grants.allow_read([paths.root().join("recordings")]);
        Ok(Self {
            paths,
            library: Arc::new(Mutex::new(library)),
            jobs: Jobs::new(),
            grants,
            settings: Mutex::new(settings),
            models: Models::new(),
            quotes: Arc::default(),
            startup_notices: Mutex::new(notice.into_iter().collect()),
            opened_files: Mutex::default(),
            started: std::time::Instant::now(),
            ready_logged: std::sync::atomic::AtomicBool::new(false),
        })
    }

    /// Runs `work` with the editor's library connection on a blocking thread: a slow query or a save on a
    /// busy disk never holds up the window.
    pub async fn with_library<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut Library) -> byline_core::Result<T> + Send + 'static,
    ) -> CommandResult<T> {
        let library = self.library.clone();
        blocking("the library", move || {
            let mut library = library
                .lock()
                .map_err(|_| CommandError::internal("the library is unavailable after an earlier failure"))?;
            work(&mut library).map_err(|e| {
                tracing::warn!(code = e.code(), "library: {e}");
                CommandError::from(e)
            })
        })
        .await
    }

    /// Logs, once, how long after the start the window first asked for the library list: the cold start
    /// as the reporter sees it (the sidebar fills right after).
    pub fn note_window_ready(&self) {
        if !self.ready_logged.swap(true, std::sync::atomic::Ordering::Relaxed) {
            tracing::info!(ms = self.started.elapsed().as_millis(), "the window asked for the library");
        }
    }

    pub fn settings(&self) -> Settings {
        self.settings.lock().map(|s| s.clone()).unwrap_or_else(|p| p.into_inner().clone())
    }

    /// Saves new settings; when they move inference to another device or thread count, the idle models
    /// are unloaded at once (a model in use is reloaded on its next request).
    pub fn set_settings(&self, settings: Settings) -> CommandResult<()> {
        settings.save(&self.paths.settings_file())?;
        let mut current = self.settings.lock().unwrap_or_else(|p| p.into_inner());
        let moved = (current.device, current.threads) != (settings.device, settings.threads);
        *current = settings;
        drop(current);
        if moved {
            let freed = self.models.registry.unload_all();
            tracing::info!(?freed, "the device or thread count changed");
        }
        Ok(())
    }

    pub fn device(&self) -> DeviceNow {
        let selected = byline_device::from_settings(&self.settings());
        let key = format!("{}|{} threads", selected.report.name, selected.report.threads);
        DeviceNow { selected, key }
    }

    /// Runs `work` on a blocking thread as job `job_id`: `job_cancel(job_id)` sets the token it gets, and
    /// the job leaves the registry however it ends. `what` names the work in the error a crash gives.
    pub async fn run_job<T: Send + 'static>(
        &self,
        job_id: &str,
        what: &str,
        work: impl FnOnce(CancelToken) -> CommandResult<T> + Send + 'static,
    ) -> CommandResult<T> {
        run_started(self.jobs.start(job_id)?, what, work).await
    }
}

/// [`AppState::run_job`] for a job already registered, so it could be given a control first (a recording's
/// pause and stop).
pub async fn run_started<T: Send + 'static>(
    job: JobGuard,
    what: &str,
    work: impl FnOnce(CancelToken) -> CommandResult<T> + Send + 'static,
) -> CommandResult<T> {
    let cancel = job.cancel_token();
    let started = std::time::Instant::now();
    tracing::info!(job = job.id(), "{what}: started");
    let result = blocking(what, move || work(cancel)).await;
    let ms = started.elapsed().as_millis();
    match &result {
        Ok(_) => tracing::info!(job = job.id(), ms, "{what}: done"),
        Err(e) => tracing::warn!(job = job.id(), ms, code = e.code, "{what}: {}", e.message),
    }
    drop(job);
    result
}

/// What a blocking task needs to use one kind of warm model (State itself cannot leave the async command):
/// the app's folders, the device the settings choose now, and the model's slot in the registry.
pub struct ModelEnv<T> {
    pub paths: AppPaths,
    pub device: DeviceNow,
    pub registry: Arc<WarmModels>,
    pub slot: Arc<Slot<T>>,
}

impl AppState {
    pub fn model_env<T>(&self, slot: &Arc<Slot<T>>) -> ModelEnv<T> {
        ModelEnv {
            paths: self.paths.clone(),
            device: self.device(),
            registry: self.models.registry.clone(),
            slot: slot.clone(),
        }
    }
}

/// Runs `work` on a blocking thread, off the UI thread and the async runtime's workers.
pub async fn blocking<T: Send + 'static>(
    what: &str,
    work: impl FnOnce() -> CommandResult<T> + Send + 'static,
) -> CommandResult<T> {
    tauri::async_runtime::spawn_blocking(work).await.map_err(|e| {
        tracing::error!("{what} stopped unexpectedly: {e}");
        CommandError::internal(format!("{what} stopped unexpectedly: {e}"))
    })?
}
