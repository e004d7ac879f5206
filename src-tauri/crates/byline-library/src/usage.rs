//! What the reporter used while writing each story: the articles a story links to, gave the assistant as
//! sources, pinned or opened from its Related panel. Related articles learn from it (articles used together
//! are related, whatever their words), and the reporter can see all of it and clear it. It never leaves the
//! machine.
use byline_core::{Error, Result};
use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};

use crate::db::{self, DbResultExt};

/// How an article was used for a story.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "lowercase")]
pub enum UsageKind {
    /// The story's body links to it (`byline://article/ID`).
    Link,
    /// It was given to the assistant as a source.
    Source,
    /// It was pinned in the story's Related panel.
    Pin,
    /// It was opened from the story's Related panel.
    Open,
}

impl UsageKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Link => "link",
            Self::Source => "source",
            Self::Pin => "pin",
            Self::Open => "open",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        [Self::Link, Self::Source, Self::Pin, Self::Open].into_iter().find(|k| k.as_str() == s)
    }
}

/// One recorded use, with both titles for display.
#[derive(Clone, Debug, PartialEq, Serialize, ts_rs::TS)]
pub struct Usage {
    pub story_id: i64,
    pub story_title: String,
    pub used_id: i64,
    pub used_title: String,
    pub kind: UsageKind,
    /// When it was first recorded (a link) or last (the other kinds), RFC 3339.
    pub at: String,
}

fn exists(conn: &Connection, id: i64) -> Result<bool> {
    conn.query_row("SELECT EXISTS(SELECT 1 FROM articles WHERE id = ?1)", [id], |r| r.get(0)).db()
}

/// Records that `used` was used for `story`. An article is never recorded as used for itself.
pub fn record(conn: &Connection, story: i64, used: i64, kind: UsageKind) -> Result<()> {
    if story == used {
        return Ok(());
    }
    for id in [story, used] {
        if !exists(conn, id)? {
            return Err(Error::not_found("article", id));
        }
    }
    conn.execute(
        "INSERT INTO related_usage (story_id, used_id, kind, at) VALUES (?1, ?2, ?3, ?4) \
         ON CONFLICT(story_id, used_id, kind) DO UPDATE SET at = excluded.at",
        params![story, used, kind.as_str(), db::now()],
    )
    .db()?;
    Ok(())
}

/// Forgets one use (an unpinned suggestion).
pub fn forget(conn: &Connection, story: i64, used: i64, kind: UsageKind) -> Result<()> {
    conn.execute(
        "DELETE FROM related_usage WHERE story_id = ?1 AND used_id = ?2 AND kind = ?3",
        params![story, used, kind.as_str()],
    )
    .db()?;
    Ok(())
}

/// Brings a story's `link` rows in line with its body: links that are gone are forgotten, new ones recorded
/// (a link kept across saves keeps the time it first appeared). Runs inside the save's transaction.
pub(crate) fn record_links(conn: &Connection, story: i64, body: &str) -> Result<()> {
    let mut linked = crate::links::linked_ids(body);
    linked.retain(|&id| id != story);
    if linked.is_empty() {
        conn.execute("DELETE FROM related_usage WHERE story_id = ?1 AND kind = 'link'", [story]).db()?;
        return Ok(());
    }
    let mut current: Vec<i64> = conn
        .prepare_cached("SELECT used_id FROM related_usage WHERE story_id = ?1 AND kind = 'link'")
        .db()?
        .query_map([story], |r| r.get(0))
        .db()?
        .collect::<rusqlite::Result<_>>()
        .db()?;
    current.sort_unstable();
    for gone in current.iter().filter(|id| !linked.contains(id)) {
        conn.execute(
            "DELETE FROM related_usage WHERE story_id = ?1 AND used_id = ?2 AND kind = 'link'",
            [story, *gone],
        )
        .db()?;
    }
    let now = db::now();
    for new in linked.iter().filter(|id| current.binary_search(id).is_err()) {
        // A link to an article that does not exist (deleted, or from another library) is no use.
        conn.execute(
            "INSERT OR IGNORE INTO related_usage (story_id, used_id, kind, at) \
             SELECT ?1, ?2, 'link', ?3 WHERE EXISTS (SELECT 1 FROM articles WHERE id = ?2)",
            params![story, new, now],
        )
        .db()?;
    }
    Ok(())
}

/// Every recorded use as (story, used, kind, at), for ranking.
pub fn all(conn: &Connection) -> Result<Vec<(i64, i64, UsageKind, String)>> {
    let mut stmt = conn.prepare_cached("SELECT story_id, used_id, kind, at FROM related_usage").db()?;
    let rows = stmt
        .query_map([], |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?, r.get::<_, String>(2)?, r.get::<_, String>(3)?))
        })
        .db()?;
    let mut out = Vec::new();
    for row in rows {
        let (story, used, kind, at) = row.db()?;
        if let Some(kind) = UsageKind::parse(&kind) {
            out.push((story, used, kind, at));
        }
    }
    Ok(out)
}

/// The most recent uses first, with titles, at most `limit`.
pub fn list(conn: &Connection, limit: u32) -> Result<Vec<Usage>> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT u.story_id, s.title, u.used_id, a.title, u.kind, u.at FROM related_usage u \
             JOIN articles s ON s.id = u.story_id JOIN articles a ON a.id = u.used_id \
             ORDER BY u.at DESC, u.story_id, u.used_id LIMIT ?1",
        )
        .db()?;
    let rows = stmt
        .query_map([limit], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, i64>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, String>(5)?,
            ))
        })
        .db()?;
    let mut out = Vec::new();
    for row in rows {
        let (story_id, story_title, used_id, used_title, kind, at) = row.db()?;
        if let Some(kind) = UsageKind::parse(&kind) {
            out.push(Usage { story_id, story_title, used_id, used_title, kind, at });
        }
    }
    Ok(out)
}

