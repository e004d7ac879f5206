//! VADER (Valence Aware Dictionary and sEntiment Reasoner), a faithful port of vaderSentiment 3.3.2.
//!
//! The lexicon and emoji lexicon are the package's own files, built into the binary (MIT; see
//! `data/PROVENANCE.md`). The scoring follows `SentimentIntensityAnalyzer.polarity_scores` step by
//! step, including its known quirks (e.g. the "but" rule that rescales the *first* equal score), so
//! the compound score matches the Python reference; `tests/vader_parity.rs` checks that.

mod rules;

use std::collections::HashMap;
use std::sync::OnceLock;

use rules::{N_SCALAR, allcap_differential, booster, is_upper, lower, negated, scalar_inc_dec, special_case};
use serde::Serialize;

const LEXICON: &str = include_str!("../../data/vader_lexicon.txt");
const EMOJI_LEXICON: &str = include_str!("../../data/emoji_utf8_lexicon.txt");

/// The four VADER scores of one text (not rounded; the reference rounds only for display).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, ts_rs::TS)]
pub struct PolarityScores {
    pub neg: f64,
    pub neu: f64,
    pub pos: f64,
    pub compound: f64,
}

pub struct Vader {
    lexicon: HashMap<String, f64>,
    /// Only single characters: the reference walks the text one code point at a time.
    emojis: HashMap<char, &'static str>,
}

impl Vader {
    /// The shared analyzer; parsing the lexicons once costs a few milliseconds.
    pub fn get() -> &'static Vader {
        static VADER: OnceLock<Vader> = OnceLock::new();
        VADER.get_or_init(Vader::new)
    }

    fn new() -> Vader {
        let mut lexicon = HashMap::new();
        for line in LEXICON.trim_end_matches('\n').split('\n') {
            let mut fields = line.trim().split('\t');
            if let (Some(word), Some(measure)) = (fields.next(), fields.next())
                && let Ok(value) = measure.parse::<f64>()
            {
                lexicon.insert(word.to_string(), value);
            }
        }
        let mut emojis = HashMap::new();
        for line in EMOJI_LEXICON.trim_end_matches('\n').split('\n') {
            let mut fields = line.trim().split('\t');
            if let (Some(emoji), Some(description)) = (fields.next(), fields.next()) {
                let mut chars = emoji.chars();
                if let (Some(c), None) = (chars.next(), chars.next()) {
                    emojis.insert(c, description);
                }
            }
        }
        Vader { lexicon, emojis }
    }

    fn in_lexicon(&self, word: &str) -> bool {
        self.lexicon.contains_key(&lower(word))
    }

    pub fn polarity_scores(&self, text: &str) -> PolarityScores {
        // Emoji become their descriptions, separated by a space from a preceding non-space.
        let mut no_emoji = String::with_capacity(text.len());
        let mut prev_space = true;
        for c in text.chars() {
            if let Some(description) = self.emojis.get(&c) {
                if !prev_space {
                    no_emoji.push(' ');
                }
                no_emoji.push_str(description);
                prev_space = false;
            } else {
                no_emoji.push(c);
                prev_space = c == ' ';
            }
        }
        let text = no_emoji.trim_matches(rules::is_py_space);
        let words = words_and_emoticons(text);
        let is_cap_diff = allcap_differential(&words);

        let mut sentiments: Vec<f64> = Vec::with_capacity(words.len());
        for (i, item) in words.iter().enumerate() {
            let item_lower = lower(item);
            if booster(&item_lower).is_some() {
                sentiments.push(0.0);
                continue;
            }
            if i + 1 < words.len() && item_lower == "kind" && lower(&words[i + 1]) == "of" {
                sentiments.push(0.0);
                continue;
            }
            sentiments.push(self.sentiment_valence(&words, i, is_cap_diff));
        }
        but_check(&words, &mut sentiments);
        score_valence(&sentiments, text)
    }

    fn sentiment_valence(&self, words: &[String], i: usize, is_cap_diff: bool) -> f64 {
        let item = &words[i];
        let item_lower = lower(item);
        let Some(&base) = self.lexicon.get(&item_lower) else {
            return 0.0;
        };
        let mut valence = base;
        let at = |k: usize| lower(&words[k]);
        // "no" before another lexicon word negates that word instead of counting itself.
        if item_lower == "no" && i != words.len() - 1 && self.in_lexicon(&words[i + 1]) {
            valence = 0.0;
        }
        if (i > 0 && at(i - 1) == "no")
            || (i > 1 && at(i - 2) == "no")
            || (i > 2 && at(i - 3) == "no" && ["or", "nor"].contains(&at(i - 1).as_str()))
        {
            valence = base * N_SCALAR;
        }
        if is_upper(item) && is_cap_diff {
            if valence > 0.0 {
                valence += rules::C_INCR;
            } else {
                valence -= rules::C_INCR;
            }
        }
        for start_i in 0..3 {
            // Modifiers further away count less; lexicon words are not modifiers.
            if i > start_i && !self.in_lexicon(&words[i - (start_i + 1)]) {
                let mut s = scalar_inc_dec(&words[i - (start_i + 1)], valence, is_cap_diff);
                if start_i == 1 && s != 0.0 {
                    s *= 0.95;
                }
                if start_i == 2 && s != 0.0 {
                    s *= 0.9;
                }
                valence += s;
                valence = negation_check(valence, words, start_i, i);
                if start_i == 2 {
                    valence = special_idioms_check(valence, words, i);
                }
            }
        }
        self.least_check(valence, words, i)
    }

    fn least_check(&self, valence: f64, words: &[String], i: usize) -> f64 {
        let at = |k: usize| lower(&words[k]);
        if i > 1 && !self.in_lexicon(&words[i - 1]) && at(i - 1) == "least" {
            if at(i - 2) != "at" && at(i - 2) != "very" {
                return valence * N_SCALAR;
            }
        } else if i > 0 && !self.in_lexicon(&words[i - 1]) && at(i - 1) == "least" {
            return valence * N_SCALAR;
        }
        valence
    }
}

