//! The transformer engine: Hugging Face sequence classifiers (BERT, DistilBERT, RoBERTa, XLM-R)
//! in their usual folder layout, run through candle.
//!
//! A model folder holds `config.json` (with `id2label`), `model.safetensors` and either
//! `tokenizer.json` or a WordPiece `vocab.txt`. Candle ships the encoders; the classification heads
//! of BERT and DistilBERT are written here, following `modeling_bert.py` / `modeling_distilbert.py`.

use std::collections::BTreeMap;
use std::path::Path;

use byline_core::{Error, Result};
use candle_core::{DType, Device, IndexOp, Module, Tensor};
use candle_nn::{Linear, VarBuilder, linear};
use candle_transformers::models::{bert, distilbert, xlm_roberta};
use serde::Serialize;
use tokenizers::Tokenizer;

mod tokenizer;

/// Sentences per forward pass: enough to keep a CPU busy, small enough for long articles' memory.
pub const BATCH: usize = 16;

enum Arch {
    Bert { model: bert::BertModel, pooler: Linear, classifier: Linear },
    DistilBert { model: distilbert::DistilBertModel, pre_classifier: Linear, classifier: Linear },
    Roberta(xlm_roberta::XLMRobertaForSequenceClassification),
}

pub struct Classifier {
    arch: Arch,
    tokenizer: Tokenizer,
    labels: Vec<String>,
    device: Device,
    pub kind: &'static str,
}

/// Class probabilities of one text and the signed score derived from them.
#[derive(Clone, Debug, Serialize, ts_rs::TS)]
pub struct Prediction {
    pub label: String,
    pub probabilities: Vec<(String, f32)>,
    /// In [-1, 1]: P(positive) − P(negative), or the mean star rating rescaled for 1–5 star models.
    pub score: f64,
}

fn format_err(path: &Path, message: impl ToString) -> Error {
    Error::Format { path: path.to_path_buf(), message: message.to_string() }
}

impl Classifier {
    pub fn load(dir: &Path, device: &Device) -> Result<Classifier> {
        let config_path = dir.join("config.json");
        let text = std::fs::read_to_string(&config_path)
            .map_err(|e| Error::io(format!("reading sentiment model config {}", config_path.display()), e))?;
        let config: serde_json::Value = serde_json::from_str(&text).map_err(|e| format_err(&config_path, e))?;
        let labels = labels(&config).map_err(|m| format_err(&config_path, m))?;
        let model_type = config["model_type"].as_str().unwrap_or_default().to_string();

        let weights_path = dir.join("model.safetensors");
        if !weights_path.is_file() {
            return Err(Error::not_found("model weights", weights_path.display()));
        }
        let tensors =
            candle_core::safetensors::load(&weights_path, device).map_err(|e| format_err(&weights_path, e))?;
        let vb = VarBuilder::from_tensors(tensors, DType::F32, device);
        let n = labels.len();
        let wrap =
            |e: candle_core::Error| format_err(&weights_path, format!("does not fit a {model_type} classifier: {e}"));
        let parse = |e: serde_json::Error| format_err(&config_path, e);
        let (arch, kind) = match model_type.as_str() {
            "distilbert" => {
                let cfg: distilbert::Config = serde_json::from_value(config.clone()).map_err(parse)?;
                let model = distilbert::DistilBertModel::load(vb.clone(), &cfg).map_err(wrap)?;
                let pre_classifier = linear(cfg.dim, cfg.dim, vb.pp("pre_classifier")).map_err(wrap)?;
                let classifier = linear(cfg.dim, n, vb.pp("classifier")).map_err(wrap)?;
                (Arch::DistilBert { model, pre_classifier, classifier }, "distilbert")
            }
            "bert" => {
                let cfg: bert::Config = serde_json::from_value(config.clone()).map_err(parse)?;
                let model = bert::BertModel::load(vb.clone(), &cfg).map_err(wrap)?;
                let base = if vb.contains_tensor("bert.pooler.dense.weight") { vb.pp("bert") } else { vb.clone() };
                let pooler = linear(cfg.hidden_size, cfg.hidden_size, base.pp("pooler").pp("dense")).map_err(wrap)?;
                let classifier = linear(cfg.hidden_size, n, vb.pp("classifier")).map_err(wrap)?;
                (Arch::Bert { model, pooler, classifier }, "bert")
            }
            "roberta" | "xlm-roberta" | "camembert" => {
                let cfg: xlm_roberta::Config = serde_json::from_value(config.clone()).map_err(parse)?;
                let model = xlm_roberta::XLMRobertaForSequenceClassification::new(n, &cfg, vb).map_err(wrap)?;
                (Arch::Roberta(model), "xlm-roberta")
            }
            other => {
                return Err(format_err(
                    &config_path,
                    format!("model_type {other:?} is not supported (bert, distilbert, roberta, xlm-roberta)"),
                ));
            }
        };
        let max_len = config["max_position_embeddings"].as_u64().unwrap_or(512) as usize;
        // RoBERTa's positions start after the padding index, so two positions are unusable.
        let max_len = if kind == "xlm-roberta" { max_len.saturating_sub(2) } else { max_len }.min(512);
        let tokenizer = tokenizer::load(dir, max_len)?;
        Ok(Classifier { arch, tokenizer, labels, device: device.clone(), kind })
    }

    pub fn labels(&self) -> &[String] {
        &self.labels
    }

