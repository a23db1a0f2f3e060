//! The SQLite backend: one file, no server. Writes use cached prepared statements inside one transaction
//! per batch (the fastest way to load SQLite measured on these machines).

use crate::batch::identity_key;
use crate::migrations::{MIGRATIONS, latest};
use crate::query::{SNAPSHOT_SQL, parse_position, parse_ref_kind};
use crate::rows::account_of;
use crate::{
    AccountQuery, AccountView, Backend, Batch, Blobs, Count, PostQuery, PostView, Snapshot, Stats,
    Store, StoreError,
};
use foldhash::HashMap;
use rusqlite::{Connection, OptionalExtension, ToSql, TransactionBehavior, params};
use std::path::{Path, PathBuf};
use vigie_model::{
    Account, Attachment, Format, ImportCounts, ImportStatus, ImportSummary, MediaKind, Platform,
    Post, PostRef, QuarantinedRecord, Timestamp,
};

mod banks;
mod cases;
mod network;
mod read;
mod review;
mod tx;
mod write;

use read::*;
use write::*;

pub(crate) use tx::Lite;

/// Turns a SQLite error into a store error naming the file.
pub(crate) trait At<T> {
    fn at(self, path: &Path) -> Result<T, StoreError>;
}

impl<T> At<T> for rusqlite::Result<T> {
    fn at(self, path: &Path) -> Result<T, StoreError> {
        self.map_err(|source| StoreError::Sqlite {
            path: path.to_owned(),
            source,
        })
    }
}

/// A store in an SQLite file.
pub(crate) struct SqliteStore {
    pub(crate) conn: Connection,
    pub(crate) path: PathBuf,
    blobs: Blobs,
    cache: WriteCache,
    /// Posts written in the open write transaction, if one is open. Batches bound memory; transactions
    /// span several batches (up to [`COMMIT_POSTS`] posts), because every page a transaction dirties is
    /// written to the WAL once per commit, and index pages touched at random (posts by account) would
    /// otherwise be rewritten for every small batch.
    open_posts: Option<usize>,
}

/// The posts-by-account index, touched at random by every insert. An import into an empty store builds it
/// once at the end instead (sorting is far cheaper than a million random inserts); opening a store creates it
/// if a killed import left it missing.
const DEFERRED_INDEX: &str =
    "CREATE INDEX IF NOT EXISTS posts_account ON posts (account_id, created_at)";

/// Why the folder of the database at `path` cannot be written, if it cannot: SQLite writes the database and its
/// `-wal` and `-shm` files there.
fn unwritable(path: &Path) -> Option<String> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    match tempfile::NamedTempFile::new_in(dir) {
        Ok(_) => None,
        Err(e) if e.kind() == std::io::ErrorKind::ReadOnlyFilesystem => {
            Some(format!("{} is on a read-only file system", dir.display()))
        }
        Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => {
            Some(format!("{} may not be written by this user", dir.display()))
        }
        Err(_) => None,
    }
}

/// Posts per transaction. A scan killed mid-transaction loses at most this many posts' writes, which the
/// next scan of the same files redoes.
const COMMIT_POSTS: usize = 50_000;

impl SqliteStore {
    /// Opens the store; when that fails because its folder cannot be written (a read-only file system, a
    /// folder without write permission), the error says so rather than SQLite's "unable to open database file".
    pub(crate) fn open(path: &Path, blobs: Blobs) -> Result<SqliteStore, StoreError> {
        SqliteStore::open_writable(path, blobs).map_err(|e| match unwritable(path) {
            Some(reason) => StoreError::ReadOnly {
                path: path.to_owned(),
                reason,
            },
            None => e,
        })
    }

