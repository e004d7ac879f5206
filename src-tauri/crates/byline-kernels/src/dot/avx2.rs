//! AVX2 + FMA (+ F16C, which every AVX2 CPU has) dot products, compiled for every x86-64 build but only called after
//! `is_x86_feature_detected!` said yes (see [`super::WeightBlock::dot_fn`]).
//!
//! The idea is GGML's: expand each block to 32 signed or unsigned bytes, multiply with the activation bytes
//! by `maddubs` (unsigned × signed → pairs summed to i16), widen to i32 with `madd`, and fold the block
//! scale in with one float FMA per block. `maddubs` needs an unsigned left operand, so signed × signed
//! products move the sign onto the right operand first.

use std::arch::x86_64::*;

use crate::blocks::*;

/// Two halves widened in hardware, `[a, b, 0, 0]` (the software conversion costs more than the integer work
/// of a block).
///
/// Both come from one 32-bit move, which writes the whole register. Widening a lone 16-bit value lets the
/// compiler insert it into whatever register it likes (once, the running sum of the offsets), which chains
/// every block to the previous block's result and cost half the kernel's speed. Callers use both lanes.
#[inline]
#[target_feature(enable = "avx2,fma,f16c")]
fn halves(a: u16, b: u16) -> __m128 {
    _mm_cvtph_ps(_mm_cvtsi32_si128((u32::from(a) | (u32::from(b) << 16)) as i32))
}

/// Two halves as floats.
#[inline]
#[target_feature(enable = "avx2,fma,f16c")]
pub(super) fn h2f2(a: u16, b: u16) -> (f32, f32) {
    let v = halves(a, b);
    (_mm_cvtss_f32(v), _mm_cvtss_f32(_mm_movehdup_ps(v)))
}

#[inline]
#[target_feature(enable = "avx2,fma,f16c")]
pub(super) fn load(bytes: &[u8; 32]) -> __m256i {
    // SAFETY: the reference covers 32 readable bytes; loadu has no alignment requirement.
    unsafe { _mm256_loadu_si256(bytes.as_ptr().cast()) }
}

#[inline]
#[target_feature(enable = "avx2,fma,f16c")]
pub(super) fn load_i8(bytes: &[i8]) -> __m256i {
    let bytes: &[i8; 32] = bytes[..32].try_into().unwrap_or(&[0; 32]);
    // SAFETY: `bytes` is exactly 32 readable bytes; loadu has no alignment requirement.
    unsafe { _mm256_loadu_si256(bytes.as_ptr().cast()) }
}

/// The 32 nibbles of a legacy 4-bit block: low nibbles in the low lane (elements 0..16), high ones above.
#[inline]
#[target_feature(enable = "avx2,fma,f16c")]
fn nibbles(qs: &[u8; 16]) -> __m256i {
    // SAFETY: the reference covers 16 readable bytes; loadu has no alignment requirement.
    let lo = unsafe { _mm_loadu_si128(qs.as_ptr().cast()) };
    let both = _mm256_set_m128i(_mm_srli_epi16(lo, 4), lo);
    _mm256_and_si256(both, _mm256_set1_epi8(0x0F))
}

/// Byte k is 0xFF where bit k of the little-endian `qh` is set: each byte gets its source byte by a
/// shuffle, then the bit for its position is tested.
#[inline]
#[target_feature(enable = "avx2,fma,f16c")]
fn bits(qh: [u8; 4]) -> __m256i {
    let spread = _mm256_set_epi64x(0x0303030303030303, 0x0202020202020202, 0x0101010101010101, 0);
    let bytes = _mm256_shuffle_epi8(_mm256_set1_epi32(i32::from_le_bytes(qh)), spread);
    let mask = _mm256_set1_epi64x(0x8040201008040201u64 as i64);
    _mm256_cmpeq_epi8(_mm256_and_si256(bytes, mask), mask)
}

/// Sum of products of unsigned `x` bytes and signed `y` bytes, as eight i32 lanes.
#[inline]
#[target_feature(enable = "avx2,fma,f16c")]
fn dot_us(x: __m256i, y: __m256i) -> __m256i {
    _mm256_madd_epi16(_mm256_maddubs_epi16(x, y), _mm256_set1_epi16(1))
}

/// Sum of products of signed `x` and signed `y` bytes: |x| × (y with x's sign).
#[inline]
#[target_feature(enable = "avx2,fma,f16c")]
fn dot_ss(x: __m256i, y: __m256i) -> __m256 {
    _mm256_cvtepi32_ps(dot_us(_mm256_sign_epi8(x, x), _mm256_sign_epi8(y, x)))
}

