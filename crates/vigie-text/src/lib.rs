//! Text signals over post text: language identification and entity extraction.
//!
//! Pure functions, no I/O. Later issues add normalization, term lists, URL canonicalization and
//! near-duplicates here.

mod entities;
mod language;

pub use entities::{extract_hashtags, extract_mentions, extract_urls};
pub use language::{Language, detect_language};
