//! Why a quote got its verdict, and what is wrong with a draft's quotation marks, as data: the app says them
//! in the interface's language from the code and the words; the CLI and logs use the English sentence
//! (`Display`).
use std::fmt;

use serde::Serialize;

/// One reason for a quote's verdict.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum QuoteReason {
    /// Word for word as recorded.
    Verbatim,
    /// As recorded but for this many small differences.
    Close { differences: usize },
    /// Found, but this many words differ.
    Altered { words: usize },
    /// A number was changed: the recording has `heard`, the quote `quoted`.
    Number { heard: String, quoted: String },
    /// A negation was changed.
    Negation { heard: String, quoted: String },
    /// A name-like word was changed.
    Name { quoted: String, heard: String },
    /// The quote leaves out a number or negation that was said.
    LeavesOut { heard: String },
    /// A number or negation of the quote was never said.
    NotRecorded { quoted: String },
    /// The story has no interviews linked to check against.
    NoSources,
    /// Not in the story's interviews.
    NotInSources,
    /// The library has no transcripts.
    NoTranscripts,
    /// In no transcript.
    NotFound,
}

impl fmt::Display for QuoteReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Verbatim => write!(f, "word for word as recorded"),
            Self::Close { differences: 1 } => write!(f, "as recorded but for one small difference"),
            Self::Close { differences } => write!(f, "as recorded but for {differences} small differences"),
            Self::Altered { words: 1 } => write!(f, "found, but a word was changed"),
            Self::Altered { words } => write!(f, "found, but {words} words differ"),
            Self::Number { heard, quoted } => write!(f, "the number {heard} is quoted as {quoted}"),
            Self::Negation { heard, quoted } => write!(f, "\"{heard}\" is quoted as \"{quoted}\""),
            Self::Name { quoted, heard } => write!(f, "the name-like \"{quoted}\" was said as \"{heard}\""),
            Self::LeavesOut { heard } => write!(f, "the quote leaves out \"{heard}\""),
            Self::NotRecorded { quoted } => write!(f, "\"{quoted}\" is not in the recording"),
            Self::NoSources => write!(f, "no interviews are linked to this story to check against"),
            Self::NotInSources => write!(f, "not in this story's interviews"),
            Self::NoTranscripts => write!(f, "there are no transcripts to check against"),
            Self::NotFound => write!(f, "not in any transcript"),
        }
    }
}

/// The reasons as one English sentence, joined by "; ".
pub fn sentence(reasons: &[QuoteReason]) -> String {
    reasons.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ")
}

/// A problem with a draft's quotation marks.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum QuoteWarning {
    /// An opening mark with no closing one in its paragraph.
    Unclosed { mark: String },
}

impl fmt::Display for QuoteWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Unclosed { mark } => write!(f, "the quotation mark {mark} here is never closed in its paragraph"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_read_as_sentences_and_travel_as_codes() {
        let reasons = [
            QuoteReason::Number { heard: "12".into(), quoted: "20".into() },
            QuoteReason::Negation { heard: "not".into(), quoted: "now".into() },
        ];
        assert_eq!(sentence(&reasons), "the number 12 is quoted as 20; \"not\" is quoted as \"now\"");
        assert_eq!(QuoteReason::Close { differences: 1 }.to_string(), "as recorded but for one small difference");
        let json = serde_json::to_value(&reasons[0]).expect("json");
        assert_eq!(json, serde_json::json!({"code": "number", "heard": "12", "quoted": "20"}));
        let warning = serde_json::to_value(QuoteWarning::Unclosed { mark: "“".into() }).expect("json");
        assert_eq!(warning, serde_json::json!({"code": "unclosed", "mark": "“"}));
    }
}