#[inline]
#[target_feature(enable = "avx2,fma,f16c")]
pub(super) fn hsum(v: __m256) -> f32 {
    let s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    let s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    _mm_cvtss_f32(_mm_add_ss(s, _mm_movehdup_ps(s)))
}

#[inline]
#[target_feature(enable = "avx2,fma,f16c")]
fn scale(a: u16, b: u16) -> __m256 {
    let v = halves(a, b);
    _mm256_broadcastss_ps(_mm_mul_ss(v, _mm_movehdup_ps(v)))
}

/// For the types with a minimum: `[dw * da, mw * sa, 0, 0]` from the weight block's (d, m) and the
/// activation block's (d, s).
#[inline]
#[target_feature(enable = "avx2,fma,f16c")]
fn scale_and_offset(dw: u16, mw: u16, da: u16, sa: u16) -> __m128 {
    _mm_mul_ps(halves(dw, mw), halves(da, sa))
}

#[target_feature(enable = "avx2,fma,f16c")]
pub fn q4_0(w: &[BlockQ4_0], a: &[BlockQ8_0]) -> f32 {
    let mut acc = _mm256_setzero_ps();
    for (w, a) in w.iter().zip(a) {
        let x = _mm256_sub_epi8(nibbles(&w.qs), _mm256_set1_epi8(8));
        acc = _mm256_fmadd_ps(scale(w.d, a.d), dot_ss(x, load_i8(&a.qs)), acc);
    }
    hsum(acc)
}

#[target_feature(enable = "avx2,fma,f16c")]
pub fn q4_1(w: &[BlockQ4_1], a: &[BlockQ8_1]) -> f32 {
    let (mut acc, mut offsets) = (_mm256_setzero_ps(), _mm_setzero_ps());
    for (w, a) in w.iter().zip(a) {
        let so = scale_and_offset(w.d, w.m, a.d, a.s);
        offsets = _mm_add_ps(offsets, so);
        let xy = _mm256_cvtepi32_ps(dot_us(nibbles(&w.qs), load_i8(&a.qs)));
        acc = _mm256_fmadd_ps(_mm256_broadcastss_ps(so), xy, acc);
    }
    hsum(acc) + _mm_cvtss_f32(_mm_movehdup_ps(offsets))
}

#[target_feature(enable = "avx2,fma,f16c")]
pub fn q5_0(w: &[BlockQ5_0], a: &[BlockQ8_0]) -> f32 {
    let mut acc = _mm256_setzero_ps();
    for (w, a) in w.iter().zip(a) {
        // q - 16 as a signed byte is the nibble with 0xF0 on top when bit 4 is clear, the nibble alone when set.
        let high = _mm256_andnot_si256(bits(w.qh), _mm256_set1_epi8(0xF0u8 as i8));
        let x = _mm256_or_si256(nibbles(&w.qs), high);
        acc = _mm256_fmadd_ps(scale(w.d, a.d), dot_ss(x, load_i8(&a.qs)), acc);
    }
    hsum(acc)
}

#[target_feature(enable = "avx2,fma,f16c")]
pub fn q5_1(w: &[BlockQ5_1], a: &[BlockQ8_1]) -> f32 {
    let (mut acc, mut offsets) = (_mm256_setzero_ps(), _mm_setzero_ps());
    for (w, a) in w.iter().zip(a) {
        let so = scale_and_offset(w.d, w.m, a.d, a.s);
        offsets = _mm_add_ps(offsets, so);
        let x = _mm256_or_si256(nibbles(&w.qs), _mm256_and_si256(bits(w.qh), _mm256_set1_epi8(0x10)));
        let xy = _mm256_cvtepi32_ps(dot_us(x, load_i8(&a.qs)));
        acc = _mm256_fmadd_ps(_mm256_broadcastss_ps(so), xy, acc);
    }
    hsum(acc) + _mm_cvtss_f32(_mm_movehdup_ps(offsets))
}

#[target_feature(enable = "avx2,fma,f16c")]
pub fn q8_0(w: &[BlockQ8_0], a: &[BlockQ8_0]) -> f32 {
    let mut acc = _mm256_setzero_ps();
    for (w, a) in w.iter().zip(a) {
        acc = _mm256_fmadd_ps(scale(w.d, a.d), dot_ss(load_i8(&w.qs), load_i8(&a.qs)), acc);
    }
    hsum(acc)
}

