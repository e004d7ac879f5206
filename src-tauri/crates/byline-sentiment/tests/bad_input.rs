//! Awkward input gives clear results or clear errors, never a panic.

use byline_core::{CancelToken, NoProgress};
use byline_sentiment::{Analyzer, EngineChoice};

fn analyzer() -> Analyzer {
    Analyzer::builtin(EngineChoice::Auto).expect("built-in engines")
}

#[test]
fn empty_text_is_a_clear_error() {
    for text in ["", "   \n\n\t "] {
        let err = analyzer().analyze_text(text, &NoProgress, &CancelToken::new()).expect_err("empty");
        assert_eq!(err.code(), "invalid_input");
        assert!(err.to_string().contains("no text"), "{err}");
    }
}

#[test]
fn only_emoji_is_scored_by_their_meaning() {
    let result = analyzer().analyze_text("😀😍🎉", &NoProgress, &CancelToken::new()).expect("scored");
    assert!(result.overall.score > 0.3, "{}", result.overall.score);
    // The reference scores "😡😭" −0.4767 (and, oddly, "😡💔😭" only −0.25).
    let result = analyzer().analyze_text("😡😭", &NoProgress, &CancelToken::new()).expect("scored");
    assert!(result.overall.score < -0.3, "{}", result.overall.score);
}

#[test]
fn mixed_chinese_and_english_picks_an_engine_per_sentence() {
    let text = "The launch was a great success! 但是售后服务太差了，非常失望。";
    let result = analyzer().analyze_text(text, &NoProgress, &CancelToken::new()).expect("scored");
    assert_eq!(result.sentences.len(), 2);
    assert_eq!(result.sentences[0].language, "en");
    assert!(result.sentences[0].score > 0.3);
    assert_eq!(result.sentences[1].language, "zh");
    assert!(result.sentences[1].score < 0.0);
}

#[test]
fn ten_megabytes_of_text_are_scored_and_cancel_stops_them() {
    let paragraph = "The council approved the plan. Residents were angry about the delays.\n\n";
    let text = paragraph.repeat(10 * 1024 * 1024 / paragraph.len() + 1);
    assert!(text.len() >= 10 * 1024 * 1024);
    let result = analyzer().analyze_text(&text, &NoProgress, &CancelToken::new()).expect("scored");
    assert!(result.sentences.len() > 200_000, "{}", result.sentences.len());
    let cancel = CancelToken::new();
    cancel.cancel();
    let err = analyzer().analyze_text(&text, &NoProgress, &cancel).expect_err("cancelled");
    assert_eq!(err.code(), "cancelled");
}
