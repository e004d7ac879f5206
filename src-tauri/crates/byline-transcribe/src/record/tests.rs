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

/// Polls `done` until it holds. The deadline only turns a hang into a failure: it is far beyond what any
/// machine needs, so the test waits for events, not for the clock.
fn wait_for(what: &str, done: impl Fn() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(120);
    while !done() {
        assert!(Instant::now() < deadline, "gave up waiting for {what}");
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[test]
fn pause_drops_audio_and_the_level_follows_the_signal() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("p.wav");
    let (tx, rx) = channel();
    let control = Control::new();
    let c = control.clone();
    let feeder = std::thread::spawn(move || {
        let loud = tone(1600, 16_000);
        // The last block sent while paused is quieter: when the level shows it, every paused block was taken.
        let quiet: Vec<f32> = loud.iter().map(|s| s / 2.0).collect();
        let quiet_peak = quiet.iter().fold(0.0f32, |m, s| m.max(s.abs()));
        for i in 0..30 {
            if i == 10 {
                wait_for("the first ten blocks to be written", || c.samples_written() == 16_000);
                c.pause();
            }
            if i == 20 {
                wait_for("the paused blocks to be taken", || c.level() == quiet_peak);
                c.resume();
            }
            tx.send(if i == 19 { quiet.clone() } else { loud.clone() }).expect("send");
        }
    });
    let summary = record(&out, 16_000, &rx, &control).expect("record");
    feeder.join().expect("feeder");
    // Blocks 0–9 and 20–29: the ten sent while paused are dropped.
    assert_eq!(summary.duration_s, 2.0, "{summary:?}");
    assert_eq!(read_wav(&out).1.len(), 32_000);
    assert!(control.level() > 0.45, "{}", control.level());
    assert!(!marker_path(&out).exists(), "a clean stop removes the marker");
}

const CHILD_ENV: &str = "BYLINE_RECORD_CRASH_CHILD";
const FAST_ENV: &str = "BYLINE_RECORD_CRASH_FAST";

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
            // Ten times real time for the hundred-kill test, which needs many takes, not long ones.
            let pause = if std::env::var_os(FAST_ENV).is_some() { 10 } else { 100 };
            std::thread::sleep(Duration::from_millis(pause));
        }
    });
    record(&out, 16_000, &rx, &Control::new()).expect("record");
}

/// Seconds of audio the header of the WAV at `path` declares: what a recorder has flushed and synced.
/// Capped by the bytes actually on disk, so a header read while the child rewrites it never overstates.
fn declared_seconds(path: &Path, rate: u32) -> f64 {
    let mut header = [0u8; 44];
    let Ok(mut file) = std::fs::File::open(path) else { return 0.0 };
    let on_disk = file.metadata().map(|m| m.len().saturating_sub(44)).unwrap_or(0);
    if std::io::Read::read_exact(&mut file, &mut header).is_err() || &header[36..40] != b"data" {
        return 0.0; // the header is not written yet
    }
    let data_len = u32::from_le_bytes([header[40], header[41], header[42], header[43]]);
    u64::from(data_len).min(on_disk) as f64 / 2.0 / f64::from(rate)
}

/// Starts [`crash_child`] recording into `out`, waits until the file on disk declares at least
/// `min_seconds` of audio, then kills the child with SIGKILL. Killing on observed progress, not after a
/// fixed time, makes the test independent of how fast the machine starts the child and feeds it; the
/// deadline only turns a recorder that never gets there into a failure. Returns the seconds declared
/// just before the kill.
pub(crate) fn record_and_kill(out: &Path, source: Option<&Path>, min_seconds: f64) -> f64 {
    record_and_kill_after(out, source, min_seconds, false, Duration::ZERO)
}

