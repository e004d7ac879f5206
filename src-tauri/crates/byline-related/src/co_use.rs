//! Learning from use (the collaborative half of the recommender, on one machine): articles the reporter used
//! together for a story (linked, gave the assistant as sources, pinned, opened from the Related panel) are
//! related, whatever their words. Item-to-item co-occurrence over the library's `related_usage` rows, each
//! story weighted by how recently it was worked on.
use std::collections::{HashMap, HashSet};

use byline_core::Result;
use byline_library::usage;
use rusqlite::Connection;

/// A story worked on this many days ago counts half as much as one worked on today.
pub const HALF_LIFE_DAYS: f64 = 180.0;

/// What the uses say about the candidates for one query article.
#[derive(Debug, Default)]
pub(crate) struct CoUse {
    /// Candidate → (score, number of stories in which it was used together with the query or its sources).
    pub scores: HashMap<i64, (f64, u32)>,
    /// The best score, for scaling.
    top: f64,
}

fn age_days(at: &str, today: chrono::DateTime<chrono::Utc>) -> f64 {
    chrono::DateTime::parse_from_rfc3339(at)
        .map(|t| (today - t.with_timezone(&chrono::Utc)).num_seconds().max(0) as f64 / 86_400.0)
        .unwrap_or(0.0)
}

impl CoUse {
    /// Scores every article that was used in another story together with `query` or with what `query`
    /// itself used: each such story adds its recency weight times how many of those it shares.
    pub(crate) fn for_article(conn: &Connection, query: i64) -> Result<Self> {
        Self::from_uses(usage::all(conn)?.into_iter().map(|(s, u, _, at)| (s, u, at)), query, chrono::Utc::now())
    }

    pub(crate) fn from_uses(
        uses: impl Iterator<Item = (i64, i64, String)>,
        query: i64,
        today: chrono::DateTime<chrono::Utc>,
    ) -> Result<Self> {
        // Each story's items (itself and what it used) and its newest use.
        let mut stories: HashMap<i64, (HashSet<i64>, String)> = HashMap::new();
        for (story, used, at) in uses {
            let entry = stories.entry(story).or_insert_with(|| (HashSet::from([story]), String::new()));
            entry.0.insert(used);
            if at > entry.1 {
                entry.1 = at;
            }
        }
        let target: HashSet<i64> = match stories.get(&query) {
            Some((items, _)) => items.clone(),
            None => HashSet::from([query]),
        };
        let mut scores: HashMap<i64, (f64, u32)> = HashMap::new();
        let mut ids: Vec<&i64> = stories.keys().collect();
        ids.sort_unstable();
        for story in ids {
            if *story == query {
                continue;
            }
            let (items, at) = &stories[story];
            let shared = items.intersection(&target).count();
            if shared == 0 {
                continue;
            }
            let weight = 0.5f64.powf(age_days(at, today) / HALF_LIFE_DAYS);
            for &item in items {
                if item == query {
                    continue;
                }
                // What the candidate shares with the query's side, not counting itself.
                let shared = shared - usize::from(target.contains(&item));
                if shared == 0 {
                    continue;
                }
                let entry = scores.entry(item).or_insert((0.0, 0));
                entry.0 += weight * shared as f64;
                entry.1 += 1;
            }
        }
        let top = scores.values().map(|s| s.0).fold(0.0, f64::max);
        Ok(Self { scores, top })
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.scores.is_empty()
    }

    /// The score scaled so the best candidate has 1.
    pub(crate) fn normalised(&self, id: i64) -> f64 {
        match self.scores.get(&id) {
            Some((s, _)) if self.top > 0.0 => s / self.top,
            _ => 0.0,
        }
    }

    pub(crate) fn stories(&self, id: i64) -> u32 {
        self.scores.get(&id).map_or(0, |s| s.1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(days_ago: i64, today: chrono::DateTime<chrono::Utc>) -> String {
        (today - chrono::Duration::days(days_ago)).to_rfc3339()
    }

    #[test]
    fn articles_used_together_score_by_shared_items_and_recency() {
        let today = chrono::Utc::now();
        // Story 10 used 1 (the query) and 2; story 11 used 1 and 3, half a year ago; story 12 used 4 and 5 only.
        let uses = vec![
            (10, 1, at(0, today)),
            (10, 2, at(0, today)),
            (11, 1, at(180, today)),
            (11, 3, at(180, today)),
            (12, 4, at(0, today)),
            (12, 5, at(0, today)),
        ];
        let co = CoUse::from_uses(uses.into_iter(), 1, today).expect("co-use");
        assert!((co.scores[&2].0 - 1.0).abs() < 1e-6 && (co.scores[&10].0 - 1.0).abs() < 1e-6);
        assert!((co.scores[&3].0 - 0.5).abs() < 1e-3, "half-life: {:?}", co.scores[&3]);
        assert!(!co.scores.contains_key(&4) && !co.scores.contains_key(&1));
        assert_eq!(co.stories(2), 1);
        assert!((co.normalised(3) - 0.5).abs() < 1e-3);
    }

    #[test]
    fn a_story_is_related_to_what_its_sources_were_used_with() {
        let today = chrono::Utc::now();
        // The query story 20 used 1; stories 21 and 22 used 1 together with 7; 7 was used with 1 twice.
        let uses = vec![
            (20, 1, at(0, today)),
            (21, 1, at(0, today)),
            (21, 7, at(0, today)),
            (22, 1, at(0, today)),
            (22, 7, at(0, today)),
        ];
        let co = CoUse::from_uses(uses.into_iter(), 20, today).expect("co-use");
        assert_eq!(co.stories(7), 2);
        assert!(co.scores[&7].0 > co.scores[&21].0);
        assert!(!co.scores.contains_key(&1), "what the story already uses shares nothing but itself");
        assert!(CoUse::from_uses(std::iter::empty(), 20, today).expect("empty").is_empty());
    }
}
