-- Vigie store, schema version 14: on SQLite, removed bank entries move to a table of their own, so that a
-- withdrawal of entries spread over a bank appends small rows instead of rewriting nearly every page of the
-- entries' table. PostgreSQL writes a new version of a row on every update whatever the layout, and keeps the
-- removal in the entry's row (`removed_at`): nothing changes here.
SELECT 1;
