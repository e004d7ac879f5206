//! Agglomerative clustering of embeddings by cosine similarity with average linkage: the two most similar
//! clusters merge until a given number is left or no pair is more similar than a threshold. Each row keeps
//! its most similar partner, so a merge rescans only the rows that pointed at one of the merged clusters.

/// Cosine similarity of two L2-normalised vectors.
pub fn cosine(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// Scales `v` to unit length (a zero vector stays zero).
pub fn normalise(v: &mut [f32]) {
    let n = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    if n > 0.0 {
        v.iter_mut().for_each(|x| *x /= n);
    }
}

/// When to stop merging.
#[derive(Clone, Copy, Debug)]
pub enum Stop {
    /// Exactly this many clusters (fewer only when there are fewer items).
    Count(usize),
    /// Until no two clusters are more similar than this (average cosine similarity).
    Threshold(f32),
}

/// Cluster labels (0, 1, … in order of first appearance) of `items` (unit vectors), each weighted by
/// `weights` (their durations) when clusters are averaged.
pub fn agglomerate(items: &[Vec<f32>], weights: &[f32], stop: Stop) -> Vec<usize> {
    let n = items.len();
    if n == 0 {
        return Vec::new();
    }
    let mut sim = vec![0.0f32; n * n];
    for i in 0..n {
        for j in i + 1..n {
            let s = cosine(&items[i], &items[j]);
            sim[i * n + j] = s;
            sim[j * n + i] = s;
        }
    }
    let mut alive = vec![true; n];
    let mut weight: Vec<f32> = weights.iter().map(|w| w.max(1e-3)).collect();
    let mut parent: Vec<usize> = (0..n).collect();
    let best_of = |i: usize, sim: &[f32], alive: &[bool]| -> (f32, usize) {
        let mut best = (f32::NEG_INFINITY, usize::MAX);
        for j in 0..n {
            if j != i && alive[j] && sim[i * n + j] > best.0 {
                best = (sim[i * n + j], j);
            }
        }
        best
    };
    let mut best: Vec<(f32, usize)> = (0..n).map(|i| best_of(i, &sim, &alive)).collect();
    let mut clusters = n;
    loop {
        let done = match stop {
            Stop::Count(k) => clusters <= k.max(1),
            Stop::Threshold(_) => clusters <= 1,
        };
        if done {
            break;
        }
        let Some(i) =
            (0..n).filter(|&i| alive[i] && best[i].1 != usize::MAX).max_by(|&a, &b| best[a].0.total_cmp(&best[b].0))
        else {
            break;
        };
        let (s, j) = best[i];
        if let Stop::Threshold(t) = stop
            && s < t
        {
            break;
        }
        // j joins i.
        let (wi, wj) = (weight[i], weight[j]);
        for m in 0..n {
            if alive[m] && m != i && m != j {
                let merged = (wi * sim[i * n + m] + wj * sim[j * n + m]) / (wi + wj);
                sim[i * n + m] = merged;
                sim[m * n + i] = merged;
            }
        }
        alive[j] = false;
        weight[i] = wi + wj;
        parent[j] = i;
        clusters -= 1;
        for m in 0..n {
            if !alive[m] {
                continue;
            }
            if m == i || best[m].1 == i || best[m].1 == j {
                best[m] = best_of(m, &sim, &alive);
            } else if sim[m * n + i] > best[m].0 {
                best[m] = (sim[m * n + i], i);
            }
        }
    }
    let root = |mut k: usize| {
        while parent[k] != k {
            k = parent[k];
        }
        k
    };
    let mut names: Vec<(usize, usize)> = Vec::new();
    (0..n)
        .map(|k| {
            let r = root(k);
            match names.iter().find(|(root, _)| *root == r) {
                Some((_, name)) => *name,
                None => {
                    names.push((r, names.len()));
                    names.len() - 1
                }
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit(v: &[f32]) -> Vec<f32> {
        let mut v = v.to_vec();
        normalise(&mut v);
        v
    }

    #[test]
    fn groups_by_direction_with_threshold_or_count() {
        let items =
            vec![unit(&[1.0, 0.1, 0.0]), unit(&[0.0, 1.0, 0.1]), unit(&[1.0, 0.0, 0.1]), unit(&[0.1, 1.0, 0.0])];
        let w = vec![1.0; 4];
        assert_eq!(agglomerate(&items, &w, Stop::Threshold(0.5)), vec![0, 1, 0, 1]);
        assert_eq!(agglomerate(&items, &w, Stop::Count(1)), vec![0, 0, 0, 0]);
        assert_eq!(agglomerate(&items, &w, Stop::Count(4)), vec![0, 1, 2, 3]);
        assert!(agglomerate(&[], &[], Stop::Count(2)).is_empty());
    }
}
