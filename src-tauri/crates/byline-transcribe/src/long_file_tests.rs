//! The long-recording test: a file built by concatenation, transcribed end to end with no repetition
//! loop. Every two minutes hold jfk.wav, a sentence from espeak-ng (when installed) and then silence, like
//! an interview with long pauses; chunking skips the silent stretches. It runs the full half hour
//! (`BYLINE_LONG_MINUTES` shortens it for a quick local run). Ignored by default (needs the real model).

use std::path::Path;
use std::time::Instant;

use byline_core::{CancelToken, Progress, Reporter};

use crate::real_model_tests::{engine, jfk};
use crate::{Options, normalise, repetition};

const RATE: usize = 16_000;

fn espeak_sentence(dir: &Path) -> Vec<f32> {
    let out = dir.join("sentence.wav");
    let ok = std::process::Command::new("espeak-ng")
        .args(["-s", "150", "-w"])
        .arg(&out)
        .arg("The committee will publish its report on the harbour next week.")
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        eprintln!("espeak-ng is not installed: the long file holds jfk.wav and silence only");
        return Vec::new();
    }
    crate::load_16k_mono(&out, &CancelToken::new()).expect("decode espeak").0
}

/// Writes 16 kHz mono samples as a 16-bit WAV.
fn write_16k(path: &Path, samples: &[f32]) {
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: RATE as u32,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut w = hound::WavWriter::create(path, spec).expect("create");
    for &s in samples {
        w.write_sample((s * 32767.0) as i16).expect("sample");
    }
    w.finalize().expect("finalize");
}

struct Count(std::sync::Mutex<Vec<Progress>>);
impl Reporter for Count {
    fn on_progress(&self, p: &Progress) {
        eprintln!("{}", p.message);
        self.0.lock().expect("lock").push(p.clone());
    }
}

/// One question-and-answer stretch of the long file: jfk.wav, a second's pause, the espeak sentence, then
/// silence up to two minutes (a long interview with long pauses).
const BLOCK_S: usize = 120;

#[test]
#[ignore = "needs the test models: cargo xtask test"]
fn a_long_file_without_a_repetition_loop() {
    let minutes: usize = std::env::var("BYLINE_LONG_MINUTES").ok().and_then(|m| m.parse().ok()).unwrap_or(30);
    let blocks = (minutes * 60).div_ceil(BLOCK_S);
    let dir = tempfile::tempdir().expect("tempdir");
    let jfk = crate::load_16k_mono(&jfk(), &CancelToken::new()).expect("jfk").0;
    let sentence = espeak_sentence(dir.path());
    let path = dir.path().join("long.wav");
    let mut block = jfk.clone();
    block.extend(std::iter::repeat_n(0.0, RATE));
    block.extend_from_slice(&sentence);
    block.resize(BLOCK_S * RATE, 0.0);
    write_16k(&path, &block.repeat(blocks));

    let started = Instant::now();
    let progress = Count(Default::default());
    let (t, info) =
        engine().transcribe_file(&path, &Options::default(), &progress, &CancelToken::new(), None).expect("transcribe");
    let took = started.elapsed();
    eprintln!("{} s of audio in {took:?}; {} segments; notes {:?}", info.decoded_s, t.segments.len(), t.notes);
    assert!((t.duration_s - (blocks * BLOCK_S) as f64).abs() < 1.0);

    let text = normalise(&t.text());
    assert!(!repetition::has_loop(&text), "loop in the output");
    let texts: Vec<&str> = t.segments.iter().map(|s| s.text.as_str()).collect();
    assert!(!repetition::has_repeated_segments(&texts), "repeated segments");
    // Every block's speech is there, once: "ask not" occurs 15 times in half an hour, not 3 and not 300.
    let asks = text.matches("ask not what your country").count();
    assert!((blocks - 1..=blocks).contains(&asks), "{asks} times: {text}");
    let words = text.split(' ').count();
    let expected = blocks * (22 + if sentence.is_empty() { 0 } else { 11 });
    assert!(words <= expected * 12 / 10, "{words} words, expected about {expected}");
    // Nothing is invented in the silence: every word lies within a speech stretch of its block.
    let speech_end = (jfk.len() + RATE + sentence.len()) as f64 / RATE as f64 + 1.0;
    // Measured from one second before each block: a word's start may be stamped a little early.
    for word in t.words() {
        assert!((word.start + 1.0) % BLOCK_S as f64 <= speech_end + 1.0, "word {word:?} inside the silence");
    }
    let reports = progress.0.lock().expect("lock");
    assert!(reports.len() >= blocks, "progress per chunk");
    assert!(reports.windows(2).all(|p| p[0].done <= p[1].done));
    assert!(reports.iter().any(|p| p.message.contains("left")), "an ETA is given");
}

/// A speaker who says the same thing again must be transcribed saying it again: the same 11 s quote five
/// times, 2 s apart, so that most chunks hold two copies. (Carrying the previous chunk's words as a prompt
/// made Whisper drop such repeats.)
#[test]
#[ignore = "needs the test models: cargo xtask test"]
fn genuine_repeats_are_all_kept() {
    let dir = tempfile::tempdir().expect("tempdir");
    let jfk = crate::load_16k_mono(&jfk(), &CancelToken::new()).expect("jfk").0;
    let path = dir.path().join("repeats.wav");
    let mut take = jfk.clone();
    take.extend(std::iter::repeat_n(0.0, 2 * RATE));
    write_16k(&path, &take.repeat(5));
    let (t, _) = engine()
        .transcribe_file(&path, &Options::default(), &byline_core::NoProgress, &CancelToken::new(), None)
        .expect("transcribe");
    let text = normalise(&t.text());
    assert_eq!(text.matches("ask not what your country").count(), 5, "{text}");
    assert_eq!(text.matches("ask what you can do for your country").count(), 5, "{text}");
}
