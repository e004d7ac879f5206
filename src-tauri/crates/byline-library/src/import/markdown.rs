//! Markdown files with optional YAML front matter, and plain text files.
use serde_json::Value;

use super::fields::{self, Key};
use super::finish;
use crate::model::ArticleFields;

pub(crate) fn parse_markdown(text: &str, stem: &str) -> Result<ArticleFields, String> {
    let (front, body) = split_front_matter(text)?;
    let mut f = ArticleFields::default();
    if let Some(yaml) = front {
        apply_front_matter(&mut f, yaml)?;
    }
    f.body = body.to_string();
    if f.title.trim().is_empty()
        && let Some((title, rest)) = take_first_heading(body)
    {
        f.title = title;
        f.body = rest;
    }
    if f.title.trim().is_empty() {
        f.title = stem.to_string();
    }
    finish(f, stem)
}

/// Splits `---\n yaml \n---\n body`. A file that opens a front matter block must close it:
/// silently treating the YAML as body text would hide the mistake.
fn split_front_matter(text: &str) -> Result<(Option<&str>, &str), String> {
    let Some(first_end) = text.find('\n') else {
        return Ok((None, text));
    };
    if text[..first_end].trim_end() != "---" {
        return Ok((None, text));
    }
    let yaml_start = first_end + 1;
    let mut pos = yaml_start;
    for line in text[yaml_start..].split_inclusive('\n') {
        let trimmed = line.trim_end();
        if trimmed == "---" || trimmed == "..." {
            return Ok((Some(&text[yaml_start..pos]), &text[pos + line.len()..]));
        }
        pos += line.len();
    }
    Err("front matter starts with --- but never closes".into())
}

fn apply_front_matter(f: &mut ArticleFields, yaml: &str) -> Result<(), String> {
    let value: Value = serde_yaml_ng::from_str(yaml).map_err(|e| format!("invalid YAML front matter: {e}"))?;
    let map = match value {
        Value::Object(map) => map,
        Value::Null => return Ok(()),
        _ => return Err("invalid YAML front matter: expected `key: value` lines".into()),
    };
    for (name, value) in &map {
        match fields::classify(name) {
            // The body is what follows the front matter, never a front matter key.
            Some(Key::Body | Key::BodyHtml) | None => {}
            Some(key) => fields::apply(f, key, value)?,
        }
    }
    Ok(())
}

/// Finds the first level-one ATX heading outside code fences and returns its text and the
/// body without it.
fn take_first_heading(body: &str) -> Option<(String, String)> {
    let mut in_fence = false;
    let mut pos = 0;
    for line in body.split_inclusive('\n') {
        let trimmed = line.trim();
        if trimmed.starts_with("```") || trimmed.starts_with("~~~") {
            in_fence = !in_fence;
        } else if !in_fence && let Some(rest) = line.strip_prefix("# ") {
            let title = rest.trim().trim_end_matches('#').trim().to_string();
            if title.is_empty() {
                return None;
            }
            let before = body[..pos].trim_end_matches('\n');
            let after = body[pos + line.len()..].trim_start_matches('\n');
            let remaining = if before.is_empty() { after.to_string() } else { format!("{before}\n\n{after}") };
            return Some((title, remaining));
        }
        pos += line.len();
    }
    None
}

/// Plain text: a short first line followed by more text is the title.
pub(crate) fn parse_text(text: &str, stem: &str) -> Result<ArticleFields, String> {
    let mut f = ArticleFields::default();
    let trimmed = text.trim_start_matches(['\n', ' ', '\t']);
    let (first, rest) = trimmed.split_once('\n').unwrap_or((trimmed, ""));
    if first.trim().chars().count() < 200 && !rest.trim().is_empty() {
        f.title = first.trim().to_string();
        f.body = escape_tags(rest);
    } else {
        f.title = stem.to_string();
        f.body = escape_tags(trimmed);
    }
    finish(f, stem)
}

