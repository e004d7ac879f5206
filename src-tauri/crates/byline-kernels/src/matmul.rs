//! A quantized weight matrix and `y[t][r] = W[r, :] · x[t, :]` over a batch of tokens.
//!
//! Each activation row is quantized once; output rows are split into tiles handed to the caller's thread
//! pool, and a tile runs every token of the batch against its weight rows while they sit in cache. A
//! batch of T tokens therefore streams the weights from memory once instead of T times, which is where
//! batched prefill wins over token-by-token decoding.

use rayon::prelude::*;

use crate::blocks::*;
use crate::dot::WeightBlock;
use crate::interleave::{self, BlockQ4Kx16, BlockQ5Kx16};
use crate::interleave6::{self, BlockQ6Kx16};
use crate::{KernelError, QType};

/// Output rows per task: enough work to amortise scheduling, small enough that the tile's weights stay in
/// L1/L2 while every token of the batch passes over them, and that two threads share a 576-row layer evenly.
const ROW_TILE: usize = 16;

pub(crate) enum Data {
    F32(Vec<f32>),
    Q4_0(Vec<BlockQ4_0>),
    Q4_1(Vec<BlockQ4_1>),
    Q5_0(Vec<BlockQ5_0>),
    Q5_1(Vec<BlockQ5_1>),
    Q8_0(Vec<BlockQ8_0>),
    Q2K(Vec<BlockQ2K>),
    Q3K(Vec<BlockQ3K>),
    Q4K(Vec<BlockQ4K>),
    /// Q4_K repacked sixteen rows at a time ([`crate::interleave`]).
    Q4KX16(Vec<BlockQ4Kx16>),
    /// Q5_K in GGML's rows (rows that do not come in sixteens).
    Q5K(Vec<BlockQ5K>),
    /// Q5_K interleaved like Q4_K.
    Q5KX16(Vec<BlockQ5Kx16>),
    Q6K(Vec<BlockQ6K>),
    /// Q6_K interleaved ([`crate::interleave6`]).
    Q6KX16(Vec<BlockQ6Kx16>),
}

/// A row-major weight matrix of `rows` output features by `cols` inputs, in its GGML block format (F16 is
/// widened to f32 on load).
pub struct QMatrix {
    rows: usize,
    cols: usize,
    ty: QType,
    data: Data,
}

/// Marks the block types whose every byte pattern is a valid value, so bytes may be copied into them.
///
/// # Safety
/// Implementors are `#[repr(C)]`, contain only integer or float fields, and have no padding bytes.
unsafe trait Pod: Copy {}
// SAFETY: all are repr(C) structs of integer/float fields; block_sizes_match_ggml checks there is no padding.
unsafe impl Pod for BlockQ4_0 {}
// SAFETY: as above.
unsafe impl Pod for BlockQ4_1 {}
// SAFETY: as above.
unsafe impl Pod for BlockQ5_0 {}
// SAFETY: as above.
unsafe impl Pod for BlockQ5_1 {}
// SAFETY: as above.
unsafe impl Pod for BlockQ8_0 {}
// SAFETY: as above.
unsafe impl Pod for BlockQ2K {}
// SAFETY: as above.
unsafe impl Pod for BlockQ3K {}
// SAFETY: as above.
unsafe impl Pod for BlockQ4K {}
// SAFETY: as above.
unsafe impl Pod for BlockQ5K {}
// SAFETY: as above.
unsafe impl Pod for BlockQ6K {}

fn blocks_from_bytes<B: Pod>(bytes: &[u8]) -> Vec<B> {
    let n = bytes.len() / size_of::<B>();
    let mut out = Vec::<B>::with_capacity(n);
    // SAFETY: the allocation holds n blocks; exactly n * size_of::<B>() bytes are copied into it from a
    // slice at least that long, and `B: Pod` makes any bytes a valid block, so all n are initialised.
    unsafe {
        std::ptr::copy_nonoverlapping(bytes.as_ptr(), out.as_mut_ptr().cast::<u8>(), n * size_of::<B>());
        out.set_len(n);
    }
    out
}

