//! The library on a real SQLite file with the real migrations.
use byline_core::{CancelToken, NoProgress};
use byline_library::{ArticleFields, AttachmentKind, Library};

fn article(title: &str, body: &str) -> ArticleFields {
    ArticleFields { title: title.into(), body: body.into(), ..ArticleFields::default() }
}

fn seeded() -> (tempfile::TempDir, Library) {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut lib = Library::open(&dir.path().join("library.sqlite3")).expect("open");
    lib.create(&article(
        "City council approves flood defence budget",
        "The council voted 7-2 on Tuesday to fund new river walls.",
    ))
    .expect("create");
    lib.create(&article("北京举行新闻发布会", "市政府今天在北京召开新闻发布会，介绍了今年的住房计划和交通改善措施。"))
        .expect("create");
    lib.create(&article("上海地铁延长运营时间", "上海地铁宣布，周末部分线路将延长运营至凌晨一点。")).expect("create");
    lib.create(&article("Schools brace for teacher strike", "Teachers say wages have not kept pace with inflation."))
        .expect("create");
    (dir, lib)
}

/// Document frequency counts articles the way search matches them: stemmed, Chinese by characters, phrases.
#[test]
fn document_frequency_counts_matching_articles() {
    let (_dir, lib) = seeded();
    assert_eq!(lib.document_frequency("council").expect("df"), 1);
    assert_eq!(lib.document_frequency("councils").expect("df"), 1, "stemmed like search");
    assert_eq!(lib.document_frequency("新闻发布会").expect("df"), 1);
    assert_eq!(lib.document_frequency("river walls").expect("df"), 1);
    assert_eq!(lib.document_frequency("walls river").expect("df"), 0, "several words are a phrase");
    assert_eq!(lib.document_frequency("nowhere").expect("df"), 0);
    assert_eq!(lib.document_frequency("\"\0*").expect("df"), 0, "hostile input matches nothing");
}

#[test]
fn english_search_ranks_and_highlights() {
    let (_dir, lib) = seeded();
    let hits = lib.search("flood budget", 10).expect("search");
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].title, "City council approves flood defence budget");
    assert!(hits[0].title_html.contains("<mark>flood</mark>"), "{}", hits[0].title_html);
    // Porter stemming: "teachers" finds "teacher".
    let hits = lib.search("teachers", 10).expect("search");
    assert_eq!(hits.len(), 1);
    assert!(hits[0].snippet_html.contains("<mark>Teachers</mark>"), "{}", hits[0].snippet_html);
    // The last word is a prefix, so results follow typing.
    assert_eq!(lib.search("counc", 10).expect("search").len(), 1);
}

#[test]
fn two_character_chinese_query_finds_its_article() {
    let (_dir, lib) = seeded();
    let hits = lib.search("住房", 10).expect("search");
    assert_eq!(hits.len(), 1, "{hits:?}");
    assert_eq!(hits[0].title, "北京举行新闻发布会");
    assert!(hits[0].snippet_html.contains("<mark>住房</mark>"), "{}", hits[0].snippet_html);
    assert!(!hits[0].snippet_html.contains('\u{200B}'));
    // Title matches are highlighted, and a one-character query still works.
    let hits = lib.search("上海", 10).expect("search");
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].title_html, "<mark>上海</mark>地铁延长运营时间");
    assert_eq!(lib.search("铁", 10).expect("search").len(), 1);
    // Characters that appear in the text but not next to each other do not match as a word.
    assert!(lib.search("京住", 10).expect("search").is_empty());
}

#[test]
fn hostile_queries_are_safe() {
    let (_dir, lib) = seeded();
    for q in ["\"", "AND", "(", "NEAR(", "title:", "*", "-", "'; DROP TABLE articles; --", ""] {
        lib.search(q, 10).unwrap_or_else(|e| panic!("query {q:?} failed: {e}"));
    }
    assert_eq!(lib.count().expect("count"), 4);
}

