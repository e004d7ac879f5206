//! Fuzz targets (see the byline-fuzz crate) for the weight-file readers: `formats::check_file` (GGUF, ggml,
//! safetensors), the GGUF metadata reader and tokenizer, `.npy`/`.npz`, wheel members and CTranslate2's
//! model.bin. Files go through one temporary file per target, as the readers take paths.
//! `BYLINE_FUZZ_SECONDS` sets the time per target (3 s by default).

use std::path::{Path, PathBuf};
use std::time::Duration;

use byline_core::CancelToken;

use crate::ct2::Ct2Model;
use crate::gguf::GgufMetadata;
use crate::gguf_tokenizer::GgufTokenizer;

const LIMIT: Duration = Duration::from_secs(5);

fn corpus_dir(target: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus").join(target)
}

fn seeds(target: &str) -> Vec<Vec<u8>> {
    let seeds = byline_fuzz::corpus(&corpus_dir(target));
    assert!(
        !seeds.is_empty(),
        "no corpus in {} (run the ignored test fuzz_write_corpus)",
        corpus_dir(target).display()
    );
    seeds
}

/// Runs `read` on each input written to a file called `name` in a temporary folder kept for the whole run.
fn file_target(target: &str, names: &'static [&'static str], read: fn(&Path, &[u8])) {
    let dir = tempfile::tempdir().expect("tempdir");
    byline_fuzz::check(target, &seeds(target), LIMIT, move |bytes| {
        // The name matters to some readers (a .safetensors extension skips sniffing): vary it by input.
        let path = dir.path().join(names[bytes.len() % names.len()]);
        std::fs::write(&path, bytes).expect("write input");
        read(&path, bytes);
    });
}

#[test]
fn fuzz_formats_check() {
    file_target("formats_check", &["model.safetensors", "model.bin", "model.gguf"], |path, _| {
        let _ = crate::formats::check_file(path);
    });
}

#[test]
fn fuzz_gguf_metadata() {
    file_target("gguf_metadata", &["model.gguf"], |path, _| {
        if let Ok(meta) = GgufMetadata::read(path)
            && let Ok(tokenizer) = GgufTokenizer::from_metadata(&meta, path)
        {
            let _ = tokenizer.tokenizer.encode("Hello, world 你好", true);
        }
    });
}

#[test]
fn fuzz_npy() {
    byline_fuzz::check("npy", &seeds("npy"), LIMIT, |bytes| {
        if let Ok(array) = crate::npy::parse_npy(bytes) {
            assert_eq!(array.data.len(), array.shape.iter().product::<usize>(), "shape and data disagree");
        }
    });
}

#[test]
fn fuzz_npz() {
    file_target("npz", &["mel_filters.npz"], |path, _| {
        let _ = crate::npy::read_npz_member(path, "mel_80.npy");
    });
}

#[test]
fn fuzz_wheel() {
    file_target("wheel", &["pkg-0.1.0-py3-none-any.whl"], |path, _| {
        let _ = crate::wheel::copy_member(path, "pkg/model.bin", &mut std::io::sink(), &CancelToken::new());
    });
}

#[test]
fn fuzz_ct2() {
    file_target("ct2", &["model.bin"], |path, _| {
        if let Ok(model) = Ct2Model::open(path) {
            let mut file = std::fs::File::open(path).expect("open");
            for var in &model.variables {
                let bytes = model.read(&mut file, var).expect("a variable the index accepted must be readable");
                assert_eq!(bytes.len() as u64, var.len);
            }
            let _ = model.scalar_int(&mut file, "encoder/num_heads");
        }
    });
}

