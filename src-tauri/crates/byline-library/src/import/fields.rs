//! The field names newsroom tools use for the same things, and how their values become
//! [`ArticleFields`]. Shared by Markdown front matter, JSON Lines and CSV.
use chrono::{DateTime, NaiveDate, NaiveDateTime, SecondsFormat};
use serde_json::Value;

use super::{MAX_ARTICLE_BYTES, human_size};
use crate::model::ArticleFields;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Key {
    Title,
    Dek,
    Byline,
    Outlet,
    Section,
    Tags,
    Url,
    Language,
    Published,
    /// Markdown or plain text.
    Body,
    /// HTML to convert to Markdown.
    BodyHtml,
}

/// Maps a field name to the field it means; case, spaces and dashes don't matter.
pub(crate) fn classify(name: &str) -> Option<Key> {
    let name = name.trim().to_lowercase().replace(['-', ' '], "_");
    Some(match name.as_str() {
        "title" | "headline" | "标题" => Key::Title,
        "dek" | "description" | "summary" | "subtitle" | "excerpt" | "standfirst" | "摘要" => Key::Dek,
        "byline" | "author" | "authors" | "creator" | "作者" => Key::Byline,
        "outlet" | "publication" | "site" | "publisher" | "source" | "来源" => Key::Outlet,
        "section" | "category" | "categories" | "栏目" | "分类" => Key::Section,
        "tags" | "tag" | "keywords" | "标签" | "关键词" => Key::Tags,
        "url" | "link" | "canonical_url" | "permalink" | "链接" => Key::Url,
        "lang" | "language" | "语言" => Key::Language,
        "date" | "published" | "pubdate" | "published_at" | "publish_date" | "date_published" | "日期" | "发布时间" => {
            Key::Published
        }
        "body" | "content" | "text" | "markdown" | "正文" | "内容" => Key::Body,
        "content_html" | "html" | "body_html" => Key::BodyHtml,
        _ => return None,
    })
}

/// The body column names, for error messages.
pub(crate) const BODY_NAMES: &str = "body, content, text, markdown, content_html, html, body_html";

pub(crate) fn check_body_size(len: usize) -> Result<(), String> {
    if len > MAX_ARTICLE_BYTES {
        return Err(format!("body is {}, larger than the {} limit", human_size(len), human_size(MAX_ARTICLE_BYTES)));
    }
    Ok(())
}

/// Stores `value` in the field `key` names. The first non-empty value wins, so when a file
/// has both `description` and `summary` the earlier one is kept.
pub(crate) fn apply(f: &mut ArticleFields, key: Key, value: &Value) -> Result<(), String> {
    let set = |slot: &mut Option<String>, text: Option<String>| {
        if slot.is_none() {
            *slot = text.filter(|t| !t.trim().is_empty());
        }
    };
    match key {
        Key::Title => {
            if f.title.trim().is_empty() {
                f.title = scalar(value).unwrap_or_default();
            }
        }
        Key::Dek => set(&mut f.dek, scalar(value)),
        Key::Byline => set(&mut f.byline, Some(list(value).join(", "))),
        Key::Outlet => set(&mut f.outlet, scalar(value)),
        Key::Section => set(&mut f.section, list(value).into_iter().next()),
        Key::Tags => {
            if f.tags.is_empty() {
                f.tags = list(value);
            }
        }
        Key::Url => set(&mut f.url, scalar(value)),
        Key::Language => set(&mut f.language, scalar(value)),
        Key::Published => set(&mut f.published, scalar(value).map(|d| normalize_date(&d))),
        Key::Body | Key::BodyHtml => {
            let Some(text) = scalar(value) else {
                return Ok(());
            };
            check_body_size(text.len())?;
            if f.body.trim().is_empty() {
                f.body = if key == Key::BodyHtml { super::html::html_fragment_to_markdown(&text) } else { text };
            }
        }
    }
    Ok(())
}

fn scalar(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Array(items) => items.iter().find_map(scalar),
        // `author: {name: ...}` is how several static-site generators spell a byline.
        Value::Object(map) => map.get("name").and_then(scalar),
        Value::Null => None,
    }
}

/// A list value, or a string of items separated by commas or semicolons (also the
/// full-width forms Chinese text uses).
fn list(value: &Value) -> Vec<String> {
    let items: Vec<String> = match value {
        Value::Array(items) => items.iter().filter_map(scalar).collect(),
        other => scalar(other)
            .map(|s| s.split([',', ';', '，', '；', '、']).map(str::to_string).collect())
            .unwrap_or_default(),
    };
    items.into_iter().map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect()
}

