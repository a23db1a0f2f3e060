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
mod review;
mod tx;

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

/// Posts per transaction. A scan killed mid-transaction loses at most this many posts' writes, which the
/// next scan of the same files redoes.
const COMMIT_POSTS: usize = 50_000;

impl SqliteStore {
    pub(crate) fn open(path: &Path, blobs: Blobs) -> Result<SqliteStore, StoreError> {
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

fn ts(t: Option<Timestamp>) -> Option<i64> {
    t.map(|t| t.0)
}

/// What this connection knows is already stored for an account, so that a repeated sighting costs no SQL.
#[derive(Debug, Clone, Copy)]
struct KnownAccount {
    id: i64,
    state_fp: Option<i64>,
    last_seen: Option<i64>,
    /// `last_seen` moved later for the same shown state and is not yet written (see [`flush_observations`]).
    dirty: bool,
}

/// Write-side caches. They only skip statements that would change nothing; they are dropped whenever a
/// transaction fails, and cleared when they grow past [`CACHE_LIMIT`] entries, so memory stays bounded.
#[derive(Default)]
pub(crate) struct WriteCache {
    accounts: HashMap<u128, KnownAccount>,
    /// Per (account, fingerprint): the seen range, and whether it is wider than what is written.
    observations: HashMap<(i64, i64), ObservedRange>,
    dirty_observations: usize,
    /// Keyed by a 128-bit hash of (platform, id): a collision, which would make a post's update be skipped, is
    /// about as likely as a SHA-256 collision on a set of billions.
    posts: HashMap<u128, PostShape>,
}

/// What a stored post already holds: which fields are set and how many child rows of each kind. A sighting
/// whose shape fits inside the stored one can add nothing (fields are only ever filled, child rows are keyed by
/// position), so it is skipped. Reposted and quoted tweets repeat under `includes.tweets` all the time.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct PostShape {
    fields: u8,
    counts: [u16; 6],
}

impl PostShape {
    fn of(p: &vigie_model::Post) -> PostShape {
        let fields = u8::from(p.account_id.is_some())
            | u8::from(p.text.is_some()) << 1
            | u8::from(p.lang.is_some()) << 2
            | u8::from(p.created_at.is_some()) << 3;
        let n = |len: usize| u16::try_from(len).unwrap_or(u16::MAX);
        let hashed = p.attachments.iter().filter(|a| a.sha256.is_some()).count();
        PostShape {
            fields,
            counts: [
                n(p.references.len()),
                n(p.hashtags.len()),
                n(p.urls.len()),
                n(p.mentions.len()),
                n(p.attachments.len()),
                n(hashed),
            ],
        }
    }

    fn within(&self, stored: &PostShape) -> bool {
        self.fields & !stored.fields == 0
            && self.counts.iter().zip(stored.counts).all(|(a, b)| *a <= b)
    }

