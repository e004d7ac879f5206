//! The aarch64 check of `cargo xtask test`: the quantized kernels' tests (every NEON kernel against the
//! scalar reference on random blocks, the matmul against f32) built for aarch64 and run under QEMU, so
//! Apple Silicon and ARM laptops get kernels that were tested, not only compiled. Skipped, with a line
//! saying why, where the cross tools are missing.

use std::path::Path;
use std::process::Command;

use anyhow::Result;

const TARGET: &str = "aarch64-unknown-linux-gnu";
const LINKER: &str = "aarch64-linux-gnu-gcc";
const EMULATOR: &str = "qemu-aarch64";

fn found(program: &str) -> bool {
    Command::new(program).arg("--version").output().is_ok_and(|o| o.status.success())
}

fn target_installed() -> bool {
    Command::new("rustup")
        .args(["target", "list", "--installed"])
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).lines().any(|l| l.trim() == TARGET))
}

pub fn check(root: &Path) -> Result<()> {
    if !cfg!(target_arch = "x86_64") {
        eprintln!("aarch64 kernel check skipped: it cross-builds from x86-64");
        return Ok(());
    }
    for (program, package) in [(LINKER, "gcc-aarch64-linux-gnu"), (EMULATOR, "qemu-user")] {
        if !found(program) {
            eprintln!("aarch64 kernel check skipped: {program} is missing (package {package})");
            return Ok(());
        }
    }
    if !target_installed() {
        let added = Command::new("rustup").args(["target", "add", TARGET]).status().is_ok_and(|s| s.success());
        if !added {
            eprintln!(
                "aarch64 kernel check skipped: the Rust target {TARGET} is not installed (rustup target add {TARGET})"
            );
            return Ok(());
        }
    }
    let runner = format!("{EMULATOR} -L /usr/aarch64-linux-gnu");
    crate::run(
        root,
        &crate::cargo(),
        &["test", "--package", "byline-kernels", "--target", TARGET],
        &[
            ("CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER", LINKER),
            ("CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_RUNNER", &runner),
        ],
    )?;
    eprintln!("aarch64: the NEON kernels equal the scalar reference under {EMULATOR}");
    Ok(())
}
