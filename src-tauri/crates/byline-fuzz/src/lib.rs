//! A small mutational fuzzer that runs on stable Rust, so parser fuzz targets are ordinary `#[test]`s.
//!
//! Each target replays its corpus, then feeds seeded mutations of it to the parser for a time budget. An input
//! fails when the parser panics, when it runs longer than the per-input limit (a hang: a worker thread runs the
//! parser while this thread waits with a timeout) or when the process's peak memory grows past a limit. The
//! failing input is saved under `target/fuzz-failures/<target>/<sha256>` and named in the error.
//!
//! Environment: `BYLINE_FUZZ_SECONDS` (budget per target, default 3), `BYLINE_FUZZ_SEED` (reproduces a run:
//! the sequence of inputs depends only on the seed and the corpus), `BYLINE_FUZZ_MEMORY_MB` (default 1536).
//!
//! ```no_run
//! let seeds = byline_fuzz::corpus(std::path::Path::new("fuzz/corpus/npy"));
//! byline_fuzz::check("npy", &seeds, std::time::Duration::from_secs(1), |bytes| {
//!     let _ = std::str::from_utf8(bytes);
//! });
//! ```

mod mutate;

use std::fmt;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::{Duration, Instant};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sha2::{Digest, Sha256};

pub use mutate::mutate;

const DEFAULT_SECONDS: f64 = 3.0;
const DEFAULT_MEMORY_MB: u64 = 1536;
const DEFAULT_MAX_LEN: usize = 64 * 1024;

/// One fuzzing run's settings. [`Fuzz::new`] reads them from the environment.
#[derive(Clone, Debug)]
pub struct Fuzz {
    pub target: String,
    /// How long to generate mutations after the corpus has been replayed.
    pub budget: Duration,
    /// An input that takes longer than this is a hang.
    pub per_input_limit: Duration,
    /// Growth of the process's peak resident memory (VmHWM) that counts as a failure.
    pub memory_limit: u64,
    /// Mutated inputs are cut to this length.
    pub max_len: usize,
    pub seed: u64,
}

/// What a run did.
#[derive(Clone, Debug)]
pub struct Stats {
    pub target: String,
    pub seed: u64,
    pub corpus: usize,
    pub executions: u64,
    pub elapsed: Duration,
    pub slowest: Duration,
    /// Growth of peak resident memory during the run, in bytes (0 where /proc is missing).
    pub peak_growth: u64,
}

impl fmt::Display for Stats {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let secs = self.elapsed.as_secs_f64();
        write!(
            f,
            "fuzz {}: {} inputs in {:.1} s ({:.0}/s), corpus {}, slowest {:.1} ms, peak memory +{} MB, seed {}",
            self.target,
            self.executions,
            secs,
            self.executions as f64 / secs.max(1e-9),
            self.corpus,
            self.slowest.as_secs_f64() * 1e3,
            self.peak_growth >> 20,
            self.seed
        )
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FailureKind {
    Panic(String),
    Hang(Duration),
    Memory(u64),
}

/// A failing input, saved to `path`.
#[derive(Clone, Debug)]
pub struct Failure {
    pub target: String,
    pub kind: FailureKind,
    pub path: PathBuf,
    pub seed: u64,
    pub executions: u64,
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match &self.kind {
            FailureKind::Panic(message) => format!("panicked: {message}"),
            FailureKind::Hang(limit) => format!("ran longer than {:.0} ms (a hang)", limit.as_secs_f64() * 1e3),
            FailureKind::Memory(growth) => format!("grew peak memory by {} MB", growth >> 20),
        };
        write!(
            f,
            "fuzz {}: input {} {what}; saved to {} (after {} inputs; BYLINE_FUZZ_SEED={} repeats the run)",
            self.target,
            self.executions,
            self.path.display(),
            self.executions,
            self.seed
        )
    }
}

impl std::error::Error for Failure {}

impl Fuzz {
    /// Settings from `BYLINE_FUZZ_SECONDS`, `BYLINE_FUZZ_SEED` and `BYLINE_FUZZ_MEMORY_MB`.
    pub fn new(target: &str, per_input_limit: Duration) -> Self {
        let env = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        let seconds = env("BYLINE_FUZZ_SECONDS").and_then(|s| s.trim().parse::<f64>().ok()).unwrap_or(DEFAULT_SECONDS);
        let seed = env("BYLINE_FUZZ_SEED").and_then(|s| s.trim().parse().ok()).unwrap_or_else(|| {
            let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
            now.as_nanos() as u64 ^ u64::from(std::process::id())
        });
        let memory_mb = env("BYLINE_FUZZ_MEMORY_MB").and_then(|s| s.trim().parse().ok()).unwrap_or(DEFAULT_MEMORY_MB);
        Fuzz {
            target: target.to_owned(),
            budget: Duration::from_secs_f64(seconds.max(0.0)),
            per_input_limit,
            memory_limit: memory_mb << 20,
            max_len: DEFAULT_MAX_LEN,
            seed,
        }
    }

