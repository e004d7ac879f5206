//! Sentence embeddings with a BERT-family sentence-transformers model through candle.
//!
//! A model folder holds `config.json`, `model.safetensors`, `tokenizer.json` and the
//! sentence-transformers `1_Pooling/config.json` (optional `sentence_bert_config.json` for the
//! maximum sequence length). all-MiniLM-L6-v2 and paraphrase-multilingual-MiniLM-L12-v2 both
//! use BERT's architecture (the multilingual one with an XLM-R vocabulary), so one loader serves.
use std::path::{Path, PathBuf};

use byline_core::{Error, Result};
use candle_core::{DType, Device, Tensor};
use candle_nn::VarBuilder;
use candle_transformers::models::bert::{BertModel, Config};
use serde::Deserialize;
use tokenizers::Tokenizer;

/// How token vectors become one sentence vector, as the model's `1_Pooling/config.json` says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pooling {
    Mean,
    Cls,
    Max,
    MeanSqrtLen,
}

#[derive(Deserialize)]
struct PoolingConfig {
    #[serde(default)]
    pooling_mode_cls_token: bool,
    #[serde(default)]
    pooling_mode_mean_tokens: bool,
    #[serde(default)]
    pooling_mode_max_tokens: bool,
    #[serde(default)]
    pooling_mode_mean_sqrt_len_tokens: bool,
}

#[derive(Deserialize)]
struct SentenceBertConfig {
    max_seq_length: Option<usize>,
}

/// One tokenized text, ready for the model.
pub(crate) struct Encoded {
    pub ids: Vec<u32>,
    /// Real tokens other than [CLS]/[SEP]/[UNK]; zero means the model cannot read this text.
    pub known: usize,
}

pub struct Embedder {
    model: BertModel,
    tokenizer: Tokenizer,
    pooling: Pooling,
    device: Device,
    model_id: String,
    max_tokens: usize,
    dim: usize,
    unk_id: Option<u32>,
    batch_size: usize,
}

fn missing(path: &Path) -> Error {
    Error::not_found("model file", path.display())
}

fn corrupt(path: &Path, message: impl std::fmt::Display) -> Error {
    Error::Format { path: path.to_path_buf(), message: message.to_string() }
}

fn read_json<T: for<'de> Deserialize<'de>>(path: &Path) -> Result<T> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            missing(path)
        } else {
            Error::io(format!("reading {}", path.display()), e)
        }
    })?;
    serde_json::from_str(&text).map_err(|e| corrupt(path, e))
}

fn pooling_from(dir: &Path) -> Result<Pooling> {
    let path = dir.join("1_Pooling/config.json");
    if !path.exists() {
        // Plain BERT checkpoints without sentence-transformers metadata: mean pooling is the
        // sentence-transformers default.
        return Ok(Pooling::Mean);
    }
    let cfg: PoolingConfig = read_json(&path)?;
    Ok(if cfg.pooling_mode_mean_tokens {
        Pooling::Mean
    } else if cfg.pooling_mode_cls_token {
        Pooling::Cls
    } else if cfg.pooling_mode_max_tokens {
        Pooling::Max
    } else if cfg.pooling_mode_mean_sqrt_len_tokens {
        Pooling::MeanSqrtLen
    } else {
        return Err(corrupt(&path, "no pooling mode is enabled"));
    })
}

impl Embedder {
    /// Loads a model folder. `model_id` names the vectors in the index (the catalog id).
    pub fn load(dir: &Path, model_id: &str, device: &Device) -> Result<Self> {
        if !dir.is_dir() {
            return Err(Error::not_found("embedding model", dir.display()));
        }
        // candle's loader also tries `<model_type>.`-prefixed names, which covers checkpoints
        // saved from a task head (`bert.encoder…`).
        let config: Config = read_json(&dir.join("config.json"))?;
        let weights = dir.join("model.safetensors");
        if !weights.exists() {
            return Err(missing(&weights));
        }
        let tok_path = dir.join("tokenizer.json");
        if !tok_path.exists() {
            return Err(missing(&tok_path));
        }
        let mut tokenizer = Tokenizer::from_file(&tok_path).map_err(|e| corrupt(&tok_path, e))?;
        // We pad and truncate ourselves, per batch, so the file's settings must not interfere.
        tokenizer.with_padding(None);
        tokenizer.with_truncation(None).map_err(|e| corrupt(&tok_path, e))?;
        let pooling = pooling_from(dir)?;
        let st_max = dir
            .join("sentence_bert_config.json")
            .exists()
            .then(|| read_json::<SentenceBertConfig>(&dir.join("sentence_bert_config.json")))
            .transpose()?
            .and_then(|c| c.max_seq_length);
        // sentence-transformers models were trained on up to 128–256 tokens; feeding 512 dilutes
        // the mean. Without the config file we use 256, the value all-MiniLM-L6-v2 ships with.
        let max_tokens = st_max.unwrap_or(256).min(config.max_position_embeddings).max(8);
        let model = load_weights(&weights, &config, device)?;
        let unk_id = ["[UNK]", "<unk>"].iter().find_map(|t| tokenizer.token_to_id(t));
        Ok(Self {
            model,
            tokenizer,
            pooling,
            device: device.clone(),
            model_id: model_id.to_string(),
            max_tokens,
            dim: config.hidden_size,
            unk_id,
            batch_size: 16,
        })
    }

