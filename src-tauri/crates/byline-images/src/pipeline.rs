//! Loading a diffusers-layout Stable Diffusion folder and sampling from it.
//! The flow follows candle's stable-diffusion example: text embeddings (with classifier-free
//! guidance), seeded latents, scheduler steps, VAE decode; image-to-image encodes the
//! starting picture and noises it to the strength's step.
use std::collections::HashMap;
use std::path::{Path, PathBuf};

use byline_core::{CancelToken, Error, Progress, Reporter, Result};
use candle_core::{DType, Device, Tensor};
use candle_nn::VarBuilder;
use candle_transformers::models::stable_diffusion::unet_2d::UNet2DConditionModel;
use candle_transformers::models::stable_diffusion::vae::AutoEncoderKL;
use image::RgbImage;

use crate::clip::{ClipOutput, ClipTextEncoder};
use crate::config::{Family, PipelineConfig};
use crate::noise::NoiseRng;
use crate::tokenizer::ClipTokenizer;

pub struct Pipeline {
    pub config: PipelineConfig,
    pub model_id: String,
    pub model_sha256: String,
    device: Device,
    dtype: DType,
    vae_dtype: DType,
    tokenizers: Vec<ClipTokenizer>,
    encoders: Vec<ClipTextEncoder>,
    unet: UNet2DConditionModel,
    vae: AutoEncoderKL,
}

fn model_err(path: &Path, what: &str, e: candle_core::Error) -> Error {
    Error::Format { path: path.to_path_buf(), message: format!("cannot load the {what}: {e}") }
}

impl Pipeline {
    /// Loads every component. f16 on a GPU, f32 on the CPU (candle's CPU f16 kernels are slow
    /// and some are missing). The SDXL VAE overflows in f16, so it always runs in f32.
    pub fn load(dir: &Path, model_id: &str, device: &Device) -> Result<Self> {
        let config = PipelineConfig::read(dir)?;
        let dtype = if device.is_cpu() { DType::F32 } else { DType::F16 };
        let vae_dtype = if config.family.is_xl() { DType::F32 } else { dtype };

        let unet_files = config.weights("unet")?;
        let vb = mmap(&unet_files, dtype, device, "UNet")?;
        let unet = UNet2DConditionModel::new(
            vb,
            config.unet_in_channels,
            config.unet_out_channels,
            false,
            config.unet.clone(),
        )
        .map_err(|e| model_err(&dir.join("unet"), "UNet", e))?;

        let vae = load_vae(&config.weights("vae")?, &config, vae_dtype, device)?;

        let mut tokenizers = vec![ClipTokenizer::load(&dir.join("tokenizer"))?];
        let te = config.weights("text_encoder")?;
        let mut encoders = vec![
            ClipTextEncoder::new(mmap(&te, dtype, device, "text encoder")?, config.clip.clone())
                .map_err(|e| model_err(&dir.join("text_encoder"), "text encoder", e))?,
        ];
        if let Some(c2) = &config.clip2 {
            let tok_dir = dir.join("tokenizer_2");
            let tok_dir = if tok_dir.is_dir() { tok_dir } else { dir.join("tokenizer") };
            tokenizers.push(ClipTokenizer::load(&tok_dir)?);
            let te2 = config.weights("text_encoder_2")?;
            encoders.push(
                ClipTextEncoder::new(mmap(&te2, dtype, device, "second text encoder")?, c2.clone())
                    .map_err(|e| model_err(&dir.join("text_encoder_2"), "second text encoder", e))?,
            );
        }
        let model_sha256 = crate::hash::weights_sha256(&unet_files)?;
        Ok(Self {
            config,
            model_id: model_id.to_string(),
            model_sha256,
            device: device.clone(),
            dtype,
            vae_dtype,
            tokenizers,
            encoders,
            unet,
            vae,
        })
    }

    pub fn family(&self) -> Family {
        self.config.family
    }

    pub fn device(&self) -> &Device {
        &self.device
    }

