use serde::Serialize;

/// What every failing command sends to the UI: a stable code and a message for people.
#[derive(Debug, Serialize, ts_rs::TS)]
pub struct CommandError {
    pub code: String,
    pub message: String,
}

impl From<byline_core::Error> for CommandError {
    fn from(err: byline_core::Error) -> Self {
        Self { code: err.code().to_string(), message: err.to_string() }
    }
}

impl CommandError {
    pub fn internal(message: impl Into<String>) -> Self {
        Self { code: "internal".into(), message: message.into() }
    }
}

pub type CommandResult<T> = Result<T, CommandError>;
