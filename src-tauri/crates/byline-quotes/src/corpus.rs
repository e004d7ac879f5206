//! The library's transcripts as one index of timed, normalised words, and quotes checked against it.
//!
//! Candidates come from the quote's rarest words: each occurrence votes for where the quote would start in
//! that transcript, and only the best-voted stretches are aligned word by word ([`crate::align`]), so a check
//! costs the same whatever the size of the library's rare-word postings, not its length.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use byline_core::Result;
use byline_transcribe::store::{self as tstore, StoredTranscript};
use rusqlite::Connection;
use serde::Serialize;

use crate::align::{Alignment, Change, Verdict, align, verdict};
use crate::detect::{Quote, find_quotes};
use crate::normal::{Token, normalise_words};
use crate::reason::{QuoteReason, QuoteWarning};

/// Where a quote was said.
#[derive(Clone, Debug, PartialEq, Serialize, ts_rs::TS)]
pub struct Heard {
    pub transcript_id: i64,
    /// The recording: its path and the SHA-256 recorded when it was transcribed (chain of custody).
    pub recording: String,
    pub sha256: String,
    pub speaker: Option<String>,
    /// Seconds into the recording.
    pub start: f64,
    pub end: f64,
    /// The transcript's words for that stretch, as transcribed.
    pub text: String,
}

/// A quote and how it compares with the recordings.
#[derive(Clone, Debug, PartialEq, Serialize, ts_rs::TS)]
pub struct QuoteCheck {
    pub quote: Quote,
    pub verdict: Verdict,
    pub heard: Option<Heard>,
    pub changes: Vec<Change>,
    /// Why the verdict, as data (the app words them in the interface's language).
    pub reasons: Vec<QuoteReason>,
    /// Why the verdict, in an English sentence (the CLI, logs).
    pub reason: String,
}

/// Narrows a quote-bank search.
#[derive(Clone, Debug, Default)]
pub struct SearchFilter {
    pub transcript_id: Option<i64>,
    /// Part of the speaker's name, any case.
    pub speaker: Option<String>,
    /// Transcribed on or after / before this day (`YYYY-MM-DD`).
    pub from: Option<String>,
    pub to: Option<String>,
    /// Word for word only.
    pub exact: bool,
}

struct DocWord {
    norm: String,
    start: f64,
    end: f64,
    /// The transcript word this token comes from (a Han word gives several tokens) and its text.
    word: u32,
    text: String,
    speaker: Option<u32>,
}

struct Doc {
    id: i64,
    recording: String,
    sha256: String,
    created_at: String,
    words: Vec<DocWord>,
}

/// Every transcript's words, indexed.
#[derive(Default)]
pub struct Corpus {
    docs: Vec<Doc>,
    speakers: Vec<String>,
    postings: HashMap<String, Vec<(u32, u32)>>,
}

/// Occurrences above which a word is too common to anchor a search (unless nothing rarer is in the quote).
const COMMON: usize = 5_000;
/// Stretches aligned per fragment.
const CANDIDATES: usize = 6;

impl Corpus {
    /// Indexes every transcript in the library: the raw words (which edits never touch) and, from the edited
    /// copy, the speaker names.
    pub fn load(conn: &Connection) -> Result<Self> {
        let mut corpus = Self::default();
        for summary in tstore::list(conn)? {
            corpus.add(&tstore::get(conn, summary.id)?);
        }
        Ok(corpus)
    }

