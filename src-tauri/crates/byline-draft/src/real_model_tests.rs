//! Generation on the real SmolLM2-135M-Instruct GGUF fetched by the model store. Ignored by default; run
//! with `BYLINE_TEST_MODELS=<cache> cargo test -p byline-draft -- --include-ignored`
//! (layout: byline-models' real_model_tests.rs).

use std::path::PathBuf;
use std::sync::OnceLock;
use std::sync::{Mutex, MutexGuard};

use byline_core::CancelToken;
use candle_core::Device;

use crate::lm::{GenerateParams, LanguageModel, StopReason};
use crate::template::Message;

const NEEDS: &str = "set BYLINE_TEST_MODELS to the test model cache (cargo xtask fetch-models prints it)";

fn smollm_path() -> PathBuf {
    let cache = PathBuf::from(std::env::var_os("BYLINE_TEST_MODELS").expect(NEEDS));
    cache.join("home/models/smollm2-135m-instruct-q4_1/SmolLM2-135M-Instruct.Q4_1.gguf")
}

/// One warm model shared by the tests (loading takes a second; the tests run one at a time on it).
fn smollm() -> MutexGuard<'static, LanguageModel> {
    static MODEL: OnceLock<Mutex<LanguageModel>> = OnceLock::new();
    let m = MODEL.get_or_init(|| Mutex::new(LanguageModel::load(&smollm_path(), &Device::Cpu).expect("load SmolLM2")));
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// With SmolLM2's built-in default system prompt ("You are a helpful AI assistant named SmolLM…") the
/// greedy first token of the France question is "L" by 0.3 logits over "The" under candle's Q8_1
/// activation quantization, and the answer drifts into French trivia; an ordinary system message, as
/// Byline's tasks always send, gives the expected answer.
fn ask(lm: &mut LanguageModel, question: &str, params: &GenerateParams) -> (crate::lm::Generation, Vec<String>) {
    let mut pieces = Vec::new();
    let messages = [Message::new("system", "You are a helpful assistant."), Message::new("user", question)];
    let g = lm.chat(&messages, params, &CancelToken::new(), &mut |p| pieces.push(p.to_string())).expect("generate");
    (g, pieces)
}

#[test]
#[ignore = "needs the test models: cargo xtask test"]
fn greedy_answer_names_paris() {
    let mut lm = smollm();
    assert_eq!(lm.arch(), crate::Arch::Llama);
    assert!(!lm.template.fallback, "SmolLM2 carries its own chat template");
    let (g, _) = ask(&mut lm, "What is the capital of France?", &GenerateParams::greedy(40));
    assert!(g.text.contains("Paris"), "{g:?}");
    assert_eq!(g.stop_reason, StopReason::EndOfTurn, "{g:?}");
}

#[test]
#[ignore = "needs the test models: cargo xtask test"]
fn streamed_text_equals_whole_text_for_the_same_seed() {
    let mut lm = smollm();
    let params = GenerateParams { max_tokens: 60, temperature: 0.8, seed: 7, ..Default::default() };
    let (a, pieces) = ask(&mut lm, "Write two sentences about a city council meeting.", &params);
    assert!(pieces.len() > 5, "{pieces:?}");
    assert_eq!(pieces.concat(), a.text);
    // A second run with the same seed, collected without streaming, is the same text.
    let b = lm
        .chat(
            &[
                Message::new("system", "You are a helpful assistant."),
                Message::new("user", "Write two sentences about a city council meeting."),
            ],
            &params,
            &CancelToken::new(),
            &mut |_| {},
        )
        .expect("generate");
    assert_eq!(a.text, b.text);
}

#[test]
#[ignore = "needs the test models: cargo xtask test"]
fn chinese_prompt_streams_whole_characters() {
    let mut lm = smollm();
    // The model's own default system prompt (no system message) is the one that keeps it in Chinese.
    let mut pieces = Vec::new();
    let messages = [Message::new("user", "请用中文介绍一下北京。")];
    let g = lm
        .chat(&messages, &GenerateParams::greedy(60), &CancelToken::new(), &mut |p| pieces.push(p.to_string()))
        .expect("generate");
    // Every piece is a Rust String, so valid UTF-8 by construction; what must not happen is a replacement
    // character from a character split across tokens.
    assert!(pieces.iter().all(|p| !p.contains('\u{FFFD}')), "{pieces:?}");
    assert_eq!(pieces.concat(), g.text);
    let han = g.text.chars().filter(|c| ('\u{4E00}'..='\u{9FFF}').contains(c)).count();
    assert!(han > 0, "expected some Chinese in {:?}", g.text);
}

