//! The shapes of review operations: users, sessions, API tokens, decisions on cases, and the hash-chained
//! audit trail.
//!
//! Every state change goes through a method that appends its audit entry in the same transaction as the
//! change itself, so the trail can never miss a change that happened (nor record one that did not).
//! Secrets never reach the store: passwords arrive as Argon2id hashes, session and API tokens as SHA-256
//! hashes of the secret.

use crate::StoreError;
use sha2::{Digest, Sha256};
pub use vigie_model::AuditProblem;
use vigie_model::{
    AUDIT_GENESIS, Action, ApiToken, AuditEntry, AuditEvent, Case, Decision, DecisionError, Role,
    Timestamp, User, UserSettings,
};

/// A case with its decisions, oldest first, and its post (post cases): [`Store::case_view`](crate::Store::case_view).
#[derive(Debug, Clone, PartialEq)]
pub struct CaseView {
    /// The case, with its evidence.
    pub case: Case,
    /// Its decisions, oldest first.
    pub decisions: Vec<Decision>,
    /// Its post, with entities and attachments (post cases whose post is stored).
    pub post: Option<crate::PostView>,
}

/// Who does something, for the audit trail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    /// The user's row id, when a user acts (none for the command line).
    pub user_id: Option<i64>,
    /// The name recorded: the user name, or `cli:<os user>`.
    pub name: String,
    /// Where from (the client address), when known.
    pub origin: Option<String>,
}

impl Actor {
    /// A user acting through the server.
    pub fn user(user: &User, origin: Option<String>) -> Actor {
        Actor {
            user_id: Some(user.id),
            name: user.name.clone(),
            origin,
        }
    }

    /// The command line, run by the operating-system user `os_user`.
    pub fn cli(os_user: &str) -> Actor {
        Actor {
            user_id: None,
            name: format!("cli:{os_user}"),
            origin: None,
        }
    }
}

/// A change to a user.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserChange {
    /// A new role.
    pub role: Option<Role>,
    /// Disable or enable.
    pub disabled: Option<bool>,
    /// A new password hash (Argon2id); also clears the lockout.
    pub password_hash: Option<String>,
}

/// The outcome of a login attempt, to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoginOutcome {
    /// The password was right: failed count back to 0, lockout cleared.
    Success,
    /// The password was wrong: failed count + 1, and locked until then when the limit is reached.
    Failure {
        /// The lockout to set, if this failure reaches the limit.
        lock_until: Option<Timestamp>,
    },
    /// The user is locked or disabled, or does not exist: nothing changes but the audit trail.
    Refused {
        /// Why, for the trail.
        reason: String,
    },
}

/// A decision to take on a case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDecision {
    /// The case.
    pub case_id: i64,
    /// What.
    pub action: Action,
    /// The policy label (required to confirm; must be in `taxonomy`).
    pub label: Option<String>,
    /// Why (required to reject).
    pub reason: Option<String>,
    /// A rejection that should feed an allow-list.
    pub allow_list: bool,
}

/// The deployment's review rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewRules {
    /// A confirmation counts only once a second reviewer confirms too.
    pub two_person: bool,
    /// The policy labels a confirmation may carry.
    pub taxonomy: Vec<String>,
}

/// The answer to a decision.
#[derive(Debug, Clone, PartialEq)]
pub enum DecisionOutcome {
    /// Taken and recorded.
    Taken(Decision),
    /// Refused by the rules: nothing changed.
    Refused(DecisionError),
    /// No such case.
    NoCase,
}

/// Review operations, implemented by both backends.
pub trait Review {
    /// Creates a user and records it in the audit trail. Fails with [`StoreError::Conflict`] when the name
    /// is taken.
    fn add_user(
        &mut self,
        name: &str,
        role: Role,
        password_hash: &str,
        actor: &Actor,
    ) -> Result<User, StoreError>;
    /// A user and their password hash, by name.
    fn user_login(&mut self, name: &str) -> Result<Option<(User, String)>, StoreError>;
    /// A user by row id.
    fn user_by_id(&mut self, id: i64) -> Result<Option<User>, StoreError>;
    /// Every user, by name.
    fn users(&mut self) -> Result<Vec<User>, StoreError>;
    /// Changes a user (audited). `None` when there is no such user. Disabling a user or changing their
    /// password ends their sessions.
    fn change_user(
        &mut self,
        name: &str,
        change: &UserChange,
        actor: &Actor,
    ) -> Result<Option<User>, StoreError>;
    /// Records a login attempt for `name` (audited as `login` or `login_failed`).
    fn record_login(
        &mut self,
        name: &str,
        outcome: &LoginOutcome,
        actor: &Actor,
    ) -> Result<(), StoreError>;
    /// Saves a user's own settings (audited).
    fn set_user_settings(
        &mut self,
        user_id: i64,
        settings: &UserSettings,
        actor: &Actor,
    ) -> Result<(), StoreError>;

