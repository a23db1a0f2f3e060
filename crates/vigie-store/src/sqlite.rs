//! The SQLite backend: one file, no server. Writes use cached prepared statements inside one transaction
//! per batch (the fastest way to load SQLite measured on these machines).

use crate::migrations::{MIGRATIONS, latest};
use crate::query::{SNAPSHOT_SQL, parse_position, parse_ref_kind};
use crate::{
    AccountQuery, AccountView, Backend, Batch, Blobs, Count, PostQuery, PostView, Snapshot, Stats,
    Store, StoreError,
};
use rusqlite::{Connection, Transaction, TransactionBehavior, params};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use vigie_model::{
    Account, Attachment, Format, ImportCounts, ImportStatus, ImportSummary, MediaKind, Platform,
    Post, PostRef, QuarantinedRecord, Timestamp,
};

/// A store in an SQLite file.
pub(crate) struct SqliteStore {
    conn: Connection,
    path: PathBuf,
    blobs: Blobs,
}

impl SqliteStore {
    pub(crate) fn open(path: &Path, blobs: Blobs) -> Result<SqliteStore, StoreError> {
        let err = |source| StoreError::Sqlite {
            path: path.to_owned(),
            source,
        };
        let mut conn = Connection::open(path).map_err(err)?;
        conn.execute_batch(
            "PRAGMA busy_timeout = 10000; PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
             PRAGMA foreign_keys = ON; PRAGMA cache_size = -65536; PRAGMA temp_store = MEMORY;",
        )
        .map_err(err)?;
        migrate(&mut conn).map_err(|e| match e {
            StoreError::Sqlite { source, .. } => err(source),
            other => other,
        })?;
        Ok(SqliteStore {
            conn,
            path: path.to_owned(),
            blobs,
        })
    }

    fn err(&self) -> impl Fn(rusqlite::Error) -> StoreError + '_ {
        |source| StoreError::Sqlite {
            path: self.path.clone(),
            source,
        }
    }
}

/// Applies pending migrations, each in its own transaction.
///
/// The usual case, a store already up to date, is one read. Otherwise each migration runs in an `IMMEDIATE`
/// transaction that re-reads the version under the write lock, so processes opening a new file at once
/// apply each migration exactly once (a deferred transaction read outside the lock let two of them both
/// apply version 1, and the second failed with "table imports already exists" or "database is locked").
fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    let e = |source| StoreError::Sqlite {
        path: PathBuf::new(),
        source,
    };
    let version = |c: &Connection| {
        c.query_row(
            "SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
            [],
            |r| r.get::<_, i64>(0),
        )
    };
    // A missing table (a new file) or any other failure takes the slow path, which reports real errors.
    if let Ok(current) = version(conn) {
        if current > latest() {
            return Err(StoreError::TooNew {
                found: current,
                supported: latest(),
            });
        }
        if current == latest() {
            return Ok(());
        }
    }
    loop {
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(e)?;
        tx.execute_batch(
            "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)",
        )
        .map_err(e)?;
        let current = version(&tx).map_err(e)?;
        if current > latest() {
            return Err(StoreError::TooNew {
                found: current,
                supported: latest(),
            });
        }
        let Some(m) = MIGRATIONS.iter().find(|m| m.version > current) else {
            return tx.commit().map_err(e);
        };
        tx.execute_batch(m.sqlite).map_err(e)?;
        tx.execute(
            "INSERT INTO schema_migrations (version, applied_at) VALUES (?1, ?2)",
            params![m.version, Timestamp::now().0],
        )
        .map_err(e)?;
        tx.commit().map_err(e)?;
    }
}

fn ts(t: Option<Timestamp>) -> Option<i64> {
    t.map(|t| t.0)
}

