-- 005_sentiment: the owning feature writes its tables here before it ships.
CREATE TABLE IF NOT EXISTS _placeholder_sentiment (id INTEGER PRIMARY KEY);
DROP TABLE _placeholder_sentiment;
