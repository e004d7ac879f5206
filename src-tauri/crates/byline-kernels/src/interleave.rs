//! Q4_K and Q5_K weights repacked at load so that sixteen rows are multiplied at once, one row per SIMD lane.
//!
//! GGML's layout keeps a row's 256-element block together, so a row-at-a-time kernel ends every block
//! with work that concerns only that row and token: the 6-bit scales unpacked, the integer sums reduced
//! across lanes, converted and scaled. Here block b of rows 16g..16g+16 is one [`BlockQ4Kx16`]: for each
//! sub-block of 32 elements, four elements of row r sit in bytes 4r..4r+4 of a 64-byte register, so one
//! `maddubs` against four activation bytes broadcast to every lane gives all sixteen rows' products, the
//! scales (unpacked once, at load) multiply lane by lane, and the block's float step covers sixteen rows.
//! Nothing is reduced across lanes. Q5_K adds one plane of fifth bits per sub-block ([`BlockQ5Kx16`]).
//! The repacking is exact: [`unpack`] gives the GGML blocks back.

use rayon::prelude::*;

use crate::blocks::*;

/// Rows that share an interleaved block.
pub const ROWS: usize = 16;

/// Block b (256 elements) of sixteen consecutive rows, laid out in the order the kernels read it (one
/// stream front to back: separate regions read side by side cost single-token decoding on a large matrix
/// more than half its speed). `H` is 0 for Q4_K and 64 for Q5_K's fifth bits.
#[derive(Clone, Copy, Debug)]
#[repr(C)]
pub struct BlockX16<const H: usize> {
    pub subs: [Sub<H>; 8],
    /// `mins[p][2r + k]`: row r's 6-bit min of sub-block 2p + k.
    pub mins: [[u8; 2 * ROWS]; 4],
    /// Each row's f16 scale, as in the GGML block.
    pub d: [u16; ROWS],
    /// Each row's f16 min scale.
    pub dmin: [u16; ROWS],
}

/// Sub-block j (32 elements) of sixteen rows.
#[derive(Clone, Copy, Debug)]
#[repr(C)]
pub struct Sub<const H: usize> {
    /// `scales[2r]` and `scales[2r + 1]`: row r's 6-bit scale (twice, one per i16 lane of the pair sums
    /// `maddubs` leaves).
    pub scales: [u8; 2 * ROWS],
    /// `qs[q][4r + e]`: row r's element 4q + e in the low nibble, element 16 + 4q + e in the high nibble.
    pub qs: [[u8; 4 * ROWS]; 4],
    /// Q5_K: `qh[4r + e]`: bit 2q is the fifth bit of row r's element 4q + e, bit 2q + 1 that of element
    /// 16 + 4q + e (the two nibbles of `qs[q][4r + e]`).
    pub qh: [u8; H],
}

/// Q4_K interleaved.
pub type BlockQ4Kx16 = BlockX16<0>;
/// Q5_K interleaved.
pub type BlockQ5Kx16 = BlockX16<{ 4 * ROWS }>;

/// The fifth bits of sub-block j (zeros for Q4_K).
#[inline]
fn high<const H: usize>(x: &BlockX16<H>, j: usize) -> &[u8; 4 * ROWS] {
    x.subs[j].qh[..].try_into().unwrap_or(&[0; 4 * ROWS])
}

/// An interleaved block type and the GGML block one of its rows came from.
pub trait Interleaved: Copy + Send + Sync + 'static {
    type Row: Copy;
    /// Row r's GGML block.
    fn row(&self, r: usize) -> Self::Row;
    fn dequantize(row: &Self::Row, out: &mut [f32]);
}

impl Interleaved for BlockQ4Kx16 {
    type Row = BlockQ4K;
    fn row(&self, r: usize) -> BlockQ4K {
        let (scales, qs) = row_parts(self, r);
        BlockQ4K { d: self.d[r], dmin: self.dmin[r], scales, qs }
    }
    fn dequantize(row: &BlockQ4K, out: &mut [f32]) {
        row.dequantize(out)
    }
}

impl Interleaved for BlockQ5Kx16 {
    type Row = BlockQ5K;
    fn row(&self, r: usize) -> BlockQ5K {
        let (scales, qs) = row_parts(self, r);
        let mut qh = [0u8; QK_K / 8];
        for (j, sub) in self.subs.iter().enumerate() {
            for i in 0..16 {
                let byte = sub.qh[4 * r + i % 4] >> (2 * (i / 4));
                qh[i] |= (byte & 1) << j;
                qh[16 + i] |= ((byte >> 1) & 1) << j;
            }
        }
        BlockQ5K { d: self.d[r], dmin: self.dmin[r], scales, qh, qs }
    }
    fn dequantize(row: &BlockQ5K, out: &mut [f32]) {
        row.dequantize(out)
    }
}

