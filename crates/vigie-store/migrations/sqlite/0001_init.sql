-- Vigie store, schema version 1 (SQLite).
-- Times are milliseconds since the Unix epoch, UTC. Child rows of a post are keyed by (post, position) so that
-- re-importing the same input writes nothing new.
CREATE TABLE imports (
    id           INTEGER PRIMARY KEY,
    path         TEXT NOT NULL,
    format       TEXT NOT NULL,
    started_at   INTEGER NOT NULL,
    finished_at  INTEGER,
    status       TEXT NOT NULL,
    accounts     INTEGER NOT NULL DEFAULT 0,
    posts        INTEGER NOT NULL DEFAULT 0,
    media        INTEGER NOT NULL DEFAULT 0,
    quarantined  INTEGER NOT NULL DEFAULT 0,
    error        TEXT
);

CREATE TABLE accounts (
    id            INTEGER PRIMARY KEY,
    platform      TEXT NOT NULL,
    platform_id   TEXT NOT NULL,
    handle        TEXT,
    display_name  TEXT,
    bio           TEXT,
    avatar_url    TEXT,
    created_at    INTEGER,
    followers     INTEGER,
    following     INTEGER,
    post_count    INTEGER,
    state_fp      INTEGER,
    last_seen     INTEGER,
    first_import  INTEGER REFERENCES imports(id),
    UNIQUE (platform, platform_id)
);
CREATE INDEX accounts_handle ON accounts (lower(handle));

CREATE TABLE account_observations (
    account_id    INTEGER NOT NULL REFERENCES accounts(id),
    fingerprint   INTEGER NOT NULL,
    handle        TEXT,
    display_name  TEXT,
    bio           TEXT,
    avatar_url    TEXT,
    created_at    INTEGER,
    followers     INTEGER,
    following     INTEGER,
    post_count    INTEGER,
    first_seen    INTEGER,
    last_seen     INTEGER,
    PRIMARY KEY (account_id, fingerprint)
) WITHOUT ROWID;

CREATE TABLE posts (
    id               INTEGER PRIMARY KEY,
    platform         TEXT NOT NULL,
    platform_id      TEXT NOT NULL,
    account_id       INTEGER REFERENCES accounts(id),
    text             TEXT,
    lang             TEXT,
    created_at       INTEGER,
    source_file      TEXT,
    source_position  TEXT,
    first_import     INTEGER REFERENCES imports(id),
    UNIQUE (platform, platform_id)
);
CREATE INDEX posts_account ON posts (account_id, created_at);

CREATE TABLE post_refs (
    post_id         INTEGER NOT NULL REFERENCES posts(id),
    position        INTEGER NOT NULL,
    kind            TEXT NOT NULL,
    target_post_id  TEXT,
    target_account  TEXT,
    PRIMARY KEY (post_id, position)
) WITHOUT ROWID;

CREATE TABLE post_hashtags (
    post_id   INTEGER NOT NULL REFERENCES posts(id),
    position  INTEGER NOT NULL,
    tag       TEXT NOT NULL,
    PRIMARY KEY (post_id, position)
) WITHOUT ROWID;

CREATE TABLE post_urls (
    post_id   INTEGER NOT NULL REFERENCES posts(id),
    position  INTEGER NOT NULL,
    url       TEXT NOT NULL,
    PRIMARY KEY (post_id, position)
) WITHOUT ROWID;

CREATE TABLE post_mentions (
    post_id   INTEGER NOT NULL REFERENCES posts(id),
    position  INTEGER NOT NULL,
    handle    TEXT NOT NULL,
    PRIMARY KEY (post_id, position)
) WITHOUT ROWID;

CREATE TABLE media (
    sha256        TEXT PRIMARY KEY,
    md5           TEXT NOT NULL,
    mime          TEXT NOT NULL,
    byte_size     INTEGER NOT NULL,
    width         INTEGER,
    height        INTEGER,
    first_import  INTEGER REFERENCES imports(id)
);
CREATE INDEX media_md5 ON media (md5);

CREATE TABLE post_media (
    post_id      INTEGER NOT NULL REFERENCES posts(id),
    position     INTEGER NOT NULL,
    kind         TEXT NOT NULL,
    media_key    TEXT,
    url          TEXT,
    source_path  TEXT,
    width        INTEGER,
    height       INTEGER,
    sha256       TEXT REFERENCES media(sha256),
    PRIMARY KEY (post_id, position)
) WITHOUT ROWID;
CREATE INDEX post_media_sha256 ON post_media (sha256);

CREATE TABLE media_sources (
    sha256  TEXT NOT NULL REFERENCES media(sha256),
    path    TEXT NOT NULL,
    PRIMARY KEY (sha256, path)
) WITHOUT ROWID;

CREATE TABLE quarantine (
    id         INTEGER PRIMARY KEY,
    file       TEXT NOT NULL,
    position   TEXT NOT NULL,
    reason     TEXT NOT NULL,
    raw        BLOB NOT NULL,
    import_id  INTEGER REFERENCES imports(id),
    UNIQUE (file, position, reason)
);
