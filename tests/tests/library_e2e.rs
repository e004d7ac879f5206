//! The real app in a real webview (WebKitGTK), driven over WebDriver: import a folder, search in
//! English and Chinese, open an article, edit it, see the autosaved revision, take a screenshot.
//! Run by `cargo xtask test`, which builds the app and sets BYLINE_E2E_APP / BYLINE_E2E_DRIVER.
mod support;

use std::path::{Path, PathBuf};
use std::time::Duration;

use support::Driver;

fn corpus(dir: &Path) {
    std::fs::create_dir_all(dir.join("2024")).expect("mkdir");
    let files: &[(&str, &str)] = &[
        (
            "flood.md",
            "---\ntitle: River flood defences approved\nauthor: Ana Ruiz\ntags: [council, river]\n---\nThe council approved new flood walls along the river after a 7-2 vote.\n",
        ),
        ("housing.md", "---\ntitle: 北京推出住房新政\n---\n北京市政府宣布新的住房政策，首套房首付比例下调。\n"),
        (
            "2024/metro.txt",
            "Metro fares rise in January\n\nTicket prices on the metro will rise by five percent from January.\n",
        ),
        (
            "2024/page.html",
            "<html lang=\"en\"><head><title>School meals expand | Gazette</title><script>alert(1)</script></head><body><article><h1>School meals expand</h1><p>Free school meals reach every primary pupil.</p><img src=x onerror=alert(1)></article></body></html>",
        ),
        (
            "feed.jsonl",
            "{\"title\": \"上海地铁延长运营\", \"body\": \"上海地铁宣布周末延长运营时间。\"}\n{\"title\": \"Harbour reopens\", \"body\": \"The harbour reopened on Monday.\"}\n",
        ),
    ];
    for (name, text) in files {
        std::fs::write(dir.join(name), text).expect("write corpus");
    }
}

fn env_path(name: &str) -> Option<PathBuf> {
    std::env::var_os(name).map(PathBuf::from)
}

#[test]
#[ignore = "needs the built app, tauri-driver and a display: run `cargo xtask test`"]
fn import_search_open_edit_autosave() {
    let app = env_path("BYLINE_E2E_APP").expect("BYLINE_E2E_APP names the app binary");
    let driver_bin = env_path("BYLINE_E2E_DRIVER").expect("BYLINE_E2E_DRIVER names tauri-driver");
    let dir = tempfile::tempdir().expect("tempdir");
    let home = dir.path().join("home");
    let articles = dir.path().join("articles");
    corpus(&articles);
    let artifacts = Path::new(env!("CARGO_MANIFEST_DIR")).join("artifacts");

    let d = Driver::start(&driver_bin, &app, &[("BYLINE_HOME", home.as_path())]);

    // Import a folder through the import dialog.
    let import = d.wait_for("[data-testid=import-button]");
    d.click(&import);
    d.choose_import_folder(&home, &articles);
    d.click(&d.wait_for("[data-testid=import-start]"));
    let summary = d.wait_for("[data-testid=import-summary]");
    let text = d.wait_until("the import summary", || Some(d.text(&summary)).filter(|t| t.contains("Imported")));
    assert!(text.contains("Imported 6"), "summary: {text}");
    d.click(&d.wait_for("[data-testid=import-close]"));
    d.wait_until("six articles in the sidebar", || (d.find_all("[data-testid=article-item]").len() == 6).then_some(()));

    // English search with highlighted results.
    let search = d.wait_for("[data-testid=search]");
    d.type_into(&search, "flood");
    let hit = d.wait_for("[data-testid=search-result]");
    let html = d.property(&hit, "innerHTML").as_str().unwrap_or("").to_string();
    assert!(html.contains("<mark>"), "highlighted result: {html}");
    assert!(d.text(&hit).contains("River flood defences approved"));

    // Chinese search: a two-character word.
    d.clear(&search);
    d.type_into(&search, "住房");
    let hit = d.wait_until("a Chinese search result", || {
        d.find_all("[data-testid=search-result]").into_iter().find(|h| d.text(h).contains("北京推出住房新政"))
    });
    assert_eq!(d.find_all("[data-testid=search-result]").len(), 1);

    // Open it and edit the body; autosave kicks in after typing stops.
    d.click(&hit);
    d.wait_until("the article in the editor", || {
        (d.current_value("[data-testid=editor-title]").as_deref() == Some("北京推出住房新政")).then_some(())
    });
    let body = d.wait_for("[data-testid=editor-body]");
    d.click(&body);
    d.type_into(&body, " 记者补充：政策下月生效。");
    let status = d.wait_for("[data-testid=save-status]");
    d.wait_until("the autosave", || (d.text(&status) == "Saved").then_some(()));

    // The autosave kept the imported text as a revision. Typing on a loaded machine can pause longer than
    // the autosave delay, so there may be more than one save, each keeping the text it replaced.
    d.click(&d.wait_for("[data-testid=revisions-toggle]"));
    d.wait_for("[data-testid=revisions-panel]");
    let revisions =
        d.wait_until("a revision", || Some(d.find_all("[data-testid=revision-item]")).filter(|r| !r.is_empty()));
    let shown = revisions.len();

    std::thread::sleep(Duration::from_millis(500));
    d.screenshot(&artifacts.join("library.png"));
    drop(d);

    // What the UI showed is what the library holds.
    let lib = byline_library::Library::open(&home.join("library.sqlite3")).expect("open library");
    let hits = lib.search("住房", 5).expect("search");
    let article = lib.get(hits[0].id).expect("get");
    assert!(article.fields.body.contains("记者补充：政策下月生效。"), "{}", article.fields.body);
    let revs = lib.revisions(article.id).expect("revisions");
    assert_eq!(revs.len(), shown, "the panel lists every revision");
    let imported = revs.last().expect("a revision");
    assert_eq!(imported.body.trim_end(), "北京市政府宣布新的住房政策，首套房首付比例下调。");
    for r in &revs {
        let typed = r.body.strip_prefix(imported.body.as_str()).expect("every revision extends the imported text");
        assert!(" 记者补充：政策下月生效。".starts_with(typed), "a revision holds part of what was typed: {typed:?}");
    }
    assert!(std::fs::metadata(artifacts.join("library.png")).map(|m| m.len() > 1000).unwrap_or(false));

    // The log says what happened, and nothing of what was written.
    let log = std::fs::read_to_string(home.join("logs/byline.log")).expect("the app keeps a log");
    assert!(log.contains("Byline started"), "{log}");
    assert!(log.lines().any(|l| l.contains("the import: done") && l.contains("job=")), "{log}");
    for text in ["北京市政府宣布", "记者补充", "flood walls"] {
        assert!(!log.contains(text), "the log holds article text {text:?}: {log}");
    }
}

