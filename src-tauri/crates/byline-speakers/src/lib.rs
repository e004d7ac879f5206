//! Who spoke when. Speech arrives as it is decoded (the stretches voice-activity detection kept, with
//! their place in the recording); it is cut into windows of 1.5 s every 0.75 s, each window becomes a
//! speaker embedding (CAM++ when its weights are installed, spectral statistics otherwise), and the
//! embeddings are clustered into speakers, to an automatic count or the one the user gives. Each moment of
//! speech belongs to the window whose centre is nearest, which gives speaker turns that words are then
//! assigned to.

pub mod campp;
pub mod channels;
pub mod cluster;
pub mod der;
pub mod fbank;

use std::path::Path;

use byline_core::Result;
use candle_core::Device;
use serde::{Deserialize, Serialize};

pub use campp::CamPlusPlus;
use cluster::{Stop, agglomerate, cosine, normalise};
use fbank::{Fbank, MELS, RATE};

/// Window length and step, in samples.
const WINDOW: usize = 24_000;
const HOP: usize = 12_000;
/// Speech shorter than this (alone between pauses) gets no window of its own.
const MIN_WINDOW: usize = 8_000;
/// New audio after the last window that earns a last, shorter window.
const MIN_TAIL: usize = 3_200;
/// Full windows embedded together.
const BATCH: usize = 16;
/// Average cosine similarity below which two clusters of CAM++ embeddings stay apart. Chosen on the
/// pyannote.audio recordings the tests score (clean-turn DER 11.8, 6.9, 7.9, 10.0 and 20.0 % at 0.30, 0.35,
/// 0.40, 0.45 and 0.50), so the DER reported at this value is optimistic by that choice.
pub const CAMPP_THRESHOLD: f32 = 0.35;
/// The same for the spectral fallback (standardised features).
pub const SPECTRAL_THRESHOLD: f32 = 0.2;
/// A cluster holding less speech than this (automatic count only) joins the nearest larger one.
const MIN_SPEAKER_S: f64 = 3.0;

/// How a speaker embedding is made.
pub enum Encoder {
    /// The CAM++ network (192-d).
    CamPlusPlus(Box<CamPlusPlus>),
    /// Means and spreads of the log filterbank: no model needed, much weaker.
    Spectral,
}

impl Encoder {
    /// CAM++ from the weights at `path`, on the CPU.
    pub fn campp(path: &Path) -> Result<Self> {
        Ok(Self::CamPlusPlus(Box::new(CamPlusPlus::load(path, &Device::Cpu)?)))
    }

    /// What the transcript says was used.
    pub fn name(&self) -> &'static str {
        match self {
            Self::CamPlusPlus(_) => "CAM++ speaker embeddings",
            Self::Spectral => "spectral statistics (no speaker model installed)",
        }
    }

    /// `BYLINE_SPEAKER_THRESHOLD` overrides the similarity threshold, for measuring.
    fn threshold(&self) -> f32 {
        if let Some(t) = std::env::var("BYLINE_SPEAKER_THRESHOLD").ok().and_then(|v| v.parse().ok()) {
            return t;
        }
        match self {
            Self::CamPlusPlus(_) => CAMPP_THRESHOLD,
            Self::Spectral => SPECTRAL_THRESHOLD,
        }
    }
}

/// A stretch of speech and who speaks in it (0, 1, … in order of first appearance).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Turn {
    pub start: f64,
    pub end: f64,
    pub speaker: usize,
}

/// How many speakers to find.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Count {
    #[default]
    Auto,
    Exactly(usize),
}

struct Window {
    start: u64,
    end: u64,
    rms: f32,
    embedding: Vec<f32>,
}

/// Collects speech as it streams past and, at the end, says who spoke when.
pub struct Diarizer {
    encoder: Encoder,
    fbank: Fbank,
    /// Samples of the current stretch of speech from the next window's start on, and where they begin.
    buffer: Vec<f32>,
    buffer_at: u64,
    /// Whether a window has been taken from the current stretch.
    windowed: bool,
    /// Full windows waiting to be embedded together: start, rms, features.
    queued: Vec<(u64, f32, Vec<f32>)>,
    windows: Vec<Window>,
}

