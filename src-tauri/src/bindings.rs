//! The contract with the UI, generated: TypeScript for every type a command takes, returns or streams,
//! written by ts-rs from the Rust types into `ui/src/lib/bindings/` (one file per type, and `index.ts`).
//! The UI imports its types from there, so a Rust change that the UI does not follow fails `npm run check`,
//! and the test below fails when the committed files differ from the Rust types.
//!
//! After changing a type: `BYLINE_BLESS_BINDINGS=1 cargo test -p byline-app --lib bindings`.

use std::any::TypeId;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use ts_rs::{Config, Dependency, TS, TypeVisitor};

/// Calls `$f::<T>()` for every type that crosses the IPC boundary at the top level (their fields' types
/// follow as dependencies).
macro_rules! contract {
    ($visit:ident) => {{
        use crate::commands::{assistant, files, images, sentiment, speech, transcribe};
        // The shell's own.
        $visit.visit::<crate::error::CommandError>();
        $visit.visit::<assistant::AssistantRequest>();
        $visit.visit::<assistant::AssistantEvent>();
        $visit.visit::<assistant::AssistantResult>();
        $visit.visit::<images::ImageJob>();
        $visit.visit::<images::ImageEvent>();
        $visit.visit::<images::GalleryImage>();
        $visit.visit::<sentiment::DraftSentiment>();
        $visit.visit::<speech::VoiceOptions>();
        $visit.visit::<speech::SpeechEvent>();
        $visit.visit::<transcribe::TranscribeEvent>();
        $visit.visit::<files::OpenPurpose>();
        $visit.visit::<files::SavePurpose>();
        $visit.visit::<byline_transcribe::take::Meter>();
        // Settings, progress, device.
        $visit.visit::<byline_core::Settings>();
        $visit.visit::<byline_core::Progress>();
        $visit.visit::<byline_device::DeviceReport>();
        // Library.
        $visit.visit::<byline_library::Article>();
        $visit.visit::<byline_library::ArticleFields>();
        $visit.visit::<byline_library::ArticleSummary>();
        $visit.visit::<byline_library::SearchHit>();
        $visit.visit::<byline_library::Revision>();
        $visit.visit::<byline_library::ImportSummary>();
        $visit.visit::<byline_library::Attachment>();
        // Models.
        $visit.visit::<byline_models::ModelInfo>();
        $visit.visit::<byline_models::InstallManifest>();
        $visit.visit::<byline_models::VerifyReport>();
        $visit.visit::<byline_models::warm::WarmInfo>();
        $visit.visit::<byline_models::setup::SetupPlan>();
        // Drafting.
        $visit.visit::<byline_draft::resolve::InstalledLlm>();
        $visit.visit::<byline_draft::TaskTemplate>();
        $visit.visit::<byline_draft::history::GenerationRecord>();
        $visit.visit::<byline_draft::GenerateParams>();
        $visit.visit::<byline_draft::Source>();
        // Related articles.
        $visit.visit::<byline_related::RelatedResult>();
        $visit.visit::<byline_related::RankOptions>();
        $visit.visit::<byline_related::Feedback>();
        $visit.visit::<byline_related::IndexStats>();
        $visit.visit::<byline_library::usage::UsageSummary>();
        // Quotes.
        $visit.visit::<byline_quotes::QuotesReport>();
        $visit.visit::<byline_quotes::SearchHit>();
        // Tone.
        $visit.visit::<byline_sentiment::speakers::Segment>();
        $visit.visit::<byline_sentiment::speakers::TranscriptSentiment>();
        $visit.visit::<byline_sentiment::comments::StoredComment>();
        $visit.visit::<byline_sentiment::comments::ImportReport>();
        $visit.visit::<byline_sentiment::comments::Distribution>();
        $visit.visit::<byline_sentiment::comments::BucketSize>();
        // Read-aloud.
        $visit.visit::<byline_speech::EspeakVoiceInfo>();
        $visit.visit::<byline_speech::AudioVersion>();
        // Transcription.
        $visit.visit::<byline_transcribe::store::StoredTranscript>();
        $visit.visit::<byline_transcribe::store::TranscriptSummary>();
        $visit.visit::<byline_transcribe::voices::VoiceProfile>();
        $visit.visit::<byline_transcribe::speakers::SpeakerTime>();
        $visit.visit::<byline_transcribe::Transcript>();
        $visit.visit::<byline_transcribe::Options>();
        $visit.visit::<byline_transcribe::export::ExportOptions>();
        $visit.visit::<byline_transcribe::record::RecordSummary>();
        $visit.visit::<byline_transcribe::record::InputDevice>();
        $visit.visit::<byline_transcribe::live::LiveUpdate>();
    }};
}