/// "en-US", "EN_us" and "en" all become "en".
pub(crate) fn normalize_language(tag: &str) -> Option<String> {
    let primary = tag.trim().split(['-', '_']).next()?.to_ascii_lowercase();
    let valid = (2..=8).contains(&primary.len()) && primary.chars().all(|c| c.is_ascii_alphabetic());
    valid.then_some(primary)
}

/// Normalises a date to `YYYY-MM-DD`, or RFC 3339 when it has a time. Times without a zone
/// are taken as UTC (WordPress's `post_date_gmt` is, and there is nothing better to assume).
/// Dates we can't read are kept as given rather than lost.
pub(crate) fn normalize_date(raw: &str) -> String {
    let s = raw.trim();
    let rfc3339 = |dt: DateTime<chrono::FixedOffset>| dt.to_rfc3339_opts(SecondsFormat::AutoSi, true);
    if let Ok(dt) = DateTime::parse_from_rfc3339(s) {
        return rfc3339(dt);
    }
    if let Ok(dt) = DateTime::parse_from_rfc2822(s) {
        return rfc3339(dt);
    }
    for fmt in ["%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%d %H:%M:%S%z", "%Y-%m-%d %H:%M:%S %z"] {
        if let Ok(dt) = DateTime::parse_from_str(s, fmt) {
            return rfc3339(dt);
        }
    }
    for fmt in [
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H:%M",
        "%Y/%m/%d %H:%M:%S",
        "%Y/%m/%d %H:%M",
    ] {
        if let Ok(dt) = NaiveDateTime::parse_from_str(s, fmt) {
            return dt.and_utc().to_rfc3339_opts(SecondsFormat::AutoSi, true);
        }
    }
    for fmt in ["%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日", "%d %B %Y", "%B %d, %Y", "%b %d, %Y", "%d %b %Y"]
    {
        if let Ok(d) = NaiveDate::parse_from_str(s, fmt) {
            return d.format("%Y-%m-%d").to_string();
        }
    }
    s.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn key_spellings() {
        assert_eq!(classify("Published_At"), Some(Key::Published));
        assert_eq!(classify("pubDate"), Some(Key::Published));
        assert_eq!(classify("Canonical-URL"), Some(Key::Url));
        assert_eq!(classify("content_html"), Some(Key::BodyHtml));
        assert_eq!(classify("wordcount"), None);
    }

    #[test]
    fn values_become_fields() {
        let mut f = ArticleFields::default();
        apply(&mut f, Key::Byline, &json!(["Ann Lee", {"name": "李明"}])).expect("byline");
        apply(&mut f, Key::Tags, &json!("economy; 经济，trade")).expect("tags");
        apply(&mut f, Key::Section, &json!(["Politics", "World"])).expect("section");
        apply(&mut f, Key::Published, &json!("2024-03-05")).expect("date");
        apply(&mut f, Key::Dek, &json!("first")).expect("dek");
        apply(&mut f, Key::Dek, &json!("second")).expect("dek2");
        assert_eq!(f.byline.as_deref(), Some("Ann Lee, 李明"));
        assert_eq!(f.tags, ["economy", "经济", "trade"]);
        assert_eq!(f.section.as_deref(), Some("Politics"));
        assert_eq!(f.published.as_deref(), Some("2024-03-05"));
        assert_eq!(f.dek.as_deref(), Some("first"));
    }

    #[test]
    fn oversized_body_is_an_error() {
        let mut f = ArticleFields::default();
        let big = Value::String("x".repeat(MAX_ARTICLE_BYTES + 1));
        let err = apply(&mut f, Key::Body, &big).expect_err("big");
        assert!(err.contains("16 MiB limit"), "{err}");
    }

    #[test]
    fn dates_normalise() {
        assert_eq!(normalize_date("2024-03-05T10:20:30+08:00"), "2024-03-05T10:20:30+08:00");
        assert_eq!(normalize_date("Tue, 05 Mar 2024 10:20:30 +0000"), "2024-03-05T10:20:30Z");
        assert_eq!(normalize_date("2024-03-05 10:20:30"), "2024-03-05T10:20:30Z");
        assert_eq!(normalize_date("2024年3月5日"), "2024-03-05");
        assert_eq!(normalize_date("March 5, 2024"), "2024-03-05");
        assert_eq!(normalize_date("spring 2024"), "spring 2024");
        // Normalising twice changes nothing, so export/import round-trips.
        let once = normalize_date("2024-03-05T10:20:30.5-05:00");
        assert_eq!(normalize_date(&once), once);
    }

    #[test]
    fn languages_normalise() {
        assert_eq!(normalize_language("en-US").as_deref(), Some("en"));
        assert_eq!(normalize_language("zh_Hans_CN").as_deref(), Some("zh"));
        assert_eq!(normalize_language("??"), None);
    }
}
