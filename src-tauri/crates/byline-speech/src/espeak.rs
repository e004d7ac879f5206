//! eSpeak NG through its C library: the built-in voice that needs no download.
//!
//! The library keeps global state and is not re-entrant, so every call goes through one process-wide lock.
//! Synthesis runs in eSpeak's synchronous mode: `espeak_Synth` returns when the text is spoken, handing
//! the samples to [`on_samples`] on the calling thread.

use std::ffi::{CStr, CString, c_char, c_int, c_short, c_uint, c_void};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, OnceLock};

use byline_core::{CancelToken, Error, Result};
use serde::Serialize;

const AUDIO_OUTPUT_SYNCHRONOUS: c_int = 2;
const INITIALIZE_DONT_EXIT: c_int = 0x8000;
const POS_CHARACTER: c_int = 1;
const CHARS_UTF8: c_uint = 1;
const PARAM_RATE: c_int = 1;
const PARAM_PITCH: c_int = 3;
const EE_OK: c_int = 0;

/// Words per minute eSpeak accepts.
pub const RATE_RANGE: (u32, u32) = (80, 450);
pub const RATE_NORMAL: u32 = 175;

#[repr(C)]
struct EspeakVoice {
    name: *const c_char,
    languages: *const c_char,
    identifier: *const c_char,
    gender: u8,
    age: u8,
    variant: u8,
    xx1: u8,
    score: c_int,
    spare: *mut c_void,
}

type SynthCallback = extern "C" fn(*mut c_short, c_int, *mut c_void) -> c_int;

#[link(name = "espeak-ng")]
unsafe extern "C" {
    fn espeak_Initialize(output: c_int, buflength: c_int, path: *const c_char, options: c_int) -> c_int;
    fn espeak_SetSynthCallback(callback: SynthCallback);
    fn espeak_SetVoiceByName(name: *const c_char) -> c_int;
    fn espeak_SetParameter(parameter: c_int, value: c_int, relative: c_int) -> c_int;
    fn espeak_Synth(
        text: *const c_void,
        size: usize,
        position: c_uint,
        position_type: c_int,
        end_position: c_uint,
        flags: c_uint,
        unique_identifier: *mut c_uint,
        user_data: *mut c_void,
    ) -> c_int;
    fn espeak_Synchronize() -> c_int;
    fn espeak_ListVoices(voice_spec: *mut EspeakVoice) -> *mut *const EspeakVoice;
}

/// Held for the whole of each call into the library; the value is the sample rate once initialised.
static LIBRARY: Mutex<()> = Mutex::new(());
static SAMPLE_RATE: OnceLock<std::result::Result<u32, String>> = OnceLock::new();
/// Where the callback puts samples while a synthesis runs (only ever touched under `LIBRARY`).
static SAMPLES: Mutex<Vec<i16>> = Mutex::new(Vec::new());
static ABORT: AtomicBool = AtomicBool::new(false);

extern "C" fn on_samples(wav: *mut c_short, count: c_int, _events: *mut c_void) -> c_int {
    if !wav.is_null() && count > 0 {
        // SAFETY: eSpeak hands us `count` valid samples at `wav` for the duration of this call.
        let chunk = unsafe { std::slice::from_raw_parts(wav, count as usize) };
        if let Ok(mut samples) = SAMPLES.lock() {
            samples.extend_from_slice(chunk);
        }
    }
    // Returning 1 tells eSpeak to stop this synthesis.
    c_int::from(ABORT.load(Ordering::Relaxed))
}

fn initialise() -> Result<u32> {
    let rate = SAMPLE_RATE.get_or_init(|| {
        // SAFETY: called once, under LIBRARY, with a null data path (eSpeak's compiled-in default).
        let rate = unsafe { espeak_Initialize(AUDIO_OUTPUT_SYNCHRONOUS, 0, std::ptr::null(), INITIALIZE_DONT_EXIT) };
        if rate <= 0 {
            return Err("eSpeak NG could not start (is the espeak-ng-data package installed?)".to_string());
        }
        // SAFETY: the callback is a plain function valid for the life of the process.
        unsafe { espeak_SetSynthCallback(on_samples) };
        Ok(rate as u32)
    });
    rate.clone().map_err(Error::Unavailable)
}

