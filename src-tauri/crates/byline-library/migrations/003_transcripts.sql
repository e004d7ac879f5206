-- 003_transcripts (byline-transcribe): recordings, immutable raw transcripts, editable copies, vocabulary.

-- One row per audio file that was transcribed. sha256 is of the original file as it was read, so a
-- transcript can prove which audio it came from even after the file is moved or edited.
CREATE TABLE recordings (
    id          INTEGER PRIMARY KEY,
    path        TEXT NOT NULL,
    sha256      TEXT NOT NULL,
    duration_s  REAL NOT NULL,
    created_at  TEXT NOT NULL
);
CREATE INDEX recordings_sha256 ON recordings(sha256);

-- What the model produced, with the model id and the settings used. Never edited: the triggers below
-- refuse updates to these columns, so a corrected transcript can always be compared with the machine's.
CREATE TABLE transcripts (
    id            INTEGER PRIMARY KEY,
    recording_id  INTEGER NOT NULL REFERENCES recordings(id) ON DELETE CASCADE,
    model         TEXT NOT NULL,
    settings_json TEXT NOT NULL,
    language      TEXT,
    raw_json      TEXT NOT NULL,
    created_at    TEXT NOT NULL
);
CREATE INDEX transcripts_recording ON transcripts(recording_id);

CREATE TRIGGER transcripts_raw_is_immutable
BEFORE UPDATE OF recording_id, model, settings_json, language, raw_json ON transcripts
BEGIN
    SELECT RAISE(ABORT, 'raw transcripts are immutable');
END;

-- The journalist's working copy: corrected text and speaker labels (segments with words as JSON) and
-- the display names given to speakers.
CREATE TABLE transcript_edits (
    transcript_id INTEGER PRIMARY KEY REFERENCES transcripts(id) ON DELETE CASCADE,
    edited_json   TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);

-- Custom vocabulary of this library (names, places, jargon), turned into Whisper's initial prompt.
CREATE TABLE transcription_vocabulary (
    term       TEXT PRIMARY KEY COLLATE NOCASE,
    added_at   TEXT NOT NULL
);
