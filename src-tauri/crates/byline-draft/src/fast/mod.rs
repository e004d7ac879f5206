//! The CPU fast path for the llama family (Llama, SmolLM2, Mistral; qwen2 adds q/k/v biases and "neox"
//! rope; qwen3 normalises each query and key head instead, and may have heads wider than `hidden / heads`)
//! on byline-kernels instead of candle.
//!
//! Why a second implementation: candle runs Q4_1/Q5_x dot products in scalar code, processes a prompt as
//! one dot product per output row and token, concatenates the KV cache every step and copies it for
//! grouped-query attention. Here the prompt runs in chunks of [`CHUNK`] tokens through each layer, so a
//! weight is streamed from memory once per chunk instead of once per token; the KV cache grows in place;
//! the dot products use AVX2 where the CPU has it; and the work is split over the requested threads.
//! Cancel is checked before every layer, so Stop lands within one layer of one chunk.
//!
//! [`FastModel::load`] returns `None` for anything it does not run (another architecture, experts, a
//! tensor type without kernels), and the caller keeps candle's implementation.

pub(crate) mod layer;
pub(crate) mod weights;

use std::io::{Read, Seek};
use std::path::Path;

use byline_core::{CancelToken, Error, Result};
use byline_kernels::vec::CacheElement;
use byline_kernels::{QMatrix, QType, ThreadPool};
use candle_core::quantized::gguf_file;

use crate::model::Arch;
use layer::{KvCache, Layer, RopeTable, Scratch, rms_norm};
use weights::{Projection, TensorReader, qtype};

/// Prompt tokens per pass through the layers: large enough that each weight tile is reused by many
/// tokens, small enough that the chunk's activations stay in cache and memory stays bounded on long prompts.
pub(crate) const CHUNK: usize = 128;

pub(crate) struct Config {
    pub hidden: usize,
    pub heads: usize,
    pub kv_heads: usize,
    pub head_dim: usize,
    pub ffn: usize,
    pub eps: f32,
    pub rope_base: f32,
    pub rope_neox: bool,
    pub context: usize,
}

/// What one pass through the layers works on.
pub(crate) struct Batch<'a> {
    pub cfg: &'a Config,
    pub pool: &'a ThreadPool,
    pub rope: &'a RopeTable,
    /// Position of the first token.
    pub start: usize,
    pub tokens: usize,
}

/// One KV cache per layer, in the precision chosen at load.
enum Caches {
    Half(Vec<KvCache<u16>>),
    Full(Vec<KvCache<f32>>),
}

pub(crate) struct FastModel {
    cfg: Config,
    embed: QMatrix,
    /// None when the output head is tied to the token embedding.
    output: Option<QMatrix>,
    output_norm: Vec<f32>,
    layers: Vec<Layer>,
    cache: Caches,
    /// Positions held in the cache.
    len: usize,
    pool: std::sync::Arc<ThreadPool>,
}

fn md_u32(content: &gguf_file::Content, key: &str) -> Option<usize> {
    content.metadata.get(key).and_then(|v| v.to_u32().ok()).map(|v| v as usize)
}

fn md_f32(content: &gguf_file::Content, key: &str) -> Option<f32> {
    content.metadata.get(key).and_then(|v| v.to_f32().ok())
}

