-- Vigie store, schema version 16: the account network, kept up to date as posts are stored.
--
-- Each scan folds the posts stored since the last one (`network_state.position`, the last post id folded) into:
-- the network's accounts (`network_nodes`: stored authors by `platform:id`, and accounts only named by others by
-- `platform:@handle` or `platform:~title`, with what their posts say of them); the direct ties between them
-- (`network_ties`: mentions, replies, quotes, reposts, forwards, announced handles, each counted with its first
-- and last time); who did the same thing (`network_shared`: the accounts that posted a medium, a link or a
-- hashtag, each with the time it first did, from which shared ties are made on reading, leaving out what is
-- popular); references to posts not stored yet (`network_pending`), tied once their post arrives; and the media
-- that are near-duplicates of an earlier one (`network_media`: PDQ within the matching distance), which count as
-- that medium (`media_position`: the last medium looked at).
CREATE TABLE network_nodes (
    id               BIGSERIAL PRIMARY KEY,
    key              TEXT NOT NULL UNIQUE,
    platform         TEXT NOT NULL,
    handle           TEXT,
    display_name     TEXT,
    posts            BIGINT NOT NULL DEFAULT 0,
    text_posts       BIGINT NOT NULL DEFAULT 0,
    reporting_posts  BIGINT NOT NULL DEFAULT 0,
    first_post       BIGINT,
    last_post        BIGINT
);

CREATE TABLE network_ties (
    src       BIGINT NOT NULL REFERENCES network_nodes(id),
    dst       BIGINT NOT NULL REFERENCES network_nodes(id),
    kind      TEXT NOT NULL,
    count     BIGINT NOT NULL,
    first_at  BIGINT,
    last_at   BIGINT,
    PRIMARY KEY (src, dst, kind)
);
CREATE INDEX network_ties_dst ON network_ties (dst);

CREATE TABLE network_shared (
    kind      TEXT NOT NULL,
    what      TEXT NOT NULL,
    node      BIGINT NOT NULL REFERENCES network_nodes(id),
    first_at  BIGINT,
    PRIMARY KEY (kind, what, node)
);
CREATE INDEX network_shared_node ON network_shared (node);

CREATE TABLE network_pending (
    src       BIGINT NOT NULL REFERENCES network_nodes(id),
    platform  TEXT NOT NULL,
    post_id   TEXT NOT NULL,
    kind      TEXT NOT NULL,
    at        BIGINT
);
CREATE INDEX network_pending_post ON network_pending (platform, post_id);

CREATE TABLE network_media (
    sha256   TEXT PRIMARY KEY,
    cluster  TEXT NOT NULL
);

CREATE TABLE network_state (
    id              INTEGER PRIMARY KEY CHECK (id = 1),
    position        BIGINT NOT NULL,
    media_position  BIGINT NOT NULL
);
INSERT INTO network_state (id, position, media_position) VALUES (1, 0, 0);
