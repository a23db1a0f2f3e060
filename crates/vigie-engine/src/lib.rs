//! The pipeline: find inputs, read them with the ingest adapters, hash and store media, and write
//! everything to the store in batched transactions.
//!
//! Owns no format and no SQL: it wires `vigie-ingest`, `vigie-media`, `vigie-pdq` and `vigie-store`.

mod error;
mod hashing;
mod scan;

pub use error::EngineError;
pub use hashing::{FileHashes, ImageHash, ImageHashError, hash_bytes, hash_file};
pub use scan::{InputReport, Progress, ScanConfig, ScanReport, SilentProgress, scan};
