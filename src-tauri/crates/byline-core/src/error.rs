use std::path::PathBuf;

/// The one error type of Byline's engine. Each variant has a stable machine-readable
/// [`code`](Error::code) that the desktop shell forwards to the UI beside the message.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
    #[error("database error: {0}")]
    Database(String),
    #[error("{what} {id} was not found")]
    NotFound { what: &'static str, id: String },
    #[error("invalid input: {0}")]
    InvalidInput(String),
    #[error("cannot read {path}: {message}")]
    Format { path: PathBuf, message: String },
    #[error("settings file {path} is invalid: {message}")]
    Settings { path: PathBuf, message: String },
    #[error("the operation was cancelled")]
    Cancelled,
    #[error("not enough disk space: {0}")]
    DiskFull(String),
    /// A component the work needs cannot run here: a missing system library, device or engine.
    #[error("{0}")]
    Unavailable(String),
    /// A download could not reach its server, or the server did not answer as it should. Only downloads the
    /// user asked for touch the network, so this is the one error that says "check the connection".
    #[error("network error: {0}")]
    Network(String),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// `.db()` on any database result: the error becomes [`Error::database`].
pub trait DbResultExt<T> {
    fn db(self) -> Result<T>;
}

impl<T, E: std::fmt::Display> DbResultExt<T> for std::result::Result<T, E> {
    fn db(self) -> Result<T> {
        self.map_err(Error::database)
    }
}

impl Error {
    /// Wraps an I/O error with what we were doing, so the message names the file.
    pub fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        // ENOSPC deserves its own code: the UI tells the reporter to free space, not to retry.
        if source.raw_os_error() == Some(28) || source.kind() == std::io::ErrorKind::StorageFull {
            return Error::DiskFull(format!("{}: {source}", context.into()));
        }
        Error::Io { context: context.into(), source }
    }

    /// A database failure in the engine's terms, mapped in one place for every crate that uses SQLite: a full
    /// disk (SQLITE_FULL) is [`Error::DiskFull`], so the reporter frees space instead of retrying; a
    /// read-only library says so.
    pub fn database(err: impl std::fmt::Display) -> Self {
        let message = err.to_string();
        if message.contains("database or disk is full") {
            Error::DiskFull(message)
        } else if message.contains("readonly database") {
            Error::Database(format!("the library cannot be written (its folder or file is read-only): {message}"))
        } else {
            Error::Database(message)
        }
    }

    pub fn not_found(what: &'static str, id: impl ToString) -> Self {
        Error::NotFound { what, id: id.to_string() }
    }

    pub fn code(&self) -> &'static str {
        match self {
            Error::Io { .. } => "io",
            Error::Database(_) => "database",
            Error::NotFound { .. } => "not_found",
            Error::InvalidInput(_) => "invalid_input",
            Error::Format { .. } => "format",
            Error::Settings { .. } => "settings",
            Error::Cancelled => "cancelled",
            Error::DiskFull(_) => "disk_full",
            Error::Unavailable(_) => "unavailable",
            Error::Network(_) => "network",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enospc_is_reported_as_disk_full() {
        let err = Error::io("writing draft", std::io::Error::from_raw_os_error(28));
        assert_eq!(err.code(), "disk_full");
        assert!(err.to_string().contains("writing draft"));
    }

    #[test]
    fn codes_are_stable() {
        assert_eq!(Error::not_found("article", 7).code(), "not_found");
        assert_eq!(Error::not_found("article", 7).to_string(), "article 7 was not found");
        assert_eq!(Error::Cancelled.code(), "cancelled");
        assert_eq!(Error::Network("x".into()).code(), "network");
        assert_eq!(Error::database("database or disk is full").code(), "disk_full");
        assert!(Error::database("attempt to write a readonly database").to_string().contains("read-only"));
        assert_eq!(Err::<(), _>("no such table: x").db().map_err(|e| e.code()), Err("database"));
    }
}
