//! Batches: what one transaction writes.

use foldhash::{HashMap, HashSet};
use vigie_model::{Account, Media, Post, QuarantinedRecord, Timestamp, observation_fingerprint};

/// One observed state of an account, with the span of times it was seen in this batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountSighting {
    /// The state.
    pub account: Account,
    /// Its fingerprint ([`observation_fingerprint`]); `None` for an account known by id only.
    pub fingerprint: Option<i64>,
    /// The earliest time it was seen.
    pub first_seen: Option<Timestamp>,
    /// The latest time it was seen.
    pub last_seen: Option<Timestamp>,
}

/// A medium whose bytes are in the media folder, and where it was found when loose.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredMedia {
    /// The medium.
    pub media: Media,
    /// The loose file it came from, if it came with no post.
    pub source_path: Option<String>,
}

/// Records to write in one transaction. Account sightings are merged as they are pushed (one per account
/// state), so a batch of ten thousand posts by a hundred accounts writes a hundred observations.
#[derive(Debug, Default)]
pub struct Batch {
    /// Account states.
    pub accounts: Vec<AccountSighting>,
    /// Posts.
    pub posts: Vec<Post>,
    /// Media.
    pub media: Vec<StoredMedia>,
    /// Quarantined records.
    pub quarantine: Vec<QuarantinedRecord>,
    /// Sightings by (account identity, fingerprint).
    index: HashMap<(u128, Option<i64>), usize>,
    /// Accounts with at least one sighting in the batch.
    present: HashSet<u128>,
}

impl Batch {
    /// Adds an account state, merging it with the same state already in the batch.
    pub fn push_account(&mut self, mut account: Account) {
        strip_nul_account(&mut account);
        let fingerprint = account
            .has_profile()
            .then(|| observation_fingerprint(&account));
        let identity = identity_key(account.platform.as_str(), &account.platform_id);
        self.present.insert(identity);
        let key = (identity, fingerprint);
        let seen = account.observed_at;
        match self.index.get(&key) {
            Some(&i) => {
                let s = &mut self.accounts[i];
                s.first_seen = min_opt(s.first_seen, seen);
                s.last_seen = max_opt(s.last_seen, seen);
            }
            None => {
                self.index.insert(key, self.accounts.len());
                self.accounts.push(AccountSighting {
                    account,
                    fingerprint,
                    first_seen: seen,
                    last_seen: seen,
                });
            }
        }
    }

    /// Adds a post. Its author, if not pushed as an account, is created as an id-only account.
    pub fn push_post(&mut self, mut post: Post) {
        strip_nul_post(&mut post);
        if let Some(author) = &post.account_id {
            let identity = identity_key(post.platform.as_str(), author);
            if self.present.insert(identity) {
                self.index.insert((identity, None), self.accounts.len());
                let account = Account::with_id(post.platform.clone(), author.clone());
                self.accounts.push(AccountSighting {
                    account,
                    fingerprint: None,
                    first_seen: None,
                    last_seen: None,
                });
            }
        }
        self.posts.push(post);
    }

    /// Adds a quarantined record.
    pub fn push_quarantine(&mut self, mut record: QuarantinedRecord) {
        strip_nul(&mut record.file);
        strip_nul(&mut record.reason);
        self.quarantine.push(record);
    }

    /// The number of records in the batch.
    pub fn len(&self) -> usize {
        self.accounts.len() + self.posts.len() + self.media.len() + self.quarantine.len()
    }

    /// Whether the batch is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Empties the batch, keeping its allocations.
    pub fn clear(&mut self) {
        self.accounts.clear();
        self.posts.clear();
        self.media.clear();
        self.quarantine.clear();
        self.index.clear();
        self.present.clear();
    }
}

fn min_opt(a: Option<Timestamp>, b: Option<Timestamp>) -> Option<Timestamp> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

fn max_opt(a: Option<Timestamp>, b: Option<Timestamp>) -> Option<Timestamp> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    }
}

/// PostgreSQL cannot store NUL characters in text; they carry no meaning in posts, so both backends drop
/// them, which keeps the two stores identical.
fn strip_nul(s: &mut String) {
    if s.contains('\0') {
        s.retain(|c| c != '\0');
    }
}

fn strip_nul_opt(s: &mut Option<String>) {
    if let Some(s) = s {
        strip_nul(s);
    }
}

fn strip_nul_account(a: &mut Account) {
    strip_nul(&mut a.platform_id);
    for field in [
        &mut a.handle,
        &mut a.display_name,
        &mut a.bio,
        &mut a.avatar_url,
    ] {
        strip_nul_opt(field);
    }
}

fn strip_nul_post(p: &mut Post) {
    strip_nul(&mut p.platform_id);
    strip_nul_opt(&mut p.account_id);
    strip_nul_opt(&mut p.text);
    strip_nul_opt(&mut p.lang);
    for list in [&mut p.hashtags, &mut p.urls, &mut p.mentions] {
        list.iter_mut().for_each(strip_nul);
    }
    for r in &mut p.references {
        strip_nul_opt(&mut r.target_post_id);
        strip_nul_opt(&mut r.target_account);
    }
    for a in &mut p.attachments {
        strip_nul_opt(&mut a.media_key);
        strip_nul_opt(&mut a.url);
        strip_nul_opt(&mut a.source_path);
    }
    if let Some(src) = &mut p.source {
        strip_nul(&mut src.file);
    }
}

/// A 128-bit key for an identity scoped by platform (an account or a post): two independent 64-bit FNV-1a
/// variants over `platform NUL id`. Used for in-memory lookups only; a collision is about as likely as one
/// of SHA-256 on billions of records.
pub(crate) fn identity_key(platform: &str, id: &str) -> u128 {
    let mut a: u64 = 0xcbf2_9ce4_8422_2325;
    let mut b: u64 = 0x6c62_272e_07bb_0142;
    for &byte in platform
        .as_bytes()
        .iter()
        .chain(&[0u8])
        .chain(id.as_bytes())
    {
        a = (a ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
        b = (b ^ u64::from(byte))
            .wrapping_mul(0x0000_0100_0000_01b3)
            .rotate_left(29);
    }
    (u128::from(a) << 64) | u128::from(b)
}

#[cfg(test)]
mod tests {
    use super::*;
    use vigie_model::Platform;

    #[test]
    fn identity_keys_separate_platform_and_id() {
        assert_ne!(identity_key("x", "1"), identity_key("x1", ""));
        assert_ne!(identity_key("x", "12"), identity_key("x", "21"));
        assert_eq!(identity_key("x", "12"), identity_key("x", "12"));
    }

    #[test]
    fn authors_get_one_sighting_per_state() {
        let mut batch = Batch::default();
        let mut a = Account::with_id(Platform::x(), "1");
        a.handle = Some("one".into());
        a.observed_at = Some(Timestamp(10));
        batch.push_account(a.clone());
        a.observed_at = Some(Timestamp(5));
        batch.push_account(a.clone());
        let mut p = Post::with_id(Platform::x(), "p1");
        p.account_id = Some("1".into());
        batch.push_post(p.clone());
        p.account_id = Some("2".into());
        batch.push_post(p);
        // Account 1: one merged state; account 2: one id-only sighting.
        assert_eq!(batch.accounts.len(), 2);
        assert_eq!(batch.accounts[0].first_seen, Some(Timestamp(5)));
        assert_eq!(batch.accounts[0].last_seen, Some(Timestamp(10)));
        assert_eq!(batch.accounts[1].fingerprint, None);
    }
}
