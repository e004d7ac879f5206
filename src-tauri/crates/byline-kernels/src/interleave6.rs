//! Q6_K weights interleaved sixteen rows at a time, the way [`crate::interleave`] does Q4_K: four 6-bit
//! values of each row side by side in a 64-byte register, one `maddubs` for all sixteen rows, the signed
//! 8-bit scales of the 16-element groups applied lane by lane, and the `- 32` of every value taken off once
//! per block through the activation sums. The repacking is exact.

use crate::blocks::*;
use crate::interleave::{Acts, GroupFn, ROWS};

/// Block b (256 elements) of sixteen consecutive Q6_K rows: each group of 16 elements' data together, so
/// a block is read front to back in one stream (three streams a block apart cost single-token decoding
/// more than half its speed on a large matrix).
#[derive(Clone, Copy, Debug)]
#[repr(C)]
pub struct BlockQ6Kx16 {
    pub groups: [Group; 16],
    /// Each row's f16 scale.
    pub d: [u16; ROWS],
}

/// Group g (16 elements) of sixteen rows.
#[derive(Clone, Copy, Debug)]
#[repr(C)]
pub struct Group {
    /// `ql[k][4r + e]`: the low four bits of row r's element 4k + e in the low nibble, of element
    /// 4(k + 2) + e in the high nibble.
    pub ql: [[u8; 4 * ROWS]; 2],
    /// `qh[4r + e]`: bits 2s and 2s + 1 are the top two bits of row r's element 4s + e.
    pub qh: [u8; 4 * ROWS],
    /// `scales[2r]` and `scales[2r + 1]`: row r's scale.
    pub scales: [i8; 2 * ROWS],
}

const EMPTY: BlockQ6Kx16 = BlockQ6Kx16 {
    groups: [Group { ql: [[0; 4 * ROWS]; 2], qh: [0; 4 * ROWS], scales: [0; 2 * ROWS] }; 16],
    d: [0; ROWS],
};

fn fill(x: &mut BlockQ6Kx16, r: usize, w: &BlockQ6K) {
    x.d[r] = w.d;
    let v = q6k_values(w);
    for g in 0..16 {
        x.groups[g].scales[2 * r] = w.scales[g];
        x.groups[g].scales[2 * r + 1] = w.scales[g];
        for s in 0..4 {
            for e in 0..4 {
                let q = v[16 * g + 4 * s + e];
                x.groups[g].ql[s % 2][4 * r + e] |= (q & 0xF) << (4 * (s / 2));
                x.groups[g].qh[4 * r + e] |= (q >> 4) << (2 * s);
            }
        }
    }
}

/// Interleaves `rows` rows (a multiple of [`ROWS`]) of `per_row` Q6_K blocks each, groups in parallel on
/// the current thread pool.
pub fn repack(blocks: &[BlockQ6K], rows: usize, per_row: usize) -> Vec<BlockQ6Kx16> {
    assert!(rows.is_multiple_of(ROWS) && blocks.len() == rows * per_row, "repack shape");
    crate::interleave::repack_groups(rows, per_row, EMPTY, |x, r, i| fill(x, r, &blocks[i]))
}

/// [`repack`] straight from a Q6_K tensor's bytes as GGUF stores them (no copy in the row layout first).
pub fn repack_bytes(bytes: &[u8], rows: usize, per_row: usize) -> Vec<BlockQ6Kx16> {
    const SIZE: usize = size_of::<BlockQ6K>();
    assert!(rows.is_multiple_of(ROWS) && bytes.len() == rows * per_row * SIZE, "repack shape");
    crate::interleave::repack_groups(rows, per_row, EMPTY, |x, r, i| {
        let b = &bytes[i * SIZE..(i + 1) * SIZE];
        let mut w = BlockQ6K { ql: [0; QK_K / 2], qh: [0; QK_K / 4], scales: [0; QK_K / 16], d: 0 };
        w.ql.copy_from_slice(&b[..128]);
        w.qh.copy_from_slice(&b[128..192]);
        for (s, &v) in w.scales.iter_mut().zip(&b[192..208]) {
            *s = v as i8;
        }
        w.d = u16::from_le_bytes([b[208], b[209]]);
        fill(x, r, &w)
    })
}

