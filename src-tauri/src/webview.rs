//! Settings of the webview itself. On Linux (WebKitGTK) the page is drawn without GPU compositing: the
//! editor has nothing that needs it, and compositing costs the web process about 90 MB at idle (software
//! GL where there is no GPU driver, as in a virtual machine) and is a known cause of blank windows with
//! some GPU drivers. `BYLINE_GPU_COMPOSITING=1` turns it back on.
#[cfg(target_os = "linux")]
use tauri::Manager;
use tauri::{App, Runtime};

pub fn tune<R: Runtime>(app: &App<R>) {
    #[cfg(target_os = "linux")]
    if std::env::var_os("BYLINE_GPU_COMPOSITING").is_none_or(|v| v.is_empty() || v == "0") {
        for window in app.webview_windows().into_values() {
            let tuned = window.with_webview(|webview| {
                use webkit2gtk::{HardwareAccelerationPolicy, SettingsExt, WebViewExt};
                if let Some(settings) = WebViewExt::settings(&webview.inner()) {
                    settings.set_hardware_acceleration_policy(HardwareAccelerationPolicy::Never);
                }
            });
            if let Err(e) = tuned {
                tracing::warn!("the webview's settings could not be changed: {e}");
            }
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = app;
}
