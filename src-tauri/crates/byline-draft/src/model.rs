//! GGUF language models through candle's quantized implementations, chosen by `general.architecture`.
//!
//! Every request starts at position 0, and every supported implementation drops its KV cache there, so one
//! loaded model serves request after request without reloading.
//!
//! On the CPU, llama and qwen2 files whose tensor types byline-kernels runs take the fast path in
//! [`crate::fast`]; everything else, and every GPU, runs candle's implementation.

use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};

use byline_core::{CancelToken, Error, Result};
use candle_core::quantized::gguf_file;
use candle_core::{Device, Tensor};
use candle_transformers::models::{
    quantized_gemma3, quantized_llama, quantized_phi3, quantized_qwen2, quantized_qwen3,
};
use serde::Serialize;

use crate::fast::FastModel;

/// The model families Byline runs. Mistral and SmolLM2 GGUFs declare `llama`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "lowercase")]
pub enum Arch {
    Llama,
    Qwen2,
    Qwen3,
    Phi3,
    Gemma3,
}

impl Arch {
    pub fn from_gguf_name(name: &str) -> Option<Self> {
        Some(match name {
            "llama" | "mistral" => Arch::Llama,
            "qwen2" => Arch::Qwen2,
            "qwen3" => Arch::Qwen3,
            "phi3" => Arch::Phi3,
            "gemma" | "gemma2" | "gemma3" => Arch::Gemma3,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            Arch::Llama => "llama",
            Arch::Qwen2 => "qwen2",
            Arch::Qwen3 => "qwen3",
            Arch::Phi3 => "phi3",
            Arch::Gemma3 => "gemma3",
        }
    }
}

pub const SUPPORTED: &str = "llama (Llama 3, SmolLM2, Mistral), qwen2, qwen3, phi3, gemma/gemma2/gemma3";

enum Weights {
    Fast(Box<FastModel>),
    Llama(quantized_llama::ModelWeights),
    Qwen2(quantized_qwen2::ModelWeights),
    Qwen3(quantized_qwen3::ModelWeights),
    Phi3(quantized_phi3::ModelWeights),
    Gemma3(quantized_gemma3::ModelWeights),
}

/// A loaded GGUF model: weights plus the facts generation needs from the header.
pub struct Model {
    weights: Weights,
    pub arch: Arch,
    /// The architecture string exactly as the file declares it.
    pub arch_name: String,
    /// Longest sequence (prompt + output) this implementation can attend over.
    pub context_length: usize,
    pub device: Device,
    pub path: PathBuf,
}

fn format_err(path: &Path, message: impl Into<String>) -> Error {
    Error::Format { path: path.to_path_buf(), message: message.into() }
}

/// Reads the header and checks that the data of every tensor lies inside the file, so a truncated download
/// is reported as such instead of as an I/O error halfway through loading.
pub fn read_content(path: &Path) -> Result<gguf_file::Content> {
    // Byline's own header check first: candle's reader divides by `general.alignment` (a file declaring 0
    // panicked on load) and trusts the declared counts.
    byline_models::formats::check_file(path).map_err(|e| match e {
        Error::Format { message, .. } => {
            format_err(path, format!("{message}; the file may be truncated or damaged: download it again"))
        }
        other => other,
    })?;
    let file = File::open(path).map_err(|e| Error::io(format!("opening {}", path.display()), e))?;
    let len = file.metadata().map_err(|e| Error::io(format!("reading {}", path.display()), e))?.len();
    let mut reader = BufReader::new(file);
    let content = gguf_file::Content::read(&mut reader)
        .map_err(|e| format_err(path, format!("not a readable GGUF file ({e}); the file may be truncated")))?;
    for (name, info) in &content.tensor_infos {
        let blocks = info.shape.elem_count() / info.ggml_dtype.block_size();
        // Saturating: crafted offsets must give "truncated", not an overflow.
        let bytes = (blocks as u64).saturating_mul(info.ggml_dtype.type_size() as u64);
        let end = content.tensor_data_offset.saturating_add(info.offset).saturating_add(bytes);
        if end > len {
            return Err(format_err(
                path,
                format!(
                    "is truncated: tensor {name} ends at byte {end} but the file has {len} bytes; download it again"
                ),
            ));
        }
    }
    Ok(content)
}

fn md_u32(content: &gguf_file::Content, key: &str) -> Option<usize> {
    content.metadata.get(key).and_then(|v| v.to_u32().ok()).map(|v| v as usize)
}

pub fn architecture(content: &gguf_file::Content, path: &Path) -> Result<(Arch, String)> {
    let name = content
        .metadata
        .get("general.architecture")
        .and_then(|v| v.to_string().ok())
        .ok_or_else(|| format_err(path, "has no general.architecture in its metadata"))?;
    let arch = Arch::from_gguf_name(name).ok_or_else(|| {
        Error::InvalidInput(format!(
            "{} is a {name:?} model; Byline runs these GGUF architectures: {SUPPORTED}",
            path.display()
        ))
    })?;
    Ok((arch, name.clone()))
}

/// How to load a model.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LoadOptions {
    /// CPU threads for the fast path (candle's implementations use rayon's global pool).
    pub threads: usize,
    /// Whether the CPU fast path may be used; off forces candle's implementation, for comparisons.
    pub fast_path: bool,
}

