//! Sentence-by-sentence analysis: segmentation, per-sentence engine choice, and the paragraph,
//! article and speaker aggregates built on top.

use std::path::Path;

use byline_core::{CancelToken, Error, Progress, Reporter, Result};
use candle_core::Device;
use serde::{Deserialize, Serialize};

use byline_models::{Store, Task};

use crate::model::Classifier;
use crate::{chinese, language, segment, vader::Vader};

/// What `--engine` asks for.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "lowercase")]
pub enum EngineChoice {
    /// The model when installed, otherwise VADER for English and the Chinese classifier for Chinese.
    #[default]
    Auto,
    /// VADER; Chinese sentences still go to the Chinese classifier, never to an English lexicon.
    Lexicon,
    /// The Chinese classifier for every sentence.
    Chinese,
    /// The installed transformer for every sentence.
    Model,
}

impl std::str::FromStr for EngineChoice {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s.to_ascii_lowercase().as_str() {
            "auto" => Ok(Self::Auto),
            "lexicon" | "vader" => Ok(Self::Lexicon),
            "chinese" | "zh" => Ok(Self::Chinese),
            "model" => Ok(Self::Model),
            other => Err(Error::InvalidInput(format!("unknown engine {other:?}: use auto, lexicon, chinese or model"))),
        }
    }
}

/// The engine that scored a sentence.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "lowercase")]
pub enum Engine {
    Lexicon,
    Chinese,
    Model,
}

#[derive(Clone, Debug, Serialize, ts_rs::TS)]
pub struct SentenceScore {
    /// Byte offsets into the analysed text.
    pub start: usize,
    pub end: usize,
    pub text: String,
    pub paragraph: usize,
    pub language: &'static str,
    pub engine: Engine,
    /// In [-1, 1]: VADER's compound, 2p − 1 of the Chinese classifier, or the model's signed score.
    pub score: f64,
    pub label: Label,
    /// The model's own label (e.g. "POSITIVE"), when the transformer scored the sentence.
    pub model_label: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "lowercase")]
pub enum Label {
    Positive,
    Neutral,
    Negative,
}

/// VADER's customary threshold, used for every engine so labels mean the same thing.
pub const NEUTRAL_BAND: f64 = 0.05;

impl Label {
    pub fn of(score: f64) -> Label {
        if score >= NEUTRAL_BAND {
            Label::Positive
        } else if score <= -NEUTRAL_BAND {
            Label::Negative
        } else {
            Label::Neutral
        }
    }
}

#[derive(Clone, Debug, Default, Serialize, ts_rs::TS)]
pub struct Aggregate {
    /// Mean sentence score, weighted by sentence length so one-word asides count less.
    pub score: f64,
    pub positive: usize,
    pub neutral: usize,
    pub negative: usize,
}

impl Aggregate {
    pub fn of<'a>(sentences: impl IntoIterator<Item = &'a SentenceScore>) -> Aggregate {
        let mut agg = Aggregate::default();
        let (mut weighted, mut weight) = (0.0, 0.0);
        for s in sentences {
            let w = s.text.chars().count().max(1) as f64;
            weighted += s.score * w;
            weight += w;
            match s.label {
                Label::Positive => agg.positive += 1,
                Label::Neutral => agg.neutral += 1,
                Label::Negative => agg.negative += 1,
            }
        }
        agg.score = if weight > 0.0 { weighted / weight } else { 0.0 };
        agg
    }

    pub fn label(&self) -> Label {
        Label::of(self.score)
    }
}

#[derive(Clone, Debug, Serialize, ts_rs::TS)]
pub struct ParagraphScore {
    pub start: usize,
    pub end: usize,
    pub sentences: std::ops::Range<usize>,
    pub aggregate: Aggregate,
}

#[derive(Clone, Debug, Serialize, ts_rs::TS)]
pub struct TextSentiment {
    pub engine_choice: EngineChoice,
    pub model: Option<String>,
    pub sentences: Vec<SentenceScore>,
    pub paragraphs: Vec<ParagraphScore>,
    pub overall: Aggregate,
}