fn write_batch(tx: &Transaction<'_>, import_id: i64, batch: &Batch) -> rusqlite::Result<()> {
    let mut account_ids: HashMap<(&str, &str), i64> = HashMap::with_capacity(batch.accounts.len());
    {
        let mut upsert = tx.prepare_cached(
            "INSERT INTO accounts (platform, platform_id, handle, display_name, bio, avatar_url, created_at, followers, \
             following, post_count, state_fp, last_seen, first_import) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13) \
             ON CONFLICT (platform, platform_id) DO UPDATE SET handle = excluded.handle, display_name = excluded.display_name, \
             bio = excluded.bio, avatar_url = excluded.avatar_url, created_at = excluded.created_at, \
             followers = excluded.followers, following = excluded.following, post_count = excluded.post_count, \
             state_fp = excluded.state_fp, last_seen = excluded.last_seen \
             WHERE excluded.state_fp IS NOT NULL AND (accounts.state_fp IS NULL \
               OR COALESCE(excluded.last_seen, -1) > COALESCE(accounts.last_seen, -1) \
               OR (COALESCE(excluded.last_seen, -1) = COALESCE(accounts.last_seen, -1) AND excluded.state_fp > accounts.state_fp))",
        )?;
        let mut lookup =
            tx.prepare_cached("SELECT id FROM accounts WHERE platform = ?1 AND platform_id = ?2")?;
        let mut observe = tx.prepare_cached(
            "INSERT INTO account_observations (account_id, fingerprint, handle, display_name, bio, avatar_url, created_at, \
             followers, following, post_count, first_seen, last_seen) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12) \
             ON CONFLICT (account_id, fingerprint) DO UPDATE SET \
             first_seen = COALESCE(min(account_observations.first_seen, excluded.first_seen), account_observations.first_seen, excluded.first_seen), \
             last_seen = COALESCE(max(account_observations.last_seen, excluded.last_seen), account_observations.last_seen, excluded.last_seen)",
        )?;
        for s in &batch.accounts {
            let a = &s.account;
            upsert.execute(params![
                a.platform.as_str(),
                a.platform_id,
                a.handle,
                a.display_name,
                a.bio,
                a.avatar_url,
                ts(a.created_at),
                a.followers,
                a.following,
                a.post_count,
                s.fingerprint,
                ts(s.last_seen),
                import_id
            ])?;
            let id: i64 =
                lookup.query_row(params![a.platform.as_str(), a.platform_id], |r| r.get(0))?;
            account_ids.insert((a.platform.as_str(), a.platform_id.as_str()), id);
            if let Some(fp) = s.fingerprint {
                observe.execute(params![
                    id,
                    fp,
                    a.handle,
                    a.display_name,
                    a.bio,
                    a.avatar_url,
                    ts(a.created_at),
                    a.followers,
                    a.following,
                    a.post_count,
                    ts(s.first_seen),
                    ts(s.last_seen)
                ])?;
            }
        }
    }
    {
        let mut media = tx.prepare_cached(
            "INSERT INTO media (sha256, md5, mime, byte_size, width, height, first_import) VALUES (?1,?2,?3,?4,?5,?6,?7) \
             ON CONFLICT (sha256) DO NOTHING",
        )?;
        let mut source = tx.prepare_cached(
            "INSERT INTO media_sources (sha256, path) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
        )?;
        for m in &batch.media {
            let x = &m.media;
            media.execute(params![
                x.sha256,
                x.md5,
                x.mime,
                x.byte_size as i64,
                x.width,
                x.height,
                import_id
            ])?;
            if let Some(path) = &m.source_path {
                source.execute(params![x.sha256, path])?;
            }
        }
    }
    {
        let mut post_stmt = tx.prepare_cached(
            "INSERT INTO posts (platform, platform_id, account_id, text, lang, created_at, source_file, source_position, first_import) \
             VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9) ON CONFLICT (platform, platform_id) DO UPDATE SET \
             account_id = COALESCE(posts.account_id, excluded.account_id), text = COALESCE(posts.text, excluded.text), \
             lang = COALESCE(posts.lang, excluded.lang), created_at = COALESCE(posts.created_at, excluded.created_at) \
             RETURNING id",
        )?;
        let mut refs = tx.prepare_cached(
            "INSERT INTO post_refs (post_id, position, kind, target_post_id, target_account) VALUES (?1,?2,?3,?4,?5) ON CONFLICT DO NOTHING",
        )?;
        let mut tags =
            tx.prepare_cached("INSERT INTO post_hashtags (post_id, position, tag) VALUES (?1,?2,?3) ON CONFLICT DO NOTHING")?;
        let mut urls = tx.prepare_cached("INSERT INTO post_urls (post_id, position, url) VALUES (?1,?2,?3) ON CONFLICT DO NOTHING")?;
        let mut mentions =
            tx.prepare_cached("INSERT INTO post_mentions (post_id, position, handle) VALUES (?1,?2,?3) ON CONFLICT DO NOTHING")?;
        let mut attachments = tx.prepare_cached(
            "INSERT INTO post_media (post_id, position, kind, media_key, url, source_path, width, height, sha256) \
             VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9) ON CONFLICT (post_id, position) DO UPDATE SET \
             sha256 = COALESCE(post_media.sha256, excluded.sha256)",
        )?;
        for p in &batch.posts {
            let author = p
                .account_id
                .as_deref()
                .and_then(|a| account_ids.get(&(p.platform.as_str(), a)))
                .copied();
            let (file, position) = match &p.source {
                Some(s) => (Some(s.file.as_str()), Some(s.position.to_string())),
                None => (None, None),
            };
            let id: i64 = post_stmt.query_row(
                params![
                    p.platform.as_str(),
                    p.platform_id,
                    author,
                    p.text,
                    p.lang,
                    ts(p.created_at),
                    file,
                    position,
                    import_id
                ],
                |r| r.get(0),
            )?;
            for (i, r) in p.references.iter().enumerate() {
                refs.execute(params![
                    id,
                    i as i64,
                    r.kind.as_str(),
                    r.target_post_id,
                    r.target_account
                ])?;
            }
            for (i, t) in p.hashtags.iter().enumerate() {
                tags.execute(params![id, i as i64, t])?;
            }
            for (i, u) in p.urls.iter().enumerate() {
                urls.execute(params![id, i as i64, u])?;
            }
            for (i, m) in p.mentions.iter().enumerate() {
                mentions.execute(params![id, i as i64, m])?;
            }
            for (i, a) in p.attachments.iter().enumerate() {
                attachments.execute(params![
                    id,
                    i as i64,
                    a.kind.as_str(),
                    a.media_key,
                    a.url,
                    a.source_path,
                    a.width,
                    a.height,
                    a.sha256
                ])?;
            }
        }
    }
    {
        let mut q = tx.prepare_cached(
            "INSERT INTO quarantine (file, position, reason, raw, import_id) VALUES (?1,?2,?3,?4,?5) ON CONFLICT DO NOTHING",
        )?;
        for r in &batch.quarantine {
            q.execute(params![
                r.file,
                r.position.to_string(),
                r.reason,
                r.raw,
                import_id
            ])?;
        }
    }
    Ok(())
}

