-- Vigie store, schema version 6: review. Local users with roles, their sessions and API tokens (secrets
-- stored only as SHA-256 hashes), every decision on a case in order, and the hash-chained audit trail.
--
-- `cases` gains who it is assigned to, its policy label once confirmed, and who gave the first confirmation
-- while it waits for a second reviewer. `audit_head` repeats the last entry's position and hash, so that
-- removing entries from the end of the chain is detected too.
CREATE TABLE users (
    id             INTEGER PRIMARY KEY,
    name           TEXT NOT NULL UNIQUE,
    role           TEXT NOT NULL,
    password_hash  TEXT NOT NULL,
    disabled       INTEGER NOT NULL DEFAULT 0,
    failed_logins  INTEGER NOT NULL DEFAULT 0,
    locked_until   INTEGER,
    settings       TEXT NOT NULL DEFAULT '{}',
    created_at     INTEGER NOT NULL
);

CREATE TABLE sessions (
    token_hash  TEXT PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users(id),
    csrf        TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE api_tokens (
    id            INTEGER PRIMARY KEY,
    user_id       INTEGER NOT NULL REFERENCES users(id),
    name          TEXT NOT NULL,
    token_hash    TEXT NOT NULL UNIQUE,
    prefix        TEXT NOT NULL,
    created_at    INTEGER NOT NULL,
    last_used_at  INTEGER,
    revoked_at    INTEGER
);

CREATE TABLE decisions (
    id           INTEGER PRIMARY KEY,
    case_id      INTEGER NOT NULL REFERENCES cases(id),
    user_id      INTEGER NOT NULL REFERENCES users(id),
    action       TEXT NOT NULL,
    from_status  TEXT NOT NULL,
    to_status    TEXT NOT NULL,
    label        TEXT,
    reason       TEXT,
    allow_list   INTEGER NOT NULL DEFAULT 0,
    at           INTEGER NOT NULL
);
CREATE INDEX decisions_case ON decisions (case_id, id);

ALTER TABLE cases ADD COLUMN assignee_id INTEGER REFERENCES users(id);
ALTER TABLE cases ADD COLUMN label TEXT;
ALTER TABLE cases ADD COLUMN first_confirmer INTEGER REFERENCES users(id);
DROP INDEX cases_score;
CREATE INDEX cases_score ON cases (score DESC, id);
CREATE INDEX cases_status_score ON cases (status, score DESC, id);

CREATE TABLE audit_log (
    seq        INTEGER PRIMARY KEY,
    at         INTEGER NOT NULL,
    actor      TEXT NOT NULL,
    action     TEXT NOT NULL,
    subject    TEXT NOT NULL,
    detail     TEXT NOT NULL,
    prev_hash  TEXT NOT NULL,
    hash       TEXT NOT NULL
);

CREATE TABLE audit_head (
    id    INTEGER PRIMARY KEY CHECK (id = 1),
    seq   INTEGER NOT NULL,
    hash  TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');
