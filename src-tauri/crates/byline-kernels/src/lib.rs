//! Quantized CPU kernels for Byline's drafting engine: GGML's block formats read straight from GGUF bytes,
//! activation quantization, integer dot products with AVX2 + FMA kernels picked at run time (the binary
//! stays baseline x86-64), and a batched, threaded matmul.
//!
//! This is the one crate in the workspace allowed `unsafe` code: SIMD intrinsics, copying tensor bytes into
//! block structs, and disjoint writes from worker threads into one output buffer. Every unsafe block says
//! why it is sound, and every SIMD kernel is tested against the portable reference.

pub mod blocks;
pub mod dot;
pub mod interleave;
pub mod interleave6;
pub mod matmul;
pub mod quantize;
pub mod vec;

#[cfg(test)]
mod testutil;

pub use matmul::QMatrix;
pub use rayon::ThreadPool;

#[derive(Debug, thiserror::Error)]
pub enum KernelError {
    #[error("tensor shape: {0}")]
    Shape(String),
    #[error("cannot start {threads} worker threads: {message}")]
    Threads { threads: usize, message: String },
}

/// Weight storage types the kernels run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum QType {
    F32,
    F16,
    Q4_0,
    Q4_1,
    Q5_0,
    Q5_1,
    Q8_0,
    Q2K,
    Q3K,
    Q4K,
    Q5K,
    Q6K,
}

impl QType {
    /// Elements per block.
    pub fn block_elems(self) -> usize {
        match self {
            QType::F32 | QType::F16 => 1,
            QType::Q4_0 | QType::Q4_1 | QType::Q5_0 | QType::Q5_1 | QType::Q8_0 => blocks::QK,
            QType::Q2K | QType::Q3K | QType::Q4K | QType::Q5K | QType::Q6K => blocks::QK_K,
        }
    }

    /// Bytes per block in a GGUF file.
    pub fn block_bytes(self) -> usize {
        use std::mem::size_of;
        match self {
            QType::F32 => 4,
            QType::F16 => 2,
            QType::Q4_0 => size_of::<blocks::BlockQ4_0>(),
            QType::Q4_1 => size_of::<blocks::BlockQ4_1>(),
            QType::Q5_0 => size_of::<blocks::BlockQ5_0>(),
            QType::Q5_1 => size_of::<blocks::BlockQ5_1>(),
            QType::Q8_0 => size_of::<blocks::BlockQ8_0>(),
            QType::Q2K => size_of::<blocks::BlockQ2K>(),
            QType::Q3K => size_of::<blocks::BlockQ3K>(),
            QType::Q4K => size_of::<blocks::BlockQ4K>(),
            QType::Q5K => size_of::<blocks::BlockQ5K>(),
            QType::Q6K => size_of::<blocks::BlockQ6K>(),
        }
    }
}

/// A pool of `threads` workers (at least one) for [`QMatrix::matmul`] and the caller's own parallel loops.
pub fn thread_pool(threads: usize) -> Result<ThreadPool, KernelError> {
    let threads = threads.max(1);
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .thread_name(|i| format!("byline-kernels-{i}"))
        .build()
        .map_err(|e| KernelError::Threads { threads, message: e.to_string() })
}
