//! The editorial tasks Byline ships, in English and Chinese. Reporters edit them in the library;
//! these are what "reset" restores. Instructions are minijinja templates over `text` (the selection, or
//! the whole draft when nothing is selected), `title`, `request` (the reporter's extra words) and
//! `has_sources`.

pub struct TaskDefault {
    pub key: &'static str,
    pub language: &'static str,
    pub name: &'static str,
    pub system: &'static str,
    pub instruction: &'static str,
}

const SYSTEM_EN: &str = "You are a careful news editor's assistant. Use only facts found in the draft and the \
numbered sources. Never invent quotes, names, numbers or sources. When you use a fact from a source, cite it \
with its number in square brackets, like [1].";
const SYSTEM_ZH: &str = "你是一名严谨的新闻编辑助理。只使用草稿和编号资料中的事实，绝不编造引语、人名、数字或来源。\
使用资料中的事实时，用方括号标注其编号，例如 [1]。";

pub const DEFAULTS: &[TaskDefault] = &[
    TaskDefault {
        key: "headline",
        language: "en",
        name: "Headline options",
        system: SYSTEM_EN,
        instruction: "Write five headline options for this article, one per line, each under 12 words.\
{% if request %} {{ request }}{% endif %}\n\n{% if title %}Working title: {{ title }}\n\n{% endif %}{{ text }}",
    },
    TaskDefault {
        key: "lede",
        language: "en",
        name: "Lede",
        system: SYSTEM_EN,
        instruction: "Write a lede (first paragraph, at most 40 words) for this article: who, what, when, where.\
{% if request %} {{ request }}{% endif %}\n\n{{ text }}",
    },
    TaskDefault {
        key: "summary",
        language: "en",
        name: "Summary / nut graf",
        system: SYSTEM_EN,
        instruction: "Summarize this text in three sentences, then write a nut graf explaining why it matters.\
{% if request %} {{ request }}{% endif %}\n\n{{ text }}",
    },
    TaskDefault {
        key: "rewrite",
        language: "en",
        name: "Rewrite",
        system: SYSTEM_EN,
        instruction: "Rewrite this text {% if request %}as follows: {{ request }}{% else %}shorter and in plainer \
words{% endif %}. Keep every fact; add none. Reply with the rewritten text only.\n\n{{ text }}",
    },
    TaskDefault {
        key: "social",
        language: "en",
        name: "Social posts",
        system: SYSTEM_EN,
        instruction: "Write three short social media posts (under 280 characters each) promoting this article.\
{% if request %} {{ request }}{% endif %}\n\n{% if title %}{{ title }}\n\n{% endif %}{{ text }}",
    },
    TaskDefault {
        key: "questions",
        language: "en",
        name: "Interview questions",
        system: SYSTEM_EN,
        instruction: "List eight open interview questions a reporter should ask to move this story forward.\
{% if request %} Interviewee: {{ request }}.{% endif %}\n\n{{ text }}",
    },
    TaskDefault {
        key: "translate",
        language: "en",
        name: "Translate",
        system: "You are a professional news translator. Translate faithfully; keep names, numbers and citation \
markers like [1] unchanged.",
        instruction: "Translate this text into {{ request or 'Chinese' }}. Reply with the translation only.\n\n{{ text }}",
    },
    TaskDefault {
        key: "headline",
        language: "zh",
        name: "标题备选",
        system: SYSTEM_ZH,
        instruction: "为这篇文章拟五个标题备选，每行一个，每个不超过二十字。{% if request %}{{ request }}{% endif %}\n\n\
{% if title %}暂定标题：{{ title }}\n\n{% endif %}{{ text }}",
    },
    TaskDefault {
        key: "lede",
        language: "zh",
        name: "导语",
        system: SYSTEM_ZH,
        instruction: "为这篇文章写一段导语（不超过八十字），交代何人、何事、何时、何地。{% if request %}{{ request }}{% endif %}\n\n{{ text }}",
    },
    TaskDefault {
        key: "summary",
        language: "zh",
        name: "摘要 / 核心段",
        system: SYSTEM_ZH,
        instruction: "用三句话概括这段文字，再写一段核心段说明其重要性。{% if request %}{{ request }}{% endif %}\n\n{{ text }}",
    },
    TaskDefault {
        key: "rewrite",
        language: "zh",
        name: "改写",
        system: SYSTEM_ZH,
        instruction: "改写这段文字：{% if request %}{{ request }}{% else %}更短、更平实{% endif %}。保留全部事实，不要添加新内容，\
只回复改写后的文字。\n\n{{ text }}",
    },
    TaskDefault {
        key: "social",
        language: "zh",
        name: "社交媒体文案",
        system: SYSTEM_ZH,
        instruction: "为这篇文章写三条社交媒体推广文案，每条不超过一百四十字。{% if request %}{{ request }}{% endif %}\n\n\
{% if title %}{{ title }}\n\n{% endif %}{{ text }}",
    },
    TaskDefault {
        key: "questions",
        language: "zh",
        name: "采访问题",
        system: SYSTEM_ZH,
        instruction: "列出八个能推进这篇报道的开放式采访问题。{% if request %}采访对象：{{ request }}。{% endif %}\n\n{{ text }}",
    },
    TaskDefault {
        key: "translate",
        language: "zh",
        name: "翻译",
        system: "你是一名专业新闻翻译。忠实翻译，人名、数字和 [1] 这样的引用标记保持不变。",
        instruction: "把这段文字翻译成{{ request or '英文' }}，只回复译文。\n\n{{ text }}",
    },
];
