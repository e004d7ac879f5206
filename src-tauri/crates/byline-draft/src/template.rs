//! Chat templates: the GGUF's own `tokenizer.chat_template` rendered with minijinja (plus Python string
//! methods and the helpers Hugging Face templates call), or a per-family fallback when the file has none.

use byline_core::{Error, Result};
use minijinja::{Environment, ErrorKind, Value, context};
use serde::{Deserialize, Serialize};

use crate::model::Arch;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct Message {
    /// "system", "user" or "assistant".
    pub role: String,
    pub content: String,
}

impl Message {
    pub fn new(role: &str, content: impl Into<String>) -> Self {
        Message { role: role.into(), content: content.into() }
    }
}

const CHATML: &str = "{% for m in messages %}<|im_start|>{{ m.role }}\n{{ m.content }}<|im_end|>\n{% endfor %}\
{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}";
const LLAMA3: &str = "{{ bos_token }}{% for m in messages %}<|start_header_id|>{{ m.role }}<|end_header_id|>\n\n\
{{ m.content | trim }}<|eot_id|>{% endfor %}{% if add_generation_prompt %}<|start_header_id|>assistant<|end_header_id|>\n\n{% endif %}";
// Llama 2 / Mistral [INST] form; a system message is folded into the first user turn.
const INST: &str = "{{ bos_token }}{% set sys = namespace(text='') %}{% for m in messages %}\
{% if m.role == 'system' %}{% set sys.text = m.content + '\n\n' %}\
{% elif m.role == 'user' %}[INST] {{ sys.text }}{{ m.content }} [/INST]{% set sys.text = '' %}\
{% else %}{{ m.content }}{{ eos_token }}{% endif %}{% endfor %}";
const PHI3: &str = "{% for m in messages %}<|{{ m.role }}|>\n{{ m.content }}<|end|>\n{% endfor %}\
{% if add_generation_prompt %}<|assistant|>\n{% endif %}";
// Gemma has no system role: it goes in front of the first user turn.
const GEMMA: &str = "{{ bos_token }}{% set sys = namespace(text='') %}{% for m in messages %}\
{% if m.role == 'system' %}{% set sys.text = m.content + '\n\n' %}\
{% else %}<start_of_turn>{{ 'model' if m.role == 'assistant' else 'user' }}\n{{ sys.text }}{{ m.content | trim }}<end_of_turn>\n{% set sys.text = '' %}{% endif %}\
{% endfor %}{% if add_generation_prompt %}<start_of_turn>model\n{% endif %}";

/// A compiled chat template and the special-token strings it may refer to.
pub struct ChatTemplate {
    env: Environment<'static>,
    pub source: String,
    /// True when the GGUF carried no template and a family default is in use.
    pub fallback: bool,
    bos_token: String,
    eos_token: String,
}

/// The family default for a model without `tokenizer.chat_template`. `has_token` says whether the
/// vocabulary holds a given marker, which tells Llama 3 and ChatML-tuned llama models from Llama 2 ones.
pub fn fallback_template(arch: Arch, has_token: impl Fn(&str) -> bool) -> &'static str {
    match arch {
        Arch::Qwen2 | Arch::Qwen3 => CHATML,
        Arch::Phi3 => PHI3,
        Arch::Gemma3 => GEMMA,
        Arch::Llama if has_token("<|start_header_id|>") => LLAMA3,
        Arch::Llama if has_token("<|im_start|>") => CHATML,
        Arch::Llama => INST,
    }
}

fn environment() -> Environment<'static> {
    let mut env = Environment::new();
    // Hugging Face templates are written against Jinja2 with Python string methods (.strip(), .startswith()).
    env.set_unknown_method_callback(minijinja_contrib::pycompat::unknown_method_callback);
    env.add_function("raise_exception", |message: String| -> std::result::Result<Value, minijinja::Error> {
        Err(minijinja::Error::new(ErrorKind::InvalidOperation, message))
    });
    // Templates that print today's date (Llama 3.1+) only need the date; the clock is the one thing here
    // we cannot format in full, so the common formats are supported and others get ISO 8601.
    env.add_function("strftime_now", |format: String| -> String { strftime_now(&format) });
    env
}

