//! The text-based exports: SRT, WebVTT, plain text and Markdown.

use std::fmt::Write;

use super::ExportOptions;
use crate::transcript::{Segment, Transcript};

fn parts(seconds: f64) -> (u64, u64, u64, u64) {
    let ms = (seconds.max(0.0) * 1000.0).round() as u64;
    (ms / 3_600_000, ms / 60_000 % 60, ms / 1000 % 60, ms % 1000)
}

/// `00:01:02,345`
pub fn srt_time(seconds: f64) -> String {
    let (h, m, s, ms) = parts(seconds);
    format!("{h:02}:{m:02}:{s:02},{ms:03}")
}

/// `00:01:02.345`
pub fn vtt_time(seconds: f64) -> String {
    let (h, m, s, ms) = parts(seconds);
    format!("{h:02}:{m:02}:{s:02}.{ms:03}")
}

/// `00:01:02` for reading copies.
pub(crate) fn clock(seconds: f64) -> String {
    let (h, m, s, _) = parts(seconds);
    format!("{h:02}:{m:02}:{s:02}")
}

fn cues(t: &Transcript) -> impl Iterator<Item = &Segment> {
    t.segments.iter().filter(|s| !s.text.trim().is_empty())
}

/// A cue's text on one line: subtitle formats end a cue at the first blank line.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

pub fn srt(t: &Transcript) -> String {
    let mut out = String::new();
    for (i, s) in cues(t).enumerate() {
        let speaker = s.speaker.as_deref().map(|n| format!("{n}: ")).unwrap_or_default();
        let _ = write!(
            out,
            "{}\n{} --> {}\n{speaker}{}\n\n",
            i + 1,
            srt_time(s.start),
            srt_time(s.end.max(s.start)),
            one_line(&s.text)
        );
    }
    out
}

pub fn vtt(t: &Transcript) -> String {
    let mut out = String::from("WEBVTT\n\n");
    for s in cues(t) {
        // `<`, `>` and `&` are markup in cue text.
        let esc = |x: &str| x.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;");
        let speaker = s.speaker.as_deref().map(|n| format!("<v {}>", esc(n))).unwrap_or_default();
        let _ = write!(
            out,
            "{} --> {}\n{speaker}{}\n\n",
            vtt_time(s.start),
            vtt_time(s.end.max(s.start)),
            esc(&one_line(&s.text))
        );
    }
    out
}

/// Paragraph prefix for the prose formats: `[00:01:02] Name: `.
pub(crate) fn prefix(s: &Segment, opts: ExportOptions) -> String {
    let mut p = String::new();
    if opts.timestamps {
        let _ = write!(p, "[{}] ", clock(s.start));
    }
    if opts.speakers
        && let Some(name) = &s.speaker
    {
        let _ = write!(p, "{name}: ");
    }
    p
}

/// Consecutive segments of one speaker form one paragraph when neither times nor speakers are shown.
pub fn plain(t: &Transcript, opts: ExportOptions) -> String {
    if !opts.timestamps && !opts.speakers {
        return t.text() + "\n";
    }
    cues(t).map(|s| format!("{}{}\n", prefix(s, opts), one_line(&s.text))).collect()
}

pub fn markdown(t: &Transcript, opts: ExportOptions) -> String {
    let mut out = String::from("# Transcript\n\n");
    for s in cues(t) {
        let mut p = String::new();
        if opts.timestamps {
            let _ = write!(p, "`{}` ", clock(s.start));
        }
        if opts.speakers
            && let Some(name) = &s.speaker
        {
            let _ = write!(p, "**{name}:** ");
        }
        let _ = write!(out, "{p}{}\n\n", one_line(&s.text));
    }
    out
}