/// The eight 6-bit scales and the eight 6-bit mins of a Q4_K block, one per byte, worked out on three
/// 32-bit words at once (the layout is in [`q4k_scale_min`]).
#[inline]
pub(super) fn q4k_scales(s: &[u8; 12]) -> (u64, u64) {
    const LOW6: u32 = 0x3f3f_3f3f;
    const LOW4: u32 = 0x0f0f_0f0f;
    const TOP2: u32 = 0x0303_0303;
    let word = |i: usize| u32::from_le_bytes([s[4 * i], s[4 * i + 1], s[4 * i + 2], s[4 * i + 3]]);
    let (w0, w1, w2) = (word(0), word(1), word(2));
    // Sub-blocks 0..4 sit in the low six bits of bytes 0..4 (scales) and 4..8 (mins); 4..8 take a nibble of
    // bytes 8..12 with the top two bits of bytes 0..4 (scales) or 4..8 (mins) above it.
    let scales = (w0 & LOW6) as u64 | ((((w2 & LOW4) | (((w0 >> 6) & TOP2) << 4)) as u64) << 32);
    let mins = (w1 & LOW6) as u64 | (((((w2 >> 4) & LOW4) | (((w1 >> 6) & TOP2) << 4)) as u64) << 32);
    (scales, mins)
}

/// Eight unsigned bytes widened to i16.
#[inline]
#[target_feature(enable = "avx2,fma,f16c")]
pub(super) fn widen_u8(bytes: u64) -> __m128i {
    _mm_cvtepu8_epi16(_mm_cvtsi64_si128(bytes as i64))
}

/// A shuffle that repeats i16 lane `k` of each 128-bit lane across it.
#[inline]
#[target_feature(enable = "avx2,fma,f16c")]
fn repeat_i16(k: usize) -> __m256i {
    let pair = (((2 * k + 1) << 8) | (2 * k)) as i16;
    _mm256_set1_epi16(pair)
}

/// The 16 activation group sums of a Q8_K block, added in pairs: the sums of the 8 sub-blocks of 32.
#[inline]
#[target_feature(enable = "avx2,fma,f16c")]
pub(super) fn bsum_pairs(a: &BlockQ8K) -> __m128i {
    // SAFETY: bsums is 16 i16 = 32 readable bytes; loadu has no alignment requirement.
    let b = unsafe { _mm256_loadu_si256(a.bsums.as_ptr().cast()) };
    _mm_hadd_epi16(_mm256_castsi256_si128(b), _mm256_extracti128_si256(b, 1))
}

/// The 16 group sums of a Q8_K block.
#[inline]
#[target_feature(enable = "avx2,fma,f16c")]
fn bsums(a: &BlockQ8K) -> __m256i {
    // SAFETY: bsums is 16 i16 = 32 readable bytes; loadu has no alignment requirement.
    unsafe { _mm256_loadu_si256(a.bsums.as_ptr().cast()) }
}

#[inline]
#[target_feature(enable = "avx2,fma,f16c")]
pub(super) fn hsum128(v: __m128) -> f32 {
    let s = _mm_add_ps(v, _mm_movehl_ps(v, v));
    _mm_cvtss_f32(_mm_add_ss(s, _mm_movehdup_ps(s)))
}

/// One Q4_K block against one Q8_K block: Σ scale_j · q · a as eight i32 lanes, with the block's scales
/// repeated per sub-block by `sc` (both lanes hold the eight scales as i16).
#[inline]
#[target_feature(enable = "avx2,fma,f16c")]
fn q4k_sums(w: &BlockQ4K, a: &BlockQ8K, sc: __m256i) -> __m256i {
    let low = _mm256_set1_epi8(0x0F);
    let mut sum = _mm256_setzero_si256();
    for j in 0..4 {
        let q = load(w.qs[32 * j..32 * j + 32].try_into().unwrap_or(&[0; 32]));
        let lo = _mm256_and_si256(q, low);
        let hi = _mm256_and_si256(_mm256_srli_epi16(q, 4), low);
        let p0 = _mm256_maddubs_epi16(lo, load_i8(&a.qs[64 * j..]));
        let p1 = _mm256_maddubs_epi16(hi, load_i8(&a.qs[64 * j + 32..]));
        sum = _mm256_add_epi32(sum, _mm256_madd_epi16(p0, _mm256_shuffle_epi8(sc, repeat_i16(2 * j))));
        sum = _mm256_add_epi32(sum, _mm256_madd_epi16(p1, _mm256_shuffle_epi8(sc, repeat_i16(2 * j + 1))));
    }
    sum
}