impl Default for LoadOptions {
    /// All available cores, and the fast path unless `BYLINE_DRAFT_ENGINE=candle` asks for candle.
    fn default() -> Self {
        let candle = std::env::var("BYLINE_DRAFT_ENGINE").is_ok_and(|v| v.eq_ignore_ascii_case("candle"));
        LoadOptions { threads: byline_device::thread_count(0), fast_path: !candle }
    }
}

impl Model {
    pub fn load(path: &Path, device: &Device) -> Result<Self> {
        Self::load_with(path, device, LoadOptions::default())
    }

    pub fn load_with(path: &Path, device: &Device, options: LoadOptions) -> Result<Self> {
        let content = read_content(path)?;
        let (arch, arch_name) = architecture(&content, path)?;
        let declared = md_u32(&content, &format!("{arch_name}.context_length"));
        // quantized_llama and quantized_gemma3 size their rotary tables by a constant, not the header.
        let context_length = match arch {
            Arch::Llama => declared.unwrap_or(quantized_llama::MAX_SEQ_LEN).min(quantized_llama::MAX_SEQ_LEN),
            Arch::Gemma3 => declared.unwrap_or(8192).min(quantized_gemma3::MAX_SEQ_LEN),
            _ => declared.ok_or_else(|| format_err(path, format!("has no {arch_name}.context_length")))?,
        };
        let file = File::open(path).map_err(|e| Error::io(format!("opening {}", path.display()), e))?;
        let mut reader = BufReader::new(file);
        let fail = |e: candle_core::Error| format_err(path, format!("cannot load the {arch_name} weights: {e}"));
        if options.fast_path && device.is_cpu() {
            let fast = FastModel::load(&content, &mut reader, path, arch, &arch_name, context_length, options.threads)?;
            if let Some(fast) = fast {
                let weights = Weights::Fast(Box::new(fast));
                return Ok(Model {
                    weights,
                    arch,
                    arch_name,
                    context_length,
                    device: device.clone(),
                    path: path.to_path_buf(),
                });
            }
        }
        let weights = match arch {
            Arch::Llama => {
                Weights::Llama(quantized_llama::ModelWeights::from_gguf(content, &mut reader, device).map_err(fail)?)
            }
            Arch::Qwen2 => {
                Weights::Qwen2(quantized_qwen2::ModelWeights::from_gguf(content, &mut reader, device).map_err(fail)?)
            }
            Arch::Qwen3 => {
                Weights::Qwen3(quantized_qwen3::ModelWeights::from_gguf(content, &mut reader, device).map_err(fail)?)
            }
            Arch::Phi3 => Weights::Phi3(
                quantized_phi3::ModelWeights::from_gguf(false, content, &mut reader, device).map_err(fail)?,
            ),
            Arch::Gemma3 => {
                Weights::Gemma3(quantized_gemma3::ModelWeights::from_gguf(content, &mut reader, device).map_err(fail)?)
            }
        };
        Ok(Model { weights, arch, arch_name, context_length, device: device.clone(), path: path.to_path_buf() })
    }

    /// Which implementation runs this model: "byline-kernels" (the CPU fast path) or "candle".
    pub fn engine(&self) -> &'static str {
        match self.weights {
            Weights::Fast(_) => "byline-kernels",
            _ => "candle",
        }
    }

    /// Logits for the last position of `tokens`, which start at sequence position `pos`.
    /// Position 0 starts a fresh sequence (the implementations reset their KV caches there).
    pub fn forward(&mut self, tokens: &[u32], pos: usize) -> Result<Tensor> {
        self.forward_observed(tokens, pos, &CancelToken::new(), &mut |_| {})
    }

    /// [`Model::forward`] that stops with `Error::Cancelled` when `cancel` fires during a long prompt, and
    /// tells `on_progress` how many of `tokens` are done as it goes. The fast path checks and reports after
    /// every chunk of the prompt (and checks between layers); candle's implementations check before they
    /// start and report once at the end.
    pub fn forward_observed(
        &mut self,
        tokens: &[u32],
        pos: usize,
        cancel: &CancelToken,
        on_progress: &mut (dyn FnMut(usize) + Send),
    ) -> Result<Tensor> {
        cancel.check()?;
        if let Weights::Fast(m) = &mut self.weights {
            let logits = m.forward(tokens, pos, cancel, on_progress)?;
            return Tensor::new(logits, &self.device)
                .map_err(|e| Error::InvalidInput(format!("the model failed to run: {e}")));
        }
        let mut run = || -> candle_core::Result<Tensor> {
            let input = Tensor::new(tokens, &self.device)?.unsqueeze(0)?;
            let logits = match &mut self.weights {
                Weights::Fast(_) => candle_core::bail!("the fast path is handled above"),
                Weights::Llama(m) => m.forward(&input, pos)?,
                Weights::Qwen2(m) => m.forward(&input, pos)?,
                Weights::Qwen3(m) => {
                    if pos == 0 {
                        m.clear_kv_cache();
                    }
                    m.forward(&input, pos)?
                }
                Weights::Phi3(m) => m.forward(&input, pos)?,
                Weights::Gemma3(m) => m.forward(&input, pos)?,
            };
            logits.squeeze(0)?.to_dtype(candle_core::DType::F32)
        };
        let logits = run().map_err(|e| Error::InvalidInput(format!("the model failed to run: {e}")))?;
        on_progress(tokens.len());
        Ok(logits)
    }
}
