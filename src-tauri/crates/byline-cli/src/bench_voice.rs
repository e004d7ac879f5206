//! `byline bench sentiment` and `byline bench speech`: the lexicon engine's sentences per second (the Python
//! reference runs the same file through `benches/vader_peer.py`), and eSpeak's real-time factor.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use byline_core::CancelToken;
use byline_sentiment::vader::Vader;
use byline_speech::{Espeak, SpeechEngine, prepare, speak};
use serde::Serialize;

#[derive(clap::Args)]
pub struct BenchSentimentArgs {
    /// One sentence per line.
    #[arg(long)]
    file: PathBuf,
    /// Timed passes over the file; the median is reported.
    #[arg(long, default_value_t = 5)]
    repeats: usize,
    #[arg(long)]
    json: bool,
}

#[derive(clap::Args)]
pub struct BenchSpeechArgs {
    /// A Markdown or text article (about 500 words is the reference size).
    #[arg(long)]
    file: PathBuf,
    #[arg(long, default_value_t = 3)]
    repeats: usize,
    #[arg(long)]
    json: bool,
}

#[derive(Serialize)]
struct SentimentReport {
    engine: &'static str,
    sentences: usize,
    median_seconds: f64,
    sentences_per_second: f64,
}

#[derive(Serialize)]
struct SpeechReport {
    engine: &'static str,
    words: usize,
    audio_seconds: f64,
    median_seconds: f64,
    /// Compute time over audio time: below 1 is faster than real time.
    real_time_factor: f64,
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

pub fn sentiment(args: BenchSentimentArgs) -> Result<()> {
    let text = std::fs::read_to_string(&args.file).with_context(|| format!("reading {}", args.file.display()))?;
    let sentences: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    if sentences.is_empty() || args.repeats == 0 {
        bail!("nothing to measure");
    }
    let vader = Vader::get();
    let mut checksum = 0.0;
    let mut times = Vec::new();
    for _ in 0..=args.repeats {
        let start = Instant::now();
        for s in &sentences {
            checksum += vader.polarity_scores(s).compound;
        }
        times.push(start.elapsed().as_secs_f64());
    }
    times.remove(0); // the first pass warms caches
    std::hint::black_box(checksum);
    let median_seconds = median(times);
    let report = SentimentReport {
        engine: "byline vader",
        sentences: sentences.len(),
        median_seconds,
        sentences_per_second: sentences.len() as f64 / median_seconds,
    };
    print(&report, args.json, || {
        format!(
            "{} sentences/s ({} sentences, median of {})",
            report.sentences_per_second.round(),
            report.sentences,
            args.repeats
        )
    })
}

pub fn speech(args: BenchSpeechArgs) -> Result<()> {
    let text = std::fs::read_to_string(&args.file).with_context(|| format!("reading {}", args.file.display()))?;
    let sentences = prepare(&text);
    if sentences.is_empty() || args.repeats == 0 {
        bail!("nothing to measure");
    }
    let engine = Espeak::default_voices()?;
    let mut times = Vec::new();
    let mut samples = 0u64;
    for _ in 0..args.repeats {
        let start = Instant::now();
        samples = speak(&sentences, &engine, &CancelToken::new(), &mut |_| Ok(()))?;
        times.push(start.elapsed().as_secs_f64());
    }
    let audio_seconds = samples as f64 / engine.sample_rate() as f64;
    let median_seconds = median(times);
    let report = SpeechReport {
        engine: "espeak-ng",
        words: text.split_whitespace().count(),
        audio_seconds,
        median_seconds,
        real_time_factor: median_seconds / audio_seconds,
    };
    print(&report, args.json, || {
        format!(
            "{}: {:.1} s of audio in {:.2} s, real-time factor {:.3}",
            report.engine, report.audio_seconds, report.median_seconds, report.real_time_factor
        )
    })
}

fn print<T: Serialize>(report: &T, json: bool, line: impl FnOnce() -> String) -> Result<()> {
    if json {
        println!("{}", serde_json::to_string(report)?);
    } else {
        println!("{}", line());
    }
    Ok(())
}
