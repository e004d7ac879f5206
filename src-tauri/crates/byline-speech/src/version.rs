//! Audio versions of articles: the whole text written to a file, then kept as the article's attachment with
//! how it was made.

use std::path::Path;

use byline_core::{CancelToken, Error, Progress, Reporter, Result};
use byline_library::{Attachment, AttachmentKind, Library, sha256_file};
use serde::Serialize;

use crate::audio::{AudioFormat, AudioWriter};
use crate::engine::{SpeechEngine, speak};
use crate::text::Sentence;

/// What was written.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct AudioVersion {
    pub path: String,
    pub sha256: String,
    pub seconds: f64,
    pub sentences: usize,
    pub sample_rate: u32,
    pub mime: &'static str,
}

/// Speaks every sentence into `path` (.wav or .ogg). Progress counts sentences; `on_sentence` sees each one
/// as it is written. On cancel or error the partial file is removed.
pub fn write_audio(
    sentences: &[Sentence],
    engine: &dyn SpeechEngine,
    path: &Path,
    reporter: &dyn Reporter,
    cancel: &CancelToken,
) -> Result<AudioVersion> {
    if sentences.is_empty() {
        return Err(Error::InvalidInput("there is no text to read aloud".into()));
    }
    let format = AudioFormat::from_path(path)?;
    let mut writer = AudioWriter::create(path, engine.sample_rate())?;
    let total = sentences.len() as u64;
    reporter.on_start(Some(total), "Reading aloud");
    let mut done = 0u64;
    let result = speak(sentences, engine, cancel, &mut |spoken| {
        writer.write(&spoken.samples)?;
        done += 1;
        reporter.on_progress(&Progress { done, total: Some(total), message: spoken.sentence.text.clone() });
        Ok(())
    });
    let samples = match result {
        Ok(samples) => samples,
        Err(e) => {
            writer.abandon();
            return Err(e);
        }
    };
    let written = writer.finish()?;
    reporter.on_done("Audio written");
    Ok(AudioVersion {
        path: written.to_string_lossy().into_owned(),
        sha256: sha256_file(&written)?,
        seconds: samples as f64 / engine.sample_rate() as f64,
        sentences: sentences.len(),
        sample_rate: engine.sample_rate(),
        mime: format.mime(),
    })
}

/// Records a written audio version as an attachment of the article, with its voice settings.
pub fn save_audio_version(
    library: &mut Library,
    article_id: i64,
    version: &AudioVersion,
    engine_description: &serde_json::Value,
) -> Result<Attachment> {
    let metadata = serde_json::json!({
        "audio_version": true,
        "seconds": version.seconds,
        "sentences": version.sentences,
        "sample_rate": version.sample_rate,
        "engine": engine_description,
        "created": chrono::Utc::now().to_rfc3339(),
    });
    library.add_attachment(
        article_id,
        AttachmentKind::Audio,
        &version.path,
        &version.sha256,
        Some(version.mime),
        &metadata,
    )
}
