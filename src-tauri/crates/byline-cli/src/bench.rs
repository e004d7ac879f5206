//! `byline bench library`: import and search throughput on a generated library. The same
//! generated files drive the Python sqlite3 peer (`benches/library_peer.py`) for a fair ratio.
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result};
use byline_core::{CancelToken, NoProgress};
use byline_library::Library;
use clap::Subcommand;
use rand::rngs::StdRng;
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use serde::Serialize;

#[derive(Subcommand)]
pub enum BenchCommand {
    /// Import N generated articles, then time searches over them.
    Library {
        #[arg(long, default_value_t = 100_000)]
        articles: usize,
        #[arg(long, default_value_t = 500)]
        queries: usize,
        /// Folder for the generated input and the database (kept for the Python peer).
        #[arg(long)]
        workdir: PathBuf,
        #[arg(long)]
        json: bool,
    },
    /// Embedding throughput of a sentence-embedding model (passages per second).
    Embed(crate::related_cmd::BenchEmbedArgs),
    /// Dense related-article search latency (p50/p95) at several index sizes.
    Related(crate::related_cmd::BenchRelatedArgs),
    /// VADER sentences per second on a file of sentences (compare with benches/vader_peer.py).
    Sentiment(crate::bench_voice::BenchSentimentArgs),
    /// eSpeak NG's real-time factor on an article.
    Speech(crate::bench_voice::BenchSpeechArgs),
    /// Prompt and generation tokens per second of a GGUF model, greedy (compare with benches/llama_peer.py).
    Generate(crate::bench_generate::BenchGenerateArgs),
    /// Quote checks as the Quotes panel runs them: QUOTES quotes against HOURS of generated transcripts.
    Quotes {
        #[arg(long, default_value_t = 20)]
        hours: usize,
        #[arg(long, default_value_t = 50)]
        quotes: usize,
        #[arg(long, default_value_t = 9)]
        runs: usize,
        /// Folder for the generated library (its quotes-bench.sqlite3 is made afresh).
        #[arg(long)]
        workdir: PathBuf,
        #[arg(long)]
        json: bool,
    },
    /// Writes a random-weight GGUF at a real model's shapes and quantization, for speed comparisons.
    RandomModel {
        /// The shape: qwen2.5-1.5b-q4_k_m.
        #[arg(long)]
        shape: String,
        /// A GGUF whose tokenizer and chat template the file copies.
        #[arg(long, value_name = "FILE")]
        tokenizer_from: PathBuf,
        /// The file to write (refused if it exists).
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
}

const EN_WORDS: &[&str] = &[
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
    "nurse",
    "strike",
    "court",
    "judge",
    "verdict",
    "police",
    "protest",
    "festival",
    "museum",
    "library",
    "railway",
    "station",
    "airport",
    "tariff",
    "export",
    "harvest",
    "drought",
    "wildfire",
    "vaccine",
    "clinic",
    "stadium",
    "league",
    "coach",
    "transfer",
    "market",
    "inflation",
    "interest",
    "bank",
    "pension",
    "union",
    "minister",
    "parliament",
    "senate",
    "governor",
    "campaign",
    "poll",
    "voter",
    "ballot",
    "district",
    "county",
    "bridge",
    "tunnel",
    "highway",
    "traffic",
    "cyclist",
    "pollution",
    "climate",
    "emission",
    "solar",
    "wind",
    "factory",
    "worker",
    "wage",
    "contract",
    "lawsuit",
    "investigation",
    "report",
    "audit",
    "scandal",
    "resignation",
    "refugee",
    "border",
    "asylum",
    "embassy",
    "treaty",
    "summit",
    "ceasefire",
    "aid",
    "charity",
    "volunteer",
    "the",
    "a",
    "of",
    "and",
    "to",
    "in",
    "on",
    "for",
    "with",
    "said",
    "after",
    "before",
    "new",
    "city",
    "year",
];
const ZH_WORDS: &[&str] = &[
    "北京",
    "上海",
    "选举",
    "市长",
    "预算",
    "住房",
    "洪水",
    "学校",
    "教师",
    "医院",
    "护士",
    "罢工",
    "法院",
    "法官",
    "警方",
    "抗议",
    "博物馆",
    "图书馆",
    "铁路",
    "机场",
    "关税",
    "出口",
    "干旱",
    "疫苗",
    "诊所",
    "市场",
    "通胀",
    "银行",
    "养老金",
    "工会",
    "部长",
    "议会",
    "竞选",
    "民调",
    "选民",
    "桥梁",
    "交通",
    "污染",
    "气候",
    "排放",
    "工厂",
    "工人",
    "工资",
    "合同",
    "诉讼",
    "调查",
    "报告",
    "审计",
    "丑闻",
    "难民",
    "边境",
    "大使馆",
    "条约",
    "峰会",
    "停火",
    "援助",
    "慈善",
    "志愿者",
    "记者",
    "新闻",
    "政府",
    "经济",
    "发展",
    "城市",
    "今年",
    "表示",
];

#[derive(Serialize)]
struct Row<'a> {
    title: &'a str,
    body: &'a str,
    byline: &'a str,
    tags: Vec<&'a str>,
    language: &'a str,
    published: String,
}

