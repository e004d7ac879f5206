//! f32 vector primitives: a dot product and one head's attention over a KV cache, with AVX2 + FMA where the
//! CPU has it. The build targets baseline x86-64 (SSE2 only), so without these the loops would run four lanes
//! wide without FMA.

/// `sum(a[i] * b[i])` over the shorter length.
pub fn dot(a: &[f32], b: &[f32]) -> f32 {
    #[cfg(target_arch = "x86_64")]
    if crate::dot::has_avx2() {
        // SAFETY: has_avx2() confirmed AVX2 and FMA (and F16C), the features `avx2::dot` is compiled for.
        return unsafe { avx2::dot(a, b) };
    }
    a.iter().zip(b).map(|(a, b)| a * b).sum()
}

/// What a KV cache stores: `f32`, or `u16` holding IEEE half-precision bits (half the bytes that every
/// decoded token reads back; llama.cpp's default cache type, rounded to nearest even the same way).
pub trait CacheElement: Copy + Default + Send + Sync + sealed::Sealed + 'static {
    /// Appends `src`, converted, to `dst`.
    fn extend(dst: &mut Vec<Self>, src: &[f32]);
    fn to_f32(self) -> f32;
}

mod sealed {
    #[cfg(target_arch = "x86_64")]
    pub trait Sealed: super::avx2::Load8 {}
    #[cfg(not(target_arch = "x86_64"))]
    pub trait Sealed {}
    impl Sealed for f32 {}
    impl Sealed for u16 {}
}

impl CacheElement for f32 {
    fn extend(dst: &mut Vec<f32>, src: &[f32]) {
        dst.extend_from_slice(src);
    }
    fn to_f32(self) -> f32 {
        self
    }
}

impl CacheElement for u16 {
    fn extend(dst: &mut Vec<u16>, src: &[f32]) {
        let start = dst.len();
        dst.resize(start + src.len(), 0);
        let out = &mut dst[start..];
        #[cfg(target_arch = "x86_64")]
        if crate::dot::has_avx2() {
            // SAFETY: has_avx2() confirmed F16C (with AVX2), and `out` is exactly as long as `src`.
            return unsafe { avx2::to_f16(src, out) };
        }
        for (o, x) in out.iter_mut().zip(src) {
            *o = crate::blocks::f32_to_f16(*x);
        }
    }
    fn to_f32(self) -> f32 {
        crate::blocks::f16_to_f32(self)
    }
}

/// Causal attention of one query head: `out = softmax(scale * q · k_j) · v_j` over positions `0..len`, where
/// position j's key is `q.len()` elements at `j * stride + offset` of `k` (one head of a
/// `[position][head][dim]` cache) and its value sits at the same place in `v`. `scores` is scratch space
/// reused between calls.
///
/// One call per head and query keeps the whole loop inside this crate: scores four positions at a time, a
/// vectorised exp for the softmax, and the weighted sum accumulated in registers rather than in `out`.
#[allow(clippy::too_many_arguments)]
pub fn attend<E: CacheElement>(
    q: &[f32],
    k: &[E],
    v: &[E],
    stride: usize,
    offset: usize,
    len: usize,
    scale: f32,
    scores: &mut Vec<f32>,
    out: &mut [f32],
) {
    let d = q.len();
    assert!(out.len() == d, "attention output must be one head wide");
    assert!(len > 0, "attention needs at least one position");
    let need = (len - 1) * stride + offset + d;
    assert!(k.len() >= need && v.len() >= need, "the cache is shorter than {len} positions");
    scores.clear();
    scores.resize(len, 0.0);
    #[cfg(target_arch = "x86_64")]
    if crate::dot::has_avx2() && d.is_multiple_of(8) {
        // SAFETY: has_avx2() confirmed AVX2 and FMA, the features the kernel is compiled for; the asserts
        // above guarantee every row the kernel reads lies inside `k` and `v`, and `d` is a multiple of 8.
        return unsafe { avx2::attend(q, k, v, stride, offset, scale, scores, out) };
    }
    attend_scalar(q, k, v, stride, offset, scale, scores, out);
}

