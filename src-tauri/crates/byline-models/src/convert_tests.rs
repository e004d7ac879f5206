//! A tiny synthetic Whisper in CTranslate2 layout, converted and read back; and damaged model.bin files.

use std::io::Write;
use std::path::Path;

use byline_core::{CancelToken, Error};

use super::*;
use crate::ct2::Ct2Model;

const STATE: u64 = 4;
const MELS: usize = 80;

/// A CTranslate2 version-6 file: `(name, dims, dtype code, bytes)` per variable, plus one alias.
pub(crate) fn ct2_bytes(version: u32, vars: &[(String, Vec<u32>, u8, Vec<u8>)]) -> Vec<u8> {
    let mut out = version.to_le_bytes().to_vec();
    let string = |out: &mut Vec<u8>, s: &str| {
        out.extend((s.len() as u16 + 1).to_le_bytes());
        out.extend(s.as_bytes());
        out.push(0);
    };
    string(&mut out, "WhisperSpec");
    out.extend(3u32.to_le_bytes());
    out.extend((vars.len() as u32).to_le_bytes());
    for (name, dims, dtype, bytes) in vars {
        string(&mut out, name);
        out.push(dims.len() as u8);
        dims.iter().for_each(|d| out.extend(d.to_le_bytes()));
        out.push(*dtype);
        out.extend((bytes.len() as u32).to_le_bytes());
        out.extend(bytes);
    }
    out.extend(1u32.to_le_bytes());
    string(&mut out, "decoder/projection/weight");
    string(&mut out, "decoder/embeddings/weight");
    out
}

/// f16 tensor whose element i holds `seed + i` (exact in f16 for small values).
fn f16_tensor(name: &str, dims: &[u32], seed: f32) -> (String, Vec<u32>, u8, Vec<u8>) {
    let n: u32 = dims.iter().product();
    let bytes = (0..n).flat_map(|i| half::f16::from_f32(seed + i as f32).to_le_bytes()).collect();
    (name.to_string(), dims.to_vec(), 4, bytes)
}

fn tiny_whisper() -> Vec<(String, Vec<u32>, u8, Vec<u8>)> {
    let s = STATE as u32;
    let mut v = vec![
        f16_tensor("encoder/conv1/weight", &[s, MELS as u32, 3], 0.0),
        f16_tensor("encoder/conv1/bias", &[s], 1.0),
        f16_tensor("encoder/conv2/weight", &[s, s, 3], 0.0),
        f16_tensor("encoder/conv2/bias", &[s], 2.0),
        f16_tensor("encoder/position_encodings/encodings", &[6, s], 0.0),
        f16_tensor("decoder/position_encodings/encodings", &[5, s], 0.0),
        f16_tensor("decoder/embeddings/weight", &[4, s], 0.0),
        ("encoder/num_heads".into(), vec![], 2, 2i16.to_le_bytes().to_vec()),
        ("decoder/num_heads".into(), vec![], 2, 2i16.to_le_bytes().to_vec()),
        ("decoder/scale_embeddings".into(), vec![], 1, vec![0]),
    ];
    for side in ["encoder", "decoder"] {
        v.push(f16_tensor(&format!("{side}/layer_norm/gamma"), &[s], 0.0));
        v.push(f16_tensor(&format!("{side}/layer_norm/beta"), &[s], 0.0));
        let l = format!("{side}/layer_0");
        let mut linear = |name: &str, rows: u32, cols: u32| {
            v.push(f16_tensor(&format!("{l}/{name}/weight"), &[rows, cols], 0.0));
            v.push(f16_tensor(&format!("{l}/{name}/bias"), &[rows], 100.0));
        };
        linear("self_attention/linear_0", 3 * s, s);
        linear("self_attention/linear_1", s, s);
        linear("ffn/linear_0", 4 * s, s);
        linear("ffn/linear_1", s, 4 * s);
        if side == "decoder" {
            linear("attention/linear_0", s, s);
            linear("attention/linear_1", 2 * s, s);
            linear("attention/linear_2", s, s);
        }
        for norm in ["self_attention", "ffn", "attention"].iter().filter(|n| side == "decoder" || **n != "attention") {
            v.push(f16_tensor(&format!("{l}/{norm}/layer_norm/gamma"), &[s], 0.0));
            v.push(f16_tensor(&format!("{l}/{norm}/layer_norm/beta"), &[s], 0.0));
        }
    }
    v
}

