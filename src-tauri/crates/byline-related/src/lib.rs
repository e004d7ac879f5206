//! Related articles: sentence embeddings through candle, a vector index in the library, hybrid
//! BM25 + dense ranking with MMR diversity, explanations, and pin/hide feedback.
//!
//! Flow: [`index_library`] embeds every article's passages (only what changed) into the library
//! database; a [`Recommender`] answers "what have I written that relates to this?" for a saved
//! article or for unsaved draft text.
mod co_use;
mod embed;
pub mod eval;
mod explain;
mod feedback;
mod index;
pub mod passages;
pub mod rank;
mod related;
pub mod search;
pub mod store;
pub mod terms;

pub use co_use::HALF_LIFE_DAYS;
pub use embed::{Embedder, Pooling};
pub use explain::Explanation;
pub use feedback::{Feedback, feedback_for, set_feedback};
pub use index::{IndexStats, MAX_PASSAGES, article_text, index_article, index_library};
pub use rank::{Fusion, Method};
pub use related::{CO_USE_WEIGHT, RankOptions, Recommender, RelatedNote, RelatedResult, Suggestion};
pub use search::{BruteForce, Scored, VectorIndex};

#[cfg(test)]
mod real_model_tests;
