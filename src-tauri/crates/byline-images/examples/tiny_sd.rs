//! The Byline side of `cargo xtask bench images`; a maintenance tool, not part of the product
//! (it needs the `test-support` feature).
//!
//! `tiny_sd write DIR` writes the tiny random-weight pipeline (the one the tests use) into DIR,
//! in the diffusers layout, so diffusers can load the very same files.
//! `tiny_sd run DIR --prompt P --negative N --steps S --size WxH --guidance G --seed SEED --runs R`
//! loads it on the CPU, generates once to warm up and R times timed, and prints `key value`
//! lines: the load time, every interval between step-end events, every generation's time and
//! the process's resident memory at start and at its peak. The xtask takes the medians.
use std::path::Path;
use std::sync::Mutex;
use std::time::Instant;

use byline_core::{CancelToken, NoProgress, Progress, Reporter};
use byline_images::{GenerateRequest, Pipeline};
use candle_core::Device;

type Res<T> = Result<T, Box<dyn std::error::Error>>;

/// When each denoising step ended.
#[derive(Default)]
struct StepClock(Mutex<Vec<Instant>>);

impl Reporter for StepClock {
    fn on_progress(&self, p: &Progress) {
        if p.message.starts_with("step")
            && let Ok(mut ends) = self.0.lock()
        {
            ends.push(Instant::now());
        }
    }
}

/// A line of /proc/self/status in MiB (`VmHWM`: peak resident set size).
fn status_mib(key: &str) -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix(key)?.strip_prefix(':')?.split_whitespace().next()?.parse::<f64>().ok())
        .map_or(f64::NAN, |kib| kib / 1024.0)
}

fn option<'a>(args: &'a [String], name: &str) -> Res<&'a str> {
    args.windows(2).find(|w| w[0] == name).map(|w| w[1].as_str()).ok_or_else(|| format!("missing {name}").into())
}

fn run(dir: &Path, args: &[String]) -> Res<()> {
    let rss_start = status_mib("VmRSS");
    let (width, height) = byline_images::parse_size(option(args, "--size")?)?;
    let steps: usize = option(args, "--steps")?.parse()?;
    let runs: usize = option(args, "--runs")?.parse()?;
    let req = GenerateRequest {
        prompt: option(args, "--prompt")?.to_string(),
        negative_prompt: option(args, "--negative")?.to_string(),
        steps: Some(steps),
        guidance: Some(option(args, "--guidance")?.parse()?),
        seed: option(args, "--seed")?.parse()?,
        width,
        height,
        ..Default::default()
    };
    let started = Instant::now();
    let pipeline = Pipeline::load(dir, "tiny-sd", &Device::Cpu)?;
    let load_s = started.elapsed().as_secs_f64();
    pipeline.generate(&req, &NoProgress, None, &CancelToken::new())?;
    let (mut intervals, mut totals) = (Vec::new(), Vec::new());
    for _ in 0..runs {
        let clock = StepClock::default();
        let started = Instant::now();
        pipeline.generate(&req, &clock, None, &CancelToken::new())?;
        totals.push(started.elapsed().as_secs_f64());
        let ends = clock.0.into_inner().map_err(|_| "step clock poisoned")?;
        intervals.extend(ends.windows(2).map(|w| (w[1] - w[0]).as_secs_f64()));
    }
    let list = |v: &[f64]| v.iter().map(|x| format!("{x:.5}")).collect::<Vec<_>>().join(",");
    println!("load_s {load_s:.4}");
    println!("step_intervals_s {}", list(&intervals));
    println!("totals_s {}", list(&totals));
    println!("rss_start_mib {rss_start:.1}");
    println!("peak_rss_mib {:.1}", status_mib("VmHWM"));
    Ok(())
}

fn main() -> Res<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match (args.first().map(String::as_str), args.get(1)) {
        (Some("write"), Some(dir)) => byline_images::testing::write_tiny_pipeline(Path::new(dir)),
        (Some("run"), Some(dir)) => run(Path::new(dir), &args[2..]),
        _ => Err("usage: tiny_sd write DIR | tiny_sd run DIR --prompt P --negative N --steps S --size WxH \
                  --guidance G --seed SEED --runs R"
            .into()),
    }
}
