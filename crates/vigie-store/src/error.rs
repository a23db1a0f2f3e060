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
    /// PostgreSQL failed.
    #[error("PostgreSQL store: {0}")]
    Postgres(#[from] ::postgres::Error),
    /// The media folder failed.
    #[error("media folder {path}: {source}")]
    Blobs {
        /// The file or folder.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The database was written by a newer Vigie.
    #[error("database schema version {found} is newer than this Vigie understands ({supported}); upgrade Vigie")]
    TooNew {
        /// The version in the database.
        found: i64,
        /// The newest version known here.
        supported: i64,
    },
    /// A value in the database is not what this version wrote.
    #[error("corrupt row: {0}")]
    Corrupt(String),
}
