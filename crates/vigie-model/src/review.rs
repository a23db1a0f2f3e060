//! Review: who may do what, the decisions reviewers take on cases, and the audit trail that records every
//! change.
//!
//! A case moves through these statuses:
//!
//! ```text
//!            confirm (1st)              confirm (2nd, another reviewer)
//!   open ─────────────────> pending ────────────────────────────────> confirmed
//!    │  \                     │  reject                                  │
//!    │   \ escalate           v                                          │
//!    │    └──────────> escalated ── confirm / reject ──> ...             │
//!    │ reject                                                            │
//!    v                                                                   │
//!  rejected <───────────────── reopen (any closed status) ───────────────┘ ──> open
//! ```
//!
//! With the two-person rule off, the first confirmation confirms. Every decision is kept, in order, with who
//! took it, so a reversal or an appeal never erases what came before.

use crate::Timestamp;
use serde::{Deserialize, Serialize};

/// What a user may do. Each role may do everything the roles before it may.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Reads the queue and cases.
    Viewer,
    /// Also takes first decisions: confirm, reject, escalate; assigns cases.
    Analyst,
    /// Also gives the second confirmation, decides escalated cases and reopens closed ones.
    Reviewer,
    /// Also manages users and tokens and reads the audit trail.
    Admin,
}

impl Role {
    /// Every role, least privileged first.
    pub const ALL: [Role; 4] = [Role::Viewer, Role::Analyst, Role::Reviewer, Role::Admin];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Analyst => "analyst",
            Role::Reviewer => "reviewer",
            Role::Admin => "admin",
        }
    }

    /// Parses a stored name.
    pub fn parse(name: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == name)
    }
}

/// A case's review status.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CaseStatus {
    /// Not decided yet.
    Open,
    /// Confirmed once; waits for a second reviewer (two-person rule).
    Pending,
    /// Confirmed: may be referred.
    Confirmed,
    /// A false positive.
    Rejected,
    /// Sent to a reviewer for a decision.
    Escalated,
}

impl CaseStatus {
    /// Every status.
    pub const ALL: [CaseStatus; 5] = [
        CaseStatus::Open,
        CaseStatus::Pending,
        CaseStatus::Confirmed,
        CaseStatus::Rejected,
        CaseStatus::Escalated,
    ];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            CaseStatus::Open => "open",
            CaseStatus::Pending => "pending",
            CaseStatus::Confirmed => "confirmed",
            CaseStatus::Rejected => "rejected",
            CaseStatus::Escalated => "escalated",
        }
    }

    /// Parses a stored name.
    pub fn parse(name: &str) -> Option<CaseStatus> {
        CaseStatus::ALL.into_iter().find(|s| s.as_str() == name)
    }
}

/// A decision a reviewer takes on a case.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// The case is what the evidence says (with a policy label).
    Confirm,
    /// A false positive (with a reason).
    Reject,
    /// Needs a more senior reviewer.
    Escalate,
    /// Back to open, for a reversal or an appeal.
    Reopen,
}

impl Action {
    /// Every action.
    pub const ALL: [Action; 4] = [
        Action::Confirm,
        Action::Reject,
        Action::Escalate,
        Action::Reopen,
    ];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Confirm => "confirm",
            Action::Reject => "reject",
            Action::Escalate => "escalate",
            Action::Reopen => "reopen",
        }
    }

    /// Parses a stored name.
    pub fn parse(name: &str) -> Option<Action> {
        Action::ALL.into_iter().find(|a| a.as_str() == name)
    }
}

/// Why a decision is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecisionError {
    /// The user's role does not allow it.
    #[error("a {role} may not {action} a case that is {status}", role = .role.as_str(), action = .action.as_str(), status = .status.as_str())]
    Forbidden {
        /// The user's role.
        role: Role,
        /// The action.
        action: Action,
        /// The case's status.
        status: CaseStatus,
    },
    /// The action makes no sense in this status (confirming a confirmed case...).
    #[error("cannot {action} a case that is {status}", action = .action.as_str(), status = .status.as_str())]
    InvalidTransition {
        /// The action.
        action: Action,
        /// The case's status.
        status: CaseStatus,
    },
    /// The second confirmation must come from another user.
    #[error("the second confirmation must come from another reviewer than the first")]
    SameReviewer,
    /// A confirmation needs a policy label from the taxonomy.
    #[error("a confirmation needs a policy label from the taxonomy")]
    LabelRequired,
    /// The label is not in the taxonomy.
    #[error("unknown policy label {0:?}")]
    UnknownLabel(String),
    /// A rejection needs a reason.
    #[error("a rejection needs a reason")]
    ReasonRequired,
}

