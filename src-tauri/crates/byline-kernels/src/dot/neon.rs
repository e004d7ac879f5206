//! NEON dot products for aarch64 (Apple Silicon, ARM laptops and servers), where NEON is part of the
//! base architecture, so no run-time check is needed. Each 16-byte half of a block is multiplied with
//! widening multiplies (`smull`, signed bytes to 16-bit products) and folded into 32-bit lanes by
//! pairwise accumulation (`sadalp`), one product at a time, so no 16-bit sum can overflow; the block scale
//! is applied in floats once per block, as in the scalar reference. The k-quants keep GGML's row layout
//! on aarch64 (the interleaved layout is built for x86's `maddubs`).

use std::arch::aarch64::*;

use crate::blocks::*;

/// `acc + sum(a * b)` over 16 signed bytes, in four 32-bit lanes.
#[inline]
fn mac16(acc: int32x4_t, a: int8x16_t, b: int8x16_t) -> int32x4_t {
    // SAFETY: NEON is part of every aarch64 CPU; these are register-only operations.
    unsafe {
        let lo = vmull_s8(vget_low_s8(a), vget_low_s8(b));
        let hi = vmull_high_s8(a, b);
        vpadalq_s16(vpadalq_s16(acc, lo), hi)
    }
}

/// 16 bytes from a slice of at least 16.
#[inline]
fn load(bytes: &[u8]) -> uint8x16_t {
    assert!(bytes.len() >= 16);
    // SAFETY: the assertion above guarantees 16 readable bytes; vld1q has no alignment requirement.
    unsafe { vld1q_u8(bytes.as_ptr()) }
}

#[inline]
fn load_i8(bytes: &[i8]) -> int8x16_t {
    assert!(bytes.len() >= 16);
    // SAFETY: the assertion above guarantees 16 readable bytes; vld1q has no alignment requirement.
    unsafe { vld1q_s8(bytes.as_ptr()) }
}

#[inline]
fn zero() -> int32x4_t {
    // SAFETY: NEON is part of every aarch64 CPU.
    unsafe { vdupq_n_s32(0) }
}

#[inline]
fn total(v: int32x4_t) -> i32 {
    // SAFETY: NEON is part of every aarch64 CPU.
    unsafe { vaddvq_s32(v) }
}

/// The low and high nibbles of 16 bytes as unsigned values 0..16 (elements 0..16 and 16..32 of a legacy
/// 4-bit block).
#[inline]
fn nibbles(qs: &[u8]) -> (int8x16_t, int8x16_t) {
    let q = load(qs);
    // SAFETY: NEON is part of every aarch64 CPU.
    unsafe { (vreinterpretq_s8_u8(vandq_u8(q, vdupq_n_u8(0x0F))), vreinterpretq_s8_u8(vshrq_n_u8::<4>(q))) }
}

#[inline]
fn offset(v: int8x16_t, by: i8) -> int8x16_t {
    // SAFETY: NEON is part of every aarch64 CPU.
    unsafe { vsubq_s8(v, vdupq_n_s8(by)) }
}

/// Integer dot product of 32 values with 32 activation bytes.
#[inline]
fn dot32(lo: int8x16_t, hi: int8x16_t, a: &[i8]) -> i32 {
    total(mac16(mac16(zero(), lo, load_i8(&a[..16])), hi, load_i8(&a[16..32])))
}

pub fn q4_0(w: &[BlockQ4_0], a: &[BlockQ8_0]) -> f32 {
    w.iter()
        .zip(a)
        .map(|(w, a)| {
            let (lo, hi) = nibbles(&w.qs);
            dot32(offset(lo, 8), offset(hi, 8), &a.qs) as f32 * f16_to_f32(w.d) * f16_to_f32(a.d)
        })
        .sum()
}

