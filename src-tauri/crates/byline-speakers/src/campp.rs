//! CAM++ (3D-Speaker's context-aware masking speaker encoder, 192-d embeddings) on candle, in inference
//! mode: a 2-D residual front end over the filterbank, a densely connected TDNN with context-aware masks,
//! statistics pooling and a linear layer. Weights are read from the PyTorch state dict 3D-Speaker publishes
//! (`campplus_cn_en_common.pt`); every batch norm is folded into a scale and a shift at load.

use std::path::Path;

use byline_core::{Error, Result};
use candle_core::{CpuStorage, CustomOp1, D, DType, Device, Layout, Shape, Tensor};
use candle_nn::VarBuilder;

use crate::fbank::MELS;

/// Length of the embedding.
pub const DIM: usize = 192;
/// Frames over which the context-aware mask averages locally (`seg_len` of 3D-Speaker).
const SEGMENT: usize = 100;

fn err(what: &str) -> impl Fn(candle_core::Error) -> Error + '_ {
    move |e| Error::Format { path: what.into(), message: format!("CAM++: {e}") }
}

/// A batch norm in inference mode: `x * scale + shift` per channel.
struct Norm {
    scale: Tensor,
    shift: Tensor,
    /// The same on the CPU, for [`ScaleShift`].
    op: ScaleShift,
}

/// `x * scale + shift` per channel of a contiguous `[B, C, ...]` tensor, then ReLU when asked, in one pass
/// on the calling thread. candle runs each of those as its own operation, split over its thread pool and
/// joined at a barrier: on the short tensors of a speaker window that bookkeeping cost more than the
/// arithmetic (about half the encoder's time went to batch norms and ReLUs).
#[derive(Clone)]
struct ScaleShift {
    scale: Vec<f32>,
    shift: Vec<f32>,
    relu: bool,
}

impl CustomOp1 for ScaleShift {
    fn name(&self) -> &'static str {
        "scale-shift"
    }

    fn cpu_fwd(&self, storage: &CpuStorage, layout: &Layout) -> candle_core::Result<(CpuStorage, Shape)> {
        let CpuStorage::F32(data) = storage else { candle_core::bail!("scale-shift takes f32") };
        let Some((from, to)) = layout.contiguous_offsets() else {
            candle_core::bail!("scale-shift takes a contiguous tensor")
        };
        let dims = layout.dims();
        if dims.len() < 2 || dims[1] != self.scale.len() {
            candle_core::bail!("scale-shift over {} channels got {dims:?}", self.scale.len());
        }
        let rest: usize = dims[2..].iter().product();
        let channels = self.scale.len();
        let mut out = Vec::with_capacity(to - from);
        for (i, run) in data[from..to].chunks_exact(rest.max(1)).enumerate() {
            let (scale, shift) = (self.scale[i % channels], self.shift[i % channels]);
            if self.relu {
                out.extend(run.iter().map(|v| (v * scale + shift).max(0.0)));
            } else {
                out.extend(run.iter().map(|v| v * scale + shift));
            }
        }
        Ok((CpuStorage::F32(out), layout.shape().clone()))
    }
}

impl Norm {
    fn load(vb: &VarBuilder, channels: usize, affine: bool) -> candle_core::Result<Self> {
        let mean = vb.get(channels, "running_mean")?;
        let var = vb.get(channels, "running_var")?;
        let inv = (var + 1e-5)?.sqrt()?.recip()?;
        let (scale, shift) = if affine {
            let w = vb.get(channels, "weight")?;
            let b = vb.get(channels, "bias")?;
            let scale = (w * &inv)?;
            let shift = (b - (&mean * &scale)?)?;
            (scale, shift)
        } else {
            let shift = (mean.neg()? * &inv)?;
            (inv, shift)
        };
        let op = ScaleShift { scale: scale.to_vec1()?, shift: shift.to_vec1()?, relu: false };
        Ok(Self { scale, shift, op })
    }

    /// Applies to `[B, C, ...]`.
    fn apply(&self, x: &Tensor) -> candle_core::Result<Tensor> {
        self.apply_then(x, false)
    }

    /// `relu(norm(x))`, fused on the CPU.
    fn apply_relu(&self, x: &Tensor) -> candle_core::Result<Tensor> {
        self.apply_then(x, true)
    }

