//! Resumable, verified HTTP downloads.
//!
//! A file grows as `<name>.part`; an interrupted download resumes with `Range` on the next try (or the next
//! run), and only a complete file whose hash matches is renamed into place. A hash mismatch or a cancel deletes
//! the partial file, because its bytes can no longer be trusted or are not wanted.

use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::path::Path;
use std::time::Duration;

use byline_core::{CancelToken, Error, Progress, Reporter, Result};
use sha2::{Digest, Sha256};

use crate::manifest::{ensure_free_space, part_path, remove_quietly};

/// Extra free space demanded beyond the file itself, so a download never fills the disk to the last byte.
pub const SPACE_MARGIN: u64 = 64 * 1024 * 1024;
const CHUNK: usize = 64 * 1024;

/// What to fetch and what it must turn out to be.
pub struct FetchRequest<'a> {
    pub url: &'a str,
    pub dest: &'a Path,
    pub size: Option<u64>,
    pub sha256: Option<&'a str>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Fetched {
    pub size: u64,
    pub sha256: String,
}

pub struct Downloader {
    agent: ureq::Agent,
    tries: u32,
    backoff: Duration,
    margin: u64,
}

/// Whether another try could help.
enum Failure {
    Retry(Error),
    Fatal(Error),
}

impl Default for Downloader {
    fn default() -> Self {
        Self::new()
    }
}

impl Downloader {
    pub fn new() -> Self {
        let config = ureq::Agent::config_builder()
            // Statuses are handled here: 206 vs 200 vs 416 matter for resuming, 404 gets its own message.
            .http_status_as_error(false)
            .timeout_connect(Some(Duration::from_secs(30)))
            // A stalled connection fails the read and is retried with Range instead of hanging forever.
            .timeout_per_read(Some(Duration::from_secs(60)))
            .user_agent(concat!("byline/", env!("CARGO_PKG_VERSION")))
            .build();
        Self { agent: config.into(), tries: 3, backoff: Duration::from_secs(1), margin: SPACE_MARGIN }
    }

    /// The first retry waits `backoff`, each later one twice as long. Tests use milliseconds.
    pub fn with_backoff(mut self, backoff: Duration) -> Self {
        self.backoff = backoff;
        self
    }

    pub fn with_tries(mut self, tries: u32) -> Self {
        self.tries = tries.max(1);
        self
    }

    /// Downloads `req.url` to `req.dest`, resuming a leftover `.part` file.
    pub fn fetch(&self, req: &FetchRequest, reporter: &dyn Reporter, cancel: &CancelToken) -> Result<Fetched> {
        let part = part_path(req.dest);
        let mut last = None;
        for attempt in 0..self.tries {
            if attempt > 0 {
                self.sleep(self.backoff * 2u32.pow(attempt - 1), cancel).inspect_err(|_| remove_quietly(&part))?;
            }
            match self.attempt(req, &part, reporter, cancel) {
                Ok(fetched) => return Ok(fetched),
                Err(Failure::Fatal(e)) => {
                    if matches!(e, Error::Cancelled) {
                        remove_quietly(&part);
                    }
                    return Err(e);
                }
                Err(Failure::Retry(e)) => last = Some(e),
            }
        }
        // The partial file stays: the next pull resumes from it.
        Err(last.unwrap_or_else(|| Error::Network(format!("could not download {}", req.url))))
    }

    fn sleep(&self, total: Duration, cancel: &CancelToken) -> Result<()> {
        let step = Duration::from_millis(50);
        let mut left = total;
        while !left.is_zero() {
            cancel.check()?;
            let nap = left.min(step);
            std::thread::sleep(nap);
            left -= nap;
        }
        cancel.check()
    }

