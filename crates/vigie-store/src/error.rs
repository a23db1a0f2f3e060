//! Store errors.

use std::path::PathBuf;

/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// SQLite failed.
    #[error("SQLite store {path}: {source}")]
    Sqlite {
        /// The database file.
        path: PathBuf,
        /// The cause.
        source: rusqlite::Error,
    },
    /// PostgreSQL failed. The message carries the server's own (`db error` alone says nothing), so the
    /// error is not also given as a `source`, which would print it twice in a chain.
    #[error("PostgreSQL store: {}", postgres_message(.0))]
    Postgres(::postgres::Error),
    /// The store cannot be written where it lies.
    #[error(
        "SQLite store {path} cannot be written: {reason} (Vigie writes the database and its -wal and -shm files \
         beside it)"
    )]
    ReadOnly {
        /// The database file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// A TLS setting of the PostgreSQL URL is wrong, or a certificate file cannot be read.
    #[error("PostgreSQL TLS: {0}")]
    Tls(String),
    /// The media folder failed.
    #[error("media folder {path}: {source}")]
    Blobs {
        /// The file or folder.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The database was written by a newer Vigie.
    #[error(
        "database schema version {found} is newer than this Vigie understands ({supported}); upgrade Vigie"
    )]
    TooNew {
        /// The version in the database.
        found: i64,
        /// The newest version known here.
        supported: i64,
    },
    /// No bank has this name.
    #[error("no bank named {0:?} (`vigie bank list` shows them)")]
    NoSuchBank(String),
    /// A bank with this name exists.
    #[error("a bank named {0:?} already exists")]
    BankExists(String),
    /// A bank setting is out of range.
    #[error("{0}")]
    InvalidBank(String),
    /// The change clashes with what is stored (a user name that is taken).
    #[error("{0}")]
    Conflict(String),
    /// Nothing has this id (a case, a referral).
    #[error("{0}")]
    NotFound(String),
    /// No user has this row id.
    #[error("no user with id {0}")]
    NoSuchUser(i64),
    /// A value in the database is not what this version wrote.
    #[error("corrupt row: {0}")]
    Corrupt(String),
    /// What fed records to a transaction failed; the transaction was rolled back.
    #[error("{0}")]
    Feed(String),
}

impl From<::postgres::Error> for StoreError {
    fn from(e: ::postgres::Error) -> Self {
        StoreError::Postgres(e)
    }
}

/// A PostgreSQL error on one line: the server's message, detail, hint and SQLSTATE for errors the server
/// reported, and the cause (an I/O error, a refused connection) for the others.
fn postgres_message(e: &::postgres::Error) -> String {
    if let Some(db) = e.as_db_error() {
        let mut m = format!("{} (SQLSTATE {})", db.message(), db.code().code());
        if let Some(detail) = db.detail() {
            m.push_str(&format!("; {detail}"));
        }
        if let Some(hint) = db.hint() {
            m.push_str(&format!("; hint: {hint}"));
        }
        return m;
    }
    match std::error::Error::source(e) {
        Some(cause) => format!("{e}: {cause}"),
        None => e.to_string(),
    }
}
