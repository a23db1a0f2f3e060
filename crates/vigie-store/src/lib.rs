//! Persistence: one [`Store`] interface over SQLite (the default, a single file) and PostgreSQL (shared by a
//! team), versioned migrations, and the content-addressed folder that holds media bytes.
//!
//! This is the only crate that contains SQL. Writes arrive in [`Batch`]es, each written in one
//! transaction with idempotent upserts: writing the same batch twice changes nothing, which is what makes
//! re-imports and restarted scans converge to the same content.

mod audited;
pub mod backup;
mod banks;
mod batch;
mod blobs;
mod cases;
mod error;
mod migrations;
mod network;
mod postgres;
mod query;
mod referrals;
mod review;
mod rows;
mod rules;
mod sqlite;

pub use banks::{
    BankChange, Banks, EntryChange, EntryCounts, EntryFeed, FeedPosition, HuntState,
    ImportProgress, MatchQuery, MediumMatches, NewBank, NewMatch, Settled, StoredMedium,
    VideoRecord,
};
pub use batch::{AccountSighting, Batch, StoredMedia};
pub use blobs::{BlobWriter, Blobs};
pub use cases::{
    AccountPostCase, AccountText, CaseQuery, CaseSort, Cases, HashtagTimeline, NewCase, NewList,
    PostRow, StoredList, StoredModel,
};
pub use error::StoreError;
pub use network::{
    AccountKey, NeighbourTie, Network, NetworkDelta, NetworkNode, NetworkTie, PendingTie,
    SharedAct, SharedCaps, SharedMember, StoredTie,
};
pub use query::{AccountQuery, AccountView, Count, PostQuery, PostView, Snapshot, Stats};
pub use referrals::{ItemResponse, ItemRow, Referrals, referral_items};
pub use review::{
    Actor, AuditProblem, AuditVerifier, CaseView, DecisionOutcome, FrozenEvidence, LoginOutcome,
    NewDecision, Review, ReviewRules, UserChange, audit_hash, next_audit_entry, verify_audit,
};

use std::path::{Path, PathBuf};
use vigie_model::{Format, ImportCounts, ImportStatus, ImportSummary, QuarantinedRecord};

/// The database engine behind a store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// An SQLite file.
    Sqlite,
    /// A PostgreSQL server.
    Postgres,
}

/// The store's interface. Both backends implement it and pass the same test suite.
pub trait Store: Banks + Cases + Review + Referrals + Network + Send {
    /// Which backend this is.
    fn backend(&self) -> Backend;
    /// Prepares a connection for serving many small reads (the review server). On SQLite, cached statements
    /// keep their plans whatever values are bound (the query planner stability guarantee) instead of being
    /// re-prepared when a value that could change the plan is rebound, which cost the server half its
    /// throughput. Bulk work (scan, analysis) keeps the default, whose plans use the bound values. On
    /// PostgreSQL nothing changes: forcing generic plans was measured, and the queue's `LIMIT $n` then lost
    /// its index scan.
    fn serve_reads(&mut self) -> Result<(), StoreError> {
        Ok(())
    }
    /// The schema version after migrations.
    fn schema_version(&mut self) -> Result<i64, StoreError>;
    /// Records the start of an import and returns its id.
    fn begin_import(&mut self, path: &str, format: Format) -> Result<i64, StoreError>;
    /// Writes a batch in one transaction, with the running counts of its import.
    fn write_batch(
        &mut self,
        import_id: i64,
        batch: &Batch,
        counts: &ImportCounts,
    ) -> Result<(), StoreError>;
    /// Records the end of an import.
    fn finish_import(
        &mut self,
        import_id: i64,
        status: ImportStatus,
        counts: &ImportCounts,
        error: Option<&str>,
    ) -> Result<(), StoreError>;
    /// Totals, per platform and per language.
    fn stats(&mut self) -> Result<Stats, StoreError>;
    /// Accounts, newest observation first.
    fn accounts(&mut self, query: &AccountQuery) -> Result<Vec<AccountView>, StoreError>;
    /// Every observed state of one account, oldest first.
    fn observations(
        &mut self,
        platform: &str,
        platform_id: &str,
    ) -> Result<Vec<vigie_model::Account>, StoreError>;
    /// Posts matching a query, newest first.
    fn posts(&mut self, query: &PostQuery) -> Result<Vec<PostView>, StoreError>;
    /// Whole posts (entities, references, attachments, the author's handle) whose row ids are above `after`, in
    /// row-id order, at most `limit`: a walk through every stored post.
    fn posts_page(&mut self, after: i64, limit: usize) -> Result<Vec<cases::PostRow>, StoreError>;
    /// One case with its decisions and its post: what a case page reads first. PostgreSQL reads them in one
    /// statement; the default reads them one after the other.
    fn case_view(&mut self, id: i64) -> Result<Option<CaseView>, StoreError> {
        let Some(case) = self.case(id)? else {
            return Ok(None);
        };
        let decisions = self.decisions(id)?;
        let post = match &case.post_id {
            Some(post_id) => self
                .posts(&PostQuery {
                    platform: Some(case.platform.clone()),
                    post_id: Some(post_id.clone()),
                    limit: 1,
                    ..PostQuery::default()
                })?
                .into_iter()
                .next(),
            None => None,
        };
        Ok(Some(CaseView {
            case,
            decisions,
            post,
        }))
    }
    /// Quarantined records, in the order they were stored.
    fn quarantined(&mut self, limit: usize) -> Result<Vec<QuarantinedRecord>, StoreError>;
    /// Imports, newest first.
    fn imports(&mut self, limit: usize) -> Result<Vec<ImportSummary>, StoreError>;
    /// The whole content (not the import log), in a canonical order: two stores with the same content give
    /// equal snapshots, whatever their row ids. For tests and `vigie stats --digest`.
    fn snapshot(&mut self) -> Result<Snapshot, StoreError>;
    /// Verifies the store's integrity (references between rows, and the database's own structure); returns
    /// the problems found, none when healthy.
    fn check(&mut self) -> Result<Vec<String>, StoreError>;
    /// The folder of media bytes.
    fn blobs(&self) -> &Blobs;
}

