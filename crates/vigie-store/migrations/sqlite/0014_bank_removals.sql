-- Vigie store, schema version 14: removed bank entries are listed in a table of their own.
--
-- Until now an entry's removal was written in its row (`removed_at`). A hash-list update withdraws entries spread
-- over the whole bank (a TCAP feed deletes here and there), and rewriting each one's row rewrote nearly every page
-- of the table: a tenth of a bank withdrawn cost as much disk as importing the whole bank again. A removal is now
-- one small row appended here (the entry, when, and the change sequence at which matching sees it go); an entry
-- brought back by a later import loses its row here. An entry is live when it has no row here.
CREATE TABLE bank_removals (
    entry_id   INTEGER PRIMARY KEY REFERENCES bank_entries(id),
    removed_at INTEGER NOT NULL,
    change_seq INTEGER NOT NULL
);
CREATE INDEX bank_removals_change ON bank_removals (change_seq);

INSERT INTO bank_removals (entry_id, removed_at, change_seq)
    SELECT id, removed_at, change_seq FROM bank_entries WHERE removed_at IS NOT NULL;

ALTER TABLE bank_entries DROP COLUMN removed_at;
