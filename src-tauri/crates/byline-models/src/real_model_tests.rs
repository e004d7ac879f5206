//! Smoke tests on the real small models of MODELS.md. Ignored by default; `cargo xtask test` fetches the
//! models (`cargo xtask fetch-models`, src-tauri/crates/xtask/src/models.rs) and runs them with
//! `--include-ignored`.
//!
//! `BYLINE_TEST_MODELS` names the cache folder; its layout:
//!
//! ```text
//! home/models/<catalog id>/…      models pulled by the store (`byline --home <cache>/home models pull ID`)
//! packages/openai-whisper-20250625/whisper/assets/
//!                                  OpenAI's mel_filters.npz, gpt2.tiktoken, multilingual.tiktoken (the pinned
//!                                  openai-whisper 20250625 sdist, unpacked by xtask): the reference the
//!                                  derived assets are checked against
//! ggml-tiny.en.bin                 whisper-tiny.en-ct2 converted to whisper.cpp's ggml format
//! jfk.wav                          16 kHz mono 16-bit speech sample
//! ```

use std::path::PathBuf;

use byline_core::CancelToken;

use crate::whisper_assets::{ASSETS, parse_tiktoken};
use crate::{Format, GgufTokenizer, WhisperAssets, convert_ct2_whisper, formats};

const NEEDS: &str = "set BYLINE_TEST_MODELS to the test model cache (cargo xtask fetch-models prints it)";

fn cache() -> PathBuf {
    PathBuf::from(std::env::var_os("BYLINE_TEST_MODELS").expect(NEEDS))
}

fn model_dir(id: &str) -> PathBuf {
    cache().join("home/models").join(id)
}

/// Lower case, letters and spaces only, single-spaced.
fn normalise(text: &str) -> String {
    let kept: String = text.chars().map(|c| if c.is_alphanumeric() { c.to_ascii_lowercase() } else { ' ' }).collect();
    kept.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn transcribe(model: &std::path::Path, wav: &std::path::Path) -> String {
    use whisper_rs::{FullParams, SamplingStrategy, WhisperContext, WhisperContextParameters};
    let mut reader = hound::WavReader::open(wav).expect("open jfk.wav");
    let spec = reader.spec();
    assert_eq!((spec.sample_rate, spec.channels, spec.bits_per_sample), (16_000, 1, 16));
    let samples: Vec<f32> = reader.samples::<i16>().map(|s| f32::from(s.expect("sample")) / 32768.0).collect();
    let ctx = WhisperContext::new_with_params(model, WhisperContextParameters::default()).expect("load ggml model");
    let mut state = ctx.create_state().expect("state");
    let mut params = FullParams::new(SamplingStrategy::Greedy { best_of: 1 });
    params.set_language(Some("en"));
    params.set_n_threads(2);
    params.set_print_progress(false);
    params.set_print_realtime(false);
    params.set_print_timestamps(false);
    state.full(params, &samples).expect("transcribe");
    state.as_iter().map(|s| s.to_str_lossy().expect("segment text").into_owned()).collect::<Vec<_>>().join(" ")
}

#[test]
#[ignore = "needs the test models: cargo xtask test"]
fn converted_tiny_en_transcribes_jfk() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("ggml-tiny.en.bin");
    let assets = WhisperAssets::derived();
    convert_ct2_whisper(&model_dir("whisper-tiny.en-ct2"), &assets, &out, &CancelToken::new()).expect("convert");
    assert_eq!(formats::check_file(&out).expect("ggml check"), Format::Ggml);
    let text = normalise(&transcribe(&out, &cache().join("jfk.wav")));
    eprintln!("transcript: {text}");
    assert!(text.contains("ask not what your country can do for you"), "{text}");
    assert!(text.contains("ask what you can do for your country"), "{text}");
}

const REFERENCE_ASSETS: &str = "packages/openai-whisper-20250625/whisper/assets";