const fn empty<const H: usize>() -> BlockX16<H> {
    BlockX16 {
        subs: [Sub { scales: [0; 2 * ROWS], qs: [[0; 4 * ROWS]; 4], qh: [0; H] }; 8],
        mins: [[0; 2 * ROWS]; 4],
        d: [0; ROWS],
        dmin: [0; ROWS],
    }
}

/// Row r's scale, min and nibbles into an interleaved block.
fn fill<const H: usize>(x: &mut BlockX16<H>, r: usize, d: u16, dmin: u16, scales: &[u8; 12], qs: &[u8; QK_K / 2]) {
    x.d[r] = d;
    x.dmin[r] = dmin;
    for j in 0..8 {
        let (sc, m) = q4k_scale_min(j, scales);
        x.subs[j].scales[2 * r] = sc;
        x.subs[j].scales[2 * r + 1] = sc;
        x.mins[j / 2][2 * r + j % 2] = m;
    }
    // Bytes i and 16 + i of chunk c hold elements i and 16 + i of sub-blocks 2c (low nibbles) and 2c + 1
    // (high nibbles): one new byte each.
    for c in 0..4 {
        let src = &qs[32 * c..32 * c + 32];
        for i in 0..16 {
            let (lo, hi) = (src[i], src[16 + i]);
            x.subs[2 * c].qs[i / 4][4 * r + i % 4] = (lo & 0xF) | (hi << 4);
            x.subs[2 * c + 1].qs[i / 4][4 * r + i % 4] = (lo >> 4) | (hi & 0xF0);
        }
    }
}

/// Row r's fifth bits (bit j of `qh[i]`: element i of sub-block j) into an interleaved block.
fn fill_high(x: &mut BlockQ5Kx16, r: usize, qh: &[u8; QK_K / 8]) {
    for (j, sub) in x.subs.iter_mut().enumerate() {
        for i in 0..16 {
            let (lo, hi) = ((qh[i] >> j) & 1, (qh[16 + i] >> j) & 1);
            sub.qh[4 * r + i % 4] |= (lo << (2 * (i / 4))) | (hi << (2 * (i / 4) + 1));
        }
    }
}

/// Row r's packed scales and GGML nibbles from an interleaved block.
fn row_parts<const H: usize>(x: &BlockX16<H>, r: usize) -> ([u8; 12], [u8; QK_K / 2]) {
    let sc = std::array::from_fn(|j| x.subs[j].scales[2 * r]);
    let m = std::array::from_fn(|j| x.mins[j / 2][2 * r + j % 2]);
    let mut qs = [0u8; QK_K / 2];
    for c in 0..4 {
        for i in 0..16 {
            let (a, b) = (x.subs[2 * c].qs[i / 4][4 * r + i % 4], x.subs[2 * c + 1].qs[i / 4][4 * r + i % 4]);
            qs[32 * c + i] = (a & 0xF) | (b << 4);
            qs[32 * c + 16 + i] = (a >> 4) | (b & 0xF0);
        }
    }
    (pack_scales(sc, m), qs)
}

/// Groups of sixteen rows in parallel on the current thread pool (a model load runs on its own): `fill_row`
/// puts GGML block `i` in as row r of an interleaved block.
pub(crate) fn repack_groups<X: Copy + Send + Sync>(
    rows: usize,
    per_row: usize,
    empty: X,
    fill_row: impl Fn(&mut X, usize, usize) + Sync,
) -> Vec<X> {
    assert!(rows.is_multiple_of(ROWS), "repack shape");
    let mut out = vec![empty; rows / ROWS * per_row];
    if per_row == 0 {
        return out;
    }
    out.par_chunks_mut(per_row).enumerate().for_each(|(g, group)| {
        for (b, x) in group.iter_mut().enumerate() {
            for r in 0..ROWS {
                fill_row(x, r, (g * ROWS + r) * per_row + b);
            }
        }
    });
    out
}

/// Interleaves `rows` rows (a multiple of [`ROWS`]) of `per_row` Q4_K blocks each.
pub fn repack(blocks: &[BlockQ4K], rows: usize, per_row: usize) -> Vec<BlockQ4Kx16> {
    assert!(blocks.len() == rows * per_row, "repack shape");
    repack_groups(rows, per_row, empty(), |x, r, i| {
        let w = &blocks[i];
        fill(x, r, w.d, w.dmin, &w.scales, &w.qs)
    })
}