    /// Stores a session (the SHA-256 of its secret, hex) for a user.
    fn create_session(
        &mut self,
        token_hash: &str,
        user_id: i64,
        csrf: &str,
        expires_at: Timestamp,
    ) -> Result<(), StoreError>;
    /// The user and CSRF token of a live session (not expired, user not disabled).
    fn session(
        &mut self,
        token_hash: &str,
        now: Timestamp,
    ) -> Result<Option<(User, String)>, StoreError>;
    /// Ends a session.
    fn delete_session(&mut self, token_hash: &str) -> Result<(), StoreError>;

    /// Stores an API token (the SHA-256 of its secret, hex; `prefix` its first characters) for a user
    /// (audited).
    fn create_token(
        &mut self,
        user_id: i64,
        name: &str,
        token_hash: &str,
        prefix: &str,
        actor: &Actor,
    ) -> Result<ApiToken, StoreError>;
    /// The user of a live token (not revoked, user not disabled), recording its use.
    fn token_user(&mut self, token_hash: &str, now: Timestamp) -> Result<Option<User>, StoreError>;
    /// Tokens, of one user or of all, newest first.
    fn tokens(&mut self, user_id: Option<i64>) -> Result<Vec<ApiToken>, StoreError>;
    /// Revokes a token (audited); `owner` limits it to that user's tokens. False when none was revoked.
    fn revoke_token(
        &mut self,
        id: i64,
        owner: Option<i64>,
        actor: &Actor,
    ) -> Result<bool, StoreError>;

    /// One case by row id, with its assignee and label.
    fn case(&mut self, id: i64) -> Result<Option<Case>, StoreError>;
    /// Takes a decision on a case under `rules`, in one transaction with its audit entry: checks the
    /// transition ([`vigie_model::transition`]), the label against the taxonomy and the reason, records the
    /// decision, and updates the case's status, label and first confirmer.
    fn decide(
        &mut self,
        user: &User,
        decision: &NewDecision,
        rules: &ReviewRules,
        actor: &Actor,
    ) -> Result<DecisionOutcome, StoreError>;
    /// A case's decisions, oldest first.
    fn decisions(&mut self, case_id: i64) -> Result<Vec<Decision>, StoreError>;
    /// Assigns a case to a user, or unassigns it (audited). False when there is no such case.
    fn assign(
        &mut self,
        case_id: i64,
        assignee: Option<i64>,
        actor: &Actor,
    ) -> Result<bool, StoreError>;

    /// Appends an entry to the audit trail, for an event that no change of the store records by itself (a
    /// tool's check, an operator's note).
    fn audit_append(&mut self, actor: &Actor, event: &AuditEvent)
    -> Result<AuditEntry, StoreError>;
    /// Audit entries after position `after`, oldest first, at most `limit`.
    fn audit(&mut self, after: i64, limit: usize) -> Result<Vec<AuditEntry>, StoreError>;
    /// The chain's head as recorded: last position and hash; `None` when its row is gone (every store has one
    /// from its creation: a missing head means the trail was wiped or damaged).
    fn audit_head(&mut self) -> Result<Option<(i64, String)>, StoreError>;
    /// Freezes a case's evidence: writes `body` (a JSON document) with its SHA-256, once, with its audit entry.
    /// False when the case's evidence was frozen already (the first stays, unchanged).
    fn freeze_evidence(
        &mut self,
        case_id: i64,
        body: &str,
        actor: &Actor,
    ) -> Result<bool, StoreError>;
    /// A case's frozen evidence, when it has been frozen.
    fn frozen_evidence(&mut self, case_id: i64) -> Result<Option<FrozenEvidence>, StoreError>;
}

