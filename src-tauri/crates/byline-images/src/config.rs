//! Reads a diffusers-layout pipeline folder and maps its JSON configs onto candle's structs,
//! so any size of checkpoint loads (the published SD sizes and the tiny test ones alike).
use std::path::{Path, PathBuf};

use byline_core::{Error, Result};
use candle_transformers::models::stable_diffusion::unet_2d::{BlockConfig, UNet2DConditionModelConfig};
use candle_transformers::models::stable_diffusion::vae::AutoEncoderKLConfig;
use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::clip::ClipConfig;
use crate::scheduler::{Kind, SchedulerConfig};

/// Which model family a folder holds, detected from its configs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, ts_rs::TS)]
#[serde(rename_all = "kebab-case")]
pub enum Family {
    /// SD 1.x: one CLIP-L text encoder (quick-GELU).
    Sd15,
    /// SD 2.x: one OpenCLIP-H text encoder (GELU).
    Sd21,
    /// SD 2.1 distilled for 1–4 steps without guidance.
    SdTurbo,
    /// SDXL: two text encoders.
    Sdxl,
    SdxlTurbo,
}

impl Family {
    pub fn is_xl(self) -> bool {
        matches!(self, Family::Sdxl | Family::SdxlTurbo)
    }

    pub fn is_turbo(self) -> bool {
        matches!(self, Family::SdTurbo | Family::SdxlTurbo)
    }

    /// Steps and guidance each family was made for.
    pub fn defaults(self) -> (usize, f64) {
        match self {
            Family::SdTurbo | Family::SdxlTurbo => (1, 0.0),
            Family::Sdxl => (30, 5.0),
            Family::Sd15 | Family::Sd21 => (30, 7.5),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Family::Sd15 => "Stable Diffusion 1.x",
            Family::Sd21 => "Stable Diffusion 2.x",
            Family::SdTurbo => "SD-Turbo",
            Family::Sdxl => "Stable Diffusion XL",
            Family::SdxlTurbo => "SDXL-Turbo",
        }
    }
}

/// A number or one number per block, as diffusers writes `attention_head_dim` and friends.
#[derive(Clone, Debug, Deserialize)]
#[serde(untagged)]
enum PerBlock {
    One(usize),
    Each(Vec<usize>),
}

impl PerBlock {
    fn get(&self, i: usize, what: &str) -> Result<usize> {
        match self {
            PerBlock::One(n) => Ok(*n),
            PerBlock::Each(v) => v.get(i).copied().ok_or_else(|| {
                Error::InvalidInput(format!("unet config: {what} has fewer entries than block_out_channels"))
            }),
        }
    }
}

#[derive(Clone, Debug, Deserialize)]
struct UNetJson {
    #[serde(default = "four")]
    in_channels: usize,
    #[serde(default = "four")]
    out_channels: usize,
    block_out_channels: Vec<usize>,
    down_block_types: Vec<String>,
    #[serde(default = "two")]
    layers_per_block: usize,
    attention_head_dim: Option<PerBlock>,
    num_attention_heads: Option<PerBlock>,
    transformer_layers_per_block: Option<PerBlock>,
    cross_attention_dim: usize,
    #[serde(default = "groups")]
    norm_num_groups: usize,
    #[serde(default = "eps")]
    norm_eps: f64,
    #[serde(default)]
    use_linear_projection: bool,
    #[serde(default)]
    center_input_sample: bool,
    #[serde(default = "yes")]
    flip_sin_to_cos: bool,
    #[serde(default)]
    freq_shift: f64,
    #[serde(default = "one")]
    downsample_padding: usize,
    #[serde(default = "onef")]
    mid_block_scale_factor: f64,
    addition_embed_type: Option<String>,
    #[serde(default = "sixty_four")]
    sample_size: usize,
}

#[derive(Clone, Debug, Deserialize)]
struct VaeJson {
    block_out_channels: Vec<usize>,
    #[serde(default = "two")]
    layers_per_block: usize,
    #[serde(default = "four")]
    latent_channels: usize,
    #[serde(default = "groups")]
    norm_num_groups: usize,
    #[serde(default = "sd_scaling")]
    scaling_factor: f64,
    #[serde(default = "yes")]
    use_quant_conv: bool,
    #[serde(default = "yes")]
    use_post_quant_conv: bool,
}