/// Row r's GGML block (the inverse of the packing [`q6k_values`] reads).
pub fn row(x: &BlockQ6Kx16, r: usize) -> BlockQ6K {
    let mut v = [0u8; QK_K];
    for g in 0..16 {
        for s in 0..4 {
            for e in 0..4 {
                let lo = (x.groups[g].ql[s % 2][4 * r + e] >> (4 * (s / 2))) & 0xF;
                let hi = (x.groups[g].qh[4 * r + e] >> (2 * s)) & 3;
                v[16 * g + 4 * s + e] = lo | (hi << 4);
            }
        }
    }
    let mut b = BlockQ6K {
        ql: [0; QK_K / 2],
        qh: [0; QK_K / 4],
        scales: std::array::from_fn(|g| x.groups[g].scales[2 * r]),
        d: x.d[r],
    };
    for half in 0..2 {
        let v = &v[128 * half..128 * half + 128];
        for l in 0..32 {
            b.ql[64 * half + l] = (v[l] & 0xF) | ((v[l + 64] & 0xF) << 4);
            b.ql[64 * half + l + 32] = (v[l + 32] & 0xF) | ((v[l + 96] & 0xF) << 4);
            b.qh[32 * half + l] =
                (v[l] >> 4) | ((v[l + 32] >> 4) << 2) | ((v[l + 64] >> 4) << 4) | ((v[l + 96] >> 4) << 6);
        }
    }
    b
}

/// The GGML blocks back, row after row.
pub fn unpack(x: &[BlockQ6Kx16], per_row: usize) -> Vec<BlockQ6K> {
    let mut out = Vec::with_capacity(x.len() * ROWS);
    for group in x.chunks_exact(per_row) {
        for r in 0..ROWS {
            out.extend(group.iter().map(|b| row(b, r)));
        }
    }
    out
}

/// Row `r` of the matrix as f32 (an embedding lookup).
pub fn dequantize_row(x: &[BlockQ6Kx16], per_row: usize, r: usize, out: &mut [f32]) {
    let group = &x[(r / ROWS) * per_row..(r / ROWS + 1) * per_row];
    for (b, o) in group.iter().zip(out.chunks_exact_mut(QK_K)) {
        row(b, r % ROWS).dequantize(o);
    }
}