fn sentence(rng: &mut StdRng, zh: bool) -> String {
    let words = if zh { ZH_WORDS } else { EN_WORDS };
    let n = rng.random_range(8..20);
    let picked: Vec<&str> = (0..n).filter_map(|_| words.choose(rng).copied()).collect();
    if zh { format!("{}。", picked.concat()) } else { format!("{}.", picked.join(" ")) }
}

/// Writes `n` articles (one in five Chinese) as JSON Lines, and a query list beside it.
pub fn generate(dir: &Path, n: usize, queries: usize) -> Result<(PathBuf, PathBuf)> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let mut rng = StdRng::seed_from_u64(2026);
    let articles = dir.join("articles.jsonl");
    let mut out = std::io::BufWriter::new(std::fs::File::create(&articles)?);
    for i in 0..n {
        let zh = i % 5 == 4;
        let paragraphs: Vec<String> = (0..rng.random_range(4..9))
            .map(|_| (0..rng.random_range(2..5)).map(|_| sentence(&mut rng, zh)).collect::<Vec<_>>().join(" "))
            .collect();
        // A serial number keeps every generated article distinct for the deduplicator.
        let body = format!("{}\n\nRef {i}.", paragraphs.join("\n\n"));
        let title = sentence(&mut rng, zh);
        let row = Row {
            title: title.trim_end_matches(['.', '。']),
            body: &body,
            byline: "Bench Reporter",
            tags: vec![if zh { "国际" } else { "local" }],
            language: if zh { "zh" } else { "en" },
            published: format!("2025-{:02}-{:02}", i % 12 + 1, i % 28 + 1),
        };
        serde_json::to_writer(&mut out, &row)?;
        out.write_all(b"\n")?;
    }
    out.flush()?;
    let query_file = dir.join("queries.txt");
    let mut q = std::io::BufWriter::new(std::fs::File::create(&query_file)?);
    for i in 0..queries {
        let query = match i % 4 {
            0 => EN_WORDS.choose(&mut rng).copied().unwrap_or("council").to_string(),
            1 => format!(
                "{} {}",
                EN_WORDS[..80].choose(&mut rng).copied().unwrap_or("budget"),
                EN_WORDS[..80].choose(&mut rng).copied().unwrap_or("mayor")
            ),
            2 => ZH_WORDS.choose(&mut rng).copied().unwrap_or("北京").to_string(),
            _ => format!("\"{}\"", EN_WORDS[..80].choose(&mut rng).copied().unwrap_or("river")),
        };
        writeln!(q, "{query}")?;
    }
    q.flush()?;
    Ok((articles, query_file))
}

