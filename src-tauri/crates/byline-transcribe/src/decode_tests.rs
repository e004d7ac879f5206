//! Decoding tests on files made here: hound writes WAV; sox and ffmpeg, when installed, make MP3, FLAC,
//! Ogg Vorbis, M4A, MP4, MOV and MKV from it (those tests say so and pass without checking when a tool is
//! missing, since the formats cannot be produced in pure Rust here).

use std::path::{Path, PathBuf};
use std::process::Command;

use byline_core::CancelToken;

use crate::chunk::has_speech;
use crate::decode::{decode_16k_mono, load_16k_mono, probe};

/// A tone per channel (a different pitch in each, so down-mixing is visible) whose loudness rises and
/// falls three times a second like syllables, so the voice-activity check sees it as speech.
fn write_wav(path: &Path, rate: u32, channels: u16, seconds: f32) {
    let spec =
        hound::WavSpec { channels, sample_rate: rate, bits_per_sample: 16, sample_format: hound::SampleFormat::Int };
    let mut w = hound::WavWriter::create(path, spec).expect("create wav");
    let frames = (rate as f32 * seconds) as usize;
    for i in 0..frames {
        for c in 0..channels {
            let f = 300.0 + 100.0 * f32::from(c);
            let t = i as f32 / rate as f32;
            let envelope = 0.2 + 0.8 * (t * 3.0 * std::f32::consts::TAU).sin().abs();
            let v = 0.4 * envelope * (t * f * std::f32::consts::TAU).sin();
            w.write_sample((v * 32767.0) as i16).expect("sample");
        }
    }
    w.finalize().expect("finalize");
}

fn tool(name: &str) -> bool {
    Command::new(name).arg("-version").output().or_else(|_| Command::new(name).arg("--version").output()).is_ok()
}

fn convert(tool_name: &str, args: &[&str]) -> bool {
    let ok = Command::new(tool_name).args(args).output().is_ok_and(|o| o.status.success());
    if !ok {
        eprintln!("{tool_name} {args:?} failed");
    }
    ok
}

fn dir() -> tempfile::TempDir {
    tempfile::tempdir().expect("tempdir")
}

#[test]
fn wav_stereo_44k_becomes_16k_mono() {
    let d = dir();
    let p = d.path().join("a.wav");
    write_wav(&p, 44_100, 2, 2.0);
    let (samples, info) = load_16k_mono(&p, &CancelToken::new()).expect("decode");
    assert_eq!((info.sample_rate, info.channels), (44_100, 2));
    assert_eq!(samples.len(), 32_000);
    assert!((info.decoded_s - 2.0).abs() < 1e-3);
    assert!(has_speech(&samples));
}

#[test]
fn six_channel_48k_is_down_mixed() {
    let d = dir();
    let p = d.path().join("surround.wav");
    write_wav(&p, 48_000, 6, 1.0);
    let (samples, info) = load_16k_mono(&p, &CancelToken::new()).expect("decode 5.1");
    assert_eq!((info.sample_rate, info.channels), (48_000, 6));
    assert_eq!(samples.len(), 16_000);
    let peak = samples.iter().fold(0.0f32, |m, s| m.max(s.abs()));
    assert!(peak > 0.05 && peak <= 0.41, "{peak}");
}

#[test]
fn bad_inputs_give_clear_errors() {
    let d = dir();
    let empty = d.path().join("empty.wav");
    std::fs::write(&empty, b"").expect("write");
    let err = load_16k_mono(&empty, &CancelToken::new()).expect_err("empty");
    assert_eq!(err.code(), "format");
    assert!(err.to_string().contains("empty (0 bytes)"), "{err}");

    let text = d.path().join("song.mp3");
    std::fs::write(&text, "This is not an MP3 file, it is a shopping list.\n".repeat(50)).expect("write");
    let err = load_16k_mono(&text, &CancelToken::new()).expect_err("text");
    assert_eq!(err.code(), "format");
    assert!(err.to_string().contains("Supported: WAV, MP3"), "{err}");

    let missing = d.path().join("missing.wav");
    assert_eq!(load_16k_mono(&missing, &CancelToken::new()).expect_err("missing").code(), "io");
}

#[test]
fn silence_decodes_and_has_no_speech() {
    let d = dir();
    let p = d.path().join("silence.wav");
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: 16_000,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut w = hound::WavWriter::create(&p, spec).expect("create");
    for _ in 0..16_000 * 5 {
        w.write_sample(0i16).expect("sample");
    }
    w.finalize().expect("finalize");
    let (samples, _) = load_16k_mono(&p, &CancelToken::new()).expect("decode");
    assert_eq!(samples.len(), 80_000);
    assert!(!has_speech(&samples));
}

