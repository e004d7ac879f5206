//! Synthetic GGUF headers: every value type, damaged files, and tokenizers built from tiny vocabularies.

use std::path::Path;

use super::*;
use crate::gguf::GgufValue;

/// Writes a GGUF v3 header with `values` and no tensors.
fn write_gguf(path: &Path, values: &[(&str, GgufValue)]) {
    fn string(out: &mut Vec<u8>, s: &str) {
        out.extend((s.len() as u64).to_le_bytes());
        out.extend(s.as_bytes());
    }
    fn type_code(v: &GgufValue) -> u32 {
        match v {
            GgufValue::U8(_) => 0,
            GgufValue::I8(_) => 1,
            GgufValue::U16(_) => 2,
            GgufValue::I16(_) => 3,
            GgufValue::U32(_) => 4,
            GgufValue::I32(_) => 5,
            GgufValue::F32(_) => 6,
            GgufValue::Bool(_) => 7,
            GgufValue::String(_) => 8,
            GgufValue::Array(_) => 9,
            GgufValue::U64(_) => 10,
            GgufValue::I64(_) => 11,
            GgufValue::F64(_) => 12,
        }
    }
    fn value(out: &mut Vec<u8>, v: &GgufValue) {
        match v {
            GgufValue::U8(x) => out.push(*x),
            GgufValue::I8(x) => out.push(*x as u8),
            GgufValue::U16(x) => out.extend(x.to_le_bytes()),
            GgufValue::I16(x) => out.extend(x.to_le_bytes()),
            GgufValue::U32(x) => out.extend(x.to_le_bytes()),
            GgufValue::I32(x) => out.extend(x.to_le_bytes()),
            GgufValue::F32(x) => out.extend(x.to_le_bytes()),
            GgufValue::Bool(x) => out.push(u8::from(*x)),
            GgufValue::String(s) => string(out, s),
            GgufValue::Array(items) => {
                out.extend(items.first().map_or(8, type_code).to_le_bytes());
                out.extend((items.len() as u64).to_le_bytes());
                items.iter().for_each(|i| value(out, i));
            }
            GgufValue::U64(x) => out.extend(x.to_le_bytes()),
            GgufValue::I64(x) => out.extend(x.to_le_bytes()),
            GgufValue::F64(x) => out.extend(x.to_le_bytes()),
        }
    }
    let mut out = b"GGUF".to_vec();
    out.extend(3u32.to_le_bytes());
    out.extend(0u64.to_le_bytes());
    out.extend((values.len() as u64).to_le_bytes());
    for (key, v) in values {
        string(&mut out, key);
        out.extend(type_code(v).to_le_bytes());
        value(&mut out, v);
    }
    std::fs::write(path, out).expect("write gguf");
}

fn strings(items: &[&str]) -> GgufValue {
    GgufValue::Array(items.iter().map(|s| GgufValue::String(s.to_string())).collect())
}

fn ints(items: &[i32]) -> GgufValue {
    GgufValue::Array(items.iter().map(|v| GgufValue::I32(*v)).collect())
}

/// GPT-2's byte → printable character table, so the 256 byte tokens cover any text.
fn byte_chars() -> Vec<String> {
    let printable = |b: u32| (33..=126).contains(&b) || (161..=172).contains(&b) || (174..=255).contains(&b);
    let mut extra = 0;
    (0u32..256)
        .map(|b| {
            let c = if printable(b) {
                b
            } else {
                extra += 1;
                255 + extra
            };
            char::from_u32(c).map(String::from).unwrap_or_default()
        })
        .collect()
}

fn gpt2_file(dir: &Path) -> std::path::PathBuf {
    let mut tokens = byte_chars();
    tokens.extend(["He", "ll", "Hell", "Hello", "<|im_start|>", "<|im_end|>"].map(String::from));
    let token_refs: Vec<&str> = tokens.iter().map(String::as_str).collect();
    let mut types = vec![1; 260];
    types.extend([3, 3]);
    let path = dir.join("tiny.gguf");
    write_gguf(
        &path,
        &[
            ("general.architecture", GgufValue::String("llama".into())),
            ("general.alignment", GgufValue::U32(32)),
            ("tokenizer.ggml.model", GgufValue::String("gpt2".into())),
            ("tokenizer.ggml.pre", GgufValue::String("smollm".into())),
            ("tokenizer.ggml.tokens", strings(&token_refs)),
            ("tokenizer.ggml.token_type", ints(&types)),
            ("tokenizer.ggml.merges", strings(&["H e", "l l", "He ll", "Hell o"])),
            ("tokenizer.ggml.bos_token_id", GgufValue::U32(260)),
            ("tokenizer.ggml.eos_token_id", GgufValue::U32(261)),
            ("tokenizer.chat_template", GgufValue::String("{% for m in messages %}{{ m.content }}{% endfor %}".into())),
            ("test.values", GgufValue::Array(vec![GgufValue::F64(0.5), GgufValue::F64(-1.0)])),
            ("test.nested", GgufValue::Array(vec![ints(&[1, 2]), ints(&[3])])),
            ("test.small", GgufValue::I8(-3)),
            ("test.flag", GgufValue::Bool(true)),
            ("test.big", GgufValue::U64(1 << 40)),
        ],
    );
    path
}