    fn open_writable(path: &Path, blobs: Blobs) -> Result<SqliteStore, StoreError> {
        let err = |source| StoreError::Sqlite {
            path: path.to_owned(),
            source,
        };
        let mut conn = Connection::open(path).map_err(err)?;
        // Room for the multi-row insert statements of every child table, in both conflict variants.
        conn.set_prepared_statement_cache_capacity(64);

        // A new file gets 16 KiB pages (ignored on an existing one): fewer, fuller B-tree pages and a quarter
        // of the WAL frames of the 4 KiB default for the same rows.
        conn.execute_batch("PRAGMA busy_timeout = 10000; PRAGMA page_size = 16384;")
            .map_err(err)?;
        // Switching a new file to WAL needs an exclusive lock and does not wait on the busy handler: when
        // several processes open a new store at once, the losers retry for a while.
        let mut tries = 0;
        loop {
            match conn.execute_batch("PRAGMA journal_mode = WAL;") {
                Ok(()) => break,
                Err(e)
                    if tries < 200
                        && e.sqlite_error_code() == Some(rusqlite::ErrorCode::DatabaseBusy) =>
                {
                    tries += 1;
                    std::thread::sleep(std::time::Duration::from_millis(10));
                }
                Err(e) => return Err(err(e)),
            }
        }
        conn.execute_batch(
            "PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = OFF; PRAGMA cache_size = -65536; \
             PRAGMA temp_store = MEMORY; PRAGMA wal_autocheckpoint = 30000;",
        )
        .map_err(err)?;
        migrate(&mut conn).map_err(|e| match e {
            StoreError::Sqlite { source, .. } => err(source),
            other => other,
        })?;
        // A bulk import killed before its end leaves the deferred index missing; put it back. Checked with a
        // read first, and rebuilt under an immediate write lock, so that stores opened at the same moment by
        // several processes wait for each other instead of failing to upgrade a read lock.
        let present: bool = conn
            .query_row(
                "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = 'posts_account')",
                [],
                |r| r.get(0),
            )
            .map_err(err)?;
        if !present {
            conn.execute_batch(&format!("BEGIN IMMEDIATE; {DEFERRED_INDEX}; COMMIT"))
                .map_err(err)?;
        }
        Ok(SqliteStore {
            conn,
            path: path.to_owned(),
            blobs,
            cache: WriteCache::default(),
            open_posts: None,
        })
    }

    /// Writes deferred observation ranges and commits the open write transaction, if any.
    pub(crate) fn flush_pending(&mut self) -> Result<(), StoreError> {
        if self.cache.dirty_observations == 0 && self.open_posts.is_none() {
            return Ok(());
        }
        let path = self.path.clone();
        let err = |source| StoreError::Sqlite {
            path: path.clone(),
            source,
        };
        if self.open_posts.is_none() {
            self.conn.execute_batch("BEGIN IMMEDIATE").map_err(err)?;
            self.open_posts = Some(0);
        }
        if let Err(e) = flush_observations(&self.conn, &mut self.cache) {
            let _ = self.conn.execute_batch("ROLLBACK");
            self.open_posts = None;
            self.cache = WriteCache::default();
            return Err(err(e));
        }
        self.commit()
    }

    /// Commits the open write transaction.
    fn commit(&mut self) -> Result<(), StoreError> {
        if self.open_posts.take().is_some()
            && let Err(e) = self.conn.execute_batch("COMMIT")
        {
            let _ = self.conn.execute_batch("ROLLBACK");
            self.cache = WriteCache::default();
            return Err(StoreError::Sqlite {
                path: self.path.clone(),
                source: e,
            });
        }
        Ok(())
    }

