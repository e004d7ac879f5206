use serde::{Deserialize, Serialize};

/// The editable fields of an article, as importers produce them and editors save them.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[serde(default)]
pub struct ArticleFields {
    pub title: String,
    /// The article text as Markdown.
    pub body: String,
    /// Dek / standfirst / summary.
    pub dek: Option<String>,
    pub byline: Option<String>,
    pub outlet: Option<String>,
    pub section: Option<String>,
    pub tags: Vec<String>,
    pub url: Option<String>,
    /// BCP 47 primary language subtag, e.g. "en" or "zh".
    pub language: Option<String>,
    /// Publication date as ISO 8601 (`YYYY-MM-DD` or a full RFC 3339 timestamp).
    pub published: Option<String>,
}

/// A stored article.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct Article {
    pub id: i64,
    #[serde(flatten)]
    pub fields: ArticleFields,
    pub source_path: Option<String>,
    pub content_hash: String,
    /// RFC 3339 UTC timestamps.
    pub created_at: String,
    pub updated_at: String,
}

/// A row of the article list: enough to draw the sidebar without loading bodies.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct ArticleSummary {
    pub id: i64,
    pub title: String,
    pub dek: Option<String>,
    pub byline: Option<String>,
    pub language: Option<String>,
    pub published: Option<String>,
    pub updated_at: String,
}

/// A search hit with a highlighted excerpt.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct SearchHit {
    pub id: i64,
    pub title: String,
    /// Title with matches wrapped in `<mark>`; everything else HTML-escaped.
    pub title_html: String,
    /// Excerpt of the body with matches wrapped in `<mark>`; everything else HTML-escaped.
    pub snippet_html: String,
    /// BM25 score, lower is better (SQLite's convention).
    pub rank: f64,
}

/// A saved earlier state of an article.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct Revision {
    pub id: i64,
    pub article_id: i64,
    pub title: String,
    pub body: String,
    pub content_hash: String,
    pub created_at: String,
    /// Why the revision was taken: "edit", "restore" or "import".
    pub reason: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "lowercase")]
pub enum AttachmentKind {
    Audio,
    Transcript,
    Image,
    Other,
}

/// A file that belongs to an article: an interview recording, its transcript, an illustration.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct Attachment {
    pub id: i64,
    pub article_id: i64,
    pub kind: AttachmentKind,
    pub path: String,
    pub sha256: String,
    pub mime: Option<String>,
    /// Free-form JSON: duration, model, prompt, settings…
    pub metadata: serde_json::Value,
    pub created_at: String,
}
