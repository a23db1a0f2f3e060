//! Exact near-neighbour search over 256-bit PDQ hashes under Hamming distance, and exact-digest sets.
//!
//! A [`PdqIndex`] answers "which stored hashes are within distance `r` of this one" with exactly the
//! brute-force answer, for every `r` from 0 to 256, in microseconds over millions of hashes at the usual
//! matching distances (31 and below). It is made of immutable [`Segment`]s, which a caller can write to
//! files and later view in place (no parsing, no copy), plus recent inserts and removal marks in memory.
//! [`DigestSet`] does the same job for exact digests (MD5, SHA-256).
//!
//! This crate is pure: it opens no file and spawns no thread. Segments are written to a caller's
//! [`std::io::Write`] and viewed from a caller's bytes (a memory map or a buffer).
//!
//! ```
//! use vigie_index::{Hit, PdqIndex};
//! use vigie_pdq::Hash256;
//!
//! let stored = Hash256::from_hex(&"f0".repeat(32))?;
//! let mut index = PdqIndex::new();
//! index.insert(stored, 7);
//! let mut query = stored;
//! query.0[0] ^= 0b111; // three bits differ
//! assert_eq!(index.search_sorted(&query, 31), [Hit { id: 7, distance: 3 }]);
//! assert!(index.search_sorted(&query, 2).is_empty());
//! # Ok::<(), vigie_pdq::ParseHashError>(())
//! ```

mod digest;
mod error;
mod hit;
mod index;
mod kernel;
mod plan;
mod search;
mod segment;

pub use digest::{DigestSet, Md5Set, Sha256Set};
pub use error::{BuildError, FormatError, Section};
pub use hit::{Hit, brute_force};
pub use index::{IndexConfig, PdqIndex, build_segments};
pub use plan::Strategy;
pub use segment::{FORMAT_VERSION, Segment};