impl FastModel {
    /// The model on the fast path, or `None` when this file needs candle's implementation.
    pub fn load<R: Read + Seek>(
        content: &gguf_file::Content,
        reader: &mut R,
        path: &Path,
        arch: Arch,
        arch_name: &str,
        context: usize,
        threads: usize,
    ) -> Result<Option<Self>> {
        let Some(cfg) = config(content, arch, arch_name, context) else { return Ok(None) };
        if content.tensor_infos.values().any(|info| qtype(info.ggml_dtype).is_none()) {
            return Ok(None);
        }
        let pool = byline_kernels::thread_pool(threads).map_err(|e| Error::Unavailable(e.to_string()))?;
        let mut r = TensorReader { content, reader, path, pool: &pool };
        let embed = r.matrix("token_embd.weight")?;
        let output = if r.has("output.weight") { Some(r.matrix("output.weight")?) } else { None };
        let output_norm = r.vector("output_norm.weight", cfg.hidden)?;
        let layer_count = md_u32(content, &format!("{arch_name}.block_count"))
            .ok_or_else(|| Error::Format { path: path.to_path_buf(), message: "has no block_count".into() })?;
        let mut layers = Vec::with_capacity(layer_count);
        let (q_dim, kv_dim) = (cfg.heads * cfg.head_dim, cfg.kv_heads * cfg.head_dim);
        for l in 0..layer_count {
            let name = |t: &str| format!("blk.{l}.{t}");
            let qkv = vec![
                r.matrix(&name("attn_q.weight"))?,
                r.matrix(&name("attn_k.weight"))?,
                r.matrix(&name("attn_v.weight"))?,
            ];
            let qk_norm = if arch == Arch::Qwen3 {
                Some((
                    r.vector(&name("attn_q_norm.weight"), cfg.head_dim)?,
                    r.vector(&name("attn_k_norm.weight"), cfg.head_dim)?,
                ))
            } else {
                None
            };
            let qkv_bias = if arch == Arch::Qwen2 {
                let mut b = r.vector(&name("attn_q.bias"), q_dim)?;
                b.extend(r.vector(&name("attn_k.bias"), kv_dim)?);
                b.extend(r.vector(&name("attn_v.bias"), kv_dim)?);
                Some(b)
            } else {
                None
            };
            let layer = Layer {
                attn_norm: r.vector(&name("attn_norm.weight"), cfg.hidden)?,
                qkv: Projection::new(qkv)?,
                qkv_bias,
                qk_norm,
                wo: r.matrix(&name("attn_output.weight"))?,
                ffn_norm: r.vector(&name("ffn_norm.weight"), cfg.hidden)?,
                gate_up: Projection::new(vec![r.matrix(&name("ffn_gate.weight"))?, r.matrix(&name("ffn_up.weight"))?])?,
                down: r.matrix(&name("ffn_down.weight"))?,
            };
            if layer.qkv.rows() != q_dim + 2 * kv_dim
                || layer.gate_up.rows() != 2 * cfg.ffn
                || layer.wo.cols() != q_dim
                || layer.wo.rows() != cfg.hidden
            {
                return Ok(None);
            }
            layers.push(layer);
        }
        // Half precision as llama.cpp does for quantized weights; a model shipped unquantized keeps full
        // precision throughout.
        let quantized = layers.iter().any(|l| l.wo.ty() != QType::F32 && l.wo.ty() != QType::F16);
        let cache = if quantized {
            Caches::Half((0..layer_count).map(|_| KvCache::default()).collect())
        } else {
            Caches::Full((0..layer_count).map(|_| KvCache::default()).collect())
        };
        Ok(Some(FastModel { cfg, embed, output, output_norm, layers, cache, len: 0, pool: std::sync::Arc::new(pool) }))
    }

    /// Logits after the last of `tokens`, which start at position `pos`; position 0 starts a new sequence.
    /// Returns `Error::Cancelled` as soon as `cancel` is seen (checked before each layer).
    /// `on_chunk` hears how many of `tokens` have passed through every layer, after each chunk.
    pub fn forward(
        &mut self,
        tokens: &[u32],
        pos: usize,
        cancel: &CancelToken,
        on_chunk: &mut (dyn FnMut(usize) + Send),
    ) -> Result<Vec<f32>> {
        // The whole pass runs on the pool: every matmul and attention inside it then splits its work from a
        // worker thread, where idle workers are still spinning from the previous step, instead of the
        // caller handing each of some 150 steps per token to the pool and sleeping until it is done (two
        // thread wake-ups per step, a large share of a decoding step on small models).
        let pool = std::sync::Arc::clone(&self.pool);
        pool.install(|| self.forward_on_pool(tokens, pos, cancel, on_chunk))
    }

