//! Parsers that turn files into [`ArticleFields`].
//!
//! Every format is decoded to UTF-8 text first ([`decode`]), then handed to its own module.
//! Field names from front matter, JSON Lines and CSV all go through [`fields`] so the same
//! spellings are accepted everywhere.
use std::path::Path;

use crate::model::ArticleFields;

mod decode;
mod fields;
mod html;
mod html_md;
mod jsonl;
mod markdown;
pub(crate) mod nesting;
mod table;
mod wxr;

pub use decode::decode;

/// Largest article body accepted from one file or record.
pub const MAX_ARTICLE_BYTES: usize = 16 * 1024 * 1024;

/// One article (or one failure) found in a file. `location` says where inside a container
/// file the record sits ("line 12", "row 4", "item 3 'Title'"); `None` for single-article files.
#[derive(Debug)]
pub struct ParsedRecord {
    pub location: Option<String>,
    pub result: Result<ArticleFields, String>,
}

const EXTENSIONS: &[&str] = &["md", "markdown", "txt", "text", "html", "htm", "jsonl", "ndjson", "csv", "xml"];

/// Parses one file's bytes. `Err` is a file-level failure with a human-readable message.
pub fn parse_file(path: &Path, bytes: &[u8]) -> Result<Vec<ParsedRecord>, String> {
    let ext = extension(path);
    let stem = stem_title(path);
    let single =
        |fields: Result<ArticleFields, String>| fields.map(|f| vec![ParsedRecord { location: None, result: Ok(f) }]);
    match ext.as_str() {
        "md" | "markdown" => {
            check_single_size(bytes.len(), MAX_ARTICLE_BYTES)?;
            single(markdown::parse_markdown(&decode(bytes)?, &stem))
        }
        "txt" | "text" => {
            check_single_size(bytes.len(), MAX_ARTICLE_BYTES)?;
            single(markdown::parse_text(&decode(bytes)?, &stem))
        }
        // Pages carry markup, scripts and navigation around the article, so allow more than one body.
        "html" | "htm" => {
            check_single_size(bytes.len(), 4 * MAX_ARTICLE_BYTES)?;
            single(html::parse_html(&decode(bytes)?, &stem))
        }
        "jsonl" | "ndjson" => Ok(jsonl::parse_jsonl(&decode(bytes)?, &stem)),
        "csv" => table::parse_csv(&decode(bytes)?, &stem),
        "xml" => wxr::parse_wxr(&decode(bytes)?, &stem),
        "" => Err("unsupported file type (no extension)".into()),
        other => Err(format!("unsupported file type .{other}")),
    }
}

/// Whether the importer should look at this file when walking a folder.
pub fn is_importable(path: &Path) -> bool {
    let hidden = path.file_name().and_then(|n| n.to_str()).is_none_or(|n| n.starts_with('.'));
    !hidden && EXTENSIONS.contains(&extension(path).as_str())
}

/// Guesses the language of `text` as a primary subtag ("en", "zh", ...), or `None` when the
/// text is too short or the guess is unreliable.
pub fn detect_language(text: &str) -> Option<String> {
    // A few kilobytes decide the language as well as the whole text and keep import fast.
    let sample: String = text.chars().take(3000).collect();
    let (mut han, mut kana, mut letters) = (0usize, 0usize, 0usize);
    for c in sample.chars() {
        if is_han(c) {
            han += 1;
        } else if ('\u{3040}'..='\u{30ff}').contains(&c) {
            kana += 1;
        }
        if c.is_alphabetic() {
            letters += 1;
        }
    }
    // whatlang often mistakes short Chinese for Japanese; Han without kana is Chinese.
    if han >= 4 && han * 10 >= letters * 4 && kana * 10 < han {
        return Some("zh".into());
    }
    if letters < 20 {
        return None;
    }
    let info = whatlang::detect(&sample)?;
    if !info.is_reliable() {
        return None;
    }
    Some(iso_639_1(info.lang().code()).to_string())
}