    fn union(&self, other: &PostShape) -> PostShape {
        let mut counts = self.counts;
        for (c, o) in counts.iter_mut().zip(other.counts) {
            *c = (*c).max(o);
        }
        PostShape {
            fields: self.fields | other.fields,
            counts,
        }
    }
}

/// The span of times an account state was seen. Widening an existing observation is deferred: the
/// widened range is kept here and written by [`flush_observations`] (at the end of an import, or when many
/// are pending), since in a large import almost every batch widens the range of almost every account.
/// A scan killed before the flush leaves ranges narrower than the posts stored; scanning again restores them.
#[derive(Debug, Clone, Copy)]
struct ObservedRange {
    first: Option<i64>,
    last: Option<i64>,
    dirty: bool,
}

const CACHE_LIMIT: usize = 500_000;
/// About 48 MB of post shapes.
const POST_CACHE_LIMIT: usize = 1_000_000;
/// Dirty ranges are written when this many are pending. A flag on an entry already cached costs no memory, so
/// this is as large as the caches: in a large import every batch widens nearly every account's range, and
/// writing them all once at the end beats writing them after every few batches (measured: 6 % of a
/// million-post import at 100,000).
const DIRTY_LIMIT: usize = CACHE_LIMIT;

/// Writes the deferred observation ranges.
fn flush_observations(tx: &Connection, cache: &mut WriteCache) -> rusqlite::Result<()> {
    if cache.dirty_observations == 0 {
        return Ok(());
    }
    let mut widen_stmt = tx.prepare_cached(
        "UPDATE account_observations SET \
         first_seen = COALESCE(min(first_seen, ?3), first_seen, ?3), \
         last_seen = COALESCE(max(last_seen, ?4), last_seen, ?4) \
         WHERE account_id = ?1 AND fingerprint = ?2",
    )?;
    for ((id, fp), range) in cache.observations.iter_mut() {
        if range.dirty {
            widen_stmt.execute(params![id, fp, range.first, range.last])?;
            range.dirty = false;
        }
    }
    let mut later_stmt = tx.prepare_cached(
        "UPDATE accounts SET last_seen = ?2 WHERE id = ?1 AND state_fp IS ?3 AND COALESCE(last_seen, -1) < ?2",
    )?;
    for known in cache.accounts.values_mut() {
        if known.dirty {
            later_stmt.execute(params![known.id, known.last_seen, known.state_fp])?;
            known.dirty = false;
        }
    }
    cache.dirty_observations = 0;
    Ok(())
}

impl WriteCache {
    /// Bounds the caches; call only when no observation is dirty.
    fn trim(&mut self) {
        if self.accounts.len() > CACHE_LIMIT {
            self.accounts.clear();
        }
        if self.observations.len() > CACHE_LIMIT {
            self.observations.clear();
        }
        if self.posts.len() > POST_CACHE_LIMIT {
            self.posts.clear();
        }
    }
}

/// Whether a sighting seen at `new` with fingerprint `new_fp` replaces the shown state `(old, old_fp)`:
/// the newest sighting wins, ties broken by the larger fingerprint, and an id-only sighting never wins.
fn newer(new_fp: Option<i64>, new: Option<i64>, old_fp: Option<i64>, old: Option<i64>) -> bool {
    match (new_fp, old_fp) {
        (None, _) => false,
        (Some(_), None) => true,
        (Some(nf), Some(of)) => {
            let (n, o) = (new.unwrap_or(-1), old.unwrap_or(-1));
            n > o || (n == o && nf > of)
        }
    }
}

fn widen(a: Option<i64>, b: Option<i64>, pick: fn(i64, i64) -> i64) -> Option<i64> {
    match (a, b) {
        (Some(a), Some(b)) => Some(pick(a, b)),
        (a, b) => a.or(b),
    }
}

fn write_batch(
    tx: &Connection,
    import_id: i64,
    batch: &Batch,
    cache: &mut WriteCache,
) -> rusqlite::Result<()> {
    if cache.dirty_observations >= DIRTY_LIMIT
        || cache.observations.len() > CACHE_LIMIT
        || cache.accounts.len() > CACHE_LIMIT
    {
        flush_observations(tx, cache)?;
    }
    cache.trim();
    {
        let mut insert = tx.prepare_cached(
            "INSERT INTO accounts (platform, platform_id, handle, display_name, bio, avatar_url, created_at, followers, \
             following, post_count, state_fp, last_seen, first_import) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13) \
             ON CONFLICT (platform, platform_id) DO NOTHING",
        )?;
        let mut lookup = tx.prepare_cached(
            "SELECT id, state_fp, last_seen FROM accounts WHERE platform = ?1 AND platform_id = ?2",
        )?;
        let mut update = tx.prepare_cached(
            "UPDATE accounts SET handle = ?2, display_name = ?3, bio = ?4, avatar_url = ?5, created_at = ?6, \
             followers = ?7, following = ?8, post_count = ?9, state_fp = ?10, last_seen = ?11 WHERE id = ?1 \
             AND (state_fp IS NULL OR COALESCE(?11, -1) > COALESCE(last_seen, -1) \
                  OR (COALESCE(?11, -1) = COALESCE(last_seen, -1) AND ?10 > state_fp))",
        )?;
        let mut observe = tx.prepare_cached(
            "INSERT INTO account_observations (account_id, fingerprint, handle, display_name, bio, avatar_url, created_at, \
             followers, following, post_count, first_seen, last_seen) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12) \
             ON CONFLICT (account_id, fingerprint) DO UPDATE SET \
             first_seen = COALESCE(min(account_observations.first_seen, excluded.first_seen), account_observations.first_seen, excluded.first_seen), \
             last_seen = COALESCE(max(account_observations.last_seen, excluded.last_seen), account_observations.last_seen, excluded.last_seen)",
        )?;
        for s in &batch.accounts {
            let a = &s.account;
            let last_seen = ts(s.last_seen);
            let key = identity_key(a.platform.as_str(), &a.platform_id);
            let known = match cache.accounts.get(&key) {
                Some(k) => Some(*k),
                None => lookup
                    .query_row(params![a.platform.as_str(), a.platform_id], |r| {
                        Ok(KnownAccount {
                            id: r.get(0)?,
                            state_fp: r.get(1)?,
                            last_seen: r.get(2)?,
                            dirty: false,
                        })
                    })
                    .optional()?,
            };
            let id = match known {
                None => {
                    let inserted = insert.execute(params![
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
                        last_seen,
                        import_id
                    ])?;
                    if inserted == 1 {
                        let id = tx.last_insert_rowid();
                        cache.accounts.insert(
                            key,
                            KnownAccount {
                                id,
                                state_fp: s.fingerprint,
                                last_seen,
                                dirty: false,
                            },
                        );
                        id
                    } else {
                        // Another writer created it since the lookup: take its id, let the next batch update it.
                        lookup
                            .query_row(params![a.platform.as_str(), a.platform_id], |r| r.get(0))?
                    }
                }
                Some(k) => {
                    let same_state = s.fingerprint.is_some() && s.fingerprint == k.state_fp;
                    if same_state {
                        // The shown state seen again, maybe later: only `last_seen` can move, and that write
                        // is deferred like the observation ranges (a large import sees every account in
                        // almost every batch).
                        let later = widen(k.last_seen, last_seen, i64::max);
                        if later != k.last_seen {
                            if !k.dirty {
                                cache.dirty_observations += 1;
                            }
                            cache.accounts.insert(
                                key,
                                KnownAccount {
                                    last_seen: later,
                                    dirty: true,
                                    ..k
                                },
                            );
                        } else {
                            cache.accounts.insert(key, k);
                        }
                    } else if newer(s.fingerprint, last_seen, k.state_fp, k.last_seen) {
                        update.execute(params![
                            k.id,
                            a.handle,
                            a.display_name,
                            a.bio,
                            a.avatar_url,
                            ts(a.created_at),
                            a.followers,
                            a.following,
                            a.post_count,
                            s.fingerprint,
                            last_seen
                        ])?;
                        if k.dirty {
                            cache.dirty_observations = cache.dirty_observations.saturating_sub(1);
                        }
                        cache.accounts.insert(
                            key,
                            KnownAccount {
                                id: k.id,
                                state_fp: s.fingerprint,
                                last_seen,
                                dirty: false,
                            },
                        );
                    } else {
                        cache.accounts.insert(key, k);
                    }
                    k.id
                }
            };
            if let Some(fp) = s.fingerprint {
                let (first, last) = (ts(s.first_seen), ts(s.last_seen));
                match cache.observations.get_mut(&(id, fp)) {
                    Some(range) => {
                        let (f, l) = (
                            widen(range.first, first, i64::min),
                            widen(range.last, last, i64::max),
                        );
                        if (f, l) != (range.first, range.last) {
                            (range.first, range.last) = (f, l);
                            if !range.dirty {
                                range.dirty = true;
                                cache.dirty_observations += 1;
                            }
                        }
                    }
                    None => {
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
                            first,
                            last
                        ])?;
                        // What this connection wrote is known; a row written elsewhere may be wider, which
                        // only makes a later widening unnecessary, never wrong.
                        cache.observations.insert(
                            (id, fp),
                            ObservedRange {
                                first,
                                last,
                                dirty: false,
                            },
                        );
                    }
                }
            }
        }
    }
    {
        let mut media = tx.prepare_cached(
            "INSERT INTO media (sha256, md5, mime, byte_size, width, height, first_import, pdq, pdq_quality) \
             VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9) ON CONFLICT (sha256) DO UPDATE SET \
             pdq = COALESCE(media.pdq, excluded.pdq), pdq_quality = COALESCE(media.pdq_quality, excluded.pdq_quality)",
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
                import_id,
                x.pdq,
                x.pdq_quality
            ])?;
            if let Some(path) = &m.source_path {
                source.execute(params![x.sha256, path])?;
            }
        }
    }
    write_posts(tx, import_id, batch, cache)?;
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

