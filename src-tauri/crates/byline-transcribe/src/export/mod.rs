//! Transcript exports. Every format that can hold times and speakers keeps them: SRT and WebVTT cues carry
//! the speaker (`Name: ` in SRT, a `<v Name>` voice tag in WebVTT), JSON keeps segments and words, and the
//! text, Markdown and DOCX forms prefix each paragraph with `[hh:mm:ss] Name:` when asked to.

mod docx;
mod text;

use std::str::FromStr;

use byline_core::{Error, Result};
use serde::{Deserialize, Serialize};

use crate::transcript::Transcript;

pub use text::{srt_time, vtt_time};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "lowercase")]
pub enum ExportFormat {
    Srt,
    Vtt,
    Txt,
    Json,
    Docx,
    Md,
}

impl ExportFormat {
    pub const ALL: [ExportFormat; 6] = [Self::Srt, Self::Vtt, Self::Txt, Self::Json, Self::Docx, Self::Md];

    pub fn extension(self) -> &'static str {
        match self {
            Self::Srt => "srt",
            Self::Vtt => "vtt",
            Self::Txt => "txt",
            Self::Json => "json",
            Self::Docx => "docx",
            Self::Md => "md",
        }
    }
}

impl FromStr for ExportFormat {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        let s = s.trim().to_ascii_lowercase();
        Self::ALL
            .into_iter()
            .find(|f| f.extension() == s || (s == "webvtt" && *f == Self::Vtt) || (s == "markdown" && *f == Self::Md))
            .ok_or_else(|| {
                Error::InvalidInput(format!("unknown export format {s:?}: use srt, vtt, txt, json, docx or md"))
            })
    }
}

/// Options for the prose formats (txt, md, docx); subtitles always carry times and speakers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(default)]
pub struct ExportOptions {
    pub timestamps: bool,
    pub speakers: bool,
}

impl Default for ExportOptions {
    fn default() -> Self {
        Self { timestamps: true, speakers: true }
    }
}

/// Renders `transcript` in `format`.
pub fn export(transcript: &Transcript, format: ExportFormat, opts: ExportOptions) -> Result<Vec<u8>> {
    Ok(match format {
        ExportFormat::Srt => text::srt(transcript).into_bytes(),
        ExportFormat::Vtt => text::vtt(transcript).into_bytes(),
        ExportFormat::Txt => text::plain(transcript, opts).into_bytes(),
        ExportFormat::Md => text::markdown(transcript, opts).into_bytes(),
        ExportFormat::Json => json(transcript)?,
        ExportFormat::Docx => docx::docx(transcript, opts)?,
    })
}

/// The transcript as stored (segments with their words), plus every word in a flat list with its
/// segment's speaker, for tools that want one row per word.
fn json(transcript: &Transcript) -> Result<Vec<u8>> {
    let bad = |e: serde_json::Error| Error::InvalidInput(e.to_string());
    let mut value = serde_json::to_value(transcript).map_err(bad)?;
    let words: Vec<serde_json::Value> = transcript
        .segments
        .iter()
        .flat_map(|s| {
            s.words.iter().map(move |w| {
                serde_json::json!({"start": w.start, "end": w.end, "text": w.text, "p": w.p, "speaker": s.speaker})
            })
        })
        .collect();
    if let Some(obj) = value.as_object_mut() {
        obj.insert("words".into(), serde_json::Value::Array(words));
    }
    serde_json::to_vec_pretty(&value).map_err(bad)
}

#[cfg(test)]
mod tests;
