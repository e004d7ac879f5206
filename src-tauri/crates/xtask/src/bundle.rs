//! `cargo xtask bundle`: the installers, made by Tauri's bundler (the `@tauri-apps/cli` package, a dev
//! dependency of the UI, so no Rust build of the CLI is needed), and the check that the .deb installs and the
//! installed app paints its window.
//!
//! On Linux the bundler makes the .deb itself; an AppImage needs linuxdeploy, which the bundler fetches from
//! GitHub, so it is made only when asked (`--appimage`) and where that host can be reached. The .dmg and .msi
//! are configured in `tauri.conf.json` and built by the same command on macOS and Windows.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

/// Which build goes into the package: the release one for people, the test build for CI's install check
/// (already compiled by the tests, so the check costs a link and the packaging, not a second build).
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Profile {
    Release,
    Debug,
}

/// Builds the UI and the packages; returns the .deb (on Linux).
pub fn build(root: &Path, profile: Profile, appimage: bool) -> Result<Option<PathBuf>> {
    crate::build_ui(false)?;
    let tauri = root.join("ui").join("node_modules").join(".bin").join("tauri");
    let bundles = if cfg!(target_os = "linux") {
        if appimage { "deb,appimage" } else { "deb" }
    } else if cfg!(target_os = "macos") {
        "app,dmg"
    } else {
        "msi"
    };
    let mut args = vec!["build", "--ci", "--bundles", bundles];
    if profile == Profile::Debug {
        args.push("--debug");
    }
    crate::run(&root.join("src-tauri"), &tauri.to_string_lossy(), &args, &[])?;
    if !cfg!(target_os = "linux") {
        return Ok(None);
    }
    let dir = crate::target_dir(root)
        .join(if profile == Profile::Debug { "debug" } else { "release" })
        .join("bundle")
        .join("deb");
    let deb = std::fs::read_dir(&dir)
        .with_context(|| format!("reading {}", dir.display()))?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "deb"))
        .max_by_key(|p| std::fs::metadata(p).and_then(|m| m.modified()).ok())
        .with_context(|| format!("no .deb in {}", dir.display()))?;
    eprintln!("bundle: {}", deb.display());
    Ok(Some(deb))
}

/// What the package must hold, by path inside it.
const EXPECTED: [&str; 4] = [
    "usr/share/applications/Byline.desktop",
    "usr/share/icons/hicolor/",
    "usr/share/doc/byline-app/LICENSE-vaderSentiment.txt",
    "usr/share/doc/byline-app/LICENSE-snownlp.txt",
];

/// The paths `dpkg-deb -c` lists, without the `./` some versions put before them.
fn listed(listing: &str) -> impl Iterator<Item = &str> {
    listing.lines().filter_map(|l| l.split_whitespace().last()).map(|p| p.trim_start_matches("./"))
}

/// Installs `deb` with dpkg (as root, as CI runs), checks what it put where, starts the installed app in the
/// real webview (the e2e crate's install test: the window paints, the first-run screen is on it) and removes
/// the package again. Skipped, with a line saying so, when not root.
pub fn install_check(root: &Path, deb: &Path, envs: &[(&str, String)]) -> Result<()> {
    if !is_root() {
        eprintln!("install check skipped: installing the .deb needs root (CI runs as root)");
        return Ok(());
    }
    let listing = output("dpkg-deb", &["-c", &deb.to_string_lossy()])?;
    for path in EXPECTED {
        if !listed(&listing).any(|p| p.starts_with(path)) {
            bail!("the package has no {path}:\n{listing}");
        }
    }
    let binary = listed(&listing)
        .find(|p| p.starts_with("usr/bin/") && p.len() > "usr/bin/".len())
        .map(|p| Path::new("/").join(p))
        .context("the package installs no program in /usr/bin")?;
    let name = output("dpkg-deb", &["-f", &deb.to_string_lossy(), "Package"])?.trim().to_owned();
    crate::run(root, "dpkg", &["-i", &deb.to_string_lossy()], &[])?;
    let result = (|| {
        let desktop = std::fs::read_to_string("/usr/share/applications/Byline.desktop")
            .context("reading the installed desktop entry")?;
        for want in ["MimeType=text/markdown;", "audio/wav;", "Exec=", "Name=Byline"] {
            if !desktop.contains(want) {
                bail!("the desktop entry lacks {want:?}:\n{desktop}");
            }
        }
        let mut envs: Vec<(&str, &str)> = envs.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let app = binary.to_string_lossy().to_string();
        envs.push(("BYLINE_E2E_APP", &app));
        let cargo = crate::cargo();
        let args = [
            "-a",
            "-s",
            "-screen 0 1920x1080x24",
            cargo.as_str(),
            "test",
            "-p",
            "byline-e2e",
            "--test",
            "install_e2e",
            "--",
            "--include-ignored",
        ];
        crate::testrun::cargo_test(root, "xvfb-run", &args, &envs)
    })();
    let removed = crate::run(root, "dpkg", &["-r", &name], &[]);
    result?;
    removed?;
    eprintln!(
        "install check: {} installed {}, the installed app painted its window, and it was removed",
        deb.display(),
        binary.display()
    );
    Ok(())
}

fn is_root() -> bool {
    output("id", &["-u"]).is_ok_and(|id| id.trim() == "0")
}

fn output(program: &str, args: &[&str]) -> Result<String> {
    let out = Command::new(program).args(args).output().with_context(|| format!("running {program}"))?;
    if !out.status.success() {
        bail!("{program} {} failed: {}", args.join(" "), String::from_utf8_lossy(&out.stderr));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}
