//! Voices remembered: each transcript's found voices are kept with it; when the reporter names a speaker
//! and saves, the voice is tied to that name, and the name's profile (the weighted mean of every voice tied
//! to it) is recognised in later recordings. Profiles stay in the library and can be deleted.

use byline_core::{DbResultExt, Error, Result};
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

use crate::model::SPEAKER_MODEL;
use crate::transcript::{Transcript, Voice};

/// A named voice as the library keeps it.
#[derive(Clone, Debug, PartialEq, Serialize, ts_rs::TS)]
pub struct VoiceProfile {
    pub name: String,
    /// Seconds of speech behind it, over all its recordings.
    pub seconds: f64,
    pub recordings: i64,
    pub updated_at: String,
}

fn to_blob(v: &[f32]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}

fn from_blob(b: &[u8]) -> Vec<f32> {
    b.chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect()
}

/// Whether `name` is one the transcription gives ("Speaker 3"), not one a person chose.
pub fn is_default_name(name: &str) -> bool {
    name.strip_prefix("Speaker ").is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

/// Gives the transcript's found voices the names of the known voices they match, in its segments too, and
/// says so in its notes.
pub fn recognise(conn: &Connection, transcript: &mut Transcript) -> Result<()> {
    if transcript.voices.is_empty() {
        return Ok(());
    }
    let mut stmt = conn.prepare("SELECT name, embedding FROM voice_profiles WHERE model = ?1 ORDER BY name").db()?;
    let known: Vec<(String, Vec<f32>)> = stmt
        .query_map([SPEAKER_MODEL], |r| Ok((r.get::<_, String>(0)?, from_blob(&r.get::<_, Vec<u8>>(1)?))))
        .db()?
        .collect::<rusqlite::Result<_>>()
        .db()?;
    if known.is_empty() {
        return Ok(());
    }
    let voices: Vec<byline_speakers::Voice> = transcript
        .voices
        .iter()
        .enumerate()
        .map(|(i, v)| byline_speakers::Voice { speaker: i, embedding: v.embedding.clone(), seconds: v.seconds })
        .collect();
    let embeddings: Vec<Vec<f32>> = known.iter().map(|k| k.1.clone()).collect();
    let matched = byline_speakers::recognise(&voices, &embeddings, byline_speakers::RECOGNISE_THRESHOLD);
    let mut named = Vec::new();
    for (i, m) in matched.iter().enumerate() {
        let Some(j) = m else { continue };
        let from = transcript.voices[i].name.clone();
        let to = &known[*j].0;
        if transcript.speakers_named(to) {
            continue;
        }
        transcript.rename_speaker(&from, to);
        named.push(crate::Recognised { from, to: to.clone() });
    }
    if !named.is_empty() {
        transcript.notes.push(crate::TranscriptNote::VoicesRecognised { voices: named });
    }
    Ok(())
}

/// Keeps the found voices of a newly stored transcript.
pub(crate) fn insert(conn: &Connection, id: i64, voices: &[Voice]) -> Result<()> {
    for v in voices {
        conn.execute(
            "INSERT OR REPLACE INTO transcript_voices (transcript_id, speaker, model, embedding, seconds) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![id, v.name, SPEAKER_MODEL, to_blob(&v.embedding), f64::from(v.seconds)],
        )
        .db()?;
    }
    Ok(())
}

/// After the working copy of transcript `id` is saved: each found voice is tied to the name its segments
/// carry in `edited` (a chosen name; "Speaker N" ties to nothing), and every profile that gained or lost a
/// voice is computed again.
pub(crate) fn tie_names(conn: &Connection, id: i64, raw: &Transcript, edited: &Transcript) -> Result<()> {
    let mut stmt = conn.prepare("SELECT speaker, profile FROM transcript_voices WHERE transcript_id = ?1").db()?;
    let rows: Vec<(String, Option<String>)> =
        stmt.query_map([id], |r| Ok((r.get(0)?, r.get(1)?))).db()?.collect::<rusqlite::Result<_>>().db()?;
    let mut touched: Vec<String> = Vec::new();
    for (speaker, old) in rows {
        let new = edited_name(raw, edited, &speaker).filter(|n| !is_default_name(n));
        if new == old {
            continue;
        }
        conn.execute(
            "UPDATE transcript_voices SET profile = ?3 WHERE transcript_id = ?1 AND speaker = ?2",
            params![id, speaker, new],
        )
        .db()?;
        touched.extend(old);
        touched.extend(new);
    }
    touched.sort();
    touched.dedup();
    for name in touched {
        recompute(conn, &name)?;
    }
    Ok(())
}

/// The name most of `speaker`'s segments in the raw transcript carry in the edited copy (segments are
/// paired by position; editing never adds or removes them).
fn edited_name(raw: &Transcript, edited: &Transcript, speaker: &str) -> Option<String> {
    let mut votes: Vec<(String, usize)> = Vec::new();
    for (r, e) in raw.segments.iter().zip(&edited.segments) {
        if r.speaker.as_deref() != Some(speaker) {
            continue;
        }
        let Some(name) = e.speaker.as_deref().map(str::trim).filter(|n| !n.is_empty()) else { continue };
        match votes.iter_mut().find(|(n, _)| n == name) {
            Some((_, c)) => *c += 1,
            None => votes.push((name.to_owned(), 1)),
        }
    }
    votes.into_iter().max_by_key(|(_, c)| *c).map(|(n, _)| n)
}

/// The profile `name` from every voice tied to it (deleted when none is left).
fn recompute(conn: &Connection, name: &str) -> Result<()> {
    let mut stmt =
        conn.prepare("SELECT embedding, seconds FROM transcript_voices WHERE profile = ?1 AND model = ?2").db()?;
    let voices: Vec<(Vec<f32>, f32)> = stmt
        .query_map(params![name, SPEAKER_MODEL], |r| {
            Ok((from_blob(&r.get::<_, Vec<u8>>(0)?), r.get::<_, f64>(1)? as f32))
        })
        .db()?
        .collect::<rusqlite::Result<_>>()
        .db()?;
    if voices.is_empty() {
        conn.execute("DELETE FROM voice_profiles WHERE name = ?1", [name]).db()?;
        return Ok(());
    }
    let parts: Vec<(&[f32], f32)> = voices.iter().map(|(e, s)| (e.as_slice(), *s)).collect();
    let embedding = byline_speakers::combine(&parts);
    let seconds: f64 = voices.iter().map(|(_, s)| f64::from(*s)).sum();
    conn.execute(
        "INSERT INTO voice_profiles (name, model, embedding, seconds, recordings, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT(name) DO UPDATE SET model = excluded.model, embedding = excluded.embedding, seconds = excluded.seconds,
         recordings = excluded.recordings, updated_at = excluded.updated_at",
        params![name, SPEAKER_MODEL, to_blob(&embedding), seconds, voices.len() as i64, crate::store::now()],
    )
    .db()?;
    Ok(())
}

/// The named voices, by name.
pub fn list(conn: &Connection) -> Result<Vec<VoiceProfile>> {
    let mut stmt = conn
        .prepare("SELECT name, seconds, recordings, updated_at FROM voice_profiles ORDER BY name COLLATE NOCASE")
        .db()?;
    let rows = stmt
        .query_map([], |r| {
            Ok(VoiceProfile { name: r.get(0)?, seconds: r.get(1)?, recordings: r.get(2)?, updated_at: r.get(3)? })
        })
        .db()?
        .collect::<rusqlite::Result<_>>()
        .db()?;
    Ok(rows)
}

/// Forgets the voice `name`: its profile goes, and no transcript's voice stays tied to it (transcripts keep
/// the name in their text).
pub fn delete(conn: &Connection, name: &str) -> Result<()> {
    let tx = conn.unchecked_transaction().db()?;
    let found = tx.query_row("SELECT 1 FROM voice_profiles WHERE name = ?1", [name], |_| Ok(())).optional().db()?;
    if found.is_none() {
        return Err(Error::not_found("voice", name));
    }
    tx.execute("DELETE FROM voice_profiles WHERE name = ?1", [name]).db()?;
    tx.execute("UPDATE transcript_voices SET profile = NULL WHERE profile = ?1", [name]).db()?;
    tx.commit().db()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::speakers::default_name;
    use crate::transcript::Segment;

    #[test]
    fn default_names_are_told_from_chosen_ones() {
        assert!(is_default_name("Speaker 1") && is_default_name("Speaker 12"));
        assert!(!is_default_name("Speaker") && !is_default_name("Speaker A") && !is_default_name("Mayor Chen"));
        assert_eq!(default_name(0), "Speaker 1");
    }

    #[test]
    fn the_edited_name_is_the_one_most_segments_carry() {
        let seg =
            |sp: &str| Segment { start: 0.0, end: 1.0, text: "x".into(), speaker: Some(sp.into()), words: vec![] };
        let raw = Transcript {
            segments: vec![seg("Speaker 1"), seg("Speaker 2"), seg("Speaker 1"), seg("Speaker 1")],
            ..Default::default()
        };
        let edited =
            Transcript { segments: vec![seg("Ann"), seg("Bo"), seg("Ann"), seg("Speaker 1")], ..Default::default() };
        assert_eq!(edited_name(&raw, &edited, "Speaker 1").as_deref(), Some("Ann"));
        assert_eq!(edited_name(&raw, &edited, "Speaker 2").as_deref(), Some("Bo"));
        assert_eq!(edited_name(&raw, &edited, "Speaker 3"), None);
        assert_eq!(from_blob(&to_blob(&[0.5, -1.25])), vec![0.5, -1.25]);
    }
}
