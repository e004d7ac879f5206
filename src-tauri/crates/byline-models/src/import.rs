//! Bringing models the user already has into the store: a weight file or folder (validated, hashed, then
//! hard-linked or copied; the user's files are never moved) or a Hugging Face cache snapshot (registered in
//! place, without copying).
//!
//! Everything is assembled in a staging folder and renamed into `<models>/<id>` as a whole, manifest
//! included, so a failed import leaves nothing that looks installed.

use std::path::{Path, PathBuf};

use byline_core::{CancelToken, Error, Result};

use crate::catalog::{Catalog, Format, Source, Task};
use crate::formats::check_file;
use crate::manifest::{InstallManifest, InstalledFile, MANIFEST_FILE, ensure_free_space, hash_file, now_rfc3339};

/// Imports a file or folder; a path inside a Hugging Face cache snapshot is registered in place.
pub fn import_path(models_dir: &Path, catalog: &Catalog, path: &Path, cancel: &CancelToken) -> Result<InstallManifest> {
    // Absolute but not canonical: canonicalising would follow a cache snapshot's symlinks into `blobs/`.
    let path = std::path::absolute(path).map_err(|e| Error::io(format!("cannot resolve {}", path.display()), e))?;
    if !path.exists() {
        return Err(Error::not_found("file or folder", path.display()));
    }
    if let Some(snapshot) = hf_snapshot_of(&path) {
        return register_hf_snapshot(models_dir, catalog, &snapshot, cancel);
    }
    let (format, files, root) = if path.is_dir() {
        let (format, files) = scan_folder(&path)?;
        (format, files, path.clone())
    } else {
        let (format, files) = single_file(&path)?;
        (format, files, path.parent().map(Path::to_path_buf).unwrap_or_default())
    };
    let mut installed = Vec::new();
    for rel in &files {
        let (size, sha256) = hash_file(&path_in(&root, rel), cancel)?;
        installed.push(InstalledFile { path: rel.clone(), size, sha256 });
    }
    let id = catalog_match(catalog, &installed).unwrap_or_else(|| local_id(&path));
    let task = catalog.get(&id).map(|e| e.task).or_else(|| infer_task(format, &root, &files));
    let manifest = InstallManifest {
        id: id.clone(),
        name: path.file_name().map(|n| n.to_string_lossy().into_owned()),
        task,
        format: Some(format),
        files: installed,
        installed_at: now_rfc3339(),
        source: "import".into(),
        imported_from: Some(path.clone()),
        location: None,
    };
    install_staged(models_dir, &manifest, |staging| {
        for file in &manifest.files {
            link_or_copy(&path_in(&root, &file.path), &staging.join(&file.path), file.size, cancel)?;
        }
        Ok(())
    })
}

/// Registers a snapshot folder `.../models--ORG--NAME/snapshots/REV` without copying its files.
pub fn register_hf_snapshot(
    models_dir: &Path,
    catalog: &Catalog,
    snapshot: &Path,
    cancel: &CancelToken,
) -> Result<InstallManifest> {
    let repo = hf_repo_name(snapshot)
        .ok_or_else(|| Error::InvalidInput(format!("{} is not a Hugging Face cache snapshot", snapshot.display())))?;
    let (format, files) = scan_folder(snapshot)?;
    let mut installed = Vec::new();
    for rel in &files {
        let (size, sha256) = hash_file(&path_in(snapshot, rel), cancel)?;
        installed.push(InstalledFile { path: rel.clone(), size, sha256 });
    }
    let id = catalog_by_repo(catalog, &repo, &files)
        .unwrap_or_else(|| sanitize_id(&format!("hf-{}", repo.replace('/', "-"))));
    let revision = snapshot.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let task = catalog.get(&id).map(|e| e.task).or_else(|| infer_task(format, snapshot, &files));
    let manifest = InstallManifest {
        id,
        name: Some(repo.clone()),
        task,
        format: Some(format),
        files: installed,
        installed_at: now_rfc3339(),
        source: format!("huggingface cache {repo}@{revision}"),
        imported_from: Some(snapshot.to_path_buf()),
        location: Some(snapshot.to_path_buf()),
    };
    install_staged(models_dir, &manifest, |_| Ok(()))
}

