//! Native open and save dialogs, opened from here rather than from the page: whatever the user chooses is
//! recorded in the state's [`byline_core::PathGrants`], and the commands that read or write a file the page
//! names accept only those (and files dropped on the window, recorded in `lib.rs`).
use std::path::{Path, PathBuf};

use serde::Deserialize;
use tauri::{AppHandle, Runtime, State};
use tauri_plugin_dialog::{DialogExt, FilePath};

use crate::error::CommandResult;
use crate::state::{AppState, blocking};

/// What the user is choosing a file or folder for; each has its title and filter.
#[derive(Clone, Copy, Debug, Deserialize, ts_rs::TS)]
#[serde(rename_all = "kebab-case")]
pub enum OpenPurpose {
    ImportFiles,
    ImportFolder,
    ModelFile,
    ModelFolder,
    CommentsFile,
    AudioFile,
    ImageFile,
}

/// What the user is saving.
#[derive(Clone, Copy, Debug, Deserialize, ts_rs::TS)]
#[serde(rename_all = "kebab-case")]
pub enum SavePurpose {
    ArticleMarkdown,
    ArticleHtml,
    Transcript,
    Audio,
}

const AUDIO: &[&str] = &["wav", "mp3", "m4a", "aac", "flac", "ogg", "oga", "mp4", "mov", "mkv", "webm"];
const ARTICLES: &[&str] = &["md", "markdown", "txt", "html", "htm", "jsonl", "ndjson", "csv", "xml"];

/// Title, filter (name and extensions; none for folders) and whether several may be chosen.
fn open_dialog(purpose: OpenPurpose) -> (&'static str, Option<(&'static str, &'static [&'static str])>, bool) {
    match purpose {
        OpenPurpose::ImportFiles => ("Import articles", Some(("Articles", ARTICLES)), true),
        OpenPurpose::ImportFolder => ("Import a folder", None, true),
        OpenPurpose::ModelFile => {
            ("Import a model file", Some(("Model files", &["gguf", "bin", "safetensors"])), false)
        }
        OpenPurpose::ModelFolder => ("Import a model folder", None, false),
        OpenPurpose::CommentsFile => {
            ("Import readers' comments", Some(("Comments", &["csv", "jsonl", "ndjson", "json"])), false)
        }
        OpenPurpose::AudioFile => ("Transcribe a recording", Some(("Audio and video", AUDIO)), false),
        OpenPurpose::ImageFile => ("Start from a picture", Some(("Images", &["png", "jpg", "jpeg"])), false),
    }
}

fn save_dialog(purpose: SavePurpose) -> (&'static str, Vec<(&'static str, &'static [&'static str])>) {
    match purpose {
        SavePurpose::ArticleMarkdown => ("Export article", vec![("Markdown", &["md"])]),
        SavePurpose::ArticleHtml => ("Export article", vec![("HTML", &["html"])]),
        SavePurpose::Transcript => ("Export transcript", vec![]),
        SavePurpose::Audio => {
            ("Export audio version", vec![("Ogg Vorbis (to publish)", &["ogg"]), ("WAV (to edit)", &["wav"])])
        }
    }
}

fn paths(picked: Vec<FilePath>) -> Vec<PathBuf> {
    picked.into_iter().filter_map(|p| p.into_path().ok()).collect()
}

/// Opens the native dialog for `purpose` and returns what the user chose (nothing when they cancelled);
/// from then on the page may name those files, and anything inside those folders, for reading.
#[tauri::command]
pub async fn pick_open<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    purpose: OpenPurpose,
) -> CommandResult<Vec<PathBuf>> {
    let picked = match test_answer(state.paths.root())? {
        Some(answer) => answer,
        None => {
            let (title, filter, multiple) = open_dialog(purpose);
            let mut dialog = app.dialog().file().set_title(title);
            if let Some((name, extensions)) = filter {
                dialog = dialog.add_filter(name, extensions);
            }
            let folder = filter.is_none();
            // The blocking calls wait on a worker thread while the dialog runs on the main one.
            blocking("choosing a file", move || {
                let picked = match (folder, multiple) {
                    (true, true) => dialog.blocking_pick_folders(),
                    (true, false) => dialog.blocking_pick_folder().map(|p| vec![p]),
                    (false, true) => dialog.blocking_pick_files(),
                    (false, false) => dialog.blocking_pick_file().map(|p| vec![p]),
                };
                Ok(picked.map(paths).unwrap_or_default())
            })
            .await?
        }
    };
    state.grants.allow_read(&picked);
    Ok(picked)
}

/// Opens the native save dialog (which asks before replacing a file) with `default_name`; from then on the
/// page may have that one file written.
#[tauri::command]
pub async fn pick_save<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    purpose: SavePurpose,
    default_name: String,
) -> CommandResult<Option<PathBuf>> {
    let picked = match test_answer(state.paths.root())? {
        Some(answer) => answer.into_iter().next(),
        None => {
            let (title, filters) = save_dialog(purpose);
            let mut dialog = app.dialog().file().set_title(title).set_file_name(default_name);
            for (name, extensions) in filters {
                dialog = dialog.add_filter(name, extensions);
            }
            blocking("choosing where to save", move || Ok(dialog.blocking_save_file().and_then(|p| p.into_path().ok())))
                .await?
        }
    };
    if let Some(path) = &picked {
        state.grants.allow_write(path);
    }
    Ok(picked)
}

/// The tests' stand-in for the user at a native dialog, which WebDriver cannot drive: in a debug build, a
/// JSON list of paths in `test-picks.json` in the data folder answers the next dialog instead of the user
/// (the file is taken, so each answer serves one dialog; an empty list is a cancel). Release builds ignore
/// the file and always show the dialog.
fn test_answer(home: &Path) -> CommandResult<Option<Vec<PathBuf>>> {
    if !cfg!(debug_assertions) {
        return Ok(None);
    }
    let file = home.join("test-picks.json");
    let Ok(text) = std::fs::read_to_string(&file) else { return Ok(None) };
    let _ = std::fs::remove_file(&file);
    let answer: Vec<PathBuf> = serde_json::from_str(&text)
        .map_err(|e| byline_core::Error::InvalidInput(format!("{} is not a list of paths: {e}", file.display())))?;
    Ok(Some(answer))
}
