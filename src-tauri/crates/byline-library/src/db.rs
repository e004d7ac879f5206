//! Opening the library database: pragmas, migrations and error mapping.
use std::path::Path;
use std::time::Duration;

use byline_core::{Error, Result};
use rusqlite::{Connection, TransactionBehavior};
use rusqlite_migration::{M, Migrations};

/// Schema history. Append new migrations; never edit one that has shipped.
fn migrations() -> Migrations<'static> {
    Migrations::new(vec![
        M::up(include_str!("../migrations/001_initial.sql")),
        // Related articles (byline-related): embeddings per article/passage and suggestion feedback.
        M::up(include_str!("../migrations/002_related.sql")),
        // Transcription (byline-transcribe): recordings, raw and edited transcripts.
        M::up(include_str!("../migrations/003_transcripts.sql")),
        // Drafting (byline-draft): task templates and generation history.
        M::up(include_str!("../migrations/004_assistant.sql")),
        // Sentiment (byline-sentiment): readers' comments and their scores.
        M::up(include_str!("../migrations/005_sentiment.sql")),
        // Revisions: the fields JSON no longer repeats the title and body.
        M::up(include_str!("../migrations/006_revision_fields.sql")),
        // Speakers (byline-transcribe): each transcript's voices and the voices the reporter has named.
        M::up(include_str!("../migrations/007_voices.sql")),
        // Quotes (byline-quotes): the interviews linked to a story, to check its quotes against those only.
        M::up(include_str!("../migrations/008_article_sources.sql")),
        // Related articles that learn from use: what each story linked, sourced, pinned and opened.
        M::up_with_hook(include_str!("../migrations/009_related_usage.sql"), |tx: &rusqlite::Transaction| {
            crate::usage::backfill_links(tx).map_err(|e| rusqlite_migration::HookError::Hook(e.to_string()))
        }),
    ])
}

pub(crate) use byline_core::DbResultExt;

/// Opens (creating if needed) a library file and brings its schema up to date.
pub(crate) fn open(path: &Path) -> Result<Connection> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(format!("creating {}", dir.display()), e))?;
    }
    let opened = Connection::open(path).map_err(|e| Error::Database(format!("opening {}: {e}", path.display())));
    // SQLite says only "unable to open database file" or "disk I/O error" when the folder is the reason.
    opened.and_then(prepare).map_err(|e| {
        let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
        folder_problem(dir).unwrap_or(e)
    })
}

/// Why a library in `dir` cannot be opened when the folder itself is the reason: it is read-only, or it has no
/// room for the working files SQLite creates beside the library (write-ahead log and shared memory).
fn folder_problem(dir: &Path) -> Option<Error> {
    use std::io::Write;
    let probe = dir.join(format!(".byline-write-check-{}", std::process::id()));
    let written = std::fs::File::create(&probe).and_then(|mut f| {
        f.write_all(&[0u8; 64 * 1024])?;
        f.sync_all()
    });
    let _ = std::fs::remove_file(&probe);
    let e = written.err()?;
    let read_only = e.raw_os_error() == Some(30) || e.kind() == std::io::ErrorKind::PermissionDenied;
    let context = if read_only {
        format!("the data folder {} cannot be written (read-only); nothing was changed", dir.display())
    } else {
        format!("the data folder {} has no room for the library's working files; nothing was changed", dir.display())
    };
    // ENOSPC becomes the disk-full error through Error::io.
    Some(Error::io(context, e))
}

pub(crate) fn open_in_memory() -> Result<Connection> {
    prepare(Connection::open_in_memory().db()?)
}

fn prepare(mut conn: Connection) -> Result<Connection> {
    // WAL lets the UI read while an import writes, and a killed process loses at most the
    // batch in flight. synchronous=NORMAL is durable across crashes of the app in WAL mode.
    conn.busy_timeout(Duration::from_secs(10)).db()?;
    conn.pragma_update(None, "journal_mode", "WAL").db()?;
    conn.pragma_update(None, "synchronous", "NORMAL").db()?;
    conn.pragma_update(None, "foreign_keys", "ON").db()?;
    migrations().to_latest(&mut conn).map_err(|e| Error::Database(format!("migrating the library: {e}")))?;
    // Every write transaction takes the write lock when it begins. A deferred one starts as a reader and
    // upgrades at its first write; if another connection (an import) is writing then, SQLite fails it at once
    // with "database is locked" instead of waiting, so the busy timeout above never helped a save.
    conn.set_transaction_behavior(TransactionBehavior::Immediate);
    Ok(conn)
}

/// Current time as an RFC 3339 UTC string with milliseconds (sortable as text).
pub(crate) fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_validate() {
        migrations().validate().expect("migrations are valid");
    }

    #[test]
    fn a_library_from_before_usage_learning_brings_its_links_pins_and_sources() {
        let mut conn = Connection::open_in_memory().expect("open");
        conn.pragma_update(None, "foreign_keys", "ON").expect("pragma");
        migrations().to_version(&mut conn, 8).expect("version 8");
        let t = "2026-01-01T00:00:00.000Z";
        for (id, body) in
            [(1, "Follows [the vote](byline://article/2) and [gone](byline://article/99)."), (2, "x"), (3, "y")]
        {
            conn.execute(
                "INSERT INTO articles (id, title, body, content_hash, created_at, updated_at) VALUES (?1, '', ?2, '', ?3, ?3)",
                rusqlite::params![id, body, t],
            )
            .expect("article");
        }
        conn.execute("INSERT INTO related_feedback VALUES (2, 3, 'pin', ?1), (3, 1, 'hide', ?1)", [t]).expect("pins");
        conn.execute(
            "INSERT INTO assistant_generations (article_id, task_key, language, model, prompt, output, sources, stop_reason, created_at) \
             VALUES (3, 'lede', 'en', 'm', '', '', '[{\"n\":1,\"label\":\"a\",\"article_id\":1},{\"n\":2,\"label\":\"b\",\"article_id\":null},{\"n\":3,\"label\":\"c\",\"article_id\":42}]', 'eos', ?1)",
            [t],
        )
        .expect("generation");
        migrations().to_latest(&mut conn).expect("latest");
        let mut rows: Vec<(i64, i64, String)> = conn
            .prepare("SELECT story_id, used_id, kind FROM related_usage ORDER BY 1, 2")
            .expect("prepare")
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .expect("query")
            .collect::<rusqlite::Result<_>>()
            .expect("rows");
        rows.sort();
        let expected = [(1, 2, "link"), (2, 3, "pin"), (3, 1, "source")].map(|(a, b, k)| (a, b, k.to_string()));
        assert_eq!(rows, expected, "a hide is no use, and links or sources to missing articles are skipped");
    }

    #[test]
    fn file_database_uses_wal_and_foreign_keys() {
        let dir = tempfile::tempdir().expect("tempdir");
        let conn = open(&dir.path().join("nested/lib.sqlite3")).expect("open");
        let mode: String = conn.query_row("PRAGMA journal_mode", [], |r| r.get(0)).expect("pragma");
        assert_eq!(mode, "wal");
        let fk: i64 = conn.query_row("PRAGMA foreign_keys", [], |r| r.get(0)).expect("pragma");
        assert_eq!(fk, 1);
    }

    #[test]
    fn a_file_that_is_not_a_database_is_a_clear_error() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("lib.sqlite3");
        std::fs::write(&path, b"this is not a database, just some text that is long enough").expect("write");
        let err = open(&path).expect_err("must fail");
        assert_eq!(err.code(), "database");
    }
}
