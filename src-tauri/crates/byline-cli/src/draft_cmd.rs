//! `byline generate` (an editorial task or a free prompt, streamed to stdout), `byline chat`, and
//! `byline tasks` (list, show, reset the task templates stored in the library).

use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use byline_core::{AppPaths, CancelToken};
use byline_draft::{Engine, GenerateParams, Message, TaskInput, TaskTemplate};
use byline_library::Library;
use byline_models::Store;
use clap::{Args, Subcommand};

#[derive(Args)]
pub struct ModelArgs {
    /// An installed model id (default: the first installed language model).
    #[arg(long)]
    model: Option<String>,
    /// A GGUF file (or a folder holding one); wins over --model.
    #[arg(long, value_name = "FILE")]
    model_path: Option<PathBuf>,
    /// auto, cpu, cuda, cuda:N or metal (default: the `device` setting).
    #[arg(long)]
    device: Option<byline_device::DeviceChoice>,
}

#[derive(Args)]
pub struct SamplingArgs {
    #[arg(long, default_value_t = 299_792_458)]
    seed: u64,
    #[arg(long, default_value_t = 512)]
    max_tokens: usize,
    /// 0 = greedy.
    #[arg(long, default_value_t = 0.7)]
    temperature: f64,
    #[arg(long, default_value_t = 0.9)]
    top_p: f64,
    #[arg(long, default_value_t = 40)]
    top_k: usize,
    #[arg(long, default_value_t = 1.1)]
    repeat_penalty: f32,
    /// Stop when the output contains this text (repeatable).
    #[arg(long)]
    stop: Vec<String>,
}

impl SamplingArgs {
    fn params(&self) -> GenerateParams {
        GenerateParams {
            max_tokens: self.max_tokens,
            temperature: self.temperature,
            top_p: Some(self.top_p),
            top_k: (self.top_k > 0).then_some(self.top_k),
            repeat_penalty: self.repeat_penalty,
            seed: self.seed,
            stop: self.stop.clone(),
            ..Default::default()
        }
    }
}

#[derive(Args)]
pub struct GenerateArgs {
    /// headline, lede, summary, rewrite, social, questions or translate (see `byline tasks list`).
    /// Without a task, --prompt is sent as it is.
    #[arg(long)]
    task: Option<String>,
    /// The article whose draft the task works on (its history keeps the result).
    #[arg(long)]
    article: Option<i64>,
    /// A library article to ground the output in, numbered [1], [2]… in the prompt (repeatable).
    #[arg(long = "source", value_name = "ID")]
    sources: Vec<i64>,
    /// Extra words for the task (a tone, a target language), or the whole prompt without --task.
    #[arg(long)]
    prompt: Option<String>,
    /// Work on this passage instead of the whole draft.
    #[arg(long)]
    selection: Option<String>,
    /// Task language, en or zh (default: the article's language, else en).
    #[arg(long)]
    language: Option<String>,
    #[command(flatten)]
    model: ModelArgs,
    #[command(flatten)]
    sampling: SamplingArgs,
    /// Print the result as JSON after the stream (citations, timings, notes).
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
pub struct ChatArgs {
    /// Ask once and exit; without it, read turns from stdin until EOF.
    #[arg(long)]
    prompt: Option<String>,
    #[arg(long)]
    system: Option<String>,
    #[command(flatten)]
    model: ModelArgs,
    #[command(flatten)]
    sampling: SamplingArgs,
}

#[derive(Subcommand)]
pub enum TasksCommand {
    /// List the editorial tasks.
    List {
        #[arg(long)]
        language: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Print a task's template as JSON (edit it and load it back with `tasks set`).
    Show {
        key: String,
        #[arg(long, default_value = "en")]
        language: String,
    },
    /// Save a task from a JSON file of the form `tasks show` prints.
    Set { file: PathBuf },
    /// Restore the shipped version of a task.
    Reset {
        key: String,
        #[arg(long, default_value = "en")]
        language: String,
    },
}

pub(crate) fn engine(paths: &AppPaths, args: &ModelArgs) -> Result<(Engine, PathBuf)> {
    let selected = crate::selected_device(paths, args.device)?;
    eprintln!("{}", selected.report);
    let store = Store::new(paths)?;
    let path = byline_draft::resolve::resolve(&store, args.model.as_deref(), args.model_path.as_deref())?;
    Ok((Engine::with_threads(selected.device, selected.report.threads), path))
}

/// Ctrl-C is left to the terminal (it ends the process); the token stays for the engine's signature.
fn print_piece(piece: &str) {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(piece.as_bytes());
    let _ = out.flush();
}

/// On a terminal, a line on stderr that follows a long prompt being read.
fn show_prefill(lm: &mut byline_draft::LanguageModel) {
    if std::io::stderr().is_terminal() {
        lm.observe_prefill(Some(Box::new(|done, total| {
            let end = if done == total { "\r\x1b[K" } else { "" };
            eprint!("\rreading the prompt: {done} of {total} tokens{end}");
        })));
    }
}

/// Time to first token and speeds, on stderr so that stdout stays the text (or the JSON, which has them).
fn speed_line(g: &byline_draft::Generation) {
    let first =
        g.first_token_ms.map_or_else(|| "no text".to_string(), |ms| format!("first text after {:.1} s", ms / 1000.0));
    eprintln!(
        "{first} · prompt {} tokens at {:.0} tok/s · {} tokens generated at {:.1} tok/s",
        g.prompt_tokens, g.prompt_tok_s, g.generated_tokens, g.gen_tok_s
    );
}

pub fn generate(paths: &AppPaths, args: GenerateArgs) -> Result<()> {
    let library = Library::open(&paths.library_db())?;
    let article = args.article.map(|id| library.get(id)).transpose()?;
    let language = args
        .language
        .clone()
        .or_else(|| article.as_ref().and_then(|a| a.fields.language.clone()))
        .unwrap_or_else(|| "en".into());
    let (mut engine, path) = engine(paths, &args.model)?;
    let params = args.sampling.params();
    let lm = engine.load(&path).with_context(|| format!("loading {}", path.display()))?;
    show_prefill(lm);
    let cancel = CancelToken::new();
    let Some(key) = args.task.as_deref() else {
        let Some(prompt) = args.prompt.as_deref() else { bail!("give --task TASK or --prompt TEXT") };
        let g = lm.chat(&[Message::new("user", prompt)], &params, &cancel, &mut print_piece)?;
        println!();
        if args.json {
            println!("{}", serde_json::to_string_pretty(&g)?);
        } else {
            speed_line(&g);
        }
        return Ok(());
    };
    let task = byline_draft::tasks::get(library.connection(), key, &language)?;
    let input = TaskInput {
        title: article.as_ref().map(|a| a.fields.title.clone()).unwrap_or_default(),
        draft: article.as_ref().map(|a| a.fields.body.clone()).unwrap_or_default(),
        selection: args.selection.clone().unwrap_or_default(),
        request: args.prompt.clone().unwrap_or_default(),
        sources: byline_draft::article_sources(&library, &args.sources)?,
    };
    if input.draft.trim().is_empty() && input.selection.trim().is_empty() {
        bail!("the task needs text: give --article ID or --selection TEXT");
    }
    let run = byline_draft::run_task(
        lm,
        &task,
        &input,
        &params,
        &cancel,
        &mut |notes| notes.iter().for_each(|n| eprintln!("note: {n}")),
        &mut print_piece,
    )?;
    println!();
    if !args.json {
        speed_line(&run.generation);
    }
    let model_name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    byline_draft::save_run(&library, args.article, &task, &model_name, &params, &run)?;
    if !run.invalid_citations.is_empty() {
        eprintln!(
            "warning: the output cites source(s) {:?} but only {} were given",
            run.invalid_citations,
            run.sources.len()
        );
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&run)?);
    }
    Ok(())
}

