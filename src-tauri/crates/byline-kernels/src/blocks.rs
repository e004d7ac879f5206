//! GGML's quantized block layouts, byte for byte as they sit in a GGUF file, and their dequantization.
//!
//! Every block is `#[repr(C)]` with only integer fields (half floats are kept as their `u16` bits), so any
//! byte pattern is a valid block and a tensor's bytes can be copied straight into a `Vec` of blocks. The
//! dequantization here is the reference the dot products are tested against.

use half::f16;

/// Elements per block of the legacy formats (Q4_0 … Q8_1).
pub const QK: usize = 32;
/// Elements per super-block of the k-quants.
pub const QK_K: usize = 256;

#[inline]
pub(crate) fn f16_to_f32(bits: u16) -> f32 {
    f16::from_bits(bits).to_f32()
}

#[inline]
pub(crate) fn f32_to_f16(v: f32) -> u16 {
    f16::from_f32(v).to_bits()
}

/// `x = d * (q - 8)`, q in 0..16; element j < 16 is the low nibble of `qs[j]`, element j + 16 the high one.
#[derive(Clone, Copy, Debug, Default)]
#[repr(C)]
pub struct BlockQ4_0 {
    pub d: u16,
    pub qs: [u8; QK / 2],
}

/// `x = d * q + m`, q in 0..16, nibbles as in Q4_0.
#[derive(Clone, Copy, Debug, Default)]
#[repr(C)]
pub struct BlockQ4_1 {
    pub d: u16,
    pub m: u16,
    pub qs: [u8; QK / 2],
}

/// `x = d * (q - 16)`, q in 0..32: the nibbles of Q4_0 plus bit j of the little-endian `qh` as bit 4.
#[derive(Clone, Copy, Debug, Default)]
#[repr(C)]
pub struct BlockQ5_0 {
    pub d: u16,
    pub qh: [u8; 4],
    pub qs: [u8; QK / 2],
}

/// `x = d * q + m`, q in 0..32, bits as in Q5_0.
#[derive(Clone, Copy, Debug, Default)]
#[repr(C)]
pub struct BlockQ5_1 {
    pub d: u16,
    pub m: u16,
    pub qh: [u8; 4],
    pub qs: [u8; QK / 2],
}

/// `x = d * q`, q in -127..=127. Both a weight format and the activation format of Q4_0, Q5_0 and Q8_0.
#[derive(Clone, Copy, Debug)]
#[repr(C)]
pub struct BlockQ8_0 {
    pub d: u16,
    pub qs: [i8; QK],
}

/// Q8_0 plus `s = d * sum(qs)`, the activation format of the formats with an offset `m` (Q4_1, Q5_1):
/// the offset's share of a dot product is then `m * s`, one multiply per block.
#[derive(Clone, Copy, Debug)]
#[repr(C)]
pub struct BlockQ8_1 {
    pub d: u16,
    pub s: u16,
    pub qs: [i8; QK],
}

/// 256 elements in 8 sub-blocks of 32, each with a 6-bit scale and a 6-bit min packed into `scales`:
/// `x = d * sc * q - dmin * m`, q in 0..16. The 32 bytes `qs[32j..32j+32]` hold sub-block 2j in their
/// low nibbles and sub-block 2j + 1 in their high nibbles.
#[derive(Clone, Copy, Debug)]
#[repr(C)]
pub struct BlockQ4K {
    pub d: u16,
    pub dmin: u16,
    pub scales: [u8; 12],
    pub qs: [u8; QK_K / 2],
}

/// [`BlockQ4K`] with a fifth bit: bit j of `qh[i]` is the high bit of element i of sub-block j, so
/// `x = d * sc * (q + 16 * h) - dmin * m`, q + 16h in 0..32.
#[derive(Clone, Copy, Debug)]
#[repr(C)]
pub struct BlockQ5K {
    pub d: u16,
    pub dmin: u16,
    pub scales: [u8; 12],
    pub qh: [u8; QK_K / 8],
    pub qs: [u8; QK_K / 2],
}

