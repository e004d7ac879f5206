//! Ranking arithmetic, independent of the database and the model: fusing the BM25 and dense
//! lists, recency weighting and maximal marginal relevance.
use serde::{Deserialize, Serialize};

/// How the BM25 and dense lists are combined.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum Fusion {
    /// Reciprocal-rank fusion: Σ 1/(k + rank). Needs no score calibration.
    Rrf { k: f32 },
    /// `w·dense + (1−w)·bm25`, each min–max normalised over the candidates.
    Weighted { dense_weight: f32 },
}

/// Which signals to use (`byline eval related` compares them).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "lowercase")]
pub enum Method {
    Bm25,
    Dense,
    Hybrid,
}

impl std::str::FromStr for Method {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "bm25" => Ok(Self::Bm25),
            "dense" => Ok(Self::Dense),
            "hybrid" => Ok(Self::Hybrid),
            _ => Err(format!("unknown method {s:?}: use bm25, dense or hybrid")),
        }
    }
}

/// One candidate article with what each retriever said about it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Candidate {
    pub id: i64,
    /// Cosine of the article vectors.
    pub dense: Option<f32>,
    /// 1-based rank in the dense list.
    pub dense_rank: Option<usize>,
    /// SQLite's bm25() (lower is better).
    pub bm25: Option<f64>,
    /// 1-based rank in the BM25 list.
    pub bm25_rank: Option<usize>,
}

fn min_max(values: impl Iterator<Item = f64> + Clone) -> (f64, f64) {
    let lo = values.clone().fold(f64::INFINITY, f64::min);
    let hi = values.fold(f64::NEG_INFINITY, f64::max);
    (lo, hi)
}

fn normalise(x: f64, (lo, hi): (f64, f64)) -> f64 {
    if hi > lo { (x - lo) / (hi - lo) } else { 1.0 }
}

/// Relevance of each candidate under a method and fusion, higher is better.
pub fn fuse(cands: &[Candidate], method: Method, fusion: Fusion) -> Vec<f64> {
    let dense_range = min_max(cands.iter().filter_map(|c| c.dense.map(f64::from)));
    let bm25_range = min_max(cands.iter().filter_map(|c| c.bm25.map(|b| -b)));
    cands
        .iter()
        .map(|c| {
            let dense = c.dense.map(|d| normalise(f64::from(d), dense_range));
            let bm25 = c.bm25.map(|b| normalise(-b, bm25_range));
            match method {
                Method::Dense => dense.unwrap_or(0.0),
                Method::Bm25 => bm25.unwrap_or(0.0),
                Method::Hybrid => match fusion {
                    Fusion::Rrf { k } => {
                        let term = |r: Option<usize>| r.map_or(0.0, |r| 1.0 / (f64::from(k) + r as f64));
                        term(c.dense_rank) + term(c.bm25_rank)
                    }
                    Fusion::Weighted { dense_weight } => {
                        let w = f64::from(dense_weight);
                        w * dense.unwrap_or(0.0) + (1.0 - w) * bm25.unwrap_or(0.0)
                    }
                },
            }
        })
        .collect()
}

/// Down-weights old articles: an article `half_life` days old keeps 75% of its (normalised)
/// relevance, a very old one 50%, so recency breaks ties without burying the archive.
pub fn recency_factor(age_days: f64, half_life_days: f64) -> f64 {
    if half_life_days <= 0.0 || !age_days.is_finite() {
        return 1.0;
    }
    0.5 + 0.5 * 0.5f64.powf(age_days.max(0.0) / half_life_days)
}

/// Maximal marginal relevance: picks `k` items trading relevance (normalised to 0..1) against
/// similarity to what is already picked. `lambda` = 1 is plain relevance order.
pub fn mmr(relevance: &[(i64, f64)], similarity: impl Fn(i64, i64) -> f32, lambda: f64, k: usize) -> Vec<(i64, f64)> {
    let range = min_max(relevance.iter().map(|r| r.1));
    let mut left: Vec<(i64, f64, f64)> = relevance.iter().map(|&(id, s)| (id, s, normalise(s, range))).collect();
    let mut picked: Vec<(i64, f64)> = Vec::new();
    while picked.len() < k && !left.is_empty() {
        let mut best = (0usize, f64::NEG_INFINITY);
        for (i, &(id, _, rel)) in left.iter().enumerate() {
            let max_sim = picked.iter().map(|&(p, _)| f64::from(similarity(id, p))).fold(0.0, f64::max);
            let value = lambda * rel - (1.0 - lambda) * max_sim;
            if value > best.1 {
                best = (i, value);
            }
        }
        let (id, score, _) = left.remove(best.0);
        picked.push((id, score));
    }
    picked
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cand(id: i64, dense: Option<(f32, usize)>, bm25: Option<(f64, usize)>) -> Candidate {
        Candidate {
            id,
            dense: dense.map(|d| d.0),
            dense_rank: dense.map(|d| d.1),
            bm25: bm25.map(|b| b.0),
            bm25_rank: bm25.map(|b| b.1),
        }
    }

    #[test]
    fn rrf_rewards_agreement_and_weighted_follows_the_weight() {
        let c = vec![
            cand(1, Some((0.9, 1)), None),
            cand(2, Some((0.5, 2)), Some((-9.0, 1))),
            cand(3, None, Some((-3.0, 2))),
        ];
        let rrf = fuse(&c, Method::Hybrid, Fusion::Rrf { k: 60.0 });
        assert!(rrf[1] > rrf[0] && rrf[0] > rrf[2], "{rrf:?}");
        let dense_heavy = fuse(&c, Method::Hybrid, Fusion::Weighted { dense_weight: 0.9 });
        assert!(dense_heavy[0] > dense_heavy[2]);
        let bm25_heavy = fuse(&c, Method::Hybrid, Fusion::Weighted { dense_weight: 0.1 });
        assert!(bm25_heavy[1] > bm25_heavy[0]);
        assert_eq!(fuse(&c, Method::Bm25, Fusion::Rrf { k: 60.0 })[0], 0.0);
    }

    #[test]
    fn mmr_skips_a_near_copy_of_the_first_pick() {
        let rel = vec![(1, 1.0), (2, 0.95), (3, 0.9), (4, 0.0)];
        let sim = |a: i64, b: i64| if a.min(b) == 1 && a.max(b) == 2 { 0.99 } else { 0.1 };
        let order: Vec<i64> = mmr(&rel, sim, 0.7, 4).into_iter().map(|p| p.0).collect();
        assert_eq!(order, vec![1, 3, 2, 4]);
        let plain: Vec<i64> = mmr(&rel, sim, 1.0, 4).into_iter().map(|p| p.0).collect();
        assert_eq!(plain, vec![1, 2, 3, 4]);
    }

    #[test]
    fn recency_halves_at_most() {
        assert_eq!(recency_factor(0.0, 30.0), 1.0);
        assert!((recency_factor(30.0, 30.0) - 0.75).abs() < 1e-9);
        assert!(recency_factor(10_000.0, 30.0) >= 0.5);
        assert_eq!(recency_factor(5.0, 0.0), 1.0);
    }
}
