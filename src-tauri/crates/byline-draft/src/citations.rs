//! Checking the citation markers of generated text against the numbered sources of its prompt.
//!
//! Markers look like `[1]`, `[1, 3]`, `[2-4]`, or with the full-width brackets Chinese output uses
//! (`【1】`, `［1］`). A number outside 1..=sources is flagged: the model pointed at a source that was never
//! given to it.

use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct Citation {
    /// The source number the marker names.
    pub n: usize,
    /// Byte range of the whole marker in the text (a marker naming two sources yields two citations
    /// with the same range).
    pub start: usize,
    pub end: usize,
    /// Whether a source with this number was in the prompt.
    pub valid: bool,
}

const OPEN: [char; 3] = ['[', '【', '［'];
const CLOSE: [char; 3] = [']', '】', '］'];

/// Every citation in `text`, in order, checked against `source_count` numbered sources.
pub fn check(text: &str, source_count: usize) -> Vec<Citation> {
    let mut out = Vec::new();
    let mut rest = text.char_indices().peekable();
    while let Some((start, c)) = rest.next() {
        if !OPEN.contains(&c) {
            continue;
        }
        let body_start = start + c.len_utf8();
        let Some(close) = text[body_start..].find(|ch| CLOSE.contains(&ch) || OPEN.contains(&ch) || ch == '\n') else {
            break;
        };
        let close_at = body_start + close;
        let close_char = text[close_at..].chars().next().unwrap_or('\n');
        if !CLOSE.contains(&close_char) {
            continue;
        }
        if let Some(numbers) = parse_numbers(&text[body_start..close_at]) {
            let end = close_at + close_char.len_utf8();
            out.extend(numbers.into_iter().map(|n| Citation { n, start, end, valid: (1..=source_count).contains(&n) }));
            while rest.peek().is_some_and(|(i, _)| *i < end) {
                rest.next();
            }
        }
    }
    out
}

/// Bigger numbers in brackets are years or amounts ("[2024]"), not citations.
const MAX_SOURCE: usize = 999;

/// "1", "1, 3", "1、3", "2-4" → the numbers; anything else (a link, "[sic]", "[Editor's note]") → None.
fn parse_numbers(body: &str) -> Option<Vec<usize>> {
    let mut numbers = Vec::new();
    for part in body.split([',', '，', '、', ';']) {
        let part = part.trim();
        if let Some((a, b)) = part.split_once(['-', '–']) {
            let (a, b): (usize, usize) = (a.trim().parse().ok()?, b.trim().parse().ok()?);
            // A long "range" is more likely a year span than a citation.
            if b < a || b - a > 20 || b > MAX_SOURCE {
                return None;
            }
            numbers.extend(a..=b);
        } else {
            numbers.push(part.parse().ok().filter(|n| *n <= MAX_SOURCE)?);
        }
    }
    (!numbers.is_empty()).then_some(numbers)
}

/// The distinct invalid numbers, for a one-line warning.
pub fn invalid_numbers(citations: &[Citation]) -> Vec<usize> {
    let mut bad: Vec<usize> = citations.iter().filter(|c| !c.valid).map(|c| c.n).collect();
    bad.sort_unstable();
    bad.dedup();
    bad
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_and_invalid_markers() {
        let text = "The mayor resigned [1]. Turnout rose [2, 3] while costs fell [5].";
        let c = check(text, 3);
        let got: Vec<(usize, bool)> = c.iter().map(|c| (c.n, c.valid)).collect();
        assert_eq!(got, [(1, true), (2, true), (3, true), (5, false)]);
        assert_eq!(&text[c[0].start..c[0].end], "[1]");
        assert_eq!(&text[c[1].start..c[1].end], "[2, 3]");
        assert_eq!(invalid_numbers(&c), [5]);
    }

    #[test]
    fn zero_and_no_sources_are_invalid() {
        let c = check("See [0] and [1].", 0);
        assert_eq!(c.len(), 2);
        assert!(c.iter().all(|c| !c.valid));
    }

    #[test]
    fn chinese_brackets_ranges_and_non_citations() {
        let text = "市长辞职【1】，投票率上升［2-3］。[sic] [link](http://x) [2020-2024] [4、1]";
        let c = check(text, 3);
        let got: Vec<(usize, bool)> = c.iter().map(|c| (c.n, c.valid)).collect();
        assert_eq!(got, [(1, true), (2, true), (3, true), (4, false), (1, true)]);
        assert_eq!(&text[c[0].start..c[0].end], "【1】");
    }

    #[test]
    fn unclosed_marker_is_ignored() {
        assert!(check("a [1 b", 2).is_empty());
        assert_eq!(check("[[2]]", 2).len(), 1);
    }
}
