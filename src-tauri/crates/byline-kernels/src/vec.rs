//! f32 vector primitives for attention (q·k scores, weighted sums of v), with AVX2 + FMA where the CPU has
//! it. The build targets baseline x86-64 (SSE2 only), so without these the attention loops would run four
//! lanes wide without FMA.

/// `sum(a[i] * b[i])` over the shorter length.
pub fn dot(a: &[f32], b: &[f32]) -> f32 {
    #[cfg(target_arch = "x86_64")]
    if crate::dot::has_avx2() {
        // SAFETY: has_avx2() confirmed AVX2 and FMA (and F16C), the features `avx2::dot` is compiled for.
        return unsafe { avx2::dot(a, b) };
    }
    a.iter().zip(b).map(|(a, b)| a * b).sum()
}

/// `y[i] += alpha * x[i]` over the shorter length.
pub fn axpy(alpha: f32, x: &[f32], y: &mut [f32]) {
    #[cfg(target_arch = "x86_64")]
    if crate::dot::has_avx2() {
        // SAFETY: has_avx2() confirmed AVX2 and FMA (and F16C), the features `avx2::axpy` is compiled for.
        return unsafe { avx2::axpy(alpha, x, y) };
    }
    for (y, x) in y.iter_mut().zip(x) {
        *y += alpha * x;
    }
}

/// Attention scores: `out[j] = scale * q · rows[j]`, where row j is `q.len()` floats at `j * stride + offset`
/// of `rows` (one head of a `[position][head][dim]` cache). One call per head and query keeps the loop
/// inside this optimised crate and picks the kernel once.
pub fn scores(q: &[f32], rows: &[f32], stride: usize, offset: usize, scale: f32, out: &mut [f32]) {
    let d = q.len();
    let simd = crate::dot::has_avx2();
    for (j, o) in out.iter_mut().enumerate() {
        let row = &rows[j * stride + offset..j * stride + offset + d];
        #[cfg(target_arch = "x86_64")]
        if simd {
            // SAFETY: has_avx2() confirmed AVX2 and FMA (and F16C), the features `avx2::dot` is compiled for.
            *o = scale * unsafe { avx2::dot(q, row) };
            continue;
        }
        let _ = simd;
        *o = scale * q.iter().zip(row).map(|(a, b)| a * b).sum::<f32>();
    }
}

/// `out = sum_j p[j] * rows[j]`, rows laid out as in [`scores`].
pub fn weighted_sum(p: &[f32], rows: &[f32], stride: usize, offset: usize, out: &mut [f32]) {
    let d = out.len();
    out.fill(0.0);
    for (j, &w) in p.iter().enumerate() {
        axpy(w, &rows[j * stride + offset..j * stride + offset + d], out);
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

    #[target_feature(enable = "avx2,fma")]
    pub fn axpy(alpha: f32, x: &[f32], y: &mut [f32]) {
        let n = x.len().min(y.len());
        let va = _mm256_set1_ps(alpha);
        let mut i = 0;
        while i + 8 <= n {
            // SAFETY: i + 8 <= n, so the 8-float load from x and load/store on y stay inside the slices.
            unsafe {
                let py = y.as_mut_ptr().add(i);
                _mm256_storeu_ps(py, _mm256_fmadd_ps(va, _mm256_loadu_ps(x.as_ptr().add(i)), _mm256_loadu_ps(py)));
            }
            i += 8;
        }
        for (y, x) in y[i..n].iter_mut().zip(&x[i..n]) {
            *y += alpha * x;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scores_and_weighted_sums_read_one_head_of_a_strided_cache() {
        // 5 positions of 2 heads of 3 dims; head 1 starts at offset 3.
        let cache: Vec<f32> = (0..30).map(|i| i as f32 * 0.1).collect();
        let q = [1.0, -2.0, 0.5];
        let mut s = [0.0; 5];
        scores(&q, &cache, 6, 3, 0.5, &mut s);
        for (j, v) in s.iter().enumerate() {
            let row = &cache[j * 6 + 3..j * 6 + 6];
            let expect = 0.5 * (row[0] - 2.0 * row[1] + 0.5 * row[2]);
            assert!((v - expect).abs() < 1e-5, "score {j}");
        }
        let mut out = [9.0; 3];
        weighted_sum(&[0.25, 0.0, 0.0, 0.0, 0.75], &cache, 6, 3, &mut out);
        for (d, v) in out.iter().enumerate() {
            let expect = 0.25 * cache[3 + d] + 0.75 * cache[4 * 6 + 3 + d];
            assert!((v - expect).abs() < 1e-5, "dim {d}");
        }
    }

    #[test]
    fn dot_and_axpy_match_plain_loops_at_every_tail_length() {
        for n in [0, 1, 7, 8, 15, 16, 17, 64, 100] {
            let a: Vec<f32> = (0..n).map(|i| (i as f32 * 0.37).sin()).collect();
            let b: Vec<f32> = (0..n).map(|i| (i as f32 * 0.11).cos()).collect();
            let plain: f32 = a.iter().zip(&b).map(|(a, b)| a * b).sum();
            assert!((dot(&a, &b) - plain).abs() <= 1e-4, "dot at {n}");
            let mut y = b.clone();
            axpy(0.5, &a, &mut y);
            for i in 0..n {
                assert!((y[i] - (b[i] + 0.5 * a[i])).abs() <= 1e-6, "axpy at {n}, {i}");
            }
        }
    }
}