pub fn q4_1(w: &[BlockQ4_1], a: &[BlockQ8_1]) -> f32 {
    w.iter()
        .zip(a)
        .map(|(w, a)| {
            let (lo, hi) = nibbles(&w.qs);
            dot32(lo, hi, &a.qs) as f32 * f16_to_f32(w.d) * f16_to_f32(a.d) + f16_to_f32(w.m) * f16_to_f32(a.s)
        })
        .sum()
}

/// The 32 five-bit values of a Q5 block as two vectors: the nibbles, with bit k of `qh` as bit 4 of
/// element k (each byte tests its own bit of the 32-bit mask).
#[inline]
fn q5(qh: [u8; 4], qs: &[u8; 16]) -> (int8x16_t, int8x16_t) {
    let (lo, hi) = nibbles(qs);
    let h = u32::from_le_bytes(qh);
    const BITS: [u8; 16] = [1, 2, 4, 8, 16, 32, 64, 128, 1, 2, 4, 8, 16, 32, 64, 128];
    // SAFETY: NEON is part of every aarch64 CPU; BITS is 16 readable bytes.
    unsafe {
        let bits = vld1q_u8(BITS.as_ptr());
        let spread = |half: u32| {
            let b = [half as u8, (half >> 8) as u8];
            let bytes = vcombine_u8(vdup_n_u8(b[0]), vdup_n_u8(b[1]));
            // 0x10 where the bit is set, else 0.
            vandq_u8(vtstq_u8(bytes, bits), vdupq_n_u8(0x10))
        };
        (
            vreinterpretq_s8_u8(vorrq_u8(vreinterpretq_u8_s8(lo), spread(h & 0xFFFF))),
            vreinterpretq_s8_u8(vorrq_u8(vreinterpretq_u8_s8(hi), spread(h >> 16))),
        )
    }
}

pub fn q5_0(w: &[BlockQ5_0], a: &[BlockQ8_0]) -> f32 {
    w.iter()
        .zip(a)
        .map(|(w, a)| {
            let (lo, hi) = q5(w.qh, &w.qs);
            dot32(offset(lo, 16), offset(hi, 16), &a.qs) as f32 * f16_to_f32(w.d) * f16_to_f32(a.d)
        })
        .sum()
}

pub fn q5_1(w: &[BlockQ5_1], a: &[BlockQ8_1]) -> f32 {
    w.iter()
        .zip(a)
        .map(|(w, a)| {
            let (lo, hi) = q5(w.qh, &w.qs);
            dot32(lo, hi, &a.qs) as f32 * f16_to_f32(w.d) * f16_to_f32(a.d) + f16_to_f32(w.m) * f16_to_f32(a.s)
        })
        .sum()
}

pub fn q8_0(w: &[BlockQ8_0], a: &[BlockQ8_0]) -> f32 {
    w.iter()
        .zip(a)
        .map(|(w, a)| {
            dot32(load_i8(&w.qs[..16]), load_i8(&w.qs[16..]), &a.qs) as f32 * f16_to_f32(w.d) * f16_to_f32(a.d)
        })
        .sum()
}

/// One Q4_K or Q5_K block: per sub-block, `d * sc * sum(q * y) - dmin * m * sum(y)`, with `sum(y)` from the
/// activation's group sums; `values(sub)` gives the 32 values of sub-block `sub`.
#[inline]
fn k_block(
    d: u16,
    dmin: u16,
    scales: &[u8; 12],
    a: &BlockQ8K,
    values: impl Fn(usize) -> (int8x16_t, int8x16_t),
) -> f32 {
    let (mut scaled, mut mins) = (0i32, 0i32);
    for sub in 0..8 {
        let (sc, m) = q4k_scale_min(sub, scales);
        let (x0, x1) = values(sub);
        scaled += i32::from(sc) * dot32(x0, x1, &a.qs[32 * sub..32 * sub + 32]);
        mins += i32::from(m) * (i32::from(a.bsums[2 * sub]) + i32::from(a.bsums[2 * sub + 1]));
    }
    a.d * (f16_to_f32(d) * scaled as f32 - f16_to_f32(dmin) * mins as f32)
}