#[test]
fn saves_keep_revisions_that_survive_a_restart() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("library.sqlite3");
    let id = {
        let mut lib = Library::open(&path).expect("open");
        let a = lib.create(&article("Draft", "First version.")).expect("create");
        lib.save(a.id, &article("Draft", "Second version.")).expect("save");
        lib.save(a.id, &article("Draft v3", "Third version.")).expect("save");
        // Saving identical fields is not a new revision.
        lib.save(a.id, &article("Draft v3", "Third version.")).expect("save");
        a.id
    };
    let mut lib = Library::open(&path).expect("reopen");
    let revs = lib.revisions(id).expect("revisions");
    assert_eq!(revs.iter().map(|r| r.body.as_str()).collect::<Vec<_>>(), ["Second version.", "First version."]);
    let restored = lib.restore(id, revs[1].id).expect("restore");
    assert_eq!(restored.fields.body, "First version.");
    assert_eq!(restored.fields.title, "Draft");
    // The restore itself is undoable: the text it replaced is now the newest revision.
    let revs = lib.revisions(id).expect("revisions");
    assert_eq!(revs[0].body, "Third version.");
    assert_eq!(revs[0].reason, "restore");
    // Search follows the restored text.
    assert_eq!(lib.search("First", 5).expect("search").len(), 1);
    assert!(lib.search("Third", 5).expect("search").is_empty());
}

#[test]
fn missing_things_are_clear_errors() {
    let (_dir, mut lib) = seeded();
    assert_eq!(lib.get(999).expect_err("missing").code(), "not_found");
    assert_eq!(lib.save(999, &article("x", "y")).expect_err("missing").code(), "not_found");
    assert_eq!(lib.restore(1, 999).expect_err("missing").code(), "not_found");
    assert_eq!(lib.delete(999).expect_err("missing").code(), "not_found");
}

#[test]
fn delete_removes_article_revisions_and_index_entry() {
    let (_dir, mut lib) = seeded();
    let id = lib.search("flood", 5).expect("search")[0].id;
    lib.save(id, &article("Changed", "Other text about floods")).expect("save");
    lib.delete(id).expect("delete");
    assert!(lib.search("flood", 5).expect("search").is_empty());
    assert_eq!(lib.revisions(id).expect_err("gone").code(), "not_found");
    assert_eq!(lib.integrity_check().expect("check"), "ok");
}

#[test]
fn attachments_belong_to_articles() {
    let (_dir, mut lib) = seeded();
    let meta = serde_json::json!({"duration_s": 61.5, "model": "whisper-tiny.en"});
    let a = lib
        .add_attachment(1, AttachmentKind::Audio, "/tmp/interview.wav", "abc123", Some("audio/wav"), &meta)
        .expect("attach");
    assert_eq!(a.kind, AttachmentKind::Audio);
    let list = lib.attachments(1).expect("list");
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].metadata["model"], "whisper-tiny.en");
    assert_eq!(
        lib.add_attachment(999, AttachmentKind::Image, "x", "y", None, &meta).expect_err("no article").code(),
        "not_found"
    );
}

#[test]
fn import_folder_dedupes_and_reports_bad_files() {
    let dir = tempfile::tempdir().expect("tempdir");
    let src = dir.path().join("articles");
    std::fs::create_dir_all(src.join("nested")).expect("mkdir");
    std::fs::write(
        src.join("a.md"),
        "---\ntitle: Harbour reopens\ntags: [port, economy]\n---\nThe harbour reopened on Monday after repairs.\n",
    )
    .expect("write");
    std::fs::write(src.join("nested/b.txt"), "Rail strike ends\n\nDrivers accepted the offer late on Sunday.\n")
        .expect("write");
    // Same text as a.md: a duplicate.
    std::fs::write(src.join("copy.md"), "# Another title\n\nThe harbour  reopened on Monday after repairs.\n")
        .expect("write");
    std::fs::write(src.join("empty.txt"), "").expect("write");
    std::fs::write(src.join("binary.txt"), [0u8, 159, 146, 150, 0, 1, 2, 3, 0, 0]).expect("write");
    std::fs::write(src.join(".hidden.md"), "# Hidden\n\nnot imported").expect("write");
    std::fs::write(src.join("ignored.docx"), "PK").expect("write");

    let mut lib = Library::open(&dir.path().join("library.sqlite3")).expect("open");
    let summary =
        lib.import_paths(&[src.clone(), dir.path().join("missing")], &NoProgress, &CancelToken::new()).expect("import");
    let titles: Vec<&str> = summary.imported.iter().map(|i| i.title.as_str()).collect();
    assert_eq!(titles.len(), 2, "{summary:?}");
    assert!(titles.contains(&"Harbour reopens") && titles.contains(&"Rail strike ends"), "{titles:?}");
    assert_eq!(summary.duplicates.len(), 1);
    let failed: Vec<&str> = summary.errors.iter().map(|e| e.path.rsplit('/').next().unwrap_or("")).collect();
    assert!(
        failed.contains(&"empty.txt") && failed.contains(&"binary.txt") && failed.contains(&"missing"),
        "{failed:?}"
    );
    assert!(summary.errors.iter().all(|e| !e.message.is_empty()));

    let a = lib.get(summary.imported[0].id).expect("get");
    assert!(a.source_path.is_some());
    // Importing again finds only duplicates.
    let again = lib.import_paths(&[src], &NoProgress, &CancelToken::new()).expect("import");
    assert!(again.imported.is_empty());
    assert_eq!(again.duplicates.len(), 3);
}

