#!/usr/bin/env python3
"""The second peer for `vigie scan`: DuckDB's own JSON reader, what an analyst with DuckDB would run.

Reads X API v2 responses (JSONL) with `read_json` and loads tweets (data and includes.tweets) and users into a
DuckDB file with `unnest`, in one transaction. Prints posts/s (tweets of `data`, like the other figures); run
under /usr/bin/time for memory. Needs `pip install duckdb`.
"""
import json
import sys
import time

import duckdb


def main(src, db):
    con = duckdb.connect(db)
    started = time.perf_counter()
    con.execute("BEGIN")
    con.execute(
        f"""
        CREATE TABLE responses AS
        SELECT data, includes FROM read_json('{src}', format = 'newline_delimited', maximum_object_size = 67108864)
        """
    )
    con.execute(
        """
        CREATE TABLE tweets AS
        SELECT t.id, t.author_id, t.created_at, t.lang, t.text,
               to_json(t.entities) AS entities, to_json(t.referenced_tweets) AS refs,
               to_json(t.attachments) AS attachments
        FROM (SELECT unnest(data) AS t FROM responses)
        """
    )
    con.execute(
        """
        INSERT INTO tweets
        SELECT t.id, t.author_id, t.created_at, t.lang, t.text,
               to_json(t.entities), to_json(t.referenced_tweets), to_json(t.attachments)
        FROM (SELECT unnest(includes.tweets) AS t FROM responses WHERE includes.tweets IS NOT NULL)
        """
    )
    con.execute(
        """
        CREATE TABLE users AS
        SELECT DISTINCT ON (u.id) u.id, u.username, u.name, u.description, u.public_metrics.followers_count
        FROM (SELECT unnest(includes.users) AS u FROM responses WHERE includes.users IS NOT NULL)
        """
    )
    con.execute("DROP TABLE responses")
    con.execute("COMMIT")
    seconds = time.perf_counter() - started
    posts = con.execute("SELECT count(DISTINCT id) FROM tweets").fetchone()[0]
    print(json.dumps({"posts_stored": posts, "seconds": seconds, "posts_per_second": posts / seconds}))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
