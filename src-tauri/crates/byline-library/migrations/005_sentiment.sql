-- 005_sentiment: readers' comments, imported from CSV / JSON Lines and scored by byline-sentiment.
CREATE TABLE sentiment_comments (
    id          INTEGER PRIMARY KEY,
    -- The article the comment belongs to, when its reference matched an article id or URL.
    article_id  INTEGER REFERENCES articles(id) ON DELETE CASCADE,
    -- The reference as the file gave it (id, URL or slug), kept so unmatched comments can be re-linked.
    article_ref TEXT NOT NULL,
    author      TEXT,
    -- RFC 3339 UTC when the file's time could be read; NULL otherwise.
    posted_at   TEXT,
    body        TEXT NOT NULL,
    score       REAL NOT NULL,
    label       TEXT NOT NULL CHECK (label IN ('positive', 'neutral', 'negative')),
    engine      TEXT NOT NULL,
    language    TEXT NOT NULL,
    source      TEXT NOT NULL,  -- file the comment came from
    imported_at TEXT NOT NULL
);
-- Importing the same file twice must not double the chart; NULLs would count as distinct in a
-- plain UNIQUE constraint, hence the expressions.
CREATE UNIQUE INDEX sentiment_comments_unique
    ON sentiment_comments(article_ref, ifnull(author, ''), ifnull(posted_at, ''), body);
CREATE INDEX sentiment_comments_article ON sentiment_comments(article_id, posted_at);
CREATE INDEX sentiment_comments_ref ON sentiment_comments(article_ref, posted_at);