#[target_feature(enable = "avx2,fma,f16c")]
pub fn q4_k(w: &[BlockQ4K], a: &[BlockQ8K]) -> f32 {
    let (mut acc, mut mins) = (_mm256_setzero_ps(), _mm_setzero_ps());
    for (w, a) in w.iter().zip(a) {
        let (scales, m) = q4k_scales(&w.scales);
        let (d, dmin) = h2f2(w.d, w.dmin);
        // Σ_j min_j · (sum of the activations of sub-block j).
        let msum = _mm_madd_epi16(widen_u8(m), bsum_pairs(a));
        mins = _mm_fmadd_ps(_mm_set1_ps(a.d * dmin), _mm_cvtepi32_ps(msum), mins);
        let sc = _mm256_broadcastsi128_si256(widen_u8(scales));
        acc = _mm256_fmadd_ps(_mm256_set1_ps(a.d * d), _mm256_cvtepi32_ps(q4k_sums(w, a, sc)), acc);
    }
    hsum(acc) - hsum128(mins)
}

#[target_feature(enable = "avx2,fma,f16c")]
pub fn q4_k_x4(w: &[BlockQ4K], a: [&[BlockQ8K]; 4]) -> [f32; 4] {
    // One accumulator per token: the mins term goes into its low lanes (eight float lanes are summed at
    // the end anyway), which keeps the loop's working set in registers.
    let mut acc = [_mm256_setzero_ps(); 4];
    let low = _mm256_set1_epi8(0x0F);
    for (i, w) in w.iter().enumerate() {
        let (scales, m) = q4k_scales(&w.scales);
        let (d, dmin) = h2f2(w.d, w.dmin);
        let sc = _mm256_broadcastsi128_si256(widen_u8(scales));
        let mut sum = [_mm256_setzero_si256(); 4];
        for j in 0..4 {
            let q = load(w.qs[32 * j..32 * j + 32].try_into().unwrap_or(&[0; 32]));
            let lo = _mm256_and_si256(q, low);
            let hi = _mm256_and_si256(_mm256_srli_epi16(q, 4), low);
            let (s0, s1) = (_mm256_shuffle_epi8(sc, repeat_i16(2 * j)), _mm256_shuffle_epi8(sc, repeat_i16(2 * j + 1)));
            for k in 0..4 {
                let b = &a[k][i];
                let p0 = _mm256_madd_epi16(_mm256_maddubs_epi16(lo, load_i8(&b.qs[64 * j..])), s0);
                let p1 = _mm256_madd_epi16(_mm256_maddubs_epi16(hi, load_i8(&b.qs[64 * j + 32..])), s1);
                sum[k] = _mm256_add_epi32(sum[k], _mm256_add_epi32(p0, p1));
            }
        }
        let m = widen_u8(m);
        for k in 0..4 {
            let b = &a[k][i];
            let msum = _mm256_zextsi128_si256(_mm_madd_epi16(m, bsum_pairs(b)));
            acc[k] = _mm256_fmadd_ps(_mm256_set1_ps(-b.d * dmin), _mm256_cvtepi32_ps(msum), acc[k]);
            acc[k] = _mm256_fmadd_ps(_mm256_set1_ps(b.d * d), _mm256_cvtepi32_ps(sum[k]), acc[k]);
        }
    }
    std::array::from_fn(|k| hsum(acc[k]))
}

/// The four quarters of one half (128 elements) of a Q6_K block as unsigned 6-bit bytes, in the order of
/// the activation groups they multiply (groups 8h + 2k and 8h + 2k + 1 for quarter k).
#[inline]
#[target_feature(enable = "avx2,fma,f16c")]
pub(super) fn q6k_quarters(w: &BlockQ6K, half: usize) -> [__m256i; 4] {
    let (m4, m2) = (_mm256_set1_epi8(0x0F), _mm256_set1_epi8(3));
    let ql0 = load(w.ql[64 * half..64 * half + 32].try_into().unwrap_or(&[0; 32]));
    let ql1 = load(w.ql[64 * half + 32..64 * half + 64].try_into().unwrap_or(&[0; 32]));
    let qh = load(w.qh[32 * half..32 * half + 32].try_into().unwrap_or(&[0; 32]));
    // Bit pairs 0..4 of qh, moved to bits 4..6 of each byte (masked first so the 16-bit shifts cannot
    // carry across bytes).
    let h0 = _mm256_slli_epi16(_mm256_and_si256(qh, m2), 4);
    let h1 = _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(qh, 2), m2), 4);
    let h2 = _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(qh, 4), m2), 4);
    let h3 = _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(qh, 6), m2), 4);
    [
        _mm256_or_si256(_mm256_and_si256(ql0, m4), h0),
        _mm256_or_si256(_mm256_and_si256(ql1, m4), h1),
        _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(ql0, 4), m4), h2),
        _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(ql1, 4), m4), h3),
    ]
}

