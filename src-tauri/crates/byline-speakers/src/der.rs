//! Diarization error rate with the standard definition (NIST RT, pyannote.metrics' defaults: no collar,
//! overlapped speech scored): (missed speech + false alarm + speaker confusion) / reference speech time,
//! after the one-to-one mapping of hypothesis speakers to reference speakers that maximises their overlap.
//! Computed on a 10 ms grid.

use byline_core::{Error, Result};

/// A stretch of speech by one speaker.
#[derive(Clone, Debug, PartialEq)]
pub struct Labelled {
    pub start: f64,
    pub end: f64,
    pub speaker: String,
}

/// The speaker turns of `uri` in an RTTM file (`SPEAKER uri channel start duration <NA> <NA> name ...`).
pub fn parse_rttm(text: &str, uri: &str) -> Result<Vec<Labelled>> {
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let f: Vec<&str> = line.split_whitespace().collect();
        if f.first() != Some(&"SPEAKER") || f.get(1) != Some(&uri) {
            continue;
        }
        let num = |i: usize| -> Result<f64> {
            f.get(i)
                .and_then(|v| v.parse::<f64>().ok())
                .ok_or_else(|| Error::InvalidInput(format!("RTTM line {}: field {} is not a number", n + 1, i + 1)))
        };
        let (start, dur) = (num(3)?, num(4)?);
        let speaker = f.get(7).ok_or_else(|| Error::InvalidInput(format!("RTTM line {}: no speaker", n + 1)))?;
        out.push(Labelled { start, end: start + dur, speaker: (*speaker).to_owned() });
    }
    Ok(out)
}

/// The parts of a diarization error rate, in seconds.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Der {
    pub reference: f64,
    pub missed: f64,
    pub false_alarm: f64,
    pub confusion: f64,
}

impl Der {
    pub fn rate(&self) -> f64 {
        if self.reference > 0.0 { (self.missed + self.false_alarm + self.confusion) / self.reference } else { 0.0 }
    }

    /// Sums the parts of several recordings (a corpus-level rate).
    pub fn add(&mut self, other: &Der) {
        self.reference += other.reference;
        self.missed += other.missed;
        self.false_alarm += other.false_alarm;
        self.confusion += other.confusion;
    }
}

const STEP: f64 = 0.01;

/// Scores `hypothesis` against `reference` over `[0, until]`.
pub fn score(reference: &[Labelled], hypothesis: &[Labelled], until: f64) -> Der {
    let frames = (until / STEP).round().max(0.0) as usize;
    let names = |turns: &[Labelled]| {
        let mut v: Vec<String> = turns.iter().map(|t| t.speaker.clone()).collect();
        v.sort();
        v.dedup();
        v
    };
    let (rn, hn) = (names(reference), names(hypothesis));
    let grid = |turns: &[Labelled], names: &[String]| {
        let mut g = vec![0u64; frames];
        for t in turns {
            let bit = 1u64 << names.iter().position(|n| *n == t.speaker).unwrap_or(0).min(63);
            let (a, b) = (
                ((t.start / STEP).round().max(0.0) as usize).min(frames),
                ((t.end / STEP).round() as usize).min(frames),
            );
            g[a..b.max(a)].iter_mut().for_each(|f| *f |= bit);
        }
        g
    };
    let (rg, hg) = (grid(reference, &rn), grid(hypothesis, &hn));
    // Overlap (in frames) of every reference speaker with every hypothesis speaker.
    let mut overlap = vec![vec![0u64; hn.len()]; rn.len()];
    for (r, h) in rg.iter().zip(&hg) {
        for (i, row) in overlap.iter_mut().enumerate() {
            if r >> i & 1 == 1 {
                for (j, o) in row.iter_mut().enumerate() {
                    *o += h >> j & 1;
                }
            }
        }
    }
    let mapping = best_mapping(&overlap);
    let mut der = Der::default();
    for (r, h) in rg.iter().zip(&hg) {
        let (nr, nh) = (r.count_ones() as f64, h.count_ones() as f64);
        let correct =
            mapping.iter().enumerate().filter(|(i, m)| r >> i & 1 == 1 && m.is_some_and(|j| h >> j & 1 == 1)).count()
                as f64;
        der.reference += nr * STEP;
        der.missed += (nr - nh).max(0.0) * STEP;
        der.false_alarm += (nh - nr).max(0.0) * STEP;
        der.confusion += (nr.min(nh) - correct) * STEP;
    }
    der
}

