//! Crash safety: an import killed with SIGKILL at a random moment leaves a healthy database in
//! which every article present is complete.
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use byline_library::Library;
use rand::{Rng, SeedableRng};

const FILES: usize = 3000;

fn body(i: usize) -> String {
    // Long enough that a torn write would show, with a unique last line to check completeness.
    let para = format!("Paragraph about story {i}, with council, river and budget details. ").repeat(12);
    format!("{para}\n\n{para}\n\nEND OF ARTICLE {i}")
}

fn write_corpus(dir: &Path) {
    std::fs::create_dir_all(dir).expect("mkdir");
    for i in 0..FILES {
        let text = format!("---\ntitle: Story {i}\n---\n{}\n", body(i));
        std::fs::write(dir.join(format!("{i:05}.md")), text).expect("write");
    }
}

/// The same articles as one JSON Lines file: a container the importer must still commit in batches.
fn write_jsonl(path: &Path) {
    let lines: Vec<String> =
        (0..FILES).map(|i| serde_json::json!({ "title": format!("Story {i}"), "body": body(i) }).to_string()).collect();
    std::fs::write(path, lines.join("\n")).expect("write jsonl");
}

fn check(db: &Path) -> u64 {
    let lib = Library::open(db).expect("the library opens after a crash");
    assert_eq!(lib.integrity_check().expect("integrity_check"), "ok");
    let count = lib.count().expect("count");
    for summary in lib.list(u32::MAX, 0).expect("list") {
        let article = lib.get(summary.id).expect("get");
        let i: usize = article.fields.title.trim_start_matches("Story ").parse().expect("title names the story");
        assert_eq!(article.fields.body, body(i), "article {} is incomplete", article.id);
        assert_eq!(lib.search(&format!("\"END OF ARTICLE {i}\""), 5).expect("search").len(), 1, "index of {i}");
    }
    count
}

/// `byline --home HOME library import CORPUS`, quiet.
fn import_command(home: &Path, corpus: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_byline"));
    cmd.arg("--home").arg(home).args(["library", "import"]).arg(corpus).stdout(Stdio::null()).stderr(Stdio::null());
    cmd
}

/// Articles committed so far, read through a separate read-only connection (WAL lets it read while the
/// import writes). `None` until the child has created the schema.
fn committed(db: &Path) -> Option<u64> {
    let conn = rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY).ok()?;
    conn.query_row("SELECT count(*) FROM articles", [], |r| r.get::<_, i64>(0)).ok().map(|n| n as u64)
}

/// Each round kills the import once it has committed more articles than the round before, at a random
/// point, so every kill lands mid-import however fast the machine is: the kill waits on observed progress,
/// never on a clock.
#[test]
fn sigkill_during_import_leaves_complete_articles() {
    let dir = tempfile::tempdir().expect("tempdir");
    let corpus = dir.path().join("corpus");
    write_corpus(&corpus);
    kill_rounds(dir.path(), &corpus);
}

/// One 3,000-record file used to be one transaction: nothing was visible until the end, a save from the
/// app waited behind all of it, and a kill lost the whole file. Now it commits as it goes.
#[test]
fn sigkill_during_a_container_import_keeps_the_committed_batches() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("archive.jsonl");
    write_jsonl(&file);
    kill_rounds(dir.path(), &file);
}

fn kill_rounds(dir: &Path, corpus: &Path) {
    let home = dir.join("home");
    let db = home.join("library.sqlite3");
    let mut rng = rand::rngs::StdRng::seed_from_u64(std::process::id().into());
    let mut before = 0u64;
    for round in 0..4 {
        // At most 500 more per round: four rounds stay well short of FILES, so the import is never done.
        let target = before + rng.random_range(1..=500);
        let mut child = import_command(&home, corpus).spawn().expect("start byline");
        let mut polls = 0u64;
        loop {
            if committed(&db).is_some_and(|n| n >= target) {
                break;
            }
            if let Some(status) = child.try_wait().expect("try_wait") {
                panic!("round {round}: the import ended ({status}) before {target} articles were committed");
            }
            polls += 1;
            std::thread::sleep(Duration::from_millis(2));
        }
        child.kill().expect("SIGKILL"); // Child::kill sends SIGKILL on Unix
        child.wait().expect("wait");
        let count = check(&db);
        eprintln!("round {round}: killed at {count} articles (target {target}, {polls} polls)");
        assert!(count >= target && count < FILES as u64, "round {round}: {count} articles after the kill");
        before = count;
    }
    // A final uninterrupted run completes the library without duplicates.
    let status = import_command(&home, corpus).status().expect("run byline");
    assert!(status.success());
    assert_eq!(check(&db), FILES as u64);
}
