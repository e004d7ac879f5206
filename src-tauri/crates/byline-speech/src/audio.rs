//! Writing speech to files: WAV for editing, Ogg Vorbis for publishing. Both are written as the audio
//! arrives, so a long article never sits whole in memory.

use std::fs::File;
use std::io::BufWriter;
use std::num::{NonZeroU8, NonZeroU32};
use std::path::{Path, PathBuf};

use byline_core::{Error, Result};

/// Output formats for an audio version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AudioFormat {
    Wav,
    Ogg,
}

impl AudioFormat {
    /// From a file name's extension.
    pub fn from_path(path: &Path) -> Result<Self> {
        match path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase).as_deref() {
            Some("wav") => Ok(Self::Wav),
            Some("ogg" | "oga") => Ok(Self::Ogg),
            other => Err(Error::InvalidInput(format!(
                "cannot write audio as {}: use a .wav or .ogg file name",
                other.map(|e| format!(".{e}")).unwrap_or_else(|| "a file without extension".into())
            ))),
        }
    }

    pub fn mime(self) -> &'static str {
        match self {
            Self::Wav => "audio/wav",
            Self::Ogg => "audio/ogg",
        }
    }
}

enum Inner {
    Wav(hound::WavWriter<BufWriter<File>>),
    Ogg(Box<vorbis_rs::VorbisEncoder<BufWriter<File>>>),
}

/// A file being written; it appears under its final name only after [`AudioWriter::finish`].
pub struct AudioWriter {
    inner: Inner,
    partial: PathBuf,
    path: PathBuf,
}

fn partial_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    name.push(".partial");
    path.with_file_name(name)
}

impl AudioWriter {
    pub fn create(path: &Path, sample_rate: u32) -> Result<Self> {
        let format = AudioFormat::from_path(path)?;
        let partial = partial_path(path);
        let file = File::create(&partial).map_err(|e| Error::io(format!("creating {}", partial.display()), e))?;
        let out = BufWriter::new(file);
        let inner = match format {
            AudioFormat::Wav => {
                let spec = hound::WavSpec {
                    channels: 1,
                    sample_rate,
                    bits_per_sample: 16,
                    sample_format: hound::SampleFormat::Int,
                };
                Inner::Wav(hound::WavWriter::new(out, spec).map_err(|e| wav_error(&partial, e))?)
            }
            AudioFormat::Ogg => {
                let rate = NonZeroU32::new(sample_rate).ok_or_else(|| Error::InvalidInput("sample rate 0".into()))?;
                let channels = NonZeroU8::MIN;
                let encoder = vorbis_rs::VorbisEncoderBuilder::new(rate, channels, out)
                    .map_err(|e| ogg_error(&partial, e))?
                    .build()
                    .map_err(|e| ogg_error(&partial, e))?;
                Inner::Ogg(Box::new(encoder))
            }
        };
        Ok(Self { inner, partial, path: path.to_path_buf() })
    }

    pub fn write(&mut self, samples: &[f32]) -> Result<()> {
        match &mut self.inner {
            Inner::Wav(w) => {
                for s in samples {
                    let v = (s.clamp(-1.0, 1.0) * 32_767.0).round() as i16;
                    w.write_sample(v).map_err(|e| wav_error(&self.partial, e))?;
                }
            }
            Inner::Ogg(e) => {
                // libvorbis works best with blocks of a few thousand samples.
                for block in samples.chunks(4096) {
                    e.encode_audio_block([block]).map_err(|err| ogg_error(&self.partial, err))?;
                }
            }
        }
        Ok(())
    }

    /// Completes the file and moves it into place.
    pub fn finish(self) -> Result<PathBuf> {
        match self.inner {
            Inner::Wav(w) => w.finalize().map_err(|e| wav_error(&self.partial, e))?,
            Inner::Ogg(e) => {
                e.finish().map_err(|err| ogg_error(&self.partial, err))?;
            }
        }
        std::fs::rename(&self.partial, &self.path)
            .map_err(|e| Error::io(format!("moving the audio to {}", self.path.display()), e))?;
        Ok(self.path)
    }

    /// Removes the unfinished file (after a cancel or an error).
    pub fn abandon(self) {
        let partial = self.partial.clone();
        drop(self);
        let _ = std::fs::remove_file(partial);
    }
}

fn wav_error(path: &Path, e: hound::Error) -> Error {
    match e {
        hound::Error::IoError(io) => Error::io(format!("writing {}", path.display()), io),
        other => Error::Format { path: path.to_path_buf(), message: other.to_string() },
    }
}

fn ogg_error(path: &Path, e: vorbis_rs::VorbisError) -> Error {
    match e {
        vorbis_rs::VorbisError::Io(io) => Error::io(format!("writing {}", path.display()), io),
        other => Error::Format { path: path.to_path_buf(), message: other.to_string() },
    }
}
