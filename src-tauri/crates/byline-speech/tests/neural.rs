//! The Parler-TTS engine end to end on a tiny random-weight model written by the test in the published folder
//! layout (config.json, model.safetensors, tokenizer.json): loading, sampling with the delay pattern, DAC
//! decoding, determinism, cancellation and broken-folder errors.

use std::collections::HashMap;
use std::path::Path;
use std::sync::mpsc;
use std::time::Instant;

use byline_core::{CancelToken, Error};
use byline_speech::neural::{NeuralEngine, NeuralOptions, ParlerConfig, ParlerTts};
use byline_speech::{SpeechEngine, prepare};
use candle_core::{DType, Device, Tensor};
use candle_nn::{VarBuilder, VarMap};
use regex::Regex;
use serde_json::json;
use tokenizers::Tokenizer;
use tokenizers::models::wordlevel::WordLevel;
use tokenizers::pre_tokenizers::whitespace::Whitespace;
use tokenizers::processors::template::TemplateProcessing;

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

/// Writes the tiny model (config, random weights, a word-level tokenizer over [`WORDS`]) into `dir`.
fn write_tiny_model(dir: &Path) {
    write_random_model(dir, config_json(16));
    write_word_tokenizer(dir, WORDS, false);
}

/// Writes `config_value` as config.json and random weights built by the engine's own constructor as
/// model.safetensors into `dir`. Returns the number of parameters.
fn write_random_model(dir: &Path, config_value: serde_json::Value) -> usize {
    std::fs::write(dir.join("config.json"), serde_json::to_string_pretty(&config_value).expect("random model"))
        .expect("random model");
    let config: ParlerConfig = serde_json::from_value(config_value).expect("random model");
    let varmap = VarMap::new();
    let vb = VarBuilder::from_varmap(&varmap, DType::F32, &Device::Cpu);
    ParlerTts::new(&config, vb).expect("random model");
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
            Some(tensor.ones_like().expect("random model"))
        } else if tensor
            .abs()
            .expect("random model")
            .sum_all()
            .expect("random model")
            .to_scalar::<f32>()
            .expect("random model")
            == 0.0
        {
            Some(tensor.randn_like(0.0, 0.2).expect("random model"))
        } else {
            None
        };
        if let Some(value) = value {
            varmap.set_one(&name, value).expect("random model");
        }
    }
    assert!(alphas > 0, "the DAC decoder has Snake layers");
    varmap.save(dir.join("model.safetensors")).expect("random model");
    varmap.all_vars().iter().map(|v| v.elem_count()).sum()
}

