//! Noise schedulers, configured from diffusers' `scheduler/scheduler_config.json`.
//!
//! Written here rather than taken from candle because candle's Euler-ancestral step draws its
//! noise from the unseeded CPU generator (the same seed would give different pictures) and its
//! "trailing" spacing yields one step too many when 1000 is not a multiple of the step count.
//! The formulas follow diffusers' `DDIMScheduler`, `EulerDiscreteScheduler` and
//! `EulerAncestralDiscreteScheduler` with their default options.
use byline_core::{Error, Result};
use candle_core::Tensor;
use serde::Deserialize;

use crate::noise::NoiseRng;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Prediction {
    Epsilon,
    VPrediction,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Ddim,
    Euler,
    EulerAncestral,
}

/// The subset of `scheduler_config.json` that the samplers use.
#[derive(Clone, Debug, Deserialize)]
pub struct SchedulerConfig {
    #[serde(rename = "_class_name")]
    pub class_name: String,
    #[serde(default = "default_beta_start")]
    pub beta_start: f64,
    #[serde(default = "default_beta_end")]
    pub beta_end: f64,
    #[serde(default = "default_beta_schedule")]
    pub beta_schedule: String,
    #[serde(default = "default_train_steps")]
    pub num_train_timesteps: usize,
    #[serde(default = "default_prediction")]
    pub prediction_type: String,
    #[serde(default = "default_spacing")]
    pub timestep_spacing: String,
    #[serde(default)]
    pub steps_offset: usize,
    #[serde(default)]
    pub set_alpha_to_one: bool,
}

fn default_beta_start() -> f64 {
    0.00085
}
fn default_beta_end() -> f64 {
    0.012
}
fn default_beta_schedule() -> String {
    "scaled_linear".into()
}
fn default_train_steps() -> usize {
    1000
}
fn default_prediction() -> String {
    "epsilon".into()
}
fn default_spacing() -> String {
    "leading".into()
}

impl SchedulerConfig {
    /// Which sampler this config asks for. PNDM (the SD 1.5 default) is run with DDIM, as
    /// candle's own pipeline does: both are deterministic samplers on the same noise schedule.
    pub fn kind(&self) -> Result<Kind> {
        match self.class_name.as_str() {
            "DDIMScheduler" | "PNDMScheduler" => Ok(Kind::Ddim),
            "EulerDiscreteScheduler" => Ok(Kind::Euler),
            "EulerAncestralDiscreteScheduler" => Ok(Kind::EulerAncestral),
            other => Err(Error::InvalidInput(format!(
                "unsupported scheduler {other:?} in scheduler_config.json; supported: DDIMScheduler, \
                 PNDMScheduler (run as DDIM), EulerDiscreteScheduler, EulerAncestralDiscreteScheduler"
            ))),
        }
    }

    pub fn prediction(&self) -> Result<Prediction> {
        match self.prediction_type.as_str() {
            "epsilon" => Ok(Prediction::Epsilon),
            "v_prediction" => Ok(Prediction::VPrediction),
            other => Err(Error::InvalidInput(format!("unsupported prediction_type {other:?}"))),
        }
    }

    fn alphas_cumprod(&self) -> Result<Vec<f64>> {
        let n = self.num_train_timesteps;
        let betas: Vec<f64> = match self.beta_schedule.as_str() {
            "scaled_linear" => {
                linspace(self.beta_start.sqrt(), self.beta_end.sqrt(), n).iter().map(|b| b * b).collect()
            }
            "linear" => linspace(self.beta_start, self.beta_end, n),
            "squaredcos_cap_v2" => {
                let alpha_bar = |t: f64| ((t + 0.008) / 1.008 * std::f64::consts::FRAC_PI_2).cos().powi(2);
                (0..n)
                    .map(|i| {
                        let (t1, t2) = (i as f64 / n as f64, (i + 1) as f64 / n as f64);
                        (1.0 - alpha_bar(t2) / alpha_bar(t1)).min(0.999)
                    })
                    .collect()
            }
            other => return Err(Error::InvalidInput(format!("unsupported beta_schedule {other:?}"))),
        };
        let mut acc = 1.0;
        Ok(betas
            .iter()
            .map(|b| {
                acc *= 1.0 - b;
                acc
            })
            .collect())
    }

