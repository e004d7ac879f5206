//! Read-aloud for Byline: articles prepared for speech in English and Chinese, spoken by eSpeak NG (built in,
//! no download), streamed sentence by sentence to the speakers or to a WAV / Ogg Vorbis file, and kept as an
//! audio version of the article.
//!
//! ```text
//! Markdown ──text::prepare──▶ sentences (lang, spoken form) ──engine::speak──▶ SpokenSentence stream
//!                                                                     ├─▶ player::Player (cpal)
//!                                                                     └─▶ audio::AudioWriter (.wav/.ogg)
//! ```

pub mod audio;
pub mod engine;
#[allow(unsafe_code)] // FFI to libespeak-ng; every unsafe block states why it holds.
pub mod espeak;
pub mod neural;
mod normalize;
pub mod player;
mod stretch;
#[cfg(feature = "test-support")]
pub mod testing;
pub mod text;
mod version;

pub use audio::{AudioFormat, AudioWriter};
pub use engine::{Espeak, PARAGRAPH_PAUSE_MS, SpeechEngine, SpokenSentence, speak};
pub use espeak::EspeakVoiceInfo;
pub use neural::{NeuralEngine, NeuralOptions};
pub use normalize::for_speech;
pub use player::{Ending, Player, PlayerControl, read_aloud};
pub use stretch::time_stretch;
pub use text::{Lang, Sentence, prepare};
pub use version::{AudioVersion, save_audio_version, write_audio};
