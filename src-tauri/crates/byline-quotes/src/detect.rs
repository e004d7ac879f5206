//! Direct quotes in a draft: “…”, "…", 「…」 and 『…』 within a paragraph, and Markdown block quotes (lines
//! starting with `>`). A quote is split at ellipses (…, ...) and bracketed insertions ([…], [the mayor]) into
//! fragments that must appear in that order in the recording. Quotes of fewer than three words (four Han
//! characters) are scare quotes or titles and are left alone; a quotation mark that never closes is reported.

use serde::Serialize;

use crate::normal::normalise_words;
use crate::reason::QuoteWarning;

/// A quote found in a draft.
#[derive(Clone, Debug, PartialEq, Serialize, ts_rs::TS)]
pub struct Quote {
    /// Byte offsets of the quoted words in the draft (inside the quotation marks).
    pub start: usize,
    pub end: usize,
    pub text: String,
    /// The parts that must be found in order, each with its byte offset in the draft.
    pub fragments: Vec<(usize, String)>,
}

/// What a scan of a draft found.
#[derive(Clone, Debug, Default, PartialEq, Serialize, ts_rs::TS)]
pub struct QuoteScan {
    pub quotes: Vec<Quote>,
    /// Problems with the draft's quotation marks, each with its byte offset.
    pub warnings: Vec<(usize, QuoteWarning)>,
}

const PAIRS: [(char, char); 5] = [('“', '”'), ('「', '」'), ('『', '』'), ('«', '»'), ('"', '"')];

/// Words (or Han characters) a quote needs to be checked.
fn long_enough(text: &str) -> bool {
    let tokens = normalise_words(text);
    let han = tokens.iter().filter(|t| t.norm.chars().count() == 1 && !t.norm.is_ascii()).count();
    tokens.len() - han >= 3 || han >= 4 || tokens.len() >= 4
}

/// Splits a quote at ellipses and bracketed insertions; `at` is the quote's offset in the draft.
fn fragments(text: &str, at: usize) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut from = 0;
    let mut i = 0;
    while i < text.len() {
        let rest = &text[i..];
        let cut = if rest.starts_with('[') {
            rest.find(']').map(|e| e + 1)
        } else if rest.starts_with("...") {
            Some(3)
        } else if rest.starts_with('…') {
            Some('…'.len_utf8())
        } else {
            None
        };
        if let Some(len) = cut {
            out.push((at + from, text[from..i].to_string()));
            i += len;
            from = i;
            continue;
        }
        i += rest.chars().next().map_or(1, char::len_utf8);
    }
    out.push((at + from, text[from..].to_string()));
    out.retain(|(_, f)| !normalise_words(f).is_empty());
    out
}

fn quote(start: usize, text: &str) -> Option<Quote> {
    long_enough(text).then(|| Quote {
        start,
        end: start + text.len(),
        text: text.to_string(),
        fragments: fragments(text, start),
    })
}

/// Finds the quotes in `draft` (Markdown or plain text).
pub fn find_quotes(draft: &str) -> QuoteScan {
    let mut scan = QuoteScan::default();
    let mut offset = 0;
    for paragraph in draft.split_inclusive("\n\n") {
        scan_paragraph(paragraph, offset, &mut scan);
        offset += paragraph.len();
    }
    scan.quotes.sort_by_key(|q| q.start);
    scan
}