/// Writes a word-level tokenizer.json (whitespace and punctuation splits) with ids 0, 1, 2 for `<pad>`,
/// `</s>`, `<unk>` (as in T5's vocabulary) and the other `words` after them. With `append_eos`, every
/// encoding ends in `</s>`, as T5's tokenizer does.
fn write_word_tokenizer(dir: &Path, words: &[&str], append_eos: bool) {
    let mut vocab: HashMap<String, u32> =
        ["<pad>", "</s>", "<unk>"].iter().enumerate().map(|(i, w)| (w.to_string(), i as u32)).collect();
    for word in words {
        let next = vocab.len() as u32;
        vocab.entry(word.to_string()).or_insert(next);
    }
    let model = WordLevel::builder().vocab(vocab.into_iter().collect()).unk_token("<unk>".into()).build();
    let mut tokenizer = Tokenizer::new(model.expect("word tokenizer"));
    tokenizer.with_pre_tokenizer(Some(Whitespace {}));
    if append_eos {
        let eos = TemplateProcessing::builder()
            .try_single("$A </s>")
            .expect("word tokenizer")
            .special_tokens(vec![("</s>", 1)])
            .build()
            .expect("word tokenizer");
        tokenizer.with_post_processor(Some(eos));
    }
    tokenizer.save(dir.join("tokenizer.json"), false).expect("word tokenizer");
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
    let (done_tx, done_rx) = mpsc::channel();
    let remote = cancel.clone();
    let canceller = std::thread::spawn(move || {
        rx.recv().expect("tiny model");
        remote.cancel();
        done_tx.send(()).expect("tiny model");
    });
    let mut steps = 0;
    let result = engine.synthesize_text(text, &cancel, &mut |step| {
        steps += 1;
        if step == 1 {
            tx.send(()).expect("tiny model");
            // Step 1 ends only once the other thread has cancelled: however the two are scheduled, the
            // cancel lands before step 2, so the test does not depend on scheduling luck.
            done_rx.recv().expect("tiny model");
        }
    });
    canceller.join().expect("tiny model");
    assert!(matches!(result, Err(Error::Cancelled)), "{result:?}");
    let (_, max) = engine.frame_budget(text);
    assert!(max > 2, "the budget allows more than two steps: {max}");
    assert_eq!(steps, 2, "a cancel from another thread stops generation at the next step");

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

/// config.json of `parler-tts/parler-tts-mini-v1` as far as the engine reads it. Sources, all public: the
/// decoder is `helpers/model_init_scripts/init_model_600M.py` of huggingface/parler-tts (24 layers, hidden
/// 1024, 16 heads, ffn 4096, gelu, 4096 positions, vocabulary codebook size + 64 = 1088, pad/eos 1024, bos
/// 1025), which `training/README.md` there says builds "the Parler-TTS Mini v1 training recipe, ... a 880M
/// parameters model" with `--text_model "google/flan-t5-large" --audio_model "parler-tts/dac_44khZ_8kbps"`;
/// these decoder values also match those that third-party ports quote from the checkpoint's own
/// config.json. The text encoder is google/flan-t5-large's published config (d_model 1024, d_kv 64, d_ff
/// 2816, 24 layers, 16 heads, gated-gelu, 32 buckets, max distance 128, vocabulary 32128). The codec is
/// parler_tts's `DACConfig` defaults (9 codebooks of 1024, latent 1024, 8 kbps, 86 frames/s) with the 44.1 kHz
/// DAC's decoder from descript-audio-codec's `DAC` defaults (decoder_dim 1536, rates 8, 8, 4, 2, codebook_dim
/// 8). Assumed: `num_key_value_heads` and `num_cross_attention_key_value_heads` equal the 16 heads (the init
/// script leaves both unset, so both default to the head count), `scale_embedding` false and no rotary
/// positions (the decoder config's defaults). Parameters: ~341M T5 encoder, ~427M decoder, ~33M prompt
/// embedding, ~54M DAC decoder and quantizer, which with the DAC encoder (not loaded) make the 880M that
/// the training README states.
fn mini_v1_config_json() -> serde_json::Value {
    json!({
        "decoder_start_token_id": 1025,
        "pad_token_id": 1024,
        "vocab_size": 32128,
        "decoder": {
            "vocab_size": 1088, "max_position_embeddings": 4096, "num_hidden_layers": 24, "ffn_dim": 4096,
            "num_attention_heads": 16, "num_key_value_heads": 16, "num_cross_attention_key_value_heads": 16,
            "activation_function": "gelu", "hidden_size": 1024, "scale_embedding": false,
            "num_codebooks": 9, "pad_token_id": 1024, "bos_token_id": 1025, "eos_token_id": 1024,
            "tie_word_embeddings": false, "rope_embeddings": false, "rope_theta": 10000.0
        },
        "text_encoder": {
            "vocab_size": 32128, "d_model": 1024, "d_kv": 64, "d_ff": 2816, "num_layers": 24,
            "num_decoder_layers": 24, "num_heads": 16, "relative_attention_num_buckets": 32,
            "relative_attention_max_distance": 128, "dropout_rate": 0.1, "layer_norm_epsilon": 1e-6,
            "initializer_factor": 1.0, "feed_forward_proj": "gated-gelu", "is_encoder_decoder": true,
            "tie_word_embeddings": false, "pad_token_id": 0, "eos_token_id": 1, "decoder_start_token_id": 0
        },
        "audio_encoder": {
            "num_codebooks": 9, "model_bitrate": 8, "codebook_size": 1024, "latent_dim": 1024,
            "frame_rate": 86, "sampling_rate": 44100, "decoder_dim": 1536, "codebook_dim": 8,
            "upsampling_ratios": [8, 8, 4, 2]
        }
    })
}

/// Audio eSpeak NG makes from `benches/article_500.md` (README, "Sentiment and speech speed").
const ARTICLE_SECONDS: f64 = 171.0;

/// The neural engine's real-time factor at Parler-TTS Mini v1's real shapes, with random weights: the work
/// per generated frame (matrix shapes, sequence lengths, KV-cache growth, DAC convolutions) does not depend
/// on the weights' values, only the point where a trained model would end the sentence does, so the length
/// is fixed here by capping it with `NeuralOptions::max_seconds` (`BYLINE_BENCH_NEURAL_SECONDS`, default 5).
/// The text is the article's first body sentence; the tokenizer is word-level over that sentence and the
/// default voice description (one token per word or punctuation run, plus `</s>`), where T5's SentencePiece
/// would give somewhat more tokens: this only changes the one-off encoder and prefill costs, a small share.
/// The whole article is extrapolated from the measured costs: per sentence the description encoding, the
/// prefill step and the delay pattern's codebooks − 1 extra steps; per frame one decoder step and its share
/// of the DAC decode; at eSpeak's length for the article. Writes a 3.5 GB model to a temporary folder and
/// runs for minutes, so it runs only when asked (`cargo xtask test` includes ignored tests): run with
/// `BYLINE_BENCH_NEURAL=1 cargo test -p byline-speech --test neural bench_real_size_rtf -- --ignored --nocapture`.
#[test]
#[ignore = "benchmark: writes a 3.5 GB random-weight model and runs for minutes"]
fn bench_real_size_rtf() {
    if std::env::var_os("BYLINE_BENCH_NEURAL").is_none() {
        eprintln!("benchmark not run: set BYLINE_BENCH_NEURAL=1");
        return;
    }
    let seconds: f64 = std::env::var("BYLINE_BENCH_NEURAL_SECONDS").ok().and_then(|s| s.parse().ok()).unwrap_or(5.0);
    let article =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/article_500.md")).expect("article");
    let sentences = prepare(&article);
    let text = sentences.iter().find(|s| s.paragraph > 0).expect("a body sentence").spoken.clone();
    let description = NeuralOptions::default().description;

    let dir = tempfile::tempdir().expect("benchmark model");
    let started = Instant::now();
    let parameters = write_random_model(dir.path(), mini_v1_config_json());
    let words = Regex::new(r"\w+|[^\w\s]+").expect("word pattern");
    let vocabulary: Vec<&str> =
        words.find_iter(&description).chain(words.find_iter(&text)).map(|m| m.as_str()).collect();
    write_word_tokenizer(dir.path(), &vocabulary, true);
    let size = std::fs::metadata(dir.path().join("model.safetensors")).expect("benchmark model").len();
    eprintln!(
        "wrote {:.0}M parameters ({:.2} GB) of random weights in {:.0} s",
        parameters as f64 / 1e6,
        size as f64 / 1e9,
        started.elapsed().as_secs_f64()
    );

    let started = Instant::now();
    let options = NeuralOptions { max_seconds: seconds, ..NeuralOptions::default() };
    let engine = NeuralEngine::load(dir.path(), &Device::Cpu, options).expect("loading the benchmark model");
    let load_s = started.elapsed().as_secs_f64();
    let tokenizer = Tokenizer::from_file(dir.path().join("tokenizer.json")).expect("benchmark tokenizer");
    let tokens = |s: &str| tokenizer.encode(s, true).expect("benchmark tokenizer").len();
    let codebooks = 9;
    let rate = f64::from(engine.sample_rate());
    let hop = engine.hop_length();
    let fps = rate / hop as f64;
    let (_, max_frames) = engine.frame_budget(&text);
    eprintln!(
        "loaded in {load_s:.1} s; sentence of {} tokens, description of {} tokens; generating {max_frames} frames",
        tokens(&text),
        tokens(&description)
    );

    // Warm-up: the first steps touch every encoder and decoder weight once.
    let cancel = CancelToken::new();
    let warm = engine.synthesize_text(&text, &cancel, &mut |step| {
        if step == 2 {
            cancel.cancel();
        }
    });
    assert!(matches!(warm, Err(Error::Cancelled)), "{warm:?}");

    let started = Instant::now();
    let mut marks = Vec::new();
    let samples = engine
        .synthesize_text(&text, &CancelToken::new(), &mut |step| {
            marks.push(started.elapsed().as_secs_f64());
            if step % 100 == 0 {
                eprintln!("step {step} at {:.1} s", started.elapsed().as_secs_f64());
            }
        })
        .expect("synthesis");
    let total_s = started.elapsed().as_secs_f64();
    assert_eq!(samples.len() % hop, 0, "whole codec frames");
    let frames = samples.len() / hop;
    assert!(frames > 0 && marks.len() == frames + codebooks - 1, "{} steps for {frames} frames", marks.len());
    let audio_s = samples.len() as f64 / rate;

    // marks[i]: when step i began. Before step 0: tokenizing and encoding the description; step 0 is the
    // prefill (prompt + first frame); after the last step began: that step, then the DAC decode.
    let encode_s = marks[0];
    let prefill_s = marks[1] - marks[0];
    let mut steps: Vec<f64> = marks.windows(2).skip(1).map(|w| w[1] - w[0]).collect();
    steps.sort_by(f64::total_cmp);
    let step_s = steps[steps.len() / 2];
    let mean_step_s = steps.iter().sum::<f64>() / steps.len() as f64;
    let dac_s = (total_s - marks[marks.len() - 1] - step_s).max(0.0);
    let rtf = total_s / audio_s;
    eprintln!(
        "{frames} frames ({audio_s:.2} s of audio at {fps:.2} frames/s) in {total_s:.1} s: encode {encode_s:.2} s, \
         prefill {prefill_s:.2} s, decoder step median {step_s:.3} s (mean {mean_step_s:.3} s, \
         {} steps), DAC decode ≈ {dac_s:.1} s ({:.1} ms per frame); measured RTF {rtf:.1}",
        marks.len(),
        dac_s / frames as f64 * 1e3
    );

    // The article at eSpeak's length, sentence by sentence.
    let article_sentences = sentences.len() as f64;
    let article_frames = (ARTICLE_SECONDS * fps).ceil();
    let article_steps = article_frames + article_sentences * (codebooks - 1) as f64;
    let article_s = article_sentences * (encode_s + prefill_s)
        + article_steps * mean_step_s
        + article_frames * dac_s / frames as f64;
    let article_rtf = article_s / ARTICLE_SECONDS;
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    eprintln!(
        "article: {} sentences, {article_frames} frames, {article_steps} decoder steps → {article_s:.0} s of \
         compute for {ARTICLE_SECONDS} s of audio; load average {}",
        sentences.len(),
        load.split_whitespace().take(3).collect::<Vec<_>>().join(" ")
    );
    println!(
        "| Parler-TTS Mini v1 shapes, random weights: real-time factor, {frames} frames ({audio_s:.1} s) of one \
         article sentence measured, extrapolated to the article ({ARTICLE_SECONDS} s of audio, {} sentences) | \
         {article_rtf:.1} (measured {rtf:.1}; {:.0} ms per decoder step, {:.1} ms DAC per frame) | — | — |",
        sentences.len(),
        step_s * 1e3,
        dac_s / frames as f64 * 1e3
    );
}