fn counts_of(r: &rusqlite::Row<'_>, from: usize) -> rusqlite::Result<ImportCounts> {
    Ok(ImportCounts {
        accounts: r.get::<_, i64>(from)? as u64,
        posts: r.get::<_, i64>(from + 1)? as u64,
        media: r.get::<_, i64>(from + 2)? as u64,
        quarantined: r.get::<_, i64>(from + 3)? as u64,
    })
}

fn counts(conn: &Connection, sql: &str) -> rusqlite::Result<Vec<Count>> {
    let mut stmt = conn.prepare(sql)?;
    let rows = stmt.query_map([], |r| {
        Ok(Count {
            key: r.get(0)?,
            count: r.get(1)?,
        })
    })?;
    rows.collect()
}

fn account_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Account> {
    let mut a = Account::with_id(
        Platform::new(&r.get::<_, String>(0)?),
        r.get::<_, String>(1)?,
    );
    a.handle = r.get(2)?;
    a.display_name = r.get(3)?;
    a.bio = r.get(4)?;
    a.avatar_url = r.get(5)?;
    a.created_at = r.get::<_, Option<i64>>(6)?.map(Timestamp);
    a.followers = r.get(7)?;
    a.following = r.get(8)?;
    a.post_count = r.get(9)?;
    a.observed_at = r.get::<_, Option<i64>>(10)?.map(Timestamp);
    Ok(a)
}

