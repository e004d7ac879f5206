//! CLIP text encoder, configured from diffusers' `text_encoder*/config.json`.
//!
//! candle-transformers has two CLIP text models, but the stable-diffusion one keeps its config
//! fields private (only the published sizes can be built, so small or unusual checkpoints
//! cannot) and the general one knows only quick-GELU (SD 2.x uses GELU). This one reads any
//! config and can stop at the penultimate layer, which SDXL conditions on.
use candle_core::{DType, Device, Module, Result, Tensor};
use candle_nn::{Embedding, LayerNorm, Linear, VarBuilder, embedding, layer_norm, linear};
use serde::Deserialize;

#[derive(Clone, Debug, Deserialize)]
pub struct ClipConfig {
    pub vocab_size: usize,
    pub hidden_size: usize,
    pub intermediate_size: usize,
    pub num_hidden_layers: usize,
    pub num_attention_heads: usize,
    #[serde(default = "default_positions")]
    pub max_position_embeddings: usize,
    #[serde(default = "default_act")]
    pub hidden_act: String,
    #[serde(default = "default_eps")]
    pub layer_norm_eps: f64,
}

fn default_positions() -> usize {
    77
}
fn default_act() -> String {
    "quick_gelu".into()
}
fn default_eps() -> f64 {
    1e-5
}

#[derive(Clone, Copy, Debug)]
enum Act {
    QuickGelu,
    Gelu,
}

struct Layer {
    q: Linear,
    k: Linear,
    v: Linear,
    out: Linear,
    ln1: LayerNorm,
    ln2: LayerNorm,
    fc1: Linear,
    fc2: Linear,
    heads: usize,
    act: Act,
}

impl Layer {
    fn new(vb: VarBuilder, c: &ClipConfig, act: Act) -> Result<Self> {
        let h = c.hidden_size;
        let att = vb.pp("self_attn");
        Ok(Self {
            q: linear(h, h, att.pp("q_proj"))?,
            k: linear(h, h, att.pp("k_proj"))?,
            v: linear(h, h, att.pp("v_proj"))?,
            out: linear(h, h, att.pp("out_proj"))?,
            ln1: layer_norm(h, c.layer_norm_eps, vb.pp("layer_norm1"))?,
            ln2: layer_norm(h, c.layer_norm_eps, vb.pp("layer_norm2"))?,
            fc1: linear(h, c.intermediate_size, vb.pp("mlp").pp("fc1"))?,
            fc2: linear(c.intermediate_size, h, vb.pp("mlp").pp("fc2"))?,
            heads: c.num_attention_heads,
            act,
        })
    }

    fn forward(&self, xs: &Tensor, mask: &Tensor) -> Result<Tensor> {
        let (b, n, h) = xs.dims3()?;
        let hd = h / self.heads;
        let split = |t: Tensor| t.reshape((b, n, self.heads, hd))?.transpose(1, 2)?.contiguous();
        let x = self.ln1.forward(xs)?;
        // Attention in f32: f16 softmax over 77 tokens loses too much precision.
        let q = (split(self.q.forward(&x)?)?.to_dtype(DType::F32)? * (hd as f64).powf(-0.5))?;
        let k = split(self.k.forward(&x)?)?.to_dtype(DType::F32)?;
        let v = split(self.v.forward(&x)?)?.to_dtype(DType::F32)?;
        let w = q.matmul(&k.t()?)?.broadcast_add(mask)?;
        let w = candle_nn::ops::softmax_last_dim(&w)?;
        let a = w.matmul(&v)?.to_dtype(xs.dtype())?.transpose(1, 2)?.reshape((b, n, h))?;
        let xs = (self.out.forward(&a)? + xs)?;
        let y = self.fc1.forward(&self.ln2.forward(&xs)?)?;
        let y = match self.act {
            Act::QuickGelu => (&y * candle_nn::ops::sigmoid(&(&y * 1.702)?)?)?,
            Act::Gelu => y.gelu_erf()?,
        };
        self.fc2.forward(&y)? + xs
    }
}

pub struct ClipTextEncoder {
    token_embedding: Embedding,
    position_embedding: Embedding,
    layers: Vec<Layer>,
    final_norm: LayerNorm,
    pub config: ClipConfig,
}

/// What the UNet is conditioned on: the final (layer-normed) hidden state, or the hidden state
/// before the last layer as SDXL uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClipOutput {
    Last,
    Penultimate,
}

impl ClipTextEncoder {
    pub fn new(vb: VarBuilder, config: ClipConfig) -> Result<Self> {
        let act = match config.hidden_act.as_str() {
            "quick_gelu" => Act::QuickGelu,
            "gelu" => Act::Gelu,
            other => candle_core::bail!("unsupported hidden_act {other:?} in the text encoder config"),
        };
        if config.num_attention_heads == 0 || !config.hidden_size.is_multiple_of(config.num_attention_heads) {
            candle_core::bail!("text encoder hidden_size must be a multiple of num_attention_heads");
        }
        let vb = vb.pp("text_model");
        let emb = vb.pp("embeddings");
        let layers = (0..config.num_hidden_layers)
            .map(|i| Layer::new(vb.pp("encoder").pp("layers").pp(i), &config, act))
            .collect::<Result<Vec<_>>>()?;
        Ok(Self {
            token_embedding: embedding(config.vocab_size, config.hidden_size, emb.pp("token_embedding"))?,
            position_embedding: embedding(
                config.max_position_embeddings,
                config.hidden_size,
                emb.pp("position_embedding"),
            )?,
            layers,
            final_norm: layer_norm(config.hidden_size, config.layer_norm_eps, vb.pp("final_layer_norm"))?,
            config,
        })
    }

    /// `ids`: (batch, seq) u32 token ids, seq ≤ max_position_embeddings.
    pub fn forward(&self, ids: &Tensor, output: ClipOutput) -> Result<Tensor> {
        let (_, n) = ids.dims2()?;
        let device = ids.device();
        let positions = Tensor::arange(0u32, n as u32, device)?.unsqueeze(0)?;
        let mut xs = self.token_embedding.forward(ids)?.broadcast_add(&self.position_embedding.forward(&positions)?)?;
        let mask = causal_mask(n, device)?;
        let stop = match output {
            ClipOutput::Last => self.layers.len(),
            ClipOutput::Penultimate => self.layers.len().saturating_sub(1),
        };
        for layer in &self.layers[..stop] {
            xs = layer.forward(&xs, &mask)?;
        }
        match output {
            ClipOutput::Last => self.final_norm.forward(&xs),
            ClipOutput::Penultimate => Ok(xs),
        }
    }
}

fn causal_mask(n: usize, device: &Device) -> Result<Tensor> {
    let mask: Vec<f32> =
        (0..n).flat_map(|i| (0..n).map(move |j| if j > i { f32::NEG_INFINITY } else { 0.0 })).collect();
    Tensor::from_vec(mask, (1, 1, n, n), device)
}
