//! One transformer block of the llama family over a batch of tokens: RMSNorm, q/k/v projection (with qwen2's
//! biases, or qwen3's RMSNorm of each query and key head), RoPE, grouped-query attention over the KV cache,
//! output projection, and the SiLU-gated MLP.
//!
//! Activations are row-major `[token][feature]` f32 buffers that the caller reuses between layers.

use byline_kernels::QMatrix;
use byline_kernels::vec::{CacheElement, attend};
use rayon::prelude::*;

use super::weights::Projection;
use super::{Batch, Config};

pub(crate) struct Layer {
    pub attn_norm: Vec<f32>,
    /// q | k | v rows.
    pub qkv: Projection,
    pub qkv_bias: Option<Vec<f32>>,
    /// Qwen3: RMSNorm weights of every query head and every key head (`head_dim` each), applied before RoPE.
    pub qk_norm: Option<(Vec<f32>, Vec<f32>)>,
    pub wo: QMatrix,
    pub ffn_norm: Vec<f32>,
    /// gate | up rows.
    pub gate_up: Projection,
    pub down: QMatrix,
}

/// Keys and values of every position so far, `[position][kv_head][head_dim]`, as `E`: half precision for
/// quantized models as llama.cpp keeps them (every decoded token reads the whole cache, so its bytes count),
/// f32 for unquantized ones. Appending a chunk is a copy onto the end of a vector that grows geometrically,
/// never a concatenation of the whole cache, and the heads are read in place by the attention (no repeat
/// for grouped queries).
pub(crate) struct KvCache<E> {
    pub k: Vec<E>,
    pub v: Vec<E>,
}

impl<E> Default for KvCache<E> {
    fn default() -> Self {
        KvCache { k: Vec::new(), v: Vec::new() }
    }
}

/// Buffers reused by every layer of a chunk.
#[derive(Default)]
pub(crate) struct Scratch {
    h: Vec<f32>,
    qkv: Vec<f32>,
    attn: Vec<f32>,
    out: Vec<f32>,
    gate_up: Vec<f32>,
    act: Vec<f32>,
    split: Vec<f32>,
}

/// cos and sin of every rotation angle for the positions of one chunk: `[token][head_dim / 2]`.
pub(crate) struct RopeTable {
    pub cos: Vec<f32>,
    pub sin: Vec<f32>,
}

impl RopeTable {
    /// Frequencies as candle and llama.cpp compute them, in f32: `base^(-2i / head_dim)`.
    pub fn new(cfg: &Config, start: usize, tokens: usize) -> Self {
        let half = cfg.head_dim / 2;
        let theta: Vec<f32> =
            (0..half).map(|i| 1.0 / cfg.rope_base.powf((2 * i) as f32 / cfg.head_dim as f32)).collect();
        let (mut cos, mut sin) = (Vec::with_capacity(tokens * half), Vec::with_capacity(tokens * half));
        for p in start..start + tokens {
            for &t in &theta {
                let angle = p as f32 * t;
                cos.push(angle.cos());
                sin.push(angle.sin());
            }
        }
        RopeTable { cos, sin }
    }

    /// Rotates one head. Llama GGUFs pair neighbours (2i, 2i+1): the converter permuted q and k so that
    /// llama.cpp's "normal" rope applies. Qwen2 keeps the Hugging Face halves (i, i + d/2), "neox" style.
    fn apply(&self, token: usize, neox: bool, x: &mut [f32]) {
        let half = x.len() / 2;
        let (cos, sin) = (&self.cos[token * half..(token + 1) * half], &self.sin[token * half..(token + 1) * half]);
        for i in 0..half {
            let (a, b) = if neox { (i, i + half) } else { (2 * i, 2 * i + 1) };
            let (x0, x1) = (x[a], x[b]);
            x[a] = x0 * cos[i] - x1 * sin[i];
            x[b] = x0 * sin[i] + x1 * cos[i];
        }
    }
}

/// [`rms_norm`] of one vector in place.
fn rms_norm_in_place(x: &mut [f32], w: &[f32], eps: f32) {
    let scale = 1.0 / (x.iter().map(|v| v * v).sum::<f32>() / w.len() as f32 + eps).sqrt();
    x.iter_mut().zip(w).for_each(|(x, w)| *x = *x * scale * w);
}

