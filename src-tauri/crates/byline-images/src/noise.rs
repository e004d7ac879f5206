//! Seeded Gaussian noise. candle's CPU backend cannot be seeded, so every random number the
//! sampler uses comes from here: the same seed then gives the same picture on every run and
//! on every device.
use candle_core::{DType, Device, Tensor};

/// SplitMix64: tiny, fast and good enough for diffusion noise; what matters is that it is
/// fully determined by the seed.
pub struct NoiseRng {
    state: u64,
    spare: Option<f64>,
}

impl NoiseRng {
    pub fn new(seed: u64) -> Self {
        Self { state: seed ^ 0x6a09_e667_f3bc_c908, spare: None }
    }

    fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in (0, 1], never 0 so that `ln` below is finite.
    fn uniform(&mut self) -> f64 {
        ((self.next_u64() >> 11) as f64 + 1.0) / (1u64 << 53) as f64
    }

    /// Standard normal sample (Box–Muller, both values used).
    pub fn normal(&mut self) -> f64 {
        if let Some(v) = self.spare.take() {
            return v;
        }
        let r = (-2.0 * self.uniform().ln()).sqrt();
        let theta = std::f64::consts::TAU * self.uniform();
        self.spare = Some(r * theta.sin());
        r * theta.cos()
    }

    /// A tensor of standard normal noise, generated on the CPU and moved to `device`.
    pub fn randn(&mut self, shape: &[usize], dtype: DType, device: &Device) -> candle_core::Result<Tensor> {
        let n: usize = shape.iter().product();
        let data: Vec<f32> = (0..n).map(|_| self.normal() as f32).collect();
        Tensor::from_vec(data, shape, &Device::Cpu)?.to_dtype(dtype)?.to_device(device)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_noise_and_roughly_standard() {
        let mut a = NoiseRng::new(7);
        let mut b = NoiseRng::new(7);
        let xs: Vec<f64> = (0..20_000).map(|_| a.normal()).collect();
        let ys: Vec<f64> = (0..20_000).map(|_| b.normal()).collect();
        assert_eq!(xs, ys);
        let mean = xs.iter().sum::<f64>() / xs.len() as f64;
        let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / xs.len() as f64;
        assert!(mean.abs() < 0.05, "mean {mean}");
        assert!((var - 1.0).abs() < 0.05, "variance {var}");
        assert_ne!(NoiseRng::new(8).normal(), NoiseRng::new(7).normal());
    }
}
