//! The nouns of Vigie: platforms, accounts, posts, media, imports, quarantined records, hash banks and matches, cases and their evidence.
//!
//! Plain data with `serde`, no I/O. Every other crate speaks in these types; persisted and wire formats are
//! defined by the crates that own them (`vigie-store`, later `vigie-server`), not by these structs' layout.

mod account;
mod audit;
mod bank;
mod case;
mod import;
mod media;
mod permalink;
mod platform;
mod post;
mod quarantine;
mod record;
mod referral;
mod review;
mod time;

pub use account::{Account, observation_fingerprint};
pub use audit::AuditEvent;
pub use bank::{
    Bank, BankEntry, BankKind, DEFAULT_PDQ_DISTANCE, EntryRecord, Labels, MAX_PDQ_DISTANCE,
    MatchStatus, MediaMatch, SignalError, SignalType,
};
pub use case::{Case, CaseSubject, Evidence, SignalKind, TAXONOMY, Violation, ViolationDefinition};
pub use import::{Format, ImportCounts, ImportStatus, ImportSummary};
pub use media::{Attachment, Media, MediaKind, MediaSource};
pub use permalink::{account_permalink, post_permalink};
pub use platform::Platform;
pub use post::{Post, PostRef, RefKind};
pub use quarantine::{Position, QuarantinedRecord, RAW_RECORD_CAP, Source};
pub use record::Record;
pub use referral::{Referral, ReferralItem, ReferralStatus};
pub use review::{
    AUDIT_GENESIS, Action, ApiToken, AuditEntry, AuditProblem, CaseStatus, Decision, DecisionError,
    Role, User, UserSettings, transition,
};
pub use time::{Timestamp, TimestampError};