/// Assets with a mel_80 bank of `row * 1000 + col` and a two-token English vocabulary.
pub(crate) fn tiny_assets(dir: &Path) -> WhisperAssets {
    let npz = std::fs::File::create(dir.join("mel_filters.npz")).expect("create npz");
    let mut zip = zip::ZipWriter::new(npz);
    let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    let header = format!("{{'descr': '<f4', 'fortran_order': False, 'shape': ({MELS}, 201), }}\n");
    let mut npy = b"\x93NUMPY\x01\x00".to_vec();
    npy.extend((header.len() as u16).to_le_bytes());
    npy.extend(header.as_bytes());
    (0..MELS * 201).for_each(|i| npy.extend(((i / 201 * 1000 + i % 201) as f32).to_le_bytes()));
    zip.start_file("mel_80.npy", options).expect("zip entry");
    zip.write_all(&npy).expect("zip write");
    zip.finish().expect("zip finish");
    std::fs::write(dir.join("gpt2.tiktoken"), "IQ== 0\nIg== 1\n").expect("write vocab");
    std::fs::write(dir.join("multilingual.tiktoken"), "IQ== 0\n").expect("write vocab");
    WhisperAssets::in_dir(dir).expect("assets")
}

/// What a ggml file holds: hparams, mel shape, vocabulary and `(name, dims as stored, ftype, data)`.
pub(crate) struct GgmlDump {
    pub hparams: Vec<i32>,
    pub mel: (i32, i32, Vec<f32>),
    pub vocab: Vec<Vec<u8>>,
    pub tensors: Vec<(String, Vec<i32>, i32, Vec<u8>)>,
}

pub(crate) fn read_ggml(path: &Path) -> GgmlDump {
    let bytes = std::fs::read(path).expect("read ggml");
    let mut at = 0usize;
    let i32_at = |at: &mut usize| {
        let v = i32::from_le_bytes(bytes[*at..*at + 4].try_into().expect("4 bytes"));
        *at += 4;
        v
    };
    assert_eq!(i32_at(&mut at) as u32, GGML_MAGIC);
    let hparams: Vec<i32> = (0..11).map(|_| i32_at(&mut at)).collect();
    let (rows, cols) = (i32_at(&mut at), i32_at(&mut at));
    let n = (rows * cols) as usize;
    let mel = bytes[at..at + 4 * n].chunks_exact(4).map(|c| f32::from_le_bytes(c.try_into().expect("f32"))).collect();
    at += 4 * n;
    let count = i32_at(&mut at);
    let mut vocab = Vec::new();
    for _ in 0..count {
        let len = i32_at(&mut at) as usize;
        vocab.push(bytes[at..at + len].to_vec());
        at += len;
    }
    let mut tensors = Vec::new();
    while at < bytes.len() {
        let (n_dims, name_len, ftype) = (i32_at(&mut at), i32_at(&mut at) as usize, i32_at(&mut at));
        let dims: Vec<i32> = (0..n_dims).map(|_| i32_at(&mut at)).collect();
        let name = String::from_utf8(bytes[at..at + name_len].to_vec()).expect("utf-8 name");
        at += name_len;
        let size = dims.iter().product::<i32>() as usize * if ftype == 0 { 4 } else { 2 };
        tensors.push((name, dims, ftype, bytes[at..at + size].to_vec()));
        at += size;
    }
    GgmlDump { hparams, mel: (rows, cols, mel), vocab, tensors }
}

fn f16_values(data: &[u8]) -> Vec<f32> {
    data.chunks_exact(2).map(|c| half::f16::from_le_bytes([c[0], c[1]]).to_f32()).collect()
}

fn write_model(dir: &Path, bytes: &[u8]) {
    std::fs::write(dir.join("model.bin"), bytes).expect("write model.bin");
    std::fs::write(dir.join("config.json"), "{\"suppress_ids\": []}").expect("write config");
}