/// [`record_and_kill`], with the child fed ten times faster than real time when `fast`, and the kill put
/// off by `jitter` once the progress is seen, so that it can land anywhere in the write-and-sync cycle.
fn record_and_kill_after(out: &Path, source: Option<&Path>, min_seconds: f64, fast: bool, jitter: Duration) -> f64 {
    let exe = std::env::current_exe().expect("test binary");
    let mut cmd = Command::new(exe);
    cmd.args(["record::tests::crash_child", "--exact", "--ignored", "--nocapture"])
        .env(CHILD_ENV, out)
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    if let Some(src) = source {
        cmd.env("BYLINE_RECORD_CRASH_SOURCE", src);
    }
    if fast {
        cmd.env(FAST_ENV, "1");
    }
    let mut child = cmd.spawn().expect("spawn child");
    // Real-time feeding sets the pace: allow ten times the audio asked for, and a minute to start.
    let deadline = Instant::now() + Duration::from_secs_f64(60.0 + 10.0 * min_seconds);
    let declared = loop {
        let declared = declared_seconds(out, 16_000);
        if declared >= min_seconds {
            break declared;
        }
        if Instant::now() > deadline || child.try_wait().expect("wait").is_some() {
            let _ = child.kill();
            let status = child.wait().expect("reap");
            panic!("the recorder reached only {declared} s of {min_seconds} s (child: {status})");
        }
        std::thread::sleep(Duration::from_millis(if fast { 2 } else { 20 }));
    };
    std::thread::sleep(jitter);
    child.kill().expect("SIGKILL"); // Child::kill sends SIGKILL on Unix
    child.wait().expect("reap");
    declared
}

#[test]
fn a_killed_recorder_leaves_a_file_that_recover_repairs() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("killed.wav");
    let declared = record_and_kill(&out, None, 1.0);
    assert!(marker_path(&out).exists(), "the marker shows the recording did not end cleanly");
    let reports = recover(dir.path()).expect("recover");
    assert_eq!(reports.len(), 1);
    assert!(!marker_path(&out).exists());
    let (_, samples) = read_wav(&out);
    // Whatever the header declared before the kill is kept; the kill may land after a later flush.
    let seconds = samples.len() as f64 / 16_000.0;
    assert!(seconds >= declared && declared >= 1.0, "{seconds} s kept, {declared} s declared before the kill");
    assert!((reports[0].duration_s - seconds).abs() < 1e-9);
    assert!(samples.iter().any(|&s| s > 10_000), "the tone is there");
}

/// A hundred takes, each killed with SIGKILL at a random moment: after a random amount of audio (none to
/// two seconds) has been declared on disk, and a random delay more, so kills land before the first sync,
/// between syncs and in the middle of one. After each, recovery must keep everything the header declared,
/// every kept sample must be exactly the tone that was recorded (a torn or stale block would show), and
/// the file must read as a valid WAV.
#[test]
fn a_hundred_kills_of_the_recorder_lose_nothing_that_was_synced() {
    let dir = tempfile::tempdir().expect("tempdir");
    let block: Vec<i16> = tone(1600, 16_000).iter().map(|s| (s.clamp(-1.0, 1.0) * 32767.0).round() as i16).collect();
    let mut seed = u64::from(std::process::id()) | 1;
    let mut random = move |n: u64| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed % n
    };
    let mut kept_total = 0.0;
    for round in 0..100 {
        let out = dir.path().join(format!("take-{round:03}.wav"));
        let min_seconds = random(2_001) as f64 / 1000.0;
        let jitter = Duration::from_millis(random(60));
        let declared = record_and_kill_after(&out, None, min_seconds, true, jitter);
        let reports = recover(dir.path()).expect("recover");
        assert!(!marker_path(&out).exists(), "round {round}: recovery clears the marker");
        if !out.exists() {
            // Killed before the recorder created the file: nothing was recorded, nothing can be lost.
            assert_eq!(declared, 0.0, "round {round}");
            continue;
        }
        assert!(reports.len() <= 1, "round {round}: only this take needed recovery");
        let (spec, samples) = read_wav(&out);
        assert_eq!((spec.sample_rate, spec.channels, spec.bits_per_sample), (16_000, 1, 16));
        let seconds = samples.len() as f64 / 16_000.0;
        assert!(seconds >= declared, "round {round}: {seconds} s kept, {declared} s declared before the kill");
        for (i, &s) in samples.iter().enumerate() {
            assert_eq!(s, block[i % block.len()], "round {round}: sample {i} is not what was recorded");
        }
        assert!(!repair_wav(&out).expect("repair").repaired, "round {round}: recovery left a consistent header");
        kept_total += seconds;
    }
    eprintln!("100 kills, {kept_total:.1} s of audio kept in all");
}
