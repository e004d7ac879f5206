//! `cargo xtask test --stress N [--busy]`: the tests that involve time (killing a process mid-write,
//! cancelling work in progress, real-time audio) run N times each, and with `--busy` N times more while
//! every core is kept busy by a spinning thread of our own. A test that passes only on a quiet machine
//! shows up here instead of in CI.
//!
//! The test binaries are built by one `cargo test --workspace --no-run` (without the app and the end-to-end
//! crate, which need the built UI and a display) and then run directly, one test at a time, from their
//! package's folder as cargo would.
use std::collections::HashMap;
use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::{Context, Result, bail};

enum Target {
    Lib,
    Test(&'static str),
}

/// One timing-sensitive test: its package, test binary and full name.
struct Timed {
    package: &'static str,
    target: Target,
    name: &'static str,
    needs_models: bool,
}

const fn timed(package: &'static str, target: Target, name: &'static str, needs_models: bool) -> Timed {
    Timed { package, target, name, needs_models }
}

/// The fixed list. Each either waits for observed progress or compares a cancel with the work it interrupts;
/// keep it that way, and add any new test that kills, cancels or plays audio in real time.
const TIMED: &[Timed] = &[
    // SIGKILL during an import (kills on observed progress).
    timed("byline-cli", Target::Test("crash"), "import::sigkill_during_import_leaves_complete_articles", false),
    timed(
        "byline-cli",
        Target::Test("crash"),
        "import::sigkill_during_a_container_import_keeps_the_committed_batches",
        false,
    ),
    // A hundred SIGKILLs each during autosaves, transcript edits, a download and indexing.
    timed("byline-cli", Target::Test("crash"), "edits::a_hundred_kills_during_autosaves_lose_no_saved_edit", false),
    timed(
        "byline-cli",
        Target::Test("crash"),
        "transcripts::a_hundred_kills_during_transcript_edits_lose_no_saved_edit",
        false,
    ),
    timed(
        "byline-cli",
        Target::Test("crash"),
        "download::a_hundred_kills_during_a_download_never_install_a_broken_file",
        false,
    ),
    timed(
        "byline-cli",
        Target::Test("crash"),
        "index::a_hundred_kills_while_indexing_leave_whole_articles_and_the_same_index",
        true,
    ),
    // SIGKILL during a recording, and pause/resume of a running one.
    timed(
        "byline-transcribe",
        Target::Lib,
        "record::tests::a_killed_recorder_leaves_a_file_that_recover_repairs",
        false,
    ),
    timed(
        "byline-transcribe",
        Target::Lib,
        "record::tests::a_hundred_kills_of_the_recorder_lose_nothing_that_was_synced",
        false,
    ),
    timed("byline-transcribe", Target::Lib, "record::tests::pause_drops_audio_and_the_level_follows_the_signal", false),
    // Cancels: a dribbling download, neural speech between steps.
    timed("byline-models", Target::Lib, "download::tests::cancel_stops_a_slow_download_promptly_and_cleans_up", false),
    timed("byline-speech", Target::Test("neural"), "cancel_stops_generation_between_steps", false),
    // Stop during a 2,000-token prompt must return within 200 ms (or a few layer steps on a loaded machine).
    timed("byline-draft", Target::Lib, "fast_tests::stop_during_a_long_prompt_returns_within_200_ms", false),
    // A save that must wait for another connection's write lock.
    timed("byline-library", Target::Test("library"), "a_save_waits_for_a_writer_instead_of_failing", false),
    // Real-time audio through the PulseAudio null sink.
    timed("byline-cli", Target::Test("microphone"), "seconds_counts_recorded_audio", false),
    // The same kinds of test on the real models.
    timed("byline-transcribe", Target::Lib, "real_model_tests::cancel_stops_the_chunk_in_progress", true),
    timed("byline-transcribe", Target::Lib, "real_model_tests::a_killed_recording_is_repaired_and_transcribed", true),
    timed("byline-cli", Target::Test("microphone"), "a_recording_from_the_default_input_is_transcribed", true),
    // Live text while recording: Whisper passes on a growing take, next to the real-time recorder.
    timed("byline-cli", Target::Test("microphone"), "live_text_appears_while_recording", true),
];

/// Keeps every core busy until dropped.
struct Load {
    stop: Arc<AtomicBool>,
    threads: Vec<std::thread::JoinHandle<()>>,
}

impl Load {
    fn start() -> Self {
        let cores = std::thread::available_parallelism().map(usize::from).unwrap_or(2);
        let stop = Arc::new(AtomicBool::new(false));
        let threads = (0..cores)
            .map(|_| {
                let stop = Arc::clone(&stop);
                std::thread::spawn(move || {
                    let mut x = 0u64;
                    while !stop.load(Ordering::Relaxed) {
                        x = std::hint::black_box(x.wrapping_mul(6364136223846793005).wrapping_add(1));
                    }
                })
            })
            .collect();
        eprintln!("xtask: {cores} busy thread(s) load every core");
        Self { stop, threads }
    }
}

impl Drop for Load {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

/// A test binary built by `cargo test --no-run`.
struct Binary {
    exe: PathBuf,
    dir: PathBuf,
}

/// Builds the workspace's tests once and maps (package, "lib" or test name) to their binaries.
fn build(root: &Path, cargo: &str) -> Result<HashMap<(String, String), Binary>> {
    // As `cargo xtask test --no-e2e`, less the app (it needs the built UI, and none of these tests is in it).
    let args = [
        "test",
        "--workspace",
        "--exclude",
        "byline-e2e",
        "--exclude",
        "byline-app",
        "--no-fail-fast",
        "--no-run",
        "--message-format=json-render-diagnostics",
    ];
    eprintln!("\x1b[1m$ {cargo} {}\x1b[0m", args.join(" "));
    let mut child = Command::new(cargo)
        .args(args)
        .current_dir(root)
        .stdout(Stdio::piped())
        .spawn()
        .with_context(|| format!("starting {cargo}"))?;
    let mut binaries = HashMap::new();
    let stdout = child.stdout.take().context("cargo's output")?;
    for line in std::io::BufReader::new(stdout).lines() {
        let msg: serde_json::Value = match serde_json::from_str(&line?) {
            Ok(v) => v,
            Err(_) => continue,
        };
        let (Some(exe), Some(manifest), Some(id)) =
            (msg["executable"].as_str(), msg["manifest_path"].as_str(), msg["package_id"].as_str())
        else {
            continue;
        };
        if msg["reason"] != "compiler-artifact" || msg["profile"]["test"] != true {
            continue;
        }
        let kinds: Vec<&str> =
            msg["target"]["kind"].as_array().into_iter().flatten().filter_map(|k| k.as_str()).collect();
        let target = if kinds.contains(&"lib") {
            "lib".to_owned()
        } else {
            msg["target"]["name"].as_str().unwrap_or("").to_owned()
        };
        let dir = Path::new(manifest).parent().map(Path::to_path_buf).unwrap_or_default();
        binaries.insert((package_name(id, &dir), target), Binary { exe: exe.into(), dir });
    }
    let status = child.wait()?;
    if !status.success() {
        // `--no-fail-fast` keeps building past a broken crate: the tests listed here may still have been built.
        eprintln!("xtask: building the tests failed ({status}); running those that were built");
    }
    Ok(binaries)
}

/// `path+file:///…/byline-cli#0.1.0` or `path+file:///…/crates/x#byline-x@0.1.0` → the package name.
fn package_name(id: &str, dir: &Path) -> String {
    match id.rsplit_once('#') {
        Some((_, tail)) if tail.contains('@') => tail.split('@').next().unwrap_or_default().to_owned(),
        _ => dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(),
    }
}

/// The test model cache, when there is one: `BYLINE_TEST_MODELS`, or `models/cache` as `fetch-models` leaves it.
fn models(root: &Path) -> Option<PathBuf> {
    let dir = std::env::var_os(crate::models::ENV).map(PathBuf::from).unwrap_or_else(|| root.join("models/cache"));
    dir.join("home/models").is_dir().then_some(dir)
}

#[derive(Default, Clone, Copy)]
struct Count {
    passed: u32,
    failed: u32,
}

pub fn run(runs: u32, busy: bool) -> Result<()> {
    let root = crate::root();
    let binaries = build(&root, &crate::cargo())?;
    let models = models(&root);
    if models.is_none() {
        eprintln!("xtask: no test models (cargo xtask fetch-models): the tests that need them are skipped");
    }
    let tests: Vec<&Timed> = TIMED.iter().filter(|t| !t.needs_models || models.is_some()).collect();
    let logs = crate::target_dir(&root).join("stress");
    std::fs::create_dir_all(&logs)?;
    let mut idle = vec![Count::default(); tests.len()];
    let mut loaded = vec![Count::default(); tests.len()];
    for (mode, counts) in [("idle", &mut idle), ("busy", &mut loaded)] {
        if mode == "busy" && !busy {
            continue;
        }
        let _load = (mode == "busy").then(Load::start);
        for round in 1..=runs {
            for (test, count) in tests.iter().zip(counts.iter_mut()) {
                let target = match test.target {
                    Target::Lib => "lib",
                    Target::Test(name) => name,
                };
                let Some(bin) = binaries.get(&(test.package.to_owned(), target.to_owned())) else {
                    count.failed += 1;
                    eprintln!("xtask: {} FAILED: its test binary ({} {target}) was not built", test.name, test.package);
                    continue;
                };
                let mut cmd = Command::new(&bin.exe);
                cmd.args(["--exact", test.name, "--include-ignored", "--test-threads=1"]).current_dir(&bin.dir);
                if let Some(models) = &models {
                    cmd.env(crate::models::ENV, models);
                }
                let out = cmd.output().with_context(|| format!("running {}", bin.exe.display()))?;
                let stdout = String::from_utf8_lossy(&out.stdout);
                // `--exact` with a wrong name runs nothing and succeeds: that must not count as a pass.
                let ran = stdout.contains("test result: ok. 1 passed");
                if out.status.success() && ran {
                    count.passed += 1;
                } else {
                    count.failed += 1;
                    let log = logs.join(format!("{}-{mode}-{round}.log", test.name.replace("::", "-")));
                    let text = format!("{stdout}\n--- stderr ---\n{}", String::from_utf8_lossy(&out.stderr));
                    std::fs::write(&log, text)?;
                    eprintln!("xtask: {} FAILED ({mode}, run {round}): {}", test.name, log.display());
                }
            }
            eprintln!("xtask: {mode} round {round}/{runs} done");
        }
    }
    println!("\n{:<75} {:>10} {:>10}", "test", "idle", if busy { "busy" } else { "" });
    for ((test, i), b) in tests.iter().zip(&idle).zip(&loaded) {
        let busy_col = if busy { format!("{}/{}", b.passed, b.passed + b.failed) } else { String::new() };
        println!(
            "{:<75} {:>10} {:>10}",
            format!("{} {}", test.package, test.name),
            format!("{}/{}", i.passed, runs),
            busy_col
        );
    }
    let failed: u32 = idle.iter().chain(&loaded).map(|c| c.failed).sum();
    if failed > 0 {
        bail!("{failed} run(s) failed; their output is in {}", logs.display());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn package_names_come_from_either_id_form() {
        let dir = Path::new("/w/src-tauri/crates/byline-cli");
        assert_eq!(package_name("path+file:///w/src-tauri/crates/byline-cli#0.1.0", dir), "byline-cli");
        assert_eq!(package_name("path+file:///w/src-tauri#byline-app@0.1.0", Path::new("/w/src-tauri")), "byline-app");
    }
}
