//! Parler-TTS assembled from candle-transformers' modules (T5 encoder, Parler decoder, DAC quantizer and
//! decoder), with its own generation loop: candle's `Model::generate` cannot be cancelled, lets codebooks end
//! out of step with the delay pattern, and may sample ids that are not audio codes.

use byline_core::{CancelToken, Error, Result};
use candle_core::{DType, Device, IndexOp, Module, Tensor};
use candle_nn::{Embedding, Linear, VarBuilder};
use candle_transformers::generation::LogitsProcessor;
use candle_transformers::models::{dac, parler_tts, t5};

use super::config::ParlerConfig;

/// How one sentence is sampled and how long its audio may be, in codec frames.
#[derive(Debug, Clone, Copy)]
pub struct GenerateParams {
    pub seed: u64,
    /// 0 or less: always the most likely code (greedy).
    pub temperature: f64,
    pub top_p: Option<f64>,
    /// The end token is not allowed before this many frames, so a sentence never comes out silent.
    pub min_frames: usize,
    /// Generation stops here even if the model has not ended the sentence.
    pub max_frames: usize,
}

/// The model's weights in memory. The DAC encoder is not loaded: speech synthesis only decodes codes.
pub struct ParlerTts {
    pub(crate) config: ParlerConfig,
    text_encoder: t5::T5EncoderModel,
    enc_to_dec_proj: Option<Linear>,
    embed_prompts: Embedding,
    decoder: parler_tts::Decoder,
    quantizer: dac::ResidualVectorQuantizer,
    codec: dac::Decoder,
    device: Device,
}

impl ParlerTts {
    /// Builds every module from `vb` under the published tensor names (`text_encoder.*`, `decoder.*`,
    /// `embed_prompts.*`, `enc_to_dec_proj.*`, `audio_encoder.model.{quantizer,decoder}.*`).
    pub fn new(config: &ParlerConfig, vb: VarBuilder) -> candle_core::Result<Self> {
        let text_encoder = t5::T5EncoderModel::load(vb.pp("text_encoder"), &config.text_encoder)?;
        let decoder = parler_tts::Decoder::new(&config.decoder, vb.pp("decoder"))?;
        let embed_prompts =
            candle_nn::embedding(config.vocab_size, config.decoder.hidden_size, vb.pp("embed_prompts"))?;
        let enc_to_dec_proj = if config.text_encoder.d_model != config.decoder.hidden_size {
            Some(candle_nn::linear(config.text_encoder.d_model, config.decoder.hidden_size, vb.pp("enc_to_dec_proj"))?)
        } else {
            None
        };
        let codec_cfg = &config.audio_encoder;
        let vb_codec = vb.pp("audio_encoder.model");
        let quantizer = dac::ResidualVectorQuantizer::new(
            codec_cfg.latent_dim,
            codec_cfg.num_codebooks,
            codec_cfg.codebook_size,
            codec_cfg.codebook_dim,
            vb_codec.pp("quantizer"),
        )?;
        let codec = dac::Decoder::new(
            codec_cfg.latent_dim,
            codec_cfg.decoder_dim,
            &codec_cfg.upsampling_ratios,
            1,
            vb_codec.pp("decoder"),
        )?;
        Ok(Self {
            config: config.clone(),
            text_encoder,
            enc_to_dec_proj,
            embed_prompts,
            decoder,
            quantizer,
            codec,
            device: vb.device().clone(),
        })
    }