#[derive(Serialize)]
pub struct LibraryBench {
    pub articles: usize,
    pub import_seconds: f64,
    pub articles_per_second: f64,
    pub queries: usize,
    pub search_p50_ms: f64,
    pub search_p95_ms: f64,
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let idx = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted[idx.min(sorted.len() - 1)]
}

pub fn run(paths: &byline_core::AppPaths, cmd: BenchCommand) -> Result<()> {
    let (articles, queries, workdir, json) = match cmd {
        BenchCommand::Library { articles, queries, workdir, json } => (articles, queries, workdir, json),
        BenchCommand::Embed(args) => return crate::related_cmd::bench_embed(paths, args),
        BenchCommand::Related(args) => return crate::related_cmd::bench_related(args),
        BenchCommand::Sentiment(args) => return crate::bench_voice::sentiment(args),
        BenchCommand::Speech(args) => return crate::bench_voice::speech(args),
        BenchCommand::Generate(args) => return crate::bench_generate::run(paths, args),
        BenchCommand::Quotes { hours, quotes, runs, workdir, json } => {
            std::fs::create_dir_all(&workdir)?;
            let db = workdir.join("quotes-bench.sqlite3");
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
            }
            let lib = Library::open(&db)?;
            let r = byline_quotes::bench::run(lib.connection(), hours, quotes, runs)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&r)?);
            } else {
                println!(
                    "{} quotes against {} hours ({} words): index {:.0} ms once; check {:.1} ms median \
                     ({:.1}–{:.1}, {} runs); verdicts {:?} (verbatim, close, altered, not found)",
                    r.quotes,
                    r.hours,
                    r.transcript_words,
                    r.index_ms,
                    r.check_ms_median,
                    r.check_ms_min,
                    r.check_ms_max,
                    runs,
                    r.verdicts
                );
            }
            return Ok(());
        }
        BenchCommand::RandomModel { shape, tokenizer_from, out } => {
            let names: Vec<&str> = byline_draft::bench_model::SHAPES.iter().map(|s| s.name).collect();
            let Some(shape) = byline_draft::bench_model::shape(&shape) else {
                anyhow::bail!("unknown shape {shape:?}; known: {}", names.join(", "));
            };
            anyhow::ensure!(!out.exists(), "{} exists; pick another name or remove it", out.display());
            byline_draft::bench_model::write_random_model(&shape, &tokenizer_from, &out)?;
            println!("wrote {}", out.display());
            return Ok(());
        }
    };
    let (input, query_file) = generate(&workdir, articles, queries)?;
    let db = workdir.join("rust.sqlite3");
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
    }
    let mut lib = Library::open(&db)?;
    let start = Instant::now();
    let summary = lib.import_paths(&[input], &NoProgress, &CancelToken::new())?;
    let import_seconds = start.elapsed().as_secs_f64();
    anyhow::ensure!(summary.errors.is_empty(), "benchmark import had errors: {:?}", &summary.errors[..1]);

    let query_text = std::fs::read_to_string(&query_file)?;
    let mut times = Vec::new();
    for query in query_text.lines() {
        let t = Instant::now();
        let hits = lib.search(query, 20)?;
        times.push(t.elapsed().as_secs_f64() * 1000.0);
        std::hint::black_box(hits);
    }
    times.sort_by(f64::total_cmp);
    let result = LibraryBench {
        articles: summary.imported.len(),
        import_seconds,
        articles_per_second: summary.imported.len() as f64 / import_seconds,
        queries: times.len(),
        search_p50_ms: percentile(&times, 0.5),
        search_p95_ms: percentile(&times, 0.95),
    };
    if json {
        println!("{}", serde_json::to_string(&result)?);
    } else {
        println!(
            "imported {} articles in {:.1} s ({:.0} articles/s); search p50 {:.2} ms, p95 {:.2} ms over {} queries",
            result.articles,
            result.import_seconds,
            result.articles_per_second,
            result.search_p50_ms,
            result.search_p95_ms,
            result.queries
        );
    }
    Ok(())
}
