//! `byline models …`: the model store from the command line.

use std::path::PathBuf;

use anyhow::{Result, bail};
use byline_core::{AppPaths, CancelToken, Progress, Reporter};
use byline_models::{ModelStatus, Store};
use clap::Subcommand;
use indicatif::{ProgressBar, ProgressStyle};

#[derive(Subcommand)]
pub enum ModelsCommand {
    /// List catalog models and installed ones, with size, RAM estimate and licence.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Download a catalog model (resumes an interrupted download).
    Pull { id: String },
    /// Import a local .gguf, ggml .bin or .safetensors file, a model folder, or a Hugging Face cache snapshot.
    Import { path: PathBuf },
    /// List models found in the Hugging Face cache; `--register` adds them to Byline without copying.
    Hf {
        /// The hub cache folder (default: HF_HUB_CACHE, HF_HOME/hub or ~/.cache/huggingface/hub).
        #[arg(long, value_name = "DIR")]
        hub: Option<PathBuf>,
        #[arg(long)]
        register: bool,
    },
    /// Re-hash installed files and compare them with the manifest and the catalog.
    Verify { id: Option<String> },
    /// Remove an installed model (files registered from the Hugging Face cache stay there).
    Rm { id: String },
    /// Print the folder that holds a model's files.
    Path { id: String },
    /// Convert an installed CTranslate2 Whisper model to whisper.cpp's ggml format; prints the file.
    ConvertWhisper {
        id: String,
        /// Output file (default: ggml-model.bin in the model's folder).
        #[arg(long)]
        out: Option<PathBuf>,
        /// A folder holding OpenAI's mel_filters.npz and .tiktoken files (default: none needed; the mel filters
        /// are computed and the vocabulary is read from the model's tokenizer.json, offline).
        #[arg(long, value_name = "DIR")]
        assets: Option<PathBuf>,
    },
    /// Show a model's details, including whether it fits in this machine's memory.
    Info {
        id: String,
        #[arg(long)]
        json: bool,
    },
    /// Recommend one model per capability for this machine (memory, disk, GPU), with the reasons; `--pull`
    /// downloads the recommended ones.
    Recommend {
        /// The reporter works in Chinese: models that understand it, and related articles across languages.
        #[arg(long)]
        chinese: bool,
        /// Download the recommended models that are not installed yet.
        #[arg(long)]
        pull: bool,
        #[arg(long)]
        json: bool,
    },
}

pub fn run(paths: &AppPaths, cmd: ModelsCommand) -> Result<()> {
    let store = Store::new(paths)?;
    let cancel = CancelToken::new();
    match cmd {
        ModelsCommand::List { json } => {
            let rows = store.list()?;
            if json {
                return print_json(&rows);
            }
            println!("{:<40} {:<10} {:>9} {:>8}  {:<12} LICENCE", "ID", "STATE", "SIZE", "RAM", "TASK");
            for row in &rows {
                print_row(row);
            }
        }
        ModelsCommand::Recommend { chinese, pull, json } => {
            let settings = byline_core::Settings::load(&paths.settings_file())?;
            let device = byline_device::from_settings(&settings).report;
            let gpu = (device.name != "cpu").then_some(device.name);
            let machine = byline_models::setup::Machine::detect(store.models_dir(), gpu);
            let plan = byline_models::setup::plan(&store, &machine, chinese)?;
            if json {
                print_json(&plan)?;
            } else {
                print_plan(&plan);
            }
            if pull {
                for pick in plan.picks.iter().filter(|p| p.selected) {
                    eprintln!("Downloading {} ({})", pick.name, pick.id);
                    let manifest = store.pull(&pick.id, &DownloadBar::new(), &cancel)?;
                    println!("{}", store.path(&manifest.id)?.display());
                }
            }
        }
        ModelsCommand::Pull { id } => {
            let manifest = store.pull(&id, &DownloadBar::new(), &cancel)?;
            println!("{}", store.path(&manifest.id)?.display());
        }
        ModelsCommand::Import { path } => {
            let manifest = store.import(&path, &cancel)?;
            eprintln!("Imported {} ({} files, {})", manifest.id, manifest.files.len(), mb(manifest.total_size()));
            println!("{}", store.path(&manifest.id)?.display());
        }
        ModelsCommand::Hf { hub, register } => {
            for found in store.hf_cache(hub.as_deref()) {
                if register {
                    match store.register_hf(&found.snapshot, &cancel) {
                        Ok(m) => println!("registered {} as {}", found.repo, m.id),
                        Err(e) => eprintln!("skipped {}: {e}", found.repo),
                    }
                } else {
                    println!("{:<50} {}", found.repo, found.snapshot.display());
                }
            }
        }
        ModelsCommand::Verify { id } => {
            let reports = store.verify(id.as_deref(), &cancel)?;
            let mut bad = 0;
            for report in &reports {
                if report.ok() {
                    println!("ok      {} ({} files)", report.id, report.files_checked);
                } else {
                    bad += 1;
                    println!("FAILED  {}", report.id);
                    for problem in &report.problems {
                        println!("        {problem}");
                    }
                }
            }
            if reports.is_empty() {
                println!("no models installed");
            }
            if bad > 0 {
                bail!("{bad} model(s) failed verification; `byline models rm ID` then `pull` again");
            }
        }
        ModelsCommand::Rm { id } => {
            store.remove(&id)?;
            eprintln!("Removed {id}");
        }
        ModelsCommand::Path { id } => println!("{}", store.path(&id)?.display()),
        ModelsCommand::ConvertWhisper { id, out, assets } => {
            let path = store.convert_whisper(&id, out.as_deref(), assets.as_deref(), &DownloadBar::new(), &cancel)?;
            println!("{}", path.display());
        }
        ModelsCommand::Info { id, json } => {
            let info = store.info(&id)?;
            if json {
                return print_json(&info);
            }
            let s = &info.status;
            println!("{} — {}", s.id, s.name);
            if let Some(entry) = &info.entry {
                println!("{}", entry.description);
                println!("languages: {}", entry.languages.join(", "));
            }
            println!("state:     {}", if s.installed { "installed" } else { "available" });
            println!("size:      {}", mb(s.size_bytes));
            if let Some(path) = &s.path {
                println!("path:      {}", path.display());
            }
            if let Some(source) = &s.source {
                println!("source:    {source}");
            }
            if let Some(licence) = &s.licence {
                println!("licence:   {licence}");
            }
            let fits = match info.fits_in_ram {
                Some(true) => "fits in this machine's memory",
                Some(false) => "needs more memory than this machine has",
                None => "unknown whether it fits in memory",
            };
            match (s.ram_mb, info.total_ram_mb) {
                (Some(need), Some(have)) => println!("memory:    ~{need} MB of {have} MB ({fits})"),
                (Some(need), None) => println!("memory:    ~{need} MB ({fits})"),
                _ => println!("memory:    {fits}"),
            }
        }
    }
    Ok(())
}

