//! The quote-check benchmark: a library of generated transcripts (words drawn from a Zipf-distributed
//! vocabulary at 150 words a minute, as in speech, so common words have the long postings real ones do), and
//! quotes taken from them (some altered, some absent), checked the way the editor checks a draft.

use std::time::Instant;

use byline_core::Result;
use byline_transcribe::store::{self as tstore, Recording};
use byline_transcribe::{Options, Segment, Transcript, Word};
use rusqlite::Connection;
use serde::Serialize;

use crate::{Corpus, Verdict, check_text};

/// A small deterministic generator (xorshift), so every run checks the same library.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// A word index with probability about 1/(rank+1) (Zipf), out of `n`.
    fn zipf(&mut self, n: usize) -> usize {
        let u = (self.next() % 1_000_000) as f64 / 1_000_000.0;
        (((n as f64 + 1.0).powf(u) - 1.0) as usize).min(n - 1)
    }
}

fn vocabulary(n: usize) -> Vec<String> {
    const SYLLABLES: [&str; 16] =
        ["ka", "lo", "mi", "ren", "tas", "vo", "pel", "dri", "nu", "sam", "er", "ti", "gor", "bel", "an", "us"];
    (0..n)
        .map(|i| {
            let mut w = String::new();
            let mut k = i + 1;
            while k > 0 {
                w.push_str(SYLLABLES[k % 16]);
                k /= 16;
            }
            w
        })
        .collect()
}

/// Writes `hours` of generated transcripts (one per hour) into the library; returns every transcript's words.
pub fn generate_transcripts(conn: &Connection, hours: usize) -> Result<Vec<Vec<String>>> {
    let vocab = vocabulary(20_000);
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut all = Vec::new();
    for h in 0..hours {
        let mut segments = Vec::new();
        let mut said = Vec::new();
        let mut t = 0.0;
        while t < 3600.0 {
            let mut words = Vec::new();
            for _ in 0..12 {
                let text = vocab[rng.zipf(vocab.len())].clone();
                words.push(Word { start: t, end: t + 0.3, text: text.clone(), p: 0.9 });
                said.push(text);
                t += 0.4;
            }
            let text = words.iter().map(|w| w.text.as_str()).collect::<Vec<_>>().join(" ");
            segments.push(Segment { start: words[0].start, end: t, text, speaker: None, words });
        }
        let transcript = Transcript {
            language: Some("en".into()),
            duration_s: 3600.0,
            segments,
            notes: Vec::new(),
            voices: Vec::new(),
        };
        let rec = Recording { path: format!("hour-{h}.wav"), sha256: format!("{h:064x}"), duration_s: 3600.0 };
        tstore::save(conn, &rec, "generated", &Options::default(), &transcript)?;
        all.push(said);
    }
    Ok(all)
}

/// A draft with `quotes` quotes of 8–20 words: most as said, some with a word changed, some never said.
pub fn generate_draft(said: &[Vec<String>], quotes: usize) -> String {
    let mut rng = Rng(0xD1B5_4A32_D192_ED03);
    let mut draft = String::new();
    for q in 0..quotes {
        let len = 8 + (rng.next() % 13) as usize;
        let mut words: Vec<String> = if q % 10 == 9 {
            (0..len).map(|i| format!("absent{q}x{i}")).collect()
        } else {
            let doc = &said[(rng.next() as usize) % said.len()];
            let at = (rng.next() as usize) % (doc.len() - len);
            doc[at..at + len].to_vec()
        };
        if q % 5 == 3 {
            let i = (rng.next() as usize) % len;
            words[i] = format!("{}x", words[i]);
        }
        draft.push_str(&format!("The source said “{}”, and more.\n\n", words.join(" ")));
    }
    draft
}

#[derive(Debug, Serialize, ts_rs::TS)]
pub struct BenchReport {
    pub hours: usize,
    pub transcript_words: usize,
    pub quotes: usize,
    /// Loading every transcript from the library and indexing it (once, then kept).
    pub index_ms: f64,
    /// Checking every quote of the draft, median and range of the runs.
    pub check_ms_median: f64,
    pub check_ms_min: f64,
    pub check_ms_max: f64,
    pub verdicts: [usize; 4],
}

/// Generates the library and the draft, indexes once, and checks the draft `runs` times.
pub fn run(conn: &Connection, hours: usize, quotes: usize, runs: usize) -> Result<BenchReport> {
    let said = generate_transcripts(conn, hours)?;
    let draft = generate_draft(&said, quotes);
    let started = Instant::now();
    let corpus = Corpus::load(conn)?;
    let index_ms = started.elapsed().as_secs_f64() * 1000.0;
    let mut times = Vec::new();
    let mut verdicts = [0; 4];
    for _ in 0..runs.max(1) {
        let t = Instant::now();
        let (checks, _) = check_text(&corpus, &draft);
        times.push(t.elapsed().as_secs_f64() * 1000.0);
        verdicts = [0; 4];
        for c in &checks {
            verdicts[match c.verdict {
                Verdict::Verbatim => 0,
                Verdict::Close => 1,
                Verdict::Altered => 2,
                Verdict::NotFound => 3,
            }] += 1;
        }
    }
    times.sort_by(f64::total_cmp);
    Ok(BenchReport {
        hours,
        transcript_words: corpus.len(),
        quotes,
        index_ms,
        check_ms_median: times[times.len() / 2],
        check_ms_min: times[0],
        check_ms_max: times[times.len() - 1],
        verdicts,
    })
}
