//! CAM++ (3D-Speaker's context-aware masking speaker encoder, 192-d embeddings) on candle, in inference
//! mode: a 2-D residual front end over the filterbank, a densely connected TDNN with context-aware masks,
//! statistics pooling and a linear layer. Weights are read from the PyTorch state dict 3D-Speaker publishes
//! (`campplus_cn_en_common.pt`); every batch norm is folded into a scale and a shift at load.

use std::path::Path;

use byline_core::{Error, Result};
use candle_core::{D, DType, Device, Tensor};
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
        Ok(Self { scale, shift })
    }

    /// Applies to `[B, C, ...]`.
    fn apply(&self, x: &Tensor) -> candle_core::Result<Tensor> {
        let mut shape = vec![1, self.scale.dim(0)?];
        shape.extend(std::iter::repeat_n(1, x.rank() - 2));
        x.broadcast_mul(&self.scale.reshape(shape.as_slice())?)?.broadcast_add(&self.shift.reshape(shape.as_slice())?)
    }
}

/// Keeps every second row of the frequency axis of `[B, C, F, T]`: a stride of 2 along frequency only,
/// which candle's symmetric conv2d cannot express directly.
fn even_rows(x: &Tensor) -> candle_core::Result<Tensor> {
    let (b, c, f, t) = x.dims4()?;
    x.reshape((b, c, f / 2, 2, t))?.narrow(3, 0, 1)?.squeeze(3)
}

struct ResBlock {
    conv1: Tensor,
    bn1: Norm,
    conv2: Tensor,
    bn2: Norm,
    shortcut: Option<(Tensor, Norm)>,
    halve: bool,
}

impl ResBlock {
    fn load(vb: &VarBuilder, halve: bool) -> candle_core::Result<Self> {
        let shortcut = if vb.contains_tensor("shortcut.0.weight") {
            Some((vb.get((32, 32, 1, 1), "shortcut.0.weight")?, Norm::load(&vb.pp("shortcut.1"), 32, true)?))
        } else {
            None
        };
        Ok(Self {
            conv1: vb.get((32, 32, 3, 3), "conv1.weight")?,
            bn1: Norm::load(&vb.pp("bn1"), 32, true)?,
            conv2: vb.get((32, 32, 3, 3), "conv2.weight")?,
            bn2: Norm::load(&vb.pp("bn2"), 32, true)?,
            shortcut,
            halve,
        })
    }

    fn forward(&self, x: &Tensor) -> candle_core::Result<Tensor> {
        let mut h = x.conv2d(&self.conv1, 1, 1, 1, 1)?;
        if self.halve {
            h = even_rows(&h)?;
        }
        let h = self.bn1.apply(&h)?.relu()?;
        let h = self.bn2.apply(&h.conv2d(&self.conv2, 1, 1, 1, 1)?)?;
        let skip = match &self.shortcut {
            Some((w, norm)) => {
                let mut s = x.conv2d(w, 0, 1, 1, 1)?;
                if self.halve {
                    s = even_rows(&s)?;
                }
                norm.apply(&s)?
            }
            None => x.clone(),
        };
        (h + skip)?.relu()
    }
}

/// One layer of a dense TDNN block: bottleneck, then a dilated convolution scaled by a context mask.
struct DenseLayer {
    norm1: Norm,
    linear1: Tensor,
    norm2: Norm,
    local: Tensor,
    mask1: (Tensor, Tensor),
    mask2: (Tensor, Tensor),
    dilation: usize,
}

impl DenseLayer {
    fn load(vb: &VarBuilder, inputs: usize, dilation: usize) -> candle_core::Result<Self> {
        let cam = vb.pp("cam_layer");
        Ok(Self {
            norm1: Norm::load(&vb.pp("nonlinear1.batchnorm"), inputs, true)?,
            linear1: vb.get((128, inputs, 1), "linear1.weight")?,
            norm2: Norm::load(&vb.pp("nonlinear2.batchnorm"), 128, true)?,
            local: cam.get((32, 128, 3), "linear_local.weight")?,
            mask1: (cam.get((64, 128, 1), "linear1.weight")?, cam.get(64, "linear1.bias")?),
            mask2: (cam.get((32, 64, 1), "linear2.weight")?, cam.get(32, "linear2.bias")?),
            dilation,
        })
    }

    fn forward(&self, x: &Tensor) -> candle_core::Result<Tensor> {
        let y = self.norm1.apply(x)?.relu()?.conv1d(&self.linear1, 0, 1, 1, 1)?;
        let y = self.norm2.apply(&y)?.relu()?;
        let local = y.conv1d(&self.local, self.dilation, 1, self.dilation, 1)?;
        let context = y.mean_keepdim(D::Minus1)?.broadcast_add(&segment_means(&y)?)?;
        let bias = |b: &Tensor| b.reshape((1, b.dim(0)?, 1));
        let m = context.conv1d(&self.mask1.0, 0, 1, 1, 1)?.broadcast_add(&bias(&self.mask1.1)?)?.relu()?;
        let m = candle_nn::ops::sigmoid(&m.conv1d(&self.mask2.0, 0, 1, 1, 1)?.broadcast_add(&bias(&self.mask2.1)?)?)?;
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
    linear: Tensor,
}

/// The CAM++ network with its weights.
pub struct CamPlusPlus {
    conv1: Tensor,
    bn1: Norm,
    blocks: Vec<ResBlock>,
    conv2: Tensor,
    bn2: Norm,
    tdnn: Tensor,
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
                linear: t.get((channels / 2, channels, 1), "linear.weight")?,
            };
            channels /= 2;
            dense.push((ls, transit));
        }
        Ok(Self {
            conv1: head.get((32, 1, 3, 3), "conv1.weight")?,
            bn1: Norm::load(&head.pp("bn1"), 32, true)?,
            blocks,
            conv2: head.get((32, 32, 3, 3), "conv2.weight")?,
            bn2: Norm::load(&head.pp("bn2"), 32, true)?,
            tdnn: xv.get((128, 32 * MELS / 8, 5), "tdnn.linear.weight")?,
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
        let mut h = self.bn1.apply(&x.contiguous()?.conv2d(&self.conv1, 1, 1, 1, 1)?)?.relu()?;
        for block in &self.blocks {
            h = block.forward(&h)?;
        }
        let h = self.bn2.apply(&even_rows(&h.conv2d(&self.conv2, 1, 1, 1, 1)?)?)?.relu()?;
        let (b, c, f, t) = h.dims4()?;
        let x = h.reshape((b, c * f, t))?;
        let mut x = self.tdnn_norm.apply(&x.conv1d(&self.tdnn, 2, 2, 1, 1)?)?.relu()?;
        for (layers, transit) in &self.dense {
            for layer in layers {
                let y = layer.forward(&x)?;
                x = Tensor::cat(&[&x, &y], 1)?;
            }
            x = transit.norm.apply(&x)?.relu()?.conv1d(&transit.linear, 0, 1, 1, 1)?;
        }
        let x = self.out_norm.apply(&x)?.relu()?;
        let t = x.dim(2)?;
        let mean = x.mean_keepdim(2)?;
        let var = (x.broadcast_sub(&mean)?.sqr()?.sum_keepdim(2)? / (t.max(2) - 1) as f64)?;
        let stats = Tensor::cat(&[mean.squeeze(2)?, var.sqrt()?.squeeze(2)?], 1)?;
        let e = stats.matmul(&self.projection.t()?)?;
        let e = self.projection_norm.apply(&e)?;
        e.to_dtype(DType::F32)?.to_vec2::<f32>()
    }
}