/// OpenAI's asset files from the cache, checked to be the pinned ones.
fn reference_assets() -> WhisperAssets {
    let dir = cache().join(REFERENCE_ASSETS);
    for (name, sha256) in ASSETS {
        let path = dir.join(name);
        assert!(path.is_file(), "{} is missing: the reference test needs OpenAI's asset files", path.display());
        let (_, got) = crate::manifest::hash_file(&path, &CancelToken::new()).expect("hash");
        assert_eq!(got, sha256, "{} is not the pinned openai-whisper 20250625 file", path.display());
    }
    WhisperAssets::in_dir(&dir).expect("assets")
}

/// The cache's CTranslate2 Whisper folders: always whisper-tiny.en-ct2, others (whisper-base-ct2) if pulled.
fn whisper_ct2_folders() -> Vec<PathBuf> {
    let mut folders: Vec<PathBuf> = std::fs::read_dir(cache().join("home/models"))
        .expect("models folder")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.file_name().is_some_and(|n| n.to_string_lossy().starts_with("whisper")))
        .filter(|p| p.join(crate::whisper_vocab::TOKENIZER_FILE).is_file() && p.join("model.bin").is_file())
        .collect();
    folders.sort();
    folders
}

fn tiktoken(name: &str) -> Vec<Vec<u8>> {
    let path = cache().join(REFERENCE_ASSETS).join(name);
    parse_tiktoken(&std::fs::read_to_string(&path).expect("read tiktoken")).expect("parse tiktoken")
}

/// Every installed CTranslate2 Whisper folder's tokenizer.json, decoded, equals OpenAI's vocabulary file
/// byte for byte: gpt2.tiktoken for English-only models (always: whisper-tiny.en-ct2), multilingual.tiktoken
/// for multilingual ones (when the cache holds one, e.g. whisper-base-ct2).
#[test]
#[ignore = "needs the test models: cargo xtask test"]
fn derived_vocabularies_equal_openai_tiktoken_files() {
    reference_assets();
    let (english, multilingual) = (tiktoken("gpt2.tiktoken"), tiktoken("multilingual.tiktoken"));
    assert_eq!((english.len(), multilingual.len()), (50256, 50257));
    let mut checked = Vec::new();
    for folder in whisper_ct2_folders() {
        let derived = crate::whisper_vocab::read_vocabulary(&folder.join("tokenizer.json")).expect("vocabulary");
        let (reference, kind) =
            if derived.len() == english.len() { (&english, "gpt2") } else { (&multilingual, "multilingual") };
        assert_eq!(derived.len(), reference.len(), "{}", folder.display());
        for (rank, (ours, theirs)) in derived.iter().zip(reference).enumerate() {
            assert_eq!(ours, theirs, "{}: rank {rank} differs from {kind}.tiktoken", folder.display());
        }
        checked.push(format!("{} = {kind}.tiktoken", folder.file_name().unwrap_or_default().to_string_lossy()));
    }
    eprintln!("vocabularies checked: {checked:?}");
    assert!(checked.iter().any(|c| c.starts_with("whisper-tiny.en-ct2")), "{checked:?}");
    if !checked.iter().any(|c| c.ends_with("multilingual.tiktoken")) {
        eprintln!("no multilingual CTranslate2 model in the cache: only the English vocabulary was checked");
    }
}

/// The computed filter banks equal OpenAI's `mel_filters.npz` bit for bit.
#[test]
#[ignore = "needs the test models: cargo xtask test"]
fn computed_mel_filters_equal_openai_npz() {
    let reference = reference_assets();
    for n_mels in [80, 128] {
        let (rows, cols, theirs) = reference.mel_filters(n_mels).expect("npz");
        let (our_rows, our_cols, ours) = crate::mel::whisper_mel_filters(n_mels as usize);
        assert_eq!((our_rows, our_cols), (rows, cols));
        let differing = ours.iter().zip(&theirs).filter(|(a, b)| a.to_bits() != b.to_bits()).count();
        let worst = ours
            .iter()
            .zip(&theirs)
            .map(|(a, b)| if a == b { 0.0 } else { f64::from((a - b).abs()) / f64::from(a.abs().max(b.abs())) })
            .fold(0.0, f64::max);
        eprintln!("mel_{n_mels}: {differing} of {} values differ, worst relative difference {worst:e}", ours.len());
        assert_eq!(differing, 0, "mel_{n_mels}: worst relative difference {worst:e}");
    }
}