/// Plain text is stored as Markdown, where `<tag` would become live HTML; a backslash keeps
/// it literal text without disturbing `a < b` or `<3`.
fn escape_tags(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '<' && chars.peek().is_some_and(|n| n.is_ascii_alphabetic() || "/!?".contains(*n)) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::parse_file;
    use std::path::Path;

    fn one(name: &str, text: &str) -> Result<ArticleFields, String> {
        let mut records = parse_file(Path::new(name), text.as_bytes())?;
        assert_eq!(records.len(), 1);
        records.remove(0).result
    }

    #[test]
    fn front_matter_fields() {
        let md = "---\ntitle: \"Budget: the vote\"\ndescription: A dek\nauthors: [Ann Lee, Bo Chen]\n\
                  publication: The Ledger\ncategories: [Politics, City]\nkeywords: budget, council\n\
                  permalink: https://example.com/b\nlang: en-GB\npublished_at: 2024-05-06 07:08:09\n---\n\n\
                  The council voted.\n\nSecond paragraph.\n";
        let f = one("a.md", md).expect("parse");
        assert_eq!(f.title, "Budget: the vote");
        assert_eq!(f.dek.as_deref(), Some("A dek"));
        assert_eq!(f.byline.as_deref(), Some("Ann Lee, Bo Chen"));
        assert_eq!(f.outlet.as_deref(), Some("The Ledger"));
        assert_eq!(f.section.as_deref(), Some("Politics"));
        assert_eq!(f.tags, ["budget", "council"]);
        assert_eq!(f.url.as_deref(), Some("https://example.com/b"));
        assert_eq!(f.language.as_deref(), Some("en"));
        assert_eq!(f.published.as_deref(), Some("2024-05-06T07:08:09Z"));
        assert_eq!(f.body, "The council voted.\n\nSecond paragraph.");
    }

    #[test]
    fn heading_then_stem_become_title() {
        let f = one("x.md", "Intro line\n\n# 预算 通过\n\n市议会周二投票通过了新预算。\n").expect("heading");
        assert_eq!(f.title, "预算 通过");
        assert_eq!(f.body, "Intro line\n\n市议会周二投票通过了新预算。");
        assert_eq!(f.language.as_deref(), Some("zh"));
        let f = one("city_budget-vote.md", "Just text.\n").expect("stem");
        assert_eq!(f.title, "city budget vote");
    }

    #[test]
    fn bad_front_matter_is_a_file_error() {
        let err = one("a.md", "---\ntitle: [unclosed\n---\nbody\n").expect_err("yaml");
        assert!(err.starts_with("invalid YAML front matter"), "{err}");
        let err = one("a.md", "---\ntitle: x\nbody without end\n").expect_err("unclosed");
        assert_eq!(err, "front matter starts with --- but never closes");
        let err = one("a.md", "---\ntitle: only\n---\n\n").expect_err("no body");
        assert_eq!(err, "no body text");
    }

    #[test]
    fn plain_text_title_and_paragraphs() {
        let f = one("t.txt", "Headline here\n\nFirst para\nwraps.\n\nSecond <script>x</script>.\n").expect("txt");
        assert_eq!(f.title, "Headline here");
        assert_eq!(f.body, "First para\nwraps.\n\nSecond \\<script>x\\</script>.");
        let long = "word ".repeat(60);
        let f = one("long_one.txt", &format!("{long}\n\nmore")).expect("long");
        assert_eq!(f.title, "long one");
        assert!(f.body.starts_with("word word"));
        let f = one("single.txt", "只有一行中文内容。").expect("single");
        assert_eq!(f.title, "single");
        assert_eq!(f.body, "只有一行中文内容。");
    }

    #[test]
    fn truncated_markdown_still_imports() {
        let mut bytes = "# 标题\n\n正文被截断".as_bytes().to_vec();
        bytes.truncate(bytes.len() - 1);
        let f = parse_file(Path::new("cut.md"), &bytes).expect("file").remove(0).result.expect("rec");
        assert_eq!(f.title, "标题");
        assert!(f.body.starts_with("正文被"));
    }
}
