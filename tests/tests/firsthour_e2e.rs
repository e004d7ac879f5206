//! The first hour in the app (issue 24): at 1024×700 every toolbar action stays reachable without a sideways
//! scroll, and with no models each panel that needs one names the model to install and links to its row on the
//! Models screen. No test models are needed: the data folder starts empty, as on a reporter's first day.

mod support;

use std::path::{Path, PathBuf};

use byline_library::{ArticleFields, Library};
use serde_json::{Value, json};
use support::Driver;

fn env_path(name: &str) -> PathBuf {
    std::env::var_os(name).map(PathBuf::from).unwrap_or_else(|| panic!("{name} is not set: run `cargo xtask test`"))
}

fn start(home: &Path) -> Driver {
    Driver::start(&env_path("BYLINE_E2E_DRIVER"), &env_path("BYLINE_E2E_APP"), &[("BYLINE_HOME", home)])
}

fn artifact(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("artifacts").join(name)
}

/// A data folder with one article and no models.
fn home_with_article(dir: &Path) -> (PathBuf, i64) {
    let home = dir.join("home");
    std::fs::create_dir_all(&home).expect("mkdir");
    let mut library = Library::open(&home.join("library.sqlite3")).expect("library");
    let fields = ArticleFields {
        title: "Council approves a very long headline about the river flood defences and the town centre".into(),
        body: "The council approved new flood defences along the river after last winter's floods.".into(),
        ..ArticleFields::default()
    };
    let id = library.create(&fields).expect("article").id;
    (home, id)
}

/// Every toolbar action, by test id.
const TOOLBAR_ACTIONS: [&str; 15] = [
    "new-article",
    "import-button",
    "export-md",
    "export-html",
    "side-related",
    "side-assistant",
    "side-sentiment",
    "side-quotes",
    "side-images",
    "read-aloud-toggle",
    "transcripts-button",
    "models-button",
    "revisions-toggle",
    "delete-article",
    "theme",
];

/// The ids among `ids` whose element is on screen, wholly inside the window.
fn on_screen(d: &Driver, ids: &[&str]) -> Vec<String> {
    let found = d.execute_async(
        "const [ids, done] = arguments;
         done(ids.filter((id) => {
           const el = document.querySelector(`[data-testid=\"${id}\"]`);
           if (!el) return false;
           const r = el.getBoundingClientRect();
           return r.width > 0 && r.height > 0 && r.left >= 0 && r.top >= 0
             && r.right <= window.innerWidth && r.bottom <= window.innerHeight;
         }));",
        json!([ids]),
    );
    found.as_array().map(|a| a.iter().filter_map(|v| v.as_str().map(String::from)).collect()).unwrap_or_default()
}

/// The app at `width`×`height` with the long-titled article open; the temp folder must outlive the driver.
fn open_at(dir: &Path, width: u32, height: u32) -> (Driver, i64) {
    let (home, id) = home_with_article(dir);
    let d = start(&home);
    d.set_window_rect(width, height);
    d.click(&d.wait_for(&format!("[data-testid=article-item][data-id='{id}']")));
    d.wait_for("[data-testid=editor-body]");
    (d, id)
}

/// Fails when the page or the toolbar scrolls sideways.
fn assert_no_sideways_scroll(d: &Driver) {
    let sizes = d.execute_async(
        "const done = arguments[arguments.length - 1];
         const bar = document.querySelector('header.toolbar');
         done([document.documentElement.scrollWidth, window.innerWidth, bar.scrollWidth, bar.clientWidth]);",
        json!([]),
    );
    let n = |i: usize| sizes[i].as_f64().unwrap_or(f64::MAX);
    assert!(n(0) <= n(1), "the page scrolls sideways: {sizes}");
    assert!(n(2) <= n(3), "the toolbar scrolls sideways: {sizes}");
}

