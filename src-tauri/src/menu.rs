use byline_core::Language;
use tauri::menu::{MenuBuilder, MenuItemBuilder, SubmenuBuilder};
use tauri::{App, AppHandle, Emitter, Manager, Runtime};

use crate::state::AppState;

/// The menu's words in one language.
struct Labels {
    file: &'static str,
    new_article: &'static str,
    save: &'static str,
    import_files: &'static str,
    import_folder: &'static str,
    export_md: &'static str,
    export_html: &'static str,
    quit: &'static str,
    edit: &'static str,
    undo: &'static str,
    redo: &'static str,
    cut: &'static str,
    copy: &'static str,
    paste: &'static str,
    select_all: &'static str,
    find: &'static str,
    help: &'static str,
    open_logs: &'static str,
}

static ENGLISH: Labels = Labels {
    file: "File",
    new_article: "New Article",
    save: "Save",
    import_files: "Import Files…",
    import_folder: "Import Folder…",
    export_md: "Export as Markdown…",
    export_html: "Export as HTML…",
    quit: "Quit Byline",
    edit: "Edit",
    undo: "Undo",
    redo: "Redo",
    cut: "Cut",
    copy: "Copy",
    paste: "Paste",
    select_all: "Select All",
    find: "Find in Library",
    help: "Help",
    open_logs: "Open Logs Folder",
};

static CHINESE: Labels = Labels {
    file: "文件",
    new_article: "新建文章",
    save: "保存",
    import_files: "导入文件…",
    import_folder: "导入文件夹…",
    export_md: "导出为 Markdown…",
    export_html: "导出为 HTML…",
    quit: "退出 Byline",
    edit: "编辑",
    undo: "撤销",
    redo: "重做",
    cut: "剪切",
    copy: "复制",
    paste: "粘贴",
    select_all: "全选",
    find: "在资料库中查找",
    help: "帮助",
    open_logs: "打开日志文件夹",
};

fn labels(language: Language) -> &'static Labels {
    match language {
        Language::Zh => &CHINESE,
        Language::En | Language::System => &ENGLISH,
    }
}

/// Native menu, in the settings' language (the system's, read from the locale variables, until the window
/// says which language it chose). Items only emit a `menu` event; the UI decides what to do, so shortcuts and
/// menu entries always do the same thing. Help ▸ Open Logs Folder is the shell's own.
pub fn install<R: Runtime>(app: &mut App<R>) -> tauri::Result<()> {
    let language = app.state::<AppState>().settings().language.resolve(|k| std::env::var(k).ok());
    set_language(app.handle(), language)?;
    app.on_menu_event(|app, event| {
        if event.id().0 == "open-logs" {
            let folder = crate::logging::dir(app.state::<AppState>().paths.root());
            if let Err(e) = crate::logging::reveal(&folder) {
                tracing::warn!("opening the logs folder {}: {e}", folder.display());
            }
            return;
        }
        if let Err(e) = app.emit("menu", event.id().0.as_str()) {
            tracing::warn!("menu event {}: {e}", event.id().0);
        }
    });
    Ok(())
}

/// Builds the menu in `language` and puts it in place of the current one.
pub fn set_language<R: Runtime>(app: &AppHandle<R>, language: Language) -> tauri::Result<()> {
    let l = labels(language);
    let item = |id: &str, label: &str, accel: &str| MenuItemBuilder::with_id(id, label).accelerator(accel).build(app);
    let file = SubmenuBuilder::new(app, l.file)
        .item(&item("new-article", l.new_article, "CmdOrCtrl+N")?)
        .item(&item("save", l.save, "CmdOrCtrl+S")?)
        .separator()
        .item(&item("import-files", l.import_files, "CmdOrCtrl+O")?)
        .item(&item("import-folder", l.import_folder, "CmdOrCtrl+Shift+O")?)
        .separator()
        .item(&item("export-md", l.export_md, "CmdOrCtrl+E")?)
        .item(&item("export-html", l.export_html, "CmdOrCtrl+Shift+E")?)
        .separator()
        .quit_with_text(l.quit)
        .build()?;
    let edit = SubmenuBuilder::new(app, l.edit)
        .undo_with_text(l.undo)
        .redo_with_text(l.redo)
        .separator()
        .cut_with_text(l.cut)
        .copy_with_text(l.copy)
        .paste_with_text(l.paste)
        .select_all_with_text(l.select_all)
        .separator()
        .item(&item("find", l.find, "CmdOrCtrl+K")?)
        .build()?;
    let help = SubmenuBuilder::new(app, l.help)
        .item(&MenuItemBuilder::with_id("open-logs", l.open_logs).build(app)?)
        .build()?;
    let menu = MenuBuilder::new(app).items(&[&file, &edit, &help]).build()?;
    app.set_menu(menu)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(l: &Labels) -> [&'static str; 18] {
        [
            l.file,
            l.new_article,
            l.save,
            l.import_files,
            l.import_folder,
            l.export_md,
            l.export_html,
            l.quit,
            l.edit,
            l.undo,
            l.redo,
            l.cut,
            l.copy,
            l.paste,
            l.select_all,
            l.find,
            l.help,
            l.open_logs,
        ]
    }

    /// Every Chinese label is written in Chinese (format and product names aside) and none is left equal to
    /// its English one.
    #[test]
    fn every_menu_label_has_its_chinese() {
        for (en, zh) in all(&ENGLISH).into_iter().zip(all(&CHINESE)) {
            assert_ne!(en, zh);
            assert!(zh.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)), "{zh:?} for {en:?}");
        }
        assert!(std::ptr::eq(labels(Language::System), &ENGLISH), "System is resolved before the menu is built");
    }
}