fn print_row(row: &ModelStatus) {
    let state = if row.installed { "installed" } else { "available" };
    let ram = row.ram_mb.map(|m| format!("{m} MB")).unwrap_or_else(|| "-".into());
    let task = row.task.map(|t| format!("{t:?}").to_lowercase()).unwrap_or_else(|| "-".into());
    let licence = row.licence.as_deref().unwrap_or(if row.in_catalog { "-" } else { "(imported)" });
    println!("{:<40} {:<10} {:>9} {:>8}  {:<12} {licence}", row.id, state, mb(row.size_bytes), ram, task);
}

fn mb(bytes: u64) -> String {
    format!("{:.0} MB", bytes as f64 / 1_000_000.0)
}

fn print_json<T: serde::Serialize>(value: &T) -> Result<()> {
    println!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}

/// A byte-counting progress bar for downloads (hidden when stderr is not a terminal).
struct DownloadBar {
    bar: ProgressBar,
}

impl DownloadBar {
    fn new() -> Self {
        let bar = ProgressBar::new(0);
        let style = ProgressStyle::with_template(
            "{spinner} {msg:.bold} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ");
        bar.set_style(style);
        Self { bar }
    }
}

impl Reporter for DownloadBar {
    fn on_start(&self, total: Option<u64>, message: &str) {
        self.bar.reset();
        self.bar.set_length(total.unwrap_or(0));
        self.bar.set_message(message.to_string());
    }

    fn on_progress(&self, progress: &Progress) {
        if let Some(total) = progress.total {
            self.bar.set_length(total);
        }
        self.bar.set_position(progress.done);
    }

    fn on_done(&self, message: &str) {
        self.bar.finish_and_clear();
        eprintln!("{message}");
    }
}

/// The recommendations as a table, with the machine they are for.
fn print_plan(plan: &byline_models::setup::SetupPlan) {
    let m = &plan.machine;
    let known = |v: Option<u64>| v.map_or_else(|| "unknown".to_owned(), |mb| format!("{:.1} GB", mb as f64 / 1024.0));
    println!(
        "This machine: {} memory, {} free for models, {}",
        known(m.ram_mb),
        known(m.disk_free_mb),
        m.gpu.as_deref().map_or_else(|| "no GPU".to_owned(), |g| format!("GPU {g}"))
    );
    println!("{:<17} {:<38} {:>9}  {:<5} WHY", "FOR", "MODEL", "DOWNLOAD", "PICK");
    for p in &plan.picks {
        let why: Vec<String> = p
            .reasons
            .iter()
            .map(|r| serde_json::to_value(r).map(|v| v.as_str().unwrap_or("").to_owned()).unwrap_or_default())
            .collect();
        let state = if p.installed {
            "have"
        } else if p.selected {
            "yes"
        } else {
            "later"
        };
        let capability =
            serde_json::to_value(p.capability).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default();
        println!("{capability:<17} {:<38} {:>6} MB  {state:<5} {}", p.id, p.download_mb, why.join(", "));
    }
    let fits = match plan.fits_disk {
        Some(false) => " (more than the free space)",
        _ => "",
    };
    println!("Recommended downloads: {} MB{fits}", plan.selected_mb);
}