fn is_han(c: char) -> bool {
    matches!(c, '\u{4e00}'..='\u{9fff}' | '\u{3400}'..='\u{4dbf}' | '\u{20000}'..='\u{2a6df}' | '\u{f900}'..='\u{faff}')
}

/// whatlang speaks ISO 639-3; the library stores BCP 47 primary subtags, which use the
/// two-letter code where one exists.
fn iso_639_1(code: &str) -> &str {
    const PAIRS: &str = "\
        afr:af aka:ak amh:am ara:ar aze:az bel:be ben:bn bul:bg cat:ca ces:cs cmn:zh dan:da \
        deu:de ell:el eng:en epo:eo est:et fin:fi fra:fr guj:gu heb:he hin:hi hrv:hr hun:hu \
        hye:hy ind:id ita:it jav:jv jpn:ja kan:kn kat:ka khm:km kor:ko lat:la lav:lv lit:lt \
        mal:ml mar:mr mkd:mk mya:my nep:ne nld:nl nob:nb ori:or pan:pa pes:fa pol:pl por:pt \
        ron:ro rus:ru sin:si slk:sk slv:sl sna:sn spa:es srp:sr swe:sv tam:ta tel:te tgl:tl \
        tha:th tuk:tk tur:tr ukr:uk urd:ur uzb:uz vie:vi yid:yi zul:zu";
    PAIRS
        .split_whitespace()
        .filter_map(|pair| pair.split_once(':'))
        .find(|(three, _)| *three == code)
        .map_or(code, |(_, two)| two)
}

fn extension(path: &Path) -> String {
    path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase).unwrap_or_default()
}

/// "my_first-story.md" becomes "my first story": the fallback title when a file names none.
fn stem_title(path: &Path) -> String {
    let stem = path.file_stem().map(|s| s.to_string_lossy()).unwrap_or_default();
    collapse_whitespace(&stem.replace(['_', '-'], " "))
}

fn check_single_size(len: usize, limit: usize) -> Result<(), String> {
    if len > limit {
        return Err(format!(
            "file is {}, larger than the {} limit for one article",
            human_size(len),
            human_size(limit)
        ));
    }
    Ok(())
}

pub(crate) fn human_size(bytes: usize) -> String {
    const MIB: f64 = 1024.0 * 1024.0;
    let mib = bytes as f64 / MIB;
    if mib >= 1.0 && mib.fract() == 0.0 {
        format!("{mib:.0} MiB")
    } else if mib >= 0.1 {
        format!("{mib:.1} MiB")
    } else {
        format!("{bytes} bytes")
    }
}

