//! `byline record OUT.wav` and `byline transcripts …`.

use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Result, bail};
use byline_core::{AppPaths, CancelToken, NoProgress};
use byline_library::Library;
use byline_transcribe::export::{ExportFormat, ExportOptions, export};
use byline_transcribe::live::{LiveUpdate, live_text_path};
use byline_transcribe::record::{self, Control};
use byline_transcribe::speakers as tspeakers;
use byline_transcribe::store as tstore;
use byline_transcribe::take::{Input, Meter, TakeOptions, record_take};
use byline_transcribe::voices as tvoices;
use byline_transcribe::{DEFAULT_MODEL, Options, load_engine, parse_speakers, transcribe_and_store};
use clap::{Args, Subcommand};

#[derive(Args)]
pub struct RecordArgs {
    /// The WAV file to write (mono, 16-bit, at the microphone's rate).
    pub out: PathBuf,
    /// Input device name (see --list-devices); default: the system's default microphone.
    #[arg(long)]
    pub device: Option<String>,
    /// List input devices and exit.
    #[arg(long)]
    pub list_devices: bool,
    /// Stop after this many seconds of audio, keeping what the device still had buffered (default: press Enter).
    #[arg(long)]
    pub seconds: Option<f64>,
    /// Transcribe the recording when it stops, and store it in the library.
    #[arg(long)]
    pub transcribe: bool,
    /// With --transcribe: tell speakers apart (`auto` or how many there are).
    #[arg(long, value_name = "auto|N", requires = "transcribe")]
    pub speakers: Option<String>,
    /// With --transcribe: show the words while recording (settled lines and the current guess), and keep
    /// the text so far in OUT.live.txt; the full pass when the recording stops replaces it.
    #[arg(long, requires = "transcribe")]
    pub live: bool,
    #[arg(long, default_value = DEFAULT_MODEL)]
    pub model: String,
    /// Record from this file (played in real time) instead of a microphone: for tests and demonstrations.
    #[arg(long, hide = true)]
    pub input_file: Option<PathBuf>,
}

/// Live text on standard error, each line on its own (the meter redraws below): settled lines once,
/// the current guess after each pass.
fn print_live(update: &LiveUpdate) {
    let mut err = std::io::stderr().lock();
    for s in &update.settled {
        let _ = writeln!(err, "\r\x1b[Klive {:>7}  {}", clock(s.start), s.text);
    }
    if let Some(text) =
        Some(update.tentative.iter().map(|s| s.text.as_str()).collect::<Vec<_>>().join(" ")).filter(|t| !t.is_empty())
    {
        let _ = writeln!(err, "\r\x1b[Klive    …    {text}");
    }
}

fn clock(seconds: f64) -> String {
    let s = seconds.max(0.0) as u64;
    format!("{}:{:02}", s / 60, s % 60)
}