    fn forward_on_pool(
        &mut self,
        tokens: &[u32],
        pos: usize,
        cancel: &CancelToken,
        on_chunk: &mut (dyn FnMut(usize) + Send),
    ) -> Result<Vec<f32>> {
        if tokens.is_empty() {
            return Err(Error::InvalidInput("no tokens to run".into()));
        }
        if pos > self.len {
            return Err(Error::InvalidInput(format!("position {pos} skips past the {} cached ones", self.len)));
        }
        if pos + tokens.len() > self.cfg.context {
            return Err(Error::InvalidInput(format!("the context holds {} tokens", self.cfg.context)));
        }
        if let Some(&bad) = tokens.iter().find(|&&t| t as usize >= self.embed.rows()) {
            return Err(Error::InvalidInput(format!("token {bad} is outside the vocabulary")));
        }
        let kv_dim = self.cfg.kv_heads * self.cfg.head_dim;
        match &mut self.cache {
            Caches::Half(c) => truncate(c, pos * kv_dim),
            Caches::Full(c) => truncate(c, pos * kv_dim),
        }
        self.len = pos;
        let hidden = self.cfg.hidden;
        let mut scratch = Scratch::default();
        let mut x = Vec::new();
        for chunk in tokens.chunks(CHUNK) {
            x.resize(chunk.len() * hidden, 0.0);
            for (&t, row) in chunk.iter().zip(x.chunks_exact_mut(hidden)) {
                self.embed.dequantize_row(t as usize, row);
            }
            let rope = RopeTable::new(&self.cfg, self.len, chunk.len());
            let batch = Batch { cfg: &self.cfg, pool: &self.pool, rope: &rope, start: self.len, tokens: chunk.len() };
            let done = match &mut self.cache {
                Caches::Half(c) => run_layers(&self.layers, c, &batch, &mut x, &mut scratch, cancel),
                Caches::Full(c) => run_layers(&self.layers, c, &batch, &mut x, &mut scratch, cancel),
            };
            if done.is_err() {
                // The layers below hold a partial chunk; make the next call start over.
                self.len = 0;
                return Err(Error::Cancelled);
            }
            self.len += chunk.len();
            on_chunk(self.len - pos);
        }
        let mut normed = Vec::new();
        rms_norm(&x[x.len() - hidden..], &self.output_norm, self.cfg.eps, &mut normed);
        let head = self.output.as_ref().unwrap_or(&self.embed);
        let mut logits = vec![0.0; head.rows()];
        head.matmul(&normed, 1, &mut logits, &self.pool);
        Ok(logits)
    }
}

fn truncate<E>(caches: &mut [KvCache<E>], len: usize) {
    for c in caches {
        c.k.truncate(len);
        c.v.truncate(len);
    }
}

/// One chunk through every layer; `Err` when `cancel` was seen before a layer.
fn run_layers<E: CacheElement>(
    layers: &[Layer],
    caches: &mut [KvCache<E>],
    batch: &Batch,
    x: &mut [f32],
    scratch: &mut Scratch,
    cancel: &CancelToken,
) -> std::result::Result<(), ()> {
    for (layer, cache) in layers.iter().zip(caches) {
        if cancel.is_cancelled() {
            return Err(());
        }
        layer.forward(batch, x, cache, scratch);
    }
    Ok(())
}

/// The hyperparameters, or `None` when the file is outside what this path implements.
fn config(content: &gguf_file::Content, arch: Arch, name: &str, context: usize) -> Option<Config> {
    let rope_neox = match arch {
        Arch::Llama => false,
        Arch::Qwen2 | Arch::Qwen3 => true,
        _ => return None,
    };
    if md_u32(content, &format!("{name}.expert_count")).unwrap_or(0) > 0 {
        return None;
    }
    let get = |key: &str| md_u32(content, &format!("{name}.{key}"));
    let (hidden, heads) = (get("embedding_length")?, get("attention.head_count")?);
    let kv_heads = get("attention.head_count_kv").unwrap_or(heads);
    if heads == 0 || kv_heads == 0 || !hidden.is_multiple_of(heads) || !heads.is_multiple_of(kv_heads) {
        return None;
    }
    // Qwen3 names its head width (it need not be hidden / heads); the others have hidden / heads.
    let head_dim = match arch {
        Arch::Qwen3 => get("attention.key_length").unwrap_or(hidden / heads),
        _ => hidden / heads,
    };
    if get("attention.key_length").is_some_and(|k| k != head_dim)
        || get("attention.value_length").is_some_and(|v| v != head_dim)
        || head_dim == 0
        || !head_dim.is_multiple_of(2)
    {
        return None;
    }
    // Partial rotary embeddings are not implemented (candle's llama does not have them either).
    if arch == Arch::Llama && get("rope.dimension_count").is_some_and(|d| d != head_dim) {
        return None;
    }
    let ffn = content.tensor_infos.get("blk.0.ffn_gate.weight")?.shape.dims().first().copied()?;
    Some(Config {
        hidden,
        heads,
        kv_heads,
        head_dim,
        ffn,
        eps: md_f32(content, &format!("{name}.attention.layer_norm_rms_epsilon"))?,
        rope_base: md_f32(content, &format!("{name}.rope.freq_base")).unwrap_or(10_000.0),
        rope_neox,
        context,
    })
}
