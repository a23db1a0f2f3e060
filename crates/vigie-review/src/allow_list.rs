//! What reviewers' decisions feed back: rejections marked "feed an allow-list" become allow-list entries.

use vigie_model::{Action, AuditEvent, BankKind, CaseSubject, EntryRecord, Labels, SignalType};
use vigie_store::{Actor, CaseQuery, EntryCounts, NewBank, PostQuery, Store, StoreError};

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
        let posts = store.posts(&PostQuery {
            platform: Some(case.platform.clone()),
            post_id: Some(post_id),
            limit: 1,
            ..PostQuery::default()
        })?;
        let shas: Vec<String> = posts
            .iter()
            .flat_map(|p| p.post.attachments.iter())
            .filter_map(|a| a.sha256.clone())
            .collect();
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