/// At 1440×900 the whole toolbar fits: every action is in the bar itself, with no More menu and no sideways
/// scrolling.
#[test]
#[ignore = "needs the built app, tauri-driver and a display: run `cargo xtask test`"]
fn every_toolbar_action_is_in_the_bar_at_1440_by_900() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (d, _) = open_at(dir.path(), 1440, 900);
    let width = d.wait_until("the window at 1440 px", || {
        let w = d.execute_async("arguments[arguments.length - 1](window.innerWidth)", json!([]));
        w.as_f64().filter(|w| *w >= 1300.0)
    });
    assert_no_sideways_scroll(&d);
    assert!(d.find_all("[data-testid=toolbar-more]").is_empty(), "no More menu is needed at {width} px");
    let reachable = on_screen(&d, &TOOLBAR_ACTIONS);
    let missing: Vec<&str> = TOOLBAR_ACTIONS.iter().copied().filter(|a| !reachable.iter().any(|r| r == a)).collect();
    d.screenshot(&artifact("toolbar-1440.png"));
    assert!(missing.is_empty(), "toolbar actions not in the bar at 1440×900: {missing:?}");
}

#[test]
#[ignore = "needs the built app, tauri-driver and a display: run `cargo xtask test`"]
fn every_toolbar_action_is_reachable_at_1024_by_700() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (d, id) = open_at(dir.path(), 1024, 700);
    // Below 1300 px the less used groups move into the More menu.
    let more = d.wait_for("[data-testid=toolbar-more]");
    assert_no_sideways_scroll(&d);

    let mut reachable = on_screen(&d, &TOOLBAR_ACTIONS);
    d.click(&more);
    d.wait_for("[role=menu]");
    reachable.extend(on_screen(&d, &TOOLBAR_ACTIONS));
    d.screenshot(&artifact("toolbar-1024.png"));
    let missing: Vec<&str> = TOOLBAR_ACTIONS.iter().copied().filter(|a| !reachable.iter().any(|r| r == a)).collect();
    assert!(missing.is_empty(), "toolbar actions out of reach at 1024×700: {missing:?}");

    // An action in the menu works from there: Transcripts opens its screen and closes the menu.
    match d.find_all("[role=menu] [data-testid=transcripts-button]").first() {
        Some(item) => d.click(item),
        None => {
            d.click(&more);
            d.click(&d.wait_for("[data-testid=transcripts-button]"));
        }
    }
    // The transcript panel stays mounted while hidden: wait until it is on screen.
    d.wait_until("the transcripts screen", || (!on_screen(&d, &["transcript-panel"]).is_empty()).then_some(()));
    assert!(d.find_all("[role=menu]").is_empty(), "the menu closes after a choice");

    // A long headline is cut with an ellipsis in the list, and the whole of it is in the tooltip.
    let item = d.wait_for(&format!("[data-testid=article-item][data-id='{id}'] .title"));
    let tooltip = d.property(&item, "title");
    assert!(tooltip.as_str().is_some_and(|t| t.starts_with("Council approves a very long headline")), "{tooltip}");
}