pub struct Analyzer {
    choice: EngineChoice,
    model: Option<LoadedModel>,
}

struct LoadedModel {
    name: String,
    classifier: Classifier,
    /// Whether the model is trusted with Chinese (a multilingual model), so auto sends Chinese to it.
    chinese: bool,
}

impl Analyzer {
    /// The built-in engines only.
    pub fn builtin(choice: EngineChoice) -> Result<Analyzer> {
        if choice == EngineChoice::Model {
            return Err(Error::not_found("installed sentiment model", "(task sentiment)"));
        }
        Ok(Analyzer { choice, model: None })
    }

    /// Adds a transformer classifier from a model folder. `languages` are the catalog's language
    /// codes; "zh" or "multilingual" lets auto route Chinese sentences to it.
    pub fn with_model(
        choice: EngineChoice,
        name: &str,
        dir: &Path,
        languages: &[String],
        device: &Device,
    ) -> Result<Analyzer> {
        let classifier = Classifier::load(dir, device)?;
        let chinese = languages.iter().any(|l| l == "zh" || l == "multilingual") || classifier.kind == "xlm-roberta";
        Ok(Analyzer { choice, model: Some(LoadedModel { name: name.to_string(), classifier, chinese }) })
    }

    /// For the app and CLI: with `Auto` or `Model`, loads `model_id` or else the first installed model
    /// of catalog task `sentiment`; `Auto` without one falls back to the built-in engines.
    pub fn from_store(
        store: &Store,
        choice: EngineChoice,
        model_id: Option<&str>,
        device: &Device,
    ) -> Result<Analyzer> {
        if matches!(choice, EngineChoice::Lexicon | EngineChoice::Chinese) {
            return Analyzer::builtin(choice);
        }
        let Some(id) = Self::model_to_use(store, choice, model_id)? else {
            return Analyzer::builtin(choice);
        };
        let dir = store.path(&id)?;
        let languages = store.catalog().get(&id).map(|e| e.languages.clone()).unwrap_or_default();
        Analyzer::with_model(choice, &id, &dir, &languages, device)
    }

    /// The installed model [`Analyzer::from_store`] would load for `choice`: `model_id` when given (an error
    /// when it is not installed), else the first installed sentiment model; `None` for the built-in engines.
    pub fn model_to_use(store: &Store, choice: EngineChoice, model_id: Option<&str>) -> Result<Option<String>> {
        if matches!(choice, EngineChoice::Lexicon | EngineChoice::Chinese) {
            return Ok(None);
        }
        let installed = store.list()?;
        Ok(match model_id {
            Some(id) => Some(
                installed
                    .iter()
                    .find(|m| m.id == id && m.installed)
                    .ok_or_else(|| Error::not_found("installed model", id))?
                    .id
                    .clone(),
            ),
            None => installed.iter().find(|m| m.installed && m.task == Some(Task::Sentiment)).map(|m| m.id.clone()),
        })
    }

    pub fn model_name(&self) -> Option<&str> {
        self.model.as_ref().map(|m| m.name.as_str())
    }

    fn route(&self, lang: &str) -> Engine {
        let model = self.model.as_ref();
        match self.choice {
            EngineChoice::Model => Engine::Model,
            EngineChoice::Chinese => Engine::Chinese,
            EngineChoice::Lexicon if lang == "zh" => Engine::Chinese,
            EngineChoice::Lexicon => Engine::Lexicon,
            EngineChoice::Auto if lang == "zh" => {
                if model.is_some_and(|m| m.chinese) {
                    Engine::Model
                } else {
                    Engine::Chinese
                }
            }
            EngineChoice::Auto => {
                if model.is_some() {
                    Engine::Model
                } else {
                    Engine::Lexicon
                }
            }
        }
    }

