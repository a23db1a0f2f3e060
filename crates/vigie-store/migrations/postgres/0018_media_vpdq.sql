-- Vigie store, schema version 18: the vPDQ hash of each stored video.
--
-- One row per video medium (by its SHA-256): what the container says of it and its sampled frames in the vPDQ
-- reference's layout (`frame,quality,hash,seconds` lines), as `vigie hash --output vpdq` prints them.
CREATE TABLE media_vpdq (
    sha256      TEXT PRIMARY KEY,
    codec       TEXT NOT NULL,
    width       BIGINT NOT NULL,
    height      BIGINT NOT NULL,
    frame_rate  DOUBLE PRECISION NOT NULL,
    seconds     DOUBLE PRECISION,
    frame_count BIGINT NOT NULL,
    frames      TEXT NOT NULL
);