/// `out = x / sqrt(mean(x²) + eps) * w`, per token.
pub(crate) fn rms_norm(x: &[f32], w: &[f32], eps: f32, out: &mut Vec<f32>) {
    out.resize(x.len(), 0.0);
    for (x, o) in x.chunks_exact(w.len()).zip(out.chunks_exact_mut(w.len())) {
        let scale = 1.0 / (x.iter().map(|v| v * v).sum::<f32>() / w.len() as f32 + eps).sqrt();
        for ((o, x), w) in o.iter_mut().zip(x).zip(w) {
            *o = x * scale * w;
        }
    }
}

impl Layer {
    /// Runs the block on `x` (the batch's rows) in place, appending to `cache`.
    pub fn forward<E: CacheElement>(&self, b: &Batch, x: &mut [f32], cache: &mut KvCache<E>, s: &mut Scratch) {
        let (cfg, tokens, pool) = (b.cfg, b.tokens, b.pool);
        let (hd, q_dim, kv_dim) = (cfg.head_dim, cfg.heads * cfg.head_dim, cfg.kv_heads * cfg.head_dim);
        let stride = self.qkv.rows();
        rms_norm(x, &self.attn_norm, cfg.eps, &mut s.h);
        s.qkv.resize(tokens * stride, 0.0);
        self.qkv.matmul(&s.h, tokens, &mut s.qkv, pool, &mut s.split);
        for (t, row) in s.qkv.chunks_exact_mut(stride).enumerate() {
            if let Some(bias) = &self.qkv_bias {
                row.iter_mut().zip(bias).for_each(|(v, b)| *v += b);
            }
            if let Some((q_norm, k_norm)) = &self.qk_norm {
                let (q, k) = row[..q_dim + kv_dim].split_at_mut(q_dim);
                q.chunks_exact_mut(hd).for_each(|head| rms_norm_in_place(head, q_norm, cfg.eps));
                k.chunks_exact_mut(hd).for_each(|head| rms_norm_in_place(head, k_norm, cfg.eps));
            }
            for head in row[..q_dim + kv_dim].chunks_exact_mut(hd) {
                b.rope.apply(t, cfg.rope_neox, head);
            }
            E::extend(&mut cache.k, &row[q_dim..q_dim + kv_dim]);
            E::extend(&mut cache.v, &row[q_dim + kv_dim..]);
        }
        s.attn.resize(tokens * q_dim, 0.0);
        attention(b, &s.qkv, stride, cache, &mut s.attn);
        s.out.resize(tokens * cfg.hidden, 0.0);
        self.wo.matmul(&s.attn, tokens, &mut s.out, pool);
        x.iter_mut().zip(&s.out).for_each(|(x, o)| *x += o);

        rms_norm(x, &self.ffn_norm, cfg.eps, &mut s.h);
        let ffn = cfg.ffn;
        s.gate_up.resize(tokens * 2 * ffn, 0.0);
        self.gate_up.matmul(&s.h, tokens, &mut s.gate_up, pool, &mut s.split);
        s.act.resize(tokens * ffn, 0.0);
        for (gu, a) in s.gate_up.chunks_exact(2 * ffn).zip(s.act.chunks_exact_mut(ffn)) {
            let (gate, up) = gu.split_at(ffn);
            for ((a, g), u) in a.iter_mut().zip(gate).zip(up) {
                *a = g / (1.0 + (-g).exp()) * u;
            }
        }
        self.down.matmul(&s.act, tokens, &mut s.out, pool);
        x.iter_mut().zip(&s.out).for_each(|(x, o)| *x += o);
    }
}

/// Causal attention of each query head over the cached positions `0..=start + t`. Query heads share a
/// key/value head in groups (`heads / kv_heads`), read in place from the cache. Every (token, head) pair is
/// an independent task, so a single decoding token still spreads its heads over the threads.
fn attention<E: CacheElement>(b: &Batch, qkv: &[f32], stride: usize, cache: &KvCache<E>, out: &mut [f32]) {
    let (cfg, start) = (b.cfg, b.start);
    let (hd, heads, kv_dim) = (cfg.head_dim, cfg.heads, cfg.kv_heads * cfg.head_dim);
    let group = cfg.heads / cfg.kv_heads;
    let scale = 1.0 / (hd as f32).sqrt();
    b.pool.install(|| {
        out.par_chunks_mut(hd).enumerate().for_each_init(Vec::new, |scores: &mut Vec<f32>, (task, o)| {
            let (t, h) = (task / heads, task % heads);
            let kv = (h / group) * hd;
            let q = &qkv[t * stride + h * hd..t * stride + (h + 1) * hd];
            attend(q, &cache.k, &cache.v, kv_dim, kv, start + t + 1, scale, scores, o);
        })
    });
}
