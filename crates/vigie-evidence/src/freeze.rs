//! Freezing a confirmed case's evidence: what the case rests on, read from the store once and kept as one JSON
//! document with its SHA-256 ([`vigie_store::Review::freeze_evidence`]). Packages are made from it, so that later
//! scans and re-analyses cannot change what a confirmed case's package holds.

use serde::{Deserialize, Serialize};
use vigie_model::{
    Account, Case, CaseStatus, Decision, MediaKind, Post, SignalType, Timestamp, account_permalink,
};
use vigie_store::{Actor, FrozenEvidence, Store};

use crate::EvidenceError;

/// What a confirmed case rests on, as frozen.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FrozenCase {
    /// The case: its evidence, score, category, label and status, and its post's permalink.
    pub case: Case,
    /// Its post (post cases), with its entities, attachments and where it was read from.
    pub post: Option<Post>,
    /// The author (or the account of an account case) as last observed, with when it was first and last seen.
    pub author: Option<FrozenAccount>,
    /// The post's stored media.
    pub media: Vec<FrozenMedium>,
    /// Every decision on the case, oldest first.
    pub decisions: Vec<Decision>,
    /// When the confirming decision was taken.
    pub confirmed_at: Option<Timestamp>,
}

/// An account as frozen.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FrozenAccount {
    /// Its newest observed state.
    pub account: Account,
    /// Its public address, when its ids give one.
    pub permalink: Option<String>,
    /// When its first stored state was seen.
    pub first_observed: Option<Timestamp>,
    /// Distinct states observed.
    pub observations: usize,
}

/// A stored medium of the post, as frozen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FrozenMedium {
    /// Its place among the post's attachments (0-based).
    pub position: usize,
    /// The kind the platform gave.
    pub kind: MediaKind,
    /// SHA-256 of the bytes (their name in the media folder).
    pub sha256: String,
    /// MD5 of the bytes.
    pub md5: Option<String>,
    /// PDQ hash, when it is an image.
    pub pdq: Option<String>,
    /// The address the platform gave for the bytes.
    pub url: Option<String>,
    /// Its path in the export it was read from.
    pub source_path: Option<String>,
}

/// The frozen evidence of case `case_id`, freezing it now when it is confirmed and not frozen yet (a case
/// confirmed before freezing existed, or whose freeze after the decision failed).
///
/// # Errors
/// When there is no such case, it is not confirmed (only a completed human decision lets evidence out), or the
/// store fails.
pub fn frozen_or_freeze(
    store: &mut dyn Store,
    case_id: i64,
    actor: &Actor,
) -> Result<FrozenEvidence, EvidenceError> {
    if let Some(frozen) = store.frozen_evidence(case_id)? {
        return Ok(frozen);
    }
    let frozen = document(store, case_id)?;
    let body = serde_json::to_string(&frozen).map_err(|e| EvidenceError::Package(e.to_string()))?;
    store.freeze_evidence(case_id, &body, actor)?;
    store
        .frozen_evidence(case_id)?
        .ok_or(EvidenceError::NoCase(case_id))
}

/// Reads what case `case_id` rests on now.
fn document(store: &mut dyn Store, case_id: i64) -> Result<FrozenCase, EvidenceError> {
    let view = store
        .case_view(case_id)?
        .ok_or(EvidenceError::NoCase(case_id))?;
    if view.case.status != CaseStatus::Confirmed.as_str() {
        return Err(EvidenceError::NotConfirmed {
            case_id,
            status: view.case.status.clone(),
        });
    }
    let confirmed_at = view
        .decisions
        .iter()
        .rev()
        .find(|d| d.to_status == CaseStatus::Confirmed)
        .map(|d| d.at);
    let author = match &view.case.account_id {
        Some(id) => {
            let states = store.observations(&view.case.platform, id)?;
            let first_observed = states.iter().filter_map(|a| a.observed_at).min();
            let observations = states.len();
            states.into_iter().last().map(|account| FrozenAccount {
                permalink: account_permalink(
                    account.platform.as_str(),
                    &account.platform_id,
                    account.handle.as_deref(),
                    None,
                ),
                account,
                first_observed,
                observations,
            })
        }
        None => None,
    };
    let post = view.post.map(|p| p.post);
    let mut media = Vec::new();
    for (position, attachment) in post.iter().flat_map(|p| p.attachments.iter()).enumerate() {
        let Some(sha256) = &attachment.sha256 else {
            continue;
        };
        let stored = store
            .media_by_digest(SignalType::Sha256, std::slice::from_ref(sha256))?
            .into_iter()
            .next();
        media.push(FrozenMedium {
            position,
            kind: attachment.kind,
            sha256: sha256.clone(),
            md5: stored.as_ref().map(|m| m.md5.clone()),
            pdq: stored.and_then(|m| m.pdq),
            url: attachment.url.clone(),
            source_path: attachment.source_path.clone(),
        });
    }
    Ok(FrozenCase {
        case: view.case,
        post,
        author,
        media,
        decisions: view.decisions,
        confirmed_at,
    })
}
