//! Every SIMD kernel against the scalar reference on random blocks, and quantized dot products against the
//! f32 dot product of the dequantized weights.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::*;
use crate::testutil::Random;

fn activations(rng: &mut StdRng, n: usize) -> Vec<f32> {
    (0..n).map(|_| rng.random_range(-2.0..2.0)).collect()
}

/// For each type: SIMD == scalar up to summation order, and the quantized dot equals the f32 dot of the
/// dequantized weights with the unquantized activations within the activation quantization error, whose
/// bound is |w| · step/2 summed, with step = amax(x)/127.
fn check<W: WeightBlock + Random>(name: &str) {
    let mut rng = StdRng::seed_from_u64(0x5eed);
    for blocks in [1, 2, 7, 24] {
        let w: Vec<W> = (0..blocks).map(|_| W::random(&mut rng)).collect();
        let x = activations(&mut rng, blocks * W::ELEMS);
        let mut a = Vec::new();
        W::quantize_acts(&x, &mut a);
        let reference = W::dot_scalar(&w, &a);
        let mut wf = vec![0.0f32; x.len()];
        for (b, out) in w.iter().zip(wf.chunks_mut(W::ELEMS)) {
            b.dequantize(out);
        }
        let magnitude: f32 = wf.iter().zip(&x).map(|(w, x)| (w * x).abs()).sum();
        // The fastest kernels this CPU runs, and the AVX2 ones where faster ones took their place.
        let singles = [("fastest", Some(W::dot_fn())), ("avx2", W::dot_fn_avx2())];
        for (kind, dot) in singles.into_iter().filter_map(|(k, f)| Some((k, f?))) {
            let fast = dot(&w, &a);
            assert!(
                (fast - reference).abs() <= 1e-5 * magnitude + 1e-6,
                "{name} {kind} x{blocks}: simd {fast} vs scalar {reference}"
            );
        }
        // The four-row kernels on four different rows (this one and three shifted copies).
        let mut rows = vec![a.clone()];
        for shift in 1..4 {
            let mut x2 = x.clone();
            x2.rotate_left(shift * 5);
            let mut a2 = Vec::new();
            W::quantize_acts(&x2, &mut a2);
            rows.push(a2);
        }
        for (kind, dot4) in [("fastest", W::dot4_fn()), ("avx2", W::dot4_fn_avx2())] {
            let Some(dot4) = dot4 else { continue };
            let four = dot4(&w, [&rows[0], &rows[1], &rows[2], &rows[3]]);
            for (k, r) in rows.iter().enumerate() {
                let one = W::dot_scalar(&w, r);
                assert!(
                    (four[k] - one).abs() <= 1e-5 * magnitude + 1e-5,
                    "{name} {kind} x4 row {k}: {} vs {one}",
                    four[k]
                );
            }
        }
        let exact: f32 = wf.iter().zip(&x).map(|(w, x)| w * x).sum();
        // Plus the f16 rounding of the activation scales and sums (2^-11 relative).
        let bound: f32 = wf.iter().map(|w| w.abs() * 2.0 / 254.0).sum::<f32>() * 1.01 + magnitude * 1e-3 + 1e-4;
        assert!((reference - exact).abs() <= bound, "{name} x{blocks}: quantized {reference} vs f32 {exact}");
    }
}

#[test]
fn every_kernel_matches_the_reference_and_the_f32_dot() {
    check::<BlockQ4_0>("q4_0");
    check::<BlockQ4_1>("q4_1");
    check::<BlockQ5_0>("q5_0");
    check::<BlockQ5_1>("q5_1");
    check::<BlockQ8_0>("q8_0");
    check::<BlockQ4K>("q4_k");
    check::<BlockQ5K>("q5_k");
    check::<BlockQ6K>("q6_k");
    check::<BlockQ2K>("q2_k");
    check::<BlockQ3K>("q3_k");
}

#[cfg(target_arch = "x86_64")]
#[test]
fn the_simd_kernels_are_the_ones_tested_where_the_cpu_has_them() {
    // On a machine without AVX2 the test above compares scalar with scalar; say so rather than pass quietly.
    if !has_avx2() {
        eprintln!("this CPU has no AVX2+FMA (or BYLINE_KERNELS_SCALAR is set): only the scalar kernels ran");
        return;
    }
    let f: DotFn<BlockQ4_1, BlockQ8_1> = BlockQ4_1::dot_fn();
    assert!(f as usize != scalar::q4_1 as DotFn<BlockQ4_1, BlockQ8_1> as usize, "AVX2 kernel selected");
}

#[cfg(target_arch = "x86_64")]
#[test]
fn the_integer_half_conversion_is_exact_for_every_finite_half() {
    let mut block = BlockQ6K { ql: [0; 128], qh: [0; 64], scales: [0; 16], d: 0 };
    for bits in 0..=u16::MAX {
        let want = half::f16::from_bits(bits);
        if !want.is_finite() {
            continue;
        }
        block.d = bits;
        assert_eq!(avx2::q6k_d(&block).to_bits(), want.to_f32().to_bits(), "half {bits:#06x}");
    }
}

#[cfg(target_arch = "aarch64")]
#[test]
fn the_neon_kernels_are_the_ones_tested_on_aarch64() {
    if !has_neon() {
        eprintln!("BYLINE_KERNELS_SCALAR is set: only the scalar kernels ran");
        return;
    }
    let f: DotFn<BlockQ6K, BlockQ8K> = BlockQ6K::dot_fn();
    assert!(f as usize == neon::q6_k as DotFn<BlockQ6K, BlockQ8K> as usize, "NEON kernel selected");
    let g: DotFn<BlockQ5K, BlockQ8K> = BlockQ5K::dot_fn();
    assert!(g as usize == neon::q5_k as DotFn<BlockQ5K, BlockQ8K> as usize, "NEON kernel selected");
}
