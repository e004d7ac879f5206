//! `cargo xtask app | test | bench`: the project's two commands and its benchmarks.
//! Each checks the system packages it needs and says exactly what to install.
mod bench_generate;
mod bench_images;
mod bench_related;
mod bench_util;
mod bundle;
mod fuzz;
mod models;
mod neon;
mod offline;
mod portable;
mod stress;
mod system;
mod testrun;

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

const USAGE: &str = "usage: cargo xtask <command>

  app              build the UI and run the desktop app
  test             run every test: formatting, lints, Rust tests, UI checks and unit tests, end-to-end
  test --no-e2e    the same without the end-to-end test in a real webview
  test --stress N [--busy]
                   run the timing-sensitive tests N times each (and with --busy N times more with every
                   core loaded); prints pass counts per test
  bench library    library import/search benchmark against Python's sqlite3 (prints a README row)
  bench sentiment  VADER sentences/s against the Python reference on the parity corpus
  bench speech     eSpeak NG real-time factor on a 500-word article
  bench related    embedding throughput against sentence-transformers, search latency against numpy
  bench generate   prompt/generation tokens per second against llama.cpp (llama-cpp-python)
  bench images     seconds per step on the tiny pipeline against diffusers
  fuzz [--seconds N] [TARGET]
                   run the parsers' fuzz targets for N seconds each (default 60), or only TARGET
  bundle [--debug] [--appimage] [--install]
                   the installers with Tauri's bundler: a .deb (and an AppImage when asked) on Linux, .dmg
                   on macOS, .msi on Windows; release build unless --debug; --install (as root) installs
                   the .deb, starts the installed app in the webview and removes it again
  fetch-models     fetch the real test models into models/cache (prints the folder for BYLINE_TEST_MODELS)
  portability      the release byline transcribes jfk.wav on an emulated Haswell (QEMU; BYLINE_PORTABILITY_SECONDS caps it)
  packages         list the Debian packages `test` needs (used by .ci/run)";

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("app") => app(),
        Some("test") => match stress_runs(&args) {
            Ok(Some(runs)) => stress::run(runs, args.iter().any(|a| a == "--busy")),
            Ok(None) => test(!args.iter().any(|a| a == "--no-e2e")),
            Err(e) => Err(e),
        },
        Some("bench") => bench(args.get(1).map(String::as_str)),
        Some("fuzz") => fuzz::run_fuzz(&args[1..]),
        Some("bundle") => bundle_command(&args),
        Some("fetch-models") => fetch_models().map(|dir| println!("{}", dir.display())),
        Some("portability") => {
            fetch_models().and_then(|cache| portable::check(&root(), &cache, portable::Build::Release))
        }
        Some("packages") => {
            // For .ci/run: every Debian package `test` needs, on one line.
            let all: Vec<&str> = system::TOOL_PACKAGES
                .iter()
                .chain(system::APP_PACKAGES)
                .chain(system::E2E_PACKAGES)
                .chain(system::TEST_PACKAGES)
                .copied()
                .collect();
            println!("{}", all.join(" "));
            Ok(())
        }
        _ => {
            eprintln!("{USAGE}");
            std::process::exit(2);
        }
    };
    if let Err(err) = result {
        eprintln!("xtask: {err:#}");
        std::process::exit(1);
    }
}

fn bundle_command(args: &[String]) -> Result<()> {
    let has = |flag: &str| args.iter().any(|a| a == flag);
    let profile = if has("--debug") { bundle::Profile::Debug } else { bundle::Profile::Release };
    let deb = bundle::build(&root(), profile, has("--appimage"))?;
    if let (true, Some(deb)) = (has("--install"), deb) {
        system::require(system::E2E_PACKAGES)?;
        let driver = system::tauri_driver(&cargo())?;
        bundle::install_check(&root(), &deb, &[("BYLINE_E2E_DRIVER", driver.to_string_lossy().to_string())])?;
    }
    Ok(())
}

/// `--stress N`: how many runs, if given.
fn stress_runs(args: &[String]) -> Result<Option<u32>> {
    let Some(at) = args.iter().position(|a| a == "--stress") else { return Ok(None) };
    let n = args.get(at + 1).and_then(|n| n.parse().ok()).filter(|n| *n > 0);
    n.map(Some).context("--stress needs a number of runs, e.g. `cargo xtask test --stress 20 --busy`")
}

pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).ancestors().nth(3).map(Path::to_path_buf).unwrap_or_default()
}

/// Runs a command in a folder, failing with the command line when it fails.
pub fn run(dir: &Path, program: &str, args: &[&str], envs: &[(&str, &str)]) -> Result<()> {
    eprintln!("\x1b[1m$ {program} {}\x1b[0m", args.join(" "));
    let status = Command::new(program)
        .args(args)
        .current_dir(dir)
        .envs(envs.iter().copied())
        .status()
        .with_context(|| format!("starting {program}"))?;
    if !status.success() {
        bail!("`{program} {}` failed ({status})", args.join(" "));
    }
    Ok(())
}

