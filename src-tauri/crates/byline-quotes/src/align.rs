//! Word-level alignment of a quote with a stretch of a transcript: edit distance over normalised words, where
//! replacing a word costs less the more alike the two are (strsim's normalised Levenshtein, so a misheard
//! "Sonia" for "Sonja" is nearly free), and the transcript may start and end anywhere. The differences that
//! remain decide the [`Verdict`]; a changed number, negation or name is never a small difference.

use serde::Serialize;

use crate::normal::{Token, is_negation, is_number};
use crate::reason::QuoteReason;

/// How a quote compares with the recordings, best first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Every word as said (case, punctuation and fillers aside).
    Verbatim,
    /// As said but for small differences, shown word by word: a misheard or misspelt word, a word added
    /// or left out.
    Close,
    /// Found, but changed in a way that matters: a number, a negation or a name, or too many words.
    Altered,
    /// In no transcript.
    NotFound,
}

/// One difference between the quote and what was said.
#[derive(Clone, Debug, PartialEq, Serialize, ts_rs::TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Change {
    /// The quote has `quoted` where the recording has `heard`.
    Replaced { quoted: String, heard: String },
    /// The quote has a word the recording does not.
    Added { quoted: String },
    /// The quote leaves out a word the recording has.
    Dropped { heard: String },
}

/// The best alignment of a quote with a window of transcript words.
#[derive(Clone, Debug)]
pub(crate) struct Alignment {
    pub cost: f64,
    /// The aligned transcript words, relative to the window: `from..to`.
    pub from: usize,
    pub to: usize,
    pub changes: Vec<Change>,
    /// Why the changes matter (numbers, negations, names), empty when they do not.
    pub reasons: Vec<QuoteReason>,
    /// Words replaced by an unrelated word (not a number, negation or name: those are `reasons`).
    pub unrelated: usize,
}

fn similarity(a: &str, b: &str) -> f64 {
    if a == b {
        return 1.0;
    }
    if is_number(a) || is_number(b) || is_negation(a) || is_negation(b) || !a.is_ascii() || !b.is_ascii() {
        return 0.0;
    }
    strsim::normalized_levenshtein(a, b)
}

/// Words this alike are the same word misheard or misspelt; less alike, one word was put for another.
const ALIKE: f64 = 0.5;

/// Aligns all of `quote` with some stretch of `heard` (normalised transcript words).
pub(crate) fn align(quote: &[Token], heard: &[&str]) -> Alignment {
    let (n, m) = (quote.len(), heard.len());
    let w = m + 1;
    let mut d = vec![0.0f64; (n + 1) * w];
    for i in 1..=n {
        d[i * w] = i as f64;
        for j in 1..=m {
            let sub = d[(i - 1) * w + j - 1] + 1.0 - similarity(&quote[i - 1].norm, heard[j - 1]);
            let add = d[(i - 1) * w + j] + 1.0;
            let drop = d[i * w + j - 1] + 1.0;
            d[i * w + j] = sub.min(add).min(drop);
        }
    }
    // The transcript may end anywhere: the cheapest end, the earliest of equals.
    let mut j = (0..=m).min_by(|&a, &b| d[n * w + a].total_cmp(&d[n * w + b])).unwrap_or(0);
    let (cost, to) = (d[n * w + j], j);
    let mut i = n;
    let mut changes = Vec::new();
    let mut reasons = Vec::new();
    let mut unrelated = 0;
    let eps = 1e-9;
    while i > 0 {
        let here = d[i * w + j];
        if j > 0 {
            let sim = similarity(&quote[i - 1].norm, heard[j - 1]);
            if (d[(i - 1) * w + j - 1] + 1.0 - sim - here).abs() < eps {
                if sim < 1.0 {
                    let (q, h) = (&quote[i - 1], heard[j - 1]);
                    changes.push(Change::Replaced { quoted: q.norm.clone(), heard: h.to_string() });
                    if is_number(&q.norm) || is_number(h) {
                        reasons.push(QuoteReason::Number { heard: h.to_string(), quoted: q.norm.clone() });
                    } else if is_negation(&q.norm) || is_negation(h) {
                        reasons.push(QuoteReason::Negation { heard: h.to_string(), quoted: q.norm.clone() });
                    } else if q.capital && sim < 0.6 {
                        reasons.push(QuoteReason::Name { quoted: q.norm.clone(), heard: h.to_string() });
                    } else if sim < ALIKE {
                        unrelated += 1;
                    }
                }
                i -= 1;
                j -= 1;
                continue;
            }
            if (d[i * w + j - 1] + 1.0 - here).abs() < eps && i < n && j < to {
                // A word said inside the quoted stretch that the quote leaves out.
                let h = heard[j - 1];
                changes.push(Change::Dropped { heard: h.to_string() });
                if is_number(h) || is_negation(h) {
                    reasons.push(QuoteReason::LeavesOut { heard: h.to_string() });
                }
                j -= 1;
                continue;
            }
        }
        if (d[(i - 1) * w + j] + 1.0 - here).abs() < eps {
            let q = &quote[i - 1];
            changes.push(Change::Added { quoted: q.norm.clone() });
            if is_number(&q.norm) || is_negation(&q.norm) {
                reasons.push(QuoteReason::NotRecorded { quoted: q.norm.clone() });
            }
            i -= 1;
            continue;
        }
        // Only a dropped word at the very end of the stretch can be left (not part of the quote): skip it.
        j -= 1;
    }
    changes.reverse();
    reasons.reverse();
    Alignment { cost, from: j, to, changes, reasons, unrelated }
}