/// Converting with derived assets gives the very file that OpenAI's asset files give, for every CTranslate2
/// Whisper model in the cache (English-only whisper-tiny.en-ct2; multilingual ones when pulled).
#[test]
#[ignore = "needs the test models: cargo xtask test"]
fn derived_assets_convert_to_the_same_ggml_bytes() {
    let reference = reference_assets();
    let dir = tempfile::tempdir().expect("tempdir");
    let (pinned, derived) = (dir.path().join("pinned.bin"), dir.path().join("derived.bin"));
    let folders = whisper_ct2_folders();
    assert!(folders.iter().any(|f| f.ends_with("whisper-tiny.en-ct2")), "{folders:?}");
    for model in folders {
        convert_ct2_whisper(&model, &reference, &pinned, &CancelToken::new()).expect("convert with files");
        convert_ct2_whisper(&model, &WhisperAssets::derived(), &derived, &CancelToken::new()).expect("derived");
        let (a, b) = (std::fs::read(&pinned).expect("read"), std::fs::read(&derived).expect("read"));
        let first = a.iter().zip(&b).position(|(x, y)| x != y);
        assert_eq!((a.len(), first), (b.len(), None), "{}: the files differ", model.display());
        eprintln!("{}: {} bytes, identical", model.display(), a.len());
    }
}

#[test]
#[ignore = "needs the test models: cargo xtask test"]
fn cached_ggml_file_is_valid() {
    let path = cache().join("ggml-tiny.en.bin");
    assert_eq!(formats::check_file(&path).expect("ggml check"), Format::Ggml);
}

fn smollm() -> (GgufTokenizer, Vec<String>) {
    let path = model_dir("smollm2-135m-instruct-q4_1").join("SmolLM2-135M-Instruct.Q4_1.gguf");
    let meta = crate::GgufMetadata::read(&path).expect("metadata");
    let tokens = meta.get_strings("tokenizer.ggml.tokens").expect("tokens").into_iter().map(str::to_owned).collect();
    (GgufTokenizer::from_metadata(&meta, &path).expect("tokenizer"), tokens)
}

#[test]
#[ignore = "needs the test models: cargo xtask test"]
fn smollm_tokenizer_matches_its_vocabulary() {
    let (tk, tokens) = smollm();
    assert_eq!(tk.model, "gpt2");
    assert_eq!(tokens.len(), 49152);
    let position = |t: &str| tokens.iter().position(|x| x == t).map(|p| p as u32);
    for special in ["<|im_start|>", "<|im_end|>"] {
        let ids = tk.tokenizer.encode(special, false).expect("encode").get_ids().to_vec();
        assert_eq!(ids, vec![position(special).expect("in vocab")], "{special}");
    }
    let hello = tk.tokenizer.encode("Hello", false).expect("encode").get_ids().to_vec();
    assert_eq!(hello, vec![position("Hello").expect("Hello in vocab")]);
    assert!(tk.eos_id.is_some() && tk.bos_id.is_some());
    let template = tk.chat_template.as_deref().expect("chat template");
    assert!(template.contains("<|im_start|>"), "{template}");
}

#[test]
#[ignore = "needs the test models: cargo xtask test"]
fn smollm_tokenizer_round_trips_english_and_chinese() {
    let (tk, _) = smollm();
    for text in [
        "The capital of France is Paris. Sales rose 12.5% in 2024!",
        "<|im_start|>user\nWhat is the capital of France?<|im_end|>\n",
        "记者在北京报道：新闻编辑助手今天发布。",
        "  indented\tlines\n\nand émigrés  ",
    ] {
        let ids = tk.tokenizer.encode(text, false).expect("encode").get_ids().to_vec();
        assert_eq!(tk.tokenizer.decode(&ids, false).expect("decode"), text);
    }
}

#[test]
#[ignore = "needs the test models: cargo xtask test"]
fn minilm_safetensors_header_checks_out() {
    let path = model_dir("all-minilm-l6-v2").join("model.safetensors");
    assert_eq!(formats::check_file(&path).expect("safetensors check"), Format::Safetensors);
}
