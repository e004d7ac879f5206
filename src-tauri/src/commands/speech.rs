//! Read-aloud: play an article through the speakers (the sentence being heard is streamed to the UI for
//! highlighting) or export its audio version.

use std::path::PathBuf;
use std::sync::Arc;

use byline_core::{CancelToken, Error};
use byline_library::{Attachment, Library};
use byline_speech::{
    AudioVersion, Ending, Espeak, EspeakVoiceInfo, Player, PlayerControl, prepare, read_aloud, write_audio,
};
use serde::{Deserialize, Serialize};
use tauri::State;
use tauri::ipc::Channel;

use crate::commands::import::ChannelReporter;
use crate::error::{CommandError, CommandResult};
use crate::state::{AppState, blocking};

/// Voice settings chosen in the UI.
#[derive(Debug, Clone, Deserialize, ts_rs::TS)]
pub struct VoiceOptions {
    pub voice: String,
    pub chinese_voice: String,
    pub rate: u32,
    pub pitch: u32,
    pub speed: f32,
}

impl VoiceOptions {
    fn engine(&self) -> byline_core::Result<Espeak> {
        Espeak::new(&self.voice, &self.chinese_voice, self.rate, self.pitch)
    }
}

/// What the UI hears about a playback.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SpeechEvent {
    /// The text as it will be read, sentence by sentence.
    Prepared {
        sentences: Vec<String>,
    },
    /// The sentence being heard now.
    Speaking {
        index: usize,
    },
    Finished,
    Stopped,
}

#[tauri::command]
pub async fn speech_voices() -> CommandResult<Vec<EspeakVoiceInfo>> {
    blocking("listing voices", || Ok(byline_speech::espeak::voices()?)).await
}

/// Plays `markdown` until it ends or `speech_control(job_id, "stop")` / `job_cancel(job_id)`.
#[tauri::command]
pub async fn speech_play(
    state: State<'_, AppState>,
    job_id: String,
    markdown: String,
    options: VoiceOptions,
    on_event: Channel<SpeechEvent>,
) -> CommandResult<()> {
    let (jobs, id) = (state.jobs.clone(), job_id.clone());
    // The output stream lives on the thread that opened it: the job's worker, for the whole playback. Pause,
    // speed and stop reach the player through the control it registers once the stream is open.
    state
        .run_job(&job_id, "playback", move |cancel| {
            Ok(play(markdown, options, cancel, on_event, |control| jobs.set_control(&id, Arc::new(control)))?)
        })
        .await
}

fn play(
    markdown: String,
    options: VoiceOptions,
    cancel: CancelToken,
    events: Channel<SpeechEvent>,
    ready: impl FnOnce(byline_speech::PlayerControl),
) -> byline_core::Result<()> {
    let sentences = prepare(&markdown);
    if sentences.is_empty() {
        return Err(Error::InvalidInput("there is no text to read aloud".into()));
    }
    let engine = options.engine()?;
    let player = Player::open()?;
    let control = player.control();
    control.set_speed(options.speed);
    ready(control.clone());
    let _ = events.send(SpeechEvent::Prepared { sentences: sentences.iter().map(|s| s.text.clone()).collect() });
    let ending = read_aloud(&sentences, &engine, &player, &cancel, &mut |index| {
        let _ = events.send(SpeechEvent::Speaking { index });
    })?;
    let _ = events.send(match ending {
        Ending::Finished => SpeechEvent::Finished,
        Ending::Stopped => SpeechEvent::Stopped,
    });
    Ok(())
}

/// `pause`, `resume`, `stop`, or `speed` (with `speed`).
#[tauri::command]
pub fn speech_control(
    state: State<'_, AppState>,
    job_id: String,
    action: String,
    speed: Option<f32>,
) -> CommandResult<()> {
    let control = state
        .jobs
        .control::<PlayerControl>(&job_id)
        .ok_or_else(|| CommandError { code: "not_found".into(), message: "nothing is being read aloud".into() })?;
    match action.as_str() {
        "pause" => control.pause(),
        "resume" => control.resume(),
        "stop" => {
            control.stop();
            state.jobs.cancel(&job_id);
        }
        "speed" => control.set_speed(speed.unwrap_or(1.0)),
        other => return Err(Error::InvalidInput(format!("unknown playback action {other}")).into()),
    }
    Ok(())
}

/// Writes the article's audio version (.wav or .ogg) and keeps it as an attachment of the article.
#[tauri::command]
pub async fn speech_export(
    state: State<'_, AppState>,
    job_id: String,
    article_id: i64,
    markdown: String,
    path: PathBuf,
    options: VoiceOptions,
    on_progress: Channel<byline_core::Progress>,
) -> CommandResult<(AudioVersion, Attachment)> {
    state.grants.check_write(&path)?;
    let db = state.paths.library_db();
    state
        .run_job(&job_id, "the audio export", move |cancel| {
            let engine = options.engine()?;
            let version = write_audio(&prepare(&markdown), &engine, &path, &ChannelReporter(on_progress), &cancel)?;
            let mut library = Library::open(&db)?;
            let description = serde_json::json!({
                "engine": "espeak-ng", "voice": options.voice, "chinese_voice": options.chinese_voice,
                "rate": options.rate, "pitch": options.pitch,
            });
            let attachment = byline_speech::save_audio_version(&mut library, article_id, &version, &description)?;
            Ok((version, attachment))
        })
        .await
}