/// Interleaves Q5_K rows like [`repack`].
pub fn repack5(blocks: &[BlockQ5K], rows: usize, per_row: usize) -> Vec<BlockQ5Kx16> {
    assert!(blocks.len() == rows * per_row, "repack shape");
    repack_groups(rows, per_row, empty(), |x, r, i| {
        let w = &blocks[i];
        fill(x, r, w.d, w.dmin, &w.scales, &w.qs);
        fill_high(x, r, &w.qh);
    })
}

fn u16_at(b: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([b[at], b[at + 1]])
}

fn array<const N: usize>(b: &[u8]) -> &[u8; N] {
    b[..N].try_into().unwrap_or_else(|_| unreachable!("slices are cut to length"))
}

/// [`repack`] straight from a Q4_K tensor's bytes as GGUF stores them (no copy in the row layout first).
pub fn repack_bytes(bytes: &[u8], rows: usize, per_row: usize) -> Vec<BlockQ4Kx16> {
    const SIZE: usize = size_of::<BlockQ4K>();
    assert!(bytes.len() == rows * per_row * SIZE, "repack shape");
    repack_groups(rows, per_row, empty(), |x, r, i| {
        let b = &bytes[i * SIZE..(i + 1) * SIZE];
        fill(x, r, u16_at(b, 0), u16_at(b, 2), array(&b[4..]), array(&b[16..]))
    })
}

/// [`repack5`] straight from a Q5_K tensor's bytes.
pub fn repack5_bytes(bytes: &[u8], rows: usize, per_row: usize) -> Vec<BlockQ5Kx16> {
    const SIZE: usize = size_of::<BlockQ5K>();
    assert!(bytes.len() == rows * per_row * SIZE, "repack shape");
    repack_groups(rows, per_row, empty(), |x, r, i| {
        let b = &bytes[i * SIZE..(i + 1) * SIZE];
        fill(x, r, u16_at(b, 0), u16_at(b, 2), array(&b[4..]), array(&b[48..]));
        fill_high(x, r, array(&b[16..]));
    })
}

/// The six-bit scales and mins of a row packed the GGML way (the inverse of [`q4k_scale_min`]).
fn pack_scales(sc: [u8; 8], m: [u8; 8]) -> [u8; 12] {
    let mut s = [0u8; 12];
    for j in 0..4 {
        s[j] = sc[j] | ((sc[j + 4] >> 4) << 6);
        s[j + 4] = m[j] | ((m[j + 4] >> 4) << 6);
        s[j + 8] = (sc[j + 4] & 0xF) | ((m[j + 4] & 0xF) << 4);
    }
    s
}

/// The GGML blocks back, row after row (`per_row` interleaved blocks per group of sixteen rows).
pub fn unpack<X: Interleaved>(x: &[X], per_row: usize) -> Vec<X::Row> {
    let mut out = Vec::with_capacity(x.len() * ROWS);
    for group in x.chunks_exact(per_row) {
        for r in 0..ROWS {
            out.extend(group.iter().map(|b| b.row(r)));
        }
    }
    out
}

/// Row `r` of the matrix as f32 (`out` is the row's width).
pub fn dequantize_row<X: Interleaved>(x: &[X], per_row: usize, r: usize, out: &mut [f32]) {
    let group = &x[(r / ROWS) * per_row..(r / ROWS + 1) * per_row];
    for (b, o) in group.iter().zip(out.chunks_exact_mut(QK_K)) {
        X::dequantize(&b.row(r % ROWS), o);
    }
}

/// The activation sums per sub-block of 32 (the weights' mins multiply them), from the sums per 16.
pub fn sums32(a: &BlockQ8K) -> [i16; 8] {
    std::array::from_fn(|j| a.bsums[2 * j] + a.bsums[2 * j + 1])
}

/// One token's activation blocks for a row of the matrix, and their [`sums32`].
#[derive(Clone, Copy)]
pub struct Acts<'a> {
    pub blocks: &'a [BlockQ8K],
    pub sums: &'a [[i16; 8]],
}

