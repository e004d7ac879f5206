//! Transcripts in the library: the recording they came from (path, sha256 of the original file, length),
//! the model and settings, the raw transcript exactly as produced (immutable: a trigger refuses updates),
//! and the journalist's editable copy with corrected text and speaker names.

use byline_core::{DbResultExt, Error, Result};
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

use crate::options::Options;
use crate::transcript::Transcript;

pub(crate) fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

fn json_err(e: serde_json::Error) -> Error {
    Error::Database(format!("stored transcript is not valid JSON: {e}"))
}

/// SHA-256 of a file (the recording's chain-of-custody hash).
pub use byline_library::sha256_file;

/// The audio a transcript belongs to.
#[derive(Clone, Debug, PartialEq, Serialize, ts_rs::TS)]
pub struct Recording {
    pub path: String,
    pub sha256: String,
    pub duration_s: f64,
}

#[derive(Clone, Debug, PartialEq, Serialize, ts_rs::TS)]
pub struct StoredTranscript {
    pub id: i64,
    pub recording: Recording,
    pub model: String,
    pub settings: Options,
    pub language: Option<String>,
    pub created_at: String,
    /// What the model produced; never changes.
    pub raw: Transcript,
    /// The working copy (the raw transcript until first edited).
    pub edited: Transcript,
    pub edited_at: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, ts_rs::TS)]
pub struct TranscriptSummary {
    pub id: i64,
    pub path: String,
    pub duration_s: f64,
    pub model: String,
    pub language: Option<String>,
    pub created_at: String,
    pub edited: bool,
}

/// Stores a new raw transcript and its recording; returns the transcript id.
pub fn save(
    conn: &Connection,
    recording: &Recording,
    model: &str,
    settings: &Options,
    raw: &Transcript,
) -> Result<i64> {
    let settings = serde_json::to_string(settings).map_err(json_err)?;
    let raw_json = serde_json::to_string(raw).map_err(json_err)?;
    let now = now();
    let tx = conn.unchecked_transaction().db()?;
    tx.execute(
        "INSERT INTO recordings (path, sha256, duration_s, created_at) VALUES (?1, ?2, ?3, ?4)",
        params![recording.path, recording.sha256, recording.duration_s, now],
    )
    .db()?;
    let recording_id = tx.last_insert_rowid();
    tx.execute(
        "INSERT INTO transcripts (recording_id, model, settings_json, language, raw_json, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![recording_id, model, settings, raw.language, raw_json, now],
    )
    .db()?;
    let id = tx.last_insert_rowid();
    crate::voices::insert(&tx, id, &raw.voices)?;
    tx.commit().db()?;
    Ok(id)
}

pub fn get(conn: &Connection, id: i64) -> Result<StoredTranscript> {
    let row = conn
        .query_row(
            "SELECT r.path, r.sha256, r.duration_s, t.model, t.settings_json, t.language, t.created_at, t.raw_json, e.edited_json, e.updated_at
             FROM transcripts t JOIN recordings r ON r.id = t.recording_id
             LEFT JOIN transcript_edits e ON e.transcript_id = t.id WHERE t.id = ?1",
            [id],
            |r| {
                Ok((
                    Recording { path: r.get(0)?, sha256: r.get(1)?, duration_s: r.get(2)? },
                    r.get::<_, String>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, Option<String>>(5)?,
                    r.get::<_, String>(6)?,
                    r.get::<_, String>(7)?,
                    r.get::<_, Option<String>>(8)?,
                    r.get::<_, Option<String>>(9)?,
                ))
            },
        )
        .optional()
        .db()?
        .ok_or_else(|| Error::not_found("transcript", id))?;
    let (recording, model, settings, language, created_at, raw_json, edited_json, edited_at) = row;
    let raw: Transcript = serde_json::from_str(&raw_json).map_err(json_err)?;
    let edited = match edited_json {
        Some(j) => serde_json::from_str(&j).map_err(json_err)?,
        None => raw.clone(),
    };
    let settings = serde_json::from_str(&settings).map_err(json_err)?;
    Ok(StoredTranscript { id, recording, model, settings, language, created_at, raw, edited, edited_at })
}

