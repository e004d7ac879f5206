//! Tests on the real Whisper tiny.en, converted from the store's CTranslate2 copy by the model store
//! itself (once per test process, into a temporary store). Ignored by default; run with
//! `BYLINE_TEST_MODELS=/path/to/cache cargo test -p byline-transcribe -- --include-ignored`.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use byline_core::{AppPaths, CancelToken, NoProgress, Progress, Reporter};
use byline_models::Store;

use crate::{DEFAULT_MODEL, Engine, Options, Transcript, normalise, resolve_model, word_error_rate};

const NEEDS: &str = "set BYLINE_TEST_MODELS to the test model cache (cargo xtask fetch-models prints it)";
const JFK: &str =
    "And so my fellow Americans, ask not what your country can do for you, ask what you can do for your country.";

fn cache() -> PathBuf {
    PathBuf::from(std::env::var_os("BYLINE_TEST_MODELS").expect(NEEDS))
}

pub(crate) fn jfk() -> PathBuf {
    cache().join("jfk.wav")
}

/// The ggml file produced by `resolve_model` from a copy of the store's installed CTranslate2 model: the
/// conversion derives its mel filters and vocabulary, so the copy holds the model's own files only.
pub(crate) fn model() -> &'static Path {
    static MODEL: OnceLock<PathBuf> = OnceLock::new();
    MODEL.get_or_init(|| {
        let home = tempfile::tempdir().expect("tempdir").keep();
        let src = cache().join("home/models").join(DEFAULT_MODEL);
        let dst = home.join("models").join(DEFAULT_MODEL);
        std::fs::create_dir_all(&dst).expect("mkdir");
        for entry in std::fs::read_dir(&src).expect("cached model folder") {
            let entry = entry.expect("entry");
            let to = dst.join(entry.file_name());
            std::fs::hard_link(entry.path(), &to)
                .or_else(|_| std::fs::copy(entry.path(), &to).map(|_| ()))
                .expect("copy");
        }
        let store = Store::new(&AppPaths::at(&home)).expect("store");
        resolve_model(&store, DEFAULT_MODEL, &NoProgress, &CancelToken::new()).expect("convert through the store")
    })
}

pub(crate) fn engine() -> Engine {
    Engine::load(model()).expect("load")
}

fn transcribe(path: &Path, opts: &Options) -> Transcript {
    engine().transcribe_file(path, opts, &NoProgress, &CancelToken::new(), None).expect("transcribe").0
}

fn check_timestamps(t: &Transcript) {
    let words: Vec<_> = t.words().collect();
    assert!(!words.is_empty());
    assert!(words.windows(2).all(|w| w[0].start <= w[1].start), "word starts are monotonic");
    assert!(
        words.iter().all(|w| 0.0 <= w.start && w.start <= w.end && w.end <= t.duration_s),
        "words inside the audio"
    );
}

#[test]
#[ignore = "needs the test models: cargo xtask test"]
fn jfk_matches_the_reference() {
    let t = transcribe(&jfk(), &Options::default());
    let wer = word_error_rate(JFK, &t.text());
    eprintln!("jfk: {:?} WER {wer:.3}", t.text());
    assert!(wer <= 0.10, "WER {wer}: {}", t.text());
    assert_eq!(t.language.as_deref(), Some("en"));
    assert!((t.duration_s - 11.0).abs() < 0.1, "{}", t.duration_s);
    check_timestamps(&t);
    // "country" is said twice, the last time near the end.
    let last = t.words().filter(|w| normalise(&w.text) == "country").last().expect("country");
    assert!(last.start > 8.0, "{last:?}");
}

#[test]
#[ignore = "needs the test models: cargo xtask test"]
fn a_range_transcribes_only_that_part() {
    let opts = Options { start_s: Some(0.0), end_s: Some(3.5), ..Default::default() };
    let t = transcribe(&jfk(), &opts);
    let text = normalise(&t.text());
    eprintln!("0-3.5 s: {text}");
    assert!(text.contains("fellow americans"), "{text}");
    assert!(!text.contains("country"), "{text}");
    let opts = Options { start_s: Some(4.0), end_s: None, ..Default::default() };
    let t = transcribe(&jfk(), &opts);
    let text = normalise(&t.text());
    eprintln!("4 s-: {text}");
    assert!(text.contains("ask what you can do for your country"), "{text}");
    assert!(t.words().all(|w| w.start >= 4.0), "times count from the file's start");
}

fn espeak(dir: &Path, name: &str, text: &str) -> Option<PathBuf> {
    let out = dir.join(name);
    match Command::new("espeak-ng").args(["-s", "150", "-w"]).arg(&out).arg(text).output() {
        Ok(o) if o.status.success() => Some(out),
        _ => {
            eprintln!("espeak-ng is not installed: synthetic speech is not checked");
            None
        }
    }
}

