-- Vigie store, schema version 15: a post's public address as its export gave it (generic exports' `url`), from
-- which the permalinks of platforms whose addresses cannot be made from ids are taken.
ALTER TABLE posts ADD COLUMN url TEXT;
