//! `byline image`: an illustration from a prompt (or a starting picture), written as a PNG
//! labelled as AI-generated and optionally attached to an article.
use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use byline_core::{AppPaths, CancelToken, Progress, Reporter};
use byline_images::{GenerateRequest, Pipeline};
use byline_library::Library;
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};

#[derive(Args)]
pub struct ImageArgs {
    /// What to draw.
    #[arg(long)]
    pub prompt: String,
    /// What to avoid.
    #[arg(long, default_value = "")]
    pub negative: String,
    /// Catalog id of an installed diffusers-layout model.
    #[arg(long, default_value = "sd-turbo")]
    pub model: String,
    /// Use this diffusers folder instead of the installed model (a local path wins).
    #[arg(long, value_name = "DIR")]
    pub model_path: Option<PathBuf>,
    /// Denoising steps (default: what the model family needs, 1 for the turbo models).
    #[arg(long)]
    pub steps: Option<usize>,
    /// Random seed (default: a fresh one, printed and stored in the PNG).
    #[arg(long)]
    pub seed: Option<u64>,
    /// WIDTHxHEIGHT, multiples of 8 (default: the model's native square, 512 for SD-Turbo,
    /// 768 for SD 2.1, 1024 for SDXL).
    #[arg(long)]
    pub size: Option<String>,
    /// Classifier-free guidance scale (default: the family's; 0 for turbo).
    #[arg(long)]
    pub guidance: Option<f64>,
    /// Starting picture for image-to-image.
    #[arg(long, value_name = "FILE", requires = "strength")]
    pub init: Option<PathBuf>,
    /// How much of the starting picture to redraw, in (0, 1].
    #[arg(long, requires = "init")]
    pub strength: Option<f64>,
    /// Attach the PNG to this article in the library, with its metadata.
    #[arg(long, value_name = "ID")]
    pub article: Option<i64>,
    /// auto, cpu, cuda, cuda:N or metal (default: the `device` setting).
    #[arg(long)]
    pub device: Option<byline_device::DeviceChoice>,
    #[arg(long, value_name = "FILE.png")]
    pub out: PathBuf,
    #[arg(long)]
    pub json: bool,
}

struct StepBar(ProgressBar);

impl Reporter for StepBar {
    fn on_start(&self, total: Option<u64>, message: &str) {
        self.0.set_length(total.unwrap_or(0));
        self.0.set_message(message.to_string());
    }
    fn on_progress(&self, p: &Progress) {
        self.0.set_position(p.done);
        self.0.set_message(p.message.clone());
    }
    fn on_done(&self, _message: &str) {
        self.0.finish_and_clear();
    }
}

pub fn run(paths: &AppPaths, args: ImageArgs) -> Result<()> {
    let size = args.size.as_deref().map(byline_images::parse_size).transpose()?;
    // Until the model says its native size, validate with the smallest common one.
    let (width, height) = size.unwrap_or((512, 512));
    if args.out.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase).as_deref() != Some("png") {
        bail!("--out must name a .png file");
    }
    let (init_image, init_name) = match &args.init {
        Some(p) => (Some(byline_images::load_init_image(p)?), p.file_name().map(|n| n.to_string_lossy().into_owned())),
        None => (None, None),
    };
    // A u32 seed is short enough to read out and retype; any u64 is accepted.
    let seed = args.seed.unwrap_or_else(|| u64::from(rand::random::<u32>()));
    let req = GenerateRequest {
        prompt: args.prompt.clone(),
        negative_prompt: args.negative.clone(),
        steps: args.steps,
        guidance: args.guidance,
        seed,
        width,
        height,
        init_image,
        init_name,
        strength: args.strength.unwrap_or(0.0),
    };
    // Check the request before spending seconds loading gigabytes of weights.
    byline_images::validate(&req)?;
    let mut library = match args.article {
        Some(id) => {
            let lib = Library::open(&paths.library_db())?;
            lib.get(id)?;
            Some((lib, id))
        }
        None => None,
    };

    let (dir, model_id) = match &args.model_path {
        Some(dir) => (dir.clone(), dir.file_name().map_or("local".into(), |n| n.to_string_lossy().into_owned())),
        None => {
            let dir = byline_models::Store::new(paths)?.path(&args.model).with_context(|| {
                format!("model {} is not installed; run `byline models pull {}`", args.model, args.model)
            })?;
            (dir, args.model.clone())
        }
    };
    let selected = crate::selected_device(paths, args.device)?;
    eprintln!("{}", selected.report);
    let started = std::time::Instant::now();
    let pipeline = Pipeline::load(&dir, &model_id, &selected.device)?;
    let mut req = req;
    if size.is_none() {
        let side = pipeline.config.native_size as u32;
        (req.width, req.height) = (side, side);
    }
    let load_s = started.elapsed().as_secs_f64();
    eprintln!("{} loaded from {} in {load_s:.1}s", pipeline.family().name(), dir.display());

    let bar = ProgressBar::new(0);
    bar.set_style(
        ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len} {elapsed}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    let started = std::time::Instant::now();
    let generated = pipeline.generate(&req, &StepBar(bar), None, &CancelToken::new())?;
    let gen_s = started.elapsed().as_secs_f64();
    let (sha, attachment) = byline_images::save(&generated, &args.out, library.as_mut().map(|(lib, id)| (lib, *id)))?;
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({
                "path": args.out, "sha256": sha, "metadata": generated.metadata,
                "attachment_id": attachment.as_ref().map(|a| a.id), "load_seconds": load_s, "generate_seconds": gen_s,
            }))?
        );
    } else {
        println!(
            "{} ({}x{}, seed {}, {gen_s:.1}s)",
            args.out.display(),
            generated.metadata.width,
            generated.metadata.height,
            generated.metadata.seed
        );
        if let Some(a) = attachment {
            println!("attached to article {} as attachment {}", a.article_id, a.id);
        }
    }
    Ok(())
}
