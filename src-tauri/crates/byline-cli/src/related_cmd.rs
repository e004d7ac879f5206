//! `byline index`, `byline related`, `byline eval related`: the related-articles engine.
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use byline_core::{AppPaths, CancelToken, Progress, Reporter};
use byline_library::Library;
use byline_related::{Embedder, Feedback, RankOptions, Recommender, RelatedResult, eval, index_library, set_feedback};
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};

/// Which embedding model to use; shared by the related-articles commands.
#[derive(Args, Clone)]
pub struct ModelArgs {
    /// Catalog id of an installed embedding model.
    #[arg(long, default_value = "all-minilm-l6-v2")]
    pub model: String,
    /// Use this model folder instead of the installed one (a local path wins over the store).
    #[arg(long, value_name = "DIR")]
    pub model_dir: Option<PathBuf>,
    /// auto, cpu, cuda, cuda:N or metal (default: the `device` setting).
    #[arg(long)]
    pub device: Option<byline_device::DeviceChoice>,
}

#[derive(Args)]
pub struct IndexArgs {
    #[command(flatten)]
    pub model: ModelArgs,
    #[arg(long)]
    pub json: bool,
}

#[derive(Args)]
pub struct RelatedArgs {
    /// Article id (omit with --text).
    pub id: Option<i64>,
    /// Read the query text from a file ("-" for stdin) instead of a saved article.
    #[arg(long, value_name = "FILE", conflicts_with = "id")]
    pub text: Option<PathBuf>,
    #[arg(short, default_value_t = 10)]
    pub k: usize,
    /// Show the best matching passage pair and the shared names and terms.
    #[arg(long)]
    pub explain: bool,
    /// Favour recent articles (half-life in days).
    #[arg(long, value_name = "DAYS")]
    pub recency: Option<f64>,
    /// Record feedback instead of listing: pin, hide or clear SUGGESTION_ID for ID.
    #[arg(long, value_names = ["ACTION", "SUGGESTION_ID"], num_args = 2, requires = "id")]
    pub feedback: Option<Vec<String>>,
    /// Rank by content only, ignoring what you used together (learning from use).
    #[arg(long)]
    pub no_use: bool,
    /// List what learning from use has recorded (links, sources, pins, opens per story) instead.
    #[arg(long, conflicts_with_all = ["id", "text", "feedback"])]
    pub usage: bool,
    /// Forget everything learning from use has recorded (pins stay pinned).
    #[arg(long, conflicts_with_all = ["id", "text", "feedback", "usage"])]
    pub forget_usage: bool,
    #[command(flatten)]
    pub model: ModelArgs,
    #[arg(long)]
    pub json: bool,
}

/// `byline eval …`: quality measurements.
#[derive(clap::Subcommand)]
pub enum EvalCommand {
    /// Precision@k, nDCG@k and MRR of BM25, dense and hybrid related-article ranking.
    Related(EvalRelatedArgs),
}

#[derive(Args)]
pub struct EvalRelatedArgs {
    /// JSONL with `text` and a `label` (same label = relevant) or an `id` and graded `relevance`
    /// ({id: gain}) per line. Give several to see each and a leave-one-set-out choice of configuration.
    #[arg(long, required = true)]
    pub dataset: Vec<PathBuf>,
    #[arg(short, default_value_t = 10)]
    pub k: usize,
    /// Measure learning from use instead: simulated writing sessions on half the articles, the other half
    /// queried with each weight, the weight chosen by two-fold cross-validation.
    #[arg(long = "use")]
    pub simulate_use: bool,
    #[command(flatten)]
    pub model: ModelArgs,
    #[arg(long)]
    pub json: bool,
}

pub fn load_embedder(paths: &AppPaths, args: &ModelArgs) -> Result<Embedder> {
    let dir = match &args.model_dir {
        Some(dir) => dir.clone(),
        None => byline_models::Store::new(paths)?.path(&args.model).with_context(|| {
            format!("model {} is not installed; run `byline models pull {}`", args.model, args.model)
        })?,
    };
    let selected = crate::selected_device(paths, args.device)?;
    eprintln!("{}", selected.report);
    Ok(Embedder::load(&dir, &args.model, &selected.device)?)
}

struct Bar(ProgressBar);

impl Reporter for Bar {
    fn on_start(&self, total: Option<u64>, message: &str) {
        self.0.set_length(total.unwrap_or(0));
        self.0.set_message(message.to_string());
    }
    fn on_progress(&self, p: &Progress) {
        self.0.set_position(p.done);
    }
    fn on_done(&self, message: &str) {
        self.0.finish_and_clear();
        eprintln!("{message}");
    }
}

