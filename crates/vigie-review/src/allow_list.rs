//! What reviewers' decisions feed back: rejections marked "feed an allow-list" become allow-list entries.

use vigie_model::{Action, AuditEvent, BankKind, CaseSubject, EntryRecord, Labels, SignalType};
use vigie_store::{Actor, CaseQuery, EntryCounts, NewBank, PostQuery, Store, StoreError};

/// The SHA-256 of the stored media of a post.
fn post_media(
    store: &mut dyn Store,
    platform: &str,
    post_id: String,
) -> Result<Vec<String>, StoreError> {
    let posts = store.posts(&PostQuery {
        platform: Some(platform.to_owned()),
        post_id: Some(post_id),
        limit: 1,
        ..PostQuery::default()
    })?;
    Ok(posts
        .iter()
        .flat_map(|p| p.post.attachments.iter())
        .filter_map(|a| a.sha256.clone())
        .collect())
}

/// What [`feed_allow_list`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AllowListFeed {
    /// Rejected cases whose last rejection was marked for the allow-list.
    pub cases: usize,
    /// Their media.
    pub media: usize,
    /// What the bank made of them.
    pub counts: EntryCounts,
}

/// Adds the media of every rejected post case whose last rejection was marked "feed an allow-list" to the
/// allow bank `bank` (created when missing): each medium's SHA-256 and, for an image, its PDQ hash (so that
/// near-copies within the bank's PDQ distance are allowed too), with the case in the entries' labels and
/// provenance, and records it in the audit trail. Idempotent; the next match suppresses those media's block
/// matches. Refuses a block bank.
pub fn feed_allow_list(
    store: &mut dyn Store,
    bank: &str,
    actor: &Actor,
) -> Result<AllowListFeed, StoreError> {
    match store.bank_settings()?.into_iter().find(|b| b.name == bank) {
        Some(b) if b.kind != BankKind::Allow => {
            return Err(StoreError::InvalidBank(format!(
                "bank {bank:?} is a block bank; name an allow bank (or a new name)"
            )));
        }
        Some(_) => {}
        None => {
            let mut new = NewBank::named(bank);
            new.kind = BankKind::Allow;
            new.source = Some("reviewers' rejections".to_owned());
            store.create_bank(&new, actor)?;
        }
    }
    let rejected = store.cases(&CaseQuery {
        status: Some("rejected".into()),
        subject: Some(CaseSubject::Post),
        limit: usize::MAX,
        ..CaseQuery::default()
    })?;
    let mut records = Vec::new();
    let (mut cases, mut media) = (0, 0);
    for case in rejected {
        let marked = store
            .decisions(case.id)?
            .into_iter()
            .rev()
            .find(|d| d.action == Action::Reject)
            .is_some_and(|d| d.allow_list);
        let Some(post_id) = case.post_id.clone().filter(|_| marked) else {
            continue;
        };
        cases += 1;
        let shas = post_media(store, &case.platform, post_id)?;
        let pdqs = store.media_pdq(&shas)?;
        for (sha, pdq) in shas.into_iter().zip(pdqs) {
            media += 1;
            let mut labels = Labels::new();
            labels.insert("case".to_owned(), case.id.to_string());
            let provenance = Some(format!("case {} rejected as a false positive", case.id));
            // The exact bytes, and the picture itself: a re-encoded or resized copy of a rejected image is
            // the same false positive.
            for (signal, value) in
                std::iter::once((SignalType::Sha256, sha)).chain(pdq.map(|p| (SignalType::Pdq, p)))
            {
                records.push(EntryRecord {
                    signal,
                    value,
                    labels: labels.clone(),
                    provenance: provenance.clone(),
                    deleted: false,
                    updated_on: None,
                });
            }
        }
    }
    // The entries and their audit entry in one transaction.
    let counts = store.apply_entries_audited(
        bank,
        &records,
        actor,
        &AuditEvent::BankAllowList {
            bank: bank.to_owned(),
            cases,
            media,
            entries: records.len(),
        },
    )?;
    Ok(AllowListFeed {
        cases,
        media,
        counts,
    })
}

