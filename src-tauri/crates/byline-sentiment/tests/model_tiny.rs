//! The transformer engine on tiny random-weight models written by the test in the Hugging Face
//! layout (config.json + model.safetensors + tokenizer.json or vocab.txt), run through the real
//! loading and classification code.

use std::path::Path;

use byline_core::{CancelToken, NoProgress};
use byline_sentiment::model::Classifier;
use byline_sentiment::{Analyzer, Engine, EngineChoice};
use candle_core::{DType, Device};
use candle_nn::{VarBuilder, VarMap, linear};
use candle_transformers::models::{bert, distilbert, xlm_roberta};
use serde_json::json;
use tokenizers::Tokenizer;
use tokenizers::models::wordpiece::WordPiece;
use tokenizers::normalizers::BertNormalizer;
use tokenizers::pre_tokenizers::bert::BertPreTokenizer;
use tokenizers::processors::bert::BertProcessing;

const WORDS: &[&str] = &[
    "[PAD]", "[UNK]", "[CLS]", "[SEP]", "the", "film", "was", "good", "bad", "great", "awful", "plot", "and", "a",
    "very", "not", "i", "loved", "hated", "it", ".", "!", "ending", "acting", "story", "long", "short", "but",
];

fn write_tokenizer(dir: &Path) {
    // Built from a vocabulary file, saved as tokenizer.json, and the vocabulary file removed again, so
    // the classifier reads the JSON form.
    write_vocab(dir);
    let vocab = dir.join("vocab.txt");
    let model =
        WordPiece::from_file(vocab.to_str().expect("utf-8")).unk_token("[UNK]".into()).build().expect("wordpiece");
    let mut tok = Tokenizer::new(model);
    tok.with_normalizer(Some(BertNormalizer::new(true, true, None, true))).expect("normalizer");
    tok.with_pre_tokenizer(Some(BertPreTokenizer))
        .with_post_processor(Some(BertProcessing::new(("[SEP]".into(), 3), ("[CLS]".into(), 2))));
    tok.save(dir.join("tokenizer.json"), false).expect("save tokenizer");
    std::fs::remove_file(vocab).expect("remove vocab.txt");
}

fn write_vocab(dir: &Path) {
    std::fs::write(dir.join("vocab.txt"), WORDS.join("\n") + "\n").expect("vocab");
}

fn write_config(dir: &Path, config: &serde_json::Value) {
    std::fs::write(dir.join("config.json"), serde_json::to_string_pretty(config).expect("json")).expect("config");
}

fn distilbert_model(dir: &Path) {
    let config = json!({
        "model_type": "distilbert", "vocab_size": WORDS.len(), "dim": 16, "n_layers": 2, "n_heads": 2,
        "hidden_dim": 32, "activation": "gelu", "max_position_embeddings": 64, "initializer_range": 0.02,
        "pad_token_id": 0, "id2label": {"0": "NEGATIVE", "1": "POSITIVE"}
    });
    write_config(dir, &config);
    let cfg: distilbert::Config = serde_json::from_value(config).expect("cfg");
    let map = VarMap::new();
    let vb = VarBuilder::from_varmap(&map, DType::F32, &Device::Cpu);
    // The HF checkpoint layout: encoder under "distilbert.", head at the root.
    distilbert::DistilBertModel::load(vb.pp("distilbert"), &cfg).expect("encoder");
    linear(16, 16, vb.pp("pre_classifier")).expect("pre");
    linear(16, 2, vb.pp("classifier")).expect("cls");
    map.save(dir.join("model.safetensors")).expect("save");
}

fn bert_model(dir: &Path) {
    let config = json!({
        "model_type": "bert", "vocab_size": WORDS.len(), "hidden_size": 16, "num_hidden_layers": 2,
        "num_attention_heads": 2, "intermediate_size": 32, "hidden_act": "gelu", "hidden_dropout_prob": 0.1,
        "max_position_embeddings": 64, "type_vocab_size": 2, "initializer_range": 0.02, "layer_norm_eps": 1e-12,
        "pad_token_id": 0, "id2label": {"0": "negative", "1": "neutral", "2": "positive"}
    });
    write_config(dir, &config);
    let cfg: bert::Config = serde_json::from_value(config).expect("cfg");
    let map = VarMap::new();
    let vb = VarBuilder::from_varmap(&map, DType::F32, &Device::Cpu);
    bert::BertModel::load(vb.pp("bert"), &cfg).expect("encoder");
    linear(16, 16, vb.pp("bert").pp("pooler").pp("dense")).expect("pooler");
    linear(16, 3, vb.pp("classifier")).expect("cls");
    map.save(dir.join("model.safetensors")).expect("save");
}

fn xlmr_model(dir: &Path) {
    let config = json!({
        "model_type": "xlm-roberta", "vocab_size": WORDS.len(), "hidden_size": 16, "num_hidden_layers": 2,
        "num_attention_heads": 2, "intermediate_size": 32, "hidden_act": "gelu", "hidden_dropout_prob": 0.1,
        "attention_probs_dropout_prob": 0.1, "max_position_embeddings": 66, "type_vocab_size": 1,
        "layer_norm_eps": 1e-5, "pad_token_id": 0, "position_embedding_type": "absolute",
        "id2label": {"0": "1 star", "1": "2 stars", "2": "3 stars", "3": "4 stars", "4": "5 stars"}
    });
    write_config(dir, &config);
    let cfg: xlm_roberta::Config = serde_json::from_value(config).expect("cfg");
    let map = VarMap::new();
    let vb = VarBuilder::from_varmap(&map, DType::F32, &Device::Cpu);
    xlm_roberta::XLMRobertaForSequenceClassification::new(5, &cfg, vb).expect("model");
    map.save(dir.join("model.safetensors")).expect("save");
}

