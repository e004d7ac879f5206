//! A `tokenizers::Tokenizer` built from a GGUF file's own metadata, so a GGUF model runs without a
//! separate `tokenizer.json` (the SmolLM2 package ships none).
//!
//! `gpt2` vocabularies become byte-level BPE (tokens + merges) with the pre-tokenizer llama.cpp would use
//! for `tokenizer.ggml.pre`; `llama` (SentencePiece) vocabularies become a Unigram model over the scores
//! with byte fallback. Control tokens (type 3) are added as special tokens, user-defined ones (type 4) as
//! plain added tokens, so chat-template markers like `<|im_start|>` always encode to their own id.

use std::path::{Path, PathBuf};

use byline_core::{Error, Result};
use tokenizers::decoders::byte_fallback::ByteFallback;
use tokenizers::decoders::byte_level::ByteLevel as ByteLevelDecoder;
use tokenizers::decoders::fuse::Fuse;
use tokenizers::decoders::sequence::Sequence as DecoderSequence;
use tokenizers::decoders::strip::Strip;
use tokenizers::models::bpe::{BPE, Vocab};
use tokenizers::models::unigram::Unigram;
use tokenizers::normalizers::{Prepend, Replace};
use tokenizers::pre_tokenizers::byte_level::ByteLevel;
use tokenizers::pre_tokenizers::digits::Digits;
use tokenizers::pre_tokenizers::sequence::Sequence;
use tokenizers::pre_tokenizers::split::{Split, SplitPattern};
use tokenizers::processors::template::TemplateProcessing;
use tokenizers::{AddedToken, DecoderWrapper, PreTokenizerWrapper, SplitDelimiterBehavior, Tokenizer};

use crate::gguf::GgufMetadata;

/// llama.cpp's token types (`llama_token_type`).
const CONTROL: i64 = 3;
const USER_DEFINED: i64 = 4;
/// Pre-tokenizer patterns llama.cpp uses for these `tokenizer.ggml.pre` values (from the models' own
/// tokenizer.json files); others fall back to GPT-2's pattern inside the byte-level pre-tokenizer.
const LLAMA3_PATTERN: &str = r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";
const QWEN2_PATTERN: &str =
    r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

/// The tokenizer plus the ids and template a chat front end needs.
pub struct GgufTokenizer {
    pub tokenizer: Tokenizer,
    /// `tokenizer.ggml.model`: `gpt2` or `llama`.
    pub model: String,
    pub bos_id: Option<u32>,
    pub eos_id: Option<u32>,
    pub chat_template: Option<String>,
}

impl GgufTokenizer {
    pub fn from_file(path: &Path) -> Result<Self> {
        Self::from_metadata(&GgufMetadata::read(path)?, path)
    }

    /// `path` only names the file in error messages.
    pub fn from_metadata(meta: &GgufMetadata, path: &Path) -> Result<Self> {
        let fail = |message: String| Error::Format { path: PathBuf::from(path), message };
        let model = meta.get_str("tokenizer.ggml.model").ok_or_else(|| fail("has no tokenizer.ggml.model".into()))?;
        let tokens = meta.get_strings("tokenizer.ggml.tokens").ok_or_else(|| fail("has no token list".into()))?;
        let types = meta.get_i64s("tokenizer.ggml.token_type").unwrap_or_default();
        let id =
            |key: &str| meta.get_i64(key).and_then(|v| u32::try_from(v).ok()).filter(|v| (*v as usize) < tokens.len());
        let (bos_id, eos_id) = (id("tokenizer.ggml.bos_token_id"), id("tokenizer.ggml.eos_token_id"));
        let mut tokenizer = match model {
            "gpt2" => byte_level_bpe(meta, &tokens).map_err(fail)?,
            "llama" => sentencepiece(meta, &tokens, &types).map_err(fail)?,
            other => return Err(fail(format!("tokenizer type {other:?} is not supported (gpt2 and llama are)"))),
        };
        let added = |kind: i64, special: bool| -> Vec<AddedToken> {
            let matching = types.iter().zip(&tokens).filter(|(t, _)| **t == kind);
            matching.map(|(_, tok)| AddedToken::from(tok.to_string(), special).normalized(false)).collect()
        };
        tokenizer.add_special_tokens(added(CONTROL, true)).map_err(|e| fail(format!("special tokens: {e}")))?;
        tokenizer.add_tokens(added(USER_DEFINED, false)).map_err(|e| fail(format!("added tokens: {e}")))?;
        let default_bos = model == "llama"; // llama.cpp's defaults when the file does not say.
        let add_bos =
            meta.get("tokenizer.ggml.add_bos_token").map_or(default_bos, |v| v == &crate::GgufValue::Bool(true));
        if let (true, Some(bos)) = (add_bos, bos_id) {
            let name = tokens[bos as usize].to_string();
            let post = TemplateProcessing::builder()
                .try_single(format!("{name}:0 $A:0"))
                .and_then(|b| b.try_pair(format!("{name}:0 $A:0 {name}:1 $B:1")))
                .map_err(|e| fail(format!("bos template: {e}")))?
                .special_tokens(vec![(name, bos)])
                .build()
                .map_err(|e| fail(format!("bos template: {e}")))?;
            tokenizer.with_post_processor(Some(post));
        }
        Ok(GgufTokenizer {
            tokenizer,
            model: model.to_string(),
            bos_id,
            eos_id,
            chat_template: meta.get_str("tokenizer.chat_template").map(str::to_owned),
        })
    }
}