    /// Words indexed.
    pub fn len(&self) -> usize {
        self.docs.iter().map(|d| d.words.len()).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn add(&mut self, t: &StoredTranscript) {
        let doc_index = self.docs.len() as u32;
        let same_shape = t.edited.segments.len() == t.raw.segments.len();
        let mut words = Vec::new();
        let mut word_index = 0u32;
        for (i, segment) in t.raw.segments.iter().enumerate() {
            let name = if same_shape { t.edited.segments[i].speaker.as_ref() } else { segment.speaker.as_ref() };
            let speaker = name.map(|n| match self.speakers.iter().position(|s| s == n) {
                Some(p) => p as u32,
                None => {
                    self.speakers.push(n.clone());
                    (self.speakers.len() - 1) as u32
                }
            });
            for w in &segment.words {
                word_index += 1;
                let tokens = normalise_words(&w.text);
                let count = tokens.len().max(1) as f64;
                // A word of several Han characters is several tokens: its time is shared out evenly.
                for (k, tok) in tokens.into_iter().enumerate() {
                    let step = (w.end - w.start) / count;
                    words.push(DocWord {
                        norm: tok.norm,
                        start: w.start + step * k as f64,
                        end: w.start + step * (k + 1) as f64,
                        word: word_index,
                        text: w.text.trim().to_string(),
                        speaker,
                    });
                }
            }
        }
        for (pos, w) in words.iter().enumerate() {
            self.postings.entry(w.norm.clone()).or_default().push((doc_index, pos as u32));
        }
        self.docs.push(Doc {
            id: t.id,
            recording: t.recording.path.clone(),
            sha256: t.recording.sha256.clone(),
            created_at: t.created_at.clone(),
            words,
        });
    }

    /// Which documents a check may look in: those of the transcripts `only` names, or all.
    fn allowed(&self, only: Option<&[i64]>) -> Option<Vec<bool>> {
        only.map(|ids| self.docs.iter().map(|d| ids.contains(&d.id)).collect())
    }

    /// Stretches where `tokens` could have been said: (document, first word, last word + 1), best voted
    /// first. With `within`, only in that document from that word on; with `allowed`, only in those documents.
    fn candidates(
        &self,
        tokens: &[Token],
        within: Option<(u32, usize)>,
        allowed: Option<&[bool]>,
        limit: usize,
    ) -> Vec<(u32, usize, usize)> {
        let mut anchors: Vec<(usize, &Vec<(u32, u32)>)> =
            tokens.iter().enumerate().filter_map(|(i, t)| self.postings.get(&t.norm).map(|p| (i, p))).collect();
        anchors.sort_by_key(|(_, p)| p.len());
        let usable = anchors.iter().take_while(|(_, p)| p.len() <= COMMON).count();
        let take = if usable == 0 { anchors.len().min(2) } else { usable.min(8) };
        let mut votes: HashMap<(u32, i64), u32> = HashMap::new();
        for (i, postings) in anchors.iter().take(take) {
            for &(doc, pos) in postings.iter() {
                if within.is_some_and(|(d, from)| d != doc || (pos as usize) < from)
                    || allowed.is_some_and(|a| !a[doc as usize])
                {
                    continue;
                }
                let start = i64::from(pos) - *i as i64;
                *votes.entry((doc, start.div_euclid(4))).or_default() += 1;
            }
        }
        let mut ranked: Vec<((u32, i64), u32)> = votes.into_iter().collect();
        ranked.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        let n = tokens.len();
        ranked
            .into_iter()
            .take(limit)
            .map(|((doc, bucket), _)| {
                let len = self.docs[doc as usize].words.len();
                let from = (bucket * 4 - (n / 4) as i64 - 4).max(0) as usize;
                let from = within.map_or(from, |(_, f)| from.max(f));
                (doc, from.min(len), ((bucket * 4).max(0) as usize + n + n / 4 + 8).min(len))
            })
            .collect()
    }

    /// The best alignment of `tokens` over the candidates: (document, alignment in document positions).
    fn best(
        &self,
        tokens: &[Token],
        within: Option<(u32, usize)>,
        allowed: Option<&[bool]>,
        limit: usize,
    ) -> Option<(u32, Alignment)> {
        let mut best: Option<(u32, Alignment)> = None;
        for (doc, from, to) in self.candidates(tokens, within, allowed, limit) {
            let words: Vec<&str> = self.docs[doc as usize].words[from..to].iter().map(|w| w.norm.as_str()).collect();
            let mut a = align(tokens, &words);
            a.from += from;
            a.to += from;
            if best.as_ref().is_none_or(|(_, b)| a.cost < b.cost) {
                best = Some((doc, a));
            }
        }
        best
    }

    fn heard(&self, doc: u32, from: usize, to: usize) -> Heard {
        let d = &self.docs[doc as usize];
        let to = to.max(from + 1).min(d.words.len());
        let words = &d.words[from..to];
        let mut text: Vec<&str> = Vec::new();
        for (k, w) in words.iter().enumerate() {
            // Tokens of one transcript word share its text: show it once.
            if k == 0 || words[k - 1].word != w.word {
                text.push(&w.text);
            }
        }
        Heard {
            transcript_id: d.id,
            recording: d.recording.clone(),
            sha256: d.sha256.clone(),
            speaker: words.first().and_then(|w| w.speaker).map(|s| self.speakers[s as usize].clone()),
            start: words.first().map_or(0.0, |w| w.start),
            end: words.last().map_or(0.0, |w| w.end),
            text: join_words(&text),
        }
    }

    /// Checks one quote against every transcript: each fragment in order, in the same recording as the first.
    pub fn check(&self, quote: &Quote) -> QuoteCheck {
        self.check_in(quote, None, None)
    }

    /// Checks one quote against the transcripts `only` names (a story's interviews), or all of them.
    pub fn check_within(&self, quote: &Quote, only: Option<&[i64]>) -> QuoteCheck {
        self.check_in(quote, self.allowed(only).as_deref(), only)
    }

    fn check_in(&self, quote: &Quote, allowed: Option<&[bool]>, only: Option<&[i64]>) -> QuoteCheck {
        let mut verdict_so_far = Verdict::Verbatim;
        let mut changes = Vec::new();
        let mut reasons = Vec::new();
        let mut span: Option<(u32, usize, usize)> = None;
        for (_, fragment) in &quote.fragments {
            let tokens = normalise_words(fragment);
            if tokens.is_empty() {
                continue;
            }
            let within = span.map(|(doc, _, to)| (doc, to));
            let Some((doc, a)) = self.best(&tokens, within, allowed, CANDIDATES) else {
                verdict_so_far = Verdict::NotFound;
                break;
            };
            let v = verdict(&a, tokens.len());
            verdict_so_far = verdict_so_far.max(v);
            if v == Verdict::NotFound {
                break;
            }
            changes.extend(a.changes);
            reasons.extend(a.reasons);
            span = Some(match span {
                Some((d, from, _)) => (d, from, a.to),
                None => (doc, a.from, a.to),
            });
        }
        let heard =
            (verdict_so_far != Verdict::NotFound).then_some(span).flatten().map(|(d, f, t)| self.heard(d, f, t));
        let reasons = match verdict_so_far {
            Verdict::Verbatim => vec![QuoteReason::Verbatim],
            Verdict::Close => vec![QuoteReason::Close { differences: changes.len() }],
            Verdict::Altered if !reasons.is_empty() => reasons,
            Verdict::Altered => vec![QuoteReason::Altered { words: changes.len() }],
            Verdict::NotFound if only.is_some_and(|ids| ids.is_empty()) => vec![QuoteReason::NoSources],
            Verdict::NotFound if only.is_some() => vec![QuoteReason::NotInSources],
            Verdict::NotFound if self.is_empty() => vec![QuoteReason::NoTranscripts],
            Verdict::NotFound => vec![QuoteReason::NotFound],
        };
        if verdict_so_far == Verdict::NotFound {
            changes.clear();
        }
        let reason = crate::reason::sentence(&reasons);
        QuoteCheck { quote: quote.clone(), verdict: verdict_so_far, heard, changes, reasons, reason }
    }

    /// Quote bank: where `phrase` was said, word for word or nearly (verbatim or close), best first.
    pub fn search(&self, phrase: &str, filter: &SearchFilter, limit: usize) -> Vec<(Verdict, Heard, Vec<Change>)> {
        let tokens = normalise_words(phrase);
        if tokens.is_empty() {
            return Vec::new();
        }
        let mut hits: Vec<(f64, Verdict, Heard, Vec<Change>)> = Vec::new();
        for (doc, from, to) in self.candidates(&tokens, None, None, 200) {
            let d = &self.docs[doc as usize];
            if filter.transcript_id.is_some_and(|id| id != d.id)
                || filter.from.as_ref().is_some_and(|f| d.created_at.as_str() < f.as_str())
                || filter.to.as_ref().is_some_and(|t| d.created_at.get(..10).is_some_and(|day| day > t.as_str()))
            {
                continue;
            }
            let words: Vec<&str> = d.words[from..to].iter().map(|w| w.norm.as_str()).collect();
            let a = align(&tokens, &words);
            let v = verdict(&a, tokens.len());
            if v > Verdict::Close || (filter.exact && v != Verdict::Verbatim) {
                continue;
            }
            let heard = self.heard(doc, from + a.from, from + a.to);
            if let Some(want) = &filter.speaker {
                let want = want.to_lowercase();
                if !heard.speaker.as_ref().is_some_and(|s| s.to_lowercase().contains(&want)) {
                    continue;
                }
            }
            // The same stretch found through two anchors is one hit.
            if hits.iter().any(|h| h.2.transcript_id == heard.transcript_id && (h.2.start - heard.start).abs() < 0.01) {
                continue;
            }
            hits.push((a.cost, v, heard, a.changes));
        }
        hits.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.2.transcript_id.cmp(&b.2.transcript_id)));
        hits.into_iter().take(limit).map(|(_, v, h, c)| (v, h, c)).collect()
    }
}

