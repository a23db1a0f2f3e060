//! Hash-list files: the formats in which known media reaches analysts, read into [`EntryRecord`]s and written
//! back from stored [`BankEntry`]s.
//!
//! Four formats:
//! - [`ListFormat::Lines`]: one hash per line, optionally after its type (`pdq <hex>`, `video_md5 <hex>`), as
//!   ThreatExchange's file exchange writes them. `#` starts a comment. Extra `key=value` words become labels,
//!   other extra words become tags.
//! - [`ListFormat::ThreatExchange`]: python-threatexchange's own lines (`<signal type> <hash>`, its type names
//!   `pdq`, `video_md5`, `video_sha256`, nothing after the hash: its `local_file` exchange and `threatexchange
//!   hash` write and read them); read as lines. Its dataset CSV (`signal_type,signal_str,collab,category,tags`)
//!   is read as CSV.
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
pub use write::{threatexchange_type, write_list, write_threatexchange_labels};

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
    /// python-threatexchange's lines: `<signal type> <hash>`, nothing else.
    ThreatExchange,
}

impl ListFormat {
    /// Every format.
    pub const ALL: [ListFormat; 4] = [
        ListFormat::Lines,
        ListFormat::Tcap,
        ListFormat::Csv,
        ListFormat::ThreatExchange,
    ];

    /// The name used on the command line: `lines`, `tcap` or `csv`.
    pub fn as_str(self) -> &'static str {
        match self {
            ListFormat::Lines => "lines",
            ListFormat::Tcap => "tcap",
            ListFormat::Csv => "csv",
            ListFormat::ThreatExchange => "threatexchange",
        }
    }

    /// Parses a format name (`lines`, `txt`, `tcap`, `json`, `csv`, `threatexchange` or `te`).
    pub fn parse(name: &str) -> Option<ListFormat> {
        match name.trim().to_ascii_lowercase().as_str() {
            "lines" | "txt" | "text" => Some(ListFormat::Lines),
            "te" | "threatexchange" | "python-threatexchange" => Some(ListFormat::ThreatExchange),
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
