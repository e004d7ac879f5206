//! Byline promises to work offline, so the test run proves it: once the models are fetched and tauri-driver is
//! installed (the only steps that need the network), the tests run in a fresh network namespace that has
//! nothing but loopback. A test that reached for the network would fail there instead of passing quietly.
//! Xvfb, PulseAudio, D-Bus and WebKitWebDriver talk over Unix sockets or loopback, which the namespace keeps.
use std::process::Command;

/// Brings loopback up inside the new namespace (it starts down), then runs the command given after it.
const LOOPBACK_UP: &str = "ip link set lo up && exec \"$@\"";

/// Set to run the tests with the network as it is, e.g. where the namespace breaks the display.
pub const OPT_OUT: &str = "BYLINE_TEST_ONLINE";

/// `program args…`, wrapped to run in a network namespace with only loopback when this machine allows it;
/// otherwise unchanged. Either way it prints one line that says which.
pub fn wrap(program: &str, args: &[&str]) -> (String, Vec<String>) {
    match unavailable() {
        None => {
            eprintln!("xtask: the tests run in a network namespace with only loopback: no network");
            let mut wrapped: Vec<String> =
                ["--net", "--", "sh", "-c", LOOPBACK_UP, "sh", program].into_iter().map(String::from).collect();
            wrapped.extend(args.iter().map(|a| a.to_string()));
            ("unshare".into(), wrapped)
        }
        Some(why) => {
            eprintln!("xtask: the tests run with the network as it is: {why}");
            (program.into(), args.iter().map(|a| a.to_string()).collect())
        }
    }
}

/// Why the tests cannot be cut off from the network here, if they cannot.
fn unavailable() -> Option<String> {
    if !cfg!(target_os = "linux") {
        return Some("network namespaces are Linux only".into());
    }
    if std::env::var_os(OPT_OUT).is_some() {
        return Some(format!("{OPT_OUT} is set"));
    }
    // An X server reached over TCP (ssh -X: DISPLAY=localhost:10.0) is outside the namespace.
    if let Some(display) = std::env::var("DISPLAY").ok().filter(|d| !d.is_empty())
        && !display.starts_with(':')
        && !display.starts_with("unix")
    {
        return Some(format!("the display {display} is reached over the network"));
    }
    let root = Command::new("id").arg("-u").output().map(|o| o.stdout.trim_ascii() == b"0").unwrap_or(false);
    if !root {
        return Some("a network namespace needs root (run as root, e.g. in CI, to test with no network)".into());
    }
    // The probe is the real thing: a namespace, loopback up, a command run in it.
    match Command::new("unshare").args(["--net", "--", "sh", "-c", LOOPBACK_UP, "sh", "true"]).output() {
        Err(e) => Some(format!("unshare could not be started ({e}); it is in util-linux")),
        Ok(out) if !out.status.success() => Some(format!(
            "`unshare --net` with `ip link set lo up` failed: {} (ip is in iproute2)",
            String::from_utf8_lossy(&out.stderr).trim()
        )),
        Ok(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_command_runs_after_loopback_comes_up() {
        // Run for real: the namespace has loopback and nothing else, or the machine says why not.
        let (program, args) = wrap("ip", &["-o", "link", "show"]);
        let out = Command::new(&program).args(&args).output().expect("run");
        assert!(out.status.success(), "{program} {args:?}: {}", String::from_utf8_lossy(&out.stderr));
        if program == "unshare" {
            assert_eq!(&args[..7], ["--net", "--", "sh", "-c", LOOPBACK_UP, "sh", "ip"]);
            let links = String::from_utf8_lossy(&out.stdout);
            let names: Vec<&str> = links.lines().filter_map(|l| l.split(':').nth(1)).map(str::trim).collect();
            assert_eq!(names, ["lo"], "{links}");
            assert!(links.contains("UP"), "loopback is up: {links}");
        } else {
            assert_eq!(args, ["-o", "link", "show"]);
        }
    }
}
