//! Finding the GGUF file to run: an explicit path wins, then an installed model by id, then the first
//! installed language model.

use std::path::{Path, PathBuf};

use byline_core::{Error, Result};
use byline_models::Store;
use byline_models::Task;
use serde::Serialize;

/// An installed language model, as the assistant panel lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct InstalledLlm {
    pub id: String,
    pub name: String,
    pub file: PathBuf,
}

/// The first `.gguf` file in a model folder (sorted, so the choice is stable).
pub fn gguf_in(dir: &Path) -> Result<PathBuf> {
    let entries = std::fs::read_dir(dir).map_err(|e| Error::io(format!("listing {}", dir.display()), e))?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x.eq_ignore_ascii_case("gguf")))
        .collect();
    files.sort();
    files.into_iter().next().ok_or_else(|| Error::InvalidInput(format!("{} holds no .gguf file", dir.display())))
}

/// Installed language models with their GGUF files.
pub fn installed(store: &Store) -> Result<Vec<InstalledLlm>> {
    let mut out = Vec::new();
    for m in store.list()? {
        let is_llm = m.task == Some(Task::Llm) || m.format == Some(byline_models::Format::Gguf);
        if m.installed && is_llm {
            let Some(dir) = m.path else { continue };
            if let Ok(file) = gguf_in(&dir) {
                out.push(InstalledLlm { id: m.id, name: m.name, file });
            }
        }
    }
    Ok(out)
}

pub const NO_MODEL: &str = "no language model is installed; install one on the Models screen or with \
`byline models pull smollm2-135m-instruct-q4_1`";

pub fn resolve(store: &Store, model_id: Option<&str>, model_path: Option<&Path>) -> Result<PathBuf> {
    if let Some(path) = model_path {
        return if path.is_dir() { gguf_in(path) } else { Ok(path.to_path_buf()) };
    }
    if let Some(id) = model_id {
        return gguf_in(&store.path(id)?);
    }
    installed(store)?.into_iter().next().map(|m| m.file).ok_or_else(|| Error::not_found("language model", NO_MODEL))
}