/// The verdict for a quote of `words` words aligned as `a`.
pub(crate) fn verdict(a: &Alignment, words: usize) -> Verdict {
    if a.changes.is_empty() {
        return Verdict::Verbatim;
    }
    let found = a.cost <= 0.5 * words as f64;
    if !found {
        return Verdict::NotFound;
    }
    if !a.reasons.is_empty() || a.unrelated > 0 {
        return Verdict::Altered;
    }
    // Misheard or misspelt words and small words added or left out: up to one in five.
    if a.changes.len() <= (words / 5).max(1) { Verdict::Close } else { Verdict::Altered }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normal::normalise_words;

    fn run(quote: &str, said: &str) -> (Verdict, Alignment) {
        let q = normalise_words(quote);
        let h: Vec<String> = normalise_words(said).into_iter().map(|t| t.norm).collect();
        let h: Vec<&str> = h.iter().map(String::as_str).collect();
        let a = align(&q, &h);
        (verdict(&a, q.len()), a)
    }

    const SAID: &str =
        "well you know I think that we will build forty new homes in the valley next year if the council agrees";

    #[test]
    fn verbatim_inside_a_longer_stretch() {
        let (v, a) = run("We will build 40 new homes in the valley.", SAID);
        assert_eq!(v, Verdict::Verbatim, "{a:?}");
        assert_eq!((a.from, a.to), (6, 15));
    }

    #[test]
    fn a_misheard_word_is_close_with_its_difference() {
        let (v, a) = run("We will build 40 new homes in the Vallee next year.", SAID);
        assert_eq!(v, Verdict::Close);
        assert_eq!(a.changes, [Change::Replaced { quoted: "vallee".into(), heard: "valley".into() }]);
    }

    #[test]
    fn numbers_negations_and_names_are_never_close() {
        assert_eq!(run("We will build 50 new homes in the valley.", SAID).0, Verdict::Altered);
        assert_eq!(run("We will not build 40 new homes in the valley.", SAID).0, Verdict::Altered);
        let said = "the plan was drawn up by Sonja Brandt and her team";
        assert_eq!(run("the plan was drawn up by Sonia Brandt", said).0, Verdict::Close);
        assert_eq!(run("the plan was drawn up by Maria Brandt", said).0, Verdict::Altered);
    }

    #[test]
    fn words_left_out_or_unrelated_text() {
        let (v, a) = run("I think we will build forty new homes in the valley", SAID);
        assert_eq!(v, Verdict::Close, "{a:?}");
        assert_eq!(a.changes, [Change::Dropped { heard: "that".into() }]);
        assert_eq!(run("The budget for schools doubled after the election.", SAID).0, Verdict::NotFound);
        // One word put for another is a misquote, not a small difference.
        assert_eq!(run("we will build forty new homes in the city next year", SAID).0, Verdict::Altered);
    }
}
