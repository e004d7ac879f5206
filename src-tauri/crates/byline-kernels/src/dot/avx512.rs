//! AVX-512 (BW, VL, VNNI) kernels for the k-quants, the types of the Q4_K_M files most reporters download.
//! Called only after [`super::has_avx512`] said yes; the AVX2 kernels stay the fallback.
//!
//! Two things shrink the work of a block. A 512-bit register holds two sub-blocks: the low and high nibbles of
//! one 32-byte chunk of Q4_K sit side by side and meet the 64 contiguous activation bytes they multiply,
//! (and two quarters of a Q6_K half meet four groups). And VNNI's `dpwssd` multiplies the pairwise i16
//! products by the sub-block scales and adds them to the running i32 sums in one instruction, where AVX2
//! needs a multiply-add and an add.

use std::arch::x86_64::*;

use super::avx2::{bsum_pairs, h2f2, hsum, hsum128, load, q4k_scales, q6k_d, q6k_offsets, q6k_quarters, widen_u8};
use crate::blocks::*;

/// 64 activation bytes.
#[inline]
#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vnni,avx2,fma,f16c")]
fn load64(bytes: &[i8]) -> __m512i {
    let bytes: &[i8; 64] = bytes[..64].try_into().unwrap_or(&[0; 64]);
    // SAFETY: `bytes` is exactly 64 readable bytes; loadu has no alignment requirement.
    unsafe { _mm512_loadu_si512(bytes.as_ptr().cast()) }
}

/// Two 256-bit halves as one register, `lo` below.
#[inline]
#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vnni,avx2,fma,f16c")]
fn join(lo: __m256i, hi: __m256i) -> __m512i {
    _mm512_inserti64x4(_mm512_castsi256_si512(lo), hi, 1)
}

/// A shuffle that repeats i16 lane `k[l]` across 128-bit lane l, for a register whose every 128-bit lane
/// holds the same eight i16 scales.
#[inline]
#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vnni,avx2,fma,f16c")]
fn pick_i16(k: [usize; 4]) -> __m512i {
    let pair = |k: usize| (((2 * k + 1) << 8) | (2 * k)) as i16;
    join(
        _mm256_set_m128i(_mm_set1_epi16(pair(k[1])), _mm_set1_epi16(pair(k[0]))),
        _mm256_set_m128i(_mm_set1_epi16(pair(k[3])), _mm_set1_epi16(pair(k[2]))),
    )
}

/// The 64 unsigned nibbles of Q4_K chunk `j`: sub-block 2j in the low half, 2j + 1 in the high half.
#[inline]
#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vnni,avx2,fma,f16c")]
fn q4k_chunk(w: &BlockQ4K, j: usize) -> __m512i {
    let q = load(w.qs[32 * j..32 * j + 32].try_into().unwrap_or(&[0; 32]));
    _mm512_and_si512(join(q, _mm256_srli_epi16(q, 4)), _mm512_set1_epi8(0x0F))
}

#[inline]
#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vnni,avx2,fma,f16c")]
fn q4k_chunk_scale(j: usize) -> __m512i {
    pick_i16([2 * j, 2 * j, 2 * j + 1, 2 * j + 1])
}

#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vnni,avx2,fma,f16c")]
pub fn q4_k(w: &[BlockQ4K], a: &[BlockQ8K]) -> f32 {
    let (mut acc, mut mins) = (_mm512_setzero_ps(), _mm_setzero_ps());
    for (w, a) in w.iter().zip(a) {
        let (scales, m) = q4k_scales(&w.scales);
        let (d, dmin) = h2f2(w.d, w.dmin);
        let msum = _mm_madd_epi16(widen_u8(m), bsum_pairs(a));
        mins = _mm_fmadd_ps(_mm_set1_ps(a.d * dmin), _mm_cvtepi32_ps(msum), mins);
        let sc = _mm512_broadcast_i32x4(widen_u8(scales));
        let mut sum = _mm512_setzero_si512();
        for j in 0..4 {
            let p = _mm512_maddubs_epi16(q4k_chunk(w, j), load64(&a.qs[64 * j..]));
            sum = _mm512_dpwssd_epi32(sum, p, _mm512_shuffle_epi8(sc, q4k_chunk_scale(j)));
        }
        acc = _mm512_fmadd_ps(_mm512_set1_ps(a.d * d), _mm512_cvtepi32_ps(sum), acc);
    }
    _mm512_reduce_add_ps(acc) - hsum128(mins)
}

