//! Tone per speaker (transcripts) and per quote (articles).
//!
//! A transcript arrives as a list of `(speaker, text)` segments, whatever produced it; each segment
//! is split into sentences and scored, and sentences are pooled per speaker.

use byline_core::{CancelToken, Error, NoProgress, Result};
use serde::{Deserialize, Serialize};

use crate::analyze::{Aggregate, Analyzer, SentenceScore};
use crate::segment;

#[derive(Clone, Debug, Serialize, Deserialize, ts_rs::TS)]
#[ts(rename = "SpeakerSegment")]
pub struct Segment {
    /// Unnamed segments are pooled under "" (unknown speaker).
    #[serde(default)]
    pub speaker: Option<String>,
    pub text: String,
}

#[derive(Clone, Debug, Serialize, ts_rs::TS)]
pub struct SegmentScore {
    pub index: usize,
    pub speaker: String,
    pub sentences: Vec<SentenceScore>,
    pub aggregate: Aggregate,
}

#[derive(Clone, Debug, Serialize, ts_rs::TS)]
pub struct SpeakerScore {
    pub speaker: String,
    pub segments: usize,
    pub aggregate: Aggregate,
}

#[derive(Clone, Debug, Serialize, ts_rs::TS)]
pub struct TranscriptSentiment {
    pub segments: Vec<SegmentScore>,
    /// In order of first appearance.
    pub speakers: Vec<SpeakerScore>,
    pub overall: Aggregate,
}

pub fn analyze_segments(
    analyzer: &Analyzer,
    segments: &[Segment],
    cancel: &CancelToken,
) -> Result<TranscriptSentiment> {
    if segments.iter().all(|s| s.text.trim().is_empty()) {
        return Err(Error::InvalidInput("the transcript has no text".into()));
    }
    let mut owner = Vec::new();
    let mut pieces = Vec::new();
    for (i, seg) in segments.iter().enumerate() {
        for s in segment::sentences(&seg.text) {
            owner.push(i);
            pieces.push(s);
        }
    }
    let texts: Vec<&str> = pieces.iter().map(|p| p.text.as_str()).collect();
    let scored = analyzer.score_sentences(&texts, &NoProgress, cancel)?;
    let mut per_segment: Vec<Vec<SentenceScore>> = vec![Vec::new(); segments.len()];
    for ((i, piece), s) in owner.into_iter().zip(&pieces).zip(scored) {
        per_segment[i].push(SentenceScore { start: piece.start, end: piece.end, ..s });
    }
    let name = |s: &Segment| s.speaker.clone().unwrap_or_default();
    let mut speakers: Vec<String> = Vec::new();
    for seg in segments {
        if !speakers.contains(&name(seg)) {
            speakers.push(name(seg));
        }
    }
    let speakers = speakers
        .into_iter()
        .map(|sp| {
            let mine: Vec<usize> = (0..segments.len()).filter(|&i| name(&segments[i]) == sp).collect();
            let aggregate = Aggregate::of(mine.iter().flat_map(|&i| &per_segment[i]));
            SpeakerScore { speaker: sp, segments: mine.len(), aggregate }
        })
        .collect();
    let overall = Aggregate::of(per_segment.iter().flatten());
    let segments = segments
        .iter()
        .zip(per_segment)
        .enumerate()
        .map(|(index, (seg, sentences))| SegmentScore {
            index,
            speaker: name(seg),
            aggregate: Aggregate::of(&sentences),
            sentences,
        })
        .collect();
    Ok(TranscriptSentiment { segments, speakers, overall })
}

#[derive(Clone, Debug, Serialize, ts_rs::TS)]
pub struct QuoteScore {
    /// Byte offsets of the quoted words (inside the quote marks).
    pub start: usize,
    pub end: usize,
    pub text: String,
    pub aggregate: Aggregate,
}

/// Quoted passages: "…", “…”, 「…」, 『…』. Quotes of fewer than three words or four Han
/// characters are scare quotes or titles, not speech, and are skipped.
pub fn quotes(text: &str) -> Vec<segment::Span> {
    let pairs = [('"', '"'), ('“', '”'), ('「', '」'), ('『', '』')];
    let mut out = Vec::new();
    let mut i = 0;
    while i < text.len() {
        let Some(c) = text[i..].chars().next() else { break };
        let next = i + c.len_utf8();
        if let Some(&(_, close)) = pairs.iter().find(|(o, _)| *o == c)
            && let Some(len) = text[next..].find(close)
        {
            let inner = &text[next..next + len];
            let words = inner.split_whitespace().count();
            let han = inner.chars().filter(|c| ('\u{4e00}'..='\u{9fff}').contains(c)).count();
            if words >= 3 || han >= 4 {
                out.push(segment::Span { start: next, end: next + len, text: inner.to_string() });
            }
            i = next + len + close.len_utf8();
            continue;
        }
        i = next;
    }
    out
}

pub fn analyze_quotes(analyzer: &Analyzer, text: &str, cancel: &CancelToken) -> Result<Vec<QuoteScore>> {
    let mut out = Vec::new();
    for q in quotes(text) {
        let sentences: Vec<String> = segment::sentences(&q.text).into_iter().map(|s| s.text).collect();
        let refs: Vec<&str> = sentences.iter().map(String::as_str).collect();
        let scored = analyzer.score_sentences(&refs, &NoProgress, cancel)?;
        out.push(QuoteScore { start: q.start, end: q.end, text: q.text, aggregate: Aggregate::of(&scored) });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze::{EngineChoice, Label};

    #[test]
    fn speakers_are_pooled_in_order_of_appearance() {
        let analyzer = Analyzer::builtin(EngineChoice::Auto).expect("builtin");
        let segs = vec![
            Segment { speaker: Some("Mayor".into()), text: "This is a wonderful day. We are proud.".into() },
            Segment { speaker: Some("Critic".into()), text: "It is a disaster and a terrible waste.".into() },
            Segment { speaker: Some("Mayor".into()), text: "I love this city!".into() },
            Segment { speaker: None, text: "这个决定让人非常失望。".into() },
        ];
        let r = analyze_segments(&analyzer, &segs, &CancelToken::new()).expect("analysis");
        let names: Vec<&str> = r.speakers.iter().map(|s| s.speaker.as_str()).collect();
        assert_eq!(names, ["Mayor", "Critic", ""]);
        assert_eq!(r.speakers[0].segments, 2);
        assert_eq!(r.speakers[0].aggregate.label(), Label::Positive);
        assert_eq!(r.speakers[1].aggregate.label(), Label::Negative);
        assert_eq!(r.speakers[2].aggregate.label(), Label::Negative);
        assert_eq!(r.segments[0].sentences.len(), 2);
        assert!(analyze_segments(&analyzer, &[], &CancelToken::new()).is_err());
    }

    #[test]
    fn quotes_are_found_and_scored() {
        let text = "The mayor said \"this is a great day for the city\" and called critics \"cranks\". \
                    她说：“质量很好，我们非常满意！”";
        let q = quotes(text);
        assert_eq!(q.len(), 2);
        assert_eq!(&text[q[0].start..q[0].end], "this is a great day for the city");
        let analyzer = Analyzer::builtin(EngineChoice::Auto).expect("builtin");
        let scored = analyze_quotes(&analyzer, text, &CancelToken::new()).expect("quotes");
        for s in &scored {
            assert_eq!(s.aggregate.label(), Label::Positive, "{s:?}");
        }
    }
}