    fn attempt(
        &self,
        req: &FetchRequest,
        part: &Path,
        reporter: &dyn Reporter,
        cancel: &CancelToken,
    ) -> std::result::Result<Fetched, Failure> {
        cancel.check().map_err(Failure::Fatal)?;
        let mut have = std::fs::metadata(part).map(|m| m.len()).unwrap_or(0);
        if req.size.is_some_and(|size| have > size) {
            // Longer than the real file: not a prefix of it, so resuming would only produce garbage.
            remove_quietly(part);
            have = 0;
        }
        if let Some(size) = req.size {
            let name = display_name(req.dest);
            ensure_free_space(part, size.saturating_sub(have).saturating_add(self.margin), &name)
                .map_err(Failure::Fatal)?;
        }
        if have > 0 && req.size == Some(have) {
            // Complete but never renamed (the last run stopped right at the end): a Range request would only get 416.
            let (_, sha256) = crate::manifest::hash_file(part, cancel).map_err(Failure::Fatal)?;
            if req.sha256.is_none_or(|want| want.eq_ignore_ascii_case(&sha256)) {
                std::fs::rename(part, req.dest)
                    .map_err(|e| Failure::Fatal(Error::io(format!("moving {} into place", part.display()), e)))?;
                return Ok(Fetched { size: have, sha256 });
            }
            remove_quietly(part);
            have = 0;
        }

        let mut request = self.agent.get(req.url);
        if have > 0 {
            request = request.header("Range", format!("bytes={have}-"));
        }
        let mut response = request.call().map_err(|e| classify(req.url, e))?;
        let status = response.status().as_u16();
        let header = |name: &str| response.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
        let content_length = header("content-length").and_then(|v| v.parse::<u64>().ok());
        match status {
            200 => have = 0, // The server ignored Range (or none was sent): the body is the whole file.
            206 => {
                let start = header("content-range").as_deref().and_then(content_range_start);
                if start != Some(have) {
                    remove_quietly(part);
                    return Err(Failure::Retry(Error::Network(format!(
                        "{} answered a resume from byte {have} with range {:?}; starting over",
                        req.url,
                        header("content-range")
                    ))));
                }
            }
            416 => {
                // Nothing left to send from `have` on: the partial file is not a usable prefix.
                remove_quietly(part);
                return Err(Failure::Retry(Error::Network(format!("{} rejected the resume range", req.url))));
            }
            404 | 410 => return Err(Failure::Fatal(Error::not_found("model file", format!("at {}", req.url)))),
            500..=599 | 408 | 429 => {
                return Err(Failure::Retry(Error::Network(format!("{} answered HTTP {status}", req.url))));
            }
            _ => return Err(Failure::Fatal(Error::Network(format!("{} answered HTTP {status}", req.url)))),
        }
        let total = content_length.map(|len| have + len).or(req.size);
        if req.size.is_none()
            && let Some(total) = total
        {
            let name = display_name(req.dest);
            ensure_free_space(part, total.saturating_sub(have).saturating_add(self.margin), &name)
                .map_err(Failure::Fatal)?;
        }

        let io_fatal =
            |what: &str, e: std::io::Error| Failure::Fatal(Error::io(format!("{what} {}", part.display()), e));
        let mut hasher = Sha256::new();
        let mut file = if have > 0 {
            hash_prefix(part, &mut hasher, cancel).map_err(Failure::Fatal)?;
            OpenOptions::new().append(true).open(part).map_err(|e| io_fatal("opening", e))?
        } else {
            File::create(part).map_err(|e| io_fatal("creating", e))?
        };

        let name = display_name(req.dest);
        reporter.on_start(total, &name);
        let mut done = have;
        let mut reader = response.body_mut().as_reader();
        let mut buf = vec![0u8; CHUNK];
        loop {
            cancel.check().map_err(Failure::Fatal)?;
            let n = match reader.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    let _ = file.flush();
                    let context = format!("downloading {} (after {done} bytes)", req.url);
                    return Err(Failure::Retry(Error::Network(format!("{context}: {e}"))));
                }
            };
            file.write_all(&buf[..n]).map_err(|e| io_fatal("writing", e))?;
            hasher.update(&buf[..n]);
            done += n as u64;
            reporter.on_progress(&Progress { done, total, message: name.clone() });
        }
        file.sync_all().map_err(|e| io_fatal("syncing", e))?;
        drop(file);

        if let Some(expected) = total
            && done < expected
        {
            return Err(Failure::Retry(Error::Network(format!("{} ended after {done} of {expected} bytes", req.url))));
        }
        if let Some(size) = req.size
            && done != size
        {
            remove_quietly(part);
            return Err(Failure::Fatal(Error::Format {
                path: req.dest.to_path_buf(),
                message: format!("size mismatch for {}: expected {size} bytes, got {done}", req.url),
            }));
        }
        let sha256 = hex::encode(hasher.finalize());
        if let Some(expected) = req.sha256
            && !expected.eq_ignore_ascii_case(&sha256)
        {
            remove_quietly(part);
            return Err(Failure::Fatal(Error::Format {
                path: req.dest.to_path_buf(),
                message: format!("sha256 mismatch for {}: expected {expected}, got {sha256}", req.url),
            }));
        }
        std::fs::rename(part, req.dest)
            .map_err(|e| Failure::Fatal(Error::io(format!("moving {} into place", part.display()), e)))?;
        Ok(Fetched { size: done, sha256 })
    }
}

fn display_name(dest: &Path) -> String {
    dest.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
}

/// Resuming must still yield the hash of the whole file, so the bytes already on disk go through first.
fn hash_prefix(part: &Path, hasher: &mut Sha256, cancel: &CancelToken) -> Result<()> {
    let mut file = File::open(part).map_err(|e| Error::io(format!("opening {}", part.display()), e))?;
    let mut buf = vec![0u8; 1 << 20];
    loop {
        cancel.check()?;
        let n = file.read(&mut buf).map_err(|e| Error::io(format!("reading {}", part.display()), e))?;
        if n == 0 {
            return Ok(());
        }
        hasher.update(&buf[..n]);
    }
}

/// `bytes 100-199/200` → 100.
fn content_range_start(value: &str) -> Option<u64> {
    let range = value.trim().strip_prefix("bytes")?.trim_start();
    range.split('-').next()?.trim().parse().ok()
}

fn classify(url: &str, err: ureq::Error) -> Failure {
    match err {
        ureq::Error::Io(e) => Failure::Retry(Error::Network(format!("connecting to {url}: {e}"))),
        ureq::Error::Timeout(_) | ureq::Error::ConnectionFailed | ureq::Error::Protocol(_) => {
            Failure::Retry(Error::Network(format!("connecting to {url}: {err}")))
        }
        ureq::Error::HostNotFound => {
            Failure::Fatal(Error::Network(format!("cannot resolve the host of {url}; are you offline?")))
        }
        ureq::Error::BadUri(_) => Failure::Fatal(Error::InvalidInput(format!("{url} is not a valid URL"))),
        other => Failure::Fatal(Error::Network(format!("downloading {url}: {other}"))),
    }
}

#[cfg(test)]
#[path = "download_tests.rs"]
mod tests;
