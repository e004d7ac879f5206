-- What the reporter used while writing each story, for related articles that learn from use (byline-related):
-- an article linked from the story's body ('link'), given to the assistant as a source ('source'), pinned in
-- its Related panel ('pin') or opened from that panel ('open'). Nothing here leaves the machine; the reporter
-- can list it and clear it (`byline related usage --reset`, Settings). Deleting either article removes the row.
CREATE TABLE related_usage (
    story_id   INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    used_id    INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    kind       TEXT NOT NULL CHECK (kind IN ('link', 'source', 'pin', 'open')),
    at         TEXT NOT NULL,
    PRIMARY KEY (story_id, used_id, kind),
    CHECK (story_id <> used_id)
) WITHOUT ROWID;
CREATE INDEX related_usage_used ON related_usage(used_id);

-- What earlier versions already recorded: pins, and the articles given to the assistant as sources.
INSERT OR IGNORE INTO related_usage (story_id, used_id, kind, at)
    SELECT article_id, suggestion_id, 'pin', created_at FROM related_feedback WHERE action = 'pin';
INSERT OR IGNORE INTO related_usage (story_id, used_id, kind, at)
    SELECT g.article_id, CAST(json_extract(s.value, '$.article_id') AS INTEGER), 'source', g.created_at
    FROM assistant_generations g, json_each(g.sources) s
    WHERE g.article_id IS NOT NULL
      AND json_extract(s.value, '$.article_id') IS NOT NULL
      AND json_extract(s.value, '$.article_id') <> g.article_id
      AND EXISTS (SELECT 1 FROM articles a WHERE a.id = json_extract(s.value, '$.article_id'));
