-- Vigie store, schema version 4: hash banks, their entries, and the matches between stored media and entries.
--
-- `bank_state` holds one row. `seq` grows with every change to entries; each changed entry takes the new
-- value as its `change_seq`, so a match index built at sequence S catches up by reading the entries whose
-- `change_seq` is above S. `epoch` grows when entries disappear without a trace (a bank deleted): an index
-- built in an older epoch is rebuilt.
CREATE TABLE bank_state (
    id     BIGINT PRIMARY KEY CHECK (id = 1),
    seq    BIGINT NOT NULL,
    epoch  BIGINT NOT NULL
);
INSERT INTO bank_state (id, seq, epoch) VALUES (1, 0, 0);

CREATE TABLE banks (
    id            BIGSERIAL PRIMARY KEY,
    name          TEXT NOT NULL UNIQUE,
    kind          TEXT NOT NULL,
    source        TEXT,
    labels        TEXT NOT NULL DEFAULT '{}',
    enabled       BOOLEAN NOT NULL DEFAULT TRUE,
    pdq_distance  BIGINT NOT NULL DEFAULT 31,
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL
);

-- Removed entries stay (with `removed_at`) so that exports can carry the withdrawal and matches keep their
-- evidence. `quarantine` is the flood guard's reason for holding an entry.
CREATE TABLE bank_entries (
    id             BIGSERIAL PRIMARY KEY,
    bank_id        BIGINT NOT NULL REFERENCES banks(id),
    signal         TEXT NOT NULL,
    value          TEXT NOT NULL,
    labels         TEXT NOT NULL DEFAULT '{}',
    provenance     TEXT,
    source_updated BIGINT,
    added_at       BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL,
    removed_at     BIGINT,
    quarantine     TEXT,
    change_seq     BIGINT NOT NULL,
    UNIQUE (bank_id, signal, value)
);
CREATE INDEX bank_entries_change ON bank_entries (change_seq);
CREATE INDEX bank_entries_value ON bank_entries (signal, value);

CREATE TABLE media_matches (
    media_sha256   TEXT NOT NULL REFERENCES media(sha256),
    entry_id       BIGINT NOT NULL REFERENCES bank_entries(id),
    distance       BIGINT NOT NULL,
    variant        TEXT NOT NULL,
    status         TEXT NOT NULL,
    suppressed_by  BIGINT REFERENCES bank_entries(id),
    matched_at     BIGINT NOT NULL,
    PRIMARY KEY (media_sha256, entry_id)
);
CREATE INDEX media_matches_entry ON media_matches (entry_id);