    /// Prompt embeddings, (1, 77, cross_attention_dim). SDXL conditions on both encoders'
    /// penultimate layers, concatenated; an empty SDXL negative prompt is all zeros, as in
    /// diffusers.
    fn embed(&self, text: &str, negative: bool) -> Result<Tensor> {
        let xl = self.config.family.is_xl();
        let mut parts = Vec::new();
        for (tok, enc) in self.tokenizers.iter().zip(&self.encoders) {
            let len = enc.config.max_position_embeddings;
            let ids = tok.encode(text, len)?;
            let ids = Tensor::new(ids.as_slice(), &self.device).and_then(|t| t.unsqueeze(0)).map_err(cerr)?;
            let out = if xl { ClipOutput::Penultimate } else { ClipOutput::Last };
            parts.push(enc.forward(&ids, out).map_err(cerr)?);
        }
        let emb = Tensor::cat(&parts, 2).map_err(cerr)?;
        if xl && negative && text.trim().is_empty() {
            return emb.zeros_like().map_err(cerr);
        }
        emb.to_dtype(self.dtype).map_err(cerr)
    }

    pub(crate) fn run(
        &self,
        req: &crate::GenerateRequest,
        plan: &crate::Plan,
        reporter: &dyn Reporter,
        preview: Option<&dyn Fn(&crate::Preview)>,
        cancel: &CancelToken,
    ) -> Result<RgbImage> {
        let (w, h) = (req.width as usize, req.height as usize);
        let f = self.config.vae_scale_factor;
        let cfg = plan.guidance > 1.0;
        let cond = self.embed(&req.prompt, false)?;
        let emb = if cfg {
            let uncond = self.embed(&req.negative_prompt, true)?;
            Tensor::cat(&[uncond, cond], 0).map_err(cerr)?
        } else {
            cond
        };
        cancel.check()?;

        let mut rng = NoiseRng::new(req.seed);
        let mut sampler = self.config.scheduler.build(plan.steps, req.seed)?;
        let shape = [1, self.config.vae.latent_channels, h / f, w / f];
        let (mut latents, start) = match &req.init_image {
            None => {
                let noise = rng.randn(&shape, self.dtype, &self.device).map_err(cerr)?;
                ((noise * sampler.init_noise_sigma()).map_err(cerr)?, 0)
            }
            Some(init) => {
                let start = plan.steps - plan.denoise_steps;
                let clean = self.encode_image(init, req.width, req.height)?;
                let noise = rng.randn(&shape, self.dtype, &self.device).map_err(cerr)?;
                (sampler.add_noise(&clean, &noise, start).map_err(cerr)?, start)
            }
        };
        let total = (sampler.timesteps().len() - start) as u64;
        reporter.on_start(Some(total), "denoising");
        let every = (total as usize / 8).max(1);
        for i in start..sampler.timesteps().len() {
            cancel.check()?;
            let t = sampler.timesteps()[i];
            let input = if cfg { Tensor::cat(&[&latents, &latents], 0).map_err(cerr)? } else { latents.clone() };
            let input = sampler.scale_model_input(&input, i).map_err(cerr)?;
            let pred = self.unet.forward(&input, t, &emb).map_err(cerr)?;
            let pred = if cfg {
                let parts = pred.chunk(2, 0).map_err(cerr)?;
                let diff = (&parts[1] - &parts[0]).map_err(cerr)?;
                (&parts[0] + (diff * plan.guidance).map_err(cerr)?).map_err(cerr)?
            } else {
                pred
            };
            latents = sampler.step(&pred, i, &latents).map_err(cerr)?;
            let done = (i - start + 1) as u64;
            reporter.on_progress(&Progress { done, total: Some(total), message: format!("step {done}/{total}") });
            if let Some(cb) = preview
                && ((done as usize).is_multiple_of(every) || done == total)
            {
                cb(&crate::preview::latent_preview(&latents, self.config.family, done as usize, total as usize)?);
            }
        }
        cancel.check()?;
        reporter.on_progress(&Progress { done: total, total: Some(total), message: "decoding".into() });
        let image = self.decode(&latents)?;
        reporter.on_done("image generated");
        Ok(image)
    }

    fn encode_image(&self, init: &image::DynamicImage, w: u32, h: u32) -> Result<Tensor> {
        if !self.config.vae.use_quant_conv {
            return Err(Error::InvalidInput("image-to-image needs a VAE with quant_conv".into()));
        }
        let rgb = image::imageops::resize(&init.to_rgb8(), w, h, image::imageops::FilterType::Lanczos3);
        let data: Vec<f32> = rgb.into_raw().into_iter().map(|p| p as f32 / 127.5 - 1.0).collect();
        let x = Tensor::from_vec(data, (h as usize, w as usize, 3), &Device::Cpu)
            .and_then(|t| t.permute((2, 0, 1))?.unsqueeze(0)?.to_dtype(self.vae_dtype)?.to_device(&self.device))
            .map_err(cerr)?;
        let dist = self.vae.encode(&x).map_err(cerr)?;
        // The VAE's log-variance was pinned at load (see `load_vae`), so `sample` is the mean:
        // deterministic, as the seeded noise needs.
        let latents = (dist.sample().map_err(cerr)? * self.config.vae_scaling).map_err(cerr)?;
        latents.to_dtype(self.dtype).map_err(cerr)
    }