/// The scales of one half of a Q6_K block as i16, both 128-bit lanes holding the eight.
#[inline]
#[target_feature(enable = "avx2,fma,f16c")]
fn q6k_half_scales(w: &BlockQ6K, half: usize) -> __m256i {
    let bytes: [u8; 8] = std::array::from_fn(|i| w.scales[8 * half + i] as u8);
    _mm256_broadcastsi128_si256(_mm_cvtepi8_epi16(_mm_cvtsi64_si128(i64::from_le_bytes(bytes))))
}

/// Quarter k of a half multiplies groups 2k (low 128-bit lane) and 2k + 1 (high lane): a shuffle that puts
/// scale 2k across the low lane and scale 2k + 1 across the high one.
#[inline]
#[target_feature(enable = "avx2,fma,f16c")]
fn q6k_quarter_scale(k: usize) -> __m256i {
    let lo = (((4 * k + 1) << 8) | (4 * k)) as i16;
    let hi = (((4 * k + 3) << 8) | (4 * k + 2)) as i16;
    _mm256_set_m128i(_mm_set1_epi16(hi), _mm_set1_epi16(lo))
}

/// The scale of a Q6_K block times the activation scale, and the block's sum of scale · group sum (its
/// -32 offsets folded into one product) as eight i32 lanes.
#[inline]
#[target_feature(enable = "avx2,fma,f16c")]
pub(super) fn q6k_offsets(w: &BlockQ6K, a: &BlockQ8K) -> __m256i {
    // SAFETY: scales is 16 readable bytes; loadu has no alignment requirement.
    let sc = _mm256_cvtepi8_epi16(unsafe { _mm_loadu_si128(w.scales.as_ptr().cast()) });
    _mm256_madd_epi16(sc, bsums(a))
}

/// The f32 scale of a Q6_K block, converted with integer operations: it is the block's only half, and the
/// compiler turns a lone hardware conversion into an insert that merges into the accumulator's register
/// (see [`halves`]). Exact for every finite half (the multiply by 2^112 rebiases the exponent and
/// normalises subnormals); infinities and NaNs, which no usable weight file holds, come out finite.
#[inline]
pub(crate) fn q6k_d(w: &BlockQ6K) -> f32 {
    let h = u32::from(w.d);
    let magnitude = f32::from_bits((h & 0x7fff) << 13) * f32::from_bits(0x7780_0000);
    if h & 0x8000 != 0 { -magnitude } else { magnitude }
}

#[target_feature(enable = "avx2,fma,f16c")]
pub fn q6_k(w: &[BlockQ6K], a: &[BlockQ8K]) -> f32 {
    let mut acc = _mm256_setzero_ps();
    for (w, a) in w.iter().zip(a) {
        let mut sum = _mm256_setzero_si256();
        for half in 0..2 {
            let sc = q6k_half_scales(w, half);
            for (k, q) in q6k_quarters(w, half).into_iter().enumerate() {
                let g = 8 * half + 2 * k;
                let p = _mm256_maddubs_epi16(q, load_i8(&a.qs[16 * g..]));
                sum = _mm256_add_epi32(sum, _mm256_madd_epi16(p, _mm256_shuffle_epi8(sc, q6k_quarter_scale(k))));
            }
        }
        // Every value is q - 32: subtract 32 · Σ scale · group sum.
        let sum = _mm256_sub_epi32(sum, _mm256_slli_epi32(q6k_offsets(w, a), 5));
        acc = _mm256_fmadd_ps(_mm256_set1_ps(a.d * q6k_d(w)), _mm256_cvtepi32_ps(sum), acc);
    }
    hsum(acc)
}

