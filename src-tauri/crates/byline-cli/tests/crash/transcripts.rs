//! A transcript being corrected, killed mid-save a hundred times: every acknowledged edit is there, the
//! edited copy is always one whole version, and the raw transcript (the record of what the model heard)
//! never changes.
use std::path::Path;

use byline_library::Library;
use byline_transcribe::store::{self, Recording};
use byline_transcribe::{Options, Segment, Transcript};
use rand::Rng;

use super::{ROUNDS, Worker, env, jitter, rng};

const DB_ENV: &str = "BYLINE_CRASH_DB";
const ID_ENV: &str = "BYLINE_CRASH_TRANSCRIPT";

/// A 25-minute interview in 150 segments, as the model produced it.
fn raw() -> Transcript {
    let segments = (0..150)
        .map(|i| Segment {
            start: i as f64 * 10.0,
            end: i as f64 * 10.0 + 9.5,
            text: format!("Segment {i}: we asked the minister about the river contract and the tender."),
            speaker: None,
            words: Vec::new(),
        })
        .collect();
    Transcript { language: Some("en".into()), duration_s: 1500.0, segments, ..Default::default() }
}

/// Edit `k`: every segment's text corrected and a speaker named, as a reporter's pass through it would.
fn edited(k: u64) -> Transcript {
    let mut t = raw();
    for (i, s) in t.segments.iter_mut().enumerate() {
        s.text = format!("[edit {k}] {}", s.text.replace("river", "River"));
        s.speaker = Some(["Minister Liu", "Reporter", "Aide"][(i + k as usize) % 3].to_string());
    }
    t
}

/// Which edit a transcript is (0 for the raw one), if it is exactly one.
fn version_of(t: &Transcript) -> Option<u64> {
    if *t == raw() {
        return Some(0);
    }
    let k = t.segments.first()?.text.strip_prefix("[edit ")?.split(']').next()?.parse().ok()?;
    (edited(k) == *t).then_some(k)
}

/// The child: saves one corrected copy after another, acknowledging each once `save_edit` returned.
pub fn child() {
    let lib = Library::open(Path::new(&env(DB_ENV))).expect("open the library");
    let id: i64 = env(ID_ENV).parse().expect("transcript id");
    let mut k = version_of(&store::get(lib.connection(), id).expect("transcript").edited).expect("a whole edit");
    loop {
        k += 1;
        store::save_edit(lib.connection(), id, &edited(k)).expect("save_edit");
        println!("ACK {k}");
    }
}

#[test]
fn a_hundred_kills_during_transcript_edits_lose_no_saved_edit() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("library.sqlite3");
    let id = {
        let lib = Library::open(&db).expect("open");
        let recording =
            Recording { path: "/recordings/minister.wav".into(), sha256: "ab".repeat(32), duration_s: 1500.0 };
        store::save(lib.connection(), &recording, "whisper-tiny.en", &Options::default(), &raw()).expect("store")
    };
    let mut rng = rng("transcripts");
    let mut version = 0;
    for round in 0..ROUNDS {
        let mut worker = Worker::child("transcripts", &[(DB_ENV, db.as_os_str()), (ID_ENV, id.to_string().as_ref())]);
        worker.wait_acks(rng.random_range(1..=6));
        let acks = worker.kill(jitter(&mut rng, 8));
        let acked: u64 = acks.last().expect("an acknowledgement").parse().expect("an edit number");
        assert!(acked > version, "round {round}: edits went on from {version}");

        let lib = Library::open(&db).expect("the library opens after the kill");
        assert_eq!(lib.integrity_check().expect("integrity_check"), "ok", "round {round}");
        let stored = store::get(lib.connection(), id).expect("the transcript");
        assert_eq!(stored.raw, raw(), "round {round}: the raw transcript changed");
        let k = version_of(&stored.edited)
            .unwrap_or_else(|| panic!("round {round}: the edited copy is not one whole edit"));
        assert!(k == acked || k == acked + 1, "round {round}: edit {k} after acknowledging {acked}");
        version = k;
    }
    eprintln!("{ROUNDS} kills, {version} edits");
}