/// 256 elements in 16 groups of 16 with a signed 8-bit scale each: `x = d * sc * (q - 32)`, q in 0..64
/// from 4 low bits in `ql` and 2 high bits in `qh` (layout in [`BlockQ6K::dequantize`]).
#[derive(Clone, Copy, Debug)]
#[repr(C)]
pub struct BlockQ6K {
    pub ql: [u8; QK_K / 2],
    pub qh: [u8; QK_K / 4],
    pub scales: [i8; QK_K / 16],
    pub d: u16,
}

/// 256 elements in 16 groups of 16, two bits each: `x = d * (sc & 15) * q - dmin * (sc >> 4)` with `sc` the
/// group's byte in `scales`, q in 0..4 (layout in [`q2k_values`]).
#[derive(Clone, Copy, Debug)]
#[repr(C)]
pub struct BlockQ2K {
    pub scales: [u8; QK_K / 16],
    pub qs: [u8; QK_K / 4],
    pub d: u16,
    pub dmin: u16,
}

/// 256 elements in 16 groups of 16, three bits each: `x = d * (s - 32) * q`, q in -4..4 from two bits in `qs`
/// and a high bit in `hmask` (a clear bit subtracts 4), s a six-bit scale packed into 12 bytes (see
/// [`q3k_scales`]).
#[derive(Clone, Copy, Debug)]
#[repr(C)]
pub struct BlockQ3K {
    pub hmask: [u8; QK_K / 8],
    pub qs: [u8; QK_K / 4],
    pub scales: [u8; 12],
    pub d: u16,
}

/// The activation format of the k-quants: f32 scale, 256 values, and the sums of each group of 16 so
/// that the weights' mins and offsets cost one multiply per group.
#[derive(Clone, Copy, Debug)]
#[repr(C)]
pub struct BlockQ8K {
    pub d: f32,
    pub qs: [i8; QK_K],
    pub bsums: [i16; QK_K / 16],
}

/// The scale and min of sub-block `j` of a Q4_K block: six bits each, the first four pairs in the low
/// six bits of bytes 0..8, the last four split between bytes 8..12 and the top two bits of bytes 0..8.
#[inline]
pub fn q4k_scale_min(j: usize, s: &[u8; 12]) -> (u8, u8) {
    if j < 4 {
        (s[j] & 63, s[j + 4] & 63)
    } else {
        ((s[j + 4] & 0xF) | ((s[j - 4] >> 6) << 4), (s[j + 4] >> 4) | ((s[j] >> 6) << 4))
    }
}

impl BlockQ4_0 {
    pub fn dequantize(&self, out: &mut [f32]) {
        let d = f16_to_f32(self.d);
        for j in 0..QK / 2 {
            out[j] = d * ((self.qs[j] & 0xF) as f32 - 8.0);
            out[j + QK / 2] = d * ((self.qs[j] >> 4) as f32 - 8.0);
        }
    }
}

impl BlockQ4_1 {
    pub fn dequantize(&self, out: &mut [f32]) {
        let (d, m) = (f16_to_f32(self.d), f16_to_f32(self.m));
        for j in 0..QK / 2 {
            out[j] = d * (self.qs[j] & 0xF) as f32 + m;
            out[j + QK / 2] = d * (self.qs[j] >> 4) as f32 + m;
        }
    }
}

/// The 5-bit values of a Q5 block, before the offset.
#[inline]
pub(crate) fn q5_values(qh: [u8; 4], qs: &[u8; 16]) -> [u8; 32] {
    let h = u32::from_le_bytes(qh);
    let mut v = [0u8; 32];
    for j in 0..16 {
        v[j] = (qs[j] & 0xF) | ((((h >> j) & 1) as u8) << 4);
        v[j + 16] = (qs[j] >> 4) | ((((h >> (j + 16)) & 1) as u8) << 4);
    }
    v
}

