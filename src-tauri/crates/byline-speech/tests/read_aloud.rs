//! Read-aloud end to end with the built-in voice: streaming order, stop, files, attachments, and a round trip
//! through Whisper (real model, ignored unless BYLINE_TEST_MODELS names the test model cache).

use byline_core::{CancelToken, Error, NoProgress};
use byline_library::{ArticleFields, AttachmentKind, Library};
use byline_speech::{Espeak, SpeechEngine, prepare, speak, write_audio};

const STORY: &str = "# Budget vote\n\nThe council met on Tuesday. It approved $20 million for schools.\n\n\
                     市议会周二开会。预算增加了3.5%。\n\nThe mayor said she was pleased.";

#[test]
fn sentences_stream_in_order_with_paragraph_pauses() {
    let engine = Espeak::default_voices().expect("espeak");
    let sentences = prepare(STORY);
    assert_eq!(sentences.len(), 6);
    let mut seen = Vec::new();
    let total = speak(&sentences, &engine, &CancelToken::new(), &mut |s| {
        seen.push((s.sentence.index, s.start_sample, s.samples.len(), s.sentence.paragraph));
        Ok(())
    })
    .expect("speak");
    let indices: Vec<usize> = seen.iter().map(|s| s.0).collect();
    assert_eq!(indices, vec![0, 1, 2, 3, 4, 5]);
    let mut expected_start = 0;
    for (_, start, len, _) in &seen {
        assert_eq!(*start, expected_start);
        assert!(*len > engine.sample_rate() as usize / 4, "a sentence with almost no audio");
        expected_start += *len as u64;
    }
    assert_eq!(total, expected_start);
}

#[test]
fn stop_stops_after_the_current_sentence() {
    let engine = Espeak::default_voices().expect("espeak");
    let sentences = prepare(STORY);
    let cancel = CancelToken::new();
    let mut heard = 0;
    let result = speak(&sentences, &engine, &cancel, &mut |_| {
        heard += 1;
        if heard == 2 {
            cancel.cancel();
        }
        Ok(())
    });
    assert!(matches!(result, Err(Error::Cancelled)), "{result:?}");
    assert_eq!(heard, 2);
}

#[test]
fn wav_and_ogg_files_and_an_attachment() {
    let dir = tempfile::tempdir().expect("tempdir");
    let engine = Espeak::default_voices().expect("espeak");
    let sentences = prepare(STORY);
    let wav =
        write_audio(&sentences, &engine, &dir.path().join("story.wav"), &NoProgress, &CancelToken::new()).expect("wav");
    let ogg =
        write_audio(&sentences, &engine, &dir.path().join("story.ogg"), &NoProgress, &CancelToken::new()).expect("ogg");
    let wav_bytes = std::fs::read(&wav.path).expect("read wav");
    let ogg_bytes = std::fs::read(&ogg.path).expect("read ogg");
    assert_eq!(&wav_bytes[..4], b"RIFF");
    assert_eq!(&ogg_bytes[..4], b"OggS");
    assert!(ogg_bytes.len() * 4 < wav_bytes.len(), "Vorbis should be far smaller than PCM");
    assert!(wav.seconds > 5.0, "{} s", wav.seconds);
    assert!((wav.seconds - ogg.seconds).abs() < 0.05 * wav.seconds, "{} vs {} s", wav.seconds, ogg.seconds);
    let reader = hound::WavReader::open(&wav.path).expect("valid wav");
    assert_eq!(reader.spec().sample_rate, 22_050);
    assert_eq!(reader.duration() as f64 / 22_050.0, wav.seconds);
    assert!(!dir.path().join("story.wav.partial").exists());

    let mut library = Library::open_in_memory().expect("library");
    let article = library
        .create(&ArticleFields { title: "Budget vote".into(), body: STORY.into(), ..ArticleFields::default() })
        .expect("article");
    let attachment =
        byline_speech::save_audio_version(&mut library, article.id, &ogg, &serde_json::json!({"engine": "espeak"}))
            .expect("attach");
    assert_eq!(attachment.kind, AttachmentKind::Audio);
    assert_eq!(attachment.mime.as_deref(), Some("audio/ogg"));
    assert_eq!(attachment.sha256, ogg.sha256);
    assert_eq!(library.attachments(article.id).expect("list").len(), 1);
}

#[test]
fn cancel_and_bad_requests_leave_no_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let engine = Espeak::default_voices().expect("espeak");
    let cancel = CancelToken::new();
    cancel.cancel();
    let out = dir.path().join("cancelled.wav");
    let err = write_audio(&prepare(STORY), &engine, &out, &NoProgress, &cancel).expect_err("cancelled");
    assert!(matches!(err, Error::Cancelled));
    assert!(std::fs::read_dir(dir.path()).expect("dir").next().is_none(), "nothing left behind");
    let err = write_audio(&prepare(""), &engine, &out, &NoProgress, &CancelToken::new()).expect_err("empty");
    assert!(err.to_string().contains("no text"), "{err}");
    let err = write_audio(&prepare(STORY), &engine, &dir.path().join("x.mp4"), &NoProgress, &CancelToken::new())
        .expect_err("format");
    assert!(err.to_string().contains(".wav or .ogg"), "{err}");
}

/// Whisper tiny.en hears what eSpeak said: the built-in voice and its text normalisation are intelligible.
#[test]
#[ignore = "needs the test models: run `cargo xtask test`"]
fn espeak_round_trip_through_whisper() {
    use whisper_rs::{FullParams, SamplingStrategy, WhisperContext, WhisperContextParameters};

    let cache = std::path::PathBuf::from(std::env::var_os("BYLINE_TEST_MODELS").expect("BYLINE_TEST_MODELS"));
    let engine = Espeak::new("en-us", "cmn", 150, 50).expect("espeak");
    let text = "The city council approved a budget of $20 million for new schools on Tuesday. \
                The mayor thanked the teachers.";
    let mut audio = Vec::new();
    speak(&prepare(text), &engine, &CancelToken::new(), &mut |s| {
        audio.extend(s.samples);
        Ok(())
    })
    .expect("speak");
    // eSpeak has little energy above 8 kHz, so plain interpolation is a fair 22.05 → 16 kHz converter here.
    let audio = byline_speech::player::resample_linear(&audio, engine.sample_rate(), 16_000);

    let ctx = WhisperContext::new_with_params(cache.join("ggml-tiny.en.bin"), WhisperContextParameters::default())
        .expect("load whisper");
    let mut state = ctx.create_state().expect("state");
    let mut params = FullParams::new(SamplingStrategy::Greedy { best_of: 1 });
    params.set_language(Some("en"));
    params.set_print_progress(false);
    params.set_print_realtime(false);
    state.full(params, &audio).expect("transcribe");
    let heard = state
        .as_iter()
        .map(|s| s.to_str_lossy().expect("segment text").into_owned())
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase();
    for word in ["council", "budget", "million", "schools", "tuesday", "mayor", "teachers"] {
        assert!(heard.contains(word), "\"{word}\" not heard in: {heard}");
    }
}
