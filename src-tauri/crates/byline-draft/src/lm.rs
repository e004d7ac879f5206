//! A loaded language model with its tokenizer and chat template, and the generation loop.

use std::path::Path;
use std::time::Instant;

use byline_core::{CancelToken, Error, Result};
use byline_models::{GgufMetadata, GgufTokenizer};
use candle_core::Device;
use candle_transformers::generation::{LogitsProcessor, Sampling};
use serde::{Deserialize, Serialize};
use tokenizers::Tokenizer;

use crate::model::{Arch, LoadOptions, Model};
use crate::stream::{StopFilter, TokenStream};
use crate::template::{ChatTemplate, Message, fallback_template};

/// End-of-turn markers of the families we run; generation stops at any that the vocabulary holds.
const END_MARKERS: &[&str] =
    &["<|im_end|>", "<|eot_id|>", "<|end_of_text|>", "<|endoftext|>", "<|end|>", "<end_of_turn>", "</s>"];

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[serde(default)]
pub struct GenerateParams {
    pub max_tokens: usize,
    /// 0 means greedy decoding.
    pub temperature: f64,
    pub top_p: Option<f64>,
    pub top_k: Option<usize>,
    /// 1.0 disables the penalty.
    pub repeat_penalty: f32,
    pub repeat_last_n: usize,
    pub seed: u64,
    pub stop: Vec<String>,
}

impl Default for GenerateParams {
    fn default() -> Self {
        GenerateParams {
            max_tokens: 512,
            temperature: 0.7,
            top_p: Some(0.9),
            top_k: Some(40),
            repeat_penalty: 1.1,
            repeat_last_n: 64,
            seed: 299_792_458,
            stop: Vec::new(),
        }
    }
}

impl GenerateParams {
    pub fn greedy(max_tokens: usize) -> Self {
        GenerateParams { max_tokens, temperature: 0.0, repeat_penalty: 1.0, ..Default::default() }
    }

