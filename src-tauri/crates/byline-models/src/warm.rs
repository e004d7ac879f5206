//! Models a long-running program (the desktop app) keeps loaded between requests: one registry for every
//! kind of model, so that loading one frees others when memory is short, models left idle are unloaded,
//! and a change of device or thread count reloads them. A model in use is never freed: using a model holds
//! its slot's lock, and eviction only ever tries the lock.
//!
//! ```
//! use byline_models::warm::{Wanted, WarmModels};
//! let warm = WarmModels::new();
//! let numbers = warm.slot::<Vec<u32>>("number table");
//! let wanted = Wanted { key: "squares|cpu".into(), label: "the number table squares".into(), mb: 1 };
//! let sum = numbers.with(&warm, &wanted, |_freed| Ok((0..10).map(|i| i * i).collect()), |t| Ok(t.iter().sum::<u32>()));
//! assert_eq!(sum.unwrap(), 285);
//! ```

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, TryLockError};
use std::time::{Duration, Instant};

use byline_core::Result;

/// How long a model may sit unused before it is unloaded: long enough that a reporter moving between
/// paragraphs keeps it warm, short enough that an app left open all day gives its memory back.
pub const IDLE_UNLOAD: Duration = Duration::from_secs(10 * 60);

/// Which model a request wants, as the registry compares and reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Wanted {
    /// Everything that makes a loaded model reusable: its id or path, the device and the thread count.
    /// A warm model with another key is replaced.
    pub key: String,
    /// How people call it ("the language model qwen2.5-1.5b"), for notes such as "freed … to make room".
    pub label: String,
    /// Memory it takes once loaded, in MiB (an estimate: weights plus working memory).
    pub mb: u64,
}

/// What the registry knows of one warm model.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, ts_rs::TS)]
pub struct WarmInfo {
    pub kind: &'static str,
    pub label: String,
    pub mb: u64,
    /// Whole seconds since it was last used.
    pub idle_seconds: u64,
    /// A request is using it now (it cannot be freed).
    pub in_use: bool,
}

struct Loaded<T> {
    wanted: Wanted,
    model: T,
}

/// One kind of model: at most one loaded at a time.
pub struct Slot<T> {
    kind: &'static str,
    loaded: Mutex<Option<Loaded<T>>>,
    /// Milliseconds since [`epoch`] at the last use (start and end of every request).
    last_used: AtomicU64,
}

fn epoch() -> Instant {
    static START: OnceLock<Instant> = OnceLock::new();
    *START.get_or_init(Instant::now)
}

fn now_ms() -> u64 {
    u64::try_from(epoch().elapsed().as_millis()).unwrap_or(u64::MAX)
}

/// What the registry does with a slot whatever model it holds.
trait Evict: Send + Sync {
    /// `(label, MiB)` when a model is loaded and nobody uses it.
    fn idle_model(&self) -> Option<(String, u64)>;
    /// Frees the model unless it is in use, and when it has been idle at least `idle`; says what was freed.
    fn evict(&self, idle: Duration) -> Option<String>;
    fn info(&self) -> Option<WarmInfo>;
    fn same(&self, other: *const ()) -> bool;
}

