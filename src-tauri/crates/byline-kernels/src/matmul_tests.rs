//! The batched, threaded matmul against a naive f32 reference, for every weight type and batch shapes that
//! exercise partial row tiles and single-token decoding.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::*;
use crate::testutil::Random;

fn random_matrix<W: WeightBlock + Random>(
    rng: &mut StdRng,
    rows: usize,
    cols: usize,
    ty: QType,
    wrap: fn(Vec<W>) -> Data,
) -> (QMatrix, Vec<f32>) {
    let blocks: Vec<W> = (0..rows * cols / W::ELEMS).map(|_| W::random(rng)).collect();
    let mut dense = vec![0.0; rows * cols];
    for (b, out) in blocks.iter().zip(dense.chunks_mut(W::ELEMS)) {
        b.dequantize(out);
    }
    (QMatrix::from_data(rows, cols, ty, wrap(blocks)), dense)
}

fn check(name: &str, m: &QMatrix, dense: &[f32], rng: &mut StdRng, pool: &rayon::ThreadPool) {
    let (rows, cols) = (m.rows(), m.cols());
    for tokens in [1, 3, 37] {
        let x: Vec<f32> = (0..tokens * cols).map(|_| rng.random_range(-1.0..1.0)).collect();
        let mut y = vec![f32::NAN; tokens * rows];
        m.matmul(&x, tokens, &mut y, pool);
        for t in 0..tokens {
            let xt = &x[t * cols..(t + 1) * cols];
            for r in 0..rows {
                let w = &dense[r * cols..(r + 1) * cols];
                let exact: f32 = w.iter().zip(xt).map(|(w, x)| w * x).sum();
                // Activation quantization: half a step (amax/127, amax <= 1) per element, plus f16 scales.
                let magnitude: f32 = w.iter().zip(xt).map(|(w, x)| (w * x).abs()).sum();
                let bound = w.iter().map(|w| w.abs()).sum::<f32>() / 254.0 * 1.01 + magnitude * 1e-3 + 1e-4;
                let got = y[t * rows + r];
                assert!((got - exact).abs() <= bound, "{name} t{t} r{r}: {got} vs {exact} (bound {bound})");
            }
        }
    }
}

#[test]
fn matmul_equals_the_f32_reference_for_every_type() {
    let mut rng = StdRng::seed_from_u64(11);
    let pool = crate::thread_pool(3).expect("pool");
    // 37 rows: two full tiles and a partial one.
    let (rows, cols) = (37, 512);
    let (m, d) = random_matrix::<BlockQ4_0>(&mut rng, rows, cols, QType::Q4_0, Data::Q4_0);
    check("q4_0", &m, &d, &mut rng, &pool);
    let (m, d) = random_matrix::<BlockQ4_1>(&mut rng, rows, cols, QType::Q4_1, Data::Q4_1);
    check("q4_1", &m, &d, &mut rng, &pool);
    let (m, d) = random_matrix::<BlockQ5_0>(&mut rng, rows, cols, QType::Q5_0, Data::Q5_0);
    check("q5_0", &m, &d, &mut rng, &pool);
    let (m, d) = random_matrix::<BlockQ5_1>(&mut rng, rows, cols, QType::Q5_1, Data::Q5_1);
    check("q5_1", &m, &d, &mut rng, &pool);
    let (m, d) = random_matrix::<BlockQ8_0>(&mut rng, rows, cols, QType::Q8_0, Data::Q8_0);
    check("q8_0", &m, &d, &mut rng, &pool);
    let (m, d) = random_matrix::<BlockQ4K>(&mut rng, rows, cols, QType::Q4K, Data::Q4K);
    check("q4_k", &m, &d, &mut rng, &pool);
    let (m, d) = random_matrix::<BlockQ6K>(&mut rng, rows, cols, QType::Q6K, Data::Q6K);
    check("q6_k", &m, &d, &mut rng, &pool);
    let (m, d) = random_matrix::<BlockQ2K>(&mut rng, rows, cols, QType::Q2K, Data::Q2K);
    check("q2_k", &m, &d, &mut rng, &pool);
    let (m, d) = random_matrix::<BlockQ3K>(&mut rng, rows, cols, QType::Q3K, Data::Q3K);
    check("q3_k", &m, &d, &mut rng, &pool);
    // Q4_K interleaved sixteen rows at a time: three groups.
    let (m, d) = random_matrix::<BlockQ4K>(&mut rng, 48, cols, QType::Q4K, |b| {
        Data::Q4KX16(crate::interleave::repack(&b, 48, 2))
    });
    check("q4_k x16", &m, &d, &mut rng, &pool);
    let (m, d) = random_matrix::<BlockQ5K>(&mut rng, rows, cols, QType::Q5K, Data::Q5K);
    check("q5_k", &m, &d, &mut rng, &pool);
    let (m, d) = random_matrix::<BlockQ5K>(&mut rng, 48, cols, QType::Q5K, |b| {
        Data::Q5KX16(crate::interleave::repack5(&b, 48, 2))
    });
    check("q5_k x16", &m, &d, &mut rng, &pool);
    let (m, d) = random_matrix::<BlockQ6K>(&mut rng, 48, cols, QType::Q6K, |b| {
        Data::Q6KX16(crate::interleave6::repack(&b, 48, 2))
    });
    check("q6_k x16", &m, &d, &mut rng, &pool);
}

