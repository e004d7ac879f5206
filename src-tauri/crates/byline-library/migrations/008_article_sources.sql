-- The interviews a story relies on (byline-quotes): transcripts linked to an article, so that its quotes can
-- be checked against those recordings only. Unlinking, deleting the article or the transcript removes the link.
CREATE TABLE article_sources (
    article_id    INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    transcript_id INTEGER NOT NULL REFERENCES transcripts(id) ON DELETE CASCADE,
    created_at    TEXT NOT NULL,
    PRIMARY KEY (article_id, transcript_id)
) WITHOUT ROWID;
CREATE INDEX article_sources_transcript ON article_sources(transcript_id);
