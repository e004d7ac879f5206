//! Whisper's failure mode on long audio: the decoder locks into a phrase and repeats it ("thank you thank
//! you …"). We detect a phrase of 1–12 words repeated back-to-back at least four times (or a whole segment
//! repeated three times running), and keep one copy.

/// Smallest number of back-to-back copies that counts as a loop. Human speech repeats a word twice,
/// rarely three times ("no, no, no"); four identical runs in a row is the decoder.
const MIN_REPEATS: usize = 4;
const MAX_PHRASE: usize = 12;

fn key(word: &str) -> String {
    word.chars().filter(|c| c.is_alphanumeric()).flat_map(char::to_lowercase).collect()
}

/// The first loop in `words`: (start index, phrase length, copies).
pub fn find_loop(words: &[&str]) -> Option<(usize, usize, usize)> {
    let keys: Vec<String> = words.iter().map(|w| key(w)).collect();
    for start in 0..keys.len() {
        for len in 1..=MAX_PHRASE {
            if start + len * MIN_REPEATS > keys.len() {
                break;
            }
            let phrase = &keys[start..start + len];
            if phrase.iter().all(String::is_empty) {
                continue;
            }
            let mut copies = 1;
            while start + (copies + 1) * len <= keys.len()
                && keys[start + copies * len..start + (copies + 1) * len] == *phrase
            {
                copies += 1;
            }
            if copies >= MIN_REPEATS {
                return Some((start, len, copies));
            }
        }
    }
    None
}

/// True if the text contains a loop.
pub fn has_loop(text: &str) -> bool {
    find_loop(&text.split_whitespace().collect::<Vec<_>>()).is_some()
}

/// True if the same non-empty segment text appears `MIN_REPEATS - 1` times in a row.
pub fn has_repeated_segments(texts: &[&str]) -> bool {
    let keys: Vec<String> = texts.iter().map(|t| crate::transcript::normalise(t)).collect();
    keys.windows(MIN_REPEATS - 1).any(|w| !w[0].is_empty() && w.iter().all(|k| *k == w[0]))
}

/// Keeps one copy of every loop; returns the indices of the words kept.
pub fn collapse_loops(words: &[&str]) -> Vec<usize> {
    let mut keep: Vec<usize> = (0..words.len()).collect();
    loop {
        let current: Vec<&str> = keep.iter().map(|&i| words[i]).collect();
        let Some((start, len, copies)) = find_loop(&current) else { return keep };
        keep.drain(start + len..start + len * copies);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(s: &str) -> Vec<&str> {
        s.split_whitespace().collect()
    }

    #[test]
    fn finds_and_collapses_decoder_loops() {
        let text = "and then he said thank you. thank you. thank you. Thank you. thank you. goodbye";
        assert!(has_loop(text));
        let words = w(text);
        let kept: Vec<&str> = collapse_loops(&words).into_iter().map(|i| words[i]).collect();
        assert_eq!(kept.join(" "), "and then he said thank you. goodbye");
        let long = "we will fight on the beaches ".repeat(6) + "end";
        let words = w(&long);
        let kept: Vec<&str> = collapse_loops(&words).into_iter().map(|i| words[i]).collect();
        assert_eq!(kept.join(" "), "we will fight on the beaches end");
    }

    #[test]
    fn leaves_ordinary_speech_alone() {
        assert!(!has_loop("no, no, no, I said the budget is fine"));
        assert!(!has_loop("ask not what your country can do for you ask what you can do for your country"));
        assert!(has_repeated_segments(&["Hello.", "Thanks.", "Thanks", "thanks!"]));
        assert!(!has_repeated_segments(&["Thanks.", "Thanks.", "Bye."]));
    }
}
