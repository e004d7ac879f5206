//! Random-weight GGUF files at the real shapes of models reporters run, for speed comparisons where no such
//! model ships in a package. Compute does not depend on the weights' values, so the file measures what the
//! real model would cost, and llama.cpp loads the same file.
//!
//! The tokenizer (tokens, merges, chat template) is copied from a real GGUF and padded with unused tokens to
//! the shape's vocabulary size, so prompts tokenize as in the source model while the embedding and output
//! matrices have the real size. Weight blocks are random bytes with small fixed scales, so activations stay
//! finite through every layer.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use byline_core::{Error, Result};
use candle_core::Device;
use candle_core::quantized::gguf_file::{self, Value};
use candle_core::quantized::{GgmlDType, QTensor, ggml_file};

/// A model shape and the quantization layout of its published Q4_K_M files.
#[derive(Clone, Copy, Debug)]
pub struct RandomShape {
    pub name: &'static str,
    pub arch: &'static str,
    pub hidden: usize,
    pub layers: usize,
    pub heads: usize,
    pub kv_heads: usize,
    pub ffn: usize,
    pub vocab: usize,
    pub context: u32,
    pub rope_base: f32,
    pub eps: f32,
    /// Separate output head (false: tied to the token embedding).
    pub output_head: bool,
}

/// Qwen2.5-1.5B-Instruct, the catalog's default drafting model.
pub const QWEN2_5_1_5B: RandomShape = RandomShape {
    name: "qwen2.5-1.5b-q4_k_m",
    arch: "qwen2",
    hidden: 1536,
    layers: 28,
    heads: 12,
    kv_heads: 2,
    ffn: 8960,
    vocab: 151_936,
    context: 32_768,
    rope_base: 1_000_000.0,
    eps: 1e-6,
    output_head: false,
};

pub const SHAPES: &[RandomShape] = &[QWEN2_5_1_5B];

/// The shape called `name`.
pub fn shape(name: &str) -> Option<RandomShape> {
    SHAPES.iter().copied().find(|s| s.name == name)
}

/// Q4_K_M keeps some tensors at 6 bits: the value and down projections of the first and last eighth of the
/// layers and of every third layer between them, and the output matrix (the embedding when it is tied).
fn more_bits(layer: usize, layers: usize) -> bool {
    layer < layers / 8 || layer >= 7 * layers / 8 || (layer - layers / 8) % 3 == 2
}

/// xorshift64*: fast, reproducible bytes (quality is irrelevant here).
struct Bytes(u64);

impl Bytes {
    fn fill(&mut self, out: &mut [u8]) {
        for chunk in out.chunks_mut(8) {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            let v = self.0.wrapping_mul(0x2545_f491_4f6c_dd1d).to_le_bytes();
            chunk.copy_from_slice(&v[..chunk.len()]);
        }
    }
}

fn half(v: f32) -> [u8; 2] {
    half::f16::from_f32(v).to_le_bytes()
}

/// Random blocks of `dtype` for a `rows` x `cols` matrix, with every block's scales set so that weights
/// stay around ±0.05.
fn random_matrix(rng: &mut Bytes, dtype: GgmlDType, rows: usize, cols: usize) -> Result<QTensor> {
    let (block, size) = (dtype.block_size(), dtype.type_size());
    let mut data = vec![0u8; rows * cols / block * size];
    rng.fill(&mut data);
    for b in data.chunks_exact_mut(size) {
        match dtype {
            // d, dmin, then 6-bit scales (up to 63) and nibbles: 63 * 15 * d ≈ 0.1.
            GgmlDType::Q4K => {
                b[0..2].copy_from_slice(&half(1e-4));
                b[2..4].copy_from_slice(&half(5e-5));
            }
            // ql, qh, i8 scales, d last: 127 * 32 * d ≈ 0.04.
            GgmlDType::Q6K => b[size - 2..].copy_from_slice(&half(1e-5)),
            _ => return Err(Error::InvalidInput(format!("random {dtype:?} blocks are not implemented"))),
        }
    }
    let tensor = ggml_file::qtensor_from_ggml(dtype, &data, vec![rows, cols], &Device::Cpu);
    tensor.map_err(|e| Error::Unavailable(format!("building a random tensor: {e}")))
}

fn vector(len: usize, value: f32) -> Result<QTensor> {
    let bytes: Vec<u8> = (0..len).flat_map(|_| value.to_le_bytes()).collect();
    ggml_file::qtensor_from_ggml(GgmlDType::F32, &bytes, vec![len], &Device::Cpu)
        .map_err(|e| Error::Unavailable(format!("building a vector: {e}")))
}

/// The tokenizer metadata of `source`, with its token list padded to `vocab` entries.
fn tokenizer(source: &Path, vocab: usize) -> Result<Vec<(String, Value)>> {
    let mut file = File::open(source).map_err(|e| Error::io(format!("opening {}", source.display()), e))?;
    let content = gguf_file::Content::read(&mut file)
        .map_err(|e| Error::Format { path: source.to_path_buf(), message: e.to_string() })?;
    let mut out = Vec::new();
    for (key, value) in content.metadata {
        if !key.starts_with("tokenizer.") {
            continue;
        }
        let value = match (key.as_str(), value) {
            ("tokenizer.ggml.tokens", Value::Array(mut tokens)) => {
                if tokens.len() > vocab {
                    return Err(Error::InvalidInput(format!("{} has more than {vocab} tokens", source.display())));
                }
                let have = tokens.len();
                tokens.extend((have..vocab).map(|i| Value::String(format!("<|unused_{i}|>"))));
                Value::Array(tokens)
            }
            // Normal tokens that no merge produces: never met when tokenizing text.
            ("tokenizer.ggml.token_type", Value::Array(mut types)) => {
                types.resize(vocab, Value::I32(1));
                Value::Array(types)
            }
            ("tokenizer.ggml.scores", Value::Array(mut scores)) => {
                scores.resize(vocab, Value::F32(0.0));
                Value::Array(scores)
            }
            (_, value) => value,
        };
        out.push((key, value));
    }
    if !out.iter().any(|(k, _)| k == "tokenizer.ggml.tokens") {
        return Err(Error::InvalidInput(format!("{} has no tokenizer to copy", source.display())));
    }
    Ok(out)
}

