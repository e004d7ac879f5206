//! JSON Lines: one article object per line.
use serde_json::Value;

use super::fields::{self, Key};
use super::{ParsedRecord, finish};
use crate::model::ArticleFields;

/// Splitting on `\n` and handing each line to serde_json keeps a 50 MB line linear; the body
/// size limit is checked on the parsed string before anything else touches it.
pub(crate) fn parse_jsonl(text: &str, stem: &str) -> Vec<ParsedRecord> {
    let mut records = Vec::new();
    for (i, line) in text.split('\n').enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let location = format!("line {}", i + 1);
        let result = parse_line(line, stem).map_err(|e| format!("{location}: {e}"));
        records.push(ParsedRecord { location: Some(location), result });
    }
    records
}

fn parse_line(line: &str, stem: &str) -> Result<ArticleFields, String> {
    let value: Value = serde_json::from_str(line).map_err(|e| format!("invalid JSON: {e}"))?;
    let Value::Object(map) = value else {
        return Err("expected a JSON object".into());
    };
    let mut f = ArticleFields::default();
    // Plain bodies first, so a record carrying both `body` and `content_html` keeps the Markdown.
    let (bodies, others): (Vec<_>, Vec<_>) = map
        .iter()
        .filter_map(|(k, v)| fields::classify(k).map(|key| (key, v)))
        .partition(|(key, _)| matches!(key, Key::Body | Key::BodyHtml));
    for (key, value) in others {
        fields::apply(&mut f, key, value)?;
    }
    let mut bodies = bodies;
    bodies.sort_by_key(|(key, _)| *key == Key::BodyHtml);
    for (key, value) in bodies {
        fields::apply(&mut f, key, value)?;
    }
    finish(f, stem)
}

#[cfg(test)]
mod tests {
    use crate::import::parse_file;
    use std::path::Path;
    use std::time::Instant;

    #[test]
    fn good_and_bad_lines() {
        let text = concat!(
            r#"{"title":"One","body":"First body.","authors":["Ann"],"tags":"a, b","date":"2024-01-02"}"#,
            "\n\n",
            r#"{"headline":"二","content_html":"<p>中文<script>x()</script>正文</p>","lang":"zh-CN"}"#,
            "\n",
            "{not json}\n",
            r#"{"title":"No body"}"#,
            "\n[1,2]\n",
        );
        let records = parse_file(Path::new("a.jsonl"), text.as_bytes()).expect("file");
        assert_eq!(records.len(), 5);
        let first = records[0].result.as_ref().expect("first");
        assert_eq!(first.title, "One");
        assert_eq!(first.byline.as_deref(), Some("Ann"));
        assert_eq!(first.tags, ["a", "b"]);
        assert_eq!(first.published.as_deref(), Some("2024-01-02"));
        let second = records[1].result.as_ref().expect("second");
        assert_eq!(records[1].location.as_deref(), Some("line 3"));
        assert_eq!(second.body, "中文正文");
        assert_eq!(second.language.as_deref(), Some("zh"));
        let err = records[2].result.as_ref().expect_err("bad json");
        assert!(err.starts_with("line 4: invalid JSON"), "{err}");
        assert_eq!(records[3].result.as_ref().expect_err("no body"), "line 5: no body text");
        assert_eq!(records[4].result.as_ref().expect_err("array"), "line 6: expected a JSON object");
    }

    #[test]
    fn fifty_megabyte_line_is_a_record_error_and_fast() {
        let started = Instant::now();
        let mut text = String::with_capacity(52 * 1024 * 1024);
        text.push_str(r#"{"title":"Huge","body":""#);
        text.push_str(&"a".repeat(50 * 1024 * 1024));
        text.push_str("\"}\n");
        text.push_str(r#"{"title":"Small","body":"Fine."}"#);
        let records = parse_file(Path::new("big.ndjson"), text.as_bytes()).expect("file");
        assert_eq!(records.len(), 2);
        let err = records[0].result.as_ref().expect_err("huge");
        assert!(err.contains("50 MiB") && err.contains("16 MiB limit"), "{err}");
        assert_eq!(records[1].result.as_ref().expect("small").title, "Small");
        assert!(started.elapsed().as_secs() < 20, "took {:?}", started.elapsed());
    }

    #[test]
    fn truncated_last_line_is_a_record_error() {
        let text = "{\"title\":\"A\",\"body\":\"ok\"}\n{\"title\":\"B\",\"bo";
        let records = parse_file(Path::new("cut.jsonl"), text.as_bytes()).expect("file");
        assert!(records[0].result.is_ok());
        assert!(records[1].result.as_ref().expect_err("cut").starts_with("line 2: invalid JSON"));
    }
}
