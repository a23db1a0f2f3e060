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

/// An entry of the audit chain exported to be kept outside the database (`vigie audit anchor`): a later
/// check against it finds entries removed from the end together with the head, which the database alone cannot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditAnchor {
    /// The entry's position.
    pub seq: i64,
    /// Its hash.
    pub hash: String,
    /// When it was exported (RFC 3339).
    pub exported_at: String,
}

/// The store's current head as an anchor; `None` when the store has no head.
pub fn audit_anchor(s: &mut dyn Store) -> Result<Option<AuditAnchor>, StoreError> {
    Ok(s.audit_head()?.map(|(seq, hash)| AuditAnchor {
        seq,
        hash,
        exported_at: vigie_model::Timestamp::now().to_string(),
    }))
}

/// Checks the whole audit chain in batches.
pub fn verify_store_audit(s: &mut dyn Store) -> Result<AuditReport, StoreError> {
    verify_store_audit_against(s, None)
}

/// Checks the whole audit chain in batches, and that it still holds `anchor`'s entry when given.
pub fn verify_store_audit_against(
    s: &mut dyn Store,
    anchor: Option<&AuditAnchor>,
) -> Result<AuditReport, StoreError> {
    let mut v = match anchor {
        Some(a) => AuditVerifier::anchored(a.seq, &a.hash),
        None => AuditVerifier::default(),
    };
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
    let Some(head) = s.audit_head()? else {
        v.problem(
            0,
            "the audit head is missing (every store has it from its creation): the trail was wiped or damaged"
                .to_owned(),
        );
        return Ok(AuditReport {
            checked,
            head: 0,
            problems: v.finish_headless(),
        });
    };
    let problems = v.finish((head.0, &head.1));
    Ok(AuditReport {
        checked,
        head: head.0,
        problems,
    })
}