/// What [`feed_block_list`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlockListFeed {
    /// Confirmed post cases read.
    pub cases: usize,
    /// Their media.
    pub media: usize,
    /// What the bank made of them.
    pub counts: EntryCounts,
}

/// Keeps confirmed propaganda down: adds the media of confirmed post cases (every one, or those of `only`) to
/// the block bank `bank` (created when missing): each medium's SHA-256 and MD5 (the exact file, as hash-sharing
/// lists carry video) and, for an image, its PDQ hash (re-encoded or resized copies), labelled with the case
/// (`confirmed_case`), its policy label and category, and records it in the audit trail. Idempotent. A later
/// match of one of them is that case's propaganda back again, and its evidence says so. Refuses an allow bank.
///
/// # Errors
/// When `bank` is an allow bank, or the store fails.
pub fn feed_block_list(
    store: &mut dyn Store,
    bank: &str,
    only: Option<&[i64]>,
    actor: &Actor,
) -> Result<BlockListFeed, StoreError> {
    match store.bank_settings()?.into_iter().find(|b| b.name == bank) {
        Some(b) if b.kind != BankKind::Block => {
            return Err(StoreError::InvalidBank(format!(
                "bank {bank:?} is an allow bank; confirmed media go into a block bank (or a new name)"
            )));
        }
        Some(_) => {}
        None => {
            let mut new = NewBank::named(bank);
            new.source = Some("confirmed cases".to_owned());
            store.create_bank(&new, actor)?;
        }
    }
    let confirmed: Vec<vigie_model::Case> = match only {
        Some(ids) => {
            let mut cases = Vec::with_capacity(ids.len());
            for &id in ids {
                if let Some(c) = store.case(id)?.filter(|c| {
                    c.status == vigie_model::CaseStatus::Confirmed.as_str()
                        && c.subject == CaseSubject::Post
                }) {
                    cases.push(c);
                }
            }
            cases
        }
        None => store.cases(&CaseQuery {
            status: Some(vigie_model::CaseStatus::Confirmed.as_str().to_owned()),
            subject: Some(CaseSubject::Post),
            limit: usize::MAX,
            ..CaseQuery::default()
        })?,
    };
    let mut records = Vec::new();
    let (mut cases, mut media) = (0, 0);
    for case in confirmed {
        let Some(post_id) = case.post_id.clone() else {
            continue;
        };
        cases += 1;
        let shas = post_media(store, &case.platform, post_id)?;
        let stored = store.media_by_digest(SignalType::Sha256, &shas)?;
        for sha in shas {
            media += 1;
            let medium = stored.iter().find(|m| m.sha256 == sha);
            let mut labels = Labels::new();
            labels.insert("confirmed_case".to_owned(), case.id.to_string());
            if let Some(label) = &case.label {
                labels.insert("label".to_owned(), label.clone());
            }
            if let Some(category) = case.category {
                labels.insert("category".to_owned(), category.as_str().to_owned());
            }
            let provenance = Some(format!(
                "case {} confirmed{}",
                case.id,
                case.label
                    .as_deref()
                    .map(|l| format!(" as {l}"))
                    .unwrap_or_default()
            ));
            let hashes = std::iter::once((SignalType::Sha256, sha.clone()))
                .chain(medium.map(|m| (SignalType::Md5, m.md5.clone())))
                .chain(
                    medium
                        .and_then(|m| m.pdq.clone())
                        .map(|p| (SignalType::Pdq, p)),
                );
            for (signal, value) in hashes {
                records.push(EntryRecord {
                    signal,
                    value,
                    labels: labels.clone(),
                    provenance: provenance.clone(),
                    deleted: false,
                    updated_on: None,
                });
            }
        }
    }
    let counts = store.apply_entries_audited(
        bank,
        &records,
        actor,
        &AuditEvent::Note {
            action: "bank_block_list".into(),
            subject: format!("bank:{bank}"),
            detail: serde_json::json!({ "cases": cases, "media": media, "entries": records.len() }),
        },
    )?;
    Ok(BlockListFeed {
        cases,
        media,
        counts,
    })
}
