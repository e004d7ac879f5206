//! `byline sentiment`: tone of an article, a text file, a transcript's speakers, or readers' comments.

use std::io::Read;
use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use byline_core::{AppPaths, CancelToken, NoProgress};
use byline_library::Library;
use byline_models::Store;
use byline_sentiment::comments::{self, BucketSize};
use byline_sentiment::speakers::{self, Segment};
use byline_sentiment::{Aggregate, Analyzer, EngineChoice, TextSentiment};
use clap::{ArgGroup, Args};

#[derive(Args)]
#[command(group(ArgGroup::new("input").required(true).args(["article", "text", "comments", "segments", "transcript"])))]
pub struct SentimentArgs {
    /// Analyse the body of a library article.
    #[arg(long, value_name = "ID")]
    article: Option<i64>,
    /// Analyse a UTF-8 text file ("-" reads standard input).
    #[arg(long, value_name = "FILE")]
    text: Option<PathBuf>,
    /// Import readers' comments (CSV or JSON Lines: article, author, time, text), score them and show
    /// their distribution over time per article.
    #[arg(long, value_name = "FILE")]
    comments: Option<PathBuf>,
    /// Score a transcript per speaker: a JSON list of {"speaker": …, "text": …}.
    #[arg(long, value_name = "FILE")]
    segments: Option<PathBuf>,
    /// Score a stored transcript per speaker (its edited copy, with the names given there).
    #[arg(long, value_name = "ID")]
    transcript: Option<i64>,
    /// auto, lexicon, chinese or model.
    #[arg(long, default_value = "auto")]
    engine: String,
    /// Installed sentiment model to use (default: the first installed one).
    #[arg(long, value_name = "ID")]
    model: Option<String>,
    /// With --comments: the article for rows that name none.
    #[arg(long, value_name = "REF")]
    comments_article: Option<String>,
    /// With --comments: time bucket (auto, hour, day, week).
    #[arg(long, default_value = "auto")]
    bucket: String,
    #[arg(long)]
    json: bool,
}

pub fn run(paths: &AppPaths, args: SentimentArgs) -> Result<()> {
    let choice: EngineChoice = args.engine.parse()?;
    let selected = crate::selected_device(paths, None)?;
    let store = Store::new(paths)?;
    let analyzer = Analyzer::from_store(&store, choice, args.model.as_deref(), &selected.device)?;
    let cancel = CancelToken::new();

    if let Some(file) = &args.comments {
        let bucket: BucketSize = serde_json::from_value(serde_json::Value::String(args.bucket.to_ascii_lowercase()))
            .context("--bucket must be auto, hour, day or week")?;
        let mut lib = Library::open(&paths.library_db())?;
        let records = comments::read_file(file, args.comments_article.as_deref())?;
        let report = comments::import(
            lib.connection_mut(),
            &records,
            &analyzer,
            &file.display().to_string(),
            &NoProgress,
            &cancel,
        )?;
        let mut refs: Vec<&str> = records.iter().map(|r| r.article_ref.as_str()).collect();
        refs.sort();
        refs.dedup();
        let mut dists = Vec::new();
        for r in refs {
            dists.push((r.to_string(), comments::distribution(lib.connection(), r, bucket)?));
        }
        if args.json {
            let articles: Vec<_> =
                dists.iter().map(|(r, d)| serde_json::json!({"article": r, "distribution": d})).collect();
            println!("{}", serde_json::to_string_pretty(&serde_json::json!({"import": report, "articles": articles}))?);
            return Ok(());
        }
        println!(
            "{} comments read, {} imported ({} linked to library articles), {} already present",
            report.read, report.imported, report.linked, report.duplicates
        );
        for (r, d) in dists {
            println!("\narticle {r}: {} comments, mean {:+.3} (by {:?})", d.total, d.mean, d.bucket);
            for b in d.buckets.iter().filter(|b| b.positive + b.neutral + b.negative > 0) {
                println!("  {}  +{:<4} ={:<4} -{:<4} mean {:+.3}", b.start, b.positive, b.neutral, b.negative, b.mean);
            }
            let u = &d.undated;
            if u.positive + u.neutral + u.negative > 0 {
                println!("  undated               +{:<4} ={:<4} -{:<4}", u.positive, u.neutral, u.negative);
            }
        }
        return Ok(());
    }

    let stored = match args.transcript {
        Some(id) => {
            let lib = Library::open(&paths.library_db())?;
            let t = byline_transcribe::store::get(lib.connection(), id)?;
            Some(
                t.edited.segments.into_iter().map(|s| Segment { speaker: s.speaker, text: s.text }).collect::<Vec<_>>(),
            )
        }
        None => None,
    };
    if args.segments.is_some() || stored.is_some() {
        let segs: Vec<Segment> = match (&args.segments, stored) {
            (_, Some(segs)) => segs,
            (Some(file), None) => {
                let text = std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
                serde_json::from_str(&text)
                    .with_context(|| format!("{} is not a JSON list of segments", file.display()))?
            }
            (None, None) => Vec::new(),
        };
        let result = speakers::analyze_segments(&analyzer, &segs, &cancel)?;
        if args.json {
            println!("{}", serde_json::to_string_pretty(&result)?);
        } else {
            for s in &result.speakers {
                let name = if s.speaker.is_empty() { "(unknown)" } else { &s.speaker };
                println!("{name:<20} {} segments  {}", s.segments, describe(&s.aggregate));
            }
            println!("{:<20} {}", "overall", describe(&result.overall));
        }
        return Ok(());
    }

    let text = if let Some(id) = args.article {
        let lib = Library::open(&paths.library_db())?;
        let article = lib.get(id)?;
        format!("{}\n\n{}", article.fields.title, article.fields.body)
    } else if let Some(file) = &args.text {
        read_text(file)?
    } else {
        bail!("give --article, --text, --comments, --segments or --transcript");
    };
    let result = analyzer.analyze_text(&text, &NoProgress, &cancel)?;
    let quotes = speakers::analyze_quotes(&analyzer, &text, &cancel)?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&serde_json::json!({"text": result, "quotes": quotes}))?);
    } else {
        print_text(&result);
        for q in quotes {
            println!("quote {}  \u{201c}{}\u{201d}", describe(&q.aggregate), q.text);
        }
    }
    Ok(())
}

fn read_text(file: &PathBuf) -> Result<String> {
    if file.as_os_str() == "-" {
        let mut s = String::new();
        std::io::stdin().read_to_string(&mut s).context("reading standard input")?;
        return Ok(s);
    }
    std::fs::read_to_string(file).with_context(|| format!("reading {} (UTF-8 text expected)", file.display()))
}

fn describe(a: &Aggregate) -> String {
    format!("{:+.3} {:?} (+{} ={} -{})", a.score, a.label(), a.positive, a.neutral, a.negative)
}

fn print_text(r: &TextSentiment) {
    let engine = r.model.as_deref().map_or("built-in engines".to_string(), |m| format!("model {m}"));
    println!("overall {}  [{engine}]", describe(&r.overall));
    for (i, p) in r.paragraphs.iter().enumerate() {
        println!("\n¶{} {}", i + 1, describe(&p.aggregate));
        for s in &r.sentences[p.sentences.clone()] {
            println!("  {:+.3} {:<8} {:<2} {}", s.score, format!("{:?}", s.engine).to_lowercase(), s.language, s.text);
        }
    }
}