fn bar() -> Bar {
    let bar = ProgressBar::new(0);
    let style = ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len} {eta}")
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ");
    bar.set_style(style);
    Bar(bar)
}

pub fn index(paths: &AppPaths, args: IndexArgs) -> Result<()> {
    let emb = load_embedder(paths, &args.model)?;
    let mut lib = Library::open(&paths.library_db())?;
    let cancel = CancelToken::new();
    // Ctrl-C stops the process; every finished article is already committed, so a rerun resumes.
    let stats = index_library(&mut lib, &emb, &bar(), &cancel)?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&stats)?);
    } else {
        println!(
            "{} articles: {} unchanged, {} passages embedded, {} reused, {} unreadable, {} truncated",
            stats.articles, stats.unchanged, stats.embedded, stats.reused, stats.unreadable, stats.truncated
        );
    }
    Ok(())
}

fn read_text(path: &Path) -> Result<String> {
    if path == Path::new("-") {
        return std::io::read_to_string(std::io::stdin()).context("reading stdin");
    }
    std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))
}

pub fn related(paths: &AppPaths, args: RelatedArgs) -> Result<()> {
    let lib = Library::open(&paths.library_db())?;
    if args.forget_usage {
        let n = byline_library::usage::clear(lib.connection())?;
        println!("forgot {n} recorded uses; suggestions rank by content alone until you use articles again");
        return Ok(());
    }
    if args.usage {
        let summary = byline_library::usage::summary(lib.connection(), 200)?;
        if args.json {
            println!("{}", serde_json::to_string_pretty(&summary)?);
            return Ok(());
        }
        println!("{} uses recorded (links, sources, pins and opens per story); most recent first:", summary.total);
        for u in &summary.recent {
            let title = |t: &str| if t.is_empty() { "(untitled)".to_string() } else { t.to_string() };
            println!(
                "{}  #{} {} ← {} #{} {}",
                u.at.get(..10).unwrap_or(&u.at),
                u.story_id,
                title(&u.story_title),
                u.kind.as_str(),
                u.used_id,
                title(&u.used_title)
            );
        }
        return Ok(());
    }
    if let (Some(fb), Some(id)) = (&args.feedback, args.id) {
        let action: Feedback = fb[0].parse()?;
        let other: i64 = fb[1].parse().context("SUGGESTION_ID must be an article id")?;
        set_feedback(lib.connection(), id, other, action)?;
        println!("{} article {other} for article {id}", fb[0]);
        return Ok(());
    }
    let opts = RankOptions {
        k: args.k,
        explain: args.explain,
        recency_half_life_days: args.recency,
        co_use_weight: if args.no_use { 0.0 } else { byline_related::CO_USE_WEIGHT },
        ..RankOptions::default()
    };
    let mut rec = Recommender::new(load_embedder(paths, &args.model)?);
    let result = match (args.id, &args.text) {
        (Some(id), None) => rec.for_article(&lib, id, &opts)?,
        (None, Some(file)) => rec.for_text(&lib, &read_text(file)?, None, &opts)?,
        _ => bail!("give an article ID or --text FILE"),
    };
    if args.json {
        println!("{}", serde_json::to_string_pretty(&result)?);
    } else {
        print_result(&result);
    }
    Ok(())
}

fn print_result(r: &RelatedResult) {
    for note in &r.notes {
        eprintln!("note: {note}");
    }
    for s in &r.already_written {
        println!("already written: #{} {} (similarity {:.2})", s.id, s.title, s.similarity.unwrap_or(0.0));
    }
    if r.suggestions.is_empty() {
        println!("no related articles");
    }
    for (i, s) in r.suggestions.iter().enumerate() {
        let pin = if s.pinned { " [pinned]" } else { "" };
        let title = if s.title.is_empty() { "(untitled)" } else { &s.title };
        println!("{:>2}. #{} {title}{pin}  score {:.4}", i + 1, s.id, s.score);
        if s.used_together > 0 {
            println!(
                "      you used these together in {} {}",
                s.used_together,
                if s.used_together == 1 { "story" } else { "stories" }
            );
        }
        if let Some(why) = &s.explanation {
            if !why.shared_entities.is_empty() {
                println!("      shared names: {}", why.shared_entities.join(", "));
            }
            if !why.shared_terms.is_empty() {
                println!("      shared terms: {}", why.shared_terms.join(", "));
            }
            if let (Some(q), Some(m), Some(sim)) = (&why.query_passage, &why.match_passage, why.passage_similarity) {
                println!("      closest passages ({sim:.2}):\n        this: {q}\n        that: {m}");
            }
        }
    }
    eprintln!("{:.0} ms with {}", r.elapsed_ms, r.model_id);
}

