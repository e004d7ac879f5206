//! The shell's commands on Tauri's mock runtime: the real command handlers, state and engines, invoked
//! over IPC the way the webview does, without a window. Covers the job lifecycle (one id per running job,
//! cancel that stops the work, the id free again after), the warm-model registry (a model stays loaded
//! between requests, a device change unloads it), and the library commands running off the UI thread.

use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tauri::test::{INVOKE_KEY, MockRuntime, get_ipc_response, mock_builder, mock_context, noop_assets};
use tauri::webview::InvokeRequest;
use tauri::{App, WebviewWindow, WebviewWindowBuilder};

struct TestApp {
    _app: App<MockRuntime>,
    window: WebviewWindow<MockRuntime>,
    home: std::path::PathBuf,
}

impl TestApp {
    fn start(home: &Path) -> Self {
        Self::opening(home, Vec::new())
    }

    /// The app started with `files` on its command line (a double-click in the file manager).
    fn opening(home: &Path, files: Vec<std::path::PathBuf>) -> Self {
        let app = byline_app_lib::build_app_opening(mock_builder(), byline_core::AppPaths::at(home), files)
            .expect("the library opens")
            .build(mock_context(noop_assets()))
            .expect("the app starts");
        let window = WebviewWindowBuilder::new(&app, "main", Default::default()).build().expect("a window");
        TestApp { _app: app, window, home: home.to_path_buf() }
    }

    /// Chooses `paths` in the open dialog for `purpose`, as the user would (a debug build answers from
    /// `test-picks.json` in the data folder), so the commands may read them.
    fn choose(&self, purpose: &str, paths: &[&Path]) {
        std::fs::create_dir_all(&self.home).expect("mkdir");
        std::fs::write(self.home.join("test-picks.json"), json!(paths).to_string()).expect("write the answer");
        assert_eq!(self.ok("pick_open", json!({ "purpose": purpose })), json!(paths));
    }

    /// Names `path` in a save dialog, so a command may write it.
    fn save_as(&self, path: &Path) {
        std::fs::write(self.home.join("test-picks.json"), json!([path]).to_string()).expect("write the answer");
        let picked = self.ok("pick_save", json!({ "purpose": "article-html", "defaultName": "story.html" }));
        assert_eq!(picked, json!(path));
    }

    /// Invokes `cmd` with `args`; the error is the `{code, message}` the UI gets.
    fn invoke(&self, cmd: &str, args: Value) -> Result<Value, Value> {
        invoke(&self.window, cmd, args)
    }

    fn ok(&self, cmd: &str, args: Value) -> Value {
        self.invoke(cmd, args).unwrap_or_else(|e| panic!("{cmd}: {e}"))
    }
}

/// [`TestApp::invoke`] from any thread.
fn invoke(window: &WebviewWindow<MockRuntime>, cmd: &str, args: Value) -> Result<Value, Value> {
    let request = InvokeRequest {
        cmd: cmd.into(),
        callback: tauri::ipc::CallbackFn(0),
        error: tauri::ipc::CallbackFn(1),
        url: "tauri://localhost".parse().expect("url"),
        body: tauri::ipc::InvokeBody::Json(args),
        headers: Default::default(),
        invoke_key: INVOKE_KEY.to_string(),
    };
    get_ipc_response(window, request).map(|body| body.deserialize::<Value>().expect("a JSON answer"))
}

fn error_code(result: Result<Value, Value>) -> String {
    let err = result.expect_err("an error");
    err["code"].as_str().unwrap_or_else(|| panic!("an error with a code: {err}")).to_string()
}

