//! The transcript data model shared by the engine, the library, the exports, the CLI and the app.

use serde::{Deserialize, Serialize};

/// One word with its time span in seconds from the start of the audio.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct Word {
    pub start: f64,
    pub end: f64,
    pub text: String,
    /// Mean token probability (0–1); 1 for words typed by an editor.
    #[serde(default = "one")]
    pub p: f32,
}

fn one() -> f32 {
    1.0
}

/// A stretch of speech, usually a sentence or phrase.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct Segment {
    pub start: f64,
    pub end: f64,
    pub text: String,
    /// Display name of who speaks; set by the editor.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub speaker: Option<String>,
    #[serde(default)]
    pub words: Vec<Word>,
}

/// A whole transcript.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct Transcript {
    /// Language code, detected or chosen ("en").
    pub language: Option<String>,
    /// Length of the audio that was transcribed, in seconds.
    pub duration_s: f64,
    pub segments: Vec<Segment>,
    /// What the engine had to do that a reader should know (loops removed, damaged packets skipped).
    #[serde(default, skip_serializing_if = "Vec::is_empty", deserialize_with = "crate::note::notes_compat")]
    pub notes: Vec<crate::TranscriptNote>,
    /// The found speakers' voices, from transcription to the library's voice tables; never in the JSON.
    #[serde(skip)]
    #[ts(skip)]
    pub voices: Vec<Voice>,
}

/// A found speaker's voice: the name the transcription gave them and their speaker embedding.
#[derive(Clone, Debug, PartialEq)]
pub struct Voice {
    pub name: String,
    pub embedding: Vec<f32>,
    pub seconds: f32,
}

impl Transcript {
    /// All segment texts joined by spaces.
    pub fn text(&self) -> String {
        self.segments.iter().map(|s| s.text.trim()).filter(|t| !t.is_empty()).collect::<Vec<_>>().join(" ")
    }

    /// Every word in order.
    pub fn words(&self) -> impl Iterator<Item = &Word> {
        self.segments.iter().flat_map(|s| s.words.iter())
    }

    /// Whether some segment's speaker is `name`.
    pub fn speakers_named(&self, name: &str) -> bool {
        self.segments.iter().any(|s| s.speaker.as_deref() == Some(name))
    }

    /// Renames a speaker everywhere; returns how many segments changed.
    pub fn rename_speaker(&mut self, from: &str, to: &str) -> usize {
        for v in self.voices.iter_mut().filter(|v| v.name == from) {
            v.name = to.to_owned();
        }
        let mut n = 0;
        for s in &mut self.segments {
            if s.speaker.as_deref() == Some(from) {
                s.speaker = Some(to.to_owned());
                n += 1;
            }
        }
        n
    }
}

/// Lower case, letters and digits only, single-spaced: the form in which transcripts are compared.
pub fn normalise(text: &str) -> String {
    let kept: String = text.chars().map(|c| if c.is_alphanumeric() { c.to_ascii_lowercase() } else { ' ' }).collect();
    kept.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Word error rate of `hypothesis` against `reference` after [`normalise`]: (substitutions + deletions +
/// insertions) / reference words, by Levenshtein distance over words.
pub fn word_error_rate(reference: &str, hypothesis: &str) -> f64 {
    let r: Vec<String> = normalise(reference).split(' ').filter(|w| !w.is_empty()).map(str::to_owned).collect();
    let h: Vec<String> = normalise(hypothesis).split(' ').filter(|w| !w.is_empty()).map(str::to_owned).collect();
    if r.is_empty() {
        return if h.is_empty() { 0.0 } else { 1.0 };
    }
    let mut prev: Vec<usize> = (0..=h.len()).collect();
    for (i, rw) in r.iter().enumerate() {
        let mut cur = vec![i + 1; h.len() + 1];
        for (j, hw) in h.iter().enumerate() {
            let sub = prev[j] + usize::from(rw != hw);
            cur[j + 1] = sub.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[h.len()] as f64 / r.len() as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wer_counts_edits_over_reference_words() {
        assert_eq!(word_error_rate("Ask not, what!", "ask not what"), 0.0);
        assert_eq!(word_error_rate("a b c d", "a x c"), 0.5);
        assert_eq!(word_error_rate("a b", "a b c d"), 1.0);
        assert_eq!(word_error_rate("", ""), 0.0);
    }

    #[test]
    fn renames_speakers_and_round_trips_json() {
        let seg =
            |sp: &str| Segment { start: 0.0, end: 1.0, text: "hi".into(), speaker: Some(sp.into()), words: vec![] };
        let mut t = Transcript { segments: vec![seg("S1"), seg("S2"), seg("S1")], ..Default::default() };
        assert_eq!(t.rename_speaker("S1", "Mayor"), 2);
        let json = serde_json::to_string(&t).expect("json");
        assert_eq!(serde_json::from_str::<Transcript>(&json).expect("parse"), t);
        assert_eq!(t.text(), "hi hi hi");
    }
}
