//! The PostgreSQL backend: one database shared by a team, with the same semantics as the SQLite backend.
//!
//! SQLite is loaded row by row with cached statements because a statement there costs a function call; here
//! every statement is a network round trip, so a batch is written table by table: each table's rows go to
//! the server as arrays in one `INSERT ... SELECT FROM UNNEST(...)`, about ten round trips per batch whatever
//! its size. A multi-row upsert may not touch the same row twice, so records that occur more than once in a
//! batch are first merged here exactly as SQLite's row-by-row upserts would merge them, which keeps the two
//! backends' content identical (the store suite checks it).

use crate::batch::AccountSighting;
use crate::cases::{CASE_FROM, case_columns};
use crate::migrations::{MIGRATIONS, latest};
use crate::query::{SNAPSHOT_SQL, parse_position, parse_ref_kind};
use crate::rows::account_of;
use crate::rows::{DECISION_COLUMNS, RawDecision, case_of, decision_of, raw_case};
use crate::{
    AccountQuery, AccountView, Backend, Batch, Blobs, Count, PostQuery, PostView, Snapshot, Stats,
    Store, StoreError,
};
use postgres::{Client, GenericClient, Row, Transaction};
use std::collections::HashMap;
use std::collections::hash_map::Entry;
use vigie_model::{
    Account, Attachment, Format, ImportCounts, ImportStatus, ImportSummary, MediaKind, Platform,
    Post, PostRef, QuarantinedRecord, Source, Timestamp,
};

mod banks;
mod cases;
mod network;
mod read;
mod review;
pub(crate) mod tls;
mod tx;
mod write;

use read::*;
use write::*;

pub(crate) use tx::Pg;

/// The advisory lock key that serializes migrations between processes ("VIGIE" and the digit 1).
const MIGRATION_LOCK: i64 = 0x5649_4749_4531;

/// A store in a PostgreSQL database.
pub(crate) struct PostgresStore {
    pub(crate) client: Client,
    blobs: Blobs,
    /// Statements prepared on this connection, by their SQL: a cached statement skips a parse round trip.
    pub(crate) stmts: Stmts,
}

/// Prepared statements of one connection, by SQL.
#[derive(Default)]
pub(crate) struct Stmts(HashMap<String, postgres::Statement>);

impl Stmts {
    /// The statement for `sql`, prepared on `client` the first time.
    pub(crate) fn get(
        &mut self,
        client: &mut Client,
        sql: &str,
    ) -> Result<postgres::Statement, postgres::Error> {
        if let Some(s) = self.0.get(sql) {
            return Ok(s.clone());
        }
        if self.0.len() >= 256 {
            self.0.clear();
        }
        let s = client.prepare(sql)?;
        self.0.insert(sql.to_owned(), s.clone());
        Ok(s)
    }
}

impl PostgresStore {
    /// Connects to the server named by `url` and brings its schema up to date.
    pub(crate) fn open(url: &str, blobs: Blobs) -> Result<PostgresStore, StoreError> {
        let mut client = tls::connect(url)?;
        migrate(&mut client)?;
        Ok(PostgresStore {
            client,
            blobs,
            stmts: Stmts::default(),
        })
    }

    /// Runs `f` in a transaction, committed when it returns `Ok` and rolled back otherwise.
    pub(crate) fn write<T>(
        &mut self,
        f: impl FnOnce(&mut Pg<'_, '_>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let mut tx = self.client.transaction()?;
        let out = f(&mut Pg { tx: &mut tx })?;
        tx.commit()?;
        Ok(out)
    }
}

/// Applies pending migrations, each in its own transaction. Every transaction first takes a transaction-level
/// advisory lock, so two processes opening a fresh database at once apply each migration exactly once: the
/// second waits, then sees the first one's version.
pub(super) fn migrate(client: &mut Client) -> Result<(), StoreError> {
    loop {
        let mut tx = client.transaction()?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])?;
        tx.batch_execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, applied_at BIGINT NOT NULL)",
        )?;
        let current: i64 = tx
            .query_one(
                "SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
                &[],
            )?
            .try_get(0)?;
        if current > latest() {
            return Err(StoreError::TooNew {
                found: current,
                supported: latest(),
            });
        }
        let Some(m) = MIGRATIONS.iter().find(|m| m.version > current) else {
            tx.commit()?;
            return Ok(());
        };
        tx.batch_execute(m.postgres)?;
        tx.execute(
            "INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)",
            &[&m.version, &Timestamp::now().0],
        )?;
        tx.commit()?;
    }
}

pub(super) fn ts(t: Option<Timestamp>) -> Option<i64> {
    t.map(|t| t.0)
}