/// How many rows one multi-row `INSERT` carries. Fewer statements per row is what loads SQLite fastest,
/// and 64 rows of at most 14 columns stays far below SQLite's limit on bound parameters.
const ROWS_PER_INSERT: usize = 64;

/// Child rows of posts (attachments), collected for a whole batch and inserted many rows per statement.
struct ChildRows<'b, const N: usize> {
    /// `table (columns)`.
    target: &'static str,
    /// What to do on a key conflict, for posts seen before (`""` for posts inserted in this batch, whose
    /// children cannot exist yet).
    on_conflict: &'static str,
    rows: Vec<[&'b dyn ToSql; N]>,
}

impl<'b, const N: usize> ChildRows<'b, N> {
    fn new(target: &'static str, on_conflict: &'static str) -> Self {
        ChildRows {
            target,
            on_conflict,
            rows: Vec::new(),
        }
    }

    fn write(&self, tx: &Connection) -> rusqlite::Result<()> {
        let one = format!("({})", vec!["?"; N].join(","));
        for chunk in self.rows.chunks(ROWS_PER_INSERT) {
            let values = vec![one.as_str(); chunk.len()].join(",");
            let sql = format!(
                "INSERT INTO {} VALUES {values} {}",
                self.target, self.on_conflict
            );
            let mut stmt = tx.prepare_cached(&sql)?;
            stmt.execute(rusqlite::params_from_iter(chunk.iter().flatten()))?;
        }
        Ok(())
    }
}