#[test]
fn a_running_job_owns_its_id_until_it_ends_and_cancel_stops_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let articles = dir.path().join("articles");
    std::fs::create_dir_all(&articles).expect("mkdir");
    // Enough files that the import is still running when the cancel arrives.
    for i in 0..3000 {
        let text = format!("---\ntitle: Council meeting {i}\n---\nThe council met for the {i}th time.\n");
        std::fs::write(articles.join(format!("{i:05}.md")), text).expect("write");
    }
    let app = TestApp::start(&dir.path().join("home"));
    assert_eq!(error_code(app.invoke("job_cancel", json!({ "jobId": "nothing" }))), "not_found");

    app.choose("import-folder", &[&articles]);
    let args = json!({ "paths": [articles], "jobId": "import-1", "onProgress": "__CHANNEL__:1" });
    let imported = || app.ok("library_list", json!({ "limit": 5000 })).as_array().map_or(0, Vec::len);
    std::thread::scope(|s| {
        let (window, first) = (app.window.clone(), args.clone());
        let running = s.spawn(move || invoke(&window, "library_import", first));
        // Once articles appear, the import is running.
        let deadline = Instant::now() + Duration::from_secs(60);
        while imported() == 0 {
            assert!(!running.is_finished(), "the import ended before any article appeared");
            assert!(Instant::now() < deadline, "the import never started");
            std::thread::sleep(Duration::from_millis(2));
        }
        // A second job under the same id is refused, not mixed up with the first.
        let clash = app.invoke("library_import", args.clone()).expect_err("the id is taken");
        assert_eq!(clash["code"], "invalid_input");
        assert!(clash["message"].as_str().is_some_and(|m| m.contains("already running")), "{clash}");
        app.ok("job_cancel", json!({ "jobId": "import-1" }));
        // A cancelled import keeps what it imported and says it stopped.
        let summary = running.join().expect("import thread").expect("a summary");
        assert_eq!(summary["cancelled"], true);
        let kept = summary["imported"].as_array().map_or(0, Vec::len);
        assert!(kept > 0 && kept < 3000, "stopped part way: {kept} imported");
    });
    // The job left the registry: cancelling it again finds nothing, and the id can be used again.
    assert_eq!(error_code(app.invoke("job_cancel", json!({ "jobId": "import-1" }))), "not_found");
    let count = imported();
    assert!(count < 3000, "nothing was imported after the cancel ({count} articles)");
    let small = dir.path().join("one");
    std::fs::create_dir_all(&small).expect("mkdir");
    std::fs::write(small.join("a.md"), "---\ntitle: Harbour reopens\n---\nThe harbour reopened.\n").expect("write");
    app.choose("import-folder", &[&small]);
    let summary =
        app.ok("library_import", json!({ "paths": [small], "jobId": "import-1", "onProgress": "__CHANNEL__:2" }));
    assert_eq!(summary["imported"].as_array().map(Vec::len), Some(1));
    assert_eq!(summary["cancelled"], false);
    assert_eq!(imported(), count + 1);
}

#[test]
fn models_stay_warm_between_requests_and_a_device_change_unloads_them() {
    let dir = tempfile::tempdir().expect("tempdir");
    let app = TestApp::start(&dir.path().join("home"));
    assert_eq!(app.ok("models_warm", json!({})), json!([]));
    assert_eq!(app.ok("assistant_unload", json!({})), json!(false), "no language model was loaded");

    // The built-in English sentiment engine (VADER) is a warm model like the others.
    let segments = json!([{ "speaker": "Mayor", "text": "This is a wonderful, hopeful day for the city." }]);
    let first = app.ok("sentiment_analyze_segments", json!({ "segments": segments, "engineName": "lexicon" }));
    let warm = app.ok("models_warm", json!({}));
    assert_eq!(warm.as_array().map(Vec::len), Some(1), "{warm}");
    assert_eq!(warm[0]["kind"], "sentiment model");
    assert_eq!(warm[0]["in_use"], false);
    let again = app.ok("sentiment_analyze_segments", json!({ "segments": segments, "engineName": "lexicon" }));
    assert_eq!(first, again, "the warm model gives the same answer");

    // The interface language is a setting; the window puts the menu in the language it resolved.
    let mut settings = app.ok("settings_get", json!({}));
    assert_eq!(settings["language"], "system");
    settings["language"] = json!("zh");
    app.ok("settings_save", json!({ "settings": settings }));
    assert_eq!(app.ok("settings_get", json!({}))["language"], "zh");
    // (The mock runtime has no native menu to rebuild: the e2e suite switches it in the real app.)
    assert_eq!(error_code(app.invoke("menu_language", json!({ "language": "system" }))), "invalid_input");

    // Saving the same device keeps it; another thread count unloads it at once.
    app.ok("settings_save", json!({ "settings": settings }));
    assert_eq!(app.ok("models_warm", json!({})).as_array().map(Vec::len), Some(1));
    settings["threads"] = json!(1);
    app.ok("settings_save", json!({ "settings": settings }));
    assert_eq!(app.ok("models_warm", json!({})), json!([]));
    assert!(app.ok("device_status", json!({}))["threads"] == 1);

    // The next request loads it again, for the new setting; unloading by hand empties the registry.
    app.ok("sentiment_analyze_segments", json!({ "segments": segments, "engineName": "lexicon" }));
    assert_eq!(app.ok("models_unload", json!({})), json!(["the sentiment model (built in)"]));
}