impl<T> Slot<T> {
    fn lock(&self) -> MutexGuard<'_, Option<Loaded<T>>> {
        // A request that panicked may have left its model half-used: drop it, the next request reloads.
        self.loaded.lock().unwrap_or_else(|poisoned| {
            let mut guard = poisoned.into_inner();
            *guard = None;
            self.loaded.clear_poison();
            guard
        })
    }

    fn try_lock(&self) -> Option<MutexGuard<'_, Option<Loaded<T>>>> {
        match self.loaded.try_lock() {
            Ok(guard) => Some(guard),
            Err(TryLockError::Poisoned(_)) => Some(self.lock()),
            Err(TryLockError::WouldBlock) => None,
        }
    }

    fn touch(&self) {
        self.last_used.store(now_ms(), Ordering::Relaxed);
    }

    fn idle(&self) -> Duration {
        Duration::from_millis(now_ms().saturating_sub(self.last_used.load(Ordering::Relaxed)))
    }

    /// Runs `work` with the model `wanted` names, loading it first when the slot holds another one or none.
    /// Before loading, the old model is dropped and other idle models are freed if the new one would not
    /// fit in memory otherwise; `load` gets the labels of what was freed, to tell the user. Requests for the
    /// same kind of model run one after the other.
    pub fn with<R>(
        &self,
        registry: &WarmModels,
        wanted: &Wanted,
        load: impl FnOnce(&[String]) -> Result<T>,
        work: impl FnOnce(&mut T) -> Result<R>,
    ) -> Result<R>
    where
        T: Send + 'static,
    {
        let mut guard = self.lock();
        self.touch();
        if guard.as_ref().is_none_or(|l| l.wanted.key != wanted.key) {
            // Free the old model before loading the next.
            if let Some(old) = guard.take() {
                tracing::info!("unloading {} to load {}", old.wanted.label, wanted.label);
            }
            let freed = registry.make_room(wanted.mb, self as *const Self as *const ());
            if !freed.is_empty() {
                tracing::info!(?freed, "freed to make room for {} ({} MiB)", wanted.label, wanted.mb);
            }
            let started = Instant::now();
            let model =
                load(&freed).inspect_err(|e| tracing::warn!(code = e.code(), "loading {}: {e}", wanted.label))?;
            tracing::info!(ms = started.elapsed().as_millis(), "loaded {} ({})", wanted.label, wanted.key);
            *guard = Some(Loaded { wanted: wanted.clone(), model });
        }
        let Some(loaded) = guard.as_mut() else { unreachable!("loaded just above") };
        let result = work(&mut loaded.model);
        // Idle time counts from the end of the work (indexing or a long generation takes minutes).
        self.touch();
        result
    }

    /// The key of the loaded model, if any (waits for a request using it to finish).
    pub fn loaded_key(&self) -> Option<String> {
        self.lock().as_ref().map(|l| l.wanted.key.clone())
    }
}

impl<T: Send + 'static> Slot<T> {
    /// Frees the model now unless a request is using it; says what was freed.
    pub fn unload(&self) -> Option<String> {
        self.evict(Duration::ZERO)
    }
}

impl<T: Send + 'static> Evict for Slot<T> {
    fn idle_model(&self) -> Option<(String, u64)> {
        let guard = self.try_lock()?;
        guard.as_ref().map(|l| (l.wanted.label.clone(), l.wanted.mb))
    }

    fn evict(&self, idle: Duration) -> Option<String> {
        if self.idle() < idle {
            return None;
        }
        let mut guard = self.try_lock()?;
        guard.take().map(|l| l.wanted.label)
    }

    fn info(&self) -> Option<WarmInfo> {
        let (label, mb, in_use) = match self.loaded.try_lock() {
            Ok(guard) => guard.as_ref().map(|l| (l.wanted.label.clone(), l.wanted.mb, false))?,
            Err(TryLockError::Poisoned(_)) => return None,
            // In use: the slot cannot be read without waiting; say so without the details.
            Err(TryLockError::WouldBlock) => (String::new(), 0, true),
        };
        Some(WarmInfo {
            kind: self.kind,
            label,
            mb,
            idle_seconds: if in_use { 0 } else { self.idle().as_secs() },
            in_use,
        })
    }

    fn same(&self, other: *const ()) -> bool {
        std::ptr::eq(self as *const Self as *const (), other)
    }
}

/// Every warm model of the program.
pub struct WarmModels {
    slots: Mutex<Vec<Arc<dyn Evict>>>,
    available_mb: fn() -> Option<u64>,
}

impl Default for WarmModels {
    fn default() -> Self {
        Self::new()
    }
}

impl WarmModels {
    /// A registry that measures free memory with [`crate::available_ram_mb`].
    pub fn new() -> Self {
        Self::with_memory(crate::available_ram_mb)
    }

    /// A registry with its own measure of free memory (tests).
    pub fn with_memory(available_mb: fn() -> Option<u64>) -> Self {
        Self { slots: Mutex::new(Vec::new()), available_mb }
    }

