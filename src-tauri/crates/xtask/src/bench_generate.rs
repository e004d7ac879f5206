//! `cargo xtask bench generate`: Byline's drafting engine against llama.cpp (llama-cpp-python) on the same GGUF
//! files, the same prompt token ids, greedy, the same thread count and the same number of generated tokens:
//! SmolLM2-135M-Instruct Q4_1 (the test model), then random-weight files at Qwen2.5-1.5B's shapes in the
//! Q4_K_M and Q5_K_M layouts (written on first use; compute does not depend on the weights). The two engines alternate,
//! round after round, so a change in the machine's load hits both. Prints Markdown tables for the README.
//!
//! `BYLINE_BENCH_PYTHON` names a Python with `llama-cpp-python` installed; `BYLINE_BENCH_TOKENS` (128),
//! `BYLINE_BENCH_RUNS` (3 timed runs per invocation) and `BYLINE_BENCH_ROUNDS` (3) change the run;
//! `BYLINE_BENCH_ONLY=smollm2|qwen|qwen-q5|qwen-q3` runs one model.
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

use crate::bench_util::lossy;

const MODEL_ID: &str = "smollm2-135m-instruct-q4_1";
/// (label, shape) of the random-weight files.
const RANDOM_SHAPES: &[(&str, &str)] =
    &[("qwen", "qwen2.5-1.5b-q4_k_m"), ("qwen-q5", "qwen2.5-1.5b-q5_k_m"), ("qwen-q3", "qwen2.5-1.5b-q3_k_m")];

/// (label, JSON key, decimals).
const MEASURES: &[(&str, &str, usize)] = &[
    ("prompt processing (tok/s)", "prompt_tok_s", 0),
    ("generation (tok/s)", "gen_tok_s", 1),
    ("time to first token (ms)", "ttft_ms", 0),
    ("peak RSS (MiB)", "peak_rss_mib", 0),
    ("model load (ms)", "load_ms", 0),
];

fn env_or(key: &str, default: &str) -> String {
    std::env::var(key).unwrap_or_else(|_| default.into())
}

pub fn run() -> Result<()> {
    let root = crate::root();
    let home = crate::fetch_models()?.join("home");
    let smollm2 = find_gguf(&home.join("models").join(MODEL_ID))?;
    let work = crate::target_dir(&root).join("bench-generate");
    std::fs::create_dir_all(&work).with_context(|| format!("creating {}", work.display()))?;
    let only = std::env::var("BYLINE_BENCH_ONLY").unwrap_or_default();
    if only.is_empty() || only == "smollm2" {
        compare(&root, &home, &work, "smollm2", &smollm2)?;
    }
    for &(label, shape) in RANDOM_SHAPES {
        if !(only.is_empty() || only == label) {
            continue;
        }
        let random = work.join(format!("{shape}.gguf"));
        if !random.exists() {
            let (smollm2_s, random_s) = (lossy(&smollm2), lossy(&random));
            let args = ["bench", "random-model", "--shape", shape, "--tokenizer-from", &smollm2_s, "--out", &random_s];
            crate::release_byline(&root, &args)?;
        }
        compare(&root, &home, &work, label, &random)?;
    }
    Ok(())
}

/// Median, lowest and highest.
fn spread(mut v: Vec<f64>) -> (f64, f64, f64) {
    v.sort_by(f64::total_cmp);
    (v[v.len() / 2], v[0], v[v.len() - 1])
}

fn compare(root: &Path, home: &Path, work: &Path, label: &str, gguf: &Path) -> Result<()> {
    let tokens = env_or("BYLINE_BENCH_TOKENS", "128");
    let runs = env_or("BYLINE_BENCH_RUNS", "3");
    let rounds: usize = env_or("BYLINE_BENCH_ROUNDS", "3").parse().context("BYLINE_BENCH_ROUNDS")?;
    let (home_s, gguf_s) = (lossy(home), lossy(gguf));
    let bench = ["--home", &home_s, "bench", "generate", "--model-path", &gguf_s];
    let args: Vec<&str> = bench.into_iter().chain(["--json", "--tokens", &tokens, "--runs", &runs]).collect();
    let script = root.join("src-tauri/crates/byline-draft/benches/llama_peer.py");
    let python = crate::peer_python();
    let (mut ours_all, mut peer_all) = (Vec::new(), Vec::new());
    for round in 0..rounds.max(1) {
        eprintln!("{label}: round {} of {rounds}", round + 1);
        let ours = crate::release_byline(root, &args)?;
        let ours_file = work.join(format!("byline-{label}.json"));
        std::fs::write(&ours_file, &ours).with_context(|| format!("writing {}", ours_file.display()))?;
        // The peer generates exactly as many tokens as Byline did (fewer than asked if the model ended its turn).
        let generated = format!("{}", number(&ours, "generated_tokens")? as usize);
        let threads = format!("{}", number(&ours, "threads")? as usize);
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
        std::fs::write(work.join(format!("llama-{label}.json")), &peer)?;
        ours_all.push(ours);
        peer_all.push(peer);
    }

    let (ours, peer) = (&ours_all[0], &peer_all[0]);
    println!(
        "\n{} ({} prompt tokens, {} generated, greedy, {} threads; median [lowest–highest] of {rounds} \
              alternating rounds, each the median of {runs} runs after a warm-up)\n",
        gguf.file_name().map(|n| n.to_string_lossy()).unwrap_or_default(),
        number(ours, "prompt_tokens")? as usize,
        number(ours, "generated_tokens")? as usize,
        number(ours, "threads")? as usize
    );
    println!("| Measure | Byline | llama.cpp | Byline / llama.cpp |");
    println!("|---|---:|---:|---:|");
    for &(name, key, decimals) in MEASURES {
        let a = spread(ours_all.iter().map(|j| number(j, key)).collect::<Result<_>>()?);
        let b = spread(peer_all.iter().map(|j| number(j, key)).collect::<Result<_>>()?);
        println!(
            "| {name} | {:.decimals$} [{:.decimals$}–{:.decimals$}] | {:.decimals$} [{:.decimals$}–{:.decimals$}] | {:.2}× |",
            a.0,
            a.1,
            a.2,
            b.0,
            b.1,
            b.2,
            a.0 / b.0
        );
    }
    println!("\nllama.cpp: {} / {}", string(peer, "engine"), string(peer, "system_info"));
    println!(
        "llama.cpp tokenizes the rendered prompt identically: {}; greedy outputs agree on the first {} characters",
        raw(peer, "own_tokenization_matches").unwrap_or("?"),
        raw(peer, "same_text_chars").unwrap_or("?")
    );
    println!("(full reports: {})", work.display());
    Ok(())
}

fn find_gguf(dir: &Path) -> Result<PathBuf> {
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
