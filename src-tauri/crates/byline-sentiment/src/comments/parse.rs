//! Reading readers' comments from CSV (with a header row) or JSON Lines.
//!
//! Column / key names are matched loosely, since every comment system exports differently:
//! article (`article`, `article_id`, `article_ref`, `article_url`, `url`, `post`), author (`author`,
//! `user`, `username`, `name`), time (`time`, `timestamp`, `posted_at`, `created_at`, `date`) and
//! text (`text`, `comment`, `body`, `content`, `message`). Errors name the file and the line.

use std::path::Path;

use byline_core::{Error, Result};
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Serialize, ts_rs::TS)]
pub struct CommentRecord {
    pub article_ref: String,
    pub author: Option<String>,
    /// RFC 3339 UTC.
    pub posted_at: Option<String>,
    pub text: String,
}

const ARTICLE: &[&str] = &["article", "article_id", "article_ref", "article_url", "url", "post", "post_id"];
const AUTHOR: &[&str] = &["author", "user", "username", "user_name", "name"];
const TIME: &[&str] = &["time", "timestamp", "posted_at", "created_at", "created", "date", "datetime"];
const TEXT: &[&str] = &["text", "comment", "body", "content", "message"];

fn column(headers: &[String], names: &[&str]) -> Option<usize> {
    names.iter().find_map(|n| headers.iter().position(|h| h.trim().eq_ignore_ascii_case(n)))
}

/// Reads a comments file; `.csv` is CSV, `.jsonl`/`.ndjson`/`.json` are JSON Lines. Comments with no
/// article reference take `default_article` (e.g. the article the user imported them into).
pub fn read_file(path: &Path, default_article: Option<&str>) -> Result<Vec<CommentRecord>> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(format!("reading comments {}", path.display()), e))?;
    let text = String::from_utf8(bytes)
        .map_err(|_| Error::Format { path: path.to_path_buf(), message: "comments file is not UTF-8".into() })?;
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or_default().to_ascii_lowercase();
    let records = match ext.as_str() {
        "csv" => parse_csv(&text, default_article),
        "jsonl" | "ndjson" | "json" => parse_jsonl(&text, default_article),
        _ => Err(format!("unknown comments format .{ext}: use .csv or .jsonl")),
    };
    let records = records.map_err(|message| Error::Format { path: path.to_path_buf(), message })?;
    if records.is_empty() {
        return Err(Error::Format { path: path.to_path_buf(), message: "the file holds no comments".into() });
    }
    Ok(records)
}

pub fn parse_csv(text: &str, default_article: Option<&str>) -> std::result::Result<Vec<CommentRecord>, String> {
    let mut reader =
        csv::ReaderBuilder::new().flexible(false).from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    let headers: Vec<String> =
        reader.headers().map_err(|e| format!("CSV header: {e}"))?.iter().map(String::from).collect();
    let text_col = column(&headers, TEXT).ok_or("CSV has no text column (text, comment, body, content or message)")?;
    let (article, author, time) = (column(&headers, ARTICLE), column(&headers, AUTHOR), column(&headers, TIME));
    if article.is_none() && default_article.is_none() {
        return Err("CSV has no article column (article, article_id, url, …) and no article was given".into());
    }
    let mut out = Vec::new();
    for (n, row) in reader.records().enumerate() {
        let line = n + 2;
        let row = row.map_err(|e| format!("CSV line {line}: {e}"))?;
        let get = |c: Option<usize>| c.and_then(|c| row.get(c)).map(str::trim).filter(|s| !s.is_empty());
        out.push(record(get(article), get(author), get(time), get(Some(text_col)), default_article, line)?);
    }
    Ok(out)
}

pub fn parse_jsonl(text: &str, default_article: Option<&str>) -> std::result::Result<Vec<CommentRecord>, String> {
    let mut out = Vec::new();
    for (n, line) in text.trim_start_matches('\u{feff}').lines().enumerate() {
        let line_no = n + 1;
        if line.trim().is_empty() {
            continue;
        }
        let value: serde_json::Value =
            serde_json::from_str(line).map_err(|e| format!("JSON Lines line {line_no}: {e}"))?;
        let obj = value.as_object().ok_or(format!("JSON Lines line {line_no}: expected an object"))?;
        let get = |names: &[&str]| -> Option<String> {
            names.iter().find_map(|k| obj.iter().find(|(key, _)| key.eq_ignore_ascii_case(k))).and_then(
                |(_, v)| match v {
                    serde_json::Value::String(s) => Some(s.trim().to_string()).filter(|s| !s.is_empty()),
                    serde_json::Value::Number(n) => Some(n.to_string()),
                    _ => None,
                },
            )
        };
        let (a, u, t, x) = (get(ARTICLE), get(AUTHOR), get(TIME), get(TEXT));
        out.push(record(a.as_deref(), u.as_deref(), t.as_deref(), x.as_deref(), default_article, line_no)?);
    }
    Ok(out)
}

