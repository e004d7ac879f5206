//! A model download killed a hundred times: it never counts as installed until the whole file is there and
//! checks out, the partial file on disk is always a true prefix of the real one (no torn or stale bytes),
//! each restart resumes where the last run stopped instead of starting over, and the final run installs the
//! exact file. The file comes from a server on 127.0.0.1 in this test.
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use byline_core::{AppPaths, CancelToken, NoProgress};
use byline_models::catalog::Catalog;
use byline_models::store::Store;
use rand::{Rng, RngCore, SeedableRng};

use super::{ROUNDS, Worker, env, jitter, rng};

const HOME_ENV: &str = "BYLINE_CRASH_HOME";
const CATALOG_ENV: &str = "BYLINE_CRASH_CATALOG";
const ID: &str = "crash-test-model";
const SIZE: usize = 32 << 20;
/// The server sends the file in pieces with a pause between them, so a download lasts long enough to be
/// killed at many points (about 8 MB/s: a whole run takes four seconds, and a hundred rounds of up to 192 KiB
/// each, with whatever a slow kill lets through, stay well short of the end).
const PIECE: usize = 8 << 10;

/// Serves `data` at any path, honouring `Range: bytes=N-`, and records where each request started.
fn serve(data: Arc<Vec<u8>>) -> (String, Arc<Mutex<Vec<u64>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
    let url = format!("http://{}/model.bin", listener.local_addr().expect("address"));
    let starts = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&starts);
    std::thread::spawn(move || {
        for stream in listener.incoming().map_while(Result::ok) {
            let (data, log) = (Arc::clone(&data), Arc::clone(&log));
            std::thread::spawn(move || {
                let _ = answer(stream, &data, &log);
            });
        }
    });
    (url, starts)
}

fn answer(stream: TcpStream, data: &[u8], log: &Mutex<Vec<u64>>) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut start = 0u64;
    let mut request_line = String::new();
    if reader.read_line(&mut request_line)? == 0 {
        return Ok(()); // the client was killed before it asked for anything
    }
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 || line.trim().is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':')
            && name.eq_ignore_ascii_case("range")
        {
            let from = value.trim().trim_start_matches("bytes=").trim_end_matches('-');
            start = from.parse().unwrap_or(0);
        }
    }
    log.lock().expect("log").push(start);
    let start = start as usize;
    let mut out = stream;
    let head = if start == 0 {
        format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", data.len())
    } else {
        format!(
            "HTTP/1.1 206 Partial Content\r\nContent-Length: {}\r\nContent-Range: bytes {start}-{}/{}\r\nConnection: close\r\n\r\n",
            data.len() - start,
            data.len() - 1,
            data.len()
        )
    };
    out.write_all(head.as_bytes())?;
    for piece in data[start..].chunks(PIECE) {
        out.write_all(piece)?;
        std::thread::sleep(Duration::from_millis(1));
    }
    Ok(())
}

fn catalog(url: &str, sha256: &str) -> String {
    format!(
        "[[model]]\nid = \"{ID}\"\nname = \"Crash test\"\ntask = \"whisper\"\nformat = \"ggml\"\nlicence = \"MIT\"\n\
         languages = [\"en\"]\nram_mb = 1\ndownload_mb = 32\ndescription = \"A file to download\"\n\n\
         [[model.files]]\npath = \"model.bin\"\nsize = {SIZE}\nsha256 = \"{sha256}\"\n\
         sources = [{{ kind = \"url\", url = \"{url}\" }}]\n"
    )
}

fn store(home: &Path, catalog_file: &Path) -> Store {
    let text = std::fs::read_to_string(catalog_file).expect("catalog");
    Store::with_catalog(&AppPaths::at(home), Catalog::parse(&text).expect("catalog parses"))
}

/// The child: pulls the model, and acknowledges once it is installed.
pub fn child() {
    let store = store(Path::new(&env(HOME_ENV)), Path::new(&env(CATALOG_ENV)));
    store.pull(ID, &NoProgress, &CancelToken::new()).expect("pull");
    println!("ACK installed");
}

fn len(path: &Path) -> u64 {
    std::fs::metadata(path).map(|m| m.len()).unwrap_or(0)
}

#[test]
fn a_hundred_kills_during_a_download_never_install_a_broken_file() {
    let mut rng = rng("download");
    let mut data = vec![0u8; SIZE];
    rand::rngs::StdRng::seed_from_u64(7).fill_bytes(&mut data);
    let dir = tempfile::tempdir().expect("tempdir");
    let original = dir.path().join("original.bin");
    std::fs::write(&original, &data).expect("write");
    let sha256 = byline_library::sha256_file(&original).expect("sha256");
    let data = Arc::new(data);
    let (url, starts) = serve(Arc::clone(&data));
    let catalog_file = dir.path().join("catalog.toml");
    std::fs::write(&catalog_file, catalog(&url, &sha256)).expect("write catalog");
    let home = dir.path().join("home");
    let dest: PathBuf = home.join("models").join(ID).join("model.bin");
    let part = byline_models::manifest::part_path(&dest);
    let envs = [(HOME_ENV, home.as_os_str()), (CATALOG_ENV, catalog_file.as_os_str())];

    for round in 0..ROUNDS {
        // Up to 192 KiB more each round: a hundred rounds stay well short of the 32 MiB file.
        let target = len(&part) + rng.random_range(1..=192 << 10);
        let mut worker = Worker::child("download", &envs);
        worker.wait_until(&format!("round {round}'s download grew"), || len(&part) >= target);
        assert!(worker.kill(jitter(&mut rng, 5)).is_empty(), "round {round}: it cannot have finished");

        assert!(store(&home, &catalog_file).manifest(ID).expect("manifest").is_none(), "round {round}: installed");
        assert!(!dest.exists(), "round {round}: a partial download took the model file's name");
        let on_disk = std::fs::read(&part).expect("the partial file is kept for the next run");
        assert!(on_disk.len() as u64 >= target, "round {round}: the partial file shrank");
        assert!(data.starts_with(&on_disk), "round {round}: the partial file is not a prefix of the real one");
    }
    let acks = Worker::child("download", &envs).finish();
    assert_eq!(acks, ["installed"]);
    let manifest = store(&home, &catalog_file).manifest(ID).expect("manifest").expect("installed");
    assert_eq!(manifest.files[0].sha256, sha256);
    assert!(std::fs::read(&dest).expect("model file") == *data, "the installed file is the real one");
    assert!(!part.exists());
    let starts = starts.lock().expect("log").clone();
    assert_eq!(starts.len(), ROUNDS + 1, "one request per run, no retries: {starts:?}");
    assert!(starts[1..].iter().all(|&s| s > 0), "every restart resumed: {starts:?}");
}