/// Where attachment rows go.
const POST_MEDIA: &str =
    "post_media (post_id, position, kind, media_key, url, source_path, width, height, sha256)";

/// One post row about to be inserted, with the values computed for it.
struct PostRow<'b> {
    index: usize,
    /// The id this row gets if it is new: ids are handed out here, under the write lock, so that rows can
    /// be inserted many per statement and still be known without a `RETURNING` or a lookup.
    id: i64,
    post: &'b vigie_model::Post,
    platform: &'b str,
    author: Option<i64>,
    created: Option<i64>,
    file: Option<&'b str>,
    position: Option<String>,
    /// References, hashtags, URLs and mentions as JSON arrays (see [`post_lists`]).
    lists: [Option<String>; 4],
}

/// A post's references, hashtags, URLs and mentions as the JSON arrays stored in its row (`None` for an empty
/// list). A reference is `[kind, target post id, target account id]`.
fn post_lists(p: &vigie_model::Post) -> [Option<String>; 4] {
    fn json<T: serde::Serialize>(items: &[T]) -> Option<String> {
        // Strings and options of strings always serialize.
        (!items.is_empty()).then(|| serde_json::to_string(items).unwrap_or_default())
    }
    let refs: Vec<(&str, &Option<String>, &Option<String>)> = p
        .references
        .iter()
        .map(|r| (r.kind.as_str(), &r.target_post_id, &r.target_account))
        .collect();
    [
        json(&refs),
        json(&p.hashtags),
        json(&p.urls),
        json(&p.mentions),
    ]
}

fn bad_json(e: serde_json::Error) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e))
}

/// A stored list extended by a later sighting: items are kept by position, so the new list adds only what lies
/// past the end of the stored one. `None` when it adds nothing.
fn extend_list(stored: Option<&str>, new: Option<&str>) -> rusqlite::Result<Option<String>> {
    let Some(new) = new else { return Ok(None) };
    let parse = |s: &str| serde_json::from_str::<Vec<serde_json::Value>>(s).map_err(bad_json);
    let mut items = stored.map(parse).transpose()?.unwrap_or_default();
    let extra = parse(new)?;
    if extra.len() <= items.len() {
        return Ok(None);
    }
    let have = items.len();
    items.extend(extra.into_iter().skip(have));
    serde_json::to_string(&items).map(Some).map_err(bad_json)
}

