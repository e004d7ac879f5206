//! `config.json` of a Parler-TTS folder (as published for `parler-tts/parler-tts-mini-v1`): the T5 description
//! encoder, the multi-codebook decoder and the DAC audio codec, each a sub-config.

use std::path::{Path, PathBuf};

use byline_core::{Error, Result};
use candle_transformers::models::{parler_tts, t5};
use serde::Deserialize;

/// The whole model's configuration. Unknown keys (there are many in the published files) are ignored.
#[derive(Debug, Clone, Deserialize)]
pub struct ParlerConfig {
    /// Token that starts every codebook's stream (`bos`, 1025 in the published models).
    pub decoder_start_token_id: u32,
    /// Token that pads a codebook after its end; Parler uses the same id as end-of-stream (1024).
    pub pad_token_id: u32,
    /// Vocabulary of the prompt (the text to speak), embedded by `embed_prompts`.
    pub vocab_size: usize,
    pub decoder: parler_tts::DecoderConfig,
    pub text_encoder: t5::Config,
    pub audio_encoder: CodecConfig,
}

/// The DAC codec. The published config names only what differs between DAC variants' quantizers; the decoder's
/// width, upsampling rates and code dimension default to those of the 44.1 kHz DAC that Parler-TTS uses, and
/// may be given explicitly for other DAC builds.
#[derive(Debug, Clone, Deserialize)]
pub struct CodecConfig {
    pub num_codebooks: usize,
    pub codebook_size: usize,
    pub latent_dim: usize,
    pub sampling_rate: u32,
    #[serde(default = "default_decoder_dim")]
    pub decoder_dim: usize,
    #[serde(default = "default_upsampling_ratios")]
    pub upsampling_ratios: Vec<usize>,
    #[serde(default = "default_codebook_dim")]
    pub codebook_dim: usize,
}

fn default_decoder_dim() -> usize {
    1536
}

fn default_upsampling_ratios() -> Vec<usize> {
    vec![8, 8, 4, 2]
}

fn default_codebook_dim() -> usize {
    8
}

impl CodecConfig {
    /// Audio samples per codec frame.
    pub fn hop_length(&self) -> usize {
        self.upsampling_ratios.iter().product()
    }

    /// Codec frames per second of audio.
    pub fn frame_rate(&self) -> f64 {
        f64::from(self.sampling_rate) / self.hop_length() as f64
    }
}

impl ParlerConfig {
    pub fn load(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(format!("reading {}", path.display()), e))?;
        let config: ParlerConfig = serde_json::from_str(&text).map_err(|e| Error::Format {
            path: path.to_path_buf(),
            message: format!("not a Parler-TTS config: {e}"),
        })?;
        config.validate().map_err(|message| Error::Format { path: path.to_path_buf(), message })?;
        Ok(config)
    }

    /// Checks the relations between sub-configs that the modules assume but do not check, so a mismatched
    /// config fails here with a sentence instead of deep inside a tensor op.
    fn validate(&self) -> std::result::Result<(), String> {
        let d = &self.decoder;
        let codec = &self.audio_encoder;
        if d.num_codebooks == 0 || d.num_codebooks != codec.num_codebooks {
            return Err(format!(
                "the decoder predicts {} codebooks but the audio codec has {}",
                d.num_codebooks, codec.num_codebooks
            ));
        }
        if d.num_attention_heads == 0 || !d.hidden_size.is_multiple_of(d.num_attention_heads) {
            return Err(format!("hidden_size {} is not divisible by {} heads", d.hidden_size, d.num_attention_heads));
        }
        if d.rope_embeddings {
            return Err("rotary position embeddings are not supported (Parler-TTS v1 uses learned positions)".into());
        }
        // Every real code, the end token and the start token must be inside the decoder's vocabulary.
        let pad = self.pad_token_id as usize;
        let start = self.decoder_start_token_id as usize;
        if codec.codebook_size == 0 || pad < codec.codebook_size || pad >= d.vocab_size || start > d.vocab_size {
            return Err(format!(
                "token ids do not fit: codebook size {}, pad/end {pad}, start {start}, decoder vocabulary {}",
                codec.codebook_size, d.vocab_size
            ));
        }
        if codec.upsampling_ratios.is_empty() || codec.upsampling_ratios.contains(&0) || codec.sampling_rate == 0 {
            return Err("the audio codec needs a sampling rate and non-zero upsampling ratios".into());
        }
        if codec.decoder_dim >> codec.upsampling_ratios.len() == 0 {
            return Err(format!(
                "codec decoder_dim {} is too small for {} upsampling blocks",
                codec.decoder_dim,
                codec.upsampling_ratios.len()
            ));
        }
        if d.max_position_embeddings < 2 {
            return Err("max_position_embeddings is too small to generate anything".into());
        }
        Ok(())
    }
}

/// The weight files of a model folder: one `model.safetensors`, or the shards an index file lists.
pub fn weight_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let single = dir.join("model.safetensors");
    if single.is_file() {
        return Ok(vec![single]);
    }
    let index = dir.join("model.safetensors.index.json");
    if !index.is_file() {
        return Err(Error::Format {
            path: dir.to_path_buf(),
            message: "no model.safetensors (or model.safetensors.index.json) in the model folder".into(),
        });
    }
    let text = std::fs::read_to_string(&index).map_err(|e| Error::io(format!("reading {}", index.display()), e))?;
    #[derive(Deserialize)]
    struct Index {
        weight_map: std::collections::BTreeMap<String, String>,
    }
    let parsed: Index = serde_json::from_str(&text)
        .map_err(|e| Error::Format { path: index.clone(), message: format!("not a safetensors index: {e}") })?;
    let mut files: Vec<PathBuf> = parsed.weight_map.values().map(|f| dir.join(f)).collect();
    files.sort();
    files.dedup();
    if let Some(missing) = files.iter().find(|f| !f.is_file()) {
        return Err(Error::Format {
            path: missing.clone(),
            message: "a weight shard listed in model.safetensors.index.json is missing".into(),
        });
    }
    Ok(files)
}
