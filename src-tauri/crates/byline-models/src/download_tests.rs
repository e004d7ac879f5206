use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use byline_core::NoProgress;

use super::*;
use crate::testserver::{Reply, TestServer};

fn data(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 31 % 251) as u8).collect()
}

fn sha(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

fn quick() -> Downloader {
    Downloader::new().with_backoff(Duration::from_millis(10))
}

fn fetch(server: &TestServer, dest: &Path, body: &[u8], cancel: &CancelToken) -> Result<Fetched> {
    let url = format!("{}/model.bin", server.url);
    let expected = sha(body);
    let req = FetchRequest { url: &url, dest, size: Some(body.len() as u64), sha256: Some(&expected) };
    quick().fetch(&req, &NoProgress, cancel)
}

/// Counts progress so tests can see the reporter is fed.
#[derive(Default)]
struct Count(AtomicU64);
impl Reporter for Count {
    fn on_progress(&self, p: &Progress) {
        self.0.store(p.done, Ordering::SeqCst);
    }
}

#[test]
fn downloads_and_verifies() {
    let body = Arc::new(data(300_000));
    let served = Arc::clone(&body);
    let server = TestServer::start(1, Box::new(move |_, req| Reply::serve(&served, req, true)));
    let dir = tempfile::tempdir().expect("tempdir");
    let dest = dir.path().join("model.bin");
    let url = format!("{}/model.bin", server.url);
    let count = Count::default();
    let want = sha(&body);
    let req = FetchRequest { url: &url, dest: &dest, size: Some(body.len() as u64), sha256: Some(&want) };
    let got = quick().fetch(&req, &count, &CancelToken::new()).expect("download");
    assert_eq!(got, Fetched { size: body.len() as u64, sha256: want });
    assert_eq!(std::fs::read(&dest).expect("read"), *body);
    assert_eq!(count.0.load(Ordering::SeqCst), body.len() as u64);
    assert!(!part_path(&dest).exists());
}

#[test]
fn truncated_body_is_retried_and_resumed_with_range() {
    let body = Arc::new(data(200_000));
    let served = Arc::clone(&body);
    let server = TestServer::start(
        3,
        Box::new(move |i, req| {
            let mut reply = Reply::serve(&served, req, true);
            if i == 0 {
                reply.cut_at = Some(70_000); // Content-Length says 200000, then the connection closes.
            }
            reply
        }),
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let dest = dir.path().join("model.bin");
    fetch(&server, &dest, &body, &CancelToken::new()).expect("download");
    assert_eq!(std::fs::read(&dest).expect("read"), *body);
    let log = server.requests();
    assert_eq!(log.len(), 2, "{log:?}");
    assert_eq!(log[0].range, None);
    let resumed_from = log[1].range.as_deref().expect("second request has Range");
    let n: u64 = resumed_from.trim_start_matches("bytes=").trim_end_matches('-').parse().expect("range start");
    assert!(n > 0 && n <= 70_000, "{resumed_from}");
}

#[test]
fn resumes_a_partial_file_from_an_earlier_run() {
    let body = Arc::new(data(150_000));
    let served = Arc::clone(&body);
    let server = TestServer::start(1, Box::new(move |_, req| Reply::serve(&served, req, true)));
    let dir = tempfile::tempdir().expect("tempdir");
    let dest = dir.path().join("model.bin");
    std::fs::write(part_path(&dest), &body[..12_345]).expect("seed partial");
    fetch(&server, &dest, &body, &CancelToken::new()).expect("download");
    assert_eq!(std::fs::read(&dest).expect("read"), *body);
    assert_eq!(server.requests()[0].range.as_deref(), Some("bytes=12345-"));
}

#[test]
fn server_ignoring_range_still_gives_the_right_file() {
    let body = Arc::new(data(120_000));
    let served = Arc::clone(&body);
    let server = TestServer::start(2, Box::new(move |_, req| Reply::serve(&served, req, false)));
    let dir = tempfile::tempdir().expect("tempdir");
    let dest = dir.path().join("model.bin");
    std::fs::write(part_path(&dest), &body[..50_000]).expect("seed partial");
    fetch(&server, &dest, &body, &CancelToken::new()).expect("download");
    assert_eq!(std::fs::read(&dest).expect("read"), *body);
    assert_eq!(server.requests()[0].range.as_deref(), Some("bytes=50000-"));
}

#[test]
fn wrong_hash_fails_and_leaves_nothing() {
    let body = Arc::new(data(10_000));
    let served = Arc::clone(&body);
    let server = TestServer::start(1, Box::new(move |_, req| Reply::serve(&served, req, true)));
    let dir = tempfile::tempdir().expect("tempdir");
    let dest = dir.path().join("model.bin");
    let url = format!("{}/model.bin", server.url);
    let wrong = "0".repeat(64);
    let req = FetchRequest { url: &url, dest: &dest, size: None, sha256: Some(&wrong) };
    let err = quick().fetch(&req, &NoProgress, &CancelToken::new()).expect_err("should fail");
    let msg = err.to_string();
    assert!(msg.contains("expected 0000") && msg.contains(&sha(&body)), "{msg}");
    assert!(!dest.exists() && !part_path(&dest).exists());
}

#[test]
fn not_found_and_server_errors_are_clear() {
    let server = TestServer::start(4, Box::new(|i, _| Reply::status(if i == 0 { 404 } else { 503 })));
    let dir = tempfile::tempdir().expect("tempdir");
    let dest = dir.path().join("model.bin");
    let url = format!("{}/missing.bin", server.url);
    let req = FetchRequest { url: &url, dest: &dest, size: None, sha256: None };
    let err = quick().fetch(&req, &NoProgress, &CancelToken::new()).expect_err("should fail");
    assert_eq!(err.code(), "not_found");
    assert!(err.to_string().contains(&format!("at {url}")), "{err}");
    // 503 is retried three times, then reported.
    let err = quick().fetch(&req, &NoProgress, &CancelToken::new()).expect_err("should fail");
    assert!(err.to_string().contains("HTTP 503"), "{err}");
    assert_eq!(err.code(), "network");
    assert_eq!(server.requests().len(), 4);
}

/// Tells the test thread once `at` bytes have arrived, and keeps the last position.
struct CancelPoint {
    at: u64,
    reached: Mutex<Option<std::sync::mpsc::Sender<u64>>>,
    last: AtomicU64,
}
impl Reporter for CancelPoint {
    fn on_progress(&self, p: &Progress) {
        self.last.store(p.done, Ordering::SeqCst);
        if p.done >= self.at
            && let Some(tx) = self.reached.lock().expect("lock").take()
        {
            let _ = tx.send(p.done);
        }
    }
}

/// The cancel comes from another thread, as the UI's button sends it, once the download is observed to be
/// under way (not after a fixed time, which a slow start could outlast). "Promptly" is judged against the
/// download it interrupts: the server dribbles 1 KB per 20 ms, so the whole file takes at least 20 s on
/// any machine, and the cancel must stop it within a small share of that.
#[test]
fn cancel_stops_a_slow_download_promptly_and_cleans_up() {
    const CHUNK: usize = 1024;
    const PAUSE: Duration = Duration::from_millis(20);
    let body = Arc::new(data(1_000_000));
    let served = Arc::clone(&body);
    let server = TestServer::start(
        1,
        Box::new(move |_, req| {
            let mut reply = Reply::serve(&served, req, true);
            reply.dribble = Some((CHUNK, PAUSE));
            reply
        }),
    );
    let uncancelled = PAUSE * (body.len() / CHUNK) as u32;
    let dir = tempfile::tempdir().expect("tempdir");
    let dest = dir.path().join("model.bin");
    let cancel = CancelToken::new();
    let remote = cancel.clone();
    let (tx, rx) = std::sync::mpsc::channel();
    let reporter = Arc::new(CancelPoint { at: 32 * 1024, reached: Mutex::new(Some(tx)), last: AtomicU64::new(0) });
    let canceller = std::thread::spawn(move || {
        // Against a hang only: the first 32 KB take 0.7 s of dribbling.
        let at = rx.recv_timeout(Duration::from_secs(120)).expect("the download got under way");
        remote.cancel();
        (at, Instant::now())
    });
    let url = format!("{}/model.bin", server.url);
    let expected = sha(&body);
    let req = FetchRequest { url: &url, dest: &dest, size: Some(body.len() as u64), sha256: Some(&expected) };
    let err = quick().fetch(&req, &*reporter, &cancel).expect_err("should fail");
    let stopped = Instant::now();
    let (at, cancelled_at) = canceller.join().expect("canceller");
    assert!(matches!(err, Error::Cancelled), "{err}");
    let took = stopped.duration_since(cancelled_at);
    let after = reporter.last.load(Ordering::SeqCst) - at;
    eprintln!("stopped {took:?} and {after} bytes after the cancel; the whole file takes at least {uncancelled:?}");
    assert!(took < uncancelled / 10, "stopped {took:?} after the cancel");
    assert!(after < body.len() as u64 / 10, "{after} bytes arrived after the cancel");
    assert!(!dest.exists() && !part_path(&dest).exists());
}

#[test]
fn refuses_to_start_without_disk_space() {
    let dir = tempfile::tempdir().expect("tempdir");
    let dest = dir.path().join("huge.bin");
    // The space check runs before any connection, so this URL is never contacted.
    let req = FetchRequest { url: "http://127.0.0.1:9/huge.bin", dest: &dest, size: Some(u64::MAX / 2), sha256: None };
    let err = quick().fetch(&req, &NoProgress, &CancelToken::new()).expect_err("should fail");
    assert_eq!(err.code(), "disk_full", "{err}");
    assert!(err.to_string().contains("huge.bin needs"), "{err}");
}

#[test]
fn parses_content_range() {
    assert_eq!(content_range_start("bytes 100-199/200"), Some(100));
    assert_eq!(content_range_start("bytes */200"), None);
}