    /// Replays `seeds`, then mutates them until the budget is spent. `f` runs on a worker thread; after a
    /// hang that thread is abandoned (it cannot be stopped), which is why `f` must be `'static`.
    pub fn run<F>(&self, seeds: &[Vec<u8>], f: F) -> Result<Stats, Failure>
    where
        F: FnMut(&[u8]) + Send + 'static,
    {
        eprintln!("fuzz {}: seed {} (BYLINE_FUZZ_SEED reproduces), corpus {}", self.target, self.seed, seeds.len());
        let (to_worker, inputs) = mpsc::channel::<Vec<u8>>();
        let (to_main, results) = mpsc::channel::<(Vec<u8>, Result<Duration, String>)>();
        let mut f = f;
        std::thread::Builder::new()
            .name(format!("fuzz-{}", self.target))
            .spawn(move || {
                for input in inputs {
                    let start = Instant::now();
                    // After a panic the run stops, so state the closure may have left half-updated is never
                    // used again: asserting unwind safety is sound here.
                    let outcome = catch_unwind(AssertUnwindSafe(|| f(&input)))
                        .map(|()| start.elapsed())
                        .map_err(|payload| panic_message(payload.as_ref()));
                    if to_main.send((input, outcome)).is_err() {
                        return;
                    }
                }
            })
            .map_err(|e| self.failure(FailureKind::Panic(format!("cannot start the worker thread: {e}")), &[], 0))?;

        let start = Instant::now();
        let base_hwm = memory().map_or(0, |m| m.hwm);
        let mut stats = Stats {
            target: self.target.clone(),
            seed: self.seed,
            corpus: seeds.len(),
            executions: 0,
            elapsed: Duration::ZERO,
            slowest: Duration::ZERO,
            peak_growth: 0,
        };
        let mut rng = StdRng::seed_from_u64(self.seed);
        let empty = Vec::new();
        let mut previous: Vec<u8> = Vec::new();
        let mut replay = seeds.iter();
        loop {
            let input = if let Some(seed) = replay.next() {
                seed.clone()
            } else {
                if start.elapsed() >= self.budget {
                    break;
                }
                let pick =
                    |rng: &mut StdRng| if seeds.is_empty() { &empty } else { &seeds[rng.random_range(0..seeds.len())] };
                let mut data =
                    if rng.random_bool(0.25) && !previous.is_empty() { previous } else { pick(&mut rng).clone() };
                let other = pick(&mut rng);
                mutate(&mut rng, &mut data, other, self.max_len);
                data
            };
            stats.executions += 1;
            // Keep a copy: on a hang the worker still holds the input.
            let kept = input.clone();
            if to_worker.send(input).is_err() {
                return Err(self.failure(FailureKind::Panic("the worker thread died".into()), &kept, stats.executions));
            }
            let (input, took) = match results.recv_timeout(self.per_input_limit) {
                Ok((input, Ok(took))) => (input, took),
                Ok((input, Err(message))) => {
                    return Err(self.failure(FailureKind::Panic(message), &input, stats.executions));
                }
                Err(RecvTimeoutError::Timeout) => {
                    return Err(self.failure(FailureKind::Hang(self.per_input_limit), &kept, stats.executions));
                }
                Err(RecvTimeoutError::Disconnected) => {
                    let kind = FailureKind::Panic("the worker thread died".into());
                    return Err(self.failure(kind, &kept, stats.executions));
                }
            };
            // The worker answers before the limit but may have been slow in a way the timeout missed by a hair.
            if took > self.per_input_limit {
                return Err(self.failure(FailureKind::Hang(self.per_input_limit), &input, stats.executions));
            }
            stats.slowest = stats.slowest.max(took);
            if let Some(m) = memory() {
                let growth = m.hwm.saturating_sub(base_hwm);
                stats.peak_growth = growth;
                if growth > self.memory_limit {
                    return Err(self.failure(FailureKind::Memory(growth), &input, stats.executions));
                }
            }
            previous = input;
        }
        stats.elapsed = start.elapsed();
        eprintln!("{stats}");
        Ok(stats)
    }

    fn failure(&self, kind: FailureKind, input: &[u8], executions: u64) -> Failure {
        let name = hex::encode(Sha256::digest(input));
        let dir = failures_dir().join(&self.target);
        let path = dir.join(&name[..16]);
        if let Err(e) = std::fs::create_dir_all(&dir).and_then(|()| std::fs::write(&path, input)) {
            eprintln!("fuzz {}: could not save the failing input to {}: {e}", self.target, path.display());
        }
        Failure { target: self.target.clone(), kind, path, seed: self.seed, executions }
    }
}

