use byline_core::CancelToken;
use byline_library::{ArticleFields, Library};

use super::*;
use crate::analyze::EngineChoice;

fn library_with_article() -> (Library, i64) {
    let mut lib = Library::open_in_memory().expect("library with real migrations");
    let fields = ArticleFields {
        title: "Bridge reopens".into(),
        body: "The bridge reopened.".into(),
        url: Some("https://example.org/bridge".into()),
        ..Default::default()
    };
    let id = lib.create(&fields).expect("article").id;
    (lib, id)
}

#[test]
fn import_scores_links_and_ignores_duplicates() {
    let (mut lib, id) = library_with_article();
    let csv = format!(
        "article,author,time,text\n{id},ann,2024-05-01T10:15:00Z,I love this wonderful news!\n\
         https://example.org/bridge,bo,2024-05-01T12:40:00Z,This is a terrible waste of money.\n\
         {id},cy,2024-05-01T12:05:00Z,太好了，非常满意！\n\
         elsewhere,dee,,Fine.\n"
    );
    let records = parse_csv(&csv, None).expect("csv");
    let analyzer = Analyzer::builtin(EngineChoice::Auto).expect("builtin");
    let cancel = CancelToken::new();
    let report = import(lib.connection_mut(), &records, &analyzer, "test.csv", &NoProgress, &cancel).expect("import");
    assert_eq!((report.imported, report.linked, report.duplicates), (4, 3, 0));
    let again = import(lib.connection_mut(), &records, &analyzer, "test.csv", &NoProgress, &cancel).expect("import");
    assert_eq!((again.imported, again.duplicates), (0, 4));

    let stored = list(lib.connection(), &id.to_string()).expect("list");
    assert_eq!(stored.len(), 3);
    assert_eq!(stored[0].label, "positive");
    assert_eq!(stored[1].engine, "chinese");
    assert_eq!(stored[2].label, "negative");

    let dist = distribution(lib.connection(), &id.to_string(), BucketSize::Auto).expect("distribution");
    assert_eq!(dist.bucket, BucketSize::Hour);
    // 10:00, 11:00 (empty, kept for a true time axis), 12:00.
    assert_eq!(dist.buckets.len(), 3);
    assert_eq!(dist.buckets[0].start, "2024-05-01T10:00:00Z");
    assert_eq!((dist.buckets[1].positive, dist.buckets[1].negative), (0, 0));
    assert_eq!((dist.buckets[2].positive, dist.buckets[2].negative), (1, 1));
    assert_eq!(dist.total, 3);

    let other = distribution(lib.connection(), "elsewhere", BucketSize::Day).expect("unlinked ref");
    assert_eq!((other.undated.neutral + other.undated.positive, other.buckets.len()), (1, 0));
    assert!(distribution(lib.connection(), "nothing-here", BucketSize::Day).is_err());
}

#[test]
fn unreadable_files_are_clear_errors() {
    let dir = tempfile::tempdir().expect("tempdir");
    let bad = dir.path().join("c.jsonl");
    std::fs::write(&bad, "{\"text\": \"hi\", \"article\": 1}\nnot json\n").expect("write");
    let err = read_file(&bad, None).expect_err("malformed");
    assert_eq!(err.code(), "format");
    assert!(err.to_string().contains("line 2"), "{err}");
    let empty = dir.path().join("e.csv");
    std::fs::write(&empty, "article,text\n").expect("write");
    assert!(read_file(&empty, None).expect_err("empty").to_string().contains("no comments"));
    let odd = dir.path().join("c.xml");
    std::fs::write(&odd, "<x/>").expect("write");
    assert!(read_file(&odd, None).is_err());
    assert_eq!(read_file(&dir.path().join("missing.csv"), None).expect_err("missing").code(), "io");
}