/// The portable reference for [`attend`]; `scores` is already `len` long.
#[allow(clippy::too_many_arguments)]
fn attend_scalar<E: CacheElement>(
    q: &[f32],
    k: &[E],
    v: &[E],
    stride: usize,
    offset: usize,
    scale: f32,
    scores: &mut [f32],
    out: &mut [f32],
) {
    let d = q.len();
    let row = |j: usize| j * stride + offset..j * stride + offset + d;
    for (j, s) in scores.iter_mut().enumerate() {
        *s = scale * q.iter().zip(&k[row(j)]).map(|(a, &b)| a * b.to_f32()).sum::<f32>();
    }
    let max = scores.iter().fold(f32::NEG_INFINITY, |m, &s| m.max(s));
    let mut sum = 0.0;
    for s in scores.iter_mut() {
        *s = (*s - max).exp();
        sum += *s;
    }
    out.fill(0.0);
    for (j, &p) in scores.iter().enumerate() {
        for (o, &x) in out.iter_mut().zip(&v[row(j)]) {
            *o += p / sum * x.to_f32();
        }
    }
}

#[cfg(target_arch = "x86_64")]
mod avx2 {
    use std::arch::x86_64::*;

    #[target_feature(enable = "avx2,fma")]
    pub fn dot(a: &[f32], b: &[f32]) -> f32 {
        let n = a.len().min(b.len());
        let (mut acc0, mut acc1) = (_mm256_setzero_ps(), _mm256_setzero_ps());
        let mut i = 0;
        while i + 16 <= n {
            // SAFETY: i + 16 <= n, so both 8-float loads at i and i + 8 stay inside both slices.
            unsafe {
                let (pa, pb) = (a.as_ptr().add(i), b.as_ptr().add(i));
                acc0 = _mm256_fmadd_ps(_mm256_loadu_ps(pa), _mm256_loadu_ps(pb), acc0);
                acc1 = _mm256_fmadd_ps(_mm256_loadu_ps(pa.add(8)), _mm256_loadu_ps(pb.add(8)), acc1);
            }
            i += 16;
        }
        let v = _mm256_add_ps(acc0, acc1);
        let s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
        let s = _mm_add_ps(s, _mm_movehl_ps(s, s));
        let sum = _mm_cvtss_f32(_mm_add_ss(s, _mm_movehdup_ps(s)));
        sum + a[i..n].iter().zip(&b[i..n]).map(|(a, b)| a * b).sum::<f32>()
    }

