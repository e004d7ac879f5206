//! The mutation engine: small, structure-blind edits that together reach most of a parser's error paths.

use rand::Rng;
use rand::rngs::StdRng;

/// Values that tend to sit on boundaries: zero, all ones, sign flips and lengths no real file has.
const INTERESTING_U32: &[u32] = &[
    0,
    1,
    2,
    0x7f,
    0x80,
    0xff,
    0x100,
    0x7fff,
    0x8000,
    0xffff,
    0x1_0000,
    0x7fff_ffff,
    0x8000_0000,
    0xffff_fffe,
    u32::MAX,
    4096,
    1 << 20,
    1 << 28,
];
const INTERESTING_U64: &[u64] = &[0, 1, u64::MAX, u64::MAX - 1, 1 << 32, 1 << 40, 1 << 62, i64::MAX as u64];
/// Characters that mean something to text formats: quotes, separators, markup and escapes.
const TOKENS: &[&[u8]] = &[
    b"\"",
    b"'",
    b",",
    b"\n",
    b"\r\n",
    b"\0",
    b"<",
    b">",
    b"&",
    b"&amp;",
    b"<!--",
    b"]]>",
    b"<![CDATA[",
    b"{",
    b"}",
    b"[",
    b"]",
    b":",
    b"\\",
    b"\\u0000",
    b"*",
    b"(",
    b")",
    b"-",
    b"NEAR",
    b"OR",
    b"AND",
    b"NOT",
    b"^",
    b"#",
    b"---\n",
    b"```",
    b"|",
    b"\xef\xbb\xbf",
    b"\xff\xfe",
    b"\xe2\x80\xae",
    b"\xf0\x9f\x98\x80",
    b"\xc3",
    b"\xed\xa0\x80",
];

/// Edits `data` in place with one to eight stacked mutations; `other` is a second input for splicing.
/// The result never grows past `max_len`.
pub fn mutate(rng: &mut StdRng, data: &mut Vec<u8>, other: &[u8], max_len: usize) {
    let rounds = 1 + rng.random_range(0..8u32).min(rng.random_range(0..8u32));
    for _ in 0..rounds {
        mutate_once(rng, data, other, max_len);
    }
    data.truncate(max_len);
}

fn mutate_once(rng: &mut StdRng, data: &mut Vec<u8>, other: &[u8], max_len: usize) {
    if data.is_empty() {
        let n = rng.random_range(1..=16);
        data.extend((0..n).map(|_| rng.random::<u8>()));
        return;
    }
    let len = data.len();
    match rng.random_range(0..14u32) {
        // Flip one bit.
        0 => {
            let at = rng.random_range(0..len);
            data[at] ^= 1 << rng.random_range(0..8);
        }
        // Replace a byte with a random one.
        1 => {
            let at = rng.random_range(0..len);
            data[at] = rng.random();
        }
        // Add or subtract a little from a byte (counts, lengths, ASCII digits).
        2 => {
            let at = rng.random_range(0..len);
            data[at] = data[at].wrapping_add(rng.random_range(1..=35u8).wrapping_sub(18));
        }
        // Delete a range.
        3 => {
            let (at, n) = range(rng, len);
            data.drain(at..at + n);
        }
        // Insert random bytes.
        4 => {
            let at = rng.random_range(0..=len);
            let n = rng.random_range(1..=32);
            let bytes: Vec<u8> = (0..n).map(|_| rng.random()).collect();
            data.splice(at..at, bytes);
        }
        // Duplicate a range somewhere else.
        5 => {
            let (from, n) = range(rng, len);
            let chunk = data[from..from + n].to_vec();
            let at = rng.random_range(0..=len);
            data.splice(at..at, chunk);
        }
        // Overwrite with an interesting 32-bit value, either byte order.
        6 => {
            let v = INTERESTING_U32[rng.random_range(0..INTERESTING_U32.len())];
            let bytes = if rng.random_bool(0.8) { v.to_le_bytes() } else { v.to_be_bytes() };
            overwrite(rng, data, &bytes);
        }
        // Overwrite with an interesting 64-bit value (GGUF and safetensors lengths are u64).
        7 => {
            let v = INTERESTING_U64[rng.random_range(0..INTERESTING_U64.len())];
            overwrite(rng, data, &v.to_le_bytes());
        }
        // Insert a token that means something to a text format.
        8 => {
            let t = TOKENS[rng.random_range(0..TOKENS.len())];
            let at = rng.random_range(0..=len);
            data.splice(at..at, t.iter().copied());
        }
        // Splice: our head with the other input's tail.
        9 if !other.is_empty() => {
            let cut = rng.random_range(0..=len);
            let from = rng.random_range(0..other.len());
            data.truncate(cut);
            data.extend_from_slice(&other[from..]);
        }
        // Insert a piece of the other input.
        10 if !other.is_empty() => {
            let (from, n) = range(rng, other.len());
            let at = rng.random_range(0..=len);
            data.splice(at..at, other[from..from + n].iter().copied());
        }
        // Repeat a short chunk many times: nesting, long runs and quadratic behaviour.
        11 => {
            let from = rng.random_range(0..len);
            let n = rng.random_range(1..=(len - from).min(16));
            let chunk = data[from..from + n].to_vec();
            let times = [16, 256, 4096][rng.random_range(0..3)];
            let times = times.min(max_len.saturating_sub(len) / n);
            let at = rng.random_range(0..=len);
            let repeated: Vec<u8> = chunk.iter().copied().cycle().take(n * times).collect();
            data.splice(at..at, repeated);
        }
        // Truncate.
        12 => data.truncate(rng.random_range(0..len)),
        // Swap two bytes.
        _ => {
            let (a, b) = (rng.random_range(0..len), rng.random_range(0..len));
            data.swap(a, b);
        }
    }
}

/// A random non-empty range inside `len` bytes, biased towards short ones.
fn range(rng: &mut StdRng, len: usize) -> (usize, usize) {
    let at = rng.random_range(0..len);
    let max = (len - at).min(if rng.random_bool(0.8) { 16 } else { len });
    (at, rng.random_range(1..=max.max(1)))
}

fn overwrite(rng: &mut StdRng, data: &mut [u8], bytes: &[u8]) {
    if data.len() < bytes.len() {
        data.copy_from_slice(&bytes[..data.len()]);
        return;
    }
    let at = rng.random_range(0..=data.len() - bytes.len());
    data[at..at + bytes.len()].copy_from_slice(bytes);
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;

    use super::*;

    #[test]
    fn mutations_are_deterministic_and_bounded() {
        let run = |seed| {
            let mut rng = StdRng::seed_from_u64(seed);
            let mut out = Vec::new();
            let mut data = b"hello, world".to_vec();
            for _ in 0..2000 {
                mutate(&mut rng, &mut data, b"other input", 4096);
                assert!(data.len() <= 4096);
                out.push(data.clone());
            }
            out
        };
        assert_eq!(run(7), run(7));
        assert_ne!(run(7), run(8));
    }
}