fn record(
    article: Option<&str>,
    author: Option<&str>,
    time: Option<&str>,
    text: Option<&str>,
    default_article: Option<&str>,
    line: usize,
) -> std::result::Result<CommentRecord, String> {
    let text = text.ok_or(format!("line {line}: the comment text is empty"))?;
    let article_ref = article.or(default_article).ok_or(format!("line {line}: no article reference"))?;
    let posted_at = match time {
        Some(t) => Some(parse_time(t).ok_or(format!("line {line}: cannot read the time {t:?}"))?),
        None => None,
    };
    Ok(CommentRecord {
        article_ref: article_ref.to_string(),
        author: author.map(String::from),
        posted_at,
        text: text.to_string(),
    })
}

/// RFC 3339, `YYYY-MM-DD HH:MM[:SS]` (taken as UTC), a bare date, or Unix seconds/milliseconds.
pub fn parse_time(t: &str) -> Option<String> {
    let t = t.trim();
    let utc: DateTime<Utc> = if let Ok(d) = DateTime::parse_from_rfc3339(t) {
        d.with_timezone(&Utc)
    } else if let Some(d) =
        ["%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M"]
            .iter()
            .find_map(|f| NaiveDateTime::parse_from_str(t, f).ok())
    {
        d.and_utc()
    } else if let Some(d) = ["%Y-%m-%d", "%Y/%m/%d"].iter().find_map(|f| NaiveDate::parse_from_str(t, f).ok()) {
        d.and_hms_opt(0, 0, 0)?.and_utc()
    } else if let Ok(n) = t.parse::<i64>() {
        // Ten digits are seconds until the year 2286; thirteen are milliseconds.
        if n.abs() >= 100_000_000_000 { DateTime::from_timestamp_millis(n)? } else { DateTime::from_timestamp(n, 0)? }
    } else {
        return None;
    };
    Some(utc.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_with_loose_headers_and_quotes() {
        let csv = "Article_ID,User,Timestamp,Comment\n7,ann,2024-05-01 10:00,\"Great piece, thanks!\"\n7,,1714557600,Awful.\n";
        let r = parse_csv(csv, None).expect("parses");
        assert_eq!(r.len(), 2);
        assert_eq!(r[0].posted_at.as_deref(), Some("2024-05-01T10:00:00Z"));
        assert_eq!(r[0].text, "Great piece, thanks!");
        assert_eq!(r[1].author, None);
        assert_eq!(r[1].posted_at.as_deref(), Some("2024-05-01T10:00:00Z"));
    }

    #[test]
    fn malformed_csv_names_the_line() {
        let err = parse_csv("article,text\n1,ok\n2,too,many\n", None).expect_err("ragged row");
        assert!(err.contains("line 3"), "{err}");
        assert!(parse_csv("article,author\n1,x\n", None).expect_err("no text").contains("no text column"));
        assert!(parse_csv("text\nhello\n", None).is_err());
        assert_eq!(parse_csv("text\nhello\n", Some("9")).expect("default article")[0].article_ref, "9");
    }

    #[test]
    fn jsonl_and_its_errors() {
        let ok = "{\"article\": \"https://x/a\", \"author\": \"bo\", \"time\": \"2024-05-02T08:00:00+02:00\", \"text\": \"好！\"}\n\n";
        let r = parse_jsonl(ok, None).expect("parses");
        assert_eq!(r[0].posted_at.as_deref(), Some("2024-05-02T06:00:00Z"));
        assert!(
            parse_jsonl("{\"article\": 1, \"text\": \"a\"}\n{oops\n", None).expect_err("bad json").contains("line 2")
        );
        assert!(parse_jsonl("[1,2]\n", None).expect_err("not object").contains("object"));
        assert!(parse_jsonl("{\"article\": 1, \"text\": \"\"}\n", None).expect_err("empty").contains("empty"));
        assert!(
            parse_jsonl("{\"article\": 1, \"text\": \"x\", \"time\": \"soon\"}\n", None)
                .expect_err("time")
                .contains("time")
        );
    }
}
