//! Imports: one run of one adapter over one input, with its counts.

use crate::Timestamp;
use serde::{Deserialize, Serialize};
use std::fmt;

/// An input format Vigie reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Format {
    /// X / Twitter API v2 responses, one per file or one per line.
    XV2,
    /// A Telegram Desktop export (`result.json`).
    Telegram,
    /// Generic JSONL, one post or account per line.
    Jsonl,
    /// Generic CSV with a header.
    Csv,
    /// Loose media files.
    Media,
    /// A hash list imported into a bank (`vigie bank import`), not a scan input.
    HashList,
}

impl Format {
    /// The name used on the command line and in the store.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::XV2 => "x-v2",
            Format::Telegram => "telegram",
            Format::Jsonl => "jsonl",
            Format::Csv => "csv",
            Format::Media => "media",
            Format::HashList => "hash-list",
        }
    }

    /// Parses a name written by [`Format::as_str`].
    pub fn parse(name: &str) -> Option<Format> {
        Some(match name {
            "x-v2" => Format::XV2,
            "telegram" => Format::Telegram,
            "jsonl" => Format::Jsonl,
            "csv" => Format::Csv,
            "media" => Format::Media,
            "hash-list" => Format::HashList,
            _ => return None,
        })
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Counts of what one import read. Records seen again (re-imports) are counted as read, not as new.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportCounts {
    /// Account records read (including authors embedded in posts).
    pub accounts: u64,
    /// Posts read.
    pub posts: u64,
    /// Media files read and stored.
    pub media: u64,
    /// Records quarantined.
    pub quarantined: u64,
}

impl ImportCounts {
    /// Adds another set of counts.
    pub fn add(&mut self, other: &ImportCounts) {
        self.accounts += other.accounts;
        self.posts += other.posts;
        self.media += other.media;
        self.quarantined += other.quarantined;
    }
}

/// Whether an import ran to its end.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ImportStatus {
    /// Started and not finished: still running, or killed.
    Running,
    /// Read to the end.
    Complete,
    /// Stopped by an error that made the rest of the input unreadable.
    Failed,
}

impl ImportStatus {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            ImportStatus::Running => "running",
            ImportStatus::Complete => "complete",
            ImportStatus::Failed => "failed",
        }
    }
    /// Parses a stored name.
    pub fn parse(s: &str) -> ImportStatus {
        match s {
            "complete" => ImportStatus::Complete,
            "failed" => ImportStatus::Failed,
            _ => ImportStatus::Running,
        }
    }
}

/// One import as the store records it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportSummary {
    /// The store's id.
    pub id: i64,
    /// The input path as given.
    pub path: String,
    /// The format read.
    pub format: Format,
    /// When it started (wall clock).
    pub started_at: Timestamp,
    /// When it finished.
    pub finished_at: Option<Timestamp>,
    /// Its status.
    pub status: ImportStatus,
    /// What it read.
    pub counts: ImportCounts,
    /// The error that stopped it, for failed imports.
    pub error: Option<String>,
}
