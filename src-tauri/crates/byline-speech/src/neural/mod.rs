//! Neural read-aloud with Parler-TTS: a T5 encoder reads a plain-words description of the voice ("a calm
//! female voice, close to the microphone"), a decoder writes DAC audio codes for the sentence (nine codebooks
//! in a delay pattern), and the DAC decoder turns them into 44.1 kHz speech.
//!
//! A model folder is laid out as published (`parler-tts/parler-tts-mini-v1`): `config.json`,
//! `model.safetensors` (or shards with `model.safetensors.index.json`) and `tokenizer.json`. Weights are
//! mapped, not read, and computed in f32.

mod config;
mod model;

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use byline_core::{CancelToken, Error, Result};
use candle_core::{DType, Device};
use candle_nn::VarBuilder;
use tokenizers::Tokenizer;

pub use config::{CodecConfig, ParlerConfig, weight_files};
pub use model::{GenerateParams, ParlerTts};

use crate::engine::SpeechEngine;
use crate::text::{Lang, Sentence};

/// The voice Parler-TTS's authors suggest for clear narration.
pub const DEFAULT_DESCRIPTION: &str = "A female speaker delivers a slightly expressive and animated speech with a \
     moderate speed and pitch. The recording is of very high quality, with the speaker's voice sounding clear and \
     very close up.";

/// The longest sentence the engine will generate, in seconds (Parler-TTS v1 was trained on clips up to 30 s).
pub const MAX_SECONDS: f64 = 30.0;
/// The shortest audio a sentence gets before the model may end it.
pub const MIN_SECONDS: f64 = 0.25;
/// Generous per-character allowance (about 10 characters a second, where a newsreader reads about 15),
/// plus a fixed lead-in: the cap on generation for a sentence of a given length.
const SECONDS_PER_CHAR: f64 = 0.1;
const LEAD_SECONDS: f64 = 1.5;

/// How the neural engine speaks.
#[derive(Debug, Clone)]
pub struct NeuralOptions {
    /// The voice, described in words.
    pub description: String,
    /// Same seed, same text, same model → the same audio.
    pub seed: u64,
    /// Sampling temperature; 0 is greedy (tends to drone), 1 is what the model was trained for.
    pub temperature: f64,
    pub top_p: Option<f64>,
    /// Cap per sentence, at most [`MAX_SECONDS`].
    pub max_seconds: f64,
}

impl Default for NeuralOptions {
    fn default() -> Self {
        Self {
            description: DEFAULT_DESCRIPTION.into(),
            seed: 0,
            temperature: 1.0,
            top_p: None,
            max_seconds: MAX_SECONDS,
        }
    }
}

/// Parler-TTS behind [`SpeechEngine`]. English only: the published models cannot read Chinese.
pub struct NeuralEngine {
    model: Mutex<ParlerTts>,
    tokenizer: Tokenizer,
    description_ids: Vec<u32>,
    options: NeuralOptions,
    dir: PathBuf,
}

impl NeuralEngine {
    /// Loads a model folder onto `device` (from `byline_device::select`).
    pub fn load(dir: &Path, device: &Device, options: NeuralOptions) -> Result<Self> {
        if !dir.is_dir() {
            return Err(Error::not_found("speech model folder", dir.display()));
        }
        let config = ParlerConfig::load(&required(dir, "config.json")?)?;
        let tokenizer_path = required(dir, "tokenizer.json")?;
        let tokenizer = Tokenizer::from_file(&tokenizer_path)
            .map_err(|e| Error::Format { path: tokenizer_path.clone(), message: format!("not a tokenizer: {e}") })?;
        let files = weight_files(dir)?;
        let vb = mmap(&files, device)?;
        let model = ParlerTts::new(&config, vb).map_err(|e| Error::Format {
            path: dir.to_path_buf(),
            message: format!("the weights do not match config.json: {e}"),
        })?;
        let description = options.description.trim();
        if description.is_empty() {
            return Err(Error::InvalidInput("the voice description is empty".into()));
        }
        let description_ids = encode(&tokenizer, description, config.text_encoder.vocab_size)?;
        Ok(Self { model: Mutex::new(model), tokenizer, description_ids, options, dir: dir.to_path_buf() })
    }

    pub fn model_dir(&self) -> &Path {
        &self.dir
    }

    pub fn options(&self) -> &NeuralOptions {
        &self.options
    }

    /// Audio samples per generated frame.
    pub fn hop_length(&self) -> usize {
        self.with_config(|c| c.audio_encoder.hop_length())
    }

    /// Fewest and most frames a text of this length may get: the audio is between
    /// `min × hop_length` and `max × hop_length` samples long.
    pub fn frame_budget(&self, text: &str) -> (usize, usize) {
        self.with_config(|c| frame_budget(c, &self.options, text))
    }