/// A case's evidence as it was frozen ([`Review::freeze_evidence`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FrozenEvidence {
    /// The case.
    pub case_id: i64,
    /// When.
    pub frozen_at: Timestamp,
    /// The document, as written.
    pub body: String,
    /// Its SHA-256, lower-case hex.
    pub sha256: String,
}

/// The hash of an entry chained after `prev_hash`: SHA-256 over the previous hash (hex, as text) and
/// [`AuditEntry::chain_input`], hex.
pub fn audit_hash(prev_hash: &str, entry: &AuditEntry) -> String {
    let mut h = Sha256::new();
    h.update(prev_hash.as_bytes());
    h.update(entry.chain_input());
    hex::encode(h.finalize())
}

/// Builds the entry that follows `(seq, hash)` in the chain.
pub fn next_audit_entry(
    head: (i64, &str),
    at: Timestamp,
    actor: &Actor,
    action: &str,
    subject: &str,
    detail: &serde_json::Value,
) -> AuditEntry {
    let mut detail = detail.clone();
    if let (Some(origin), serde_json::Value::Object(map)) = (&actor.origin, &mut detail) {
        map.insert(
            "origin".to_owned(),
            serde_json::Value::String(origin.clone()),
        );
    }
    let mut entry = AuditEntry {
        seq: head.0 + 1,
        at,
        actor: actor.name.clone(),
        action: action.to_owned(),
        subject: subject.to_owned(),
        detail: detail.to_string(),
        prev_hash: head.1.to_owned(),
        hash: String::new(),
    };
    entry.hash = audit_hash(&entry.prev_hash, &entry);
    entry
}

/// Checks entries read in order from the start of the chain, then the recorded head, and returns every
/// problem found: an edited entry (its hash no longer matches its fields), a removed or reordered one (a gap
/// in positions, or a previous hash that is not the hash before it), and entries removed from the end (the
/// head records a later position or another hash).
///
/// Call with the entries in batches through [`AuditVerifier`] for long chains.
pub fn verify_audit(entries: &[AuditEntry], head: (i64, &str)) -> Vec<AuditProblem> {
    let mut v = AuditVerifier::default();
    for e in entries {
        v.check(e);
    }
    v.finish(head)
}

/// Checks an audit chain entry by entry (see [`verify_audit`]).
#[derive(Debug, Clone)]
pub struct AuditVerifier {
    seq: i64,
    hash: String,
    problems: Vec<AuditProblem>,
    /// Entries checked.
    pub checked: u64,
    /// An entry known from outside the database (position and hash) that the chain must still hold.
    anchor: Option<(i64, String)>,
}

impl Default for AuditVerifier {
    fn default() -> AuditVerifier {
        AuditVerifier {
            seq: 0,
            hash: AUDIT_GENESIS.to_owned(),
            problems: Vec::new(),
            checked: 0,
            anchor: None,
        }
    }
}

impl AuditVerifier {
    /// A verifier that also checks the chain still holds entry `seq` with hash `hash`, as exported before (an
    /// anchor kept outside the database): removing entries from the end and rewinding the head together is then
    /// found, as is rewriting the trail up to that entry.
    pub fn anchored(seq: i64, hash: &str) -> AuditVerifier {
        AuditVerifier {
            anchor: Some((seq, hash.to_owned())),
            ..AuditVerifier::default()
        }
    }

    /// Records a problem found outside the entries (a missing head).
    pub fn problem(&mut self, seq: i64, problem: String) {
        self.problems.push(AuditProblem { seq, problem });
    }

