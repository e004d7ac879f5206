//! Tests on the real CAM++ weights and real recordings of different speakers: pyannote.audio's test data
//! (30 s excerpts of AMI meetings, 2–4 speakers each, with reference turns in RTTM) and its two-speaker
//! sample. Ignored by default; run with
//! `BYLINE_TEST_MODELS=/path/to/cache cargo test -p byline-speakers --release -- --include-ignored --nocapture`.

use std::path::{Path, PathBuf};

use byline_speakers::der::{Der, Labelled, parse_rttm, score};
use byline_speakers::fbank::{Fbank, MELS, subtract_mean};
use byline_speakers::{Count, Diarizer, Encoder, Turn};

const NEEDS: &str = "set BYLINE_TEST_MODELS to the test model cache (cargo xtask fetch-models prints it)";

fn cache() -> PathBuf {
    PathBuf::from(std::env::var_os("BYLINE_TEST_MODELS").expect(NEEDS))
}

fn campp_path() -> PathBuf {
    cache().join("home/models/campplus-zh-en/campplus_cn_en_common.pt")
}

fn pyannote() -> PathBuf {
    cache().join("packages/pyannote.audio-4.0.7")
}

fn read_wav(path: &Path) -> Vec<f32> {
    let mut r = hound::WavReader::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let spec = r.spec();
    assert_eq!((spec.sample_rate, spec.channels), (16_000, 1), "{}", path.display());
    match spec.sample_format {
        hound::SampleFormat::Float => r.samples::<f32>().map(|s| s.expect("sample")).collect(),
        hound::SampleFormat::Int => r.samples::<i32>().map(|s| s.expect("sample") as f32 / 32768.0).collect(),
    }
}

/// One recording with its reference turns.
struct Recording {
    #[allow(dead_code)]
    name: String,
    audio: Vec<f32>,
    reference: Vec<Labelled>,
}

/// The 14 AMI excerpts and the sample, with their references.
fn recordings() -> Vec<Recording> {
    let root = pyannote();
    let data = root.join("tests/data");
    let mut out = Vec::new();
    for set in ["development", "test", "train"] {
        let rttm = std::fs::read_to_string(data.join(format!("debug.{set}.rttm"))).expect("rttm");
        let list = std::fs::read_to_string(data.join(format!("debug.{set}.lst"))).expect("lst");
        for file in list.lines().map(str::trim).filter(|l| !l.is_empty()) {
            // The list and the file say trñ00; the RTTM says trn00.
            let uri = file.replace('ñ', "n");
            let reference = parse_rttm(&rttm, &uri).expect("parse");
            assert!(!reference.is_empty(), "{uri} has no reference turns");
            out.push(Recording { name: uri, audio: read_wav(&data.join(format!("{file}.wav"))), reference });
        }
    }
    let sample = root.join("src/pyannote/audio/sample");
    let rttm = std::fs::read_to_string(sample.join("sample.rttm")).expect("rttm");
    out.push(Recording {
        name: "sample".into(),
        audio: read_wav(&sample.join("sample.wav")),
        reference: parse_rttm(&rttm, "sample").expect("parse"),
    });
    out
}

