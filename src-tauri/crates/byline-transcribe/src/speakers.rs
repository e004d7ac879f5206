//! Speakers in a transcript: diarization's turns given to Whisper's words (a turn can change in the middle
//! of a segment, which is then split between the words), speaker names, and how long each one speaks.

use byline_core::{Error, Result};
use byline_speakers::{Turn, speaker_at};
use serde::Serialize;

use crate::transcript::{Segment, Transcript, Word};

/// The name a found speaker starts with ("Speaker 1" for the first voice heard).
pub fn default_name(index: usize) -> String {
    format!("Speaker {}", index + 1)
}

/// Gives every segment the speaker of its words, splitting segments where the speaker changes between
/// two words. A segment without words takes the speaker its span overlaps most.
pub fn assign(transcript: &mut Transcript, turns: &[Turn]) {
    if turns.is_empty() {
        return;
    }
    let mut out = Vec::with_capacity(transcript.segments.len());
    for seg in std::mem::take(&mut transcript.segments) {
        if seg.words.is_empty() {
            let speaker = speaker_at(turns, seg.start, seg.end).map(default_name);
            out.push(Segment { speaker, ..seg });
            continue;
        }
        let who: Vec<Option<usize>> = seg.words.iter().map(|w| speaker_at(turns, w.start, w.end)).collect();
        if who.windows(2).all(|p| p[0] == p[1]) {
            out.push(Segment { speaker: who[0].map(default_name), ..seg });
            continue;
        }
        let mut start = 0;
        for i in 1..=seg.words.len() {
            if i < seg.words.len() && who[i] == who[start] {
                continue;
            }
            let words: Vec<Word> = seg.words[start..i].to_vec();
            out.push(Segment {
                start: if start == 0 { seg.start } else { words[0].start },
                end: if i == seg.words.len() { seg.end } else { words[words.len() - 1].end },
                text: join_words(&words),
                speaker: who[start].map(default_name),
                words,
            });
            start = i;
        }
    }
    transcript.segments = out;
}

/// Words back into text: spaces between words, none next to Chinese, Japanese or Korean characters.
pub fn join_words(words: &[Word]) -> String {
    let cjk = |c: char| matches!(c as u32, 0x2E80..=0x9FFF | 0xAC00..=0xD7AF | 0xF900..=0xFAFF | 0xFF00..=0xFFEF);
    let mut text = String::new();
    for w in words {
        let t = w.text.trim();
        if t.is_empty() {
            continue;
        }
        let glue = text.chars().last().is_some_and(cjk) || t.chars().next().is_some_and(cjk);
        if !text.is_empty() && !glue {
            text.push(' ');
        }
        text.push_str(t);
    }
    text
}

/// One speaker of a transcript and how much they say.
#[derive(Clone, Debug, PartialEq, Serialize, ts_rs::TS)]
pub struct SpeakerTime {
    pub name: String,
    pub seconds: f64,
    pub segments: usize,
}

/// The speakers of `transcript` in order of first appearance, with their speaking time.
pub fn speakers(transcript: &Transcript) -> Vec<SpeakerTime> {
    let mut out: Vec<SpeakerTime> = Vec::new();
    for s in &transcript.segments {
        let Some(name) = &s.speaker else { continue };
        let dur = (s.end - s.start).max(0.0);
        match out.iter_mut().find(|t| &t.name == name) {
            Some(t) => {
                t.seconds += dur;
                t.segments += 1;
            }
            None => out.push(SpeakerTime { name: name.clone(), seconds: dur, segments: 1 }),
        }
    }
    out
}

/// Renames speaker `from` (a name, or its number in [`speakers`]' order, from 1) to `to` in every
/// segment. Giving the name of another speaker merges the two. Times and words are untouched.
pub fn rename(transcript: &mut Transcript, from: &str, to: &str) -> Result<usize> {
    let to = to.trim();
    if to.is_empty() {
        return Err(Error::InvalidInput("a speaker's new name cannot be empty".into()));
    }
    let list = speakers(transcript);
    let name = match from.trim().parse::<usize>() {
        Ok(n) if n >= 1 && n <= list.len() && !list.iter().any(|t| t.name == from.trim()) => list[n - 1].name.clone(),
        _ => from.trim().to_owned(),
    };
    if !list.iter().any(|t| t.name == name) {
        let known: Vec<&str> = list.iter().map(|t| t.name.as_str()).collect();
        return Err(Error::InvalidInput(format!(
            "no speaker {from:?} in this transcript (speakers: {})",
            if known.is_empty() { "none".into() } else { known.join(", ") }
        )));
    }
    Ok(transcript.rename_speaker(&name, to))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(text: &str, start: f64, end: f64) -> Word {
        Word { start, end, text: text.into(), p: 0.9 }
    }

    #[test]
    fn a_turn_change_inside_a_segment_splits_it_between_words() {
        let words = vec![w("Yes.", 0.0, 0.5), w("No,", 1.0, 1.4), w("never.", 1.5, 2.0)];
        let mut t = Transcript {
            duration_s: 3.0,
            segments: vec![Segment { start: 0.0, end: 2.2, text: " Yes. No, never.".into(), speaker: None, words }],
            ..Default::default()
        };
        let turns = [Turn { start: 0.0, end: 0.8, speaker: 0 }, Turn { start: 0.8, end: 3.0, speaker: 1 }];
        assign(&mut t, &turns);
        let got: Vec<(f64, f64, &str, Option<&str>)> =
            t.segments.iter().map(|s| (s.start, s.end, s.text.as_str(), s.speaker.as_deref())).collect();
        assert_eq!(got, [(0.0, 0.5, "Yes.", Some("Speaker 1")), (1.0, 2.2, "No, never.", Some("Speaker 2"))]);
        // Every word keeps its time.
        let times: Vec<(f64, f64)> = t.words().map(|w| (w.start, w.end)).collect();
        assert_eq!(times, [(0.0, 0.5), (1.0, 1.4), (1.5, 2.0)]);
    }

    #[test]
    fn chinese_words_join_without_spaces() {
        assert_eq!(join_words(&[w("市长", 0.0, 1.0), w("说", 1.0, 2.0), w("OK", 2.0, 3.0)]), "市长说OK");
        assert_eq!(join_words(&[w("Mayor", 0.0, 1.0), w("Chen", 1.0, 2.0)]), "Mayor Chen");
    }

    #[test]
    fn renaming_by_number_or_name_merges_and_keeps_times() {
        let seg = |sp: &str, a: f64| Segment {
            start: a,
            end: a + 1.0,
            text: "x".into(),
            speaker: Some(sp.into()),
            words: vec![w("x", a, a + 1.0)],
        };
        let mut t = Transcript {
            segments: vec![seg("Speaker 1", 0.0), seg("Speaker 2", 1.0), seg("Speaker 1", 2.0)],
            ..Default::default()
        };
        let before: Vec<(f64, f64)> = t.words().map(|w| (w.start, w.end)).collect();
        assert_eq!(rename(&mut t, "1", "Mayor Chen").expect("rename"), 2);
        assert_eq!(rename(&mut t, "Speaker 2", "Mayor Chen").expect("merge"), 1);
        assert_eq!(speakers(&t), [SpeakerTime { name: "Mayor Chen".into(), seconds: 3.0, segments: 3 }]);
        assert_eq!(t.words().map(|w| (w.start, w.end)).collect::<Vec<_>>(), before);
        assert!(rename(&mut t, "Nobody", "X").is_err());
        assert!(rename(&mut t, "Mayor Chen", "  ").is_err());
    }
}
