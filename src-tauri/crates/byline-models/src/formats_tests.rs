//! Builders for tiny but structurally real weight files, shared with the import tests.

use super::*;

fn string(out: &mut Vec<u8>, s: &str) {
    out.extend((s.len() as u64).to_le_bytes());
    out.extend(s.as_bytes());
}

/// A GGUF v3 file with one metadata string, an alignment entry and two F32 tensors.
pub fn tiny_gguf() -> Vec<u8> {
    let mut out = b"GGUF".to_vec();
    out.extend(3u32.to_le_bytes());
    out.extend(2u64.to_le_bytes()); // tensors
    out.extend(3u64.to_le_bytes()); // metadata entries
    string(&mut out, "general.architecture");
    out.extend(8u32.to_le_bytes());
    string(&mut out, "llama");
    string(&mut out, "general.alignment");
    out.extend(4u32.to_le_bytes());
    out.extend(32u32.to_le_bytes());
    string(&mut out, "tokenizer.ggml.tokens");
    out.extend(9u32.to_le_bytes());
    out.extend(8u32.to_le_bytes());
    out.extend(2u64.to_le_bytes());
    string(&mut out, "a");
    string(&mut out, "b");
    for (name, offset) in [("tok_embd.weight", 0u64), ("output_norm.weight", 64)] {
        string(&mut out, name);
        out.extend(2u32.to_le_bytes());
        out.extend(4u64.to_le_bytes());
        out.extend(4u64.to_le_bytes());
        out.extend(0u32.to_le_bytes()); // F32
        out.extend(offset.to_le_bytes());
    }
    while !out.len().is_multiple_of(32) {
        out.push(0);
    }
    out.extend(vec![0u8; 128]);
    out
}

/// A whisper.cpp-shaped ggml file: hyper-parameters, a 2×3 mel bank, two tokens and two f16 tensors.
pub fn tiny_ggml() -> Vec<u8> {
    let mut out = 0x6767_6d6cu32.to_le_bytes().to_vec();
    for v in [4u32, 2, 4, 1, 1, 2, 4, 1, 1, 2, 1] {
        out.extend(v.to_le_bytes());
    }
    out.extend(2u32.to_le_bytes());
    out.extend(3u32.to_le_bytes());
    out.extend(vec![0u8; 2 * 3 * 4]);
    out.extend(2u32.to_le_bytes());
    for token in ["hi", "yo"] {
        out.extend((token.len() as u32).to_le_bytes());
        out.extend(token.as_bytes());
    }
    for name in ["encoder.conv1.weight", "decoder.token_embedding.weight"] {
        out.extend(2u32.to_le_bytes());
        out.extend((name.len() as u32).to_le_bytes());
        out.extend(1u32.to_le_bytes()); // f16
        out.extend(4u32.to_le_bytes());
        out.extend(8u32.to_le_bytes());
        out.extend(name.as_bytes());
        out.extend(vec![0u8; 4 * 8 * 2]);
    }
    out
}

/// A safetensors file; `lie` makes the second tensor's offsets run past the end.
pub fn tiny_safetensors(lie: bool) -> Vec<u8> {
    let end = if lie { 4096 } else { 32 };
    let header = format!(
        r#"{{"__metadata__":{{"format":"pt"}},"a":{{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]}},"b":{{"dtype":"F32","shape":[4],"data_offsets":[16,{end}]}}}}"#
    );
    let mut out = (header.len() as u64).to_le_bytes().to_vec();
    out.extend(header.as_bytes());
    out.extend(vec![0u8; 32]);
    out
}

fn check_bytes(name: &str, bytes: &[u8]) -> Result<Format> {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).expect("write");
    check_file(&path)
}

#[test]
fn recognises_well_formed_files() {
    assert_eq!(check_bytes("m.gguf", &tiny_gguf()).expect("gguf"), Format::Gguf);
    assert_eq!(check_bytes("m.bin", &tiny_ggml()).expect("ggml"), Format::Ggml);
    assert_eq!(check_bytes("m.safetensors", &tiny_safetensors(false)).expect("st"), Format::Safetensors);
    assert_eq!(check_bytes("model", &tiny_safetensors(false)).expect("st sniffed"), Format::Safetensors);
}

#[test]
fn truncated_gguf_names_the_tensor_that_does_not_fit() {
    let full = tiny_gguf();
    let err = check_bytes("m.gguf", &full[..full.len() - 10]).expect_err("should fail").to_string();
    assert!(err.contains("tensor output_norm.weight ends at byte") && err.contains("but the file has"), "{err}");
    let err = check_bytes("m.gguf", &full[..30]).expect_err("should fail").to_string();
    assert!(err.contains("truncated"), "{err}");
}

#[test]
fn wrong_magic_and_bad_versions_are_refused() {
    let err = check_bytes("m.gguf", b"NOPE\x03\x00\x00\x00 and more bytes").expect_err("should fail");
    assert_eq!(err.code(), "format");
    assert!(err.to_string().contains("not a GGUF, ggml or safetensors file"), "{err}");
    let mut v9 = tiny_gguf();
    v9[4] = 9;
    assert!(check_bytes("m.gguf", &v9).expect_err("should fail").to_string().contains("unsupported GGUF version 9"));
    assert!(check_bytes("empty.gguf", b"").expect_err("should fail").to_string().contains("truncated"));
}

#[test]
fn ggml_cut_in_half_is_refused() {
    let full = tiny_ggml();
    let err = check_bytes("m.bin", &full[..full.len() / 2]).expect_err("should fail").to_string();
    assert!(err.contains("truncated") || err.contains("ends at byte"), "{err}");
    let err = check_bytes("m.bin", &full[..full.len() - 3]).expect_err("should fail").to_string();
    assert!(err.contains("tensor decoder.token_embedding.weight ends at byte"), "{err}");
    let err = check_bytes("m.bin", &full[..20]).expect_err("should fail").to_string();
    assert!(err.contains("truncated"), "{err}");
}

#[test]
fn safetensors_header_that_lies_about_sizes_is_refused() {
    let err = check_bytes("m.safetensors", &tiny_safetensors(true)).expect_err("should fail").to_string();
    let total = tiny_safetensors(true).len();
    assert!(err.contains("tensor b ends at byte") && err.contains(&format!("the file has {total} bytes")), "{err}");
    let mut huge = tiny_safetensors(false);
    huge[..8].copy_from_slice(&1_000_000u64.to_le_bytes());
    assert!(check_bytes("m.safetensors", &huge).expect_err("should fail").to_string().contains("larger than the file"));
}

/// `general.alignment = 0` imported, then panicked in the loader (a division by zero) with the assistant's
/// lock held; an alignment that is not a power of two is refused the same way.
#[test]
fn a_gguf_with_a_zero_or_odd_alignment_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    for bad in [0u32, 24] {
        let mut bytes = tiny_gguf();
        let key = b"general.alignment";
        let at = bytes.windows(key.len()).position(|w| w == key).expect("alignment key") + key.len() + 4;
        bytes[at..at + 4].copy_from_slice(&bad.to_le_bytes());
        let path = dir.path().join(format!("align{bad}.gguf"));
        std::fs::write(&path, &bytes).expect("write");
        let err = check_file(&path).expect_err("refused");
        assert!(err.to_string().contains("must be a power of two"), "{err}");
    }
}
