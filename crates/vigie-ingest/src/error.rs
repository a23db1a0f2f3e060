//! Errors that stop an input from being read at all.

use std::path::PathBuf;

/// The sink's request to stop reading (it keeps its own reason).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stop;

/// Why an input could not be read. Per-record problems are not errors; they are quarantined.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum IngestError {
    /// The input could not be opened or read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The input.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// A path given to the scan is of no known format.
    #[error(
        "{path}: not a known export format (X API v2 JSON/JSONL, Telegram result.json, JSONL, CSV or media)"
    )]
    Unrecognized {
        /// The path.
        path: PathBuf,
    },
    /// A CSV column mapping names a field Vigie does not know, or a column the file lacks.
    #[error("{path}: {reason}")]
    BadMapping {
        /// The CSV file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// The sink asked to stop.
    #[error("reading stopped by the consumer")]
    Stopped,
}

impl IngestError {
    pub(crate) fn io(path: &std::path::Path, source: std::io::Error) -> Self {
        IngestError::Io {
            path: path.to_owned(),
            source,
        }
    }
}

impl From<Stop> for IngestError {
    fn from(_: Stop) -> Self {
        IngestError::Stopped
    }
}