    fn apply_then(&self, x: &Tensor, relu: bool) -> candle_core::Result<Tensor> {
        if x.device().is_cpu() && x.dtype() == DType::F32 {
            return x.contiguous()?.apply_op1_no_bwd(&ScaleShift { relu, ..self.op.clone() });
        }
        let mut shape = vec![1, self.scale.dim(0)?];
        shape.extend(std::iter::repeat_n(1, x.rank() - 2));
        let y = x
            .broadcast_mul(&self.scale.reshape(shape.as_slice())?)?
            .broadcast_add(&self.shift.reshape(shape.as_slice())?)?;
        if relu { y.relu() } else { Ok(y) }
    }
}

/// A 2-D convolution of the front end over `[B, C, F, T]` with a k×k kernel (k = 1 or 3, zero padding k/2,
/// stride 1 along time), keeping every `stride_f`-th row along frequency: a stride candle's symmetric
/// conv2d cannot express, which it used to compute in full and then drop half of. The input is unfolded a
/// whole row at a time (copies, where candle's unfolding computes an index per element and took a quarter of
/// the encoder's time), then multiplied once per batch item.
struct Conv2d {
    /// `[C_out, C_in · k · k]`, in the order (channel, row, column) the unfolding writes.
    w: Tensor,
    k: usize,
}

impl Conv2d {
    fn new(w: Tensor) -> candle_core::Result<Self> {
        let (out, inp, k, k2) = w.dims4()?;
        if k != k2 || k % 2 == 0 {
            candle_core::bail!("a square kernel of odd size, not {k}x{k2}");
        }
        Ok(Self { w: w.reshape((out, inp * k * k))?, k })
    }

    fn forward(&self, x: &Tensor, stride_f: usize) -> candle_core::Result<Tensor> {
        let (b, c, f, t) = x.dims4()?;
        let (k, pad) = (self.k, self.k / 2);
        let out_f = (f + 2 * pad - k) / stride_f + 1;
        let (rows, n) = (c * k * k, out_f * t);
        let data: Vec<f32> = x.flatten_all()?.to_vec1()?;
        let mut outs = Vec::with_capacity(b);
        let mut col = vec![0f32; rows * n];
        for bi in 0..b {
            col.fill(0.0);
            for ci in 0..c {
                for kh in 0..k {
                    for kw in 0..k {
                        let dst = &mut col[((ci * k + kh) * k + kw) * n..][..n];
                        let shift = kw as isize - pad as isize;
                        let len = t - shift.unsigned_abs();
                        for oy in 0..out_f {
                            let iy = (oy * stride_f + kh) as isize - pad as isize;
                            if iy < 0 || iy >= f as isize {
                                continue; // zero padding
                            }
                            let src = &data[((bi * c + ci) * f + iy as usize) * t..][..t];
                            let out = &mut dst[oy * t..][..t];
                            // Column x of the output reads column x + shift of the input.
                            if shift >= 0 {
                                out[..len].copy_from_slice(&src[shift as usize..]);
                            } else {
                                out[t - len..].copy_from_slice(&src[..len]);
                            }
                        }
                    }
                }
            }
            let unfolded = Tensor::from_slice(&col, (rows, n), x.device())?;
            outs.push(self.w.matmul(&unfolded)?);
        }
        Tensor::stack(&outs, 0)?.reshape((b, self.w.dim(0)?, out_f, t))
    }
}

/// A 1-D convolution over `[B, C, T]`: a matrix product where the kernel is one frame wide, otherwise the
/// input unfolded (whole rows copied where the stride is 1) and multiplied, as [`Conv2d`] does; candle's own
/// unfolding indexes every element.
struct Conv1d {
    /// `[C_out, C_in · k]`, in the order (channel, tap).
    w: Tensor,
    k: usize,
}

impl Conv1d {
    fn new(w: Tensor) -> candle_core::Result<Self> {
        let (out, inp, k) = w.dims3()?;
        Ok(Self { w: w.reshape((out, inp * k))?, k })
    }

