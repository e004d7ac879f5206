//! A full disk and a read-only data folder, for real: the data folder sits on a 4 MB tmpfs or a read-only bind
//! mount inside a private mount namespace (`unshare -m`, which needs root; `cargo xtask test` runs as root in
//! CI). Each failure must be a clear error, never a panic, and nothing committed before it may be lost: once
//! there is room again (or the folder is writable again) the same import succeeds and the library is whole.
use std::path::Path;
use std::process::Command;

use byline_library::Library;

/// A story of about 1.2 MB: more than a few hundred kilobytes of free space can hold.
fn big_story() -> String {
    let words = ["council", "vote", "river", "flood", "budget", "mayor", "plan", "city", "residents", "defence"];
    let mut text = String::from("# Big story\n\n");
    for p in 0..3000 {
        let sentence: Vec<&str> = (0..60).map(|i| words[(p * 7 + i * 3 + i * i) % words.len()]).collect();
        text.push_str(&sentence.join(" "));
        text.push_str(".\n\n");
    }
    text
}

/// Runs `script` with `sh -eu` in a private mount namespace, with `$B` the byline binary and `$DIR` `dir`.
fn in_namespace(dir: &Path, script: &str) {
    let out = Command::new("unshare")
        .args(["-m", "sh", "-euc", script])
        .env("B", env!("CARGO_BIN_EXE_byline"))
        .env("DIR", dir)
        .output()
        .expect("run unshare (util-linux)");
    assert!(
        out.status.success(),
        "the scenario failed ({}):\n{}{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn read(dir: &Path, name: &str) -> String {
    std::fs::read_to_string(dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// The library copied out of the namespace: healthy, with exactly these titles.
fn assert_library(dir: &Path, titles: &[&str]) {
    let lib = Library::open(&dir.join("library.sqlite3")).expect("the library opens");
    assert_eq!(lib.integrity_check().expect("integrity_check"), "ok");
    let mut got: Vec<String> = lib.list(100, 0).expect("list").into_iter().map(|a| a.title).collect();
    got.sort();
    let mut want: Vec<String> = titles.iter().map(|t| t.to_string()).collect();
    want.sort();
    assert_eq!(got, want);
    let big = lib.list(100, 0).expect("list").into_iter().find(|a| a.title == "Big story");
    if let Some(big) = big {
        assert_eq!(
            lib.get(big.id).expect("get").fields.body.trim(),
            big_story().trim_start_matches("# Big story").trim()
        );
    }
}

fn setup(dir: &Path) {
    std::fs::create_dir_all(dir.join("fs")).expect("mkdir");
    std::fs::write(dir.join("a.md"), "# Council vote\n\nThe council voted eleven to four.\n").expect("write");
    std::fs::write(dir.join("big.md"), big_story()).expect("write");
}

fn assert_clean_failure(dir: &Path, step: &str, expect: &str) {
    let (rc, err) = (read(dir, &format!("{step}.rc")), read(dir, &format!("{step}.err")));
    assert_ne!(rc.trim(), "0", "{step}: the command must fail");
    assert!(!err.contains("panicked"), "{step}: a panic instead of an error: {err}");
    assert!(err.contains(expect), "{step}: the error should say {expect:?}: {err}");
}

#[test]
#[ignore = "needs root for a private mount namespace: cargo xtask test"]
fn a_full_disk_fails_cleanly_and_loses_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    setup(dir.path());
    in_namespace(
        dir.path(),
        r#"
        mount -t tmpfs -o size=4m tmpfs "$DIR/fs"
        export BYLINE_HOME="$DIR/fs/home"
        "$B" library import "$DIR/a.md" >/dev/null
        # No room at all: the library cannot even open its working files.
        dd if=/dev/zero of="$DIR/fs/filler" bs=64k 2>/dev/null || true
        rc=0; "$B" library import "$DIR/big.md" >/dev/null 2>"$DIR/none.err" || rc=$?; echo $rc >"$DIR/none.rc"
        # A few hundred kilobytes: the disk fills during the import's write.
        truncate -s -384K "$DIR/fs/filler"
        rc=0; "$B" library import "$DIR/big.md" >/dev/null 2>"$DIR/mid.err" || rc=$?; echo $rc >"$DIR/mid.rc"
        rm "$DIR/fs/filler"
        "$B" library import "$DIR/big.md" >/dev/null
        cp "$BYLINE_HOME"/library.sqlite3* "$DIR/"
        "#,
    );
    assert_clean_failure(dir.path(), "none", "not enough disk space");
    assert_clean_failure(dir.path(), "mid", "disk");
    assert_library(dir.path(), &["Council vote", "Big story"]);
}

#[test]
#[ignore = "needs root for a private mount namespace: cargo xtask test"]
fn a_read_only_data_folder_fails_cleanly_and_loses_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    setup(dir.path());
    in_namespace(
        dir.path(),
        r#"
        export BYLINE_HOME="$DIR/fs/home"
        "$B" library import "$DIR/a.md" >/dev/null
        mount --bind "$BYLINE_HOME" "$BYLINE_HOME"
        mount -o remount,ro,bind "$BYLINE_HOME"
        rc=0; "$B" library import "$DIR/big.md" >/dev/null 2>"$DIR/ro.err" || rc=$?; echo $rc >"$DIR/ro.rc"
        umount "$BYLINE_HOME"
        "$B" library import "$DIR/big.md" >/dev/null
        cp "$BYLINE_HOME"/library.sqlite3* "$DIR/"
        "#,
    );
    assert_clean_failure(dir.path(), "ro", "read-only");
    assert_library(dir.path(), &["Council vote", "Big story"]);
}