#[test]
fn converts_a_tiny_model_to_whisper_cpp_layout() {
    let dir = tempfile::tempdir().expect("tempdir");
    write_model(dir.path(), &ct2_bytes(6, &tiny_whisper()));
    let assets = tiny_assets(dir.path());
    let out = dir.path().join("out/ggml-tiny.bin");
    convert_ct2_whisper(dir.path(), &assets, &out, &CancelToken::new()).expect("convert");
    assert_eq!(crate::formats::check_file(&out).expect("ggml check"), crate::Format::Ggml);

    let dump = read_ggml(&out);
    assert_eq!(dump.hparams, vec![4, 6, 4, 2, 1, 5, 4, 2, 1, 80, 1]);
    assert_eq!((dump.mel.0, dump.mel.1, dump.mel.2[202]), (80, 201, 1001.0));
    assert_eq!(dump.vocab, vec![b"!".to_vec(), b"\"".to_vec(), b"<|endoftext|>".to_vec()]);
    assert_eq!(dump.tensors.len(), 50);
    let get = |name: &str| dump.tensors.iter().find(|t| t.0 == name).unwrap_or_else(|| panic!("no {name}"));
    assert!(dump.tensors.iter().all(|t| !t.0.contains("key.bias")), "whisper.cpp has no key biases");

    // Dims are stored innermost first; conv biases become [n, 1] and stay f32 like positional embeddings.
    assert_eq!((get("encoder.conv1.weight").1.clone(), get("encoder.conv1.weight").2), (vec![3, 80, 4], 1));
    assert_eq!((get("encoder.conv1.bias").1.clone(), get("encoder.conv1.bias").2), (vec![1, 4], 0));
    assert_eq!((get("encoder.positional_embedding").1.clone(), get("encoder.positional_embedding").2), (vec![4, 6], 0));
    assert_eq!(get("decoder.blocks.0.mlp_ln.bias").2, 0);
    assert_eq!(get("decoder.token_embedding.weight").2, 1);

    // Fused q/k/v: the key is the middle third of the rows, the value bias the last third.
    let key = f16_values(&get("encoder.blocks.0.attn.key.weight").3);
    assert_eq!((key.len(), key[0], key[15]), (16, 16.0, 31.0));
    let vb: Vec<f32> = get("encoder.blocks.0.attn.value.bias")
        .3
        .chunks_exact(4)
        .map(|c| f32::from_le_bytes(c.try_into().expect("f32")))
        .collect();
    assert_eq!(vb, vec![108.0, 109.0, 110.0, 111.0]);
    let cross_value = f16_values(&get("decoder.blocks.0.cross_attn.value.weight").3);
    assert_eq!(cross_value[0], 16.0);
    assert_eq!(leftover_parts(out.parent().expect("parent")), 0);
}

/// Partial files left in `dir`.
fn leftover_parts(dir: &Path) -> usize {
    std::fs::read_dir(dir)
        .expect("read dir")
        .filter(|e| e.as_ref().is_ok_and(|e| e.file_name().to_string_lossy().ends_with(".part")))
        .count()
}

#[test]
fn simultaneous_conversions_of_one_model_both_succeed() {
    // Two processes that transcribe with the same CTranslate2 model at once both convert it (this happened
    // in CI: a recording and a live transcript started together). Each writes its own partial file, so
    // neither truncates the other's nor finds it renamed away, and the file in place is whole.
    let dir = tempfile::tempdir().expect("tempdir");
    write_model(dir.path(), &ct2_bytes(6, &tiny_whisper()));
    let assets = tiny_assets(dir.path());
    let out = dir.path().join("ggml-model.bin");
    let results: Vec<byline_core::Result<()>> = std::thread::scope(|s| {
        let handles: Vec<_> =
            (0..4).map(|_| s.spawn(|| convert_ct2_whisper(dir.path(), &assets, &out, &CancelToken::new()))).collect();
        handles.into_iter().map(|h| h.join().expect("thread")).collect()
    });
    for r in results {
        r.expect("every conversion succeeds");
    }
    assert_eq!(read_ggml(&out).tensors.len(), 50);
    assert_eq!(leftover_parts(dir.path()), 0);
}

#[test]
fn cancel_leaves_nothing_behind() {
    let dir = tempfile::tempdir().expect("tempdir");
    write_model(dir.path(), &ct2_bytes(6, &tiny_whisper()));
    let assets = tiny_assets(dir.path());
    let out = dir.path().join("ggml.bin");
    let cancel = CancelToken::new();
    cancel.cancel();
    assert!(matches!(convert_ct2_whisper(dir.path(), &assets, &out, &cancel), Err(Error::Cancelled)));
    assert!(!out.exists());
    assert_eq!(leftover_parts(dir.path()), 0);
}

#[test]
fn damaged_model_files_give_format_errors() {
    let dir = tempfile::tempdir().expect("tempdir");
    let good = ct2_bytes(6, &tiny_whisper());
    let path = dir.path().join("model.bin");
    let open = |bytes: &[u8]| {
        std::fs::write(&path, bytes).expect("write");
        Ct2Model::open(&path).map(|_| ()).map_err(|e| e.to_string())
    };
    assert!(open(&good).is_ok());
    // Cut anywhere, the file is refused with a message, never a panic.
    for cut in (0..good.len() - 1).step_by(37) {
        let err = open(&good[..cut]).expect_err("truncated file must fail");
        assert!(err.contains("truncated") || err.contains("version"), "cut at {cut}: {err}");
    }
    assert!(open(&ct2_bytes(99, &tiny_whisper())).expect_err("version").contains("version 99"));
    let mut bad_rank = ct2_bytes(6, &[f16_tensor("x", &[2], 0.0)]);
    bad_rank[4 + 14 + 4 + 4 + 4] = 200; // version, spec name, revision, count, name "x" → rank byte
    assert!(open(&bad_rank).expect_err("rank").contains("200 dimensions"));
    let lying = ct2_bytes(6, &[("x".into(), vec![3], 4, vec![0; 4])]);
    assert!(open(&lying).expect_err("size").contains("stores 4 bytes"));
    let mut huge = 6u32.to_le_bytes().to_vec();
    huge.extend([1, 0, 0]); // an empty, NUL-terminated spec name
    huge.extend([0, 0, 0, 0]);
    huge.extend(u32::MAX.to_le_bytes());
    assert!(open(&huge).expect_err("count").contains("variables"));
}

