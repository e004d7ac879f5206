//! Vectors and feedback in the library database (tables of migration 002_related.sql).
use std::collections::HashMap;

use byline_core::Result;
use rusqlite::{Connection, OptionalExtension, params};
use sha2::{Digest, Sha256};

pub(crate) use byline_core::DbResultExt as Db;

pub fn text_hash(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

pub(crate) fn to_blob(v: &[f32]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}

pub(crate) fn from_blob(b: &[u8]) -> Vec<f32> {
    b.chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect()
}

/// A stored passage vector.
#[derive(Clone, Debug)]
pub struct StoredPassage {
    pub article_id: i64,
    pub seq: i64,
    pub text: String,
    pub vector: Vec<f32>,
}

/// Hash of the article-level row, when one is stored for this model.
pub(crate) fn article_hash(conn: &Connection, article_id: i64, model: &str) -> Result<Option<String>> {
    conn.query_row(
        "SELECT content_hash FROM related_vectors WHERE article_id = ?1 AND model_id = ?2 AND kind = 'article'",
        params![article_id, model],
        |r| r.get(0),
    )
    .optional()
    .db()
}

/// Vectors already computed for these passage hashes under this model (any article), so that a
/// paragraph that did not change, or text pasted from another article, is never embedded twice.
pub(crate) fn known_vectors(conn: &Connection, model: &str, hashes: &[String]) -> Result<HashMap<String, Vec<f32>>> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT vector FROM related_vectors WHERE model_id = ?1 AND kind = 'passage' AND content_hash = ?2 LIMIT 1",
        )
        .db()?;
    let mut out = HashMap::new();
    for h in hashes {
        if out.contains_key(h) {
            continue;
        }
        if let Some(blob) = stmt.query_row(params![model, h], |r| r.get::<_, Vec<u8>>(0)).optional().db()? {
            out.insert(h.clone(), from_blob(&blob));
        }
    }
    Ok(out)
}

/// Replaces an article's vectors for one model in one transaction, so an interrupted index run
/// leaves every article either fully old or fully new.
pub(crate) fn replace_article(
    conn: &mut Connection,
    article_id: i64,
    model: &str,
    article_hash: &str,
    article_vec: Option<&[f32]>,
    passages: &[(String, String, Vec<f32>)], // (hash, text, vector)
) -> Result<()> {
    let tx = conn.transaction().db()?;
    tx.execute("DELETE FROM related_vectors WHERE article_id = ?1 AND model_id = ?2", params![article_id, model])
        .db()?;
    let mut insert = tx
        .prepare_cached(
            "INSERT INTO related_vectors(article_id, model_id, kind, seq, content_hash, text, vector) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )
        .db()?;
    // An article with nothing the model can read still gets a row, with an empty vector, so the
    // next run knows it is done and skips it.
    let empty: Vec<f32> = Vec::new();
    insert
        .execute(params![article_id, model, "article", 0, article_hash, "", to_blob(article_vec.unwrap_or(&empty))])
        .db()?;
    for (seq, (hash, text, vector)) in passages.iter().enumerate() {
        insert.execute(params![article_id, model, "passage", seq as i64, hash, text, to_blob(vector)]).db()?;
    }
    drop(insert);
    tx.commit().db()
}

/// Every article vector of a model: (article id, vector). Articles without readable text are skipped.
pub fn article_vectors(conn: &Connection, model: &str) -> Result<Vec<(i64, Vec<f32>)>> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT article_id, vector FROM related_vectors WHERE model_id = ?1 AND kind = 'article' \
             AND length(vector) > 0 ORDER BY article_id",
        )
        .db()?;
    let rows = stmt.query_map([model], |r| Ok((r.get::<_, i64>(0)?, from_blob(&r.get::<_, Vec<u8>>(1)?)))).db()?;
    rows.collect::<rusqlite::Result<_>>().db()
}

pub fn passages_of(conn: &Connection, article_id: i64, model: &str) -> Result<Vec<StoredPassage>> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT seq, text, vector FROM related_vectors WHERE article_id = ?1 AND model_id = ?2 \
             AND kind = 'passage' ORDER BY seq",
        )
        .db()?;
    let rows = stmt
        .query_map(params![article_id, model], |r| {
            Ok(StoredPassage {
                article_id,
                seq: r.get(0)?,
                text: r.get(1)?,
                vector: from_blob(&r.get::<_, Vec<u8>>(2)?),
            })
        })
        .db()?;
    rows.collect::<rusqlite::Result<_>>().db()
}

/// Counts of stored rows per model, for `byline index` and the app's status line.
pub fn vector_counts(conn: &Connection) -> Result<Vec<(String, u64, u64)>> {
    let mut stmt = conn
        .prepare(
            "SELECT model_id, SUM(kind = 'article'), SUM(kind = 'passage') FROM related_vectors \
             GROUP BY model_id ORDER BY model_id",
        )
        .db()?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get::<_, i64>(1)? as u64, r.get::<_, i64>(2)? as u64))).db()?;
    rows.collect::<rusqlite::Result<_>>().db()
}
