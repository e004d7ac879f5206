//! Active content in an imported article never runs, in the real webview. Script-laden Markdown, HTML and
//! JSON Lines are imported, opened in Write and Preview, searched (results render highlighted snippets as
//! HTML), scored for tone, exported, and, when the embedding model is installed, shown as related articles.
//! Every payload would leave a mark if it ran: it records itself in `window.__pwned`, retitles the document and
//! calls the app's IPC with a command the UI never sends (`pwned_probe`). A spy on the page's IPC transport
//! logs every command the page sends; a listener on 127.0.0.1 stands in for "a remote page" and records
//! every request that reaches it. The test shows no mark, no probe, no request and no navigation.
mod support;

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};
use support::Driver;

const PROBE: &str = "pwned_probe";

/// Logs every IPC command the page sends. `__TAURI_INTERNALS__.invoke` cannot be wrapped (Tauri defines it
/// read-only), so the spy sits on what it calls: `fetch` to the `ipc:` protocol, or `window.ipc.postMessage`
/// where the webview falls back to it. Any other fetch is logged as `fetch:URL`.
const INSTALL_SPY: &str = r#"
const done = arguments[arguments.length - 1];
if (!window.__bylineSpy) {
  const log = [];
  const command = (url) => {
    try {
      const u = new URL(String(url));
      if (u.protocol === 'ipc:' || u.hostname === 'ipc.localhost') return decodeURIComponent(u.pathname.slice(1));
    } catch (e) {}
    return null;
  };
  const realFetch = window.fetch;
  window.fetch = function (input, init) {
    const url = typeof input === 'string' ? input : (input && input.url) || String(input);
    const cmd = command(url);
    log.push(cmd === null ? 'fetch:' + url : cmd);
    return realFetch.apply(this, arguments);
  };
  if (window.ipc && typeof window.ipc.postMessage === 'function') {
    const realPost = window.ipc.postMessage.bind(window.ipc);
    window.ipc.postMessage = function (data) {
      try { log.push(JSON.parse(data).cmd); } catch (e) { log.push('postMessage'); }
      return realPost(data);
    };
  }
  window.__bylineSpy = log;
}
done(document.title);
"#;

/// What a payload that ran would have changed.
const READ_STATE: &str = "arguments[arguments.length - 1]({spy: window.__bylineSpy || null, \
    pwned: window.__pwned || null, title: document.title, href: window.location.href});";

/// Elements and attributes that could run code or leave the app (`active`), and those that point at the
/// stand-in remote server (`remote`: a kept image or link, which the CSP and the Editor must keep from
/// loading). It audits the Preview, or with an HTML text as its argument, that page parsed (and never run)
/// by DOMParser; a page may have its own stylesheet and CSP.
const AUDIT: &str = r#"
const [html, done] = arguments;
const page = html !== null;
const root = page ? new DOMParser().parseFromString(html, 'text/html') : document.querySelector('[data-testid=editor-preview]');
const active = [];
const remote = [];
for (const el of root.querySelectorAll('*')) {
  const tag = el.tagName.toLowerCase();
  if (['script', 'iframe', 'object', 'embed', 'form', 'base', 'link', 'input', 'button', 'frame', 'frameset',
       'applet', 'noscript', 'template'].includes(tag)) active.push('<' + tag + '>');
  if (tag === 'style' && !page) active.push('<style>');
  if (tag === 'meta' && (!page || (el.getAttribute('http-equiv') || '').toLowerCase() === 'refresh'))
    active.push('<meta ' + el.getAttributeNames().join(' ') + '>');
  for (const attr of el.attributes) {
    const name = attr.name.toLowerCase();
    const value = attr.value.replace(/[\s\u0000-\u001f]/g, '').toLowerCase();
    if (name.startsWith('on') || name === 'srcdoc' || name === 'formaction' || (name === 'style' && !page))
      active.push(tag + '[' + name + ']');
    if (/^(javascript|vbscript|data):/.test(value)) active.push(tag + '[' + name + '=' + value.slice(0, 30) + ']');
    if (['src', 'srcset', 'poster', 'background', 'action', 'href'].includes(name) && value.includes('127.0.0.1'))
      remote.push(tag + '[' + name + ']');
  }
}
done({active, remote});
"#;

/// Moves over, focuses and clicks every element of the Preview, as a curious reader would.
const POKE_PREVIEW: &str = r#"
const done = arguments[arguments.length - 1];
const root = document.querySelector('[data-testid=editor-preview]');
let n = 0;
for (const el of root.querySelectorAll('*')) {
  for (const type of ['mouseover', 'mouseenter', 'mousedown', 'mouseup']) el.dispatchEvent(new MouseEvent(type, {bubbles: true}));
  if (typeof el.focus === 'function') el.focus();
  if (el.tagName.toLowerCase() !== 'a' && typeof el.click === 'function') el.click();
  n += 1;
}
done(n);
"#;

