//! The Parler-TTS engine end to end on a tiny random-weight model written by the test in the published folder
//! layout (config.json, model.safetensors, tokenizer.json): loading, sampling with the delay pattern, DAC
//! decoding, determinism, cancellation and broken-folder errors.

use std::path::Path;
use std::sync::mpsc;

use byline_core::{CancelToken, Error};
use byline_speech::neural::{NeuralEngine, NeuralOptions, ParlerConfig, ParlerTts};
use byline_speech::{SpeechEngine, prepare};
use candle_core::{DType, Device, Tensor};
use candle_nn::{VarBuilder, VarMap};
use serde_json::json;
use tokenizers::Tokenizer;
use tokenizers::models::wordlevel::WordLevel;
use tokenizers::pre_tokenizers::whitespace::Whitespace;

const WORDS: &[&str] = &["<pad>", "</s>", "<unk>", "the", "quick", "test", "reads", "a", "calm", "voice", "clear"];
const SAMPLE_RATE: u32 = 24_000;
const HOP: usize = 512; // 8 × 8 × 4 × 2, the DAC upsampling ratios below
const CODEBOOKS: usize = 3;

fn config_json(hidden: usize) -> serde_json::Value {
    json!({
        "decoder_start_token_id": 17,
        "pad_token_id": 16,
        "vocab_size": 16,
        "decoder": {
            "vocab_size": 18, "max_position_embeddings": 512, "num_hidden_layers": 2, "ffn_dim": 32,
            "num_attention_heads": 2, "num_key_value_heads": 2, "num_cross_attention_key_value_heads": 2,
            "activation_function": "gelu", "hidden_size": hidden, "scale_embedding": false,
            "num_codebooks": CODEBOOKS, "pad_token_id": 16, "bos_token_id": 17, "eos_token_id": 16,
            "tie_word_embeddings": false, "rope_embeddings": false, "rope_theta": 10000.0
        },
        "text_encoder": {
            "vocab_size": 16, "d_model": 8, "d_kv": 4, "d_ff": 16, "num_layers": 1, "num_heads": 2,
            "relative_attention_num_buckets": 8, "relative_attention_max_distance": 16, "dropout_rate": 0.0,
            "layer_norm_epsilon": 1e-6, "initializer_factor": 1.0, "feed_forward_proj": "gated-gelu",
            "is_encoder_decoder": true, "pad_token_id": 0, "eos_token_id": 1
        },
        "audio_encoder": {
            "num_codebooks": CODEBOOKS, "model_bitrate": 8, "codebook_size": 16, "latent_dim": 8,
            "frame_rate": 47, "sampling_rate": SAMPLE_RATE, "decoder_dim": 32, "codebook_dim": 4,
            "upsampling_ratios": [8, 8, 4, 2]
        }
    })
}

/// Writes a random-weight model built by the engine's own constructor into `dir`.
fn write_tiny_model(dir: &Path) {
    let config_value = config_json(16);
    std::fs::write(dir.join("config.json"), serde_json::to_string_pretty(&config_value).expect("tiny model"))
        .expect("tiny model");
    let config: ParlerConfig = serde_json::from_value(config_value).expect("tiny model");
    let varmap = VarMap::new();
    let vb = VarBuilder::from_varmap(&varmap, DType::F32, &Device::Cpu);
    ParlerTts::new(&config, vb).expect("tiny model");
    // Tensors fetched without an initialiser (weight-norm directions and gains, T5 norms, positions) start
    // at zero, which makes weight norm divide 0 by 0: give them random values like a trained model's. Snake
    // activations divide by alpha; trained models have alpha near 1.
    let vars: Vec<(String, Tensor)> = varmap
        .data()
        .lock()
        .expect("varmap lock")
        .iter()
        .map(|(name, var)| (name.clone(), var.as_tensor().clone()))
        .collect();
    let mut varmap = varmap;
    let mut alphas = 0;
    for (name, tensor) in vars {
        let value = if name.ends_with(".alpha") {
            alphas += 1;
            Some(tensor.ones_like().expect("tiny model"))
        } else if tensor
            .abs()
            .expect("tiny model")
            .sum_all()
            .expect("tiny model")
            .to_scalar::<f32>()
            .expect("tiny model")
            == 0.0
        {
            Some(tensor.randn_like(0.0, 0.2).expect("tiny model"))
        } else {
            None
        };
        if let Some(value) = value {
            varmap.set_one(&name, value).expect("tiny model");
        }
    }
    assert!(alphas > 0, "the DAC decoder has Snake layers");
    varmap.save(dir.join("model.safetensors")).expect("tiny model");

    let vocab = WORDS.iter().enumerate().map(|(i, w)| (w.to_string(), i as u32)).collect();
    let model = WordLevel::builder().vocab(vocab).unk_token("<unk>".into()).build().expect("tiny model");
    let mut tokenizer = Tokenizer::new(model);
    tokenizer.with_pre_tokenizer(Some(Whitespace {}));
    tokenizer.save(dir.join("tokenizer.json"), false).expect("tiny model");
}

