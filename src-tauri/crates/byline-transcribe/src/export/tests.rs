use std::io::Read;

use super::*;
use crate::transcript::{Segment, Word};

fn sample() -> Transcript {
    let w = |s: f64, e: f64, t: &str| Word { start: s, end: e, text: t.into(), p: 0.9 };
    Transcript {
        language: Some("en".into()),
        duration_s: 3725.5,
        segments: vec![
            Segment {
                start: 1.25,
                end: 3.5,
                text: " Ask not <what> & why".into(),
                speaker: Some("Kennedy".into()),
                words: vec![w(1.25, 1.5, "Ask"), w(1.5, 2.0, "not")],
            },
            Segment { start: 3723.0, end: 3725.5, text: "Thank you.".into(), speaker: None, words: vec![] },
        ],
        notes: vec![],
        voices: vec![],
    }
}

fn text(f: ExportFormat, opts: ExportOptions) -> String {
    String::from_utf8(export(&sample(), f, opts).expect("export")).expect("utf8")
}

#[test]
fn subtitles_keep_times_and_speakers() {
    let srt = text(ExportFormat::Srt, ExportOptions::default());
    assert!(srt.starts_with("1\n00:00:01,250 --> 00:00:03,500\nKennedy: Ask not <what> & why\n\n2\n01:02:03,000 --> 01:02:05,500\nThank you.\n"), "{srt}");
    let vtt = text(ExportFormat::Vtt, ExportOptions::default());
    assert!(
        vtt.starts_with("WEBVTT\n\n00:00:01.250 --> 00:00:03.500\n<v Kennedy>Ask not &lt;what&gt; &amp; why\n"),
        "{vtt}"
    );
}

#[test]
fn prose_formats_follow_the_options() {
    let all = text(ExportFormat::Txt, ExportOptions::default());
    assert_eq!(all, "[00:00:01] Kennedy: Ask not <what> & why\n[01:02:03] Thank you.\n");
    let bare = text(ExportFormat::Txt, ExportOptions { timestamps: false, speakers: false });
    assert_eq!(bare, "Ask not <what> & why Thank you.\n");
    let md = text(ExportFormat::Md, ExportOptions { timestamps: true, speakers: true });
    assert!(md.contains("`00:00:01` **Kennedy:** Ask not <what> & why"), "{md}");
    let json: Transcript = serde_json::from_str(&text(ExportFormat::Json, ExportOptions::default())).expect("json");
    assert_eq!(json, sample());
    let flat: serde_json::Value =
        serde_json::from_str(&text(ExportFormat::Json, ExportOptions::default())).expect("json");
    let words = flat["words"].as_array().expect("a flat word list");
    assert_eq!(words.len(), sample().words().count());
    for (w, seg_word) in words.iter().zip(sample().segments.iter().flat_map(|s| s.words.iter().map(move |w| (s, w)))) {
        assert_eq!(w["text"], seg_word.1.text.as_str());
        assert_eq!(w["start"], seg_word.1.start);
        assert_eq!(w["speaker"], serde_json::json!(seg_word.0.speaker));
    }
}

#[test]
fn docx_is_a_zip_with_the_required_parts() {
    let bytes = export(&sample(), ExportFormat::Docx, ExportOptions::default()).expect("docx");
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("zip");
    for part in ["[Content_Types].xml", "_rels/.rels"] {
        assert!(zip.by_name(part).is_ok(), "{part}");
    }
    let mut doc = String::new();
    zip.by_name("word/document.xml").expect("document").read_to_string(&mut doc).expect("read");
    assert!(doc.contains("[00:00:01] Kennedy: "), "{doc}");
    assert!(doc.contains("Ask not &lt;what&gt; &amp; why"), "{doc}");
    assert_eq!((doc.matches("<w:p>").count(), doc.matches("</w:p>").count()), (3, 3));
}

#[test]
fn formats_parse_by_name() {
    assert_eq!("WebVTT".parse::<ExportFormat>().expect("vtt"), ExportFormat::Vtt);
    assert_eq!("markdown".parse::<ExportFormat>().expect("md"), ExportFormat::Md);
    assert!("pdf".parse::<ExportFormat>().is_err());
}
