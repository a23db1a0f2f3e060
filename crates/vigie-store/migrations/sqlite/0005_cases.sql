-- Vigie store, schema version 5: text signal lists, trained models, cases and where analysis stands.
--
-- `signal_lists` keeps each term or domain list as the analyst imported it (TOML or CSV text); the engine
-- parses it where it is used, so the list, not code, is the truth. `cases` holds one row per flagged post or
-- account: its score, the signal kinds present (`,term,url,` for filtering) and the ordered evidence as JSON.
-- `analysis_state` records the last post analysed and a digest of the settings used, so that a changed list
-- or model re-analyses everything.
CREATE TABLE signal_lists (
    id           INTEGER PRIMARY KEY,
    name         TEXT NOT NULL UNIQUE,
    kind         TEXT NOT NULL,
    format       TEXT NOT NULL,
    source       TEXT,
    body         TEXT NOT NULL,
    entries      INTEGER NOT NULL,
    imported_at  INTEGER NOT NULL
);

CREATE TABLE models (
    name        TEXT PRIMARY KEY,
    body        BLOB NOT NULL,
    metrics     TEXT,
    examples    INTEGER NOT NULL,
    trained_at  INTEGER NOT NULL
);

CREATE TABLE cases (
    id          INTEGER PRIMARY KEY,
    subject     TEXT NOT NULL,
    post_id     INTEGER REFERENCES posts(id),
    account_id  INTEGER REFERENCES accounts(id),
    score       REAL NOT NULL,
    signals     TEXT NOT NULL,
    evidence    TEXT NOT NULL,
    status      TEXT NOT NULL DEFAULT 'open',
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);
CREATE UNIQUE INDEX cases_post ON cases (post_id) WHERE subject = 'post';
CREATE UNIQUE INDEX cases_account ON cases (account_id) WHERE subject = 'account';
CREATE INDEX cases_score ON cases (score DESC);

CREATE TABLE analysis_state (
    id            INTEGER PRIMARY KEY CHECK (id = 1),
    last_post_id  INTEGER NOT NULL,
    settings      TEXT NOT NULL
);
INSERT INTO analysis_state (id, last_post_id, settings) VALUES (1, 0, '');