/// A model found in the Hugging Face cache.
#[derive(Clone, Debug, PartialEq, serde::Serialize, ts_rs::TS)]
pub struct HfCached {
    pub repo: String,
    pub snapshot: PathBuf,
}

/// `$HF_HUB_CACHE`, else `$HF_HOME/hub`, else `$XDG_CACHE_HOME/huggingface/hub`, else `~/.cache/huggingface/hub`.
pub fn hf_hub_dir() -> Option<PathBuf> {
    let var = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty()).map(PathBuf::from);
    var("HF_HUB_CACHE")
        .or_else(|| var("HF_HOME").map(|h| h.join("hub")))
        .or_else(|| var("XDG_CACHE_HOME").map(|c| c.join("huggingface/hub")))
        .or_else(|| var("HOME").map(|h| h.join(".cache/huggingface/hub")))
}

/// Lists model snapshots in a hub cache folder: the one `refs/main` names, else the newest.
pub fn scan_hf_cache(hub: &Path) -> Vec<HfCached> {
    let Ok(entries) = std::fs::read_dir(hub) else { return Vec::new() };
    let mut found = Vec::new();
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(rest) = name.strip_prefix("models--") else { continue };
        let repo = rest.replacen("--", "/", 1);
        let snapshots = entry.path().join("snapshots");
        let main = std::fs::read_to_string(entry.path().join("refs/main")).ok().map(|r| snapshots.join(r.trim()));
        let newest = || {
            std::fs::read_dir(&snapshots)
                .ok()?
                .flatten()
                .filter(|e| e.path().is_dir())
                .max_by_key(|e| e.metadata().and_then(|m| m.modified()).ok())
                .map(|e| e.path())
        };
        if let Some(snapshot) = main.filter(|p| p.is_dir()).or_else(newest) {
            found.push(HfCached { repo, snapshot });
        }
    }
    found.sort_by(|a, b| a.repo.cmp(&b.repo));
    found
}

fn hf_snapshot_of(path: &Path) -> Option<PathBuf> {
    path.ancestors().find(|p| hf_repo_name(p).is_some()).map(Path::to_path_buf)
}

fn hf_repo_name(snapshot: &Path) -> Option<String> {
    let parent = snapshot.parent()?;
    if parent.file_name()? != "snapshots" {
        return None;
    }
    let repo_dir = parent.parent()?.file_name()?.to_str()?;
    Some(repo_dir.strip_prefix("models--")?.replacen("--", "/", 1))
}

fn single_file(path: &Path) -> Result<(Format, Vec<String>)> {
    let format = check_file(path)?;
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .ok_or_else(|| Error::InvalidInput(format!("{} has no usable file name", path.display())))?;
    Ok((format, vec![name.to_string()]))
}

/// Lists a folder's files (relative, `/`-separated) and decides its format, validating the weight files.
fn scan_folder(dir: &Path) -> Result<(Format, Vec<String>)> {
    let mut files = Vec::new();
    let allowed = link_root(dir)?;
    collect(dir, "", &mut files, 0, &allowed)?;
    files.sort();
    let has = |name: &str| files.iter().any(|f| f == name);
    let with_ext = |ext: &'static str| files.iter().filter(move |f| f.ends_with(ext));
    for weights in with_ext(".gguf").chain(with_ext(".safetensors")) {
        check_file(&path_in(dir, weights))?;
    }
    let format = if has("model_index.json") {
        Format::Diffusers
    } else if with_ext(".gguf").next().is_some() {
        Format::Gguf
    } else if with_ext(".safetensors").next().is_some() {
        Format::Safetensors
    } else if has("model.bin") && has("config.json") {
        Format::Ctranslate2
    } else if let Some(bin) = with_ext(".bin").next() {
        check_file(&path_in(dir, bin))?
    } else {
        return Err(Error::Format {
            path: dir.to_path_buf(),
            message: "no model files found (looked for .gguf, .safetensors, ggml .bin, CTranslate2 model.bin)".into(),
        });
    };
    Ok((format, files))
}

