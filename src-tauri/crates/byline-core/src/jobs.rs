//! Long work running under an id its caller chose (the UI makes one per import, generation, recording,
//! playback…), so it can be cancelled, and reached while it runs (pause a recording, change the speed of a
//! playback). A job leaves the registry when its [`JobGuard`] drops, however the work ended.

use std::any::Any;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use crate::{CancelToken, Error, Result};

struct Entry {
    cancel: CancelToken,
    control: Option<Arc<dyn Any + Send + Sync>>,
}

/// The running jobs.
#[derive(Clone, Default)]
pub struct Jobs {
    running: Arc<Mutex<HashMap<String, Entry>>>,
}

/// A job's place in the registry; dropping it ends the job there.
pub struct JobGuard {
    jobs: Jobs,
    id: String,
    cancel: CancelToken,
}

impl JobGuard {
    /// The token the work polls; [`Jobs::cancel`] sets it.
    pub fn cancel_token(&self) -> CancelToken {
        self.cancel.clone()
    }

    pub fn id(&self) -> &str {
        &self.id
    }

    /// Makes `control` reachable through [`Jobs::control`] while the job runs.
    pub fn set_control<C: Any + Send + Sync>(&self, control: Arc<C>) {
        self.jobs.set_control(&self.id, control);
    }
}

impl Drop for JobGuard {
    fn drop(&mut self) {
        self.jobs.map().remove(&self.id);
    }
}

impl Jobs {
    pub fn new() -> Self {
        Self::default()
    }

    fn map(&self) -> MutexGuard<'_, HashMap<String, Entry>> {
        // The map holds tokens only; a panic elsewhere cannot leave it half-changed.
        self.running.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Registers job `id`. Two jobs cannot share an id: cancelling one would reach the other.
    pub fn start(&self, id: &str) -> Result<JobGuard> {
        let mut map = self.map();
        if id.is_empty() {
            return Err(Error::InvalidInput("a job needs an id".into()));
        }
        if map.contains_key(id) {
            return Err(Error::InvalidInput(format!("a job with id {id} is already running")));
        }
        let cancel = CancelToken::new();
        map.insert(id.to_string(), Entry { cancel: cancel.clone(), control: None });
        Ok(JobGuard { jobs: self.clone(), id: id.to_string(), cancel })
    }

    /// Asks job `id` to stop; false when no such job runs.
    /// Makes `control` reachable through [`Jobs::control`] while job `id` runs, for work that only has its
    /// control once it has started (a playback's player); does nothing once the job has ended.
    pub fn set_control<C: Any + Send + Sync>(&self, id: &str, control: Arc<C>) {
        if let Some(entry) = self.map().get_mut(id) {
            entry.control = Some(control);
        }
    }

    pub fn cancel(&self, id: &str) -> bool {
        self.map().get(id).map(|e| e.cancel.cancel()).is_some()
    }

    /// The control job `id` registered, if it runs and registered one of type `C`.
    pub fn control<C: Any + Send + Sync>(&self, id: &str) -> Option<Arc<C>> {
        let control = self.map().get(id)?.control.clone()?;
        control.downcast::<C>().ok()
    }

    /// Ids of the running jobs, sorted.
    pub fn running(&self) -> Vec<String> {
        let mut ids: Vec<String> = self.map().keys().cloned().collect();
        ids.sort();
        ids
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_job_is_cancellable_while_it_runs_and_gone_after() {
        let jobs = Jobs::new();
        let guard = jobs.start("import-1").expect("start");
        let token = guard.cancel_token();
        assert_eq!(jobs.running(), ["import-1"]);
        assert!(matches!(jobs.start("import-1"), Err(Error::InvalidInput(_))), "ids are unique while running");
        assert!(jobs.cancel("import-1"));
        assert!(token.is_cancelled());
        drop(guard);
        assert!(!jobs.cancel("import-1"), "finished");
        assert!(jobs.running().is_empty());
        assert!(jobs.start("import-1").is_ok(), "the id is free again");
    }

    #[test]
    fn a_job_ends_even_when_its_work_panics() {
        let jobs = Jobs::new();
        let inner = jobs.clone();
        let result = std::thread::spawn(move || {
            let _guard = inner.start("generate").expect("start");
            panic!("the work failed");
        })
        .join();
        assert!(result.is_err());
        assert!(jobs.running().is_empty());
    }

    #[test]
    fn controls_are_found_by_id_and_type() {
        struct Player(u32);
        let jobs = Jobs::new();
        let guard = jobs.start("play").expect("start");
        assert!(jobs.control::<Player>("play").is_none(), "none registered yet");
        guard.set_control(Arc::new(Player(7)));
        assert_eq!(jobs.control::<Player>("play").map(|p| p.0), Some(7));
        assert!(jobs.control::<String>("play").is_none(), "another type");
        drop(guard);
        assert!(jobs.control::<Player>("play").is_none());
    }
}