#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vnni,avx2,fma,f16c")]
pub fn q4_k_x4(w: &[BlockQ4K], a: [&[BlockQ8K]; 4]) -> [f32; 4] {
    let mut acc = [_mm512_setzero_ps(); 4];
    for (i, w) in w.iter().enumerate() {
        let (scales, m) = q4k_scales(&w.scales);
        let (d, dmin) = h2f2(w.d, w.dmin);
        let sc = _mm512_broadcast_i32x4(widen_u8(scales));
        let mut sum = [_mm512_setzero_si512(); 4];
        for j in 0..4 {
            let (x, s) = (q4k_chunk(w, j), _mm512_shuffle_epi8(sc, q4k_chunk_scale(j)));
            for k in 0..4 {
                let p = _mm512_maddubs_epi16(x, load64(&a[k][i].qs[64 * j..]));
                sum[k] = _mm512_dpwssd_epi32(sum[k], p, s);
            }
        }
        let m = widen_u8(m);
        for k in 0..4 {
            let b = &a[k][i];
            // The mins term rides in the low lanes of the same accumulator (all lanes are summed at the end).
            let msum = _mm512_zextsi128_si512(_mm_madd_epi16(m, bsum_pairs(b)));
            acc[k] = _mm512_fmadd_ps(_mm512_set1_ps(-b.d * dmin), _mm512_cvtepi32_ps(msum), acc[k]);
            acc[k] = _mm512_fmadd_ps(_mm512_set1_ps(b.d * d), _mm512_cvtepi32_ps(sum[k]), acc[k]);
        }
    }
    std::array::from_fn(|k| _mm512_reduce_add_ps(acc[k]))
}

/// The scales of half `half` of a Q6_K block as i16, repeated in every 128-bit lane.
#[inline]
#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vnni,avx2,fma,f16c")]
fn q6k_scales(w: &BlockQ6K, half: usize) -> __m512i {
    let bytes: [u8; 8] = std::array::from_fn(|i| w.scales[8 * half + i] as u8);
    _mm512_broadcast_i32x4(_mm_cvtepi8_epi16(_mm_cvtsi64_si128(i64::from_le_bytes(bytes))))
}

/// Quarters 2p and 2p + 1 of a half cover groups 4p..4p + 4 of it, one per 128-bit lane.
#[inline]
#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vnni,avx2,fma,f16c")]
fn q6k_pair_scale(p: usize) -> __m512i {
    pick_i16([4 * p, 4 * p + 1, 4 * p + 2, 4 * p + 3])
}

/// Sixteen i32 sums folded to eight.
#[inline]
#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vnni,avx2,fma,f16c")]
fn fold(sum: __m512i) -> __m256i {
    _mm256_add_epi32(_mm512_castsi512_si256(sum), _mm512_extracti64x4_epi64(sum, 1))
}

#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vnni,avx2,fma,f16c")]
pub fn q6_k(w: &[BlockQ6K], a: &[BlockQ8K]) -> f32 {
    let mut acc = _mm256_setzero_ps();
    for (w, a) in w.iter().zip(a) {
        let mut sum = _mm512_setzero_si512();
        for half in 0..2 {
            let (q, sc) = (q6k_quarters(w, half), q6k_scales(w, half));
            for p in 0..2 {
                let x = join(q[2 * p], q[2 * p + 1]);
                let prod = _mm512_maddubs_epi16(x, load64(&a.qs[16 * (8 * half + 4 * p)..]));
                sum = _mm512_dpwssd_epi32(sum, prod, _mm512_shuffle_epi8(sc, q6k_pair_scale(p)));
            }
        }
        // Every value is q - 32: subtract 32 · Σ scale · group sum.
        let sum = _mm256_sub_epi32(fold(sum), _mm256_slli_epi32(q6k_offsets(w, a), 5));
        acc = _mm256_fmadd_ps(_mm256_set1_ps(a.d * q6k_d(w)), _mm256_cvtepi32_ps(sum), acc);
    }
    hsum(acc)
}

#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vnni,avx2,fma,f16c")]
pub fn q6_k_x4(w: &[BlockQ6K], a: [&[BlockQ8K]; 4]) -> [f32; 4] {
    let mut acc = [_mm256_setzero_ps(); 4];
    for (i, w) in w.iter().enumerate() {
        let mut sum = [_mm512_setzero_si512(); 4];
        for half in 0..2 {
            let (q, sc) = (q6k_quarters(w, half), q6k_scales(w, half));
            for p in 0..2 {
                let (x, s) = (join(q[2 * p], q[2 * p + 1]), _mm512_shuffle_epi8(sc, q6k_pair_scale(p)));
                for t in 0..4 {
                    let prod = _mm512_maddubs_epi16(x, load64(&a[t][i].qs[16 * (8 * half + 4 * p)..]));
                    sum[t] = _mm512_dpwssd_epi32(sum[t], prod, s);
                }
            }
        }
        let d = q6k_d(w);
        for t in 0..4 {
            let b = &a[t][i];
            let s = _mm256_sub_epi32(fold(sum[t]), _mm256_slli_epi32(q6k_offsets(w, b), 5));
            acc[t] = _mm256_fmadd_ps(_mm256_set1_ps(b.d * d), _mm256_cvtepi32_ps(s), acc[t]);
        }
    }
    std::array::from_fn(|t| hsum(acc[t]))
}
