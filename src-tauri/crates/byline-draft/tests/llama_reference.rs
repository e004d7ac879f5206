//! Byline's greedy continuation against llama.cpp's on the same GGUF file and the same prompt token ids
//! (English and Chinese, short and about 1,500 tokens). The reference is `data/smollm2_q4_1_reference.json`,
//! written by `data/make_llama_reference.py` with llama-cpp-python built for this CPU, so CI needs no llama.cpp.
//!
//! Both engines run quantized kernels that round differently, so two nearly tied logits may come out in either
//! order. The check is therefore teacher-forced: at every step Byline is fed llama.cpp's token (one near-tie
//! cannot derail the rest of the sequence) and must pick the same top-1 token, except where llama.cpp's own
//! margin between its first and second choice is below [`TIE`]; there Byline's logit for llama.cpp's token must
//! be within [`TIE`] of its own maximum.
use std::path::PathBuf;

use byline_draft::Model;
use candle_core::Device;

/// Logit margin under which two tokens count as tied (the logits of this model span about 30 units).
const TIE: f32 = 0.5;

fn model_path() -> PathBuf {
    let cache = PathBuf::from(std::env::var_os("BYLINE_TEST_MODELS").expect("set BYLINE_TEST_MODELS"));
    cache.join("home/models/smollm2-135m-instruct-q4_1/SmolLM2-135M-Instruct.Q4_1.gguf")
}

fn reference() -> serde_json::Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/smollm2_q4_1_reference.json");
    serde_json::from_str(&std::fs::read_to_string(path).expect("read reference")).expect("parse reference")
}

#[test]
#[ignore = "needs the test models: cargo xtask test"]
fn greedy_tokens_match_llama_cpp_on_smollm2_q4_1() {
    let mut model = Model::load(&model_path(), &Device::Cpu).expect("load");
    eprintln!("engine: {}", model.engine());
    let reference = reference();
    let cases = reference["cases"].as_array().expect("cases");
    assert_eq!(cases.len(), 5);
    for case in cases {
        let name = case["name"].as_str().unwrap_or("?");
        let prompt: Vec<u32> =
            case["prompt_ids"].as_array().expect("ids").iter().map(|v| v.as_u64().expect("id") as u32).collect();
        let mut logits = model.forward(&prompt, 0).expect("prefill");
        let (mut exact, mut ties) = (0, 0);
        for (step, expected) in case["steps"].as_array().expect("steps").iter().enumerate() {
            let pos = prompt.len() + step;
            let want = expected["id"].as_u64().expect("id") as u32;
            let gap = expected["gap"].as_f64().expect("gap") as f32;
            let values: Vec<f32> = logits.to_vec1().expect("logits");
            let (best, best_logit) =
                values.iter().enumerate().fold((0usize, f32::MIN), |acc, (i, &v)| if v > acc.1 { (i, v) } else { acc });
            if best as u32 == want {
                exact += 1;
            } else {
                let ours_for_want = values[want as usize];
                assert!(
                    gap < TIE && best_logit - ours_for_want < TIE,
                    "{name}, step {step}: byline picks {best} ({best_logit:.3}), llama.cpp {want} (byline gives it \
                     {ours_for_want:.3}; llama.cpp's margin {gap:.3})"
                );
                ties += 1;
            }
            logits = model.forward(&[want], pos).expect("decode");
        }
        eprintln!("{name}: {} prompt tokens, {exact} of 64 identical, {ties} near-ties", prompt.len());
        assert!(exact >= 60, "{name}: only {exact} of 64 identical");
    }
}
