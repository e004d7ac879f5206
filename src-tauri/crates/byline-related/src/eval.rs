//! `byline eval related`: retrieval quality on a labelled JSONL corpus. Each line has `text` and either a
//! `label` (relevant = the others with the same label) or an `id` and graded `relevance` ({other id: gain in
//! 0..1}, e.g. mean human similarity ratings); lines with neither are distractors, never queries.
use std::collections::HashMap;
use std::path::Path;

use byline_core::{CancelToken, Error, Reporter, Result};
use byline_library::{ArticleFields, Library};
use serde::{Deserialize, Serialize};

use crate::rank::{Fusion, Method};
use crate::{Embedder, RankOptions, Recommender, index_library};

#[derive(Deserialize)]
struct Line {
    text: String,
    #[serde(default)]
    label: Option<String>,
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    relevance: HashMap<String, f64>,
}

/// A gain at or above this counts as relevant for precision and reciprocal rank (graded sets).
const RELEVANT_GAIN: f64 = 0.5;

/// One article of an evaluation corpus in the library.
struct Item {
    article: i64,
    label: Option<String>,
    /// Graded relevance of other articles (by article id).
    relevance: HashMap<i64, f64>,
}

struct Corpus {
    items: Vec<Item>,
}

impl Corpus {
    fn is_query(&self, i: usize) -> bool {
        self.items[i].label.is_some() || !self.items[i].relevance.is_empty()
    }

    /// The gain of `other` as a suggestion for item `i`.
    fn gain(&self, i: usize, other: i64) -> f64 {
        let item = &self.items[i];
        if !item.relevance.is_empty() {
            return item.relevance.get(&other).copied().unwrap_or(0.0);
        }
        let same = self.items.iter().any(|o| o.article == other && o.label.is_some() && o.label == item.label);
        if same { 1.0 } else { 0.0 }
    }

    fn label(&self, article: i64) -> Option<&str> {
        self.items.iter().find(|o| o.article == article).and_then(|o| o.label.as_deref())
    }
}

/// Removes what would leak the label or drown the content in a Usenet post: the header block,
/// quoted lines and attributions, and the signature (as scikit-learn's `remove=` options do). Text without
/// a header block is not a Usenet post (a news article may well say "he said:") and is left as it is.
pub fn clean_usenet(post: &str) -> String {
    let body = match post.find("\n\n") {
        Some(i) if post[..i].lines().all(|l| l.contains(':') || l.starts_with([' ', '\t'])) => &post[i + 2..],
        _ => return post.trim().to_string(),
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
    /// 95 % bootstrap interval of the mean nDCG over queries.
    pub ndcg_low: f64,
    pub ndcg_high: f64,
    pub mrr: f64,
    /// nDCG minus dense-only's on the same queries, with its 95 % paired-bootstrap interval.
    pub vs_dense: f64,
    pub vs_dense_low: f64,
    pub vs_dense_high: f64,
}

#[derive(Clone, Debug, Serialize, ts_rs::TS)]
pub struct EvalReport {
    pub model_id: String,
    pub documents: usize,
    /// Articles with a label or graded relevance (the others are distractors only).
    pub queries: usize,
    /// Posts left empty after cleaning (not used).
    pub skipped: usize,
    pub k: usize,
    pub rows: Vec<EvalRow>,
}

/// Precision@k, nDCG@k (binary gains) and reciprocal rank of one ranked list.
pub fn metrics(relevant: &[bool], total_relevant: usize, k: usize) -> (f64, f64, f64) {
    let gains: Vec<f64> = relevant.iter().map(|&r| if r { 1.0 } else { 0.0 }).collect();
    graded_metrics(&gains, &vec![1.0; total_relevant], k)
}

/// Precision@k, nDCG@k and reciprocal rank with graded gains: `gains` of the ranked list, `all` the gains of
/// every candidate (for the ideal ranking). Precision and rank count gains of at least [`RELEVANT_GAIN`].
pub fn graded_metrics(gains: &[f64], all: &[f64], k: usize) -> (f64, f64, f64) {
    let top = &gains[..gains.len().min(k)];
    let discount = |i: usize| 1.0 / (i as f64 + 2.0).log2();
    let hits = top.iter().filter(|&&g| g >= RELEVANT_GAIN).count();
    let dcg: f64 = top.iter().enumerate().map(|(i, g)| g * discount(i)).sum();
    let mut ideal: Vec<f64> = all.to_vec();
    ideal.sort_by(|a, b| b.total_cmp(a));
    let idcg: f64 = ideal.iter().take(k).enumerate().map(|(i, g)| g * discount(i)).sum();
    let rr = top.iter().position(|&g| g >= RELEVANT_GAIN).map_or(0.0, |p| 1.0 / (p as f64 + 1.0));
    (hits as f64 / k as f64, if idcg > 0.0 { dcg / idcg } else { 0.0 }, rr)
}

/// The 95 % percentile-bootstrap interval of the mean of `values` (2,000 resamples, fixed seed).
pub fn bootstrap_interval(values: &[f64]) -> (f64, f64) {
    if values.is_empty() {
        return (0.0, 0.0);
    }
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        // xorshift64*: reproducible and good enough for resampling indices.
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        state.wrapping_mul(0x2545_F491_4F6C_DD1D)
    };
    let n = values.len();
    let mut means: Vec<f64> =
        (0..2000).map(|_| (0..n).map(|_| values[(next() % n as u64) as usize]).sum::<f64>() / n as f64).collect();
    means.sort_by(f64::total_cmp);
    (means[50], means[1949])
}