    fn timesteps(&self, steps: usize) -> Result<Vec<f64>> {
        let t = self.num_train_timesteps;
        let ts = match self.timestep_spacing.as_str() {
            "leading" => {
                let ratio = t / steps;
                (0..steps).rev().map(|i| (i * ratio + self.steps_offset) as f64).collect()
            }
            "trailing" => {
                let ratio = t as f64 / steps as f64;
                (0..steps).map(|i| (t as f64 - i as f64 * ratio).round() - 1.0).collect()
            }
            "linspace" => linspace(0.0, (t - 1) as f64, steps).into_iter().rev().collect(),
            other => return Err(Error::InvalidInput(format!("unsupported timestep_spacing {other:?}"))),
        };
        Ok(ts)
    }

    /// Builds the sampler for `steps` steps. `seed` feeds the ancestral sampler's fresh noise.
    pub fn build(&self, steps: usize, seed: u64) -> Result<Sampler> {
        if steps == 0 {
            return Err(Error::InvalidInput("steps must be at least 1".into()));
        }
        if steps > self.num_train_timesteps {
            return Err(Error::InvalidInput(format!(
                "steps must be at most {} for this scheduler",
                self.num_train_timesteps
            )));
        }
        let kind = self.kind()?;
        let prediction = self.prediction()?;
        let alphas_cumprod = self.alphas_cumprod()?;
        let mut timesteps = self.timesteps(steps)?;
        if kind == Kind::Ddim {
            // DDIM indexes the schedule with integer timesteps.
            timesteps.iter_mut().for_each(|t| *t = t.round());
        }
        let train_sigmas: Vec<f64> = alphas_cumprod.iter().map(|a| ((1.0 - a) / a).sqrt()).collect();
        let mut sigmas: Vec<f64> = timesteps.iter().map(|&t| interp(t, &train_sigmas)).collect();
        sigmas.push(0.0);
        let max_sigma = sigmas.iter().copied().fold(0.0, f64::max);
        let init_noise_sigma = match (kind, self.timestep_spacing.as_str()) {
            (Kind::Ddim, _) => 1.0,
            (_, "linspace" | "trailing") => max_sigma,
            _ => (max_sigma * max_sigma + 1.0).sqrt(),
        };
        Ok(Sampler {
            kind,
            prediction,
            step_ratio: self.num_train_timesteps / steps,
            final_alpha: if self.set_alpha_to_one { 1.0 } else { alphas_cumprod[0] },
            alphas_cumprod,
            timesteps,
            sigmas,
            init_noise_sigma,
            rng: NoiseRng::new(seed.wrapping_add(0x5eed)),
        })
    }
}

fn linspace(start: f64, end: f64, n: usize) -> Vec<f64> {
    if n == 1 {
        return vec![start];
    }
    (0..n).map(|i| start + (end - start) * i as f64 / (n - 1) as f64).collect()
}

/// Linear interpolation of `table` (indexed 0..len) at a fractional index.
fn interp(x: f64, table: &[f64]) -> f64 {
    let x = x.clamp(0.0, (table.len() - 1) as f64);
    let lo = x.floor() as usize;
    let hi = (lo + 1).min(table.len() - 1);
    table[lo] + (table[hi] - table[lo]) * (x - lo as f64)
}

pub struct Sampler {
    kind: Kind,
    prediction: Prediction,
    step_ratio: usize,
    final_alpha: f64,
    alphas_cumprod: Vec<f64>,
    timesteps: Vec<f64>,
    sigmas: Vec<f64>,
    init_noise_sigma: f64,
    rng: NoiseRng,
}

impl Sampler {
    pub fn kind(&self) -> Kind {
        self.kind
    }

    pub fn timesteps(&self) -> &[f64] {
        &self.timesteps
    }

    pub fn init_noise_sigma(&self) -> f64 {
        self.init_noise_sigma
    }

    fn alpha(&self, t: f64) -> f64 {
        self.alphas_cumprod[(t.max(0.0) as usize).min(self.alphas_cumprod.len() - 1)]
    }

    /// Euler samplers feed the UNet a sigma-normalised input; DDIM feeds it as is.
    pub fn scale_model_input(&self, x: &Tensor, i: usize) -> candle_core::Result<Tensor> {
        match self.kind {
            Kind::Ddim => Ok(x.clone()),
            _ => x / (self.sigmas[i].powi(2) + 1.0).sqrt(),
        }
    }

