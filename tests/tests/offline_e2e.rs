//! The app opens no network socket. tauri-driver launches a wrapper script in place of the app binary; the
//! script runs the app under `strace -f`, which logs every `connect` and `sendto` of the app and of every
//! process it starts (WebKit's web and network processes included). The test uses the app as a reporter
//! would (import, search, open, Preview, tone), quits it, and reads the log: Unix sockets (X11, D-Bus,
//! PulseAudio) and netlink are fine; any IPv4 or IPv6 address is a failure.
mod support;

use std::collections::BTreeSet;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde_json::json;
use support::Driver;

fn env_path(name: &str) -> PathBuf {
    std::env::var_os(name).map(PathBuf::from).unwrap_or_else(|| panic!("{name} is not set: run `cargo xtask test`"))
}

fn quoted(path: &Path) -> String {
    format!("'{}'", path.to_string_lossy().replace('\'', r"'\''"))
}

/// A stand-in for the app binary: the app under strace, then a file that says strace has finished writing.
fn traced_app(dir: &Path, app: &Path, log: &Path) -> PathBuf {
    let strace = ["/usr/bin/strace", "/bin/strace"]
        .into_iter()
        .map(Path::new)
        .find(|p| p.exists())
        .expect("strace is installed (Debian: apt-get install strace)");
    let script = dir.join("traced-byline-app");
    // WebKitWebDriver tells the browser where its automation server listens; the wrapper writes it down.
    let text = format!(
        "#!/bin/sh\nprintf %s \"$WEBKIT_INSPECTOR_SERVER\" > {}.driver\n{} -f -qq -e trace=connect,sendto,sendmmsg -e signal=none -o {} {} \"$@\"\necho $? > {}.done\n",
        quoted(log),
        quoted(strace),
        quoted(log),
        quoted(app),
        quoted(log),
    );
    std::fs::write(&script, text).expect("write the wrapper");
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).expect("make it executable");
    script
}

/// The log lines that reach an IPv4 or IPv6 address, except the WebDriver's own automation server at
/// `driver` (`127.0.0.1:PORT`): the test's channel into the webview, not the app's.
fn network_calls<'a>(log: &'a str, driver: &str) -> Vec<&'a str> {
    let automation = driver
        .split_once(':')
        .map(|(ip, port)| format!("sa_family=AF_INET, sin_port=htons({port}), sin_addr=inet_addr(\"{ip}\")}}"));
    log.lines()
        .filter(|l| l.contains("sa_family=AF_INET"))
        .filter(|l| !(l.contains(" connect(") && automation.as_ref().is_some_and(|a| l.contains(a.as_str()))))
        .collect()
}