fn four() -> usize {
    4
}
fn two() -> usize {
    2
}
fn sixty_four() -> usize {
    64
}
fn one() -> usize {
    1
}
fn onef() -> f64 {
    1.0
}
fn groups() -> usize {
    32
}
fn eps() -> f64 {
    1e-5
}
fn yes() -> bool {
    true
}
fn sd_scaling() -> f64 {
    0.18215
}

/// Everything needed to build a pipeline, before any weight is read.
#[derive(Clone, Debug)]
pub struct PipelineConfig {
    pub dir: PathBuf,
    pub family: Family,
    pub unet: UNet2DConditionModelConfig,
    pub unet_in_channels: usize,
    pub unet_out_channels: usize,
    pub vae: AutoEncoderKLConfig,
    pub vae_scaling: f64,
    /// Pixels per latent cell: 2^(number of VAE blocks − 1), 8 for every published SD VAE.
    pub vae_scale_factor: usize,
    pub clip: ClipConfig,
    pub clip2: Option<ClipConfig>,
    pub scheduler: SchedulerConfig,
    /// Image side the UNet was trained at (sample_size × scale factor).
    pub native_size: usize,
}

pub(crate) fn read_json<T: DeserializeOwned>(path: &Path) -> Result<T> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            Error::Format { path: path.to_path_buf(), message: "file is missing from the pipeline folder".into() }
        } else {
            Error::io(format!("reading {}", path.display()), e)
        }
    })?;
    serde_json::from_str(&text).map_err(|e| Error::Format { path: path.to_path_buf(), message: e.to_string() })
}