    /// Codes for one sentence, `[codebook][frame]`, every codebook the same length.
    ///
    /// Parler's delay pattern: codebook k runs k steps behind codebook 0, so step s predicts frame s − k of
    /// codebook k, and when codebook 0 ends after n frames, codebook k ends at step n + k. `on_step` is called
    /// before each decoder step; `cancel` is checked there too.
    pub fn generate(
        &mut self,
        prompt: &[u32],
        description: &[u32],
        params: &GenerateParams,
        cancel: &CancelToken,
        on_step: &mut dyn FnMut(usize),
    ) -> Result<Vec<Vec<u32>>> {
        let k_count = self.config.decoder.num_codebooks;
        let start = self.config.decoder_start_token_id;
        let pad = self.config.pad_token_id;
        let (with_end, without_end) = self.sampling_masks().map_err(infer)?;

        self.decoder.clear_kv_cache();
        self.text_encoder.clear_kv_cache();
        let description = Tensor::new(description, &self.device).and_then(|t| t.unsqueeze(0)).map_err(infer)?;
        let mut encoded = self.text_encoder.forward(&description).map_err(infer)?;
        if let Some(proj) = &self.enc_to_dec_proj {
            encoded = encoded.apply(proj).map_err(infer)?;
        }
        let prompt = Tensor::new(prompt, &self.device).and_then(|t| t.unsqueeze(0)).map_err(infer)?;
        let prompt_states = prompt.apply(&self.embed_prompts).map_err(infer)?;
        let prompt_len = prompt_states.dim(1).map_err(infer)?;

        let mut lp = LogitsProcessor::new(params.seed, Some(params.temperature.max(0.0)), params.top_p);
        let mut tokens = vec![start; k_count];
        let mut codes = vec![Vec::new(); k_count];
        let mut frames = params.max_frames;
        let mut step = 0;
        while step < frames + k_count - 1 {
            cancel.check()?;
            on_step(step);
            let input = Tensor::from_slice(tokens.as_slice(), (1, k_count, 1), &self.device).map_err(infer)?;
            let (states, pos, q_len) =
                if step == 0 { (Some(&prompt_states), 0, prompt_len + 1) } else { (None, step + prompt_len, 1) };
            let mask = causal_mask(q_len, pos + q_len, &self.device).map_err(infer)?;
            let logits = self.decoder.forward(&input, states, Some(&mask), &encoded, None, pos).map_err(infer)?;
            for (k, logits) in logits.iter().enumerate() {
                if k > step {
                    break; // this codebook has not started yet: it keeps reading the start token
                }
                let frame = step - k;
                if frame >= frames {
                    tokens[k] = pad;
                    continue;
                }
                // Only codebook 0 decides where the sentence ends; the others follow it by the delay.
                let allowed = if k == 0 && frame >= params.min_frames { &with_end } else { &without_end };
                let last = logits.dim(1).map_err(infer)? - 1;
                let row = logits
                    .i((0, last))
                    .and_then(|r| r.to_dtype(DType::F32))
                    .and_then(|r| r + allowed)
                    .map_err(infer)?;
                let token = lp.sample(&row).map_err(infer)?;
                if token == pad {
                    frames = frame;
                    tokens[k] = pad;
                } else {
                    tokens[k] = token;
                    codes[k].push(token);
                }
            }
            step += 1;
        }
        for c in &mut codes {
            c.truncate(frames);
        }
        Ok(codes)
    }

    /// Additive masks over the decoder vocabulary: audio codes only, or audio codes and the end token.
    fn sampling_masks(&self) -> candle_core::Result<(Tensor, Tensor)> {
        let vocab = self.config.decoder.vocab_size;
        let codebook = self.config.audio_encoder.codebook_size;
        let pad = self.config.pad_token_id as usize;
        let mask = |end: bool| {
            let v: Vec<f32> =
                (0..vocab).map(|i| if i < codebook || (end && i == pad) { 0.0 } else { f32::NEG_INFINITY }).collect();
            Tensor::from_vec(v, vocab, &self.device)
        };
        Ok((mask(true)?, mask(false)?))
    }

    /// PCM for codes from [`ParlerTts::generate`], at the codec's rate, in −1..1.
    pub fn decode(&self, codes: &[Vec<u32>]) -> Result<Vec<f32>> {
        let frames = codes.first().map_or(0, Vec::len);
        if frames == 0 {
            return Ok(Vec::new());
        }
        let flat: Vec<u32> = codes.iter().flatten().copied().collect();
        let codes = Tensor::from_vec(flat, (1, codes.len(), frames), &self.device).map_err(infer)?;
        let latent = self.quantizer.from_codes(&codes).map_err(infer)?;
        // The DAC decoder ends in tanh; candle's module stops before it.
        let pcm = self.codec.forward(&latent).and_then(|x| x.tanh()).map_err(infer)?;
        let pcm = pcm
            .flatten_all()
            .and_then(|x| x.to_device(&Device::Cpu))
            .and_then(|x| x.to_vec1::<f32>())
            .map_err(infer)?;
        if pcm.iter().any(|s| !s.is_finite()) {
            return Err(Error::InvalidInput("the speech model produced invalid audio (NaN or infinity)".into()));
        }
        Ok(pcm)
    }
}

/// Causal mask for `q_len` new positions attending over `kv_len` positions (the new ones last).
fn causal_mask(q_len: usize, kv_len: usize, device: &Device) -> candle_core::Result<Tensor> {
    let mask: Vec<f32> = (0..q_len)
        .flat_map(|i| (0..kv_len).map(move |j| if j + q_len > i + kv_len { f32::NEG_INFINITY } else { 0.0 }))
        .collect();
    Tensor::from_vec(mask, (q_len, kv_len), device)
}

fn infer(e: candle_core::Error) -> Error {
    Error::InvalidInput(format!("speech synthesis failed: {e}"))
}