/// For each reference speaker, the hypothesis speaker it maps to: the one-to-one assignment with the
/// largest total overlap (exact, by dynamic programming over sets of hypothesis speakers; greedy when
/// there are more than 16 of them).
fn best_mapping(overlap: &[Vec<u64>]) -> Vec<Option<usize>> {
    let r = overlap.len();
    let h = overlap.first().map_or(0, Vec::len);
    if h > 16 {
        let mut used = vec![false; h];
        let mut pairs: Vec<(u64, usize, usize)> =
            (0..r).flat_map(|i| (0..h).map(move |j| (i, j))).map(|(i, j)| (overlap[i][j], i, j)).collect();
        pairs.sort_by_key(|p| std::cmp::Reverse(p.0));
        let mut out = vec![None; r];
        for (o, i, j) in pairs {
            if o > 0 && out[i].is_none() && !used[j] {
                out[i] = Some(j);
                used[j] = true;
            }
        }
        return out;
    }
    // best[i][set]: the largest overlap of reference speakers i.. using hypothesis speakers outside `set`.
    let full = 1usize << h;
    let mut best = vec![vec![0u64; full]; r + 1];
    for i in (0..r).rev() {
        for set in 0..full {
            let mut b = best[i + 1][set];
            for j in 0..h {
                if set >> j & 1 == 0 {
                    b = b.max(overlap[i][j] + best[i + 1][set | 1 << j]);
                }
            }
            best[i][set] = b;
        }
    }
    let mut out = vec![None; r];
    let mut set = 0usize;
    for (i, slot) in out.iter_mut().enumerate() {
        if best[i][set] == best[i + 1][set] {
            continue;
        }
        if let Some(j) =
            (0..h).find(|&j| set >> j & 1 == 0 && overlap[i][j] + best[i + 1][set | 1 << j] == best[i][set])
        {
            *slot = Some(j);
            set |= 1 << j;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(start: f64, end: f64, s: &str) -> Labelled {
        Labelled { start, end, speaker: s.into() }
    }

    #[test]
    fn perfect_relabelled_hypothesis_scores_zero() {
        let r = [t(0.0, 5.0, "A"), t(5.0, 9.0, "B")];
        let h = [t(0.0, 5.0, "x"), t(5.0, 9.0, "y")];
        assert!(score(&r, &h, 10.0).rate() < 1e-9);
    }

    #[test]
    fn counts_miss_false_alarm_and_confusion() {
        let r = [t(0.0, 4.0, "A"), t(4.0, 8.0, "B")];
        // 1 s of A missed, 1 s false alarm after the end, B's first 2 s given to A's label.
        let h = [t(1.0, 6.0, "1"), t(6.0, 9.0, "2")];
        let d = score(&r, &h, 10.0);
        assert!((d.reference - 8.0).abs() < 1e-6);
        assert!((d.missed - 1.0).abs() < 1e-6, "{d:?}");
        assert!((d.false_alarm - 1.0).abs() < 1e-6, "{d:?}");
        assert!((d.confusion - 2.0).abs() < 1e-6, "{d:?}");
        assert!((d.rate() - 0.5).abs() < 1e-6);
    }

    #[test]
    fn overlapped_reference_speech_counts_twice() {
        let r = [t(0.0, 4.0, "A"), t(2.0, 4.0, "B")];
        let h = [t(0.0, 4.0, "1")];
        let d = score(&r, &h, 4.0);
        assert!((d.reference - 6.0).abs() < 1e-6);
        assert!((d.missed - 2.0).abs() < 1e-6);
        assert!(d.confusion.abs() < 1e-6);
    }

    #[test]
    fn reads_rttm() {
        let text = "SPEAKER a 1 0.5 1.25 <NA> <NA> Ann <NA> <NA>\nSPEAKER b 1 0 1 <NA> <NA> Bo <NA> <NA>\n";
        assert_eq!(parse_rttm(text, "a").expect("rttm"), vec![t(0.5, 1.75, "Ann")]);
        assert!(parse_rttm("SPEAKER a 1 x 1 <NA> <NA> A", "a").is_err());
    }
}
