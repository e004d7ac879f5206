//! Drafting with a local language model: GGUF models through candle's quantized implementations, chat
//! templates rendered with minijinja, streaming generation that never splits a character, editorial task
//! templates stored in the library, and a check of the citation markers in the output.
//!
//! The pieces, bottom up: [`model`] picks the implementation by `general.architecture` (on the CPU, a
//! fast path over byline-kernels for the llama family); [`lm`] adds the
//! tokenizer and chat template and runs the generation loop; [`engine`] keeps one model warm; [`prompt`]
//! and [`tasks`] turn an editorial task into messages; [`run`] ties them together with [`citations`] and
//! [`history`].

pub mod bench_model;
pub mod citations;
pub mod engine;
mod fast;
pub mod history;
pub mod lm;
pub mod model;
pub mod prompt;
pub mod resolve;
pub mod run;
pub mod stream;
pub mod task_defaults;
pub mod tasks;
pub mod template;

pub use citations::Citation;
pub use engine::Engine;
pub use lm::{GenerateParams, Generation, LanguageModel, PrefillObserver, StopReason};
pub use model::{Arch, LoadOptions, Model};
pub use prompt::{Source, SourceRef, TaskInput};
pub use run::{TaskRun, article_sources, run_task, save_run};
pub use tasks::TaskTemplate;
pub use template::Message;

#[cfg(test)]
mod tiny_gguf_tests;

#[cfg(test)]
mod real_model_tests;

#[cfg(test)]
mod fast_tests;
