//! Whisper CTranslate2 (faster-whisper) → whisper.cpp ggml conversion.
//!
//! Packages ship Whisper only as CTranslate2 fp16 models; whisper.cpp reads its own ggml container with the
//! tensors under OpenAI's checkpoint names. The conversion is lossless: fused projections are split back into
//! query/key/value, the zero key biases CTranslate2 adds are dropped (whisper.cpp refuses unknown tensors),
//! and each tensor gets the element type whisper.cpp allocates for it (it refuses a size mismatch).

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use byline_core::{CancelToken, Error, Progress, Reporter, Result};

use crate::ct2::{Ct2Dtype, Ct2Model, Ct2Variable};
use crate::manifest::{create_parent, private_part_path, remove_quietly};
use crate::whisper_assets::WhisperAssets;

pub const GGML_MAGIC: u32 = 0x6767_6d6c;
/// whisper.cpp treats vocabularies of at least this size as multilingual.
const MULTILINGUAL_VOCAB: u64 = 51865;

/// Whisper's dimensions as the ggml header stores them, in its order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WhisperHparams {
    pub n_vocab: u64,
    pub n_audio_ctx: u64,
    pub n_audio_state: u64,
    pub n_audio_head: u64,
    pub n_audio_layer: u64,
    pub n_text_ctx: u64,
    pub n_text_state: u64,
    pub n_text_head: u64,
    pub n_text_layer: u64,
    pub n_mels: u64,
}

impl WhisperHparams {
    pub fn multilingual(&self) -> bool {
        self.n_vocab >= MULTILINGUAL_VOCAB
    }
}

/// Converts the CTranslate2 Whisper model in `ct2_dir` (`model.bin`, `config.json`, and `tokenizer.json`
/// with [`WhisperAssets::derived`]) to a whisper.cpp ggml file at `out`. The file appears atomically; on
/// error or cancel nothing is left behind.
pub fn convert_ct2_whisper(ct2_dir: &Path, assets: &WhisperAssets, out: &Path, cancel: &CancelToken) -> Result<()> {
    convert_with_progress(ct2_dir, assets, out, &byline_core::NoProgress, cancel)
}

/// [`convert_ct2_whisper`] reporting one step per tensor.
pub fn convert_with_progress(
    ct2_dir: &Path,
    assets: &WhisperAssets,
    out: &Path,
    reporter: &dyn Reporter,
    cancel: &CancelToken,
) -> Result<()> {
    check_config(&ct2_dir.join("config.json"))?;
    let model = Ct2Model::open(&ct2_dir.join("model.bin"))?;
    if model.spec != "WhisperSpec" {
        return Err(model.error(format!("is a {:?} model, not a Whisper model", model.spec)));
    }
    let mut file = File::open(&model.path).map_err(|e| Error::io(format!("opening {}", model.path.display()), e))?;
    let hp = hparams(&model, &mut file)?;
    let mels = assets.mel_filters(hp.n_mels as u32)?;
    let mut vocab = assets.vocabulary(ct2_dir, hp.multilingual())?;
    if !hp.multilingual() {
        // The English vocabulary stops before <|endoftext|>; English-only ggml files carry it as the last token.
        vocab.push(b"<|endoftext|>".to_vec());
    }
    let plan = plan(&hp);
    create_parent(out)?;
    let part = private_part_path(out);
    let result = (|| {
        let handle = File::create(&part).map_err(|e| Error::io(format!("creating {}", part.display()), e))?;
        let mut w = GgmlWriter { inner: BufWriter::with_capacity(1 << 20, handle), path: part.clone() };
        w.header(&hp, &mels, &vocab)?;
        reporter.on_start(Some(plan.len() as u64), "converting Whisper to ggml");
        for (done, piece) in plan.iter().enumerate() {
            cancel.check()?;
            let var = model.require(&piece.src)?;
            let data = slice_values(&model, &mut file, var, piece)?;
            w.tensor(&piece.name, &data.0, &data.1)?;
            let message = piece.name.clone();
            reporter.on_progress(&Progress { done: done as u64 + 1, total: Some(plan.len() as u64), message });
        }
        w.inner.flush().map_err(|e| Error::io(format!("writing {}", part.display()), e))?;
        drop(w);
        std::fs::rename(&part, out).map_err(|e| Error::io(format!("moving {} into place", out.display()), e))
    })();
    if result.is_err() {
        remove_quietly(&part);
    }
    result?;
    reporter.on_done(&format!("Wrote {}", out.display()));
    Ok(())
}