pub fn record(paths: &AppPaths, args: RecordArgs) -> Result<()> {
    if args.list_devices {
        let devices = record::input_devices();
        if devices.is_empty() {
            println!("no input devices found");
        }
        for d in devices {
            println!("{}{}", d.name, if d.is_default { " (default)" } else { "" });
        }
        return Ok(());
    }
    // A recording interrupted by a crash or power cut is repaired before anything else.
    let dir = args.out.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    for r in record::recover(dir)? {
        eprintln!("repaired interrupted recording {} ({:.1} s kept)", r.path.display(), r.duration_s);
    }
    let control = Control::new();
    let cancel = CancelToken::new();
    // The models load before recording starts, so live text can begin with the first words.
    let transcriber = if args.transcribe {
        let store = byline_models::Store::new(paths)?;
        let engine = load_engine(&store, &args.model, &NoProgress, &cancel)?;
        let lib = Library::open(&paths.library_db())?;
        let opts = Options {
            prompt: tstore::prompt_with_vocabulary(lib.connection(), None)?,
            speakers: args.speakers.as_deref().map(parse_speakers).transpose()?.flatten(),
            ..Default::default()
        };
        Some((engine, lib, opts))
    } else {
        None
    };
    let c = control.clone();
    let limit = args.seconds;
    std::thread::spawn(move || {
        // Enter stops; "p" then Enter pauses or resumes.
        for line in std::io::stdin().lock().lines() {
            match line.as_deref().map(str::trim) {
                Ok("p") => {
                    if c.is_paused() {
                        c.resume()
                    } else {
                        c.pause()
                    }
                }
                _ => {
                    c.stop();
                    return;
                }
            }
        }
        // Standard input closed (a script, a service): nobody can press Enter, so only --seconds or a
        // signal ends the recording; without --seconds it stops here rather than never.
        if limit.is_none() {
            c.stop();
        }
    });
    let options = TakeOptions {
        input: match &args.input_file {
            Some(file) => Input::File(file.clone()),
            None => Input::Device(args.device.clone()),
        },
        live: transcriber.as_ref().filter(|_| args.live).map(|(engine, _, opts)| (engine, opts)),
        limit_s: limit,
        meter_every: Duration::from_millis(200),
    };
    let on_meter = |m: Meter| {
        let level = (m.level * 30.0).round() as usize;
        let state = if m.paused { "paused " } else { "recording" };
        eprint!("\r{state} {:7.1} s [{:<30}] Enter: stop, p+Enter: pause ", m.seconds, "#".repeat(level.min(30)));
        let _ = std::io::stderr().flush();
    };
    let take = record_take(&args.out, &options, &control, &cancel, &on_meter, &mut print_live)?;
    if let Some(e) = take.live_error {
        eprintln!("\nlive transcription stopped: {e}");
    }
    let summary = take.summary;
    eprintln!("\nsaved {} ({:.1} s)", summary.path.display(), summary.duration_s);
    if let Some((engine, lib, opts)) = &transcriber {
        let done = transcribe_and_store(
            engine,
            Some((lib, args.model.as_str())),
            &args.out,
            opts,
            &NoProgress,
            &cancel,
            None,
        )?;
        let id = done.id.ok_or_else(|| byline_core::Error::Database("the transcript was not stored".into()))?;
        println!("{}", done.transcript.text());
        eprintln!("stored as transcript {id}");
        // The stored transcript replaces the live text.
        if args.live {
            std::fs::remove_file(live_text_path(&args.out)).ok();
        }
    }
    Ok(())
}