/// What learning from use knows: how many uses, and the most recent ones.
#[derive(Clone, Debug, PartialEq, Serialize, ts_rs::TS)]
pub struct UsageSummary {
    pub total: u64,
    pub recent: Vec<Usage>,
}

pub fn summary(conn: &Connection, limit: u32) -> Result<UsageSummary> {
    Ok(UsageSummary { total: count(conn)?, recent: list(conn, limit)? })
}

/// How many uses are recorded.
pub fn count(conn: &Connection) -> Result<u64> {
    let n: i64 = conn.query_row("SELECT COUNT(*) FROM related_usage", [], |r| r.get(0)).db()?;
    Ok(n.max(0) as u64)
}

/// Forgets everything recorded (the reporter's reset). Pins stay pinned: only their use as a signal goes.
/// Links are recorded again when their story is next saved. Returns how many uses were forgotten.
pub fn clear(conn: &Connection) -> Result<usize> {
    conn.execute("DELETE FROM related_usage", []).db()
}

/// The newest use, if any (for "learning since …").
pub fn latest(conn: &Connection) -> Result<Option<String>> {
    conn.query_row("SELECT MAX(at) FROM related_usage", [], |r| r.get::<_, Option<String>>(0))
        .optional()
        .db()
        .map(Option::flatten)
}

/// The migration's hook: links already in the library's bodies are recorded as uses.
pub(crate) fn backfill_links(conn: &Connection) -> Result<()> {
    let mut stmt = conn.prepare("SELECT id, body FROM articles WHERE body LIKE '%byline://article/%'").db()?;
    let bodies: Vec<(i64, String)> =
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).db()?.collect::<rusqlite::Result<_>>().db()?;
    for (id, body) in bodies {
        record_links(conn, id, &body)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ArticleFields, Library};

    fn article(lib: &mut Library, title: &str, body: &str) -> i64 {
        lib.create(&ArticleFields { title: title.into(), body: body.into(), ..ArticleFields::default() })
            .expect("create")
            .id
    }

    fn uses(lib: &Library) -> Vec<(i64, i64, UsageKind)> {
        let mut v: Vec<_> = all(lib.connection()).expect("all").into_iter().map(|(s, u, k, _)| (s, u, k)).collect();
        v.sort_by_key(|r| (r.0, r.1, r.2.as_str()));
        v
    }

    #[test]
    fn a_storys_links_are_uses_that_follow_its_body() {
        let mut lib = Library::open_in_memory().expect("library");
        let flood = article(&mut lib, "Flood", "The river rose.");
        let budget = article(&mut lib, "Budget", "The council voted.");
        let story = article(
            &mut lib,
            "Follow-up",
            &format!("See [the flood](byline://article/{flood}) and [me](byline://article/0)."),
        );
        assert_eq!(uses(&lib), vec![(story, flood, UsageKind::Link)], "a link to nothing is no use");
        let first_at = all(lib.connection()).expect("all")[0].3.clone();

        let both = format!(
            "[flood](byline://article/{flood}), [budget](byline://article/{budget}), [self](byline://article/{story})"
        );
        lib.save(story, &ArticleFields { title: "Follow-up".into(), body: both, ..ArticleFields::default() })
            .expect("save");
        assert_eq!(uses(&lib), vec![(story, flood, UsageKind::Link), (story, budget, UsageKind::Link)]);
        let kept = all(lib.connection()).expect("all").into_iter().find(|r| r.1 == flood).expect("flood").3;
        assert_eq!(kept, first_at, "a link kept across saves keeps the time it first appeared");

        lib.save(
            story,
            &ArticleFields { title: "Follow-up".into(), body: "No links now.".into(), ..ArticleFields::default() },
        )
        .expect("save");
        assert!(uses(&lib).is_empty());
    }

    #[test]
    fn uses_are_recorded_listed_forgotten_and_cleared() {
        let mut lib = Library::open_in_memory().expect("library");
        let a = article(&mut lib, "A", "a");
        let b = article(&mut lib, "B", "b");
        let c = article(&mut lib, "C", "c");
        let conn = lib.connection();
        record(conn, a, b, UsageKind::Source).expect("source");
        record(conn, a, c, UsageKind::Open).expect("open");
        record(conn, a, a, UsageKind::Pin).expect("self is ignored");
        assert_eq!(record(conn, a, 999, UsageKind::Pin).expect_err("missing").code(), "not_found");
        let listed = list(conn, 10).expect("list");
        assert_eq!(listed.len(), 2);
        assert!(listed.iter().any(|u| u.story_title == "A" && u.used_title == "B" && u.kind == UsageKind::Source));
        forget(conn, a, c, UsageKind::Open).expect("forget");
        assert_eq!(count(conn).expect("count"), 1);
        lib.delete(b).expect("delete");
        assert_eq!(count(lib.connection()).expect("count"), 0, "deleting an article removes its uses");
        record(lib.connection(), a, c, UsageKind::Pin).expect("pin");
        assert_eq!(clear(lib.connection()).expect("clear"), 1);
        assert!(latest(lib.connection()).expect("latest").is_none());
    }
}
