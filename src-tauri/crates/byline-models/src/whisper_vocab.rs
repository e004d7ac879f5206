//! Whisper's token vocabulary, read from the `tokenizer.json` that faster-whisper model folders carry,
//! instead of from OpenAI's `gpt2.tiktoken` / `multilingual.tiktoken`.
//!
//! That file is a Hugging Face byte-level BPE tokenizer: its vocabulary maps token strings to ids, where
//! the ids are OpenAI's ranks and each string spells the token's bytes through GPT-2's `bytes_to_unicode`
//! table (printable Latin-1 bytes stand for themselves, the other 68 bytes become U+0100…U+0143, so a
//! space is `Ġ` and a newline `Ċ`). Mapping every character back gives the tiktoken bytes exactly.
//!
//! The ggml vocabulary holds only the plain ranks, the ones before `<|endoftext|>`; whisper.cpp numbers
//! the special tokens itself from there, as tiktoken does, so they are not read from the file.

use std::path::Path;

use byline_core::{Error, Result};

pub const TOKENIZER_FILE: &str = "tokenizer.json";
pub const END_OF_TEXT: &str = "<|endoftext|>";

/// GPT-2's `bytes_to_unicode`: the character standing for each byte.
pub fn byte_to_char(byte: u8) -> char {
    let printable = |b: u8| matches!(b, b'!'..=b'~' | 0xA1..=0xAC | 0xAE..=0xFF);
    if printable(byte) {
        return char::from(byte);
    }
    // The others get 256, 257, … in byte order.
    let before = (0..byte).filter(|b| !printable(*b)).count() as u32;
    char::from_u32(256 + before).unwrap_or(char::REPLACEMENT_CHARACTER)
}

/// The inverse table: indexed by code point (all below U+0144), the byte it stands for.
fn char_to_byte_table() -> [Option<u8>; 0x144] {
    let mut table = [None; 0x144];
    for byte in 0..=255u8 {
        table[byte_to_char(byte) as usize] = Some(byte);
    }
    table
}

/// Decodes one byte-level token string; `None` if it holds a character that stands for no byte.
pub fn token_bytes(token: &str) -> Option<Vec<u8>> {
    let table = char_to_byte_table();
    decode_with(&table, token)
}

fn decode_with(table: &[Option<u8>; 0x144], token: &str) -> Option<Vec<u8>> {
    token.chars().map(|c| table.get(c as usize).copied().flatten()).collect()
}

/// The tokens of a `tokenizer.json`, as bytes in rank order, up to but not including `<|endoftext|>`:
/// exactly the lines of the matching `.tiktoken` file.
pub fn read_vocabulary(path: &Path) -> Result<Vec<Vec<u8>>> {
    let text = match std::fs::read(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let folder = path.parent().unwrap_or(path);
            return Err(Error::InvalidInput(format!(
                "{} has no {TOKENIZER_FILE}, which holds the Whisper vocabulary the conversion needs; \
                 faster-whisper model folders carry it, so copy it from the model's source, or pass a folder \
                 with OpenAI's gpt2.tiktoken, multilingual.tiktoken and mel_filters.npz as the assets",
                folder.display()
            )));
        }
        Err(e) => return Err(Error::io(format!("reading {}", path.display()), e)),
    };
    parse_vocabulary(&text).map_err(|message| Error::Format { path: path.to_path_buf(), message })
}

/// [`read_vocabulary`] on the file's bytes.
pub fn parse_vocabulary(json: &[u8]) -> std::result::Result<Vec<Vec<u8>>, String> {
    let root: serde_json::Value = serde_json::from_slice(json).map_err(|e| format!("is not JSON: {e}"))?;
    let model = root.get("model").ok_or("has no \"model\": not a Hugging Face tokenizer.json")?;
    match model.get("type").and_then(|t| t.as_str()) {
        Some("BPE") | None => {}
        Some(other) => return Err(format!("holds a {other} tokenizer; Whisper's is byte-level BPE")),
    }
    let vocab = model.get("vocab").and_then(|v| v.as_object()).ok_or("has no model.vocab table")?;
    let id_of = |entry: &serde_json::Value| entry.as_u64().and_then(|id| usize::try_from(id).ok());
    let eot = vocab.get(END_OF_TEXT).ok_or(format!("has no {END_OF_TEXT} token: not a Whisper tokenizer"))?;
    let eot = id_of(eot).ok_or(format!("{END_OF_TEXT} has no numeric id"))?;
    if eot > 1_000_000 || eot > vocab.len() {
        return Err(format!("{END_OF_TEXT} has id {eot}, beyond the {} tokens", vocab.len()));
    }
    if let Some(added) = root.get("added_tokens").and_then(|a| a.as_array()) {
        let early = added.iter().find(|t| t.get("id").and_then(id_of).is_some_and(|id| id < eot));
        if let Some(token) = early {
            let name = token.get("content").and_then(|c| c.as_str()).unwrap_or("?");
            return Err(format!("added token {name:?} sits among the plain tokens, before {END_OF_TEXT}"));
        }
    }
    let table = char_to_byte_table();
    let mut slots: Vec<Option<Vec<u8>>> = vec![None; eot];
    for (token, id) in vocab {
        let id = id_of(id).ok_or_else(|| format!("token {token:?} has no numeric id"))?;
        let Some(slot) = slots.get_mut(id) else { continue };
        let bytes = decode_with(&table, token)
            .ok_or_else(|| format!("token {id} ({token:?}) is not in GPT-2's byte-level alphabet"))?;
        if slot.replace(bytes).is_some() {
            return Err(format!("id {id} appears twice"));
        }
    }
    slots.into_iter().enumerate().map(|(id, slot)| slot.ok_or_else(|| format!("token id {id} is missing"))).collect()
}

#[cfg(test)]
#[path = "whisper_vocab_tests.rs"]
mod tests;