impl Store for SqliteStore {
    fn backend(&self) -> Backend {
        Backend::Sqlite
    }

    fn schema_version(&mut self) -> Result<i64, StoreError> {
        self.conn
            .query_row("SELECT MAX(version) FROM schema_migrations", [], |r| {
                r.get(0)
            })
            .map_err(self.err())
    }

    fn begin_import(&mut self, path: &str, format: Format) -> Result<i64, StoreError> {
        self.conn
            .query_row(
                "INSERT INTO imports (path, format, started_at, status) VALUES (?1, ?2, ?3, 'running') RETURNING id",
                params![path, format.as_str(), Timestamp::now().0],
                |r| r.get(0),
            )
            .map_err(self.err())
    }

    fn write_batch(
        &mut self,
        import_id: i64,
        batch: &Batch,
        c: &ImportCounts,
    ) -> Result<(), StoreError> {
        let path = self.path.clone();
        let err = |source| StoreError::Sqlite {
            path: path.clone(),
            source,
        };
        let tx = self.conn.transaction().map_err(err)?;
        write_batch(&tx, import_id, batch).map_err(err)?;
        tx.execute(
            "UPDATE imports SET accounts = ?2, posts = ?3, media = ?4, quarantined = ?5 WHERE id = ?1",
            params![import_id, c.accounts as i64, c.posts as i64, c.media as i64, c.quarantined as i64],
        )
        .map_err(err)?;
        tx.commit().map_err(err)
    }

    fn finish_import(
        &mut self,
        import_id: i64,
        status: ImportStatus,
        c: &ImportCounts,
        error: Option<&str>,
    ) -> Result<(), StoreError> {
        self.conn
            .execute(
                "UPDATE imports SET finished_at = ?2, status = ?3, accounts = ?4, posts = ?5, media = ?6, quarantined = ?7, \
                 error = ?8 WHERE id = ?1",
                params![
                    import_id,
                    Timestamp::now().0,
                    status.as_str(),
                    c.accounts as i64,
                    c.posts as i64,
                    c.media as i64,
                    c.quarantined as i64,
                    error
                ],
            )
            .map(|_| ())
            .map_err(self.err())
    }

    fn stats(&mut self) -> Result<Stats, StoreError> {
        let c = &self.conn;
        let one = |sql: &str| c.query_row(sql, [], |r| r.get::<_, i64>(0));
        let run = || -> rusqlite::Result<Stats> {
            Ok(Stats {
                accounts: one("SELECT COUNT(*) FROM accounts")?,
                observations: one("SELECT COUNT(*) FROM account_observations")?,
                posts: one("SELECT COUNT(*) FROM posts")?,
                attachments: one("SELECT COUNT(*) FROM post_media")?,
                media: one("SELECT COUNT(*) FROM media")?,
                media_bytes: one("SELECT COALESCE(SUM(byte_size), 0) FROM media")?,
                quarantined: one("SELECT COUNT(*) FROM quarantine")?,
                imports: one("SELECT COUNT(*) FROM imports")?,
                posts_per_platform: counts(
                    c,
                    "SELECT platform, COUNT(*) AS n FROM posts GROUP BY platform ORDER BY n DESC, platform",
                )?,
                accounts_per_platform: counts(
                    c,
                    "SELECT platform, COUNT(*) AS n FROM accounts GROUP BY platform ORDER BY n DESC, platform",
                )?,
                posts_per_language: counts(
                    c,
                    "SELECT COALESCE(lang, 'unknown') AS l, COUNT(*) AS n FROM posts GROUP BY l ORDER BY n DESC, l",
                )?,
            })
        };
        run().map_err(self.err())
    }

