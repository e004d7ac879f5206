//! The files a Whisper → ggml conversion needs besides the weights: OpenAI's mel filter bank and token
//! vocabularies. No wheel carries them; openai-whisper's source distribution does, so it is fetched with pip
//! (the user's own index and proxy settings apply) and the three assets are unpacked from the .tar.gz.

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use base64::Engine;
use byline_core::{CancelToken, Error, Reporter, Result};

use crate::manifest::{hash_file, part_path, remove_quietly};

pub const SDIST_SPEC: &str = "openai-whisper==20250625";
const SDIST_NAME: &str = "openai_whisper-20250625.tar.gz";
const SDIST_SHA256: &str = "37a91a3921809d9f44748ffc73c0a55c9f366c85a3ef5c2ae0cc09540432eb96";
const MEMBER_DIR: &str = "openai_whisper-20250625/whisper/assets/";
/// The three assets with the sha256 we computed once from the pinned sdist.
pub const ASSETS: [(&str, &str); 3] = [
    ("mel_filters.npz", "7450ae70723a5ef9d341e3cee628c7cb0177f36ce42c44b7ed2bf3325f0f6d4c"),
    ("gpt2.tiktoken", "306cd27f03c1a714eca7108e03d66b7dc042abe8c258b44c199a7ed9838dd930"),
    ("multilingual.tiktoken", "b34b360dbb493e781e479794586d661700670d65564001f23024971d1f2fa126"),
];

/// A folder holding `mel_filters.npz`, `gpt2.tiktoken` and `multilingual.tiktoken`.
#[derive(Clone, Debug)]
pub struct WhisperAssets {
    dir: PathBuf,
}

impl WhisperAssets {
    /// Uses assets already in `dir` (for example a checkout of openai-whisper's `whisper/assets`).
    pub fn in_dir(dir: &Path) -> Result<Self> {
        for (name, _) in ASSETS {
            if !dir.join(name).is_file() {
                return Err(Error::not_found("Whisper asset", dir.join(name).display()));
            }
        }
        Ok(WhisperAssets { dir: dir.to_path_buf() })
    }

