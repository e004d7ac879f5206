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

#[test]
fn sigkill_during_import_leaves_complete_articles() {
    let dir = tempfile::tempdir().expect("tempdir");
    let corpus = dir.path().join("corpus");
    write_corpus(&corpus);
    let home = dir.path().join("home");
    let db = home.join("library.sqlite3");
    let mut rng = rand::rngs::StdRng::seed_from_u64(std::process::id().into());
    let mut interrupted = 0;
    for round in 0..4 {
        let mut child = import_command(&home, &corpus).spawn().expect("start byline");
        std::thread::sleep(Duration::from_millis(rng.random_range(100..1500)));
        let finished = child.try_wait().expect("try_wait").is_some();
        child.kill().ok(); // SIGKILL on Unix
        child.wait().expect("wait");
        let count = check(&db);
        eprintln!("round {round}: {} with {count} articles", if finished { "finished" } else { "killed" });
        if !finished && (count as usize) < FILES {
            interrupted += 1;
        }
    }
    // A final uninterrupted run completes the library without duplicates.
    let status = import_command(&home, &corpus).status().expect("run byline");
    assert!(status.success());
    assert_eq!(check(&db), FILES as u64);
    assert!(interrupted > 0, "no kill landed mid-import; the corpus is too small for this machine");
}
