use tauri::menu::{MenuBuilder, MenuItemBuilder, PredefinedMenuItem, SubmenuBuilder};
use tauri::{App, Emitter, Manager, Runtime};

use crate::state::AppState;

/// Native menu. Items only emit a `menu` event; the UI decides what to do, so shortcuts and
/// menu entries always do the same thing. Help ▸ Open Logs Folder is the shell's own.
pub fn install<R: Runtime>(app: &mut App<R>) -> tauri::Result<()> {
    let item = |id: &str, label: &str, accel: &str| MenuItemBuilder::with_id(id, label).accelerator(accel).build(app);
    let file = SubmenuBuilder::new(app, "File")
        .item(&item("new-article", "New Article", "CmdOrCtrl+N")?)
        .item(&item("save", "Save", "CmdOrCtrl+S")?)
        .separator()
        .item(&item("import-files", "Import Files…", "CmdOrCtrl+O")?)
        .item(&item("import-folder", "Import Folder…", "CmdOrCtrl+Shift+O")?)
        .separator()
        .item(&item("export-md", "Export as Markdown…", "CmdOrCtrl+E")?)
        .item(&item("export-html", "Export as HTML…", "CmdOrCtrl+Shift+E")?)
        .separator()
        .item(&PredefinedMenuItem::quit(app, None)?)
        .build()?;
    let edit = SubmenuBuilder::new(app, "Edit")
        .undo()
        .redo()
        .separator()
        .cut()
        .copy()
        .paste()
        .select_all()
        .separator()
        .item(&item("find", "Find in Library", "CmdOrCtrl+K")?)
        .build()?;
    let help = SubmenuBuilder::new(app, "Help")
        .item(&MenuItemBuilder::with_id("open-logs", "Open Logs Folder").build(app)?)
        .build()?;
    let menu = MenuBuilder::new(app).items(&[&file, &edit, &help]).build()?;
    app.set_menu(menu)?;
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
