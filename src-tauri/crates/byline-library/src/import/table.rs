//! CSV exports from spreadsheets and CMS tools: a header row, then one article per row.
use serde_json::Value;

use super::fields::{self, BODY_NAMES, Key};
use super::{ParsedRecord, finish};
use crate::model::ArticleFields;

/// Rows are numbered as a spreadsheet shows them: the header is row 1, the first article row 2.
pub(crate) fn parse_csv(text: &str, stem: &str) -> Result<Vec<ParsedRecord>, String> {
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(text.as_bytes());
    let headers = reader.headers().map_err(|e| format!("invalid CSV header: {e}"))?.clone();
    let keys: Vec<Option<Key>> = headers.iter().map(fields::classify).collect();
    if !keys.iter().any(|k| matches!(k, Some(Key::Body | Key::BodyHtml))) {
        let found: Vec<&str> = headers.iter().collect();
        return Err(format!("CSV has no body column (looked for {BODY_NAMES}); columns found: {}", found.join(", ")));
    }
    let mut records = Vec::new();
    for (i, row) in reader.records().enumerate() {
        let location = format!("row {}", i + 2);
        let result = row
            .map_err(|e| format!("invalid CSV: {e}"))
            .and_then(|row| parse_row(&keys, &row, stem))
            .map_err(|e| format!("{location}: {e}"));
        records.push(ParsedRecord { location: Some(location), result });
    }
    Ok(records)
}

fn parse_row(keys: &[Option<Key>], row: &csv::StringRecord, stem: &str) -> Result<ArticleFields, String> {
    let mut f = ArticleFields::default();
    let cells = keys.iter().zip(row.iter()).filter_map(|(k, v)| k.map(|k| (k, v)));
    // Markdown bodies before HTML ones, as in JSON Lines.
    let mut cells: Vec<(Key, &str)> = cells.collect();
    cells.sort_by_key(|(k, _)| *k == Key::BodyHtml);
    for (key, cell) in cells {
        if !cell.trim().is_empty() {
            fields::apply(&mut f, key, &Value::String(cell.to_string()))?;
        }
    }
    finish(f, stem)
}

#[cfg(test)]
mod tests {
    use crate::import::parse_file;
    use std::path::Path;

    #[test]
    fn rows_map_case_insensitively() {
        let csv = "Title,Author,Tags,Body,Published At,Ignored\n\
                   \"Budget, passed\",Ann Lee,\"a; b, c\",\"Line one.\n\nLine two.\",2024-02-03,x\n\
                   市议会,李明,经济,市议会周二投票通过了新预算。,,\n\
                   No body,Bo,,,,\n";
        let records = parse_file(Path::new("a.csv"), csv.as_bytes()).expect("file");
        assert_eq!(records.len(), 3);
        let first = records[0].result.as_ref().expect("first");
        assert_eq!(first.title, "Budget, passed");
        assert_eq!(first.tags, ["a", "b", "c"]);
        assert_eq!(first.body, "Line one.\n\nLine two.");
        assert_eq!(first.published.as_deref(), Some("2024-02-03"));
        let second = records[1].result.as_ref().expect("second");
        assert_eq!(second.language.as_deref(), Some("zh"));
        assert_eq!(records[2].location.as_deref(), Some("row 4"));
        assert_eq!(records[2].result.as_ref().expect_err("no body"), "row 4: no body text");
    }

    #[test]
    fn missing_body_column_lists_columns() {
        let err = parse_file(Path::new("a.csv"), b"title,author\nx,y\n").expect_err("no body");
        assert!(err.contains("no body column") && err.ends_with("columns found: title, author"), "{err}");
    }

    #[test]
    fn gbk_csv_and_truncated_quote() {
        let (bytes, _, _) = encoding_rs::GBK
            .encode("标题,正文\n新闻标题,这是一篇关于经济政策的中文新闻报道的正文内容。\n第二,\"未结束的引号");
        let records = parse_file(Path::new("gbk.csv"), &bytes).expect("file");
        assert_eq!(records[0].result.as_ref().expect("gbk").title, "新闻标题");
        assert_eq!(records.len(), 2);
    }
}
