//! Random weight blocks for the kernel tests.

use rand::Rng;
use rand::rngs::StdRng;

use crate::blocks::*;

/// Random blocks with sane scales: any byte pattern is a valid block, but random f16 bits would include
/// infinities and NaNs.
pub trait Random: Sized {
    fn random(rng: &mut StdRng) -> Self;
}

fn half(rng: &mut StdRng, lo: f32, hi: f32) -> u16 {
    f32_to_f16(rng.random_range(lo..hi))
}

fn bytes<const N: usize>(rng: &mut StdRng) -> [u8; N] {
    std::array::from_fn(|_| rng.random())
}

impl Random for BlockQ4_0 {
    fn random(rng: &mut StdRng) -> Self {
        BlockQ4_0 { d: half(rng, -0.1, 0.1), qs: bytes(rng) }
    }
}
impl Random for BlockQ4_1 {
    fn random(rng: &mut StdRng) -> Self {
        BlockQ4_1 { d: half(rng, 0.0, 0.1), m: half(rng, -0.5, 0.0), qs: bytes(rng) }
    }
}
impl Random for BlockQ5_0 {
    fn random(rng: &mut StdRng) -> Self {
        BlockQ5_0 { d: half(rng, -0.1, 0.1), qh: bytes(rng), qs: bytes(rng) }
    }
}
impl Random for BlockQ5_1 {
    fn random(rng: &mut StdRng) -> Self {
        BlockQ5_1 { d: half(rng, 0.0, 0.1), m: half(rng, -0.5, 0.0), qh: bytes(rng), qs: bytes(rng) }
    }
}
impl Random for BlockQ8_0 {
    fn random(rng: &mut StdRng) -> Self {
        BlockQ8_0 { d: half(rng, -0.01, 0.01), qs: std::array::from_fn(|_| rng.random_range(-127..=127)) }
    }
}
impl Random for BlockQ4K {
    fn random(rng: &mut StdRng) -> Self {
        BlockQ4K { d: half(rng, 0.0, 0.01), dmin: half(rng, 0.0, 0.01), scales: bytes(rng), qs: bytes(rng) }
    }
}
impl Random for BlockQ5K {
    fn random(rng: &mut StdRng) -> Self {
        BlockQ5K {
            d: half(rng, 0.0, 0.01),
            dmin: half(rng, 0.0, 0.01),
            scales: bytes(rng),
            qh: bytes(rng),
            qs: bytes(rng),
        }
    }
}
impl Random for BlockQ6K {
    fn random(rng: &mut StdRng) -> Self {
        BlockQ6K {
            ql: bytes(rng),
            qh: bytes(rng),
            scales: std::array::from_fn(|_| rng.random_range(-64..64)),
            d: half(rng, -0.01, 0.01),
        }
    }
}
impl Random for BlockQ2K {
    fn random(rng: &mut StdRng) -> Self {
        BlockQ2K { scales: bytes(rng), qs: bytes(rng), d: half(rng, 0.0, 0.01), dmin: half(rng, 0.0, 0.01) }
    }
}
impl Random for BlockQ3K {
    fn random(rng: &mut StdRng) -> Self {
        BlockQ3K { hmask: bytes(rng), qs: bytes(rng), scales: bytes(rng), d: half(rng, -0.01, 0.01) }
    }
}
