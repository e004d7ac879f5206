//! `cargo xtask bench related`: embedding throughput against sentence-transformers and dense top-10 search
//! latency against a numpy brute force, side by side in one run, printed as README table rows.
//!
//! Embedding: the same model folder (all-MiniLM-L6-v2 from the test-model cache), the same passages (byline
//! writes the ones it generates, the peer reads that file), batch 16, at most 256 tokens, 2 CPU threads on
//! each side, one untimed warm-up batch, then one timed pass over all passages. Search: top-10 by dot product
//! over float32 unit vectors of dimension 384 at 1k, 10k and 100k, 200 queries after one untimed one, one thread
//! on each side (byline's brute force is single-threaded), only the in-memory search timed; p50/p95 in ms.
//! Three rounds alternate the two sides; every number printed is the median round.
use std::path::Path;
use std::process::Command;

use anyhow::{Context, Result, bail};

use crate::bench_util::{first, lossy, median, numbers};

const MODEL: &str = "all-minilm-l6-v2";
const BATCH: &str = "16";
const MAX_TOKENS: &str = "256";
const EMBED_THREADS: &str = "2";
const ROUNDS: usize = 3;
const PASSAGES: &str = "256";
const WORDS: &str = "120";
const SIZES: &str = "1000,10000,100000";
const QUERIES: &str = "200";
const DIM: &str = "384";

pub fn run() -> Result<()> {
    let root = crate::root();
    let cache = crate::fetch_models()?;
    let model_dir = cache.join("home/models").join(MODEL);
    let work = crate::target_dir(&root).join("bench-related");
    std::fs::create_dir_all(&work)?;
    let texts = work.join("passages.txt");
    let (model_s, texts_s, work_s) = (lossy(&model_dir), lossy(&texts), lossy(&work));
    let peer_script = root.join("src-tauri/crates/byline-related/benches/related_peer.py");
    crate::run(&root, &crate::cargo(), &["build", "--release", "--package", "byline-cli"], &[])?;

    let ours_search_args =
        ["--home", &work_s, "bench", "related", "--json", "--sizes", SIZES, "--queries", QUERIES, "--dim", DIM];
    let peer_search_args =
        ["search", "--sizes", SIZES, "--queries", QUERIES, "--dim", DIM, "--k", "10", "--threads", "1"];
    #[rustfmt::skip]
    let ours_embed_args = [
        "--home", &work_s, "bench", "embed", "--json", "--model", MODEL, "--model-dir", &model_s, "--device", "cpu",
        "--passages", PASSAGES, "--words", WORDS, "--batch", BATCH, "--runs", "1", "--texts-out", &texts_s,
    ];
    #[rustfmt::skip]
    let peer_embed_args = [
        "embed", &model_s, &texts_s, "--batch", BATCH, "--max-tokens", MAX_TOKENS, "--threads", EMBED_THREADS,
        "--runs", "1",
    ];
    // candle sizes its CPU thread pools from these variables.
    let threads = [("RAYON_NUM_THREADS", EMBED_THREADS), ("CANDLE_NUM_THREADS", EMBED_THREADS)];

    // The machine may be shared: the two sides alternate, one pass each per round, taking turns to go first, so a burst
    // of other work lands on both rather than on whichever ran second; each side reports its median round.
    let (mut ours_rate, mut peer_rate, mut ours_search, mut peer_search) = (vec![], vec![], vec![], vec![]);
    for round in 0..ROUNDS {
        eprintln!("round {} of {ROUNDS}", round + 1);
        for ours_turn in if round % 2 == 0 { [true, false] } else { [false, true] } {
            if ours_turn {
                let search = byline(&root, &ours_search_args, &[])?;
                let embed = byline(&root, &ours_embed_args, &threads)?;
                eprintln!("byline: {}\nbyline: {embed}", search.split_whitespace().collect::<String>());
                ours_search.push(latencies(&search)?);
                ours_rate.push(first(&embed, "passages_per_s")?);
            } else {
                let search = peer(&peer_script, &peer_search_args)?;
                let embed = peer(&peer_script, &peer_embed_args)?;
                eprintln!("peer:   {search}\npeer:   {embed}");
                peer_search.push(latencies(&search)?);
                peer_rate.push(first(&embed, "passages_per_s")?);
            }
        }
    }

    let (ours, theirs) = (median(&ours_rate), median(&peer_rate));
    println!(
        "| model, passages | byline (candle) | sentence-transformers (torch) | byline ÷ peer |\n|---|---|---|---|"
    );
    println!(
        "| all-MiniLM-L6-v2, {PASSAGES} × {WORDS} words, batch {BATCH}, {EMBED_THREADS} threads \
         | {ours:.1} passages/s ({}) | {theirs:.1} passages/s ({}) | {:.2}× |\n",
        range(&ours_rate),
        range(&peer_rate),
        ours / theirs
    );
    println!(
        "| passages | byline p50 / p95 (ms) | numpy p50 / p95 (ms) | numpy ÷ byline (p50 / p95) |\n|---|---|---|---|"
    );
    let sizes: Vec<&str> = SIZES.split(',').collect();
    for (i, size) in sizes.iter().enumerate() {
        let at = |rounds: &[Vec<(f64, f64)>], p95: bool| -> Result<f64> {
            let values = rounds
                .iter()
                .map(|r| r.get(i).map(|&(p50, p95_)| if p95 { p95_ } else { p50 }))
                .collect::<Option<Vec<f64>>>()
                .with_context(|| format!("a search benchmark did not report {size} passages"))?;
            Ok(median(&values))
        };
        let (o50, o95, p50, p95) =
            (at(&ours_search, false)?, at(&ours_search, true)?, at(&peer_search, false)?, at(&peer_search, true)?);
        println!("| {size} | {o50:.3} / {o95:.3} | {p50:.3} / {p95:.3} | {:.2}× / {:.2}× |", p50 / o50, p95 / o95);
    }
    Ok(())
}

/// The spread over rounds, as "min–max".
fn range(values: &[f64]) -> String {
    let min = values.iter().copied().fold(f64::INFINITY, f64::min);
    let max = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    format!("{min:.1}–{max:.1}")
}

/// (p50, p95) per index size, in the order printed.
fn latencies(json: &str) -> Result<Vec<(f64, f64)>> {
    let (p50, p95) = (numbers(json, "p50_ms"), numbers(json, "p95_ms"));
    if p50.len() != SIZES.split(',').count() || p95.len() != p50.len() {
        bail!("unexpected search benchmark output: {json}");
    }
    Ok(p50.into_iter().zip(p95).collect())
}

/// Runs the already built release `byline` with extra environment variables; returns its stdout.
fn byline(root: &Path, args: &[&str], envs: &[(&str, &str)]) -> Result<String> {
    let out = Command::new(crate::target_dir(root).join("release/byline"))
        .args(args)
        .envs(envs.iter().copied())
        .output()
        .context("running byline")?;
    if !out.status.success() {
        bail!("byline {} failed: {}", args.join(" "), String::from_utf8_lossy(&out.stderr));
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// Runs the Python peer (`BYLINE_BENCH_PYTHON`, see `crate::peer_python`); returns its stdout.
fn peer(script: &Path, args: &[&str]) -> Result<String> {
    let python = crate::peer_python();
    let out = Command::new(&python).arg(script).args(args).output().with_context(|| format!("starting {python}"))?;
    if !out.status.success() {
        bail!(
            "the Python peer failed ({python} {}; it needs numpy, torch and sentence-transformers, \
             point BYLINE_BENCH_PYTHON at a virtual environment that has them): {}",
            args.first().unwrap_or(&""),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
}