/// `url` as it may be shown or logged: a PostgreSQL URL's password (`postgres://user:PASSWORD@host`, or a
/// `password=` setting) replaced by `***`. Other store names are shown as given.
pub fn redacted(url: &str) -> String {
    let mut out = url.to_owned();
    if let Some(rest) = url.find("://").map(|i| i + 3) {
        let authority_end = url[rest..]
            .find(['/', '?', '#'])
            .map_or(url.len(), |i| rest + i);
        if let Some(at) = url[rest..authority_end].rfind('@').map(|i| rest + i)
            && let Some(colon) = url[rest..at].find(':').map(|i| rest + i)
        {
            out = format!("{}***{}", &url[..=colon], &url[at..]);
        }
    }
    // `password=...` as a query setting or a key/value word.
    let mut result = String::with_capacity(out.len());
    let mut rest = out.as_str();
    while let Some(i) = rest.find("password=") {
        let boundary = i == 0 || matches!(rest.as_bytes()[i - 1], b'?' | b'&' | b' ');
        let value_start = i + "password=".len();
        result.push_str(&rest[..value_start]);
        if boundary {
            let end = rest[value_start..]
                .find(['&', ' ', '#'])
                .map_or(rest.len(), |j| value_start + j);
            result.push_str("***");
            rest = &rest[end..];
        } else {
            rest = &rest[value_start..];
        }
    }
    result.push_str(rest);
    result
}

/// A PostgreSQL client for `url`, with its TLS settings: `prefer` and `require` encrypt without checking the
/// server's certificate (as libpq), `verify-ca` checks that it chains to `sslrootcert` (a PEM file; the system's
/// certificates when not given or `system`), `verify-full` also that it names the host. `require` with
/// `sslrootcert` verifies as `verify-ca`. `sslcert` and `sslkey` give a client certificate.
///
/// # Errors
/// A bad setting, an unreadable certificate file, or the connection failing.
pub fn connect_postgres(url: &str) -> Result<::postgres::Client, StoreError> {
    postgres::tls::connect(url)
}

/// Opens (creating and migrating when needed) the store named by `url`: `postgres://...` or
/// `postgresql://...` for PostgreSQL, `sqlite:PATH` or a plain file path for SQLite.
///
/// A PostgreSQL URL carries its TLS settings as libpq's do: `sslmode=disable|prefer|require|verify-ca|verify-full`
/// (default `prefer`), `sslrootcert=FILE|system`, `sslcert=FILE&sslkey=FILE` ([`connect_postgres`]).
///
/// Media bytes go to `media_dir`, or by default beside the database: `<db file stem>-media/` for SQLite,
/// `./vigie-media/` for PostgreSQL.
pub fn open(url: &str, media_dir: Option<&Path>) -> Result<Box<dyn Store>, StoreError> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        let dir = media_dir
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from("vigie-media"));
        Ok(Box::new(postgres::PostgresStore::open(
            url,
            Blobs::open(&dir)?,
        )?))
    } else {
        let path = Path::new(
            url.strip_prefix("sqlite://")
                .or_else(|| url.strip_prefix("sqlite:"))
                .unwrap_or(url),
        );
        let dir = match media_dir {
            Some(d) => d.to_path_buf(),
            None => {
                let stem = path
                    .file_stem()
                    .map(|s| s.to_string_lossy().into_owned())
                    .unwrap_or_else(|| "vigie".into());
                path.with_file_name(format!("{stem}-media"))
            }
        };
        Ok(Box::new(sqlite::SqliteStore::open(
            path,
            Blobs::open(&dir)?,
        )?))
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_shown_store_url_never_carries_its_password() {
        let cases = [
            (
                "postgres://vigie:s3cret@db:5432/v",
                "postgres://vigie:***@db:5432/v",
            ),
            (
                "postgresql://vigie:p%40ss@db/v?sslmode=require",
                "postgresql://vigie:***@db/v?sslmode=require",
            ),
            (
                "postgres://vigie@db/v?password=s3cret&sslmode=require",
                "postgres://vigie@db/v?password=***&sslmode=require",
            ),
            (
                "host=db user=vigie password=s3cret dbname=v",
                "host=db user=vigie password=***",
            ),
            (
                "postgres://db/v?sslrootcert=/a@b/ca.pem",
                "postgres://db/v?sslrootcert=/a@b/ca.pem",
            ),
            ("vigie.db", "vigie.db"),
        ];
        for (url, shown) in cases {
            let got = super::redacted(url);
            assert!(
                !got.contains("s3cret") && !got.contains("p%40ss"),
                "{url} -> {got}"
            );
            if !url.starts_with("host=") {
                assert_eq!(got, shown, "{url}");
            }
        }
        assert_eq!(
            super::redacted("host=db user=vigie password=s3cret dbname=v"),
            "host=db user=vigie password=*** dbname=v"
        );
    }
}