/// Inserts a chunk of post rows in one statement and records, for each, its id and whether it is new. A row
/// whose post was already stored (or appears twice in the chunk) inserts nothing; it is then looked up, and
/// its missing fields filled.
fn insert_posts(
    tx: &Connection,
    import_id: i64,
    rows: &[PostRow<'_>],
    written: &mut Vec<(usize, i64, bool)>,
) -> rusqlite::Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let sql = format!(
        "INSERT INTO posts (id, platform, platform_id, account_id, text, lang, created_at, source_file, \
         source_position, first_import, refs, hashtags, urls, mentions) VALUES {} \
         ON CONFLICT (platform, platform_id) DO NOTHING",
        vec!["(?,?,?,?,?,?,?,?,?,?,?,?,?,?)"; rows.len()].join(",")
    );
    let mut insert = tx.prepare_cached(&sql)?;
    let values = rows.iter().flat_map(|r| {
        let p = r.post;
        [
            &r.id as &dyn ToSql,
            &r.platform,
            &p.platform_id,
            &r.author,
            &p.text,
            &p.lang,
            &r.created,
            &r.file,
            &r.position,
            &import_id,
            &r.lists[0],
            &r.lists[1],
            &r.lists[2],
            &r.lists[3],
        ]
    });
    let inserted = insert.execute(rusqlite::params_from_iter(values))?;
    if inserted == rows.len() {
        written.extend(rows.iter().map(|r| (r.index, r.id, true)));
        return Ok(());
    }
    let mut lookup = tx.prepare_cached(
        "SELECT id, refs, hashtags, urls, mentions FROM posts WHERE platform = ?1 AND platform_id = ?2",
    )?;
    let mut fill = tx.prepare_cached(
        "UPDATE posts SET account_id = COALESCE(account_id, ?2), text = COALESCE(text, ?3), lang = COALESCE(lang, ?4), \
         created_at = COALESCE(created_at, ?5), refs = COALESCE(?6, refs), hashtags = COALESCE(?7, hashtags), \
         urls = COALESCE(?8, urls), mentions = COALESCE(?9, mentions) WHERE id = ?1",
    )?;
    for r in rows {
        let p = r.post;
        let (id, stored): (i64, [Option<String>; 4]) =
            lookup.query_row(params![r.platform, p.platform_id], |row| {
                Ok((
                    row.get(0)?,
                    [row.get(1)?, row.get(2)?, row.get(3)?, row.get(4)?],
                ))
            })?;
        if id == r.id {
            written.push((r.index, id, true));
        } else {
            let mut longer: [Option<String>; 4] = Default::default();
            for ((l, old), new) in longer.iter_mut().zip(&stored).zip(&r.lists) {
                *l = extend_list(old.as_deref(), new.as_deref())?;
            }
            let [refs, tags, urls, mentions] = longer;
            fill.execute(params![
                id, r.author, p.text, p.lang, r.created, refs, tags, urls, mentions
            ])?;
            written.push((r.index, id, false));
        }
    }
    Ok(())
}

