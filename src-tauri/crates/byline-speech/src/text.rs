//! From an article to what gets spoken: Markdown stripped to plain paragraphs, paragraphs split into
//! sentences (English and Chinese punctuation, quotes, abbreviations, decimals), each sentence tagged with
//! its language and rewritten for speech.

use pulldown_cmark::{Event, Parser, Tag, TagEnd};
use serde::Serialize;

use crate::normalize;

/// Which voice family reads a sentence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    En,
    Zh,
}

/// One sentence, as shown and as spoken.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct Sentence {
    /// Position among all sentences of the text, from 0.
    pub index: usize,
    pub paragraph: usize,
    /// The sentence as written (for highlighting).
    pub text: String,
    /// The sentence with numbers, dates and abbreviations written out.
    pub spoken: String,
    pub lang: Lang,
}

/// Plain-text paragraphs of a Markdown document: formatting, links' targets, images and code dropped;
/// headings and list items become paragraphs of their own.
pub fn markdown_paragraphs(markdown: &str) -> Vec<String> {
    let mut paragraphs = Vec::new();
    let mut current = String::new();
    let mut in_code_block = false;
    // Images are skipped whole: their alt text describes a picture, it is not part of the story read out.
    let mut in_image = false;
    let flush = |current: &mut String, paragraphs: &mut Vec<String>| {
        let text = current.split_whitespace().collect::<Vec<_>>().join(" ");
        if !text.is_empty() {
            paragraphs.push(text);
        }
        current.clear();
    };
    for event in Parser::new(markdown) {
        match event {
            Event::Start(Tag::CodeBlock(_)) => in_code_block = true,
            Event::End(TagEnd::CodeBlock) => in_code_block = false,
            Event::Start(Tag::Image { .. }) => in_image = true,
            Event::End(TagEnd::Image) => in_image = false,
            Event::Text(t) if !in_code_block && !in_image => current.push_str(&t),
            Event::Code(t) => current.push_str(&t),
            Event::SoftBreak => current.push(' '),
            Event::HardBreak => current.push(' '),
            Event::End(TagEnd::Paragraph | TagEnd::Heading(_) | TagEnd::Item | TagEnd::TableCell) => {
                // A heading or list item with no final punctuation still ends a sentence when spoken.
                let trimmed = current.trim_end();
                if !trimmed.is_empty() && !trimmed.ends_with(is_terminal) {
                    let cjk = trimmed.chars().last().is_some_and(is_cjk);
                    current.push(if cjk { '。' } else { '.' });
                }
                flush(&mut current, &mut paragraphs);
            }
            _ => {}
        }
    }
    flush(&mut current, &mut paragraphs);
    paragraphs
}

fn is_terminal(c: char) -> bool {
    matches!(c, '.' | '!' | '?' | '。' | '！' | '？' | '…' | ';' | '；' | ':' | '：')
}

pub(crate) fn is_cjk(c: char) -> bool {
    matches!(c as u32, 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x2FA1F | 0x3000..=0x303F | 0xFF00..=0xFFEF)
}

/// Words after which a full stop does not end an English sentence.
const ABBREVIATIONS: [&str; 30] = [
    "mr", "mrs", "ms", "dr", "prof", "gov", "sen", "rep", "gen", "lt", "col", "capt", "sgt", "jr", "sr", "st", "ave",
    "vs", "etc", "e.g", "i.e", "approx", "no", "jan", "feb", "aug", "sept", "oct", "nov", "dec",
];

fn ends_with_abbreviation(before: &str) -> bool {
    let word = before.rsplit(|c: char| c.is_whitespace() || c == '(').next().unwrap_or("");
    let word = word.trim_end_matches('.').to_lowercase();
    // Initials such as "U.S." or "J." are not sentence ends either.
    ABBREVIATIONS.contains(&word.as_str())
        || (word.chars().count() == 1 && word.chars().all(char::is_alphabetic))
        || (word.contains('.') && word.split('.').all(|p| p.chars().count() <= 1))
}

