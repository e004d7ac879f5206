//! Byline's article library: articles, revisions and attachments in SQLite, full-text search
//! that works for Chinese as well as English, import from common formats and export.
mod db;
pub mod export;
mod fts;
pub mod import;
mod importer;
mod library;
pub mod links;
pub mod model;
mod prune;
pub mod usage;

pub use importer::{Duplicate, ImportError, ImportSummary, Imported};
pub use library::{Library, content_hash, sha256_file};
pub use model::{Article, ArticleFields, ArticleSummary, Attachment, AttachmentKind, Revision, SearchHit};

#[cfg(test)]
mod fuzz_tests;
