use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use byline_core::{AppPaths, CancelToken};
use byline_library::{Library, export};
use clap::{Subcommand, ValueEnum};

use crate::output::{for_terminal, visible_controls};
use crate::progress::BarReporter;

#[derive(Subcommand)]
pub enum LibraryCommand {
    /// Import Markdown, text, HTML, JSON Lines, CSV and WordPress (WXR) files or folders.
    Import {
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        #[arg(long)]
        json: bool,
    },
    /// List articles, most recently updated first.
    List {
        #[arg(long, default_value_t = 50)]
        limit: u32,
        #[arg(long, default_value_t = 0)]
        offset: u32,
        #[arg(long)]
        json: bool,
    },
    /// Full-text search (English and Chinese).
    Search {
        query: String,
        #[arg(long, default_value_t = 20)]
        limit: u32,
        #[arg(long)]
        json: bool,
    },
    /// Show one article.
    Show {
        id: i64,
        #[arg(long)]
        json: bool,
    },
    /// Change an article's title or body (the previous text is kept as a revision).
    Edit {
        id: i64,
        #[arg(long)]
        title: Option<String>,
        /// Read the new body from this file ("-" for standard input).
        #[arg(long, value_name = "FILE")]
        body_file: Option<PathBuf>,
    },
    /// Export an article as Markdown or HTML.
    Export {
        id: i64,
        #[arg(long, value_enum, default_value_t = Format::Md)]
        format: Format,
        /// Write here instead of standard output (an existing file is kept unless --force).
        #[arg(long, short)]
        out: Option<PathBuf>,
        /// Replace the --out file if it exists.
        #[arg(long)]
        force: bool,
    },
    /// List an article's revisions, newest first.
    Revisions {
        id: i64,
        #[arg(long)]
        json: bool,
    },
    /// Restore a revision (the current text becomes a revision itself).
    Restore { id: i64, revision: i64 },
}

#[derive(Clone, Copy, ValueEnum)]
pub enum Format {
    Md,
    Html,
}

fn print_json<T: serde::Serialize>(value: &T) -> Result<()> {
    println!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}

/// Strips the `<mark>` tags and entities of a search snippet for the terminal, where matches
/// are shown in bold instead.
fn terminal_snippet(html: &str) -> String {
    use std::io::IsTerminal;
    // The highlight marks become bold only after the article's own text has been made safe to show.
    let text = html
        .replace("<mark>", "\u{e000}")
        .replace("</mark>", "\u{e001}")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&");
    let (bold, plain) = if std::io::stdout().is_terminal() { ("\x1b[1m", "\x1b[0m") } else { ("", "") };
    crate::output::for_terminal(&text).replace('\u{e000}', bold).replace('\u{e001}', plain)
}

pub fn run(paths: &AppPaths, cmd: LibraryCommand) -> Result<()> {
    let mut lib = Library::open(&paths.library_db())?;
    match cmd {
        LibraryCommand::Import { paths: inputs, json } => {
            let summary = lib.import_paths(&inputs, &BarReporter::new(), &CancelToken::new())?;
            // Whatever could be imported was; a script still learns that something was not (exit status 4).
            let failed = (!summary.errors.is_empty()).then(|| {
                byline_core::Error::InvalidInput(format!(
                    "{} file(s) or record(s) could not be imported; the rest were",
                    summary.errors.len()
                ))
            });
            if json {
                print_json(&summary)?;
                return failed.map_or(Ok(()), |e| Err(e.into()));
            }
            for err in &summary.errors {
                match &err.location {
                    Some(loc) => eprintln!(
                        "  error: {} ({}): {}",
                        visible_controls(&err.path),
                        visible_controls(loc),
                        visible_controls(&err.message)
                    ),
                    None => eprintln!("  error: {}: {}", visible_controls(&err.path), visible_controls(&err.message)),
                }
            }
            println!(
                "Imported {} article(s), skipped {} duplicate(s), {} error(s).",
                summary.imported.len(),
                summary.duplicates.len(),
                summary.errors.len()
            );
            if let Some(e) = failed {
                return Err(e.into());
            }
        }
        LibraryCommand::List { limit, offset, json } => {
            let items = lib.list(limit, offset)?;
            if json {
                return print_json(&items);
            }
            let shown = items.len() as u64;
            for a in items {
                let title = if a.title.is_empty() { "(untitled)" } else { &a.title };
                let published = a.published.as_deref().unwrap_or("          ");
                println!("{:>6}  {}  {}", a.id, for_terminal(published), for_terminal(title));
            }
            let more = lib.count()?.saturating_sub(u64::from(offset) + shown);
            if more > 0 {
                // On stderr, so a script reading the list gets only articles.
                eprintln!(
                    "… and {more} more; see them with --offset {} (or a larger --limit)",
                    u64::from(offset) + shown
                );
            }
        }
        LibraryCommand::Search { query, limit, json } => {
            let hits = lib.search(&query, limit)?;
            if json {
                return print_json(&hits);
            }
            if hits.is_empty() {
                println!("No articles match {query:?}.");
            }
            for h in hits {
                println!(
                    "{:>6}  {}\n        {}",
                    h.id,
                    terminal_snippet(&h.title_html),
                    terminal_snippet(&h.snippet_html)
                );
            }
        }
        LibraryCommand::Show { id, json } => {
            let article = lib.get(id)?;
            if json {
                return print_json(&article);
            }
            print!("{}", for_terminal(&export::to_markdown(&article)));
        }
        LibraryCommand::Edit { id, title, body_file } => {
            let mut fields = lib.get(id)?.fields;
            if let Some(title) = title {
                fields.title = title;
            }
            if let Some(file) = body_file {
                fields.body = if file.as_os_str() == "-" {
                    std::io::read_to_string(std::io::stdin()).context("reading the body from standard input")?
                } else {
                    std::fs::read_to_string(&file).with_context(|| format!("reading {}", file.display()))?
                };
            }
            let saved = lib.save(id, &fields)?;
            println!("Saved article {} ({} revision(s)).", saved.id, lib.revisions(id)?.len());
        }
        LibraryCommand::Export { id, format, out, force } => {
            let article = lib.for_export(id)?;
            let text = match format {
                Format::Md => export::to_markdown(&article),
                Format::Html => export::to_html(&article),
            };
            match out {
                Some(path) => crate::output::write_out(&path, text.as_bytes(), force)?,
                None => print!("{text}"),
            }
        }
        LibraryCommand::Revisions { id, json } => {
            let revs = lib.revisions(id)?;
            if json {
                return print_json(&revs);
            }
            if revs.is_empty() {
                println!("Article {id} has no earlier revisions.");
            }
            for r in revs {
                println!(
                    "{:>6}  {}  {:<8} {} chars  {}",
                    r.id,
                    r.created_at,
                    r.reason,
                    r.body.chars().count(),
                    for_terminal(&r.title)
                );
            }
        }
        LibraryCommand::Restore { id, revision } => {
            if lib.revisions(id)?.iter().all(|r| r.id != revision) {
                bail!("article {id} has no revision {revision}; see `byline library revisions {id}`");
            }
            let article = lib.restore(id, revision)?;
            println!(
                "Restored revision {revision} of article {} \"{}\".",
                article.id,
                for_terminal(&article.fields.title)
            );
        }
    }
    Ok(())
}