pub(crate) fn collapse_whitespace(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Tidies what a parser found and applies the rules every format shares: a title is required
/// (falling back to the body's first line, then `fallback_title`), the body must be non-empty
/// and within [`MAX_ARTICLE_BYTES`], and a missing language is detected from the text.
pub(crate) fn finish(mut f: ArticleFields, fallback_title: &str) -> Result<ArticleFields, String> {
    fields::check_body_size(f.body.len())?;
    let body = f.body.trim_end();
    let body = body.trim_start_matches(['\n', '\r']);
    // Leading lines of only spaces would otherwise survive as an empty first line.
    let body = match body.find('\n') {
        Some(i) if body[..i].trim().is_empty() => body[i..].trim_start_matches('\n'),
        _ => body,
    };
    f.body = body.to_string();
    if f.body.trim().is_empty() {
        return Err("no body text".into());
    }
    f.title = collapse_whitespace(&f.title);
    if f.title.is_empty() {
        f.title = title_from_body(&f.body).unwrap_or_else(|| fallback_title.to_string());
    }
    for opt in [&mut f.dek, &mut f.byline, &mut f.outlet, &mut f.section, &mut f.url] {
        *opt = opt.take().map(|s| collapse_whitespace(&s)).filter(|s| !s.is_empty());
    }
    f.published = f.published.take().map(|s| s.trim().to_string()).filter(|s| !s.is_empty());
    // First occurrence wins, in order; a set keeps 200,000 tags linear (a Vec search took 33 s).
    let mut seen = std::collections::HashSet::new();
    let mut tags: Vec<String> = Vec::new();
    for tag in f.tags.drain(..).map(|t| collapse_whitespace(&t)) {
        if !tag.is_empty() && seen.insert(tag.clone()) {
            tags.push(tag);
        }
    }
    f.tags = tags;
    f.language = f.language.take().and_then(|l| fields::normalize_language(&l));
    if f.language.is_none() {
        let head: String = f.body.chars().take(3000).collect();
        f.language = detect_language(&format!("{}\n{head}", f.title));
    }
    Ok(f)
}

/// First non-empty line of a body, stripped of Markdown heading marks, cut at 80 characters.
fn title_from_body(body: &str) -> Option<String> {
    let line = body.lines().map(str::trim).find(|l| !l.is_empty())?;
    let line = collapse_whitespace(line.trim_start_matches('#'));
    let mut title: String = line.chars().take(80).collect();
    if title.len() < line.len() {
        title.push('…');
    }
    (!title.is_empty()).then_some(title)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn importable_by_extension_and_not_hidden() {
        for name in ["a.md", "b.MARKDOWN", "c.txt", "d.html", "e.ndjson", "f.csv", "g.xml"] {
            assert!(is_importable(Path::new(name)), "{name}");
        }
        for name in [".hidden.md", "x.docx", "noext", "dir/.DS_Store"] {
            assert!(!is_importable(Path::new(name)), "{name}");
        }
    }

    #[test]
    fn unsupported_and_empty_files_are_file_errors() {
        let err = parse_file(Path::new("a.docx"), b"PK").expect_err("docx");
        assert_eq!(err, "unsupported file type .docx");
        let err = parse_file(Path::new("a.md"), b"").expect_err("empty");
        assert!(err.contains("empty file"), "{err}");
        let err = parse_file(Path::new("a.md"), b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR").expect_err("png");
        assert!(err.starts_with("binary file"), "{err}");
        let err = parse_file(Path::new("a.txt"), b" \n\t\n").expect_err("blank");
        assert!(err.contains("empty"), "{err}");
    }

    #[test]
    fn oversized_single_article_is_refused_without_parsing() {
        let big = vec![b'a'; MAX_ARTICLE_BYTES + 1];
        let err = parse_file(Path::new("big.txt"), &big).expect_err("too big");
        assert!(err.contains("16 MiB"), "{err}");
    }

    #[test]
    fn detects_languages() {
        let zh = "新华社北京电，国务院今天召开常务会议，研究部署进一步扩大内需的政策措施。";
        assert_eq!(detect_language(zh).as_deref(), Some("zh"));
        let en = "The city council voted on Tuesday to approve the new budget, which increases \
                  spending on public transport and housing for the next three years.";
        assert_eq!(detect_language(en).as_deref(), Some("en"));
        let fr = "Le conseil municipal a voté mardi pour approuver le nouveau budget, qui augmente \
                  les dépenses consacrées aux transports publics et au logement.";
        assert_eq!(detect_language(fr).as_deref(), Some("fr"));
        assert_eq!(detect_language("ok"), None);
        assert_eq!(detect_language(""), None);
    }

    #[test]
    fn stem_becomes_title() {
        assert_eq!(stem_title(Path::new("dir/my_first-story.md")), "my first story");
    }

    #[test]
    fn finish_requires_body_and_fills_title() {
        let f = ArticleFields { body: "## Heading line\n\nText".into(), ..Default::default() };
        let done = finish(f, "stem").expect("finish");
        assert_eq!(done.title, "Heading line");
        let empty = ArticleFields::default();
        assert_eq!(finish(empty, "stem").expect_err("empty"), "no body text");
    }
}
