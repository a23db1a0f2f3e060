//! Engine errors: what stops a whole scan.

/// Why a scan stopped.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EngineError {
    /// A path given to the scan could not be read or is of no known format.
    #[error(transparent)]
    Input(#[from] vigie_ingest::IngestError),
    /// The store failed; what was committed before stays.
    #[error(transparent)]
    Store(#[from] vigie_store::StoreError),
    /// Text analysis could not start (a stored model or list cannot be used).
    #[error("analysis: {0}")]
    Analysis(String),
    /// A hash list could not be read as a whole (its bad rows are quarantined, not errors).
    #[error("{file}: {source}")]
    HashList {
        /// The list file.
        file: String,
        /// Why.
        source: vigie_ingest::hashlist::ListReadError,
    },
    /// The match index could not be saved or holds an impossible value.
    #[error("match index: {0}")]
    Index(String),
}
