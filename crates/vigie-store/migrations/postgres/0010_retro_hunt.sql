-- Vigie store, schema version 10: what hunting through stored media needs.
--
-- `media.pdq_variants` holds the PDQ hashes of an image's seven other dihedral variants (7 x 64 hex digits), so
-- that a hash list imported later finds a stored image in any orientation without decoding it again.
-- `media.id` numbers the media in the order they were stored: the index of stored media follows it.
--
-- `hunt_state` holds one row: the bank-entry change sequence up to which every change has been matched against
-- the stored media, and the banks' settings as they were then (JSON), so that a bank enabled, disabled,
-- widened or narrowed since is hunted again.
ALTER TABLE media ADD COLUMN pdq_variants TEXT;
ALTER TABLE media ADD COLUMN id BIGSERIAL;
CREATE UNIQUE INDEX media_id ON media (id);

CREATE TABLE hunt_state (
    id     BIGINT PRIMARY KEY CHECK (id = 1),
    seq    BIGINT NOT NULL,
    banks  TEXT NOT NULL
);

CREATE INDEX media_matches_suppressed_by ON media_matches (suppressed_by) WHERE suppressed_by IS NOT NULL;

-- An allow bank's scope: the block banks whose matches its entries suppress (a JSON array of names), or NULL
-- for every block bank.
ALTER TABLE banks ADD COLUMN suppresses TEXT;