#[test]
#[ignore = "needs the test model cache"]
fn filterbank_and_campp_match_an_independent_implementation() {
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/campp_reference.json"))
        .expect("reference");
    let reference: serde_json::Value = serde_json::from_str(&text).expect("json");
    let audio = read_wav(&pyannote().join("src/pyannote/audio/sample/sample.wav"));
    let model = byline_speakers::CamPlusPlus::load(&campp_path(), &candle_core::Device::Cpu).expect("CAM++ loads");
    let fbank = Fbank::new();
    for clip in reference["clips"].as_array().expect("clips") {
        let (a, b) = (clip["from"].as_u64().expect("from") as usize, clip["to"].as_u64().expect("to") as usize);
        let mut feats = fbank.compute(&audio[a..b]);
        let frames = feats.len() / MELS;
        assert_eq!(frames as u64, clip["frames"].as_u64().expect("frames"));
        for (got, want) in feats[..MELS].iter().zip(clip["fbank_frame0"].as_array().expect("frame0")) {
            let want = want.as_f64().expect("f") as f32;
            assert!((got - want).abs() < 2e-3, "fbank {got} vs {want}");
        }
        let mean = feats.iter().map(|v| f64::from(*v)).sum::<f64>() / feats.len() as f64;
        assert!((mean - clip["fbank_mean"].as_f64().expect("mean")).abs() < 1e-4, "fbank mean {mean}");
        subtract_mean(&mut feats);
        let got = model.embed(&feats, 1, frames).expect("embed").remove(0);
        let want: Vec<f32> =
            clip["embedding"].as_array().expect("e").iter().map(|v| v.as_f64().expect("f") as f32).collect();
        let norm = |v: &[f32]| v.iter().map(|x| x * x).sum::<f32>().sqrt();
        let cos = got.iter().zip(&want).map(|(x, y)| x * y).sum::<f32>() / (norm(&got) * norm(&want));
        let worst = got.iter().zip(&want).map(|(x, y)| (x - y).abs()).fold(0.0f32, f32::max);
        println!("clip {a}..{b}: cosine {cos:.7}, largest difference {worst:.2e} (norm {:.3})", norm(&want));
        assert!(cos > 0.9999 && worst < 1e-3 * norm(&want), "cosine {cos}, largest difference {worst}");
    }
}

/// Embeds `audio`, giving it only `regions` (seconds) as speech.
fn embed(encoder: Encoder, audio: &[f32], regions: &[(f64, f64)]) -> Diarizer {
    let mut d = Diarizer::new(encoder);
    for &(a, b) in regions {
        let (a, b) = ((a * 16_000.0) as usize, ((b * 16_000.0) as usize).min(audio.len()));
        for (k, piece) in audio[a..b].chunks(4_000).enumerate() {
            d.push((a + k * 4_000) as u64, piece).expect("push");
        }
    }
    d.close().expect("close");
    d
}

fn labelled(turns: &[Turn]) -> Vec<Labelled> {
    turns.iter().map(|t| Labelled { start: t.start, end: t.end, speaker: format!("S{}", t.speaker) }).collect()
}

/// Where anybody speaks, per the reference (what a perfect voice-activity detector would give).
fn speech(reference: &[Labelled]) -> Vec<(f64, f64)> {
    let mut spans: Vec<(f64, f64)> = reference.iter().map(|t| (t.start, t.end)).collect();
    spans.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut out: Vec<(f64, f64)> = Vec::new();
    for (a, b) in spans {
        match out.last_mut() {
            Some(last) if a <= last.1 => last.1 = last.1.max(b),
            _ => out.push((a, b)),
        }
    }
    out
}

/// A conversation assembled from one recording: its stretches where exactly one person speaks for at
/// least a second, in their order, with 0.5 s of silence between them; and the reference turns of it.
fn assembled(rec: &Recording) -> (Vec<f32>, Vec<Labelled>) {
    let step = 0.01;
    let frames = (rec.audio.len() as f64 / 16_000.0 / step) as usize;
    let mut who: Vec<Vec<&str>> = vec![Vec::new(); frames];
    for t in &rec.reference {
        for f in who.iter_mut().take(((t.end / step) as usize).min(frames)).skip((t.start / step) as usize) {
            f.push(&t.speaker);
        }
    }
    let mut pieces: Vec<(usize, usize, &str)> = Vec::new();
    let mut f = 0;
    while f < frames {
        if who[f].len() == 1 {
            let s = who[f][0];
            let start = f;
            while f < frames && who[f].len() == 1 && who[f][0] == s {
                f += 1;
            }
            if (f - start) as f64 * step >= 1.0 {
                pieces.push((start, f, s));
            }
        } else {
            f += 1;
        }
    }
    let mut audio = Vec::new();
    let mut reference = Vec::new();
    for (a, b, s) in pieces {
        let at = audio.len() as f64 / 16_000.0;
        audio.extend_from_slice(&rec.audio[a * 160..(b * 160).min(rec.audio.len())]);
        reference.push(Labelled { start: at, end: audio.len() as f64 / 16_000.0, speaker: s.to_owned() });
        audio.extend(std::iter::repeat_n(0.0f32, 8_000));
    }
    (audio, reference)
}