    fn forward(&self, x: &Tensor, padding: usize, stride: usize, dilation: usize) -> candle_core::Result<Tensor> {
        let (b, c, t) = x.dims3()?;
        if self.k == 1 && padding == 0 && stride == 1 {
            return self.w.broadcast_matmul(&x.contiguous()?);
        }
        let span = dilation * (self.k - 1) + 1;
        if t + 2 * padding < span {
            candle_core::bail!("{t} frames are fewer than the kernel spans");
        }
        let out_t = (t + 2 * padding - span) / stride + 1;
        let (rows, data) = (c * self.k, x.flatten_all()?.to_vec1::<f32>()?);
        let mut col = vec![0f32; b * rows * out_t];
        for bi in 0..b {
            for ci in 0..c {
                let src = &data[(bi * c + ci) * t..][..t];
                for j in 0..self.k {
                    let dst = &mut col[(bi * rows + ci * self.k + j) * out_t..][..out_t];
                    let offset = (j * dilation) as isize - padding as isize;
                    if stride == 1 {
                        // Output frame o reads input frame o + offset: one copy of the frames in range.
                        let first = (-offset).max(0) as usize;
                        let last = ((t as isize - offset).min(out_t as isize)).max(0) as usize;
                        if first < last {
                            let from = (first as isize + offset) as usize;
                            dst[first..last].copy_from_slice(&src[from..from + last - first]);
                        }
                    } else {
                        for (o, d) in dst.iter_mut().enumerate() {
                            let i = (o * stride) as isize + offset;
                            if i >= 0 && (i as usize) < t {
                                *d = src[i as usize];
                            }
                        }
                    }
                }
            }
        }
        let unfolded = Tensor::from_vec(col, (b, rows, out_t), x.device())?;
        self.w.broadcast_matmul(&unfolded)
    }
}

struct ResBlock {
    conv1: Conv2d,
    bn1: Norm,
    conv2: Conv2d,
    bn2: Norm,
    shortcut: Option<(Conv2d, Norm)>,
    halve: bool,
}

impl ResBlock {
    fn load(vb: &VarBuilder, halve: bool) -> candle_core::Result<Self> {
        let shortcut = if vb.contains_tensor("shortcut.0.weight") {
            Some((
                Conv2d::new(vb.get((32, 32, 1, 1), "shortcut.0.weight")?)?,
                Norm::load(&vb.pp("shortcut.1"), 32, true)?,
            ))
        } else {
            None
        };
        Ok(Self {
            conv1: Conv2d::new(vb.get((32, 32, 3, 3), "conv1.weight")?)?,
            bn1: Norm::load(&vb.pp("bn1"), 32, true)?,
            conv2: Conv2d::new(vb.get((32, 32, 3, 3), "conv2.weight")?)?,
            bn2: Norm::load(&vb.pp("bn2"), 32, true)?,
            shortcut,
            halve,
        })
    }

    fn forward(&self, x: &Tensor) -> candle_core::Result<Tensor> {
        let stride = if self.halve { 2 } else { 1 };
        let h = self.bn1.apply_relu(&self.conv1.forward(x, stride)?)?;
        let h = self.bn2.apply(&self.conv2.forward(&h, 1)?)?;
        let skip = match &self.shortcut {
            Some((conv, norm)) => norm.apply(&conv.forward(x, stride)?)?,
            None => x.clone(),
        };
        (h + skip)?.relu()
    }
}

/// One layer of a dense TDNN block: bottleneck, then a dilated convolution scaled by a context mask.
struct DenseLayer {
    norm1: Norm,
    linear1: Conv1d,
    norm2: Norm,
    local: Conv1d,
    mask1: (Conv1d, Tensor),
    mask2: (Conv1d, Tensor),
    dilation: usize,
}

impl DenseLayer {
    fn load(vb: &VarBuilder, inputs: usize, dilation: usize) -> candle_core::Result<Self> {
        let cam = vb.pp("cam_layer");
        Ok(Self {
            norm1: Norm::load(&vb.pp("nonlinear1.batchnorm"), inputs, true)?,
            linear1: Conv1d::new(vb.get((128, inputs, 1), "linear1.weight")?)?,
            norm2: Norm::load(&vb.pp("nonlinear2.batchnorm"), 128, true)?,
            local: Conv1d::new(cam.get((32, 128, 3), "linear_local.weight")?)?,
            mask1: (Conv1d::new(cam.get((64, 128, 1), "linear1.weight")?)?, cam.get(64, "linear1.bias")?),
            mask2: (Conv1d::new(cam.get((32, 64, 1), "linear2.weight")?)?, cam.get(32, "linear2.bias")?),
            dilation,
        })
    }

    fn forward(&self, x: &Tensor) -> candle_core::Result<Tensor> {
        let y = self.linear1.forward(&self.norm1.apply_relu(x)?, 0, 1, 1)?;
        let y = self.norm2.apply_relu(&y)?;
        let local = self.local.forward(&y, self.dilation, 1, self.dilation)?;
        let context = y.mean_keepdim(D::Minus1)?.broadcast_add(&segment_means(&y)?)?;
        let bias = |b: &Tensor| b.reshape((1, b.dim(0)?, 1));
        let m = self.mask1.0.forward(&context, 0, 1, 1)?.broadcast_add(&bias(&self.mask1.1)?)?.relu()?;
        let m = candle_nn::ops::sigmoid(&self.mask2.0.forward(&m, 0, 1, 1)?.broadcast_add(&bias(&self.mask2.1)?)?)?;
        local.broadcast_mul(&m)
    }
}

