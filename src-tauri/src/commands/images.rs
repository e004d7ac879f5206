//! Illustrations: generation with step progress, previews and cancel; the per-article gallery.
use std::path::PathBuf;

use byline_core::{AppPaths, CancelToken, Progress, Reporter};
use byline_images::{GenerateRequest, ImageMetadata, Pipeline, Preview};
use byline_library::{AttachmentKind, Library};
use byline_models::warm::Wanted;
use serde::{Deserialize, Serialize};
use tauri::State;
use tauri::ipc::Channel;

use crate::error::CommandResult;
use crate::state::{AppState, ModelEnv, blocking};

const DEFAULT_MODEL: &str = "sd-turbo";

#[derive(Clone, Debug, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct ImageJob {
    pub prompt: String,
    #[serde(default)]
    pub negative_prompt: String,
    pub model: Option<String>,
    pub steps: Option<usize>,
    pub guidance: Option<f64>,
    pub seed: Option<u64>,
    pub width: u32,
    pub height: u32,
    pub init_path: Option<PathBuf>,
    pub strength: Option<f64>,
    pub article_id: Option<i64>,
}

/// Streamed while generating: a step finished (the progress every long command streams), or a preview is
/// ready.
#[derive(Clone, Debug, Serialize, ts_rs::TS)]
#[serde(tag = "kind", rename_all = "camelCase", rename_all_fields = "camelCase")]
pub enum ImageEvent {
    Progress(Progress),
    Preview { step: usize, total: usize, data_url: String },
}

#[derive(Clone, Debug, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct GalleryImage {
    pub attachment_id: Option<i64>,
    pub path: String,
    pub sha256: String,
    pub metadata: ImageMetadata,
    pub thumbnail: String,
}

struct EventReporter(Channel<ImageEvent>);

impl Reporter for EventReporter {
    fn on_progress(&self, p: &Progress) {
        let _ = self.0.send(ImageEvent::Progress(p.clone()));
    }
}

fn out_path(paths: &AppPaths, article: Option<i64>, seed: u64) -> PathBuf {
    let folder = article.map_or("unattached".to_string(), |id| format!("article-{id}"));
    let stamp = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis());
    paths.attachments_dir().join("images").join(folder).join(format!("{stamp}-{seed}.png"))
}

fn generate(
    env: &ModelEnv<Pipeline>,
    job: ImageJob,
    events: Channel<ImageEvent>,
    cancel: &CancelToken,
) -> CommandResult<GalleryImage> {
    let paths = &env.paths;
    let init_image = job.init_path.as_deref().map(byline_images::load_init_image).transpose()?;
    let req = GenerateRequest {
        prompt: job.prompt,
        negative_prompt: job.negative_prompt,
        steps: job.steps,
        guidance: job.guidance,
        seed: job.seed.unwrap_or_else(|| {
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.subsec_nanos().into())
        }),
        width: job.width,
        height: job.height,
        init_name: job.init_path.as_ref().and_then(|p| p.file_name()).map(|n| n.to_string_lossy().into_owned()),
        init_image,
        strength: job.strength.unwrap_or(0.0),
    };
    byline_images::validate(&req)?;
    let model = job.model.unwrap_or_else(|| DEFAULT_MODEL.into());
    let dir = byline_models::Store::new(paths)?.path(&model)?;
    // f32 weights on the CPU take about their size on disk; activations about half as much again.
    let wanted = Wanted {
        key: format!("{model}|{}", env.device.key),
        label: format!("the image model {model}"),
        mb: byline_models::size_on_disk_mb(&dir) * 3 / 2,
    };
    let load = |_: &[String]| Pipeline::load(&dir, &model, &env.device.selected.device);
    let generated = env.slot.with(&env.registry, &wanted, load, |pipeline| {
        let preview_events = events.clone();
        let on_preview = move |p: &Preview| {
            if let Ok(png) = p.to_png() {
                let _ = preview_events.send(ImageEvent::Preview {
                    step: p.step,
                    total: p.total,
                    data_url: byline_images::png_data_url(&png),
                });
            }
        };
        pipeline.generate(&req, &EventReporter(events), Some(&on_preview), cancel)
    });
    let generated = generated?;
    let out = out_path(paths, job.article_id, req.seed);
    let (sha256, attachment) = match job.article_id {
        Some(id) => {
            // Its own connection: the editor's stays free while the PNG is written.
            let mut lib = Library::open(&paths.library_db())?;
            byline_images::save(&generated, &out, Some((&mut lib, id)))?
        }
        None => byline_images::save(&generated, &out, None)?,
    };
    Ok(GalleryImage {
        attachment_id: attachment.map(|a| a.id),
        path: out.to_string_lossy().into_owned(),
        sha256,
        thumbnail: byline_images::thumbnail_data_url(&out, 384)?,
        metadata: generated.metadata,
    })
}

/// Generates an illustration on a blocking thread; `on_event` gets every step and a preview
/// every few steps, `job_cancel(job_id)` stops it between steps.
#[tauri::command]
pub async fn images_generate(
    state: State<'_, AppState>,
    job: ImageJob,
    job_id: String,
    on_event: Channel<ImageEvent>,
) -> CommandResult<GalleryImage> {
    if let Some(picture) = &job.init_path {
        state.grants.check_read(picture)?;
    }
    let env = state.model_env(&state.models.image);
    state.run_job(&job_id, "image generation", move |cancel| generate(&env, job, on_event, &cancel)).await
}

/// The article's illustrations, newest first, with thumbnails and how each was made.
#[tauri::command]
pub async fn images_gallery(state: State<'_, AppState>, article_id: i64) -> CommandResult<Vec<GalleryImage>> {
    let attachments = state.with_library(move |lib| lib.attachments(article_id)).await?;
    blocking("the gallery", move || {
        Ok(attachments
            .into_iter()
            .rev()
            .filter(|a| a.kind == AttachmentKind::Image)
            .filter_map(|a| {
                let metadata: ImageMetadata = serde_json::from_value(a.metadata.clone()).ok()?;
                // A file moved or deleted outside Byline is skipped, not an error for the whole gallery.
                let thumbnail = byline_images::thumbnail_data_url(std::path::Path::new(&a.path), 384).ok()?;
                Some(GalleryImage { attachment_id: Some(a.id), path: a.path, sha256: a.sha256, metadata, thumbnail })
            })
            .collect())
    })
    .await
}
