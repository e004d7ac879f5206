//! Models the app keeps loaded between requests (the assistant's language model, the image pipeline, the
//! embedder, the sentiment classifier): freeing them when the next load needs their memory, and unloading
//! them when they sit idle. A model in use is never freed.
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use crate::commands::{assistant, images, related, sentiment};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Warm {
    Llm,
    Image,
}

/// Before loading a `kind` model that needs about `needed_mb`: frees other warm models, largest first,
/// when the system could not otherwise give that much. Returns what was freed, for the user to see.
pub fn make_room(needed_mb: u64, kind: Warm) -> Vec<String> {
    let mut warm: Vec<(Warm, u64)> = Vec::new();
    if kind != Warm::Llm {
        warm.extend(assistant::warm_mb().map(|mb| (Warm::Llm, mb)));
    }
    if kind != Warm::Image {
        warm.extend(images::warm_mb().map(|mb| (Warm::Image, mb)));
    }
    let sizes: Vec<u64> = warm.iter().map(|(_, mb)| *mb).collect();
    byline_models::memory::to_free(byline_models::available_ram_mb(), needed_mb, &sizes)
        .into_iter()
        .filter_map(|i| match warm[i].0 {
            Warm::Llm => assistant::unload_warm(),
            Warm::Image => images::unload_warm(),
        })
        .collect()
}

/// How long a model may sit unused before it is unloaded: long enough that a reporter moving between
/// paragraphs keeps it warm, short enough that an app left open all day gives its memory back.
pub const IDLE_UNLOAD: Duration = Duration::from_secs(10 * 60);

/// When a warm model was last used, for unloading it when it sits idle. A process-wide clock in whole
/// seconds, so statics can hold it without a lock.
pub struct LastUsed(AtomicU64);

fn seconds_since_start() -> u64 {
    static START: OnceLock<Instant> = OnceLock::new();
    START.get_or_init(Instant::now).elapsed().as_secs()
}

impl LastUsed {
    pub const fn new() -> Self {
        LastUsed(AtomicU64::new(0))
    }

    pub fn touch(&self) {
        self.0.store(seconds_since_start(), Ordering::Relaxed);
    }

    pub fn idle_for(&self) -> Duration {
        Duration::from_secs(seconds_since_start().saturating_sub(self.0.load(Ordering::Relaxed)))
    }
}

/// Takes the model out of `slot` when it has been idle for `idle` and nobody holds it (a model in use keeps
/// its lock, so it is never taken from under a running task).
pub fn take_if_idle<T>(slot: &Mutex<Option<T>>, used: &LastUsed, idle: Duration) -> Option<T> {
    if used.idle_for() < idle {
        return None;
    }
    slot.try_lock().ok()?.take()
}

/// Unloads every warm model idle for `idle` or longer; says what was freed.
pub fn unload_idle(idle: Duration) -> Vec<String> {
    [
        assistant::unload_if_idle(idle),
        images::unload_if_idle(idle),
        related::unload_if_idle(idle),
        sentiment::unload_if_idle(idle),
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// Checks once a minute for models left idle, for as long as the app runs.
pub fn start_idle_unloader() {
    let spawned = std::thread::Builder::new().name("byline-idle-unload".into()).spawn(|| {
        loop {
            std::thread::sleep(Duration::from_secs(60));
            unload_idle(IDLE_UNLOAD);
        }
    });
    // Without the thread, models stay warm until memory is needed: nothing is lost.
    drop(spawned);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_model_is_taken_only_when_idle_long_enough_and_not_in_use() {
        let slot = Mutex::new(Some(7));
        let used = LastUsed::new();
        used.touch();
        assert_eq!(take_if_idle(&slot, &used, Duration::from_secs(3600)), None, "used just now");
        let held = slot.lock().expect("lock");
        assert_eq!(take_if_idle(&slot, &used, Duration::ZERO), None, "in use");
        drop(held);
        assert_eq!(take_if_idle(&slot, &used, Duration::ZERO), Some(7));
        assert_eq!(take_if_idle(&slot, &used, Duration::ZERO), None, "already unloaded");
    }
}