/// A count or size for a BIGINT column.
pub(super) fn to_i64(n: u64, what: &str) -> Result<i64, StoreError> {
    i64::try_from(n)
        .map_err(|_| StoreError::Corrupt(format!("{what} {n} does not fit in a BIGINT column")))
}

/// A count read back from a BIGINT column, which this crate only ever writes non-negative.
pub(super) fn to_u64(n: i64, what: &str) -> Result<u64, StoreError> {
    u64::try_from(n).map_err(|_| StoreError::Corrupt(format!("{what} is {n}, expected a count")))
}

/// A pixel dimension read back from a BIGINT column.
pub(super) fn to_u32(n: Option<i64>, what: &str) -> Result<Option<u32>, StoreError> {
    n.map(|n| {
        u32::try_from(n)
            .map_err(|_| StoreError::Corrupt(format!("{what} is {n}, expected a pixel count")))
    })
    .transpose()
}

/// A limit for `LIMIT $n`, which PostgreSQL refuses when negative.
pub(super) fn limit(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

impl Store for PostgresStore {
    fn backend(&self) -> Backend {
        Backend::Postgres
    }

    fn schema_version(&mut self) -> Result<i64, StoreError> {
        let v: Option<i64> = self
            .client
            .query_one("SELECT MAX(version) FROM schema_migrations", &[])?
            .try_get(0)?;
        Ok(v.unwrap_or(0))
    }

    fn begin_import(&mut self, path: &str, format: Format) -> Result<i64, StoreError> {
        let row = self.client.query_one(
            "INSERT INTO imports (path, format, started_at, status) VALUES ($1, $2, $3, 'running') RETURNING id",
            &[&path, &format.as_str(), &Timestamp::now().0],
        )?;
        Ok(row.try_get(0)?)
    }

    fn write_batch(
        &mut self,
        import_id: i64,
        batch: &Batch,
        c: &ImportCounts,
    ) -> Result<(), StoreError> {
        let counts = [
            to_i64(c.accounts, "account count")?,
            to_i64(c.posts, "post count")?,
            to_i64(c.media, "media count")?,
            to_i64(c.quarantined, "quarantine count")?,
        ];
        let mut tx = self.client.transaction()?;
        let account_rows = write_accounts(&mut tx, import_id, &batch.accounts)?;
        let account_ids = id_map(&account_rows)?;
        write_media(&mut tx, import_id, batch)?;
        write_posts(&mut tx, import_id, &batch.posts, &account_ids)?;
        write_quarantine(&mut tx, import_id, &batch.quarantine)?;
        tx.execute(
            "UPDATE imports SET accounts = $2, posts = $3, media = $4, quarantined = $5 WHERE id = $1",
            &[&import_id, &counts[0], &counts[1], &counts[2], &counts[3]],
        )?;
        tx.commit()?;
        Ok(())
    }

    fn finish_import(
        &mut self,
        import_id: i64,
        status: ImportStatus,
        c: &ImportCounts,
        error: Option<&str>,
    ) -> Result<(), StoreError> {
        let counts = [
            to_i64(c.accounts, "account count")?,
            to_i64(c.posts, "post count")?,
            to_i64(c.media, "media count")?,
            to_i64(c.quarantined, "quarantine count")?,
        ];
        self.client.execute(
            "UPDATE imports SET finished_at = $2, status = $3, accounts = $4, posts = $5, media = $6, quarantined = $7, \
             error = $8 WHERE id = $1",
            &[&import_id, &Timestamp::now().0, &status.as_str(), &counts[0], &counts[1], &counts[2], &counts[3], &error],
        )?;
        Ok(())
    }

    fn stats(&mut self) -> Result<Stats, StoreError> {
        // One snapshot for all the totals, as SQLite's single connection gives. Text keys sort bytewise
        // (`COLLATE "C"`), as SQLite's BINARY collation does, whatever the database's locale.
        let mut tx = self.client.build_transaction().read_only(true).start()?;
        let c = &mut tx;
        let stats = Stats {
            accounts: one(c, "SELECT COUNT(*) FROM accounts")?,
            observations: one(c, "SELECT COUNT(*) FROM account_observations")?,
            posts: one(c, "SELECT COUNT(*) FROM posts")?,
            attachments: one(c, "SELECT COUNT(*) FROM post_media")?,
            media: one(c, "SELECT COUNT(*) FROM media")?,
            media_bytes: one(
                c,
                "SELECT CAST(COALESCE(SUM(byte_size), 0) AS BIGINT) FROM media",
            )?,
            quarantined: one(c, "SELECT COUNT(*) FROM quarantine")?,
            imports: one(c, "SELECT COUNT(*) FROM imports")?,
            posts_per_platform: counts(
                c,
                "SELECT platform, COUNT(*) AS n FROM posts GROUP BY platform ORDER BY n DESC, platform COLLATE \"C\"",
            )?,
            accounts_per_platform: counts(
                c,
                "SELECT platform, COUNT(*) AS n FROM accounts GROUP BY platform ORDER BY n DESC, platform COLLATE \"C\"",
            )?,
            posts_per_language: counts(
                c,
                "SELECT l, n FROM (SELECT COALESCE(lang, 'unknown') AS l, COUNT(*) AS n FROM posts GROUP BY 1) t \
                 ORDER BY n DESC, l COLLATE \"C\"",
            )?,
        };
        tx.commit()?;
        Ok(stats)
    }

    fn accounts(&mut self, q: &AccountQuery) -> Result<Vec<AccountView>, StoreError> {
        let search = q
            .search
            .as_ref()
            .map(|s| format!("%{}%", s.trim_start_matches('@').to_ascii_lowercase()));
        // SQLite's `lower()` folds ASCII letters only; `lower(x COLLATE "C")` does the same here, whatever the
        // database's locale. `ESCAPE ''` makes `\` an ordinary character, as in SQLite's LIKE.
        let rows = self.client.query(
            "SELECT a.platform, a.platform_id, a.handle, a.display_name, a.bio, a.avatar_url, a.created_at, a.followers, \
             a.following, a.post_count, a.last_seen, \
             (SELECT COUNT(*) FROM posts p WHERE p.account_id = a.id), \
             (SELECT COUNT(*) FROM account_observations o WHERE o.account_id = a.id) \
             FROM accounts a WHERE ($1::text IS NULL OR a.platform = $1) \
             AND ($2::text IS NULL OR lower(COALESCE(a.handle, '') COLLATE \"C\") LIKE $2 ESCAPE '' \
                  OR lower(a.platform_id COLLATE \"C\") LIKE $2 ESCAPE '' \
                  OR lower(COALESCE(a.display_name, '') COLLATE \"C\") LIKE $2 ESCAPE '') \
             ORDER BY 12 DESC, a.platform COLLATE \"C\", a.platform_id COLLATE \"C\" LIMIT $3",
            &[&q.platform, &search, &limit(q.limit)],
        )?;
        rows.iter()
            .map(|r| {
                Ok(AccountView {
                    account: account_of(r)?,
                    posts: r.try_get(11)?,
                    observations: r.try_get(12)?,
                })
            })
            .collect()
    }

    fn observations(
        &mut self,
        platform: &str,
        platform_id: &str,
    ) -> Result<Vec<Account>, StoreError> {
        // SQLite sorts NULL first in ascending order; PostgreSQL must be told.
        let rows = self.client.query(
            "SELECT a.platform, a.platform_id, o.handle, o.display_name, o.bio, o.avatar_url, o.created_at, o.followers, \
             o.following, o.post_count, o.first_seen FROM account_observations o JOIN accounts a ON a.id = o.account_id \
             WHERE a.platform = $1 AND a.platform_id = $2 ORDER BY o.first_seen NULLS FIRST, o.fingerprint",
            &[&platform, &platform_id],
        )?;
        rows.iter().map(|r| Ok(account_of(r)?)).collect()
    }

    fn posts_page(
        &mut self,
        after: i64,
        limit: usize,
    ) -> Result<Vec<crate::cases::PostRow>, StoreError> {
        read_posts(
            &mut self.client,
            &mut self.stmts,
            "WHERE p.id > $1 ORDER BY p.id LIMIT $2",
            &[&after, &i64::try_from(limit).unwrap_or(i64::MAX)],
        )
    }

    fn posts(&mut self, q: &PostQuery) -> Result<Vec<PostView>, StoreError> {
        let account = q
            .account
            .as_ref()
            .map(|a| a.trim_start_matches('@').to_ascii_lowercase());
        // SQLite sorts NULL last in descending order, and its `lower()` folds ASCII only: PostgreSQL must be
        // told both.
        if let Some(id) = &q.post_id {
            let rows = read_posts(
                &mut self.client,
                &mut self.stmts,
                if q.platform.is_some() {
                    "WHERE p.platform = $2 AND p.platform_id = $1 ORDER BY p.id DESC LIMIT $3"
                } else {
                    "WHERE p.platform_id = $1 AND $2::text IS NULL ORDER BY p.created_at DESC NULLS LAST, p.id DESC LIMIT $3"
                },
                &[id, &q.platform, &limit(q.limit)],
            )?;
            return Ok(rows.into_iter().map(|r| r.view).collect());
        }
        let rows = read_posts(
            &mut self.client,
            &mut self.stmts,
            "WHERE ($1::text IS NULL OR lower(a.handle COLLATE \"C\") = $1 OR lower(a.platform_id COLLATE \"C\") = $1) \
             AND ($2::text IS NULL OR p.platform = $2) \
             ORDER BY p.created_at DESC NULLS LAST, p.id DESC LIMIT $3",
            &[&account, &q.platform, &limit(q.limit)],
        )?;
        Ok(rows.into_iter().map(|r| r.view).collect())
    }

    fn case_view(&mut self, id: i64) -> Result<Option<crate::CaseView>, StoreError> {
        // One statement: the case, its decisions as a JSON aggregate (their `u` is the deciding user, inside
        // the subquery), and its post with the post's own author (`pa`), as `posts` reads them.
        let stmt = self.stmts.get(
            &mut self.client,
            &format!(
                "SELECT {}, (SELECT json_agg(json_build_array({DECISION_COLUMNS}) ORDER BY d.id) \
                 FROM decisions d LEFT JOIN users u ON u.id = d.user_id WHERE d.case_id = c.id)::text, {} \
                 {CASE_FROM} LEFT JOIN accounts pa ON pa.id = p.account_id WHERE c.id = $1",
                case_columns(false),
                post_columns("pa"),
            ),
        )?;
        let Some(r) = self.client.query_opt(&stmt, &[&id])? else {
            return Ok(None);
        };
        let case = case_of(raw_case(&r)?)?;
        let decisions = child_rows::<RawDecision>(r.try_get(18)?, id, "decisions")?
            .into_iter()
            .map(decision_of)
            .collect::<Result<Vec<_>, _>>()?;
        let post = match r.try_get::<_, Option<i64>>(19)? {
            Some(_) => Some(post_of(&r, 19)?.2),
            None => None,
        };
        Ok(Some(crate::CaseView {
            case,
            decisions,
            post,
        }))
    }

    fn quarantined(&mut self, limit_: usize) -> Result<Vec<QuarantinedRecord>, StoreError> {
        let rows = self.client.query(
            "SELECT file, position, reason, raw FROM quarantine ORDER BY id LIMIT $1",
            &[&limit(limit_)],
        )?;
        rows.iter()
            .map(|r| {
                Ok(QuarantinedRecord {
                    file: r.try_get(0)?,
                    position: parse_position(r.try_get(1)?),
                    reason: r.try_get(2)?,
                    raw: r.try_get(3)?,
                })
            })
            .collect()
    }

    fn imports(&mut self, limit_: usize) -> Result<Vec<ImportSummary>, StoreError> {
        let rows = self.client.query(
            "SELECT id, path, format, started_at, finished_at, status, accounts, posts, media, quarantined, error \
             FROM imports ORDER BY id DESC LIMIT $1",
            &[&limit(limit_)],
        )?;
        rows.iter()
            .map(|r| {
                Ok(ImportSummary {
                    id: r.try_get(0)?,
                    path: r.try_get(1)?,
                    format: Format::parse(r.try_get(2)?).unwrap_or(Format::Jsonl),
                    started_at: Timestamp(r.try_get(3)?),
                    finished_at: r.try_get::<_, Option<i64>>(4)?.map(Timestamp),
                    status: ImportStatus::parse(r.try_get(5)?),
                    counts: ImportCounts {
                        accounts: to_u64(r.try_get(6)?, "imports.accounts")?,
                        posts: to_u64(r.try_get(7)?, "imports.posts")?,
                        media: to_u64(r.try_get(8)?, "imports.media")?,
                        quarantined: to_u64(r.try_get(9)?, "imports.quarantined")?,
                    },
                    error: r.try_get(10)?,
                })
            })
            .collect()
    }

    fn check(&mut self) -> Result<Vec<String>, StoreError> {
        // PostgreSQL enforces the declared foreign keys on every write and checks its own pages; a query
        // confirms the database answers.
        self.client.query_one("SELECT 1", &[])?;
        Ok(Vec::new())
    }

    fn snapshot(&mut self) -> Result<Snapshot, StoreError> {
        let mut tx = self.client.build_transaction().read_only(true).start()?;
        let mut snapshot = Snapshot::default();
        for (table, sql) in SNAPSHOT_SQL {
            // Sorted here rather than in SQL, so the order is bytewise on both backends.
            let mut rows = tx
                .query(*sql, &[])?
                .iter()
                .map(|r| r.try_get(0))
                .collect::<Result<Vec<String>, _>>()?;
            rows.sort();
            snapshot.tables.push(((*table).to_owned(), rows));
        }
        tx.commit()?;
        Ok(snapshot)
    }

    fn blobs(&self) -> &Blobs {
        &self.blobs
    }
}
