//! Readers' comments: import into the library, score, and chart over time.

mod parse;

use byline_core::{CancelToken, DbResultExt, Error, NoProgress, Reporter, Result};
use chrono::{DateTime, Duration, DurationRound, Utc};
use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};

pub use parse::{CommentRecord, parse_csv, parse_jsonl, parse_time, read_file};

use crate::analyze::{Analyzer, Engine, Label};

#[derive(Clone, Debug, Default, Serialize, ts_rs::TS)]
pub struct ImportReport {
    pub read: usize,
    pub imported: usize,
    /// Already in the library (same article, author, time and text).
    pub duplicates: usize,
    /// Of the imported, how many matched an article by id or URL.
    pub linked: usize,
}

#[derive(Clone, Debug, Serialize, ts_rs::TS)]
pub struct StoredComment {
    pub id: i64,
    pub article_id: Option<i64>,
    pub article_ref: String,
    pub author: Option<String>,
    pub posted_at: Option<String>,
    pub text: String,
    pub score: f64,
    pub label: String,
    pub engine: String,
}

fn label_str(l: Label) -> &'static str {
    match l {
        Label::Positive => "positive",
        Label::Neutral => "neutral",
        Label::Negative => "negative",
    }
}

fn engine_str(e: Engine) -> &'static str {
    match e {
        Engine::Lexicon => "lexicon",
        Engine::Chinese => "chinese",
        Engine::Model => "model",
    }
}

/// The article a reference names: its id, or its URL.
fn resolve(conn: &Connection, reference: &str) -> Result<Option<i64>> {
    if let Ok(id) = reference.parse::<i64>() {
        let found = conn.query_row("SELECT id FROM articles WHERE id = ?1", [id], |r| r.get(0)).optional().db()?;
        if found.is_some() {
            return Ok(found);
        }
    }
    conn.query_row("SELECT id FROM articles WHERE url = ?1 LIMIT 1", [reference], |r| r.get(0)).optional().db()
}

/// Scores the comments (each comment as one unit, so a long comment is one data point) and stores
/// them in one transaction; re-importing the same file adds nothing.
pub fn import(
    conn: &mut Connection,
    records: &[CommentRecord],
    analyzer: &Analyzer,
    source: &str,
    reporter: &dyn Reporter,
    cancel: &CancelToken,
) -> Result<ImportReport> {
    let texts: Vec<&str> = records.iter().map(|r| r.text.as_str()).collect();
    let scores = analyzer.score_sentences(&texts, reporter, cancel)?;
    let now = Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let tx = conn.transaction().db()?;
    let mut report = ImportReport { read: records.len(), ..Default::default() };
    for (r, s) in records.iter().zip(&scores) {
        cancel.check()?;
        let article_id = resolve(&tx, &r.article_ref)?;
        let added = tx
            .execute(
                "INSERT OR IGNORE INTO sentiment_comments
                 (article_id, article_ref, author, posted_at, body, score, label, engine, language, source, imported_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
                params![
                    article_id,
                    r.article_ref,
                    r.author,
                    r.posted_at,
                    r.text,
                    s.score,
                    label_str(s.label),
                    engine_str(s.engine),
                    s.language,
                    source,
                    now
                ],
            )
            .db()?;
        if added == 0 {
            report.duplicates += 1;
        } else {
            report.imported += 1;
            report.linked += usize::from(article_id.is_some());
        }
    }
    tx.commit().db()?;
    Ok(report)
}

/// Reads and imports a file in one go.
pub fn import_file(
    conn: &mut Connection,
    path: &std::path::Path,
    default_article: Option<&str>,
    analyzer: &Analyzer,
    cancel: &CancelToken,
) -> Result<ImportReport> {
    let records = read_file(path, default_article)?;
    import(conn, &records, analyzer, &path.display().to_string(), &NoProgress, cancel)
}

const WHERE_ARTICLE: &str = "(article_id = ?1 OR article_ref = ?2)";

/// Comments of one article (by id, or by the reference the file used), oldest first.
pub fn list(conn: &Connection, article: &str) -> Result<Vec<StoredComment>> {
    let id = article.parse::<i64>().ok();
    let sql = format!(
        "SELECT id, article_id, article_ref, author, posted_at, body, score, label, engine
         FROM sentiment_comments WHERE {WHERE_ARTICLE} ORDER BY posted_at IS NULL, posted_at, id"
    );
    let mut stmt = conn.prepare(&sql).db()?;
    let rows = stmt
        .query_map(params![id, article], |r| {
            Ok(StoredComment {
                id: r.get(0)?,
                article_id: r.get(1)?,
                article_ref: r.get(2)?,
                author: r.get(3)?,
                posted_at: r.get(4)?,
                text: r.get(5)?,
                score: r.get(6)?,
                label: r.get(7)?,
                engine: r.get(8)?,
            })
        })
        .db()?;
    rows.collect::<std::result::Result<_, _>>().db()
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "lowercase")]
pub enum BucketSize {
    Auto,
    Hour,
    Day,
    Week,
}

