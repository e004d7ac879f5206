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

/// A model shape and the quantization layout of its published Q4_K_M (or Q5_K_M) files.
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
    /// The Q6_K scale of the output matrix: larger spreads the logits, so a test's greedy choices are not
    /// near-ties.
    pub output_d: f32,
    /// The type of most matrices: Q4_K in a Q4_K_M file, Q5_K in a Q5_K_M one.
    pub base: GgmlDType,
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
    output_d: 1e-5,
    base: GgmlDType::Q4K,
};

/// The same model in the Q5_K_M layout (Q5_K where Q4_K_M has Q4_K).
pub const QWEN2_5_1_5B_Q5: RandomShape =
    RandomShape { name: "qwen2.5-1.5b-q5_k_m", base: GgmlDType::Q5K, ..QWEN2_5_1_5B };

/// The same model in the Q3_K_M layout: Q3_K for most matrices, Q4_K for the value and output projections
/// and for the down projections that Q4_K_M keeps at six bits, Q6_K for the embedding.
pub const QWEN2_5_1_5B_Q3: RandomShape =
    RandomShape { name: "qwen2.5-1.5b-q3_k_m", base: GgmlDType::Q3K, ..QWEN2_5_1_5B };

/// A small model in the same architecture and layout, for checking the k-quant path against llama.cpp
/// (`tests/llama_reference.rs`): four layers, grouped-query attention, a separate Q6_K output head with
/// logits spread wide enough that greedy choices are rarely close.
pub const TINY_Q4_K_M: RandomShape = RandomShape {
    name: "tiny-q4_k_m",
    arch: "qwen2",
    hidden: 256,
    layers: 4,
    heads: 4,
    kv_heads: 2,
    ffn: 768,
    vocab: 49_152,
    context: 4096,
    rope_base: 1_000_000.0,
    eps: 1e-6,
    output_head: true,
    output_d: 1.5e-3,
    base: GgmlDType::Q4K,
};

pub const SHAPES: &[RandomShape] = &[QWEN2_5_1_5B, QWEN2_5_1_5B_Q5, QWEN2_5_1_5B_Q3, TINY_Q4_K_M];

/// The shape called `name`.
pub fn shape(name: &str) -> Option<RandomShape> {
    SHAPES.iter().copied().find(|s| s.name == name)
}

/// Q4_K_M and Q5_K_M keep some tensors at 6 bits: the value and down projections of the first and last eighth of the
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

