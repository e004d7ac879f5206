//! Words as the comparison sees them: lower case, without punctuation, numbers written either way as digits,
//! fillers (um, uh, 嗯) left out, and Chinese split into single characters (transcripts and drafts segment
//! Chinese differently, characters always agree).

use serde::Serialize;

/// One normalised word, and where it came from in the text it was taken from (byte offsets).
#[derive(Clone, Debug, PartialEq, Serialize, ts_rs::TS)]
pub struct Token {
    pub norm: String,
    pub start: usize,
    pub end: usize,
    /// Written with a capital letter not at the start of a sentence: probably a name.
    pub capital: bool,
}

const FILLERS: &[&str] = &["um", "umm", "uh", "uhm", "er", "erm", "ah", "hmm", "mm", "mhm", "嗯", "呃"];

const NEGATIONS: &[&str] = &[
    "not", "no", "never", "nor", "neither", "none", "nobody", "nothing", "nowhere", "cannot", "dont", "doesnt",
    "didnt", "isnt", "arent", "wasnt", "werent", "cant", "couldnt", "wont", "wouldnt", "shouldnt", "hasnt", "havent",
    "hadnt", "mustnt", "aint", "不", "没", "別", "别", "未", "非", "无", "無", "莫", "勿",
];

/// Whether a normalised word negates: changing one is never a small difference.
pub fn is_negation(norm: &str) -> bool {
    NEGATIONS.contains(&norm)
}

/// Whether a normalised word is a number (digits, after number words were turned into digits).
pub fn is_number(norm: &str) -> bool {
    !norm.is_empty() && norm.chars().all(|c| c.is_ascii_digit() || c == '.')
}

fn is_han(c: char) -> bool {
    matches!(c, '\u{3400}'..='\u{4dbf}' | '\u{4e00}'..='\u{9fff}' | '\u{f900}'..='\u{faff}' | '\u{20000}'..='\u{2ebef}')
}

fn number_word(w: &str) -> Option<u32> {
    const ONES: [&str; 20] = [
        "zero",
        "one",
        "two",
        "three",
        "four",
        "five",
        "six",
        "seven",
        "eight",
        "nine",
        "ten",
        "eleven",
        "twelve",
        "thirteen",
        "fourteen",
        "fifteen",
        "sixteen",
        "seventeen",
        "eighteen",
        "nineteen",
    ];
    const TENS: [&str; 8] = ["twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"];
    if let Some(i) = ONES.iter().position(|o| *o == w) {
        return Some(i as u32);
    }
    if let Some(i) = TENS.iter().position(|t| *t == w) {
        return Some(20 + 10 * i as u32);
    }
    let (tens, ones) = w.split_once('-')?;
    let t = TENS.iter().position(|t| *t == tens)?;
    let o = ONES[1..10].iter().position(|o| *o == ones)?;
    Some(20 + 10 * t as u32 + 1 + o as u32)
}

/// Normalises one written word (no spaces inside); `None` when nothing is left or it is a filler.
fn normalise(word: &str) -> Option<String> {
    let lower = word.to_lowercase();
    // "forty-two" before hyphens go; "1,200" and "3.5" keep their digits together.
    if let Some(n) = number_word(lower.trim_matches(|c: char| !c.is_alphanumeric() && c != '-')) {
        return Some(n.to_string());
    }
    let mut out = String::with_capacity(lower.len());
    let chars: Vec<char> = lower.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        let between_digits =
            |i: usize| i > 0 && i + 1 < chars.len() && chars[i - 1].is_ascii_digit() && chars[i + 1].is_ascii_digit();
        if c.is_alphanumeric() {
            out.push(c);
        } else if c == '.' && between_digits(i) {
            out.push('.');
        } else if c == '%' {
            out.push_str("percent");
        }
        // Apostrophes, commas between digits ("1,200"), hyphens and other marks go.
    }
    (!out.is_empty() && !FILLERS.contains(&out.as_str())).then_some(out)
}