#[derive(Subcommand)]
pub enum TranscriptsCommand {
    /// List stored transcripts.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Show a transcript (the edited copy, or --raw for the model's original).
    Show {
        id: i64,
        #[arg(long)]
        raw: bool,
        #[arg(long)]
        json: bool,
    },
    /// Export a stored transcript.
    Export {
        id: i64,
        /// srt, vtt, txt, json, docx or md.
        #[arg(long, default_value = "srt")]
        format: String,
        #[arg(long)]
        raw: bool,
        #[arg(long)]
        no_timestamps: bool,
        #[arg(long)]
        no_speakers: bool,
        /// Write here instead of standard output (an existing file is kept unless --force).
        #[arg(long, short)]
        out: Option<PathBuf>,
        /// Replace the --out file if it exists.
        #[arg(long)]
        force: bool,
    },
    /// List a transcript's speakers and how long each speaks, or rename them (in the edited copy; the raw
    /// transcript and every time stay as they were). Renaming to another speaker's name merges the two.
    Speakers {
        id: i64,
        /// `FROM=NEW NAME`, where FROM is a speaker's number in the list or their current name, e.g.
        /// `--rename 1="Mayor Chen"`. Repeat for more.
        #[arg(long, value_name = "FROM=NAME")]
        rename: Vec<String>,
        #[arg(long)]
        json: bool,
    },
    /// Voices you have named (a speaker renamed in a saved transcript), which later transcriptions
    /// recognise; --delete forgets one. They never leave this machine.
    Voices {
        #[arg(long, value_name = "NAME")]
        delete: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Show or set the library's custom vocabulary (names, places, jargon) used as Whisper's prompt.
    Vocabulary {
        /// Replace the vocabulary with these terms, separated by commas.
        #[arg(long, value_delimiter = ',')]
        set: Option<Vec<String>>,
    },
}

pub fn transcripts(paths: &AppPaths, cmd: TranscriptsCommand) -> Result<()> {
    let lib = Library::open(&paths.library_db())?;
    let conn = lib.connection();
    match cmd {
        TranscriptsCommand::List { json } => {
            let list = tstore::list(conn)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&list)?);
            }
            for t in list.iter().filter(|_| !json) {
                println!(
                    "{:>5}  {:>7.1} s  {:<22}  {}{}",
                    t.id,
                    t.duration_s,
                    t.model,
                    t.path,
                    if t.edited { "  (edited)" } else { "" }
                );
            }
        }
        TranscriptsCommand::Show { id, raw, json } => {
            let t = tstore::get(conn, id)?;
            let which = if raw { &t.raw } else { &t.edited };
            if json {
                println!("{}", serde_json::to_string_pretty(&t)?);
            } else {
                print!("{}", String::from_utf8_lossy(&export(which, ExportFormat::Txt, ExportOptions::default())?));
            }
        }
        TranscriptsCommand::Export { id, format, raw, no_timestamps, no_speakers, out, force } => {
            let f: ExportFormat = format.parse()?;
            let t = tstore::get(conn, id)?;
            let bytes = export(
                if raw { &t.raw } else { &t.edited },
                f,
                ExportOptions { timestamps: !no_timestamps, speakers: !no_speakers },
            )?;
            match out {
                Some(p) => crate::output::write_out(&p, &bytes, force)?,
                None if f == ExportFormat::Docx => bail!("DOCX is binary: give --out FILE"),
                None => std::io::stdout().write_all(&bytes)?,
            }
        }
        TranscriptsCommand::Speakers { id, rename, json } => {
            let t = tstore::get(conn, id)?;
            let mut edited = t.edited.clone();
            for r in &rename {
                let Some((from, to)) = r.split_once('=') else {
                    bail!("--rename {r:?}: use FROM=NEW NAME, e.g. 1=\"Mayor Chen\"");
                };
                let n = tspeakers::rename(&mut edited, from, to)?;
                eprintln!("{} → {}: {n} segments", from.trim(), to.trim());
            }
            if !rename.is_empty() {
                tstore::save_edit(conn, id, &edited)?;
            }
            let list = tspeakers::speakers(&edited);
            if json {
                println!("{}", serde_json::to_string_pretty(&list)?);
            } else if list.is_empty() {
                println!("no speakers in transcript {id} (transcribe with --speakers auto)");
            }
            for (i, s) in list.iter().enumerate().filter(|_| !json) {
                println!("{:>3}  {:<28} {:>8}  {} segments", i + 1, s.name, clock(s.seconds), s.segments);
            }
        }
        TranscriptsCommand::Voices { delete, json } => {
            if let Some(name) = delete {
                tvoices::delete(conn, &name)?;
                eprintln!("forgot the voice {name}");
            }
            let list = tvoices::list(conn)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&list)?);
            } else if list.is_empty() {
                println!(
                    "no named voices yet: name a speaker in a transcript (transcripts speakers ID --rename) to add one"
                );
            }
            for v in list.iter().filter(|_| !json) {
                println!("{:<28} {:>8} of speech in {} recordings", v.name, clock(v.seconds), v.recordings);
            }
        }
        TranscriptsCommand::Vocabulary { set } => {
            if let Some(terms) = set {
                tstore::set_vocabulary(conn, &terms)?;
            }
            for term in tstore::vocabulary(conn)? {
                println!("{term}");
            }
        }
    }
    Ok(())
}