    /// Synthesizes `text`, calling `on_step` before each decoder step (for progress, or to stop after n steps).
    pub fn synthesize_text(
        &self,
        text: &str,
        cancel: &CancelToken,
        on_step: &mut dyn FnMut(usize),
    ) -> Result<Vec<f32>> {
        cancel.check()?;
        let text = text.trim();
        if text.is_empty() {
            return Ok(Vec::new());
        }
        let mut model = self.model.lock().map_err(|_| Error::Unavailable("the speech model crashed earlier".into()))?;
        let prompt = encode(&self.tokenizer, text, model.config.vocab_size)?;
        let (min_frames, mut max_frames) = frame_budget(&model.config, &self.options, text);
        let positions = model.config.decoder.max_position_embeddings;
        let k = model.config.decoder.num_codebooks;
        // Positions used: the prompt, then one per step (max_frames + k − 1 steps).
        let room = positions.saturating_sub(prompt.len() + k);
        if room < min_frames {
            return Err(Error::InvalidInput(format!(
                "the sentence is too long for this speech model ({} tokens)",
                prompt.len()
            )));
        }
        max_frames = max_frames.min(room);
        let params = GenerateParams {
            seed: self.options.seed,
            temperature: self.options.temperature,
            top_p: self.options.top_p,
            min_frames,
            max_frames,
        };
        let codes = model.generate(&prompt, &self.description_ids, &params, cancel, on_step)?;
        cancel.check()?;
        model.decode(&codes)
    }

    fn with_config<T>(&self, f: impl FnOnce(&ParlerConfig) -> T) -> T {
        // A poisoned lock still holds a valid config: only the KV caches could be half-written.
        let guard = self.model.lock().unwrap_or_else(|p| p.into_inner());
        f(&guard.config)
    }
}

impl SpeechEngine for NeuralEngine {
    fn sample_rate(&self) -> u32 {
        self.with_config(|c| c.audio_encoder.sampling_rate)
    }

    fn synthesize(&self, sentence: &Sentence, cancel: &CancelToken) -> Result<Vec<f32>> {
        if sentence.lang == Lang::Zh {
            return Err(Error::Unavailable(
                "the neural voice reads English only; use the eSpeak engine for Chinese text".into(),
            ));
        }
        self.synthesize_text(&sentence.spoken, cancel, &mut |_| {})
    }
}

fn frame_budget(config: &ParlerConfig, options: &NeuralOptions, text: &str) -> (usize, usize) {
    let chars = text.chars().filter(|c| !c.is_whitespace()).count() as f64;
    let fps = config.audio_encoder.frame_rate();
    let seconds = (LEAD_SECONDS + chars * SECONDS_PER_CHAR).min(options.max_seconds.min(MAX_SECONDS));
    let max = ((seconds * fps).ceil() as usize).max(1);
    let min = ((MIN_SECONDS * fps).ceil() as usize).clamp(1, max);
    // The decoder's learned positions cover the prompt and every step; the prompt's share is taken later.
    (min, max.min(config.decoder.max_position_embeddings))
}

fn required(dir: &Path, name: &str) -> Result<PathBuf> {
    let path = dir.join(name);
    if path.is_file() {
        Ok(path)
    } else {
        Err(Error::Format { path: dir.to_path_buf(), message: format!("{name} is missing from the model folder") })
    }
}

/// Token ids of `text`, checked against the embedding they index.
fn encode(tokenizer: &Tokenizer, text: &str, vocab: usize) -> Result<Vec<u32>> {
    let encoding =
        tokenizer.encode(text, true).map_err(|e| Error::InvalidInput(format!("cannot tokenize the text: {e}")))?;
    let ids = encoding.get_ids().to_vec();
    if ids.is_empty() {
        return Err(Error::InvalidInput(format!("the tokenizer produced no tokens for {text:?}")));
    }
    if let Some(bad) = ids.iter().find(|&&id| id as usize >= vocab) {
        return Err(Error::InvalidInput(format!(
            "token id {bad} is outside the model's vocabulary of {vocab}: tokenizer.json does not belong to this model"
        )));
    }
    Ok(ids)
}

// Mapping instead of reading: Parler-TTS mini is 3.5 GB in f32 and would otherwise sit in memory twice.
#[allow(unsafe_code)]
fn mmap(files: &[PathBuf], device: &Device) -> Result<VarBuilder<'static>> {
    // SAFETY: the weights are read-only model files; nothing in Byline writes to them while they are mapped
    // (the model store replaces files by rename, never in place). Truncated files are caught by the header
    // check in safetensors before any tensor is touched.
    unsafe { VarBuilder::from_mmaped_safetensors(files, DType::F32, device) }.map_err(|e| Error::Format {
        path: files.first().cloned().unwrap_or_default(),
        message: format!("cannot read the weights: {e}"),
    })
}
