-- Vigie store, schema version 11: how far a long hash-list import has gone.
--
-- A list longer than fits in memory is applied in several transactions, in hash order. Each writes, with its
-- entries, how many records of the sorted list have been applied and what they changed, under a key that names
-- the list (the SHA-256 of its bytes, its format and the reading options). An import of the same list into the
-- same bank after one that did not finish goes on from there, and ends in the state one import would have left.
CREATE TABLE import_progress (
    import_id  INTEGER PRIMARY KEY REFERENCES imports (id),
    bank       TEXT NOT NULL,
    list       TEXT NOT NULL,
    applied    INTEGER NOT NULL,
    counts     TEXT NOT NULL
);
CREATE INDEX import_progress_list ON import_progress (bank, list);