const TEXTS: &[&str] = &[
    "The film was good.",
    "I hated it, the acting was awful and the story was very long but the ending was great!",
    "Not bad.",
    "a",
];

fn check(classifier: &Classifier, labels: &[&str]) {
    assert_eq!(classifier.labels(), labels);
    let batched = classifier.classify(TEXTS).expect("batch");
    assert_eq!(batched.len(), TEXTS.len());
    for (text, b) in TEXTS.iter().zip(&batched) {
        let total: f32 = b.probabilities.iter().map(|(_, p)| p).sum();
        assert!((total - 1.0).abs() < 1e-4, "probabilities sum to {total}");
        assert!((-1.0..=1.0).contains(&b.score));
        assert!(labels.contains(&b.label.as_str()));
        // Padding is masked: alone, the text gets the same probabilities as in a padded batch.
        let single = &classifier.classify(&[text]).expect("single")[0];
        for ((_, p), (_, q)) in b.probabilities.iter().zip(&single.probabilities) {
            assert!((p - q).abs() < 1e-4, "{text:?}: batched {p} vs alone {q}");
        }
    }
    // Random weights still tell different texts apart.
    assert_ne!(batched[0].probabilities, batched[1].probabilities);
    // Input far longer than the model's position table is truncated, not an error.
    let long = "word ".repeat(5_000);
    let scored = classifier.classify(&[long.as_str()]).expect("long input");
    assert_eq!(scored.len(), 1);
    // More texts than one batch holds.
    let many: Vec<&str> = TEXTS.iter().cycle().take(byline_sentiment::model::BATCH + 3).copied().collect();
    assert_eq!(classifier.classify(&many).expect("many").len(), many.len());
}

#[test]
fn distilbert_with_tokenizer_json() {
    let dir = tempfile::tempdir().expect("tempdir");
    distilbert_model(dir.path());
    write_tokenizer(dir.path());
    let c = Classifier::load(dir.path(), &Device::Cpu).expect("load");
    assert_eq!(c.kind, "distilbert");
    check(&c, &["NEGATIVE", "POSITIVE"]);
}

#[test]
fn distilbert_with_only_vocab_txt() {
    let dir = tempfile::tempdir().expect("tempdir");
    distilbert_model(dir.path());
    write_vocab(dir.path());
    check(&Classifier::load(dir.path(), &Device::Cpu).expect("load"), &["NEGATIVE", "POSITIVE"]);
}

#[test]
fn bert_three_classes() {
    let dir = tempfile::tempdir().expect("tempdir");
    bert_model(dir.path());
    write_tokenizer(dir.path());
    let c = Classifier::load(dir.path(), &Device::Cpu).expect("load");
    check(&c, &["negative", "neutral", "positive"]);
}

#[test]
fn xlm_roberta_star_ratings() {
    let dir = tempfile::tempdir().expect("tempdir");
    xlmr_model(dir.path());
    write_tokenizer(dir.path());
    let c = Classifier::load(dir.path(), &Device::Cpu).expect("load");
    check(&c, &["1 star", "2 stars", "3 stars", "4 stars", "5 stars"]);
}

#[test]
fn analyzer_routes_sentences_to_the_model() {
    let dir = tempfile::tempdir().expect("tempdir");
    distilbert_model(dir.path());
    write_tokenizer(dir.path());
    let analyzer =
        Analyzer::with_model(EngineChoice::Auto, "tiny", dir.path(), &["en".into()], &Device::Cpu).expect("analyzer");
    let r = analyzer
        .analyze_text("The film was good. It was awful!\n\n电影很好看。", &NoProgress, &CancelToken::new())
        .expect("analysis");
    let engines: Vec<Engine> = r.sentences.iter().map(|s| s.engine).collect();
    // English goes to the model; Chinese to the Chinese classifier, since this model is English-only.
    assert_eq!(engines, [Engine::Model, Engine::Model, Engine::Chinese]);
    assert!(r.sentences[0].model_label.is_some());
    assert_eq!(r.paragraphs.len(), 2);
    assert_eq!(r.model.as_deref(), Some("tiny"));
}

#[test]
fn bad_model_folders_are_clear_errors() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = dir.path();
    let code =
        |p: &Path| Classifier::load(p, &Device::Cpu).err().map(|e| (e.code(), e.to_string())).expect("must fail");
    assert_eq!(code(&p.join("missing")).0, "io");

    distilbert_model(p);
    write_tokenizer(p);
    std::fs::remove_file(p.join("tokenizer.json")).expect("rm");
    assert_eq!(code(p).0, "not_found");
    write_tokenizer(p);

    std::fs::write(p.join("model.safetensors"), b"not a safetensors file").expect("corrupt");
    assert_eq!(code(p).0, "format");

    distilbert_model(p);
    let mut config: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(p.join("config.json")).expect("read")).expect("json");
    config["dim"] = json!(32);
    write_config(p, &config);
    let (c, msg) = code(p);
    assert_eq!(c, "format");
    assert!(msg.contains("does not fit"), "{msg}");

    config["dim"] = json!(16);
    config["id2label"] = json!({"0": "only"});
    write_config(p, &config);
    assert!(code(p).1.contains("id2label"));
    config["id2label"] = json!({"0": "NEGATIVE", "1": "POSITIVE"});
    config["model_type"] = json!("gpt2");
    write_config(p, &config);
    assert!(code(p).1.contains("not supported"));
    std::fs::write(p.join("config.json"), "{").expect("write");
    assert_eq!(code(p).0, "format");
}

#[test]
fn model_engine_without_a_model_is_an_error() {
    assert_eq!(Analyzer::builtin(EngineChoice::Model).err().map(|e| e.code()), Some("not_found"));
}
