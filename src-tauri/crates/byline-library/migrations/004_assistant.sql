-- 004_assistant: editorial task templates for the drafting assistant, and its generation history.

-- One row per task and language. Shipped defaults are inserted by byline-draft on first use (so that a
-- newer app can add tasks); `edited` = 1 once the reporter changed it, and "reset" restores the default.
CREATE TABLE assistant_tasks (
    key          TEXT NOT NULL,          -- 'headline', 'lede', 'summary', 'rewrite', 'social', 'questions', 'translate'
    language     TEXT NOT NULL,          -- 'en', 'zh'
    name         TEXT NOT NULL,
    system       TEXT NOT NULL,          -- system message
    instruction  TEXT NOT NULL,          -- minijinja template: {{ text }}, {{ title }}, {{ request }}, {{ has_sources }}
    edited       INTEGER NOT NULL DEFAULT 0,
    updated_at   TEXT NOT NULL,
    PRIMARY KEY (key, language)
);

-- Every finished (or stopped) generation, per article.
CREATE TABLE assistant_generations (
    id           INTEGER PRIMARY KEY,
    article_id   INTEGER REFERENCES articles(id) ON DELETE CASCADE,
    task_key     TEXT NOT NULL,
    language     TEXT NOT NULL,
    model        TEXT NOT NULL,          -- file name of the GGUF
    prompt       TEXT NOT NULL,          -- the user message as sent (sources included)
    output       TEXT NOT NULL,
    sources      TEXT NOT NULL DEFAULT '[]',   -- JSON: [{n, label, article_id}]
    citations    TEXT NOT NULL DEFAULT '[]',   -- JSON: checker result
    params       TEXT NOT NULL DEFAULT '{}',   -- JSON: sampling parameters and seed
    stop_reason  TEXT NOT NULL,
    created_at   TEXT NOT NULL
);
CREATE INDEX assistant_generations_article ON assistant_generations(article_id, id DESC);
