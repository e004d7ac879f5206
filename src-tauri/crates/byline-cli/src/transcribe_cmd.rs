//! `byline transcribe` (batch, one progress bar per file, continues past bad files), `byline transcripts`
//! (list, show, export, vocabulary) and `byline record`.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use byline_core::{AppPaths, CancelToken, NoProgress, Progress, Reporter, files};
use byline_library::Library;
use byline_models::Store;
use byline_transcribe::export::{ExportFormat, ExportOptions, export};
use byline_transcribe::store as tstore;
use byline_transcribe::{
    DEFAULT_MODEL, Options, SUPPORTED_FORMATS, Transcript, load_engine, parse_range, parse_speakers,
    transcribe_and_store,
};
use clap::Args;
use indicatif::{MultiProgress, ProgressBar, ProgressStyle};

#[derive(Args)]
pub struct TranscribeArgs {
    /// Audio or video files.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Whisper model: a model-store id or a ggml file.
    #[arg(long, default_value = DEFAULT_MODEL)]
    pub model: String,
    /// Language code (en, de, …) or auto.
    #[arg(long = "lang")]
    pub lang: Option<String>,
    /// Translate to English (multilingual models).
    #[arg(long)]
    pub translate: bool,
    /// Initial prompt: names and terms to spell right (added to the library's vocabulary).
    #[arg(long)]
    pub prompt: Option<String>,
    /// Part of the audio: START-END, e.g. 1:30-2:45, 90- or -45.
    #[arg(long)]
    pub range: Option<String>,
    /// Worker threads (default: the cores, up to 8).
    #[arg(long)]
    pub threads: Option<usize>,
    /// Output formats, comma separated: srt, vtt, txt, json, docx, md.
    #[arg(long, value_delimiter = ',', default_value = "txt")]
    pub format: Vec<String>,
    /// Folder for the exports (default: beside each input file; an existing file is never replaced, the
    /// export takes the next free name, "notes (2).txt"); `-` prints one format to standard output.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Plain text, Markdown and DOCX without timestamps.
    #[arg(long)]
    pub no_timestamps: bool,
    /// Do not store the transcripts in the library.
    #[arg(long)]
    pub no_save: bool,
    /// Decode the pauses too (by default Silero VAD, when installed, cuts them out before Whisper).
    #[arg(long)]
    pub no_vad: bool,
    /// Tell speakers apart: `auto` finds how many there are, a number splits the speech between exactly
    /// that many (CAM++ when `campplus-zh-en` is installed, a much weaker model-free method otherwise).
    #[arg(long, value_name = "auto|N")]
    pub speakers: Option<String>,
    /// Print a JSON summary instead of text.
    #[arg(long)]
    pub json: bool,
}

/// One bar per file; the message carries the ETA the engine computes.
struct FileBar(ProgressBar);

impl Reporter for FileBar {
    fn on_start(&self, total: Option<u64>, _message: &str) {
        if let Some(total) = total {
            self.0.set_length(total);
        }
    }
    fn on_progress(&self, p: &Progress) {
        if let Some(total) = p.total {
            self.0.set_length(total);
        }
        self.0.set_position(p.done);
        self.0.set_message(p.message.clone());
    }
}

fn bar(multi: &MultiProgress, name: &str) -> ProgressBar {
    let bar = multi.add(ProgressBar::new(0));
    let style = ProgressStyle::with_template("{prefix:.bold} [{bar:30}] {percent:>3}% {wide_msg:.dim}")
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ");
    bar.set_style(style);
    bar.set_prefix(name.to_owned());
    bar
}

fn model_store(paths: &AppPaths) -> Result<Store> {
    Ok(Store::new(paths)?)
}

