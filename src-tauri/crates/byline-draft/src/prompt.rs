//! Building a task's chat messages: the task template over the draft or selection, plus numbered sources
//! cut down to fit the model's context (with a note saying what was cut).

use byline_core::{Error, Result};
use serde::{Deserialize, Serialize};

use crate::lm::LanguageModel;
use crate::tasks::TaskTemplate;
use crate::template::{Message, render_task};

/// A passage the reporter chose to ground the output: a library article or a transcript excerpt.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct Source {
    pub label: String,
    pub text: String,
    #[serde(default)]
    #[ts(optional = nullable)]
    pub article_id: Option<i64>,
}

/// How a source is remembered in history: its number in the prompt and where it came from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct SourceRef {
    pub n: usize,
    pub label: String,
    pub article_id: Option<i64>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[serde(default)]
pub struct TaskInput {
    pub title: String,
    pub draft: String,
    pub selection: String,
    /// The reporter's own words: a tone for "rewrite", a target language for "translate", a free prompt.
    pub request: String,
    pub sources: Vec<Source>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct BuiltPrompt {
    pub messages: Vec<Message>,
    /// The sources as numbered in the prompt (after any cutting).
    pub sources: Vec<Source>,
    /// What was shortened to fit the context, in words for the reporter.
    pub notes: Vec<String>,
}

impl BuiltPrompt {
    pub fn source_refs(&self) -> Vec<SourceRef> {
        let refs = self.sources.iter().enumerate();
        refs.map(|(i, s)| SourceRef { n: i + 1, label: s.label.clone(), article_id: s.article_id }).collect()
    }
}

#[derive(Serialize, ts_rs::TS)]
struct Vars<'a> {
    text: &'a str,
    title: &'a str,
    request: &'a str,
    has_sources: bool,
}

/// Values for test-rendering an edited template before saving it.
pub fn sample_vars() -> impl Serialize {
    Vars { text: "Draft text.", title: "Title", request: "", has_sources: true }
}

fn sources_block(sources: &[Source], language: &str) -> String {
    if sources.is_empty() {
        return String::new();
    }
    let mut out = if language == "zh" {
        String::from("资料（引用时用 [1]、[2] 这样的编号标注，不要引用其他来源）：\n\n")
    } else {
        String::from("Sources (cite them by number, like [1]; cite nothing else):\n\n")
    };
    for (i, s) in sources.iter().enumerate() {
        out.push_str(&format!("[{}] {}\n{}\n\n", i + 1, s.label, s.text.trim()));
    }
    out
}

fn messages(task: &TaskTemplate, input: &TaskInput, text: &str, sources: &[Source]) -> Result<Vec<Message>> {
    let vars = Vars { text, title: &input.title, request: input.request.trim(), has_sources: !sources.is_empty() };
    let instruction = render_task(&task.instruction, &vars)?;
    let user = format!("{}{}", sources_block(sources, &task.language), instruction.trim());
    let mut out = Vec::new();
    if !task.system.trim().is_empty() {
        out.push(Message::new("system", task.system.trim()));
    }
    out.push(Message::new("user", user));
    Ok(out)
}