/// One of eSpeak's voices.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, ts_rs::TS)]
pub struct EspeakVoiceInfo {
    /// The name to pass as `voice` (e.g. `en-us`, `cmn`).
    pub id: String,
    pub name: String,
    pub languages: Vec<String>,
}

/// Every voice eSpeak NG has installed.
pub fn voices() -> Result<Vec<EspeakVoiceInfo>> {
    let _lock = LIBRARY.lock().map_err(|_| Error::Unavailable("the speech engine failed earlier".into()))?;
    initialise()?;
    let mut out = Vec::new();
    // SAFETY: a null spec lists all voices; eSpeak returns a null-terminated array it owns.
    let list = unsafe { espeak_ListVoices(std::ptr::null_mut()) };
    if list.is_null() {
        return Ok(out);
    }
    let mut i = 0;
    loop {
        // SAFETY: the array is null-terminated; each entry points at a voice record eSpeak keeps alive.
        let voice = unsafe { *list.add(i) };
        if voice.is_null() {
            break;
        }
        // SAFETY: checked non-null above; strings are NUL-terminated C strings owned by eSpeak.
        let v = unsafe { &*voice };
        let text = |p: *const c_char| {
            if p.is_null() { String::new() } else { unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned() }
        };
        // The identifier is a path under espeak-ng-data/voices ("gmw/en-US"); eSpeak selects by its last part.
        let identifier = text(v.identifier);
        let id = identifier.rsplit('/').next().unwrap_or(&identifier).to_string();
        out.push(EspeakVoiceInfo { id, name: text(v.name), languages: languages(v.languages) });
        i += 1;
    }
    out.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(out)
}

/// eSpeak packs languages as (priority byte, NUL-terminated name) pairs, ended by a zero priority.
fn languages(mut p: *const c_char) -> Vec<String> {
    let mut out = Vec::new();
    if p.is_null() {
        return out;
    }
    // SAFETY: walks the packed list eSpeak documents; every name is NUL-terminated, the list ends with 0.
    unsafe {
        while *p != 0 {
            let name = CStr::from_ptr(p.add(1));
            out.push(name.to_string_lossy().into_owned());
            p = p.add(1 + name.to_bytes().len() + 1);
        }
    }
    out
}

/// How eSpeak should speak.
#[derive(Debug, Clone)]
pub struct EspeakSettings {
    pub voice: String,
    /// Words per minute.
    pub rate: u32,
    /// 0–100, 50 is the voice's normal pitch.
    pub pitch: u32,
}

/// The built-in engine's output rate in Hz (22,050 for eSpeak NG's voices).
pub fn sample_rate() -> Result<u32> {
    let _lock = LIBRARY.lock().map_err(|_| Error::Unavailable("the speech engine failed earlier".into()))?;
    initialise()
}