pub fn eval_related(paths: &AppPaths, args: EvalRelatedArgs) -> Result<()> {
    let mut reports = Vec::new();
    for dataset in &args.dataset {
        let emb = load_embedder(paths, &args.model)?;
        if args.simulate_use {
            eval_use(emb, dataset, &args)?;
            continue;
        }
        let report = eval::run(emb, dataset, args.k, &bar(), &CancelToken::new())?;
        let name = dataset.file_stem().map_or_else(|| dataset.display().to_string(), |s| s.to_string_lossy().into());
        if !args.json {
            print_eval(&name, &report);
        }
        reports.push((name, report));
    }
    let held_out = eval::leave_one_set_out(&reports);
    if args.json {
        if !args.simulate_use {
            let sets: Vec<_> =
                reports.iter().map(|(name, r)| serde_json::json!({"dataset": name, "report": r})).collect();
            println!("{}", serde_json::to_string_pretty(&serde_json::json!({"sets": sets, "held_out": held_out}))?);
        }
        return Ok(());
    }
    if reports.len() > 1 {
        println!("leave one set out (the configuration best on the other sets, scored on this one):");
        for h in &held_out {
            println!("  {}: {} → nDCG@{} {:.3} (default {:.3})", h.dataset, h.chosen, args.k, h.ndcg, h.default_ndcg);
        }
    }
    Ok(())
}

fn print_eval(name: &str, report: &eval::EvalReport) {
    println!(
        "{name}: {} documents, {} of them queries ({} empty after cleaning skipped), model {}, k = {}\n",
        report.documents, report.queries, report.skipped, report.model_id, report.k
    );
    println!(
        "| method | P@{k} | nDCG@{k} (95 % interval) | nDCG − dense (95 % interval) | MRR |\n|---|---|---|---|---|",
        k = report.k
    );
    for row in &report.rows {
        println!(
            "| {} | {:.3} | {:.3} ({:.3}–{:.3}) | {:+.3} ({:+.3} to {:+.3}) | {:.3} |",
            row.method,
            row.precision,
            row.ndcg,
            row.ndcg_low,
            row.ndcg_high,
            row.vs_dense,
            row.vs_dense_low,
            row.vs_dense_high,
            row.mrr
        );
    }
    println!();
}

#[derive(Args)]
pub struct BenchEmbedArgs {
    #[command(flatten)]
    pub model: ModelArgs,
    /// Passages to embed.
    #[arg(long, default_value_t = 256)]
    pub passages: usize,
    /// Words per passage.
    #[arg(long, default_value_t = 120)]
    pub words: usize,
    #[arg(long, default_value_t = 16)]
    pub batch: usize,
    /// Timed passes over all passages (after one warm-up batch); the median is reported.
    #[arg(long, default_value_t = 3)]
    pub runs: usize,
    /// Also write the generated passages here, one per line, so a peer can embed the same texts.
    #[arg(long, value_name = "FILE")]
    pub texts_out: Option<PathBuf>,
    #[arg(long)]
    pub json: bool,
}

#[derive(Args)]
pub struct BenchRelatedArgs {
    /// Index sizes (passage vectors) to time.
    #[arg(long, value_delimiter = ',', default_value = "1000,10000,100000")]
    pub sizes: Vec<usize>,
    #[arg(long, default_value_t = 200)]
    pub queries: usize,
    #[arg(long, default_value_t = 384)]
    pub dim: usize,
    #[arg(long)]
    pub json: bool,
}

const BENCH_WORDS: &[&str] = &[
    "council",
    "budget",
    "election",
    "mayor",
    "housing",
    "river",
    "flood",
    "school",
    "teacher",
    "hospital",
    "court",
    "police",
    "festival",
    "museum",
    "railway",
    "airport",
    "harvest",
    "drought",
    "vaccine",
    "stadium",
    "market",
    "inflation",
    "pension",
    "minister",
    "parliament",
    "campaign",
    "the",
    "a",
    "of",
    "and",
    "said",
    "on",
    "in",
    "new",
];

