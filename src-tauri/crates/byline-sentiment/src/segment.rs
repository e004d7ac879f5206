//! Paragraph and sentence segmentation for English and Chinese.
//!
//! A sentence ends at `.` `!` `?` `;` `…` (and their full-width forms `。！？；`), together with any
//! run of further end marks and closing quotes or brackets, so `“好！”他说` and `He said "no."` keep
//! the quote inside the sentence. A full stop does not end a sentence after a known abbreviation
//! (Mr., Dr., U.S.), a single capital initial, or inside a number (3.5), nor when the next word starts
//! in lower case. Offsets are byte offsets into the original text, for highlighting.

use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Serialize, ts_rs::TS)]
pub struct Span {
    pub start: usize,
    pub end: usize,
    pub text: String,
}

const ABBREVIATIONS: &[&str] = &[
    "mr", "mrs", "ms", "dr", "prof", "sr", "jr", "st", "mt", "gen", "col", "lt", "sgt", "capt", "gov", "sen", "rep",
    "rev", "hon", "pres", "vs", "etc", "e.g", "i.e", "u.s", "u.k", "u.n", "e.u", "a.m", "p.m", "inc", "ltd", "co",
    "corp", "no", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "fig", "approx",
    "dept", "est", "ave", "blvd",
];

fn is_terminal(c: char) -> bool {
    matches!(c, '.' | '!' | '?' | ';' | '…' | '。' | '！' | '？' | '；' | '．')
}

fn is_closing(c: char) -> bool {
    matches!(c, '"' | '\'' | '”' | '’' | '」' | '』' | ')' | ']' | '）' | '》' | '】' | '〕')
}

/// Paragraphs are separated by blank lines; a single line break stays inside a paragraph.
pub fn paragraphs(text: &str) -> Vec<Span> {
    let mut out = Vec::new();
    let mut start: Option<usize> = None;
    let mut end = 0;
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let blank = line.trim().is_empty();
        if blank {
            if let Some(s) = start.take() {
                out.push(span(text, s, end));
            }
        } else {
            if start.is_none() {
                start = Some(offset + (line.len() - line.trim_start().len()));
            }
            end = offset + line.trim_end().len();
        }
        offset += line.len();
    }
    if let Some(s) = start {
        out.push(span(text, s, end));
    }
    out
}

fn span(text: &str, start: usize, end: usize) -> Span {
    Span { start, end, text: text[start..end].to_string() }
}

/// Sentences of `text` (offsets relative to `text`).
pub fn sentences(text: &str) -> Vec<Span> {
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let mut out = Vec::new();
    let mut start = 0usize;
    let mut i = 0usize;
    while i < chars.len() {
        let c = chars[i].1;
        if !is_terminal(c) || (c == '.' && !full_stop_ends(&chars, i)) {
            i += 1;
            continue;
        }
        // Swallow further end marks and closing quotes: "Really?!" and 。” belong to this sentence.
        let mut j = i + 1;
        while j < chars.len() && (is_terminal(chars[j].1) || is_closing(chars[j].1)) {
            j += 1;
        }
        // `"We won!" she said.`: a quote closed by an end mark, then a lower-case word, is not the end.
        let closed_quote = chars[i + 1..j].iter().any(|(_, c)| is_closing(*c));
        let after = chars[j..].iter().map(|(_, c)| *c).find(|c| !c.is_whitespace());
        if closed_quote && after.is_some_and(char::is_lowercase) {
            i = j;
            continue;
        }
        let end = chars.get(j).map_or(text.len(), |(p, _)| *p);
        push_trimmed(text, start, end, &mut out);
        start = end;
        i = j;
    }
    push_trimmed(text, start, text.len(), &mut out);
    out
}

fn push_trimmed(text: &str, start: usize, end: usize, out: &mut Vec<Span>) {
    let piece = &text[start..end];
    let lead = piece.len() - piece.trim_start().len();
    let trimmed = piece.trim();
    if !trimmed.is_empty() {
        out.push(span(text, start + lead, start + lead + trimmed.len()));
    }
}

/// Whether the ASCII full stop at `chars[i]` ends a sentence.
fn full_stop_ends(chars: &[(usize, char)], i: usize) -> bool {
    let prev = i.checked_sub(1).map(|k| chars[k].1);
    let next = chars.get(i + 1).map(|(_, c)| *c);
    // 3.5, example.com, U.S.A: no space after the stop.
    if let Some(n) = next
        && !n.is_whitespace()
        && !is_terminal(n)
        && !is_closing(n)
    {
        return false;
    }
    // The word before the stop, back to white space or an opening bracket/quote.
    let word_start = chars[..i]
        .iter()
        .rposition(|(_, c)| c.is_whitespace() || matches!(c, '(' | '"' | '“' | '‘' | '['))
        .map_or(0, |k| k + 1);
    let word: String = chars[word_start..i].iter().map(|(_, c)| *c).collect::<String>().to_lowercase();
    if ABBREVIATIONS.contains(&word.as_str()) {
        return false;
    }
    // A lone capital initial: "John F. Kennedy".
    if word.chars().count() == 1 && prev.is_some_and(char::is_uppercase) {
        return false;
    }
    // A following lower-case word continues the sentence ("approx. five", "i.e. this").
    let after = chars[i + 1..].iter().map(|(_, c)| *c).find(|c| !c.is_whitespace());
    if after.is_some_and(|c| c.is_lowercase()) {
        return false;
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(t: &str) -> Vec<String> {
        sentences(t).into_iter().map(|s| s.text).collect()
    }

    #[test]
    fn english_abbreviations_and_numbers() {
        assert_eq!(
            texts("Mr. Smith met Dr. Jones in the U.S. on Monday. Prices rose 3.5 percent! Why?"),
            ["Mr. Smith met Dr. Jones in the U.S. on Monday.", "Prices rose 3.5 percent!", "Why?"]
        );
        assert_eq!(texts("John F. Kennedy spoke. It rained."), ["John F. Kennedy spoke.", "It rained."]);
    }

    #[test]
    fn quotes_stay_with_their_sentence() {
        assert_eq!(
            texts("\"We won!\" she said. \"Really?!\" He laughed."),
            ["\"We won!\" she said.", "\"Really?!\"", "He laughed."]
        );
    }

    #[test]
    fn chinese_punctuation() {
        assert_eq!(
            texts("今天天气很好。我们去公园吧！你来吗？“太好了！”他说；然后走了……"),
            ["今天天气很好。", "我们去公园吧！", "你来吗？", "“太好了！”", "他说；", "然后走了……"]
        );
    }

    #[test]
    fn offsets_point_into_the_text() {
        let t = "  First one.  Second 二。 ";
        for s in sentences(t) {
            assert_eq!(&t[s.start..s.end], s.text);
        }
    }

    #[test]
    fn paragraphs_split_on_blank_lines() {
        let t = "One. Two.\nStill one.\n\n  Three.\n\n\n";
        let p = paragraphs(t);
        assert_eq!(p.len(), 2);
        assert_eq!(p[0].text, "One. Two.\nStill one.");
        assert_eq!(&t[p[1].start..p[1].end], "Three.");
    }
}
