-- Vigie store, schema version 17: the network's ties also kept packed for reading the whole network at once.
--
-- `network_ties` stays the record (a row per tie, updated in place by each scan). `network_tie_packs` holds the
-- same ties as one blob per 1,024 source accounts (by row id: pack = src / 1024), written from the rows; a pack
-- whose ties changed since is listed in `network_tie_dirty` and read from the rows until it is packed again.
CREATE TABLE network_tie_packs (
    pack  BIGINT PRIMARY KEY,
    ties  BIGINT NOT NULL,
    data  BYTEA NOT NULL
);

CREATE TABLE network_tie_dirty (
    pack  BIGINT PRIMARY KEY
);

INSERT INTO network_tie_dirty (pack) SELECT DISTINCT src / 1024 FROM network_ties;
