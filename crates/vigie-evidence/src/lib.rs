//! Evidence packages of confirmed cases.
//!
//! - [`key`]: the deployment's Ed25519 signing key, kept in a file outside the store;
//! - [`freeze`]: a confirmed case's evidence frozen once in the store, so that later changes cannot alter it;
//! - [`package`]: the package (a WARC file, its manifest and the manifest's signature), and its verification;
//! - [`referral`]: referral exports, written as each platform's template (data) says, platforms' answers and
//!   takedown figures;
//! - [`report`]: the transparency report (HTML with inline SVG, and JSON);
//! - [`share`]: confirmed indicators as a STIX 2.1 bundle.

pub mod freeze;
pub mod key;
pub mod package;
pub mod referral;
pub mod report;
pub mod share;

pub use freeze::{FrozenCase, frozen_or_freeze};
pub use package::{ExportReport, Manifest, VerifyReport, export, verify};

use std::path::{Path, PathBuf};

/// What can go wrong with evidence.
#[derive(Debug, thiserror::Error)]
pub enum EvidenceError {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] vigie_store::StoreError),
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// A key is missing or malformed.
    #[error("{0}")]
    Key(String),
    /// No case has this id.
    #[error("no case {0}")]
    NoCase(i64),
    /// The case has no completed human decision confirming it.
    #[error(
        "case {case_id} is {status}, not confirmed: only a case confirmed by its reviewers has evidence to export"
    )]
    NotConfirmed {
        /// The case.
        case_id: i64,
        /// Its status.
        status: String,
    },
    /// A referral template is missing or wrong, or a referral cannot be written.
    #[error("{0}")]
    Template(String),
    /// A package could not be made or read.
    #[error("{0}")]
    Package(String),
}

impl EvidenceError {
    pub(crate) fn io(path: &Path, source: std::io::Error) -> Self {
        EvidenceError::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}
