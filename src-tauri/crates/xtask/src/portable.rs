//! The portability check: the `byline` we ship must run on any x86-64 with AVX2. It transcribes jfk.wav
//! under QEMU emulating a Haswell CPU (AVX2, FMA, F16C, no AVX-512), which stops with an illegal instruction
//! wherever a build used instructions beyond that floor without checking for them first.
//!
//! `cargo xtask portability` checks the release build. `cargo xtask test` checks the test build instead, which
//! it has already compiled: a release build would compile every dependency a second time, 10 minutes and more
//! of a 2-core CI run. Which instructions a build may use is set by its flags, not its optimisation level, and
//! the two builds share them: the same Rust target features, the same ggml flags (`.cargo/config.toml`), the
//! kernel crate and the dependencies optimised in both (`Cargo.toml`). They differ in speed only: our own glue
//! code is unoptimised in the test build, and ggml is compiled at -O2 there (-O3 in release), so natively the
//! test build transcribes jfk.wav in 5.6 s against 2.8 s.

use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use anyhow::{Context, Result, bail};

/// The CPU QEMU emulates: the floor Byline's x86-64 builds promise.
const FLOOR_CPU: &str = "Haswell";
const JFK: &str =
    "and so my fellow americans ask not what your country can do for you ask what you can do for your country";

/// Which build of the CLI the check runs.
#[derive(Clone, Copy)]
pub enum Build {
    /// `target/release/byline`, built here first.
    Release,
    /// `target/debug/byline`, already built by the test run.
    Test,
}

/// Transcribes jfk.wav with the chosen build of the CLI on an emulated Haswell. Skipped (with a line saying
/// so) on other architectures.
pub fn check(root: &Path, cache: &Path, build: Build) -> Result<()> {
    if !cfg!(target_arch = "x86_64") {
        eprintln!("portability check skipped: it emulates an x86-64 CPU");
        return Ok(());
    }
    let (profile, which) = match build {
        Build::Release => {
            crate::run(root, &crate::cargo(), &["build", "--release", "--package", "byline-cli"], &[])?;
            ("release", "the release byline")
        }
        Build::Test => ("debug", "the test build of byline"),
    };
    let byline = crate::target_dir(root).join(profile).join("byline");
    let work = fresh_dir(root)?;
    let home = cache.join("home");
    let started = std::time::Instant::now();
    // One thread: spinning worker threads cost emulation dearly, and the check is about instructions, not speed.
    let mut child = Command::new("qemu-x86_64")
        .args(["-cpu", FLOOR_CPU])
        .arg(&byline)
        .arg("--home")
        .arg(&home)
        .arg("transcribe")
        .arg(cache.join("jfk.wav"))
        .arg("--model")
        .arg(cache.join("ggml-tiny.en.bin"))
        .args(["--threads", "1", "--no-save", "--format", "txt", "--no-timestamps", "--out"])
        .arg(&work)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .context("running qemu-x86_64 (package qemu-user)")?;
    let stderr = child.stderr.take().map(|mut pipe| {
        std::thread::spawn(move || {
            let mut text = String::new();
            let _ = pipe.read_to_string(&mut text);
            text
        })
    });
    let limit = limit();
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break Some(status);
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(250));
    };
    let stderr = stderr.and_then(|t| t.join().ok()).unwrap_or_default();
    let Some(status) = status else {
        // Emulation speed varies several-fold between hosts (285 s on one, over 20 min on another). By the
        // limit the run has loaded the model and gone through the mel spectrum, voice detection and the
        // encoder's layers, the ggml code every later step uses too, without an illegal instruction; that is
        // reported, and the unfinished transcript is not held against the build.
        eprintln!(
            "portability: {which} ran {:.0?} on an emulated {FLOOR_CPU} (no AVX-512) without an illegal \
             instruction; it had not finished transcribing at the limit (BYLINE_PORTABILITY_SECONDS), so the words \
             were not compared",
            limit
        );
        std::fs::remove_dir_all(&work).ok();
        return Ok(());
    };
    if !status.success() {
        let stderr: String =
            stderr.lines().filter(|l| !l.contains("TCG doesn't support")).collect::<Vec<_>>().join("\n");
        bail!("{which} failed on an emulated {FLOOR_CPU} CPU ({status}): {stderr}");
    }
    let text = std::fs::read_to_string(work.join("jfk.txt")).context("reading the transcript")?;
    let words = |s: &str| -> Vec<String> {
        s.to_lowercase().split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).map(str::to_owned).collect()
    };
    if words(&text) != words(JFK) {
        bail!("on an emulated {FLOOR_CPU} CPU {which} heard {text:?}, not the reference words");
    }
    eprintln!(
        "portability: {which} transcribed jfk.wav to the reference words on an emulated {FLOOR_CPU} (no AVX-512) in {:.0?}",
        started.elapsed()
    );
    std::fs::remove_dir_all(&work).ok();
    Ok(())
}

/// How long the emulated run may take: `BYLINE_PORTABILITY_SECONDS`, 300 by default.
fn limit() -> Duration {
    let seconds = std::env::var("BYLINE_PORTABILITY_SECONDS").ok().and_then(|s| s.parse().ok()).unwrap_or(300);
    Duration::from_secs(seconds)
}

fn fresh_dir(root: &Path) -> Result<std::path::PathBuf> {
    let dir = crate::target_dir(root).join("portability-check");
    std::fs::remove_dir_all(&dir).ok();
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}
