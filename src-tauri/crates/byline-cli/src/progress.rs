use byline_core::{Progress, Reporter};
use indicatif::{ProgressBar, ProgressStyle};

/// Draws engine progress as a terminal progress bar (hidden when stderr is not a terminal).
pub struct BarReporter {
    bar: ProgressBar,
}

impl BarReporter {
    pub fn new() -> Self {
        let bar = ProgressBar::new(0);
        let style = ProgressStyle::with_template("{spinner} {msg:.bold} [{bar:30}] {pos}/{len} {wide_msg:.dim}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> ");
        bar.set_style(style);
        Self { bar }
    }
}

impl Reporter for BarReporter {
    fn on_start(&self, total: Option<u64>, message: &str) {
        if let Some(total) = total {
            self.bar.set_length(total);
        }
        self.bar.set_message(message.to_string());
    }

    fn on_progress(&self, progress: &Progress) {
        self.bar.set_position(progress.done);
        let name = progress.message.rsplit('/').next().unwrap_or(&progress.message);
        self.bar.set_message(format!("Importing {name}"));
    }

    fn on_done(&self, message: &str) {
        self.bar.finish_and_clear();
        eprintln!("{message}");
    }
}