/// `byline bench embed`: passages per second through the embedding model (median of `--runs` passes).
pub fn bench_embed(paths: &AppPaths, args: BenchEmbedArgs) -> Result<()> {
    use rand::{Rng, SeedableRng};
    let mut emb = load_embedder(paths, &args.model)?;
    emb.set_batch_size(args.batch);
    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    let texts: Vec<String> = (0..args.passages)
        .map(|_| {
            (0..args.words).map(|_| BENCH_WORDS[rng.random_range(0..BENCH_WORDS.len())]).collect::<Vec<_>>().join(" ")
        })
        .collect();
    if let Some(path) = &args.texts_out {
        let lines: String = texts.iter().map(|t| format!("{t}\n")).collect();
        std::fs::write(path, lines).with_context(|| format!("writing {}", path.display()))?;
    }
    let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
    emb.embed(&refs[..refs.len().min(args.batch)])?; // warm-up, not timed
    let mut times: Vec<f64> = (0..args.runs.max(1))
        .map(|_| {
            let start = std::time::Instant::now();
            emb.embed(&refs).map(|_| start.elapsed().as_secs_f64())
        })
        .collect::<Result<_, _>>()?;
    times.sort_by(f64::total_cmp);
    let secs = percentile(&times, 0.5);
    let rate = args.passages as f64 / secs;
    if args.json {
        println!(
            "{}",
            serde_json::json!({
                "passages": args.passages, "words": args.words, "batch": args.batch, "max_tokens": emb.max_tokens(),
                "runs": times.len(), "median_seconds": secs, "passages_per_s": rate
            })
        );
    } else {
        println!(
            "{} passages of {} words, median of {} runs {secs:.2} s: {rate:.1} passages/s",
            args.passages,
            args.words,
            times.len()
        );
    }
    Ok(())
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

/// `byline bench related`: dense top-10 search latency over N random unit vectors (brute force).
pub fn bench_related(args: BenchRelatedArgs) -> Result<()> {
    use byline_related::{BruteForce, VectorIndex};
    use rand::{Rng, SeedableRng};
    let mut rng = rand::rngs::StdRng::seed_from_u64(11);
    let mut unit = |dim: usize| {
        let v: Vec<f32> = (0..dim).map(|_| rng.random_range(-1.0f32..1.0)).collect();
        let n = v.iter().map(|x| x * x).sum::<f32>().sqrt().max(1e-12);
        v.into_iter().map(|x| x / n).collect::<Vec<f32>>()
    };
    let mut rows = Vec::new();
    for &n in &args.sizes {
        let index = BruteForce::from_pairs(args.dim, (0..n as i64).map(|k| (k, unit(args.dim))));
        let queries: Vec<Vec<f32>> = (0..args.queries.max(1)).map(|_| unit(args.dim)).collect();
        std::hint::black_box(index.search(&queries[0], 10)); // warm-up, not timed
        let mut ms: Vec<f64> = queries
            .iter()
            .map(|q| {
                let t = std::time::Instant::now();
                std::hint::black_box(index.search(q, 10));
                t.elapsed().as_secs_f64() * 1000.0
            })
            .collect();
        ms.sort_by(f64::total_cmp);
        let (p50, p95) = (percentile(&ms, 0.5), percentile(&ms, 0.95));
        if !args.json {
            println!("{n:>8} passages: p50 {p50:.3} ms, p95 {p95:.3} ms");
        }
        rows.push(serde_json::json!({ "passages": n, "p50_ms": p50, "p95_ms": p95 }));
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&rows)?);
    }
    Ok(())
}

fn eval_use(emb: Embedder, dataset: &Path, args: &EvalRelatedArgs) -> Result<()> {
    let report = eval::simulate_use(emb, dataset, args.k, &bar(), &CancelToken::new())?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
        return Ok(());
    }
    println!(
        "{}: {} documents, model {}, k = {}: {} simulated sessions recorded {} uses; {} held-out queries were used \
         in some session (warm), {} never (cold)\n",
        dataset.display(),
        report.documents,
        report.model_id,
        report.k,
        report.sessions,
        report.uses,
        report.warm_queries,
        report.cold_queries
    );
    println!("| weight of use | nDCG@{k} warm | nDCG@{k} cold | nDCG@{k} all |\n|---|---|---|---|", k = report.k);
    for row in &report.rows {
        println!("| {} | {:.3} | {:.3} | {:.3} |", row.co_use_weight, row.ndcg_warm, row.ndcg_cold, row.ndcg_all);
    }
    println!("\ntwo-fold cross-validation (weight chosen on the other fold):");
    for (i, fold) in report.folds.iter().enumerate() {
        println!(
            "  fold {}: {} queries, weight {} → nDCG@{} {:.3} (content only {:.3})",
            i + 1,
            fold.queries,
            fold.chosen_weight,
            report.k,
            fold.ndcg_with_use,
            fold.ndcg_content
        );
    }
    Ok(())
}
