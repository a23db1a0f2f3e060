#!/usr/bin/env python3
"""The peer for `vigie-bench ingest`: what an analyst would write instead.

Reads X API v2 responses (JSONL) with Python's json module and loads tweets and users into SQLite with
executemany in batched transactions (10,000 posts each). Prints posts/s; run under /usr/bin/time for memory.
"""
import json
import sqlite3
import sys
import time


def main(src, db):
    con = sqlite3.connect(db)
    con.executescript(
        """
        PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;
        CREATE TABLE IF NOT EXISTS users (id TEXT PRIMARY KEY, username TEXT, name TEXT, description TEXT,
            followers INTEGER);
        CREATE TABLE IF NOT EXISTS tweets (id TEXT PRIMARY KEY, author_id TEXT, created_at TEXT, lang TEXT,
            text TEXT, hashtags TEXT, urls TEXT, mentions TEXT, refs TEXT, media_keys TEXT);
        """
    )
    started = time.perf_counter()
    tweets, users, n = [], [], 0
    def flush():
        con.executemany("INSERT OR REPLACE INTO users VALUES (?,?,?,?,?)", users)
        con.executemany("INSERT OR IGNORE INTO tweets VALUES (?,?,?,?,?,?,?,?,?,?)", tweets)
        con.commit()
        users.clear()
        tweets.clear()
    with open(src, "rb") as f:
        for line in f:
            r = json.loads(line)
            data = r.get("data") or []
            inc = r.get("includes") or {}
            for u in inc.get("users", []):
                m = u.get("public_metrics") or {}
                users.append((u["id"], u.get("username"), u.get("name"), u.get("description"), m.get("followers_count")))
            for t in data + inc.get("tweets", []):
                e = t.get("entities") or {}
                tweets.append((
                    t["id"], t.get("author_id"), t.get("created_at"), t.get("lang"), t.get("text"),
                    json.dumps([h["tag"] for h in e.get("hashtags", [])]),
                    json.dumps([u.get("expanded_url") or u.get("url") for u in e.get("urls", [])]),
                    json.dumps([m["username"] for m in e.get("mentions", [])]),
                    json.dumps(t.get("referenced_tweets", [])),
                    json.dumps((t.get("attachments") or {}).get("media_keys", [])),
                ))
            n += len(data)
            if len(tweets) >= 10_000:
                flush()
    flush()
    seconds = time.perf_counter() - started
    stored = con.execute("SELECT count(*) FROM tweets").fetchone()[0]
    print(json.dumps({"posts_stored": stored, "seconds": seconds, "posts_per_second": stored / seconds}))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
