//! The microphone path for real, without a microphone: a private PulseAudio server with a null sink
//! (a real-time clock, no sound card) whose monitor is the default input. `byline speak` plays an
//! article into the sink while `byline record --transcribe` records from its monitor through cpal,
//! like a reporter recording a radio piece from the room; the transcript must hold the key words.
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use byline_speech::testing::NullAudio;

fn byline(audio: &NullAudio, home: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_byline"));
    cmd.env("PULSE_SERVER", audio.pulse_server()).env("BYLINE_HOME", home);
    cmd
}

#[test]
#[ignore = "needs pulseaudio and the test models: cargo xtask test"]
fn a_recording_from_the_default_input_is_transcribed() {
    let models = std::env::var_os("BYLINE_TEST_MODELS").map(PathBuf::from).expect("BYLINE_TEST_MODELS");
    let dir = tempfile::tempdir().expect("tempdir");
    let home = dir.path().join("home");
    std::fs::create_dir_all(&home).expect("mkdir");
    std::os::unix::fs::symlink(models.join("home/models"), home.join("models")).expect("link the models");
    let audio = NullAudio::start(dir.path());

    let devices = byline(&audio, &home).args(["record", "--list-devices", "unused.wav"]).output().expect("list");
    assert!(devices.status.success(), "{}", String::from_utf8_lossy(&devices.stderr));
    assert!(!String::from_utf8_lossy(&devices.stdout).contains("no input devices"), "an input device is offered");

    let wav = dir.path().join("interview.wav");
    let recorder = byline(&audio, &home)
        .args(["record", "--seconds", "9", "--transcribe"])
        .arg(&wav)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start recording");
    std::thread::sleep(Duration::from_secs(1));
    let script = dir.path().join("script.txt");
    std::fs::write(&script, "The mayor promised a new hospital for the city.").expect("write");
    let spoken = byline(&audio, &home).args(["speak", "--rate", "150", "--text"]).arg(&script).output().expect("speak");
    assert!(spoken.status.success(), "{}", String::from_utf8_lossy(&spoken.stderr));
    let out = recorder.wait_with_output().expect("recording ends");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");

    let reader = hound::WavReader::open(&wav).expect("a valid WAV");
    let spec = reader.spec();
    let seconds = reader.duration() as f64 / f64::from(spec.sample_rate);
    // At least the nine seconds asked for, plus what the device still had buffered when they were up.
    assert!((8.5..=12.5).contains(&seconds), "{seconds} s recorded");
    let text = String::from_utf8_lossy(&out.stdout).to_lowercase();
    for word in ["mayor", "hospital"] {
        assert!(text.contains(word), "\"{word}\" missing from the transcript: {text}\n{stderr}");
    }
    assert!(stderr.contains("stored as transcript"), "{stderr}");
}