fn speakers(reference: &[Labelled]) -> usize {
    let mut names: Vec<&str> = reference.iter().map(|t| t.speaker.as_str()).collect();
    names.sort_unstable();
    names.dedup();
    names.len()
}

/// Diarization error rate (standard definition: no collar, overlapped speech scored) on the real
/// recordings, with CAM++ and with the model-free fallback, each with the speaker count found
/// automatically and given. Prints the table the README reports.
#[test]
#[ignore = "needs the test model cache"]
fn diarization_error_rate_on_real_meetings() {
    let recs = recordings();
    assert_eq!(recs.len(), 15);
    type Make = fn() -> Encoder;
    let encoders: [(&str, Make); 2] =
        [("CAM++", || Encoder::campp(&campp_path()).expect("CAM++")), ("spectral", || Encoder::Spectral)];
    let mut results = Vec::new();
    for (name, encoder) in encoders {
        let embedded: Vec<(Diarizer, Diarizer, Vec<Labelled>, f64)> = recs
            .iter()
            .map(|rec| {
                let (audio, reference) = assembled(rec);
                let len = audio.len() as f64 / 16_000.0;
                let clean = embed(encoder(), &audio, &speech(&reference));
                (embed(encoder(), &rec.audio, &speech(&rec.reference)), clean, reference, len)
            })
            .collect();
        for given in [false, true] {
            let (mut whole, mut clean) = (Der::default(), Der::default());
            let mut found_right = 0;
            for (rec, (meeting, turns, reference, len)) in recs.iter().zip(&embedded) {
                let count = |r: &[Labelled]| if given { Count::Exactly(speakers(r)) } else { Count::Auto };
                let dur = rec.audio.len() as f64 / 16_000.0;
                whole.add(&score(&rec.reference, &labelled(&meeting.cluster(count(&rec.reference))), dur));
                let hyp = turns.cluster(count(reference));
                let found = hyp.iter().map(|t| t.speaker + 1).max().unwrap_or(0);
                found_right += usize::from(found == speakers(reference));
                clean.add(&score(reference, &labelled(&hyp), *len));
            }
            let count = if given { "given" } else { "automatic" };
            println!(
                "{name:9} count {count:9}: meetings DER {:5.1} % (missed {:4.1}, confusion {:4.1}) | clean turns DER {:5.1} % (confusion {:4.1}), speaker count right in {found_right} of {}",
                100.0 * whole.rate(),
                100.0 * whole.missed / whole.reference,
                100.0 * whole.confusion / whole.reference,
                100.0 * clean.rate(),
                100.0 * clean.confusion / clean.reference,
                recs.len()
            );
            results.push((name, given, whole.rate(), clean.rate()));
        }
    }
    let get = |n: &str, g: bool| results.iter().find(|r| r.0 == n && r.1 == g).expect("result");
    // The goal (15 %) applies to conversations without overlapped speech; the meeting excerpts keep their
    // overlaps, which one speaker per moment cannot cover.
    assert!(get("CAM++", false).3 <= 0.15, "CAM++ automatic count, clean turns: {:.3}", get("CAM++", false).3);
    assert!(get("CAM++", true).3 <= 0.15, "CAM++ given count, clean turns: {:.3}", get("CAM++", true).3);
    assert!(get("CAM++", false).3 < get("spectral", false).3, "the model must beat the fallback");
}

