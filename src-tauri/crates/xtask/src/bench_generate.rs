//! `cargo xtask bench generate`: Byline's drafting engine (candle, quantized GGUF) against llama.cpp
//! (llama-cpp-python) on the same GGUF file, the same prompt token ids, greedy, the same thread count and the
//! same number of generated tokens. Prints a Markdown table for the README.
//!
//! `BYLINE_BENCH_PYTHON` names a Python with `llama-cpp-python` installed; `BYLINE_BENCH_TOKENS` (128) and
//! `BYLINE_BENCH_RUNS` (3) change the run.
use std::path::Path;
use std::process::Command;

use anyhow::{Context, Result, bail};

use crate::bench_util::lossy;

const MODEL_ID: &str = "smollm2-135m-instruct-q4_1";

/// (label, JSON key, decimals).
const MEASURES: &[(&str, &str, usize)] = &[
    ("prompt processing (tok/s)", "prompt_tok_s", 0),
    ("generation (tok/s)", "gen_tok_s", 1),
    ("time to first token (ms)", "ttft_ms", 0),
    ("peak RSS (MiB)", "peak_rss_mib", 0),
    ("RSS before loading the model (MiB)", "rss_before_load_mib", 0),
    ("model load (ms)", "load_ms", 0),
];

pub fn run() -> Result<()> {
    let root = crate::root();
    let home = crate::fetch_models()?.join("home");
    let gguf = find_gguf(&home.join("models").join(MODEL_ID))?;
    let tokens = std::env::var("BYLINE_BENCH_TOKENS").unwrap_or_else(|_| "128".into());
    let runs = std::env::var("BYLINE_BENCH_RUNS").unwrap_or_else(|_| "3".into());
    let work = crate::target_dir(&root).join("bench-generate");
    std::fs::create_dir_all(&work).with_context(|| format!("creating {}", work.display()))?;

    let (home_s, gguf_s) = (lossy(&home), lossy(&gguf));
    let bench = ["--home", &home_s, "bench", "generate", "--model-path", &gguf_s];
    let args: Vec<&str> = bench.into_iter().chain(["--json", "--tokens", &tokens, "--runs", &runs]).collect();
    let ours = crate::release_byline(&root, &args)?;
    let ours_file = work.join("byline.json");
    std::fs::write(&ours_file, &ours).with_context(|| format!("writing {}", ours_file.display()))?;

    // The peer generates exactly as many tokens as Byline did (fewer than asked if the model ended its turn).
    let generated = format!("{}", number(&ours, "generated_tokens")? as usize);
    let threads = format!("{}", number(&ours, "threads")? as usize);
    let script = root.join("src-tauri/crates/byline-draft/benches/llama_peer.py");
    let python = crate::peer_python();
    let out = Command::new(&python)
        .arg(&script)
        .arg(&ours_file)
        .args(["--model", &gguf_s, "--tokens", &generated, "--runs", &runs, "--threads", &threads])
        .output()
        .with_context(|| format!("running {python}"))?;
    if !out.status.success() {
        bail!(
            "the llama.cpp peer failed (install it with `{python} -m pip install llama-cpp-python`, or point \
             BYLINE_BENCH_PYTHON at a Python that has it):\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let peer = String::from_utf8_lossy(&out.stdout).trim().to_string();
    std::fs::write(work.join("llama.json"), &peer)?;

    println!("| Measure | Byline | llama.cpp | Byline / llama.cpp |");
    println!("|---|---:|---:|---:|");
    for &(label, key, decimals) in MEASURES {
        let (a, b) = (number(&ours, key)?, number(&peer, key)?);
        println!("| {label} | {a:.decimals$} | {b:.decimals$} | {:.2}× |", a / b);
    }
    println!(
        "\n{} prompt tokens, {generated} generated tokens, greedy, {threads} threads, median of {runs} runs after \
         one warm-up; model {}",
        number(&ours, "prompt_tokens")? as usize,
        gguf.file_name().map(|n| n.to_string_lossy()).unwrap_or_default()
    );
    println!("llama.cpp: {} / {}", string(&peer, "engine"), string(&peer, "system_info"));
    println!(
        "llama.cpp tokenizes the rendered prompt identically: {}; greedy outputs agree on the first {} characters",
        raw(&peer, "own_tokenization_matches").unwrap_or("?"),
        raw(&peer, "same_text_chars").unwrap_or("?")
    );
    println!("(full reports: {} and llama.json)", ours_file.display());
    Ok(())
}

fn find_gguf(dir: &Path) -> Result<std::path::PathBuf> {
    let entries = std::fs::read_dir(dir).with_context(|| format!("listing {}", dir.display()))?;
    entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| p.extension().is_some_and(|x| x == "gguf"))
        .with_context(|| format!("no .gguf file in {}", dir.display()))
}

/// The text after the first `"key":` in a JSON object. Both reports put their scalar fields before the
/// nested runs and the free text, so the first match is the top-level one (xtask has no JSON parser).
fn raw<'a>(json: &'a str, key: &str) -> Option<&'a str> {
    let needle = format!("\"{key}\":");
    let at = json.find(&needle)? + needle.len();
    let rest = json[at..].trim_start();
    let end = rest.find([',', '}']).unwrap_or(rest.len());
    Some(rest[..end].trim())
}

fn number(json: &str, key: &str) -> Result<f64> {
    crate::bench_util::first(json, key)
}

/// A string field without escapes worth decoding (engine names, system info).
fn string(json: &str, key: &str) -> String {
    let needle = format!("\"{key}\":");
    let Some(at) = json.find(&needle) else { return "?".into() };
    let rest = json[at + needle.len()..].trim_start().trim_start_matches('"');
    rest.split('"').next().unwrap_or("?").trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_top_level_fields_before_nested_ones() {
        let json = r#"{"engine": "x 1.0", "ttft_ms": 12.5, "runs": [{"ttft_ms": 99}], "ok": true}"#;
        assert_eq!(number(json, "ttft_ms").ok(), Some(12.5));
        assert_eq!(raw(json, "ok"), Some("true"));
        assert_eq!(string(json, "engine"), "x 1.0");
        assert!(number(json, "missing").is_err());
    }
}