    /// Scores a whole text: paragraphs, sentences, and their aggregates.
    pub fn analyze_text(&self, text: &str, reporter: &dyn Reporter, cancel: &CancelToken) -> Result<TextSentiment> {
        if text.trim().is_empty() {
            return Err(Error::InvalidInput("there is no text to analyse".into()));
        }
        let mut pieces = Vec::new();
        let mut ranges = Vec::new();
        for (p, para) in segment::paragraphs(text).into_iter().enumerate() {
            let first = pieces.len();
            for s in segment::sentences(&para.text) {
                pieces.push((para.start + s.start, para.start + s.end, s.text, p));
            }
            ranges.push((para.start, para.end, first..pieces.len()));
        }
        let texts: Vec<&str> = pieces.iter().map(|p| p.2.as_str()).collect();
        let scored = self.score_sentences(&texts, reporter, cancel)?;
        let sentences: Vec<SentenceScore> = pieces
            .into_iter()
            .zip(scored)
            .map(|((start, end, text, paragraph), s)| SentenceScore { start, end, text, paragraph, ..s })
            .collect();
        let paragraphs = ranges
            .into_iter()
            .map(|(start, end, r)| ParagraphScore {
                start,
                end,
                aggregate: Aggregate::of(&sentences[r.clone()]),
                sentences: r,
            })
            .collect();
        Ok(TextSentiment {
            engine_choice: self.choice,
            model: self.model_name().map(String::from),
            overall: Aggregate::of(&sentences),
            sentences,
            paragraphs,
        })
    }

    /// Scores each text as one unit (offsets are within that text; paragraph 0).
    pub fn score_sentences(
        &self,
        texts: &[&str],
        reporter: &dyn Reporter,
        cancel: &CancelToken,
    ) -> Result<Vec<SentenceScore>> {
        let langs: Vec<&'static str> = texts.iter().map(|t| language::detect(t)).collect();
        let engines: Vec<Engine> = langs.iter().map(|l| self.route(l)).collect();
        let mut out: Vec<Option<SentenceScore>> = vec![None; texts.len()];
        let total = texts.len() as u64;
        reporter.on_start(Some(total), "Scoring sentences");
        let mut done = 0u64;
        let mut advance = |n: usize| {
            done += n as u64;
            reporter.on_progress(&Progress { done, total: Some(total), message: "Scoring sentences".into() });
        };
        // The model runs in batches over just the sentences routed to it.
        let for_model: Vec<usize> = (0..texts.len()).filter(|&i| engines[i] == Engine::Model).collect();
        if !for_model.is_empty() {
            let model =
                self.model.as_ref().ok_or_else(|| Error::not_found("installed sentiment model", "(task sentiment)"))?;
            for chunk in for_model.chunks(crate::model::BATCH) {
                cancel.check()?;
                let batch: Vec<&str> = chunk.iter().map(|&i| texts[i]).collect();
                for (&i, p) in chunk.iter().zip(model.classifier.classify(&batch)?) {
                    out[i] = Some(sentence(texts[i], langs[i], Engine::Model, p.score, Some(p.label)));
                }
                advance(chunk.len());
            }
        }
        for i in 0..texts.len() {
            if out[i].is_some() {
                continue;
            }
            cancel.check()?;
            let score = match engines[i] {
                Engine::Lexicon => Vader::get().polarity_scores(texts[i]).compound,
                _ => chinese::score(texts[i]).0,
            };
            out[i] = Some(sentence(texts[i], langs[i], engines[i], score, None));
            advance(1);
        }
        reporter.on_done("Scored");
        Ok(out.into_iter().flatten().collect())
    }
}

fn sentence(
    text: &str,
    language: &'static str,
    engine: Engine,
    score: f64,
    model_label: Option<String>,
) -> SentenceScore {
    SentenceScore {
        start: 0,
        end: text.len(),
        text: text.to_string(),
        paragraph: 0,
        language,
        engine,
        score,
        label: Label::of(score),
        model_label,
    }
}
