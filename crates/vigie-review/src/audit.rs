//! The check of the whole audit chain.

use serde::{Deserialize, Serialize};
use vigie_model::AuditProblem;
use vigie_store::{AuditVerifier, Store, StoreError};

/// The result of checking the audit chain.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditReport {
    /// Entries checked.
    pub checked: u64,
    /// The recorded head: last position.
    pub head: i64,
    /// Breaks found (none: the trail is intact).
    pub problems: Vec<AuditProblem>,
}

/// Checks the whole audit chain in batches.
pub fn verify_store_audit(s: &mut dyn Store) -> Result<AuditReport, StoreError> {
    let mut v = AuditVerifier::default();
    let mut after = 0;
    loop {
        let batch = s.audit(after, 10_000)?;
        let Some(last) = batch.last() else { break };
        after = last.seq;
        for e in &batch {
            v.check(e);
        }
    }
    let checked = v.checked;
    let head = s.audit_head()?;
    let problems = v.finish((head.0, &head.1));
    Ok(AuditReport {
        checked,
        head: head.0,
        problems,
    })
}
