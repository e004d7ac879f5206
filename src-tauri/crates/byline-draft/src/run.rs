//! Running an editorial task end to end: prompt, generation, citation check, history.

use byline_core::{CancelToken, Result};
use byline_library::Library;
use serde::{Deserialize, Serialize};

use crate::citations::{self, Citation};
use crate::history::{self, GenerationRecord};
use crate::lm::{GenerateParams, Generation, LanguageModel};
use crate::prompt::{self, Source, SourceRef, TaskInput};
use crate::tasks::TaskTemplate;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct TaskRun {
    pub generation: Generation,
    pub citations: Vec<Citation>,
    /// Distinct source numbers the output cites that were never given.
    pub invalid_citations: Vec<usize>,
    pub sources: Vec<SourceRef>,
    /// What was cut to fit the context.
    pub notes: Vec<String>,
    /// The user message as sent, for the history.
    pub prompt: String,
}

/// Runs `task` over `input`, streaming text pieces to `on_piece`. `on_notes` hears what was cut before
/// generation starts, so the UI can say so while text streams in.
pub fn run_task(
    lm: &mut LanguageModel,
    task: &TaskTemplate,
    input: &TaskInput,
    params: &GenerateParams,
    cancel: &CancelToken,
    on_notes: &mut dyn FnMut(&[String]),
    on_piece: &mut dyn FnMut(&str),
) -> Result<TaskRun> {
    let built = prompt::build(lm, task, input, params.max_tokens)?;
    on_notes(&built.notes);
    let generation = lm.chat(&built.messages, params, cancel, on_piece)?;
    let citations = citations::check(&generation.text, built.sources.len());
    let prompt = built.messages.iter().map(|m| m.content.as_str()).collect::<Vec<_>>().join("\n\n");
    Ok(TaskRun {
        invalid_citations: citations::invalid_numbers(&citations),
        citations,
        sources: built.source_refs(),
        notes: built.notes,
        prompt,
        generation,
    })
}

/// Library articles as sources, labelled by title.
pub fn article_sources(library: &Library, ids: &[i64]) -> Result<Vec<Source>> {
    ids.iter()
        .map(|&id| {
            let a = library.get(id)?;
            let label = if a.fields.title.trim().is_empty() { format!("Article {id}") } else { a.fields.title.clone() };
            Ok(Source { label, text: a.fields.body, article_id: Some(id) })
        })
        .collect()
}

/// Keeps a finished or stopped run in the article's history.
pub fn save_run(
    library: &Library,
    article_id: Option<i64>,
    task: &TaskTemplate,
    model: &str,
    params: &GenerateParams,
    run: &TaskRun,
) -> Result<GenerationRecord> {
    let rec = GenerationRecord {
        id: 0,
        article_id,
        task_key: task.key.clone(),
        language: task.language.clone(),
        model: model.to_string(),
        prompt: run.prompt.clone(),
        output: run.generation.text.clone(),
        sources: run.sources.clone(),
        citations: run.citations.clone(),
        params: serde_json::to_value(params).unwrap_or_default(),
        stop_reason: serde_json::to_value(run.generation.stop_reason)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default(),
        created_at: String::new(),
    };
    history::record(library.connection(), &rec)
}