pub(crate) fn cargo() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".into())
}

fn build_ui(check_and_test: bool) -> Result<()> {
    system::require_node()?;
    let ui = root().join("ui");
    if !ui.join("node_modules").exists()
        || newer(&ui.join("package-lock.json"), &ui.join("node_modules/.package-lock.json"))
    {
        run(&ui, "npm", &["ci", "--no-audit", "--no-fund"], &[])?;
    }
    if check_and_test {
        run(&ui, "npm", &["run", "check"], &[])?;
        run(&ui, "npm", &["run", "test"], &[])?;
    }
    run(&ui, "npm", &["run", "build"], &[])
}

fn newer(a: &Path, b: &Path) -> bool {
    let modified = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    match (modified(a), modified(b)) {
        (Some(a), Some(b)) => a > b,
        _ => true,
    }
}

fn app() -> Result<()> {
    system::require(system::APP_PACKAGES)?;
    build_ui(false)?;
    run(&root(), &cargo(), &["run", "--package", "byline-app"], &[])
}

/// Every test in one pass. The workspace is compiled once, by one `cargo test --workspace` invocation, whose
/// feature set then also builds the `byline` CLI (used to fetch the test models) and the app binary the
/// end-to-end tests drive: separate `cargo build -p …` calls would resolve other features and rebuild much of it.
/// `--no-fail-fast` runs every test binary even after one fails; the failures are listed again at the end.
fn test(e2e: bool) -> Result<()> {
    let packages: Vec<&str> = system::APP_PACKAGES
        .iter()
        .chain(system::TEST_PACKAGES)
        .chain(if e2e { system::E2E_PACKAGES } else { &[] })
        .copied()
        .collect();
    system::require(&packages)?;
    let root = root();
    let cargo = cargo();
    build_ui(true)?;
    run(&root, &cargo, &["fmt", "--all", "--check"], &[])?;
    let mut cargo_test = vec!["test", "--workspace", "--no-fail-fast"];
    if !e2e {
        cargo_test.extend(["--exclude", "byline-e2e"]);
    }
    let build_only: Vec<&str> = cargo_test.iter().copied().chain(["--no-run"]).collect();
    run(&root, &cargo, &build_only, &[])?;
    let target = target_dir(&root);
    let cache = models::fetch_test_models(&root, &target.join("debug").join("byline"))?;
    // The emulated Haswell run (one thread, up to 5 minutes) goes alongside the lints, which need no test
    // build and time nothing: on a 2-core CI machine that hides most of it instead of adding it at the end.
    let portability = {
        let (root, cache) = (root.clone(), cache.clone());
        std::thread::spawn(move || portable::check(&root, &cache, portable::Build::Test))
    };
    let lints = run(&root, &cargo, &["clippy", "--workspace", "--all-targets", "--", "-D", "warnings"], &[]);
    portability.join().map_err(|_| anyhow::anyhow!("the portability check panicked"))??;
    lints?;
    let models = cache.to_string_lossy().to_string();
    // Ignored tests are the ones that need the real models (and, for the e2e crate, the app and a display).
    cargo_test.extend(["--", "--include-ignored"]);
    let mut envs = vec![(models::ENV, models)];
    let driver = if e2e { Some(system::tauri_driver(&cargo)?) } else { None };
    let (program, args) = if let Some(driver) = &driver {
        let app = target.join("debug").join("byline-app");
        envs.push(("BYLINE_E2E_APP", app.to_string_lossy().to_string()));
        envs.push(("BYLINE_E2E_DRIVER", driver.to_string_lossy().to_string()));
        if std::env::var_os("DISPLAY").is_some() {
            (cargo.as_str(), cargo_test)
        } else {
            // No display (CI, SSH): a private X server for the run.
            let mut full = vec!["-a", "-s", "-screen 0 1920x1080x24", cargo.as_str()];
            full.extend(cargo_test);
            ("xvfb-run", full)
        }
    } else {
        (cargo.as_str(), cargo_test)
    };
    // Everything that needs the network is done: the tests themselves run without it.
    let (program, args) = offline::wrap(program, &args);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let envs: Vec<(&str, &str)> = envs.iter().map(|(k, v)| (*k, v.as_str())).collect();
    testrun::cargo_test(&root, &program, &args, &envs)?;
    // The .deb of the test build, installed and started from /usr/bin (as root; skipped otherwise).
    if let Some(driver) = &driver
        && cfg!(target_os = "linux")
        && let Some(deb) = bundle::build(&root, bundle::Profile::Debug, false)?
    {
        bundle::install_check(&root, &deb, &[("BYLINE_E2E_DRIVER", driver.to_string_lossy().to_string())])?;
    }
    neon::check(&root)?;
    eprintln!("\nAll tests passed.");
    Ok(())
}

