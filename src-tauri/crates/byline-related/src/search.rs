//! Nearest-neighbour search over normalised vectors. Behind a trait so an ANN index (HNSW, IVF)
//! can replace the brute-force scan once libraries outgrow it (~1M passages).

/// A scored key (an article id).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Scored {
    pub key: i64,
    pub score: f32,
}

pub trait VectorIndex: Send + Sync {
    fn len(&self) -> usize;
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    fn dim(&self) -> usize;
    /// The `k` keys whose vectors have the largest dot product with `query`, best first.
    fn search(&self, query: &[f32], k: usize) -> Vec<Scored>;
    /// Dot product with every stored vector, in insertion order (for fusion over all candidates).
    fn score_all(&self, query: &[f32]) -> Vec<Scored>;
    /// The stored vector of a key, if present.
    fn vector(&self, key: i64) -> Option<&[f32]>;
}

/// Dot product written over fixed-width chunks so the compiler emits SIMD (no `unsafe`).
#[inline]
pub fn dot(a: &[f32], b: &[f32]) -> f32 {
    let mut acc = [0f32; 8];
    let (ca, cb) = (a.chunks_exact(8), b.chunks_exact(8));
    let (ra, rb) = (ca.remainder(), cb.remainder());
    for (x, y) in ca.zip(cb) {
        for i in 0..8 {
            acc[i] += x[i] * y[i];
        }
    }
    let tail: f32 = ra.iter().zip(rb).map(|(x, y)| x * y).sum();
    acc.iter().sum::<f32>() + tail
}

/// All vectors in one contiguous matrix, scanned per query.
#[derive(Default)]
pub struct BruteForce {
    dim: usize,
    keys: Vec<i64>,
    data: Vec<f32>,
    position: std::collections::HashMap<i64, usize>,
}

impl BruteForce {
    pub fn new(dim: usize) -> Self {
        Self { dim, ..Self::default() }
    }

    /// Adds a vector; vectors of the wrong dimension (another model's) are ignored.
    pub fn add(&mut self, key: i64, vector: &[f32]) {
        if vector.len() != self.dim {
            return;
        }
        self.position.insert(key, self.keys.len());
        self.keys.push(key);
        self.data.extend_from_slice(vector);
    }

    pub fn from_pairs(dim: usize, pairs: impl IntoIterator<Item = (i64, Vec<f32>)>) -> Self {
        let mut index = Self::new(dim);
        for (key, v) in pairs {
            index.add(key, &v);
        }
        index
    }
}

impl VectorIndex for BruteForce {
    fn len(&self) -> usize {
        self.keys.len()
    }

    fn dim(&self) -> usize {
        self.dim
    }

    fn score_all(&self, query: &[f32]) -> Vec<Scored> {
        if query.len() != self.dim || self.dim == 0 {
            return Vec::new();
        }
        self.data
            .chunks_exact(self.dim)
            .zip(&self.keys)
            .map(|(row, &key)| Scored { key, score: dot(row, query) })
            .collect()
    }

    fn search(&self, query: &[f32], k: usize) -> Vec<Scored> {
        let mut all = self.score_all(query);
        if k < all.len() {
            // Partial selection first: O(n) instead of sorting every score.
            all.select_nth_unstable_by(k, |a, b| b.score.total_cmp(&a.score));
            all.truncate(k);
        }
        all.sort_by(|a, b| b.score.total_cmp(&a.score));
        all
    }

    fn vector(&self, key: i64) -> Option<&[f32]> {
        let &i = self.position.get(&key)?;
        self.data.get(i * self.dim..(i + 1) * self.dim)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dot_matches_the_plain_sum_for_odd_lengths() {
        let a: Vec<f32> = (0..19).map(|i| i as f32 * 0.5).collect();
        let b: Vec<f32> = (0..19).map(|i| 1.0 - i as f32 * 0.1).collect();
        let plain: f32 = a.iter().zip(&b).map(|(x, y)| x * y).sum();
        assert!((dot(&a, &b) - plain).abs() < 1e-4);
    }

    #[test]
    fn search_returns_the_best_keys_in_order() {
        let index = BruteForce::from_pairs(
            2,
            vec![(1, vec![1.0, 0.0]), (2, vec![0.0, 1.0]), (3, vec![0.6, 0.8]), (4, vec![1.0])],
        );
        assert_eq!(index.len(), 3, "the wrong-dimension vector is ignored");
        let hits = index.search(&[1.0, 0.0], 2);
        assert_eq!(hits.iter().map(|h| h.key).collect::<Vec<_>>(), vec![1, 3]);
        assert_eq!(index.vector(2), Some(&[0.0f32, 1.0][..]));
        assert!(index.search(&[1.0, 0.0, 0.0], 2).is_empty());
    }
}