impl QMatrix {
    /// A matrix from a tensor's bytes exactly as GGUF stores them.
    pub fn from_ggml(ty: QType, rows: usize, cols: usize, bytes: &[u8]) -> Result<Self, KernelError> {
        if !cols.is_multiple_of(ty.block_elems()) {
            return Err(KernelError::Shape(format!("{cols} columns are not a whole number of {ty:?} blocks")));
        }
        let expected = rows * cols / ty.block_elems() * ty.block_bytes();
        if bytes.len() != expected {
            return Err(KernelError::Shape(format!(
                "a {rows}x{cols} {ty:?} matrix takes {expected} bytes, got {}",
                bytes.len()
            )));
        }
        let data = match ty {
            QType::F32 => {
                Data::F32(bytes.chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect())
            }
            QType::F16 => {
                Data::F32(bytes.chunks_exact(2).map(|b| f16_to_f32(u16::from_le_bytes([b[0], b[1]]))).collect())
            }
            QType::Q4_0 => Data::Q4_0(blocks_from_bytes(bytes)),
            QType::Q4_1 => Data::Q4_1(blocks_from_bytes(bytes)),
            QType::Q5_0 => Data::Q5_0(blocks_from_bytes(bytes)),
            QType::Q5_1 => Data::Q5_1(blocks_from_bytes(bytes)),
            QType::Q8_0 => Data::Q8_0(blocks_from_bytes(bytes)),
            QType::Q2K => Data::Q2K(blocks_from_bytes(bytes)),
            QType::Q3K => Data::Q3K(blocks_from_bytes(bytes)),
            QType::Q4K if interleave::enabled() && rows.is_multiple_of(interleave::ROWS) => {
                Data::Q4KX16(interleave::repack_bytes(bytes, rows, cols / QK_K))
            }
            QType::Q4K => Data::Q4K(blocks_from_bytes(bytes)),
            QType::Q5K if interleave::enabled() && rows.is_multiple_of(interleave::ROWS) => {
                Data::Q5KX16(interleave::repack5_bytes(bytes, rows, cols / QK_K))
            }
            QType::Q5K => Data::Q5K(blocks_from_bytes(bytes)),
            QType::Q6K if interleave::enabled() && rows.is_multiple_of(interleave::ROWS) => {
                Data::Q6KX16(interleave6::repack_bytes(bytes, rows, cols / QK_K))
            }
            QType::Q6K => Data::Q6K(blocks_from_bytes(bytes)),
        };
        Ok(QMatrix { rows, cols, ty, data })
    }

    #[cfg(test)]
    pub(crate) fn from_data(rows: usize, cols: usize, ty: QType, data: Data) -> Self {
        QMatrix { rows, cols, ty, data }
    }

    pub fn rows(&self) -> usize {
        self.rows
    }

    pub fn cols(&self) -> usize {
        self.cols
    }

    pub fn ty(&self) -> QType {
        self.ty
    }

    /// Stacks matrices with the same type and width on top of each other (q, k, v or gate, up), so one
    /// matmul pass computes them all and the activations are quantized once.
    pub fn stack(parts: Vec<QMatrix>) -> Result<QMatrix, KernelError> {
        let first = parts.first().ok_or_else(|| KernelError::Shape("nothing to stack".into()))?;
        let (cols, ty) = (first.cols, first.ty);
        if parts.iter().any(|p| p.cols != cols || p.ty != ty) {
            return Err(KernelError::Shape("stacked matrices must share width and type".into()));
        }
        let rows = parts.iter().map(|p| p.rows).sum();
        // Interleaved parts stay interleaved when all are; otherwise all go back to GGML's rows.
        let interleaved = |d: &Data| matches!(d, Data::Q4KX16(_) | Data::Q5KX16(_) | Data::Q6KX16(_));
        let mixed = parts.iter().any(|p| interleaved(&p.data)) && parts.iter().any(|p| !interleaved(&p.data));
        let per_row = cols / QK_K;
        let mut iter = parts.into_iter().map(|p| match p.data {
            Data::Q4KX16(x) if mixed => Data::Q4K(interleave::unpack(&x, per_row)),
            Data::Q5KX16(x) if mixed => Data::Q5K(interleave::unpack(&x, per_row)),
            Data::Q6KX16(x) if mixed => Data::Q6K(interleave6::unpack(&x, per_row)),
            data => data,
        });
        let mut data = iter.next().ok_or_else(|| KernelError::Shape("nothing to stack".into()))?;
        for next in iter {
            match (&mut data, next) {
                (Data::F32(a), Data::F32(b)) => a.extend(b),
                (Data::Q4_0(a), Data::Q4_0(b)) => a.extend(b),
                (Data::Q4_1(a), Data::Q4_1(b)) => a.extend(b),
                (Data::Q5_0(a), Data::Q5_0(b)) => a.extend(b),
                (Data::Q5_1(a), Data::Q5_1(b)) => a.extend(b),
                (Data::Q8_0(a), Data::Q8_0(b)) => a.extend(b),
                (Data::Q2K(a), Data::Q2K(b)) => a.extend(b),
                (Data::Q3K(a), Data::Q3K(b)) => a.extend(b),
                (Data::Q4K(a), Data::Q4K(b)) => a.extend(b),
                (Data::Q4KX16(a), Data::Q4KX16(b)) => a.extend(b),
                (Data::Q5K(a), Data::Q5K(b)) => a.extend(b),
                (Data::Q5KX16(a), Data::Q5KX16(b)) => a.extend(b),
                (Data::Q6K(a), Data::Q6K(b)) => a.extend(b),
                (Data::Q6KX16(a), Data::Q6KX16(b)) => a.extend(b),
                _ => return Err(KernelError::Shape("stacked matrices must share their type".into())),
            }
        }
        Ok(QMatrix { rows, cols, ty, data })
    }

