//! Dot products of a row of weight blocks with a quantized activation row, per weight type, with the
//! fastest kernel this CPU runs picked once at run time.

pub mod scalar;

#[cfg(target_arch = "x86_64")]
pub(crate) mod avx2;
#[cfg(target_arch = "x86_64")]
pub(crate) mod avx512;
#[cfg(target_arch = "aarch64")]
pub(crate) mod neon;

use crate::blocks::*;
use crate::quantize::{quantize_q8_0, quantize_q8_1, quantize_q8_k};

/// Whether the AVX-512 k-quant kernels may run here: AVX-512 F, BW, VL and VNNI on top of [`has_avx2`].
/// `BYLINE_KERNELS_NO_AVX512=1` keeps the AVX2 kernels (to compare them on one machine).
pub fn has_avx512() -> bool {
    static AVX512: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *AVX512.get_or_init(|| {
        #[cfg(target_arch = "x86_64")]
        {
            has_avx2()
                && std::env::var_os("BYLINE_KERNELS_NO_AVX512").is_none()
                && is_x86_feature_detected!("avx512f")
                && is_x86_feature_detected!("avx512bw")
                && is_x86_feature_detected!("avx512vl")
                && is_x86_feature_detected!("avx512vnni")
        }
        #[cfg(not(target_arch = "x86_64"))]
        false
    })
}

/// A weight dot product: `w` and `a` hold the same number of blocks covering one row.
pub type DotFn<W, A> = fn(&[W], &[A]) -> f32;
/// One weight row against four activation rows.
pub type Dot4Fn<W, A> = fn(&[W], [&[A]; 4]) -> [f32; 4];

/// Whether the AVX2 + FMA + F16C kernels may run here. `BYLINE_KERNELS_SCALAR=1` forces the portable kernels,
/// to measure what the SIMD ones bring or to rule them out when chasing a numerical difference.
pub fn has_avx2() -> bool {
    static AVX2: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *AVX2.get_or_init(|| {
        #[cfg(target_arch = "x86_64")]
        {
            std::env::var_os("BYLINE_KERNELS_SCALAR").is_none()
                && is_x86_feature_detected!("avx2")
                && is_x86_feature_detected!("fma")
                && is_x86_feature_detected!("f16c")
        }
        #[cfg(not(target_arch = "x86_64"))]
        false
    })
}

/// Whether the NEON kernels run (on every aarch64 CPU, unless `BYLINE_KERNELS_SCALAR=1` asks for the
/// portable ones).
pub fn has_neon() -> bool {
    static NEON: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *NEON.get_or_init(|| cfg!(target_arch = "aarch64") && std::env::var_os("BYLINE_KERNELS_SCALAR").is_none())
}

/// A GGML weight block type with its activation format and kernels.
pub trait WeightBlock: Copy + Send + Sync + 'static {
    /// The activation block this type multiplies against.
    type Act: Copy + Send + Sync + 'static;
    /// Elements per block.
    const ELEMS: usize;
    /// Quantizes one activation row (a multiple of `ELEMS` long) into `out`, replacing its contents.
    fn quantize_acts(xs: &[f32], out: &mut Vec<Self::Act>);
    fn dequantize(&self, out: &mut [f32]);
    fn dot_scalar(w: &[Self], a: &[Self::Act]) -> f32;
    /// The fastest dot product for this CPU.
    fn dot_fn() -> DotFn<Self, Self::Act>;
    /// The fastest kernel for four activation rows at once, where this CPU and type have one.
    fn dot4_fn() -> Option<Dot4Fn<Self, Self::Act>>;
    /// The AVX2 kernels where the CPU runs them, even when faster ones exist (so tests cover both).
    fn dot_fn_avx2() -> Option<DotFn<Self, Self::Act>>;
    fn dot4_fn_avx2() -> Option<Dot4Fn<Self, Self::Act>>;
}

