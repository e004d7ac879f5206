//! The files a Whisper → ggml conversion needs besides the weights: the mel filter bank and the token
//! vocabulary. Both are derived offline from what a conversion already has: the filter bank is computed
//! ([`crate::mel`], equal to OpenAI's `mel_filters.npz`) and the vocabulary is read from the model folder's
//! own `tokenizer.json` ([`crate::whisper_vocab`], equal to OpenAI's `.tiktoken` files). Nothing is
//! downloaded and no one else's code runs. A folder holding OpenAI's own asset files (an openai-whisper
//! checkout's `whisper/assets`) can be used instead.

use std::path::{Path, PathBuf};

use base64::Engine;
use byline_core::{Error, Result};

use crate::whisper_vocab::{TOKENIZER_FILE, read_vocabulary};

/// OpenAI's asset files, as openai-whisper 20250625 ships them, with their sha256 (for reference and tests;
/// a folder passed to [`WhisperAssets::in_dir`] may hold another release's).
pub const ASSETS: [(&str, &str); 3] = [
    ("mel_filters.npz", "7450ae70723a5ef9d341e3cee628c7cb0177f36ce42c44b7ed2bf3325f0f6d4c"),
    ("gpt2.tiktoken", "306cd27f03c1a714eca7108e03d66b7dc042abe8c258b44c199a7ed9838dd930"),
    ("multilingual.tiktoken", "b34b360dbb493e781e479794586d661700670d65564001f23024971d1f2fa126"),
];

/// whisper.cpp numbers the special tokens from `<|endoftext|>` at 50256 (English-only) or 50257
/// (multilingual), so the vocabulary must hold exactly the ranks before it.
const PLAIN_TOKENS_ENGLISH: usize = 50256;
const PLAIN_TOKENS_MULTILINGUAL: usize = 50257;

/// Where the mel filters and the vocabulary come from.
#[derive(Clone, Debug, Default)]
pub struct WhisperAssets {
    dir: Option<PathBuf>,
}

impl WhisperAssets {
    /// Computed mel filters and the model folder's `tokenizer.json`: needs no files of its own.
    pub fn derived() -> Self {
        WhisperAssets { dir: None }
    }

    /// Uses OpenAI's files in `dir` (`mel_filters.npz`, `gpt2.tiktoken`, `multilingual.tiktoken`, for example
    /// an openai-whisper checkout's `whisper/assets`).
    pub fn in_dir(dir: &Path) -> Result<Self> {
        for (name, _) in ASSETS {
            if !dir.join(name).is_file() {
                return Err(Error::not_found("Whisper asset", dir.join(name).display()));
            }
        }
        Ok(WhisperAssets { dir: Some(dir.to_path_buf()) })
    }

    /// The folder of OpenAI's files, if these assets come from one.
    pub fn dir(&self) -> Option<&Path> {
        self.dir.as_deref()
    }

    /// The `[n_mels, 201]` filter bank as `(rows, cols, row-major data)`.
    pub fn mel_filters(&self, n_mels: u32) -> Result<(usize, usize, Vec<f32>)> {
        let Some(dir) = &self.dir else {
            if !(1..=1024).contains(&n_mels) {
                return Err(Error::InvalidInput(format!("a Whisper model with {n_mels} mel bands is implausible")));
            }
            return Ok(crate::mel::whisper_mel_filters(n_mels as usize));
        };
        let path = dir.join("mel_filters.npz");
        let array = crate::npy::read_npz_member(&path, &format!("mel_{n_mels}.npy"))?;
        match array.shape.as_slice() {
            [rows, cols] if *rows == n_mels as usize => Ok((*rows, *cols, array.data)),
            shape => Err(Error::Format {
                path,
                message: format!("mel_{n_mels} has shape {shape:?}, expected [{n_mels}, 201]"),
            }),
        }
    }

    /// Token byte strings in rank order, without the special tokens: from `tokenizer.json` in the CTranslate2
    /// folder `ct2_dir`, or from `multilingual.tiktoken` / `gpt2.tiktoken` in the assets folder.
    pub fn vocabulary(&self, ct2_dir: &Path, multilingual: bool) -> Result<Vec<Vec<u8>>> {
        let Some(dir) = &self.dir else {
            let path = ct2_dir.join(TOKENIZER_FILE);
            let vocab = read_vocabulary(&path)?;
            let (want, kind) = if multilingual {
                (PLAIN_TOKENS_MULTILINGUAL, "a multilingual")
            } else {
                (PLAIN_TOKENS_ENGLISH, "an English-only")
            };
            if vocab.len() != want {
                return Err(Error::Format {
                    path,
                    message: format!(
                        "has {} plain tokens before <|endoftext|>, but {kind} Whisper model needs {want}: \
                         the tokenizer belongs to another model",
                        vocab.len()
                    ),
                });
            }
            return Ok(vocab);
        };
        let path = dir.join(if multilingual { "multilingual.tiktoken" } else { "gpt2.tiktoken" });
        let text = std::fs::read_to_string(&path).map_err(|e| Error::io(format!("reading {}", path.display()), e))?;
        parse_tiktoken(&text).map_err(|message| Error::Format { path, message })
    }
}

/// Parses a `.tiktoken` file: one `base64-token rank` pair per line. Ranks must be exactly 0..n, because
/// the ggml vocabulary is written in rank order and whisper.cpp takes the position as the token id.
pub fn parse_tiktoken(text: &str) -> std::result::Result<Vec<Vec<u8>>, String> {
    let mut slots: Vec<Option<Vec<u8>>> = Vec::new();
    for (n, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        let mut parts = line.split_whitespace();
        let (Some(token), Some(rank), None) = (parts.next(), parts.next(), parts.next()) else {
            return Err(format!("line {} is not `token rank`", n + 1));
        };
        // multilingual.tiktoken's rank 50256 is the empty token, written as a lone "=", which Python's
        // b64decode accepts; decoding without the padding does the same.
        let bytes = base64::engine::general_purpose::STANDARD_NO_PAD
            .decode(token.trim_end_matches('='))
            .map_err(|e| format!("line {}: token is not base64: {e}", n + 1))?;
        let rank: usize = rank.parse().map_err(|_| format!("line {}: rank {rank:?} is not a number", n + 1))?;
        if rank > 10_000_000 {
            return Err(format!("line {}: rank {rank} is implausible", n + 1));
        }
        if slots.len() <= rank {
            slots.resize(rank + 1, None);
        }
        if slots[rank].replace(bytes).is_some() {
            return Err(format!("line {}: rank {rank} appears twice", n + 1));
        }
    }
    if slots.is_empty() {
        return Err("the vocabulary is empty".into());
    }
    slots.into_iter().enumerate().map(|(rank, slot)| slot.ok_or_else(|| format!("rank {rank} is missing"))).collect()
}
