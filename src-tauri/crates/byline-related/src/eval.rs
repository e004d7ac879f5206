//! `byline eval related`: retrieval quality on a labelled JSONL corpus (`text`, `label` per line),
//! where an article's relevant neighbours are the others with the same label.
use std::path::Path;

use byline_core::{CancelToken, Error, Reporter, Result};
use byline_library::{ArticleFields, Library};
use serde::{Deserialize, Serialize};

use crate::rank::{Fusion, Method};
use crate::{Embedder, RankOptions, Recommender, index_library};

#[derive(Deserialize)]
struct Line {
    text: String,
    label: String,
}

/// Removes what would leak the label or drown the content in a Usenet post: the header block,
/// quoted lines and attributions, and the signature (as scikit-learn's `remove=` options do).
pub fn clean_usenet(post: &str) -> String {
    let body = match post.find("\n\n") {
        Some(i) if post[..i].lines().all(|l| l.contains(':') || l.starts_with([' ', '\t'])) => &post[i + 2..],
        _ => post,
    };
    let lines: Vec<&str> = body.lines().collect();
    // Signature: everything after the last line made only of dashes.
    let cut = lines.iter().rposition(|l| l.trim().starts_with("--") && l.trim().trim_matches('-').is_empty());
    let lines = match cut {
        Some(i) if i > 0 => &lines[..i],
        _ => &lines[..],
    };
    let quote = |l: &str| {
        let t = l.trim_start();
        t.starts_with('>')
            || t.starts_with('|')
            || t.starts_with("In article")
            || t.starts_with("Quoted from")
            || ["writes:", "wrote:", "writes in", "says:", "said:"].iter().any(|m| t.contains(m))
    };
    lines.iter().filter(|l| !quote(l)).copied().collect::<Vec<_>>().join("\n").trim().to_string()
}

#[derive(Clone, Debug, Serialize, ts_rs::TS)]
pub struct EvalRow {
    pub method: String,
    pub precision: f64,
    pub ndcg: f64,
    pub mrr: f64,
}

#[derive(Clone, Debug, Serialize, ts_rs::TS)]
pub struct EvalReport {
    pub model_id: String,
    pub documents: usize,
    /// Posts left empty after cleaning (not used).
    pub skipped: usize,
    pub k: usize,
    pub rows: Vec<EvalRow>,
}

/// Precision@k, nDCG@k (binary gains) and reciprocal rank of one ranked list.
pub fn metrics(relevant: &[bool], total_relevant: usize, k: usize) -> (f64, f64, f64) {
    let top = &relevant[..relevant.len().min(k)];
    let hits = top.iter().filter(|&&r| r).count();
    let dcg: f64 = top.iter().enumerate().filter(|(_, r)| **r).map(|(i, _)| 1.0 / (i as f64 + 2.0).log2()).sum();
    let idcg: f64 = (0..total_relevant.min(k)).map(|i| 1.0 / (i as f64 + 2.0).log2()).sum();
    let rr = top.iter().position(|&r| r).map_or(0.0, |p| 1.0 / (p as f64 + 1.0));
    (hits as f64 / k as f64, if idcg > 0.0 { dcg / idcg } else { 0.0 }, rr)
}

/// Name of the row for `RankOptions::default()`.
pub const DEFAULT_ROW: &str = "hybrid default (weighted w_dense=0.85)";

/// The configurations compared: the two single retrievers, both fusions, and the default pipeline.
pub fn configurations() -> Vec<(String, RankOptions)> {
    let base = RankOptions { mmr_lambda: None, duplicate_threshold: f32::INFINITY, ..RankOptions::default() };
    let mut out = vec![
        ("bm25".to_string(), RankOptions { method: Method::Bm25, ..base.clone() }),
        ("dense".to_string(), RankOptions { method: Method::Dense, ..base.clone() }),
        ("hybrid rrf k=60".to_string(), RankOptions { fusion: Fusion::Rrf { k: 60.0 }, ..base.clone() }),
    ];
    for w in [0.3f32, 0.5, 0.7] {
        out.push((
            format!("hybrid weighted w_dense={w}"),
            RankOptions { fusion: Fusion::Weighted { dense_weight: w }, ..base.clone() },
        ));
    }
    let default = RankOptions { duplicate_threshold: f32::INFINITY, ..RankOptions::default() };
    out.push((DEFAULT_ROW.to_string(), default.clone()));
    out.push(("hybrid default + MMR λ=0.8".to_string(), RankOptions { mmr_lambda: Some(0.8), ..default }));
    out
}

pub fn run(
    emb: Embedder,
    dataset: &Path,
    k: usize,
    reporter: &dyn Reporter,
    cancel: &CancelToken,
) -> Result<EvalReport> {
    let text = std::fs::read_to_string(dataset).map_err(|e| Error::io(format!("reading {}", dataset.display()), e))?;
    let mut lib = Library::open_in_memory()?;
    let mut labels: Vec<(i64, String)> = Vec::new();
    let mut skipped = 0;
    for (n, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        let line: Line = serde_json::from_str(line)
            .map_err(|e| Error::Format { path: dataset.to_path_buf(), message: format!("line {}: {e}", n + 1) })?;
        let body = clean_usenet(&line.text);
        if body.split_whitespace().count() < 3 {
            skipped += 1;
            continue;
        }
        let article = lib.create(&ArticleFields { body, ..ArticleFields::default() })?;
        labels.push((article.id, line.label));
    }
    index_library(&mut lib, &emb, reporter, cancel)?;
    let model_id = emb.model_id().to_string();
    let mut rec = Recommender::new(emb);
    let mut rows = Vec::new();
    for (name, mut opts) in configurations() {
        opts.k = k;
        let (mut p, mut nd, mut mrr) = (0.0, 0.0, 0.0);
        for (id, label) in &labels {
            cancel.check()?;
            let result = rec.for_article(&lib, *id, &opts)?;
            let relevant: Vec<bool> = result
                .suggestions
                .iter()
                .map(|s| labels.iter().any(|(other, l)| *other == s.id && l == label))
                .collect();
            let total = labels.iter().filter(|(other, l)| other != id && l == label).count();
            let (a, b, c) = metrics(&relevant, total, k);
            p += a;
            nd += b;
            mrr += c;
        }
        let n = labels.len().max(1) as f64;
        rows.push(EvalRow { method: name, precision: p / n, ndcg: nd / n, mrr: mrr / n });
    }
    Ok(EvalReport { model_id, documents: labels.len(), skipped, k, rows })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usenet_headers_quotes_and_signatures_are_removed() {
        let post = "From: a@b.c\nSubject: Re: Moon\nNewsgroups: sci.space\n\nIn article <x@y> bob@z writes:\n> quoted orbit\nThe orbit is stable.\n\n-- \nAlice, NASA Ames\n";
        assert_eq!(clean_usenet(post), "The orbit is stable.");
    }

    #[test]
    fn metrics_match_hand_computed_values() {
        let (p, ndcg, rr) = metrics(&[false, true, true], 2, 3);
        assert!((p - 2.0 / 3.0).abs() < 1e-9);
        assert!((rr - 0.5).abs() < 1e-9);
        let ideal = 1.0 + 1.0 / 3f64.log2();
        assert!((ndcg - (1.0 / 3f64.log2() + 0.5) / ideal).abs() < 1e-9);
        assert_eq!(metrics(&[], 0, 10), (0.0, 0.0, 0.0));
    }
}
