//! A small W3C WebDriver client over tauri-driver, enough to drive Byline like a person would.
// Each test binary compiles this module and uses a part of it.
#![allow(dead_code)]
use std::net::TcpStream;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";

/// One app at a time: the tests of a file run on parallel threads, but each drives a whole desktop app
/// under the same display.
static ONE_APP: Mutex<()> = Mutex::new(());

/// tauri-driver and the app it launched; both are stopped on drop.
pub struct Driver {
    _one_app: MutexGuard<'static, ()>,
    child: Child,
    agent: ureq::Agent,
    base: String,
    session: String,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("a free port")
}

impl Driver {
    /// The app with the first-run setup marked done in the data folder (`BYLINE_HOME` in `envs`), so it
    /// opens on the library as it does every day after the first.
    pub fn start(driver: &Path, app: &Path, envs: &[(&str, &Path)]) -> Self {
        if let Some((_, home)) = envs.iter().find(|(k, _)| *k == "BYLINE_HOME") {
            let file = home.join("settings.toml");
            let mut settings = byline_core::Settings::load(&file).expect("the test's settings");
            settings.setup_done = true;
            settings.save(&file).expect("write the settings");
        }
        Self::start_first_run(driver, app, envs)
    }

    /// The app as on a reporter's first day: the data folder is used as it is.
    pub fn start_first_run(driver: &Path, app: &Path, envs: &[(&str, &Path)]) -> Self {
        // A test that failed while holding the lock poisons it; the next one may still run.
        let one_app = ONE_APP.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let (port, native) = (free_port(), free_port());
        // Its own process group, so dropping the driver also stops the WebKitWebDriver and app it started.
        let child = Command::new(driver)
            .process_group(0)
            .args(["--port", &port.to_string(), "--native-port", &native.to_string()])
            .envs(envs.iter().map(|(k, v)| (*k, *v)))
            .stdout(Stdio::inherit())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start tauri-driver");
        let deadline = Instant::now() + Duration::from_secs(20);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "tauri-driver did not listen on port {port}");
            std::thread::sleep(Duration::from_millis(100));
        }
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(120)))
            .build()
            .into();
        let base = format!("http://127.0.0.1:{port}");
        let caps = json!({"capabilities": {"alwaysMatch": {"tauri:options": {"application": app}}}});
        let mut driver = Self { _one_app: one_app, child, agent, base, session: String::new() };
        // tauri-driver answers before its WebKitWebDriver is always ready: a refused first session is retried.
        let mut attempt = 0;
        let created = loop {
            attempt += 1;
            match driver.try_request("POST", "/session", Some(caps.clone())) {
                Ok(created) => break created,
                Err(e) if attempt < 5 => {
                    eprintln!("creating the WebDriver session failed ({e}); retrying");
                    std::thread::sleep(Duration::from_secs(2));
                }
                Err(e) => panic!("POST /session: {e}"),
            }
        };
        driver.session = created["sessionId"].as_str().expect("a session id").to_string();
        driver
    }

    fn request(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        self.try_request(method, path, body).unwrap_or_else(|e| panic!("{method} {path}: {e}"))
    }

    fn try_request(&self, method: &str, path: &str, body: Option<Value>) -> Result<Value, String> {
        let url = format!("{}{}", self.base, path);
        let response = match (method, body) {
            ("GET", _) => self.agent.get(&url).call(),
            ("DELETE", _) => self.agent.delete(&url).call(),
            (_, body) => self.agent.post(&url).send_json(body.unwrap_or_else(|| json!({}))),
        };
        let mut response = response.map_err(|e| e.to_string())?;
        let status = response.status();
        let value: Value = response.body_mut().read_json().unwrap_or(Value::Null);
        if !status.is_success() {
            return Err(format!("{status}: {value}"));
        }
        Ok(value["value"].clone())
    }

    fn session_path(&self, rest: &str) -> String {
        format!("/session/{}{rest}", self.session)
    }

    pub fn find_all(&self, css: &str) -> Vec<String> {
        let found =
            self.request("POST", &self.session_path("/elements"), Some(json!({"using": "css selector", "value": css})));
        found
            .as_array()
            .map(|a| a.iter().filter_map(|e| e[ELEMENT_KEY].as_str().map(String::from)).collect())
            .unwrap_or_default()
    }

    /// Waits until `css` matches at least one element and returns the first.
    pub fn wait_for(&self, css: &str) -> String {
        self.wait_until(&format!("an element matching {css}"), || self.find_all(css).into_iter().next())
    }

    pub fn wait_until<T>(&self, what: &str, probe: impl FnMut() -> Option<T>) -> T {
        self.wait_longer(what, Duration::from_secs(30), probe)
    }

    /// As `wait_until`, for work that takes long on a slow machine (inference on two cores).
    pub fn wait_longer<T>(&self, what: &str, limit: Duration, mut probe: impl FnMut() -> Option<T>) -> T {
        let deadline = Instant::now() + limit;
        loop {
            if let Some(v) = probe() {
                return v;
            }
            if Instant::now() > deadline {
                self.screenshot(Path::new(env!("CARGO_MANIFEST_DIR")).join("artifacts/failure.png").as_path());
                panic!("timed out waiting for {what}");
            }
            std::thread::sleep(Duration::from_millis(150));
        }
    }

    pub fn click(&self, element: &str) {
        self.request("POST", &self.session_path(&format!("/element/{element}/click")), None);
    }

    /// A real mouse click at a point of the window (W3C actions): for text under another element, such as
    /// the quote underlines drawn beneath the editor's textarea.
    pub fn click_at(&self, x: f64, y: f64) {
        let pointer = json!({
            "type": "pointer", "id": "mouse", "parameters": { "pointerType": "mouse" },
            "actions": [
                { "type": "pointerMove", "origin": "viewport", "x": x.round() as i64, "y": y.round() as i64, "duration": 0 },
                { "type": "pointerDown", "button": 0 },
                { "type": "pointerUp", "button": 0 },
            ],
        });
        self.request("POST", &self.session_path("/actions"), Some(json!({ "actions": [pointer] })));
        self.request("DELETE", &self.session_path("/actions"), None);
    }

    pub fn type_into(&self, element: &str, text: &str) {
        self.request("POST", &self.session_path(&format!("/element/{element}/value")), Some(json!({"text": text})));
    }

    pub fn clear(&self, element: &str) {
        self.request("POST", &self.session_path(&format!("/element/{element}/clear")), None);
    }

    pub fn text(&self, element: &str) -> String {
        self.request("GET", &self.session_path(&format!("/element/{element}/text")), None).as_str().unwrap_or("").into()
    }

    pub fn property(&self, element: &str, name: &str) -> Value {
        self.request("GET", &self.session_path(&format!("/element/{element}/property/{name}")), None)
    }

    /// The `value` of the first element matching `css`, looked up afresh: `None` while there is none, or when
    /// the page replaces it between the lookup and the read (a stale element). For polling loops, which then
    /// ride out a re-render (an article opening remounts the editor) instead of failing on it.
    pub fn current_value(&self, css: &str) -> Option<String> {
        let element = self.find_all(css).into_iter().next()?;
        let value = self.try_request("GET", &self.session_path(&format!("/element/{element}/property/value")), None);
        value.ok()?.as_str().map(str::to_string)
    }

    /// Runs an async script in the page; it ends by calling its last argument with the result.
    pub fn execute_async(&self, script: &str, args: Value) -> Value {
        self.request("POST", &self.session_path("/execute/async"), Some(json!({"script": script, "args": args})))
    }

    /// As `execute_async`, for a script that may take the window down with it (quitting the app): the
    /// WebDriver may then answer with an error instead of the result.
    pub fn try_execute_async(&self, script: &str, args: Value) -> Result<Value, String> {
        self.try_request("POST", &self.session_path("/execute/async"), Some(json!({"script": script, "args": args})))
    }

    /// The window as a PNG, as WebDriver takes it.
    pub fn screenshot_png(&self) -> Vec<u8> {
        use base64::Engine;
        let data = self.request("GET", &self.session_path("/screenshot"), None);
        data.as_str().and_then(|s| base64::engine::general_purpose::STANDARD.decode(s).ok()).expect("a screenshot")
    }

    pub fn screenshot(&self, path: &Path) {
        use base64::Engine;
        let data = self.request("GET", &self.session_path("/screenshot"), None);
        if let Some(bytes) = data.as_str().and_then(|s| base64::engine::general_purpose::STANDARD.decode(s).ok()) {
            if let Some(dir) = path.parent() {
                let _ = std::fs::create_dir_all(dir);
            }
            let _ = std::fs::write(path, bytes);
        }
    }

    /// The serious and critical WCAG 2.1 A/AA violations axe-core finds in the window as it is now.
    pub fn serious_violations(&self, axe: &str) -> Vec<String> {
        let script = format!(
            "const done = arguments[arguments.length - 1];
             if (!window.axe) {{ {axe}\n }}
             window.axe
               .run(document, {{ runOnly: {{ type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] }},
                                resultTypes: ['violations'] }})
               .then((r) => done(r.violations
                 .filter((v) => v.impact === 'serious' || v.impact === 'critical')
                 .map((v) => `${{v.id}} (${{v.impact}}): ${{v.help}}: ${{v.nodes.slice(0, 6)
                   .map((n) => n.target.join(' ') + (n.failureSummary ? ' [' + n.failureSummary.replace(/\\s+/g, ' ') + ']' : ''))
                   .join('; ')}}`)))
               .catch((e) => done(['axe-core failed: ' + e]));"
        );
        let found = self.execute_async(&script, json!([]));
        found.as_array().map(|a| a.iter().filter_map(|v| v.as_str().map(String::from)).collect()).unwrap_or_default()
    }

    /// Resizes the app window (W3C Set Window Rect), to check a layout at a given size.
    pub fn set_window_rect(&self, width: u32, height: u32) {
        self.request("POST", &self.session_path("/window/rect"), Some(json!({"width": width, "height": height})));
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        if !self.session.is_empty() {
            let _ = self.agent.delete(format!("{}/session/{}", self.base, self.session)).call();
        }
        let group = format!("-{}", self.child.id());
        let _ = Command::new("kill").args(["-KILL", "--", &group]).status();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Answers the next open or save dialog the app shows, as the user would by choosing `paths` in it: a debug
/// build of the app reads the answer from `test-picks.json` in its data folder (`home`) instead of showing
/// the native dialog (which WebDriver cannot reach), and grants exactly those paths, like a real choice.
pub fn answer_next_dialog(home: &Path, paths: &[&Path]) {
    let list: Vec<String> = paths.iter().map(|p| p.to_string_lossy().into_owned()).collect();
    std::fs::create_dir_all(home).expect("the data folder");
    std::fs::write(home.join("test-picks.json"), serde_json::to_string(&list).expect("json"))
        .expect("write the answer");
}

impl Driver {
    /// Opens the import dialog's folder picker, answered with `folder`, and waits until it is listed.
    pub fn choose_import_folder(&self, home: &Path, folder: &Path) {
        answer_next_dialog(home, &[folder]);
        self.click(&self.wait_for("[data-testid=import-choose-folder]"));
        let listed = self.wait_for("[data-testid=import-paths]");
        let name = folder.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        self.wait_until("the chosen folder in the import list", || {
            let shown = self.property(&listed, "textContent");
            shown.as_str().is_some_and(|t| t.contains(&name)).then_some(())
        });
    }

    /// Chooses the recording to transcribe in the transcript panel's picker, answered with `file`.
    pub fn choose_recording(&self, home: &Path, file: &Path) {
        answer_next_dialog(home, &[file]);
        self.click(&self.wait_for("[data-testid=transcribe-choose]"));
        let want = file.to_string_lossy().into_owned();
        self.wait_until("the chosen recording", || {
            (self.current_value("[data-testid=transcribe-path]").as_deref() == Some(want.as_str())).then_some(())
        });
    }

    /// Calls `pick_save` from the page, answered with `path`, so that a command may then write it.
    pub fn grant_save(&self, home: &Path, path: &Path) {
        answer_next_dialog(home, &[path]);
        let picked = self.execute_async(
            "const done = arguments[arguments.length - 1];\
             window.__TAURI_INTERNALS__.invoke('pick_save', { purpose: 'article-html', defaultName: 'x' })\
               .then((p) => done(p), (e) => done(JSON.stringify(e)));",
            json!([]),
        );
        assert_eq!(picked.as_str(), Some(path.to_string_lossy().as_ref()), "the save dialog's answer: {picked}");
    }
}

/// axe-core, the accessibility engine of the browsers' developer tools, from the UI's dev dependencies.
pub fn axe_source() -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../ui/node_modules/axe-core/axe.min.js");
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e} (run `npm --prefix ui ci`)", path.display()))
}
