//! The transcription workflow the CLI and the app share: load the model (with the voice-activity model
//! when installed), transcribe a file while its hash for the chain of custody is computed alongside, and
//! store the result in the library.

use std::path::Path;

use byline_core::{CancelToken, Error, Reporter, Result};
use byline_library::Library;
use byline_models::Store;

use crate::decode::AudioInfo;
use crate::engine::SegmentSink;
use crate::model::{resolve_model, resolve_speaker_model, resolve_vad};
use crate::options::Options;
use crate::store::{self as tstore, Recording};
use crate::{Engine, Transcript};

/// Loads the Whisper model `model` (a store id or a ggml file) and, when installed, Silero VAD.
pub fn load_engine(store: &Store, model: &str, reporter: &dyn Reporter, cancel: &CancelToken) -> Result<Engine> {
    Ok(Engine::load(&resolve_model(store, model, reporter, cancel)?)?
        .with_vad(resolve_vad(store)?)
        .with_speaker_model(resolve_speaker_model(store)?))
}

/// A transcribed file, and its id in the library when it was stored.
pub struct Transcribed {
    pub transcript: Transcript,
    pub info: AudioInfo,
    pub id: Option<i64>,
}

/// Transcribes `path` and, with `store_in` (the library, and the model name stored with the transcript),
/// stores the transcript with the recording's SHA-256, computed on another thread while Whisper works.
pub fn transcribe_and_store(
    engine: &Engine,
    store_in: Option<(&Library, &str)>,
    path: &Path,
    opts: &Options,
    reporter: &dyn Reporter,
    cancel: &CancelToken,
    on_segment: Option<SegmentSink<'_>>,
) -> Result<Transcribed> {
    let (transcribed, hash) = std::thread::scope(|scope| {
        let hash = store_in.map(|_| scope.spawn(|| tstore::sha256_file(path)));
        let transcribed = engine.transcribe_file(path, opts, reporter, cancel, on_segment);
        let stopped = || Error::Unavailable("hashing the recording stopped unexpectedly".into());
        (transcribed, hash.map(|h| h.join().unwrap_or_else(|_| Err(stopped()))))
    });
    let (mut transcript, info) = transcribed?;
    if let Some((lib, _)) = store_in {
        crate::voices::recognise(lib.connection(), &mut transcript)?;
    }
    let id = match (store_in, hash) {
        (Some((lib, model)), Some(sha256)) => {
            let absolute = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
            let rec = Recording {
                path: absolute.to_string_lossy().into_owned(),
                sha256: sha256?,
                duration_s: info.decoded_s,
            };
            Some(tstore::save(lib.connection(), &rec, model, opts, &transcript)?)
        }
        _ => None,
    };
    Ok(Transcribed { transcript, info, id })
}