    /// Checks the next entry.
    pub fn check(&mut self, e: &AuditEntry) {
        self.checked += 1;
        if e.seq != self.seq + 1 {
            self.problems.push(AuditProblem {
                seq: e.seq,
                problem: format!(
                    "expected entry {} next, found {}: entries removed or reordered",
                    self.seq + 1,
                    e.seq
                ),
            });
        }
        if e.prev_hash != self.hash {
            self.problems.push(AuditProblem {
                seq: e.seq,
                problem: "its previous hash is not the hash of the entry before it: an entry before it was \
                          removed or edited"
                    .to_owned(),
            });
        }
        let expected = audit_hash(&e.prev_hash, e);
        if expected != e.hash {
            self.problems.push(AuditProblem {
                seq: e.seq,
                problem: "its hash does not match its contents: the entry was edited".to_owned(),
            });
        }
        if let Some((seq, hash)) = &self.anchor
            && e.seq == *seq
            && e.hash != *hash
        {
            self.problems.push(AuditProblem {
                seq: e.seq,
                problem: "its hash is not the one the anchor exported: the trail was rewritten up to here"
                    .to_owned(),
            });
        }
        self.seq = e.seq;
        self.hash = e.hash.clone();
    }

    /// Compares the end of the chain with the recorded head and returns the problems found.
    pub fn finish(mut self, head: (i64, &str)) -> Vec<AuditProblem> {
        if let Some((seq, _)) = &self.anchor
            && self.seq < *seq
        {
            self.problems.push(AuditProblem {
                seq: *seq,
                problem: format!(
                    "the chain ends at entry {} but the anchor exported entry {seq}: entries were removed from \
                     the end (and the head rewound with them)",
                    self.seq
                ),
            });
        }
        self.finish_chain(head)
    }

    /// Like [`AuditVerifier::finish`] for a store whose head is missing: only the anchor is checked.
    pub fn finish_headless(mut self) -> Vec<AuditProblem> {
        if let Some((seq, _)) = &self.anchor
            && self.seq < *seq
        {
            self.problems.push(AuditProblem {
                seq: *seq,
                problem: format!(
                    "the chain ends at entry {} but the anchor exported entry {seq}: entries were removed",
                    self.seq
                ),
            });
        }
        self.problems
    }

    fn finish_chain(mut self, head: (i64, &str)) -> Vec<AuditProblem> {
        if head.0 != self.seq || head.1 != self.hash {
            self.problems.push(AuditProblem {
                seq: head.0,
                problem: format!(
                    "the chain ends at entry {} but the recorded head is entry {}: entries removed from the end \
                     or the head edited",
                    self.seq, head.0
                ),
            });
        }
        self.problems
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(n: usize) -> Vec<AuditEntry> {
        let actor = Actor::cli("test");
        let mut out: Vec<AuditEntry> = Vec::new();
        for i in 0..n {
            let head = out
                .last()
                .map(|e| (e.seq, e.hash.clone()))
                .unwrap_or((0, AUDIT_GENESIS.to_owned()));
            out.push(next_audit_entry(
                (head.0, &head.1),
                Timestamp(i as i64),
                &actor,
                "decision",
                &format!("case:{i}"),
                &serde_json::json!({"i": i}),
            ));
        }
        out
    }

    #[test]
    fn an_intact_chain_verifies() {
        let c = chain(5);
        let last = c.last().expect("entries");
        assert!(verify_audit(&c, (last.seq, &last.hash)).is_empty());
        assert!(verify_audit(&[], (0, AUDIT_GENESIS)).is_empty());
    }

    #[test]
    fn edits_removals_and_truncation_are_found() {
        let c = chain(5);
        let head = (c[4].seq, c[4].hash.clone());
        let mut edited = c.clone();
        edited[2].detail = r#"{"i":99}"#.to_owned();
        let p = verify_audit(&edited, (head.0, &head.1));
        assert_eq!(p.len(), 1, "{p:?}");
        assert_eq!(p[0].seq, 3);
        let mut removed = c.clone();
        removed.remove(1);
        let p = verify_audit(&removed, (head.0, &head.1));
        assert!(
            p.iter()
                .any(|p| p.seq == 3 && p.problem.contains("removed")),
            "{p:?}"
        );
        let truncated = &c[..4];
        let p = verify_audit(truncated, (head.0, &head.1));
        assert!(p.iter().any(|p| p.problem.contains("end")), "{p:?}");
        // Rewriting an entry and its own hash still breaks the link to the next entry.
        let mut rewritten = c.clone();
        rewritten[1].actor = "someone else".to_owned();
        rewritten[1].hash = audit_hash(&rewritten[1].prev_hash, &rewritten[1]);
        let p = verify_audit(&rewritten, (head.0, &head.1));
        assert!(p.iter().any(|p| p.seq == 3), "{p:?}");
    }
}
