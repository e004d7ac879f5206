//! Whisper's tokens to words: a token that begins with a space starts a new word, anything else (word
//! pieces, punctuation) joins the word before it. Bytes are joined before decoding, because a token can
//! hold half of a multi-byte character.

use crate::transcript::{Segment, Word};

/// One token as the engine sees it: its bytes, time span (s, absolute) and probability.
pub struct TokenPiece {
    pub bytes: Vec<u8>,
    pub start: f64,
    pub end: f64,
    pub p: f32,
}

pub fn tokens_to_words(tokens: &[TokenPiece]) -> Vec<Word> {
    struct Open {
        bytes: Vec<u8>,
        start: f64,
        end: f64,
        p_sum: f32,
        n: usize,
    }
    let mut words = Vec::new();
    let mut current: Option<Open> = None;
    let close = |w: Open, words: &mut Vec<Word>| {
        let text = String::from_utf8_lossy(&w.bytes).trim().to_owned();
        if !text.is_empty() {
            words.push(Word { start: w.start, end: w.end, text, p: w.p_sum / w.n.max(1) as f32 });
        }
    };
    for t in tokens {
        let starts_word = t.bytes.first() == Some(&b' ');
        match current.as_mut() {
            Some(w) if !starts_word => {
                w.bytes.extend_from_slice(&t.bytes);
                w.end = w.end.max(t.end);
                w.p_sum += t.p;
                w.n += 1;
            }
            _ => {
                if let Some(w) = current.take() {
                    close(w, &mut words);
                }
                current = Some(Open { bytes: t.bytes.clone(), start: t.start, end: t.end, p_sum: t.p, n: 1 });
            }
        }
    }
    if let Some(w) = current.take() {
        close(w, &mut words);
    }
    words
}

/// Makes word and segment times monotonic and keeps them inside `[0, duration]`. whisper.cpp's token
/// timestamps occasionally step back by a few centiseconds; players and subtitle formats need order.
pub fn make_monotonic(segments: &mut [Segment], duration: f64) {
    let mut last = 0.0_f64;
    for seg in segments.iter_mut() {
        seg.start = seg.start.clamp(last, duration);
        for w in &mut seg.words {
            w.start = w.start.clamp(last.max(seg.start), duration);
            w.end = w.end.clamp(w.start, duration);
            last = w.start;
        }
        let word_end = seg.words.last().map_or(seg.start, |w| w.end);
        seg.end = seg.end.max(word_end).clamp(seg.start, duration);
        last = last.max(seg.start);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &[u8], start: f64, end: f64) -> TokenPiece {
        TokenPiece { bytes: s.to_vec(), start, end, p: 0.5 }
    }

    #[test]
    fn joins_pieces_and_punctuation_and_split_characters() {
        let e_acute = "é".as_bytes();
        let tokens = [
            t(b" And", 0.0, 0.3),
            t(b" so", 0.3, 0.5),
            t(b",", 0.5, 0.5),
            t(b" Amer", 0.6, 0.8),
            t(b"icans", 0.8, 1.2),
            t(b" caf", 1.3, 1.5),
            t(&e_acute[..1], 1.5, 1.5),
            t(&e_acute[1..], 1.5, 1.6),
        ];
        let words = tokens_to_words(&tokens);
        let texts: Vec<&str> = words.iter().map(|w| w.text.as_str()).collect();
        assert_eq!(texts, ["And", "so,", "Americans", "café"]);
        assert_eq!((words[2].start, words[2].end), (0.6, 1.2));
    }

    #[test]
    fn monotonic_and_inside_the_audio() {
        let w = |s: f64, e: f64| Word { start: s, end: e, text: "x".into(), p: 1.0 };
        let mut segs = vec![
            Segment { start: 0.0, end: 2.0, text: "a b".into(), speaker: None, words: vec![w(0.5, 1.0), w(0.4, 0.9)] },
            Segment { start: 1.9, end: 12.0, text: "c".into(), speaker: None, words: vec![w(1.8, 11.5)] },
        ];
        make_monotonic(&mut segs, 10.0);
        let all: Vec<&Word> = segs.iter().flat_map(|s| &s.words).collect();
        assert!(all.windows(2).all(|p| p[0].start <= p[1].start));
        assert!(all.iter().all(|w| w.start <= w.end && w.end <= 10.0));
        assert_eq!(segs[1].end, 10.0);
    }
}
