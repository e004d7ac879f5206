//! The window shows the app and nothing else. A link in an article's Preview, or anything a hostile body
//! gets past the sanitiser, must not navigate the window away: that would load a remote page (network use
//! the reporter never asked for) and drop the editor with its unsaved text.
use tauri::plugin::TauriPlugin;
use tauri::{Runtime, Url};

/// The app's own pages: `tauri://localhost` on Linux and macOS, `http(s)://tauri.localhost` on Windows.
pub fn is_app_url(url: &Url) -> bool {
    match url.scheme() {
        "tauri" => url.host_str() == Some("localhost"),
        "http" | "https" => url.host_str() == Some("tauri.localhost"),
        _ => false,
    }
}

/// Refuses every navigation of a webview to anything but the app itself.
pub fn guard<R: Runtime>() -> TauriPlugin<R> {
    tauri::plugin::Builder::new("navigation-guard")
        .on_navigation(|_webview, url| {
            let allowed = is_app_url(url);
            if !allowed {
                eprintln!("byline: blocked navigation away from the app (scheme {})", url.scheme());
            }
            allowed
        })
        .build()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(text: &str) -> Url {
        Url::parse(text).expect("url")
    }

    #[test]
    fn only_the_app_itself_may_be_shown() {
        assert!(is_app_url(&url("tauri://localhost/index.html")));
        assert!(is_app_url(&url("http://tauri.localhost/")));
        for outside in [
            "https://example.com/",
            "http://localhost:8080/",
            "http://tauri.localhost.example.com/",
            "file:///etc/passwd",
            "data:text/html,<script>1</script>",
            "javascript:alert(1)",
            "byline://article/3",
            "tauri://evil.example/",
        ] {
            assert!(!is_app_url(&url(outside)), "{outside}");
        }
    }
}