#[test]
fn a_model_without_whisper_tensors_is_explained() {
    let dir = tempfile::tempdir().expect("tempdir");
    write_model(dir.path(), &ct2_bytes(6, &[f16_tensor("encoder/conv1/weight", &[4, 80, 3], 0.0)]));
    let assets = tiny_assets(dir.path());
    let err = convert_ct2_whisper(dir.path(), &assets, &dir.path().join("o.bin"), &CancelToken::new())
        .expect_err("incomplete model");
    assert!(err.to_string().contains("has no variable"), "{err}");
}

/// A tokenizer.json with `plain` byte-level tokens `t0`, `t1`, … before `<|endoftext|>`.
fn write_tokenizer(dir: &Path, plain: usize) {
    let mut vocab: serde_json::Map<String, serde_json::Value> =
        (0..plain).map(|i| (format!("Ġt{i}"), i.into())).collect();
    vocab.insert("<|endoftext|>".into(), plain.into());
    let added = serde_json::json!([{"id": plain, "content": "<|endoftext|>", "special": true}]);
    let json = serde_json::json!({"added_tokens": added, "model": {"type": "BPE", "vocab": vocab}});
    std::fs::write(dir.join("tokenizer.json"), json.to_string()).expect("write tokenizer.json");
}

/// Without asset files: the mel filters are computed and the vocabulary comes from the model's tokenizer.json.
#[test]
fn converts_with_derived_assets_from_the_model_folder() {
    let dir = tempfile::tempdir().expect("tempdir");
    write_model(dir.path(), &ct2_bytes(6, &tiny_whisper()));
    let out = dir.path().join("ggml.bin");
    let derived = WhisperAssets::derived();
    assert!(derived.dir().is_none());

    let err = convert_ct2_whisper(dir.path(), &derived, &out, &CancelToken::new()).expect_err("no tokenizer.json");
    assert!(err.to_string().contains("has no tokenizer.json"), "{err}");
    assert!(!out.exists());

    // The tiny model's vocabulary size makes it English-only: 50256 plain tokens, then <|endoftext|>.
    write_tokenizer(dir.path(), 50257);
    let err = convert_ct2_whisper(dir.path(), &derived, &out, &CancelToken::new()).expect_err("multilingual tokens");
    assert!(err.to_string().contains("needs 50256"), "{err}");

    write_tokenizer(dir.path(), 50256);
    convert_ct2_whisper(dir.path(), &derived, &out, &CancelToken::new()).expect("convert");
    let dump = read_ggml(&out);
    assert_eq!(dump.vocab.len(), 50257);
    assert_eq!((dump.vocab[0].as_slice(), dump.vocab[50255].as_slice()), (&b" t0"[..], &b" t50255"[..]));
    assert_eq!(dump.vocab[50256], b"<|endoftext|>");
    let (rows, cols, mel) = crate::mel::whisper_mel_filters(80);
    assert_eq!((dump.mel.0 as usize, dump.mel.1 as usize), (rows, cols));
    assert_eq!(dump.mel.2, mel);
    assert_eq!(dump.tensors.len(), 50);
}

#[test]
fn tiktoken_files_are_parsed_strictly() {
    use crate::whisper_assets::parse_tiktoken;
    assert_eq!(parse_tiktoken("IQ== 0\n\nIGhp 1\n").expect("valid"), vec![b"!".to_vec(), b" hi".to_vec()]);
    // The empty token, as multilingual.tiktoken writes it.
    assert_eq!(parse_tiktoken("IQ== 0\n= 1\n").expect("valid"), vec![b"!".to_vec(), vec![]]);
    assert!(parse_tiktoken("IQ== 1\n").expect_err("gap").contains("rank 0 is missing"));
    assert!(parse_tiktoken("IQ== 0\nIg== 0\n").expect_err("dup").contains("twice"));
    assert!(parse_tiktoken("@@@ 0\n").expect_err("b64").contains("base64"));
    assert!(parse_tiktoken("IQ==\n").expect_err("no rank").contains("token rank"));
    assert!(parse_tiktoken("").is_err());
}
