//! `byline bench generate`: prompt processing and generation speed of the drafting engine, greedy, on one
//! prompt. The JSON carries the exact prompt token ids, so `byline-draft/benches/llama_peer.py` feeds
//! llama.cpp the same tokens and generates the same number of tokens.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use byline_core::{AppPaths, CancelToken};
use byline_draft::{GenerateParams, Message, StopReason};
use serde::Serialize;

/// About 400 tokens with SmolLM2's chat template. The request asks for long output so that the model
/// does not end its turn before `--tokens` (the engine has no "ignore end of turn" switch, by design).
const NEWS_PROMPT: &str = "Read the news article below, then write a long and detailed report about it for the \
evening bulletin. Retell every event in order, explain the background, quote the people involved, and add \
paragraph after paragraph of analysis.

Riverside council approves flood defence plan after months of debate

The Riverside city council voted eleven to four on Tuesday night to approve a 48 million pound flood defence \
plan for the low-lying districts along the river, ending months of debate that divided residents, businesses \
and environmental groups. The plan will raise the embankment along three kilometres of the eastern bank, build \
two pumping stations near the old railway bridge, and restore a stretch of wetland upstream that engineers say \
will hold back water during heavy rain.

Mayor Helen Carter said the vote was a turning point for the city. \"For twenty years, families in the east \
end have watched the forecast with fear every winter,\" she told the packed chamber. \"Tonight we have chosen to \
protect their homes, their schools and their livelihoods.\" The floods of last February damaged more than nine \
hundred homes and closed the district hospital for eleven days.

Opponents argued that the cost was too high and that the council had not consulted enough. Councillor James \
Whitfield, who voted against the plan, said the budget would force cuts to libraries and bus services. \"Nobody \
disputes that we need flood defences,\" he said. \"But this plan was rushed, and the people who will pay for it \
were not asked.\" A petition signed by four thousand residents had called for a public inquiry.

Environmental groups gave the plan a cautious welcome. The Riverside Wildlife Trust said the wetland \
restoration would bring back birds and fish that had vanished from the area, but warned that the new embankment \
could push water onto farmland downstream. The trust asked the council to publish the full engineering report.

Work is due to begin in the spring and to last four years. The council will borrow half of the money and seek \
the rest from a national resilience fund. Local businesses, many of which lost stock in last year's floods, \
said they hoped the work would not disrupt trade in the town centre.";

#[derive(clap::Args)]
pub struct BenchGenerateArgs {
    #[command(flatten)]
    model: crate::draft_cmd::ModelArgs,
    /// A file holding the user message (default: a built-in news article of about 400 tokens).
    #[arg(long, value_name = "FILE")]
    prompt_file: Option<PathBuf>,
    /// Tokens to generate per run (fewer if the model ends its turn first; the report says).
    #[arg(long, default_value_t = 128)]
    tokens: usize,
    /// Timed runs after one warm-up run; medians are reported.
    #[arg(long, default_value_t = 3)]
    runs: usize,
    #[arg(long)]
    json: bool,
}

#[derive(Serialize)]
struct Run {
    prefill_ms: f64,
    ttft_ms: f64,
    generate_ms: f64,
    generated_tokens: usize,
    stop_reason: StopReason,
}

#[derive(Serialize)]
struct Report {
    engine: &'static str,
    model: PathBuf,
    /// CPU threads: the device setting's for the fast path; candle's (RAYON_NUM_THREADS, else the available
    /// cores) when candle runs the model.
    threads: usize,
    load_ms: f64,
    prompt_tokens: usize,
    prompt_tok_s: f64,
    prefill_ms: f64,
    ttft_ms: f64,
    generated_tokens: usize,
    gen_tok_s: f64,
    /// VmRSS before the model is loaded, and VmHWM (peak resident set) at the end.
    rss_before_load_mib: f64,
    peak_rss_mib: f64,
    runs: Vec<Run>,
    /// The rendered chat prompt and its token ids, exactly as the model saw them.
    rendered_prompt: String,
    prompt_token_ids: Vec<u32>,
    text: String,
}

