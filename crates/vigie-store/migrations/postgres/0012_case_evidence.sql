-- Vigie store, schema version 12: a confirmed case's evidence, frozen.
--
-- When a case is confirmed, what it rests on (the case with its evidence and score, its post, the author's
-- observed state, its media's digests, its decisions) is written here once, as JSON with its SHA-256. Evidence
-- packages are made from it, so later scans, re-analyses or edits of the store cannot change what a package
-- of a confirmed case contains. Rows are never updated.
CREATE TABLE case_evidence (
    case_id    BIGINT PRIMARY KEY REFERENCES cases (id),
    frozen_at  BIGINT NOT NULL,
    body       TEXT NOT NULL,
    sha256     TEXT NOT NULL
);
