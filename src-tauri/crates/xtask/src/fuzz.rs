//! `cargo xtask fuzz [--seconds N] [TARGET]`: runs the parsers' fuzz targets (ordinary tests named `fuzz_*`,
//! built on the byline-fuzz crate) for N seconds each, one target at a time, and prints what each did.
//!
//! The targets use the test profile, whose dependencies are already optimised (see the workspace Cargo.toml),
//! so this reuses `cargo test`'s build instead of compiling everything again in release.

use anyhow::{Context, Result, bail};

use crate::{cargo, root, run};

/// Every target and the crate whose test binary holds it.
pub const TARGETS: &[(&str, &str)] = &[
    ("byline-library", "import_md"),
    ("byline-library", "import_txt"),
    ("byline-library", "import_html"),
    ("byline-library", "import_jsonl"),
    ("byline-library", "import_csv"),
    ("byline-library", "import_wxr"),
    ("byline-library", "search_query"),
    ("byline-library", "markdown_html"),
    ("byline-models", "formats_check"),
    ("byline-models", "gguf_metadata"),
    ("byline-models", "npy"),
    ("byline-models", "npz"),
    ("byline-models", "wheel"),
    ("byline-models", "ct2"),
    ("byline-transcribe", "wav_repair"),
    ("byline-transcribe", "decode"),
    ("byline-sentiment", "comments_csv"),
    ("byline-sentiment", "comments_jsonl"),
];

pub fn run_fuzz(args: &[String]) -> Result<()> {
    let mut seconds = "60".to_string();
    let mut only: Option<&str> = None;
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        match arg.as_str() {
            "--seconds" => {
                seconds = rest.next().context("--seconds needs a number")?.clone();
                seconds.parse::<f64>().ok().filter(|s| *s > 0.0).context("--seconds needs a positive number")?;
            }
            name if !name.starts_with('-') && only.is_none() => only = Some(name),
            other => bail!("unknown fuzz argument {other}"),
        }
    }
    let chosen: Vec<&(&str, &str)> = TARGETS.iter().filter(|(_, t)| only.is_none_or(|o| o == *t)).collect();
    if chosen.is_empty() {
        let names: Vec<&str> = TARGETS.iter().map(|(_, t)| *t).collect();
        bail!("no fuzz target {}; the targets are {}", only.unwrap_or_default(), names.join(", "));
    }
    let cargo = cargo();
    let mut failed = Vec::new();
    for (krate, target) in chosen {
        // The test's full path with --exact, one thread: each target gets the whole budget and a core to itself.
        let module = if *krate == "byline-sentiment" { "comments::fuzz_tests" } else { "fuzz_tests" };
        let test = format!("{module}::fuzz_{target}");
        let args = ["test", "-p", krate, "--lib", "--", &test, "--exact", "--nocapture", "--test-threads=1"];
        if run(&root(), &cargo, &args, &[("BYLINE_FUZZ_SECONDS", &seconds), ("RUST_BACKTRACE", "0")]).is_err() {
            failed.push(*target);
        }
    }
    if !failed.is_empty() {
        bail!("fuzz targets failed: {} (failing inputs are in target/fuzz-failures/<target>/)", failed.join(", "));
    }
    Ok(())
}