#[test]
fn cancel_stops_decoding() {
    let d = dir();
    let p = d.path().join("a.wav");
    write_wav(&p, 16_000, 1, 1.0);
    let cancel = CancelToken::new();
    cancel.cancel();
    assert_eq!(load_16k_mono(&p, &cancel).expect_err("cancelled").code(), "cancelled");
}

/// Encodes `src` into each format with the external tools present and checks the decoded length.
#[test]
fn compressed_and_container_formats_decode() {
    let d = dir();
    let src = d.path().join("src.wav");
    write_wav(&src, 44_100, 2, 3.0);
    let s = src.to_string_lossy().into_owned();
    let mut made: Vec<PathBuf> = Vec::new();
    if tool("sox") {
        for ext in ["mp3", "flac", "ogg"] {
            let out = d.path().join(format!("a.{ext}"));
            if convert("sox", &[&s, &out.to_string_lossy()]) {
                made.push(out);
            }
        }
    } else {
        eprintln!("sox is not installed: MP3, FLAC and Ogg Vorbis decoding are not checked");
    }
    if tool("ffmpeg") {
        for (ext, codec) in
            [("m4a", "aac"), ("mp4", "aac"), ("mov", "aac"), ("mkv", "libvorbis"), ("webm", "libvorbis")]
        {
            let out = d.path().join(format!("a.{ext}"));
            if convert("ffmpeg", &["-v", "error", "-y", "-i", &s, "-c:a", codec, &out.to_string_lossy()]) {
                made.push(out);
            }
        }
    } else {
        eprintln!("ffmpeg is not installed: M4A/AAC, MP4, MOV and MKV decoding are not checked");
    }
    for f in &made {
        let (samples, info) = load_16k_mono(f, &CancelToken::new()).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
        let seconds = samples.len() as f64 / 16_000.0;
        // Lossy codecs add priming and padding of up to a few frames.
        assert!((2.9..=3.2).contains(&seconds), "{}: {seconds} s {info:?}", f.display());
        assert!(has_speech(&samples), "{}", f.display());
        eprintln!("decoded {} ({}, {} Hz, {} ch)", f.display(), info.codec, info.sample_rate, info.channels);
    }
}

#[test]
fn truncated_mp3_keeps_what_is_there() {
    if !tool("sox") {
        eprintln!("sox is not installed: the truncated-MP3 test cannot make its input");
        return;
    }
    let d = dir();
    let src = d.path().join("src.wav");
    write_wav(&src, 44_100, 1, 6.0);
    let mp3 = d.path().join("a.mp3");
    assert!(convert("sox", &[&src.to_string_lossy(), &mp3.to_string_lossy()]));
    let bytes = std::fs::read(&mp3).expect("read");
    // Cut mid-frame, as an interrupted download or copy would.
    std::fs::write(&mp3, &bytes[..bytes.len() / 2 + 7]).expect("write");
    let declared = probe(&mp3).expect("probe").declared_s;
    let (samples, info) = load_16k_mono(&mp3, &CancelToken::new()).expect("partial decode");
    let seconds = samples.len() as f64 / 16_000.0;
    assert!((2.5..=3.5).contains(&seconds), "{seconds} s, {info:?}, declared {declared:?}");
}

/// A 1 KB WAV declaring 1 Hz used to make the resampler write 16,000 samples per sample read (335 MB).
#[test]
fn an_absurd_sample_rate_is_refused_before_resampling() {
    let d = dir();
    let p = d.path().join("one_hertz.wav");
    let spec =
        hound::WavSpec { channels: 1, sample_rate: 1, bits_per_sample: 16, sample_format: hound::SampleFormat::Int };
    let mut w = hound::WavWriter::create(&p, spec).expect("create wav");
    for i in 0..500 {
        w.write_sample((i * 37 % 2000) as i16).expect("sample");
    }
    w.finalize().expect("finalize");
    let mut emitted = 0usize;
    let err = decode_16k_mono(&p, &CancelToken::new(), &mut |block| {
        emitted += block.len();
        Ok(true)
    })
    .expect_err("1 Hz is not speech");
    assert_eq!(emitted, 0);
    assert!(err.to_string().contains("1 Hz"), "{err}");
    // Telephone audio still decodes.
    let phone = d.path().join("phone.wav");
    write_wav(&phone, 8000, 1, 1.0);
    assert_eq!(load_16k_mono(&phone, &CancelToken::new()).expect("8 kHz decodes").0.len(), 16_000);
}