impl Diarizer {
    pub fn new(encoder: Encoder) -> Self {
        Self {
            encoder,
            fbank: Fbank::new(),
            buffer: Vec::new(),
            buffer_at: 0,
            windowed: false,
            queued: Vec::new(),
            windows: Vec::new(),
        }
    }

    pub fn encoder(&self) -> &Encoder {
        &self.encoder
    }

    /// Takes 16 kHz speech starting `at` samples into the recording. Speech that does not continue the
    /// previous piece starts a new stretch.
    pub fn push(&mut self, at: u64, samples: &[f32]) -> Result<()> {
        if !self.buffer.is_empty() && at != self.buffer_at + self.buffer.len() as u64 {
            self.end_stretch()?;
        }
        if self.buffer.is_empty() {
            self.buffer_at = at;
        }
        self.buffer.extend_from_slice(samples);
        while self.buffer.len() >= WINDOW {
            let feats = self.features(&self.buffer[..WINDOW]);
            self.queued.push((self.buffer_at, rms(&self.buffer[..WINDOW]), feats));
            self.windowed = true;
            self.buffer.drain(..HOP);
            self.buffer_at += HOP as u64;
            if self.queued.len() == BATCH {
                self.embed_queued()?;
            }
        }
        Ok(())
    }

    /// Closes the current stretch of speech: what is left after its last window gets a shorter window of
    /// its own when it is long enough.
    fn end_stretch(&mut self) -> Result<()> {
        let left = self.buffer.len();
        let new = if self.windowed { left.saturating_sub(WINDOW - HOP) } else { left };
        let enough = if self.windowed { new >= MIN_TAIL } else { left >= MIN_WINDOW };
        if enough {
            let samples = std::mem::take(&mut self.buffer);
            let feats = self.features(&samples);
            let frames = feats.len() / MELS;
            let embedding = self.embed(&feats, 1, frames)?.remove(0);
            self.windows.push(Window {
                start: self.buffer_at,
                end: self.buffer_at + samples.len() as u64,
                rms: rms(&samples),
                embedding,
            });
        }
        self.buffer.clear();
        self.windowed = false;
        Ok(())
    }

    fn features(&self, samples: &[f32]) -> Vec<f32> {
        let mut feats = self.fbank.compute(samples);
        if matches!(self.encoder, Encoder::CamPlusPlus(_)) {
            fbank::subtract_mean(&mut feats);
        }
        feats
    }

    fn embed_queued(&mut self) -> Result<()> {
        if self.queued.is_empty() {
            return Ok(());
        }
        let queued = std::mem::take(&mut self.queued);
        let frames = queued[0].2.len() / MELS;
        let all: Vec<f32> = queued.iter().flat_map(|q| q.2.iter().copied()).collect();
        let embeddings = self.embed(&all, queued.len(), frames)?;
        for ((start, rms, _), embedding) in queued.into_iter().zip(embeddings) {
            self.windows.push(Window { start, end: start + WINDOW as u64, rms, embedding });
        }
        Ok(())
    }

    fn embed(&self, feats: &[f32], batch: usize, frames: usize) -> Result<Vec<Vec<f32>>> {
        match &self.encoder {
            Encoder::CamPlusPlus(model) => model.embed(feats, batch, frames),
            Encoder::Spectral => Ok(feats.chunks(frames * MELS).map(spectral_statistics).collect()),
        }
    }

    /// Who spoke when, in seconds from the start of the recording.
    pub fn finish(mut self, count: Count) -> Result<Vec<Turn>> {
        self.close()?;
        Ok(self.cluster(count))
    }

