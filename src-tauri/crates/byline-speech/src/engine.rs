//! Speech engines behind one trait, and the streaming loop that speaks a text sentence by sentence.

use byline_core::{CancelToken, Result};
use serde::Serialize;

use crate::espeak::{self, EspeakSettings};
use crate::text::{Lang, Sentence};

/// Something that turns one prepared sentence into audio.
pub trait SpeechEngine: Send + Sync {
    /// Output rate in Hz; every call to [`SpeechEngine::synthesize`] returns audio at this rate.
    fn sample_rate(&self) -> u32;
    /// Mono samples in −1..1 for the sentence's `spoken` text.
    fn synthesize(&self, sentence: &Sentence, cancel: &CancelToken) -> Result<Vec<f32>>;
}

/// eSpeak NG with one voice per language.
#[derive(Debug, Clone)]
pub struct Espeak {
    pub english_voice: String,
    pub chinese_voice: String,
    pub rate: u32,
    pub pitch: u32,
    sample_rate: u32,
}

impl Espeak {
    pub fn new(english_voice: &str, chinese_voice: &str, rate: u32, pitch: u32) -> Result<Self> {
        Ok(Self {
            english_voice: english_voice.into(),
            chinese_voice: chinese_voice.into(),
            rate,
            pitch,
            sample_rate: espeak::sample_rate()?,
        })
    }

    /// American English and Mandarin at the normal rate.
    pub fn default_voices() -> Result<Self> {
        Self::new("en-us", "cmn", espeak::RATE_NORMAL, 50)
    }
}

impl SpeechEngine for Espeak {
    fn sample_rate(&self) -> u32 {
        self.sample_rate
    }

    fn synthesize(&self, sentence: &Sentence, cancel: &CancelToken) -> Result<Vec<f32>> {
        let voice = match sentence.lang {
            Lang::En => &self.english_voice,
            Lang::Zh => &self.chinese_voice,
        };
        let settings = EspeakSettings { voice: voice.clone(), rate: self.rate, pitch: self.pitch };
        let samples = espeak::synthesize(&sentence.spoken, &settings, cancel)?;
        Ok(samples.into_iter().map(|s| f32::from(s) / 32_768.0).collect())
    }
}

/// One spoken sentence, in order, with where it starts in the whole audio.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct SpokenSentence {
    pub sentence: Sentence,
    /// Sample offset of this chunk in the complete audio.
    pub start_sample: u64,
    #[serde(skip)]
    pub samples: Vec<f32>,
    pub sample_rate: u32,
}

/// Silence between paragraphs, like an SSML `<break>`: a newsreader's breath before the next thought.
pub const PARAGRAPH_PAUSE_MS: u32 = 450;

/// Speaks the sentences in order, handing each to `sink` as soon as it is ready, so playback or writing can
/// start with the first sentence. A paragraph pause is prepended to the first sentence of each new paragraph.
/// Stops with `Error::Cancelled` between (and, for eSpeak, within) sentences.
pub fn speak(
    sentences: &[Sentence],
    engine: &dyn SpeechEngine,
    cancel: &CancelToken,
    sink: &mut dyn FnMut(SpokenSentence) -> Result<()>,
) -> Result<u64> {
    let rate = engine.sample_rate();
    let pause = (rate as u64 * PARAGRAPH_PAUSE_MS as u64 / 1000) as usize;
    let mut position = 0u64;
    let mut previous_paragraph = None;
    for sentence in sentences {
        cancel.check()?;
        let mut samples = Vec::new();
        if previous_paragraph.is_some_and(|p| p != sentence.paragraph) {
            samples.resize(pause, 0.0);
        }
        previous_paragraph = Some(sentence.paragraph);
        samples.extend(engine.synthesize(sentence, cancel)?);
        let len = samples.len() as u64;
        sink(SpokenSentence { sentence: sentence.clone(), start_sample: position, samples, sample_rate: rate })?;
        position += len;
    }
    Ok(position)
}