    pub fn model_id(&self) -> &str {
        &self.model_id
    }

    pub fn dim(&self) -> usize {
        self.dim
    }

    /// Longest input in tokens, special tokens included.
    pub fn max_tokens(&self) -> usize {
        self.max_tokens
    }

    pub fn pooling(&self) -> Pooling {
        self.pooling
    }

    pub fn set_batch_size(&mut self, n: usize) {
        self.batch_size = n.max(1);
    }

    /// Number of tokens (without special tokens) and the byte offsets each token ends at.
    pub(crate) fn token_ends(&self, text: &str) -> Result<Vec<usize>> {
        let enc = self.tokenizer.encode(text, false).map_err(|e| Error::InvalidInput(format!("tokenizing: {e}")))?;
        Ok(enc.get_offsets().iter().map(|&(_, end)| end).collect())
    }

    pub(crate) fn encode(&self, text: &str) -> Result<Encoded> {
        let enc = self.tokenizer.encode(text, true).map_err(|e| Error::InvalidInput(format!("tokenizing: {e}")))?;
        let mut ids = enc.get_ids().to_vec();
        let special = enc.get_special_tokens_mask();
        let known = ids.iter().zip(special).filter(|&(&id, &s)| s == 0 && Some(id) != self.unk_id).count();
        if ids.len() > self.max_tokens {
            // Keep the closing [SEP]/</s>; passages are sized to fit, so this only trims queries.
            let last = ids[ids.len() - 1];
            ids.truncate(self.max_tokens - 1);
            ids.push(last);
        }
        Ok(Encoded { ids, known })
    }

    /// Whether the model can read anything of this text (not only [UNK] tokens).
    pub fn readable(&self, text: &str) -> Result<bool> {
        Ok(self.encode(text)?.known > 0)
    }

    /// Embeds texts in batches; every vector is L2-normalised, so a dot product is a cosine.
    pub fn embed(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>> {
        let encoded = texts.iter().map(|t| self.encode(t)).collect::<Result<Vec<_>>>()?;
        // Sorting by length keeps padding, and so wasted work, small inside each batch.
        let mut order: Vec<usize> = (0..encoded.len()).collect();
        order.sort_by_key(|&i| encoded[i].ids.len());
        let mut out = vec![Vec::new(); texts.len()];
        for chunk in order.chunks(self.batch_size) {
            let batch: Vec<&[u32]> = chunk.iter().map(|&i| encoded[i].ids.as_slice()).collect();
            let vectors = self.forward(&batch).map_err(|e| Error::InvalidInput(format!("embedding: {e}")))?;
            for (&i, v) in chunk.iter().zip(vectors) {
                out[i] = v;
            }
        }
        Ok(out)
    }

    fn forward(&self, batch: &[&[u32]]) -> candle_core::Result<Vec<Vec<f32>>> {
        let len = batch.iter().map(|b| b.len()).max().unwrap_or(0);
        let mut ids = Vec::with_capacity(batch.len() * len);
        let mut mask = Vec::with_capacity(batch.len() * len);
        for row in batch {
            ids.extend_from_slice(row);
            ids.extend(std::iter::repeat_n(0u32, len - row.len()));
            mask.extend(std::iter::repeat_n(1u32, row.len()));
            mask.extend(std::iter::repeat_n(0u32, len - row.len()));
        }
        let ids = Tensor::from_vec(ids, (batch.len(), len), &self.device)?;
        let mask = Tensor::from_vec(mask, (batch.len(), len), &self.device)?;
        let types = ids.zeros_like()?;
        let hidden = self.model.forward(&ids, &types, Some(&mask))?; // (batch, len, dim)
        let maskf = mask.to_dtype(DType::F32)?.unsqueeze(2)?; // (batch, len, 1)
        let pooled = match self.pooling {
            Pooling::Cls => hidden.narrow(1, 0, 1)?.squeeze(1)?,
            Pooling::Max => {
                // Padding must never win the max: push it far below any real activation.
                let penalty = ((maskf.ones_like()? - &maskf)? * 1e4)?;
                hidden.broadcast_sub(&penalty)?.max(1)?
            }
            Pooling::Mean | Pooling::MeanSqrtLen => {
                let sum = hidden.broadcast_mul(&maskf)?.sum(1)?;
                let count = maskf.sum(1)?.clamp(1e-9, f64::MAX)?;
                let count = if self.pooling == Pooling::MeanSqrtLen { count.sqrt()? } else { count };
                sum.broadcast_div(&count)?
            }
        };
        let norm = pooled.sqr()?.sum_keepdim(1)?.sqrt()?.clamp(1e-12, f64::MAX)?;
        pooled.broadcast_div(&norm)?.to_dtype(DType::F32)?.to_vec2()
    }
}

fn load_weights(path: &PathBuf, config: &Config, device: &Device) -> Result<BertModel> {
    // Reading the file ourselves (rather than memory-mapping it) keeps the crate free of
    // `unsafe` and turns a truncated or garbled file into an error instead of a crash.
    let bytes = std::fs::read(path).map_err(|e| Error::io(format!("reading {}", path.display()), e))?;
    let vb = VarBuilder::from_buffered_safetensors(bytes, DType::F32, device).map_err(|e| corrupt(path, e))?;
    BertModel::load(vb, config).map_err(|e| corrupt(path, format!("not a BERT sentence-embedding model: {e}")))
}