/// Every quote of a draft checked, and the draft's quotation-mark problems (byte offset, message).
#[derive(Clone, Debug, Serialize, ts_rs::TS)]
pub struct QuotesReport {
    pub quotes: Vec<QuoteCheck>,
    pub warnings: Vec<(usize, QuoteWarning)>,
    /// The transcripts the check was limited to (a story's interviews); none when it looked in all of them.
    pub sources: Option<Vec<i64>>,
    /// How many transcripts it looked in (none: every quote is "not found" for want of recordings).
    pub searched: usize,
}

/// The quote check the CLI and the app share: the library's transcripts indexed, the draft's quotes checked
/// against the transcripts `only` names (a story's interviews, [`crate::sources`]) or against all of them.
pub fn check_draft(conn: &Connection, draft: &str, only: Option<&[i64]>) -> Result<QuotesReport> {
    let corpus = Corpus::load(conn)?;
    Ok(report(&corpus, draft, only))
}

fn report(corpus: &Corpus, draft: &str, only: Option<&[i64]>) -> QuotesReport {
    let (quotes, warnings) = check_text_within(corpus, draft, only);
    let searched = match only {
        Some(ids) => corpus.docs.iter().filter(|d| ids.contains(&d.id)).count(),
        None => corpus.docs.len(),
    };
    QuotesReport { quotes, warnings, sources: only.map(<[i64]>::to_vec), searched }
}