/// A `/proc/self/status` field in MiB (Linux; 0 elsewhere).
fn proc_status_mib(field: &str) -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':')?.trim().strip_suffix("kB")?.trim().parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(0.0)
}

fn candle_threads() -> usize {
    std::env::var("RAYON_NUM_THREADS")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|&n| n > 0)
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}

pub fn run(paths: &AppPaths, args: BenchGenerateArgs) -> Result<()> {
    if args.runs == 0 || args.tokens == 0 {
        bail!("--runs and --tokens must be at least 1");
    }
    let user = match &args.prompt_file {
        Some(file) => std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?,
        None => NEWS_PROMPT.to_string(),
    };
    let rss_before_load_mib = proc_status_mib("VmRSS");
    let (mut engine, path) = crate::draft_cmd::engine(paths, &args.model)?;
    let fast_threads = engine.threads();
    let loading = Instant::now();
    let lm = engine.load(&path).with_context(|| format!("loading {}", path.display()))?;
    let load_ms = loading.elapsed().as_secs_f64() * 1000.0;
    let rendered_prompt = lm.template.render(&[Message::new("user", user)])?;
    let prompt_token_ids = lm.encode_prompt(&rendered_prompt)?;
    let params = GenerateParams::greedy(args.tokens);
    let cancel = CancelToken::new();

    let mut runs = Vec::new();
    let mut text = String::new();
    // Run 0 warms caches and the allocator and is not reported.
    for i in 0..=args.runs {
        let g = lm.generate(&prompt_token_ids, &params, &cancel, &mut |_| {})?;
        if i == 0 {
            text = g.text;
            continue;
        }
        if g.stop_reason != StopReason::MaxTokens {
            eprintln!("warning: run {i} stopped early ({:?}) after {} tokens", g.stop_reason, g.generated_tokens);
        }
        runs.push(Run {
            prefill_ms: g.prompt_ms,
            ttft_ms: g.first_token_ms.unwrap_or(g.prompt_ms),
            generate_ms: g.generate_ms,
            generated_tokens: g.generated_tokens,
            stop_reason: g.stop_reason,
        });
    }
    let generated_tokens = runs.iter().map(|r| r.generated_tokens).min().unwrap_or(0);
    let prefill_ms = median(runs.iter().map(|r| r.prefill_ms).collect());
    let fast = lm.model.engine() == "byline-kernels";
    let report = Report {
        engine: if fast { "byline (byline-kernels)" } else { "byline (candle)" },
        model: path,
        threads: if fast { fast_threads } else { candle_threads() },
        load_ms,
        prompt_tokens: prompt_token_ids.len(),
        prompt_tok_s: prompt_token_ids.len() as f64 / (prefill_ms / 1000.0),
        prefill_ms,
        ttft_ms: median(runs.iter().map(|r| r.ttft_ms).collect()),
        generated_tokens,
        gen_tok_s: median(runs.iter().map(|r| r.generated_tokens as f64 / (r.generate_ms / 1000.0)).collect()),
        rss_before_load_mib,
        peak_rss_mib: proc_status_mib("VmHWM"),
        runs,
        rendered_prompt,
        prompt_token_ids,
        text,
    };
    if args.json {
        println!("{}", serde_json::to_string(&report)?);
    } else {
        println!(
            "{} prompt tokens: {:.0} tok/s ({:.0} ms); first token {:.0} ms; {} generated: {:.1} tok/s; \
             peak RSS {:.0} MiB ({} threads, median of {})",
            report.prompt_tokens,
            report.prompt_tok_s,
            report.prefill_ms,
            report.ttft_ms,
            report.generated_tokens,
            report.gen_tok_s,
            report.peak_rss_mib,
            report.threads,
            report.runs.len()
        );
    }
    Ok(())
}
