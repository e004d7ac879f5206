//! Crashes at any moment: each test here kills real work with SIGKILL, again and again at random points,
//! and checks after every kill that the data is intact and that nothing the work had reported as done was
//! lost: imports (`import`), an article being edited with autosave (`edits`), transcript edits
//! (`transcripts`), building the related-articles index (`index`) and a model download (`download`). The
//! recorder's hundred kills are in `byline-transcribe` (its crash child lives there).
//!
//! A kill waits on observed progress (acknowledgements the child prints after its work returned, rows in
//! the database, bytes on disk), then on a short random delay, so kills land anywhere in the work however
//! fast the machine is; no assertion depends on the clock.
mod download;
mod edits;
mod import;
mod index;
mod transcripts;

use std::ffi::OsStr;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant};

use rand::{Rng, SeedableRng};

/// Kills per scenario.
pub const ROUNDS: usize = 100;
const CHILD_ENV: &str = "BYLINE_CRASH_CHILD";
/// Only turns a child that never gets anywhere into a failure; far beyond what any machine needs.
const DEADLINE: Duration = Duration::from_secs(180);

/// A seeded generator, its seed printed so a failure can be replayed (`BYLINE_CRASH_SEED`).
pub fn rng(test: &str) -> rand::rngs::StdRng {
    let seed = std::env::var("BYLINE_CRASH_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or_else(|| {
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
        u64::from(std::process::id()) ^ now.as_nanos() as u64
    });
    eprintln!("{test}: BYLINE_CRASH_SEED={seed}");
    rand::rngs::StdRng::seed_from_u64(seed)
}

/// A random delay of up to `max_ms`, between seeing progress and the kill.
pub fn jitter(rng: &mut impl Rng, max_ms: u64) -> Duration {
    Duration::from_micros(rng.random_range(0..=max_ms * 1000))
}

/// A process doing work that is about to be killed. Lines it prints as `ACK <text>` are acknowledgements:
/// the child prints one only after the work it names has returned (a save committed, a file installed).
pub struct Worker {
    child: Child,
    lines: Receiver<String>,
    pub acks: Vec<String>,
}

impl Worker {
    /// Runs `crash_child` below in a fresh copy of this test binary, as `scenario`.
    pub fn child(scenario: &str, envs: &[(&str, &OsStr)]) -> Self {
        let mut cmd = Command::new(std::env::current_exe().expect("test binary"));
        cmd.args(["crash_child", "--exact", "--ignored", "--nocapture", "--test-threads=1"]).env(CHILD_ENV, scenario);
        for (k, v) in envs {
            cmd.env(k, v);
        }
        Self::spawn(cmd)
    }

    pub fn spawn(mut cmd: Command) -> Self {
        let mut child = cmd.stdout(Stdio::piped()).stderr(Stdio::null()).spawn().expect("start the child");
        let stdout = child.stdout.take().expect("piped stdout");
        let (tx, lines) = channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(ack) = line.strip_prefix("ACK ")
                    && tx.send(ack.to_string()).is_err()
                {
                    return;
                }
            }
        });
        Worker { child, lines, acks: Vec::new() }
    }

    /// Waits for `n` acknowledgements in all.
    pub fn wait_acks(&mut self, n: usize) {
        let deadline = Instant::now() + DEADLINE;
        while self.acks.len() < n {
            match self.lines.recv_timeout(Duration::from_millis(50)) {
                Ok(ack) => self.acks.push(ack),
                Err(RecvTimeoutError::Timeout) if Instant::now() < deadline => {}
                Err(_) => {
                    let _ = self.child.kill();
                    let status = self.child.wait().expect("reap");
                    panic!("the child stopped ({status}) or stalled after {} of {n} acknowledgements", self.acks.len());
                }
            }
        }
    }

    /// Polls `done` (progress seen from outside: rows, bytes) until it holds.
    pub fn wait_until(&mut self, what: &str, mut done: impl FnMut() -> bool) {
        let deadline = Instant::now() + DEADLINE;
        while !done() {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                panic!("the child ended ({status}) before {what}");
            }
            assert!(Instant::now() < deadline, "no {what} within {DEADLINE:?}");
            std::thread::sleep(Duration::from_millis(1));
        }
    }

    /// Waits `delay`, kills with SIGKILL (what `Child::kill` sends on Unix) and returns every acknowledgement
    /// the child printed before it died.
    pub fn kill(mut self, delay: Duration) -> Vec<String> {
        std::thread::sleep(delay);
        self.child.kill().expect("SIGKILL");
        self.child.wait().expect("reap");
        // The pipe ends with the process: whatever it printed before the kill is still in it.
        self.acks.extend(self.lines.iter());
        self.acks
    }

    /// Lets the child finish and returns its acknowledgements.
    pub fn finish(mut self) -> Vec<String> {
        let status = self.child.wait().expect("wait");
        assert!(status.success(), "the child failed: {status}");
        self.acks.extend(self.lines.iter());
        self.acks
    }
}

/// Runs only as the child of the tests above, doing the work named by its environment until killed.
#[test]
#[ignore = "child process of the crash tests"]
fn crash_child() {
    // libtest has printed `test crash_child ... ` without a line end: start the acknowledgements on a line of
    // their own.
    println!();
    match std::env::var(CHILD_ENV).as_deref() {
        Ok("edits") => edits::child(),
        Ok("transcripts") => transcripts::child(),
        Ok("download") => download::child(),
        _ => {}
    }
}

/// Reads an environment variable the parent set for the child.
pub fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| panic!("{name} is not set"))
}