pub fn q4_k(w: &[BlockQ4K], a: &[BlockQ8K]) -> f32 {
    w.iter()
        .zip(a)
        .map(|(w, a)| {
            // Sub-blocks 2j and 2j + 1 are the low and high nibbles of the same 32 bytes.
            k_block(w.d, w.dmin, &w.scales, a, |sub| {
                let q = &w.qs[32 * (sub / 2)..32 * (sub / 2) + 32];
                let ((lo0, hi0), (lo1, hi1)) = (nibbles(&q[..16]), nibbles(&q[16..]));
                if sub.is_multiple_of(2) { (lo0, lo1) } else { (hi0, hi1) }
            })
        })
        .sum()
}

pub fn q5_k(w: &[BlockQ5K], a: &[BlockQ8K]) -> f32 {
    w.iter()
        .zip(a)
        .map(|(w, a)| {
            k_block(w.d, w.dmin, &w.scales, a, |sub| fifth_bits(&w.qs[32 * (sub / 2)..32 * (sub / 2) + 32], &w.qh, sub))
        })
        .sum()
}

/// Sub-block `sub` of a Q5_K block: the nibble (low for even, high for odd sub-blocks) of each of 32
/// bytes, with bit `sub` of `qh[i]` as bit 4.
#[inline]
fn fifth_bits(q: &[u8], qh: &[u8; 32], sub: usize) -> (int8x16_t, int8x16_t) {
    let part = |from: usize| {
        let bytes = load(&q[from..from + 16]);
        let high = load(&qh[from..from + 16]);
        // SAFETY: NEON is part of every aarch64 CPU.
        unsafe {
            let nib = if sub.is_multiple_of(2) { vandq_u8(bytes, vdupq_n_u8(0x0F)) } else { vshrq_n_u8::<4>(bytes) };
            let bit = vandq_u8(vtstq_u8(high, vdupq_n_u8(1 << sub)), vdupq_n_u8(0x10));
            vreinterpretq_s8_u8(vorrq_u8(nib, bit))
        }
    };
    (part(0), part(16))
}

/// Per group of 16: `d * sc * sum((q - 32) * y)`; the -32 is applied through the group sums.
pub fn q6_k(w: &[BlockQ6K], a: &[BlockQ8K]) -> f32 {
    w.iter()
        .zip(a)
        .map(|(w, a)| {
            let mut sum = 0i32;
            for half in 0..2 {
                let (ql, qh) = (&w.ql[64 * half..64 * half + 64], &w.qh[32 * half..32 * half + 32]);
                // Elements l, l + 32, l + 64, l + 96 of the half for l in 0..32, 16 at a time.
                for part in 0..2 {
                    let l = 16 * part;
                    let (low_a, low_b) = (load(&ql[l..l + 16]), load(&ql[l + 32..l + 48]));
                    let high = load(&qh[l..l + 16]);
                    // SAFETY: NEON is part of every aarch64 CPU.
                    let quarters = unsafe {
                        let m4 = vdupq_n_u8(0x0F);
                        let m2 = vdupq_n_u8(3);
                        [
                            vorrq_u8(vandq_u8(low_a, m4), vshlq_n_u8::<4>(vandq_u8(high, m2))),
                            vorrq_u8(vandq_u8(low_b, m4), vshlq_n_u8::<4>(vandq_u8(vshrq_n_u8::<2>(high), m2))),
                            vorrq_u8(vshrq_n_u8::<4>(low_a), vshlq_n_u8::<4>(vandq_u8(vshrq_n_u8::<4>(high), m2))),
                            vorrq_u8(vshrq_n_u8::<4>(low_b), vshlq_n_u8::<4>(vshrq_n_u8::<6>(high))),
                        ]
                    };
                    for (k, q) in quarters.into_iter().enumerate() {
                        // Element index of the first of these 16 values, and its group of 16.
                        let at = 128 * half + 32 * k + l;
                        let g = at / 16;
                        // SAFETY: NEON is part of every aarch64 CPU.
                        let q = unsafe { vreinterpretq_s8_u8(q) };
                        let dot = total(mac16(zero(), q, load_i8(&a.qs[at..at + 16])));
                        sum += i32::from(w.scales[g]) * (dot - 32 * i32::from(a.bsums[g]));
                    }
                }
            }
            a.d * f16_to_f32(w.d) * sum as f32
        })
        .sum()
}

