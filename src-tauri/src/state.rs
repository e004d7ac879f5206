use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};

use byline_core::{AppPaths, CancelToken, Settings};
use byline_library::Library;

use crate::error::{CommandError, CommandResult};

/// Shared state of the running app.
pub struct AppState {
    pub paths: AppPaths,
    /// The connection used by the editor and the sidebar. Long jobs (imports) open their own,
    /// so autosave never waits behind them for more than one batch.
    library: Mutex<Library>,
    jobs: Mutex<HashMap<String, CancelToken>>,
    /// Read-aloud playbacks by job id, for pause / resume / speed.
    players: Mutex<HashMap<String, byline_speech::PlayerControl>>,
    pub settings: Mutex<Settings>,
    /// What the reporter should know about the start (settings that could not be read), shown once.
    pub startup_notices: Mutex<Vec<String>>,
}

impl AppState {
    pub fn load() -> byline_core::Result<Self> {
        let paths = AppPaths::from_env()?;
        paths.ensure()?;
        let library = Library::open(&paths.library_db())?;
        // A damaged settings file must not keep the app closed: defaults, the file kept aside, a notice.
        let (settings, notice) = Settings::load_or_recover(&paths.settings_file());
        Ok(Self {
            paths,
            library: Mutex::new(library),
            jobs: Mutex::new(HashMap::new()),
            players: Mutex::new(HashMap::new()),
            settings: Mutex::new(settings),
            startup_notices: Mutex::new(notice.into_iter().collect()),
        })
    }

    pub fn library(&self) -> CommandResult<MutexGuard<'_, Library>> {
        self.library.lock().map_err(|_| CommandError::internal("the library is unavailable after an earlier failure"))
    }

    /// Registers a job and returns its cancel token.
    pub fn start_job(&self, id: &str) -> CancelToken {
        let token = CancelToken::new();
        if let Ok(mut jobs) = self.jobs.lock() {
            jobs.insert(id.to_string(), token.clone());
        }
        token
    }

    pub fn finish_job(&self, id: &str) {
        if let Ok(mut jobs) = self.jobs.lock() {
            jobs.remove(id);
        }
    }

    pub fn register_player(&self, id: &str, control: byline_speech::PlayerControl) {
        if let Ok(mut players) = self.players.lock() {
            players.insert(id.to_string(), control);
        }
    }

    pub fn player(&self, id: &str) -> Option<byline_speech::PlayerControl> {
        self.players.lock().ok().and_then(|p| p.get(id).cloned())
    }

    pub fn remove_player(&self, id: &str) {
        if let Ok(mut players) = self.players.lock() {
            players.remove(id);
        }
    }

    /// Returns false when no such job is running.
    pub fn cancel_job(&self, id: &str) -> bool {
        self.jobs.lock().ok().and_then(|jobs| jobs.get(id).cloned()).map(|t| t.cancel()).is_some()
    }
}
