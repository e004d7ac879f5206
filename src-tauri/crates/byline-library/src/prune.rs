//! Thinning autosave revisions. Autosave keeps the replaced text at every pause in typing, so a day's work
//! on one article left hundreds of full copies (1,000 saves of a 20 KB article took 54 MB). Like the
//! version history of a word processor, recent history stays whole and older history is kept at coarser
//! steps: every revision of the last hour, then the newest of each 10 minutes for a day, of each hour for a
//! month, and of each day after that. Only autosaves ("edit") are thinned; the text a restore replaced is
//! always kept.
use chrono::{DateTime, Utc};
use rusqlite::Transaction;

use crate::db::DbResultExt;
use byline_core::Result;

/// How wide a bucket is for a revision `age_s` seconds old; `None`: keep every one.
fn bucket_seconds(age_s: i64) -> Option<i64> {
    const HOUR: i64 = 3600;
    const DAY: i64 = 24 * HOUR;
    match age_s {
        a if a < HOUR => None,
        a if a < DAY => Some(10 * 60),
        a if a < 30 * DAY => Some(HOUR),
        _ => Some(DAY),
    }
}

/// The ids to delete from `revisions` (id, created_at), newest first, as of `now`.
pub(crate) fn thinned(revisions: &[(i64, DateTime<Utc>)], now: DateTime<Utc>) -> Vec<i64> {
    let mut seen = std::collections::HashSet::new();
    let mut doomed = Vec::new();
    for &(id, at) in revisions {
        let age = (now - at).num_seconds().max(0);
        let Some(width) = bucket_seconds(age) else { continue };
        // Buckets are aligned on the clock, so a revision stays in the same bucket as time passes.
        let key = (width, at.timestamp().div_euclid(width));
        if !seen.insert(key) {
            doomed.push(id);
        }
    }
    doomed
}

/// Deletes the autosave revisions of `article_id` that [`thinned`] does not keep.
pub(crate) fn prune_autosaves(tx: &Transaction<'_>, article_id: i64) -> Result<usize> {
    let mut stmt = tx
        .prepare_cached(
            "SELECT id, created_at FROM revisions WHERE article_id = ?1 AND reason = 'edit' \
             ORDER BY created_at DESC, id DESC",
        )
        .db()?;
    let rows: Vec<(i64, String)> =
        stmt.query_map([article_id], |r| Ok((r.get(0)?, r.get(1)?))).db()?.collect::<rusqlite::Result<_>>().db()?;
    // A timestamp that does not parse is kept: never delete what we cannot place.
    let parsed: Vec<(i64, DateTime<Utc>)> = rows
        .iter()
        .filter_map(|(id, at)| DateTime::parse_from_rfc3339(at).ok().map(|t| (*id, t.with_timezone(&Utc))))
        .collect();
    let doomed = thinned(&parsed, Utc::now());
    let mut delete = tx.prepare_cached("DELETE FROM revisions WHERE id = ?1").db()?;
    for id in &doomed {
        delete.execute([id]).db()?;
    }
    Ok(doomed.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recent_history_stays_whole_older_history_thins() {
        let now = DateTime::parse_from_rfc3339("2026-12-06T12:00:00Z").expect("time").with_timezone(&Utc);
        let at = |minutes_ago: i64| now - chrono::Duration::minutes(minutes_ago);
        // Newest first: one save a minute for three hours, then one a minute for an hour 40 days ago.
        let mut revisions: Vec<(i64, DateTime<Utc>)> = (0..180).map(|m| (1000 - m, at(m))).collect();
        revisions.extend((0..60).map(|m| (500 - m, at(40 * 24 * 60 + m))));
        let doomed = thinned(&revisions, now);
        let kept: Vec<i64> = revisions.iter().map(|r| r.0).filter(|id| !doomed.contains(id)).collect();
        // Every save of the last hour, then one per 10-minute bucket; the old hour (within one day) keeps one
        // or two, depending on where the day boundary falls.
        assert_eq!(kept.iter().filter(|&&id| id > 940).count(), 60);
        let later = kept.iter().filter(|&&id| (821..=940).contains(&id)).count();
        assert!((12..=13).contains(&later), "{later}");
        let old = kept.iter().filter(|&&id| id <= 500).count();
        assert!((1..=2).contains(&old), "{old}");
        // Thinning twice changes nothing more.
        let survivors: Vec<_> = revisions.iter().copied().filter(|r| !doomed.contains(&r.0)).collect();
        assert!(thinned(&survivors, now).is_empty());
    }
}