pub(crate) fn fetch_models() -> Result<PathBuf> {
    let root = root();
    run(&root, &cargo(), &["build", "--package", "byline-cli"], &[])?;
    models::fetch_test_models(&root, &target_dir(&root).join("debug").join("byline"))
}

/// The Python that runs benchmark peers: `BYLINE_BENCH_PYTHON` (a virtual environment with the
/// peer's packages) or `python3`.
pub(crate) fn peer_python() -> String {
    std::env::var("BYLINE_BENCH_PYTHON").unwrap_or_else(|_| "python3".into())
}

/// Runs the release `byline` with `args` and returns its stdout.
pub(crate) fn release_byline(root: &Path, args: &[&str]) -> Result<String> {
    run(root, &cargo(), &["build", "--release", "--package", "byline-cli"], &[])?;
    let out = Command::new(target_dir(root).join("release/byline")).args(args).output().context("running byline")?;
    if !out.status.success() {
        bail!("byline {} failed: {}", args.join(" "), String::from_utf8_lossy(&out.stderr));
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// VADER sentences/s: the Rust port against the Python reference on the parity corpus.
fn bench_sentiment() -> Result<()> {
    let root = root();
    let cache = fetch_models()?;
    let corpus = std::fs::read_to_string(root.join("src-tauri/crates/byline-sentiment/tests/data/vader_cases.tsv"))
        .context("reading the VADER corpus")?;
    let sentences: String = corpus.lines().filter_map(|l| l.split('\t').next()).map(|s| format!("{s}\n")).collect();
    let work = target_dir(&root).join("bench-sentiment");
    std::fs::create_dir_all(&work)?;
    let file = work.join("sentences.txt");
    std::fs::write(&file, sentences.repeat(10))?;
    let file_s = file.to_string_lossy().to_string();
    let ours = release_byline(&root, &["bench", "sentiment", "--json", "--file", &file_s])?;
    let package = cache.join("packages/vaderSentiment-3.3.2");
    let out = Command::new("python3")
        .arg(root.join("src-tauri/crates/byline-sentiment/benches/vader_peer.py"))
        .arg(&file)
        .env("PYTHONPATH", &package)
        .output()
        .context("running the Python peer")?;
    if !out.status.success() {
        bail!("Python peer failed: {}", String::from_utf8_lossy(&out.stderr));
    }
    println!("byline: {ours}\npython: {}", String::from_utf8_lossy(&out.stdout).trim());
    Ok(())
}

/// eSpeak NG's real-time factor on a 500-word article.
fn bench_speech() -> Result<()> {
    let root = root();
    let article = root.join("src-tauri/crates/byline-speech/benches/article_500.md").to_string_lossy().to_string();
    println!("{}", release_byline(&root, &["bench", "speech", "--json", "--file", &article])?);
    Ok(())
}

pub(crate) fn target_dir(root: &Path) -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from).unwrap_or_else(|| root.join("target"))
}

fn bench(which: Option<&str>) -> Result<()> {
    match which {
        Some("library") => {}
        Some("sentiment") => return bench_sentiment(),
        Some("speech") => return bench_speech(),
        Some("related") => return bench_related::run(),
        Some("generate") => return bench_generate::run(),
        Some("images") => return bench_images::run(),
        _ => bail!("unknown benchmark; try `cargo xtask bench library|sentiment|speech|related|generate|images`"),
    }
    let root = root();
    let work = root.join("target").join("bench-library");
    let articles = std::env::var("BYLINE_BENCH_ARTICLES").unwrap_or_else(|_| "100000".into());
    let work_s = work.to_string_lossy().to_string();
    run(&root, &cargo(), &["build", "--release", "--package", "byline-cli"], &[])?;
    let byline = root.join("target/release/byline");
    let out = Command::new(&byline)
        .args(["bench", "library", "--json", "--articles", &articles, "--workdir", &work_s])
        .output()
        .context("running byline bench")?;
    if !out.status.success() {
        bail!("byline bench failed: {}", String::from_utf8_lossy(&out.stderr));
    }
    let ours = String::from_utf8_lossy(&out.stdout).to_string();
    let peer_script = root.join("src-tauri/crates/byline-library/benches/library_peer.py");
    let schema = root.join("src-tauri/crates/byline-library/migrations/001_initial.sql");
    let out = Command::new("python3")
        .arg(&peer_script)
        .args([&work.join("articles.jsonl"), &work.join("queries.txt"), &schema, &work.join("python.sqlite3")])
        .output()
        .context("running the Python peer")?;
    if !out.status.success() {
        bail!("Python peer failed: {}", String::from_utf8_lossy(&out.stderr));
    }
    let peer = String::from_utf8_lossy(&out.stdout).to_string();
    println!("byline: {}\npython sqlite3: {}", ours.trim(), peer.trim());
    Ok(())
}
