-- Vigie store, schema version 1 (PostgreSQL).
-- Times are milliseconds since the Unix epoch, UTC. Child rows of a post are keyed by (post, position) so that
-- re-importing the same input writes nothing new.
CREATE TABLE imports (
    id           BIGSERIAL PRIMARY KEY,
    path         TEXT NOT NULL,
    format       TEXT NOT NULL,
    started_at   BIGINT NOT NULL,
    finished_at  BIGINT,
    status       TEXT NOT NULL,
    accounts     BIGINT NOT NULL DEFAULT 0,
    posts        BIGINT NOT NULL DEFAULT 0,
    media        BIGINT NOT NULL DEFAULT 0,
    quarantined  BIGINT NOT NULL DEFAULT 0,
    error        TEXT
);

CREATE TABLE accounts (
    id            BIGSERIAL PRIMARY KEY,
    platform      TEXT NOT NULL,
    platform_id   TEXT NOT NULL,
    handle        TEXT,
    display_name  TEXT,
    bio           TEXT,
    avatar_url    TEXT,
    created_at    BIGINT,
    followers     BIGINT,
    following     BIGINT,
    post_count    BIGINT,
    state_fp      BIGINT,
    last_seen     BIGINT,
    first_import  BIGINT REFERENCES imports(id),
    UNIQUE (platform, platform_id)
);
CREATE INDEX accounts_handle ON accounts (lower(handle));

CREATE TABLE account_observations (
    account_id    BIGINT NOT NULL REFERENCES accounts(id),
    fingerprint   BIGINT NOT NULL,
    handle        TEXT,
    display_name  TEXT,
    bio           TEXT,
    avatar_url    TEXT,
    created_at    BIGINT,
    followers     BIGINT,
    following     BIGINT,
    post_count    BIGINT,
    first_seen    BIGINT,
    last_seen     BIGINT,
    PRIMARY KEY (account_id, fingerprint)
);

CREATE TABLE posts (
    id               BIGSERIAL PRIMARY KEY,
    platform         TEXT NOT NULL,
    platform_id      TEXT NOT NULL,
    account_id       BIGINT REFERENCES accounts(id),
    text             TEXT,
    lang             TEXT,
    created_at       BIGINT,
    source_file      TEXT,
    source_position  TEXT,
    first_import     BIGINT REFERENCES imports(id),
    UNIQUE (platform, platform_id)
);
CREATE INDEX posts_account ON posts (account_id, created_at);

CREATE TABLE post_refs (
    post_id         BIGINT NOT NULL REFERENCES posts(id),
    position        BIGINT NOT NULL,
    kind            TEXT NOT NULL,
    target_post_id  TEXT,
    target_account  TEXT,
    PRIMARY KEY (post_id, position)
);

CREATE TABLE post_hashtags (
    post_id   BIGINT NOT NULL REFERENCES posts(id),
    position  BIGINT NOT NULL,
    tag       TEXT NOT NULL,
    PRIMARY KEY (post_id, position)
);

CREATE TABLE post_urls (
    post_id   BIGINT NOT NULL REFERENCES posts(id),
    position  BIGINT NOT NULL,
    url       TEXT NOT NULL,
    PRIMARY KEY (post_id, position)
);

CREATE TABLE post_mentions (
    post_id   BIGINT NOT NULL REFERENCES posts(id),
    position  BIGINT NOT NULL,
    handle    TEXT NOT NULL,
    PRIMARY KEY (post_id, position)
);

CREATE TABLE media (
    sha256        TEXT PRIMARY KEY,
    md5           TEXT NOT NULL,
    mime          TEXT NOT NULL,
    byte_size     BIGINT NOT NULL,
    width         BIGINT,
    height        BIGINT,
    first_import  BIGINT REFERENCES imports(id)
);
CREATE INDEX media_md5 ON media (md5);

CREATE TABLE post_media (
    post_id      BIGINT NOT NULL REFERENCES posts(id),
    position     BIGINT NOT NULL,
    kind         TEXT NOT NULL,
    media_key    TEXT,
    url          TEXT,
    source_path  TEXT,
    width        BIGINT,
    height       BIGINT,
    sha256       TEXT REFERENCES media(sha256),
    PRIMARY KEY (post_id, position)
);
CREATE INDEX post_media_sha256 ON post_media (sha256);

CREATE TABLE media_sources (
    sha256  TEXT NOT NULL REFERENCES media(sha256),
    path    TEXT NOT NULL,
    PRIMARY KEY (sha256, path)
);

CREATE TABLE quarantine (
    id         BIGSERIAL PRIMARY KEY,
    file       TEXT NOT NULL,
    position   TEXT NOT NULL,
    reason     TEXT NOT NULL,
    raw        BYTEA NOT NULL,
    import_id  BIGINT REFERENCES imports(id),
    UNIQUE (file, position, reason)
);
