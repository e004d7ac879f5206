//! CLIP's byte-level BPE tokenizer, built from the diffusers `tokenizer/` folder
//! (`vocab.json` + `merges.txt`, or `tokenizer.json` when the checkpoint ships one).
use std::path::Path;

use byline_core::{Error, Result};
use tokenizers::models::bpe::BPE;
use tokenizers::normalizers::{Lowercase, NFC, Replace, Sequence as NormSeq};
use tokenizers::pre_tokenizers::byte_level::ByteLevel;
use tokenizers::pre_tokenizers::sequence::Sequence as PreSeq;
use tokenizers::pre_tokenizers::split::{Split, SplitPattern};
use tokenizers::{SplitDelimiterBehavior, Tokenizer};

const BOS: &str = "<|startoftext|>";
const EOS: &str = "<|endoftext|>";
/// The word split of OpenAI's CLIP tokenizer (as in its `tokenizer.json`).
const CLIP_SPLIT: &str = r"<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+";

pub struct ClipTokenizer {
    inner: Tokenizer,
    bos: u32,
    eos: u32,
    pad: u32,
}

fn tok_err(dir: &Path, e: impl std::fmt::Display) -> Error {
    Error::Format { path: dir.to_path_buf(), message: format!("tokenizer: {e}") }
}

impl ClipTokenizer {
    pub fn load(dir: &Path) -> Result<Self> {
        let json = dir.join("tokenizer.json");
        let inner = if json.is_file() {
            Tokenizer::from_file(&json).map_err(|e| tok_err(&json, e))?
        } else {
            Self::from_bpe_files(dir)?
        };
        let id = |t: &str| inner.token_to_id(t).ok_or_else(|| tok_err(dir, format!("vocabulary has no {t}")));
        let (bos, eos) = (id(BOS)?, id(EOS)?);
        let pad = match pad_token(dir) {
            Some(t) => id(&t)?,
            None => eos,
        };
        Ok(Self { inner, bos, eos, pad })
    }

    fn from_bpe_files(dir: &Path) -> Result<Tokenizer> {
        let (vocab, merges) = (dir.join("vocab.json"), dir.join("merges.txt"));
        for f in [&vocab, &merges] {
            if !f.is_file() {
                return Err(Error::Format { path: f.clone(), message: "tokenizer file is missing".into() });
            }
        }
        let bpe = BPE::from_file(&vocab.to_string_lossy(), &merges.to_string_lossy())
            .end_of_word_suffix("</w>".into())
            .unk_token(EOS.into())
            .build()
            .map_err(|e| tok_err(dir, e))?;
        let mut tok = Tokenizer::new(bpe);
        let normalizer = NormSeq::new(vec![
            NFC.into(),
            Replace::new(tokenizers::normalizers::replace::ReplacePattern::Regex(r"\s+".into()), " ")
                .map_err(|e| tok_err(dir, e))?
                .into(),
            Lowercase.into(),
        ]);
        tok.with_normalizer(Some(normalizer)).map_err(|e| tok_err(dir, e))?;
        let split = Split::new(SplitPattern::Regex(CLIP_SPLIT.into()), SplitDelimiterBehavior::Removed, true)
            .map_err(|e| tok_err(dir, e))?;
        tok.with_pre_tokenizer(Some(PreSeq::new(vec![split.into(), ByteLevel::new(false, true, false).into()])));
        Ok(tok)
    }

    /// Token ids for one prompt: start token, text (truncated to fit), end token, then
    /// padding up to `len` — the fixed length the text encoder was trained with.
    pub fn encode(&self, text: &str, len: usize) -> Result<Vec<u32>> {
        let enc = self
            .inner
            .encode(text.trim(), false)
            .map_err(|e| Error::InvalidInput(format!("cannot tokenize the prompt: {e}")))?;
        let mut ids = Vec::with_capacity(len);
        ids.push(self.bos);
        ids.extend(enc.get_ids().iter().take(len.saturating_sub(2)));
        ids.push(self.eos);
        ids.resize(len, self.pad);
        Ok(ids)
    }
}

/// The padding token from `special_tokens_map.json` or `tokenizer_config.json` ("!" for SD 2.x
/// and SDXL, end-of-text for SD 1.x).
fn pad_token(dir: &Path) -> Option<String> {
    for name in ["special_tokens_map.json", "tokenizer_config.json"] {
        let Ok(text) = std::fs::read_to_string(dir.join(name)) else { continue };
        let Ok(v) = serde_json::from_str::<serde_json::Value>(&text) else { continue };
        match v.get("pad_token") {
            Some(serde_json::Value::String(s)) => return Some(s.clone()),
            Some(obj) => {
                if let Some(s) = obj.get("content").and_then(|c| c.as_str()) {
                    return Some(s.to_string());
                }
            }
            None => {}
        }
    }
    None
}
