//! The microphone path for real, without a microphone: a private PulseAudio server with a null sink
//! (a real-time clock, no sound card) whose monitor is the default input. `byline speak` plays an
//! article into the sink while `byline record --transcribe` records from its monitor through cpal,
//! like a reporter recording a radio piece from the room; the transcript must hold the key words.
//!
//! Every step waits for what the recorder reports (seconds of audio actually recorded), never for the
//! clock: speech starts once the device delivers sound and the take stops two recorded seconds after
//! playback ended, however slowly the processes start on a loaded machine.
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use byline_speech::testing::NullAudio;

fn byline(audio: &NullAudio, home: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_byline"));
    cmd.env("PULSE_SERVER", audio.pulse_server()).env("BYLINE_HOME", home);
    cmd
}

/// A data folder whose models are the fetched test models (linked, not copied).
fn home_with_models(dir: &Path) -> PathBuf {
    let models = std::env::var_os("BYLINE_TEST_MODELS").map(PathBuf::from).expect("BYLINE_TEST_MODELS");
    let home = dir.join("home");
    std::fs::create_dir_all(&home).expect("mkdir");
    std::os::unix::fs::symlink(models.join("home/models"), home.join("models")).expect("link the models");
    home
}

/// `byline record --transcribe [extra] WAV` with its standard streams piped: Enter on stdin stops it.
fn start_recorder(audio: &NullAudio, home: &Path, wav: &Path, extra: &[&str]) -> std::process::Child {
    byline(audio, home)
        .args(["record", "--transcribe"])
        .args(extra)
        .arg(wav)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start recording")
}

fn wav_seconds(path: &Path) -> f64 {
    let reader = hound::WavReader::open(path).expect("a valid WAV");
    reader.duration() as f64 / f64::from(reader.spec().sample_rate)
}

/// The recorder's standard error, read on a thread: each meter line's seconds of recorded audio and each
/// live-text line ("live  0:03  …") arrive on receivers; the whole text is kept for failure messages.
struct Meter {
    seconds: Receiver<f64>,
    live: Receiver<String>,
    text: Arc<Mutex<String>>,
    reader: std::thread::JoinHandle<()>,
}

impl Meter {
    fn read(stderr: impl Read + Send + 'static) -> Self {
        let (tx, seconds) = channel();
        let (live_tx, live) = channel();
        let text = Arc::new(Mutex::new(String::new()));
        let all = Arc::clone(&text);
        let reader = std::thread::spawn(move || {
            let mut line = Vec::new();
            for byte in std::io::BufReader::new(stderr).bytes() {
                let Ok(byte) = byte else { break };
                if byte != b'\r' && byte != b'\n' {
                    line.push(byte);
                    continue;
                }
                let shown = String::from_utf8_lossy(&line).replace("\x1b[K", "");
                all.lock().expect("text").push_str(&format!("{shown}{}", byte as char));
                // "recording     3.4 s [###   ] Enter: stop, p+Enter: pause"
                let secs = shown
                    .trim_start()
                    .strip_prefix("recording")
                    .and_then(|rest| rest.split_whitespace().next())
                    .and_then(|s| s.parse::<f64>().ok());
                if let Some(secs) = secs {
                    let _ = tx.send(secs);
                }
                if let Some(text) = shown.trim_start().strip_prefix("live ") {
                    let _ = live_tx.send(text.trim().to_owned());
                }
                line.clear();
            }
            all.lock().expect("text").push_str(&String::from_utf8_lossy(&line));
        });
        Self { seconds, live, text, reader }
    }

    /// Waits until the meter shows at least `seconds` of recorded audio and returns what it shows. The
    /// deadline only turns a recorder that never gets there into a failure: audio arrives in real time. A
    /// recorder that ends first fails with what it printed.
    fn at_least(&self, seconds: f64, recorder: &mut std::process::Child) -> f64 {
        loop {
            match self.seconds.recv_timeout(Duration::from_secs(120)) {
                Ok(secs) if secs >= seconds => return secs,
                Ok(_) => {}
                Err(e) => {
                    // Give the reader a moment to take in the last lines of a recorder that exited.
                    std::thread::sleep(Duration::from_millis(200));
                    let status = recorder.try_wait().map(|s| s.map(|s| s.to_string()));
                    panic!(
                        "the recorder's meter never showed {seconds} s ({e}; exit: {status:?}); it printed:\n{}",
                        self.printed()
                    );
                }
            }
        }
    }

    /// The last seconds the meter showed, or `fallback` when no new meter line came.
    fn latest(&self, fallback: f64) -> f64 {
        self.seconds.try_iter().last().unwrap_or(fallback)
    }

    fn printed(&self) -> String {
        self.text.lock().expect("text").clone()
    }

    /// Everything the recorder printed, and the live lines not yet taken, once it has ended.
    fn finish(self) -> (String, Vec<String>) {
        let Self { live, text, reader, .. } = self;
        reader.join().expect("stderr reader");
        let printed = text.lock().expect("text").clone();
        (printed, live.try_iter().collect())
    }
}