#[derive(Clone, Debug, Default, Serialize, ts_rs::TS)]
pub struct Bucket {
    /// RFC 3339 start of the bucket.
    pub start: String,
    pub positive: usize,
    pub neutral: usize,
    pub negative: usize,
    pub mean: f64,
}

#[derive(Clone, Debug, Serialize, ts_rs::TS)]
pub struct Distribution {
    pub bucket: BucketSize,
    pub buckets: Vec<Bucket>,
    /// Comments without a time, which cannot be placed on the axis.
    pub undated: Bucket,
    pub total: usize,
    pub mean: f64,
}

/// Counts and mean score per time bucket. Empty buckets between the first and last comment are
/// included, so the chart's x axis is true to time.
pub fn distribution(conn: &Connection, article: &str, size: BucketSize) -> Result<Distribution> {
    let comments = list(conn, article)?;
    if comments.is_empty() {
        return Err(Error::not_found("comments for article", article));
    }
    let dated: Vec<(DateTime<Utc>, &StoredComment)> = comments
        .iter()
        .filter_map(|c| {
            c.posted_at.as_deref().and_then(|t| DateTime::parse_from_rfc3339(t).ok()).map(|t| (t.to_utc(), c))
        })
        .collect();
    let size = match size {
        BucketSize::Auto => match (dated.first(), dated.last()) {
            (Some(a), Some(b)) if b.0 - a.0 <= Duration::days(2) => BucketSize::Hour,
            (Some(a), Some(b)) if b.0 - a.0 <= Duration::days(60) => BucketSize::Day,
            (Some(_), Some(_)) => BucketSize::Week,
            _ => BucketSize::Day,
        },
        other => other,
    };
    let step = match size {
        BucketSize::Hour => Duration::hours(1),
        BucketSize::Week => Duration::weeks(1),
        _ => Duration::days(1),
    };
    let floor = |t: DateTime<Utc>| t.duration_trunc(step).unwrap_or(t);
    let mut buckets: Vec<(DateTime<Utc>, Vec<&StoredComment>)> = Vec::new();
    if let (Some(first), Some(last)) = (dated.first(), dated.last()) {
        let mut t = floor(first.0);
        while t <= last.0 && buckets.len() < 10_000 {
            buckets.push((t, Vec::new()));
            t += step;
        }
        for (time, c) in &dated {
            let k = ((floor(*time) - floor(first.0)).num_seconds() / step.num_seconds()) as usize;
            if let Some(b) = buckets.get_mut(k) {
                b.1.push(c);
            }
        }
    }
    let summarise = |start: String, cs: &[&StoredComment]| {
        let mut b = Bucket { start, ..Default::default() };
        for c in cs {
            match c.label.as_str() {
                "positive" => b.positive += 1,
                "negative" => b.negative += 1,
                _ => b.neutral += 1,
            }
        }
        b.mean = if cs.is_empty() { 0.0 } else { cs.iter().map(|c| c.score).sum::<f64>() / cs.len() as f64 };
        b
    };
    let undated: Vec<&StoredComment> = comments.iter().filter(|c| c.posted_at.is_none()).collect();
    let all: Vec<&StoredComment> = comments.iter().collect();
    Ok(Distribution {
        bucket: size,
        buckets: buckets
            .iter()
            .map(|(t, cs)| summarise(t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true), cs))
            .collect(),
        undated: summarise(String::new(), &undated),
        total: comments.len(),
        mean: summarise(String::new(), &all).mean,
    })
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod fuzz_tests;