/// One quote-bank result.
#[derive(Clone, Debug, Serialize, ts_rs::TS)]
#[ts(rename = "QuoteSearchHit")]
pub struct SearchHit {
    pub verdict: Verdict,
    pub heard: Heard,
    pub changes: Vec<Change>,
}

impl CorpusCache {
    /// Quote bank: where `phrase` was said, with the index from the cache.
    pub fn search(
        &self,
        conn: &Connection,
        phrase: &str,
        filter: &SearchFilter,
        limit: usize,
    ) -> Result<Vec<SearchHit>> {
        let corpus = self.get(conn)?;
        Ok(corpus
            .search(phrase, filter, limit)
            .into_iter()
            .map(|(verdict, heard, changes)| SearchHit { verdict, heard, changes })
            .collect())
    }
}

/// The index kept between checks while the library's transcripts stay as they are: a check as the reporter
/// types then costs the alignment only, not reading every transcript again.
#[derive(Default)]
pub struct CorpusCache(Mutex<Option<(String, Arc<Corpus>)>>);

impl CorpusCache {
    /// The library's transcripts indexed, from the cache unless one was added, edited or removed since.
    pub fn get(&self, conn: &Connection) -> Result<Arc<Corpus>> {
        let version: String = conn
            .query_row(
                "SELECT COUNT(*) || '/' || IFNULL(MAX(t.id), 0) || '/' || IFNULL(MAX(e.updated_at), '')
                 FROM transcripts t LEFT JOIN transcript_edits e ON e.transcript_id = t.id",
                [],
                |r| r.get(0),
            )
            .map_err(byline_core::Error::database)?;
        let mut cached = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((v, corpus)) = cached.as_ref()
            && *v == version
        {
            return Ok(corpus.clone());
        }
        let corpus = Arc::new(Corpus::load(conn)?);
        *cached = Some((version, corpus.clone()));
        Ok(corpus)
    }

    /// [`check_draft`] with the index from the cache.
    pub fn check_draft(&self, conn: &Connection, draft: &str, only: Option<&[i64]>) -> Result<QuotesReport> {
        let corpus = self.get(conn)?;
        Ok(report(&corpus, draft, only))
    }
}

/// Finds and checks every quote in `draft` against every transcript; also returns the draft's
/// quotation-mark warnings.
pub fn check_text(corpus: &Corpus, draft: &str) -> (Vec<QuoteCheck>, Vec<(usize, QuoteWarning)>) {
    check_text_within(corpus, draft, None)
}

/// [`check_text`] against the transcripts `only` names, or all of them.
pub fn check_text_within(
    corpus: &Corpus,
    draft: &str,
    only: Option<&[i64]>,
) -> (Vec<QuoteCheck>, Vec<(usize, QuoteWarning)>) {
    let scan = find_quotes(draft);
    let allowed = corpus.allowed(only);
    (scan.quotes.iter().map(|q| corpus.check_in(q, allowed.as_deref(), only)).collect(), scan.warnings)
}

/// Joins transcript words with spaces, except between two Chinese or Japanese words.
fn join_words(words: &[&str]) -> String {
    let mut out = String::new();
    for w in words {
        let cjk = |c: Option<char>| {
            c.is_some_and(|c| matches!(c, '\u{3040}'..='\u{30ff}' | '\u{3400}'..='\u{9fff}' | '\u{f900}'..='\u{faff}'))
        };
        let between_cjk = cjk(out.chars().last()) && cjk(w.chars().next());
        if !out.is_empty() && !between_cjk {
            out.push(' ');
        }
        out.push_str(w);
    }
    out
}
