//! The referral operations of a store: batches of confirmed cases sent to a platform, and their answers.

use vigie_model::{Referral, ReferralItem, ReferralStatus, Timestamp};

use crate::{Actor, StoreError};

/// A referral item as its row stores it: case, outcome, actioned time, last seen live, no longer observed since.
pub type ItemRow = (i64, Option<String>, Option<i64>, Option<i64>, Option<i64>);

/// A platform's answer about one item of a referral.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemResponse {
    /// The case.
    pub case_id: i64,
    /// `actioned` or `declined`.
    pub outcome: String,
    /// When the platform acted (actioned items); the import's time otherwise.
    pub at: Option<Timestamp>,
}

/// Referral operations, implemented by both backends.
pub trait Referrals {
    /// Makes a draft referral of `cases` to `platform`, following `template`, with its audit entry. Each case must
    /// be confirmed (a completed human decision), of that platform, and never referred before; otherwise nothing
    /// is made and the error names the case.
    fn create_referral(
        &mut self,
        platform: &str,
        template: &str,
        cases: &[i64],
        actor: &Actor,
    ) -> Result<Referral, StoreError>;
    /// Referrals, newest first, of one platform or status when given.
    fn referrals(
        &mut self,
        platform: Option<&str>,
        status: Option<ReferralStatus>,
    ) -> Result<Vec<Referral>, StoreError>;
    /// One referral.
    fn referral(&mut self, id: i64) -> Result<Option<Referral>, StoreError>;
    /// A referral's item rows, by case.
    fn referral_item_rows(&mut self, id: i64) -> Result<Vec<ItemRow>, StoreError>;
    /// The referral of each referred case, by case: of `cases`, or of every case when `None`.
    fn case_referrals(&mut self, cases: Option<&[i64]>) -> Result<Vec<(i64, i64)>, StoreError>;
    /// Moves a referral to `to` (audited, with `note`): sent stamps its sending time; actioned and declined give
    /// that outcome to every item that has none yet. A move the states do not allow changes nothing.
    fn mark_referral(
        &mut self,
        id: i64,
        to: ReferralStatus,
        note: Option<&str>,
        actor: &Actor,
    ) -> Result<Referral, StoreError>;
    /// Records what a scan saw of referred items (`live`: cases whose post or account it saw again; `gone`: cases
    /// whose account it no longer saw on a platform it covered), at `at`, with one audit entry when anything was
    /// seen.
    fn record_sightings(
        &mut self,
        live: &[i64],
        gone: &[i64],
        at: Timestamp,
        actor: &Actor,
    ) -> Result<(), StoreError>;
    /// Records a platform's answers about items of referral `id`, all or none (audited): each case must be an
    /// item of it, and each outcome `actioned` or `declined`.
    fn record_responses(
        &mut self,
        id: i64,
        responses: &[ItemResponse],
        actor: &Actor,
    ) -> Result<(), StoreError>;
}

/// A referral's items with their cases, by case ([`Referrals::referral_item_rows`] and each case).
///
/// # Errors
/// When the store fails.
pub fn referral_items(
    store: &mut dyn crate::Store,
    id: i64,
) -> Result<Vec<ReferralItem>, StoreError> {
    let rows = store.referral_item_rows(id)?;
    let mut items = Vec::with_capacity(rows.len());
    for (case_id, outcome, actioned_at, seen_live_at, gone_at) in rows {
        let Some(case) = store.case(case_id)? else {
            continue;
        };
        items.push(ReferralItem {
            referral_id: id,
            case_id,
            subject: case.subject.as_str().to_owned(),
            post_id: case.post_id,
            account_id: case.account_id,
            handle: case.handle,
            permalink: case.permalink,
            label: case.label,
            category: case.category.map(|c| c.as_str().to_owned()),
            score: case.score,
            outcome,
            actioned_at: actioned_at.map(Timestamp),
            seen_live_at: seen_live_at.map(Timestamp),
            gone_at: gone_at.map(Timestamp),
        });
    }
    Ok(items)
}
