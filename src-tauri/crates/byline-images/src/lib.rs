//! Illustrations on the device: Stable Diffusion (1.5, 2.1, SDXL, SD-Turbo, SDXL-Turbo) from
//! diffusers-layout safetensors through candle, written as PNGs that say inside the file that
//! they are AI-generated and how they were made.
mod clip;
pub mod config;
mod hash;
mod noise;
pub mod output;
mod pipeline;
pub mod preview;
pub mod scheduler;
#[cfg(any(test, feature = "test-support"))]
pub mod testing;
#[cfg(test)]
mod tests;
mod tokenizer;

use std::path::Path;

use byline_core::{CancelToken, Error, Reporter, Result};
use byline_library::{Attachment, AttachmentKind, Library};
use image::{DynamicImage, RgbImage};

pub use config::{Family, PipelineConfig};
pub use output::{ImageMetadata, png_data_url, read_metadata, read_png_text, thumbnail_data_url, write_png};
pub use pipeline::Pipeline;
pub use preview::Preview;

/// Largest side accepted; beyond this even SDXL produces tiled garbage and memory explodes.
pub const MAX_SIDE: u32 = 2048;

/// What to draw. `steps` and `guidance` default to what the model family was made for.
#[derive(Clone, Debug, Default)]
pub struct GenerateRequest {
    pub prompt: String,
    pub negative_prompt: String,
    pub steps: Option<usize>,
    pub guidance: Option<f64>,
    pub seed: u64,
    pub width: u32,
    pub height: u32,
    /// Image-to-image: the starting picture (resized to width × height) …
    pub init_image: Option<DynamicImage>,
    /// … its file name, recorded in the metadata …
    pub init_name: Option<String>,
    /// … and how much of it to re-draw, in (0, 1].
    pub strength: f64,
}

/// Checks that need no model: prompt, size, steps, guidance, strength.
pub fn validate(req: &GenerateRequest) -> Result<()> {
    if req.prompt.trim().is_empty() {
        return Err(Error::InvalidInput("the prompt is empty".into()));
    }
    validate_size(req.width, req.height)?;
    if req.steps == Some(0) {
        return Err(Error::InvalidInput("steps must be at least 1".into()));
    }
    if let Some(g) = req.guidance
        && !(g.is_finite() && (0.0..=50.0).contains(&g))
    {
        return Err(Error::InvalidInput(format!("guidance {g} is out of range (0–50)")));
    }
    if req.init_image.is_some() && !(req.strength > 0.0 && req.strength <= 1.0) {
        return Err(Error::InvalidInput(format!("strength {} must be in (0, 1]", req.strength)));
    }
    Ok(())
}

pub fn validate_size(width: u32, height: u32) -> Result<()> {
    for (name, v) in [("width", width), ("height", height)] {
        if v == 0 || !v.is_multiple_of(8) {
            return Err(Error::InvalidInput(format!("{name} {v} must be a positive multiple of 8")));
        }
        if v > MAX_SIDE {
            return Err(Error::InvalidInput(format!("{name} {v} is larger than {MAX_SIDE}")));
        }
    }
    Ok(())
}

/// "1200x630" → (1200, 630).
pub fn parse_size(s: &str) -> Result<(u32, u32)> {
    let bad = || Error::InvalidInput(format!("size {s:?} must look like 768x512"));
    let (w, h) = s
        .trim()
        .to_ascii_lowercase()
        .split_once('x')
        .map(|(w, h)| (w.trim().to_string(), h.trim().to_string()))
        .ok_or_else(bad)?;
    let (w, h) = (w.parse().map_err(|_| bad())?, h.parse().map_err(|_| bad())?);
    validate_size(w, h)?;
    Ok((w, h))
}

/// Resolved settings for one run.
pub(crate) struct Plan {
    pub steps: usize,
    pub guidance: f64,
    /// Steps actually run: all of them, or the strength's share for image-to-image.
    pub denoise_steps: usize,
}

pub struct Generated {
    pub image: RgbImage,
    pub metadata: ImageMetadata,
}

impl Pipeline {
    /// Generates one image. Progress after every step, a preview every few steps, and the
    /// cancel token is checked between steps.
    pub fn generate(
        &self,
        req: &GenerateRequest,
        reporter: &dyn Reporter,
        preview: Option<&dyn Fn(&Preview)>,
        cancel: &CancelToken,
    ) -> Result<Generated> {
        validate(req)?;
        let f = self.config.vae_scale_factor as u32;
        if !req.width.is_multiple_of(f) || !req.height.is_multiple_of(f) {
            return Err(Error::InvalidInput(format!("width and height must be multiples of {f} for this model")));
        }
        let (def_steps, def_guidance) = self.family().defaults();
        let steps = req.steps.unwrap_or(def_steps);
        let guidance = req.guidance.unwrap_or(def_guidance);
        let denoise_steps = match req.init_image {
            None => steps,
            Some(_) => {
                let n = ((steps as f64 * req.strength) as usize).min(steps);
                if n == 0 {
                    return Err(Error::InvalidInput(format!(
                        "strength {} with {steps} steps runs no step; raise the strength or the steps",
                        req.strength
                    )));
                }
                n
            }
        };
        let plan = Plan { steps, guidance, denoise_steps };
        let image = self.run(req, &plan, reporter, preview, cancel)?;
        let metadata = ImageMetadata {
            ai_generated: true,
            software: format!("Byline {}", env!("CARGO_PKG_VERSION")),
            prompt: req.prompt.trim().to_string(),
            negative_prompt: req.negative_prompt.trim().to_string(),
            model_id: self.model_id.clone(),
            model_family: self.family().name().to_string(),
            model_sha256: self.model_sha256.clone(),
            seed: req.seed,
            steps,
            guidance,
            scheduler: self.config.scheduler.class_name.clone(),
            width: image.width(),
            height: image.height(),
            created_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            strength: req.init_image.as_ref().map(|_| req.strength),
            init_image: req.init_name.clone(),
        };
        Ok(Generated { image, metadata })
    }
}

/// Writes the PNG and, with an article, records it as the article's image attachment with the
/// same metadata (so the caption can say how it was made).
pub fn save(
    generated: &Generated,
    out: &Path,
    library: Option<(&mut Library, i64)>,
) -> Result<(String, Option<Attachment>)> {
    let sha = write_png(out, &generated.image, &generated.metadata)?;
    let attachment = match library {
        None => None,
        Some((lib, article_id)) => {
            let path = std::fs::canonicalize(out).unwrap_or_else(|_| out.to_path_buf());
            let meta =
                serde_json::to_value(&generated.metadata).map_err(|e| Error::InvalidInput(format!("metadata: {e}")))?;
            Some(lib.add_attachment(
                article_id,
                AttachmentKind::Image,
                &path.to_string_lossy(),
                &sha,
                Some("image/png"),
                &meta,
            )?)
        }
    };
    Ok((sha, attachment))
}

/// Markdown for inserting an illustration into an article, with the credit line.
pub fn markdown_for(path: &str, meta: &ImageMetadata) -> String {
    let alt = meta.prompt.replace(['[', ']', '\n'], " ");
    format!("![{alt}]({})\n\n*{}*", path.replace(' ', "%20"), meta.credit())
}

/// Loads the image file for image-to-image.
pub fn load_init_image(path: &Path) -> Result<DynamicImage> {
    image::open(path).map_err(|e| Error::Format { path: path.to_path_buf(), message: e.to_string() })
}