#[test]
#[ignore = "needs the test models: cargo xtask test"]
fn cancel_returns_within_one_token() {
    let mut lm = smollm();
    let cancel = CancelToken::new();
    let tokens = lm
        .encode_prompt(&lm.template.render(&[Message::new("user", "Tell me a long story.")]).expect("render"))
        .expect("encode");
    let mut pieces = 0usize;
    let mut tokens_at_cancel = None;
    let params = GenerateParams::greedy(200);
    let g = lm
        .generate(&tokens, &params, &cancel, &mut |_| {
            pieces += 1;
            if pieces == 5 {
                cancel.cancel();
                tokens_at_cancel = Some(pieces);
            }
        })
        .expect("generate");
    assert_eq!(g.stop_reason, StopReason::Cancelled);
    assert_eq!(pieces, 5, "no piece after cancel");
    // English text is one piece per token here, so 5 pieces = 5 tokens: nothing ran after the cancel.
    assert!(g.generated_tokens <= 6, "{g:?}");
}

#[test]
#[ignore = "needs the test models: cargo xtask test"]
fn stop_strings_stop() {
    let mut lm = smollm();
    let (full, _) = ask(&mut lm, "What is the capital of France?", &GenerateParams::greedy(40));
    let at = full.text.find("Paris").expect("Paris in the answer");
    let params = GenerateParams { stop: vec!["Paris".into()], ..GenerateParams::greedy(40) };
    let (g, pieces) = ask(&mut lm, "What is the capital of France?", &params);
    assert_eq!(g.stop_reason, StopReason::StopString);
    assert_eq!(g.text, full.text[..at]);
    assert!(pieces.iter().all(|p| !p.contains('P')) || !pieces.concat().contains("Paris"));
}

#[test]
#[ignore = "needs the test models: cargo xtask test"]
fn prompt_longer_than_the_context_is_refused() {
    let mut lm = smollm();
    let context = lm.context_length();
    let long = "word ".repeat(context + 10);
    let err = lm
        .chat(&[Message::new("user", long)], &GenerateParams::greedy(8), &CancelToken::new(), &mut |_| {})
        .expect_err("too long");
    assert!(err.to_string().contains(&format!("context holds {context}")), "{err}");
}

#[test]
#[ignore = "needs the test models: cargo xtask test"]
fn truncated_real_file_is_a_clear_error() {
    let bytes = std::fs::read(smollm_path()).expect("read gguf");
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("cut.gguf");
    std::fs::write(&path, &bytes[..bytes.len() / 3]).expect("write");
    let err = LanguageModel::load(&path, &Device::Cpu).err().expect("refused");
    assert!(err.to_string().contains("truncated"), "{err}");
}

#[test]
#[ignore = "needs the test models: cargo xtask test"]
fn headline_task_with_sources_runs_and_citations_are_checked() {
    let mut lm = smollm();
    let lib = byline_library::Library::open_in_memory().expect("library");
    let task = crate::tasks::get(lib.connection(), "summary", "en").expect("task");
    let input = crate::TaskInput {
        draft: "The city council approved a new bike lane on Main Street on Tuesday.".into(),
        sources: vec![crate::Source {
            label: "Council minutes".into(),
            text: "The vote was 7 to 2. Construction starts in May.".into(),
            article_id: None,
        }],
        ..Default::default()
    };
    let run = crate::run_task(
        &mut lm,
        &task,
        &input,
        &GenerateParams::greedy(80),
        &CancelToken::new(),
        &mut |_| {},
        &mut |_| {},
    )
    .expect("run");
    assert!(!run.generation.text.trim().is_empty());
    assert_eq!(run.sources.len(), 1);
    assert!(run.prompt.contains("[1] Council minutes"));
    // Whatever markers the model wrote, the checker agrees with a recount.
    assert_eq!(run.citations, crate::citations::check(&run.generation.text, 1));
}