fn check_config(path: &Path) -> Result<()> {
    let text = std::fs::read(path).map_err(|e| Error::io(format!("reading {}", path.display()), e))?;
    match serde_json::from_slice::<serde_json::Value>(&text) {
        Ok(serde_json::Value::Object(_)) => Ok(()),
        _ => Err(Error::Format { path: path.to_path_buf(), message: "is not a JSON object".into() }),
    }
}

/// Dimensions from tensor shapes (CTranslate2 stores no dims table); head counts from the scalars.
pub fn hparams(model: &Ct2Model, file: &mut File) -> Result<WhisperHparams> {
    let dims = |name: &str, rank: usize| -> Result<Vec<u64>> {
        let var = model.require(name)?;
        if var.dims.len() != rank || var.dims.contains(&0) {
            return Err(model.error(format!("{name} has shape {:?}, expected {rank} dimensions", var.dims)));
        }
        Ok(var.dims.clone())
    };
    let heads = |file: &mut File, name: &str| -> Result<u64> {
        let n = model.scalar_int(file, name)?;
        u64::try_from(n).ok().filter(|n| *n > 0).ok_or_else(|| model.error(format!("{name} is {n}")))
    };
    let layers = |side: &str| {
        let prefix = format!("{side}/layer_");
        let index = |v: &Ct2Variable| v.name.strip_prefix(&prefix)?.split('/').next()?.parse::<u64>().ok();
        model.variables.iter().filter_map(index).max().map_or(0, |max| max + 1)
    };
    let audio_pos = dims("encoder/position_encodings/encodings", 2)?;
    let text_pos = dims("decoder/position_encodings/encodings", 2)?;
    let embed = dims("decoder/embeddings/weight", 2)?;
    let conv1 = dims("encoder/conv1/weight", 3)?;
    let hp = WhisperHparams {
        n_vocab: embed[0],
        n_audio_ctx: audio_pos[0],
        n_audio_state: audio_pos[1],
        n_audio_head: heads(file, "encoder/num_heads")?,
        n_audio_layer: layers("encoder"),
        n_text_ctx: text_pos[0],
        n_text_state: text_pos[1],
        n_text_head: heads(file, "decoder/num_heads")?,
        n_text_layer: layers("decoder"),
        n_mels: conv1[1],
    };
    if hp.n_audio_layer == 0 || hp.n_text_layer == 0 || embed[1] != hp.n_text_state {
        return Err(model.error(format!("inconsistent Whisper dimensions: {hp:?}")));
    }
    Ok(hp)
}

/// One ggml tensor: its OpenAI name and where it comes from — part `index` of `parts` equal slices along
/// dimension 0 of a CTranslate2 variable (fused projections are stored stacked).
struct Piece {
    name: String,
    src: String,
    index: u64,
    parts: u64,
}

/// Collects pieces; `add` names a whole variable, `part` one slice of a fused one.
#[derive(Default)]
struct Plan(Vec<Piece>);

impl Plan {
    fn part(&mut self, name: String, src: String, index: u64, parts: u64) {
        self.0.push(Piece { name, src, index, parts });
    }

    fn add(&mut self, name: &str, src: &str) {
        self.part(name.into(), src.into(), 0, 1);
    }

    fn linear(&mut self, name: &str, src: &str) {
        self.add(&format!("{name}.weight"), &format!("{src}/weight"));
        self.add(&format!("{name}.bias"), &format!("{src}/bias"));
    }

