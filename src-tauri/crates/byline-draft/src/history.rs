//! Generations kept per article (`assistant_generations`), newest first.

use byline_core::{DbResultExt, Error, Result};
use rusqlite::{Connection, params};
use serde::{Deserialize, Serialize};

use crate::citations::Citation;
use crate::prompt::SourceRef;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct GenerationRecord {
    pub id: i64,
    pub article_id: Option<i64>,
    pub task_key: String,
    pub language: String,
    pub model: String,
    pub prompt: String,
    pub output: String,
    pub sources: Vec<SourceRef>,
    pub citations: Vec<Citation>,
    pub params: serde_json::Value,
    pub stop_reason: String,
    pub created_at: String,
}

fn json<T: Serialize>(value: &T) -> Result<String> {
    serde_json::to_string(value).map_err(|e| Error::InvalidInput(format!("cannot store generation: {e}")))
}

/// Stores a generation; `id` and `created_at` of `rec` are ignored and returned filled in.
pub fn record(conn: &Connection, rec: &GenerationRecord) -> Result<GenerationRecord> {
    let tx = conn.unchecked_transaction().db()?;
    let saved = insert(&tx, rec)?;
    // The articles given as sources were used for this story (related articles learn from it).
    if let Some(story) = rec.article_id {
        for used in rec.sources.iter().filter_map(|s| s.article_id) {
            match byline_library::usage::record(&tx, story, used, byline_library::usage::UsageKind::Source) {
                // A source deleted since it was chosen is no use.
                Err(e) if e.code() == "not_found" => {}
                other => other?,
            }
        }
    }
    tx.commit().db()?;
    Ok(saved)
}

fn insert(conn: &Connection, rec: &GenerationRecord) -> Result<GenerationRecord> {
    conn.execute(
        "INSERT INTO assistant_generations (article_id, task_key, language, model, prompt, output, sources, \
         citations, params, stop_reason, created_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, strftime('%Y-%m-%dT%H:%M:%SZ','now'))",
        params![
            rec.article_id,
            rec.task_key,
            rec.language,
            rec.model,
            rec.prompt,
            rec.output,
            json(&rec.sources)?,
            json(&rec.citations)?,
            json(&rec.params)?,
            rec.stop_reason,
        ],
    )
    .db()?;
    let id = conn.last_insert_rowid();
    let created_at: String =
        conn.query_row("SELECT created_at FROM assistant_generations WHERE id = ?1", [id], |r| r.get(0)).db()?;
    Ok(GenerationRecord { id, created_at, ..rec.clone() })
}

/// Generations for an article (or, with `None`, those made without one), newest first.
pub fn list(conn: &Connection, article_id: Option<i64>, limit: u32) -> Result<Vec<GenerationRecord>> {
    let mut stmt = conn
        .prepare(
            "SELECT id, article_id, task_key, language, model, prompt, output, sources, citations, params, \
             stop_reason, created_at FROM assistant_generations WHERE article_id IS ?1 ORDER BY id DESC LIMIT ?2",
        )
        .db()?;
    let rows = stmt
        .query_map(params![article_id, limit], |r| {
            let parse = |i: usize| -> rusqlite::Result<serde_json::Value> {
                let text: String = r.get(i)?;
                Ok(serde_json::from_str(&text).unwrap_or(serde_json::Value::Null))
            };
            Ok((
                GenerationRecord {
                    id: r.get(0)?,
                    article_id: r.get(1)?,
                    task_key: r.get(2)?,
                    language: r.get(3)?,
                    model: r.get(4)?,
                    prompt: r.get(5)?,
                    output: r.get(6)?,
                    sources: Vec::new(),
                    citations: Vec::new(),
                    params: parse(9)?,
                    stop_reason: r.get(10)?,
                    created_at: r.get(11)?,
                },
                parse(7)?,
                parse(8)?,
            ))
        })
        .db()?;
    let mut out = Vec::new();
    for row in rows {
        let (mut rec, sources, citations) = row.db()?;
        rec.sources = serde_json::from_value(sources).unwrap_or_default();
        rec.citations = serde_json::from_value(citations).unwrap_or_default();
        out.push(rec);
    }
    Ok(out)
}

pub fn delete(conn: &Connection, id: i64) -> Result<()> {
    let n = conn.execute("DELETE FROM assistant_generations WHERE id = ?1", [id]).db()?;
    if n == 0 {
        return Err(Error::not_found("generation", id));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use byline_library::{ArticleFields, Library};

    #[test]
    fn history_per_article_newest_first() {
        let mut lib = Library::open_in_memory().expect("library");
        let article = lib.create(&ArticleFields { title: "t".into(), ..Default::default() }).expect("article");
        let conn = lib.connection();
        let base = GenerationRecord {
            id: 0,
            article_id: Some(article.id),
            task_key: "headline".into(),
            language: "en".into(),
            model: "m.gguf".into(),
            prompt: "p".into(),
            output: "first [1]".into(),
            sources: vec![SourceRef { n: 1, label: "Interview".into(), article_id: None }],
            citations: crate::citations::check("first [1]", 1),
            params: serde_json::json!({"seed": 1}),
            stop_reason: "end_of_turn".into(),
            created_at: String::new(),
        };
        let first = record(conn, &base).expect("record");
        record(conn, &GenerationRecord { output: "second".into(), ..base.clone() }).expect("record");
        record(conn, &GenerationRecord { article_id: None, ..base.clone() }).expect("record");
        let listed = list(conn, Some(article.id), 10).expect("list");
        assert_eq!(listed.iter().map(|r| r.output.as_str()).collect::<Vec<_>>(), ["second", "first [1]"]);
        assert_eq!(listed[1].sources, base.sources);
        assert_eq!(listed[1].citations, base.citations);
        assert_eq!(list(conn, None, 10).expect("unattached").len(), 1);
        delete(conn, first.id).expect("delete");
        assert!(matches!(delete(conn, first.id), Err(Error::NotFound { .. })));
    }

    #[test]
    fn articles_given_as_sources_are_recorded_as_used_for_the_story() {
        let mut lib = Library::open_in_memory().expect("library");
        let story = lib.create(&ArticleFields { title: "story".into(), ..Default::default() }).expect("story").id;
        let source = lib.create(&ArticleFields { title: "source".into(), ..Default::default() }).expect("source").id;
        let refs = vec![
            SourceRef { n: 1, label: "source".into(), article_id: Some(source) },
            SourceRef { n: 2, label: "deleted since".into(), article_id: Some(9_999) },
            SourceRef { n: 3, label: "notes".into(), article_id: None },
        ];
        let rec = GenerationRecord {
            id: 0,
            article_id: Some(story),
            task_key: "summary".into(),
            language: "en".into(),
            model: "m.gguf".into(),
            prompt: "p".into(),
            output: "o".into(),
            sources: refs,
            citations: Vec::new(),
            params: serde_json::json!({}),
            stop_reason: "end_of_turn".into(),
            created_at: String::new(),
        };
        record(lib.connection(), &rec).expect("record");
        let uses = byline_library::usage::all(lib.connection()).expect("uses");
        assert_eq!(uses.len(), 1);
        assert_eq!((uses[0].0, uses[0].1, uses[0].2), (story, source, byline_library::usage::UsageKind::Source));
    }
}