    fn accounts(&mut self, q: &AccountQuery) -> Result<Vec<AccountView>, StoreError> {
        let search = q
            .search
            .as_ref()
            .map(|s| format!("%{}%", s.trim_start_matches('@').to_ascii_lowercase()));
        let mut stmt = self
            .conn
            .prepare(
                "SELECT a.platform, a.platform_id, a.handle, a.display_name, a.bio, a.avatar_url, a.created_at, a.followers, \
                 a.following, a.post_count, a.last_seen, \
                 (SELECT COUNT(*) FROM posts p WHERE p.account_id = a.id), \
                 (SELECT COUNT(*) FROM account_observations o WHERE o.account_id = a.id) \
                 FROM accounts a WHERE (?1 IS NULL OR a.platform = ?1) \
                 AND (?2 IS NULL OR lower(COALESCE(a.handle, '')) LIKE ?2 OR lower(a.platform_id) LIKE ?2 \
                      OR lower(COALESCE(a.display_name, '')) LIKE ?2) \
                 ORDER BY 12 DESC, a.platform, a.platform_id LIMIT ?3",
            )
            .map_err(self.err())?;
        let rows = stmt
            .query_map(params![q.platform, search, q.limit as i64], |r| {
                Ok(AccountView {
                    account: account_from_row(r)?,
                    posts: r.get(11)?,
                    observations: r.get(12)?,
                })
            })
            .and_then(|rows| rows.collect::<rusqlite::Result<Vec<_>>>());
        drop(stmt);
        rows.map_err(self.err())
    }

    fn observations(
        &mut self,
        platform: &str,
        platform_id: &str,
    ) -> Result<Vec<Account>, StoreError> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT a.platform, a.platform_id, o.handle, o.display_name, o.bio, o.avatar_url, o.created_at, o.followers, \
                 o.following, o.post_count, o.first_seen FROM account_observations o JOIN accounts a ON a.id = o.account_id \
                 WHERE a.platform = ?1 AND a.platform_id = ?2 ORDER BY o.first_seen, o.fingerprint",
            )
            .map_err(self.err())?;
        let rows = stmt
            .query_map(params![platform, platform_id], account_from_row)
            .and_then(|rows| rows.collect::<rusqlite::Result<Vec<_>>>());
        drop(stmt);
        rows.map_err(self.err())
    }

    fn posts(&mut self, q: &PostQuery) -> Result<Vec<PostView>, StoreError> {
        let account = q
            .account
            .as_ref()
            .map(|a| a.trim_start_matches('@').to_ascii_lowercase());
        let run = |c: &Connection| -> rusqlite::Result<Vec<PostView>> {
            let mut stmt = c.prepare(
                "SELECT p.id, p.platform, p.platform_id, a.platform_id, p.text, p.lang, p.created_at, p.source_file, \
                 p.source_position, a.handle, a.display_name FROM posts p LEFT JOIN accounts a ON a.id = p.account_id \
                 WHERE (?1 IS NULL OR lower(a.handle) = ?1 OR lower(a.platform_id) = ?1) AND (?2 IS NULL OR p.platform = ?2) \
                 ORDER BY p.created_at DESC, p.id DESC LIMIT ?3",
            )?;
            let mut views = Vec::new();
            let mut ids = Vec::new();
            let mut rows = stmt.query(params![account, q.platform, q.limit as i64])?;
            while let Some(r) = rows.next()? {
                ids.push(r.get::<_, i64>(0)?);
                let mut post = Post::with_id(
                    Platform::new(&r.get::<_, String>(1)?),
                    r.get::<_, String>(2)?,
                );
                post.account_id = r.get(3)?;
                post.text = r.get(4)?;
                post.lang = r.get(5)?;
                post.created_at = r.get::<_, Option<i64>>(6)?.map(Timestamp);
                if let (Some(file), Some(pos)) = (
                    r.get::<_, Option<String>>(7)?,
                    r.get::<_, Option<String>>(8)?,
                ) {
                    post.source = Some(vigie_model::Source {
                        file,
                        position: parse_position(&pos),
                    });
                }
                views.push(PostView {
                    post,
                    handle: r.get(9)?,
                    display_name: r.get(10)?,
                });
            }
            for (id, view) in ids.iter().zip(views.iter_mut()) {
                fill_children(c, *id, &mut view.post)?;
            }
            Ok(views)
        };
        run(&self.conn).map_err(self.err())
    }

    fn quarantined(&mut self, limit: usize) -> Result<Vec<QuarantinedRecord>, StoreError> {
        let mut stmt = self
            .conn
            .prepare("SELECT file, position, reason, raw FROM quarantine ORDER BY id LIMIT ?1")
            .map_err(self.err())?;
        let rows = stmt
            .query_map(params![limit as i64], |r| {
                Ok(QuarantinedRecord {
                    file: r.get(0)?,
                    position: parse_position(&r.get::<_, String>(1)?),
                    reason: r.get(2)?,
                    raw: r.get(3)?,
                })
            })
            .and_then(|rows| rows.collect::<rusqlite::Result<Vec<_>>>());
        drop(stmt);
        rows.map_err(self.err())
    }

    fn imports(&mut self, limit: usize) -> Result<Vec<ImportSummary>, StoreError> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT id, path, format, started_at, finished_at, status, accounts, posts, media, quarantined, error \
                 FROM imports ORDER BY id DESC LIMIT ?1",
            )
            .map_err(self.err())?;
        let rows = stmt
            .query_map(params![limit as i64], |r| {
                let format: String = r.get(2)?;
                Ok(ImportSummary {
                    id: r.get(0)?,
                    path: r.get(1)?,
                    format: Format::parse(&format).unwrap_or(Format::Jsonl),
                    started_at: Timestamp(r.get(3)?),
                    finished_at: r.get::<_, Option<i64>>(4)?.map(Timestamp),
                    status: ImportStatus::parse(&r.get::<_, String>(5)?),
                    counts: counts_of(r, 6)?,
                    error: r.get(10)?,
                })
            })
            .and_then(|rows| rows.collect::<rusqlite::Result<Vec<_>>>());
        drop(stmt);
        rows.map_err(self.err())
    }

    fn snapshot(&mut self) -> Result<Snapshot, StoreError> {
        let mut snapshot = Snapshot::default();
        for (table, sql) in SNAPSHOT_SQL {
            let mut stmt = self.conn.prepare(sql).map_err(self.err())?;
            let rows = stmt
                .query_map([], |r| r.get::<_, String>(0))
                .and_then(|rows| rows.collect::<rusqlite::Result<Vec<_>>>());
            drop(stmt);
            let mut rows = rows.map_err(self.err())?;
            rows.sort();
            snapshot.tables.push(((*table).to_owned(), rows));
        }
        Ok(snapshot)
    }

    fn blobs(&self) -> &Blobs {
        &self.blobs
    }
}

