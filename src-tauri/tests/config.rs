//! The shell's configuration keeps Byline's offline promise: the webview may load and reach nothing
//! outside the app bundle and its IPC bridge.
//!
//! Being an integration test of this package also makes `cargo test --workspace` build the app binary
//! that the end-to-end tests drive, with the same features as everything else.

use serde_json::Value;

fn config() -> Value {
    let text = include_str!("../tauri.conf.json");
    serde_json::from_str(text).expect("tauri.conf.json is JSON")
}

fn csp_directives() -> Vec<(String, Vec<String>)> {
    let config = config();
    let csp = config["app"]["security"]["csp"].as_str().expect("a content security policy is set");
    csp.split(';')
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .map(|d| {
            let mut parts = d.split_whitespace().map(str::to_string);
            let name = parts.next().unwrap_or_default();
            (name, parts.collect())
        })
        .collect()
}

#[test]
fn no_source_in_the_csp_reaches_the_network() {
    let directives = csp_directives();
    assert!(directives.iter().any(|(name, _)| name == "default-src"), "default-src must be set");
    for (name, sources) in &directives {
        for source in sources {
            let remote = source.starts_with("http:") && source != "http://ipc.localhost"
                || source.starts_with("https:")
                || source.starts_with("ws:")
                || source.starts_with("wss:")
                || source == "*";
            assert!(!remote, "{name} allows the network source {source}");
        }
    }
}

#[test]
fn scripts_come_only_from_the_bundle() {
    let directives = csp_directives();
    let scripts = directives.iter().find(|(name, _)| name == "script-src").map(|(_, s)| s.clone());
    assert_eq!(scripts, Some(vec!["'self'".to_string()]), "no inline or eval'd scripts");
}

#[test]
fn the_app_loads_the_built_ui_not_a_dev_server() {
    let config = config();
    assert!(config["build"].get("devUrl").is_none(), "a devUrl would make release builds load from a server");
    assert_eq!(config["build"]["frontendDist"], "../ui/dist");
    // Cargo builds the binary for this test; the end-to-end tests run it.
    assert!(std::path::Path::new(env!("CARGO_BIN_EXE_byline-app")).is_file());
}