/// The portable kernel, and the reference the SIMD ones are tested against.
pub fn group_scalar(w: &[BlockQ6Kx16], a: &[Acts<'_>], out: &mut [[f32; ROWS]]) {
    for (acts, out) in a.iter().zip(out.iter_mut()) {
        *out = [0.0; ROWS];
        for (b, x) in w.iter().enumerate() {
            let y = &acts.blocks[b];
            for (r, o) in out.iter_mut().enumerate() {
                let mut sum = 0i32;
                for g in 0..16 {
                    let mut dot = 0i32;
                    for s in 0..4 {
                        for e in 0..4 {
                            let lo = (x.groups[g].ql[s % 2][4 * r + e] >> (4 * (s / 2))) & 0xF;
                            let q = lo | (((x.groups[g].qh[4 * r + e] >> (2 * s)) & 3) << 4);
                            dot += i32::from(q) * i32::from(y.qs[16 * g + 4 * s + e]);
                        }
                    }
                    sum += i32::from(x.groups[g].scales[2 * r]) * (dot - 32 * i32::from(y.bsums[g]));
                }
                *o += y.d * f16_to_f32(x.d[r]) * sum as f32;
            }
        }
    }
}

/// The AVX2 kernel where this CPU runs it, else `None`.
pub fn group_fn_avx2() -> Option<GroupFn<BlockQ6Kx16>> {
    #[cfg(target_arch = "x86_64")]
    if crate::dot::has_avx2() {
        fn simd(w: &[BlockQ6Kx16], a: &[Acts<'_>], out: &mut [[f32; ROWS]]) {
            // SAFETY: handed out only after has_avx2() confirmed AVX2, FMA and F16C.
            unsafe { avx2::group(w, a, out) }
        }
        return Some(simd);
    }
    None
}

/// The fastest kernel this CPU runs.
pub fn group_fn() -> GroupFn<BlockQ6Kx16> {
    #[cfg(target_arch = "x86_64")]
    if crate::dot::has_avx512() {
        fn simd(w: &[BlockQ6Kx16], a: &[Acts<'_>], out: &mut [[f32; ROWS]]) {
            // SAFETY: handed out only after has_avx512() confirmed AVX-512 F/BW/VL/VNNI, AVX2, FMA and F16C.
            unsafe { avx512::group(w, a, out) }
        }
        return simd;
    }
    group_fn_avx2().unwrap_or(group_scalar)
}

#[cfg(target_arch = "x86_64")]
mod avx2 {
    use std::arch::x86_64::*;

    use super::{Acts, BlockQ6Kx16, ROWS};
    use crate::interleave::avx2::{bytes_of, load16, load32, word};

    /// Two i16 (activation sums of groups 2p and 2p + 1) as one i32 to broadcast.
    #[inline]
    pub(super) fn sum_pair(bsums: &[i16; 16], p: usize) -> i32 {
        (i32::from(bsums[2 * p]) & 0xFFFF) | (i32::from(bsums[2 * p + 1]) << 16)
    }

    /// The four registers of group g, half h: low nibbles with the top two bits moved to bits 4-5.
    #[inline]
    #[target_feature(enable = "avx2,fma,f16c")]
    fn values(x: &BlockQ6Kx16, g: usize, h: usize) -> [__m256i; 4] {
        let (nib, top) = (_mm256_set1_epi8(0x0F), _mm256_set1_epi8(0x30));
        let (l0, l1) = (load32(&x.groups[g].ql[0][32 * h..]), load32(&x.groups[g].ql[1][32 * h..]));
        let hb = load32(&x.groups[g].qh[32 * h..]);
        let with = |lo: __m256i, high: __m256i| _mm256_or_si256(lo, _mm256_and_si256(high, top));
        [
            with(_mm256_and_si256(l0, nib), _mm256_slli_epi32(hb, 4)),
            with(_mm256_and_si256(l1, nib), _mm256_slli_epi32(hb, 2)),
            with(_mm256_and_si256(_mm256_srli_epi16(l0, 4), nib), hb),
            with(_mm256_and_si256(_mm256_srli_epi16(l1, 4), nib), _mm256_srli_epi32(hb, 2)),
        ]
    }

    /// Eight rows (half `h`) at a time, one per i32 lane; two steps' `maddubs` sums added as i16 (at most
    /// 2 · 2 · 63 · 128 = 32,256) before `madd` with the group's scale.
    #[target_feature(enable = "avx2,fma,f16c")]
    pub fn group(w: &[BlockQ6Kx16], a: &[Acts<'_>], out: &mut [[f32; ROWS]]) {
        match a.len() {
            1 => group_n::<1>(w, a, out),
            2 => group_n::<2>(w, a, out),
            3 => group_n::<3>(w, a, out),
            _ => group_n::<4>(w, a, out),
        }
    }

    #[inline]
    #[target_feature(enable = "avx2,fma,f16c")]
    fn group_n<const T: usize>(w: &[BlockQ6Kx16], a: &[Acts<'_>], out: &mut [[f32; ROWS]]) {
        let odd = _mm256_set1_epi16(0xFF00u16 as i16);
        for h in 0..2 {
            let mut facc = [_mm256_setzero_ps(); T];
            for (b, x) in w.iter().enumerate() {
                let mut acc = [_mm256_setzero_si256(); T];
                for g in 0..16 {
                    let sc = _mm256_cvtepi8_epi16(load16(bytes(&x.groups[g].scales[16 * h..])));
                    let v = values(x, g, h);
                    for t in 0..T {
                        let qs = &a[t].blocks[b].qs;
                        let p = |s: usize| _mm256_maddubs_epi16(v[s], _mm256_set1_epi32(word(qs, 16 * g + 4 * s)));
                        let (p01, p23) = (_mm256_add_epi16(p(0), p(1)), _mm256_add_epi16(p(2), p(3)));
                        acc[t] = _mm256_add_epi32(acc[t], _mm256_madd_epi16(_mm256_add_epi16(p01, p23), sc));
                    }
                }
                // Σ scale · group sum, for the - 32: pairs of groups, even bytes from one, odd from the next.
                let pairs: [__m256i; 8] = std::array::from_fn(|p| {
                    let (e, o) = (
                        load16(bytes(&x.groups[2 * p].scales[16 * h..])),
                        load16(bytes(&x.groups[2 * p + 1].scales[16 * h..])),
                    );
                    _mm256_cvtepi8_epi16(_mm_blendv_epi8(e, o, _mm256_castsi256_si128(odd)))
                });
                let d = _mm256_cvtph_ps(load16(bytes_of(&x.d[8 * h..])));
                for t in 0..T {
                    let y = &a[t].blocks[b];
                    let mut off = _mm256_setzero_si256();
                    for (p, pair) in pairs.iter().enumerate() {
                        off = _mm256_add_epi32(off, _mm256_madd_epi16(*pair, _mm256_set1_epi32(sum_pair(&y.bsums, p))));
                    }
                    let sum = _mm256_sub_epi32(acc[t], _mm256_slli_epi32(off, 5));
                    facc[t] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(sum), _mm256_mul_ps(d, _mm256_set1_ps(y.d)), facc[t]);
                }
            }
            for t in 0..T {
                let cells = &mut out[t][8 * h..8 * h + 8];
                // SAFETY: `cells` is 8 writable floats; storeu has no alignment requirement.
                unsafe { _mm256_storeu_ps(cells.as_mut_ptr(), facc[t]) };
            }
        }
    }

    /// Signed bytes as bytes.
    pub(super) fn bytes(v: &[i8]) -> &[u8] {
        // SAFETY: i8 and u8 have the same size and alignment, and every bit pattern is valid for both.
        unsafe { std::slice::from_raw_parts(v.as_ptr().cast(), v.len()) }
    }
}

#[cfg(target_arch = "x86_64")]
mod avx512 {
    use std::arch::x86_64::*;

    use super::avx2::{bytes, sum_pair};
    use super::{Acts, BlockQ6Kx16, ROWS};
    use crate::interleave::avx2::word;
    use crate::interleave::avx512::{load32, load64, or_masked};

    #[inline]
    #[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vnni,avx2,fma,f16c")]
    fn values(x: &BlockQ6Kx16, g: usize) -> [__m512i; 4] {
        let (nib, top) = (_mm512_set1_epi8(0x0F), _mm512_set1_epi8(0x30));
        let (l0, l1, hb) = (load64(&x.groups[g].ql[0]), load64(&x.groups[g].ql[1]), load64(&x.groups[g].qh));
        [
            or_masked(_mm512_and_si512(l0, nib), _mm512_slli_epi32(hb, 4), top),
            or_masked(_mm512_and_si512(l1, nib), _mm512_slli_epi32(hb, 2), top),
            or_masked(_mm512_and_si512(_mm512_srli_epi16(l0, 4), nib), hb, top),
            or_masked(_mm512_and_si512(_mm512_srli_epi16(l1, 4), nib), _mm512_srli_epi32(hb, 2), top),
        ]
    }

    /// All sixteen rows in one register's i32 lanes; `dpwssd` applies each group's scale.
    #[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vnni,avx2,fma,f16c")]
    pub fn group(w: &[BlockQ6Kx16], a: &[Acts<'_>], out: &mut [[f32; ROWS]]) {
        match a.len() {
            1 => group_n::<1>(w, a, out),
            2 => group_n::<2>(w, a, out),
            3 => group_n::<3>(w, a, out),
            _ => group_n::<4>(w, a, out),
        }
    }

    #[inline]
    #[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vnni,avx2,fma,f16c")]
    fn group_n<const T: usize>(w: &[BlockQ6Kx16], a: &[Acts<'_>], out: &mut [[f32; ROWS]]) {
        let odd = _mm256_set1_epi16(0xFF00u16 as i16);
        let mut facc = [_mm512_setzero_ps(); T];
        for (b, x) in w.iter().enumerate() {
            let mut acc = [[_mm512_setzero_si512(); 2]; T];
            for g in 0..16 {
                let sc = _mm512_cvtepi8_epi16(load32(bytes(&x.groups[g].scales)));
                let v = values(x, g);
                for t in 0..T {
                    let qs = &a[t].blocks[b].qs;
                    let p = |s: usize| _mm512_maddubs_epi16(v[s], _mm512_set1_epi32(word(qs, 16 * g + 4 * s)));
                    acc[t][0] = _mm512_dpwssd_epi32(acc[t][0], _mm512_add_epi16(p(0), p(1)), sc);
                    acc[t][1] = _mm512_dpwssd_epi32(acc[t][1], _mm512_add_epi16(p(2), p(3)), sc);
                }
            }
            let pairs: [__m512i; 8] = std::array::from_fn(|p| {
                let (e, o) = (load32(bytes(&x.groups[2 * p].scales)), load32(bytes(&x.groups[2 * p + 1].scales)));
                _mm512_cvtepi8_epi16(_mm256_blendv_epi8(e, o, odd))
            });
            // SAFETY: sixteen u16 are 32 readable bytes; loadu has no alignment requirement.
            let d = _mm512_cvtph_ps(unsafe { _mm256_loadu_si256(x.d.as_ptr().cast()) });
            for t in 0..T {
                let y = &a[t].blocks[b];
                let mut off = _mm512_setzero_si512();
                for (p, pair) in pairs.iter().enumerate() {
                    off = _mm512_dpwssd_epi32(off, *pair, _mm512_set1_epi32(sum_pair(&y.bsums, p)));
                }
                let sum = _mm512_sub_epi32(_mm512_add_epi32(acc[t][0], acc[t][1]), _mm512_slli_epi32(off, 5));
                facc[t] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(sum), _mm512_mul_ps(d, _mm512_set1_ps(y.d)), facc[t]);
            }
        }
        for t in 0..T {
            // SAFETY: out[t] is 16 writable floats; storeu has no alignment requirement.
            unsafe { _mm512_storeu_ps(out[t].as_mut_ptr(), facc[t]) };
        }
    }
}

#[cfg(test)]
mod tests {
    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};

    use super::*;
    use crate::interleave::sums32;
    use crate::quantize::quantize_q8_k;
    use crate::testutil::Random;

    #[test]
    fn repacking_is_exact_and_rows_dequantize_alike() {
        let mut rng = StdRng::seed_from_u64(21);
        let (rows, per_row) = (32, 3);
        let blocks: Vec<BlockQ6K> = (0..rows * per_row).map(|_| BlockQ6K::random(&mut rng)).collect();
        let x = repack(&blocks, rows, per_row);
        let bytes: Vec<u8> = blocks
            .iter()
            .flat_map(|b| b.ql.into_iter().chain(b.qh).chain(b.scales.map(|v| v as u8)).chain(b.d.to_le_bytes()))
            .collect();
        let from_bytes = repack_bytes(&bytes, rows, per_row);
        for (a, b) in unpack(&x, per_row).iter().zip(&unpack(&from_bytes, per_row)) {
            assert_eq!((a.ql, a.qh, a.scales, a.d), (b.ql, b.qh, b.scales, b.d), "the bytes repack alike");
        }
        for (a, b) in blocks.iter().zip(&unpack(&x, per_row)) {
            assert_eq!((a.ql, a.qh, a.scales, a.d), (b.ql, b.qh, b.scales, b.d));
        }
        let (mut want, mut got) = (vec![0.0; per_row * QK_K], vec![0.0; per_row * QK_K]);
        for r in [0, 9, 16, 31] {
            for (b, o) in blocks[r * per_row..(r + 1) * per_row].iter().zip(want.chunks_exact_mut(QK_K)) {
                b.dequantize(o);
            }
            dequantize_row(&x, per_row, r, &mut got);
            assert_eq!(want, got, "row {r}");
        }
    }

    /// Every kernel this CPU runs, for 1 to 4 tokens, against GGML's row kernel (the scalar Q6_K dot).
    #[test]
    fn kernels_equal_the_row_reference() {
        let mut rng = StdRng::seed_from_u64(22);
        for per_row in [1, 6] {
            let blocks: Vec<BlockQ6K> = (0..ROWS * per_row).map(|_| BlockQ6K::random(&mut rng)).collect();
            let x = repack(&blocks, ROWS, per_row);
            let tokens: Vec<Vec<BlockQ8K>> = (0..4)
                .map(|_| {
                    let v: Vec<f32> = (0..per_row * QK_K).map(|_| rng.random_range(-2.0..2.0)).collect();
                    let mut q = Vec::new();
                    quantize_q8_k(&v, &mut q);
                    q
                })
                .collect();
            let sums: Vec<Vec<[i16; 8]>> = tokens.iter().map(|t| t.iter().map(sums32).collect()).collect();
            let acts: Vec<Acts<'_>> = tokens.iter().zip(&sums).map(|(b, s)| Acts { blocks: b, sums: s }).collect();
            let kernels = [
                ("scalar", Some(group_scalar as GroupFn<BlockQ6Kx16>)),
                ("avx2", group_fn_avx2()),
                ("fastest", Some(group_fn())),
            ];
            for (kind, kernel) in kernels.into_iter().filter_map(|(n, k)| Some((n, k?))) {
                for n in 1..=4 {
                    let mut out = vec![[0.0f32; ROWS]; n];
                    kernel(&x, &acts[..n], &mut out);
                    for (t, out) in out.iter().enumerate() {
                        for (r, &got) in out.iter().enumerate() {
                            let want = crate::dot::scalar::q6_k(&blocks[r * per_row..(r + 1) * per_row], &tokens[t]);
                            assert!(
                                (got - want).abs() <= 1e-5 * want.abs().max(1.0),
                                "{kind} {n} tokens, row {r} token {t}: {got} vs {want}"
                            );
                        }
                    }
                }
            }
        }
    }
}