pub fn chat(paths: &AppPaths, args: ChatArgs) -> Result<()> {
    let (mut engine, path) = engine(paths, &args.model)?;
    let params = args.sampling.params();
    let lm = engine.load(&path).with_context(|| format!("loading {}", path.display()))?;
    let cancel = CancelToken::new();
    let mut messages: Vec<Message> = args.system.iter().map(|s| Message::new("system", s.as_str())).collect();
    if let Some(prompt) = args.prompt {
        messages.push(Message::new("user", prompt));
        lm.chat(&messages, &params, &cancel, &mut print_piece)?;
        println!();
        return Ok(());
    }
    eprintln!("chatting with {} (Ctrl-D to end)", path.display());
    let stdin = std::io::stdin();
    loop {
        eprint!("> ");
        let mut line = String::new();
        if stdin.lock().read_line(&mut line)? == 0 {
            return Ok(());
        }
        if line.trim().is_empty() {
            continue;
        }
        messages.push(Message::new("user", line.trim()));
        let g = match lm.chat(&messages, &params, &cancel, &mut print_piece) {
            Ok(g) => g,
            Err(e) => {
                // The conversation outgrew the context: say so and start over rather than exit.
                eprintln!("\nerror: {e}; starting a new conversation");
                messages.retain(|m| m.role == "system");
                continue;
            }
        };
        println!();
        messages.push(Message::new("assistant", g.text));
    }
}

pub fn tasks(paths: &AppPaths, cmd: TasksCommand) -> Result<()> {
    let library = Library::open(&paths.library_db())?;
    let conn = library.connection();
    match cmd {
        TasksCommand::List { language, json } => {
            let tasks = byline_draft::tasks::list(conn, language.as_deref())?;
            if json {
                println!("{}", serde_json::to_string_pretty(&tasks)?);
            } else {
                for t in tasks {
                    let edited = if t.edited { " (edited)" } else { "" };
                    println!("{:<10} {:<3} {}{edited}", t.key, t.language, t.name);
                }
            }
        }
        TasksCommand::Show { key, language } => {
            println!("{}", serde_json::to_string_pretty(&byline_draft::tasks::get(conn, &key, &language)?)?);
        }
        TasksCommand::Set { file } => {
            let text = std::fs::read_to_string(&file).with_context(|| format!("reading {}", file.display()))?;
            let task: TaskTemplate =
                serde_json::from_str(&text).context("the file is not a task (see `tasks show`)")?;
            let saved = byline_draft::tasks::save(conn, &task)?;
            println!("saved {} ({})", saved.key, saved.language);
        }
        TasksCommand::Reset { key, language } => {
            let t = byline_draft::tasks::reset(conn, &key, &language)?;
            println!("reset {} ({})", t.key, t.language);
        }
    }
    Ok(())
}
