//! `cargo xtask bench images`: seconds per denoising step on the tiny random-weight pipeline,
//! Byline (candle, release build) against diffusers (PyTorch) on the very same files.
//!
//! The `tiny_sd` example of byline-images writes the pipeline folder (with the configs diffusers
//! needs) and times Byline's `Pipeline::generate` on it; `benches/diffusers_peer.py` times
//! `StableDiffusionPipeline` on the same folder with the same prompt, size, steps, guidance,
//! seed, DDIM scheduler and thread count. Each side runs in its own process, one warm-up then
//! timed generations, and the two alternate for several rounds so that a busy machine slows
//! both alike; the medians are taken over every round. One table per thread count:
//! `BYLINE_BENCH_THREADS` is a comma-separated list (default: 1 and every core; on a shared,
//! loaded machine the single-thread figures are the steady ones), `BYLINE_BENCH_ROUNDS` the
//! rounds (default 3).
use std::collections::BTreeMap;
use std::process::Command;

use crate::bench_util::{median, output};

use anyhow::{Context, Result, bail};

const PROMPT: &str = "A cat in the harbour at night";
const NEGATIVE: &str = "blurry";
const STEPS: usize = 20;
const SIZE: &str = "256x256";
const GUIDANCE: &str = "7.5";
const SEED: &str = "1";
/// Timed generations per process, after its warm-up.
const RUNS: usize = 2;

/// What one side reported over all its rounds.
#[derive(Default)]
struct Side {
    intervals: Vec<f64>,
    totals: Vec<f64>,
    loads: Vec<f64>,
    rss_start: Vec<f64>,
    peak_rss: Vec<f64>,
}

impl Side {
    /// Adds one process's `key value` lines (lists are comma-separated).
    fn add(&mut self, text: &str, who: &str) -> Result<()> {
        let map: BTreeMap<&str, &str> = text.lines().filter_map(|l| l.split_once(' ')).collect();
        let list = |key: &str| -> Result<Vec<f64>> {
            let v = map.get(key).with_context(|| format!("{who} reported no {key}"))?;
            v.split(',').map(|x| x.trim().parse::<f64>().with_context(|| format!("{who}: bad {key} {v:?}"))).collect()
        };
        let intervals = list("step_intervals_s")?;
        let totals = list("totals_s")?;
        if intervals.len() != totals.len() * (STEPS - 1) {
            bail!("{who} reported {} step intervals for {} generations", intervals.len(), totals.len());
        }
        self.intervals.extend(intervals);
        self.totals.extend(totals);
        self.loads.extend(list("load_s")?);
        self.rss_start.extend(list("rss_start_mib")?);
        self.peak_rss.extend(list("peak_rss_mib")?);
        Ok(())
    }

    /// (seconds per step, fixed cost, total, load, peak RSS, RSS at start). The fixed cost is
    /// taken per generation (its time minus steps × its own median step), then the median.
    fn summary(&self) -> [f64; 6] {
        let fixed: Vec<f64> = self
            .intervals
            .chunks(STEPS - 1)
            .zip(&self.totals)
            .map(|(steps, total)| total - STEPS as f64 * median(steps))
            .collect();
        [
            median(&self.intervals),
            median(&fixed),
            median(&self.totals),
            median(&self.loads),
            self.peak_rss.iter().copied().fold(f64::NAN, f64::max),
            median(&self.rss_start),
        ]
    }
}

pub fn run() -> Result<()> {
    let root = crate::root();
    let target = crate::target_dir(&root);
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    let threads: Vec<String> = match std::env::var("BYLINE_BENCH_THREADS") {
        Ok(list) => list.split(',').map(|t| t.trim().to_string()).collect(),
        Err(_) if cores > 1 => vec!["1".into(), cores.to_string()],
        Err(_) => vec!["1".into()],
    };
    let rounds: usize = std::env::var("BYLINE_BENCH_ROUNDS").ok().and_then(|r| r.parse().ok()).unwrap_or(3);
    crate::run(
        &root,
        &crate::cargo(),
        &["build", "--release", "--package", "byline-images", "--features", "test-support", "--example", "tiny_sd"],
        &[],
    )?;
    let exe = target.join("release/examples/tiny_sd");
    let tiny = target.join("bench-images/tiny-sd");
    if tiny.exists() {
        std::fs::remove_dir_all(&tiny).with_context(|| format!("removing {}", tiny.display()))?;
    }
    output(Command::new(&exe).arg("write").arg(&tiny), "writing the tiny pipeline")?;

    let (steps, runs) = (STEPS.to_string(), RUNS.to_string());
    let pairs = [
        ("--prompt", PROMPT),
        ("--negative", NEGATIVE),
        ("--steps", &steps),
        ("--size", SIZE),
        ("--guidance", GUIDANCE),
        ("--seed", SEED),
        ("--runs", &runs),
    ];
    let params: Vec<&str> = pairs.iter().flat_map(|(k, v)| [*k, *v]).collect();
    let script = root.join("src-tauri/crates/byline-images/benches/diffusers_peer.py");
    let mut tables = Vec::new();
    let mut versions = String::new();
    for t in &threads {
        let (mut ours, mut peer) = (Side::default(), Side::default());
        for round in 1..=rounds {
            eprintln!("{t} thread(s), round {round}/{rounds}: Byline…");
            let text = output(
                Command::new(&exe).arg("run").arg(&tiny).args(&params).env("RAYON_NUM_THREADS", t),
                "the Byline side (tiny_sd run)",
            )?;
            ours.add(&text, "Byline")?;
            eprintln!("{t} thread(s), round {round}/{rounds}: diffusers…");
            let text = output(
                Command::new(crate::peer_python()).arg(&script).arg(&tiny).args(&params).args(["--threads", t]),
                "the diffusers peer (set BYLINE_BENCH_PYTHON to a Python with torch, diffusers and transformers)",
            )?;
            peer.add(&text, "diffusers")?;
            versions = text.lines().find_map(|l| l.strip_prefix("versions ")).unwrap_or_default().to_string();
        }
        tables.push((t, ours.summary(), peer.summary()));
    }

    println!(
        "\nTiny SD pipeline ({}): {SIZE}, {STEPS} DDIM steps, CFG {GUIDANCE}, seed {SEED}, CPU f32; medians over \
         {rounds} alternating rounds × {RUNS} timed generations (each process warmed up once)",
        tiny.display()
    );
    println!("diffusers side: {versions}");
    let labels = [
        ("seconds per step (median)", 4),
        ("fixed cost, s (text encoding, noise, VAE decode)", 3),
        ("total per image, s (median)", 3),
        ("pipeline load, s (median)", 3),
        ("peak RSS, MiB (VmHWM / ru_maxrss, highest process)", 0),
        ("RSS at process start, MiB (Python: before importing torch)", 0),
    ];
    for (t, ours, peer) in tables {
        println!(
            "\n| {t} thread(s) | Byline (candle, release) | diffusers (PyTorch) | Byline ÷ diffusers |\n|---|---:|---:|---:|"
        );
        for (((label, digits), a), b) in labels.into_iter().zip(ours).zip(peer) {
            println!("| {label} | {a:.digits$} | {b:.digits$} | {:.2} |", a / b);
        }
    }
    Ok(())
}