impl BlockQ5_0 {
    pub fn dequantize(&self, out: &mut [f32]) {
        let d = f16_to_f32(self.d);
        for (o, q) in out.iter_mut().zip(q5_values(self.qh, &self.qs)) {
            *o = d * (q as f32 - 16.0);
        }
    }
}

impl BlockQ5_1 {
    pub fn dequantize(&self, out: &mut [f32]) {
        let (d, m) = (f16_to_f32(self.d), f16_to_f32(self.m));
        for (o, q) in out.iter_mut().zip(q5_values(self.qh, &self.qs)) {
            *o = d * q as f32 + m;
        }
    }
}

impl BlockQ8_0 {
    pub fn dequantize(&self, out: &mut [f32]) {
        let d = f16_to_f32(self.d);
        for (o, &q) in out.iter_mut().zip(&self.qs) {
            *o = d * q as f32;
        }
    }
}

impl BlockQ4K {
    pub fn dequantize(&self, out: &mut [f32]) {
        let (d, dmin) = (f16_to_f32(self.d), f16_to_f32(self.dmin));
        for j in 0..4 {
            let (sc_lo, m_lo) = q4k_scale_min(2 * j, &self.scales);
            let (sc_hi, m_hi) = q4k_scale_min(2 * j + 1, &self.scales);
            for l in 0..32 {
                let q = self.qs[32 * j + l];
                out[64 * j + l] = d * sc_lo as f32 * (q & 0xF) as f32 - dmin * m_lo as f32;
                out[64 * j + 32 + l] = d * sc_hi as f32 * (q >> 4) as f32 - dmin * m_hi as f32;
            }
        }
    }
}

impl BlockQ5K {
    /// Element i (0..32) of sub-block j, 0..32.
    #[inline]
    pub fn value(&self, j: usize, i: usize) -> u8 {
        let low = (self.qs[32 * (j / 2) + i] >> (4 * (j % 2))) & 0xF;
        low | (((self.qh[i] >> j) & 1) << 4)
    }

    pub fn dequantize(&self, out: &mut [f32]) {
        let (d, dmin) = (f16_to_f32(self.d), f16_to_f32(self.dmin));
        for j in 0..8 {
            let (sc, m) = q4k_scale_min(j, &self.scales);
            for i in 0..32 {
                out[32 * j + i] = d * sc as f32 * self.value(j, i) as f32 - dmin * m as f32;
            }
        }
    }
}

/// The 2-bit values of a Q2_K or Q3_K block in element order. Each half of 128 elements takes 32 bytes of
/// `qs`: elements 32k + l of the half are bits 2k..2k+2 of byte l.
pub(crate) fn two_bit_values(qs: &[u8; QK_K / 4]) -> [u8; QK_K] {
    std::array::from_fn(|i| {
        let (half, k, l) = (i / 128, (i % 128) / 32, i % 32);
        (qs[32 * half + l] >> (2 * k)) & 3
    })
}

/// The values of a Q2_K block in element order, 0..4.
pub fn q2k_values(b: &BlockQ2K) -> [u8; QK_K] {
    two_bit_values(&b.qs)
}

/// The values of a Q3_K block in element order, -4..4: element 32k + l of half h takes its high bit from
/// bit 4h + k of `hmask[l]`.
pub fn q3k_values(b: &BlockQ3K) -> [i8; QK_K] {
    let low = two_bit_values(&b.qs);
    std::array::from_fn(|i| {
        let (half, k, l) = (i / 128, (i % 128) / 32, i % 32);
        let high = (b.hmask[l] >> (4 * half + k)) & 1;
        low[i] as i8 - if high == 1 { 0 } else { 4 }
    })
}

/// The sixteen group scales of a Q3_K block, -32..32: the low four bits of scale i are a nibble of byte
/// i % 8 (low nibble for i < 8), the high two bits are bits 2(i / 4).. of byte 8 + i % 4.
pub fn q3k_scales(b: &BlockQ3K) -> [i8; 16] {
    std::array::from_fn(|i| {
        let low = if i < 8 { b.scales[i] & 0xF } else { b.scales[i - 8] >> 4 };
        let high = (b.scales[8 + i % 4] >> (2 * (i / 4))) & 3;
        (low | (high << 4)) as i8 - 32
    })
}