    /// `e^x` for eight lanes at once, x ≤ 0 (softmax after subtracting the maximum): n = round(x / ln 2),
    /// r = x - n ln 2 in two parts for precision, e^r by Cephes' degree-6 polynomial, then 2^n put into the
    /// exponent bits. Below -87 the result is flushed to 2^-126-ish, far under one part in 2^24 of a
    /// softmax sum that is at least 1. Relative error about 2e-7, like the C library's expf.
    #[inline]
    #[target_feature(enable = "avx2,fma")]
    pub(super) fn exp(x: __m256) -> __m256 {
        let x = _mm256_max_ps(x, _mm256_set1_ps(-87.0));
        let n = _mm256_round_ps(
            _mm256_mul_ps(x, _mm256_set1_ps(std::f32::consts::LOG2_E)),
            _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC,
        );
        let r = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693_359_4), x);
        let r = _mm256_fnmadd_ps(n, _mm256_set1_ps(-2.121_944_4e-4), r);
        let mut p = _mm256_set1_ps(1.987_569_1e-4);
        for c in [1.398_199_9e-3, 8.333_452e-3, 4.166_579_6e-2, 1.666_666_5e-1, 0.5] {
            p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(c));
        }
        let e = _mm256_add_ps(_mm256_fmadd_ps(p, _mm256_mul_ps(r, r), r), _mm256_set1_ps(1.0));
        let pow2 = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
        _mm256_mul_ps(e, _mm256_castsi256_ps(pow2))
    }

    /// Eight cache elements as floats.
    pub trait Load8: Sized {
        /// # Safety
        /// `p` points at 8 readable elements, and the CPU has AVX2 and F16C.
        unsafe fn load8(p: *const Self) -> __m256;
    }

    impl Load8 for f32 {
        #[inline]
        #[target_feature(enable = "avx2,fma,f16c")]
        unsafe fn load8(p: *const f32) -> __m256 {
            // SAFETY: guaranteed by the caller; loadu has no alignment requirement.
            unsafe { _mm256_loadu_ps(p) }
        }
    }

    impl Load8 for u16 {
        #[inline]
        #[target_feature(enable = "avx2,fma,f16c")]
        unsafe fn load8(p: *const u16) -> __m256 {
            // SAFETY: guaranteed by the caller; loadu has no alignment requirement.
            unsafe { _mm256_cvtph_ps(_mm_loadu_si128(p.cast())) }
        }
    }

    /// Half-precision bits of `src` into `out`, which is as long (see `CacheElement for u16`).
    #[target_feature(enable = "avx2,fma,f16c")]
    pub fn to_f16(src: &[f32], out: &mut [u16]) {
        let mut i = 0;
        while i + 8 <= src.len().min(out.len()) {
            // SAFETY: i + 8 is within both slices.
            unsafe {
                let h = _mm256_cvtps_ph(_mm256_loadu_ps(src.as_ptr().add(i)), _MM_FROUND_TO_NEAREST_INT);
                _mm_storeu_si128(out.as_mut_ptr().add(i).cast(), h);
            }
            i += 8;
        }
        for (o, x) in out[i..].iter_mut().zip(&src[i..]) {
            *o = crate::blocks::f32_to_f16(*x);
        }
    }

    #[inline]
    #[target_feature(enable = "avx2,fma")]
    fn hsum(v: __m256) -> f32 {
        let s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
        let s = _mm_add_ps(s, _mm_movehl_ps(s, s));
        _mm_cvtss_f32(_mm_add_ss(s, _mm_movehdup_ps(s)))
    }

    /// See [`super::attend`].
    ///
    /// # Safety
    /// The CPU has AVX2, FMA and F16C; `q.len()` and `out.len()` are the same multiple of 8; `scores` holds at least
    /// one position, and for every j below `scores.len()`, `j * stride + offset + q.len()` is within `k` and `v`.
    #[target_feature(enable = "avx2,fma,f16c")]
    #[allow(clippy::too_many_arguments, clippy::needless_range_loop)]
    pub unsafe fn attend<E: Load8>(
        q: &[f32],
        k: &[E],
        v: &[E],
        stride: usize,
        offset: usize,
        scale: f32,
        scores: &mut [f32],
        out: &mut [f32],
    ) {
        let (d, len) = (q.len(), scores.len());
        let (qp, kp, vp, sp) =
            (q.as_ptr(), k.as_ptr().wrapping_add(offset), v.as_ptr().wrapping_add(offset), scores.as_mut_ptr());
        // Scores, four positions at a time: four independent FMA chains over the head's dimensions.
        let mut j = 0;
        while j + 4 <= len {
            let (mut a0, mut a1, mut a2, mut a3) =
                (_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps());
            let row = |i: usize| kp.wrapping_add((j + i) * stride);
            let mut c = 0;
            while c < d {
                // SAFETY: c + 8 <= d and j + 3 < len, so each 8-half load is inside q or inside a key row
                // of positions j..j + 4 (the caller's contract).
                unsafe {
                    let qv = _mm256_loadu_ps(qp.add(c));
                    a0 = _mm256_fmadd_ps(qv, E::load8(row(0).add(c)), a0);
                    a1 = _mm256_fmadd_ps(qv, E::load8(row(1).add(c)), a1);
                    a2 = _mm256_fmadd_ps(qv, E::load8(row(2).add(c)), a2);
                    a3 = _mm256_fmadd_ps(qv, E::load8(row(3).add(c)), a3);
                }
                c += 8;
            }
            for (i, a) in [a0, a1, a2, a3].into_iter().enumerate() {
                // SAFETY: j + i < len = scores.len().
                unsafe { *sp.add(j + i) = scale * hsum(a) };
            }
            j += 4;
        }
        while j < len {
            let mut a = _mm256_setzero_ps();
            let mut c = 0;
            while c < d {
                // SAFETY: as above, for position j < len.
                unsafe {
                    a = _mm256_fmadd_ps(_mm256_loadu_ps(qp.add(c)), E::load8(kp.wrapping_add(j * stride).add(c)), a)
                };
                c += 8;
            }
            // SAFETY: j < len = scores.len().
            unsafe { *sp.add(j) = scale * hsum(a) };
            j += 1;
        }
        // Softmax: the maximum, then e^(s - max) eight at a time, summed.
        let max = scores.iter().fold(f32::NEG_INFINITY, |m, &s| m.max(s));
        let (vmax, mut vsum) = (_mm256_set1_ps(max), _mm256_setzero_ps());
        let mut chunks = scores.chunks_exact_mut(8);
        for c in &mut chunks {
            // SAFETY: the chunk is exactly 8 floats.
            unsafe {
                let e = exp(_mm256_sub_ps(_mm256_loadu_ps(c.as_ptr()), vmax));
                _mm256_storeu_ps(c.as_mut_ptr(), e);
                vsum = _mm256_add_ps(vsum, e);
            }
        }
        let mut sum = hsum(vsum);
        for s in chunks.into_remainder() {
            *s = (*s - max).exp();
            sum += *s;
        }
        // The weighted sum of values, 32 dimensions at a time held in four registers while every position
        // passes; positions alternate between two sets of accumulators so eight FMA chains run at once.
        let inv = 1.0 / sum;
        let mut c = 0;
        while c < d {
            let w = (d - c).min(32) / 8;
            let (mut a, mut b) = ([_mm256_setzero_ps(); 4], [_mm256_setzero_ps(); 4]);
            let mut j = 0;
            while j + 2 <= len {
                // SAFETY: j + 1 < len and c + 8 * w <= d, so every load is inside a value row.
                unsafe {
                    let (p0, p1) = (_mm256_set1_ps(*sp.add(j)), _mm256_set1_ps(*sp.add(j + 1)));
                    let (r0, r1) = (vp.add(j * stride + c), vp.add((j + 1) * stride + c));
                    for i in 0..w {
                        a[i] = _mm256_fmadd_ps(p0, E::load8(r0.add(8 * i)), a[i]);
                        b[i] = _mm256_fmadd_ps(p1, E::load8(r1.add(8 * i)), b[i]);
                    }
                }
                j += 2;
            }
            if j < len {
                // SAFETY: j < len, and the loads stay inside the row as above.
                unsafe {
                    let (p0, r0) = (_mm256_set1_ps(*sp.add(j)), vp.add(j * stride + c));
                    for i in 0..w {
                        a[i] = _mm256_fmadd_ps(p0, E::load8(r0.add(8 * i)), a[i]);
                    }
                }
            }
            let vinv = _mm256_set1_ps(inv);
            for i in 0..w {
                // SAFETY: c + 8 * i + 8 <= d = out.len().
                unsafe {
                    _mm256_storeu_ps(out.as_mut_ptr().add(c + 8 * i), _mm256_mul_ps(_mm256_add_ps(a[i], b[i]), vinv))
                };
            }
            c += 8 * w;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wave(n: usize, a: f32, b: f32) -> Vec<f32> {
        (0..n).map(|i| (i as f32 * a + b).sin() * 2.0).collect()
    }

    fn check_every_shape<E: CacheElement>() {
        // Head widths with 32-float blocks, a 16- or 8-float tail, and one that is not a multiple of 8 (the
        // portable path); lengths around the four-position score blocks and the two-position value steps.
        for d in [8, 24, 48, 64, 80, 128, 6] {
            for len in [1, 2, 3, 4, 5, 7, 9, 64, 601] {
                let (heads, head) = (3, 1);
                let stride = heads * d;
                let (mut k, mut v) = (Vec::<E>::new(), Vec::<E>::new());
                E::extend(&mut k, &wave(len * stride, 0.37, 0.1));
                E::extend(&mut v, &wave(len * stride, 0.11, 0.7));
                let q = wave(d, 0.53, 0.3);
                let (mut fast, mut plain) = (vec![0.0; d], vec![0.0; d]);
                let mut scratch = Vec::new();
                attend(&q, &k, &v, stride, head * d, len, 0.125, &mut scratch, &mut fast);
                let mut s = vec![0.0; len];
                attend_scalar(&q, &k, &v, stride, head * d, 0.125, &mut s, &mut plain);
                for (i, (a, b)) in fast.iter().zip(&plain).enumerate() {
                    assert!((a - b).abs() <= 2e-5 * (1.0 + b.abs()), "d {d}, len {len}, dim {i}: {a} vs {b}");
                }
            }
        }
    }

    #[test]
    fn attention_matches_the_scalar_reference_for_every_shape() {
        check_every_shape::<f32>();
        check_every_shape::<u16>();
    }

    #[test]
    fn attention_over_one_position_returns_its_value() {
        let (mut k, mut v) = (Vec::<u16>::new(), Vec::<u16>::new());
        CacheElement::extend(&mut k, &[0.5, -1.0, 2.0, 0.0, 1.0, 1.0, 1.0, 1.0]);
        let values: Vec<f32> = (0..8).map(|i| i as f32).collect();
        CacheElement::extend(&mut v, &values);
        let mut out = [9.0; 8];
        attend(&[1.0; 8], &k, &v, 8, 0, 1, 1.0, &mut Vec::new(), &mut out);
        assert_eq!(out.to_vec(), values);
    }

    #[cfg(target_arch = "x86_64")]
    #[test]
    fn vector_exp_matches_the_library_exp_where_softmax_uses_it() {
        if !crate::dot::has_avx2() {
            return;
        }
        use std::arch::x86_64::*;
        let xs: Vec<f32> = (0..=10_000).map(|i| -100.0 * i as f32 / 10_000.0).collect();
        for c in xs.chunks_exact(8) {
            let mut got = [0.0f32; 8];
            // SAFETY: AVX2 and FMA are present (checked above); both pointers cover 8 floats.
            unsafe { _mm256_storeu_ps(got.as_mut_ptr(), avx2::exp(_mm256_loadu_ps(c.as_ptr()))) };
            for (x, g) in c.iter().zip(got) {
                let want = x.exp();
                if *x >= -87.0 {
                    assert!((g - want).abs() <= 4e-7 * want, "exp({x}) = {g}, want {want}");
                } else {
                    assert!(g <= 2e-38, "exp({x}) = {g} should be negligible");
                }
            }
        }
    }

    #[test]
    fn halves_round_to_nearest_even_on_every_path() {
        let xs: Vec<f32> = (0..1000).map(|i| (i as f32 * 0.731).sin() * 10f32.powi(i % 9 - 4)).collect();
        let mut fast = Vec::<u16>::new();
        CacheElement::extend(&mut fast, &xs[..3]);
        CacheElement::extend(&mut fast, &xs[3..]);
        let plain: Vec<u16> = xs.iter().map(|&x| half::f16::from_f32(x).to_bits()).collect();
        assert_eq!(fast, plain);
    }

    #[test]
    fn dot_matches_a_plain_loop_at_every_tail_length() {
        for n in [0, 1, 7, 8, 15, 16, 17, 64, 100] {
            let a: Vec<f32> = (0..n).map(|i| (i as f32 * 0.37).sin()).collect();
            let b: Vec<f32> = (0..n).map(|i| (i as f32 * 0.11).cos()).collect();
            let plain: f32 = a.iter().zip(&b).map(|(a, b)| a * b).sum();
            assert!((dot(&a, &b) - plain).abs() <= 1e-4, "dot at {n}");
        }
    }
}