pub fn transcribe(paths: &AppPaths, args: TranscribeArgs) -> Result<()> {
    let formats = args.format.iter().map(|f| f.parse::<ExportFormat>()).collect::<byline_core::Result<Vec<_>>>()?;
    check_stdout_out(args.out.as_deref(), &formats, args.json)?;
    let (start_s, end_s) = match &args.range {
        Some(r) => parse_range(r)?,
        None => (None, None),
    };
    let library = if args.no_save { None } else { Some(Library::open(&paths.library_db())?) };
    let prompt = match &library {
        Some(lib) => tstore::prompt_with_vocabulary(lib.connection(), args.prompt.as_deref())?,
        None => args.prompt.clone(),
    };
    let opts = Options {
        language: args.lang.clone(),
        translate: args.translate,
        prompt,
        start_s,
        end_s,
        threads: args.threads,
        no_vad: args.no_vad,
        speakers: args.speakers.as_deref().map(parse_speakers).transpose()?.flatten(),
    };
    opts.validate()?;
    let cancel = CancelToken::new();
    let engine = load_engine(&model_store(paths)?, &args.model, &NoProgress, &cancel)?;
    let export_opts = ExportOptions { timestamps: !args.no_timestamps, speakers: true };
    let multi = MultiProgress::new();
    let mut failed = 0;
    let mut summary = Vec::new();
    for file in &args.files {
        let name = file.file_name().map_or_else(|| file.display().to_string(), |n| n.to_string_lossy().into_owned());
        let bar = bar(&multi, &name);
        let result = transcribe_and_store(
            &engine,
            library.as_ref().map(|l| (l, args.model.as_str())),
            file,
            &opts,
            &FileBar(bar.clone()),
            &cancel,
            None,
        )
        .map_err(anyhow::Error::from)
        .and_then(|done| {
            let written = write_exports(&done.transcript, file, args.out.as_deref(), &formats, export_opts)?;
            Ok((done.transcript, written, done.id))
        });
        match result {
            Ok((t, written, id)) => {
                bar.finish_with_message(format!("done: {} segments", t.segments.len()));
                summary.push(serde_json::json!({"file": file, "ok": true, "transcript_id": id, "outputs": written, "notes": t.notes.iter().map(ToString::to_string).collect::<Vec<_>>(), "language": t.language}));
                if !args.json {
                    multi.suspend(|| {
                        for n in &t.notes {
                            eprintln!("{name}: note: {n}");
                        }
                        for w in &written {
                            eprintln!("{name}: wrote {}", w.display());
                        }
                    });
                }
            }
            Err(e) => {
                failed += 1;
                bar.abandon_with_message(format!("failed: {e:#}"));
                summary.push(serde_json::json!({"file": file, "ok": false, "error": format!("{e:#}")}));
            }
        }
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&summary)?);
    }
    if failed > 0 {
        bail!("{failed} of {} files could not be transcribed (supported: {SUPPORTED_FORMATS})", args.files.len());
    }
    Ok(())
}

/// Writes each format beside the input (or into `out`; `-` is standard output) and returns the paths written.
/// An existing file is never replaced: `notes.txt` beside `notes.wav` stays the reporter's, and the
/// transcript goes to `notes (2).txt`.
pub fn write_exports(
    t: &Transcript,
    input: &Path,
    out: Option<&Path>,
    formats: &[ExportFormat],
    opts: ExportOptions,
) -> Result<Vec<PathBuf>> {
    if out == Some(Path::new("-")) {
        let mut stdout = std::io::stdout().lock();
        for &f in formats {
            stdout.write_all(&export(t, f, opts)?)?;
        }
        return Ok(Vec::new());
    }
    let dir = match out {
        Some(d) => d.to_path_buf(),
        None => input.parent().map(Path::to_path_buf).unwrap_or_default(),
    };
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let stem = input.file_stem().map_or_else(|| "transcript".into(), |s| s.to_string_lossy().into_owned());
    let mut written = Vec::new();
    for &f in formats {
        written.push(files::write_to_free_name(&dir, &stem, f.extension(), &export(t, f, opts)?)?);
    }
    Ok(written)
}

/// `--out -` sends the transcript itself to standard output, so it takes one text format and no JSON summary.
fn check_stdout_out(out: Option<&Path>, formats: &[ExportFormat], json: bool) -> Result<()> {
    if out != Some(Path::new("-")) {
        return Ok(());
    }
    if json {
        bail!("--out - prints the transcript itself; it cannot be combined with --json");
    }
    match formats {
        [ExportFormat::Docx] => bail!("DOCX is binary: give --out FOLDER instead of -"),
        [_] => Ok(()),
        _ => bail!("--out - prints one format; choose one with --format"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `notes.txt` beside `notes.wav` is the reporter's own file: the transcript goes beside it, never over it.
    #[test]
    fn exports_never_replace_the_reporters_files() {
        let dir = tempfile::tempdir().expect("tempdir");
        let audio = dir.path().join("notes.wav");
        std::fs::write(dir.path().join("notes.txt"), "my notes from the interview").expect("write");
        let t = Transcript { duration_s: 1.0, ..Transcript::default() };
        let formats = [ExportFormat::Txt, ExportFormat::Srt];
        let written = write_exports(&t, &audio, None, &formats, ExportOptions::default()).expect("export");
        assert_eq!(written, vec![dir.path().join("notes (2).txt"), dir.path().join("notes.srt")]);
        let notes = std::fs::read_to_string(dir.path().join("notes.txt")).expect("read");
        assert_eq!(notes, "my notes from the interview");
        // A second run keeps the first run's exports too.
        let again = write_exports(&t, &audio, None, &formats, ExportOptions::default()).expect("export");
        assert_eq!(again, vec![dir.path().join("notes (3).txt"), dir.path().join("notes (2).srt")]);
    }

    #[test]
    fn out_dash_is_standard_output_for_one_text_format() {
        let dash = Some(Path::new("-"));
        assert!(check_stdout_out(dash, &[ExportFormat::Srt], false).is_ok());
        assert!(check_stdout_out(dash, &[ExportFormat::Srt, ExportFormat::Txt], false).is_err());
        assert!(check_stdout_out(dash, &[ExportFormat::Docx], false).is_err());
        assert!(check_stdout_out(dash, &[ExportFormat::Txt], true).is_err());
        assert!(check_stdout_out(Some(Path::new("out")), &[ExportFormat::Docx], true).is_ok());
    }
}