/// Normalised words of `text` with their byte offsets. Han characters are single tokens; everything else is
/// split at whitespace and at hyphens between letters ("well-known" is two words, "forty-two" one number).
pub fn normalise_words(text: &str) -> Vec<Token> {
    let mut tokens = Vec::new();
    let mut sentence_start = true;
    let push = |piece: &str, start: usize, tokens: &mut Vec<Token>, sentence_start: &mut bool| {
        let capital = piece.chars().find(|c| c.is_alphabetic()).is_some_and(char::is_uppercase) && !*sentence_start;
        let ends_sentence = piece.trim_end_matches(['"', '”', '’', '\'', ')']).ends_with(['.', '!', '?']);
        if piece.chars().any(|c| c.is_alphanumeric()) {
            *sentence_start = false;
        }
        if ends_sentence {
            *sentence_start = true;
        }
        if let Some(norm) = normalise(piece) {
            tokens.push(Token { norm, start, end: start + piece.len(), capital });
        }
    };
    let mut word_start: Option<usize> = None;
    for (i, c) in text.char_indices() {
        if is_han(c)
            || c.is_whitespace()
            || matches!(c, '。' | '，' | '、' | '！' | '？' | '；' | '：' | '…' | '—' | '–')
        {
            if let Some(s) = word_start.take() {
                for (piece, at) in split_hyphens(&text[s..i], s) {
                    push(piece, at, &mut tokens, &mut sentence_start);
                }
            }
            if is_han(c) && !FILLERS.contains(&c.to_string().as_str()) {
                tokens.push(Token { norm: c.to_string(), start: i, end: i + c.len_utf8(), capital: false });
            }
            if matches!(c, '。' | '！' | '？') {
                sentence_start = true;
            }
        } else if word_start.is_none() {
            word_start = Some(i);
        }
    }
    if let Some(s) = word_start {
        for (piece, at) in split_hyphens(&text[s..], s) {
            push(piece, at, &mut tokens, &mut sentence_start);
        }
    }
    tokens
}

/// Splits at hyphens between letters, unless the whole is a number word ("forty-two").
fn split_hyphens(word: &str, at: usize) -> Vec<(&str, usize)> {
    let bare = word.trim_matches(|c: char| !c.is_alphanumeric() && c != '-').to_lowercase();
    if number_word(&bare).is_some() || !word.contains('-') {
        return vec![(word, at)];
    }
    let mut out = Vec::new();
    let mut from = 0;
    for (i, _) in word.match_indices('-') {
        out.push((&word[from..i], at + from));
        from = i + 1;
    }
    out.push((&word[from..], at + from));
    out.retain(|(p, _)| !p.is_empty());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn norms(text: &str) -> Vec<String> {
        normalise_words(text).into_iter().map(|t| t.norm).collect()
    }

    #[test]
    fn case_punctuation_numbers_and_fillers() {
        assert_eq!(norms("Um, it cost Forty-Two million—not 40!"), ["it", "cost", "42", "million", "not", "40"]);
        assert_eq!(
            norms("We'll pay 1,200 dollars, uh, 3.5% more."),
            ["well", "pay", "1200", "dollars", "3.5percent", "more"]
        );
        assert_eq!(norms("a well-known fact"), ["a", "well", "known", "fact"]);
        assert_eq!(norms("twenty million"), norms("20 million"));
    }

    #[test]
    fn chinese_is_split_into_characters_and_mixed_text_keeps_both() {
        assert_eq!(norms("我们不会放弃，嗯，绝不。"), ["我", "们", "不", "会", "放", "弃", "绝", "不"]);
        assert_eq!(norms("市长说GDP增长5%"), ["市", "长", "说", "gdp", "增", "长", "5percent"]);
    }

    #[test]
    fn names_are_capitals_inside_a_sentence() {
        let t = normalise_words("The mayor met Alice Brown. Then she left.");
        let capital: Vec<&str> = t.iter().filter(|t| t.capital).map(|t| t.norm.as_str()).collect();
        assert_eq!(capital, ["alice", "brown"]);
        assert!(is_negation("dont") && is_negation("不") && !is_negation("know"));
        assert!(is_number("42") && is_number("3.5") && !is_number("4a"));
    }
}
