//! Editorial task templates stored in the library (`assistant_tasks`), seeded from the shipped defaults.

use byline_core::{DbResultExt, Error, Result};
use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};

use crate::task_defaults::{DEFAULTS, TaskDefault};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct TaskTemplate {
    pub key: String,
    pub language: String,
    pub name: String,
    pub system: String,
    pub instruction: String,
    /// The reporter changed it from the shipped default.
    pub edited: bool,
    pub updated_at: String,
}

const NOW: &str = "strftime('%Y-%m-%dT%H:%M:%SZ','now')";

/// Inserts any shipped task the library does not have yet; edited tasks are left alone.
pub fn ensure_defaults(conn: &Connection) -> Result<()> {
    let sql = format!(
        "INSERT OR IGNORE INTO assistant_tasks (key, language, name, system, instruction, edited, updated_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, 0, {NOW})"
    );
    let mut stmt = conn.prepare_cached(&sql).db()?;
    for d in DEFAULTS {
        stmt.execute(params![d.key, d.language, d.name, d.system, d.instruction]).db()?;
    }
    Ok(())
}

const COLUMNS: &str = "key, language, name, system, instruction, edited, updated_at";

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<TaskTemplate> {
    Ok(TaskTemplate {
        key: r.get(0)?,
        language: r.get(1)?,
        name: r.get(2)?,
        system: r.get(3)?,
        instruction: r.get(4)?,
        edited: r.get::<_, i64>(5)? != 0,
        updated_at: r.get(6)?,
    })
}

/// All tasks, optionally of one language, in the shipped order (headline first).
pub fn list(conn: &Connection, language: Option<&str>) -> Result<Vec<TaskTemplate>> {
    ensure_defaults(conn)?;
    let sql = format!("SELECT {COLUMNS} FROM assistant_tasks WHERE ?1 IS NULL OR language = ?1");
    let mut stmt = conn.prepare(&sql).db()?;
    let mut tasks = stmt.query_map([language], row).db()?.collect::<rusqlite::Result<Vec<_>>>().db()?;
    let order = |t: &TaskTemplate| DEFAULTS.iter().position(|d| d.key == t.key).unwrap_or(usize::MAX);
    tasks.sort_by(|a, b| (order(a), &a.key, &a.language).cmp(&(order(b), &b.key, &b.language)));
    Ok(tasks)
}

/// The task in `language`, falling back to English when that language has no version of it.
pub fn get(conn: &Connection, key: &str, language: &str) -> Result<TaskTemplate> {
    ensure_defaults(conn)?;
    let sql = format!("SELECT {COLUMNS} FROM assistant_tasks WHERE key = ?1 AND language = ?2");
    for lang in [language, "en"] {
        if let Some(t) = conn.query_row(&sql, params![key, lang], row).optional().db()? {
            return Ok(t);
        }
    }
    let known: Vec<&str> = DEFAULTS.iter().filter(|d| d.language == "en").map(|d| d.key).collect();
    Err(Error::InvalidInput(format!("there is no task {key:?}; tasks: {}", known.join(", "))))
}

/// Saves an edited (or new) task. The instruction must render, so a broken edit is refused at once.
pub fn save(conn: &Connection, task: &TaskTemplate) -> Result<TaskTemplate> {
    if task.key.trim().is_empty() || task.language.trim().is_empty() {
        return Err(Error::InvalidInput("a task needs a key and a language".into()));
    }
    crate::template::render_task(&task.instruction, &crate::prompt::sample_vars())?;
    let sql = format!(
        "INSERT INTO assistant_tasks (key, language, name, system, instruction, edited, updated_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, 1, {NOW}) ON CONFLICT(key, language) DO UPDATE SET \
         name = excluded.name, system = excluded.system, instruction = excluded.instruction, edited = 1, \
         updated_at = excluded.updated_at"
    );
    conn.execute(&sql, params![task.key, task.language, task.name, task.system, task.instruction]).db()?;
    get(conn, &task.key, &task.language)
}

/// Restores the shipped version of a task.
pub fn reset(conn: &Connection, key: &str, language: &str) -> Result<TaskTemplate> {
    let d: &TaskDefault = DEFAULTS
        .iter()
        .find(|d| d.key == key && d.language == language)
        .ok_or_else(|| Error::not_found("shipped task", format!("{key} ({language})")))?;
    let sql = format!(
        "UPDATE assistant_tasks SET name = ?3, system = ?4, instruction = ?5, edited = 0, updated_at = {NOW} \
         WHERE key = ?1 AND language = ?2"
    );
    conn.execute(&sql, params![d.key, d.language, d.name, d.system, d.instruction]).db()?;
    get(conn, key, language)
}

#[cfg(test)]
mod tests {
    use super::*;
    use byline_library::Library;

    #[test]
    fn defaults_are_seeded_edited_and_reset() {
        let lib = Library::open_in_memory().expect("library");
        let conn = lib.connection();
        let all = list(conn, None).expect("list");
        assert_eq!(all.len(), DEFAULTS.len());
        assert_eq!(all[0].key, "headline");
        let zh = list(conn, Some("zh")).expect("zh");
        assert_eq!(zh.len(), 7);
        assert!(zh.iter().all(|t| t.language == "zh"));

        let mut lede = get(conn, "lede", "en").expect("lede");
        lede.instruction = "Lede for: {{ text }}".into();
        let saved = save(conn, &lede).expect("save");
        assert!(saved.edited);
        ensure_defaults(conn).expect("reseed");
        assert_eq!(get(conn, "lede", "en").expect("lede").instruction, "Lede for: {{ text }}");
        let reset = reset(conn, "lede", "en").expect("reset");
        assert!(!reset.edited);
        assert_ne!(reset.instruction, "Lede for: {{ text }}");
    }

    #[test]
    fn unknown_language_falls_back_and_unknown_task_is_clear() {
        let lib = Library::open_in_memory().expect("library");
        assert_eq!(get(lib.connection(), "summary", "fr").expect("fallback").language, "en");
        let err = get(lib.connection(), "poem", "en").expect_err("unknown");
        assert!(err.to_string().contains("headline"), "{err}");
    }

    #[test]
    fn broken_edit_is_refused() {
        let lib = Library::open_in_memory().expect("library");
        let mut t = get(lib.connection(), "headline", "en").expect("headline");
        t.instruction = "{% if text %}unclosed".into();
        let err = save(lib.connection(), &t).expect_err("refused");
        assert!(err.to_string().contains("task template"), "{err}");
    }
}