/// `SentiText._words_and_emoticons`: split on white space and strip ASCII punctuation from each
/// end, unless that leaves two characters or fewer (then the token was probably an emoticon).
fn words_and_emoticons(text: &str) -> Vec<String> {
    text.split(rules::is_py_space)
        .filter(|w| !w.is_empty())
        .map(|w| {
            let stripped = w.trim_matches(rules::is_ascii_punct);
            if stripped.chars().count() <= 2 { w.to_string() } else { stripped.to_string() }
        })
        .collect()
}

fn negation_check(valence: f64, words: &[String], start_i: usize, i: usize) -> f64 {
    let at = |k: usize| lower(&words[k]);
    match start_i {
        0 if negated(&at(i - 1)) => valence * N_SCALAR,
        1 => {
            if at(i - 2) == "never" && (at(i - 1) == "so" || at(i - 1) == "this") {
                valence * 1.25
            } else if at(i - 2) == "without" && at(i - 1) == "doubt" {
                valence
            } else if negated(&at(i - 2)) {
                valence * N_SCALAR
            } else {
                valence
            }
        }
        2 => {
            // The reference's `a and (b or c) or (d or e)`: "so"/"this" right before the word
            // boosts even without "never"; kept as written.
            if (at(i - 3) == "never" && (at(i - 2) == "so" || at(i - 2) == "this"))
                || (at(i - 1) == "so" || at(i - 1) == "this")
            {
                valence * 1.25
            } else if at(i - 3) == "without" && (at(i - 2) == "doubt" || at(i - 1) == "doubt") {
                valence
            } else if negated(&at(i - 3)) {
                valence * N_SCALAR
            } else {
                valence
            }
        }
        _ => valence,
    }
}

