//! Bounding how deeply markup nests before a parser sees it. html5ever checks the stack of open elements
//! for most start tags, so each costs time in proportion to the depth: 200,000 nested `<div>`s (2.2 MB)
//! took three minutes, and pulldown-cmark does the same with 100,000 nested block quotes. Real articles
//! nest a few dozen levels; markup deeper than the limits here is unwrapped (its text stays, in order).
use std::borrow::Cow;

/// Elements deeper than this lose their tags, not their text.
pub(crate) const MAX_HTML_DEPTH: usize = 256;
/// Leading `>` block-quote markers kept on one Markdown line.
pub(crate) const MAX_QUOTE_DEPTH: usize = 32;

/// Elements that never hold content, and those that close themselves when a sibling opens (so they do not
/// deepen a real tree however many are left open).
const NO_DEPTH: &[&str] = &[
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr", "param", "p",
    "li", "td", "th", "tr", "dt", "dd", "option", "thead", "tbody", "tfoot", "colgroup", "rp", "rt",
];
/// Elements whose content is raw text: a `<` inside them is not a tag.
const RAW_TEXT: &[&str] = &["script", "style", "textarea", "title", "xmp", "noscript"];

enum Token {
    Open(usize, String),
    Close(usize, String),
    Other(usize),
}

/// The tags of `html` in order, with their byte length, found in one linear pass.
fn tokens(html: &str) -> impl Iterator<Item = (usize, Token)> + '_ {
    let bytes = html.as_bytes();
    let mut at = 0usize;
    std::iter::from_fn(move || {
        loop {
            let start = at + memchr(b'<', &bytes[at..])?;
            if html[start..].starts_with("<!--") {
                let end = html[start + 4..].find("-->").map_or(bytes.len(), |e| start + 4 + e + 3);
                at = end;
                return Some((start, Token::Other(end - start)));
            }
            let closing = bytes.get(start + 1) == Some(&b'/');
            let name_start = start + 1 + usize::from(closing);
            let name_len = bytes[name_start..].iter().take_while(|b| b.is_ascii_alphanumeric()).count();
            if name_len == 0 {
                at = start + 1;
                continue;
            }
            // The tag ends at the first `>` outside quoted attribute values.
            let mut quote = None;
            let mut end = name_start + name_len;
            while end < bytes.len() {
                match (quote, bytes[end]) {
                    (None, b'>') => break,
                    (None, q @ (b'"' | b'\'')) => quote = Some(q),
                    (Some(q), b) if b == q => quote = None,
                    _ => {}
                }
                end += 1;
            }
            let end = (end + 1).min(bytes.len());
            let name = html[name_start..name_start + name_len].to_ascii_lowercase();
            at = end;
            if closing {
                return Some((start, Token::Close(end - start, name)));
            }
            if RAW_TEXT.contains(&name.as_str()) {
                // Skip the raw text to its closing tag (case-insensitively); that tag is returned next.
                let lower_close = format!("</{name}");
                let rest = &html[end..];
                let skip = find_ascii_case_insensitive(rest, &lower_close).unwrap_or(rest.len());
                at = end + skip;
            }
            let self_closing = html[start..end].ends_with("/>");
            if self_closing {
                return Some((start, Token::Other(end - start)));
            }
            return Some((start, Token::Open(end - start, name)));
        }
    })
}

fn memchr(needle: u8, haystack: &[u8]) -> Option<usize> {
    haystack.iter().position(|&b| b == needle)
}

fn find_ascii_case_insensitive(haystack: &str, needle: &str) -> Option<usize> {
    let (h, n) = (haystack.as_bytes(), needle.as_bytes());
    if n.is_empty() || h.len() < n.len() {
        return None;
    }
    (0..=h.len() - n.len()).find(|&i| h[i..i + n.len()].eq_ignore_ascii_case(n))
}

fn counts(name: &str) -> bool {
    !NO_DEPTH.contains(&name)
}