    /// Row `r` as f32 (an embedding lookup): `out` must be `cols` long.
    pub fn dequantize_row(&self, r: usize, out: &mut [f32]) {
        fn row<W: WeightBlock>(blocks: &[W], r: usize, cols: usize, out: &mut [f32]) {
            let per_row = cols / W::ELEMS;
            for (b, o) in blocks[r * per_row..(r + 1) * per_row].iter().zip(out.chunks_mut(W::ELEMS)) {
                b.dequantize(o);
            }
        }
        let cols = self.cols;
        match &self.data {
            Data::F32(v) => out.copy_from_slice(&v[r * cols..(r + 1) * cols]),
            Data::Q4_0(b) => row(b, r, cols, out),
            Data::Q4_1(b) => row(b, r, cols, out),
            Data::Q5_0(b) => row(b, r, cols, out),
            Data::Q5_1(b) => row(b, r, cols, out),
            Data::Q8_0(b) => row(b, r, cols, out),
            Data::Q2K(b) => row(b, r, cols, out),
            Data::Q3K(b) => row(b, r, cols, out),
            Data::Q4K(b) => row(b, r, cols, out),
            Data::Q4KX16(x) => interleave::dequantize_row(x, cols / QK_K, r, out),
            Data::Q5K(b) => row(b, r, cols, out),
            Data::Q5KX16(x) => interleave::dequantize_row(x, cols / QK_K, r, out),
            Data::Q6K(b) => row(b, r, cols, out),
            Data::Q6KX16(x) => interleave6::dequantize_row(x, cols / QK_K, r, out),
        }
    }

    /// `y[t * rows + r] = W[r, :] · x[t * cols ..][..cols]` for `tokens` rows of `x`, on `pool`'s threads.
    pub fn matmul(&self, x: &[f32], tokens: usize, y: &mut [f32], pool: &rayon::ThreadPool) {
        assert!(x.len() >= tokens * self.cols && y.len() >= tokens * self.rows, "matmul buffers too short");
        let (rows, cols) = (self.rows, self.cols);
        match &self.data {
            Data::F32(w) => for_tiles(rows, tokens, y, pool, |r, t0, out| {
                for (i, o) in out.iter_mut().enumerate() {
                    let t = t0 + i;
                    *o = crate::vec::dot(&w[r * cols..(r + 1) * cols], &x[t * cols..(t + 1) * cols]);
                }
            }),
            Data::Q4_0(w) => quantized(w, rows, cols, x, tokens, y, pool),
            Data::Q4_1(w) => quantized(w, rows, cols, x, tokens, y, pool),
            Data::Q5_0(w) => quantized(w, rows, cols, x, tokens, y, pool),
            Data::Q5_1(w) => quantized(w, rows, cols, x, tokens, y, pool),
            Data::Q8_0(w) => quantized(w, rows, cols, x, tokens, y, pool),
            Data::Q2K(w) => quantized(w, rows, cols, x, tokens, y, pool),
            Data::Q3K(w) => quantized(w, rows, cols, x, tokens, y, pool),
            Data::Q4K(w) => quantized(w, rows, cols, x, tokens, y, pool),
            Data::Q4KX16(w) => {
                let acts = quantize_acts::<BlockQ4K>(x, tokens, cols, pool);
                interleave::matmul(w, rows, cols / QK_K, &acts, tokens, y, pool, interleave::group_fn())
            }
            Data::Q5K(w) => quantized(w, rows, cols, x, tokens, y, pool),
            Data::Q5KX16(w) => {
                let acts = quantize_acts::<BlockQ5K>(x, tokens, cols, pool);
                interleave::matmul(w, rows, cols / QK_K, &acts, tokens, y, pool, interleave::group_fn())
            }
            Data::Q6K(w) => quantized(w, rows, cols, x, tokens, y, pool),
            Data::Q6KX16(w) => {
                let acts = quantize_acts::<BlockQ6K>(x, tokens, cols, pool);
                interleave::matmul(w, rows, cols / QK_K, &acts, tokens, y, pool, interleave6::group_fn())
            }
        }
    }
}

