//! Accounts, and the observations of an account's public profile over time.

use crate::{Platform, Timestamp};
use serde::{Deserialize, Serialize};

/// A public account as one record of an export saw it.
///
/// Identity is `(platform, platform_id)`. Every distinct state of the profile (handle, name, bio, avatar,
/// counts) is kept as an observation: a renamed account, or one whose bio changed, keeps its history, which is
/// what an analyst needs to follow a re-branded or re-created account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    /// The platform the account is on.
    pub platform: Platform,
    /// The platform's stable id (X user id, Telegram `from_id`); for inputs that give only a handle, the
    /// lower-cased handle prefixed with `@`.
    pub platform_id: String,
    /// The handle or username, without `@`.
    pub handle: Option<String>,
    /// The display name.
    pub display_name: Option<String>,
    /// The profile description.
    pub bio: Option<String>,
    /// The address of the profile picture, as the platform gave it.
    pub avatar_url: Option<String>,
    /// When the account was created, if the platform says.
    pub created_at: Option<Timestamp>,
    /// Followers count as seen.
    pub followers: Option<i64>,
    /// Following count as seen.
    pub following: Option<i64>,
    /// Posts count as seen.
    pub post_count: Option<i64>,
    /// When this state was seen: the time of the newest post that carried it, when the export has no
    /// collection time.
    pub observed_at: Option<Timestamp>,
}

impl Account {
    /// An account known only by its id.
    pub fn with_id(platform: Platform, platform_id: impl Into<String>) -> Self {
        Account {
            platform,
            platform_id: platform_id.into(),
            handle: None,
            display_name: None,
            bio: None,
            avatar_url: None,
            created_at: None,
            followers: None,
            following: None,
            post_count: None,
            observed_at: None,
        }
    }

    /// The account id used when an input names an account only by handle.
    pub fn id_from_handle(handle: &str) -> String {
        format!("@{}", handle.trim_start_matches('@').to_lowercase())
    }

    /// Whether this record says anything about the profile beyond its id.
    pub fn has_profile(&self) -> bool {
        self.handle.is_some()
            || self.display_name.is_some()
            || self.bio.is_some()
            || self.avatar_url.is_some()
            || self.followers.is_some()
            || self.following.is_some()
            || self.post_count.is_some()
    }
}

/// A stable 64-bit fingerprint of an account's observable state (everything but `observed_at`).
///
/// Two records of the same profile state have the same fingerprint on every machine and every run, which is
/// what makes re-importing a file idempotent. FNV-1a over the fields with separators; collisions only merge
/// two observations of the same account, never two accounts.
pub fn observation_fingerprint(a: &Account) -> i64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut eat = |bytes: &[u8]| {
        for &b in bytes {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        h ^= 0xff;
        h = h.wrapping_mul(0x0100_0000_01b3);
    };
    for s in [&a.handle, &a.display_name, &a.bio, &a.avatar_url] {
        match s {
            Some(s) => eat(s.as_bytes()),
            None => eat(&[0xfe]),
        }
    }
    for n in [
        a.created_at.map(|t| t.0),
        a.followers,
        a.following,
        a.post_count,
    ] {
        match n {
            Some(n) => eat(&n.to_le_bytes()),
            None => eat(&[0xfe]),
        }
    }
    h as i64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprint_ignores_observation_time_only() {
        let mut a = Account::with_id(Platform::x(), "1");
        a.handle = Some("alpha".into());
        let mut b = a.clone();
        b.observed_at = Some(Timestamp(5));
        assert_eq!(observation_fingerprint(&a), observation_fingerprint(&b));
        b.bio = Some("new bio".into());
        assert_ne!(observation_fingerprint(&a), observation_fingerprint(&b));
        // A field moving from one slot to another must change the fingerprint.
        let mut c = Account::with_id(Platform::x(), "1");
        c.display_name = Some("alpha".into());
        assert_ne!(observation_fingerprint(&a), observation_fingerprint(&c));
    }
}