/// `out[t][r]` = row r of the group · token t, for the 1 to 4 tokens in `a`.
pub type GroupFn<X> = fn(&[X], &[Acts<'_>], &mut [[f32; ROWS]]);

/// The portable kernel, and the reference the SIMD ones are tested against.
pub fn group_scalar<const H: usize>(w: &[BlockX16<H>], a: &[Acts<'_>], out: &mut [[f32; ROWS]]) {
    for (acts, out) in a.iter().zip(out.iter_mut()) {
        *out = [0.0; ROWS];
        for (b, x) in w.iter().enumerate() {
            let (y, sums, w) = (&acts.blocks[b], &acts.sums[b], x);
            for (r, o) in out.iter_mut().enumerate() {
                let (mut scaled, mut mins) = (0i32, 0i32);
                for (j, &sum) in sums.iter().enumerate() {
                    let mut dot = 0i32;
                    for q in 0..4 {
                        for e in 0..4 {
                            let (byte, high) = (w.subs[j].qs[q][4 * r + e], high(x, j)[4 * r + e] >> (2 * q));
                            let (lo, hi) = ((byte & 0xF) | ((high & 1) << 4), (byte >> 4) | ((high & 2) << 3));
                            dot += i32::from(lo) * i32::from(y.qs[32 * j + 4 * q + e]);
                            dot += i32::from(hi) * i32::from(y.qs[32 * j + 16 + 4 * q + e]);
                        }
                    }
                    scaled += i32::from(w.subs[j].scales[2 * r]) * dot;
                    mins += i32::from(w.mins[j / 2][2 * r + j % 2]) * i32::from(sum);
                }
                *o += y.d * (f16_to_f32(w.d[r]) * scaled as f32 - f16_to_f32(w.dmin[r]) * mins as f32);
            }
        }
    }
}

/// The AVX2 kernel where this CPU runs it, else `None`.
pub fn group_fn_avx2<const H: usize>() -> Option<GroupFn<BlockX16<H>>> {
    #[cfg(target_arch = "x86_64")]
    if crate::dot::has_avx2() {
        fn simd<const H: usize>(w: &[BlockX16<H>], a: &[Acts<'_>], out: &mut [[f32; ROWS]]) {
            // SAFETY: handed out only after has_avx2() confirmed AVX2, FMA and F16C.
            unsafe { avx2::group(w, a, out) }
        }
        return Some(simd::<H>);
    }
    None
}

/// The fastest kernel this CPU runs.
pub fn group_fn<const H: usize>() -> GroupFn<BlockX16<H>> {
    #[cfg(target_arch = "x86_64")]
    if crate::dot::has_avx512() {
        fn simd<const H: usize>(w: &[BlockX16<H>], a: &[Acts<'_>], out: &mut [[f32; ROWS]]) {
            // SAFETY: handed out only after has_avx512() confirmed AVX-512 F/BW/VL/VNNI, AVX2, FMA and F16C.
            unsafe { avx512::group(w, a, out) }
        }
        return simd::<H>;
    }
    group_fn_avx2::<H>().unwrap_or(group_scalar::<H>)
}

/// Whether Q4_K and Q5_K matrices are repacked at load (`BYLINE_KERNELS_NO_REPACK=1` keeps GGML's row layout, to
/// compare the two on one machine). Only on x86-64: the interleaved kernels are built on x86's `maddubs`,
/// and aarch64 runs its NEON kernels on GGML's rows.
pub fn enabled() -> bool {
    static ON: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *ON.get_or_init(|| cfg!(target_arch = "x86_64") && std::env::var_os("BYLINE_KERNELS_NO_REPACK").is_none())
}

/// Tokens per kernel call.
const TOKENS: usize = 4;

/// `y[t * rows + r] = W[r, :] · a[t]` for every token by `kernel`, groups of sixteen rows split over the pool.
#[allow(clippy::too_many_arguments)]
pub(crate) fn matmul<X: Copy + Send + Sync>(
    w: &[X],
    rows: usize,
    per_row: usize,
    acts: &[BlockQ8K],
    tokens: usize,
    y: &mut [f32],
    pool: &rayon::ThreadPool,
    kernel: GroupFn<X>,
) {
    assert!(y.len() >= rows * tokens && acts.len() >= tokens * per_row, "matmul buffers too short");
    let sums: Vec<[i16; 8]> = acts.iter().map(sums32).collect();
    let act =
        |t: usize| Acts { blocks: &acts[t * per_row..(t + 1) * per_row], sums: &sums[t * per_row..(t + 1) * per_row] };
    let out = crate::matmul::Out(y.as_mut_ptr());
    pool.install(|| {
        (0..rows / ROWS).into_par_iter().for_each(|g| {
            let wg = &w[g * per_row..(g + 1) * per_row];
            for t0 in (0..tokens).step_by(TOKENS) {
                let n = TOKENS.min(tokens - t0);
                let a: [Acts<'_>; TOKENS] = std::array::from_fn(|i| act((t0 + i).min(tokens - 1)));
                let mut cells = [[0.0f32; ROWS]; TOKENS];
                kernel(wg, &a[..n], &mut cells[..n]);
                for (i, cells) in cells[..n].iter().enumerate() {
                    for (r, &v) in cells.iter().enumerate() {
                        // SAFETY: g * ROWS + r < rows and t0 + i < tokens, so the index is inside `y`
                        // (checked above); rows of group g belong to this task alone, and `y` is borrowed
                        // mutably for the whole call.
                        unsafe { out.write((t0 + i) * rows + g * ROWS + r, v) };
                    }
                }
            }
        })
    });
}

#[cfg(target_arch = "x86_64")]
pub(crate) mod avx2 {
    use std::arch::x86_64::*;

    use super::{Acts, BlockX16, ROWS};

    #[inline]
    #[target_feature(enable = "avx2,fma,f16c")]
    pub(crate) fn load16(bytes: &[u8]) -> __m128i {
        let bytes: &[u8; 16] = bytes[..16].try_into().unwrap_or(&[0; 16]);
        // SAFETY: `bytes` is exactly 16 readable bytes; loadu has no alignment requirement.
        unsafe { _mm_loadu_si128(bytes.as_ptr().cast()) }
    }

    #[inline]
    #[target_feature(enable = "avx2,fma,f16c")]
    pub(crate) fn load32(bytes: &[u8]) -> __m256i {
        let bytes: &[u8; 32] = bytes[..32].try_into().unwrap_or(&[0; 32]);
        // SAFETY: `bytes` is exactly 32 readable bytes; loadu has no alignment requirement.
        unsafe { _mm256_loadu_si256(bytes.as_ptr().cast()) }
    }

    /// Four bytes as one i32 (to broadcast).
    #[inline]
    pub(crate) fn word(bytes: &[i8], at: usize) -> i32 {
        i32::from_le_bytes([bytes[at] as u8, bytes[at + 1] as u8, bytes[at + 2] as u8, bytes[at + 3] as u8])
    }

    /// Two i16 as one i32 (to broadcast), the first in the low half.
    #[inline]
    pub(super) fn pair(v: &[i16; 8], p: usize) -> i32 {
        (i32::from(v[2 * p]) & 0xFFFF) | (i32::from(v[2 * p + 1]) << 16)
    }

    /// Bits 2q and 2q + 1 of every byte (the fifth bits of step q's low and high nibbles) moved to bit 4,
    /// unmasked: a shift stays inside each byte for the bit that lands on 4.
    #[inline]
    #[target_feature(enable = "avx2,fma,f16c")]
    fn fifth(h: __m256i, q: usize) -> (__m256i, __m256i) {
        match q {
            0 => (_mm256_slli_epi32(h, 4), _mm256_slli_epi32(h, 3)),
            1 => (_mm256_slli_epi32(h, 2), _mm256_slli_epi32(h, 1)),
            2 => (h, _mm256_srli_epi32(h, 1)),
            _ => (_mm256_srli_epi32(h, 2), _mm256_srli_epi32(h, 3)),
        }
    }

    /// Eight rows (half `h`) at a time, each in one i32 lane: `maddubs` of the row's four weight values with
    /// the four activation bytes, low and high nibbles added as i16 (at most 2 · 2 · 31 · 128 = 15,872),
    /// then `madd` with the sub-block's scale.
    #[target_feature(enable = "avx2,fma,f16c")]
    pub fn group<const H: usize>(w: &[BlockX16<H>], a: &[Acts<'_>], out: &mut [[f32; ROWS]]) {
        match a.len() {
            1 => group_n::<H, 1>(w, a, out),
            2 => group_n::<H, 2>(w, a, out),
            3 => group_n::<H, 3>(w, a, out),
            _ => group_n::<H, 4>(w, a, out),
        }
    }

    #[inline]
    #[target_feature(enable = "avx2,fma,f16c")]
    fn group_n<const H: usize, const T: usize>(w: &[BlockX16<H>], a: &[Acts<'_>], out: &mut [[f32; ROWS]]) {
        let nib = _mm256_set1_epi8(0x0F);
        for h in 0..2 {
            let mut facc = [_mm256_setzero_ps(); T];
            for (b, x) in w.iter().enumerate() {
                let mut acc = [_mm256_setzero_si256(); T];
                for j in 0..8 {
                    let sc = _mm256_cvtepu8_epi16(load16(&x.subs[j].scales[16 * h..]));
                    let high = if H > 0 { load32(&super::high(x, j)[32 * h..]) } else { _mm256_setzero_si256() };
                    for q in 0..4 {
                        let packed = load32(&x.subs[j].qs[q][32 * h..]);
                        let mut lo = _mm256_and_si256(packed, nib);
                        let mut hi = _mm256_and_si256(_mm256_srli_epi16(packed, 4), nib);
                        if H > 0 {
                            let (l, h) = fifth(high, q);
                            let bit = _mm256_set1_epi8(0x10);
                            lo = _mm256_or_si256(lo, _mm256_and_si256(l, bit));
                            hi = _mm256_or_si256(hi, _mm256_and_si256(h, bit));
                        }
                        for t in 0..T {
                            let qs = &a[t].blocks[b].qs;
                            let plo = _mm256_maddubs_epi16(lo, _mm256_set1_epi32(word(qs, 32 * j + 4 * q)));
                            let phi = _mm256_maddubs_epi16(hi, _mm256_set1_epi32(word(qs, 32 * j + 16 + 4 * q)));
                            let p = _mm256_madd_epi16(_mm256_add_epi16(plo, phi), sc);
                            acc[t] = _mm256_add_epi32(acc[t], p);
                        }
                    }
                }
                let d = _mm256_cvtph_ps(load16(bytes_of(&x.d[8 * h..])));
                let dmin = _mm256_cvtph_ps(load16(bytes_of(&x.dmin[8 * h..])));
                let mins: [__m256i; 4] = std::array::from_fn(|p| _mm256_cvtepu8_epi16(load16(&x.mins[p][16 * h..])));
                for t in 0..T {
                    let sums = &a[t].sums[b];
                    let mut m = _mm256_setzero_si256();
                    for (p, mins) in mins.iter().enumerate() {
                        m = _mm256_add_epi32(m, _mm256_madd_epi16(*mins, _mm256_set1_epi32(pair(sums, p))));
                    }
                    let ad = _mm256_set1_ps(a[t].blocks[b].d);
                    facc[t] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(acc[t]), _mm256_mul_ps(d, ad), facc[t]);
                    facc[t] = _mm256_fnmadd_ps(_mm256_cvtepi32_ps(m), _mm256_mul_ps(dmin, ad), facc[t]);
                }
            }
            for t in 0..T {
                let cells: &mut [f32; 8] =
                    (&mut out[t][8 * h..8 * h + 8]).try_into().unwrap_or_else(|_| unreachable!());
                // SAFETY: `cells` is 8 writable floats; storeu has no alignment requirement.
                unsafe { _mm256_storeu_ps(cells.as_mut_ptr(), facc[t]) };
            }
        }
    }

    /// The bytes of eight f16 values.
    pub(crate) fn bytes_of(v: &[u16]) -> &[u8] {
        let v = &v[..8];
        // SAFETY: eight u16 are sixteen initialised bytes at the same address, and u8 has no alignment.
        unsafe { std::slice::from_raw_parts(v.as_ptr().cast(), 16) }
    }
}

#[cfg(target_arch = "x86_64")]
pub(crate) mod avx512 {
    use std::arch::x86_64::*;

    use super::avx2::{pair, word};
    use super::{Acts, BlockX16, ROWS};

    #[inline]
    #[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vnni,avx2,fma,f16c")]
    pub(crate) fn load32(bytes: &[u8]) -> __m256i {
        let bytes: &[u8; 32] = bytes[..32].try_into().unwrap_or(&[0; 32]);
        // SAFETY: `bytes` is exactly 32 readable bytes; loadu has no alignment requirement.
        unsafe { _mm256_loadu_si256(bytes.as_ptr().cast()) }
    }

    #[inline]
    #[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vnni,avx2,fma,f16c")]
    pub(crate) fn load64(bytes: &[u8; 64]) -> __m512i {
        // SAFETY: the reference covers 64 readable bytes; loadu has no alignment requirement.
        unsafe { _mm512_loadu_si512(bytes.as_ptr().cast()) }
    }

    /// Sixteen f16 as floats.
    #[inline]
    #[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vnni,avx2,fma,f16c")]
    fn halves(v: &[u16; ROWS]) -> __m512 {
        // SAFETY: sixteen u16 are 32 readable bytes; loadu has no alignment requirement.
        _mm512_cvtph_ps(unsafe { _mm256_loadu_si256(v.as_ptr().cast()) })
    }

    /// As the AVX2 `fifth`.
    #[inline]
    #[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vnni,avx2,fma,f16c")]
    fn fifth(h: __m512i, q: usize) -> (__m512i, __m512i) {
        match q {
            0 => (_mm512_slli_epi32(h, 4), _mm512_slli_epi32(h, 3)),
            1 => (_mm512_slli_epi32(h, 2), _mm512_slli_epi32(h, 1)),
            2 => (h, _mm512_srli_epi32(h, 1)),
            _ => (_mm512_srli_epi32(h, 2), _mm512_srli_epi32(h, 3)),
        }
    }

    /// `a | (b & c)` in one instruction (truth table 0xF8).
    #[inline]
    #[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vnni,avx2,fma,f16c")]
    pub(crate) fn or_masked(a: __m512i, b: __m512i, c: __m512i) -> __m512i {
        _mm512_ternarylogic_epi32(a, b, c, 0xF8)
    }

    /// All sixteen rows in the sixteen i32 lanes of one register; VNNI's `dpwssd` multiplies the pair sums by
    /// the scales and accumulates in one instruction. Low and high nibbles keep separate sums, so two chains
    /// of additions run side by side.
    #[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vnni,avx2,fma,f16c")]
    pub fn group<const H: usize>(w: &[BlockX16<H>], a: &[Acts<'_>], out: &mut [[f32; ROWS]]) {
        match a.len() {
            1 => group_n::<H, 1>(w, a, out),
            2 => group_n::<H, 2>(w, a, out),
            3 => group_n::<H, 3>(w, a, out),
            _ => group_n::<H, 4>(w, a, out),
        }
    }

    #[inline]
    #[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vnni,avx2,fma,f16c")]
    fn group_n<const H: usize, const T: usize>(w: &[BlockX16<H>], a: &[Acts<'_>], out: &mut [[f32; ROWS]]) {
        let nib = _mm512_set1_epi8(0x0F);
        let mut facc = [_mm512_setzero_ps(); T];
        for (b, x) in w.iter().enumerate() {
            let mut acc = [[_mm512_setzero_si512(); 2]; T];
            for j in 0..8 {
                let sc = _mm512_cvtepu8_epi16(load32(&x.subs[j].scales));
                let high = if H > 0 { load64(super::high(x, j)) } else { _mm512_setzero_si512() };
                for q in 0..4 {
                    let packed = load64(&x.subs[j].qs[q]);
                    let mut lo = _mm512_and_si512(packed, nib);
                    let mut hi = _mm512_and_si512(_mm512_srli_epi16(packed, 4), nib);
                    if H > 0 {
                        let (l, h) = fifth(high, q);
                        let bit = _mm512_set1_epi8(0x10);
                        lo = or_masked(lo, l, bit);
                        hi = or_masked(hi, h, bit);
                    }
                    for t in 0..T {
                        let qs = &a[t].blocks[b].qs;
                        let plo = _mm512_maddubs_epi16(lo, _mm512_set1_epi32(word(qs, 32 * j + 4 * q)));
                        let phi = _mm512_maddubs_epi16(hi, _mm512_set1_epi32(word(qs, 32 * j + 16 + 4 * q)));
                        acc[t][0] = _mm512_dpwssd_epi32(acc[t][0], plo, sc);
                        acc[t][1] = _mm512_dpwssd_epi32(acc[t][1], phi, sc);
                    }
                }
            }
            let (d, dmin) = (halves(&x.d), halves(&x.dmin));
            let mins: [__m512i; 4] = std::array::from_fn(|p| _mm512_cvtepu8_epi16(load32(&x.mins[p])));
            for t in 0..T {
                let sums = &a[t].sums[b];
                let mut m = _mm512_setzero_si512();
                for (p, mins) in mins.iter().enumerate() {
                    m = _mm512_dpwssd_epi32(m, *mins, _mm512_set1_epi32(pair(sums, p)));
                }
                let ad = _mm512_set1_ps(a[t].blocks[b].d);
                let s = _mm512_add_epi32(acc[t][0], acc[t][1]);
                facc[t] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(s), _mm512_mul_ps(d, ad), facc[t]);
                facc[t] = _mm512_fnmadd_ps(_mm512_cvtepi32_ps(m), _mm512_mul_ps(dmin, ad), facc[t]);
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
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    use super::*;
    use crate::quantize::quantize_q8_k;
    use crate::testutil::Random;

    fn random<B: Random>(rng: &mut StdRng, n: usize) -> Vec<B> {
        (0..n).map(|_| B::random(rng)).collect()
    }

    #[test]
    fn scales_pack_back_to_the_ggml_bytes() {
        let mut rng = StdRng::seed_from_u64(7);
        for _ in 0..200 {
            let b = BlockQ4K::random(&mut rng);
            let sc = std::array::from_fn(|j| q4k_scale_min(j, &b.scales).0);
            let m = std::array::from_fn(|j| q4k_scale_min(j, &b.scales).1);
            assert_eq!(pack_scales(sc, m), b.scales);
        }
    }

    /// Rows come back exactly and dequantize alike; `dequant` is the GGML block's own dequantization.
    fn round_trip<X: Interleaved>(blocks: &[X::Row], x: &[X], per_row: usize, same: impl Fn(&X::Row, &X::Row) -> bool) {
        let back = unpack(x, per_row);
        assert!(blocks.iter().zip(&back).all(|(a, b)| same(a, b)), "unpacked rows equal the originals");
        let (mut want, mut got) = (vec![0.0; per_row * QK_K], vec![0.0; per_row * QK_K]);
        for r in [0, 5, 17, 31] {
            for (b, o) in blocks[r * per_row..(r + 1) * per_row].iter().zip(want.chunks_exact_mut(QK_K)) {
                X::dequantize(b, o);
            }
            dequantize_row(x, per_row, r, &mut got);
            assert_eq!(want, got, "row {r}");
        }
    }

    #[test]
    fn repacking_is_exact_and_rows_dequantize_alike() {
        let mut rng = StdRng::seed_from_u64(8);
        let (rows, per_row) = (32, 3);
        let q4: Vec<BlockQ4K> = random(&mut rng, rows * per_row);
        round_trip(&q4, &repack(&q4, rows, per_row), per_row, |a, b| {
            (a.d, a.dmin, a.scales, a.qs) == (b.d, b.dmin, b.scales, b.qs)
        });
        let q5: Vec<BlockQ5K> = random(&mut rng, rows * per_row);
        round_trip(&q5, &repack5(&q5, rows, per_row), per_row, |a, b| {
            (a.d, a.dmin, a.scales, a.qh, a.qs) == (b.d, b.dmin, b.scales, b.qh, b.qs)
        });
    }

    /// Every kernel this CPU runs, for 1 to 4 tokens, against GGML's own row kernel (the scalar dot).
    fn kernels_equal<const H: usize>(
        name: &str,
        rng: &mut StdRng,
        rows: impl Fn(&mut StdRng, usize) -> (Vec<<BlockX16<H> as Interleaved>::Row>, Vec<BlockX16<H>>),
        reference: fn(&[<BlockX16<H> as Interleaved>::Row], &[BlockQ8K]) -> f32,
    ) where
        BlockX16<H>: Interleaved,
    {
        for per_row in [1, 6] {
            let (blocks, x) = rows(rng, per_row);
            let tokens: Vec<Vec<BlockQ8K>> = (0..4)
                .map(|_| {
                    let v: Vec<f32> = (0..per_row * QK_K).map(|_| rand::Rng::random_range(rng, -2.0..2.0)).collect();
                    let mut q = Vec::new();
                    quantize_q8_k(&v, &mut q);
                    q
                })
                .collect();
            let sums: Vec<Vec<[i16; 8]>> = tokens.iter().map(|t| t.iter().map(sums32).collect()).collect();
            let acts: Vec<Acts<'_>> = tokens.iter().zip(&sums).map(|(b, s)| Acts { blocks: b, sums: s }).collect();
            let kernels = [
                ("scalar", Some(group_scalar::<H> as GroupFn<BlockX16<H>>)),
                ("avx2", group_fn_avx2::<H>()),
                ("fastest", Some(group_fn::<H>())),
            ];
            for (kind, kernel) in kernels.into_iter().filter_map(|(n, k)| Some((n, k?))) {
                for n in 1..=4 {
                    let mut out = vec![[0.0f32; ROWS]; n];
                    kernel(&x, &acts[..n], &mut out);
                    for (t, out) in out.iter().enumerate() {
                        for (r, &got) in out.iter().enumerate() {
                            let want = reference(&blocks[r * per_row..(r + 1) * per_row], &tokens[t]);
                            assert!(
                                (got - want).abs() <= 1e-5 * want.abs().max(1.0),
                                "{name} {kind} {n} tokens, row {r} token {t}: {got} vs {want}"
                            );
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn kernels_equal_the_row_reference() {
        let mut rng = StdRng::seed_from_u64(9);
        kernels_equal::<0>(
            "q4_k",
            &mut rng,
            |rng, per_row| {
                let b: Vec<BlockQ4K> = random(rng, ROWS * per_row);
                let x = repack(&b, ROWS, per_row);
                (b, x)
            },
            crate::dot::scalar::q4_k,
        );
        kernels_equal::<{ 4 * ROWS }>(
            "q5_k",
            &mut rng,
            |rng, per_row| {
                let b: Vec<BlockQ5K> = random(rng, ROWS * per_row);
                let x = repack5(&b, ROWS, per_row);
                (b, x)
            },
            crate::dot::scalar::q5_k,
        );
    }
}