fn options(seed: u64) -> NeuralOptions {
    NeuralOptions { description: "a calm clear voice".into(), seed, ..NeuralOptions::default() }
}

fn tiny() -> (tempfile::TempDir, NeuralEngine) {
    let dir = tempfile::tempdir().expect("tiny model");
    write_tiny_model(dir.path());
    let engine = NeuralEngine::load(dir.path(), &Device::Cpu, options(7)).expect("loading the tiny model");
    (dir, engine)
}

#[test]
fn speaks_a_sentence_at_the_codec_rate_within_its_length_bounds() {
    let (_dir, engine) = tiny();
    assert_eq!(engine.sample_rate(), SAMPLE_RATE);
    assert_eq!(engine.hop_length(), HOP);
    let sentences = prepare("The quick test reads a calm voice.");
    assert_eq!(sentences.len(), 1);
    let (min, max) = engine.frame_budget(&sentences[0].spoken);
    assert!(min >= 1 && min < max, "budget {min}..{max}");

    let mut steps = 0;
    let samples =
        engine.synthesize_text(&sentences[0].spoken, &CancelToken::new(), &mut |_| steps += 1).expect("synthesis");
    assert_eq!(samples.len() % HOP, 0, "whole codec frames");
    let frames = samples.len() / HOP;
    assert!(frames >= min && frames <= max, "{frames} frames outside {min}..={max}");
    // The delay pattern costs codebooks − 1 extra steps after the last frame of codebook 0.
    assert_eq!(steps, frames + CODEBOOKS - 1);
    assert!(samples.iter().all(|s| s.is_finite() && s.abs() <= 1.0));
    assert!(samples.iter().any(|s| s.abs() > 1e-6), "audio is not silent");

    // The trait path gives the same audio for the same sentence and seed.
    let again = engine.synthesize(&sentences[0], &CancelToken::new()).expect("synthesis");
    assert_eq!(again, samples);
}

#[test]
fn the_seed_decides_the_audio() {
    let (dir, engine) = tiny();
    let text = "the quick test";
    let a = engine.synthesize_text(text, &CancelToken::new(), &mut |_| {}).expect("synthesis");
    let other = NeuralEngine::load(dir.path(), &Device::Cpu, options(7)).expect("loading the tiny model");
    let b = other.synthesize_text(text, &CancelToken::new(), &mut |_| {}).expect("synthesis");
    assert_eq!(a, b, "same seed, same model, same text");
    let reseeded = NeuralEngine::load(dir.path(), &Device::Cpu, options(8)).expect("loading the tiny model");
    let c = reseeded.synthesize_text(text, &CancelToken::new(), &mut |_| {}).expect("synthesis");
    assert_ne!(a, c, "another seed samples other codes");
}

