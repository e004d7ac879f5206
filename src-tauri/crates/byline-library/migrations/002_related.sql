-- Related articles (byline-related).
-- One row per embedded text: the whole article (kind 'article', seq 0, the normalised mean of its
-- passage vectors) or one of its passages. Rows are keyed by model so switching the embedding
-- model leaves the other model's vectors in place; content_hash is the SHA-256 of the embedded
-- text, so re-indexing reuses a vector whenever the same text comes round again.
CREATE TABLE related_vectors (
    id           INTEGER PRIMARY KEY,
    article_id   INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    model_id     TEXT NOT NULL,
    kind         TEXT NOT NULL CHECK (kind IN ('article', 'passage')),
    seq          INTEGER NOT NULL,
    content_hash TEXT NOT NULL,
    text         TEXT NOT NULL DEFAULT '',  -- the passage (empty for article rows), for explanations
    vector       BLOB NOT NULL,             -- little-endian f32, L2-normalised
    UNIQUE (article_id, model_id, kind, seq)
);
CREATE INDEX related_vectors_model ON related_vectors(model_id, kind);
CREATE INDEX related_vectors_hash ON related_vectors(model_id, content_hash);

-- The reporter's feedback on a suggestion for one article: pinned ones stay on top, hidden ones
-- are never shown again for that article.
CREATE TABLE related_feedback (
    article_id    INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    suggestion_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    action        TEXT NOT NULL CHECK (action IN ('pin', 'hide')),
    created_at    TEXT NOT NULL,
    PRIMARY KEY (article_id, suggestion_id)
);
