-- Vigie store, schema version 4: hash banks, their entries, and the matches between stored media and entries.
--
-- `bank_state` holds one row. `seq` grows with every change to entries; each changed entry takes the new
-- value as its `change_seq`, so a match index built at sequence S catches up by reading the entries whose
-- `change_seq` is above S. `epoch` grows when entries disappear without a trace (a bank deleted): an index
-- built in an older epoch is rebuilt.
CREATE TABLE bank_state (
    id     INTEGER PRIMARY KEY CHECK (id = 1),
    seq    INTEGER NOT NULL,
    epoch  INTEGER NOT NULL
);
INSERT INTO bank_state (id, seq, epoch) VALUES (1, 0, 0);

CREATE TABLE banks (
    id            INTEGER PRIMARY KEY,
    name          TEXT NOT NULL UNIQUE,
    kind          TEXT NOT NULL,
    source        TEXT,
    labels        TEXT NOT NULL DEFAULT '{}',
    enabled       INTEGER NOT NULL DEFAULT 1,
    pdq_distance  INTEGER NOT NULL DEFAULT 31,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
);

-- Removed entries stay (with `removed_at`) so that exports can carry the withdrawal and matches keep their
-- evidence. `quarantine` is the flood guard's reason for holding an entry.
CREATE TABLE bank_entries (
    id             INTEGER PRIMARY KEY,
    bank_id        INTEGER NOT NULL REFERENCES banks(id),
    signal         TEXT NOT NULL,
    value          TEXT NOT NULL,
    labels         TEXT NOT NULL DEFAULT '{}',
    provenance     TEXT,
    source_updated INTEGER,
    added_at       INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL,
    removed_at     INTEGER,
    quarantine     TEXT,
    change_seq     INTEGER NOT NULL,
    UNIQUE (bank_id, signal, value)
);
CREATE INDEX bank_entries_change ON bank_entries (change_seq);
CREATE INDEX bank_entries_value ON bank_entries (signal, value);

CREATE TABLE media_matches (
    media_sha256   TEXT NOT NULL REFERENCES media(sha256),
    entry_id       INTEGER NOT NULL REFERENCES bank_entries(id),
    distance       INTEGER NOT NULL,
    variant        TEXT NOT NULL,
    status         TEXT NOT NULL,
    suppressed_by  INTEGER REFERENCES bank_entries(id),
    matched_at     INTEGER NOT NULL,
    PRIMARY KEY (media_sha256, entry_id)
) WITHOUT ROWID;
CREATE INDEX media_matches_entry ON media_matches (entry_id);
