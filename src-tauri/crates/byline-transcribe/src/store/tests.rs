use byline_library::Library;

use super::*;
use crate::transcript::Segment;

fn transcript(text: &str) -> Transcript {
    Transcript {
        language: Some("en".into()),
        duration_s: 11.0,
        segments: vec![Segment { start: 0.0, end: 11.0, text: text.into(), speaker: None, words: vec![] }],
        notes: vec![],
        voices: vec![],
    }
}

#[test]
fn raw_is_immutable_and_edits_are_separate() {
    let lib = Library::open_in_memory().expect("library");
    let conn = lib.connection();
    let rec = Recording { path: "/tmp/jfk.wav".into(), sha256: "ab".repeat(32), duration_s: 11.0 };
    let opts = Options { prompt: Some("Kennedy".into()), ..Default::default() };
    let id = save(conn, &rec, "whisper-tiny.en-ct2", &opts, &transcript("ask not")).expect("save");
    let got = get(conn, id).expect("get");
    assert_eq!((got.recording.clone(), got.settings.clone()), (rec.clone(), opts));
    assert_eq!(got.edited, got.raw);
    assert!(got.edited_at.is_none());

    let mut edited = got.raw.clone();
    edited.segments[0].text = "Ask not.".into();
    edited.segments[0].speaker = Some("JFK".into());
    save_edit(conn, id, &edited).expect("edit");
    save_edit(conn, id, &edited).expect("edit twice");
    let got = get(conn, id).expect("get");
    assert_eq!(got.edited, edited);
    assert_eq!(got.raw, transcript("ask not"));

    let err = conn.execute("UPDATE transcripts SET raw_json = '{}' WHERE id = ?1", [id]).expect_err("immutable");
    assert!(err.to_string().contains("immutable"), "{err}");

    let list = list(conn).expect("list");
    assert_eq!(list.len(), 1);
    assert!(list[0].edited);
    delete(conn, id).expect("delete");
    assert_eq!(get(conn, id).expect_err("gone").code(), "not_found");
    assert_eq!(save_edit(conn, id, &edited).expect_err("gone").code(), "not_found");
}

#[test]
fn vocabulary_becomes_the_prompt() {
    let lib = Library::open_in_memory().expect("library");
    let conn = lib.connection();
    assert_eq!(prompt_with_vocabulary(conn, None).expect("prompt"), None);
    set_vocabulary(conn, &["Szczecin".into(), " ".into(), "Ngozi Okonjo-Iweala".into(), "szczecin".into()])
        .expect("set");
    assert_eq!(vocabulary(conn).expect("vocab"), ["Ngozi Okonjo-Iweala", "Szczecin"]);
    let prompt = prompt_with_vocabulary(conn, Some("Interview on trade.")).expect("prompt").expect("some");
    assert_eq!(prompt, "Names and terms: Ngozi Okonjo-Iweala, Szczecin. Interview on trade.");
}

#[test]
fn hashes_files() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = dir.path().join("a.bin");
    std::fs::write(&p, b"abc").expect("write");
    assert_eq!(sha256_file(&p).expect("hash"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}