#[target_feature(enable = "avx2,fma,f16c")]
pub fn q6_k_x4(w: &[BlockQ6K], a: [&[BlockQ8K]; 4]) -> [f32; 4] {
    let mut acc = [_mm256_setzero_ps(); 4];
    for (i, w) in w.iter().enumerate() {
        let mut sum = [_mm256_setzero_si256(); 4];
        for half in 0..2 {
            let sc = q6k_half_scales(w, half);
            for (k, q) in q6k_quarters(w, half).into_iter().enumerate() {
                let g = 8 * half + 2 * k;
                let s = _mm256_shuffle_epi8(sc, q6k_quarter_scale(k));
                for t in 0..4 {
                    let p = _mm256_maddubs_epi16(q, load_i8(&a[t][i].qs[16 * g..]));
                    sum[t] = _mm256_add_epi32(sum[t], _mm256_madd_epi16(p, s));
                }
            }
        }
        let d = q6k_d(w);
        for t in 0..4 {
            let b = &a[t][i];
            let s = _mm256_sub_epi32(sum[t], _mm256_slli_epi32(q6k_offsets(w, b), 5));
            acc[t] = _mm256_fmadd_ps(_mm256_set1_ps(b.d * d), _mm256_cvtepi32_ps(s), acc[t]);
        }
    }
    std::array::from_fn(|t| hsum(acc[t]))
}

/// Four activation rows against one weight row: each weight block is expanded once and used four times,
/// which is where batched prefill gains over decoding one token at a time.
#[target_feature(enable = "avx2,fma,f16c")]
pub fn q4_1_x4(w: &[BlockQ4_1], a: [&[BlockQ8_1]; 4]) -> [f32; 4] {
    let mut acc = [_mm256_setzero_ps(); 4];
    let mut offsets = [_mm_setzero_ps(); 4];
    for (i, w) in w.iter().enumerate() {
        let x = nibbles(&w.qs);
        let dm = halves(w.d, w.m);
        for k in 0..4 {
            let b = &a[k][i];
            let so = _mm_mul_ps(dm, halves(b.d, b.s));
            offsets[k] = _mm_add_ps(offsets[k], so);
            let xy = _mm256_cvtepi32_ps(dot_us(x, load_i8(&b.qs)));
            acc[k] = _mm256_fmadd_ps(_mm256_broadcastss_ps(so), xy, acc[k]);
        }
    }
    std::array::from_fn(|k| hsum(acc[k]) + _mm_cvtss_f32(_mm_movehdup_ps(offsets[k])))
}

#[target_feature(enable = "avx2,fma,f16c")]
pub fn q4_0_x4(w: &[BlockQ4_0], a: [&[BlockQ8_0]; 4]) -> [f32; 4] {
    let mut acc = [_mm256_setzero_ps(); 4];
    for (i, w) in w.iter().enumerate() {
        let x = _mm256_sub_epi8(nibbles(&w.qs), _mm256_set1_epi8(8));
        let ax = _mm256_sign_epi8(x, x);
        for k in 0..4 {
            let b = &a[k][i];
            let xy = _mm256_cvtepi32_ps(dot_us(ax, _mm256_sign_epi8(load_i8(&b.qs), x)));
            acc[k] = _mm256_fmadd_ps(scale(w.d, b.d), xy, acc[k]);
        }
    }
    std::array::from_fn(|k| hsum(acc[k]))
}

#[target_feature(enable = "avx2,fma,f16c")]
pub fn q8_0_x4(w: &[BlockQ8_0], a: [&[BlockQ8_0]; 4]) -> [f32; 4] {
    let mut acc = [_mm256_setzero_ps(); 4];
    for (i, w) in w.iter().enumerate() {
        let x = load_i8(&w.qs);
        let ax = _mm256_sign_epi8(x, x);
        for k in 0..4 {
            let b = &a[k][i];
            let xy = _mm256_cvtepi32_ps(dot_us(ax, _mm256_sign_epi8(load_i8(&b.qs), x)));
            acc[k] = _mm256_fmadd_ps(scale(w.d, b.d), xy, acc[k]);
        }
    }
    std::array::from_fn(|k| hsum(acc[k]))
}

