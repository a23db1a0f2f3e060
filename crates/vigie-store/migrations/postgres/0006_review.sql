-- Vigie store, schema version 6: review. Local users with roles, their sessions and API tokens (secrets
-- stored only as SHA-256 hashes), every decision on a case in order, and the hash-chained audit trail.
--
-- `cases` gains who it is assigned to, its policy label once confirmed, and who gave the first confirmation
-- while it waits for a second reviewer. `audit_head` repeats the last entry's position and hash, so that
-- removing entries from the end of the chain is detected too.
CREATE TABLE users (
    id             BIGSERIAL PRIMARY KEY,
    name           TEXT NOT NULL UNIQUE,
    role           TEXT NOT NULL,
    password_hash  TEXT NOT NULL,
    disabled       BOOLEAN NOT NULL DEFAULT FALSE,
    failed_logins  BIGINT NOT NULL DEFAULT 0,
    locked_until   BIGINT,
    settings       TEXT NOT NULL DEFAULT '{}',
    created_at     BIGINT NOT NULL
);

CREATE TABLE sessions (
    token_hash  TEXT PRIMARY KEY,
    user_id     BIGINT NOT NULL REFERENCES users(id),
    csrf        TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE api_tokens (
    id            BIGSERIAL PRIMARY KEY,
    user_id       BIGINT NOT NULL REFERENCES users(id),
    name          TEXT NOT NULL,
    token_hash    TEXT NOT NULL UNIQUE,
    prefix        TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    last_used_at  BIGINT,
    revoked_at    BIGINT
);

CREATE TABLE decisions (
    id           BIGSERIAL PRIMARY KEY,
    case_id      BIGINT NOT NULL REFERENCES cases(id),
    user_id      BIGINT NOT NULL REFERENCES users(id),
    action       TEXT NOT NULL,
    from_status  TEXT NOT NULL,
    to_status    TEXT NOT NULL,
    label        TEXT,
    reason       TEXT,
    allow_list   BOOLEAN NOT NULL DEFAULT FALSE,
    at           BIGINT NOT NULL
);
CREATE INDEX decisions_case ON decisions (case_id, id);

ALTER TABLE cases ADD COLUMN assignee_id BIGINT REFERENCES users(id);
ALTER TABLE cases ADD COLUMN label TEXT;
ALTER TABLE cases ADD COLUMN first_confirmer BIGINT REFERENCES users(id);
DROP INDEX cases_score;
CREATE INDEX cases_score ON cases (score DESC, id);
CREATE INDEX cases_status_score ON cases (status, score DESC, id);

CREATE TABLE audit_log (
    seq        BIGINT PRIMARY KEY,
    at         BIGINT NOT NULL,
    actor      TEXT NOT NULL,
    action     TEXT NOT NULL,
    subject    TEXT NOT NULL,
    detail     TEXT NOT NULL,
    prev_hash  TEXT NOT NULL,
    hash       TEXT NOT NULL
);

CREATE TABLE audit_head (
    id    BIGINT PRIMARY KEY CHECK (id = 1),
    seq   BIGINT NOT NULL,
    hash  TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');
