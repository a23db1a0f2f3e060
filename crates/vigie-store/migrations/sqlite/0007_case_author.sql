-- Vigie store, schema version 7: each case names the account it is about (`author_id`): the account itself for
-- an account case, the post's author for a post case. With `cases_author_score`, "this account's cases,
-- strongest first" (the case page, the API's account filter) reads a few index entries instead of joining
-- every post of the account to its case and sorting them.
ALTER TABLE cases ADD COLUMN author_id INTEGER REFERENCES accounts(id);
UPDATE cases SET author_id = account_id WHERE subject = 'account';
UPDATE cases SET author_id = (SELECT p.account_id FROM posts p WHERE p.id = cases.post_id) WHERE subject = 'post';
CREATE INDEX cases_author_score ON cases (author_id, score DESC, id);