/// Sixteen group scales as i16, laid out for the products of [`grouped_sum`]: entry 4 · half + k puts the
/// scale of group 8 · half + 2k across the low 128-bit lane and that of group 8 · half + 2k + 1 across the
/// high one (quarter k of a half covers those two groups). Built once per weight block, used for every row
/// of activations.
#[inline]
#[target_feature(enable = "avx2,fma,f16c")]
fn quarter_scales(scales: __m128i) -> [__m256i; 8] {
    let wide = _mm256_cvtepi8_epi16(scales);
    let halves = [_mm256_permute2x128_si256(wide, wide, 0x00), _mm256_permute2x128_si256(wide, wide, 0x11)];
    std::array::from_fn(|i| _mm256_shuffle_epi8(halves[i / 4], q6k_quarter_scale(i % 4)))
}

#[inline]
#[target_feature(enable = "avx2,fma,f16c")]
fn load16(bytes: &[u8; 16]) -> __m128i {
    // SAFETY: the reference covers 16 readable bytes; loadu has no alignment requirement.
    unsafe { _mm_loadu_si128(bytes.as_ptr().cast()) }
}

/// Q2_K's scales (low nibbles) and mins (high nibbles) of one block, as bytes.
#[inline]
#[target_feature(enable = "avx2,fma,f16c")]
fn q2k_scales_mins(w: &BlockQ2K) -> (__m128i, __m128i) {
    let both = load16(&w.scales);
    let m4 = _mm_set1_epi8(0xF);
    (_mm_and_si128(both, m4), _mm_and_si128(_mm_srli_epi16(both, 4), m4))
}

/// Q3_K's sixteen six-bit scales less 32, as bytes: the same unpacking as [`q3k_scales`], four 32-bit words
/// at a time.
#[inline]
#[target_feature(enable = "avx2,fma,f16c")]
fn q3k_scales_simd(w: &BlockQ3K) -> __m128i {
    let word =
        |i: usize| u32::from_le_bytes([w.scales[4 * i], w.scales[4 * i + 1], w.scales[4 * i + 2], w.scales[4 * i + 3]]);
    let (a0, a1, tmp) = (word(0), word(1), word(2));
    let (k1, k2) = (0x0303_0303u32, 0x0f0f_0f0fu32);
    let s0 = (a0 & k2) | ((tmp & k1) << 4);
    let s1 = (a1 & k2) | (((tmp >> 2) & k1) << 4);
    let s2 = ((a0 >> 4) & k2) | (((tmp >> 4) & k1) << 4);
    let s3 = ((a1 >> 4) & k2) | (((tmp >> 6) & k1) << 4);
    _mm_sub_epi8(_mm_set_epi32(s3 as i32, s2 as i32, s1 as i32, s0 as i32), _mm_set1_epi8(32))
}

/// The four quarters of one half (32 bytes of `qs`) of a 2-bit block: bit pair k of every byte, 0..4.
#[inline]
#[target_feature(enable = "avx2,fma,f16c")]
fn two_bit_quarters(qs: &[u8; QK_K / 4], half: usize) -> [__m256i; 4] {
    let q = load(qs[32 * half..32 * half + 32].try_into().unwrap_or(&[0; 32]));
    let m3 = _mm256_set1_epi8(3);
    [
        _mm256_and_si256(q, m3),
        _mm256_and_si256(_mm256_srli_epi16(q, 2), m3),
        _mm256_and_si256(_mm256_srli_epi16(q, 4), m3),
        _mm256_and_si256(_mm256_srli_epi16(q, 6), m3),
    ]
}

/// Q3_K's high bits for quarter k of a half, as 0 or 4 per byte: 4 where the bit is set. Shifting 16-bit
/// lanes right by up to 7 keeps bit `bit` of each byte in that byte's lowest bit.
#[inline]
#[target_feature(enable = "avx2,fma,f16c")]
fn q3k_high(hmask: __m256i, bit: usize) -> __m256i {
    let one = _mm256_and_si256(_mm256_srl_epi16(hmask, _mm_cvtsi32_si128(bit as i32)), _mm256_set1_epi8(1));
    _mm256_slli_epi16(one, 2)
}

/// One weight block's Σ scale · q · a over the 16 groups (as eight i32 lanes), the quarters of each half
/// given by `quarters` and the scales by [`quarter_scales`].
#[inline]
#[target_feature(enable = "avx2,fma,f16c")]
fn grouped_sum(scales: &[__m256i; 8], quarters: &[[__m256i; 4]; 2], a: &BlockQ8K) -> __m256i {
    let mut sum = _mm256_setzero_si256();
    for half in 0..2 {
        for (k, &q) in quarters[half].iter().enumerate() {
            let p = _mm256_maddubs_epi16(q, load_i8(&a.qs[16 * (8 * half + 2 * k)..]));
            sum = _mm256_add_epi32(sum, _mm256_madd_epi16(p, scales[4 * half + k]));
        }
    }
    sum
}

