//! `byline speak`: read an article or a text aloud, or write its audio version.

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use byline_core::{AppPaths, CancelToken, Progress, Reporter};
use byline_library::Library;
use byline_speech::{Espeak, NeuralEngine, NeuralOptions, Player, SpeechEngine, prepare, read_aloud, write_audio};
use indicatif::{ProgressBar, ProgressStyle};

#[derive(clap::Args, Debug)]
pub struct SpeakArgs {
    /// Read a library article (its headline, then its text).
    #[arg(long, conflicts_with = "text", required_unless_present_any = ["text", "list_voices"])]
    article: Option<i64>,
    /// Read a Markdown or plain-text file.
    #[arg(long)]
    text: Option<PathBuf>,
    /// Speech engine: eSpeak NG (built in) or a neural Parler-TTS model from the model store (English only).
    #[arg(long, default_value = "espeak", value_parser = ["espeak", "neural"])]
    engine: String,
    /// Neural engine: installed model id.
    #[arg(long, default_value = "parler-tts-mini-v1", conflicts_with = "model_path")]
    model: String,
    /// Neural engine: a model folder (config.json, model.safetensors, tokenizer.json) instead of a store id.
    #[arg(long)]
    model_path: Option<PathBuf>,
    /// Neural engine: the voice, described in words ("a calm male voice, close to the microphone").
    #[arg(long)]
    description: Option<String>,
    /// Neural engine: sampling seed; the same seed gives the same audio.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Neural engine: auto, cpu, cuda, cuda:N or metal (default: the `device` setting).
    #[arg(long)]
    device: Option<byline_device::DeviceChoice>,
    /// Voice for English sentences (see --list-voices).
    #[arg(long, default_value = "en-us")]
    voice: String,
    /// Voice for Chinese sentences.
    #[arg(long, default_value = "cmn")]
    chinese_voice: String,
    /// Words per minute (80–450).
    #[arg(long, default_value_t = byline_speech::espeak::RATE_NORMAL)]
    rate: u32,
    /// Pitch, 0–100 (50 is the voice's own).
    #[arg(long, default_value_t = 50)]
    pitch: u32,
    /// Playback speed, 0.5–2.0, keeping the pitch (playback only).
    #[arg(long, default_value_t = 1.0)]
    speed: f32,
    /// Write a .wav or .ogg file instead of playing.
    #[arg(long)]
    out: Option<PathBuf>,
    /// With --article and --out: keep the file as the article's audio version (an attachment).
    #[arg(long, requires_all = ["article", "out"])]
    attach: bool,
    /// List the installed voices and exit.
    #[arg(long)]
    list_voices: bool,
    #[arg(long)]
    json: bool,
}

struct SentenceBar(ProgressBar);

impl Reporter for SentenceBar {
    fn on_start(&self, total: Option<u64>, _message: &str) {
        self.0.set_length(total.unwrap_or(0));
    }
    fn on_progress(&self, progress: &Progress) {
        self.0.set_position(progress.done);
        self.0.set_message(progress.message.clone());
    }
    fn on_done(&self, _message: &str) {
        self.0.finish_and_clear();
    }
}

pub fn run(paths: &AppPaths, args: SpeakArgs) -> Result<()> {
    if args.list_voices {
        let voices = byline_speech::espeak::voices()?;
        if args.json {
            println!("{}", serde_json::to_string_pretty(&voices)?);
        } else {
            for v in voices {
                println!("{:<22} {:<28} {}", v.id, v.name, v.languages.join(", "));
            }
        }
        return Ok(());
    }
    let markdown = match (&args.article, &args.text) {
        (Some(id), _) => {
            let library = Library::open(&paths.library_db())?;
            let article = library.get(*id)?;
            format!("# {}\n\n{}", article.fields.title, article.fields.body)
        }
        (None, Some(file)) => std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?,
        (None, None) => bail!("give --article ID or --text FILE"),
    };
    let sentences = prepare(&markdown);
    if sentences.is_empty() {
        bail!("there is no text to read aloud");
    }
    let (engine, settings_json): (Box<dyn SpeechEngine>, _) = match args.engine.as_str() {
        "neural" => {
            let engine = neural_engine(paths, &args)?;
            let json = serde_json::json!({
                "engine": "parler-tts", "model": engine.model_dir().display().to_string(),
                "description": engine.options().description, "seed": args.seed,
            });
            (Box::new(engine), json)
        }
        _ => {
            let engine = Espeak::new(&args.voice, &args.chinese_voice, args.rate, args.pitch)?;
            let json = serde_json::json!({
                "engine": "espeak-ng", "voice": args.voice, "chinese_voice": args.chinese_voice,
                "rate": args.rate, "pitch": args.pitch,
            });
            (Box::new(engine), json)
        }
    };
    let engine = &*engine;
    let cancel = CancelToken::new();
    match &args.out {
        Some(out) => {
            let bar = ProgressBar::new(0);
            bar.set_style(
                ProgressStyle::with_template("{spinner} Reading aloud [{bar:30}] {pos}/{len} {wide_msg:.dim}")
                    .unwrap_or_else(|_| ProgressStyle::default_bar())
                    .progress_chars("=> "),
            );
            let version = write_audio(&sentences, engine, out, &SentenceBar(bar), &cancel)?;
            if args.attach {
                let mut library = Library::open(&paths.library_db())?;
                let description = settings_json;
                let id = args.article.context("--attach needs --article")?;
                byline_speech::save_audio_version(&mut library, id, &version, &description)?;
            }
            if args.json {
                println!("{}", serde_json::to_string_pretty(&version)?);
            } else {
                eprintln!("Wrote {} ({:.1} s, {} sentences)", version.path, version.seconds, version.sentences);
            }
            Ok(())
        }
        None => play(&sentences, engine, args.speed, &cancel),
    }
}

/// Loads the Parler-TTS model named by `--model` / `--model-path` on the chosen device.
fn neural_engine(paths: &AppPaths, args: &SpeakArgs) -> Result<NeuralEngine> {
    let dir = match &args.model_path {
        Some(dir) => dir.clone(),
        None => byline_models::Store::new(paths)?.path(&args.model).with_context(|| {
            format!("speech model {} is not installed; run `byline models pull {}`", args.model, args.model)
        })?,
    };
    let selected = crate::selected_device(paths, args.device)?;
    eprintln!("{}", selected.report);
    let mut options = NeuralOptions { seed: args.seed, ..NeuralOptions::default() };
    if let Some(description) = &args.description {
        options.description = description.clone();
    }
    NeuralEngine::load(&dir, &selected.device, options).with_context(|| format!("loading {}", dir.display()))
}

/// Speaks through the default output, printing each sentence as it is heard.
fn play(
    sentences: &[byline_speech::Sentence],
    engine: &dyn SpeechEngine,
    speed: f32,
    cancel: &CancelToken,
) -> Result<()> {
    let player = Player::open()?;
    player.control().set_speed(speed);
    read_aloud(sentences, engine, &player, cancel, &mut |i| println!("{}", sentences[i].text))?;
    Ok(())
}