/// Random blocks of `dtype` for a `rows` x `cols` matrix with every block's scale `d`, centred on zero:
/// otherwise every weight row shares an offset and a random model says the same token whatever it reads.
/// Q4_K weights reach ±63 · 7.5 · d, Q6_K ones ±127 · 32 · d.
fn random_matrix(rng: &mut Bytes, dtype: GgmlDType, rows: usize, cols: usize, d: f32) -> Result<QTensor> {
    let (block, size) = (dtype.block_size(), dtype.type_size());
    let mut data = vec![0u8; rows * cols / block * size];
    rng.fill(&mut data);
    for b in data.chunks_exact_mut(size) {
        match dtype {
            // d, dmin, 6-bit scales and mins, nibbles. Each sub-block's min equals its scale and dmin is
            // 7.5 d, so a weight is d · scale · (q - 7.5). One random scale per block keeps the packing simple:
            // the low six bits of bytes 0..8 hold sub-blocks 0..4, bytes 8..12 the low nibbles of 4..8 and
            // the top bits of bytes 0..8 their high two bits.
            GgmlDType::Q4K => {
                b[0..2].copy_from_slice(&half(d));
                b[2..4].copy_from_slice(&half(7.5 * d));
                let v = 16 + b[4] % 48;
                b[4..12].fill((v & 63) | ((v >> 4) << 6));
                b[12..16].fill((v & 0xF) | ((v & 0xF) << 4));
            }
            // Q4_K's header and scales, then the fifth bits before the nibbles: q + 16h in 0..32, so dmin is 15.5 d.
            GgmlDType::Q5K => {
                b[0..2].copy_from_slice(&half(d));
                b[2..4].copy_from_slice(&half(15.5 * d));
                let v = 16 + b[4] % 48;
                b[4..12].fill((v & 63) | ((v >> 4) << 6));
                b[12..16].fill((v & 0xF) | ((v & 0xF) << 4));
            }
            // ql, qh, i8 scales, d last.
            GgmlDType::Q6K => b[size - 2..].copy_from_slice(&half(d)),
            // hmask, 2-bit values, six-bit signed scales (random: centred already), d last.
            GgmlDType::Q3K => b[size - 2..].copy_from_slice(&half(d)),
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
    // Sorted, so the same source always gives the same bytes (the metadata comes as a hash map).
    let mut metadata: Vec<(String, Value)> = content.metadata.into_iter().collect();
    metadata.sort_by(|a, b| a.0.cmp(&b.0));
    for (key, value) in metadata {
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
    // Weights up to ±0.1 (Q4_K, d = 2e-4; Q5_K, d = 1e-4; Q3_K, ±4 · 32 · d with d = 8e-4) and ±0.04 (Q6_K,
    // d = 1e-5): activations stay finite.
    let base_d = match s.base {
        GgmlDType::Q5K => 1e-4,
        GgmlDType::Q3K => 8e-4,
        _ => 2e-4,
    };
    let q4 = |r, c, rng: &mut Bytes| random_matrix(rng, s.base, r, c, base_d);
    // The tensors a layout keeps at more bits: Q6_K in Q4_K_M and Q5_K_M, Q4_K in Q3_K_M.
    let (more, more_d) = if s.base == GgmlDType::Q3K { (GgmlDType::Q4K, 2e-4) } else { (GgmlDType::Q6K, 1e-5) };
    let q3_k_m = s.base == GgmlDType::Q3K;
    if s.output_head {
        tensors.push(("token_embd.weight".into(), q4(s.vocab, s.hidden, &mut rng)?));
        tensors.push(("output.weight".into(), random_matrix(&mut rng, GgmlDType::Q6K, s.vocab, s.hidden, s.output_d)?));
    } else {
        tensors.push((
            "token_embd.weight".into(),
            random_matrix(&mut rng, GgmlDType::Q6K, s.vocab, s.hidden, s.output_d)?,
        ));
    }
    tensors.push(("output_norm.weight".into(), vector(s.hidden, 1.0)?));
    for l in 0..s.layers {
        let n = |t: &str| format!("blk.{l}.{t}");
        let wide = |r, c, rng: &mut Bytes| {
            if more_bits(l, s.layers) { random_matrix(rng, more, r, c, more_d) } else { q4(r, c, rng) }
        };
        let always_more = |r, c, rng: &mut Bytes| random_matrix(rng, more, r, c, more_d);
        tensors.push((n("attn_norm.weight"), vector(s.hidden, 1.0)?));
        tensors.push((n("attn_q.weight"), q4(s.hidden, s.hidden, &mut rng)?));
        tensors.push((n("attn_k.weight"), q4(kv, s.hidden, &mut rng)?));
        tensors.push((
            n("attn_v.weight"),
            if q3_k_m { always_more(kv, s.hidden, &mut rng)? } else { wide(kv, s.hidden, &mut rng)? },
        ));
        if s.arch == "qwen2" {
            tensors.push((n("attn_q.bias"), vector(s.hidden, 0.01)?));
            tensors.push((n("attn_k.bias"), vector(kv, 0.01)?));
            tensors.push((n("attn_v.bias"), vector(kv, 0.01)?));
        }
        tensors.push((
            n("attn_output.weight"),
            if q3_k_m { always_more(s.hidden, s.hidden, &mut rng)? } else { q4(s.hidden, s.hidden, &mut rng)? },
        ));
        tensors.push((n("ffn_norm.weight"), vector(s.hidden, 1.0)?));
        tensors.push((n("ffn_gate.weight"), q4(s.ffn, s.hidden, &mut rng)?));
        tensors.push((n("ffn_up.weight"), q4(s.ffn, s.hidden, &mut rng)?));
        tensors.push((n("ffn_down.weight"), wide(s.hidden, s.ffn, &mut rng)?));
    }

    let a = s.arch;
    let u = |v: usize| Value::U32(v as u32);
    let mut metadata: Vec<(String, Value)> = vec![
        ("general.architecture".into(), Value::String(a.into())),
        ("general.name".into(), Value::String(format!("{} (random weights)", s.name))),
        // llama.cpp's file types "mostly Q3_K_M" (12), "mostly Q4_K_M" (15) and "mostly Q5_K_M" (17).
        (
            "general.file_type".into(),
            Value::U32(match s.base {
                GgmlDType::Q3K => 12,
                GgmlDType::Q5K => 17,
                _ => 15,
            }),
        ),
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
    fn random_q4_k_blocks_are_centred_on_zero_with_the_scale_asked_for() {
        let m = random_matrix(&mut Bytes(7), GgmlDType::Q4K, 64, 256, 2e-4).expect("matrix");
        let v: Vec<f32> =
            m.dequantize(&Device::Cpu).expect("dequantize").flatten_all().expect("flat").to_vec1().expect("vec");
        let mean = v.iter().sum::<f32>() / v.len() as f32;
        let max = v.iter().fold(0.0f32, |m, x| m.max(x.abs()));
        assert!(mean.abs() < 0.02 * max, "mean {mean} against a largest weight of {max}");
        assert!(max > 0.03 && max < 0.1, "largest weight {max}");
    }

    #[test]
    fn q4_k_m_gives_six_bits_to_the_layers_llama_cpp_does() {
        // 28 layers: 0..3 and 24..28, and every third from 3 on (5, 8, ... 23).
        let six: Vec<usize> = (0..28).filter(|&l| more_bits(l, 28)).collect();
        assert_eq!(six, vec![0, 1, 2, 5, 8, 11, 14, 17, 20, 23, 24, 25, 26, 27]);
    }
}
