//! Imports files and folders into the library: walks, parses, deduplicates and commits in
//! batches, so a crash loses at most the batch in flight and never leaves half an article.
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use byline_core::{CancelToken, Progress, Reporter, Result};
use rusqlite::OptionalExtension;
use serde::{Deserialize, Serialize};

use crate::db::DbResultExt;
use crate::import;
use crate::library::{Library, content_hash, insert_article};

/// Articles written per transaction.
const BATCH: usize = 200;
/// Longest time one transaction holds the write lock. A save from the editor waits for the lock (the
/// library's transactions take it up front, with a busy timeout), so this bounds how long a save can
/// wait behind an import, whatever the size of the files.
const BATCH_TIME: Duration = Duration::from_millis(250);
/// Files larger than this are refused before reading (container exports included).
const MAX_FILE_BYTES: u64 = 1024 * 1024 * 1024;

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct ImportSummary {
    pub imported: Vec<Imported>,
    pub duplicates: Vec<Duplicate>,
    pub errors: Vec<ImportError>,
    /// True when the import was cancelled; what was committed before stays.
    pub cancelled: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct Imported {
    pub path: String,
    pub id: i64,
    pub title: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct Duplicate {
    pub path: String,
    pub title: String,
    pub existing_id: i64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct ImportError {
    pub path: String,
    /// Where in a container file ("line 12"); `None` for the whole file.
    pub location: Option<String>,
    pub message: String,
}

/// Expands folders (recursively, sorted, importable files only, hidden ones skipped). A file
/// named explicitly is always attempted so that an unsupported type gets a clear error.
fn collect_files(paths: &[PathBuf], summary: &mut ImportSummary) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for path in paths {
        if path.is_dir() {
            let walker = walkdir::WalkDir::new(path)
                .sort_by_file_name()
                .into_iter()
                .filter_entry(|e| e.depth() == 0 || !e.file_name().to_string_lossy().starts_with('.'));
            for entry in walker {
                match entry {
                    Ok(e) if e.file_type().is_file() && import::is_importable(e.path()) => files.push(e.into_path()),
                    Ok(_) => {}
                    Err(e) => summary.errors.push(ImportError {
                        path: e.path().unwrap_or(path).display().to_string(),
                        location: None,
                        message: e.to_string(),
                    }),
                }
            }
        } else if path.exists() {
            files.push(path.clone());
        } else {
            summary.errors.push(ImportError {
                path: path.display().to_string(),
                location: None,
                message: "no such file or folder".into(),
            });
        }
    }
    files
}

fn read_file(path: &Path) -> std::result::Result<Vec<u8>, String> {
    let meta = std::fs::metadata(path).map_err(|e| e.to_string())?;
    if meta.len() > MAX_FILE_BYTES {
        return Err(format!("file is {} MB, more than the {} MB import limit", meta.len() >> 20, MAX_FILE_BYTES >> 20));
    }
    std::fs::read(path).map_err(|e| e.to_string())
}

impl Library {
    /// Imports files and folders. Per-file problems go into the summary and the import goes
    /// on; only database failures (disk full, corrupt file) abort it, rolling back the batch.
    pub fn import_paths(
        &mut self,
        paths: &[PathBuf],
        reporter: &dyn Reporter,
        cancel: &CancelToken,
    ) -> Result<ImportSummary> {
        let mut summary = ImportSummary::default();
        let files = collect_files(paths, &mut summary);
        let total = files.len() as u64;
        reporter.on_start(Some(total), "Importing");

        // The write transaction opens at the first insert of a batch, not while files are read and parsed.
        let mut batch: Option<(rusqlite::Transaction<'_>, Instant)> = None;
        let mut pending = 0usize;
        for (index, file) in files.iter().enumerate() {
            if cancel.is_cancelled() {
                summary.cancelled = true;
                break;
            }
            let path_text = file.display().to_string();
            reporter.on_progress(&Progress { done: index as u64, total: Some(total), message: path_text.clone() });
            let records = match read_file(file).and_then(|bytes| import::parse_file(file, &bytes)) {
                Ok(records) => records,
                Err(message) => {
                    summary.errors.push(ImportError { path: path_text, location: None, message });
                    continue;
                }
            };
            for record in records {
                let fields = match record.result {
                    Ok(f) => f,
                    Err(message) => {
                        summary.errors.push(ImportError {
                            path: path_text.clone(),
                            location: record.location,
                            message,
                        });
                        continue;
                    }
                };
                let hash = content_hash(&fields);
                // unchecked_transaction borrows the connection shared, so a batch can be reopened in the loop;
                // SQLite itself refuses a nested BEGIN, and `batch` is committed before the next one opens.
                let (tx, _) = match &mut batch {
                    Some(open) => open,
                    None => batch.insert((self.conn.unchecked_transaction().db()?, Instant::now())),
                };
                // The transaction sees its own inserts, so duplicates inside one batch are caught too.
                let existing: Option<i64> = tx
                    .query_row("SELECT id FROM articles WHERE content_hash = ?1 LIMIT 1", [&hash], |r| r.get(0))
                    .optional()
                    .db()?;
                if let Some(existing_id) = existing {
                    summary.duplicates.push(Duplicate { path: path_text.clone(), title: fields.title, existing_id });
                } else {
                    let id = insert_article(tx, &fields, Some(&path_text), &hash)?;
                    summary.imported.push(Imported { path: path_text.clone(), id, title: fields.title });
                    pending += 1;
                }
                // Inside a container file (JSONL, WXR, CSV) too: one file is never one long transaction.
                if pending >= BATCH || batch.as_ref().is_some_and(|(_, opened)| opened.elapsed() >= BATCH_TIME) {
                    if let Some((tx, _)) = batch.take() {
                        tx.commit().db()?;
                    }
                    pending = 0;
                }
            }
        }
        if let Some((tx, _)) = batch.take() {
            tx.commit().db()?;
        }
        let done = if summary.cancelled { "Import cancelled" } else { "Import finished" };
        reporter.on_done(done);
        Ok(summary)
    }
}