    /// The assets in `dir`, fetched and unpacked first unless they are there with the pinned hashes.
    pub fn fetch(dir: &Path, reporter: &dyn Reporter, cancel: &CancelToken) -> Result<Self> {
        if all_present(dir, cancel)? {
            return Ok(WhisperAssets { dir: dir.to_path_buf() });
        }
        std::fs::create_dir_all(dir).map_err(|e| Error::io(format!("creating {}", dir.display()), e))?;
        let sdist = dir.join(SDIST_NAME);
        let cached_ok = sdist.is_file() && hash_file(&sdist, cancel)?.1 == SDIST_SHA256;
        if !cached_ok {
            remove_quietly(&sdist);
            pip_download_sdist(dir, reporter, cancel)?;
            let (_, got) = hash_file(&sdist, cancel)?;
            if got != SDIST_SHA256 {
                remove_quietly(&sdist);
                return Err(Error::Format {
                    path: sdist,
                    message: format!("sha256 mismatch: expected {SDIST_SHA256}, got {got}"),
                });
            }
        }
        unpack_assets(&sdist, dir)?;
        if !all_present(dir, cancel)? {
            return Err(Error::Format {
                path: sdist,
                message: "the unpacked Whisper assets do not match their pinned sha256".into(),
            });
        }
        reporter.on_done(&format!("Whisper assets ready in {}", dir.display()));
        Ok(WhisperAssets { dir: dir.to_path_buf() })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The `[n_mels, 201]` filter bank as `(rows, cols, row-major data)`.
    pub fn mel_filters(&self, n_mels: u32) -> Result<(usize, usize, Vec<f32>)> {
        let path = self.dir.join("mel_filters.npz");
        let array = crate::npy::read_npz_member(&path, &format!("mel_{n_mels}.npy"))?;
        match array.shape.as_slice() {
            [rows, cols] if *rows == n_mels as usize => Ok((*rows, *cols, array.data)),
            shape => Err(Error::Format {
                path,
                message: format!("mel_{n_mels} has shape {shape:?}, expected [{n_mels}, 201]"),
            }),
        }
    }

    /// Token byte strings in rank order, from `multilingual.tiktoken` or `gpt2.tiktoken`.
    pub fn vocabulary(&self, multilingual: bool) -> Result<Vec<Vec<u8>>> {
        let path = self.dir.join(if multilingual { "multilingual.tiktoken" } else { "gpt2.tiktoken" });
        let text = std::fs::read_to_string(&path).map_err(|e| Error::io(format!("reading {}", path.display()), e))?;
        parse_tiktoken(&text).map_err(|message| Error::Format { path, message })
    }
}

fn all_present(dir: &Path, cancel: &CancelToken) -> Result<bool> {
    for (name, sha) in ASSETS {
        let path = dir.join(name);
        if !path.is_file() || hash_file(&path, cancel)?.1 != sha {
            return Ok(false);
        }
    }
    Ok(true)
}

/// Parses a `.tiktoken` file: one `base64-token rank` pair per line. Ranks must be exactly 0..n, because
/// the ggml vocabulary is written in rank order and whisper.cpp takes the position as the token id.
pub fn parse_tiktoken(text: &str) -> std::result::Result<Vec<Vec<u8>>, String> {
    let mut slots: Vec<Option<Vec<u8>>> = Vec::new();
    for (n, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        let mut parts = line.split_whitespace();
        let (Some(token), Some(rank), None) = (parts.next(), parts.next(), parts.next()) else {
            return Err(format!("line {} is not `token rank`", n + 1));
        };
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(token)
            .map_err(|e| format!("line {}: token is not base64: {e}", n + 1))?;
        let rank: usize = rank.parse().map_err(|_| format!("line {}: rank {rank:?} is not a number", n + 1))?;
        if rank > 10_000_000 {
            return Err(format!("line {}: rank {rank} is implausible", n + 1));
        }
        if slots.len() <= rank {
            slots.resize(rank + 1, None);
        }
        if slots[rank].replace(bytes).is_some() {
            return Err(format!("line {}: rank {rank} appears twice", n + 1));
        }
    }
    if slots.is_empty() {
        return Err("the vocabulary is empty".into());
    }
    slots.into_iter().enumerate().map(|(rank, slot)| slot.ok_or_else(|| format!("rank {rank} is missing"))).collect()
}

fn pip_download_sdist(dir: &Path, reporter: &dyn Reporter, cancel: &CancelToken) -> Result<()> {
    reporter.on_start(None, &format!("pip download {SDIST_SPEC} (source)"));
    let programs: [&[&str]; 3] = [&["pip"], &["pip3"], &["python3", "-m", "pip"]];
    for program in programs {
        let Some((exe, pre)) = program.split_first() else { continue };
        let spawned = Command::new(exe)
            .args(pre)
            .args(["download", "--no-deps", "--no-binary", ":all:", "--disable-pip-version-check", "-d"])
            .arg(dir)
            .arg(SDIST_SPEC)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn();
        let child = match spawned {
            Ok(child) => child,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => return Err(Error::io(format!("starting {exe}"), e)),
        };
        cancel.check()?;
        let out = child.wait_with_output().map_err(|e| Error::io(format!("waiting for {exe}"), e))?;
        if out.status.success() {
            return Ok(());
        }
        let text = String::from_utf8_lossy(&out.stderr);
        let tail: Vec<&str> = text.lines().rev().take(5).collect::<Vec<_>>().into_iter().rev().collect();
        return Err(Error::InvalidInput(format!("pip could not download {SDIST_SPEC}: {}", tail.join(" | "))));
    }
    Err(Error::InvalidInput(format!("cannot download {SDIST_SPEC}: pip was not found")))
}

/// Copies the three asset members out of the sdist, each through a `.part` file and an atomic rename.
fn unpack_assets(sdist: &Path, dir: &Path) -> Result<()> {
    let file = File::open(sdist).map_err(|e| Error::io(format!("opening {}", sdist.display()), e))?;
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(BufReader::new(file)));
    let bad = |e: std::io::Error| Error::Format { path: sdist.to_path_buf(), message: format!("damaged archive: {e}") };
    let mut found = 0;
    for entry in archive.entries().map_err(bad)? {
        let mut entry = entry.map_err(bad)?;
        let member = entry.path().map_err(bad)?.to_string_lossy().into_owned();
        let Some(name) = member.strip_prefix(MEMBER_DIR) else { continue };
        if !ASSETS.iter().any(|(asset, _)| *asset == name) {
            continue;
        }
        let dest = dir.join(name);
        let part = part_path(&dest);
        let mut bytes = Vec::new();
        entry.read_to_end(&mut bytes).map_err(bad)?;
        std::fs::write(&part, &bytes).map_err(|e| Error::io(format!("writing {}", part.display()), e))?;
        std::fs::rename(&part, &dest).map_err(|e| Error::io(format!("moving {} into place", dest.display()), e))?;
        found += 1;
    }
    if found < ASSETS.len() {
        return Err(Error::Format {
            path: sdist.to_path_buf(),
            message: format!("holds {found} of the {} assets under {MEMBER_DIR}", ASSETS.len()),
        });
    }
    Ok(())
}
