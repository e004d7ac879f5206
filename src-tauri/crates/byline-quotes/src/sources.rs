//! The interviews a story relies on: transcripts linked to an article, so that its quotes can be checked
//! against those recordings only (a quote found in some other interview is not the source the story cites).
//! A quote-bank result put into a draft links its interview; the reporter links and unlinks the rest.

use byline_core::{DbResultExt, Error, Result};
use byline_transcribe::store::{SUMMARY_COLUMNS, TranscriptSummary, summary_from_row};
use rusqlite::{Connection, OptionalExtension};

fn exists(conn: &Connection, table: &str, id: i64) -> Result<bool> {
    let sql = format!("SELECT 1 FROM {table} WHERE id = ?1");
    Ok(conn.query_row(&sql, [id], |_| Ok(())).optional().db()?.is_some())
}

/// Links a transcript to an article (nothing changes if it already is).
pub fn link(conn: &Connection, article_id: i64, transcript_id: i64) -> Result<()> {
    if !exists(conn, "articles", article_id)? {
        return Err(Error::not_found("article", article_id));
    }
    if !exists(conn, "transcripts", transcript_id)? {
        return Err(Error::not_found("transcript", transcript_id));
    }
    conn.execute(
        "INSERT OR IGNORE INTO article_sources (article_id, transcript_id, created_at)
         VALUES (?1, ?2, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))",
        [article_id, transcript_id],
    )
    .db()?;
    Ok(())
}

/// Unlinks a transcript from an article; false when it was not linked.
pub fn unlink(conn: &Connection, article_id: i64, transcript_id: i64) -> Result<bool> {
    let n = conn
        .execute(
            "DELETE FROM article_sources WHERE article_id = ?1 AND transcript_id = ?2",
            [article_id, transcript_id],
        )
        .db()?;
    Ok(n > 0)
}

/// The transcripts linked to an article, in the order they were linked.
pub fn list(conn: &Connection, article_id: i64) -> Result<Vec<TranscriptSummary>> {
    let mut stmt = conn
        .prepare(&format!(
            "SELECT {SUMMARY_COLUMNS}
             FROM article_sources s JOIN transcripts t ON t.id = s.transcript_id
             JOIN recordings r ON r.id = t.recording_id
             LEFT JOIN transcript_edits e ON e.transcript_id = t.id
             WHERE s.article_id = ?1 ORDER BY s.created_at, t.id"
        ))
        .db()?;
    let rows = stmt.query_map([article_id], summary_from_row).db()?;
    rows.collect::<rusqlite::Result<Vec<_>>>().db()
}

/// The ids of the transcripts linked to an article.
pub fn ids(conn: &Connection, article_id: i64) -> Result<Vec<i64>> {
    Ok(list(conn, article_id)?.into_iter().map(|t| t.id).collect())
}