#[test]
#[ignore = "needs the built app, tauri-driver and a display: run `cargo xtask test`"]
fn without_models_each_panel_links_to_the_model_it_needs() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (home, id) = home_with_article(dir.path());
    let d = start(&home);
    d.click(&d.wait_for(&format!("[data-testid=article-item][data-id='{id}']")));
    d.wait_for("[data-testid=editor-body]");

    // (how to open the panel, the feature, the model it recommends)
    let cases: [(&str, &str, &str); 3] = [
        ("side-related", "related", "all-minilm-l6-v2"),
        ("side-sentiment", "tone", "distilbert-sst2"),
        ("transcripts-button", "transcripts", "whisper-base"),
    ];
    for (button, feature, model) in cases {
        d.click(&d.wait_for(&format!("[data-testid={button}]")));
        let state = d.wait_for(&format!("[data-testid=model-missing][data-feature={feature}][data-model='{model}']"));
        let said = d.text(&state);
        assert!(said.contains(model), "{feature} names the model: {said}");
        assert!(!said.contains("byline models pull") && !said.contains("not_found"), "{feature} speaks code: {said}");
        assert!(d.find_all("[data-testid=error]").is_empty(), "{feature}: no error toast for a missing model");

        let open = format!("[data-testid=model-missing][data-feature={feature}] [data-testid=model-missing-open]");
        d.click(&d.wait_for(&open));
        d.wait_for("[data-testid=models-screen]");
        d.wait_for(&format!("[data-testid=model-row][data-id='{model}'][data-highlighted=true]"));
        let visible = d.execute_async(
            "const [id, done] = arguments;
             const row = document.querySelector(`[data-testid=model-row][data-id=\"${id}\"]`);
             const r = row.getBoundingClientRect();
             done(r.top >= 0 && r.bottom <= window.innerHeight);",
            json!([model]),
        );
        assert_eq!(visible, Value::Bool(true), "the {model} row is scrolled into view");
        assert_eq!(d.find_all("[data-highlighted=true]").len(), 1, "only {model} is highlighted");
        d.screenshot(&artifact(&format!("model-missing-{feature}.png")));
        d.click(&d.wait_for("[data-testid=models-back]"));
        d.wait_for("[data-testid=editor-body]");
    }

    // Read aloud uses the system's eSpeak NG voices, not a catalog model: with no models it still offers Play.
    d.click(&d.wait_for("[data-testid=read-aloud-toggle]"));
    d.wait_for("[data-testid=read-aloud-play]");
    assert!(d.find_all("[data-testid=read-aloud] [data-testid=model-missing]").is_empty());
}

/// Walks every screen and panel: the empty library of a first day, then an article open at 1440×900 with
/// each side panel, read aloud, transcripts, models and import in turn; `check` runs on each. `language`, when
/// given, is written to the settings before the app starts.
fn every_screen(language: Option<&str>, mut check: impl FnMut(&Driver, &str)) {
    let settings = |home: &Path| {
        if let Some(language) = language {
            std::fs::write(home.join("settings.toml"), format!("language = \"{language}\"\n")).expect("settings");
        }
    };
    let empty = tempfile::tempdir().expect("tempdir");
    let home = empty.path().join("home");
    std::fs::create_dir_all(&home).expect("mkdir");
    settings(&home);
    let d =
        Driver::start_first_run(&env_path("BYLINE_E2E_DRIVER"), &env_path("BYLINE_E2E_APP"), &[("BYLINE_HOME", &home)]);
    d.wait_for("[data-testid=setup-pick]");
    check(&d, "first-run setup");
    d.click(&d.wait_for("[data-testid=setup-skip]"));
    d.wait_until("the library", || Some(()).filter(|()| d.find_all("[data-testid=setup-screen]").is_empty()));
    d.wait_for("[data-testid=empty-state]");
    check(&d, "empty library");
    drop(d);

    let dir = tempfile::tempdir().expect("tempdir");
    let (home, id) = home_with_article(dir.path());
    settings(&home);
    let d = start(&home);
    d.set_window_rect(1440, 900);
    d.click(&d.wait_for(&format!("[data-testid=article-item][data-id='{id}']")));
    d.wait_for("[data-testid=editor-body]");
    check(&d, "editor");
    for (button, panel) in [
        ("side-related", "related"),
        ("side-assistant", "assistant"),
        ("side-sentiment", "sentiment"),
        ("side-quotes", "quotes"),
        ("side-images", "images"),
        ("revisions-toggle", "revisions"),
    ] {
        d.click(&d.wait_for(&format!("[data-testid={button}]")));
        d.wait_for(&format!("[data-testid=side-panel-{panel}]"));
        check(&d, &format!("{panel} panel"));
    }
    d.click(&d.wait_for("[data-testid=read-aloud-toggle]"));
    d.wait_for("[data-testid=read-aloud-play]");
    check(&d, "read aloud");
    d.click(&d.wait_for("[data-testid=transcripts-button]"));
    d.wait_for("[data-testid=model-missing][data-feature=transcripts]");
    check(&d, "transcripts");
    d.click(&d.wait_for("[data-testid=models-button]"));
    d.wait_for("[data-testid=models-screen]");
    check(&d, "models");
    d.click(&d.wait_for("[data-testid=models-back]"));
    d.click(&d.wait_for("[data-testid=import-button]"));
    d.wait_for("[data-testid=import-choose-files]");
    check(&d, "import");
    d.screenshot(&artifact(match language {
        Some("zh") => "accessibility-zh.png",
        _ => "accessibility.png",
    }));
}