/// Q2_K: Σ (sc & 15) · q · a per group by `maddubs` (q in 0..4 is unsigned), the mins folded in through the
/// activation's group sums.
#[target_feature(enable = "avx2,fma,f16c")]
pub fn q2_k(w: &[BlockQ2K], a: &[BlockQ8K]) -> f32 {
    q2_k_rows(w, [a])[0]
}

#[target_feature(enable = "avx2,fma,f16c")]
pub fn q2_k_x4(w: &[BlockQ2K], a: [&[BlockQ8K]; 4]) -> [f32; 4] {
    q2_k_rows(w, a)
}

/// One Q2_K weight row against `N` activation rows; each block is expanded once.
#[inline]
#[target_feature(enable = "avx2,fma,f16c")]
fn q2_k_rows<const N: usize>(w: &[BlockQ2K], a: [&[BlockQ8K]; N]) -> [f32; N] {
    let mut acc = [_mm256_setzero_ps(); N];
    for (i, w) in w.iter().enumerate() {
        let (scales, mins) = q2k_scales_mins(w);
        let (scales, mins) = (quarter_scales(scales), _mm256_cvtepi8_epi16(mins));
        let quarters = [two_bit_quarters(&w.qs, 0), two_bit_quarters(&w.qs, 1)];
        let (d, dmin) = h2f2(w.d, w.dmin);
        for t in 0..N {
            let b = &a[t][i];
            let sum = grouped_sum(&scales, &quarters, b);
            acc[t] = _mm256_fmadd_ps(_mm256_set1_ps(b.d * d), _mm256_cvtepi32_ps(sum), acc[t]);
            let m = _mm256_cvtepi32_ps(_mm256_madd_epi16(mins, bsums(b)));
            acc[t] = _mm256_fnmadd_ps(_mm256_set1_ps(b.d * dmin), m, acc[t]);
        }
    }
    std::array::from_fn(|t| hsum(acc[t]))
}

/// The unsigned values of one half of a Q3_K block, q + 4 in 0..8, by quarter.
#[inline]
#[target_feature(enable = "avx2,fma,f16c")]
fn q3k_quarters(w: &BlockQ3K, hmask: __m256i, half: usize) -> [__m256i; 4] {
    let low = two_bit_quarters(&w.qs, half);
    std::array::from_fn(|k| _mm256_or_si256(low[k], q3k_high(hmask, 4 * half + k)))
}

/// Q3_K: the values are stored as q + 4 (0..8, unsigned for `maddubs`), and 4 · Σ scale · group sum is
/// taken off at the end, as Q6_K does with its 32.
#[target_feature(enable = "avx2,fma,f16c")]
pub fn q3_k(w: &[BlockQ3K], a: &[BlockQ8K]) -> f32 {
    q3_k_rows(w, [a])[0]
}

#[target_feature(enable = "avx2,fma,f16c")]
pub fn q3_k_x4(w: &[BlockQ3K], a: [&[BlockQ8K]; 4]) -> [f32; 4] {
    q3_k_rows(w, a)
}

#[inline]
#[target_feature(enable = "avx2,fma,f16c")]
fn q3_k_rows<const N: usize>(w: &[BlockQ3K], a: [&[BlockQ8K]; N]) -> [f32; N] {
    let mut acc = [_mm256_setzero_ps(); N];
    for (i, w) in w.iter().enumerate() {
        let scales8 = q3k_scales_simd(w);
        let (scales, wide) = (quarter_scales(scales8), _mm256_cvtepi8_epi16(scales8));
        let hmask = load(&w.hmask);
        let quarters = [q3k_quarters(w, hmask, 0), q3k_quarters(w, hmask, 1)];
        let (d, _) = h2f2(w.d, 0);
        for t in 0..N {
            let b = &a[t][i];
            let offsets = _mm256_madd_epi16(wide, bsums(b));
            let sum = _mm256_sub_epi32(grouped_sum(&scales, &quarters, b), _mm256_slli_epi32(offsets, 2));
            acc[t] = _mm256_fmadd_ps(_mm256_set1_ps(b.d * d), _mm256_cvtepi32_ps(sum), acc[t]);
        }
    }
    std::array::from_fn(|t| hsum(acc[t]))
}