    fn sampling(&self) -> Sampling {
        let temperature = self.temperature;
        if temperature <= 1e-7 {
            return Sampling::ArgMax;
        }
        match (self.top_k, self.top_p) {
            (Some(k), Some(p)) if p < 1.0 => Sampling::TopKThenTopP { k, p, temperature },
            (Some(k), _) => Sampling::TopK { k, temperature },
            (None, Some(p)) if p < 1.0 => Sampling::TopP { p, temperature },
            _ => Sampling::All { temperature },
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum StopReason {
    /// The model ended its turn.
    EndOfTurn,
    StopString,
    MaxTokens,
    /// The context window is full.
    ContextFull,
    Cancelled,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct Generation {
    pub text: String,
    pub stop_reason: StopReason,
    pub prompt_tokens: usize,
    pub generated_tokens: usize,
    /// Prompt processing time, which is also the time to the first token's logits.
    pub prompt_ms: f64,
    /// Time from the request to the first visible piece of text.
    pub first_token_ms: Option<f64>,
    /// Time spent generating after the prompt.
    pub generate_ms: f64,
    /// Prompt tokens read per second.
    #[serde(default)]
    pub prompt_tok_s: f64,
    /// Tokens generated per second after the prompt.
    #[serde(default)]
    pub gen_tok_s: f64,
}

/// Tokens per second, 0 when no time passed.
fn rate(tokens: usize, ms: f64) -> f64 {
    if ms > 0.0 { tokens as f64 * 1000.0 / ms } else { 0.0 }
}

/// A model ready to generate: weights, tokenizer, chat template.
pub struct LanguageModel {
    pub model: Model,
    pub tokenizer: Tokenizer,
    pub template: ChatTemplate,
    stop_ids: Vec<u32>,
    bos_text: Option<String>,
    prefill_observer: Option<PrefillObserver>,
}

/// Hears `(done, total)` prompt tokens while a prompt is read, so a long one can show its progress.
pub type PrefillObserver = Box<dyn FnMut(usize, usize) + Send>;

impl LanguageModel {
    pub fn load(path: &Path, device: &Device) -> Result<Self> {
        Self::load_with(path, device, LoadOptions::default())
    }

    pub fn load_with(path: &Path, device: &Device, options: LoadOptions) -> Result<Self> {
        // Weights first: a truncated or foreign file fails here with the clearest message.
        let model = Model::load_with(path, device, options)?;
        let meta = GgufMetadata::read(path)?;
        let beside = path.with_file_name("tokenizer.json");
        let (tokenizer, bos_id, eos_id, gguf_template) =
            if meta.get_str("tokenizer.ggml.model").is_none() && beside.is_file() {
                let tok = Tokenizer::from_file(&beside)
                    .map_err(|e| Error::Format { path: beside.clone(), message: format!("not a tokenizer: {e}") })?;
                (tok, None, None, None)
            } else {
                let g = GgufTokenizer::from_metadata(&meta, path)?;
                (g.tokenizer, g.bos_id, g.eos_id, g.chat_template)
            };
        let token_text = |id: Option<u32>| id.and_then(|id| tokenizer.id_to_token(id));
        let (bos_text, eos_text) = (token_text(bos_id), token_text(eos_id));
        let has = |t: &str| tokenizer.token_to_id(t).is_some();
        let template = match gguf_template {
            Some(source) => {
                ChatTemplate::new(&source, false, bos_text.as_deref().unwrap_or(""), eos_text.as_deref().unwrap_or(""))?
            }
            None => ChatTemplate::new(
                fallback_template(model.arch, has),
                true,
                bos_text.as_deref().unwrap_or(""),
                eos_text.as_deref().unwrap_or(""),
            )?,
        };
        let mut stop_ids: Vec<u32> = END_MARKERS.iter().filter_map(|t| tokenizer.token_to_id(t)).collect();
        stop_ids.extend(eos_id);
        stop_ids.sort_unstable();
        stop_ids.dedup();
        Ok(LanguageModel { model, tokenizer, template, stop_ids, bos_text, prefill_observer: None })
    }

    pub fn arch(&self) -> Arch {
        self.model.arch
    }

    pub fn context_length(&self) -> usize {
        self.model.context_length
    }

    /// Tokens of a rendered prompt. Templates that write the BOS token themselves get no second one.
    pub fn encode_prompt(&self, prompt: &str) -> Result<Vec<u32>> {
        let add_special = !self.bos_text.as_deref().is_some_and(|bos| !bos.is_empty() && prompt.starts_with(bos));
        let enc = self
            .tokenizer
            .encode(prompt, add_special)
            .map_err(|e| Error::InvalidInput(format!("cannot tokenize the prompt: {e}")))?;
        Ok(enc.get_ids().to_vec())
    }

    /// Plain text token count (no special tokens), for budgeting sources against the context.
    pub fn count_tokens(&self, text: &str) -> Result<usize> {
        let enc = self
            .tokenizer
            .encode(text, false)
            .map_err(|e| Error::InvalidInput(format!("cannot tokenize the text: {e}")))?;
        Ok(enc.len())
    }

    /// `text` cut to at most `max_tokens` tokens, at a token boundary.
    pub fn truncate_to_tokens(&self, text: &str, max_tokens: usize) -> Result<String> {
        let enc = self
            .tokenizer
            .encode(text, false)
            .map_err(|e| Error::InvalidInput(format!("cannot tokenize the text: {e}")))?;
        if enc.len() <= max_tokens {
            return Ok(text.to_string());
        }
        let end = if max_tokens == 0 { 0 } else { enc.get_offsets()[max_tokens - 1].1 };
        // Offsets are byte offsets into `text`; walk back to a character boundary to be safe.
        let mut end = end.min(text.len());
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        Ok(text[..end].to_string())
    }

    pub fn chat(
        &mut self,
        messages: &[Message],
        params: &GenerateParams,
        cancel: &CancelToken,
        on_piece: &mut dyn FnMut(&str),
    ) -> Result<Generation> {
        let prompt = self.template.render(messages)?;
        let tokens = self.encode_prompt(&prompt)?;
        self.generate(&tokens, params, cancel, on_piece)
    }

    /// Generates after `prompt`, calling `on_piece` with each piece of text as soon as it is safe to show.
    /// Cancel is checked before every forward pass, so at most one more token is computed after it; during
    /// the prompt (checked between layers on the CPU fast path) it ends the run with nothing generated.
    /// A token cancelled before the call starts gives `Error::Cancelled`.
    /// Sets (or with `None` removes) what hears the progress of reading each prompt.
    pub fn observe_prefill(&mut self, observer: Option<PrefillObserver>) {
        self.prefill_observer = observer;
    }

    pub fn generate(
        &mut self,
        prompt: &[u32],
        params: &GenerateParams,
        cancel: &CancelToken,
        on_piece: &mut dyn FnMut(&str),
    ) -> Result<Generation> {
        let context = self.model.context_length;
        if prompt.is_empty() {
            return Err(Error::InvalidInput("the prompt is empty".into()));
        }
        if prompt.len() >= context {
            return Err(Error::InvalidInput(format!(
                "the prompt is {} tokens but the model's context holds {context}; shorten the text or choose fewer sources",
                prompt.len()
            )));
        }
        let started = Instant::now();
        let ms = |since: Instant| since.elapsed().as_secs_f64() * 1000.0;
        let mut sampler = LogitsProcessor::from_sampling(params.seed, params.sampling());
        let mut stream = TokenStream::new(&self.tokenizer);
        let mut filter = StopFilter::new(&params.stop);
        let mut all: Vec<u32> = prompt.to_vec();
        let mut first_token_ms = None;
        let mut emit = |piece: &str, first: &mut Option<f64>| {
            if !piece.is_empty() {
                first.get_or_insert_with(|| ms(started));
                on_piece(piece);
            }
        };
        cancel.check()?;
        // A long prompt can take seconds; the fast path stops within one layer when Stop is pressed, and
        // the run ends like one stopped while generating: nothing written, reason Cancelled.
        let total = prompt.len();
        let observer = &mut self.prefill_observer;
        let mut on_progress = |done: usize| {
            if let Some(observe) = observer.as_mut() {
                observe(done, total);
            }
        };
        let mut logits = match self.model.forward_observed(prompt, 0, cancel, &mut on_progress) {
            Err(Error::Cancelled) => {
                return Ok(Generation {
                    text: String::new(),
                    stop_reason: StopReason::Cancelled,
                    prompt_tokens: prompt.len(),
                    generated_tokens: 0,
                    prompt_ms: ms(started),
                    first_token_ms: None,
                    generate_ms: 0.0,
                    prompt_tok_s: 0.0,
                    gen_tok_s: 0.0,
                });
            }
            other => other?,
        };
        let prompt_ms = ms(started);
        let gen_started = Instant::now();
        let mut generated = 0;
        let stop_reason = loop {
            if generated >= params.max_tokens {
                break StopReason::MaxTokens;
            }
            if all.len() >= context {
                break StopReason::ContextFull;
            }
            if params.repeat_penalty != 1.0 {
                let start = all.len().saturating_sub(params.repeat_last_n);
                logits =
                    candle_transformers::utils::apply_repeat_penalty(&logits, params.repeat_penalty, &all[start..])
                        .map_err(|e| Error::InvalidInput(format!("repeat penalty: {e}")))?;
            }
            let next = sampler.sample(&logits).map_err(|e| Error::InvalidInput(format!("sampling: {e}")))?;
            generated += 1;
            if self.stop_ids.contains(&next) {
                break StopReason::EndOfTurn;
            }
            all.push(next);
            if let Some(piece) = stream.push(next)? {
                emit(&filter.push(&piece), &mut first_token_ms);
                if filter.stopped() {
                    break StopReason::StopString;
                }
            }
            if cancel.is_cancelled() {
                break StopReason::Cancelled;
            }
            logits = self.model.forward(&[next], all.len() - 1)?;
        };
        if stop_reason != StopReason::StopString {
            if let Some(rest) = stream.flush()? {
                emit(&filter.push(&rest), &mut first_token_ms);
            }
            emit(&filter.finish(), &mut first_token_ms);
        }
        let stop_reason = if filter.stopped() { StopReason::StopString } else { stop_reason };
        let generate_ms = ms(gen_started);
        Ok(Generation {
            text: filter.text().to_string(),
            stop_reason,
            prompt_tokens: prompt.len(),
            generated_tokens: generated,
            prompt_ms,
            first_token_ms,
            generate_ms,
            prompt_tok_s: rate(prompt.len(), prompt_ms),
            gen_tok_s: rate(generated, generate_ms),
        })
    }
}