#[test]
fn library_commands_answer_with_stable_error_codes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let app = TestApp::start(&dir.path().join("home"));
    let fields = json!({ "title": "北京推出住房新政", "body": "北京市政府宣布新的住房政策。" });
    let created = app.ok("article_create", json!({ "fields": fields }));
    let id = created["id"].as_i64().expect("an id");
    let hits = app.ok("library_search", json!({ "query": "住房" }));
    assert_eq!(hits[0]["id"], id);
    let mut edited = created["fields"].clone();
    edited["body"] = json!("北京市政府宣布新的住房政策。记者补充。");
    app.ok("article_save", json!({ "id": id, "fields": edited }));
    let revisions = app.ok("revisions_list", json!({ "articleId": id }));
    assert_eq!(revisions.as_array().map(Vec::len), Some(1));
    assert_eq!(error_code(app.invoke("article_get", json!({ "id": id + 100 }))), "not_found");
    let out = dir.path().join("out.txt");
    app.save_as(&out);
    let bad = app.invoke("article_export", json!({ "id": id, "format": "docx", "path": out }));
    assert_eq!(error_code(bad), "invalid_input");
    assert!(!out.exists(), "nothing written for a refused export");
}

/// The page can only name files the user chose: everything else is refused before any work starts, with
/// the same error whatever the command.
#[test]
fn commands_read_and_write_only_what_the_user_chose() {
    let dir = tempfile::tempdir().expect("tempdir");
    let app = TestApp::start(&dir.path().join("home"));
    let (articles, private) = (dir.path().join("articles"), dir.path().join("private"));
    for folder in [&articles, &private] {
        std::fs::create_dir_all(folder).expect("mkdir");
        std::fs::write(folder.join("a.md"), "---\ntitle: Harbour reopens\n---\nThe harbour reopened.\n")
            .expect("write");
    }
    let import = |path: &Path| {
        app.invoke("library_import", json!({ "paths": [path], "jobId": "import", "onProgress": "__CHANNEL__:1" }))
    };
    let refused = |result: Result<Value, Value>| {
        let err = result.expect_err("refused");
        assert_eq!(err["code"], "invalid_input");
        assert!(err["message"].as_str().is_some_and(|m| m.contains("choose in its dialogs")), "{err}");
    };
    refused(import(&articles));
    refused(import(&articles.join("../private")));
    refused(app.invoke("models_import", json!({ "path": private, "jobId": "model" })));
    refused(app.invoke(
        "transcribe_file",
        json!({ "path": private.join("a.wav"), "options": {}, "jobId": "t", "onEvent": "__CHANNEL__:2" }),
    ));
    app.choose("import-folder", &[&articles]);
    assert_eq!(
        import(&articles.join("a.md")).expect("a file in the chosen folder")["imported"].as_array().map(Vec::len),
        Some(1)
    );
    refused(import(&private));
    // A cancelled dialog grants nothing.
    app.choose("import-files", &[]);
    refused(import(&private));

    let id = app.ok("library_list", json!({}))[0]["id"].as_i64().expect("the imported article");
    let out = dir.path().join("story.html");
    refused(app.invoke("article_export", json!({ "id": id, "format": "html", "path": out })));
    refused(app.invoke("transcript_export", json!({ "id": 1, "format": "srt", "dest": out })));
    assert!(!out.exists());
    app.save_as(&out);
    app.ok("article_export", json!({ "id": id, "format": "html", "path": out }));
    assert!(std::fs::read_to_string(&out).expect("written").contains("The harbour reopened."));
    // A save dialog grants that one file, for writing only.
    refused(app.invoke("article_export", json!({ "id": id, "format": "md", "path": out.with_extension("md") })));
    refused(app.invoke("models_import", json!({ "path": out, "jobId": "model" })));
}

/// A file the app was opened with (from the file manager) is the user's choice: the window gets it once, as
/// if dropped, and the commands may read it; other files stay refused.
#[test]
fn files_the_app_was_opened_with_are_handed_to_the_window_and_readable() {
    let dir = tempfile::tempdir().expect("tempdir");
    let story = dir.path().join("story.md");
    std::fs::write(&story, "# Harbour\n\nThe harbour reopened.\n").expect("write");
    let other = dir.path().join("other.md");
    std::fs::write(&other, "# Other\n").expect("write");
    let app = TestApp::opening(&dir.path().join("home"), vec![story.clone()]);
    assert_eq!(app.ok("opened_files", json!({})), json!([story]));
    assert_eq!(app.ok("opened_files", json!({})), json!([]), "handed over once");
    let import = |path: &Path| {
        app.invoke("library_import", json!({ "paths": [path], "jobId": "import", "onProgress": "__CHANNEL__:1" }))
    };
    assert_eq!(import(&story).expect("readable")["imported"].as_array().map(Vec::len), Some(1));
    assert_eq!(error_code(import(&other)), "invalid_input");
}