/// The status a decision leads to, or why it may not be taken.
///
/// `first_confirmer` is the user who confirmed a `pending` case; `two_person` is the deployment's
/// two-person rule. Role rules: analysts confirm, reject and escalate open cases; the second confirmation,
/// decisions on escalated cases and reopening need a reviewer.
pub fn transition(
    status: CaseStatus,
    action: Action,
    role: Role,
    user: i64,
    first_confirmer: Option<i64>,
    two_person: bool,
) -> Result<CaseStatus, DecisionError> {
    let forbidden = || DecisionError::Forbidden {
        role,
        action,
        status,
    };
    let invalid = || DecisionError::InvalidTransition { action, status };
    if role < Role::Analyst {
        return Err(forbidden());
    }
    match (status, action) {
        (CaseStatus::Open, Action::Confirm) => Ok(if two_person {
            CaseStatus::Pending
        } else {
            CaseStatus::Confirmed
        }),
        (CaseStatus::Open, Action::Reject) => Ok(CaseStatus::Rejected),
        (CaseStatus::Open, Action::Escalate) => Ok(CaseStatus::Escalated),
        (CaseStatus::Pending, Action::Confirm) => {
            if role < Role::Reviewer {
                Err(forbidden())
            } else if first_confirmer == Some(user) {
                Err(DecisionError::SameReviewer)
            } else {
                Ok(CaseStatus::Confirmed)
            }
        }
        (CaseStatus::Pending, Action::Reject) | (CaseStatus::Pending, Action::Escalate) => {
            if role < Role::Reviewer {
                Err(forbidden())
            } else if action == Action::Reject {
                Ok(CaseStatus::Rejected)
            } else {
                Ok(CaseStatus::Escalated)
            }
        }
        (CaseStatus::Escalated, Action::Confirm) => {
            if role < Role::Reviewer {
                Err(forbidden())
            } else if two_person {
                Ok(CaseStatus::Pending)
            } else {
                Ok(CaseStatus::Confirmed)
            }
        }
        (CaseStatus::Escalated, Action::Reject) => {
            if role < Role::Reviewer {
                Err(forbidden())
            } else {
                Ok(CaseStatus::Rejected)
            }
        }
        (
            CaseStatus::Pending
            | CaseStatus::Confirmed
            | CaseStatus::Rejected
            | CaseStatus::Escalated,
            Action::Reopen,
        ) => {
            if role < Role::Reviewer {
                Err(forbidden())
            } else {
                Ok(CaseStatus::Open)
            }
        }
        _ => Err(invalid()),
    }
}

/// A local user.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    /// Row id.
    pub id: i64,
    /// Login name.
    pub name: String,
    /// Role.
    pub role: Role,
    /// A disabled user cannot log in or use tokens.
    pub disabled: bool,
    /// Failed logins since the last success.
    pub failed_logins: u32,
    /// Locked out until then, after too many failed logins.
    pub locked_until: Option<Timestamp>,
    /// Per-user settings (wellbeing: blur, greyscale), JSON.
    pub settings: UserSettings,
    /// When created.
    pub created_at: Timestamp,
}

/// What a user chose for their own screen. Defaults protect: media blurred and grey, nothing autoplays.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct UserSettings {
    /// Blur media until clicked.
    pub blur: bool,
    /// Show media in greyscale.
    pub greyscale: bool,
    /// Play videos without a click (off by default).
    pub autoplay: bool,
}

impl Default for UserSettings {
    fn default() -> UserSettings {
        UserSettings {
            blur: true,
            greyscale: true,
            autoplay: false,
        }
    }
}

/// One decision on a case, as kept in its history.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Decision {
    /// Row id.
    pub id: i64,
    /// The case.
    pub case_id: i64,
    /// Who took it.
    pub user: String,
    /// The user's row id.
    pub user_id: i64,
    /// What.
    pub action: Action,
    /// The status before.
    pub from_status: CaseStatus,
    /// The status after.
    pub to_status: CaseStatus,
    /// The policy label (confirmations).
    pub label: Option<String>,
    /// The reason (rejections, escalations, reopenings).
    pub reason: Option<String>,
    /// A rejection that should feed an allow-list (the medium or text is a known false positive).
    pub allow_list: bool,
    /// When.
    pub at: Timestamp,
}

/// One entry of the audit trail.
///
/// Entries are hash-chained: `hash` is the SHA-256 of the previous entry's hash and this entry's fields (see
/// [`AuditEntry::chain_input`]), so editing or removing an entry breaks every hash after it.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// Position in the chain, from 1, without gaps.
    pub seq: i64,
    /// When.
    pub at: Timestamp,
    /// Who: a user name, `cli:<os user>` for the command line, or `-` when nobody is logged in.
    pub actor: String,
    /// What happened (`login`, `login_failed`, `decision`, `user_add`, `token_create`...).
    pub action: String,
    /// What it happened to (`case:12`, `user:alice`, `bank:tcap`).
    pub subject: String,
    /// Details, JSON.
    pub detail: String,
    /// The previous entry's hash (hex); 64 zeros for the first entry.
    pub prev_hash: String,
    /// This entry's hash (hex).
    pub hash: String,
}