/// Splits one paragraph into sentences.
pub fn split_sentences(paragraph: &str) -> Vec<String> {
    let chars: Vec<(usize, char)> = paragraph.char_indices().collect();
    let mut out = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while i < chars.len() {
        let (pos, c) = chars[i];
        let end_here = match c {
            '。' | '！' | '？' | '!' | '?' | '…' | '；' => true,
            '.' => {
                let next = chars.get(i + 1).map(|(_, c)| *c);
                let prev = if i > 0 { Some(chars[i - 1].1) } else { None };
                let decimal = prev.is_some_and(|p| p.is_ascii_digit()) && next.is_some_and(|n| n.is_ascii_digit());
                let followed_by_space =
                    next.is_none_or(|n| n.is_whitespace() || matches!(n, '"' | '\'' | '”' | '’' | ')'));
                !decimal && followed_by_space && !ends_with_abbreviation(&paragraph[start..pos])
            }
            _ => false,
        };
        i += 1;
        if end_here {
            // Keep runs of punctuation and closing quotes with the sentence they end.
            while let Some((_, n)) = chars.get(i) {
                if matches!(
                    n,
                    '.' | '!' | '?' | '。' | '！' | '？' | '…' | '"' | '\'' | '”' | '’' | '」' | '』' | ')' | '）'
                ) {
                    i += 1;
                } else {
                    break;
                }
            }
            let end = chars.get(i).map(|(p, _)| *p).unwrap_or(paragraph.len());
            let sentence = paragraph[start..end].trim();
            if !sentence.is_empty() {
                out.push(sentence.to_string());
            }
            start = end;
        }
    }
    let rest = paragraph[start..].trim();
    if !rest.is_empty() {
        out.push(rest.to_string());
    }
    out
}

/// Chinese when a good share of the letters are CJK characters.
pub fn detect_lang(sentence: &str) -> Lang {
    let letters = sentence.chars().filter(|c| c.is_alphanumeric()).count();
    let cjk = sentence.chars().filter(|c| is_cjk(*c) && c.is_alphanumeric()).count();
    if letters > 0 && cjk * 3 >= letters { Lang::Zh } else { Lang::En }
}

/// Everything the engine will say for a Markdown text, in order.
pub fn prepare(markdown: &str) -> Vec<Sentence> {
    let mut out = Vec::new();
    for (p, paragraph) in markdown_paragraphs(markdown).iter().enumerate() {
        for text in split_sentences(paragraph) {
            let lang = detect_lang(&text);
            let spoken = normalize::for_speech(&text, lang);
            out.push(Sentence { index: out.len(), paragraph: p, text, spoken, lang });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_is_stripped_to_paragraphs() {
        let md = "# Council votes\n\nThe **council** voted [yes](http://example.org) on *Tuesday*.\n\n\
                  ![chart](c.png)\n\n- first point\n- second point\n\n```\nlet x = 1;\n```\n\n市议会周二投票";
        assert_eq!(
            markdown_paragraphs(md),
            vec![
                "Council votes.",
                "The council voted yes on Tuesday.",
                "first point.",
                "second point.",
                "市议会周二投票。",
            ]
        );
    }

    #[test]
    fn sentences_in_english_and_chinese() {
        let table: [(&str, &[&str]); 6] = [
            ("Mr. Smith arrived. He sat down.", &["Mr. Smith arrived.", "He sat down."]),
            ("Prices rose 3.5 percent. Why? Nobody knows!", &["Prices rose 3.5 percent.", "Why?", "Nobody knows!"]),
            ("The U.S. economy grew. Then it slowed.", &["The U.S. economy grew.", "Then it slowed."]),
            ("\"We won.\" She smiled.", &["\"We won.\"", "She smiled."]),
            ("市长说：“我们会尽力。”记者随后离开。", &["市长说：“我们会尽力。”", "记者随后离开。"]),
            ("今天下雨了！明天呢？不知道", &["今天下雨了！", "明天呢？", "不知道"]),
        ];
        for (input, expected) in table {
            assert_eq!(split_sentences(input), expected, "{input}");
        }
    }

    #[test]
    fn language_and_normalisation_per_sentence() {
        let sentences = prepare("It cost $20. 售价¥1,200。");
        assert_eq!(sentences.len(), 2);
        assert_eq!((sentences[0].lang, sentences[0].spoken.as_str()), (Lang::En, "It cost twenty dollars."));
        assert_eq!((sentences[1].lang, sentences[1].spoken.as_str()), (Lang::Zh, "售价一千二百元。"));
        assert_eq!(sentences[1].index, 1);
    }

    #[test]
    fn empty_text_has_no_sentences() {
        assert!(prepare("").is_empty());
        assert!(prepare("   \n\n  ").is_empty());
    }
}
