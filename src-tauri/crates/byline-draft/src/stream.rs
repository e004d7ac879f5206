//! Turning generated token ids into text pieces that are safe to show: never half a UTF-8 character, and
//! never the beginning of a stop string that may still complete.

use byline_core::{Error, Result};
use tokenizers::Tokenizer;

/// Decodes tokens incrementally. A byte-level BPE token can hold a fragment of a multi-byte character
/// (most Chinese characters span two tokens in such vocabularies); the decoder renders an incomplete
/// sequence as U+FFFD, so a piece is held back until the decoded text no longer ends in one.
pub struct TokenStream<'a> {
    tokenizer: &'a Tokenizer,
    tokens: Vec<u32>,
    /// Decoding restarts at `prev` so that decoders that look at neighbouring tokens (leading spaces)
    /// see the same context as a full decode would.
    prev: usize,
    current: usize,
}

impl<'a> TokenStream<'a> {
    pub fn new(tokenizer: &'a Tokenizer) -> Self {
        TokenStream { tokenizer, tokens: Vec::new(), prev: 0, current: 0 }
    }

    fn decode(&self, tokens: &[u32]) -> Result<String> {
        self.tokenizer.decode(tokens, true).map_err(|e| Error::InvalidInput(format!("cannot decode tokens: {e}")))
    }

    /// The new text that `token` completes, if any.
    pub fn push(&mut self, token: u32) -> Result<Option<String>> {
        let before = self.decode(&self.tokens[self.prev..self.current])?;
        self.tokens.push(token);
        let text = self.decode(&self.tokens[self.prev..])?;
        if text.len() > before.len() && !text.ends_with('\u{FFFD}') {
            let piece = match text.strip_prefix(before.as_str()) {
                Some(rest) => rest.to_string(),
                // The decoder rewrote earlier text (rare); show only what is new by character count.
                None => text.chars().skip(before.chars().count()).collect(),
            };
            self.prev = self.current;
            self.current = self.tokens.len();
            Ok(Some(piece))
        } else {
            Ok(None)
        }
    }

    /// Whatever is still held back at the end of generation.
    pub fn flush(&mut self) -> Result<Option<String>> {
        let before = self.decode(&self.tokens[self.prev..self.current])?;
        let text = self.decode(&self.tokens[self.prev..])?;
        self.prev = self.tokens.len();
        self.current = self.tokens.len();
        Ok(text.strip_prefix(before.as_str()).filter(|rest| !rest.is_empty()).map(str::to_string))
    }

    pub fn len(&self) -> usize {
        self.tokens.len()
    }

    pub fn is_empty(&self) -> bool {
        self.tokens.is_empty()
    }
}

/// Cuts the output at the first stop string. Text that could be the start of a stop string is held back,
/// so the reader never sees "###" flash up and vanish.
pub struct StopFilter {
    stops: Vec<String>,
    text: String,
    emitted: usize,
    stopped: bool,
}

impl StopFilter {
    pub fn new(stops: &[String]) -> Self {
        let stops = stops.iter().filter(|s| !s.is_empty()).cloned().collect();
        StopFilter { stops, text: String::new(), emitted: 0, stopped: false }
    }

    /// Adds a piece; returns the text now safe to show. Once a stop string is found, `stopped()` is true.
    pub fn push(&mut self, piece: &str) -> String {
        if self.stopped {
            return String::new();
        }
        // Search only where a new match can start: just before the unshown tail.
        let search_from = self.emitted;
        self.text.push_str(piece);
        let first_stop = self.stops.iter().filter_map(|s| self.text[search_from..].find(s.as_str())).min();
        let end = match first_stop {
            Some(pos) => {
                self.stopped = true;
                self.text.truncate(search_from + pos);
                self.text.len()
            }
            None => self.text.len() - self.held_back(),
        };
        let out = self.text[self.emitted..end].to_string();
        self.emitted = end;
        out
    }

    /// Length of the longest suffix of the text that begins some stop string.
    fn held_back(&self) -> usize {
        let tail = &self.text[self.emitted..];
        let mut longest = 0;
        for stop in &self.stops {
            for (i, _) in tail.char_indices() {
                let suffix = &tail[i..];
                if suffix.len() > longest && stop.starts_with(suffix) {
                    longest = suffix.len();
                }
            }
        }
        longest
    }

    /// The held-back tail once generation ends without a stop string.
    pub fn finish(&mut self) -> String {
        if self.stopped {
            return String::new();
        }
        let out = self.text[self.emitted..].to_string();
        self.emitted = self.text.len();
        out
    }

    pub fn stopped(&self) -> bool {
        self.stopped
    }

    /// Everything shown so far, stop string excluded.
    pub fn text(&self) -> &str {
        &self.text[..self.emitted]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(stops: &[&str], pieces: &[&str]) -> (Vec<String>, bool) {
        let stops: Vec<String> = stops.iter().map(|s| s.to_string()).collect();
        let mut f = StopFilter::new(&stops);
        let mut out: Vec<String> = pieces.iter().map(|p| f.push(p)).collect();
        out.push(f.finish());
        (out, f.stopped())
    }

    #[test]
    fn stop_split_across_pieces_is_never_shown() {
        let (out, stopped) = run(&["###"], &["Paris", " #", "#", "# more"]);
        assert_eq!(out.concat(), "Paris ");
        assert!(stopped);
        assert!(out.iter().all(|p| !p.contains('#')), "{out:?}");
    }

    #[test]
    fn false_start_is_released() {
        let (out, stopped) = run(&["\n\n"], &["a\n", "b", "c"]);
        assert_eq!(out, vec!["a", "\nb", "c", ""]);
        assert!(!stopped);
    }

    #[test]
    fn multibyte_text_and_stops() {
        let (out, stopped) = run(&["。结束"], &["巴黎", "。", "结束", "以后"]);
        assert_eq!(out.concat(), "巴黎");
        assert!(stopped);
    }
}