fn write_posts(
    tx: &Connection,
    import_id: i64,
    batch: &Batch,
    cache: &mut WriteCache,
) -> rusqlite::Result<()> {
    let mut lookup =
        tx.prepare_cached("SELECT id FROM accounts WHERE platform = ?1 AND platform_id = ?2")?;
    // This transaction holds the write lock, so no other writer can take these ids meanwhile.
    let mut next_id: i64 = tx.query_row("SELECT COALESCE(MAX(id), 0) + 1 FROM posts", [], |r| {
        r.get(0)
    })?;
    // Pass 1: the post rows themselves, and which posts need their children written.
    let mut written: Vec<(usize, i64, bool)> = Vec::with_capacity(batch.posts.len());
    let mut pending: Vec<PostRow<'_>> = Vec::with_capacity(ROWS_PER_INSERT);
    for (index, p) in batch.posts.iter().enumerate() {
        let shape = PostShape::of(p);
        let key = identity_key(p.platform.as_str(), &p.platform_id);
        let stored = cache.posts.get(&key).copied();
        if stored.is_some_and(|s| shape.within(&s)) {
            continue;
        }
        cache
            .posts
            .insert(key, stored.map_or(shape, |s| s.union(&shape)));
        let author = match p.account_id.as_deref() {
            None => None,
            Some(a) => match cache.accounts.get(&identity_key(p.platform.as_str(), a)) {
                Some(k) => Some(k.id),
                None => lookup
                    .query_row(params![p.platform.as_str(), a], |r| r.get::<_, i64>(0))
                    .optional()?,
            },
        };
        pending.push(PostRow {
            index,
            id: next_id,
            post: p,
            platform: p.platform.as_str(),
            author,
            created: ts(p.created_at),
            file: p.source.as_ref().map(|s| s.file.as_str()),
            position: p.source.as_ref().map(|s| s.position.text()),
            lists: post_lists(p),
        });
        next_id += 1;
        if pending.len() == ROWS_PER_INSERT {
            insert_posts(tx, import_id, &pending, &mut written)?;
            pending.clear();
        }
    }
    insert_posts(tx, import_id, &pending, &mut written)?;
    // Pass 2: attachment rows, many per statement. A post inserted in this batch cannot have any yet; one
    // seen before keeps those it has, and gains the digest of any that lacked one.
    let longest = batch.posts.iter().map(|p| p.attachments.len()).max();
    let positions: Vec<i64> = (0..longest.unwrap_or(0) as i64).collect();
    let kinds: Vec<Vec<&'static str>> = written
        .iter()
        .map(|&(index, _, _)| {
            let p = &batch.posts[index];
            p.attachments.iter().map(|a| a.kind.as_str()).collect()
        })
        .collect();
    let mut fresh = ChildRows::<9>::new(POST_MEDIA, "");
    let mut seen = ChildRows::<9>::new(
        POST_MEDIA,
        "ON CONFLICT (post_id, position) DO UPDATE SET sha256 = COALESCE(post_media.sha256, excluded.sha256)",
    );
    for ((index, id, is_new), kinds) in written.iter().zip(&kinds) {
        let rows = if *is_new {
            &mut fresh.rows
        } else {
            &mut seen.rows
        };
        let p = &batch.posts[*index];
        for ((a, pos), kind) in p.attachments.iter().zip(&positions).zip(kinds) {
            rows.push([
                id,
                pos,
                kind,
                &a.media_key,
                &a.url,
                &a.source_path,
                &a.width,
                &a.height,
                &a.sha256,
            ]);
        }
    }
    fresh.write(tx)?;
    seen.write(tx)
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

/// The snapshot renderings of the lists that SQLite keeps in the post row: the same rows as the child tables
/// of PostgreSQL (see [`SNAPSHOT_SQL`]).
const LIST_SNAPSHOT_SQL: &[(&str, &str)] = &[
    (
        "post_refs",
        "SELECT p.platform || '|' || p.platform_id || '|' || CAST(j.key AS TEXT) || '|' || (j.value ->> 0) || '|' \
         || COALESCE(j.value ->> 1,'~') || '|' || COALESCE(j.value ->> 2,'~') FROM posts p, json_each(p.refs) j",
    ),
    (
        "post_hashtags",
        "SELECT p.platform || '|' || p.platform_id || '|' || CAST(j.key AS TEXT) || '|' || j.value \
         FROM posts p, json_each(p.hashtags) j",
    ),
    (
        "post_urls",
        "SELECT p.platform || '|' || p.platform_id || '|' || CAST(j.key AS TEXT) || '|' || j.value \
         FROM posts p, json_each(p.urls) j",
    ),
    (
        "post_mentions",
        "SELECT p.platform || '|' || p.platform_id || '|' || CAST(j.key AS TEXT) || '|' || j.value \
         FROM posts p, json_each(p.mentions) j",
    ),
];

/// Fills a post's lists from the JSON columns read with its row (`refs, hashtags, urls, mentions`).
fn fill_lists(
    [refs, tags, urls, mentions]: [Option<String>; 4],
    post: &mut Post,
) -> rusqlite::Result<()> {
    fn decode<T: serde::de::DeserializeOwned>(json: Option<String>) -> rusqlite::Result<Vec<T>> {
        json.map_or(Ok(Vec::new()), |j| {
            serde_json::from_str(&j).map_err(bad_json)
        })
    }
    post.references = decode::<(String, Option<String>, Option<String>)>(refs)?
        .into_iter()
        .map(|(kind, target_post_id, target_account)| PostRef {
            kind: parse_ref_kind(&kind),
            target_post_id,
            target_account,
        })
        .collect();
    post.hashtags = decode(tags)?;
    post.urls = decode(urls)?;
    post.mentions = decode(mentions)?;
    Ok(())
}

/// Fills the attachments of `rows` from `post_media`, in one query for all of them (the ids go in as one JSON
/// array): a query per post cost more than reading the posts.
fn fill_attachments(c: &Connection, rows: &mut [crate::cases::PostRow]) -> rusqlite::Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let at: HashMap<i64, usize> = ids.iter().enumerate().map(|(i, id)| (*id, i)).collect();
    let ids = serde_json::to_string(&ids)
        .map_err(|e| rusqlite::Error::ToSqlConversionFailure(e.into()))?;
    let mut media = c.prepare_cached(
        "SELECT post_id, kind, media_key, url, source_path, width, height, sha256 FROM post_media \
         WHERE post_id IN (SELECT value FROM json_each(?1)) ORDER BY post_id, position",
    )?;
    let mut found = media.query([ids])?;
    while let Some(r) = found.next()? {
        let Some(&i) = at.get(&r.get::<_, i64>(0)?) else {
            continue;
        };
        let mut a = Attachment::new(MediaKind::parse(&r.get::<_, String>(1)?));
        a.media_key = r.get(2)?;
        a.url = r.get(3)?;
        a.source_path = r.get(4)?;
        a.width = r.get(5)?;
        a.height = r.get(6)?;
        a.sha256 = r.get(7)?;
        rows[i].view.post.attachments.push(a);
    }
    Ok(())
}

