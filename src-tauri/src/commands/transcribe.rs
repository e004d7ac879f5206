//! Transcription commands: transcribe a file (progress and partial segments over a channel, cancel through
//! `job_cancel`), stored transcripts, edits, exports, the library's vocabulary, audio for playback, and
//! microphone recording with pause/resume and a level meter.

use std::path::PathBuf;
use std::sync::Arc;

use byline_core::{NoProgress, Progress, Reporter};
use byline_library::Library;
use byline_models::Store;
use byline_models::warm::Wanted;
use byline_transcribe::export::{ExportFormat, ExportOptions, export};
use byline_transcribe::live::LiveUpdate;
use byline_transcribe::record::{self, Control, InputDevice};
use byline_transcribe::store::{self as tstore, StoredTranscript, TranscriptSummary};
use byline_transcribe::take::{Input, Meter, TakeOptions, record_take};
use byline_transcribe::voices::{self, VoiceProfile};
use byline_transcribe::{DEFAULT_MODEL, Options, Segment, Transcript, load_engine, transcribe_and_store};
use serde::Serialize;
use tauri::State;
use tauri::ipc::{Channel, Response};

use crate::error::{CommandError, CommandResult};
use crate::state::{AppState, run_started};

/// What a running transcription streams to the panel.
#[derive(Clone, Serialize, ts_rs::TS)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum TranscribeEvent {
    Progress(Progress),
    Segment(Segment),
}

struct EventReporter(Channel<TranscribeEvent>);

impl Reporter for EventReporter {
    fn on_progress(&self, p: &Progress) {
        let _ = self.0.send(TranscribeEvent::Progress(p.clone()));
    }
}

/// Transcribes `path` with `model` (a store id; default tiny.en), stores it in the library and returns it.
#[tauri::command]
pub async fn transcribe_file(
    state: State<'_, AppState>,
    path: PathBuf,
    model: Option<String>,
    options: Options,
    job_id: String,
    on_event: Channel<TranscribeEvent>,
) -> CommandResult<StoredTranscript> {
    state.grants.check_read(&path)?;
    let paths = state.paths.clone();
    let (registry, slot) = (state.models.registry.clone(), state.models.whisper.clone());
    // The thread count of the device setting, unless the request names one.
    let mut options = options;
    options.threads = options.threads.or(Some(state.device().selected.report.threads));
    state
        .run_job(&job_id, "the transcription", move |cancel| {
            let model = model.unwrap_or_else(|| DEFAULT_MODEL.to_owned());
            let lib = Library::open(&paths.library_db())?;
            options.prompt = tstore::prompt_with_vocabulary(lib.connection(), options.prompt.as_deref())?;
            let store = Store::new(&paths)?;
            let wanted = Wanted {
                key: model.clone(),
                label: format!("the speech recognition model {model}"),
                // Weights plus the encoder's working memory.
                mb: byline_models::size_on_disk_mb(&store.path(&model)?) + 200,
            };
            let load = |_: &[String]| load_engine(&store, &model, &NoProgress, &cancel);
            let events = on_event.clone();
            let done = slot.with(&registry, &wanted, load, |engine| {
                let mut on_segment = |s: &Segment| {
                    let _ = events.send(TranscribeEvent::Segment(s.clone()));
                };
                transcribe_and_store(
                    engine,
                    Some((&lib, model.as_str())),
                    &path,
                    &options,
                    &EventReporter(on_event),
                    &cancel,
                    Some(&mut on_segment),
                )
            })?;
            let id = done.id.ok_or_else(|| byline_core::Error::Database("the transcript was not stored".into()))?;
            Ok(tstore::get(lib.connection(), id)?)
        })
        .await
}

#[tauri::command]
pub async fn transcript_list(state: State<'_, AppState>) -> CommandResult<Vec<TranscriptSummary>> {
    state.with_library(move |lib| tstore::list(lib.connection())).await
}

