use tauri::State;

use crate::error::{CommandError, CommandResult};
use crate::state::AppState;

#[tauri::command]
pub fn job_cancel(state: State<'_, AppState>, job_id: String) -> CommandResult<()> {
    if state.jobs.cancel(&job_id) {
        Ok(())
    } else {
        Err(CommandError { code: "not_found".into(), message: format!("no running job {job_id}") })
    }
}
