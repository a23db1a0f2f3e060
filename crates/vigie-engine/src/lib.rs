//! The pipeline: find inputs, read them with the ingest adapters, hash and store media, and write
//! everything to the store in batched transactions.
//!
//! Owns no format and no SQL: it wires `vigie-ingest`, `vigie-media` and `vigie-store`.

mod error;
mod scan;

pub use error::EngineError;
pub use scan::{InputReport, Progress, ScanConfig, ScanReport, SilentProgress, scan};