/// Writes a random model of `shape` to `out`, with the tokenizer of the GGUF at `tokenizer_from`.
pub fn write_random_model(shape: &RandomShape, tokenizer_from: &Path, out: &Path) -> Result<()> {
    let s = shape;
    let head_dim = s.hidden / s.heads;
    let kv = s.kv_heads * head_dim;
    let mut rng = Bytes(0x9e37_79b9_7f4a_7c15);
    let mut tensors: Vec<(String, QTensor)> = Vec::new();
    let embed_type = if s.output_head { GgmlDType::Q4K } else { GgmlDType::Q6K };
    tensors.push(("token_embd.weight".into(), random_matrix(&mut rng, embed_type, s.vocab, s.hidden)?));
    if s.output_head {
        tensors.push(("output.weight".into(), random_matrix(&mut rng, GgmlDType::Q6K, s.vocab, s.hidden)?));
    }
    tensors.push(("output_norm.weight".into(), vector(s.hidden, 1.0)?));
    for l in 0..s.layers {
        let n = |t: &str| format!("blk.{l}.{t}");
        let wide = if more_bits(l, s.layers) { GgmlDType::Q6K } else { GgmlDType::Q4K };
        tensors.push((n("attn_norm.weight"), vector(s.hidden, 1.0)?));
        tensors.push((n("attn_q.weight"), random_matrix(&mut rng, GgmlDType::Q4K, s.hidden, s.hidden)?));
        tensors.push((n("attn_k.weight"), random_matrix(&mut rng, GgmlDType::Q4K, kv, s.hidden)?));
        tensors.push((n("attn_v.weight"), random_matrix(&mut rng, wide, kv, s.hidden)?));
        if s.arch == "qwen2" {
            tensors.push((n("attn_q.bias"), vector(s.hidden, 0.01)?));
            tensors.push((n("attn_k.bias"), vector(kv, 0.01)?));
            tensors.push((n("attn_v.bias"), vector(kv, 0.01)?));
        }
        tensors.push((n("attn_output.weight"), random_matrix(&mut rng, GgmlDType::Q4K, s.hidden, s.hidden)?));
        tensors.push((n("ffn_norm.weight"), vector(s.hidden, 1.0)?));
        tensors.push((n("ffn_gate.weight"), random_matrix(&mut rng, GgmlDType::Q4K, s.ffn, s.hidden)?));
        tensors.push((n("ffn_up.weight"), random_matrix(&mut rng, GgmlDType::Q4K, s.ffn, s.hidden)?));
        tensors.push((n("ffn_down.weight"), random_matrix(&mut rng, wide, s.hidden, s.ffn)?));
    }

    let a = s.arch;
    let u = |v: usize| Value::U32(v as u32);
    let mut metadata: Vec<(String, Value)> = vec![
        ("general.architecture".into(), Value::String(a.into())),
        ("general.name".into(), Value::String(format!("{} (random weights)", s.name))),
        // 15 is llama.cpp's file type "mostly Q4_K_M".
        ("general.file_type".into(), Value::U32(15)),
        (format!("{a}.context_length"), Value::U32(s.context)),
        (format!("{a}.embedding_length"), u(s.hidden)),
        (format!("{a}.block_count"), u(s.layers)),
        (format!("{a}.feed_forward_length"), u(s.ffn)),
        (format!("{a}.attention.head_count"), u(s.heads)),
        (format!("{a}.attention.head_count_kv"), u(s.kv_heads)),
        (format!("{a}.rope.freq_base"), Value::F32(s.rope_base)),
        (format!("{a}.attention.layer_norm_rms_epsilon"), Value::F32(s.eps)),
    ];
    metadata.extend(tokenizer(tokenizer_from, s.vocab)?);

    let partial = out.with_extension("gguf.partial");
    let what = || format!("writing {}", partial.display());
    let mut w = BufWriter::new(File::create(&partial).map_err(|e| Error::io(what(), e))?);
    let md: Vec<(&str, &Value)> = metadata.iter().map(|(k, v)| (k.as_str(), v)).collect();
    let ts: Vec<(&str, &QTensor)> = tensors.iter().map(|(k, v)| (k.as_str(), v)).collect();
    gguf_file::write(&mut w, &md, &ts).map_err(|e| Error::Unavailable(format!("{}: {e}", what())))?;
    w.flush().map_err(|e| Error::io(what(), e))?;
    drop(w);
    std::fs::rename(&partial, out).map_err(|e| Error::io(format!("renaming {} into place", partial.display()), e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn q4_k_m_gives_six_bits_to_the_layers_llama_cpp_does() {
        // 28 layers: 0..3 and 24..28, and every third from 3 on (5, 8, ... 23).
        let six: Vec<usize> = (0..28).filter(|&l| more_bits(l, 28)).collect();
        assert_eq!(six, vec![0, 1, 2, 5, 8, 11, 14, 17, 20, 23, 24, 25, 26, 27]);
    }
}