#[test]
fn cancel_stops_generation_between_steps() {
    let (_dir, engine) = tiny();
    let text = "the quick test reads a calm clear voice";

    let cancel = CancelToken::new();
    let mut seen = Vec::new();
    let result = engine.synthesize_text(text, &cancel, &mut |step| {
        seen.push(step);
        if step == 3 {
            cancel.cancel();
        }
    });
    assert!(matches!(result, Err(Error::Cancelled)), "{result:?}");
    assert_eq!(seen, vec![0, 1, 2, 3], "no step runs after the cancel");

    // Cancelled from another thread, as the UI's stop button does.
    let cancel = CancelToken::new();
    let (tx, rx) = mpsc::channel();
    let remote = cancel.clone();
    let canceller = std::thread::spawn(move || {
        rx.recv().expect("tiny model");
        remote.cancel();
    });
    let mut steps = 0;
    let result = engine.synthesize_text(text, &cancel, &mut |step| {
        steps += 1;
        if step == 1 {
            tx.send(()).expect("tiny model");
            // Give the other thread the moment it needs, so the test does not depend on scheduling luck.
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
    });
    canceller.join().expect("tiny model");
    assert!(matches!(result, Err(Error::Cancelled)), "{result:?}");
    let (_, max) = engine.frame_budget(text);
    assert!(steps < max, "stopped after {steps} steps");

    let cancelled = CancelToken::new();
    cancelled.cancel();
    assert!(matches!(engine.synthesize(&prepare("The test.")[0], &cancelled), Err(Error::Cancelled)));
}

#[test]
fn chinese_sentences_are_refused_clearly() {
    let (_dir, engine) = tiny();
    let zh = prepare("今天天气很好。");
    let err = engine.synthesize(&zh[0], &CancelToken::new()).expect_err("refused");
    assert!(err.to_string().contains("English only"), "{err}");
}

fn load_err(dir: &Path) -> String {
    match NeuralEngine::load(dir, &Device::Cpu, options(0)) {
        Ok(_) => panic!("a broken model folder loaded"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn broken_model_folders_give_clear_errors() {
    let dir = tempfile::tempdir().expect("tiny model");
    let path = dir.path();
    write_tiny_model(path);
    let weights = std::fs::read(path.join("model.safetensors")).expect("tiny model");

    assert!(load_err(&path.join("nowhere")).contains("was not found"));

    std::fs::remove_file(path.join("model.safetensors")).expect("tiny model");
    let err = load_err(path);
    assert!(err.contains("no model.safetensors"), "{err}");

    std::fs::write(path.join("model.safetensors"), &weights[..weights.len() / 2]).expect("tiny model");
    let err = load_err(path);
    assert!(err.contains("cannot read the weights"), "{err}");

    std::fs::write(path.join("model.safetensors"), &weights).expect("tiny model");
    let good_config = std::fs::read(path.join("config.json")).expect("tiny model");
    std::fs::write(path.join("config.json"), "{ \"decoder\": ").expect("tiny model");
    let err = load_err(path);
    assert!(err.contains("config.json") && err.contains("not a Parler-TTS config"), "{err}");

    // A config that parses but does not describe these weights: a shape mismatch, not a panic.
    std::fs::write(path.join("config.json"), serde_json::to_string(&config_json(24)).expect("tiny model"))
        .expect("tiny model");
    let err = load_err(path);
    assert!(err.contains("do not match config.json"), "{err}");

    let mut mismatched = config_json(16);
    mismatched["decoder"]["num_codebooks"] = json!(4);
    std::fs::write(path.join("config.json"), serde_json::to_string(&mismatched).expect("tiny model"))
        .expect("tiny model");
    let err = load_err(path);
    assert!(err.contains("codebooks"), "{err}");

    std::fs::write(path.join("config.json"), good_config).expect("tiny model");
    std::fs::remove_file(path.join("tokenizer.json")).expect("tiny model");
    let err = load_err(path);
    assert!(err.contains("tokenizer.json is missing"), "{err}");
}

/// Writes the tiny model to `$BYLINE_TINY_PARLER_DIR` for trying the CLI by hand:
/// `byline speak --engine neural --model-path DIR --text FILE --out x.wav`.
#[test]
#[ignore = "writes a fixture for manual CLI checks"]
fn write_tiny_model_for_the_cli() {
    let Some(dir) = std::env::var_os("BYLINE_TINY_PARLER_DIR") else { return };
    std::fs::create_dir_all(&dir).expect("fixture folder");
    write_tiny_model(Path::new(&dir));
}