#[test]
fn reads_every_metadata_type() {
    let dir = tempfile::tempdir().expect("tempdir");
    let meta = GgufMetadata::read(&gpt2_file(dir.path())).expect("metadata");
    assert_eq!((meta.version, meta.tensor_count), (3, 0));
    assert_eq!(meta.get_str("general.architecture"), Some("llama"));
    assert_eq!(meta.get_i64("general.alignment"), Some(32));
    assert_eq!(meta.get_i64("test.small"), Some(-3));
    assert_eq!(meta.get_i64("test.big"), Some(1 << 40));
    assert_eq!(meta.get("test.flag"), Some(&GgufValue::Bool(true)));
    assert_eq!(meta.get_f64s("test.values"), Some(vec![0.5, -1.0]));
    assert_eq!(meta.get("test.nested").and_then(GgufValue::as_array).map(<[_]>::len), Some(2));
    assert_eq!(meta.get_strings("tokenizer.ggml.merges").map(|m| m.len()), Some(4));
}

#[test]
fn damaged_headers_are_refused_without_panicking() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = gpt2_file(dir.path());
    let good = std::fs::read(&path).expect("read");
    for cut in (0..good.len() - 1).step_by(97) {
        std::fs::write(&path, &good[..cut]).expect("write");
        let err = GgufMetadata::read(&path).expect_err("truncated header must fail").to_string();
        assert!(err.contains("truncated") || err.contains("magic"), "cut at {cut}: {err}");
    }
    let mut v9 = good.clone();
    v9[4] = 9;
    std::fs::write(&path, &v9).expect("write");
    assert!(GgufMetadata::read(&path).expect_err("version").to_string().contains("version 9"));
    let mut huge = good[..16].to_vec();
    huge.extend(u64::MAX.to_le_bytes());
    std::fs::write(&path, &huge).expect("write");
    assert!(GgufMetadata::read(&path).expect_err("count").to_string().contains("metadata entries"));
}

#[test]
fn byte_level_bpe_round_trips_and_keeps_special_tokens() {
    let dir = tempfile::tempdir().expect("tempdir");
    let tk = GgufTokenizer::from_file(&gpt2_file(dir.path())).expect("tokenizer");
    assert_eq!((tk.bos_id, tk.eos_id, tk.model.as_str()), (Some(260), Some(261), "gpt2"));
    assert!(tk.chat_template.as_deref().is_some_and(|t| t.contains("messages")));
    let ids = tk.tokenizer.encode("Hello", false).expect("encode").get_ids().to_vec();
    assert_eq!(ids, vec![259]);
    let ids = tk.tokenizer.encode("<|im_start|>Hello<|im_end|>", false).expect("encode").get_ids().to_vec();
    assert_eq!(ids, vec![260, 259, 261]);
    for text in ["Hello, world! 123", "新闻编辑助手：你好，世界。", "tabs\tand\nnewlines  "] {
        let ids = tk.tokenizer.encode(text, false).expect("encode").get_ids().to_vec();
        assert_eq!(tk.tokenizer.decode(&ids, false).expect("decode"), text);
    }
}

#[test]
fn sentencepiece_vocabularies_round_trip() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut tokens: Vec<String> =
        ["<unk>", "<s>", "</s>", "\u{2581}Hello", "\u{2581}world", "\u{2581}"].map(String::from).to_vec();
    tokens.extend((0..256).map(|b| format!("<0x{b:02X}>")));
    tokens.extend(["H", "e", "l", "o", "w", "r", "d"].map(String::from));
    let refs: Vec<&str> = tokens.iter().map(String::as_str).collect();
    let mut types = vec![2, 3, 3, 1, 1, 1];
    types.extend(std::iter::repeat_n(6, 256));
    types.extend([1; 7]);
    let scores = GgufValue::Array((0..tokens.len()).map(|i| GgufValue::F32(-(i as f32))).collect());
    let path = dir.path().join("spm.gguf");
    write_gguf(
        &path,
        &[
            ("tokenizer.ggml.model", GgufValue::String("llama".into())),
            ("tokenizer.ggml.tokens", strings(&refs)),
            ("tokenizer.ggml.token_type", ints(&types)),
            ("tokenizer.ggml.scores", scores),
            ("tokenizer.ggml.bos_token_id", GgufValue::U32(1)),
            ("tokenizer.ggml.eos_token_id", GgufValue::U32(2)),
        ],
    );
    let tk = GgufTokenizer::from_file(&path).expect("tokenizer");
    let enc = tk.tokenizer.encode("Hello world", true).expect("encode");
    assert_eq!(enc.get_ids(), &[1, 3, 4], "bos is added by default for llama vocabularies");
    let ids = tk.tokenizer.encode("Hello 世界", false).expect("encode").get_ids().to_vec();
    assert_eq!(tk.tokenizer.decode(&ids, true).expect("decode"), "Hello 世界");
}

#[test]
fn unknown_tokenizer_types_are_explained() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("x.gguf");
    write_gguf(
        &path,
        &[("tokenizer.ggml.model", GgufValue::String("rwkv".into())), ("tokenizer.ggml.tokens", strings(&["a"]))],
    );
    let err = GgufTokenizer::from_file(&path).err().map(|e| e.to_string()).unwrap_or_default();
    assert!(err.contains("\"rwkv\" is not supported"), "{err}");
}
