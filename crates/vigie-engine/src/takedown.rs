//! Takedown tracking during a scan: what it sees of referred items. A referred post seen again, or a referred
//! account seen posting, is still live after its referral; a referred account that a scan covering its
//! platform no longer sees is no longer observed.

use std::collections::{BTreeSet, HashMap, HashSet};

use vigie_model::{CaseSubject, Timestamp};
use vigie_store::{Actor, Batch, Store, StoreError};

/// The referred items of sent referrals, and what this scan saw of them.
pub(crate) struct Sightings {
    /// (platform, post id) → the post case.
    posts: HashMap<(String, String), i64>,
    /// (platform, account id) → the account cases.
    accounts: HashMap<(String, String), Vec<i64>>,
    /// Platforms this scan read posts or accounts of.
    platforms: HashSet<String>,
    /// Referred accounts this scan saw.
    seen_accounts: HashSet<(String, String)>,
    /// Cases seen live.
    live: BTreeSet<i64>,
}

impl Sightings {
    /// The referred items of every sent referral; `None` when there are none (the scan then does nothing more).
    pub(crate) fn load(store: &mut dyn Store) -> Result<Option<Sightings>, StoreError> {
        let mut posts = HashMap::new();
        let mut accounts: HashMap<(String, String), Vec<i64>> = HashMap::new();
        for referral in store.referrals(None, None)? {
            if referral.sent_at.is_none() {
                continue;
            }
            for item in vigie_store::referral_items(store, referral.id)? {
                let platform = referral.platform.clone();
                match (item.subject.as_str(), &item.post_id, &item.account_id) {
                    (s, Some(post), _) if s == CaseSubject::Post.as_str() => {
                        posts.insert((platform, post.clone()), item.case_id);
                    }
                    (s, _, Some(account)) if s == CaseSubject::Account.as_str() => {
                        accounts
                            .entry((platform, account.clone()))
                            .or_default()
                            .push(item.case_id);
                    }
                    _ => {}
                }
            }
        }
        if posts.is_empty() && accounts.is_empty() {
            return Ok(None);
        }
        Ok(Some(Sightings {
            posts,
            accounts,
            platforms: HashSet::new(),
            seen_accounts: HashSet::new(),
            live: BTreeSet::new(),
        }))
    }

    fn account(&mut self, platform: &str, id: &str) {
        let key = (platform.to_owned(), id.to_owned());
        if let Some(cases) = self.accounts.get(&key) {
            self.live.extend(cases.iter().copied());
            self.seen_accounts.insert(key);
        }
    }

    /// Notes what a written batch holds.
    pub(crate) fn observe(&mut self, batch: &Batch) {
        for post in &batch.posts {
            let platform = post.platform.as_str();
            if !self.platforms.contains(platform) {
                self.platforms.insert(platform.to_owned());
            }
            if let Some(&case) = self
                .posts
                .get(&(platform.to_owned(), post.platform_id.clone()))
            {
                self.live.insert(case);
            }
            if let Some(account) = &post.account_id {
                self.account(platform, account);
            }
        }
        for sighting in &batch.accounts {
            let platform = sighting.account.platform.as_str().to_owned();
            self.account(&platform, &sighting.account.platform_id);
            self.platforms.insert(platform);
        }
    }

    /// Records what the scan saw: the items seen live, and the referred accounts of the platforms it covered that
    /// it did not see.
    pub(crate) fn finish(self, store: &mut dyn Store, at: Timestamp) -> Result<(), StoreError> {
        let gone: Vec<i64> = self
            .accounts
            .iter()
            .filter(|(key, _)| {
                self.platforms.contains(&key.0) && !self.seen_accounts.contains(*key)
            })
            .flat_map(|(_, cases)| cases.iter().copied())
            .filter(|c| !self.live.contains(c))
            .collect();
        let live: Vec<i64> = self.live.into_iter().collect();
        store.record_sightings(&live, &gone, at, &Actor::cli("scan"))
    }
}