fn byte_level_bpe(meta: &GgufMetadata, tokens: &[&str]) -> std::result::Result<Tokenizer, String> {
    let merges = meta.get_strings("tokenizer.ggml.merges").ok_or("has a gpt2 tokenizer without merges")?;
    let vocab: Vocab = tokens.iter().enumerate().map(|(i, t)| (t.to_string(), i as u32)).collect();
    let merges = merges
        .iter()
        .map(|m| m.split_once(' ').map(|(a, b)| (a.to_string(), b.to_string())))
        .collect::<Option<Vec<_>>>()
        .ok_or("has a merge that is not two tokens")?;
    let bpe = BPE::builder().vocab_and_merges(vocab, merges).build().map_err(|e| format!("BPE: {e}"))?;
    let mut tokenizer = Tokenizer::new(bpe);
    let split = |pattern: &str| -> std::result::Result<PreTokenizerWrapper, String> {
        let split = Split::new(SplitPattern::Regex(pattern.into()), SplitDelimiterBehavior::Isolated, false);
        Ok(split.map_err(|e| format!("pre-tokenizer: {e}"))?.into())
    };
    // With a pattern split first, the byte-level step only maps bytes (use_regex = false).
    let pre: Vec<PreTokenizerWrapper> = match meta.get_str("tokenizer.ggml.pre").unwrap_or("default") {
        "smollm" => vec![Digits::new(true).into(), ByteLevel::new(false, true, true).into()],
        "llama3" | "llama-v3" | "llama-bpe" => vec![split(LLAMA3_PATTERN)?, ByteLevel::new(false, true, false).into()],
        "qwen2" => vec![split(QWEN2_PATTERN)?, ByteLevel::new(false, true, false).into()],
        _ => vec![ByteLevel::new(false, true, true).into()],
    };
    tokenizer.with_pre_tokenizer(Some(Sequence::new(pre)));
    tokenizer.with_decoder(Some(ByteLevelDecoder::default()));
    Ok(tokenizer)
}

fn sentencepiece(meta: &GgufMetadata, tokens: &[&str], types: &[i64]) -> std::result::Result<Tokenizer, String> {
    let scores = meta.get_f64s("tokenizer.ggml.scores").ok_or("has a llama tokenizer without scores")?;
    if scores.len() != tokens.len() {
        return Err(format!("has {} tokens but {} scores", tokens.len(), scores.len()));
    }
    let vocab: Vec<(String, f64)> = tokens.iter().map(|t| t.to_string()).zip(scores).collect();
    let unk = meta
        .get_i64("tokenizer.ggml.unknown_token_id")
        .and_then(|v| usize::try_from(v).ok())
        .or_else(|| types.iter().position(|t| *t == 2));
    let unigram = Unigram::from(vocab, unk, true).map_err(|e| format!("unigram: {e}"))?;
    let mut tokenizer = Tokenizer::new(unigram);
    // SentencePiece marks spaces with ▁ and treats the text as starting with one.
    let replace = Replace::new(" ", "\u{2581}").map_err(|e| format!("normalizer: {e}"))?;
    let normalizer =
        tokenizers::normalizers::Sequence::new(vec![Prepend::new("\u{2581}".into()).into(), replace.into()]);
    tokenizer.with_normalizer(Some(normalizer)).map_err(|e| format!("normalizer: {e}"))?;
    let space = Replace::new("\u{2581}", " ").map_err(|e| format!("decoder: {e}"))?;
    let decoders: Vec<DecoderWrapper> =
        vec![space.into(), ByteFallback::new().into(), Fuse::new().into(), Strip::new(' ', 1, 0).into()];
    tokenizer.with_decoder(Some(DecoderSequence::new(decoders)));
    Ok(tokenizer)
}

#[cfg(test)]
#[path = "gguf_tests.rs"]
mod tests;