fn scan_paragraph(paragraph: &str, at: usize, scan: &mut QuoteScan) {
    // A block quote: every line starts with '>'. Its text (without the markers) is one quote, unless it
    // holds quotation marks of its own, which are then the quotes.
    let lines: Vec<&str> = paragraph.lines().filter(|l| !l.trim().is_empty()).collect();
    if !lines.is_empty()
        && lines.iter().all(|l| l.trim_start().starts_with('>'))
        && !paragraph.contains(['“', '"', '「', '『'])
    {
        let mut pos = 0;
        let mut parts = Vec::new();
        for line in paragraph.split_inclusive('\n') {
            let indent = line.len() - line.trim_start().len();
            let after_marker = line[indent..].trim_start_matches('>');
            let marker = line.len() - indent - after_marker.len();
            let body = after_marker.trim_start();
            let body_at = pos + indent + marker + (after_marker.len() - body.len());
            let body = body.trim_end();
            if !body.is_empty() {
                parts.push((at + body_at, body));
            }
            pos += line.len();
        }
        if let (Some(first), Some(last)) = (parts.first(), parts.last()) {
            let text = parts.iter().map(|(_, b)| *b).collect::<Vec<_>>().join(" ");
            if long_enough(&text) {
                let fragments = parts.iter().flat_map(|(o, b)| fragments(b, *o)).collect();
                scan.quotes.push(Quote { start: first.0, end: last.0 + last.1.len(), text, fragments });
            }
        }
        return;
    }
    let mut i = 0;
    while i < paragraph.len() {
        let Some(c) = paragraph[i..].chars().next() else { break };
        let next = i + c.len_utf8();
        let Some(&(_, close)) = PAIRS.iter().find(|(o, _)| *o == c) else {
            i = next;
            continue;
        };
        // A straight quote right after a letter or digit is an apostrophe-like mark (5'10", inches): skip.
        if c == '"' && paragraph[..i].chars().last().is_some_and(char::is_alphanumeric) {
            i = next;
            continue;
        }
        match paragraph[next..].find(close) {
            Some(len) => {
                let inner = &paragraph[next..next + len];
                if let Some(q) = quote(at + next, inner) {
                    scan.quotes.push(q);
                }
                i = next + len + close.len_utf8();
            }
            None => {
                scan.warnings.push((at + i, QuoteWarning::Unclosed { mark: c.to_string() }));
                i = next;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(draft: &str) -> Vec<String> {
        find_quotes(draft).quotes.into_iter().map(|q| q.text).collect()
    }

    #[test]
    fn english_and_chinese_quotes_with_their_offsets() {
        let draft = "The mayor said: “We will build the hospital.” Critics called it \"a promise on paper\".\n\n\
                     市长说：「我们一定会建医院。」他又说『明年开工』。";
        let scan = find_quotes(draft);
        let got: Vec<&str> = scan.quotes.iter().map(|q| q.text.as_str()).collect();
        assert_eq!(got, ["We will build the hospital.", "a promise on paper", "我们一定会建医院。", "明年开工"]);
        for q in &scan.quotes {
            assert_eq!(&draft[q.start..q.end], q.text);
        }
        assert!(scan.warnings.is_empty());
    }

    #[test]
    fn scare_quotes_are_not_quotes_and_unclosed_marks_are_reported() {
        assert!(texts("the so-called \"reform\" passed; a “landmark” day").is_empty());
        let scan = find_quotes("He said “this never closes.\n\nNext paragraph “is fine here” now.");
        assert_eq!(scan.quotes.len(), 1);
        assert_eq!(scan.quotes[0].text, "is fine here");
        assert_eq!(scan.warnings.len(), 1);
        assert!(scan.warnings[0].1.to_string().contains("never closed"));
    }

    #[test]
    fn ellipses_and_insertions_split_fragments() {
        let scan = find_quotes("“We will build it … and [the council] will pay for all of it...every penny”");
        let frags: Vec<String> = scan.quotes[0].fragments.iter().map(|(_, f)| f.trim().to_string()).collect();
        assert_eq!(frags, ["We will build it", "and", "will pay for all of it", "every penny"]);
        let draft = "“We will build it … and [the council] will pay for all of it...every penny”";
        for (at, f) in &scan.quotes[0].fragments {
            assert_eq!(&draft[*at..*at + f.len()], f);
        }
    }

    #[test]
    fn block_quotes_are_quotes() {
        let draft = "Intro.\n\n> We cannot keep the library open\n> without the city's help.\n\nOutro.";
        let scan = find_quotes(draft);
        assert_eq!(scan.quotes.len(), 1);
        assert_eq!(scan.quotes[0].text, "We cannot keep the library open without the city's help.");
        for (at, f) in &scan.quotes[0].fragments {
            assert_eq!(&draft[*at..*at + f.len()], f);
        }
    }
}
