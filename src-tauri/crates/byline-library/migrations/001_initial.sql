CREATE TABLE articles (
    id           INTEGER PRIMARY KEY,
    title        TEXT NOT NULL DEFAULT '',
    body         TEXT NOT NULL DEFAULT '',
    dek          TEXT,
    byline       TEXT,
    outlet       TEXT,
    section      TEXT,
    tags         TEXT NOT NULL DEFAULT '[]',  -- JSON array of strings
    url          TEXT,
    language     TEXT,
    published    TEXT,
    source_path  TEXT,
    content_hash TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL
);
CREATE INDEX articles_content_hash ON articles(content_hash);
CREATE INDEX articles_updated_at ON articles(updated_at DESC);

-- Every save that changes an article keeps the text it replaced.
CREATE TABLE revisions (
    id           INTEGER PRIMARY KEY,
    article_id   INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    title        TEXT NOT NULL,
    body         TEXT NOT NULL,
    fields       TEXT NOT NULL,  -- JSON of every editable field, so restore brings back metadata too
    content_hash TEXT NOT NULL,
    reason       TEXT NOT NULL,
    created_at   TEXT NOT NULL
);
CREATE INDEX revisions_article ON revisions(article_id, id DESC);

CREATE TABLE attachments (
    id          INTEGER PRIMARY KEY,
    article_id  INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    kind        TEXT NOT NULL CHECK (kind IN ('audio', 'transcript', 'image', 'other')),
    path        TEXT NOT NULL,
    sha256      TEXT NOT NULL,
    mime        TEXT,
    metadata    TEXT NOT NULL DEFAULT '{}',
    created_at  TEXT NOT NULL
);
CREATE INDEX attachments_article ON attachments(article_id);

-- Full-text index. Han and kana characters are stored separated by U+200B so that unicode61
-- sees each as a token; a phrase query over consecutive characters then finds any Chinese
-- word of any length, including two-character ones that a trigram index cannot.
CREATE VIRTUAL TABLE articles_fts USING fts5(
    title, body, meta,
    tokenize = 'porter unicode61 remove_diacritics 2'
);