impl PipelineConfig {
    pub fn read(dir: &Path) -> Result<Self> {
        if !dir.is_dir() {
            return Err(Error::not_found("pipeline folder", dir.display()));
        }
        let unet_path = dir.join("unet/config.json");
        let u: UNetJson = read_json(&unet_path)?;
        let v: VaeJson = read_json(&dir.join("vae/config.json"))?;
        let clip: ClipConfig = read_json(&dir.join("text_encoder/config.json"))?;
        let clip2_path = dir.join("text_encoder_2/config.json");
        let clip2: Option<ClipConfig> = if clip2_path.is_file() { Some(read_json(&clip2_path)?) } else { None };
        let scheduler: SchedulerConfig = read_json(&dir.join("scheduler/scheduler_config.json"))?;
        // Fail on an unknown scheduler now, not after the weights are loaded.
        let kind = scheduler.kind()?;
        scheduler.prediction()?;

        let bad = |m: String| Error::Format { path: unet_path.clone(), message: m };
        let n = u.block_out_channels.len();
        if n == 0 || u.down_block_types.len() != n {
            return Err(bad("down_block_types and block_out_channels must have the same, non-zero length".into()));
        }
        // diffusers calls the head count `attention_head_dim` in SD configs; when
        // `num_attention_heads` is set it wins, as in diffusers.
        let heads = u.num_attention_heads.clone().or(u.attention_head_dim.clone()).unwrap_or(PerBlock::One(8));
        let layers = u.transformer_layers_per_block.clone().unwrap_or(PerBlock::One(1));
        let mut blocks = Vec::with_capacity(n);
        for (i, kind) in u.down_block_types.iter().enumerate() {
            let use_cross_attn = match kind.as_str() {
                "CrossAttnDownBlock2D" => Some(layers.get(i, "transformer_layers_per_block")?),
                "DownBlock2D" => None,
                other => return Err(bad(format!("unsupported down block type {other:?}"))),
            };
            let channels = u.block_out_channels[i];
            let head_count = heads.get(i, "attention_head_dim")?;
            if use_cross_attn.is_some() && (head_count == 0 || !channels.is_multiple_of(head_count)) {
                return Err(bad(format!("block {i}: {channels} channels do not split into {head_count} heads")));
            }
            if u.norm_num_groups == 0 || !channels.is_multiple_of(u.norm_num_groups) {
                return Err(bad(format!("block {i}: {channels} channels are not a multiple of norm_num_groups")));
            }
            blocks.push(BlockConfig { out_channels: channels, use_cross_attn, attention_head_dim: head_count });
        }
        let unet = UNet2DConditionModelConfig {
            center_input_sample: u.center_input_sample,
            flip_sin_to_cos: u.flip_sin_to_cos,
            freq_shift: u.freq_shift,
            blocks,
            layers_per_block: u.layers_per_block,
            downsample_padding: u.downsample_padding,
            mid_block_scale_factor: u.mid_block_scale_factor,
            norm_num_groups: u.norm_num_groups,
            norm_eps: u.norm_eps,
            cross_attention_dim: u.cross_attention_dim,
            sliced_attention_size: None,
            use_linear_projection: u.use_linear_projection,
        };
        if v.block_out_channels.is_empty() {
            return Err(Error::Format {
                path: dir.join("vae/config.json"),
                message: "block_out_channels is empty".into(),
            });
        }
        let vae = AutoEncoderKLConfig {
            block_out_channels: v.block_out_channels.clone(),
            layers_per_block: v.layers_per_block,
            latent_channels: v.latent_channels,
            norm_num_groups: v.norm_num_groups,
            use_quant_conv: v.use_quant_conv,
            use_post_quant_conv: v.use_post_quant_conv,
        };
        let vae_scale_factor = 1usize << (v.block_out_channels.len() - 1);

        let text_dim = clip.hidden_size + clip2.as_ref().map_or(0, |c| c.hidden_size);
        if text_dim != u.cross_attention_dim {
            return Err(bad(format!(
                "cross_attention_dim {} does not match the text encoder width {text_dim}",
                u.cross_attention_dim
            )));
        }
        if v.latent_channels != u.in_channels || u.out_channels != v.latent_channels {
            return Err(bad("UNet in/out channels do not match the VAE latent channels".into()));
        }
        let xl = clip2.is_some() || u.addition_embed_type.as_deref() == Some("text_time");
        let turbo = (scheduler.timestep_spacing == "trailing" && kind != Kind::Ddim) || is_turbo_index(dir);
        let family = match (xl, turbo, clip.hidden_act.as_str()) {
            (true, true, _) => Family::SdxlTurbo,
            (true, false, _) => Family::Sdxl,
            (false, true, _) => Family::SdTurbo,
            (false, false, "gelu") => Family::Sd21,
            (false, false, _) => Family::Sd15,
        };
        if xl && clip2.is_none() {
            return Err(Error::Format {
                path: clip2_path,
                message: "an SDXL UNet needs the second text encoder (text_encoder_2)".into(),
            });
        }
        Ok(Self {
            dir: dir.to_path_buf(),
            family,
            unet,
            unet_in_channels: u.in_channels,
            unet_out_channels: u.out_channels,
            vae,
            vae_scaling: v.scaling_factor,
            vae_scale_factor,
            clip,
            clip2,
            scheduler,
            native_size: u.sample_size * vae_scale_factor,
        })
    }

    /// The weight files of one component (`unet`, `vae`, `text_encoder`…): full-precision
    /// files when present, else the `.fp16.` variant; shards are all returned.
    pub fn weights(&self, component: &str) -> Result<Vec<PathBuf>> {
        let folder = self.dir.join(component);
        let mut files: Vec<PathBuf> = std::fs::read_dir(&folder)
            .map_err(|e| Error::io(format!("reading {}", folder.display()), e))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "safetensors"))
            .collect();
        files.sort();
        let full: Vec<PathBuf> = files.iter().filter(|p| !p.to_string_lossy().contains(".fp16.")).cloned().collect();
        let chosen = if full.is_empty() { files } else { full };
        if chosen.is_empty() {
            return Err(Error::Format {
                path: folder,
                message: format!(
                    "no .safetensors weights for the {component} (a .bin checkpoint must be converted first)"
                ),
            });
        }
        Ok(chosen)
    }
}

/// `model_index.json` names no family, but turbo checkpoints are published under a name saying
/// so; the store keeps the original `_name_or_path` when it is there.
fn is_turbo_index(dir: &Path) -> bool {
    read_json::<serde_json::Value>(&dir.join("model_index.json"))
        .ok()
        .and_then(|j| j.get("_name_or_path").and_then(|s| s.as_str()).map(|s| s.to_lowercase().contains("turbo")))
        .unwrap_or(false)
}
