//! Reading a GGUF's tensors as the raw bytes byline-kernels multiplies, straight from the file: no candle
//! tensor in between, so a weight is held in memory once, in its quantized form.

use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

use byline_core::{Error, Result};
use byline_kernels::{QMatrix, QType, ThreadPool};
use candle_core::quantized::{GgmlDType, gguf_file};

/// The kernel type of a GGUF tensor type, if the kernels run it.
pub(crate) fn qtype(d: GgmlDType) -> Option<QType> {
    Some(match d {
        GgmlDType::F32 => QType::F32,
        GgmlDType::F16 => QType::F16,
        GgmlDType::Q4_0 => QType::Q4_0,
        GgmlDType::Q4_1 => QType::Q4_1,
        GgmlDType::Q5_0 => QType::Q5_0,
        GgmlDType::Q5_1 => QType::Q5_1,
        GgmlDType::Q8_0 => QType::Q8_0,
        GgmlDType::Q2K => QType::Q2K,
        GgmlDType::Q3K => QType::Q3K,
        GgmlDType::Q4K => QType::Q4K,
        GgmlDType::Q5K => QType::Q5K,
        GgmlDType::Q6K => QType::Q6K,
        _ => return None,
    })
}

pub(crate) struct TensorReader<'a, R> {
    pub content: &'a gguf_file::Content,
    pub reader: &'a mut R,
    pub path: &'a Path,
    /// The model's pool: weights repacked at load use its threads.
    pub pool: &'a byline_kernels::ThreadPool,
}

impl<R: Read + Seek> TensorReader<'_, R> {
    fn err(&self, message: String) -> Error {
        Error::Format { path: self.path.to_path_buf(), message }
    }

    pub fn has(&self, name: &str) -> bool {
        self.content.tensor_infos.contains_key(name)
    }

    /// The tensor's type, dimensions in row-major order (rows first), and bytes.
    fn read(&mut self, name: &str) -> Result<(QType, Vec<usize>, Vec<u8>)> {
        let info = self.content.tensor_infos.get(name).ok_or_else(|| self.err(format!("has no tensor {name}")))?;
        let ty = qtype(info.ggml_dtype).ok_or_else(|| {
            self.err(format!("tensor {name} is {:?}, which the CPU kernels do not run", info.ggml_dtype))
        })?;
        let dims = info.shape.dims().to_vec();
        let elems: usize = dims.iter().product();
        let len = elems / ty.block_elems() * ty.block_bytes();
        let start = self.content.tensor_data_offset + info.offset;
        let mut bytes = vec![0u8; len];
        let what = || format!("reading tensor {name} from {}", self.path.display());
        self.reader.seek(SeekFrom::Start(start)).map_err(|e| Error::io(what(), e))?;
        self.reader.read_exact(&mut bytes).map_err(|e| Error::io(what(), e))?;
        Ok((ty, dims, bytes))
    }

    /// A 2-D weight, `rows` output features by `cols` inputs.
    pub fn matrix(&mut self, name: &str) -> Result<QMatrix> {
        let (ty, dims, bytes) = self.read(name)?;
        let [rows, cols] = dims[..] else {
            return Err(self.err(format!("tensor {name} has shape {dims:?}, expected two dimensions")));
        };
        self.pool
            .install(|| QMatrix::from_ggml(ty, rows, cols, &bytes))
            .map_err(|e| self.err(format!("tensor {name}: {e}")))
    }

    /// A 1-D tensor (norm weight, bias) as f32.
    pub fn vector(&mut self, name: &str, len: usize) -> Result<Vec<f32>> {
        let (ty, dims, bytes) = self.read(name)?;
        if dims.iter().product::<usize>() != len {
            return Err(self.err(format!("tensor {name} has shape {dims:?}, expected {len} values")));
        }
        let m = QMatrix::from_ggml(ty, 1, len, &bytes).map_err(|e| self.err(format!("tensor {name}: {e}")))?;
        let mut out = vec![0.0; len];
        m.dequantize_row(0, &mut out);
        Ok(out)
    }
}

/// Several weights applied to the same input whose outputs sit side by side in each token's row (q|k|v,
/// gate|up). Neighbours of the same type are stacked into one matrix, so one pass quantizes the input
/// once and splits all their rows over the threads; mixed types (Q4_K_M stores v in Q6_K) stay apart.
pub(crate) struct Projection {
    groups: Vec<QMatrix>,
    rows: usize,
}

impl Projection {
    pub fn new(parts: Vec<QMatrix>) -> Result<Self> {
        let rows = parts.iter().map(QMatrix::rows).sum();
        let mut groups: Vec<Vec<QMatrix>> = Vec::new();
        for m in parts {
            match groups.last_mut() {
                Some(g) if g[0].ty() == m.ty() && g[0].cols() == m.cols() => g.push(m),
                _ => groups.push(vec![m]),
            }
        }
        let groups = groups
            .into_iter()
            .map(|g| QMatrix::stack(g).map_err(|e| Error::InvalidInput(format!("stacking weights: {e}"))))
            .collect::<Result<Vec<_>>>()?;
        Ok(Projection { groups, rows })
    }

    pub fn rows(&self) -> usize {
        self.rows
    }

    /// `y[t][..rows]` = all outputs for token t.
    pub fn matmul(&self, x: &[f32], tokens: usize, y: &mut [f32], pool: &ThreadPool, scratch: &mut Vec<f32>) {
        if let [only] = &self.groups[..] {
            return only.matmul(x, tokens, y, pool);
        }
        let mut offset = 0;
        for g in &self.groups {
            scratch.resize(tokens * g.rows(), 0.0);
            g.matmul(x, tokens, scratch, pool);
            for t in 0..tokens {
                let dst = &mut y[t * self.rows + offset..t * self.rows + offset + g.rows()];
                dst.copy_from_slice(&scratch[t * g.rows()..(t + 1) * g.rows()]);
            }
            offset += g.rows();
        }
    }
}