#[test]
#[ignore = "needs pulseaudio and the test models: cargo xtask test"]
fn a_recording_from_the_default_input_is_transcribed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let home = home_with_models(dir.path());
    let audio = NullAudio::start(dir.path());

    let devices = byline(&audio, &home).args(["record", "--list-devices", "unused.wav"]).output().expect("list");
    assert!(devices.status.success(), "{}", String::from_utf8_lossy(&devices.stderr));
    assert!(!String::from_utf8_lossy(&devices.stdout).contains("no input devices"), "an input device is offered");

    let wav = dir.path().join("interview.wav");
    let mut recorder = start_recorder(&audio, &home, &wav, &[]);
    let meter = Meter::read(recorder.stderr.take().expect("stderr"));
    // The device delivers sound: what is played from now on is recorded.
    let started = meter.at_least(0.1, &mut recorder);
    let script = dir.path().join("script.txt");
    std::fs::write(&script, "The mayor promised a new hospital for the city.").expect("write");
    let spoken = byline(&audio, &home).args(["speak", "--rate", "150", "--text"]).arg(&script).output().expect("speak");
    assert!(spoken.status.success(), "{}", String::from_utf8_lossy(&spoken.stderr));
    // Playback has ended; two more recorded seconds cover what the sound server still had on its way.
    let metered = meter.at_least(meter.latest(started) + 2.0, &mut recorder);
    recorder.stdin.take().expect("stdin").write_all(b"\n").expect("press Enter");
    let out = recorder.wait_with_output().expect("recording ends");
    let (stderr, _) = meter.finish();
    assert!(out.status.success(), "{stderr}");

    // Enter keeps everything recorded before it, and what the device still had buffered.
    let seconds = wav_seconds(&wav);
    assert!(seconds >= metered, "{seconds} s saved, {metered} s recorded before Enter");
    let text = String::from_utf8_lossy(&out.stdout).to_lowercase();
    for word in ["mayor", "hospital"] {
        assert!(text.contains(word), "\"{word}\" missing from the transcript: {text}\n{stderr}");
    }
    assert!(stderr.contains("stored as transcript"), "{stderr}");
}

/// `--seconds` counts recorded audio; a closed standard input does not end the take early.
#[test]
#[ignore = "needs pulseaudio: cargo xtask test"]
fn seconds_counts_recorded_audio() {
    let dir = tempfile::tempdir().expect("tempdir");
    let home = dir.path().join("home");
    std::fs::create_dir_all(&home).expect("mkdir");
    let audio = NullAudio::start(dir.path());
    let wav = dir.path().join("take.wav");
    let out = byline(&audio, &home)
        .args(["record", "--seconds", "3"])
        .arg(&wav)
        .stdin(Stdio::null())
        .output()
        .expect("record");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let seconds = wav_seconds(&wav);
    // At least the seconds asked for, plus what the device still had buffered when they were up (a second
    // or two through a sound server). The clock's fallback would only stop it after 13 s.
    assert!((3.0..=9.0).contains(&seconds), "{seconds} s recorded");
}

/// `record --transcribe --live`: while an article is still being played into the room, its words already
/// show as live lines and sit in the live text file beside the recording (what a crash would leave); after
/// Enter the full pass gives the transcript and replaces the live file.
#[test]
#[ignore = "needs pulseaudio and the test models: cargo xtask test"]
fn live_text_appears_while_recording() {
    let dir = tempfile::tempdir().expect("tempdir");
    let home = home_with_models(dir.path());
    let audio = NullAudio::start(dir.path());
    let wav = dir.path().join("live.wav");
    let mut recorder = start_recorder(&audio, &home, &wav, &["--live"]);
    let meter = Meter::read(recorder.stderr.take().expect("stderr"));
    let started = meter.at_least(0.1, &mut recorder);
    let script = dir.path().join("script.txt");
    std::fs::write(
        &script,
        "The council met on Tuesday evening. The mayor promised a new hospital for the city. \
         Residents asked who would pay for the building. The vote was delayed until the spring.",
    )
    .expect("write");
    let mut speaker =
        byline(&audio, &home).args(["speak", "--rate", "140", "--text"]).arg(&script).spawn().expect("speak");
    // A live line comes while the article is still being read out.
    let first = meter
        .live
        .recv_timeout(Duration::from_secs(60))
        .unwrap_or_else(|e| panic!("no live line while recording ({e}); the recorder printed:\n{}", meter.printed()));
    assert!(speaker.try_wait().expect("speaker").is_none(), "the first live line ({first:?}) came only after playback");
    let live_file = dir.path().join("live.wav.live.txt");
    let so_far = std::fs::read_to_string(&live_file).expect("the live text is kept beside the recording");
    assert!(!so_far.trim().is_empty());
    assert!(speaker.wait().expect("speak").success());
    meter.at_least(meter.latest(started) + 2.0, &mut recorder);
    recorder.stdin.take().expect("stdin").write_all(b"\n").expect("press Enter");
    let out = recorder.wait_with_output().expect("recording ends");
    let (stderr, lines) = meter.finish();
    assert!(out.status.success(), "{stderr}");
    let shown = format!("{first}\n{}", lines.join("\n")).to_lowercase();
    assert!(shown.contains("council") || shown.contains("mayor"), "live lines: {shown}");
    let text = String::from_utf8_lossy(&out.stdout).to_lowercase();
    for word in ["council", "mayor", "hospital", "spring"] {
        assert!(text.contains(word), "\"{word}\" missing from the final transcript: {text}\n{stderr}");
    }
    assert!(!live_file.exists(), "the stored transcript replaces the live text");
}
