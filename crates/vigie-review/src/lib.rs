//! The review domain, without HTTP: what the review server and the command line share.
//!
//! - [`passwords`]: users' names and passwords (Argon2id), random secrets and what the store keeps of them;
//! - [`audit`]: the check of the whole audit chain;
//! - [`allow_list`]: the allow-list that reviewers' rejections feed.
//!
//! Each change goes through `vigie-store`, which writes it and its audit entry in one transaction.

pub mod allow_list;
pub mod audit;
pub mod passwords;

pub use allow_list::{AllowListFeed, BlockListFeed, feed_allow_list, feed_block_list};
pub use audit::{
    AuditAnchor, AuditReport, audit_anchor, verify_store_audit, verify_store_audit_against,
};
pub use passwords::{
    MIN_PASSWORD, check_new_user, constant_time_eq, hash_password, random_hex, secret_hash,
    verify_password,
};