/// axe-core's serious and critical violations in the light and the dark theme, added to `failures`.
fn accessibility(d: &Driver, axe: &str, what: &str, failures: &mut Vec<String>) {
    for theme in ["light", "dark"] {
        d.execute_async(
            "const [theme, done] = arguments; document.documentElement.dataset.theme = theme; \
             requestAnimationFrame(() => requestAnimationFrame(() => done(null)));",
            json!([theme]),
        );
        for v in d.serious_violations(axe) {
            failures.push(format!("{what}, {theme}: {v}"));
        }
    }
}

/// Every screen and panel, in the light and the dark theme, passes axe-core's WCAG 2.1 A/AA rules with no
/// serious or critical violation: names for every control, contrast of text, valid roles and structure.
#[test]
#[ignore = "needs the built app, tauri-driver and a display: run `cargo xtask test`"]
fn every_screen_passes_the_accessibility_check() {
    let axe = support::axe_source();
    let mut failures = Vec::new();
    every_screen(None, |d, what| accessibility(d, &axe, what, &mut failures));
    assert!(failures.is_empty(), "accessibility violations:\n{}", failures.join("\n"));
}

/// The words on screen that are English: visible text, and the names, titles and placeholders people hear
/// and read, outside the reporter's own content (marked `translate="no"`) and the names kept in both
/// languages.
const ENGLISH_ON_SCREEN: &str = r#"
const [keep, done] = arguments;
const kept = new Set(keep);
const found = new Set();
const visible = (el) => el.getClientRects().length > 0 && getComputedStyle(el).visibility !== 'hidden';
const skip = (el) => el.closest('[translate=no], kbd, code, style, script, textarea, [aria-hidden=true]');
// Words are runs of letters and digits with the dots, dashes and pluses that names carry (tiny.en, CAM++,
// 3D-Speaker), counted when they have two letters or more.
const words = (text, where) => {
  for (const w of text.match(/[A-Za-z0-9][A-Za-z0-9.'’+-]*[A-Za-z0-9+]/g) ?? []) {
    if ((w.match(/[A-Za-z]/g) ?? []).length >= 2 && !kept.has(w)) found.add(`${w} (${where})`);
  }
};
// A name, title or placeholder with Chinese in it is translated, with the names it carries ("下载 Qwen2.5 1.5B");
// one with none is English unless every word is kept.
const han = /[\u4e00-\u9fff]/;
const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
for (let n = walker.nextNode(); n; n = walker.nextNode()) {
  const el = n.parentElement;
  if (!el || skip(el) || !visible(el)) continue;
  words(n.data, el.closest('[data-testid]')?.dataset.testid ?? el.tagName.toLowerCase());
}
for (const el of document.querySelectorAll('[title], [aria-label], [placeholder], [alt]')) {
  if (skip(el) || !visible(el)) continue;
  for (const a of ['title', 'aria-label', 'placeholder', 'alt']) {
    const v = el.getAttribute(a);
    if (v && !han.test(v)) words(v, `${a} of ${el.dataset.testid ?? el.tagName.toLowerCase()}`);
  }
}
done([...found]);
"#;

/// Names and codes that stay the same in Chinese (formats, products, key names).
const KEPT: &[&str] = &[
    "Byline",
    "Markdown",
    "HTML",
    "SRT",
    "VTT",
    "TXT",
    "JSON",
    "Lines",
    "CSV",
    "XML",
    "WXR",
    "DOCX",
    "GGUF",
    "ggml",
    "gguf",
    "bin",
    "safetensors",
    "ONNX",
    "CTranslate2",
    "Whisper",
    "tiny.en",
    "base",
    "VADER",
    "Silero",
    "VAD",
    "CAM++",
    "3D-Speaker",
    "DAC",
    "T5",
    "kHz",
    "KB",
    "MB",
    "GB",
    "SHA-256",
    "CPU",
    "GPU",
    "CUDA",
    "Metal",
    "RAM",
    "AI",
    "eSpeak",
    "NG",
    "OGG",
    "WAV",
    "Ctrl",
    "Shift",
    "Alt",
    "Esc",
    "English",
    "MiniLM",
    "ID",
];

/// With Chinese chosen in the settings, every screen and panel speaks Chinese: no English word is left on
/// screen outside the reporter's content and the kept names; the page says `lang="zh-CN"`; the accessibility
/// check passes as in English; and the native menu followed without an error. Switching the language in the
/// toolbar changes the interface at once and is kept in the settings.
#[test]
#[ignore = "needs the built app, tauri-driver and a display: run `cargo xtask test`"]
fn the_chinese_interface_is_chinese_on_every_screen() {
    let axe = support::axe_source();
    let (mut english, mut failures) = (Vec::new(), Vec::new());
    every_screen(Some("zh"), |d, what| {
        let lang = d.execute_async("arguments[0](document.documentElement.lang)", json!([]));
        assert_eq!(lang, "zh-CN", "{what}");
        let found = d.execute_async(ENGLISH_ON_SCREEN, json!([KEPT]));
        for w in found.as_array().into_iter().flatten() {
            english.push(format!("{what}: {}", w.as_str().unwrap_or_default()));
        }
        accessibility(d, &axe, what, &mut failures);
        assert!(d.find_all("[data-testid=error]").is_empty(), "{what}: an error toast (the menu's language?)");
    });
    assert!(english.is_empty(), "English left in the Chinese interface:\n{}", english.join("\n"));
    assert!(failures.is_empty(), "accessibility violations in Chinese:\n{}", failures.join("\n"));

    // The switch: English at once, kept in the settings, and back.
    let dir = tempfile::tempdir().expect("tempdir");
    let (home, _) = home_with_article(dir.path());
    std::fs::write(home.join("settings.toml"), "language = \"zh\"\n").expect("settings");
    let d = start(&home);
    d.set_window_rect(1440, 900);
    let new = d.wait_for("[data-testid=new-article]");
    assert_eq!(d.text(&new), "新建");
    let choose = |language: &str| {
        d.execute_async(
            "const [language, done] = arguments; const s = document.querySelector('[data-testid=language]'); \
             s.value = language; s.dispatchEvent(new Event('change', { bubbles: true })); done(null);",
            json!([language]),
        );
    };
    choose("en");
    d.wait_until("the English toolbar", || Some(()).filter(|()| d.text(&new) == "New"));
    let saved = || std::fs::read_to_string(home.join("settings.toml")).unwrap_or_default();
    d.wait_until("the language saved", || Some(()).filter(|()| saved().contains("language = \"en\"")));
    assert_eq!(d.execute_async("arguments[0](document.documentElement.lang)", json!([])), "en");
    choose("zh");
    d.wait_until("the Chinese toolbar", || Some(()).filter(|()| d.text(&new) == "新建"));
    assert!(d.find_all("[data-testid=error]").is_empty(), "no error from the menu's switch");
}

/// A model host on 127.0.0.1 for the first run: serves each file in 64 KB pieces with a pause between them
/// (so progress can be seen), answers 404 for anything else, and records the paths asked for.
struct ModelHost {
    address: String,
    asked: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

impl ModelHost {
    fn start(files: Vec<(&'static str, Vec<u8>)>) -> Self {
        use std::io::{BufRead, BufReader, Write};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let address = format!("http://{}", listener.local_addr().expect("address"));
        let asked = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let log = asked.clone();
        let files = std::sync::Arc::new(files);
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (files, log) = (files.clone(), log.clone());
                std::thread::spawn(move || {
                    let mut reader = BufReader::new(stream.try_clone().expect("clone"));
                    let mut request = String::new();
                    if reader.read_line(&mut request).is_err() {
                        return;
                    }
                    // The rest of the head (a resumed download would send a Range; a first run never does).
                    let mut line = String::new();
                    while reader.read_line(&mut line).is_ok_and(|n| n > 2) {
                        line.clear();
                    }
                    let path = request.split_whitespace().nth(1).unwrap_or("").to_owned();
                    log.lock().expect("log").push(path.clone());
                    let mut out = stream;
                    let Some((_, data)) = files.iter().find(|(p, _)| *p == path) else {
                        let _ =
                            out.write_all(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
                        return;
                    };
                    let head =
                        format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", data.len());
                    let _ = out.write_all(head.as_bytes());
                    for piece in data.chunks(64 * 1024) {
                        if out.write_all(piece).is_err() {
                            return;
                        }
                        std::thread::sleep(std::time::Duration::from_millis(80));
                    }
                });
            }
        });
        Self { address, asked }
    }

    fn asked(&self) -> Vec<String> {
        self.asked.lock().expect("log").clone()
    }
}

/// A catalog of three models on the local host: a language model, a speech model and a voice detector.
fn first_run_catalog(host: &str) -> String {
    let entry = |id: &str, task: &str, format: &str, file: &str, mb: u64| {
        format!(
            "[[model]]\nid = \"{id}\"\nname = \"Desk {id}\"\ntask = \"{task}\"\nformat = \"{format}\"\n\
             licence = \"MIT\"\nlanguages = [\"en\", \"zh\"]\nram_mb = 64\ndownload_mb = {mb}\n\
             description = \"A {task} model from the desk's own server.\"\n\
             description_zh = \"编辑部服务器上的模型。\"\n\n[[model.files]]\npath = \"{file}\"\n\
             sources = [{{ kind = \"url\", url = \"{host}/{file}\" }}]\n\n"
        )
    };
    [
        entry("desk-llm", "llm", "gguf", "desk-llm.gguf", 2),
        entry("desk-whisper", "whisper", "ggml", "desk-whisper.bin", 2),
        entry("desk-vad", "vad", "ggml", "desk-vad.bin", 1),
    ]
    .concat()
}

/// The first run, driven as a reporter would: the setup screen shows the machine and one recommended model per
/// capability that the catalog offers, with reasons; unticking one and pressing Download fetches the others one
/// at a time from the host (a local server stands in for it), with progress, and installs them; Start writing
/// opens the library, and the app never shows the setup again. Skipping saves the choice as well.
#[test]
#[ignore = "needs the built app, tauri-driver and a display: run `cargo xtask test`"]
fn the_first_run_recommends_models_and_downloads_the_chosen_ones() {
    let random =
        |n: usize, seed: u8| -> Vec<u8> { (0..n).map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed)).collect() };
    let host = ModelHost::start(vec![
        ("/desk-llm.gguf", random(1536 * 1024, 1)),
        ("/desk-whisper.bin", random(1536 * 1024, 2)),
        ("/desk-vad.bin", random(512 * 1024, 3)),
    ]);
    let dir = tempfile::tempdir().expect("tempdir");
    let home = dir.path().join("home");
    std::fs::create_dir_all(&home).expect("mkdir");
    let catalog = dir.path().join("catalog.toml");
    std::fs::write(&catalog, first_run_catalog(&host.address)).expect("catalog");
    let envs: [(&str, &Path); 2] = [("BYLINE_HOME", &home), ("BYLINE_CATALOG", &catalog)];
    let (driver, app) = (env_path("BYLINE_E2E_DRIVER"), env_path("BYLINE_E2E_APP"));
    let d = Driver::start_first_run(&driver, &app, &envs);

    d.wait_for("[data-testid=setup-screen]");
    let offline = d.text(&d.wait_for("[data-testid=setup-offline]"));
    assert!(offline.contains("nothing leaves"), "the offline promise: {offline}");
    let machine = d.text(&d.wait_for("[data-testid=setup-machine]"));
    assert!(machine.contains("GB"), "memory and disk in GB: {machine}");
    let ids = d.execute_async(
        "arguments[0]([...document.querySelectorAll('[data-testid=setup-pick]')].map((p) => p.dataset.id))",
        json!([]),
    );
    assert_eq!(ids, json!(["desk-llm", "desk-whisper", "desk-vad"]), "one pick per capability the catalog offers");
    for id in ["desk-llm", "desk-whisper", "desk-vad"] {
        let row = d.text(&d.wait_for(&format!("[data-testid=setup-pick][data-id='{id}']")));
        assert!(row.contains("MIT") && row.contains("MB"), "licence and size: {row}");
    }
    assert!(host.asked().is_empty(), "nothing is downloaded before the reporter asks: {:?}", host.asked());

    // The voice detector is left out; the two others are downloaded, with progress, and installed.
    d.click(&d.wait_for("[data-testid=setup-pick][data-id='desk-vad'] [data-testid=setup-pick-check]"));
    d.click(&d.wait_for("[data-testid=setup-download]"));
    d.wait_for("[data-testid=setup-pick-progress]");
    for id in ["desk-llm", "desk-whisper"] {
        d.wait_longer("the download", std::time::Duration::from_secs(60), || {
            Some(()).filter(|()| {
                !d.find_all(&format!("[data-testid=setup-pick][data-id='{id}'] [data-testid=setup-pick-done]"))
                    .is_empty()
            })
        });
        assert!(home.join("models").join(id).join("byline-model.json").exists(), "{id} installed");
    }
    assert!(d.find_all("[data-testid=setup-pick][data-id='desk-vad'] [data-testid=setup-pick-done]").is_empty());
    assert_eq!(host.asked(), ["/desk-llm.gguf", "/desk-whisper.bin"], "only the chosen models, one after the other");
    assert!(d.find_all("[data-testid=error]").is_empty(), "no error");
    d.screenshot(&artifact("first-run.png"));

    d.click(&d.wait_for("[data-testid=setup-finish]"));
    d.wait_until("the library", || Some(()).filter(|()| d.find_all("[data-testid=setup-screen]").is_empty()));
    d.wait_for("[data-testid=empty-state]");
    let settings = byline_core::Settings::load(&home.join("settings.toml")).expect("settings");
    assert!(settings.setup_done, "the setup is done for good");
    drop(d);
    let d = Driver::start_first_run(&driver, &app, &envs);
    d.wait_for("[data-testid=empty-state]");
    assert!(d.find_all("[data-testid=setup-screen]").is_empty(), "the setup is not shown again");
    drop(d);

    // Skipping is a choice kept too.
    let other = dir.path().join("other");
    std::fs::create_dir_all(&other).expect("mkdir");
    let d = Driver::start_first_run(&driver, &app, &[("BYLINE_HOME", &other), ("BYLINE_CATALOG", &catalog)]);
    d.click(&d.wait_for("[data-testid=setup-skip]"));
    d.wait_until("the library", || Some(()).filter(|()| d.find_all("[data-testid=setup-screen]").is_empty()));
    assert!(byline_core::Settings::load(&other.join("settings.toml")).expect("settings").setup_done);
}