    fn norm(&mut self, name: &str, src: &str) {
        self.add(&format!("{name}.weight"), &format!("{src}/gamma"));
        self.add(&format!("{name}.bias"), &format!("{src}/beta"));
    }

    /// Self-attention q, k, v are fused as thirds; whisper has no key bias, so that third is skipped.
    fn self_attention(&mut self, b: &str, src: &str) {
        let fused = format!("{src}/self_attention/linear_0");
        self.part(format!("{b}.attn.query.weight"), format!("{fused}/weight"), 0, 3);
        self.part(format!("{b}.attn.query.bias"), format!("{fused}/bias"), 0, 3);
        self.part(format!("{b}.attn.key.weight"), format!("{fused}/weight"), 1, 3);
        self.part(format!("{b}.attn.value.weight"), format!("{fused}/weight"), 2, 3);
        self.part(format!("{b}.attn.value.bias"), format!("{fused}/bias"), 2, 3);
        self.linear(&format!("{b}.attn.out"), &format!("{src}/self_attention/linear_1"));
        self.norm(&format!("{b}.attn_ln"), &format!("{src}/self_attention/layer_norm"));
    }

    fn mlp(&mut self, b: &str, src: &str) {
        self.linear(&format!("{b}.mlp.0"), &format!("{src}/ffn/linear_0"));
        self.linear(&format!("{b}.mlp.2"), &format!("{src}/ffn/linear_1"));
        self.norm(&format!("{b}.mlp_ln"), &format!("{src}/ffn/layer_norm"));
    }
}

fn plan(hp: &WhisperHparams) -> Vec<Piece> {
    let mut p = Plan::default();
    p.add("encoder.positional_embedding", "encoder/position_encodings/encodings");
    p.linear("encoder.conv1", "encoder/conv1");
    p.linear("encoder.conv2", "encoder/conv2");
    for i in 0..hp.n_audio_layer {
        let (b, src) = (format!("encoder.blocks.{i}"), format!("encoder/layer_{i}"));
        p.self_attention(&b, &src);
        p.mlp(&b, &src);
    }
    p.norm("encoder.ln_post", "encoder/layer_norm");
    p.add("decoder.positional_embedding", "decoder/position_encodings/encodings");
    p.add("decoder.token_embedding.weight", "decoder/embeddings/weight");
    for i in 0..hp.n_text_layer {
        let (b, src) = (format!("decoder.blocks.{i}"), format!("decoder/layer_{i}"));
        p.self_attention(&b, &src);
        // Cross-attention: q alone, k and v fused as halves (again without a key bias).
        p.linear(&format!("{b}.cross_attn.query"), &format!("{src}/attention/linear_0"));
        let kv = format!("{src}/attention/linear_1");
        p.part(format!("{b}.cross_attn.key.weight"), format!("{kv}/weight"), 0, 2);
        p.part(format!("{b}.cross_attn.value.weight"), format!("{kv}/weight"), 1, 2);
        p.part(format!("{b}.cross_attn.value.bias"), format!("{kv}/bias"), 1, 2);
        p.linear(&format!("{b}.cross_attn.out"), &format!("{src}/attention/linear_2"));
        p.norm(&format!("{b}.cross_attn_ln"), &format!("{src}/attention/layer_norm"));
        p.mlp(&b, &src);
    }
    p.norm("decoder.ln", "decoder/layer_norm");
    p.0
}

