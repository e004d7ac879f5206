//! `byline quotes`: check a draft's quotes against the recordings, search every transcript for a phrase, and
//! link the interviews a story relies on so its quotes can be checked against those only.

use std::io::Read;
use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, Result};
use byline_core::AppPaths;
use byline_library::Library;
use byline_quotes::{Corpus, Heard, SearchFilter, Verdict, check_text_within, sources};
use clap::{ArgGroup, Args, Subcommand};

#[derive(Subcommand)]
pub enum QuotesCommand {
    /// Check every direct quote of an article or a text against the library's transcripts.
    Check(CheckArgs),
    /// Search every transcript for a phrase (quote bank), word for word or nearly.
    Search(SearchArgs),
    /// List the interviews (transcripts) linked to an article as its sources.
    Sources(SourcesArgs),
    /// Link a transcript to an article as one of its sources.
    Link(LinkArgs),
    /// Unlink a transcript from an article.
    Unlink(LinkArgs),
}

#[derive(Args)]
pub struct SourcesArgs {
    #[arg(long, value_name = "ID")]
    article: i64,
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
pub struct LinkArgs {
    #[arg(long, value_name = "ID")]
    article: i64,
    #[arg(long, value_name = "ID")]
    transcript: i64,
}

#[derive(Args)]
#[command(group(ArgGroup::new("input").required(true).args(["article", "text"])))]
pub struct CheckArgs {
    /// The body of a library article.
    #[arg(long, value_name = "ID")]
    article: Option<i64>,
    /// A UTF-8 text or Markdown file ("-" reads standard input).
    #[arg(long, value_name = "FILE")]
    text: Option<PathBuf>,
    /// Only against the interviews linked to the article (`byline quotes link`), not the whole library.
    #[arg(long)]
    sources: bool,
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
pub struct SearchArgs {
    pub phrase: String,
    /// Only where this speaker (part of the name, any case) speaks.
    #[arg(long)]
    speaker: Option<String>,
    /// Only in this transcript.
    #[arg(long, value_name = "ID")]
    transcript: Option<i64>,
    /// Only transcripts made on or after / on or before this day (YYYY-MM-DD).
    #[arg(long)]
    from: Option<String>,
    #[arg(long)]
    to: Option<String>,
    /// Word for word only.
    #[arg(long)]
    exact: bool,
    #[arg(long, default_value_t = 20)]
    limit: usize,
    #[arg(long)]
    json: bool,
}

fn clock(seconds: f64) -> String {
    let s = seconds.max(0.0);
    format!("{}:{:04.1}", (s / 60.0) as u64, s % 60.0)
}

fn place(h: &Heard) -> String {
    let who = h.speaker.as_deref().map(|s| format!("{s}, ")).unwrap_or_default();
    format!("{who}{} {}–{} (transcript {})", h.recording, clock(h.start), clock(h.end), h.transcript_id)
}

fn label(v: Verdict) -> &'static str {
    match v {
        Verdict::Verbatim => "verbatim",
        Verdict::Close => "close",
        Verdict::Altered => "ALTERED",
        Verdict::NotFound => "NOT FOUND",
    }
}

pub fn run(paths: &AppPaths, cmd: QuotesCommand) -> Result<()> {
    let lib = Library::open(&paths.library_db())?;
    match &cmd {
        QuotesCommand::Sources(args) => {
            lib.get(args.article)?;
            let linked = sources::list(lib.connection(), args.article)?;
            if args.json {
                println!("{}", serde_json::to_string_pretty(&linked)?);
            } else if linked.is_empty() {
                println!("no interviews linked to article {}", args.article);
            }
            if !args.json {
                for t in &linked {
                    println!("{:>6}  {}  {}", t.id, t.created_at.get(..10).unwrap_or(&t.created_at), t.path);
                }
            }
            return Ok(());
        }
        QuotesCommand::Link(args) => {
            sources::link(lib.connection(), args.article, args.transcript)?;
            println!("transcript {} linked to article {}", args.transcript, args.article);
            return Ok(());
        }
        QuotesCommand::Unlink(args) => {
            if sources::unlink(lib.connection(), args.article, args.transcript)? {
                println!("transcript {} unlinked from article {}", args.transcript, args.article);
            } else {
                println!("transcript {} was not linked to article {}", args.transcript, args.article);
            }
            return Ok(());
        }
        QuotesCommand::Check(_) | QuotesCommand::Search(_) => {}
    }
    let started = Instant::now();
    let corpus = Corpus::load(lib.connection())?;
    let indexed = started.elapsed();
    match cmd {
        QuotesCommand::Check(args) => {
            let draft = match (&args.article, &args.text) {
                (Some(id), _) => lib.get(*id)?.fields.body,
                (None, Some(path)) if path.as_os_str() == "-" => {
                    let mut s = String::new();
                    std::io::stdin().read_to_string(&mut s).context("reading standard input")?;
                    s
                }
                (None, Some(path)) => {
                    std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?
                }
                (None, None) => unreachable!("clap requires one input"),
            };
            let only = match (args.sources, args.article) {
                (true, Some(id)) => Some(sources::ids(lib.connection(), id)?),
                (true, None) => {
                    return Err(byline_core::Error::InvalidInput(
                        "--sources checks against an article's linked interviews: give the article with --article ID"
                            .into(),
                    )
                    .into());
                }
                (false, _) => None,
            };
            let (checks, warnings) = check_text_within(&corpus, &draft, only.as_deref());
            if args.json {
                let report = serde_json::json!({ "quotes": checks, "warnings": warnings, "sources": only });
                println!("{}", serde_json::to_string_pretty(&report)?);
                return Ok(());
            }
            for (at, w) in &warnings {
                eprintln!("warning at byte {at}: {w}");
            }
            if checks.is_empty() {
                println!("no direct quotes found");
            }
            for c in &checks {
                println!("{:<9}  “{}”", label(c.verdict), c.quote.text.trim());
                if let Some(h) = &c.heard {
                    println!("           {}", place(h));
                    if c.verdict != Verdict::Verbatim {
                        println!("           said: {}", h.text);
                    }
                }
                println!("           {}", c.reason);
            }
            let against = match &only {
                Some(ids) => format!("the {} interviews linked to the article", ids.len()),
                None => format!("{} transcript words", corpus.len()),
            };
            eprintln!(
                "{} quotes checked against {against} (index {:.0?}, check {:.0?})",
                checks.len(),
                indexed,
                started.elapsed() - indexed
            );
        }
        QuotesCommand::Search(args) => {
            let filter = SearchFilter {
                transcript_id: args.transcript,
                speaker: args.speaker,
                from: args.from,
                to: args.to,
                exact: args.exact,
            };
            let hits = corpus.search(&args.phrase, &filter, args.limit);
            if args.json {
                let hits: Vec<_> = hits
                    .iter()
                    .map(|(v, h, c)| serde_json::json!({ "verdict": v, "heard": h, "changes": c }))
                    .collect();
                println!("{}", serde_json::to_string_pretty(&hits)?);
                return Ok(());
            }
            if hits.is_empty() {
                println!("not found in {} transcript words", corpus.len());
            }
            for (v, h, _) in &hits {
                println!("{:<9}  {}\n           “{}”", label(*v), place(h), h.text);
            }
        }
        QuotesCommand::Sources(_) | QuotesCommand::Link(_) | QuotesCommand::Unlink(_) => unreachable!("handled above"),
    }
    Ok(())
}