/// A story's interviews over IPC: linking a transcript limits the check to it, unlinking lifts the limit, and
/// the quote bank's filters (interview, days) narrow the search. The transcript here is typed, not heard:
/// the real-audio checks are byline-quotes' tests.
#[test]
fn quotes_are_checked_against_the_storys_linked_interviews() {
    use byline_transcribe::store::{self as tstore, Recording};
    use byline_transcribe::{Segment, Transcript, Word};
    let dir = tempfile::tempdir().expect("tempdir");
    let home = dir.path().join("home");
    let app = TestApp::start(&home);
    let said = ["we", "will", "build", "the", "hospital", "next", "year"];
    let words: Vec<Word> = said
        .iter()
        .enumerate()
        .map(|(i, w)| Word { start: i as f64 * 0.5, end: i as f64 * 0.5 + 0.4, text: format!(" {w}"), p: 0.9 })
        .collect();
    let t = Transcript {
        language: Some("en".into()),
        duration_s: 4.0,
        segments: vec![Segment { start: 0.0, end: 3.5, text: said.join(" "), speaker: None, words }],
        ..Default::default()
    };
    let transcript = {
        let lib = byline_library::Library::open(&home.join("library.sqlite3")).expect("library");
        let rec = Recording { path: "/recordings/mayor.wav".into(), sha256: "ab".repeat(32), duration_s: 4.0 };
        tstore::save(lib.connection(), &rec, "tiny.en", &Default::default(), &t).expect("save")
    };
    let created = app.ok("article_create", json!({ "fields": { "title": "Hospital", "body": "" } }));
    let id = created["id"].as_i64().expect("an id");
    let draft = "The mayor said “we will build the hospital next year”.";

    let all = app.ok("quotes_check", json!({ "text": draft, "sourcesOf": null }));
    assert_eq!(all["quotes"][0]["verdict"], "verbatim", "{all}");
    assert_eq!(all["sources"], Value::Null);
    let scoped = app.ok("quotes_check", json!({ "text": draft, "sourcesOf": id }));
    assert_eq!(scoped["quotes"][0]["verdict"], "not_found", "{scoped}");
    assert_eq!(scoped["sources"], json!([]));

    let linked = app.ok("quotes_link", json!({ "articleId": id, "transcriptId": transcript, "linked": true }));
    assert_eq!(linked[0]["id"], transcript, "{linked}");
    assert_eq!(app.ok("quotes_sources", json!({ "articleId": id })), linked);
    let scoped = app.ok("quotes_check", json!({ "text": draft, "sourcesOf": id }));
    assert_eq!(scoped["quotes"][0]["verdict"], "verbatim", "{scoped}");
    assert_eq!(scoped["sources"], json!([transcript]));
    let bad = app.invoke("quotes_link", json!({ "articleId": id, "transcriptId": transcript + 7, "linked": true }));
    assert_eq!(error_code(bad), "not_found");
    let unlinked = app.ok("quotes_link", json!({ "articleId": id, "transcriptId": transcript, "linked": false }));
    assert_eq!(unlinked, json!([]));

    let search = |extra: Value| {
        let mut args = json!({ "phrase": "build the hospital", "speaker": null, "transcriptId": null,
                               "from": null, "to": null, "exact": false });
        for (k, v) in extra.as_object().expect("object") {
            args[k] = v.clone();
        }
        app.ok("quotes_search", args).as_array().map(Vec::len).unwrap_or(0)
    };
    assert_eq!(search(json!({})), 1);
    assert_eq!(search(json!({ "transcriptId": transcript })), 1);
    assert_eq!(search(json!({ "transcriptId": transcript + 1 })), 0);
    assert_eq!(search(json!({ "from": "2999-01-01" })), 0, "transcribed before that day");
    assert_eq!(search(json!({ "to": "2000-01-01" })), 0, "transcribed after that day");
    assert_eq!(search(json!({ "from": "2000-01-01", "to": "2999-12-31" })), 1);
}
