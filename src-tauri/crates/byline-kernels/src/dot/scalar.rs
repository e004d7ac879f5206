//! Portable dot products of a row of weight blocks with a row of quantized activations: the reference every
//! SIMD kernel is tested against, and the path on CPUs without one. Integer sums per block, one float
//! multiply per block, as GGML does, so results agree with the SIMD kernels up to float summation order.

use crate::blocks::*;

#[inline]
fn idot(a: impl Iterator<Item = i32>, b: &[i8]) -> i32 {
    a.zip(b).map(|(x, &y)| x * y as i32).sum()
}

/// The 32 nibbles of a legacy 4-bit block in element order.
#[inline]
fn nibbles(qs: &[u8; 16]) -> impl Iterator<Item = i32> + '_ {
    qs.iter().map(|&q| (q & 0xF) as i32).chain(qs.iter().map(|&q| (q >> 4) as i32))
}

pub fn q4_0(w: &[BlockQ4_0], a: &[BlockQ8_0]) -> f32 {
    w.iter()
        .zip(a)
        .map(|(w, a)| idot(nibbles(&w.qs).map(|q| q - 8), &a.qs) as f32 * f16_to_f32(w.d) * f16_to_f32(a.d))
        .sum()
}

pub fn q4_1(w: &[BlockQ4_1], a: &[BlockQ8_1]) -> f32 {
    w.iter()
        .zip(a)
        .map(|(w, a)| {
            idot(nibbles(&w.qs), &a.qs) as f32 * f16_to_f32(w.d) * f16_to_f32(a.d) + f16_to_f32(w.m) * f16_to_f32(a.s)
        })
        .sum()
}

pub fn q5_0(w: &[BlockQ5_0], a: &[BlockQ8_0]) -> f32 {
    w.iter()
        .zip(a)
        .map(|(w, a)| {
            let q = q5_values(w.qh, &w.qs);
            idot(q.iter().map(|&q| q as i32 - 16), &a.qs) as f32 * f16_to_f32(w.d) * f16_to_f32(a.d)
        })
        .sum()
}

pub fn q5_1(w: &[BlockQ5_1], a: &[BlockQ8_1]) -> f32 {
    w.iter()
        .zip(a)
        .map(|(w, a)| {
            let q = q5_values(w.qh, &w.qs);
            idot(q.iter().map(|&q| q as i32), &a.qs) as f32 * f16_to_f32(w.d) * f16_to_f32(a.d)
                + f16_to_f32(w.m) * f16_to_f32(a.s)
        })
        .sum()
}

pub fn q8_0(w: &[BlockQ8_0], a: &[BlockQ8_0]) -> f32 {
    w.iter()
        .zip(a)
        .map(|(w, a)| idot(w.qs.iter().map(|&q| q as i32), &a.qs) as f32 * f16_to_f32(w.d) * f16_to_f32(a.d))
        .sum()
}

/// Per sub-block: `d * sc * sum(q * y) - dmin * m * sum(y)`, with `sum(y)` from the activation's group sums.
pub fn q4_k(w: &[BlockQ4K], a: &[BlockQ8K]) -> f32 {
    w.iter()
        .zip(a)
        .map(|(w, a)| {
            let (mut scaled, mut mins) = (0i32, 0i32);
            for j in 0..4 {
                let qs = &w.qs[32 * j..32 * j + 32];
                for (half, shift) in [(0usize, 0u8), (1, 4)] {
                    let sub = 2 * j + half;
                    let (sc, m) = q4k_scale_min(sub, &w.scales);
                    let y = &a.qs[32 * sub..32 * sub + 32];
                    scaled += sc as i32 * idot(qs.iter().map(|&q| ((q >> shift) & 0xF) as i32), y);
                    mins += m as i32 * (a.bsums[2 * sub] as i32 + a.bsums[2 * sub + 1] as i32);
                }
            }
            a.d * (f16_to_f32(w.d) * scaled as f32 - f16_to_f32(w.dmin) * mins as f32)
        })
        .sum()
}

pub fn q5_k(w: &[BlockQ5K], a: &[BlockQ8K]) -> f32 {
    w.iter()
        .zip(a)
        .map(|(w, a)| {
            let (mut scaled, mut mins) = (0i32, 0i32);
            for sub in 0..8 {
                let (sc, m) = q4k_scale_min(sub, &w.scales);
                let y = &a.qs[32 * sub..32 * sub + 32];
                scaled += sc as i32 * idot((0..32).map(|i| w.value(sub, i) as i32), y);
                mins += m as i32 * (a.bsums[2 * sub] as i32 + a.bsums[2 * sub + 1] as i32);
            }
            a.d * (f16_to_f32(w.d) * scaled as f32 - f16_to_f32(w.dmin) * mins as f32)
        })
        .sum()
}

/// Per group of 16: `d * sc * sum((q - 32) * y)`; the -32 is applied through the group sums.
pub fn q6_k(w: &[BlockQ6K], a: &[BlockQ8K]) -> f32 {
    w.iter()
        .zip(a)
        .map(|(w, a)| {
            let q = q6k_values(w);
            let mut sum = 0i32;
            for g in 0..16 {
                let dot = idot(q[16 * g..16 * g + 16].iter().map(|&q| q as i32), &a.qs[16 * g..16 * g + 16]);
                sum += w.scales[g] as i32 * (dot - 32 * a.bsums[g] as i32);
            }
            a.d * f16_to_f32(w.d) * sum as f32
        })
        .sum()
}

pub fn q2_k(w: &[BlockQ2K], a: &[BlockQ8K]) -> f32 {
    w.iter()
        .zip(a)
        .map(|(w, a)| {
            let q = q2k_values(w);
            let (mut sum, mut mins) = (0i32, 0i32);
            for g in 0..16 {
                let dot = idot(q[16 * g..16 * g + 16].iter().map(|&q| q as i32), &a.qs[16 * g..16 * g + 16]);
                sum += (w.scales[g] & 0xF) as i32 * dot;
                mins += (w.scales[g] >> 4) as i32 * a.bsums[g] as i32;
            }
            a.d * (f16_to_f32(w.d) * sum as f32 - f16_to_f32(w.dmin) * mins as f32)
        })
        .sum()
}

pub fn q3_k(w: &[BlockQ3K], a: &[BlockQ8K]) -> f32 {
    w.iter()
        .zip(a)
        .map(|(w, a)| {
            let (q, scales) = (q3k_values(w), q3k_scales(w));
            let mut sum = 0i32;
            for g in 0..16 {
                let dot = idot(q[16 * g..16 * g + 16].iter().map(|&q| q as i32), &a.qs[16 * g..16 * g + 16]);
                sum += scales[g] as i32 * dot;
            }
            a.d * f16_to_f32(w.d) * sum as f32
        })
        .sum()
}