    /// A new slot for one kind of model ("language model", "image model"…).
    pub fn slot<T: Send + 'static>(&self, kind: &'static str) -> Arc<Slot<T>> {
        let slot = Arc::new(Slot { kind, loaded: Mutex::new(None), last_used: AtomicU64::new(now_ms()) });
        self.slots.lock().unwrap_or_else(|p| p.into_inner()).push(slot.clone());
        slot
    }

    fn all(&self) -> Vec<Arc<dyn Evict>> {
        self.slots.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Frees idle models other than `except`, largest first, until `needed_mb` fits in the memory the
    /// system can give (see [`crate::memory::to_free`]); says what was freed.
    fn make_room(&self, needed_mb: u64, except: *const ()) -> Vec<String> {
        let others: Vec<Arc<dyn Evict>> = self.all().into_iter().filter(|s| !s.same(except)).collect();
        let idle: Vec<(usize, u64)> =
            others.iter().enumerate().filter_map(|(i, s)| s.idle_model().map(|(_, mb)| (i, mb))).collect();
        let sizes: Vec<u64> = idle.iter().map(|(_, mb)| *mb).collect();
        crate::memory::to_free((self.available_mb)(), needed_mb, &sizes)
            .into_iter()
            .filter_map(|i| others[idle[i].0].evict(Duration::ZERO))
            .collect()
    }

    /// Unloads every model idle for `idle` or longer; says what was freed.
    pub fn unload_idle(&self, idle: Duration) -> Vec<String> {
        let freed: Vec<String> = self.all().iter().filter_map(|s| s.evict(idle)).collect();
        if !freed.is_empty() {
            tracing::info!(?freed, idle_s = idle.as_secs(), "unloaded models idle that long");
        }
        freed
    }

    /// Unloads every model not in use (the device setting changed, or the user asked); a model in use is
    /// replaced on its next request, because its key names the old device.
    pub fn unload_all(&self) -> Vec<String> {
        self.unload_idle(Duration::ZERO)
    }

    /// The loaded models.
    pub fn loaded(&self) -> Vec<WarmInfo> {
        self.all().iter().filter_map(|s| s.info()).collect()
    }

    /// Checks once a minute, on a thread of its own, for models idle longer than [`IDLE_UNLOAD`].
    pub fn start_idle_unloader(self: &Arc<Self>) {
        let registry = Arc::downgrade(self);
        let spawned = std::thread::Builder::new().name("byline-idle-unload".into()).spawn(move || {
            loop {
                std::thread::sleep(Duration::from_secs(60));
                match registry.upgrade() {
                    Some(r) => drop(r.unload_idle(IDLE_UNLOAD)),
                    None => break,
                }
            }
        });
        // Without the thread, models stay warm until memory is needed: nothing is lost.
        drop(spawned);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use byline_core::Error;

    fn wanted(key: &str, mb: u64) -> Wanted {
        Wanted { key: key.into(), label: format!("model {key}"), mb }
    }

    /// A model that counts how often it was loaded and dropped.
    struct Model {
        drops: Arc<AtomicU64>,
    }

    impl Drop for Model {
        fn drop(&mut self) {
            self.drops.fetch_add(1, Ordering::SeqCst);
        }
    }

    #[test]
    fn a_model_is_loaded_once_and_replaced_when_the_key_changes() {
        let warm = WarmModels::with_memory(|| None);
        let slot = warm.slot::<Model>("test model");
        let (loads, drops) = (AtomicU64::new(0), Arc::new(AtomicU64::new(0)));
        let load = |_: &[String]| {
            loads.fetch_add(1, Ordering::SeqCst);
            Ok(Model { drops: drops.clone() })
        };
        for _ in 0..3 {
            slot.with(&warm, &wanted("a|cpu|2", 10), load, |_| Ok(())).expect("use");
        }
        assert_eq!((loads.load(Ordering::SeqCst), drops.load(Ordering::SeqCst)), (1, 0));
        // Another thread count (the settings changed): the old model goes before the new one loads.
        slot.with(&warm, &wanted("a|cpu|1", 10), load, |_| Ok(())).expect("use");
        assert_eq!((loads.load(Ordering::SeqCst), drops.load(Ordering::SeqCst)), (2, 1));
        assert_eq!(slot.loaded_key().as_deref(), Some("a|cpu|1"));
        // A load that fails leaves the slot empty and says why.
        let err = slot.with(&warm, &wanted("b", 10), |_| Err(Error::Unavailable("no such model".into())), |_| Ok(()));
        assert!(matches!(err, Err(Error::Unavailable(_))));
        assert_eq!(slot.loaded_key(), None);
        assert_eq!(drops.load(Ordering::SeqCst), 2);
    }

    #[test]
    fn loading_frees_the_largest_idle_models_when_memory_is_short() {
        static FREE_MB: AtomicU64 = AtomicU64::new(100_000);
        let warm = WarmModels::with_memory(|| Some(FREE_MB.load(Ordering::SeqCst)));
        let slots = [warm.slot::<u8>("small"), warm.slot::<u8>("big"), warm.slot::<u8>("bigger")];
        for (slot, (key, mb)) in slots.iter().zip([("s", 100), ("b", 600), ("B", 900)]) {
            slot.with(&warm, &wanted(key, mb), |freed| Ok(freed.len() as u8), |_| Ok(())).expect("load");
        }
        assert_eq!(warm.loaded().len(), 3, "plenty of memory: nothing was freed");
        // 1,000 MiB free: a 1,500 MiB model (plus the headroom) needs the two largest gone.
        FREE_MB.store(1000, Ordering::SeqCst);
        let target = warm.slot::<u8>("target");
        let mut seen = Vec::new();
        let load = |freed: &[String]| {
            seen = freed.to_vec();
            Ok(1)
        };
        target.with(&warm, &wanted("t", 1500), load, |_| Ok(())).expect("target");
        assert_eq!(seen, ["model B", "model b"], "largest first, until it fits");
        assert_eq!(slots[0].loaded_key().as_deref(), Some("s"));
        assert_eq!(warm.loaded().iter().map(|i| i.kind).collect::<Vec<_>>(), ["small", "target"]);
    }

    #[test]
    fn a_model_in_use_is_never_freed() {
        let warm = Arc::new(WarmModels::with_memory(|| Some(0)));
        let busy = warm.slot::<u8>("busy");
        let other = warm.slot::<u8>("other");
        let (started_tx, started_rx) = std::sync::mpsc::channel();
        let (finish_tx, finish_rx) = std::sync::mpsc::channel::<()>();
        std::thread::scope(|s| {
            let (warm2, busy2) = (warm.clone(), busy.clone());
            s.spawn(move || {
                busy2
                    .with(
                        &warm2,
                        &wanted("x", 500),
                        |_| Ok(1),
                        |_| {
                            started_tx.send(()).expect("send");
                            finish_rx.recv().expect("recv");
                            Ok(())
                        },
                    )
                    .expect("busy");
            });
            started_rx.recv().expect("started");
            // No memory at all: everything idle would be freed, but the busy model is in use.
            let mut freed = vec!["sentinel".to_string()];
            other
                .with(
                    &warm,
                    &wanted("y", 100),
                    |f| {
                        freed = f.to_vec();
                        Ok(1)
                    },
                    |_| Ok(()),
                )
                .expect("other");
            assert!(freed.is_empty(), "{freed:?}");
            assert!(warm.unload_all().contains(&"model y".to_string()));
            let infos = warm.loaded();
            assert_eq!(infos.len(), 1);
            assert!(infos[0].in_use && infos[0].kind == "busy");
            finish_tx.send(()).expect("finish");
        });
        assert_eq!(warm.unload_all(), ["model x"]);
        assert!(warm.loaded().is_empty());
    }

    #[test]
    fn only_models_idle_long_enough_are_unloaded() {
        let warm = WarmModels::with_memory(|| None);
        let slot = warm.slot::<u8>("m");
        slot.with(&warm, &wanted("k", 1), |_| Ok(1), |_| Ok(())).expect("use");
        assert!(warm.unload_idle(Duration::from_secs(3600)).is_empty(), "used just now");
        std::thread::sleep(Duration::from_millis(30));
        assert_eq!(warm.unload_idle(Duration::from_millis(20)), ["model k"]);
        assert!(warm.unload_idle(Duration::ZERO).is_empty(), "already unloaded");
    }

    #[test]
    fn a_request_that_panics_leaves_an_empty_slot_not_a_broken_one() {
        let warm = WarmModels::with_memory(|| None);
        let slot = warm.slot::<u8>("m");
        let panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            slot.with(&warm, &wanted("k", 1), |_| Ok(1), |_| -> Result<()> { panic!("inference failed") })
        }));
        assert!(panicked.is_err());
        assert_eq!(slot.loaded_key(), None);
        assert_eq!(slot.with(&warm, &wanted("k", 1), |_| Ok(7), |m| Ok(*m)).expect("reload"), 7);
    }
}