/// The prompt for `task`, fitted into the context with `max_tokens` left for the answer.
///
/// When it does not fit, sources are cut first (each to a fair share of what is left, longest first),
/// then the draft (when no selection was made); a selection is never cut — the reporter chose it, so a
/// selection too long for the model is an error that says so.
pub fn build(lm: &LanguageModel, task: &TaskTemplate, input: &TaskInput, max_tokens: usize) -> Result<BuiltPrompt> {
    let context = lm.context_length();
    // Keep room for at least a short answer even if max_tokens asks for the whole window.
    let reserve = max_tokens.clamp(16, context / 2);
    let budget = context - reserve;
    let use_selection = !input.selection.trim().is_empty();
    let mut text = if use_selection { input.selection.clone() } else { input.draft.clone() };
    let mut notes = Vec::new();
    let count = |msgs: &[Message]| -> Result<usize> { Ok(lm.encode_prompt(&lm.template.render(msgs)?)?.len()) };

    let base = count(&messages(task, input, &text, &[])?)?;
    if base > budget {
        if use_selection {
            return Err(Error::InvalidInput(format!(
                "the selection and task need {base} tokens but this model's context leaves {budget} \
                 (of {context}, with {reserve} kept for the answer); select a shorter passage"
            )));
        }
        let draft_tokens = lm.count_tokens(&text)?;
        let keep = draft_tokens.saturating_sub(base - budget);
        if keep == 0 {
            return Err(Error::InvalidInput(format!(
                "the task template alone needs more than the model's {context}-token context"
            )));
        }
        text = lm.truncate_to_tokens(&text, keep)?;
        notes.push(format!(
            "The draft was cut to its first {keep} of {draft_tokens} tokens to fit the model's context."
        ));
    }

    let mut sources = input.sources.clone();
    if !sources.is_empty() {
        let full = count(&messages(task, input, &text, &sources)?)?;
        if full > budget {
            let base = count(&messages(task, input, &text, &[])?)?;
            // Header lines ("[n] label") stay; only the passages shrink.
            let headers: usize = count(&messages(task, input, &text, &strip_text(&sources))?)? - base;
            let available = budget.saturating_sub(base + headers);
            let sizes: Vec<usize> = sources.iter().map(|s| lm.count_tokens(&s.text)).collect::<Result<_>>()?;
            let shares = fair_shares(&sizes, available);
            for (i, (source, (&size, &share))) in sources.iter_mut().zip(sizes.iter().zip(&shares)).enumerate() {
                if share < size {
                    source.text = lm.truncate_to_tokens(&source.text, share)?;
                    notes.push(format!(
                        "Source [{}] \u{201c}{}\u{201d} was cut to {share} of {size} tokens to fit the model's context.",
                        i + 1,
                        source.label
                    ));
                }
            }
        }
    }
    let msgs = messages(task, input, &text, &sources)?;
    let total = count(&msgs)?;
    if total > budget {
        // Token counts of pieces and of the whole differ slightly at the seams; a rare overshoot is an error.
        return Err(Error::InvalidInput(format!(
            "the prompt needs {total} tokens but the model's context leaves {budget}; choose fewer sources"
        )));
    }
    Ok(BuiltPrompt { messages: msgs, sources, notes })
}

fn strip_text(sources: &[Source]) -> Vec<Source> {
    sources.iter().map(|s| Source { text: String::new(), ..s.clone() }).collect()
}

/// Water-filling: short sources keep all their tokens, the rest split what is left evenly.
pub fn fair_shares(sizes: &[usize], available: usize) -> Vec<usize> {
    let mut shares = vec![0; sizes.len()];
    let mut order: Vec<usize> = (0..sizes.len()).collect();
    order.sort_by_key(|&i| sizes[i]);
    let mut left = available;
    for (k, &i) in order.iter().enumerate() {
        let fair = left / (order.len() - k);
        shares[i] = sizes[i].min(fair);
        left -= shares[i];
    }
    shares
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fair_shares_fill_small_first() {
        assert_eq!(fair_shares(&[10, 500, 300], 310), [10, 150, 150]);
        assert_eq!(fair_shares(&[10, 20], 100), [10, 20]);
        assert_eq!(fair_shares(&[50, 50], 0), [0, 0]);
    }

    #[test]
    fn sources_are_numbered_in_order() {
        let block = sources_block(
            &[
                Source { label: "Interview".into(), text: " quote ".into(), article_id: None },
                Source { label: "Earlier".into(), text: "fact".into(), article_id: Some(4) },
            ],
            "en",
        );
        assert!(block.contains("[1] Interview\nquote\n\n[2] Earlier\nfact"), "{block}");
    }
}
