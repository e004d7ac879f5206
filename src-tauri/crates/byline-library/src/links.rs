//! Links between articles. Inside the app a body links another article as `[title](byline://article/ID)`;
//! nothing outside the app can open that, so an export rewrites each such link to the article's own web
//! address when it has one, and to its plain link text when it has none.
use std::ops::Range;

use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};

pub const SCHEME: &str = "byline://article/";

/// The article id of a `byline://article/ID` address.
pub fn article_id(url: &str) -> Option<i64> {
    url.strip_prefix(SCHEME)?.trim_end_matches('/').parse().ok()
}

/// The articles `markdown` links to (`[text](byline://article/ID)`, reference links included), sorted, each
/// once.
pub fn linked_ids(markdown: &str) -> Vec<i64> {
    if !markdown.contains(SCHEME) {
        return Vec::new();
    }
    let options = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH;
    let mut ids: Vec<i64> = Parser::new_ext(markdown, options)
        .filter_map(|event| match event {
            Event::Start(Tag::Link { dest_url, .. }) => article_id(&dest_url),
            _ => None,
        })
        .collect();
    ids.sort_unstable();
    ids.dedup();
    ids
}

/// Rewrites every internal link of `markdown`. `web_address(id)` gives the linked article's http(s) address,
/// or `None` (no address, or the article is gone): the link then becomes its text.
pub fn rewrite_internal_links(markdown: &str, web_address: impl Fn(i64) -> Option<String>) -> String {
    if !markdown.contains("byline:") {
        return markdown.to_string();
    }
    let options = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH;
    let mut edits: Vec<(Range<usize>, String)> = Vec::new();
    // CommonMark links never nest, so one open link at a time.
    let mut open: Option<(Range<usize>, Option<String>, String)> = None;
    for (event, range) in Parser::new_ext(markdown, options).into_offset_iter() {
        match event {
            Event::Start(Tag::Link { dest_url, .. }) if dest_url.starts_with("byline:") => {
                open = Some((range, article_id(&dest_url).and_then(&web_address), String::new()));
            }
            Event::Text(text) | Event::Code(text) => {
                if let Some((_, _, label)) = open.as_mut() {
                    label.push_str(&text);
                }
            }
            Event::SoftBreak | Event::HardBreak => {
                if let Some((_, _, label)) = open.as_mut() {
                    label.push(' ');
                }
            }
            Event::End(TagEnd::Link) => {
                if let Some((range, address, label)) = open.take() {
                    let replacement = match address {
                        Some(url) => format!("[{}](<{url}>)", escape_label(&label)),
                        None => escape_label(&label),
                    };
                    edits.push((range, replacement));
                }
            }
            _ => {}
        }
    }
    let mut out = markdown.to_string();
    for (range, replacement) in edits.into_iter().rev() {
        out.replace_range(range, &replacement);
    }
    // Whatever the parser did not see as a link (reference definitions, a bare address in text or code):
    // the address itself, or nothing.
    replace_bare_addresses(&out, &web_address)
}

fn replace_bare_addresses(text: &str, web_address: &impl Fn(i64) -> Option<String>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(SCHEME) {
        out.push_str(&rest[..at]);
        let after = &rest[at + SCHEME.len()..];
        let digits = after.bytes().take_while(u8::is_ascii_digit).count();
        let id = after[..digits].parse().ok();
        out.push_str(&id.and_then(web_address).unwrap_or_default());
        rest = &after[digits..];
    }
    out.push_str(rest);
    out
}

/// Link text written back as Markdown: brackets escaped so the text cannot open or close a link.
fn escape_label(label: &str) -> String {
    label.replace('\\', "\\\\").replace('[', "\\[").replace(']', "\\]")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn address(id: i64) -> Option<String> {
        (id == 20).then(|| "https://example.org/flood-report".to_string())
    }

    #[test]
    fn links_become_web_addresses_or_plain_text() {
        let body = "As we reported in [the flood report](byline://article/20), and [the budget](byline://article/7).";
        let out = rewrite_internal_links(body, address);
        assert_eq!(out, "As we reported in [the flood report](<https://example.org/flood-report>), and the budget.");
    }

    #[test]
    fn no_internal_address_survives_anywhere() {
        let body = "See [x][r] and `byline://article/7` and [*Budget* \\[draft\\]](byline://article/7)\n\n\
                    [r]: byline://article/20\n";
        let out = rewrite_internal_links(body, address);
        assert!(!out.contains("byline:"), "{out}");
        assert!(out.contains("Budget \\[draft\\]"), "{out}");
        assert!(out.contains("[r]: https://example.org/flood-report"), "{out}");
    }

    #[test]
    fn linked_ids_are_the_internal_links_only() {
        let body = "See [a](byline://article/7), [b][r], [c](https://example.com/byline://article/9) and `byline://article/8`.\n\n\
                    [r]: byline://article/20\n\nAgain [a](byline://article/7/).";
        assert_eq!(linked_ids(body), vec![7, 20]);
        assert!(linked_ids("no links").is_empty());
    }

    #[test]
    fn other_links_and_text_are_untouched() {
        let body = "A [web link](https://example.com) and <Sedio N.V.> of Lugano, 中文。";
        assert_eq!(rewrite_internal_links(body, address), body);
    }
}
