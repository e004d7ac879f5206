-- A revision's title and body have their own columns; the fields JSON kept a second copy of both,
-- which doubled the size of every revision. Restore reads them from the columns.
UPDATE revisions SET fields = json_set(fields, '$.title', '', '$.body', '') WHERE json_valid(fields);
