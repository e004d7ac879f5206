//! Text preparation for the FTS5 index and queries, shared by indexing and search so the two
//! always agree on how Chinese and Japanese text is split.

/// Inserted between CJK characters; unicode61 treats it as a separator and we strip it on output.
pub(crate) const SEP: char = '\u{200B}';
/// Private-use markers around matches in FTS5 `highlight()`/`snippet()` output.
pub(crate) const MARK_OPEN: char = '\u{E000}';
pub(crate) const MARK_CLOSE: char = '\u{E001}';

pub(crate) fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x3040..=0x30FF      // hiragana, katakana
        | 0x3400..=0x4DBF    // CJK extension A
        | 0x4E00..=0x9FFF    // CJK unified ideographs
        | 0xF900..=0xFAFF    // compatibility ideographs
        | 0x20000..=0x3134F) // extensions B–G
}

/// Makes every CJK character its own token for unicode61.
pub(crate) fn index_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 2);
    let mut prev_cjk = false;
    for c in text.chars() {
        let cjk = is_cjk(c);
        if (cjk || prev_cjk) && !out.is_empty() {
            out.push(SEP);
        }
        out.push(c);
        prev_cjk = cjk;
    }
    out
}

const MAX_TERMS: usize = 64;

/// Turns what a person typed into a safe FTS5 query: every term quoted (no syntax errors from
/// stray operators), CJK runs as phrases, the last Latin term a prefix so results follow typing.
/// Returns `None` when nothing searchable is left.
pub(crate) fn build_query(input: &str) -> Option<String> {
    // FTS5 reads the query as a C string, so a NUL would end it inside a quoted term ("unterminated string").
    let input = input.replace('\0', " ");
    let mut terms: Vec<(String, bool)> = Vec::new(); // (term, was quoted by the user)
    let mut rest = input.trim();
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix('"') {
            let end = after.find('"').unwrap_or(after.len());
            terms.push((after[..end].to_string(), true));
            rest = after.get(end + 1..).unwrap_or("").trim_start();
        } else {
            let end = rest.find(|c: char| c.is_whitespace() || c == '"').unwrap_or(rest.len());
            terms.push((rest[..end].to_string(), false));
            rest = rest[end..].trim_start();
        }
    }
    // Nobody types more terms than this; thousands of them (a pasted document) make FTS5 take seconds.
    let terms: Vec<(String, bool)> =
        terms.into_iter().filter(|(t, _)| t.chars().any(|c| c.is_alphanumeric())).take(MAX_TERMS).collect();
    let last = terms.len().checked_sub(1)?;
    let parts: Vec<String> = terms
        .iter()
        .enumerate()
        .map(|(i, (term, quoted))| {
            let escaped = index_text(term).replace('"', "\"\"");
            let prefix = i == last && !quoted && !term.chars().any(is_cjk) && term.chars().count() >= 2;
            if prefix { format!("\"{escaped}\"*") } else { format!("\"{escaped}\"") }
        })
        .collect();
    Some(parts.join(" "))
}

/// Converts FTS5 highlight output into safe HTML: separators removed, text escaped,
/// match markers turned into `<mark>`.
pub(crate) fn marked_to_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        match c {
            SEP => {}
            MARK_OPEN => out.push_str("<mark>"),
            MARK_CLOSE => out.push_str("</mark>"),
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\n' | '\r' | '\t' => out.push(' '),
            c => out.push(c),
        }
    }
    // Adjacent CJK matches come back as separate marks; merge them for a tidy display.
    out.replace("</mark><mark>", "")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cjk_characters_become_tokens() {
        assert_eq!(index_text("在北京开会"), "在\u{200B}北\u{200B}京\u{200B}开\u{200B}会");
        assert_eq!(index_text("Beijing北京 talks"), "Beijing\u{200B}北\u{200B}京\u{200B} talks");
        assert_eq!(index_text("plain English"), "plain English");
    }

    #[test]
    fn queries_are_quoted_and_safe() {
        assert_eq!(build_query("city council").as_deref(), Some("\"city\" \"council\"*"));
        assert_eq!(build_query("北京").as_deref(), Some("\"北\u{200B}京\""));
        assert_eq!(build_query("\"city hall\" budget").as_deref(), Some("\"city hall\" \"budget\"*"));
        assert_eq!(build_query("AND OR NOT ( * :").as_deref(), Some("\"AND\" \"OR\" \"NOT\"*"));
        assert_eq!(build_query("say \"hi").as_deref(), Some("\"say\" \"hi\""));
        assert_eq!(build_query("  ** ").as_deref(), None);
    }

    #[test]
    fn highlight_output_is_escaped() {
        let raw = format!("a <b> {MARK_OPEN}北{MARK_CLOSE}{SEP}{MARK_OPEN}京{MARK_CLOSE} & c");
        assert_eq!(marked_to_html(&raw), "a &lt;b&gt; <mark>北京</mark> &amp; c");
    }
}