    /// Runs `f` in an `IMMEDIATE` write transaction, committed when it returns `Ok` and rolled back otherwise.
    pub(crate) fn write<T>(
        &mut self,
        f: impl FnOnce(&mut Lite<'_>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        self.flush_pending()?;
        let path = self.path.clone();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .at(&path)?;
        let out = f(&mut Lite {
            conn: &tx,
            path: &path,
        })?;
        tx.commit().at(&path)?;
        Ok(out)
    }

    pub(crate) fn err(&self) -> impl Fn(rusqlite::Error) -> StoreError + '_ {
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

impl Drop for SqliteStore {
    fn drop(&mut self) {
        if let Err(e) = self.flush_pending() {
            tracing::warn!("could not write deferred account observations: {e}");
        }
    }
}

impl Store for SqliteStore {
    fn backend(&self) -> Backend {
        Backend::Sqlite
    }

    fn serve_reads(&mut self) -> Result<(), StoreError> {
        self.flush_pending()?;
        self.conn
            .set_db_config(
                rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG,
                true,
            )
            .map(|_| ())
            .map_err(self.err())
    }

    fn schema_version(&mut self) -> Result<i64, StoreError> {
        self.conn
            .query_row("SELECT MAX(version) FROM schema_migrations", [], |r| {
                r.get(0)
            })
            .map_err(self.err())
    }

    fn begin_import(&mut self, path: &str, format: Format) -> Result<i64, StoreError> {
        self.flush_pending()?;
        let empty: bool = self
            .conn
            .query_row("SELECT NOT EXISTS (SELECT 1 FROM posts)", [], |r| r.get(0))
            .map_err(self.err())?;
        if empty {
            self.conn
                .execute_batch("DROP INDEX IF EXISTS posts_account")
                .map_err(self.err())?;
        }
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
        if self.open_posts.is_none() {
            self.conn.execute_batch("BEGIN IMMEDIATE").map_err(err)?;
            self.open_posts = Some(0);
        }
        let result = write_batch(&self.conn, import_id, batch, &mut self.cache).and_then(|()| {
            self.conn.execute(
                "UPDATE imports SET accounts = ?2, posts = ?3, media = ?4, quarantined = ?5 WHERE id = ?1",
                params![import_id, c.accounts as i64, c.posts as i64, c.media as i64, c.quarantined as i64],
            )
        });
        match result {
            Ok(_) => {
                let written = self.open_posts.unwrap_or(0) + batch.posts.len();
                self.open_posts = Some(written);
                if written >= COMMIT_POSTS {
                    self.commit()?;
                }
                Ok(())
            }
            Err(e) => {
                // Roll back everything since the last commit: ids cached meanwhile may name rows that no
                // longer exist, so the caches go too.
                let _ = self.conn.execute_batch("ROLLBACK");
                self.open_posts = None;
                self.cache = WriteCache::default();
                Err(err(e))
            }
        }
    }

    fn finish_import(
        &mut self,
        import_id: i64,
        status: ImportStatus,
        c: &ImportCounts,
        error: Option<&str>,
    ) -> Result<(), StoreError> {
        self.flush_pending()?;
        self.conn
            .execute_batch(DEFERRED_INDEX)
            .map_err(self.err())?;
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
        self.flush_pending()?;
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
        self.flush_pending()?;
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
                    account: account_of(r)?,
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
        self.flush_pending()?;
        let mut stmt = self
            .conn
            .prepare(
                "SELECT a.platform, a.platform_id, o.handle, o.display_name, o.bio, o.avatar_url, o.created_at, o.followers, \
                 o.following, o.post_count, o.first_seen FROM account_observations o JOIN accounts a ON a.id = o.account_id \
                 WHERE a.platform = ?1 AND a.platform_id = ?2 ORDER BY o.first_seen, o.fingerprint",
            )
            .map_err(self.err())?;
        let rows = stmt
            .query_map(params![platform, platform_id], |r| account_of(r))
            .and_then(|rows| rows.collect::<rusqlite::Result<Vec<_>>>());
        drop(stmt);
        rows.map_err(self.err())
    }

    fn posts_page(
        &mut self,
        after: i64,
        limit: usize,
    ) -> Result<Vec<crate::cases::PostRow>, StoreError> {
        self.flush_pending()?;
        read_posts(
            &self.conn,
            "WHERE p.id > ?1 ORDER BY p.id LIMIT ?2",
            params![after, i64::try_from(limit).unwrap_or(i64::MAX)],
        )
        .map_err(self.err())
    }

    fn posts(&mut self, q: &PostQuery) -> Result<Vec<PostView>, StoreError> {
        self.flush_pending()?;
        let account = q
            .account
            .as_ref()
            .map(|a| a.trim_start_matches('@').to_ascii_lowercase());
        if let Some(id) = &q.post_id {
            return read_posts(
                &self.conn,
                // With the platform, the (platform, platform_id) key finds the post directly.
                if q.platform.is_some() {
                    "WHERE p.platform = ?2 AND p.platform_id = ?1 ORDER BY p.id DESC LIMIT ?3"
                } else {
                    "WHERE p.platform_id = ?1 AND ?2 IS NULL ORDER BY p.created_at DESC, p.id DESC LIMIT ?3"
                },
                params![id, q.platform, q.limit as i64],
            )
            .map(|rows| rows.into_iter().map(|r| r.view).collect())
            .map_err(self.err());
        }
        read_posts(
            &self.conn,
            "WHERE (?1 IS NULL OR lower(a.handle) = ?1 OR lower(a.platform_id) = ?1) AND (?2 IS NULL OR p.platform = ?2) \
             ORDER BY p.created_at DESC, p.id DESC LIMIT ?3",
            params![account, q.platform, q.limit as i64],
        )
        .map(|rows| rows.into_iter().map(|r| r.view).collect())
        .map_err(self.err())
    }

    fn quarantined(&mut self, limit: usize) -> Result<Vec<QuarantinedRecord>, StoreError> {
        self.flush_pending()?;
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
        self.flush_pending()?;
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

    fn check(&mut self) -> Result<Vec<String>, StoreError> {
        self.flush_pending()?;
        let run = |c: &Connection| -> rusqlite::Result<Vec<String>> {
            let mut problems = Vec::new();
            let mut quick = c.prepare("PRAGMA quick_check")?;
            for row in quick.query_map([], |r| r.get::<_, String>(0))? {
                let row = row?;
                if row != "ok" {
                    problems.push(format!("quick_check: {row}"));
                }
            }
            // Foreign keys are declared but not enforced on insert (the store is their only writer and the
            // checks cost a quarter of the load time); this verifies them all.
            let mut fk = c.prepare("PRAGMA foreign_key_check")?;
            let rows = fk.query_map([], |r| {
                Ok(format!(
                    "foreign key: {} row {} refers to a missing {} row",
                    r.get::<_, String>(0)?,
                    r.get::<_, Option<i64>>(1)?
                        .map(|n| n.to_string())
                        .unwrap_or_else(|| "?".into()),
                    r.get::<_, String>(2)?
                ))
            })?;
            for row in rows {
                problems.push(row?);
            }
            Ok(problems)
        };
        run(&self.conn).map_err(self.err())
    }

    fn snapshot(&mut self) -> Result<Snapshot, StoreError> {
        self.flush_pending()?;
        let mut snapshot = Snapshot::default();
        for (table, shared) in SNAPSHOT_SQL {
            let sql = LIST_SNAPSHOT_SQL
                .iter()
                .find(|(t, _)| t == table)
                .map_or(*shared, |(_, own)| *own);
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_reports_rows_whose_references_are_missing() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let blobs = Blobs::open(&dir.path().join("media")).unwrap_or_else(|e| panic!("{e}"));
        let mut store =
            SqliteStore::open(&dir.path().join("t.db"), blobs).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(store.check().ok(), Some(Vec::new()));
        store
            .conn
            .execute(
                "INSERT INTO post_media (post_id, position, kind) VALUES (42, 0, 'photo')",
                [],
            )
            .unwrap_or_else(|e| panic!("{e}"));
        let problems = store.check().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(
            problems[0].contains("post_media") && problems[0].contains("posts"),
            "{problems:?}"
        );
    }

    #[test]
    fn version_2_moves_child_rows_into_the_post_row_in_order() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let path = dir.path().join("v1.db");
        {
            let c = Connection::open(&path).unwrap_or_else(|e| panic!("{e}"));
            c.execute_batch(MIGRATIONS[0].sqlite)
                .unwrap_or_else(|e| panic!("{e}"));
            c.execute_batch(
                "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL);
                 INSERT INTO schema_migrations VALUES (1, 0);
                 INSERT INTO posts (id, platform, platform_id, text) VALUES (1, 'x', '10', 'a'), (2, 'x', '11', 'b');
                 INSERT INTO post_hashtags VALUES (1, 1, 'second'), (1, 0, 'first');
                 INSERT INTO post_urls VALUES (1, 0, 'https://example.org/\"q');
                 INSERT INTO post_mentions VALUES (2, 0, 'someone');
                 INSERT INTO post_refs VALUES (1, 0, 'quoted', '9', NULL), (1, 1, 'replied_to', NULL, '7');",
            )
            .unwrap_or_else(|e| panic!("{e}"));
        }
        let blobs = Blobs::open(&dir.path().join("media")).unwrap_or_else(|e| panic!("{e}"));
        let mut store = SqliteStore::open(&path, blobs).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            store.schema_version().ok(),
            Some(crate::migrations::latest())
        );
        let posts = store
            .posts(&PostQuery {
                limit: 10,
                ..PostQuery::default()
            })
            .unwrap_or_else(|e| panic!("{e}"));
        let by_id = |id: &str| -> &Post {
            &posts
                .iter()
                .find(|v| v.post.platform_id == id)
                .unwrap_or_else(|| panic!("post {id} missing"))
                .post
        };
        let first = by_id("10");
        assert_eq!(first.hashtags, ["first", "second"]);
        assert_eq!(first.urls, ["https://example.org/\"q"]);
        assert!(first.mentions.is_empty());
        assert_eq!(first.references.len(), 2);
        assert_eq!(first.references[0].target_post_id.as_deref(), Some("9"));
        assert_eq!(first.references[1].target_account.as_deref(), Some("7"));
        assert_eq!(by_id("11").mentions, ["someone"]);
        assert!(by_id("11").hashtags.is_empty());
        // Empty lists are NULL, not "[]", and the child tables are gone.
        let empty: i64 = store
            .conn
            .query_row(
                "SELECT count(*) FROM posts WHERE hashtags = '[]' OR urls IS NOT NULL AND id = 2",
                [],
                |r| r.get(0),
            )
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(empty, 0);
        let left: i64 = store
            .conn
            .query_row("SELECT count(*) FROM sqlite_master WHERE name LIKE 'post\\_%' ESCAPE '\\' AND name <> 'post_media' AND name NOT LIKE 'post_media%'", [], |r| r.get(0))
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(left, 0);
        assert_eq!(store.check().ok(), Some(Vec::new()));
    }

    #[test]
    fn an_import_into_an_empty_store_defers_the_account_index_and_rebuilds_it() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let blobs = Blobs::open(&dir.path().join("media")).unwrap_or_else(|e| panic!("{e}"));
        let mut store =
            SqliteStore::open(&dir.path().join("t.db"), blobs).unwrap_or_else(|e| panic!("{e}"));
        let has_index = |s: &SqliteStore| -> bool {
            s.conn
                .query_row(
                    "SELECT count(*) FROM sqlite_master WHERE name = 'posts_account'",
                    [],
                    |r| r.get::<_, i64>(0),
                )
                .map(|n| n == 1)
                .unwrap_or(false)
        };
        assert!(has_index(&store));
        let id = store
            .begin_import("f", Format::Jsonl)
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(
            !has_index(&store),
            "an import into an empty store builds the index at its end"
        );
        store
            .finish_import(id, ImportStatus::Complete, &ImportCounts::default(), None)
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(has_index(&store));
        // A killed import leaves it missing; opening the store puts it back.
        store
            .begin_import("g", Format::Jsonl)
            .unwrap_or_else(|e| panic!("{e}"));
        drop(store);
        let blobs = Blobs::open(&dir.path().join("media")).unwrap_or_else(|e| panic!("{e}"));
        let store =
            SqliteStore::open(&dir.path().join("t.db"), blobs).unwrap_or_else(|e| panic!("{e}"));
        assert!(has_index(&store));
    }

    #[test]
    fn version_14_moves_removals_out_of_the_entries_and_keeps_what_they_said() {
        use crate::Banks;
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let path = dir.path().join("v13.db");
        {
            let c = Connection::open(&path).unwrap_or_else(|e| panic!("{e}"));
            c.execute_batch(
                "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)",
            )
            .unwrap_or_else(|e| panic!("{e}"));
            for m in MIGRATIONS.iter().filter(|m| m.version <= 13) {
                c.execute_batch(m.sqlite).unwrap_or_else(|e| panic!("{e}"));
                c.execute("INSERT INTO schema_migrations VALUES (?1, 0)", [m.version])
                    .unwrap_or_else(|e| panic!("{e}"));
            }
            c.execute_batch(
                "INSERT INTO banks (id, name, kind, labels, enabled, pdq_distance, created_at, updated_at) \
                   VALUES (1, 'b', 'block', '{}', 1, 31, 0, 0);
                 INSERT INTO bank_entries (id, bank_id, signal, value, labels, added_at, updated_at, removed_at, change_seq) VALUES \
                   (1, 1, 'md5', '00000000000000000000000000000001', '{}', 10, 10, NULL, 1), \
                   (2, 1, 'md5', '00000000000000000000000000000002', '{}', 10, 30, 30, 2), \
                   (3, 1, 'md5', '00000000000000000000000000000003', '{}', 10, 10, NULL, 1);",
            )
            .unwrap_or_else(|e| panic!("{e}"));
        }
        let blobs = Blobs::open(&dir.path().join("media")).unwrap_or_else(|e| panic!("{e}"));
        let mut store = SqliteStore::open(&path, blobs).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            store.schema_version().ok(),
            Some(crate::migrations::latest())
        );
        let banks = store.banks().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(banks[0].live_entries, 2);
        let all = store
            .bank_entries("b", true, 10)
            .unwrap_or_else(|e| panic!("{e}"));
        let removed: Vec<(i64, Option<i64>, i64)> = all
            .iter()
            .map(|e| (e.id, e.removed_at.map(|t| t.0), e.updated_at.0))
            .collect();
        assert_eq!(removed, [(1, None, 10), (2, Some(30), 30), (3, None, 10)]);
        let live = store
            .bank_entries("b", false, 10)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(live.iter().map(|e| e.id).collect::<Vec<_>>(), [1, 3]);
        // The change feed still says the removed entry is gone.
        let mut seen = Vec::new();
        store
            .entry_changes(None, &mut |c| seen.push((c.id, c.live)))
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(
            seen.contains(&(2, false)) && !seen.contains(&(2, true)),
            "{seen:?}"
        );
        assert!(
            seen.contains(&(1, true)) && seen.contains(&(3, true)),
            "{seen:?}"
        );
    }
}
