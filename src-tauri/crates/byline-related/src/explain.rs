//! Why a suggestion is related: the closest pair of passages and what the two texts share, rare terms first.
use std::collections::HashMap;

use byline_core::Result;
use byline_library::Library;
use serde::Serialize;

use crate::index::{PassageVec, article_text};
use crate::search::dot;
use crate::store;
use crate::terms::{Terms, analyse, shared_weighted};

/// Passages are shown shortened to this many characters.
const SHOW_CHARS: usize = 280;

#[derive(Clone, Debug, PartialEq, Serialize, ts_rs::TS)]
pub struct Explanation {
    /// The query's passage closest to the suggestion's passage below.
    pub query_passage: Option<String>,
    pub match_passage: Option<String>,
    /// Cosine of that passage pair.
    pub passage_similarity: Option<f32>,
    /// Names, places, organisations, numbers and CJK terms both texts mention.
    pub shared_entities: Vec<String>,
    /// Other content words both use.
    pub shared_terms: Vec<String>,
}

fn shorten(text: &str) -> String {
    let flat: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match flat.char_indices().nth(SHOW_CHARS) {
        Some((cut, _)) => format!("{}…", &flat[..cut]),
        None => flat,
    }
}

/// How rare a term is in the reporter's library, for ranking the shared terms: words that every article of
/// a wire service carries ("reuter", "pct") explain nothing. Kept for one set of suggestions.
pub(crate) struct Rarity {
    articles: u64,
    cache: HashMap<String, f64>,
}

impl Rarity {
    pub(crate) fn new(lib: &Library) -> Result<Self> {
        Ok(Self { articles: lib.count()?, cache: HashMap::new() })
    }

    /// Inverse document frequency, ln((N + 1) / (df + 1)); zero for a term in more than half of a library of
    /// twenty articles or more.
    fn weight(&mut self, lib: &Library, term: &str) -> f64 {
        if let Some(w) = self.cache.get(term) {
            return *w;
        }
        let n = self.articles as f64;
        let w = match lib.document_frequency(term) {
            Ok(df) if self.articles >= 20 && df * 2 > self.articles => 0.0,
            Ok(df) => ((n + 1.0) / (df as f64 + 1.0)).ln().max(0.05),
            Err(_) => 1.0,
        };
        self.cache.insert(term.to_string(), w);
        w
    }
}

pub(crate) fn explain(
    lib: &Library,
    model: &str,
    query: &[PassageVec],
    query_terms: &Terms,
    id: i64,
    rarity: &mut Rarity,
) -> Result<Explanation> {
    let theirs = store::passages_of(lib.connection(), id, model)?;
    let mut best: Option<(usize, usize, f32)> = None;
    for (i, q) in query.iter().enumerate() {
        let Some(qv) = &q.vector else { continue };
        for (j, p) in theirs.iter().enumerate() {
            let s = dot(qv, &p.vector);
            if best.is_none_or(|b| s > b.2) {
                best = Some((i, j, s));
            }
        }
    }
    let article = lib.get(id)?;
    let their_terms = analyse(&article_text(&article.fields.title, &article.fields.body));
    let (shared_entities, shared_terms) =
        shared_weighted(query_terms, &their_terms, 8, &mut |term| rarity.weight(lib, term));
    Ok(Explanation {
        query_passage: best.map(|b| shorten(&query[b.0].text)),
        match_passage: best.map(|b| shorten(&theirs[b.1].text)),
        passage_similarity: best.map(|b| b.2),
        shared_entities,
        shared_terms,
    })
}
