-- Vigie store, schema version 8: each case names the kind of violating content its evidence points at most
-- strongly (`category`: glorification, support, recruitment, incitement or distribution; NULL for cases written
-- before this version, until the next analysis). The queue and `vigie cases` filter by it, strongest first.
ALTER TABLE cases ADD COLUMN category TEXT;
CREATE INDEX cases_category_score ON cases (category, score DESC, id);