/// GGUF bytes of Q4_K blocks, fields in order, little-endian.
fn q4k_bytes(blocks: &[BlockQ4K]) -> Vec<u8> {
    blocks
        .iter()
        .flat_map(|b| b.d.to_le_bytes().into_iter().chain(b.dmin.to_le_bytes()).chain(b.scales).chain(b.qs))
        .collect()
}

/// Q4_K matrices whose rows come in sixteens are interleaved at load; stacked with one that is not, all go
/// back to GGML's rows; either way every row reads back exactly and multiplies alike.
#[test]
fn q4k_matrices_interleave_at_load_and_stack_with_any_other() {
    let mut rng = StdRng::seed_from_u64(5);
    let pool = crate::thread_pool(2).expect("pool");
    let cols = 512;
    let blocks: Vec<BlockQ4K> = (0..(32 + 32 + 8) * 2).map(|_| BlockQ4K::random(&mut rng)).collect();
    let bytes = q4k_bytes(&blocks);
    let part = |from: usize, rows: usize| {
        let at = from * 2 * 144;
        QMatrix::from_ggml(QType::Q4K, rows, cols, &bytes[at..at + rows * 2 * 144]).expect("q4_k matrix")
    };
    let dense = |rows: std::ops::Range<usize>| {
        let mut out = vec![0.0; rows.len() * cols];
        for (b, o) in blocks[rows.start * 2..rows.end * 2].iter().zip(out.chunks_mut(QK_K)) {
            b.dequantize(o);
        }
        out
    };
    let a = part(0, 32);
    if crate::interleave::enabled() {
        assert!(matches!(a.data, Data::Q4KX16(_)), "32 rows are interleaved");
    }
    assert!(matches!(part(64, 8).data, Data::Q4K(_)), "8 rows stay in GGML's layout");
    for (name, m, rows) in [
        ("interleaved", QMatrix::stack(vec![part(0, 32), part(32, 32)]).expect("stack"), 0..64),
        ("mixed", QMatrix::stack(vec![part(0, 32), part(32, 32), part(64, 8)]).expect("stack"), 0..72),
    ] {
        assert_eq!(m.rows(), rows.len(), "{name}");
        let d = dense(rows.clone());
        let mut row = vec![0.0; cols];
        for r in rows {
            m.dequantize_row(r, &mut row);
            assert_eq!(row, d[r * cols..(r + 1) * cols], "{name} row {r}");
        }
        check(name, &m, &d, &mut rng, &pool);
    }
}

#[test]
fn f32_bytes_load_and_multiply_exactly() {
    let (rows, cols) = (5, 7);
    let dense: Vec<f32> = (0..rows * cols).map(|i| i as f32 * 0.25 - 3.0).collect();
    let bytes: Vec<u8> = dense.iter().flat_map(|v| v.to_le_bytes()).collect();
    let m = QMatrix::from_ggml(QType::F32, rows, cols, &bytes).expect("f32 matrix");
    let x: Vec<f32> = (0..2 * cols).map(|i| (i % 3) as f32 - 1.0).collect();
    let mut y = vec![0.0; 2 * rows];
    m.matmul(&x, 2, &mut y, &crate::thread_pool(2).expect("pool"));
    for t in 0..2 {
        for r in 0..rows {
            let exact: f32 = (0..cols).map(|c| dense[r * cols + c] * x[t * cols + c]).sum();
            assert!((y[t * rows + r] - exact).abs() < 1e-4);
        }
    }
    assert!(QMatrix::from_ggml(QType::F32, rows, cols, &bytes[1..]).is_err(), "short data is refused");
}