/// Where links inside a model folder may point: the folder itself, or for a Hugging Face cache snapshot
/// (`models--ORG--NAME/snapshots/REV`, whose files are links into `../../blobs/`) the whole cached repo.
fn link_root(dir: &Path) -> Result<PathBuf> {
    let canonical =
        std::fs::canonicalize(dir).map_err(|e| Error::io(format!("reading folder {}", dir.display()), e))?;
    let in_snapshots = canonical.parent().and_then(Path::file_name).is_some_and(|n| n == "snapshots");
    Ok(match canonical.parent().and_then(Path::parent) {
        Some(repo) if in_snapshots => repo.to_path_buf(),
        _ => canonical,
    })
}

/// Lists a folder's files. A link is followed only to a file inside `allowed` (see [`link_root`]): a link to
/// a private folder elsewhere must not pull its files into the store, and a link to a folder is never
/// followed (`x -> .` multiplied one file into 9,841 entries).
fn collect(dir: &Path, prefix: &str, out: &mut Vec<String>, depth: usize, allowed: &Path) -> Result<()> {
    if depth > 8 {
        return Ok(()); // Model layouts are shallow; deeper trees are not model folders.
    }
    let entries = std::fs::read_dir(dir).map_err(|e| Error::io(format!("reading folder {}", dir.display()), e))?;
    for entry in entries {
        let entry = entry.map_err(|e| Error::io(format!("reading folder {}", dir.display()), e))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') || name == MANIFEST_FILE {
            continue;
        }
        let rel = if prefix.is_empty() { name.clone() } else { format!("{prefix}/{name}") };
        let path = entry.path();
        let own =
            std::fs::symlink_metadata(&path).map_err(|e| Error::io(format!("{} is unreadable", path.display()), e))?;
        if own.is_dir() {
            collect(&path, &rel, out, depth + 1, allowed)?;
        } else if own.is_file() {
            out.push(rel);
        } else if own.file_type().is_symlink() {
            let target = std::fs::canonicalize(&path)
                .map_err(|e| Error::io(format!("{} is unreadable (a broken link?)", path.display()), e))?;
            if !target.starts_with(allowed) {
                return Err(Error::InvalidInput(format!(
                    "{} links outside the model folder (to {}); import the files themselves",
                    path.display(),
                    target.display()
                )));
            }
            if target.is_file() {
                out.push(rel);
            }
            // A link to a folder is skipped: following it can loop, and model layouts do not need it.
        }
    }
    Ok(())
}

fn path_in(root: &Path, rel: &str) -> PathBuf {
    rel.split('/').fold(root.to_path_buf(), |p, c| p.join(c))
}

/// A file identical to a pinned catalog file of a one-file model becomes that model.
fn catalog_match(catalog: &Catalog, files: &[InstalledFile]) -> Option<String> {
    let [file] = files else { return None };
    catalog
        .models
        .iter()
        .find(|m| m.files.len() == 1 && m.files[0].sha256.as_deref() == Some(file.sha256.as_str()))
        .map(|m| m.id.clone())
}

/// A cached repo that a catalog entry downloads from, with all of the entry's files present, is that entry.
fn catalog_by_repo(catalog: &Catalog, repo: &str, files: &[String]) -> Option<String> {
    let needle = format!("/{repo}/resolve/");
    catalog
        .models
        .iter()
        .find(|m| {
            m.files.iter().all(|f| {
                files.contains(&f.path)
                    && f.sources.iter().any(|s| matches!(s, Source::Url(u) if u.url.contains(&needle)))
            })
        })
        .map(|m| m.id.clone())
}