fn quantized<W: WeightBlock>(
    w: &[W],
    rows: usize,
    cols: usize,
    x: &[f32],
    tokens: usize,
    y: &mut [f32],
    pool: &rayon::ThreadPool,
) {
    let per_row = cols / W::ELEMS;
    let acts = quantize_acts::<W>(x, tokens, cols, pool);
    let (dot, dot4) = (W::dot_fn(), W::dot4_fn());
    let act = |t: usize| &acts[t * per_row..(t + 1) * per_row];
    for_tiles(rows, tokens, y, pool, |r, t0, out| {
        let wr = &w[r * per_row..(r + 1) * per_row];
        match (dot4, out.len()) {
            (Some(dot4), 4) => out.copy_from_slice(&dot4(wr, [act(t0), act(t0 + 1), act(t0 + 2), act(t0 + 3)])),
            _ => out.iter_mut().enumerate().for_each(|(i, o)| *o = dot(wr, act(t0 + i))),
        }
    });
}

/// Each of `tokens` rows of `x` (`cols` wide) quantized to `W`'s activation blocks, one after the other.
fn quantize_acts<W: WeightBlock>(x: &[f32], tokens: usize, cols: usize, pool: &rayon::ThreadPool) -> Vec<W::Act> {
    let quantize = |row: &[f32]| {
        let mut out = Vec::with_capacity(cols / W::ELEMS);
        W::quantize_acts(row, &mut out);
        out
    };
    if tokens > 1 {
        pool.install(|| x[..tokens * cols].par_chunks_exact(cols).map(quantize).collect::<Vec<_>>().concat())
    } else {
        x[..cols].chunks_exact(cols).flat_map(quantize).collect()
    }
}

/// A raw pointer to the output that tasks write through; each (token, row) cell belongs to exactly one
/// task, because tasks own disjoint ranges of rows.
#[derive(Clone, Copy)]
pub(crate) struct Out(pub(crate) *mut f32);
// SAFETY: tasks write disjoint cells (see `for_tiles`), and the buffer outlives the pool's scope.
unsafe impl Send for Out {}
// SAFETY: as above; no cell is read or written by two tasks.
unsafe impl Sync for Out {}

impl Out {
    /// # Safety
    /// `i` is inside the buffer, which is alive, and no other thread accesses cell `i` meanwhile.
    pub(crate) unsafe fn write(&self, i: usize, v: f32) {
        // SAFETY: guaranteed by the caller.
        unsafe { *self.0.add(i) = v };
    }
}

/// Tokens per call of the cell function: a weight row is decoded once for this many activation rows.
const TOKEN_GROUP: usize = 4;

/// Runs `cells(r, t0, out)`, which fills `out[i]` with row r · token t0 + i for up to [`TOKEN_GROUP`]
/// tokens, over every row and token, rows split into tiles over the pool; stores at `y[t * rows + r]`.
fn for_tiles(
    rows: usize,
    tokens: usize,
    y: &mut [f32],
    pool: &rayon::ThreadPool,
    cells: impl Fn(usize, usize, &mut [f32]) + Sync,
) {
    assert!(y.len() >= rows * tokens, "output buffer too short");
    let out = Out(y.as_mut_ptr());
    let tiles = rows.div_ceil(ROW_TILE);
    pool.install(|| {
        (0..tiles).into_par_iter().for_each(|tile| {
            let (r0, r1) = (tile * ROW_TILE, ((tile + 1) * ROW_TILE).min(rows));
            for t0 in (0..tokens).step_by(TOKEN_GROUP) {
                let n = TOKEN_GROUP.min(tokens - t0);
                for r in r0..r1 {
                    let mut v = [0.0f32; TOKEN_GROUP];
                    cells(r, t0, &mut v[..n]);
                    for (i, &v) in v[..n].iter().enumerate() {
                        // SAFETY: r < rows and t0 + i < tokens, so the index is inside `y` (checked
                        // above); rows r0..r1 belong to this tile alone, so no other task touches this
                        // cell, and `y` is borrowed mutably for the whole call.
                        unsafe { out.write((t0 + i) * rows + r, v) };
                    }
                }
            }
        })
    });
}

#[cfg(test)]
#[path = "matmul_tests.rs"]
mod tests;