/// Name of the dense-only row (the baseline of the paired differences).
pub const DENSE_ROW: &str = "dense";

/// Name of the row for `RankOptions::default()`.
pub const DEFAULT_ROW: &str = "hybrid default (weighted w_dense=0.85)";

/// The configurations compared: the two single retrievers, both fusions, and the default pipeline.
pub fn configurations() -> Vec<(String, RankOptions)> {
    let base = RankOptions { mmr_lambda: None, duplicate_threshold: f32::INFINITY, ..RankOptions::default() };
    let mut out = vec![
        ("bm25".to_string(), RankOptions { method: Method::Bm25, ..base.clone() }),
        (DENSE_ROW.to_string(), RankOptions { method: Method::Dense, ..base.clone() }),
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

/// Loads an evaluation corpus into a fresh in-memory library and indexes it; also returns how many lines
/// were left empty after cleaning.
fn load(
    emb: &Embedder,
    dataset: &Path,
    reporter: &dyn Reporter,
    cancel: &CancelToken,
) -> Result<(Library, Corpus, usize)> {
    let text = std::fs::read_to_string(dataset).map_err(|e| Error::io(format!("reading {}", dataset.display()), e))?;
    let mut lib = Library::open_in_memory()?;
    let mut items = Vec::new();
    let mut keys: HashMap<String, i64> = HashMap::new();
    let mut graded: Vec<HashMap<String, f64>> = Vec::new();
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
        if let Some(key) = line.id {
            keys.insert(key, article.id);
        }
        items.push(Item { article: article.id, label: line.label, relevance: HashMap::new() });
        graded.push(line.relevance);
    }
    for (item, relevance) in items.iter_mut().zip(graded) {
        item.relevance = relevance.into_iter().filter_map(|(key, gain)| Some((*keys.get(&key)?, gain))).collect();
    }
    index_library(&mut lib, emb, reporter, cancel)?;
    Ok((lib, Corpus { items }, skipped))
}

/// (P@k, nDCG@k, RR) of item `i`'s suggestions.
fn score(corpus: &Corpus, i: usize, result: &crate::RelatedResult, k: usize) -> (f64, f64, f64) {
    let gains: Vec<f64> = result.suggestions.iter().map(|s| corpus.gain(i, s.id)).collect();
    let me = corpus.items[i].article;
    let all: Vec<f64> = corpus
        .items
        .iter()
        .filter(|o| o.article != me)
        .map(|o| corpus.gain(i, o.article))
        .filter(|g| *g > 0.0)
        .collect();
    graded_metrics(&gains, &all, k)
}

pub fn run(
    emb: Embedder,
    dataset: &Path,
    k: usize,
    reporter: &dyn Reporter,
    cancel: &CancelToken,
) -> Result<EvalReport> {
    run_configurations(emb, dataset, k, configurations(), reporter, cancel)
}

/// [`run`] with chosen configurations (named as [`configurations`] names them).
pub fn run_configurations(
    emb: Embedder,
    dataset: &Path,
    k: usize,
    configurations: Vec<(String, RankOptions)>,
    reporter: &dyn Reporter,
    cancel: &CancelToken,
) -> Result<EvalReport> {
    let (lib, corpus, skipped) = load(&emb, dataset, reporter, cancel)?;
    let queries: Vec<usize> = (0..corpus.items.len()).filter(|&i| corpus.is_query(i)).collect();
    let model_id = emb.model_id().to_string();
    let mut rec = Recommender::new(emb);
    let mut rows = Vec::new();
    let mut per_query: Vec<Vec<f64>> = Vec::new();
    for (name, mut opts) in configurations {
        opts.k = k;
        let (mut p, mut mrr) = (0.0, 0.0);
        let mut ndcg = Vec::with_capacity(queries.len());
        for &i in &queries {
            cancel.check()?;
            let result = rec.for_article(&lib, corpus.items[i].article, &opts)?;
            let (a, b, c) = score(&corpus, i, &result, k);
            p += a;
            ndcg.push(b);
            mrr += c;
        }
        let n = queries.len().max(1) as f64;
        let (ndcg_low, ndcg_high) = bootstrap_interval(&ndcg);
        rows.push(EvalRow {
            method: name,
            precision: p / n,
            ndcg: ndcg.iter().sum::<f64>() / n,
            ndcg_low,
            ndcg_high,
            mrr: mrr / n,
            vs_dense: 0.0,
            vs_dense_low: 0.0,
            vs_dense_high: 0.0,
        });
        per_query.push(ndcg);
    }
    if let Some(dense) = rows.iter().position(|r| r.method == DENSE_ROW) {
        for (row, ndcg) in rows.iter_mut().zip(&per_query) {
            let diff: Vec<f64> = ndcg.iter().zip(&per_query[dense]).map(|(a, b)| a - b).collect();
            row.vs_dense = diff.iter().sum::<f64>() / diff.len().max(1) as f64;
            (row.vs_dense_low, row.vs_dense_high) = bootstrap_interval(&diff);
        }
    }
    Ok(EvalReport { model_id, documents: corpus.items.len(), queries: queries.len(), skipped, k, rows })
}

#[derive(Clone, Debug, Serialize, ts_rs::TS)]
pub struct HeldOut {
    /// The set left out.
    pub dataset: String,
    /// The configuration with the best mean nDCG over the other sets.
    pub chosen: String,
    /// Its nDCG on the set left out, and the default's.
    pub ndcg: f64,
    pub default_ndcg: f64,
}

/// Leave-one-set-out cross-validation of the configuration: for each set, the configuration that ranks best
/// on the other sets (mean nDCG) and what it scores on this one. `reports` are (name, report) per set.
pub fn leave_one_set_out(reports: &[(String, EvalReport)]) -> Vec<HeldOut> {
    let Some((_, first)) = reports.first() else { return Vec::new() };
    let methods: Vec<&str> = first.rows.iter().map(|r| r.method.as_str()).collect();
    let ndcg =
        |report: &EvalReport, method: &str| report.rows.iter().find(|r| r.method == method).map_or(0.0, |r| r.ndcg);
    reports
        .iter()
        .enumerate()
        .map(|(i, (name, held))| {
            let others: Vec<&EvalReport> =
                reports.iter().enumerate().filter(|(j, _)| *j != i).map(|(_, r)| &r.1).collect();
            let mean = |m: &str| others.iter().map(|r| ndcg(r, m)).sum::<f64>() / others.len().max(1) as f64;
            let chosen = methods.iter().copied().max_by(|a, b| mean(a).total_cmp(&mean(b))).unwrap_or(DEFAULT_ROW);
            HeldOut {
                dataset: name.clone(),
                chosen: chosen.to_string(),
                ndcg: ndcg(held, chosen),
                default_ndcg: ndcg(held, DEFAULT_ROW),
            }
        })
        .collect()
}

/// The weights of learning from use that the simulation compares (0 = content only).
pub const CO_USE_WEIGHTS: [f64; 7] = [0.0, 0.1, 0.2, 0.35, 0.5, 0.75, 1.0];

#[derive(Clone, Debug, Serialize, ts_rs::TS)]
pub struct UseRow {
    pub co_use_weight: f64,
    /// Mean nDCG@k over held-out queries that some session used (warm), that none used (cold), and all.
    pub ndcg_warm: f64,
    pub ndcg_cold: f64,
    pub ndcg_all: f64,
}

#[derive(Clone, Debug, Serialize, ts_rs::TS)]
pub struct UseFold {
    /// The weight that scored best on the other fold's queries.
    pub chosen_weight: f64,
    /// This fold's mean nDCG@k with content only and with the chosen weight.
    pub ndcg_content: f64,
    pub ndcg_with_use: f64,
    pub queries: usize,
}

#[derive(Clone, Debug, Serialize, ts_rs::TS)]
pub struct UseReport {
    pub model_id: String,
    pub documents: usize,
    pub k: usize,
    /// Simulated writing sessions (one per story article) and the uses they recorded.
    pub sessions: usize,
    pub uses: u64,
    pub warm_queries: usize,
    pub cold_queries: usize,
    pub rows: Vec<UseRow>,
    /// Two-fold cross-validation of the weight over the held-out queries.
    pub folds: Vec<UseFold>,
}

/// Learning from use, measured with simulated use. Every other article (by position) is a story a reporter
/// writes; the rest are held out as queries. In each story's session the reporter reads its Related panel
/// (content ranking only, top 10) and links the first three suggestions on the story's topic, and in one
/// session of five also one off-topic suggestion (people link things for reasons a label does not know).
/// Then every held-out article is queried with each weight of [`CO_USE_WEIGHTS`]; relevant = same label.
/// Queries that no session used ("cold") must rank exactly as with content alone.
pub fn simulate_use(
    emb: Embedder,
    dataset: &Path,
    k: usize,
    reporter: &dyn Reporter,
    cancel: &CancelToken,
) -> Result<UseReport> {
    use byline_library::usage::{self, UsageKind};
    let (lib, corpus, _) = load(&emb, dataset, reporter, cancel)?;
    if corpus.items.iter().any(|i| i.label.is_none()) {
        return Err(Error::InvalidInput("the simulation of use needs a label on every line".into()));
    }
    let labels: Vec<(i64, String)> =
        corpus.items.iter().map(|i| (i.article, i.label.clone().unwrap_or_default())).collect();
    let model_id = emb.model_id().to_string();
    let mut rec = Recommender::new(emb);
    let content =
        RankOptions { k: 10, co_use_weight: 0.0, duplicate_threshold: f32::INFINITY, ..RankOptions::default() };
    let label_of = |id: i64| corpus.label(id);
    let stories: Vec<&(i64, String)> = labels.iter().step_by(2).collect();
    let queries: Vec<usize> = (1..labels.len()).step_by(2).collect();
    for (n, (story, label)) in stories.iter().enumerate() {
        cancel.check()?;
        let shown = rec.for_article(&lib, *story, &content)?.suggestions;
        let on_topic = shown.iter().filter(|s| label_of(s.id) == Some(label.as_str())).take(3);
        let off_topic = shown.iter().find(|s| label_of(s.id) != Some(label.as_str())).filter(|_| n % 5 == 4);
        for s in on_topic.chain(off_topic) {
            usage::record(lib.connection(), *story, s.id, UsageKind::Link)?;
        }
    }
    let uses = usage::count(lib.connection())?;
    let used: std::collections::HashSet<i64> =
        usage::all(lib.connection())?.into_iter().map(|(_, used, _, _)| used).collect();
    // nDCG of every query under every weight.
    let mut ndcg = vec![vec![0.0; queries.len()]; CO_USE_WEIGHTS.len()];
    for (w, weight) in CO_USE_WEIGHTS.iter().enumerate() {
        let opts = RankOptions { k, co_use_weight: *weight, ..content.clone() };
        for (q, &i) in queries.iter().enumerate() {
            cancel.check()?;
            let result = rec.for_article(&lib, corpus.items[i].article, &opts)?;
            ndcg[w][q] = score(&corpus, i, &result, k).1;
        }
    }
    let mean = |w: usize, pick: &dyn Fn(usize) -> bool| {
        let v: Vec<f64> = (0..queries.len()).filter(|&q| pick(q)).map(|q| ndcg[w][q]).collect();
        if v.is_empty() { 0.0 } else { v.iter().sum::<f64>() / v.len() as f64 }
    };
    let warm = |q: usize| used.contains(&corpus.items[queries[q]].article);
    let rows = CO_USE_WEIGHTS
        .iter()
        .enumerate()
        .map(|(w, &co_use_weight)| UseRow {
            co_use_weight,
            ndcg_warm: mean(w, &warm),
            ndcg_cold: mean(w, &|q| !warm(q)),
            ndcg_all: mean(w, &|_| true),
        })
        .collect();
    let folds = (0..2)
        .map(|fold| {
            let other = |q: usize| q % 2 != fold;
            let best = (0..CO_USE_WEIGHTS.len())
                .max_by(|&a, &b| mean(a, &other).total_cmp(&mean(b, &other)).then(b.cmp(&a)))
                .unwrap_or(0);
            let this = |q: usize| q % 2 == fold;
            UseFold {
                chosen_weight: CO_USE_WEIGHTS[best],
                ndcg_content: mean(0, &this),
                ndcg_with_use: mean(best, &this),
                queries: (0..queries.len()).filter(|&q| this(q)).count(),
            }
        })
        .collect();
    Ok(UseReport {
        model_id,
        documents: labels.len(),
        k,
        sessions: stories.len(),
        uses,
        warm_queries: (0..queries.len()).filter(|&q| warm(q)).count(),
        cold_queries: (0..queries.len()).filter(|&q| !warm(q)).count(),
        rows,
        folds,
    })
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