    /// Embeds what is still waiting; after this, [`Self::cluster`] sees all the speech.
    pub fn close(&mut self) -> Result<()> {
        self.end_stretch()?;
        self.embed_queued()?;
        self.windows.sort_by_key(|w| w.start);
        Ok(())
    }

    /// Who spoke when in the speech embedded so far (call [`Self::close`] first), in seconds from the
    /// start of the recording.
    pub fn cluster(&self, count: Count) -> Vec<Turn> {
        self.cluster_with_voices(count).0
    }

    /// As [`Self::cluster`], with each speaker's voice: the mean of their windows' embeddings (CAM++
    /// only: the fallback's features are scaled per recording and say nothing across recordings).
    pub fn cluster_with_voices(&self, count: Count) -> (Vec<Turn>, Vec<Voice>) {
        // Without voice-activity detection, pauses reach this far: windows much quieter than the speech
        // around them are not speech.
        let mut levels: Vec<f32> = self.windows.iter().map(|w| w.rms).collect();
        levels.sort_by(f32::total_cmp);
        let loud = levels.get(levels.len() * 9 / 10).copied().unwrap_or(0.0);
        let windows: Vec<&Window> = self.windows.iter().filter(|w| w.rms >= loud * 0.1 && w.rms > 0.0).collect();
        if windows.is_empty() {
            return (Vec::new(), Vec::new());
        }
        let mut items: Vec<Vec<f32>> = windows.iter().map(|w| w.embedding.clone()).collect();
        if matches!(self.encoder, Encoder::Spectral) {
            standardise(&mut items);
        }
        items.iter_mut().for_each(|v| normalise(v));
        let seconds: Vec<f32> = windows.iter().map(|w| (w.end - w.start) as f32 / RATE as f32).collect();
        let stop = match count {
            Count::Exactly(n) => Stop::Count(n),
            Count::Auto => Stop::Threshold(self.encoder.threshold()),
        };
        let mut labels = agglomerate_bounded(&items, &seconds, stop);
        if count == Count::Auto {
            absorb_small(&items, &seconds, &mut labels);
        }
        let voices = match self.encoder {
            Encoder::CamPlusPlus(_) => voices(&items, &seconds, &labels),
            Encoder::Spectral => Vec::new(),
        };
        (turns(&windows, &labels), voices)
    }
}

/// The most items clustered one by one: the similarity matrix is this squared (36 MB at 3,000). A longer
/// recording (over about 40 minutes of speech) clusters runs of neighbouring windows, averaged, instead.
const MAX_CLUSTERED: usize = 3_000;

/// [`agglomerate`] with memory bounded by [`MAX_CLUSTERED`]: beyond it, each run of `k` windows in time
/// order is clustered as one item (their weighted mean embedding) and its label given to all of them.
fn agglomerate_bounded(items: &[Vec<f32>], seconds: &[f32], stop: Stop) -> Vec<usize> {
    if items.len() <= MAX_CLUSTERED {
        return agglomerate(items, seconds, stop);
    }
    let k = items.len().div_ceil(MAX_CLUSTERED);
    let mut groups = Vec::with_capacity(MAX_CLUSTERED);
    let mut weights = Vec::with_capacity(MAX_CLUSTERED);
    for (chunk, secs) in items.chunks(k).zip(seconds.chunks(k)) {
        let parts: Vec<(&[f32], f32)> = chunk.iter().map(Vec::as_slice).zip(secs.iter().copied()).collect();
        groups.push(combine(&parts));
        weights.push(secs.iter().sum());
    }
    let labels = agglomerate(&groups, &weights, stop);
    (0..items.len()).map(|i| labels[i / k]).collect()
}

/// A speaker's voice: their unit-length mean embedding and how much speech it comes from.
#[derive(Clone, Debug, PartialEq)]
pub struct Voice {
    pub speaker: usize,
    pub embedding: Vec<f32>,
    pub seconds: f32,
}