fn fill_children(c: &Connection, id: i64, post: &mut Post) -> rusqlite::Result<()> {
    let mut refs = c.prepare_cached(
        "SELECT kind, target_post_id, target_account FROM post_refs WHERE post_id = ?1 ORDER BY position",
    )?;
    post.references = refs
        .query_map([id], |r| {
            Ok(PostRef {
                kind: parse_ref_kind(&r.get::<_, String>(0)?),
                target_post_id: r.get(1)?,
                target_account: r.get(2)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    let strings = |sql: &str| -> rusqlite::Result<Vec<String>> {
        let mut stmt = c.prepare_cached(sql)?;
        let rows = stmt.query_map([id], |r| r.get(0))?;
        rows.collect()
    };
    post.hashtags = strings("SELECT tag FROM post_hashtags WHERE post_id = ?1 ORDER BY position")?;
    post.urls = strings("SELECT url FROM post_urls WHERE post_id = ?1 ORDER BY position")?;
    post.mentions =
        strings("SELECT handle FROM post_mentions WHERE post_id = ?1 ORDER BY position")?;
    let mut media = c.prepare_cached(
        "SELECT kind, media_key, url, source_path, width, height, sha256 FROM post_media WHERE post_id = ?1 ORDER BY position",
    )?;
    post.attachments = media
        .query_map([id], |r| {
            let mut a = Attachment::new(MediaKind::parse(&r.get::<_, String>(0)?));
            a.media_key = r.get(1)?;
            a.url = r.get(2)?;
            a.source_path = r.get(3)?;
            a.width = r.get(4)?;
            a.height = r.get(5)?;
            a.sha256 = r.get(6)?;
            Ok(a)
        })?
        .collect::<rusqlite::Result<_>>()?;
    Ok(())
}