#[tauri::command]
pub async fn transcript_get(state: State<'_, AppState>, id: i64) -> CommandResult<StoredTranscript> {
    state.with_library(move |lib| tstore::get(lib.connection(), id)).await
}

/// Saves the editable copy (corrected text, speakers); the raw transcript never changes.
#[tauri::command]
pub async fn transcript_save(state: State<'_, AppState>, id: i64, edited: Transcript) -> CommandResult<()> {
    state.with_library(move |lib| tstore::save_edit(lib.connection(), id, &edited)).await
}

/// The voices the reporter has named, which later transcriptions recognise.
#[tauri::command]
pub async fn voices_list(state: State<'_, AppState>) -> CommandResult<Vec<VoiceProfile>> {
    state.with_library(move |lib| voices::list(lib.connection())).await
}

/// Forgets a named voice.
#[tauri::command]
pub async fn voices_delete(state: State<'_, AppState>, name: String) -> CommandResult<Vec<VoiceProfile>> {
    state
        .with_library(move |lib| {
            voices::delete(lib.connection(), &name)?;
            voices::list(lib.connection())
        })
        .await
}

#[tauri::command]
pub async fn transcript_delete(state: State<'_, AppState>, id: i64) -> CommandResult<()> {
    state.with_library(move |lib| tstore::delete(lib.connection(), id)).await
}

/// Writes an export to `dest` (or the app's exports folder) and returns the path written.
#[tauri::command]
pub async fn transcript_export(
    state: State<'_, AppState>,
    id: i64,
    format: String,
    options: Option<ExportOptions>,
    raw: Option<bool>,
    dest: Option<PathBuf>,
) -> CommandResult<PathBuf> {
    let format: ExportFormat = format.parse()?;
    if let Some(dest) = &dest {
        state.grants.check_write(dest)?;
    }
    let exports = state.paths.root().join("exports");
    state
        .with_library(move |lib| {
            let stored = tstore::get(lib.connection(), id)?;
            let t = if raw.unwrap_or(false) { &stored.raw } else { &stored.edited };
            let bytes = export(t, format, options.unwrap_or_default())?;
            match dest {
                // Chosen in the save dialog (checked above), which asked before replacing: replace atomically,
                // never through a link.
                Some(d) => {
                    byline_core::files::replace_atomically(&d, &bytes)?;
                    Ok(d)
                }
                None => {
                    let stem = std::path::Path::new(&stored.recording.path)
                        .file_stem()
                        .map_or_else(|| format!("transcript-{id}"), |s| s.to_string_lossy().into_owned());
                    std::fs::create_dir_all(&exports)
                        .map_err(|e| byline_core::Error::io(format!("creating {}", exports.display()), e))?;
                    byline_core::files::write_to_free_name(&exports, &stem, format.extension(), &bytes)
                }
            }
        })
        .await
}

/// The recording's bytes, for an `<audio>` element (a blob URL) in the editor.
#[tauri::command]
pub async fn transcript_audio(state: State<'_, AppState>, id: i64) -> CommandResult<Response> {
    let bytes = state
        .with_library(move |lib| {
            let stored = tstore::get(lib.connection(), id)?;
            std::fs::read(&stored.recording.path)
                .map_err(|e| byline_core::Error::io(format!("reading {}", stored.recording.path), e))
        })
        .await?;
    Ok(Response::new(bytes))
}

#[tauri::command]
pub async fn transcription_vocabulary(
    state: State<'_, AppState>,
    set: Option<Vec<String>>,
) -> CommandResult<Vec<String>> {
    state
        .with_library(move |lib| {
            if let Some(terms) = set {
                tstore::set_vocabulary(lib.connection(), &terms)?;
            }
            tstore::vocabulary(lib.connection())
        })
        .await
}

// ---------------------------------------------------------------- recording

fn control(state: &AppState, job_id: &str) -> CommandResult<Arc<Control>> {
    state
        .jobs
        .control::<Control>(job_id)
        .ok_or_else(|| CommandError { code: "not_found".into(), message: format!("no recording {job_id}") })
}