fn special_idioms_check(mut valence: f64, words: &[String], i: usize) -> f64 {
    let w: Vec<String> = words.iter().map(|w| lower(w)).collect();
    let onezero = format!("{} {}", w[i - 1], w[i]);
    let twoonezero = format!("{} {} {}", w[i - 2], w[i - 1], w[i]);
    let twoone = format!("{} {}", w[i - 2], w[i - 1]);
    let threetwoone = format!("{} {} {}", w[i - 3], w[i - 2], w[i - 1]);
    let threetwo = format!("{} {}", w[i - 3], w[i - 2]);
    for seq in [&onezero, &twoonezero, &twoone, &threetwoone, &threetwo] {
        if let Some(v) = special_case(seq) {
            valence = v;
            break;
        }
    }
    if w.len() - 1 > i
        && let Some(v) = special_case(&format!("{} {}", w[i], w[i + 1]))
    {
        valence = v;
    }
    if w.len() - 1 > i + 1
        && let Some(v) = special_case(&format!("{} {} {}", w[i], w[i + 1], w[i + 2]))
    {
        valence = v;
    }
    // Two- and three-word dampeners such as "kind of" and "sort of".
    for n_gram in [&threetwoone, &threetwo, &twoone] {
        if let Some(b) = booster(n_gram) {
            valence += b;
        }
    }
    valence
}

/// `_but_check`, quirk included: each score is looked up by value (`list.index`), so when two
/// scores are equal the first one is rescaled again. Parity needs the same behaviour.
fn but_check(words: &[String], sentiments: &mut [f64]) {
    let Some(bi) = words.iter().position(|w| lower(w) == "but") else {
        return;
    };
    for k in 0..sentiments.len() {
        let sentiment = sentiments[k];
        let si = sentiments.iter().position(|s| *s == sentiment).unwrap_or(k);
        if si < bi {
            sentiments[si] = sentiment * 0.5;
        } else if si > bi {
            sentiments[si] = sentiment * 1.5;
        }
    }
}

fn score_valence(sentiments: &[f64], text: &str) -> PolarityScores {
    if sentiments.is_empty() {
        return PolarityScores { neg: 0.0, neu: 0.0, pos: 0.0, compound: 0.0 };
    }
    let mut sum_s: f64 = sentiments.iter().sum();
    let punct = rules::punctuation_emphasis(text);
    if sum_s > 0.0 {
        sum_s += punct;
    } else if sum_s < 0.0 {
        sum_s -= punct;
    }
    let compound = rules::normalize(sum_s);
    let (mut pos_sum, mut neg_sum, mut neu_count) = (0.0, 0.0, 0usize);
    for &s in sentiments {
        if s > 0.0 {
            pos_sum += s + 1.0;
        }
        if s < 0.0 {
            neg_sum += s - 1.0;
        }
        if s == 0.0 {
            neu_count += 1;
        }
    }
    if pos_sum > neg_sum.abs() {
        pos_sum += punct;
    } else if pos_sum < neg_sum.abs() {
        neg_sum -= punct;
    }
    let total = pos_sum + neg_sum.abs() + neu_count as f64;
    PolarityScores {
        neg: (neg_sum / total).abs(),
        neu: (neu_count as f64 / total).abs(),
        pos: (pos_sum / total).abs(),
        compound,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lexicon_is_built_in() {
        let v = Vader::get();
        assert!(v.lexicon.len() > 7000);
        assert_eq!(v.lexicon.get("good"), Some(&1.9));
        assert!(v.emojis.contains_key(&'😁'));
    }

    #[test]
    fn empty_text_is_neutral() {
        let s = Vader::get().polarity_scores("   ");
        assert_eq!(s.compound, 0.0);
    }

    #[test]
    fn emoticons_survive_punctuation_stripping() {
        assert_eq!(words_and_emoticons("Make sure :) today!"), ["Make", "sure", ":)", "today"]);
    }
}
