//! Decoding any supported file to a stream of 16 kHz mono samples: symphonia demuxes and decodes, every
//! packet is down-mixed and resampled at once, so memory stays at a few packets whatever the file's length.

use std::cell::Cell;
use std::fs::File;
use std::path::Path;

use byline_core::{CancelToken, Error, Result};
use serde::Serialize;
use symphonia::core::codecs::audio::{AudioDecoder, AudioDecoderOptions};
use symphonia::core::errors::Error as SymError;
use symphonia::core::formats::probe::Hint;
use symphonia::core::formats::{FormatOptions, FormatReader, TrackType};
use symphonia::core::io::MediaSourceStream;
use symphonia::core::meta::MetadataOptions;

use crate::resample::{MonoResampler, TARGET_RATE};

/// What can be decoded, for error messages and `--help`.
pub const SUPPORTED_FORMATS: &str = "WAV, MP3, M4A/AAC, FLAC, OGG/Vorbis, and the audio track of MP4, MOV, MKV and WebM (AAC, MP3, Vorbis, FLAC, ALAC or PCM)";

/// Facts about a decoded file.
#[derive(Clone, Debug, Default, PartialEq, Serialize, ts_rs::TS)]
pub struct AudioInfo {
    pub codec: String,
    pub sample_rate: u32,
    pub channels: usize,
    /// Length declared by the container, if any (used for progress before decoding ends).
    pub declared_s: Option<f64>,
    /// Length of the audio actually decoded.
    pub decoded_s: f64,
    /// Packets that could not be decoded and were skipped (damaged data).
    pub skipped_packets: usize,
    /// The stream ended early: the file is cut short.
    pub truncated: bool,
}

struct Opened {
    format: Box<dyn FormatReader>,
    decoder: Box<dyn AudioDecoder>,
    track_id: u32,
    info: AudioInfo,
}

fn unreadable(path: &Path, why: impl std::fmt::Display) -> Error {
    Error::Format { path: path.to_path_buf(), message: format!("{why}. Supported: {SUPPORTED_FORMATS}") }
}

fn open(path: &Path) -> Result<Opened> {
    let file = File::open(path).map_err(|e| Error::io(format!("opening {}", path.display()), e))?;
    let len = file.metadata().map_err(|e| Error::io(format!("reading {}", path.display()), e))?.len();
    if len == 0 {
        return Err(unreadable(path, "the file is empty (0 bytes)"));
    }
    let mut hint = Hint::new();
    if let Some(ext) = path.extension().and_then(|e| e.to_str()) {
        hint.with_extension(ext);
    }
    let mss = MediaSourceStream::new(Box::new(file), Default::default());
    // symphonia's header parsers can panic on hostile values (0.6.1's WAV fmt reader overflows a u16 when
    // overflow checks are on, as in debug builds); a damaged file is an unreadable file, not a crash.
    let probed = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        symphonia::default::get_probe().probe(&hint, mss, FormatOptions::default(), MetadataOptions::default())
    }))
    .map_err(|_| unreadable(path, "the container's header is damaged (the decoder gave up)"))?;
    let format = probed.map_err(|e| unreadable(path, format!("not a recognised audio or video container ({e})")))?;
    let track =
        format.default_track(TrackType::Audio).ok_or_else(|| unreadable(path, "the file has no audio track"))?;
    let params = track
        .codec_params
        .as_ref()
        .and_then(|p| p.audio())
        .ok_or_else(|| unreadable(path, "the audio track has no codec parameters"))?;
    let decoder = symphonia::default::get_codecs()
        .make_audio_decoder(params, &AudioDecoderOptions::default())
        .map_err(|e| unreadable(path, format!("the audio codec is not supported ({e})")))?;
    let sample_rate = params.sample_rate.unwrap_or(0);
    let declared_s = match (track.num_frames, sample_rate) {
        (Some(n), r) if r > 0 => Some(n as f64 / f64::from(r)),
        _ => None,
    };
    let info = AudioInfo {
        codec: format!("{:?}", params.codec),
        sample_rate,
        channels: params.channels.as_ref().map_or(0, |c| c.count()),
        declared_s,
        ..AudioInfo::default()
    };
    let track_id = track.id;
    Ok(Opened { format, decoder, track_id, info })
}

/// Speech needs at least telephone-band rates; a header declaring 1 Hz would make the resampler write 16,000
/// samples for every one it reads (a 1 KB file grew to 335 MB), and none of it could be speech.
const MIN_RATE: u32 = 4000;
/// Higher than any recording device writes; bounds the resampler's buffers.
const MAX_RATE: u32 = 768_000;

fn check_rate(path: &Path, rate: u32) -> Result<()> {
    if (MIN_RATE..=MAX_RATE).contains(&rate) {
        return Ok(());
    }
    Err(unreadable(
        path,
        format!("its sample rate of {rate} Hz is not audio that can hold speech (expected {MIN_RATE}–{MAX_RATE} Hz)"),
    ))
}