/// The piece's values as f32 with its PyTorch-order shape.
fn slice_values(model: &Ct2Model, file: &mut File, var: &Ct2Variable, piece: &Piece) -> Result<(Vec<u64>, Vec<f32>)> {
    let Some(&rows) = var.dims.first() else {
        return Err(model.error(format!("{} is a scalar, expected a tensor", var.name)));
    };
    if !rows.is_multiple_of(piece.parts) {
        return Err(model.error(format!("{} has {rows} rows, not divisible into {} parts", var.name, piece.parts)));
    }
    let mut shape = var.dims.clone();
    shape[0] = rows / piece.parts;
    let count = shape.iter().product::<u64>() as usize;
    let width = var.dtype.width() as usize;
    let bytes = model.read(file, var)?;
    let start = piece.index as usize * count * width;
    let raw = bytes.get(start..start + count * width).ok_or_else(|| model.error(format!("{} is short", var.name)))?;
    let values = match var.dtype {
        Ct2Dtype::F32 => raw.chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect(),
        Ct2Dtype::F16 => raw.chunks_exact(2).map(|c| half::f16::from_le_bytes([c[0], c[1]]).to_f32()).collect(),
        Ct2Dtype::Bf16 => raw.chunks_exact(2).map(|c| half::bf16::from_le_bytes([c[0], c[1]]).to_f32()).collect(),
        other => {
            return Err(model.error(format!(
                "{} is {other:?}; quantised CTranslate2 models cannot be converted, use a float16 one",
                var.name
            )));
        }
    };
    Ok((shape, values))
}

struct GgmlWriter {
    inner: BufWriter<File>,
    path: PathBuf,
}

impl GgmlWriter {
    fn bytes(&mut self, bytes: &[u8]) -> Result<()> {
        self.inner.write_all(bytes).map_err(|e| Error::io(format!("writing {}", self.path.display()), e))
    }

    fn i32(&mut self, value: u64) -> Result<()> {
        let v = i32::try_from(value).map_err(|_| Error::InvalidInput(format!("{value} does not fit a ggml i32")))?;
        self.bytes(&v.to_le_bytes())
    }

    fn header(&mut self, hp: &WhisperHparams, mels: &(usize, usize, Vec<f32>), vocab: &[Vec<u8>]) -> Result<()> {
        self.bytes(&GGML_MAGIC.to_le_bytes())?;
        let WhisperHparams { n_vocab, n_audio_ctx, n_audio_state, n_audio_head, n_audio_layer, .. } = *hp;
        let WhisperHparams { n_text_ctx, n_text_state, n_text_head, n_text_layer, n_mels, .. } = *hp;
        for v in [n_vocab, n_audio_ctx, n_audio_state, n_audio_head, n_audio_layer, n_text_ctx, n_text_state] {
            self.i32(v)?;
        }
        for v in [n_text_head, n_text_layer, n_mels, 1 /* ftype: mostly f16 */] {
            self.i32(v)?;
        }
        self.i32(mels.0 as u64)?;
        self.i32(mels.1 as u64)?;
        let data: Vec<u8> = mels.2.iter().flat_map(|v| v.to_le_bytes()).collect();
        self.bytes(&data)?;
        self.i32(vocab.len() as u64)?;
        for token in vocab {
            self.i32(token.len() as u64)?;
            self.bytes(token)?;
        }
        Ok(())
    }

    /// A tensor record: rank, name length, type, dims innermost first, name, data.
    fn tensor(&mut self, name: &str, shape: &[u64], values: &[f32]) -> Result<()> {
        // Like the reference converter: drop size-1 dimensions, give conv biases a trailing one.
        let mut dims: Vec<u64> = shape.iter().copied().filter(|d| *d != 1).collect();
        let conv_bias = name == "encoder.conv1.bias" || name == "encoder.conv2.bias";
        if conv_bias {
            dims = vec![values.len() as u64, 1];
        }
        // whisper.cpp allocates vectors, conv biases and positional embeddings as f32, all else as f16.
        let as_f32 = dims.len() < 2 || conv_bias || name.ends_with("positional_embedding");
        self.i32(dims.len() as u64)?;
        self.i32(name.len() as u64)?;
        self.i32(if as_f32 { 0 } else { 1 })?;
        for d in dims.iter().rev() {
            self.i32(*d)?;
        }
        self.bytes(name.as_bytes())?;
        let data: Vec<u8> = if as_f32 {
            values.iter().flat_map(|v| v.to_le_bytes()).collect()
        } else {
            values.iter().flat_map(|v| half::f16::from_f32(*v).to_le_bytes()).collect()
        };
        self.bytes(&data)
    }
}

#[cfg(test)]
#[path = "convert_tests.rs"]
pub(crate) mod tests;
