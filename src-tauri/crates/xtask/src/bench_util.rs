//! What the peer benchmarks share: medians, paths as arguments, running a process for its output, and
//! reading numbers out of the JSON both sides print (xtask has no JSON parser).
use std::path::Path;
use std::process::Command;

use anyhow::{Context, Result, bail};

/// The median (the mean of the middle two for an even count); NaN for none.
pub fn median(v: &[f64]) -> f64 {
    let mut v = v.to_vec();
    v.sort_by(f64::total_cmp);
    match v.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => v[n / 2],
        n => (v[n / 2 - 1] + v[n / 2]) / 2.0,
    }
}

/// A path as a command-line argument.
pub fn lossy(path: &Path) -> String {
    path.to_string_lossy().into_owned()
}

/// Runs `cmd` and returns its standard output, or an error with its standard error.
pub fn output(cmd: &mut Command, what: &str) -> Result<String> {
    let out = cmd.output().with_context(|| format!("starting {what}"))?;
    if !out.status.success() {
        bail!("{what} failed: {}", String::from_utf8_lossy(&out.stderr));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Every number that follows `"key":` in a JSON text, in order (both sides print flat objects or arrays of
/// flat objects, scalar fields first).
pub fn numbers(json: &str, key: &str) -> Vec<f64> {
    let needle = format!("\"{key}\":");
    json.match_indices(&needle)
        .filter_map(|(at, _)| {
            let rest = json[at + needle.len()..].trim_start();
            let end = rest.find(|c: char| !(c.is_ascii_digit() || "+-.eE".contains(c))).unwrap_or(rest.len());
            rest[..end].parse().ok()
        })
        .collect()
}

/// The first number of `key`.
pub fn first(json: &str, key: &str) -> Result<f64> {
    numbers(json, key).first().copied().with_context(|| format!("no number {key:?} in {json}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_reads_flat_and_pretty_json() {
        let pretty =
            "[\n  {\n    \"passages\": 1000,\n    \"p50_ms\": 0.25\n  },\n  {\"passages\": 10000, \"p50_ms\": 2.5e0}]";
        assert_eq!(numbers(pretty, "passages"), vec![1000.0, 10000.0]);
        assert_eq!(numbers(pretty, "p50_ms"), vec![0.25, 2.5]);
        assert!(numbers(pretty, "p95_ms").is_empty());
    }

    #[test]
    fn medians() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&[4.0, 1.0, 2.0, 3.0]), 2.5);
        assert!(median(&[]).is_nan());
    }
}