/// Bit pair k (0..4) of 16 bytes: the 2-bit values of quarter k of a Q2_K or Q3_K half, 0..4.
#[inline]
fn two_bits(q: uint8x16_t, k: usize) -> uint8x16_t {
    // SAFETY: NEON is part of every aarch64 CPU; register-only operations.
    unsafe {
        let shifted = match k {
            0 => q,
            1 => vshrq_n_u8::<2>(q),
            2 => vshrq_n_u8::<4>(q),
            _ => vshrq_n_u8::<6>(q),
        };
        vandq_u8(shifted, vdupq_n_u8(3))
    }
}

/// Σ over the 16 groups of `scale(g) · Σ value · activation`, with `values(half, l, k)` giving the 16
/// unsigned values of quarter k of a half starting at byte l (element 128·half + 32·k + l).
#[inline]
fn grouped(a: &BlockQ8K, scale: impl Fn(usize) -> i32, values: impl Fn(usize, usize, usize) -> uint8x16_t) -> i32 {
    let mut sum = 0i32;
    for half in 0..2 {
        for l in [0, 16] {
            for k in 0..4 {
                let at = 128 * half + 32 * k + l;
                // SAFETY: NEON is part of every aarch64 CPU; the values are below 8, valid as signed bytes.
                let v = unsafe { vreinterpretq_s8_u8(values(half, l, k)) };
                sum += scale(at / 16) * total(mac16(zero(), v, load_i8(&a.qs[at..at + 16])));
            }
        }
    }
    sum
}

pub fn q2_k(w: &[BlockQ2K], a: &[BlockQ8K]) -> f32 {
    w.iter()
        .zip(a)
        .map(|(w, a)| {
            let sum = grouped(
                a,
                |g| i32::from(w.scales[g] & 0xF),
                |half, l, k| two_bits(load(&w.qs[32 * half + l..32 * half + l + 16]), k),
            );
            let mins: i32 = (0..16).map(|g| i32::from(w.scales[g] >> 4) * i32::from(a.bsums[g])).sum();
            a.d * (f16_to_f32(w.d) * sum as f32 - f16_to_f32(w.dmin) * mins as f32)
        })
        .sum()
}

/// Q3_K's values are taken as q + 4 (0..8: the two low bits, plus 4 where the high bit is set), and
/// 4 · Σ scale · group sum comes off at the end.
pub fn q3_k(w: &[BlockQ3K], a: &[BlockQ8K]) -> f32 {
    w.iter()
        .zip(a)
        .map(|(w, a)| {
            let scales = q3k_scales(w);
            let sum = grouped(
                a,
                |g| i32::from(scales[g]),
                |half, l, k| {
                    let low = two_bits(load(&w.qs[32 * half + l..32 * half + l + 16]), k);
                    let bit = (4 * half + k) as i8;
                    // SAFETY: NEON is part of every aarch64 CPU; register-only operations.
                    unsafe {
                        let high = vandq_u8(vshlq_u8(load(&w.hmask[l..l + 16]), vdupq_n_s8(-bit)), vdupq_n_u8(1));
                        vorrq_u8(low, vshlq_n_u8::<2>(high))
                    }
                },
            );
            let offsets: i32 = (0..16).map(|g| i32::from(scales[g]) * i32::from(a.bsums[g])).sum();
            a.d * f16_to_f32(w.d) * (sum - 4 * offsets) as f32
        })
        .sum()
}