#[test]
#[ignore = "needs the built app, tauri-driver, strace and a display: run `cargo xtask test`"]
fn the_app_opens_no_network_socket() {
    let dir = tempfile::tempdir().expect("tempdir");
    let home = dir.path().join("home");
    let articles = dir.path().join("articles");
    std::fs::create_dir_all(&articles).expect("mkdir");
    // Web links and a remote image, as wire copy has them: shown, never fetched.
    std::fs::write(
        articles.join("storm.md"),
        "---\ntitle: Storm closes the harbour\n---\nThe storm closed the harbour on Monday, a terrible blow \
         for the fishermen. [The forecast](https://example.com/forecast) warned of it.\n\n\
         ![Waves](https://example.com/waves.jpg)\n",
    )
    .expect("write");
    std::fs::write(
        articles.join("fair.html"),
        "<html><head><title>Spring fair</title><link rel=stylesheet href=https://example.com/a.css></head>\
         <body><article><h1>Spring fair</h1><p>The spring fair was a wonderful success.</p>\
         <img src=https://example.com/fair.jpg></article></body></html>",
    )
    .expect("write");
    let log = dir.path().join("strace.log");
    let app = traced_app(dir.path(), &env_path("BYLINE_E2E_APP"), &log);

    let d = Driver::start(&env_path("BYLINE_E2E_DRIVER"), &app, &[("BYLINE_HOME", home.as_path())]);
    d.click(&d.wait_for("[data-testid=import-button]"));
    d.choose_import_folder(&home, &articles);
    d.click(&d.wait_for("[data-testid=import-start]"));
    let summary = d.wait_for("[data-testid=import-summary]");
    let text = d.wait_until("the import summary", || Some(d.text(&summary)).filter(|t| t.contains("Imported")));
    assert!(text.contains("Imported 2"), "summary: {text}");
    d.click(&d.wait_for("[data-testid=import-close]"));

    d.type_into(&d.wait_for("[data-testid=search]"), "harbour");
    d.click(&d.wait_for("[data-testid=search-result]"));
    d.wait_until("the article in the editor", || {
        (d.current_value("[data-testid=editor-title]").as_deref() == Some("Storm closes the harbour")).then_some(())
    });
    d.click(&d.wait_for("[data-testid=mode-preview]"));
    let preview = d.wait_for("[data-testid=editor-preview]");
    d.wait_until("the rendered preview", || Some(d.text(&preview)).filter(|t| t.contains("fishermen")));
    d.click(&d.wait_for("[data-testid=editor-preview] a"));
    d.click(&d.wait_for("[data-testid=side-sentiment]"));
    d.wait_longer("scored sentences", Duration::from_secs(60), || {
        Some(d.find_all("[data-testid=sentiment-sentence]")).filter(|s| !s.is_empty())
    });

    // Quit as the window's close would: the app exits, then strace, which writes the rest of its log.
    // The window goes away while the WebDriver may still be answering this call, so an error reply is expected
    // now and then; what counts is that the app exits (the wrapper's `.done` file below).
    let quit = d.try_execute_async(
        "const done = arguments[arguments.length - 1];\
         done(true);\
         setTimeout(() => window.__TAURI_INTERNALS__.invoke('plugin:window|destroy', { label: 'main' })\
           .catch(() => {}), 200);",
        json!([]),
    );
    if let Err(e) = quit {
        eprintln!("the WebDriver answered the quit with an error, as it may when the window closes: {e}");
    }
    let done = log.with_extension("log.done");
    let deadline = Instant::now() + Duration::from_secs(30);
    while !done.exists() {
        assert!(Instant::now() < deadline, "the app did not exit after its window was destroyed");
        std::thread::sleep(Duration::from_millis(200));
    }
    drop(d);

    let driver = std::fs::read_to_string(log.with_extension("log.driver")).expect("read the driver's address");
    assert!(driver.starts_with("127.0.0.1:"), "the WebDriver's automation server is local: {driver:?}");
    let log = std::fs::read_to_string(&log).expect("read the strace log");
    // The trace is real: it saw the app's own Unix sockets, in more than one process.
    let connects: Vec<&str> = log.lines().filter(|l| l.contains("connect(")).collect();
    assert!(connects.iter().any(|l| l.contains("AF_UNIX")), "strace saw no connect at all:\n{log}");
    let pids: BTreeSet<&str> = log.lines().filter_map(|l| l.split_whitespace().next()).collect();
    assert!(pids.len() > 1, "strace followed only one process: {pids:?}");
    let network = network_calls(&log, &driver);
    assert!(network.is_empty(), "the app reached for the network:\n{}", network.join("\n"));
}

#[test]
fn network_calls_are_told_from_local_ones() {
    let log = "\
101 connect(3, {sa_family=AF_UNIX, sun_path=\"/tmp/.X11-unix/X99\"}, 110) = 0
102 sendto(5, \"x\", 1, 0, {sa_family=AF_NETLINK, nl_pid=0, nl_groups=00000000}, 12) = 1
103 connect(7, {sa_family=AF_INET, sin_port=htons(53), sin_addr=inet_addr(\"10.0.0.53\")}, 16) = 0
104 connect(8, {sa_family=AF_INET6, sin6_port=htons(443), sin6_flowinfo=htonl(0), inet_pton(AF_INET6, \"::1\", &sin6_addr), sin6_scope_id=0}, 28) = -1 ECONNREFUSED";
    let found = network_calls(log, "127.0.0.1:4444");
    assert_eq!(found.len(), 2, "{found:?}");
    assert!(found[0].starts_with("103 ") && found[1].starts_with("104 "));
    // The WebDriver's automation channel is the test's, not the app's; any other local port is not.
    let driver = "105 connect(9, {sa_family=AF_INET, sin_port=htons(4444), sin_addr=inet_addr(\"127.0.0.1\")}, 16) = 0\n\
                  106 connect(9, {sa_family=AF_INET, sin_port=htons(44444), sin_addr=inet_addr(\"127.0.0.1\")}, 16) = 0";
    assert_eq!(network_calls(driver, "127.0.0.1:4444"), [driver.lines().nth(1).expect("line")]);
}