#[test]
#[ignore = "needs the test models: cargo xtask test"]
fn synthetic_speech_comes_back_with_its_key_words() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cases = [
        ("The mayor announced a new budget for public schools on Tuesday.", ["mayor", "budget", "schools", "tuesday"]),
        ("Heavy rain flooded the railway station and delayed the trains.", ["rain", "railway", "station", "trains"]),
        ("The hospital will open a new children's clinic next summer.", ["hospital", "children", "clinic", "summer"]),
    ];
    let engine = engine();
    for (i, (sentence, keys)) in cases.iter().enumerate() {
        let Some(wav) = espeak(dir.path(), &format!("s{i}.wav"), sentence) else { return };
        let (t, info) = engine
            .transcribe_file(&wav, &Options::default(), &NoProgress, &CancelToken::new(), None)
            .expect("transcribe");
        assert_eq!(info.sample_rate, 22_050, "espeak-ng speaks at 22.05 kHz: resampling is exercised");
        let text = normalise(&t.text());
        let found = keys.iter().filter(|k| text.contains(*k)).count();
        eprintln!("{sentence:?} -> {text:?}: {found}/4 key words");
        assert!(found >= 3, "{sentence:?} came back as {text:?}");
        check_timestamps(&t);
    }
}

/// 16 kHz mono samples of a file.
fn samples(path: &Path) -> Vec<f32> {
    crate::load_16k_mono(path, &CancelToken::new()).expect("decode").0
}

/// Passes each progress report's position (ms of audio done) to the test thread.
struct Positions(std::sync::Mutex<std::sync::mpsc::Sender<u64>>);
impl Reporter for Positions {
    fn on_progress(&self, p: &Progress) {
        let _ = self.0.lock().map(|tx| tx.send(p.done));
    }
}

/// The cancel lands while Whisper works on the second chunk: it is sent as soon as the first chunk's
/// progress arrives, not after a fixed time, so it cannot miss a run that a fast machine finished early.
/// "Promptly" is measured against the work itself: the run must end well before one chunk's worth of
/// decoding (the first chunk's time, on this machine, under this load), and no further chunk may finish.
#[test]
#[ignore = "needs the test models: cargo xtask test"]
fn cancel_stops_the_chunk_in_progress() {
    let jfk = samples(&jfk());
    let long: Vec<f32> = jfk.iter().copied().cycle().take(jfk.len() * 12).collect();
    let total_ms = long.len() as u64 * 1000 / 16_000;
    let cancel = CancelToken::new();
    let c = cancel.clone();
    let (tx, rx) = std::sync::mpsc::channel();
    // Loaded first: only transcription is being cancelled.
    let engine = engine();
    let started = Instant::now();
    let worker = std::thread::spawn(move || {
        let r = engine.transcribe_samples(&long, &Options::default(), &Positions(tx.into()), &c);
        (r.map(|_| ()).map_err(|e| e.code()), Instant::now())
    });
    // A deadline only against a hang: tiny.en decodes 30 s of speech in seconds even on two busy cores.
    let first = rx.recv_timeout(Duration::from_secs(600)).expect("the first chunk's progress");
    let one_chunk = started.elapsed();
    let cancelled_at = Instant::now();
    cancel.cancel();
    let (result, ended) = worker.join().expect("worker");
    let took = ended.duration_since(cancelled_at);
    let later: Vec<u64> = rx.try_iter().collect();
    eprintln!("first chunk ({first} ms of audio) in {one_chunk:?}; stopped {took:?} after cancel; later {later:?}");
    assert_eq!(result, Err("cancelled"));
    assert!(first < total_ms, "the whole file went in one chunk: nothing was left to cancel");
    // A chunk that finished just as the cancel came may still report; none after it.
    assert!(later.len() <= 1, "chunks kept finishing after the cancel: {later:?}");
    // Waiting for Whisper to finish the chunk would take about `one_chunk`; the engine polls every 50 ms.
    // The floor keeps a fast accelerator, whose chunk takes a few hundred milliseconds, from failing.
    let bound = (one_chunk / 2).max(Duration::from_millis(250));
    assert!(took < bound, "stopped {took:?} after cancel; one chunk takes {one_chunk:?}");
}

#[test]
#[ignore = "needs the test models: cargo xtask test"]
fn silence_gives_no_text() {
    let t = engine()
        .transcribe_samples(&vec![0.0; 16_000 * 20], &Options::default(), &NoProgress, &CancelToken::new())
        .expect("ok");
    assert!(t.segments.is_empty(), "{t:?}");
    assert_eq!(t.notes, ["no speech was detected"]);
}

#[test]
#[ignore = "needs the test models: cargo xtask test"]
fn a_killed_recording_is_repaired_and_transcribed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("interview.wav");
    // jfk.wav (11 s) is fed in real time, then silence; the recorder is killed once its file on disk
    // holds all of jfk.wav and half a second of the silence.
    let declared = crate::record::tests::record_and_kill(&out, Some(&jfk()), 11.5);
    let reports = crate::record::recover(dir.path()).expect("recover");
    assert_eq!(reports.len(), 1);
    assert!(reports[0].duration_s >= declared, "{reports:?}: {declared} s were on disk before the kill");
    let t = transcribe(&out, &Options::default());
    let wer = word_error_rate(JFK, &t.text());
    eprintln!("recovered recording: {:?} WER {wer:.3}", t.text());
    assert!(wer <= 0.10);
}