#[tauri::command]
pub async fn record_devices() -> Vec<InputDevice> {
    record::input_devices()
}

/// Records into `out` (default: a timestamped file in the app's recordings folder) until `record_stop`;
/// streams the level and, with `live`, the live text from `model` (default tiny.en); returns the summary.
/// Interrupted recordings in that folder are repaired first.
#[tauri::command]
#[allow(clippy::too_many_arguments)]
pub async fn record_start(
    state: State<'_, AppState>,
    out: Option<PathBuf>,
    device: Option<String>,
    job_id: String,
    live: bool,
    model: Option<String>,
    on_level: Channel<Meter>,
    on_live: Channel<LiveUpdate>,
) -> CommandResult<record::RecordSummary> {
    let dir = state.paths.root().join("recordings");
    std::fs::create_dir_all(&dir).map_err(|e| byline_core::Error::io(format!("creating {}", dir.display()), e))?;
    record::recover(&dir)?;
    // The webview may only name a take inside the recordings folder: a page that got a script to run must not
    // be able to record silently to any path. Two takes started in the same second get "recording-… (2).wav";
    // the recorder itself never replaces a file.
    let out = match out {
        Some(path) if path.parent() == Some(dir.as_path()) && path.extension().is_some_and(|e| e == "wav") => path,
        Some(path) => {
            return Err(byline_core::Error::InvalidInput(format!(
                "a recording is kept in the app's recordings folder, not at {}",
                path.display()
            ))
            .into());
        }
        None => byline_core::files::free_name(&dir, &format!("recording-{}", chrono_stamp()), "wav"),
    };
    let job = state.jobs.start(&job_id)?;
    let control = Control::new();
    job.set_control(control.clone());
    let paths = state.paths.clone();
    run_started(job, "the recording", move |cancel| {
        // The models load before the microphone opens, so the first words already show. Without a usable
        // model the take still records; the full pass after Stop says what is missing.
        let live = live.then(|| model.unwrap_or_else(|| DEFAULT_MODEL.to_owned())).and_then(|model| {
            let cancel = byline_core::CancelToken::new();
            let engine = load_engine(&Store::new(&paths).ok()?, &model, &NoProgress, &cancel).ok()?;
            let lib = Library::open(&paths.library_db()).ok()?;
            let prompt = tstore::prompt_with_vocabulary(lib.connection(), None).ok()?;
            Some((engine, Options { prompt, ..Options::default() }))
        });
        let options = TakeOptions {
            input: Input::Device(device),
            live: live.as_ref().map(|(engine, opts)| (engine, opts)),
            limit_s: None,
            meter_every: std::time::Duration::from_millis(100),
        };
        let on_meter = |m: Meter| {
            let _ = on_level.send(m);
        };
        let mut on_live = |u: &LiveUpdate| {
            let _ = on_live.send(u.clone());
        };
        // `job_cancel` stops a recording like the Stop button: what was recorded is kept. A failed live pass
        // only ends the live text; the recording and the full pass after Stop go on.
        let take = record_take(&out, &options, &control, &cancel, &on_meter, &mut on_live)?;
        if let Some(e) = take.live_error {
            tracing::warn!(code = e.code(), "live text stopped: {e}");
        }
        Ok(take.summary)
    })
    .await
}

fn chrono_stamp() -> String {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs()).to_string()
}

#[tauri::command]
pub fn record_pause(state: State<'_, AppState>, job_id: String, paused: bool) -> CommandResult<()> {
    let c = control(&state, &job_id)?;
    if paused {
        c.pause()
    } else {
        c.resume()
    }
    Ok(())
}

#[tauri::command]
pub async fn record_stop(state: State<'_, AppState>, job_id: String) -> CommandResult<()> {
    control(&state, &job_id)?.stop();
    Ok(())
}