/// Saves the working copy, and ties the voices in it to the names the reporter gave them.
pub fn save_edit(conn: &Connection, id: i64, edited: &Transcript) -> Result<()> {
    let tx = conn.unchecked_transaction().db()?;
    let raw_json: Option<String> =
        tx.query_row("SELECT raw_json FROM transcripts WHERE id = ?1", [id], |r| r.get(0)).optional().db()?;
    let Some(raw_json) = raw_json else {
        return Err(Error::not_found("transcript", id));
    };
    let raw: Transcript = serde_json::from_str(&raw_json).map_err(json_err)?;
    let json = serde_json::to_string(edited).map_err(json_err)?;
    tx.execute(
        "INSERT INTO transcript_edits (transcript_id, edited_json, updated_at) VALUES (?1, ?2, ?3)
         ON CONFLICT(transcript_id) DO UPDATE SET edited_json = excluded.edited_json, updated_at = excluded.updated_at",
        params![id, json, now()],
    )
    .db()?;
    crate::voices::tie_names(&tx, id, &raw, edited)?;
    tx.commit().db()
}

/// The columns a [`TranscriptSummary`] is read from ([`summary_from_row`]), for a query over
/// `transcripts t JOIN recordings r` with `transcript_edits e` left-joined.
pub const SUMMARY_COLUMNS: &str =
    "t.id, r.path, r.duration_s, t.model, t.language, t.created_at, e.transcript_id IS NOT NULL";

/// A [`TranscriptSummary`] from a row that starts with [`SUMMARY_COLUMNS`].
pub fn summary_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<TranscriptSummary> {
    Ok(TranscriptSummary {
        id: r.get(0)?,
        path: r.get(1)?,
        duration_s: r.get(2)?,
        model: r.get(3)?,
        language: r.get(4)?,
        created_at: r.get(5)?,
        edited: r.get(6)?,
    })
}

pub fn list(conn: &Connection) -> Result<Vec<TranscriptSummary>> {
    let mut stmt = conn
        .prepare(&format!(
            "SELECT {SUMMARY_COLUMNS}
             FROM transcripts t JOIN recordings r ON r.id = t.recording_id
             LEFT JOIN transcript_edits e ON e.transcript_id = t.id ORDER BY t.id DESC"
        ))
        .db()?;
    let rows = stmt.query_map([], summary_from_row).db()?;
    rows.collect::<rusqlite::Result<Vec<_>>>().db()
}

/// Deletes a transcript with its edits; the recording row goes with its last transcript.
pub fn delete(conn: &Connection, id: i64) -> Result<()> {
    let recording: Option<i64> =
        conn.query_row("SELECT recording_id FROM transcripts WHERE id = ?1", [id], |r| r.get(0)).optional().db()?;
    let recording = recording.ok_or_else(|| Error::not_found("transcript", id))?;
    conn.execute("DELETE FROM recordings WHERE id = ?1", [recording]).db()?;
    Ok(())
}

/// The library's custom vocabulary, sorted.
pub fn vocabulary(conn: &Connection) -> Result<Vec<String>> {
    let mut stmt = conn.prepare("SELECT term FROM transcription_vocabulary ORDER BY term COLLATE NOCASE").db()?;
    let terms = stmt.query_map([], |r| r.get(0)).db()?;
    terms.collect::<rusqlite::Result<Vec<String>>>().db()
}

/// Replaces the vocabulary with `terms` (blank and duplicate terms are dropped).
pub fn set_vocabulary(conn: &Connection, terms: &[String]) -> Result<()> {
    let tx = conn.unchecked_transaction().db()?;
    tx.execute("DELETE FROM transcription_vocabulary", []).db()?;
    let now = now();
    for term in terms.iter().map(|t| t.trim()).filter(|t| !t.is_empty()) {
        tx.execute(
            "INSERT OR IGNORE INTO transcription_vocabulary (term, added_at) VALUES (?1, ?2)",
            params![term, now],
        )
        .db()?;
    }
    tx.commit().db()
}

/// Whisper's initial prompt built from the vocabulary plus any prompt given for this run. Whisper reads
/// the prompt as preceding speech, so the terms go in as a sentence that uses their spelling.
pub fn prompt_with_vocabulary(conn: &Connection, extra: Option<&str>) -> Result<Option<String>> {
    let terms = vocabulary(conn)?;
    let mut parts = Vec::new();
    if !terms.is_empty() {
        parts.push(format!("Names and terms: {}.", terms.join(", ")));
    }
    if let Some(extra) = extra.map(str::trim).filter(|e| !e.is_empty()) {
        parts.push(extra.to_owned());
    }
    Ok(if parts.is_empty() { None } else { Some(parts.join(" ")) })
}

#[cfg(test)]
mod tests;
