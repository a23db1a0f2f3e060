-- Vigie store, schema version 2 (SQLite): a post's references, hashtags, URLs and mentions move into the post's
-- row, as JSON arrays in their original order (NULL when empty). Writing them as four child tables cost a B-tree
-- insert per item, about 2.75 per post on X data, which was the largest part of an import after the post rows
-- themselves. Read them with json_each, for example:
--   SELECT p.platform_id, j.value FROM posts p, json_each(p.hashtags) j WHERE j.value = 'tag'
-- References are arrays of [kind, target post id, target account id].
ALTER TABLE posts ADD COLUMN refs TEXT;
ALTER TABLE posts ADD COLUMN hashtags TEXT;
ALTER TABLE posts ADD COLUMN urls TEXT;
ALTER TABLE posts ADD COLUMN mentions TEXT;

UPDATE posts SET
    refs = (SELECT json_group_array(json_array(kind, target_post_id, target_account))
            FROM (SELECT * FROM post_refs r WHERE r.post_id = posts.id ORDER BY position)),
    hashtags = (SELECT json_group_array(tag)
                FROM (SELECT tag FROM post_hashtags h WHERE h.post_id = posts.id ORDER BY position)),
    urls = (SELECT json_group_array(url)
            FROM (SELECT url FROM post_urls u WHERE u.post_id = posts.id ORDER BY position)),
    mentions = (SELECT json_group_array(handle)
                FROM (SELECT handle FROM post_mentions m WHERE m.post_id = posts.id ORDER BY position));
UPDATE posts SET
    refs = NULLIF(refs, '[]'),
    hashtags = NULLIF(hashtags, '[]'),
    urls = NULLIF(urls, '[]'),
    mentions = NULLIF(mentions, '[]');

DROP TABLE post_refs;
DROP TABLE post_hashtags;
DROP TABLE post_urls;
DROP TABLE post_mentions;
