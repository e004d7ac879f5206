//! The reporter's pin/hide decisions on suggestions, per article.
use std::collections::HashSet;

use byline_core::{Error, Result};
use rusqlite::{Connection, params};
use serde::{Deserialize, Serialize};

use byline_library::usage::{self, UsageKind};

use crate::store::Db;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "lowercase")]
pub enum Feedback {
    Pin,
    Hide,
    /// Forget an earlier pin or hide.
    Clear,
}

impl std::str::FromStr for Feedback {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "pin" => Ok(Self::Pin),
            "hide" => Ok(Self::Hide),
            "clear" => Ok(Self::Clear),
            other => Err(Error::InvalidInput(format!("feedback must be pin, hide or clear, not {other:?}"))),
        }
    }
}

/// Records feedback on `suggestion_id` as a suggestion for `article_id`.
pub fn set_feedback(conn: &Connection, article_id: i64, suggestion_id: i64, feedback: Feedback) -> Result<()> {
    if article_id == suggestion_id {
        return Err(Error::InvalidInput("an article cannot be a suggestion for itself".into()));
    }
    for id in [article_id, suggestion_id] {
        let exists: bool =
            conn.query_row("SELECT EXISTS(SELECT 1 FROM articles WHERE id = ?1)", [id], |r| r.get(0)).db()?;
        if !exists {
            return Err(Error::not_found("article", id));
        }
    }
    // The pin is also a use of the suggestion for this story (learning from use); a hide or clear takes it back.
    let tx = conn.unchecked_transaction().db()?;
    let action = match feedback {
        Feedback::Pin => "pin",
        Feedback::Hide => "hide",
        Feedback::Clear => {
            tx.execute(
                "DELETE FROM related_feedback WHERE article_id = ?1 AND suggestion_id = ?2",
                params![article_id, suggestion_id],
            )
            .db()?;
            usage::forget(&tx, article_id, suggestion_id, UsageKind::Pin)?;
            return tx.commit().db();
        }
    };
    let now = chrono_now();
    tx.execute(
        "INSERT INTO related_feedback(article_id, suggestion_id, action, created_at) VALUES (?1, ?2, ?3, ?4) \
         ON CONFLICT(article_id, suggestion_id) DO UPDATE SET action = excluded.action, created_at = excluded.created_at",
        params![article_id, suggestion_id, action, now],
    )
    .db()?;
    match feedback {
        Feedback::Pin => usage::record(&tx, article_id, suggestion_id, UsageKind::Pin)?,
        _ => usage::forget(&tx, article_id, suggestion_id, UsageKind::Pin)?,
    }
    tx.commit().db()
}

/// (pinned in the order they were pinned, hidden) for an article.
pub fn feedback_for(conn: &Connection, article_id: i64) -> Result<(Vec<i64>, HashSet<i64>)> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT suggestion_id, action FROM related_feedback WHERE article_id = ?1 ORDER BY created_at, suggestion_id",
        )
        .db()?;
    let rows = stmt.query_map([article_id], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?))).db()?;
    let mut pinned = Vec::new();
    let mut hidden = HashSet::new();
    for row in rows {
        let (id, action) = row.db()?;
        if action == "pin" {
            pinned.push(id);
        } else {
            hidden.insert(id);
        }
    }
    Ok((pinned, hidden))
}

/// RFC 3339 UTC with milliseconds, like the library's own timestamps (sortable as text).
fn chrono_now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}
