//! Splitting article text into passages that fit the model: paragraphs are kept whole and packed
//! together while they fit; a paragraph longer than the model's window is cut at sentence ends,
//! and a sentence longer than that at a token boundary.
use byline_core::Result;

/// A passage: its text and byte range in the source text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Passage {
    pub start: usize,
    pub end: usize,
    pub text: String,
}

/// Byte offsets at which each token of a text ends (no special tokens), from the model's tokenizer.
pub trait TokenCounter {
    fn token_ends(&self, text: &str) -> Result<Vec<usize>>;
}

impl TokenCounter for crate::Embedder {
    fn token_ends(&self, text: &str) -> Result<Vec<usize>> {
        crate::Embedder::token_ends(self, text)
    }
}

fn paragraphs(text: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start: Option<usize> = None;
    let mut last_end = 0;
    let mut pos = 0;
    for line in text.split_inclusive('\n') {
        let blank = line.trim().is_empty();
        if blank {
            if let Some(s) = start.take() {
                out.push((s, last_end));
            }
        } else {
            if start.is_none() {
                start = Some(pos + (line.len() - line.trim_start().len()));
            }
            last_end = pos + line.trim_end().len();
        }
        pos += line.len();
    }
    if let Some(s) = start {
        out.push((s, last_end));
    }
    out
}

fn ends_sentence(text: &str, at: usize) -> bool {
    let before = text[..at].trim_end();
    before.ends_with(['.', '!', '?', '。', '！', '？', '…', ';', '；'])
}

/// Cuts one paragraph `text[start..end]` into pieces of at most `budget` tokens.
fn cut(text: &str, start: usize, end: usize, ends: &[usize], budget: usize, out: &mut Vec<(usize, usize, usize)>) {
    let para = &text[start..end];
    let mut piece_start = 0; // byte offset inside the paragraph
    let mut first_tok = 0;
    while first_tok < ends.len() {
        let last_possible = (first_tok + budget).min(ends.len());
        if last_possible == ends.len() {
            out.push((start + piece_start, end, ends.len() - first_tok));
            return;
        }
        // Prefer the last sentence end inside the window; fall back to the window's edge.
        let cut_tok = (first_tok + 1..=last_possible)
            .rev()
            .find(|&t| ends_sentence(para, ends[t - 1].min(para.len())) && t - first_tok >= budget / 4)
            .unwrap_or(last_possible);
        let cut_byte = ends[cut_tok - 1].min(para.len());
        out.push((start + piece_start, start + cut_byte, cut_tok - first_tok));
        piece_start = cut_byte + (para[cut_byte..].len() - para[cut_byte..].trim_start().len());
        first_tok = cut_tok;
    }
}

fn cap(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// Splits `text` into passages of at most `budget` tokens, stopping after `max_passages`.
pub fn split(counter: &dyn TokenCounter, text: &str, budget: usize, max_passages: usize) -> Result<Vec<Passage>> {
    let budget = budget.max(1);
    // Tokens average well under 16 bytes, so this keeps everything that can fill the passages
    // while sparing the tokenizer the rest of a multi-megabyte text.
    let text = cap(text, max_passages.saturating_mul(budget).saturating_mul(16));
    let mut pieces: Vec<(usize, usize, usize)> = Vec::new(); // (start, end, tokens)
    for (start, end) in paragraphs(text) {
        // Enough pieces to fill every passage even if none could be merged.
        if pieces.len() >= max_passages {
            break;
        }
        let ends = counter.token_ends(&text[start..end])?;
        if ends.is_empty() {
            continue; // nothing the tokenizer keeps (e.g. only control characters)
        }
        if ends.len() <= budget {
            pieces.push((start, end, ends.len()));
        } else {
            cut(text, start, end, &ends, budget, &mut pieces);
        }
    }
    let mut passages: Vec<(usize, usize, usize)> = Vec::new();
    for (start, end, tokens) in pieces {
        match passages.last_mut() {
            // Joining whole paragraphs gives the model context; the byte range then spans both.
            Some(last) if last.2 + tokens <= budget => {
                last.1 = end;
                last.2 += tokens;
            }
            _ => {
                if passages.len() >= max_passages {
                    break;
                }
                passages.push((start, end, tokens));
            }
        }
    }
    Ok(passages.into_iter().map(|(start, end, _)| Passage { start, end, text: text[start..end].to_string() }).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Whitespace tokens, so tests do not need a model; the real tokenizer is used in real-model tests.
    struct Words;
    impl TokenCounter for Words {
        fn token_ends(&self, text: &str) -> Result<Vec<usize>> {
            let mut ends = Vec::new();
            let mut in_word = false;
            for (i, c) in text.char_indices() {
                if c.is_whitespace() {
                    if in_word {
                        ends.push(i);
                    }
                    in_word = false;
                } else {
                    in_word = true;
                }
            }
            if in_word {
                ends.push(text.len());
            }
            Ok(ends)
        }
    }

    #[test]
    fn short_paragraphs_are_packed_and_long_ones_cut_at_sentences() {
        let text = "Title here\n\nOne two three.\n\n\nFour five six seven eight. Nine ten eleven twelve. Thirteen.\n";
        let ps = split(&Words, text, 6, 100).expect("split");
        let texts: Vec<&str> = ps.iter().map(|p| p.text.as_str()).collect();
        assert_eq!(
            texts,
            vec!["Title here\n\nOne two three.", "Four five six seven eight.", "Nine ten eleven twelve. Thirteen."]
        );
        for p in &ps {
            assert_eq!(&text[p.start..p.end], p.text);
        }
    }

    #[test]
    fn a_sentence_longer_than_the_window_is_cut_at_tokens() {
        let text = "a b c d e f g h i j";
        let ps = split(&Words, text, 4, 100).expect("split");
        let texts: Vec<&str> = ps.iter().map(|p| p.text.as_str()).collect();
        assert_eq!(texts, vec!["a b c d", "e f g h", "i j"]);
    }

    #[test]
    fn empty_and_blank_text_give_no_passages_and_the_cap_holds() {
        assert!(split(&Words, "", 10, 5).expect("split").is_empty());
        assert!(split(&Words, "\n\n  \n", 10, 5).expect("split").is_empty());
        let long = "word. ".repeat(10_000);
        assert_eq!(split(&Words, &long, 10, 5).expect("split").len(), 5);
    }
}