/// What an imported model is for, from its format and (for safetensors folders) `config.json`, so the
/// features that need a model of a task can offer it. `None` when the files do not say.
pub(crate) fn infer_task(format: Format, root: &Path, files: &[String]) -> Option<Task> {
    match format {
        Format::Diffusers => Some(Task::Image),
        Format::Pytorch => Some(Task::Speakers),
        Format::Gguf => Some(Task::Llm),
        Format::Ggml if files.iter().any(|f| crate::formats::is_silero_ggml(&root.join(f))) => Some(Task::Vad),
        Format::Ggml | Format::Ctranslate2 => Some(Task::Whisper),
        Format::Safetensors => {
            if !files.iter().any(|f| f == "config.json") {
                return None;
            }
            let text = std::fs::read_to_string(root.join("config.json")).ok()?;
            let config: serde_json::Value = serde_json::from_str(&text).ok()?;
            let architectures: Vec<&str> = config["architectures"]
                .as_array()
                .map(|a| a.iter().filter_map(|v| v.as_str()).collect())
                .unwrap_or_default();
            let model_type = config["model_type"].as_str().unwrap_or_default();
            if architectures.iter().any(|a| a.ends_with("ForSequenceClassification")) {
                Some(Task::Sentiment)
            } else if model_type.starts_with("parler") || architectures.iter().any(|a| a.contains("ParlerTTS")) {
                Some(Task::Tts)
            } else if matches!(model_type, "bert" | "xlm-roberta" | "distilbert" | "roberta" | "mpnet") {
                Some(Task::Embed)
            } else {
                None
            }
        }
    }
}

fn local_id(path: &Path) -> String {
    let stem = if path.is_dir() { path.file_name() } else { path.file_stem() };
    sanitize_id(&stem.map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "imported".into()))
}

pub(crate) fn sanitize_id(raw: &str) -> String {
    let id: String = raw
        .to_ascii_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') { c } else { '-' })
        .collect();
    // Ids are folder names that every other command checks with `is_safe_id`: an id longer than it allows
    // installed but could then never be removed.
    let id: String = id.trim_start_matches('.').chars().take(MAX_ID_LEN).collect();
    let id = id.trim_end_matches(['-', '.']).to_string();
    if id.is_empty() { "imported".into() } else { id }
}

const MAX_ID_LEN: usize = 100;

fn link_or_copy(src: &Path, dest: &Path, size: u64, cancel: &CancelToken) -> Result<()> {
    cancel.check()?;
    crate::manifest::create_parent(dest)?;
    if std::fs::hard_link(src, dest).is_ok() {
        return Ok(());
    }
    // Different file system (or no hard links): copy, after checking there is room.
    ensure_free_space(dest, size, &format!("copying {}", src.display()))?;
    std::fs::copy(src, dest).map_err(|e| Error::io(format!("copying {} into the model store", src.display()), e))?;
    Ok(())
}

/// Builds `<models>/<id>` in a staging folder, writes the manifest there, then renames the folder into place.
fn install_staged(
    models_dir: &Path,
    manifest: &InstallManifest,
    fill: impl FnOnce(&Path) -> Result<()>,
) -> Result<InstallManifest> {
    let target = models_dir.join(&manifest.id);
    if InstallManifest::read(&target)?.is_some() {
        return Err(Error::InvalidInput(format!(
            "a model with id {} is already installed; remove it first (byline models rm {})",
            manifest.id, manifest.id
        )));
    }
    let staging = models_dir.join(format!(".staging-{}-{}", manifest.id, std::process::id()));
    let _ = std::fs::remove_dir_all(&staging);
    std::fs::create_dir_all(&staging).map_err(|e| Error::io(format!("creating {}", staging.display()), e))?;
    let result = fill(&staging).and_then(|()| manifest.write(&staging)).and_then(|()| {
        // A folder without a manifest is only the leftover of an interrupted pull; the import replaces it.
        if target.exists() {
            std::fs::remove_dir_all(&target).map_err(|e| Error::io(format!("clearing {}", target.display()), e))?;
        }
        std::fs::rename(&staging, &target).map_err(|e| Error::io(format!("moving {} into place", target.display()), e))
    });
    if let Err(e) = result {
        let _ = std::fs::remove_dir_all(&staging);
        return Err(e);
    }
    Ok(manifest.clone())
}

#[cfg(test)]
#[path = "import_tests.rs"]
mod tests;