/// For each hypothesis speaker, the reference speaker it overlaps most.
fn owners(hyp: &[Turn], reference: &[Labelled]) -> Vec<Option<String>> {
    let k = hyp.iter().map(|t| t.speaker + 1).max().unwrap_or(0);
    (0..k)
        .map(|s| {
            let mut overlap: Vec<(String, f64)> = Vec::new();
            for r in reference {
                let o: f64 = hyp
                    .iter()
                    .filter(|t| t.speaker == s)
                    .map(|t| (t.end.min(r.end) - t.start.max(r.start)).max(0.0))
                    .sum();
                match overlap.iter_mut().find(|(n, _)| *n == r.speaker) {
                    Some((_, total)) => *total += o,
                    None => overlap.push((r.speaker.clone(), o)),
                }
            }
            overlap.into_iter().filter(|(_, o)| *o > 0.0).max_by(|a, b| a.1.total_cmp(&b.1)).map(|(n, _)| n)
        })
        .collect()
}

/// Voices named in one recording are recognised in another: the AMI excerpts from the same meeting share
/// participants (15 people appear in two or three excerpts). Each excerpt's speakers are enrolled from its
/// own diarization (each found speaker named after the reference speaker it overlaps most); every other
/// excerpt is then diarized and its voices matched against those names. Overlapped speech stays in, as in
/// a real meeting.
#[test]
#[ignore = "needs the test model cache"]
fn voices_are_recognised_across_recordings() {
    let recs = recordings();
    for clean in [true, false] {
        let mut found = Vec::new();
        for rec in &recs {
            let (audio, reference) = if clean { assembled(rec) } else { (rec.audio.clone(), rec.reference.clone()) };
            let d = embed(Encoder::campp(&campp_path()).expect("CAM++"), &audio, &speech(&reference));
            let (turns, voices) = d.cluster_with_voices(Count::Exactly(speakers(&reference)));
            let names = owners(&turns, &reference);
            found.push((voices, names));
        }
        let (mut right, mut asked, mut short, mut wrong) = (0, 0, 0, 0);
        let (mut same, mut other) = (Vec::new(), Vec::new());
        for (a, (known_voices, known_names)) in found.iter().enumerate() {
            let known: Vec<Vec<f32>> = known_voices.iter().map(|v| v.embedding.clone()).collect();
            for (b, (voices, names)) in found.iter().enumerate() {
                if a == b || !names.iter().flatten().any(|n| known_names.iter().flatten().any(|k| k == n)) {
                    continue;
                }
                for v in voices {
                    for (k, kv) in known_voices.iter().enumerate() {
                        let sim = byline_speakers::cluster::cosine(&v.embedding, &kv.embedding);
                        if names[v.speaker].is_some() && names[v.speaker] == known_names[k] {
                            same.push(sim)
                        } else {
                            other.push(sim)
                        }
                    }
                }
                let matched = byline_speakers::recognise(voices, &known, byline_speakers::RECOGNISE_THRESHOLD);
                for (v, m) in voices.iter().zip(&matched) {
                    let truth = names[v.speaker].as_ref();
                    let shared = truth.is_some_and(|t| known_names.iter().flatten().any(|k| k == t));
                    let given = m.and_then(|j| known_names[j].as_ref());
                    if shared && v.seconds < byline_speakers::RECOGNISE_MIN_S {
                        short += 1;
                    } else if shared {
                        asked += 1;
                        right += usize::from(given == truth);
                    }
                    wrong += usize::from(given.is_some() && given != truth);
                }
            }
        }
        let mean = |v: &[f32]| v.iter().sum::<f32>() / v.len().max(1) as f32;
        println!(
            "{}: recognised {right} of {asked} shared voices ({:.0} %; {short} more heard under {} s were left unnamed), {wrong} wrong names; cosine same person {:.2}, different {:.2}",
            if clean { "clean turns" } else { "meetings with overlap" },
            100.0 * right as f64 / asked.max(1) as f64,
            byline_speakers::RECOGNISE_MIN_S,
            mean(&same),
            mean(&other)
        );
        // The goal applies to conversations without overlapped speech; the meetings are reported.
        if clean {
            assert!(asked >= 7, "{asked} voices to recognise");
            assert!(right as f64 >= 0.9 * asked as f64, "recognised {right} of {asked}");
        }
        assert!(wrong * 10 <= asked, "{wrong} voices given a wrong name");
    }
}
