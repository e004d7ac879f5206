//! Building the vector index: every article's passages and its article vector, for one model.
//! Work is committed per article, so a cancelled or killed run resumes where it stopped, and an
//! article whose text did not change is skipped without touching the model.
use byline_core::{CancelToken, Progress, Reporter, Result};
use byline_library::Library;
use rusqlite::Connection;
use serde::Serialize;

use crate::Embedder;
use crate::passages::split;
use crate::store::{self, Db, text_hash};

/// Passages per article (~12,000 words with all-MiniLM-L6-v2); beyond this a (multi-megabyte)
/// article is indexed by its beginning only, which keeps one pasted dump from stalling the index.
pub const MAX_PASSAGES: usize = 64;

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct IndexStats {
    /// Articles looked at.
    pub articles: u64,
    /// Articles whose stored vectors were current.
    pub unchanged: u64,
    /// Passages run through the model.
    pub embedded: u64,
    /// Passages whose vector was found under the same text hash and reused.
    pub reused: u64,
    /// Articles with no text the model can read (empty, or only [UNK] tokens).
    pub unreadable: u64,
    /// Articles longer than MAX_PASSAGES passages, indexed by their beginning.
    pub truncated: u64,
}

/// A passage with its vector; `vector` is `None` when the model reads it only as [UNK].
#[derive(Clone, Debug)]
pub struct PassageVec {
    pub text: String,
    pub hash: String,
    pub vector: Option<Vec<f32>>,
}

/// The text an article is embedded as: the title is part of what it is about.
pub fn article_text(title: &str, body: &str) -> String {
    match (title.trim().is_empty(), body.trim().is_empty()) {
        (true, _) => body.to_string(),
        (false, true) => title.to_string(),
        (false, false) => format!("{title}\n\n{body}"),
    }
}

/// The normalised mean of passage vectors: the article vector.
pub fn mean_vector(vectors: &[&[f32]]) -> Option<Vec<f32>> {
    let first = vectors.first()?;
    let mut sum = vec![0f32; first.len()];
    for v in vectors {
        for (s, x) in sum.iter_mut().zip(v.iter()) {
            *s += x;
        }
    }
    let norm = sum.iter().map(|x| x * x).sum::<f32>().sqrt();
    (norm > 0.0).then(|| sum.iter().map(|x| x / norm).collect())
}

/// Splits and embeds a text, reusing stored vectors for passages already seen under this model.
pub fn embed_passages(
    conn: &Connection,
    emb: &Embedder,
    text: &str,
    max_passages: usize,
    stats: &mut IndexStats,
) -> Result<Vec<PassageVec>> {
    let passages = split(emb, text, emb.max_tokens().saturating_sub(2), max_passages)?;
    let hashes: Vec<String> = passages.iter().map(|p| text_hash(&p.text)).collect();
    let known = store::known_vectors(conn, emb.model_id(), &hashes)?;
    let mut todo: Vec<usize> = Vec::new();
    for (i, p) in passages.iter().enumerate() {
        if !known.contains_key(&hashes[i]) && emb.readable(&p.text)? {
            todo.push(i);
        }
    }
    let texts: Vec<&str> = todo.iter().map(|&i| passages[i].text.as_str()).collect();
    let fresh = emb.embed(&texts)?;
    stats.embedded += fresh.len() as u64;
    let mut fresh_by_index: std::collections::HashMap<usize, Vec<f32>> = todo.into_iter().zip(fresh).collect();
    let mut out = Vec::with_capacity(passages.len());
    for (i, (p, hash)) in passages.into_iter().zip(hashes).enumerate() {
        let vector = match known.get(&hash) {
            Some(v) => {
                stats.reused += 1;
                Some(v.clone())
            }
            None => fresh_by_index.remove(&i),
        };
        out.push(PassageVec { text: p.text, hash, vector });
    }
    Ok(out)
}

/// Indexes (or brings up to date) every article for the embedder's model.
pub fn index_library(
    lib: &mut Library,
    emb: &Embedder,
    reporter: &dyn Reporter,
    cancel: &CancelToken,
) -> Result<IndexStats> {
    let ids: Vec<i64> = {
        let mut stmt = lib.connection().prepare("SELECT id FROM articles ORDER BY id").db()?;
        let rows = stmt.query_map([], |r| r.get(0)).db()?;
        rows.collect::<rusqlite::Result<_>>().db()?
    };
    let mut stats = IndexStats::default();
    reporter.on_start(Some(ids.len() as u64), &format!("Indexing {} articles with {}", ids.len(), emb.model_id()));
    for (n, &id) in ids.iter().enumerate() {
        cancel.check()?;
        index_article(lib, emb, id, &mut stats)?;
        reporter.on_progress(&Progress {
            done: n as u64 + 1,
            total: Some(ids.len() as u64),
            message: format!("article {id}"),
        });
    }
    reporter.on_done(&format!(
        "Indexed {} articles: {} unchanged, {} passages embedded, {} reused",
        stats.articles, stats.unchanged, stats.embedded, stats.reused
    ));
    Ok(stats)
}

/// Brings one article's vectors up to date. Returns whether anything changed.
pub fn index_article(lib: &mut Library, emb: &Embedder, id: i64, stats: &mut IndexStats) -> Result<bool> {
    let article = lib.get(id)?;
    let text = article_text(&article.fields.title, &article.fields.body);
    let hash = text_hash(&text);
    stats.articles += 1;
    if store::article_hash(lib.connection(), id, emb.model_id())?.as_deref() == Some(hash.as_str()) {
        stats.unchanged += 1;
        return Ok(false);
    }
    let passages = embed_passages(lib.connection(), emb, &text, MAX_PASSAGES, stats)?;
    if passages.len() >= MAX_PASSAGES {
        stats.truncated += 1;
    }
    let readable: Vec<(String, String, Vec<f32>)> =
        passages.into_iter().filter_map(|p| p.vector.map(|v| (p.hash, p.text, v))).collect();
    let article_vec = mean_vector(&readable.iter().map(|(_, _, v)| v.as_slice()).collect::<Vec<_>>());
    if article_vec.is_none() {
        stats.unreadable += 1;
    }
    store::replace_article(lib.connection_mut(), id, emb.model_id(), &hash, article_vec.as_deref(), &readable)?;
    Ok(true)
}
