//! Quotes checked against the recordings. A draft's direct quotes ([`find_quotes`]: “…”, "…", 「…」, 『…』 and
//! Markdown block quotes, split at ellipses and bracketed insertions into fragments) are aligned word by word
//! with the timed words of the library's raw transcripts ([`Corpus`]), which edits never touch. Each quote
//! gets a [`Verdict`] with the interview, the speaker where known, the time range and the word differences.
//! The same index answers quote-bank searches ([`Corpus::search`]). A check can be limited to the interviews
//! linked to a story ([`sources`]).

mod align;
pub mod bench;
mod corpus;
mod detect;
mod normal;
mod reason;
pub mod sources;

pub use align::{Change, Verdict};
pub use corpus::{
    Corpus, CorpusCache, Heard, QuoteCheck, QuotesReport, SearchFilter, SearchHit, check_draft, check_text,
    check_text_within,
};
pub use detect::{Quote, QuoteScan, find_quotes};
pub use normal::{Token, normalise_words};
pub use reason::{QuoteReason, QuoteWarning};