fn strftime_now(format: &str) -> String {
    let secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    let (y, m, d) = civil_from_days((secs / 86_400) as i64);
    const MONTHS: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    let month = MONTHS[(m - 1) as usize];
    format
        .replace("%Y", &y.to_string())
        .replace("%m", &format!("{m:02}"))
        .replace("%d", &format!("{d:02}"))
        .replace("%B", month)
        .replace("%b", &month[..3])
}

/// Days since 1970-01-01 to (year, month, day) — Howard Hinnant's algorithm.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

impl ChatTemplate {
    pub fn new(source: &str, fallback: bool, bos_token: &str, eos_token: &str) -> Result<Self> {
        let mut env = environment();
        env.add_template_owned("chat", source.to_string())
            .map_err(|e| Error::InvalidInput(format!("the model's chat template does not compile: {e:#}")))?;
        Ok(ChatTemplate {
            env,
            source: source.to_string(),
            fallback,
            bos_token: bos_token.to_string(),
            eos_token: eos_token.to_string(),
        })
    }

    /// The prompt text for `messages`, ending where the assistant's reply begins.
    pub fn render(&self, messages: &[Message]) -> Result<String> {
        let template =
            self.env.get_template("chat").map_err(|e| Error::InvalidInput(format!("chat template: {e:#}")))?;
        template
            .render(context! {
                messages => messages,
                add_generation_prompt => true,
                bos_token => &self.bos_token,
                eos_token => &self.eos_token,
            })
            .map_err(|e| Error::InvalidInput(format!("the model's chat template failed to render: {e:#}")))
    }
}

/// Renders a user-editable task template (`{{ text }}`, `{{ request }}`…) with the same engine.
pub fn render_task(source: &str, vars: &impl Serialize) -> Result<String> {
    environment()
        .render_str(source, vars)
        .map_err(|e| Error::InvalidInput(format!("the task template failed to render: {e:#}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msgs() -> Vec<Message> {
        vec![Message::new("system", "Be brief."), Message::new("user", "Hi")]
    }

    #[test]
    fn fallbacks_render_per_family() {
        let chatml = ChatTemplate::new(fallback_template(Arch::Qwen2, |_| false), true, "", "").expect("compiles");
        assert_eq!(
            chatml.render(&msgs()).expect("renders"),
            "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n"
        );
        let llama3 = fallback_template(Arch::Llama, |t| t == "<|start_header_id|>");
        let text = ChatTemplate::new(llama3, true, "<s>", "</s>").expect("compiles").render(&msgs()).expect("renders");
        assert!(text.starts_with("<s><|start_header_id|>system"), "{text}");
        assert!(text.ends_with("<|start_header_id|>assistant<|end_header_id|>\n\n"));
        let inst = ChatTemplate::new(fallback_template(Arch::Llama, |_| false), true, "<s>", "</s>").expect("ok");
        assert_eq!(inst.render(&msgs()).expect("renders"), "<s>[INST] Be brief.\n\nHi [/INST]");
        let gemma = ChatTemplate::new(fallback_template(Arch::Gemma3, |_| false), true, "<bos>", "").expect("ok");
        assert!(gemma.render(&msgs()).expect("renders").contains("<start_of_turn>user\nBe brief.\n\nHi<end_of_turn>"));
    }

    #[test]
    fn hugging_face_idioms_work() {
        let source = "{% if messages[0]['role'] != 'system' %}{{ raise_exception('need a system turn') }}{% endif %}\
            {% for m in messages %}{{ m.content.strip() | upper }}{% endfor %}{{ strftime_now('%Y') | length }}";
        let t = ChatTemplate::new(source, false, "", "").expect("compiles");
        assert_eq!(t.render(&msgs()).expect("renders"), "BE BRIEF.HI4");
        let err = t.render(&[Message::new("user", "x")]).expect_err("raises");
        assert!(err.to_string().contains("need a system turn"), "{err}");
    }

    #[test]
    fn broken_templates_are_clear_errors() {
        let err = ChatTemplate::new("{% for m in messages %}", false, "", "").err().expect("does not compile");
        assert!(err.to_string().contains("chat template does not compile"), "{err}");
        let t = ChatTemplate::new("{{ messages[5].content }}", false, "", "").expect("compiles");
        let err = t.render(&msgs()).expect_err("fails to render");
        assert!(err.to_string().contains("failed to render"), "{err}");
    }

    #[test]
    fn dates_are_civil() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(19_723), (2024, 1, 1));
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
    }
}