/// `html` with the tags of elements nested deeper than [`MAX_HTML_DEPTH`] removed. Borrowed (untouched)
/// when nothing is that deep, which is every real page.
pub(crate) fn limit_html_depth(html: &str) -> Cow<'_, str> {
    let mut depth = 0usize;
    let mut deepest = 0usize;
    for (_, token) in tokens(html) {
        match token {
            Token::Open(_, name) if counts(&name) => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            Token::Close(_, name) if counts(&name) => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    if deepest <= MAX_HTML_DEPTH {
        return Cow::Borrowed(html);
    }
    let mut out = String::with_capacity(html.len());
    let mut copied = 0usize;
    depth = 0;
    for (start, token) in tokens(html) {
        let (len, keep) = match token {
            Token::Open(len, name) if counts(&name) => {
                depth += 1;
                (len, depth <= MAX_HTML_DEPTH)
            }
            Token::Close(len, name) if counts(&name) => {
                let keep = depth <= MAX_HTML_DEPTH;
                depth = depth.saturating_sub(1);
                (len, keep)
            }
            Token::Open(len, _) | Token::Close(len, _) | Token::Other(len) => (len, true),
        };
        if !keep {
            out.push_str(&html[copied..start]);
            // A space where the tag was, so words on either side stay apart.
            out.push(' ');
            copied = start + len;
        }
    }
    out.push_str(&html[copied..]);
    Cow::Owned(out)
}

/// Markdown with at most [`MAX_QUOTE_DEPTH`] leading block-quote markers per line; further `>` markers are
/// escaped and shown as text.
pub(crate) fn limit_quote_depth(markdown: &str) -> Cow<'_, str> {
    let too_deep = |line: &str| {
        line.bytes().take_while(|b| matches!(b, b'>' | b' ' | b'\t')).filter(|&b| b == b'>').count() > MAX_QUOTE_DEPTH
    };
    if !markdown.lines().any(too_deep) {
        return Cow::Borrowed(markdown);
    }
    let mut out = String::with_capacity(markdown.len() + 64);
    for line in markdown.split_inclusive('\n') {
        if !too_deep(line) {
            out.push_str(line);
            continue;
        }
        let mut markers = 0usize;
        let mut rest = line;
        while let Some(c) = rest.chars().next().filter(|c| matches!(c, '>' | ' ' | '\t')) {
            if c == '>' {
                markers += 1;
                out.push_str(if markers > MAX_QUOTE_DEPTH { "\\>" } else { ">" });
            } else {
                out.push(c);
            }
            rest = &rest[c.len_utf8()..];
        }
        out.push_str(rest);
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn real_pages_are_untouched() {
        let page = "<html><head><script>if (a < b) { x = '<div>'; }</script></head><body>\
                    <div class=\"a>b\"><p>One<p>Two<ul><li>x<li>y</ul><!-- <div> --><br><img src=x/></div></body></html>";
        assert!(matches!(limit_html_depth(page), Cow::Borrowed(_)));
        let mut many_paragraphs = String::new();
        for i in 0..5000 {
            many_paragraphs.push_str(&format!("<p>paragraph {i}"));
        }
        assert!(matches!(limit_html_depth(&many_paragraphs), Cow::Borrowed(_)));
    }

    #[test]
    fn deep_nesting_is_unwrapped_keeping_text() {
        let depth = 200_000;
        let html = format!("{}deep text{}", "<div>".repeat(depth), "</div>".repeat(depth));
        let limited = limit_html_depth(&html);
        assert_eq!(limited.matches("<div>").count(), MAX_HTML_DEPTH);
        assert_eq!(limited.matches("</div>").count(), MAX_HTML_DEPTH);
        assert!(limited.contains("deep text"));
    }

    #[test]
    fn deep_quotes_are_escaped_beyond_the_limit() {
        let md = format!("{}quoted\n\nplain > text\n", "> ".repeat(100_000));
        let limited = limit_quote_depth(&md);
        assert_eq!(limited.matches("\\>").count(), 100_000 - MAX_QUOTE_DEPTH);
        assert!(limited.ends_with("quoted\n\nplain > text\n"));
        assert!(matches!(limit_quote_depth("> a\n>> b\n"), Cow::Borrowed(_)));
    }
}
