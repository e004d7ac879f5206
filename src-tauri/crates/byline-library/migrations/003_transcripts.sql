-- 003_transcripts: the owning feature writes its tables here before it ships.
CREATE TABLE IF NOT EXISTS _placeholder_transcripts (id INTEGER PRIMARY KEY);
DROP TABLE _placeholder_transcripts;
