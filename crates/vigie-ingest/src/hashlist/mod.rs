//! Hash-list files: the formats in which known media reaches analysts, read into [`EntryRecord`]s and written
//! back from stored [`BankEntry`]s.
//!
//! Three formats:
//! - [`ListFormat::Lines`]: one hash per line, optionally after its type (`pdq <hex>`, `video_md5 <hex>`), as
//!   ThreatExchange's file exchange writes them. `#` starts a comment. Extra `key=value` words become labels,
//!   other extra words become tags.
//! - [`ListFormat::Tcap`]: the JSON records of Tech Against Terrorism's TCAP hash list (`hash_digest`,
//!   `algorithm`, `ideology`, `file_type`, `deleted`, `updated_on`), as a JSON array, an object holding one, or
//!   one object per line. A record with `deleted: true` withdraws its hash.
//! - [`ListFormat::Csv`]: a header row, a hash column and a type column; every other column is a label.
//!
//! A bad row is reported as a [`ListProblem`] with its position and reason, and reading goes on. Only an
//! input that cannot be read at all is an error.

mod read;
mod write;

#[cfg(test)]
mod tests;

pub use read::{ListOptions, ListProblem, ListReadError, read_list};
pub use write::write_list;

use std::path::Path;

/// The format of a hash-list file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ListFormat {
    /// One hash per line, optionally after its type.
    Lines,
    /// TCAP hash-list JSON records.
    Tcap,
    /// CSV with a header.
    Csv,
}

impl ListFormat {
    /// Every format.
    pub const ALL: [ListFormat; 3] = [ListFormat::Lines, ListFormat::Tcap, ListFormat::Csv];

    /// The name used on the command line: `lines`, `tcap` or `csv`.
    pub fn as_str(self) -> &'static str {
        match self {
            ListFormat::Lines => "lines",
            ListFormat::Tcap => "tcap",
            ListFormat::Csv => "csv",
        }
    }

    /// Parses a format name (`lines`, `txt`, `te`, `tcap`, `json`, `csv`).
    pub fn parse(name: &str) -> Option<ListFormat> {
        match name.trim().to_ascii_lowercase().as_str() {
            "lines" | "txt" | "text" | "te" | "threatexchange" => Some(ListFormat::Lines),
            "tcap" | "json" | "jsonl" => Some(ListFormat::Tcap),
            "csv" => Some(ListFormat::Csv),
            _ => None,
        }
    }

    /// The format a file name suggests: `.json` and `.jsonl` are TCAP, `.csv` is CSV, anything else is lines.
    pub fn from_path(path: &Path) -> ListFormat {
        match path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            Some("json" | "jsonl" | "ndjson") => ListFormat::Tcap,
            Some("csv") => ListFormat::Csv,
            _ => ListFormat::Lines,
        }
    }
}