/// A local stand-in for a remote server: it records the first line of every request that reaches it.
struct Listener {
    url: String,
    requests: Arc<Mutex<Vec<String>>>,
    stop: Arc<AtomicBool>,
}

impl Listener {
    fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind a local listener");
        listener.set_nonblocking(true).expect("nonblocking");
        let url = format!("http://{}", listener.local_addr().expect("address"));
        let (requests, stop) = (Arc::new(Mutex::new(Vec::new())), Arc::new(AtomicBool::new(false)));
        let (log, halt) = (requests.clone(), stop.clone());
        std::thread::spawn(move || {
            while !halt.load(Ordering::Relaxed) {
                match listener.accept() {
                    Ok((stream, peer)) => {
                        let _ = stream.set_nonblocking(false);
                        let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
                        let mut line = String::new();
                        let _ = BufReader::new(stream).read_line(&mut line);
                        log.lock().unwrap_or_else(|p| p.into_inner()).push(format!("{peer}: {}", line.trim()));
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(30)),
                }
            }
        });
        Self { url, requests, stop }
    }

    fn requests(&self) -> Vec<String> {
        self.requests.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// The script each payload runs if anything lets it: `tag` names the payload in a failure.
fn js(tag: &str) -> String {
    format!(
        "window.__pwned=(window.__pwned||[]).concat('{tag}');document.title='pwned';\
         top.__TAURI_INTERNALS__.invoke('{PROBE}',{{from:'{tag}'}})"
    )
}

/// Raw HTML that tries every way we know to run code, load a page or leave the app.
fn html_payloads(kind: &str, remote: &str) -> String {
    let p = |name: &str| js(&format!("{kind}-{name}"));
    [
        format!("<script>{}</script>", p("script")),
        format!("<img src=x onerror=\"{}\">", p("img-onerror")),
        format!("<img src=\"{remote}/img.png\" onload=\"{}\">", p("img-onload")),
        format!("<a href=\"javascript:{}\">zebra raw javascript link</a>", p("a-javascript")),
        format!("<iframe src=\"{remote}/iframe\"></iframe>"),
        format!("<iframe srcdoc=\"&lt;script&gt;{}&lt;/script&gt;\"></iframe>", p("srcdoc")),
        format!("<svg onload=\"{}\"><circle r=\"4\"/></svg>", p("svg-onload")),
        format!("<svg><script>{}</script></svg>", p("svg-script")),
        format!("<div onmouseover=\"{}\" onclick=\"{}\">zebra hover and click here</div>", p("hover"), p("click")),
        format!("<details open ontoggle=\"{}\"><summary>zebra details</summary>more</details>", p("ontoggle")),
        format!("<input autofocus onfocus=\"{}\">", p("autofocus")),
        format!("<video><source onerror=\"{}\"></video><audio src=x onerror=\"{}\"></audio>", p("video"), p("audio")),
        format!("<body onload=\"{}\">", p("body-onload")),
        format!("<meta http-equiv=\"refresh\" content=\"0; url={remote}/refresh\">"),
        "<meta http-equiv=\"refresh\" content=\"1; url=https://example.com/\">".into(),
        "<a href=\"https://example.com/zebra\">zebra remote link</a>".into(),
        format!("<a href=\"{remote}/link\">zebra local server link</a>"),
        format!(
            "<form action=\"{remote}/form\" method=\"post\"><input name=q value=zebra>\
             <button type=submit formaction=\"javascript:{}\">Send zebra</button></form>",
            p("formaction")
        ),
        format!("<object data=\"{remote}/object\"></object><embed src=\"{remote}/embed\">"),
        format!("<link rel=\"stylesheet\" href=\"{remote}/link.css\"><base href=\"{remote}/\">"),
        format!("<style>@import url({remote}/import.css); body {{ background: url({remote}/bg.png) }}</style>"),
        format!("<p style=\"background:url({remote}/style-attr.png)\">zebra styled</p>"),
        format!("<noscript><p title=\"</noscript><img src=x onerror={}>\"></noscript>", p("mxss-noscript")),
        format!("<math><mtext><table><mglyph><style><img src=x onerror=\"{}\">", p("mxss-math")),
    ]
    .join("\n\n")
}

/// Markdown's own ways in: links and images with script URLs, autolinks, reference links.
fn markdown_payloads(remote: &str) -> String {
    let p = |name: &str| js(&format!("md-{name}"));
    [
        format!("[zebra markdown script link](javascript:{})", p("link")),
        format!("![zebra image](x\" onerror=\"{})", p("image-attr")),
        format!("![zebra remote image]({remote}/md-image.png)"),
        format!("<javascript:{}>", p("autolink")),
        format!("[zebra reference link][ref]\n\n[ref]: javascript:{}", p("reference")),
        "[zebra data link](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)".into(),
        "[zebra web link](https://example.com/markdown)".into(),
    ]
    .join("\n\n")
}

fn yaml_quoted(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

fn corpus(dir: &Path, remote: &str) {
    std::fs::create_dir_all(dir).expect("mkdir");
    let md_title = format!("Zebra memo <img src=x onerror=\"{}\">", js("md-title"));
    let md = format!(
        "---\ntitle: {}\n---\nZebra crossings are being repainted across the city.\n\n{}\n\n{}\n",
        yaml_quoted(&md_title),
        html_payloads("md", remote),
        markdown_payloads(remote),
    );
    std::fs::write(dir.join("memo.md"), md).expect("write md");
    let html = format!(
        "<!doctype html><html><head><meta http-equiv=\"refresh\" content=\"0; url={remote}/head-refresh\">\
         <script>{}</script><title>Zebra page &lt;svg onload=\"{}\"&gt;</title></head>\
         <body onload=\"{}\"><article><h1>Zebra page</h1><p>Zebra herds crossed the river at dawn.</p>{}</article></body></html>",
        js("html-head-script"),
        js("html-title"),
        js("html-body-onload"),
        html_payloads("html", remote),
    );
    std::fs::write(dir.join("page.html"), html).expect("write html");
    let record = json!({
        "title": format!("Zebra feed <script>{}</script>", js("jsonl-title")),
        "body": format!("Zebra foals were born at the zoo.\n\n{}", html_payloads("jsonl", remote)),
    });
    std::fs::write(dir.join("feed.jsonl"), format!("{record}\n")).expect("write jsonl");
}

fn env_path(name: &str) -> PathBuf {
    std::env::var_os(name).map(PathBuf::from).unwrap_or_else(|| panic!("{name} is not set: run `cargo xtask test`"))
}

/// Fails when any payload has left its mark, the page sent a probe or reloaded, or the window left the app.
fn assert_nothing_ran(d: &Driver, title: &str, listener: &Listener, moment: &str) {
    // Handlers such as onerror fire after the markup is in place: give them time to.
    std::thread::sleep(Duration::from_millis(700));
    let state = d.execute_async(READ_STATE, json!([]));
    let spy = state["spy"].as_array().unwrap_or_else(|| panic!("{moment}: the spy is gone, the page reloaded"));
    let probes: Vec<&Value> = spy.iter().filter(|c| c.as_str() == Some(PROBE)).collect();
    assert!(probes.is_empty(), "{moment}: a payload reached the IPC: {spy:?}");
    assert!(state["pwned"].is_null(), "{moment}: payloads ran: {}", state["pwned"]);
    assert_eq!(state["title"].as_str(), Some(title), "{moment}: the document was retitled");
    let href = state["href"].as_str().unwrap_or("");
    assert!(href.starts_with("tauri://localhost"), "{moment}: the window navigated to {href}");
    assert_eq!(listener.requests(), Vec::<String>::new(), "{moment}: requests reached the stand-in remote server");
}

#[test]
#[ignore = "needs the built app, tauri-driver and a display: run `cargo xtask test`"]
fn hostile_articles_never_run_code_load_pages_or_navigate() {
    let dir = tempfile::tempdir().expect("tempdir");
    let home = dir.path().join("home");
    let articles = dir.path().join("articles");
    let listener = Listener::start();
    corpus(&articles, &listener.url);
    let cache = std::env::var_os("BYLINE_TEST_MODELS").map(PathBuf::from);
    let embeddings = cache.as_ref().is_some_and(|c| c.join("home/models/all-minilm-l6-v2").is_dir());
    if let (true, Some(cache)) = (embeddings, &cache) {
        std::fs::create_dir_all(&home).expect("mkdir");
        std::os::unix::fs::symlink(cache.join("home/models"), home.join("models")).expect("link the models");
    }

    let d =
        Driver::start(&env_path("BYLINE_E2E_DRIVER"), &env_path("BYLINE_E2E_APP"), &[("BYLINE_HOME", home.as_path())]);
    d.wait_for("[data-testid=import-button]");
    let title = d.execute_async(INSTALL_SPY, json!([])).as_str().expect("the document title").to_string();

    d.click(&d.wait_for("[data-testid=import-button]"));
    d.choose_import_folder(&home, &articles);
    d.click(&d.wait_for("[data-testid=import-start]"));
    let summary = d.wait_for("[data-testid=import-summary]");
    let text = d.wait_until("the import summary", || Some(d.text(&summary)).filter(|t| t.contains("Imported")));
    assert!(text.contains("Imported 3"), "summary: {text}");
    d.click(&d.wait_for("[data-testid=import-close]"));
    let items = d.wait_until("three articles", || {
        Some(d.find_all("[data-testid=article-item]")).filter(|items| items.len() == 3)
    });
    let ids: Vec<i64> = items
        .iter()
        .map(|i| d.property(i, "dataset")["id"].as_str().and_then(|id| id.parse().ok()).expect("an article id"))
        .collect();
    assert_nothing_ran(&d, &title, &listener, "after the import");

    for id in &ids {
        let item = format!("[data-testid=article-item][data-id='{id}']");
        // The list cuts long headlines; its tooltip holds the whole one.
        let expected = d.property(&d.wait_for(&format!("{item} .title")), "title");
        assert!(expected.as_str().is_some_and(|t| t.starts_with("Zebra")), "a hostile headline: {expected}");
        d.click(&d.wait_for(&item));
        d.wait_until("the article in the editor", || {
            (d.current_value("[data-testid=editor-title]").as_deref() == expected.as_str()).then_some(())
        });
        let body = d.property(&d.wait_for("[data-testid=editor-body]"), "value");
        assert!(body.as_str().is_some_and(|b| b.contains("Zebra")), "Write shows the text: {body}");
        assert_nothing_ran(&d, &title, &listener, &format!("article {id} in Write"));

        d.click(&d.wait_for("[data-testid=mode-preview]"));
        let preview = d.wait_for("[data-testid=editor-preview]");
        d.wait_until("the rendered preview", || Some(d.text(&preview)).filter(|t| t.contains("Zebra")));
        let found = d.execute_async(AUDIT, json!([null]));
        assert_eq!(found["active"], json!([]), "article {id}: active content in the Preview");
        eprintln!("article {id}: kept in the Preview, pointing off the app: {}", found["remote"]);
        let poked = d.execute_async(POKE_PREVIEW, json!([]));
        assert!(poked.as_u64().is_some_and(|n| n > 3), "the Preview has elements to poke: {poked}");
        // Real clicks on every link: the Editor keeps them in the app and names web links in a notice.
        let links = d.find_all("[data-testid=editor-preview] a");
        let web = d.find_all("[data-testid=editor-preview] a[href^='https://example.com']");
        assert!(!web.is_empty(), "article {id}: the web link is kept in the Preview");
        for link in &links {
            d.click(link);
        }
        d.wait_until("the notice naming the outside link", || {
            d.find_all("[data-testid=info]").into_iter().find(|t| d.text(t).contains("opens outside Byline"))
        });
        assert_nothing_ran(&d, &title, &listener, &format!("article {id} in Preview"));

        for format in ["md", "html"] {
            let path = dir.path().join(format!("export-{id}.{format}"));
            d.grant_save(&home, &path);
            let result = d.execute_async(
                "const done = arguments[arguments.length - 1];\
                 window.__TAURI_INTERNALS__.invoke('article_export', { id: arguments[0], format: arguments[1], path: arguments[2] })\
                   .then(() => done('ok'), (e) => done(JSON.stringify(e)));",
                json!([id, format, path.to_string_lossy()]),
            );
            assert_eq!(result.as_str(), Some("ok"), "{format} export: {result}");
            let text = std::fs::read_to_string(&path).expect("read the export");
            assert!(text.contains("Zebra"), "{format}: {text}");
            if format == "html" {
                let found = d.execute_async(AUDIT, json!([text]));
                assert_eq!(found["active"], json!([]), "the HTML export of {id} carries active content: {text}");
            }
        }
        d.click(&d.wait_for("[data-testid=mode-write]"));
        assert_nothing_ran(&d, &title, &listener, &format!("article {id} exported"));
    }

    // Had a script run, it could still name no file the user did not choose: reading one (a model import of
    // a private folder) and writing one (an export to a path no save dialog gave) are refused, and nothing
    // is written.
    let private = dir.path().join("private");
    std::fs::create_dir_all(&private).expect("mkdir");
    std::fs::write(private.join("sources.md"), "Names of confidential sources").expect("write");
    let stray = dir.path().join("stray.html");
    let refused = d.execute_async(
        "const done = arguments[arguments.length - 1];\
         const invoke = window.__TAURI_INTERNALS__.invoke;\
         const why = (p) => p.then(() => 'allowed', (e) => JSON.stringify(e));\
         Promise.all([\
           why(invoke('models_import', { path: arguments[0], jobId: 'stray-read' })),\
           why(invoke('article_export', { id: arguments[1], format: 'html', path: arguments[2] })),\
         ]).then(done);",
        json!([private.to_string_lossy(), ids[0], stray.to_string_lossy()]),
    );
    for (what, answer) in
        ["reading a private folder", "writing an unchosen file"].iter().zip(refused.as_array().expect("two answers"))
    {
        let answer = answer.as_str().unwrap_or_default();
        assert!(answer.contains("choose in its dialogs"), "{what}: {answer}");
    }
    assert!(!stray.exists(), "the refused export wrote nothing");

    // Search results render highlighted titles and snippets as HTML: the markup in them stays text.
    let search = d.wait_for("[data-testid=search]");
    d.type_into(&search, "zebra");
    let hits = d.wait_until("three search results", || {
        Some(d.find_all("[data-testid=search-result]")).filter(|h| h.len() == 3)
    });
    for hit in &hits {
        let html = d.property(hit, "innerHTML");
        assert!(html.as_str().is_some_and(|h| h.contains("<mark>")), "a highlighted result: {html}");
    }
    let markup = d.execute_async(
        "const done = arguments[arguments.length - 1];\
         const found = [];\
         for (const el of document.querySelectorAll('[data-testid=search-result] *')) {\
           if (!['span', 'mark'].includes(el.localName)) found.push('<' + el.localName + '>');\
           for (const a of el.getAttributeNames()) if (a.startsWith('on')) found.push(el.localName + '[' + a + ']');\
         }\
         done(found);",
        json!([]),
    );
    assert_eq!(markup, json!([]), "search results hold only text and highlights");
    assert!(hits.iter().any(|h| d.text(h).contains("<img src=x onerror")), "the hostile headline is shown as text");
    d.click(&hits[0]);
    d.wait_for("[data-testid=editor-body]");
    assert_nothing_ran(&d, &title, &listener, "after searching");

    // The tone panel shows the text sentence by sentence.
    d.click(&d.wait_for("[data-testid=side-sentiment]"));
    d.wait_longer("scored sentences", Duration::from_secs(60), || {
        Some(d.find_all("[data-testid=sentiment-sentence]")).filter(|s| !s.is_empty())
    });
    assert_nothing_ran(&d, &title, &listener, "in the tone panel");

    if embeddings {
        d.click(&d.wait_for("[data-testid=side-related]"));
        d.wait_for("[data-testid=related-panel]");
        d.click(&d.wait_for("[data-testid=related-index]"));
        d.wait_longer("related articles", Duration::from_secs(180), || {
            Some(d.find_all("[data-testid=related-item]")).filter(|r| !r.is_empty())
        });
        assert_nothing_ran(&d, &title, &listener, "in the related panel");
    } else {
        eprintln!("hostile_e2e: no embedding model installed (BYLINE_TEST_MODELS); the Related panel is not checked");
    }

    // The spy saw the UI's own calls, so it was live the whole time; nothing else was sent.
    let spy = d.execute_async(READ_STATE, json!([]))["spy"].clone();
    let sent: Vec<&str> = spy.as_array().map(|s| s.iter().filter_map(Value::as_str).collect()).unwrap_or_default();
    for expected in ["library_import", "markdown_preview", "library_search", "article_export"] {
        assert!(sent.contains(&expected), "the spy saw no {expected}: {sent:?}");
    }
    let unexpected: Vec<&&str> = sent.iter().filter(|c| c.starts_with("fetch:")).collect();
    assert!(unexpected.is_empty(), "the page fetched outside the IPC: {unexpected:?}");
    std::thread::sleep(Duration::from_millis(500));
    d.screenshot(&Path::new(env!("CARGO_MANIFEST_DIR")).join("artifacts/hostile.png"));

    // The listener does record what reaches it: the silence above means something.
    let mut control = std::net::TcpStream::connect(listener.url.trim_start_matches("http://")).expect("connect");
    std::io::Write::write_all(&mut control, b"GET /control HTTP/1.1\r\n\r\n").expect("send");
    drop(control);
    let seen = d.wait_until("the control request", || Some(listener.requests()).filter(|r| !r.is_empty()));
    assert!(seen[0].ends_with("GET /control HTTP/1.1"), "{seen:?}");
}