/// Each frame replaced by the mean of its segment of [`SEGMENT`] frames (the last segment may be shorter
/// and is averaged over the frames it has).
fn segment_means(y: &Tensor) -> candle_core::Result<Tensor> {
    let (b, c, t) = y.dims3()?;
    let mut parts = Vec::with_capacity(t.div_ceil(SEGMENT));
    for start in (0..t).step_by(SEGMENT) {
        let len = SEGMENT.min(t - start);
        parts.push(y.narrow(2, start, len)?.mean_keepdim(2)?.broadcast_as((b, c, len))?);
    }
    Tensor::cat(&parts, 2)
}

/// A 1×1 convolution after batch norm and ReLU, halving the channels between dense blocks.
struct Transit {
    norm: Norm,
    linear: Conv1d,
}

/// The CAM++ network with its weights.
pub struct CamPlusPlus {
    conv1: Conv2d,
    bn1: Norm,
    blocks: Vec<ResBlock>,
    conv2: Conv2d,
    bn2: Norm,
    tdnn: Conv1d,
    tdnn_norm: Norm,
    dense: Vec<(Vec<DenseLayer>, Transit)>,
    out_norm: Norm,
    projection: Tensor,
    projection_norm: Norm,
    device: Device,
}

impl CamPlusPlus {
    /// Loads the state dict at `path` (a PyTorch zip file) onto `device`.
    pub fn load(path: &Path, device: &Device) -> Result<Self> {
        let shown = path.display().to_string();
        let e = err(&shown);
        if !path.is_file() {
            return Err(Error::NotFound { what: "speaker model", id: path.display().to_string() });
        }
        let vb = VarBuilder::from_pth(path, DType::F32, device).map_err(&e)?;
        Self::from_vb(&vb, device).map_err(&e)
    }

    fn from_vb(vb: &VarBuilder, device: &Device) -> candle_core::Result<Self> {
        let head = vb.pp("head");
        let mut blocks = Vec::new();
        for layer in ["layer1", "layer2"] {
            blocks.push(ResBlock::load(&head.pp(layer).pp("0"), true)?);
            blocks.push(ResBlock::load(&head.pp(layer).pp("1"), false)?);
        }
        let xv = vb.pp("xvector");
        let mut channels = 128;
        let mut dense = Vec::new();
        for (i, (layers, dilation)) in [(12, 1), (24, 2), (16, 2)].into_iter().enumerate() {
            let block = xv.pp(format!("block{}", i + 1));
            let mut ls = Vec::with_capacity(layers);
            for l in 0..layers {
                ls.push(DenseLayer::load(&block.pp(format!("tdnnd{}", l + 1)), channels, dilation)?);
                channels += 32;
            }
            let t = xv.pp(format!("transit{}", i + 1));
            let transit = Transit {
                norm: Norm::load(&t.pp("nonlinear.batchnorm"), channels, true)?,
                linear: Conv1d::new(t.get((channels / 2, channels, 1), "linear.weight")?)?,
            };
            channels /= 2;
            dense.push((ls, transit));
        }
        Ok(Self {
            conv1: Conv2d::new(head.get((32, 1, 3, 3), "conv1.weight")?)?,
            bn1: Norm::load(&head.pp("bn1"), 32, true)?,
            blocks,
            conv2: Conv2d::new(head.get((32, 32, 3, 3), "conv2.weight")?)?,
            bn2: Norm::load(&head.pp("bn2"), 32, true)?,
            tdnn: Conv1d::new(xv.get((128, 32 * MELS / 8, 5), "tdnn.linear.weight")?)?,
            tdnn_norm: Norm::load(&xv.pp("tdnn.nonlinear.batchnorm"), 128, true)?,
            dense,
            out_norm: Norm::load(&xv.pp("out_nonlinear.batchnorm"), channels, true)?,
            projection: xv.get((DIM, channels * 2, 1), "dense.linear.weight")?.squeeze(2)?,
            projection_norm: Norm::load(&xv.pp("dense.nonlinear.batchnorm"), DIM, false)?,
            device: device.clone(),
        })
    }

    /// Embeddings (`DIM` each, not normalised) of a batch of mean-normalised filterbanks that all have
    /// `frames` frames, given as `batch × frames × MELS` values.
    pub fn embed(&self, feats: &[f32], batch: usize, frames: usize) -> Result<Vec<Vec<f32>>> {
        self.forward(feats, batch, frames).map_err(err("embedding"))
    }

