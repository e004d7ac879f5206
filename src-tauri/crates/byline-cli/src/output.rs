//! How the CLI writes what the reporter asked for: files named with `--out` are never replaced unless
//! `--force` says so, and then atomically; a closed pipe (`byline library list | head`) ends quietly.
use std::path::Path;

use anyhow::{Result, bail};
use byline_core::files;

/// Writes an export to the file the reporter named. An existing file (or link) is refused without `force`;
/// with it, the file is replaced atomically and a link at that name is replaced, not written through.
pub fn write_out(path: &Path, bytes: &[u8], force: bool) -> Result<()> {
    if std::fs::symlink_metadata(path).is_ok() && !force {
        bail!("{} already exists; choose another name, or add --force to replace it", path.display());
    }
    if force {
        files::replace_atomically(path, bytes)?;
    } else {
        match files::write_new(path, bytes) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                bail!("{} already exists; choose another name, or add --force to replace it", path.display())
            }
            Err(e) => return Err(byline_core::Error::io(format!("writing {}", path.display()), e).into()),
        }
    }
    Ok(())
}

/// `println!` panics when the reader of standard output has gone away (`| head`); that is the normal end of a
/// pipeline, not a failure. This hook ends the process quietly with the shell's code for SIGPIPE instead of
/// printing a panic, and leaves every other panic to the default hook.
pub fn quiet_on_closed_pipe() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let message = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or("");
        if message.contains("failed printing to stdout") && message.contains("Broken pipe") {
            std::process::exit(141);
        }
        default(info);
    }));
}

/// True when an error is a write to a closed pipe, so `main` can end quietly for it too.
pub fn is_closed_pipe(err: &anyhow::Error) -> bool {
    err.chain()
        .any(|cause| cause.downcast_ref::<std::io::Error>().is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe))
}

/// Text from the library (titles, bodies, file names) as it may be shown on a terminal: control characters
/// other than line breaks and tabs are written out visibly (`\x1b`), so an imported article cannot set the
/// window title, write to the clipboard or clear the screen. Written to a file or a pipe, text stays as it is.
pub fn for_terminal(text: &str) -> std::borrow::Cow<'_, str> {
    use std::io::IsTerminal;
    if std::io::stdout().is_terminal() { visible_controls(text) } else { std::borrow::Cow::Borrowed(text) }
}

/// Every control character but `\n` and `\t` (C0, DEL, C1, and the bidirectional overrides that can make
/// a terminal line read differently from its bytes) as a visible escape.
pub fn visible_controls(text: &str) -> std::borrow::Cow<'_, str> {
    let unsafe_char = |c: char| {
        (c.is_control() && c != '\n' && c != '\t') || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
    };
    if !text.chars().any(unsafe_char) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if unsafe_char(c) {
            out.push_str(&format!("\\x{{{:x}}}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_sequences_are_shown_not_obeyed() {
        let title = "Budget\x1b]0;pwned\x07 vote\x1b[2J\u{9b}31m \u{202e}txt.exe";
        let shown = visible_controls(title);
        assert_eq!(shown, "Budget\\x{1b}]0;pwned\\x{7} vote\\x{1b}[2J\\x{9b}31m \\x{202e}txt.exe");
        assert!(matches!(visible_controls("Plain 中文\n\ttext"), std::borrow::Cow::Borrowed(_)));
    }
}
