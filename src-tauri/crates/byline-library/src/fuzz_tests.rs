//! Fuzz targets (see the byline-fuzz crate): every importer through `parse_file`, the search query builder
//! against a real FTS5 index, and Markdown → safe HTML. `BYLINE_FUZZ_SECONDS` sets the time per target
//! (3 s by default, so `cargo test` stays quick); `cargo xtask fuzz --seconds N` runs them longer.

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::{ArticleFields, Library};

fn seeds(target: &str) -> Vec<Vec<u8>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus").join(target);
    let seeds = byline_fuzz::corpus(&dir);
    assert!(!seeds.is_empty(), "no corpus in {}", dir.display());
    seeds
}

/// An importer is fine with any bytes as long as it returns (records or an error) without panicking or hanging.
fn importer(target: &str, file_name: &'static str) {
    let path = PathBuf::from(file_name);
    byline_fuzz::check(target, &seeds(target), Duration::from_secs(5), move |bytes| {
        if let Ok(records) = crate::import::parse_file(&path, bytes) {
            for record in records {
                if let Ok(fields) = record.result {
                    assert!(!fields.title.is_empty() || !fields.body.is_empty(), "an article with nothing in it");
                }
            }
        }
    });
}

#[test]
fn fuzz_import_md() {
    importer("import_md", "story.md");
}

#[test]
fn fuzz_import_txt() {
    importer("import_txt", "story.txt");
}

#[test]
fn fuzz_import_html() {
    importer("import_html", "page.html");
}

#[test]
fn fuzz_import_jsonl() {
    importer("import_jsonl", "feed.jsonl");
}

#[test]
fn fuzz_import_csv() {
    importer("import_csv", "sheet.csv");
}

#[test]
fn fuzz_import_wxr() {
    importer("import_wxr", "export.xml");
}

/// Whatever a person types, the query builder must hand SQLite a query it accepts.
#[test]
fn fuzz_search_query() {
    let mut library = Library::open_in_memory().expect("library");
    for (title, body) in [
        ("Council passes budget", "The council voted on Tuesday. Café naïve résumé."),
        ("关于我们", "我们是一家独立的新闻机构，报道本地新闻。"),
        ("Quotes \"and\" stars*", "NEAR OR AND NOT column:value ^start -minus"),
    ] {
        let fields = ArticleFields { title: title.into(), body: body.into(), ..Default::default() };
        library.create(&fields).expect("create");
    }
    byline_fuzz::check("search_query", &seeds("search_query"), Duration::from_secs(2), move |bytes| {
        let query = String::from_utf8_lossy(bytes);
        if let Err(e) = library.search(&query, 5) {
            panic!("search for {query:?} failed: {e}");
        }
    });
}

/// The HTML must never carry active content, whatever the Markdown: parsed back, it has no script-like
/// elements, no event-handler attributes and no `javascript:` links.
#[test]
fn fuzz_markdown_html() {
    byline_fuzz::check("markdown_html", &seeds("markdown_html"), Duration::from_secs(5), |bytes| {
        let html = crate::export::markdown_to_safe_html(&String::from_utf8_lossy(bytes));
        let doc = scraper::Html::parse_fragment(&html);
        for node in doc.tree.nodes() {
            let Some(el) = node.value().as_element() else { continue };
            let name = el.name().to_ascii_lowercase();
            assert!(!["script", "iframe", "object", "embed", "style"].contains(&name.as_str()), "<{name}> in {html}");
            for (attr, value) in el.attrs() {
                let attr = attr.to_ascii_lowercase();
                assert!(!attr.starts_with("on"), "{attr} on <{name}> in {html}");
                let value: String = value.chars().filter(|c| !c.is_whitespace()).collect();
                assert!(!value.to_ascii_lowercase().starts_with("javascript:"), "{attr}={value} in {html}");
            }
        }
    });
}
