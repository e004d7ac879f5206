//! `byline`: Byline's engine from the command line.
mod bench;
mod bench_generate;
mod bench_voice;
mod draft_cmd;
mod examples;
mod image_cmd;
mod library_cmd;
mod models_cmd;
mod output;
mod progress;
mod quotes_cmd;
mod record_cmd;
mod related_cmd;
mod sentiment_cmd;
mod speak_cmd;
mod transcribe_cmd;

use std::path::PathBuf;

use anyhow::Result;
use byline_core::AppPaths;
use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "byline",
    version,
    about = "Offline editorial assistant for journalists",
    after_help = EXIT_CODES_HELP
)]
struct Cli {
    /// Data folder (default: BYLINE_HOME, else the platform data directory).
    #[arg(long, global = true, value_name = "DIR")]
    home: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Manage the article library.
    #[command(subcommand)]
    Library(library_cmd::LibraryCommand),
    /// Manage models: list, download, import, verify, remove.
    #[command(subcommand)]
    Models(models_cmd::ModelsCommand),
    /// Show which device inference would use (CUDA, Metal or CPU) and how many threads.
    Device {
        /// auto, cpu, cuda, cuda:N or metal (default: the `device` setting).
        #[arg(long)]
        device: Option<byline_device::DeviceChoice>,
        /// CPU threads; 0 = all cores (default: the `threads` setting).
        #[arg(long)]
        threads: Option<u32>,
        #[arg(long)]
        json: bool,
    },
    /// Measure Byline's hot paths.
    #[command(subcommand)]
    Bench(bench::BenchCommand),
    /// Transcribe audio or video files with Whisper (batch; continues past files that fail).
    Transcribe(Box<transcribe_cmd::TranscribeArgs>),
    /// Stored transcripts: list, show, export; the library's custom vocabulary.
    #[command(subcommand)]
    Transcripts(record_cmd::TranscriptsCommand),
    /// Record from the microphone to a WAV file that survives a crash.
    Record(record_cmd::RecordArgs),
    /// Check a draft's quotes against the recordings' transcripts, or search every transcript for a phrase.
    #[command(subcommand)]
    Quotes(quotes_cmd::QuotesCommand),
    /// Tone of an article, a text, a transcript's speakers, or readers' comments, sentence by sentence.
    Sentiment(Box<sentiment_cmd::SentimentArgs>),
    /// Generate an illustration (Stable Diffusion), labelled as AI-generated in the PNG.
    Image(Box<image_cmd::ImageArgs>),
    /// Embed new or changed articles for related-article suggestions (resumable).
    Index(related_cmd::IndexArgs),
    /// Articles related to a saved article or to a text file; pin/hide with --feedback.
    Related(Box<related_cmd::RelatedArgs>),
    /// Read an article or a text aloud, or write its audio version (.wav / .ogg).
    Speak(Box<speak_cmd::SpeakArgs>),
    /// Run an editorial task (or a free --prompt) with a local language model, streaming to stdout.
    Generate(Box<draft_cmd::GenerateArgs>),
    /// Chat with a local language model (one --prompt, or turns read from stdin).
    Chat(Box<draft_cmd::ChatArgs>),
    /// The assistant's editorial task templates: list, show, set, reset.
    #[command(subcommand)]
    Tasks(draft_cmd::TasksCommand),
    /// Measure quality on labelled data.
    #[command(subcommand)]
    Eval(related_cmd::EvalCommand),
}

const EXIT_CODES_HELP: &str = "Examples:
  byline library import ~/stories --json
  byline generate --task headline --article 12
  byline transcribe interview.m4a --format srt,docx

Exit codes: 0 done; 1 any other failure; 2 the command line is wrong; 3 not found (an article, a model, a
file); 4 the input is not usable (wrong format, bad value, unreadable settings); 5 the disk or the database
failed (full disk included); 6 a model or capability is unavailable; 7 a download could not reach its server;
130 cancelled; 141 the output pipe closed.";

/// The exit status for a failure, from the engine error inside it (see `EXIT_CODES_HELP`), so scripts can tell
/// a missing article from a full disk without reading the message.
fn exit_code(err: &anyhow::Error) -> i32 {
    let Some(engine) = err.chain().find_map(|e| e.downcast_ref::<byline_core::Error>()) else { return 1 };
    match engine.code() {
        "not_found" => 3,
        "invalid_input" | "format" | "settings" => 4,
        "io" | "disk_full" | "database" => 5,
        "unavailable" => 6,
        "network" => 7,
        "cancelled" => 130,
        _ => 1,
    }
}

fn main() {
    output::quiet_on_closed_pipe();
    // Parsed through the command tree with every subcommand's examples attached (see `examples`).
    let matches = examples::attach(Cli::command()).get_matches();
    let cli = Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
    if let Err(err) = run(cli) {
        if output::is_closed_pipe(&err) {
            std::process::exit(141);
        }
        eprintln!("error: {err:#}");
        std::process::exit(exit_code(&err));
    }
}

/// The device for a command: its `--device` flag over the settings file's `device`, with the settings' threads.
pub(crate) fn selected_device(
    paths: &AppPaths,
    flag: Option<byline_device::DeviceChoice>,
) -> Result<byline_device::Selected> {
    let mut settings = byline_core::Settings::load(&paths.settings_file())?;
    settings.device = flag.unwrap_or(settings.device);
    Ok(byline_device::from_settings(&settings))
}

fn run(cli: Cli) -> Result<()> {
    let paths = match cli.home {
        Some(home) => AppPaths::at(home),
        None => AppPaths::from_env()?,
    };
    match cli.command {
        Command::Library(cmd) => library_cmd::run(&paths, cmd),
        Command::Models(cmd) => models_cmd::run(&paths, cmd),
        Command::Device { device, threads, json } => {
            let mut settings = byline_core::Settings::load(&paths.settings_file())?;
            settings.device = device.unwrap_or(settings.device);
            settings.threads = threads.unwrap_or(settings.threads);
            let selected = byline_device::from_settings(&settings);
            if json {
                println!("{}", serde_json::to_string_pretty(&selected.report)?);
            } else {
                println!("{}", selected.report);
            }
            Ok(())
        }
        Command::Bench(cmd) => bench::run(&paths, cmd),
        Command::Transcribe(args) => transcribe_cmd::transcribe(&paths, *args),
        Command::Transcripts(cmd) => record_cmd::transcripts(&paths, cmd),
        Command::Record(args) => record_cmd::record(&paths, args),
        Command::Quotes(cmd) => quotes_cmd::run(&paths, cmd),
        Command::Sentiment(args) => sentiment_cmd::run(&paths, *args),
        Command::Image(args) => image_cmd::run(&paths, *args),
        Command::Index(args) => related_cmd::index(&paths, args),
        Command::Related(args) => related_cmd::related(&paths, *args),
        Command::Speak(args) => speak_cmd::run(&paths, *args),
        Command::Generate(args) => draft_cmd::generate(&paths, *args),
        Command::Chat(args) => draft_cmd::chat(&paths, *args),
        Command::Tasks(cmd) => draft_cmd::tasks(&paths, cmd),
        Command::Eval(related_cmd::EvalCommand::Related(args)) => related_cmd::eval_related(&paths, args),
    }
}