    fn forward(&self, feats: &[f32], batch: usize, frames: usize) -> candle_core::Result<Vec<Vec<f32>>> {
        let x = Tensor::from_slice(feats, (batch, frames, MELS), &self.device)?.transpose(1, 2)?.unsqueeze(1)?;
        let mut h = self.bn1.apply_relu(&self.conv1.forward(&x, 1)?)?;
        for block in &self.blocks {
            h = block.forward(&h)?;
        }
        let h = self.bn2.apply_relu(&self.conv2.forward(&h, 2)?)?;
        let (b, c, f, t) = h.dims4()?;
        let x = h.reshape((b, c * f, t))?;
        let mut x = self.tdnn_norm.apply_relu(&self.tdnn.forward(&x, 2, 2, 1)?)?;
        for (layers, transit) in &self.dense {
            for layer in layers {
                let y = layer.forward(&x)?;
                x = Tensor::cat(&[&x, &y], 1)?;
            }
            x = transit.linear.forward(&transit.norm.apply_relu(&x)?, 0, 1, 1)?;
        }
        let x = self.out_norm.apply_relu(&x)?;
        let t = x.dim(2)?;
        let mean = x.mean_keepdim(2)?;
        let var = (x.broadcast_sub(&mean)?.sqr()?.sum_keepdim(2)? / (t.max(2) - 1) as f64)?;
        let stats = Tensor::cat(&[mean.squeeze(2)?, var.sqrt()?.squeeze(2)?], 1)?;
        let e = stats.matmul(&self.projection.t()?)?;
        let e = self.projection_norm.apply(&e)?;
        e.to_dtype(DType::F32)?.to_vec2::<f32>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The 1-D convolution equals candle's conv1d for every kernel, padding, stride and dilation the encoder uses.
    #[test]
    fn conv1d_by_rows_equals_candle() {
        let dev = Device::Cpu;
        for (k, padding, stride, dilation, t) in
            [(1, 0, 1, 1, 9), (3, 1, 1, 1, 9), (3, 2, 1, 2, 9), (5, 2, 2, 1, 11), (5, 2, 2, 1, 12), (3, 2, 1, 2, 3)]
        {
            let x = Tensor::randn(0f32, 1.0, (2, 6, t), &dev).expect("x");
            let w = Tensor::randn(0f32, 1.0, (4, 6, k), &dev).expect("w");
            let want = x.conv1d(&w, padding, stride, dilation, 1).expect("candle");
            let got = Conv1d::new(w).expect("conv").forward(&x, padding, stride, dilation).expect("rows");
            assert_eq!(got.dims(), want.dims(), "k{k} p{padding} s{stride} d{dilation} t{t}");
            let diff: f32 =
                (got - &want).expect("diff").abs().expect("abs").max_all().expect("max").to_scalar().expect("f32");
            assert!(diff < 1e-4, "k{k} p{padding} s{stride} d{dilation} t{t}: {diff}");
        }
    }

    /// The front end's convolution equals candle's conv2d (then every second frequency row where it strides).
    #[test]
    fn conv2d_by_rows_equals_candle() {
        let dev = Device::Cpu;
        for (inputs, k, f, t) in [(1, 3, 8, 11), (32, 3, 10, 7), (32, 1, 6, 9), (4, 3, 1, 5), (3, 3, 7, 1)] {
            let x = Tensor::randn(0f32, 1.0, (2, inputs, f, t), &dev).expect("x");
            let w = Tensor::randn(0f32, 1.0, (5, inputs, k, k), &dev).expect("w");
            let conv = Conv2d::new(w.clone()).expect("conv");
            let want = x.conv2d(&w, k / 2, 1, 1, 1).expect("candle");
            for stride in [1, 2] {
                let got = conv.forward(&x, stride).expect("rows");
                let rows: Vec<u32> = (0..want.dim(2).expect("f") as u32).step_by(stride).collect();
                let want = want.index_select(&Tensor::new(rows.as_slice(), &dev).expect("rows"), 2).expect("select");
                assert_eq!(got.dims(), want.dims(), "k{k} f{f} t{t} stride {stride}");
                let diff = (got - &want).expect("diff").abs().expect("abs").max_all().expect("max");
                let diff: f32 = diff.to_scalar().expect("scalar");
                assert!(diff < 1e-4, "k{k} f{f} t{t} stride {stride}: {diff}");
            }
        }
    }
}
