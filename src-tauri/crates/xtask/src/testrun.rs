//! `cargo test` run so that one failure never hides another: `--no-fail-fast`, its output streamed to the
//! terminal as usual and read on the way for the failed tests, which are listed again at the end, where a
//! long log would otherwise bury them.
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};

use anyhow::{Context, Result, bail};

/// The failures of one test binary: how to rerun it and the tests that failed in it.
#[derive(Debug, Default, PartialEq)]
pub struct FailedTarget {
    pub rerun: String,
    pub tests: Vec<String>,
}

/// Reads `cargo test` output line by line. Cargo prints "Running …" before each binary, the harness prints
/// `test name ... FAILED` per test, and cargo ends a failed binary with "error: test failed, to rerun pass
/// `-p crate --test name`": the tests seen since the last "Running" belong to that target.
#[derive(Debug, Default)]
pub struct Failures {
    pending: Vec<String>,
    pub targets: Vec<FailedTarget>,
}

impl Failures {
    pub fn line(&mut self, raw: &str) {
        let line = strip_ansi(raw);
        let line = line.trim();
        if line.starts_with("Running ") || line.starts_with("Doc-tests ") {
            self.pending.clear();
        } else if let Some(name) = line.strip_prefix("test ").and_then(|rest| rest.strip_suffix(" ... FAILED")) {
            self.pending.push(name.to_owned());
        } else if let Some(rest) = line.strip_prefix("error: test failed, to rerun pass ") {
            let rerun = rest.trim_matches('`').to_owned();
            self.targets.push(FailedTarget { rerun, tests: std::mem::take(&mut self.pending) });
        }
    }

    /// The summary printed at the end of a failed run.
    pub fn summary(&self) -> String {
        if self.targets.is_empty() {
            return "cargo test failed before any test failed: see the errors above".into();
        }
        let count: usize = self.targets.iter().map(|t| t.tests.len().max(1)).sum();
        let mut out = format!("{count} failed test(s):\n");
        for target in &self.targets {
            if target.tests.is_empty() {
                out.push_str(&format!("  cargo test {}   (the test binary itself failed)\n", target.rerun));
            }
            for test in &target.tests {
                out.push_str(&format!("  cargo test {} -- --exact {test}\n", target.rerun));
            }
        }
        out
    }
}

fn strip_ansi(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\x1b' {
            // CSI sequence: ESC [ parameters final-byte
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Runs `cargo test …` (already including `--no-fail-fast`) in `dir`, streaming its output and failing with
/// the list of failed tests.
pub fn cargo_test(dir: &Path, program: &str, args: &[&str], envs: &[(&str, &str)]) -> Result<()> {
    eprintln!("\x1b[1m$ {program} {}\x1b[0m", args.join(" "));
    // One pipe for both streams keeps cargo's "Running" lines (stderr) in order with the harness's (stdout).
    let (reader, writer) = std::io::pipe().context("creating a pipe")?;
    let mut child = Command::new(program)
        .args(args)
        .current_dir(dir)
        .envs(envs.iter().copied())
        .stdout(Stdio::from(writer.try_clone().context("duplicating the pipe")?))
        .stderr(Stdio::from(writer))
        .spawn()
        .with_context(|| format!("starting {program}"))?;
    // The reader is a thread of its own so that the child never blocks on a full pipe.
    let tee = std::thread::spawn(move || {
        let mut failures = Failures::default();
        let mut terminal = std::io::stderr();
        for line in BufReader::new(reader).split(b'\n') {
            let Ok(line) = line else { break };
            let _ = terminal.write_all(&line).and_then(|()| terminal.write_all(b"\n"));
            failures.line(&String::from_utf8_lossy(&line));
        }
        failures
    });
    let status = child.wait().context("waiting for cargo test")?;
    let failures = tee.join().map_err(|_| anyhow::anyhow!("the output reader panicked"))?;
    if !status.success() {
        eprintln!("\n{}", failures.summary());
        bail!("`{program} {}` failed ({status})", args.join(" "));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failed_tests_are_attributed_to_their_target() {
        let log = "\
     Running unittests src/lib.rs (target/debug/deps/byline_core-1)
test ok_one ... ok
test record::tests::pause ... FAILED
test result: FAILED. 1 passed; 1 failed
error: test failed, to rerun pass `-p byline-transcribe --lib`
     Running tests/crash.rs (target/debug/deps/crash-2)
test \x1b[1msigkill_during_import\x1b[0m ... FAILED
failures:
    sigkill_during_import
error: test failed, to rerun pass `-p byline-cli --test crash`
     Running tests/fine.rs (target/debug/deps/fine-3)
test fine ... ok
error: 2 targets failed:
    `-p byline-transcribe --lib`
    `-p byline-cli --test crash`";
        let mut f = Failures::default();
        log.lines().for_each(|l| f.line(l));
        assert_eq!(
            f.targets,
            [
                FailedTarget { rerun: "-p byline-transcribe --lib".into(), tests: vec!["record::tests::pause".into()] },
                FailedTarget {
                    rerun: "-p byline-cli --test crash".into(),
                    tests: vec!["sigkill_during_import".into()]
                },
            ]
        );
        let summary = f.summary();
        assert!(summary.starts_with("2 failed test(s)"), "{summary}");
        assert!(
            summary.contains("cargo test -p byline-cli --test crash -- --exact sigkill_during_import"),
            "{summary}"
        );
    }

    #[test]
    fn a_binary_that_crashes_is_listed_without_tests() {
        let mut f = Failures::default();
        f.line("     Running tests/abort.rs (target/debug/deps/abort-1)");
        f.line("error: test failed, to rerun pass `-p x --test abort`");
        assert_eq!(f.targets, [FailedTarget { rerun: "-p x --test abort".into(), tests: vec![] }]);
        assert!(f.summary().contains("the test binary itself failed"));
        assert!(Failures::default().summary().contains("before any test failed"));
    }
}
