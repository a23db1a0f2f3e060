//! Referrals: confirmed cases sent to a platform in batches, and what the platform did with them.

use serde::{Deserialize, Serialize};

use crate::Timestamp;

/// Where a referral stands.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReferralStatus {
    /// Made, not sent yet: items may still be looked at.
    Draft,
    /// Sent to the platform.
    Sent,
    /// The platform said it received it.
    Acknowledged,
    /// The platform acted on it (removed, restricted).
    Actioned,
    /// The platform declined to act.
    Declined,
    /// No answer in time.
    Expired,
}

impl ReferralStatus {
    /// Every status, in order.
    pub const ALL: [ReferralStatus; 6] = [
        ReferralStatus::Draft,
        ReferralStatus::Sent,
        ReferralStatus::Acknowledged,
        ReferralStatus::Actioned,
        ReferralStatus::Declined,
        ReferralStatus::Expired,
    ];

    /// Its name.
    pub fn as_str(self) -> &'static str {
        match self {
            ReferralStatus::Draft => "draft",
            ReferralStatus::Sent => "sent",
            ReferralStatus::Acknowledged => "acknowledged",
            ReferralStatus::Actioned => "actioned",
            ReferralStatus::Declined => "declined",
            ReferralStatus::Expired => "expired",
        }
    }

    /// The status named `text`.
    pub fn parse(text: &str) -> Option<ReferralStatus> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }

    /// Whether a referral may go from `self` to `to`: a draft is sent; a sent referral is acknowledged, actioned,
    /// declined or expires; an acknowledged one is actioned, declined or expires. Actioned, declined and expired
    /// are final, except that an expired referral may still be answered (actioned or declined) late.
    pub fn may_become(self, to: ReferralStatus) -> bool {
        use ReferralStatus::*;
        matches!(
            (self, to),
            (Draft, Sent)
                | (Sent, Acknowledged | Actioned | Declined | Expired)
                | (Acknowledged, Actioned | Declined | Expired)
                | (Expired, Actioned | Declined)
        )
    }

    /// Whether the platform has answered for good.
    pub fn is_final(self) -> bool {
        matches!(self, ReferralStatus::Actioned | ReferralStatus::Declined)
    }
}

/// A referral: confirmed cases of one platform, sent together.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Referral {
    /// Row id.
    pub id: i64,
    /// The platform.
    pub platform: String,
    /// The template its export follows.
    pub template: String,
    /// Where it stands.
    pub status: ReferralStatus,
    /// Who made it.
    pub created_by: String,
    /// When.
    pub created_at: Timestamp,
    /// When it was sent.
    pub sent_at: Option<Timestamp>,
    /// When its status last changed.
    pub updated_at: Timestamp,
    /// Its cases.
    pub items: usize,
    /// Items the platform actioned.
    pub actioned: usize,
    /// Items seen live again after it was sent.
    pub still_live: usize,
    /// Items whose account later scans of the platform no longer saw.
    pub no_longer_observed: usize,
}

/// One case of a referral.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReferralItem {
    /// The referral.
    pub referral_id: i64,
    /// The case.
    pub case_id: i64,
    /// Post or account.
    pub subject: String,
    /// The post's platform id (post cases).
    pub post_id: Option<String>,
    /// The account's platform id.
    pub account_id: Option<String>,
    /// The account's handle.
    pub handle: Option<String>,
    /// Its public address.
    pub permalink: Option<String>,
    /// The policy label it was confirmed with.
    pub label: Option<String>,
    /// Its category.
    pub category: Option<String>,
    /// Its score.
    pub score: f64,
    /// What the platform said of this item (`actioned`, `declined`), when it answered per item.
    pub outcome: Option<String>,
    /// When the platform acted on it.
    pub actioned_at: Option<Timestamp>,
    /// When a scan after the referral was sent last saw it live.
    pub seen_live_at: Option<Timestamp>,
    /// When a scan of its platform after the referral was sent first no longer saw its account.
    pub gone_at: Option<Timestamp>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_round_trip_and_move_only_forward() {
        for s in ReferralStatus::ALL {
            assert_eq!(ReferralStatus::parse(s.as_str()), Some(s));
            assert!(!s.may_become(s), "{s:?} to itself");
            assert!(!s.may_become(ReferralStatus::Draft), "{s:?} back to draft");
        }
        assert!(ReferralStatus::Draft.may_become(ReferralStatus::Sent));
        assert!(!ReferralStatus::Draft.may_become(ReferralStatus::Actioned));
        assert!(ReferralStatus::Sent.may_become(ReferralStatus::Expired));
        assert!(ReferralStatus::Expired.may_become(ReferralStatus::Actioned));
        assert!(!ReferralStatus::Actioned.may_become(ReferralStatus::Declined));
        assert_eq!(ReferralStatus::parse("done"), None);
    }
}
