//! The installed app: `cargo xtask test` builds the .deb (`cargo xtask bundle`), installs it with dpkg and
//! runs this test against `/usr/bin/…` (BYLINE_E2E_APP); in the ordinary e2e pass it runs against the test
//! build. The app starts on an empty data folder, paints its window (a screenshot of many colours, not a blank
//! or black surface) and shows the first-run setup with its recommendations.

mod support;

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use support::Driver;

fn env_path(name: &str) -> PathBuf {
    std::env::var_os(name).map(PathBuf::from).unwrap_or_else(|| panic!("{name} is not set: run `cargo xtask test`"))
}

/// The distinct colours of a PNG (RGB or RGBA, 8 bits).
fn colours(png_bytes: &[u8]) -> usize {
    let mut decoder = png::Decoder::new(std::io::Cursor::new(png_bytes));
    decoder.set_transformations(png::Transformations::normalize_to_color8());
    let mut reader = decoder.read_info().expect("a PNG");
    let mut buf = vec![0; reader.output_buffer_size().expect("a size")];
    let info = reader.next_frame(&mut buf).expect("a frame");
    let channels = info.color_type.samples();
    buf[..info.buffer_size()].chunks(channels).map(|p| p[..3.min(channels)].to_vec()).collect::<HashSet<_>>().len()
}

#[test]
#[ignore = "needs the built app, tauri-driver and a display: run `cargo xtask test`"]
fn the_installed_app_paints_its_window() {
    let dir = tempfile::tempdir().expect("tempdir");
    let home = dir.path().join("home");
    std::fs::create_dir_all(&home).expect("mkdir");
    let app = env_path("BYLINE_E2E_APP");
    let d = Driver::start_first_run(&env_path("BYLINE_E2E_DRIVER"), &app, &[("BYLINE_HOME", &home)]);
    d.wait_for("[data-testid=setup-pick]");
    let shot = d.screenshot_png();
    let n = colours(&shot);
    assert!(n > 50, "{} painted a window of {n} colours", app.display());
    let out = Path::new(env!("CARGO_MANIFEST_DIR")).join("artifacts").join("installed.png");
    std::fs::write(out, &shot).expect("keep the screenshot");
}
