//! Smoke tests on the real small models of MODELS.md. Ignored by default; `cargo xtask test` fetches the
//! models (`cargo xtask fetch-models`, src-tauri/crates/xtask/src/models.rs) and runs them with
//! `--include-ignored`.
//!
//! `BYLINE_TEST_MODELS` names the cache folder; its layout:
//!
//! ```text
//! home/models/<catalog id>/…      models pulled by the store (`byline --home <cache>/home models pull ID`)
//! home/models/.whisper-assets/     mel_filters.npz, gpt2.tiktoken, multilingual.tiktoken
//! ggml-tiny.en.bin                 whisper-tiny.en-ct2 converted to whisper.cpp's ggml format
//! jfk.wav                          16 kHz mono 16-bit speech sample
//! ```

use std::path::PathBuf;

use byline_core::CancelToken;

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
    let assets = WhisperAssets::in_dir(&cache().join("home/models/.whisper-assets")).expect("assets");
    convert_ct2_whisper(&model_dir("whisper-tiny.en-ct2"), &assets, &out, &CancelToken::new()).expect("convert");
    assert_eq!(formats::check_file(&out).expect("ggml check"), Format::Ggml);
    let text = normalise(&transcribe(&out, &cache().join("jfk.wav")));
    eprintln!("transcript: {text}");
    assert!(text.contains("ask not what your country can do for you"), "{text}");
    assert!(text.contains("ask what you can do for your country"), "{text}");
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