fn config(dir: &Path) -> Config {
    // JSON numbers: the ids and counts the UI gets fit in a double.
    Config::new().with_large_int("number").with_out_dir(dir)
}

/// Every exported type and its dependencies, by output file, with the Rust types behind each file (two
/// means two types would overwrite each other).
struct Collect {
    cfg: Config,
    seen: Vec<TypeId>,
    files: BTreeMap<PathBuf, Vec<&'static str>>,
}

impl TypeVisitor for Collect {
    fn visit<T: TS + 'static + ?Sized>(&mut self) {
        if self.seen.contains(&TypeId::of::<T>()) {
            return;
        }
        self.seen.push(TypeId::of::<T>());
        if let Some(dep) = Dependency::from_ty::<T>(&self.cfg) {
            let name = std::any::type_name::<T>();
            // ts-rs's own stand-in for serde_json::Value shares its file, and is the same type there.
            if !name.starts_with("ts_rs::") {
                self.files.entry(dep.output_path).or_default().push(name);
            }
        }
        T::visit_dependencies(self);
        T::visit_generics(self);
    }
}

struct Export {
    cfg: Config,
    result: Result<(), String>,
}

impl TypeVisitor for Export {
    fn visit<T: TS + 'static + ?Sized>(&mut self) {
        if self.result.is_ok() {
            self.result = T::export_all(&self.cfg).map_err(|e| format!("{}: {e}", std::any::type_name::<T>()));
        }
    }
}

/// Writes the bindings into `dir`: one file per type and an `index.ts` that re-exports them all.
pub fn export(dir: &Path) -> Result<Vec<PathBuf>, String> {
    let mut collect = Collect { cfg: config(dir), seen: Vec::new(), files: BTreeMap::new() };
    contract!(collect);
    let clashes: Vec<String> = collect
        .files
        .iter()
        .filter(|(_, types)| types.len() > 1)
        .map(|(file, types)| format!("{} ← {}", file.display(), types.join(", ")))
        .collect();
    if !clashes.is_empty() {
        return Err(format!("types with the same TypeScript name (rename one with #[ts(rename)]): {clashes:?}"));
    }
    let mut export = Export { cfg: config(dir), result: Ok(()) };
    contract!(export);
    export.result?;
    let files: Vec<PathBuf> = collect.files.into_keys().collect();
    let mut index = String::from("// Generated from the Rust types by src-tauri/src/bindings.rs. Do not edit.\n");
    for file in &files {
        let name = file.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
        let module = file.with_extension("").to_string_lossy().replace('\\', "/");
        index.push_str(&format!("export type {{ {name} }} from './{module}';\n"));
    }
    std::fs::write(dir.join("index.ts"), index).map_err(|e| format!("writing index.ts: {e}"))?;
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every file under `dir`, by its path relative to `dir`.
    fn read_dir(dir: &Path) -> BTreeMap<PathBuf, String> {
        fn walk(root: &Path, dir: &Path, into: &mut BTreeMap<PathBuf, String>) {
            for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
                let path = entry.path();
                if path.is_dir() {
                    walk(root, &path, into);
                } else if let Ok(relative) = path.strip_prefix(root) {
                    into.insert(relative.to_path_buf(), std::fs::read_to_string(&path).unwrap_or_default());
                }
            }
        }
        let mut files = BTreeMap::new();
        walk(dir, dir, &mut files);
        files
    }

    #[test]
    fn bindings_match_the_rust_types() {
        let committed = Path::new(env!("CARGO_MANIFEST_DIR")).join("../ui/src/lib/bindings");
        let fresh = tempfile::tempdir().expect("tempdir");
        let files = export(fresh.path()).expect("export");
        assert!(files.len() > 50, "{} types", files.len());
        if std::env::var_os("BYLINE_BLESS_BINDINGS").is_some() {
            let _ = std::fs::remove_dir_all(&committed);
            std::fs::create_dir_all(&committed).expect("mkdir");
            for (name, text) in read_dir(fresh.path()) {
                let path = committed.join(name);
                std::fs::create_dir_all(path.parent().expect("a folder")).expect("mkdir");
                std::fs::write(path, text).expect("write binding");
            }
        }
        let (want, have) = (read_dir(fresh.path()), read_dir(&committed));
        let differ: Vec<&PathBuf> = want
            .keys()
            .chain(have.keys())
            .filter(|name| want.get(*name) != have.get(*name))
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        assert!(
            differ.is_empty(),
            "ui/src/lib/bindings differs from the Rust types in {differ:?}; \
             run `BYLINE_BLESS_BINDINGS=1 cargo test -p byline-app --lib bindings` and commit the result"
        );
    }
}
