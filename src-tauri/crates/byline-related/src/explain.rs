//! Why a suggestion is related: the closest pair of passages and what the two texts share.
use byline_core::Result;
use byline_library::Library;
use serde::Serialize;

use crate::index::{PassageVec, article_text};
use crate::search::dot;
use crate::store;
use crate::terms::{Terms, analyse, shared};

/// Passages are shown shortened to this many characters.
const SHOW_CHARS: usize = 280;

#[derive(Clone, Debug, PartialEq, Serialize)]
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

pub(crate) fn explain(
    lib: &Library,
    model: &str,
    query: &[PassageVec],
    query_terms: &Terms,
    id: i64,
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
    let (shared_entities, shared_terms) = shared(query_terms, &their_terms, 8);
    Ok(Explanation {
        query_passage: best.map(|b| shorten(&query[b.0].text)),
        match_passage: best.map(|b| shorten(&theirs[b.1].text)),
        passage_similarity: best.map(|b| b.2),
        shared_entities,
        shared_terms,
    })
}
