//! The records an ingest adapter emits.

use crate::{Account, MediaSource, Post, QuarantinedRecord};

/// One item read from an input.
#[derive(Debug, Clone, PartialEq)]
pub enum Record {
    /// An account profile (standalone, or the author of posts that follow).
    Account(Account),
    /// A post.
    Post(Post),
    /// A loose media file with no post.
    Media(MediaSource),
    /// A record that could not be read.
    Quarantine(QuarantinedRecord),
}
