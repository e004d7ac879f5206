//! Quantizing an f32 activation row to the 8-bit format a weight type multiplies against, as GGML does:
//! Q8_0 for Q4_0/Q5_0/Q8_0, Q8_1 (with the block sum) for Q4_1/Q5_1, Q8_K for the k-quants. A row is
//! quantized once per matmul and then reused for every output row, which is what makes integer dot products
//! pay off.

use crate::blocks::{BlockQ8_0, BlockQ8_1, BlockQ8K, QK, QK_K, f16_to_f32, f32_to_f16};

/// The scale and its inverse for a block whose largest magnitude is `amax`, mapping it to ±127.
#[inline]
fn scale(amax: f32) -> (f32, f32) {
    let d = amax / 127.0;
    (d, if d != 0.0 { 1.0 / d } else { 0.0 })
}

/// Round to nearest, ties to even, as ggml's `nearest_int` does for Q8_K (|v| < 2^22): adding 1.5 · 2^23 leaves
/// the integer in the low mantissa bits. Unlike `f32::round` (a library call per value) it vectorizes.
#[inline]
fn nearest_int(v: f32) -> i32 {
    let shifted = v + 12_582_912.0;
    (shifted.to_bits() & 0x007f_ffff) as i32 - 0x0040_0000
}

#[inline]
fn amax(xs: &[f32]) -> f32 {
    xs.iter().fold(0.0f32, |m, x| m.max(x.abs()))
}

/// `xs.len()` must be a multiple of 32; `out` is cleared and refilled.
pub fn quantize_q8_0(xs: &[f32], out: &mut Vec<BlockQ8_0>) {
    out.clear();
    out.extend(xs.chunks_exact(QK).map(|x| {
        let (d, id) = scale(amax(x));
        let mut qs = [0i8; QK];
        for (q, &v) in qs.iter_mut().zip(x) {
            *q = (v * id).round() as i8;
        }
        BlockQ8_0 { d: f32_to_f16(d), qs }
    }));
}

/// Like [`quantize_q8_0`], plus `s = d * sum(q)`.
pub fn quantize_q8_1(xs: &[f32], out: &mut Vec<BlockQ8_1>) {
    out.clear();
    out.extend(xs.chunks_exact(QK).map(|x| {
        let (d, id) = scale(amax(x));
        let mut qs = [0i8; QK];
        let mut sum = 0i32;
        for (q, &v) in qs.iter_mut().zip(x) {
            *q = (v * id).round() as i8;
            sum += *q as i32;
        }
        BlockQ8_1 { d: f32_to_f16(d), s: f32_to_f16(sum as f32 * d), qs }
    }));
}

/// `xs.len()` must be a multiple of 256. The scale is set by the element of largest magnitude, mapped to
/// -127 with its sign, so that the opposite extreme may reach +127 without clipping.
pub fn quantize_q8_k(xs: &[f32], out: &mut Vec<BlockQ8K>) {
    out.clear();
    out.extend(xs.chunks_exact(QK_K).map(|x| {
        let mut block = BlockQ8K { d: 0.0, qs: [0; QK_K], bsums: [0; QK_K / 16] };
        let (mut max, mut amax) = (0.0f32, 0.0f32);
        for &v in x {
            if v.abs() > amax {
                amax = v.abs();
                max = v;
            }
        }
        if amax == 0.0 {
            return block;
        }
        let iscale = -127.0 / max;
        for (q, &v) in block.qs.iter_mut().zip(x) {
            *q = nearest_int(iscale * v).clamp(-128, 127) as i8;
        }
        for (sum, group) in block.bsums.iter_mut().zip(block.qs.chunks_exact(16)) {
            *sum = group.iter().map(|&q| q as i16).sum();
        }
        block.d = 1.0 / iscale;
        block
    }));
}

impl BlockQ8_1 {
    pub fn dequantize(&self, out: &mut [f32]) {
        let d = f16_to_f32(self.d);
        for (o, &q) in out.iter_mut().zip(&self.qs) {
            *o = d * q as f32;
        }
    }
}

impl BlockQ8K {
    pub fn dequantize(&self, out: &mut [f32]) {
        for (o, &q) in out.iter_mut().zip(&self.qs) {
            *o = self.d * q as f32;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};

    fn row(n: usize, seed: u64) -> Vec<f32> {
        let mut rng = StdRng::seed_from_u64(seed);
        (0..n).map(|_| rng.random_range(-3.0..3.0)).collect()
    }

    /// Round trip error is at most half a quantization step per element (plus the f16 rounding of d).
    fn assert_round_trip(xs: &[f32], back: &[f32], block: usize) {
        for (x, b) in xs.chunks(block).zip(back.chunks(block)) {
            let step = amax(x) / 127.0;
            for (a, b) in x.iter().zip(b) {
                assert!((a - b).abs() <= step * 0.5 + amax(x) * 1e-3, "{a} vs {b}, step {step}");
            }
        }
    }

    #[test]
    fn q8_formats_round_trip_within_half_a_step() {
        let xs = row(1024, 1);
        let mut back = vec![0.0; xs.len()];
        let mut q0 = Vec::new();
        quantize_q8_0(&xs, &mut q0);
        q0.iter().zip(back.chunks_mut(QK)).for_each(|(b, o)| b.dequantize(o));
        assert_round_trip(&xs, &back, QK);

        let mut q1 = Vec::new();
        quantize_q8_1(&xs, &mut q1);
        for b in &q1 {
            let sum: i32 = b.qs.iter().map(|&q| q as i32).sum();
            let expect = sum as f32 * f16_to_f32(b.d);
            assert!((f16_to_f32(b.s) - expect).abs() <= expect.abs() * 1e-3 + 1e-3, "s is d * sum(q)");
        }

        let mut qk = Vec::new();
        quantize_q8_k(&xs, &mut qk);
        qk.iter().zip(back.chunks_mut(QK_K)).for_each(|(b, o)| b.dequantize(o));
        assert_round_trip(&xs, &back, QK_K);
        for b in &qk {
            for (g, s) in b.qs.chunks(16).zip(b.bsums) {
                assert_eq!(g.iter().map(|&q| q as i16).sum::<i16>(), s);
            }
        }
    }

    #[test]
    fn nearest_int_rounds_ties_to_even_like_ggml() {
        for (v, want) in [(0.5, 0), (1.5, 2), (2.5, 2), (-0.5, 0), (-1.5, -2), (126.6, 127), (-127.0, -127), (3.49, 3)]
        {
            assert_eq!(nearest_int(v), want, "{v}");
        }
        for i in -1270..=1270 {
            let v = i as f32 * 0.1003;
            assert!((nearest_int(v) as f32 - v).abs() <= 0.5, "{v}");
        }
    }

    #[test]
    fn zero_rows_quantize_to_zero() {
        let mut qk = Vec::new();
        quantize_q8_k(&[0.0; QK_K], &mut qk);
        assert_eq!((qk[0].d, qk[0].qs, qk[0].bsums), (0.0, [0; QK_K], [0; 16]));
        let mut q0 = Vec::new();
        quantize_q8_0(&[0.0; QK], &mut q0);
        assert_eq!(q0[0].qs, [0; QK]);
    }
}
