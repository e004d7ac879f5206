//! Cheap previews during sampling: latents mapped straight to RGB with a fixed linear map
//! instead of running the VAE decoder (which costs as much as several UNet steps).
use byline_core::Result;
use candle_core::{DType, Device, Tensor};
use serde::Serialize;

use crate::config::Family;
use crate::pipeline::cerr;

/// A small RGB picture at latent resolution (1/8 of the output size).
#[derive(Clone, Debug, Serialize, ts_rs::TS)]
pub struct Preview {
    pub step: usize,
    pub total: usize,
    pub width: u32,
    pub height: u32,
    #[serde(skip)]
    pub rgb: Vec<u8>,
}

impl Preview {
    pub fn to_png(&self) -> Result<Vec<u8>> {
        let img = image::RgbImage::from_raw(self.width, self.height, self.rgb.clone())
            .ok_or_else(|| byline_core::Error::InvalidInput("preview buffer has the wrong size".into()))?;
        crate::output::encode_png(&img, None)
    }
}

/// Latent → RGB factors fitted by the community for SD 1.x/2.x and SDXL latents (the VAE's
/// four latent channels are close to linear in colour).
const SD_FACTORS: [[f32; 3]; 4] =
    [[0.298, 0.207, 0.208], [0.187, 0.286, 0.173], [-0.158, 0.189, 0.264], [-0.184, -0.271, -0.473]];
const XL_FACTORS: [[f32; 3]; 4] =
    [[0.3651, 0.4232, 0.4341], [-0.2533, -0.0042, 0.1068], [0.1076, 0.1111, -0.0362], [-0.3165, -0.2492, -0.2188]];

pub fn latent_preview(latents: &Tensor, family: Family, step: usize, total: usize) -> Result<Preview> {
    let l = latents.to_device(&Device::Cpu).and_then(|t| t.to_dtype(DType::F32)).map_err(cerr)?;
    let (_, c, h, w) = l.dims4().map_err(cerr)?;
    let data = l.flatten_all().and_then(|t| t.to_vec1::<f32>()).map_err(cerr)?;
    let factors = if family.is_xl() { &XL_FACTORS } else { &SD_FACTORS };
    let mut rgb = Vec::with_capacity(h * w * 3);
    for p in 0..h * w {
        for ch in 0..3 {
            let v: f32 = if c == 4 {
                factors.iter().enumerate().map(|(k, f)| data[k * h * w + p] * f[ch]).sum()
            } else {
                // Not an SD latent space: show the mean as grey.
                (0..c).map(|k| data[k * h * w + p]).sum::<f32>() / c.max(1) as f32 * 0.5
            };
            rgb.push(((v + 1.0) * 127.5).clamp(0.0, 255.0) as u8);
        }
    }
    Ok(Preview { step, total, width: w as u32, height: h as u32, rgb })
}