    /// Noises clean latents to the level of step `i` (image-to-image).
    pub fn add_noise(&self, x: &Tensor, noise: &Tensor, i: usize) -> candle_core::Result<Tensor> {
        match self.kind {
            Kind::Ddim => {
                let a = self.alpha(self.timesteps[i]);
                (x * a.sqrt())? + (noise * (1.0 - a).sqrt())?
            }
            _ => x + (noise * self.sigmas[i])?,
        }
    }

    /// One denoising step from step `i` to step `i + 1`.
    pub fn step(&mut self, model_output: &Tensor, i: usize, x: &Tensor) -> candle_core::Result<Tensor> {
        match self.kind {
            Kind::Ddim => self.ddim_step(model_output, i, x),
            Kind::Euler | Kind::EulerAncestral => self.euler_step(model_output, i, x),
        }
    }

    fn ddim_step(&self, out: &Tensor, i: usize, x: &Tensor) -> candle_core::Result<Tensor> {
        let t = self.timesteps[i];
        let prev_t = t - self.step_ratio as f64;
        let a_t = self.alpha(t);
        let a_prev = if prev_t >= 0.0 { self.alpha(prev_t) } else { self.final_alpha };
        let (x0, eps) = match self.prediction {
            Prediction::Epsilon => (((x - (out * (1.0 - a_t).sqrt())?)? / a_t.sqrt())?, out.clone()),
            Prediction::VPrediction => {
                (((x * a_t.sqrt())? - (out * (1.0 - a_t).sqrt())?)?, ((out * a_t.sqrt())? + (x * (1.0 - a_t).sqrt())?)?)
            }
        };
        (x0 * a_prev.sqrt())? + (eps * (1.0 - a_prev).sqrt())?
    }

    fn euler_step(&mut self, out: &Tensor, i: usize, x: &Tensor) -> candle_core::Result<Tensor> {
        let (sigma, sigma_next) = (self.sigmas[i], self.sigmas[i + 1]);
        let x0 = match self.prediction {
            Prediction::Epsilon => (x - (out * sigma)?)?,
            Prediction::VPrediction => {
                ((out * (-sigma / (sigma * sigma + 1.0).sqrt()))? + (x / (sigma * sigma + 1.0))?)?
            }
        };
        let derivative = ((x - x0)? / sigma)?;
        if self.kind == Kind::Euler {
            return x + (derivative * (sigma_next - sigma))?;
        }
        let sigma_up = (sigma_next.powi(2) * (sigma.powi(2) - sigma_next.powi(2)) / sigma.powi(2)).sqrt();
        let sigma_down = (sigma_next.powi(2) - sigma_up.powi(2)).sqrt();
        let prev = (x + (derivative * (sigma_down - sigma))?)?;
        let noise = self.rng.randn(x.dims(), x.dtype(), x.device())?;
        prev + (noise * sigma_up)?
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(class: &str, spacing: &str) -> SchedulerConfig {
        serde_json::from_value(
            serde_json::json!({"_class_name": class, "timestep_spacing": spacing, "steps_offset": 1}),
        )
        .expect("test step")
    }

    #[test]
    fn spacings_match_diffusers() {
        let ddim = config("DDIMScheduler", "leading").build(4, 0).expect("test step");
        assert_eq!(ddim.timesteps(), &[751.0, 501.0, 251.0, 1.0]);
        let turbo = config("EulerDiscreteScheduler", "trailing").build(3, 0).expect("test step");
        assert_eq!(turbo.timesteps(), &[999.0, 666.0, 332.0]);
        let one = config("EulerAncestralDiscreteScheduler", "trailing").build(1, 0).expect("test step");
        assert_eq!(one.timesteps(), &[999.0]);
        assert!((one.init_noise_sigma() - 14.6146).abs() < 1e-3, "{}", one.init_noise_sigma());
    }

    #[test]
    fn unknown_scheduler_and_zero_steps_are_errors() {
        let err = config("LMSDiscreteScheduler", "leading").build(4, 0).err().expect("test step");
        assert!(err.to_string().contains("LMSDiscreteScheduler"), "{err}");
        let err = config("DDIMScheduler", "leading").build(0, 0).err().expect("test step");
        assert!(err.to_string().contains("at least 1"), "{err}");
    }
}