/// Reads the posts after row `after`, in row order, with what text analysis reads: keys, text, language, author
/// row and attachments, not the author's handle nor the entity lists (decoding those was a quarter of the
/// analysis of a million posts).
pub(crate) fn read_post_texts(
    c: &Connection,
    after: i64,
    limit: usize,
) -> rusqlite::Result<Vec<crate::cases::PostRow>> {
    let mut stmt = c.prepare_cached(
        "SELECT p.id, p.platform, p.platform_id, p.text, p.lang, p.account_id FROM posts p \
         WHERE p.id > ?1 ORDER BY p.id LIMIT ?2",
    )?;
    let mut out = Vec::new();
    let mut rows = stmt.query(params![after, i64::try_from(limit).unwrap_or(i64::MAX)])?;
    while let Some(r) = rows.next()? {
        let mut post = Post::with_id(
            Platform::new(&r.get::<_, String>(1)?),
            r.get::<_, String>(2)?,
        );
        post.text = r.get(3)?;
        post.lang = r.get(4)?;
        out.push(crate::cases::PostRow {
            id: r.get(0)?,
            account: r.get(5)?,
            view: PostView {
                post,
                handle: None,
                display_name: None,
            },
        });
    }
    fill_attachments(c, &mut out)?;
    Ok(out)
}

/// Reads posts with their author's handle, entities and attachments: the rows `filter` (a WHERE, ORDER BY and
/// LIMIT over `posts p LEFT JOIN accounts a`) selects.
pub(crate) fn read_posts(
    c: &Connection,
    filter: &str,
    params: impl rusqlite::Params,
) -> rusqlite::Result<Vec<crate::cases::PostRow>> {
    let mut stmt = c.prepare_cached(&format!(
        "SELECT p.id, p.platform, p.platform_id, a.platform_id, p.text, p.lang, p.created_at, p.source_file, \
         p.source_position, a.handle, a.display_name, p.refs, p.hashtags, p.urls, p.mentions, p.account_id \
         FROM posts p LEFT JOIN accounts a ON a.id = p.account_id {filter}"
    ))?;
    let mut out = Vec::new();
    let mut lists: Vec<[Option<String>; 4]> = Vec::new();
    let mut rows = stmt.query(params)?;
    while let Some(r) = rows.next()? {
        lists.push([r.get(11)?, r.get(12)?, r.get(13)?, r.get(14)?]);
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
        out.push(crate::cases::PostRow {
            id: r.get(0)?,
            account: r.get(15)?,
            view: PostView {
                post,
                handle: r.get(9)?,
                display_name: r.get(10)?,
            },
        });
    }
    for (row, lists) in out.iter_mut().zip(lists) {
        fill_lists(lists, &mut row.view.post)?;
    }
    fill_attachments(c, &mut out)?;
    Ok(out)
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
}
