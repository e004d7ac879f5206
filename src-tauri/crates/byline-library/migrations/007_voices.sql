-- 007_voices (byline-transcribe): the voices in each transcript, and the voices the reporter has named,
-- recognised again in later recordings. Embeddings are little-endian f32 at unit length; they never leave
-- the machine.

-- Each speaker a transcription found: the name it gave them ("Speaker 1", or a known voice's name) and the
-- profile the reporter's naming tied them to.
CREATE TABLE transcript_voices (
    transcript_id INTEGER NOT NULL REFERENCES transcripts(id) ON DELETE CASCADE,
    speaker       TEXT NOT NULL,
    model         TEXT NOT NULL,
    embedding     BLOB NOT NULL,
    seconds       REAL NOT NULL,
    profile       TEXT,
    PRIMARY KEY (transcript_id, speaker)
);
CREATE INDEX transcript_voices_profile ON transcript_voices(profile);

-- A named voice: the weighted mean of every transcript voice tied to the name.
CREATE TABLE voice_profiles (
    name       TEXT PRIMARY KEY,
    model      TEXT NOT NULL,
    embedding  BLOB NOT NULL,
    seconds    REAL NOT NULL,
    recordings INTEGER NOT NULL,
    updated_at TEXT NOT NULL
);
