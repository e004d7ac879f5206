//! Fuzz targets (see the byline-fuzz crate): WAV repair after a crash and the audio decoder. Each input is
//! written to a temporary file, as both take paths. `BYLINE_FUZZ_SECONDS` sets the time per target.

use std::path::Path;
use std::time::Duration;

use byline_core::CancelToken;

fn seeds(target: &str) -> Vec<Vec<u8>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus").join(target);
    let seeds = byline_fuzz::corpus(&dir);
    assert!(!seeds.is_empty(), "no corpus in {}", dir.display());
    seeds
}

/// `recover` repairs every WAV whose `.recording` marker survived a crash: any bytes must give a report or
/// an error, and a repaired file must then decode or fail cleanly.
#[test]
fn fuzz_wav_repair() {
    let dir = tempfile::tempdir().expect("tempdir");
    byline_fuzz::check("wav_repair", &seeds("wav_repair"), Duration::from_secs(5), move |bytes| {
        let wav = dir.path().join("take.wav");
        std::fs::write(&wav, bytes).expect("write input");
        std::fs::write(crate::record::marker_path(&wav), b"").expect("write marker");
        if crate::record::recover(dir.path()).is_ok() {
            let _ = crate::decode::decode_16k_mono(&wav, &CancelToken::new(), &mut |_| Ok(true));
        }
        let _ = std::fs::remove_file(crate::record::marker_path(&wav));
    });
}

/// The decoder (symphonia, resampling, down-mixing) on damaged WAV, MP3, FLAC, Ogg and M4A files.
#[test]
fn fuzz_decode() {
    let dir = tempfile::tempdir().expect("tempdir");
    let names = ["a.wav", "a.mp3", "a.flac", "a.ogg", "a.m4a", "a"];
    byline_fuzz::check("decode", &seeds("decode"), Duration::from_secs(5), move |bytes| {
        // The extension is a hint to the format probe; vary it by input.
        let path = dir.path().join(names[bytes.len() % names.len()]);
        std::fs::write(&path, bytes).expect("write input");
        // Float WAVs may legitimately carry NaN samples, so only the reported length is checked.
        let result = crate::decode::decode_16k_mono(&path, &CancelToken::new(), &mut |_| Ok(true));
        let _ = std::fs::remove_file(&path);
        if let Ok(info) = result {
            assert!(info.decoded_s.is_finite() && info.decoded_s >= 0.0, "{info:?}");
        }
    });
}