#[test]
#[ignore = "needs the built app, tauri-driver, a display and the test models: run `cargo xtask test`"]
fn models_screen_shows_the_installed_test_models() {
    let app = env_path("BYLINE_E2E_APP").expect("BYLINE_E2E_APP names the app binary");
    let driver_bin = env_path("BYLINE_E2E_DRIVER").expect("BYLINE_E2E_DRIVER names tauri-driver");
    let cache = env_path("BYLINE_TEST_MODELS").expect("BYLINE_TEST_MODELS names the fetched test models");
    let dir = tempfile::tempdir().expect("tempdir");
    let home = dir.path().join("home");
    std::fs::create_dir_all(&home).expect("mkdir");
    // The app sees the models `cargo xtask fetch-models` installed through the store, without copying them.
    std::os::unix::fs::symlink(cache.join("home/models"), home.join("models")).expect("link the models");

    let d = Driver::start(&driver_bin, &app, &[("BYLINE_HOME", home.as_path())]);
    d.click(&d.wait_for("[data-testid=models-button]"));
    d.wait_for("[data-testid=models-screen]");
    for id in ["smollm2-135m-instruct-q4_1", "all-minilm-l6-v2", "whisper-tiny.en-ct2"] {
        let row = d.wait_for(&format!("[data-testid=model-row][data-id='{id}']"));
        assert_eq!(d.property(&row, "dataset").get("installed").and_then(|v| v.as_str()), Some("true"), "{id}");
    }
    // A catalog model that is not installed offers a download instead.
    let row = d.wait_for("[data-testid=model-row][data-installed=false]");
    assert!(!d.find_all("[data-testid=model-row][data-installed=false] [data-testid=model-download]").is_empty());
    assert!(!d.text(&row).is_empty());
    std::thread::sleep(Duration::from_millis(500));
    d.screenshot(&Path::new(env!("CARGO_MANIFEST_DIR")).join("artifacts/models.png"));

    // Where models run: this build has no GPU backend, so automatic means the CPU; the device and thread
    // count chosen here land in the settings file, and a thread count that is not a number is refused.
    let status = d.wait_for("[data-testid=device-status]");
    assert!(d.text(&status).starts_with("Models run on the CPU"), "{}", d.text(&status));
    let options = d.find_all("[data-testid=device-choice] option");
    let values: Vec<String> =
        options.iter().filter_map(|o| d.property(o, "value").as_str().map(str::to_string)).collect();
    assert_eq!(values, ["auto", "cpu"], "only the devices this build has");
    d.click(&d.wait_for("[data-testid=device-choice] option[value=cpu]"));
    let threads = d.wait_for("[data-testid=device-threads]");
    d.clear(&threads);
    d.type_into(&threads, "x");
    d.click(&d.wait_for("#device-title"));
    d.wait_for("[data-testid=device-problem]");
    d.clear(&threads);
    d.type_into(&threads, "1");
    d.click(&d.wait_for("#device-title"));
    d.wait_until("the status to follow the thread count", || {
        let text = d.text(&d.wait_for("[data-testid=device-status]"));
        text.contains("the CPU with 1 thread.").then_some(())
    });
    assert!(d.find_all("[data-testid=device-problem]").is_empty());
    let settings = byline_core::Settings::load(&home.join("settings.toml")).expect("settings");
    assert_eq!((settings.device, settings.threads), (byline_core::DeviceChoice::Cpu, 1));
}