fn voices(items: &[Vec<f32>], seconds: &[f32], labels: &[usize]) -> Vec<Voice> {
    let k = labels.iter().max().map_or(0, |m| m + 1);
    let mut out: Vec<Voice> =
        (0..k).map(|speaker| Voice { speaker, embedding: vec![0.0; items[0].len()], seconds: 0.0 }).collect();
    for ((item, s), label) in items.iter().zip(seconds).zip(labels) {
        let v = &mut out[*label];
        v.embedding.iter_mut().zip(item).for_each(|(e, x)| *e += x * s);
        // Windows overlap by half: each second of speech sits in two of them.
        v.seconds += s / 2.0;
    }
    out.iter_mut().for_each(|v| normalise(&mut v.embedding));
    out
}

/// Cosine similarity above which a voice is taken for a known one. On the pyannote.audio meetings whose
/// participants appear in two excerpts, one person's voices in two excerpts average 0.63 and two people's
/// 0.12 (see the `voices_are_recognised_across_recordings` test).
pub const RECOGNISE_THRESHOLD: f32 = 0.4;
/// A voice heard for less than this is not put to a name: two seconds say too little.
pub const RECOGNISE_MIN_S: f32 = 3.0;

/// For each voice, the known voice (index into `known`) it belongs to: pairs are taken most similar first,
/// each known voice at most once, none below `threshold`, none for a voice heard under [`RECOGNISE_MIN_S`].
pub fn recognise(voices: &[Voice], known: &[Vec<f32>], threshold: f32) -> Vec<Option<usize>> {
    let mut pairs: Vec<(f32, usize, usize)> = Vec::new();
    for (i, v) in voices.iter().enumerate().filter(|(_, v)| v.seconds >= RECOGNISE_MIN_S) {
        for (j, k) in known.iter().enumerate() {
            if k.len() == v.embedding.len() {
                pairs.push((cosine(&v.embedding, k), i, j));
            }
        }
    }
    pairs.sort_by(|a, b| b.0.total_cmp(&a.0));
    let mut out = vec![None; voices.len()];
    let mut taken = vec![false; known.len()];
    for (sim, i, j) in pairs {
        if sim >= threshold && out[i].is_none() && !taken[j] {
            out[i] = Some(j);
            taken[j] = true;
        }
    }
    out
}

/// The weighted mean of several voices of one person, at unit length: a profile grows as the reporter
/// names the same voice in more recordings.
pub fn combine(voices: &[(&[f32], f32)]) -> Vec<f32> {
    let dim = voices.first().map_or(0, |v| v.0.len());
    let mut out = vec![0.0f32; dim];
    for (e, s) in voices.iter().filter(|v| v.0.len() == dim) {
        out.iter_mut().zip(e.iter()).for_each(|(o, x)| *o += x * s.max(0.1));
    }
    normalise(&mut out);
    out
}

fn rms(samples: &[f32]) -> f32 {
    if samples.is_empty() {
        return 0.0;
    }
    (samples.iter().map(|s| s * s).sum::<f32>() / samples.len() as f32).sqrt()
}

/// Mean and standard deviation of each filter over the frames.
fn spectral_statistics(feats: &[f32]) -> Vec<f32> {
    let n = (feats.len() / MELS).max(1) as f32;
    let mut mean = vec![0.0f32; MELS];
    for row in feats.chunks_exact(MELS) {
        mean.iter_mut().zip(row).for_each(|(m, v)| *m += v / n);
    }
    let mut var = vec![0.0f32; MELS];
    for row in feats.chunks_exact(MELS) {
        var.iter_mut().zip(row.iter().zip(&mean)).for_each(|(s, (v, m))| *s += (v - m) * (v - m) / n);
    }
    mean.into_iter().chain(var.into_iter().map(f32::sqrt)).collect()
}