/// Reads the container's description without decoding.
pub fn probe(path: &Path) -> Result<AudioInfo> {
    open(path).map(|o| o.info)
}

/// Decodes `path` and hands 16 kHz mono samples to `sink` in blocks; the sink returns `false` to stop early
/// (e.g. at the end of a time range). Damaged packets are skipped and counted; a stream that breaks off
/// sets `truncated` and keeps what was decoded.
pub fn decode_16k_mono(
    path: &Path,
    cancel: &CancelToken,
    sink: &mut dyn FnMut(&[f32]) -> Result<bool>,
) -> Result<AudioInfo> {
    decode_16k_mono_observed(path, cancel, sink, &mut |_, _, _| {})
}

/// As [`decode_16k_mono`], also showing `observe` each decoded packet before it is mixed down: interleaved
/// samples, the channel count and the sample rate (for telling apart voices recorded on separate channels).
pub fn decode_16k_mono_observed(
    path: &Path,
    cancel: &CancelToken,
    sink: &mut dyn FnMut(&[f32]) -> Result<bool>,
    observe: &mut dyn FnMut(&[f32], usize, u32),
) -> Result<AudioInfo> {
    let Opened { mut format, mut decoder, track_id, mut info } = open(path)?;
    let mut resampler: Option<(MonoResampler, u32)> = None;
    let mut interleaved: Vec<f32> = Vec::new();
    let mut mono: Vec<f32> = Vec::new();
    // Cells, because the resampler holds the closure while the loop below reads them.
    let emitted = Cell::new(0u64);
    let stopped = Cell::new(false);
    let mut forward = |block: &[f32]| -> Result<()> {
        if stopped.get() {
            return Ok(());
        }
        emitted.set(emitted.get() + block.len() as u64);
        if !sink(block)? {
            stopped.set(true);
        }
        Ok(())
    };
    loop {
        cancel.check()?;
        // Like the probe above, demuxers can panic on hostile tables (isomp4's stts sums overflow in debug
        // builds); that ends the stream as damaged data would, keeping what came before.
        let Ok(next) = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| format.next_packet())) else {
            info.truncated = true;
            break;
        };
        let packet = match next {
            Ok(Some(p)) => p,
            Ok(None) => break,
            Err(SymError::IoError(e)) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
                info.truncated = true;
                break;
            }
            Err(SymError::DecodeError(_)) => {
                // A demuxer that cannot find the next frame in damaged data: what came before is kept.
                info.truncated = true;
                break;
            }
            Err(e) => return Err(unreadable(path, format!("reading the stream failed ({e})"))),
        };
        if packet.track_id != track_id {
            continue;
        }
        let buf = match decoder.decode(&packet) {
            Ok(buf) => buf,
            Err(SymError::DecodeError(_)) | Err(SymError::IoError(_)) => {
                info.skipped_packets += 1;
                continue;
            }
            Err(e) => return Err(unreadable(path, format!("decoding failed ({e})"))),
        };
        let rate = buf.spec().rate();
        let channels = buf.spec().channels().count().max(1);
        if buf.frames() == 0 {
            continue;
        }
        buf.copy_to_vec_interleaved(&mut interleaved);
        observe(&interleaved, channels, rate);
        mono.clear();
        // A plain average: speech sits in every channel of a typical mix, and averaging cannot clip.
        // NaN, infinite or huge samples (a damaged float WAV) overflow the FFT resampler, which then panics:
        // NaN becomes silence and the rest is clipped to full scale.
        mono.extend(interleaved.chunks_exact(channels).map(|f| {
            let v = f.iter().sum::<f32>() / channels as f32;
            if v.is_nan() { 0.0 } else { v.clamp(-1.0, 1.0) }
        }));
        if info.channels == 0 {
            info.channels = channels;
        }
        let (r, r_rate) = match resampler.as_mut() {
            Some(pair) => pair,
            None => {
                check_rate(path, rate)?;
                info.sample_rate = rate;
                resampler.insert((MonoResampler::new(rate)?, rate))
            }
        };
        if *r_rate != rate {
            return Err(unreadable(path, format!("the sample rate changes mid-stream ({} Hz to {rate} Hz)", r_rate)));
        }
        r.push(&mono, &mut forward)?;
        if stopped.get() {
            break;
        }
    }
    if let Some((r, _)) = resampler.as_mut() {
        r.finish(&mut forward)?;
    }
    info.decoded_s = emitted.get() as f64 / f64::from(TARGET_RATE);
    if resampler.is_none() {
        return Err(unreadable(path, "no audio could be decoded from it"));
    }
    Ok(info)
}

/// Decodes a whole file into memory (for short clips and tests; transcription streams instead).
pub fn load_16k_mono(path: &Path, cancel: &CancelToken) -> Result<(Vec<f32>, AudioInfo)> {
    let mut all = Vec::new();
    let info = decode_16k_mono(path, cancel, &mut |s| {
        all.extend_from_slice(s);
        Ok(true)
    })?;
    Ok((all, info))
}