/// Runs `f` under [`Fuzz::new`]'s settings; see [`Fuzz::run`].
pub fn fuzz<F>(
    target: &str,
    seeds: &[Vec<u8>],
    budget: Duration,
    per_input_limit: Duration,
    f: F,
) -> Result<Stats, Failure>
where
    F: FnMut(&[u8]) + Send + 'static,
{
    let mut settings = Fuzz::new(target, per_input_limit);
    settings.budget = budget;
    settings.run(seeds, f)
}

/// For `#[test]` targets: runs with the environment's settings and panics with the failure, naming the saved
/// input.
pub fn check<F>(target: &str, seeds: &[Vec<u8>], per_input_limit: Duration, f: F) -> Stats
where
    F: FnMut(&[u8]) + Send + 'static,
{
    match Fuzz::new(target, per_input_limit).run(seeds, f) {
        Ok(stats) => stats,
        Err(failure) => panic!("{failure}"),
    }
}

/// Every file in a corpus folder, in name order; an absent folder is an empty corpus.
pub fn corpus(dir: &Path) -> Vec<Vec<u8>> {
    let Ok(entries) = std::fs::read_dir(dir) else { return Vec::new() };
    let mut paths: Vec<PathBuf> = entries.flatten().map(|e| e.path()).filter(|p| p.is_file()).collect();
    paths.sort();
    paths.iter().filter_map(|p| std::fs::read(p).ok()).collect()
}

/// `target/fuzz-failures`, honouring `CARGO_TARGET_DIR`.
pub fn failures_dir() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).ancestors().nth(3).map(Path::to_path_buf).unwrap_or_default();
    let target = std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), |t| root.join(t));
    target.join("fuzz-failures")
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic with a non-text payload".into())
}

struct Memory {
    hwm: u64,
}

/// The process's peak resident memory from /proc/self/status (Linux only).
fn memory() -> Option<Memory> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let kb = |key: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(key))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
    };
    Some(Memory { hwm: kb("VmHWM:")? * 1024 })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(target: &str, seconds: f64) -> Fuzz {
        let mut s = Fuzz::new(target, Duration::from_millis(200));
        s.budget = Duration::from_secs_f64(seconds);
        s.seed = 42;
        s
    }

    #[test]
    fn a_quiet_target_runs_its_budget() {
        let stats =
            settings("selftest-quiet", 0.2).run(&[b"abc".to_vec()], |b| assert!(b.len() <= 64 * 1024)).expect("ok");
        assert!(stats.executions > 100, "{stats}");
    }

    #[test]
    fn a_panic_is_caught_and_its_input_saved() {
        let failure = settings("selftest-panic", 5.0)
            .run(&[b"GGUF".to_vec()], |b| {
                if b.contains(&b'!') {
                    panic!("found a bang");
                }
            })
            .expect_err("should fail");
        assert_eq!(failure.kind, FailureKind::Panic("found a bang".into()));
        let saved = std::fs::read(&failure.path).expect("saved");
        assert!(saved.contains(&b'!'));
    }

    #[test]
    fn a_hang_is_a_failure() {
        let failure = settings("selftest-hang", 5.0)
            .run(&[b"ok".to_vec()], |b| {
                if b.len() > 4 {
                    std::thread::sleep(Duration::from_secs(3600));
                }
            })
            .expect_err("should hang");
        assert!(matches!(failure.kind, FailureKind::Hang(_)), "{failure}");
        assert!(std::fs::read(&failure.path).expect("saved").len() > 4);
    }

    #[test]
    fn memory_growth_is_a_failure() {
        if memory().is_none() {
            return;
        }
        let mut s = settings("selftest-memory", 5.0);
        s.memory_limit = 64 << 20;
        let mut hoard: Vec<Vec<u8>> = Vec::new();
        let failure = s
            .run(&[b"x".to_vec()], move |_| hoard.push(vec![1u8; 8 << 20]))
            .expect_err("should run out of memory budget");
        assert!(matches!(failure.kind, FailureKind::Memory(_)), "{failure}");
    }

    #[test]
    fn the_same_seed_gives_the_same_inputs() {
        let inputs = |seed| {
            let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
            let sink = seen.clone();
            let mut s = settings("selftest-seed", 5.0);
            s.seed = seed;
            let _ = s.run(&[b"seed input".to_vec(), b"another".to_vec()], move |b| {
                let n = {
                    let mut seen = sink.lock().expect("lock");
                    seen.push(b.to_vec());
                    seen.len()
                };
                assert!(n < 500, "enough");
            });
            seen.lock().expect("lock").clone()
        };
        assert_eq!(inputs(9), inputs(9));
        assert_ne!(inputs(9), inputs(10));
    }
}