    fn decode(&self, latents: &Tensor) -> Result<RgbImage> {
        let x = (latents.to_dtype(self.vae_dtype).map_err(cerr)? / self.config.vae_scaling).map_err(cerr)?;
        let img = self.vae.decode(&x).map_err(cerr)?;
        let img = ((img / 2.0).and_then(|t| t + 0.5).and_then(|t| t.clamp(0f32, 1f32)).and_then(|t| t * 255.0))
            .and_then(|t| t.to_dtype(DType::F32)?.round()?.to_dtype(DType::U8)?.to_device(&Device::Cpu))
            .map_err(cerr)?;
        let (_, c, h, w) = img.dims4().map_err(cerr)?;
        if c != 3 {
            return Err(Error::InvalidInput(format!("the VAE produced {c} channels, expected 3")));
        }
        let data = img.squeeze(0).and_then(|t| t.permute((1, 2, 0))?.flatten_all()?.to_vec1::<u8>()).map_err(cerr)?;
        RgbImage::from_raw(w as u32, h as u32, data)
            .ok_or_else(|| Error::InvalidInput("decoded image has an unexpected size".into()))
    }
}

pub(crate) fn cerr(e: candle_core::Error) -> Error {
    Error::InvalidInput(format!("inference failed: {e}"))
}

// Mapping instead of reading: an SDXL UNet is 5–10 GB and would otherwise sit in memory twice.
#[allow(unsafe_code)]
fn mmap<'a>(files: &[PathBuf], dtype: DType, device: &Device, what: &str) -> Result<VarBuilder<'a>> {
    // SAFETY: the weights are read-only model files; nothing in Byline writes to them while
    // they are mapped (the store replaces files by rename, never in place).
    unsafe { VarBuilder::from_mmaped_safetensors(files, dtype, device) }
        .map_err(|e| model_err(files.first().map_or(Path::new(""), |p| p.as_path()), what, e))
}

/// Loads the VAE with its posterior's log-variance pinned very low: `encode(x).sample()` then
/// returns the mean exactly. candle's `sample` draws from the unseeded CPU generator; with the
/// mean, image-to-image is reproducible from the seed alone.
fn load_vae(files: &[PathBuf], config: &PipelineConfig, dtype: DType, device: &Device) -> Result<AutoEncoderKL> {
    let dir = config.dir.join("vae");
    let mut tensors: HashMap<String, Tensor> = HashMap::new();
    for f in files {
        let t = candle_core::safetensors::load(f, &Device::Cpu).map_err(|e| model_err(f, "VAE", e))?;
        tensors.extend(t);
    }
    let l = config.vae.latent_channels;
    if config.vae.use_quant_conv
        && let (Some(w), Some(b)) = (tensors.get("quant_conv.weight"), tensors.get("quant_conv.bias"))
    {
        let pin = |w: &Tensor, b: &Tensor| -> candle_core::Result<(Tensor, Tensor)> {
            let (w, b) = (w.to_dtype(DType::F32)?, b.to_dtype(DType::F32)?);
            if w.dim(0)? != 2 * l || b.dim(0)? != 2 * l {
                candle_core::bail!("quant_conv has {} outputs, expected {}", w.dim(0)?, 2 * l);
            }
            let w = Tensor::cat(&[w.narrow(0, 0, l)?, w.narrow(0, l, l)?.zeros_like()?], 0)?;
            // exp(0.5 × −1000) underflows to exactly 0, in f16 as in f32.
            let b = Tensor::cat(&[b.narrow(0, 0, l)?, (b.narrow(0, l, l)?.zeros_like()? - 1000.0)?], 0)?;
            Ok((w, b))
        };
        let (w, b) = pin(w, b).map_err(|e| model_err(&dir, "VAE", e))?;
        tensors.insert("quant_conv.weight".into(), w);
        tensors.insert("quant_conv.bias".into(), b);
    }
    let vb = VarBuilder::from_tensors(tensors, dtype, device);
    AutoEncoderKL::new(vb, 3, 3, config.vae.clone()).map_err(|e| model_err(&dir, "VAE", e))
}
