-- Vigie store, schema version 2 (PostgreSQL). SQLite moved a post's references, hashtags, URLs and mentions into
-- the post's row in this version; PostgreSQL keeps them as child tables, which its bulk upserts write cheaply.
-- Both backends share version numbers, so this version only documents the tables.
COMMENT ON TABLE post_refs IS 'References of a post (reply, quote, repost, forward), by position.';
COMMENT ON TABLE post_hashtags IS 'Hashtags of a post, by position, without the #.';
COMMENT ON TABLE post_urls IS 'URLs of a post, by position, expanded where the source gives it.';
COMMENT ON TABLE post_mentions IS 'Handles mentioned in a post, by position, without the @.';