#[test]
fn cancelled_import_keeps_nothing_partial() {
    let dir = tempfile::tempdir().expect("tempdir");
    let src = dir.path().join("many");
    std::fs::create_dir_all(&src).expect("mkdir");
    for i in 0..20 {
        std::fs::write(src.join(format!("{i:02}.txt")), format!("Story {i}\n\nBody number {i}.")).expect("write");
    }
    let mut lib = Library::open(&dir.path().join("library.sqlite3")).expect("open");
    let cancel = CancelToken::new();
    cancel.cancel();
    let summary = lib.import_paths(&[src], &NoProgress, &cancel).expect("import");
    assert!(summary.cancelled);
    assert!(summary.imported.is_empty());
    assert_eq!(lib.count().expect("count"), 0);
}

/// A save while another connection (an import) holds the write lock waits for it instead of failing with
/// "database is locked": a deferred transaction that upgrades from read to write never used the busy timeout.
#[test]
fn a_save_waits_for_a_writer_instead_of_failing() {
    let (dir, mut lib) = seeded();
    let listed = lib.list(2, 0).expect("list");
    let (id, other_id) = (listed[0].id, listed[1].id);
    let path = dir.path().join("library.sqlite3");
    let (locked_tx, locked_rx) = std::sync::mpsc::channel();
    let (release_tx, release_rx) = std::sync::mpsc::channel::<()>();
    let writer = std::thread::spawn(move || {
        let mut other = Library::open(&path).expect("open a second connection");
        let tx = other.connection_mut().transaction().expect("begin");
        tx.execute("UPDATE articles SET dek = 'held' WHERE id = ?1", [other_id]).expect("write");
        locked_tx.send(()).expect("signal");
        // Hold the lock until the saving thread has started its save.
        release_rx.recv().ok();
        std::thread::sleep(std::time::Duration::from_millis(300));
        tx.commit().expect("commit");
    });
    locked_rx.recv().expect("the writer holds the lock");
    release_tx.send(()).expect("release");
    let mut fields = lib.get(id).expect("get").fields;
    fields.body.push_str(" Edited while an import was writing.");
    let saved = lib.save(id, &fields).expect("the save waits for the writer and succeeds");
    assert!(saved.fields.body.ends_with("an import was writing."));
    writer.join().expect("writer thread");
    // The writer's change and the save both stand, and the replaced text became a revision.
    assert_eq!(lib.get(other_id).expect("get").fields.dek.as_deref(), Some("held"));
    assert_eq!(lib.revisions(id).expect("revisions").len(), 1);
}

/// Exports never carry `byline://` links: a linked article's web address, or its title as plain text.
#[test]
fn exports_rewrite_links_between_articles() {
    let (_dir, mut lib) = seeded();
    let with_url = lib
        .create(&ArticleFields {
            title: "Flood report".into(),
            body: "Rivers rose.".into(),
            url: Some("https://ledger.example/flood".into()),
            ..ArticleFields::default()
        })
        .expect("create");
    let without_url = lib.create(&article("Budget notes", "Numbers.")).expect("create");
    let body = format!(
        "See [the flood report](byline://article/{}) and [the budget](byline://article/{}); <Sedio N.V.> bought it.",
        with_url.id, without_url.id
    );
    let draft = lib.create(&article("Draft", &body)).expect("create");
    let exported = lib.for_export(draft.id).expect("export");
    let md = byline_library::export::to_markdown(&exported);
    let html = byline_library::export::to_html(&exported);
    for text in [&md, &html] {
        assert!(!text.contains("byline:"), "{text}");
    }
    assert!(md.contains("[the flood report](<https://ledger.example/flood>) and the budget;"), "{md}");
    assert!(md.contains("<Sedio N.V.> bought it"), "{md}");
    assert!(html.contains("href=\"https://ledger.example/flood\""), "{html}");
    assert!(html.contains("&lt;Sedio N.V.&gt; bought it"), "{html}");
    // The stored body is untouched: inside the app the links still open the articles.
    assert_eq!(lib.get(draft.id).expect("get").fields.body, body);
}
