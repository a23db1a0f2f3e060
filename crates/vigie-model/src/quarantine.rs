//! Quarantined records: input that could not be read as a record, kept with where it was and why.

use serde::{Deserialize, Serialize};
use std::fmt;

/// The most bytes of a bad record kept in quarantine; the rest is dropped (the file and position say where
/// to find it).
pub const RAW_RECORD_CAP: usize = 64 * 1024;

/// Where in its file a record was.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Position {
    /// The whole file.
    File,
    /// A 1-based line (JSONL) or record line (CSV).
    Line(u64),
    /// A JSON path inside a document, such as `$.data[3]` or `$.chats.list[0].messages[17]`.
    JsonPath(String),
    /// A JSON path inside the document on one line of a JSONL file.
    LinePath(u64, String),
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Position::File => f.write_str("file"),
            Position::Line(n) => write!(f, "line {n}"),
            Position::JsonPath(p) => f.write_str(p),
            Position::LinePath(n, p) => write!(f, "line {n}, {p}"),
        }
    }
}

impl Position {
    /// A stable text form, used as part of the quarantine's identity in the store.
    pub fn key(&self) -> String {
        match self {
            Position::File => "file".to_owned(),
            Position::Line(n) => format!("line:{n}"),
            Position::JsonPath(p) => format!("json:{p}"),
            Position::LinePath(n, p) => format!("line:{n}:{p}"),
        }
    }
}

/// Where a record was read: its file and position, kept with what was stored from it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Source {
    /// The file, as given to the scan.
    pub file: String,
    /// The position in the file.
    pub position: Position,
}

/// A record that was not imported, with the reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuarantinedRecord {
    /// The file it came from, as given to the scan.
    pub file: String,
    /// Where in the file.
    pub position: Position,
    /// Why it was not imported, in words an analyst can act on.
    pub reason: String,
    /// The raw bytes, at most [`RAW_RECORD_CAP`].
    pub raw: Vec<u8>,
}

impl QuarantinedRecord {
    /// A quarantined record; `raw` is cut to [`RAW_RECORD_CAP`] bytes.
    pub fn new(
        file: impl Into<String>,
        position: Position,
        reason: impl Into<String>,
        raw: &[u8],
    ) -> Self {
        QuarantinedRecord {
            file: file.into(),
            position,
            reason: reason.into(),
            raw: raw[..raw.len().min(RAW_RECORD_CAP)].to_vec(),
        }
    }
}

impl fmt::Display for QuarantinedRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}: {}", self.file, self.position, self.reason)
    }
}
