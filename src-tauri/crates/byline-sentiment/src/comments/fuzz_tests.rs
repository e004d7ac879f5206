//! Fuzz targets (see the byline-fuzz crate) for the readers' comments importers, CSV and JSON Lines, with
//! and without a default article. `BYLINE_FUZZ_SECONDS` sets the time per target.

use std::path::Path;
use std::time::Duration;

fn seeds(target: &str) -> Vec<Vec<u8>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus").join(target);
    let seeds = byline_fuzz::corpus(&dir);
    assert!(!seeds.is_empty(), "no corpus in {}", dir.display());
    seeds
}

fn parser(target: &str, parse: fn(&str, Option<&str>) -> Result<Vec<super::CommentRecord>, String>) {
    byline_fuzz::check(target, &seeds(target), Duration::from_secs(5), move |bytes| {
        let text = String::from_utf8_lossy(bytes);
        // An odd length fuzzes the path where the file names no article and none is given.
        let default_article = (bytes.len() % 2 == 0).then_some("https://example.com/story");
        let _ = parse(&text, default_article);
    });
}

#[test]
fn fuzz_comments_csv() {
    parser("comments_csv", super::parse_csv);
}

#[test]
fn fuzz_comments_jsonl() {
    parser("comments_jsonl", super::parse_jsonl);
}