impl AuditEntry {
    /// The bytes hashed after the previous hash: every field but the hashes, each length-prefixed so that no
    /// two different entries give the same input.
    pub fn chain_input(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(64 + self.detail.len() + self.subject.len());
        let seq = self.seq.to_string();
        let at = self.at.millis().to_string();
        for field in [
            seq.as_str(),
            at.as_str(),
            self.actor.as_str(),
            self.action.as_str(),
            self.subject.as_str(),
            self.detail.as_str(),
        ] {
            out.extend_from_slice(&(field.len() as u64).to_le_bytes());
            out.extend_from_slice(field.as_bytes());
        }
        out
    }
}

/// A break in the audit chain.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditProblem {
    /// The position where it shows.
    pub seq: i64,
    /// What is wrong.
    pub problem: String,
}

/// The hash of the chain before its first entry.
pub const AUDIT_GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// An API token as listed (its secret is shown once, at creation, and stored only hashed).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiToken {
    /// Row id.
    pub id: i64,
    /// Whose.
    pub user: String,
    /// A name to recognise it by.
    pub name: String,
    /// The first characters of the secret, to recognise it in logs.
    pub prefix: String,
    /// When created.
    pub created_at: Timestamp,
    /// When last used.
    pub last_used_at: Option<Timestamp>,
    /// When revoked.
    pub revoked_at: Option<Timestamp>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_person_rule() {
        let (a, b) = (1, 2);
        let pending = transition(
            CaseStatus::Open,
            Action::Confirm,
            Role::Analyst,
            a,
            None,
            true,
        );
        assert_eq!(pending, Ok(CaseStatus::Pending));
        assert_eq!(
            transition(
                CaseStatus::Pending,
                Action::Confirm,
                Role::Reviewer,
                a,
                Some(a),
                true
            ),
            Err(DecisionError::SameReviewer)
        );
        assert!(matches!(
            transition(
                CaseStatus::Pending,
                Action::Confirm,
                Role::Analyst,
                b,
                Some(a),
                true
            ),
            Err(DecisionError::Forbidden { .. })
        ));
        assert_eq!(
            transition(
                CaseStatus::Pending,
                Action::Confirm,
                Role::Reviewer,
                b,
                Some(a),
                true
            ),
            Ok(CaseStatus::Confirmed)
        );
        // Without the rule, one confirmation confirms.
        assert_eq!(
            transition(
                CaseStatus::Open,
                Action::Confirm,
                Role::Analyst,
                a,
                None,
                false
            ),
            Ok(CaseStatus::Confirmed)
        );
    }

    #[test]
    fn roles_and_transitions() {
        assert!(matches!(
            transition(
                CaseStatus::Open,
                Action::Reject,
                Role::Viewer,
                1,
                None,
                true
            ),
            Err(DecisionError::Forbidden { .. })
        ));
        assert!(matches!(
            transition(
                CaseStatus::Rejected,
                Action::Reopen,
                Role::Analyst,
                1,
                None,
                true
            ),
            Err(DecisionError::Forbidden { .. })
        ));
        assert_eq!(
            transition(
                CaseStatus::Rejected,
                Action::Reopen,
                Role::Reviewer,
                1,
                None,
                true
            ),
            Ok(CaseStatus::Open)
        );
        assert!(matches!(
            transition(
                CaseStatus::Confirmed,
                Action::Confirm,
                Role::Admin,
                1,
                None,
                true
            ),
            Err(DecisionError::InvalidTransition { .. })
        ));
        assert!(matches!(
            transition(CaseStatus::Open, Action::Reopen, Role::Admin, 1, None, true),
            Err(DecisionError::InvalidTransition { .. })
        ));
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Some(role));
        }
        for s in CaseStatus::ALL {
            assert_eq!(CaseStatus::parse(s.as_str()), Some(s));
        }
    }

    #[test]
    fn chain_input_separates_fields() {
        let entry = |actor: &str, action: &str| AuditEntry {
            seq: 1,
            at: Timestamp(0),
            actor: actor.into(),
            action: action.into(),
            subject: String::new(),
            detail: String::new(),
            prev_hash: AUDIT_GENESIS.into(),
            hash: String::new(),
        };
        assert_ne!(
            entry("ab", "c").chain_input(),
            entry("a", "bc").chain_input()
        );
    }
}