    /// Classifies texts in batches of [`BATCH`]; padding is masked, so a text's result does not
    /// depend on its batch neighbours.
    pub fn classify(&self, texts: &[&str]) -> Result<Vec<Prediction>> {
        let mut out = Vec::with_capacity(texts.len());
        for chunk in texts.chunks(BATCH) {
            let probs = self.forward(chunk).map_err(|e| Error::InvalidInput(format!("sentiment model failed: {e}")))?;
            for row in probs {
                out.push(self.prediction(row));
            }
        }
        Ok(out)
    }

    fn forward(&self, texts: &[&str]) -> std::result::Result<Vec<Vec<f32>>, String> {
        let inputs: Vec<String> = texts.iter().map(|t| t.to_string()).collect();
        let encodings = self.tokenizer.encode_batch(inputs, true).map_err(|e| e.to_string())?;
        let rows = encodings.len();
        let cols = encodings.iter().map(|e| e.get_ids().len()).max().unwrap_or(0).max(1);
        let mut ids = vec![0u32; rows * cols];
        let mut mask = vec![0u32; rows * cols];
        let pad = self.tokenizer.get_padding().map_or(0, |p| p.pad_id);
        for (r, enc) in encodings.iter().enumerate() {
            for c in 0..cols {
                let (id, m) = match (enc.get_ids().get(c), enc.get_attention_mask().get(c)) {
                    (Some(id), Some(m)) => (*id, *m),
                    _ => (pad, 0),
                };
                ids[r * cols + c] = id;
                mask[r * cols + c] = m;
            }
        }
        let e = |e: candle_core::Error| e.to_string();
        let ids = Tensor::from_vec(ids, (rows, cols), &self.device).map_err(e)?;
        let mask = Tensor::from_vec(mask, (rows, cols), &self.device).map_err(e)?;
        let logits = self.logits(&ids, &mask).map_err(e)?;
        let probs = candle_nn::ops::softmax_last_dim(&logits.to_dtype(DType::F32).map_err(e)?).map_err(e)?;
        probs.to_vec2::<f32>().map_err(e)
    }

    fn logits(&self, ids: &Tensor, mask: &Tensor) -> candle_core::Result<Tensor> {
        match &self.arch {
            Arch::DistilBert { model, pre_classifier, classifier } => {
                // DistilBERT's attention wants 1 where a position must be hidden, shaped (b, 1, 1, s).
                let hide = mask.eq(0u32)?.unsqueeze(1)?.unsqueeze(1)?;
                let hidden = model.forward(ids, &hide)?;
                let cls = hidden.i((.., 0))?;
                classifier.forward(&pre_classifier.forward(&cls)?.relu()?)
            }
            Arch::Bert { model, pooler, classifier } => {
                let hidden = model.forward(ids, &ids.zeros_like()?, Some(mask))?;
                let pooled = pooler.forward(&hidden.i((.., 0))?)?.tanh()?;
                classifier.forward(&pooled)
            }
            Arch::Roberta(model) => model.forward(ids, mask, &ids.zeros_like()?),
        }
    }

    fn prediction(&self, probs: Vec<f32>) -> Prediction {
        let best = probs.iter().enumerate().max_by(|a, b| a.1.total_cmp(b.1)).map_or(0, |(i, _)| i);
        let score = signed_score(&self.labels, &probs);
        Prediction {
            label: self.labels.get(best).cloned().unwrap_or_default(),
            probabilities: self.labels.iter().cloned().zip(probs).collect(),
            score,
        }
    }
}

/// `id2label` in index order; every index from 0 to n−1 must be present.
fn labels(config: &serde_json::Value) -> std::result::Result<Vec<String>, String> {
    let map = config["id2label"].as_object().ok_or("config.json has no id2label")?;
    let mut by_id = BTreeMap::new();
    for (k, v) in map {
        let id: usize = k.parse().map_err(|_| format!("id2label key {k:?} is not a number"))?;
        by_id.insert(id, v.as_str().ok_or("id2label values must be strings")?.to_string());
    }
    if by_id.len() < 2 || by_id.keys().copied().ne(0..by_id.len()) {
        return Err("id2label must name classes 0..n (at least two)".into());
    }
    Ok(by_id.into_values().collect())
}

/// Maps class probabilities to [-1, 1] from the label names. Star-rating models ("1 star" … "5
/// stars") give their expected rating; otherwise positive minus negative. Unnamed two-class labels
/// (`LABEL_0`, `LABEL_1`) follow the SST-2 convention, 1 = positive.
pub fn signed_score(labels: &[String], probs: &[f32]) -> f64 {
    let lower: Vec<String> = labels.iter().map(|l| l.to_lowercase()).collect();
    let stars: Option<Vec<f64>> =
        lower.iter().map(|l| l.split_whitespace().next().and_then(|n| n.parse::<f64>().ok())).collect();
    if let Some(stars) = stars.filter(|_| lower.iter().all(|l| l.contains("star"))) {
        let (lo, hi) = stars.iter().fold((f64::MAX, f64::MIN), |(a, b), &s| (a.min(s), b.max(s)));
        let mean: f64 = stars.iter().zip(probs).map(|(s, p)| s * *p as f64).sum();
        return if hi > lo { 2.0 * (mean - lo) / (hi - lo) - 1.0 } else { 0.0 };
    }
    let sum = |pred: &dyn Fn(&str) -> bool| -> f64 {
        lower.iter().zip(probs).filter(|(l, _)| pred(l)).map(|(_, p)| *p as f64).sum()
    };
    let pos = sum(&|l| l.starts_with("pos") || l == "good");
    let neg = sum(&|l| l.starts_with("neg") || l == "bad");
    if pos == 0.0 && neg == 0.0 && probs.len() == 2 {
        return probs[1] as f64 - probs[0] as f64;
    }
    pos - neg
}