#[test]
fn ggml_bytes_round_trip_into_blocks_and_stack_by_rows() {
    let mut rng = StdRng::seed_from_u64(3);
    let blocks: Vec<BlockQ4_1> = (0..8).map(|_| BlockQ4_1::random(&mut rng)).collect();
    // Serialise the way GGUF stores them: fields in order, little-endian.
    let bytes: Vec<u8> =
        blocks.iter().flat_map(|b| b.d.to_le_bytes().into_iter().chain(b.m.to_le_bytes()).chain(b.qs)).collect();
    let a = QMatrix::from_ggml(QType::Q4_1, 2, 64, &bytes[..80]).expect("q4_1 matrix");
    let b = QMatrix::from_ggml(QType::Q4_1, 2, 64, &bytes[80..]).expect("q4_1 matrix");
    let stacked = QMatrix::stack(vec![a, b]).expect("stack");
    assert_eq!((stacked.rows(), stacked.cols()), (4, 64));
    let mut row = vec![0.0; 64];
    let mut expect = vec![0.0; 64];
    for r in 0..4 {
        stacked.dequantize_row(r, &mut row);
        blocks[2 * r].dequantize(&mut expect[..32]);
        blocks[2 * r + 1].dequantize(&mut expect[32..]);
        assert_eq!(row, expect, "row {r}");
    }
}

/// GGUF bytes of blocks of any type, fields in order, little-endian (the block structs have no padding).
fn ggml_bytes<W: Copy>(blocks: &[W]) -> Vec<u8> {
    // SAFETY: the block types are repr(C) structs of integers without padding (block_sizes_match_ggml), so
    // their bytes are initialised; on a little-endian target they are exactly GGUF's bytes.
    unsafe { std::slice::from_raw_parts(blocks.as_ptr().cast::<u8>(), std::mem::size_of_val(blocks)) }.to_vec()
}

/// Throughput of the batched matmul: `cargo test -p byline-kernels --release matmul_speed -- --ignored
/// --nocapture`. SmolLM2's FFN shape in Q4_1; Qwen2.5-1.5B's gate/up shape in the k-quants (interleaved unless
/// BYLINE_KERNELS_NO_REPACK=1), which fits in the last-level cache, then single-token decoding of its
/// 151,936-row output matrix, which streams from memory.
#[test]
#[ignore = "a benchmark"]
fn matmul_speed() {
    let mut rng = StdRng::seed_from_u64(1);
    let (m, _) = random_matrix::<BlockQ4_1>(&mut rng, 1536, 576, QType::Q4_1, Data::Q4_1);
    speed("q4_1", &m, &mut rng, &[1, 16, 128]);
    fn kquant<W: WeightBlock + Random>(rng: &mut StdRng, name: &str, ty: QType) {
        for (rows, tokens) in [(8960, &[1, 16, 128][..]), (151_936, &[1][..])] {
            let blocks: Vec<W> = (0..rows * 1536 / QK_K).map(|_| W::random(rng)).collect();
            let m = QMatrix::from_ggml(ty, rows, 1536, &ggml_bytes(&blocks)).expect("matrix");
            speed(&format!("{name} {rows} rows"), &m, rng, tokens);
        }
    }
    kquant::<BlockQ4K>(&mut rng, "q4_k", QType::Q4K);
    kquant::<BlockQ5K>(&mut rng, "q5_k", QType::Q5K);
    kquant::<BlockQ6K>(&mut rng, "q6_k", QType::Q6K);
    kquant::<BlockQ2K>(&mut rng, "q2_k", QType::Q2K);
    kquant::<BlockQ3K>(&mut rng, "q3_k", QType::Q3K);
}

fn speed(name: &str, m: &QMatrix, rng: &mut StdRng, tokens: &[usize]) {
    let (rows, cols) = (m.rows(), m.cols());
    for threads in [1, 2] {
        let pool = crate::thread_pool(threads).expect("pool");
        for &tokens in tokens {
            let x: Vec<f32> = (0..tokens * cols).map(|_| rng.random_range(-1.0..1.0)).collect();
            let mut y = vec![0.0; tokens * rows];
            m.matmul(&x, tokens, &mut y, &pool);
            let reps = (2000 / tokens * 884_736 / (rows * cols)).max(3);
            let started = std::time::Instant::now();
            for _ in 0..reps {
                m.matmul(&x, tokens, &mut y, &pool);
            }
            let s = started.elapsed().as_secs_f64();
            let macs = (reps * tokens * rows * cols) as f64;
            eprintln!("{name}, {threads} threads, {tokens} tokens: {:.1} GMAC/s", macs / s / 1e9);
        }
    }
}