/// Speaks `text` and returns its samples (mono, [`sample_rate`]). Cancel stops within one audio buffer.
pub fn synthesize(text: &str, settings: &EspeakSettings, cancel: &CancelToken) -> Result<Vec<i16>> {
    let _lock = LIBRARY.lock().map_err(|_| Error::Unavailable("the speech engine failed earlier".into()))?;
    initialise()?;
    cancel.check()?;
    let voice = CString::new(settings.voice.as_str())
        .map_err(|_| Error::InvalidInput("a voice name cannot contain a NUL character".into()))?;
    // SAFETY: a valid C string, under LIBRARY.
    if unsafe { espeak_SetVoiceByName(voice.as_ptr()) } != EE_OK {
        return Err(Error::InvalidInput(format!(
            "eSpeak has no voice \"{}\" (see `byline speak --list-voices`)",
            settings.voice
        )));
    }
    let rate = settings.rate.clamp(RATE_RANGE.0, RATE_RANGE.1) as c_int;
    let pitch = settings.pitch.min(100) as c_int;
    // SAFETY: plain integer parameters, under LIBRARY.
    unsafe {
        espeak_SetParameter(PARAM_RATE, rate, 0);
        espeak_SetParameter(PARAM_PITCH, pitch, 0);
    }
    let clean: String = text.chars().filter(|c| *c != '\0').collect();
    let text = CString::new(clean).map_err(|_| Error::InvalidInput("text with a NUL character".into()))?;
    if let Ok(mut samples) = SAMPLES.lock() {
        samples.clear();
    }
    ABORT.store(false, Ordering::Relaxed);
    // Cancel from another thread while eSpeak works: the callback sees ABORT and stops the synthesis.
    let watcher_done = std::sync::Arc::new(AtomicBool::new(false));
    let watcher = {
        let cancel = cancel.clone();
        let done = watcher_done.clone();
        std::thread::spawn(move || {
            while !done.load(Ordering::Relaxed) {
                if cancel.is_cancelled() {
                    ABORT.store(true, Ordering::Relaxed);
                    return;
                }
                std::thread::sleep(std::time::Duration::from_millis(10));
            }
        })
    };
    let bytes = text.as_bytes_with_nul();
    // SAFETY: the text outlives the call (synchronous mode returns when done); no identifier or user data.
    let status = unsafe {
        let status = espeak_Synth(
            bytes.as_ptr().cast(),
            bytes.len(),
            0,
            POS_CHARACTER,
            0,
            CHARS_UTF8,
            std::ptr::null_mut(),
            std::ptr::null_mut(),
        );
        espeak_Synchronize();
        status
    };
    watcher_done.store(true, Ordering::Relaxed);
    let _ = watcher.join();
    let samples = SAMPLES.lock().map(|mut s| std::mem::take(&mut *s)).unwrap_or_default();
    cancel.check()?;
    if status != EE_OK {
        return Err(Error::Unavailable(format!("eSpeak could not speak the text (error {status})")));
    }
    Ok(samples)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(voice: &str) -> EspeakSettings {
        EspeakSettings { voice: voice.into(), rate: RATE_NORMAL, pitch: 50 }
    }

    #[test]
    fn english_and_mandarin_voices_exist() {
        let voices = voices().expect("voices");
        let ids: Vec<String> = voices.iter().map(|v| v.id.to_lowercase()).collect();
        assert!(ids.iter().any(|id| id == "en-us"), "{ids:?}");
        assert!(ids.iter().any(|id| id == "cmn"), "{ids:?}");
    }

    #[test]
    fn speaks_english_and_chinese() {
        let rate = sample_rate().expect("rate");
        assert_eq!(rate, 22_050);
        let en = synthesize("Good evening, this is the news.", &settings("en-us"), &CancelToken::new()).expect("en");
        let zh = synthesize("晚上好，现在播报新闻。", &settings("cmn"), &CancelToken::new()).expect("zh");
        for samples in [&en, &zh] {
            let seconds = samples.len() as f32 / rate as f32;
            assert!((0.8..8.0).contains(&seconds), "{seconds} s");
            let loud = samples.iter().filter(|s| s.unsigned_abs() > 1000).count();
            assert!(loud > samples.len() / 10, "mostly silence");
        }
    }

    #[test]
    fn faster_rate_gives_shorter_audio() {
        let text = "The council approved the budget after a long debate on Tuesday night.";
        let slow = synthesize(text, &EspeakSettings { rate: 120, ..settings("en-us") }, &CancelToken::new());
        let fast = synthesize(text, &EspeakSettings { rate: 300, ..settings("en-us") }, &CancelToken::new());
        let (slow, fast) = (slow.expect("slow"), fast.expect("fast"));
        assert!(fast.len() * 3 < slow.len() * 2, "{} vs {}", fast.len(), slow.len());
    }

    #[test]
    fn unknown_voice_and_cancel_are_clear() {
        let err = synthesize("hello", &settings("no-such-voice"), &CancelToken::new()).expect_err("unknown voice");
        assert!(err.to_string().contains("no voice"), "{err}");
        let cancel = CancelToken::new();
        cancel.cancel();
        let err = synthesize("hello", &settings("en-us"), &cancel).expect_err("cancelled");
        assert_eq!(err.code(), "cancelled");
    }
}
