//! Byline's desktop shell. Commands are thin adapters over the engine crates.
#[cfg(test)]
mod bindings;
mod commands;
mod error;
mod logging;
mod menu;
mod navigation;
mod state;

use tauri::{Manager, Runtime};

/// Builds the app on any runtime, so commands can be exercised with tauri's mock runtime, with its data
/// in `paths` (opened here: a library that cannot be opened is an error before any window shows).
pub fn build_app<R: Runtime>(
    builder: tauri::Builder<R>,
    paths: byline_core::AppPaths,
) -> byline_core::Result<tauri::Builder<R>> {
    build_app_opening(builder, paths, Vec::new())
}

/// `build_app` for a start with files to open (`opened`: the command line's, absolute): they may be read, like
/// files chosen in a dialog, and the window takes them as dropped on it (`opened_files`).
pub fn build_app_opening<R: Runtime>(
    builder: tauri::Builder<R>,
    paths: byline_core::AppPaths,
    opened: Vec<std::path::PathBuf>,
) -> byline_core::Result<tauri::Builder<R>> {
    let state = state::AppState::load(paths)?;
    state.grants.allow_read(&opened);
    if let Ok(mut files) = state.opened_files.lock() {
        *files = opened;
    }
    state.models.registry.start_idle_unloader();
    Ok(builder
        .manage(state)
        .plugin(tauri_plugin_dialog::init())
        .plugin(navigation::guard())
        .setup(|app| {
            menu::install(app)?;
            Ok(())
        })
        // Files dropped on the window may be read, like files chosen in a dialog: the drop is the user's.
        .on_window_event(|window, event| {
            if let tauri::WindowEvent::DragDrop(tauri::DragDropEvent::Drop { paths, .. }) = event {
                window.state::<state::AppState>().grants.allow_read(paths);
            }
        })
        .invoke_handler(tauri::generate_handler![
            commands::library::library_list,
            commands::library::library_search,
            commands::library::article_get,
            commands::library::article_create,
            commands::library::article_save,
            commands::library::article_delete,
            commands::library::revisions_list,
            commands::library::revision_restore,
            commands::library::article_export,
            commands::library::markdown_preview,
            commands::import::library_import,
            commands::jobs::job_cancel,
            commands::files::pick_open,
            commands::files::pick_save,
            commands::assistant::assistant_models,
            commands::assistant::assistant_tasks,
            commands::assistant::assistant_task_save,
            commands::assistant::assistant_task_reset,
            commands::assistant::assistant_history,
            commands::assistant::assistant_history_delete,
            commands::assistant::assistant_unload,
            commands::assistant::assistant_run,
            commands::images::images_generate,
            commands::images::images_gallery,
            commands::models::models_list,
            commands::models::models_pull,
            commands::models::models_import,
            commands::models::models_remove,
            commands::models::models_verify,
            commands::models::models_warm,
            commands::models::models_unload,
            commands::related::related_index,
            commands::related::related_for_article,
            commands::related::related_for_draft,
            commands::related::related_feedback,
            commands::related::related_opened,
            commands::related::related_usage,
            commands::related::related_usage_reset,
            commands::quotes::quotes_check,
            commands::quotes::quotes_search,
            commands::quotes::quotes_sources,
            commands::quotes::quotes_link,
            commands::sentiment::sentiment_analyze_text,
            commands::sentiment::sentiment_analyze_segments,
            commands::sentiment::sentiment_import_comments,
            commands::sentiment::sentiment_comments,
            commands::sentiment::sentiment_comment_distribution,
            commands::settings::settings_get,
            commands::settings::settings_save,
            commands::settings::startup_notices,
            commands::settings::opened_files,
            commands::settings::menu_language,
            commands::models::setup_plan,
            commands::settings::device_status,
            commands::speech::speech_voices,
            commands::speech::speech_play,
            commands::speech::speech_control,
            commands::speech::speech_export,
            commands::transcribe::transcribe_file,
            commands::transcribe::transcript_list,
            commands::transcribe::transcript_get,
            commands::transcribe::transcript_save,
            commands::transcribe::transcript_delete,
            commands::transcribe::voices_list,
            commands::transcribe::voices_delete,
            commands::transcribe::transcript_export,
            commands::transcribe::transcript_audio,
            commands::transcribe::transcription_vocabulary,
            commands::transcribe::record_devices,
            commands::transcribe::record_start,
            commands::transcribe::record_pause,
            commands::transcribe::record_stop,
        ]))
}

pub fn run() {
    // Files named on the command line (what a file manager passes on a double-click) are the user's choice,
    // like a drop: readable by the commands, and handed to the window when it asks.
    let opened: Vec<std::path::PathBuf> =
        std::env::args_os().skip(1).filter_map(|a| std::path::absolute(a).ok()).filter(|p| p.is_file()).collect();
    let built = byline_core::AppPaths::from_env().and_then(|paths| {
        logging::init(paths.root());
        build_app_opening(tauri::Builder::default(), paths, opened)
    });

    let result = match built {
        Ok(builder) => builder.run(tauri::generate_context!()).map_err(|e| e.to_string()),
        Err(e) => Err(e.to_string()),
    };
    if let Err(err) = result {
        tracing::error!("Byline could not start: {err}");
        eprintln!("Byline could not start: {err}");
        std::process::exit(1);
    }
}
