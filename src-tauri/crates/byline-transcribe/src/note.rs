//! What the engine had to do that a reader of a transcript should know, as data: the app words each note in
//! the interface's language from its code; the CLI and logs use the English sentence (`Display`). Notes of
//! transcripts stored by earlier versions were sentences, and load as [`TranscriptNote::Text`].
use std::fmt;

use serde::{Deserialize, Deserializer, Serialize};

/// How the speakers were told apart.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum SpeakerMethod {
    /// One voice per channel of a two-channel recording.
    Channels,
    /// CAM++ speaker embeddings.
    Campp,
    /// Spectral statistics (no speaker model installed).
    Spectral,
}

/// A voice recognised from an earlier recording: `from` (the name the transcription gave) is `to`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct Recognised {
    pub from: String,
    pub to: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum TranscriptNote {
    /// The file ends early: decoding stopped at `at_s` seconds.
    EndsEarly {
        at_s: f64,
    },
    DamagedPackets {
        count: u64,
    },
    /// The voice-activity model failed to load, so pauses were decoded too.
    VadFailed {
        error: String,
    },
    /// The voice-activity model (`model`) is not installed, so pauses were decoded too.
    VadMissing {
        model: String,
    },
    /// The speaker model failed to load; speakers were told apart without it.
    SpeakerModelFailed {
        error: String,
        model: String,
    },
    /// The speaker model is not installed; speakers were told apart without it.
    SpeakerModelMissing {
        model: String,
    },
    /// A loop at `at_s` was decoded again at a higher temperature.
    RepetitionRetried {
        at_s: f64,
    },
    /// A loop at `at_s` had its repeated words removed.
    RepetitionRemoved {
        at_s: f64,
    },
    /// Voice-activity detection skipped `quiet_s` seconds of `total_s`.
    PausesSkipped {
        quiet_s: f64,
        total_s: f64,
    },
    NoSpeech,
    VoicesRecognised {
        voices: Vec<Recognised>,
    },
    SpeakersToldApart {
        count: usize,
        method: SpeakerMethod,
    },
    /// A note as an earlier version wrote it.
    Text {
        text: String,
    },
}

fn pull(model: &str) -> String {
    format!("`byline models pull {model}`")
}

impl fmt::Display for TranscriptNote {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::EndsEarly { at_s } => write!(f, "the file ends early (cut off after {at_s:.1} s); the rest is lost"),
            Self::DamagedPackets { count } => write!(f, "{count} damaged audio packets were skipped"),
            Self::VadFailed { error } => {
                write!(f, "pauses were decoded too: the voice-activity model failed ({error})")
            }
            Self::VadMissing { model } => {
                write!(f, "pauses were decoded too: the voice-activity model is not installed ({})", pull(model))
            }
            Self::SpeakerModelFailed { error, model } => write!(
                f,
                "speakers were told apart without the speaker model, which is much less reliable: it failed to load \
                 ({error}); {} installs it again",
                pull(model)
            ),
            Self::SpeakerModelMissing { model } => write!(
                f,
                "speakers were told apart without the speaker model, which is much less reliable: it is not installed \
                 ({})",
                pull(model)
            ),
            Self::RepetitionRetried { at_s } => {
                write!(f, "repetition at {at_s:.0} s: decoded again at a higher temperature")
            }
            Self::RepetitionRemoved { at_s } => write!(f, "repetition at {at_s:.0} s: repeated words removed"),
            Self::PausesSkipped { quiet_s, total_s } => {
                write!(f, "pauses skipped: {quiet_s:.0} s of {total_s:.0} s held no speech (voice-activity detection)")
            }
            Self::NoSpeech => write!(f, "no speech was detected"),
            Self::VoicesRecognised { voices } => {
                let pairs: Vec<String> = voices.iter().map(|v| format!("{} is {}", v.from, v.to)).collect();
                write!(f, "voices recognised from earlier recordings: {}", pairs.join(", "))
            }
            Self::SpeakersToldApart { count, method } => {
                let how = match method {
                    SpeakerMethod::Channels => "one voice per channel of the recording",
                    SpeakerMethod::Campp => "CAM++ speaker embeddings",
                    SpeakerMethod::Spectral => "spectral statistics (no speaker model installed)",
                };
                write!(f, "{count} {} told apart ({how})", if *count == 1 { "speaker" } else { "speakers" })
            }
            Self::Text { text } => write!(f, "{text}"),
        }
    }
}

/// Reads a transcript's notes: coded ones, and the sentences earlier versions stored.
pub(crate) fn notes_compat<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<TranscriptNote>, D::Error> {
    let values = Vec::<serde_json::Value>::deserialize(deserializer)?;
    values
        .into_iter()
        .map(|v| match v {
            serde_json::Value::String(text) => Ok(TranscriptNote::Text { text }),
            other => serde_json::from_value(other).map_err(serde::de::Error::custom),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Transcript;

    #[test]
    fn notes_travel_as_codes_read_as_sentences_and_old_ones_still_load() {
        let note = TranscriptNote::SpeakersToldApart { count: 2, method: SpeakerMethod::Campp };
        assert_eq!(note.to_string(), "2 speakers told apart (CAM++ speaker embeddings)");
        assert_eq!(
            serde_json::to_value(&note).expect("json"),
            serde_json::json!({"code": "speakers_told_apart", "count": 2, "method": "campp"})
        );
        let old = r#"{"language":"en","duration_s":1.0,"segments":[],"notes":["no speech was detected",{"code":"no_speech"}]}"#;
        let t: Transcript = serde_json::from_str(old).expect("an earlier version's transcript");
        assert_eq!(t.notes, [TranscriptNote::Text { text: "no speech was detected".into() }, TranscriptNote::NoSpeech]);
        assert_eq!(t.notes[0].to_string(), t.notes[1].to_string());
        let missing = TranscriptNote::VadMissing { model: "silero-vad".into() };
        assert_eq!(
            missing.to_string(),
            "pauses were decoded too: the voice-activity model is not installed (`byline models pull silero-vad`)"
        );
    }
}