/// Each dimension to zero mean and unit spread over all windows of the recording.
fn standardise(items: &mut [Vec<f32>]) {
    let Some(dim) = items.first().map(Vec::len) else { return };
    let n = items.len() as f32;
    for d in 0..dim {
        let mean = items.iter().map(|v| v[d]).sum::<f32>() / n;
        let sd = (items.iter().map(|v| (v[d] - mean).powi(2)).sum::<f32>() / n).sqrt().max(1e-6);
        items.iter_mut().for_each(|v| v[d] = (v[d] - mean) / sd);
    }
}

/// Clusters holding less than [`MIN_SPEAKER_S`] of speech join the most similar larger cluster: a few
/// odd windows (a cough, laughter, crosstalk) are not a speaker.
fn absorb_small(items: &[Vec<f32>], seconds: &[f32], labels: &mut [usize]) {
    let k = labels.iter().max().map_or(0, |m| m + 1);
    let mut total = vec![0.0f64; k];
    let mut centroid = vec![vec![0.0f32; items[0].len()]; k];
    for ((label, item), s) in labels.iter().zip(items).zip(seconds) {
        total[*label] += f64::from(*s);
        centroid[*label].iter_mut().zip(item).for_each(|(c, v)| *c += v * s);
    }
    centroid.iter_mut().for_each(|c| normalise(c));
    // Window durations overlap by half, so a cluster's speech is about half its summed window time.
    let big: Vec<usize> = (0..k).filter(|&c| total[c] / 2.0 >= MIN_SPEAKER_S).collect();
    if big.is_empty() {
        return;
    }
    for (label, item) in labels.iter_mut().zip(items) {
        if !big.contains(label) {
            *label = *big
                .iter()
                .max_by(|&&a, &&b| cosine(item, &centroid[a]).total_cmp(&cosine(item, &centroid[b])))
                .unwrap_or(label);
        }
    }
    // Names in order of first appearance again.
    let mut names: Vec<usize> = Vec::new();
    for label in labels.iter_mut() {
        let pos = names.iter().position(|n| n == label).unwrap_or_else(|| {
            names.push(*label);
            names.len() - 1
        });
        *label = pos;
    }
}

/// Speaker turns from labelled windows: where windows overlap, each moment goes to the window whose
/// centre is nearest; consecutive pieces of one speaker join.
fn turns(windows: &[&Window], labels: &[usize]) -> Vec<Turn> {
    let centre = |w: &Window| (w.start + w.end) as f64 / 2.0;
    let mut out: Vec<Turn> = Vec::new();
    for (i, w) in windows.iter().enumerate() {
        let mut lo = w.start as f64;
        let mut hi = w.end as f64;
        if i > 0 && windows[i - 1].end > w.start {
            lo = lo.max((centre(windows[i - 1]) + centre(w)) / 2.0);
        }
        if let Some(next) = windows.get(i + 1)
            && next.start < w.end
        {
            hi = hi.min((centre(w) + centre(next)) / 2.0);
        }
        let (start, end) = (lo / f64::from(RATE), hi / f64::from(RATE));
        if end <= start {
            continue;
        }
        match out.last_mut() {
            Some(last) if last.speaker == labels[i] && start - last.end < 0.05 => last.end = last.end.max(end),
            _ => out.push(Turn { start, end, speaker: labels[i] }),
        }
    }
    out
}

/// The speaker of the span `[start, end]`: the turn that overlaps it most, or the nearest turn.
pub fn speaker_at(turns: &[Turn], start: f64, end: f64) -> Option<usize> {
    let overlap = |t: &Turn| (t.end.min(end) - t.start.max(start)).max(0.0);
    if let Some(t) = turns.iter().filter(|t| overlap(t) > 0.0).max_by(|a, b| overlap(a).total_cmp(&overlap(b))) {
        return Some(t.speaker);
    }
    let mid = (start + end) / 2.0;
    let distance = |t: &Turn| if mid < t.start { t.start - mid } else { mid - t.end };
    turns.iter().min_by(|a, b| distance(a).total_cmp(&distance(b))).map(|t| t.speaker)
}

#[cfg(test)]
mod tests;