/// Wire copy's angle brackets survive Preview and both exports; a link to another article opens it in
/// Preview without navigating the window, and no export carries a `byline://` link.
#[test]
#[ignore = "needs the built app, tauri-driver and a display: run `cargo xtask test`"]
fn angle_brackets_and_article_links_survive_preview_and_export() {
    let app = env_path("BYLINE_E2E_APP").expect("BYLINE_E2E_APP names the app binary");
    let driver_bin = env_path("BYLINE_E2E_DRIVER").expect("BYLINE_E2E_DRIVER names tauri-driver");
    let dir = tempfile::tempdir().expect("tempdir");
    let home = dir.path().join("home");
    let deal = {
        let mut lib = byline_library::Library::open(&home.join("library.sqlite3")).expect("open library");
        let report = lib
            .create(&byline_library::ArticleFields {
                title: "Flood report".into(),
                body: "Rivers rose overnight.".into(),
                url: Some("https://ledger.example/flood".into()),
                ..Default::default()
            })
            .expect("create");
        let body = format!(
            "The stake was sold to <Sedio N.V.> of Lugano.\n\nSee [the flood report](byline://article/{}).",
            report.id
        );
        let deal = lib
            .create(&byline_library::ArticleFields { title: "Lugano deal".into(), body, ..Default::default() })
            .expect("create");
        deal.id
    };

    let d = Driver::start(&driver_bin, &app, &[("BYLINE_HOME", home.as_path())]);
    let item = d.wait_for(&format!("[data-testid=article-item][data-id='{deal}']"));
    d.click(&item);
    d.wait_until("the deal in the editor", || {
        (d.current_value("[data-testid=editor-title]").as_deref() == Some("Lugano deal")).then_some(())
    });
    d.click(&d.wait_for("[data-testid=mode-preview]"));
    let preview = d.wait_for("[data-testid=editor-preview]");
    let shown = d.wait_until("the rendered preview", || Some(d.text(&preview)).filter(|t| t.contains("Lugano")));
    assert!(shown.contains("sold to <Sedio N.V.> of Lugano"), "preview: {shown}");

    // The internal link opens the other article; the window stays on the app.
    let link = d.wait_for("[data-testid=editor-preview] a");
    d.click(&link);
    d.wait_until("the linked article in the editor", || {
        (d.current_value("[data-testid=editor-title]").as_deref() == Some("Flood report")).then_some(())
    });
    let location = d.execute_async("arguments[arguments.length - 1](window.location.href)", serde_json::json!([]));
    assert!(location.as_str().is_some_and(|l| l.starts_with("tauri://localhost")), "{location}");

    // Both exports, through the same command the Export menu uses.
    for format in ["md", "html"] {
        let path = dir.path().join(format!("deal.{format}"));
        d.grant_save(&home, &path);
        let result = d.execute_async(
            "const done = arguments[arguments.length - 1];\
             window.__TAURI_INTERNALS__.invoke('article_export', { id: arguments[0], format: arguments[1], path: arguments[2] })\
               .then(() => done('ok'), (e) => done(JSON.stringify(e)));",
            serde_json::json!([deal, format, path.to_string_lossy()]),
        );
        assert_eq!(result.as_str(), Some("ok"), "{format} export: {result}");
        let text = std::fs::read_to_string(&path).expect("read export");
        assert!(!text.contains("byline:"), "{format}: {text}");
        assert!(text.contains("https://ledger.example/flood"), "{format}: {text}");
        let sedio = if format == "md" { "<Sedio N.V.>" } else { "&lt;Sedio N.V.&gt;" };
        assert!(text.contains(&format!("sold to {sedio} of Lugano")), "{format}: {text}");
    }
}