/// Implements [`WeightBlock`] from the kernels' names: the scalar and AVX2 dot product `$kernel`, the AVX2
/// four-row kernel `x4`, and AVX-512 versions of both.
macro_rules! weight_block {
    // Only the portable kernel: a layout the SIMD kernels meet in another form (Q5_K is interleaved at load;
    // this covers matrices whose rows do not come in sixteens).
    ($block:ty, $act:ty, $elems:expr, $quantize:path, $kernel:ident, scalar_only) => {
        impl WeightBlock for $block {
            type Act = $act;
            const ELEMS: usize = $elems;
            fn quantize_acts(xs: &[f32], out: &mut Vec<$act>) {
                $quantize(xs, out)
            }
            fn dequantize(&self, out: &mut [f32]) {
                <$block>::dequantize(self, out)
            }
            fn dot_scalar(w: &[Self], a: &[$act]) -> f32 {
                scalar::$kernel(w, a)
            }
            fn dot_fn() -> DotFn<Self, $act> {
                #[cfg(target_arch = "aarch64")]
                if has_neon() {
                    return neon::$kernel;
                }
                scalar::$kernel
            }
            fn dot4_fn() -> Option<Dot4Fn<Self, $act>> {
                None
            }
            fn dot_fn_avx2() -> Option<DotFn<Self, $act>> {
                None
            }
            fn dot4_fn_avx2() -> Option<Dot4Fn<Self, $act>> {
                None
            }
        }
    };
    ($block:ty, $act:ty, $elems:expr, $quantize:path, $kernel:ident
        $(, x4 = $x4:ident)? $(, avx512 = $k512:ident, $x4_512:ident)?) => {
        impl WeightBlock for $block {
            type Act = $act;
            const ELEMS: usize = $elems;
            fn quantize_acts(xs: &[f32], out: &mut Vec<$act>) {
                $quantize(xs, out)
            }
            fn dequantize(&self, out: &mut [f32]) {
                <$block>::dequantize(self, out)
            }
            fn dot_scalar(w: &[Self], a: &[$act]) -> f32 {
                scalar::$kernel(w, a)
            }
            fn dot_fn_avx2() -> Option<DotFn<Self, $act>> {
                #[cfg(target_arch = "x86_64")]
                if has_avx2() {
                    fn simd(w: &[$block], a: &[$act]) -> f32 {
                        // SAFETY: this function is only handed out after has_avx2() confirmed that the
                        // CPU supports AVX2, FMA and F16C, the features the kernel is compiled for.
                        unsafe { avx2::$kernel(w, a) }
                    }
                    return Some(simd);
                }
                None
            }
            fn dot4_fn_avx2() -> Option<Dot4Fn<Self, $act>> {
                $(
                    #[cfg(target_arch = "x86_64")]
                    if has_avx2() {
                        fn simd(w: &[$block], a: [&[$act]; 4]) -> [f32; 4] {
                            // SAFETY: handed out only after has_avx2() confirmed the kernel's CPU features.
                            unsafe { avx2::$x4(w, a) }
                        }
                        return Some(simd);
                    }
                )?
                None
            }
            fn dot_fn() -> DotFn<Self, $act> {
                $(
                    #[cfg(target_arch = "x86_64")]
                    if has_avx512() {
                        fn simd(w: &[$block], a: &[$act]) -> f32 {
                            // SAFETY: handed out only after has_avx512() confirmed the kernel's CPU features.
                            unsafe { avx512::$k512(w, a) }
                        }
                        return simd;
                    }
                )?
                #[cfg(target_arch = "aarch64")]
                if has_neon() {
                    return neon::$kernel;
                }
                Self::dot_fn_avx2().unwrap_or(scalar::$kernel)
            }
            fn dot4_fn() -> Option<Dot4Fn<Self, $act>> {
                $(
                    #[cfg(target_arch = "x86_64")]
                    if has_avx512() {
                        fn simd(w: &[$block], a: [&[$act]; 4]) -> [f32; 4] {
                            // SAFETY: handed out only after has_avx512() confirmed the kernel's CPU features.
                            unsafe { avx512::$x4_512(w, a) }
                        }
                        return Some(simd);
                    }
                )?
                Self::dot4_fn_avx2()
            }
        }
    };
}

weight_block!(BlockQ4_0, BlockQ8_0, QK, quantize_q8_0, q4_0, x4 = q4_0_x4);
weight_block!(BlockQ4_1, BlockQ8_1, QK, quantize_q8_1, q4_1, x4 = q4_1_x4);
weight_block!(BlockQ5_0, BlockQ8_0, QK, quantize_q8_0, q5_0);
weight_block!(BlockQ5_1, BlockQ8_1, QK, quantize_q8_1, q5_1);
weight_block!(BlockQ8_0, BlockQ8_0, QK, quantize_q8_0, q8_0, x4 = q8_0_x4);
weight_block!(BlockQ4K, BlockQ8K, QK_K, quantize_q8_k, q4_k, x4 = q4_k_x4, avx512 = q4_k, q4_k_x4);
weight_block!(BlockQ5K, BlockQ8K, QK_K, quantize_q8_k, q5_k, scalar_only);
weight_block!(BlockQ6K, BlockQ8K, QK_K, quantize_q8_k, q6_k, x4 = q6_k_x4, avx512 = q6_k, q6_k_x4);
// Q2_K and Q3_K: AVX2 and NEON kernels on GGML's row layout (not interleaved).
weight_block!(BlockQ2K, BlockQ8K, QK_K, quantize_q8_k, q2_k, x4 = q2_k_x4);
weight_block!(BlockQ3K, BlockQ8K, QK_K, quantize_q8_k, q3_k, x4 = q3_k_x4);

#[cfg(test)]
mod tests;
