use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::*;

fn tone(n: usize, rate: u32) -> Vec<f32> {
    (0..n).map(|i| 0.5 * (i as f32 * 440.0 * std::f32::consts::TAU / rate as f32).sin()).collect()
}

fn read_wav(path: &Path) -> (hound::WavSpec, Vec<i16>) {
    let mut r = hound::WavReader::open(path).expect("hound opens the file");
    let spec = r.spec();
    (spec, r.samples::<i16>().map(|s| s.expect("sample")).collect())
}

#[test]
fn writer_keeps_the_header_current_while_recording() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("a.wav");
    let mut wav = CrashSafeWav::create(&path, 16_000).expect("create");
    // 100 ms blocks, as a microphone delivers them: 1.4 s in all.
    for block in tone(22_400, 16_000).chunks(1600) {
        wav.write(block).expect("write");
    }
    // Without finishing, the file on disk already declares the two flushed half-seconds.
    let (spec, samples) = read_wav(&path);
    assert_eq!((spec.sample_rate, spec.channels, spec.bits_per_sample), (16_000, 1, 16));
    assert_eq!(samples.len(), 16_000);
    assert_eq!(wav.finish().expect("finish"), 1.4);
    assert_eq!(read_wav(&path).1.len(), 22_400);
    assert!(!repair_wav(&path).expect("repair").repaired, "a finished file needs no repair");
}

#[test]
fn repair_fixes_a_header_that_lags_its_data_and_a_torn_sample() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("torn.wav");
    let wav = CrashSafeWav::create(&path, 8_000).expect("create");
    drop(wav); // header says 0 bytes of data, as after a crash before the first flush
    let mut f = std::fs::OpenOptions::new().append(true).open(&path).expect("open");
    for s in tone(8_000, 8_000) {
        f.write_all(&((s * 32767.0) as i16).to_le_bytes()).expect("append");
    }
    f.write_all(&[0x12]).expect("half a sample");
    drop(f);
    let report = repair_wav(&path).expect("repair");
    assert!(report.repaired);
    assert_eq!(report.duration_s, 1.0);
    assert_eq!(read_wav(&path).1.len(), 8_000);
    assert_eq!(std::fs::metadata(&path).expect("meta").len(), 44 + 16_000);
    std::fs::write(dir.path().join("text.wav"), "hello").expect("write");
    assert_eq!(repair_wav(&dir.path().join("text.wav")).expect_err("not wav").code(), "format");
}

#[test]
fn pause_drops_audio_and_the_level_follows_the_signal() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("p.wav");
    let (tx, rx) = channel();
    let control = Control::new();
    let c = control.clone();
    let feeder = std::thread::spawn(move || {
        let block = tone(1600, 16_000);
        for i in 0..30 {
            if i == 10 {
                // Let the loop drain before pausing, so the pause falls between blocks 10 and 20.
                std::thread::sleep(Duration::from_millis(200));
                c.pause();
            }
            if i == 20 {
                std::thread::sleep(Duration::from_millis(200));
                c.resume();
            }
            tx.send(block.clone()).expect("send");
            if i == 10 || i == 20 {
                std::thread::sleep(Duration::from_millis(200));
            }
        }
    });
    let summary = record(&out, 16_000, &rx, &control).expect("record");
    feeder.join().expect("feeder");
    assert!((1.9..=2.1).contains(&summary.duration_s), "{summary:?}");
    assert!(control.level() > 0.45, "{}", control.level());
    assert!(!marker_path(&out).exists(), "a clean stop removes the marker");
}

const CHILD_ENV: &str = "BYLINE_RECORD_CRASH_CHILD";

/// Runs only as the child of the crash tests: records until it is killed.
#[test]
#[ignore = "child process of the crash tests"]
fn crash_child() {
    let Some(out) = std::env::var_os(CHILD_ENV) else { return };
    let out = PathBuf::from(out);
    let (tx, rx) = channel();
    let source = std::env::var_os("BYLINE_RECORD_CRASH_SOURCE").map(PathBuf::from);
    std::thread::spawn(move || {
        if let Some(src) = source {
            feed_file(&src, tx.clone(), true, &CancelToken::new()).expect("feed");
        }
        // Then silence, like a microphone left open, until the process is killed.
        loop {
            let block = if std::env::var_os("BYLINE_RECORD_CRASH_SOURCE").is_some() {
                vec![0.0; 1600]
            } else {
                tone(1600, 16_000)
            };
            if tx.send(block).is_err() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    });
    record(&out, 16_000, &rx, &Control::new()).expect("record");
}

/// Starts [`crash_child`] recording into `out`, waits `after`, kills it with SIGKILL.
pub(crate) fn record_and_kill(out: &Path, source: Option<&Path>, after: Duration) {
    let exe = std::env::current_exe().expect("test binary");
    let mut cmd = Command::new(exe);
    cmd.args(["record::tests::crash_child", "--exact", "--ignored", "--nocapture"])
        .env(CHILD_ENV, out)
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    if let Some(src) = source {
        cmd.env("BYLINE_RECORD_CRASH_SOURCE", src);
    }
    let mut child = cmd.spawn().expect("spawn child");
    let started = Instant::now();
    while started.elapsed() < after {
        assert!(child.try_wait().expect("wait").is_none(), "the recorder exited by itself");
        std::thread::sleep(Duration::from_millis(50));
    }
    child.kill().expect("SIGKILL"); // Child::kill sends SIGKILL on Unix
    child.wait().expect("reap");
}

#[test]
fn a_killed_recorder_leaves_a_file_that_recover_repairs() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("killed.wav");
    record_and_kill(&out, None, Duration::from_millis(2500));
    assert!(marker_path(&out).exists(), "the marker shows the recording did not end cleanly");
    let reports = recover(dir.path()).expect("recover");
    assert_eq!(reports.len(), 1);
    assert!(!marker_path(&out).exists());
    let (_, samples) = read_wav(&out);
    // At most the last half second is lost; the child ran for 2.5 s including its start-up.
    let seconds = samples.len() as f64 / 16_000.0;
    assert!(seconds >= 1.0, "{seconds}");
    assert!((reports[0].duration_s - seconds).abs() < 1e-9);
    assert!(samples.iter().any(|&s| s > 10_000), "the tone is there");
}