/// Writes the seed corpus from the builders the format tests use. Run once with `--ignored` after changing them.
#[test]
#[ignore = "writes the checked-in corpus"]
fn fuzz_write_corpus() {
    use crate::formats::tests::{tiny_ggml, tiny_gguf, tiny_safetensors};
    let write = |target: &str, name: &str, bytes: &[u8]| {
        let dir = corpus_dir(target);
        std::fs::create_dir_all(&dir).expect("corpus dir");
        std::fs::write(dir.join(name), bytes).expect("write seed");
    };
    for target in ["formats_check", "gguf_metadata"] {
        write(target, "tiny.gguf", &tiny_gguf());
        write(target, "llama_tokenizer.gguf", &gguf_with_tokenizer());
    }
    write("formats_check", "tiny.ggml", &tiny_ggml());
    write("formats_check", "tiny.safetensors", &tiny_safetensors(false));
    write("formats_check", "lying.safetensors", &tiny_safetensors(true));
    let mel = npy("<f4", "(2, 3)", &[0u8; 24]);
    write("npy", "f4.npy", &mel);
    write("npy", "f8.npy", &npy("<f8", "(3,)", &[0u8; 24]));
    write("npz", "mel_filters.npz", &zip(&[("mel_80.npy", &mel), ("mel_128.npy", &npy("<f4", "(1,)", &[0; 4]))]));
    write("wheel", "pkg.whl", &zip(&[("pkg/__init__.py", b""), ("pkg/model.bin", &[7u8; 300])]));
    let f16 = |name: &str, dims: Vec<u32>| {
        let n: u32 = dims.iter().product();
        (name.to_string(), dims, 4u8, vec![0u8; n as usize * 2])
    };
    let heads = ("encoder/num_heads".to_string(), vec![], 3u8, 6i32.to_le_bytes().to_vec());
    let vars = [heads, f16("encoder/conv1/weight", vec![2, 3]), f16("decoder/embeddings/weight", vec![4, 2])];
    write("ct2", "model.bin", &crate::convert::tests::ct2_bytes(6, &vars));
}

fn npy(descr: &str, shape: &str, data: &[u8]) -> Vec<u8> {
    let header = format!("{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape}, }}\n");
    let mut out = b"\x93NUMPY\x01\x00".to_vec();
    out.extend((header.len() as u16).to_le_bytes());
    out.extend(header.as_bytes());
    out.extend(data);
    out
}

fn zip(members: &[(&str, &[u8])]) -> Vec<u8> {
    use std::io::Write;
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for (name, data) in members {
        zip.start_file(*name, options).expect("member");
        zip.write_all(data).expect("write");
    }
    zip.finish().expect("finish").into_inner()
}

/// A GGUF v3 header with a small SentencePiece ("llama") vocabulary and no tensors.
fn gguf_with_tokenizer() -> Vec<u8> {
    fn string(out: &mut Vec<u8>, s: &str) {
        out.extend((s.len() as u64).to_le_bytes());
        out.extend(s.as_bytes());
    }
    let tokens = ["<unk>", "<s>", "</s>", "\u{2581}Hello", ",", "\u{2581}world", "<0x41>"];
    let mut out = b"GGUF".to_vec();
    out.extend(3u32.to_le_bytes());
    out.extend(0u64.to_le_bytes());
    out.extend(5u64.to_le_bytes());
    string(&mut out, "tokenizer.ggml.model");
    out.extend(8u32.to_le_bytes());
    string(&mut out, "llama");
    string(&mut out, "tokenizer.ggml.tokens");
    out.extend(9u32.to_le_bytes());
    out.extend(8u32.to_le_bytes());
    out.extend((tokens.len() as u64).to_le_bytes());
    tokens.iter().for_each(|t| string(&mut out, t));
    string(&mut out, "tokenizer.ggml.scores");
    out.extend(9u32.to_le_bytes());
    out.extend(6u32.to_le_bytes());
    out.extend((tokens.len() as u64).to_le_bytes());
    (0..tokens.len()).for_each(|i| out.extend((-(i as f32)).to_le_bytes()));
    string(&mut out, "tokenizer.ggml.token_type");
    out.extend(9u32.to_le_bytes());
    out.extend(5u32.to_le_bytes());
    out.extend((tokens.len() as u64).to_le_bytes());
    [2i32, 3, 3, 1, 1, 1, 6].iter().for_each(|t| out.extend(t.to_le_bytes()));
    string(&mut out, "tokenizer.ggml.bos_token_id");
    out.extend(4u32.to_le_bytes());
    out.extend(1u32.to_le_bytes());
    out
}
