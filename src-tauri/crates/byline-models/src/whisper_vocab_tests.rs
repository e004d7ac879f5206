//! Byte-level vocabularies from small hand-made tokenizer.json files.

use super::*;

/// A tokenizer.json shaped like faster-whisper's: `vocab` holds the plain tokens and `<|endoftext|>`;
/// the special tokens follow it as added tokens.
fn tokenizer_json(plain: &[&str], specials: &[&str]) -> String {
    let mut vocab = serde_json::Map::new();
    for (id, token) in plain.iter().enumerate() {
        vocab.insert((*token).to_string(), id.into());
    }
    vocab.insert(END_OF_TEXT.into(), plain.len().into());
    let added: Vec<serde_json::Value> = std::iter::once(END_OF_TEXT)
        .chain(specials.iter().copied())
        .enumerate()
        .map(|(i, content)| serde_json::json!({"id": plain.len() + i, "content": content, "special": true}))
        .collect();
    serde_json::json!({
        "version": "1.0",
        "added_tokens": added,
        "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": false},
        "decoder": {"type": "ByteLevel"},
        "model": {"type": "BPE", "vocab": vocab, "merges": ["Ġ t", "Ġt he"]},
    })
    .to_string()
}

#[test]
fn gpt2_byte_alphabet_maps_every_byte_to_one_character() {
    assert_eq!(byte_to_char(b' '), 'Ġ');
    assert_eq!(byte_to_char(b'\n'), 'Ċ');
    assert_eq!(byte_to_char(b'\t'), 'ĉ');
    assert_eq!(byte_to_char(0), '\u{100}');
    assert_eq!(byte_to_char(0x7F), '\u{121}');
    assert_eq!(byte_to_char(0xAD), '\u{143}', "the soft hyphen is the last of the 68 remapped bytes");
    assert_eq!((byte_to_char(b'A'), byte_to_char(b'~'), byte_to_char(0xE9)), ('A', '~', 'é'));
    let chars: std::collections::HashSet<char> = (0..=255u8).map(byte_to_char).collect();
    assert_eq!(chars.len(), 256);
    for byte in 0..=255u8 {
        assert_eq!(token_bytes(&byte_to_char(byte).to_string()), Some(vec![byte]));
    }
    assert_eq!(token_bytes("€"), None);
    assert_eq!(token_bytes("中"), None);
}

#[test]
fn tokens_decode_to_their_bytes_in_rank_order() {
    let plain = [
        "!",          // 0: a printable byte stands for itself
        "Ġthe",       // 1: leading space
        "ĊĊ",         // 2: two newlines
        "Ã©",         // 3: "é" as its two UTF-8 bytes
        "Ġæĸ°",       // 4: " 新" (E6 96 B0)
        "åľ",         // 5: the first two bytes of "场" (E5 9C), a piece that is not UTF-8 by itself
        "º",          // 6: its last byte, BA
        "",           // 7: multilingual Whisper really has an empty token (rank 50256)
        "ĉĠĀ\u{143}", // 8: tab, space, NUL, soft hyphen
    ];
    let json = tokenizer_json(&plain, &["<|startoftranscript|>", "<|en|>"]);
    let vocab = parse_vocabulary(json.as_bytes()).expect("valid tokenizer.json");
    let want: Vec<Vec<u8>> = vec![
        b"!".to_vec(),
        b" the".to_vec(),
        b"\n\n".to_vec(),
        "é".as_bytes().to_vec(),
        " 新".as_bytes().to_vec(),
        vec![0xE5, 0x9C],
        vec![0xBA],
        vec![],
        vec![b'\t', b' ', 0, 0xAD],
    ];
    assert_eq!(vocab, want, "specials and <|endoftext|> are left out");
    let mut joined = vocab[5].clone();
    joined.extend(&vocab[6]);
    assert_eq!(String::from_utf8(joined).expect("utf-8"), "场");
}

#[test]
fn bad_tokenizers_are_refused_with_reasons() {
    let err = |json: &str| parse_vocabulary(json.as_bytes()).expect_err("must fail");
    assert!(err("{").contains("not JSON"));
    assert!(err("{\"vocab\": {}}").contains("no \"model\""));
    assert!(err(r#"{"model": {"type": "WordPiece", "vocab": {}}}"#).contains("WordPiece"));
    assert!(err(r#"{"model": {"type": "BPE", "vocab": {"a": 0}}}"#).contains("<|endoftext|>"));
    // A gap below <|endoftext|>.
    assert!(err(r#"{"model": {"vocab": {"a": 0, "<|endoftext|>": 5}}}"#).contains("beyond"));
    assert!(err(r#"{"model": {"vocab": {"a": 0, "b": 3, "<|endoftext|>": 2}}}"#).contains("id 1 is missing"));
    // A character outside GPT-2's byte alphabet: not a byte-level vocabulary.
    assert!(err(r#"{"model": {"vocab": {"中": 0, "<|endoftext|>": 1}}}"#).contains("byte-level alphabet"));
    // A special token among the plain ones would be written into the ggml vocabulary as text.
    let early = r#"{"added_tokens": [{"id": 0, "content": "<|x|>", "special": true}],
                    "model": {"vocab": {"<|x|>": 0, "<|endoftext|>": 1}}}"#;
    assert!(err(early).contains("<|x|>"));
}

#[test]
fn a_missing_tokenizer_json_says_what_is_missing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let err = read_vocabulary(&dir.path().join(TOKENIZER_FILE)).expect_err("absent").to_string();
    assert!(err.contains("has no tokenizer.json") && err.contains("vocabulary"), "{err}");
    assert!(err.contains(&dir.path().display().to_string()), "{err}");
    std::fs::write(dir.path().join(TOKENIZER_FILE), "not json").expect("write");
    let err = read_vocabulary(&dir.path().join(TOKENIZER_FILE)).expect_err("damaged");
    assert_eq!(err.code(), "format");
}
