//! What the user can choose for one transcription; stored with the raw transcript.

use byline_core::{Error, Result};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[serde(default)]
#[ts(optional_fields = nullable)]
pub struct Options {
    /// Language code ("en", "de"); `None` or "auto" detects it (multilingual models only).
    pub language: Option<String>,
    /// Translate the speech to English (multilingual models only).
    pub translate: bool,
    /// Initial prompt: custom vocabulary, names, spellings.
    pub prompt: Option<String>,
    /// Only this part of the audio, in seconds from the start.
    pub start_s: Option<f64>,
    pub end_s: Option<f64>,
    /// Worker threads for whisper.cpp; `None` uses the available cores (at most 8).
    pub threads: Option<usize>,
    /// Decode the pauses too: voice-activity detection off (it is on whenever its model is installed).
    pub no_vad: bool,
    /// Who speaks when: `None` leaves speakers out, `Some(0)` finds how many there are, `Some(n)` splits
    /// the speech between exactly `n` speakers.
    pub speakers: Option<u32>,
}

/// The most speakers one transcript can be split between.
pub const MAX_SPEAKERS: u32 = 20;

/// Parses `auto` or a number of speakers for [`Options::speakers`].
pub fn parse_speakers(text: &str) -> Result<Option<u32>> {
    match text.trim() {
        "auto" => Ok(Some(0)),
        "off" | "none" => Ok(None),
        n => match n.parse::<u32>() {
            Ok(n) if (1..=MAX_SPEAKERS).contains(&n) => Ok(Some(n)),
            _ => Err(Error::InvalidInput(format!(
                "speakers {text:?}: use auto, off or a number from 1 to {MAX_SPEAKERS}"
            ))),
        },
    }
}

impl Options {
    pub fn threads(&self) -> usize {
        self.threads
            .filter(|&n| n > 0)
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get()).min(8))
    }

    /// The chosen language, or `None` for auto-detection.
    pub fn language(&self) -> Option<&str> {
        self.language.as_deref().map(str::trim).filter(|l| !l.is_empty() && *l != "auto")
    }

    /// Checks the range and language code before any work starts.
    pub fn validate(&self) -> Result<()> {
        if let Some(lang) = self.language()
            && whisper_rs::get_lang_id(lang).is_none()
        {
            return Err(Error::InvalidInput(format!("unknown language code {lang:?} (use e.g. en, de, fr or auto)")));
        }
        if let Some(n) = self.speakers
            && n > MAX_SPEAKERS
        {
            return Err(Error::InvalidInput(format!("{n} speakers is too many (at most {MAX_SPEAKERS})")));
        }
        let start = self.start_s.unwrap_or(0.0);
        if !start.is_finite() || start < 0.0 {
            return Err(Error::InvalidInput(format!("the range start {start} must be a time of zero or more")));
        }
        if let Some(end) = self.end_s
            && (!end.is_finite() || end <= start)
        {
            return Err(Error::InvalidInput(format!("the range end {end} must come after its start {start}")));
        }
        Ok(())
    }
}

/// Parses a time range such as `1:30-2:45`, `90-`, `-45.5` or `0:01:00-0:02:00` into seconds.
pub fn parse_range(text: &str) -> Result<(Option<f64>, Option<f64>)> {
    let bad = || Error::InvalidInput(format!("bad range {text:?}: use START-END, e.g. 1:30-2:45, 90- or -45"));
    let (a, b) = text.split_once('-').ok_or_else(bad)?;
    let time = |s: &str| -> Result<Option<f64>> {
        let s = s.trim();
        if s.is_empty() {
            return Ok(None);
        }
        let mut total = 0.0;
        for part in s.split(':') {
            let v: f64 = part.parse().map_err(|_| bad())?;
            total = total * 60.0 + v;
        }
        Ok(Some(total))
    };
    Ok((time(a)?, time(b)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_ranges_and_validates() {
        assert_eq!(parse_range("1:30-2:45").expect("range"), (Some(90.0), Some(165.0)));
        assert_eq!(parse_range("90-").expect("range"), (Some(90.0), None));
        assert_eq!(parse_range("-45.5").expect("range"), (None, Some(45.5)));
        assert_eq!(parse_range("0:01:00-0:02:00").expect("range"), (Some(60.0), Some(120.0)));
        assert!(parse_range("abc").is_err());
        let o = Options { start_s: Some(10.0), end_s: Some(5.0), ..Default::default() };
        assert!(o.validate().is_err());
        let o = Options { language: Some("xx-nope".into()), ..Default::default() };
        assert!(o.validate().is_err());
        let o = Options { language: Some("auto".into()), ..Default::default() };
        assert!(o.validate().is_ok() && o.language().is_none());
    }
}
