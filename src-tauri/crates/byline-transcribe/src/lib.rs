//! Transcription for Byline: decoding any common audio or video file to 16 kHz mono ([`decode`]),
//! whisper.cpp inference with chunking and loop recovery ([`Engine`]), microphone recording that survives a
//! crash ([`record`]), transcripts in the library ([`store`]) and their exports ([`export`]).

pub mod chunk;
pub mod decode;
mod engine;
pub mod export;
pub mod live;
mod model;
mod note;
mod options;
pub mod record;
pub mod repetition;
pub mod resample;
pub mod speakers;
pub mod store;
pub mod take;
mod transcript;
pub mod vad;
pub mod voices;
mod words;
mod workflow;

pub use decode::{AudioInfo, SUPPORTED_FORMATS, decode_16k_mono, load_16k_mono};
pub use engine::{Engine, SegmentSink};
pub use model::{DEFAULT_MODEL, SPEAKER_MODEL, VAD_MODEL, resolve_model, resolve_speaker_model, resolve_vad};
pub use note::{Recognised, SpeakerMethod, TranscriptNote};
pub use options::{MAX_SPEAKERS, Options, parse_range, parse_speakers};
pub use transcript::{Segment, Transcript, Voice, Word, normalise, word_error_rate};
pub use workflow::{Transcribed, load_engine, transcribe_and_store};

#[cfg(test)]
mod decode_tests;
#[cfg(test)]
mod long_file_tests;
#[cfg(test)]
mod real_model_tests;

#[cfg(test)]
mod fuzz_tests;