impl BlockQ2K {
    pub fn dequantize(&self, out: &mut [f32]) {
        let (d, dmin) = (f16_to_f32(self.d), f16_to_f32(self.dmin));
        for (i, q) in q2k_values(self).into_iter().enumerate() {
            let sc = self.scales[i / 16];
            out[i] = d * (sc & 0xF) as f32 * q as f32 - dmin * (sc >> 4) as f32;
        }
    }
}

impl BlockQ3K {
    pub fn dequantize(&self, out: &mut [f32]) {
        let d = f16_to_f32(self.d);
        let scales = q3k_scales(self);
        for (i, q) in q3k_values(self).into_iter().enumerate() {
            out[i] = d * scales[i / 16] as f32 * q as f32;
        }
    }
}

/// The unsigned 6-bit values of a Q6_K block in element order. Each half of 128 elements takes 64 bytes of
/// `ql` and 32 of `qh`: element l, l + 32, l + 64, l + 96 are the low nibble of `ql[l]`, of `ql[l + 32]`,
/// the high nibble of `ql[l]`, of `ql[l + 32]`, with bit pairs 0, 1, 2, 3 of `qh[l]` on top.
pub(crate) fn q6k_values(b: &BlockQ6K) -> [u8; QK_K] {
    let mut v = [0u8; QK_K];
    for half in 0..2 {
        let (ql, qh) = (&b.ql[64 * half..64 * half + 64], &b.qh[32 * half..32 * half + 32]);
        let out = &mut v[128 * half..128 * half + 128];
        for l in 0..32 {
            out[l] = (ql[l] & 0xF) | ((qh[l] & 3) << 4);
            out[l + 32] = (ql[l + 32] & 0xF) | (((qh[l] >> 2) & 3) << 4);
            out[l + 64] = (ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4);
            out[l + 96] = (ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4);
        }
    }
    v
}

impl BlockQ6K {
    pub fn dequantize(&self, out: &mut [f32]) {
        let d = f16_to_f32(self.d);
        for (i, q) in q6k_values(self).into_iter().enumerate() {
            out[i] = d * self.scales[i / 16] as f32 * (q as f32 - 32.0);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The sizes GGML writes; a mismatch would misread every tensor after the first.
    #[test]
    fn block_sizes_match_ggml() {
        use std::mem::size_of;
        assert_eq!(size_of::<BlockQ4_0>(), 18);
        assert_eq!(size_of::<BlockQ4_1>(), 20);
        assert_eq!(size_of::<BlockQ5_0>(), 22);
        assert_eq!(size_of::<BlockQ5_1>(), 24);
        assert_eq!(size_of::<BlockQ8_0>(), 34);
        assert_eq!(size_of::<BlockQ8_1>(), 36);
        assert_eq!(size_of::<BlockQ4K>(), 144);
        assert_eq!(size_of::<BlockQ5K>(), 176);
        assert_eq!(size_of::<BlockQ6K>(), 210);
        assert_eq!(size_of::<BlockQ2K>(), 84);
        assert_eq!(size_of::<BlockQ3K>(), 110);
        assert_eq!(size_of::<BlockQ8K>(), 292);
    }

    #[test]
    fn q4k_scales_unpack_six_bits() {
        // Scale 5 (j >= 4): low nibble of byte 9, top two bits of byte 1 as bits 4..6.
        let mut s = [0u8; 12];
        s[9] = 0x3A; // scale low 0xA, min low 0x3
        s[1] = 0b1100_0000; // scale high bits 3
        s[5] = 0b0100_0000; // min high bits 1
        assert_eq!(q4k_scale_min(5, &s), (0xA | (3 << 4), 0x3 | (1 << 4)));
        s[2] = 0x3F;
        s[6] = 0x21;
        assert_eq!(q4k_scale_min(2, &s), (0x3F, 0x21));
    }
}
