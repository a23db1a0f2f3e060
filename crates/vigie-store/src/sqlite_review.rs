//! Users, sessions, API tokens, decisions and the audit trail in the SQLite backend, and the row shapes and
//! decision rules that the PostgreSQL backend shares.
//!
//! Every write runs in an `IMMEDIATE` transaction, so the audit head read at its start is still the head when
//! the entry is appended: two processes writing at once queue on the lock instead of forking the chain.

use crate::StoreError;
use crate::cases::case_select;
use crate::review::{
    Actor, DecisionOutcome, LoginOutcome, NewDecision, Review, ReviewRules, UserChange,
    next_audit_entry,
};
use crate::sqlite::SqliteStore;
use crate::sqlite_cases::{case_of, raw_case};
use rusqlite::{Connection, OptionalExtension, Transaction, TransactionBehavior, params};
use serde_json::json;
use std::path::Path;
use vigie_model::{
    Action, ApiToken, AuditEntry, Case, CaseStatus, Decision, DecisionError, Role, Timestamp, User,
    UserSettings, transition,
};

// ---------------------------------------------------------------------------------------------------------
// Shared with the PostgreSQL backend.

/// The user columns, in the order [`RawUser`] reads them, for a query on `users u`.
pub(crate) const USER_COLUMNS: &str =
    "u.id, u.name, u.role, u.disabled, u.failed_logins, u.locked_until, u.settings, u.created_at";

/// The token columns, in the order [`RawToken`] reads them, for a query on `api_tokens t JOIN users u`.
pub(crate) const TOKEN_COLUMNS: &str =
    "t.id, u.name, t.name, t.prefix, t.created_at, t.last_used_at, t.revoked_at";

/// The decision columns, in the order [`RawDecision`] reads them, for a query on
/// `decisions d LEFT JOIN users u`.
pub(crate) const DECISION_COLUMNS: &str = "d.id, d.case_id, COALESCE(u.name, ''), d.user_id, d.action, \
     d.from_status, d.to_status, d.label, d.reason, d.allow_list, d.at";

/// The audit entry columns, in the order of [`AuditEntry`]'s fields.
pub(crate) const AUDIT_COLUMNS: &str = "seq, at, actor, action, subject, detail, prev_hash, hash";

/// A user row before parsing.
pub(crate) struct RawUser {
    pub(crate) id: i64,
    pub(crate) name: String,
    pub(crate) role: String,
    pub(crate) disabled: bool,
    pub(crate) failed_logins: i64,
    pub(crate) locked_until: Option<i64>,
    pub(crate) settings: String,
    pub(crate) created_at: i64,
}

impl RawUser {
    /// Parses the row.
    pub(crate) fn parse(self) -> Result<User, StoreError> {
        let name = self.name;
        let role = Role::parse(&self.role)
            .ok_or_else(|| StoreError::Corrupt(format!("user {name:?}: role {:?}", self.role)))?;
        let settings = serde_json::from_str::<UserSettings>(&self.settings)
            .map_err(|e| StoreError::Corrupt(format!("user {name:?}: settings: {e}")))?;
        let failed_logins = u32::try_from(self.failed_logins).map_err(|_| {
            StoreError::Corrupt(format!(
                "user {name:?}: failed logins {}",
                self.failed_logins
            ))
        })?;
        Ok(User {
            id: self.id,
            name,
            role,
            disabled: self.disabled,
            failed_logins,
            locked_until: self.locked_until.map(Timestamp),
            settings,
            created_at: Timestamp(self.created_at),
        })
    }
}

/// A token row before parsing.
pub(crate) type RawToken = (i64, String, String, String, i64, Option<i64>, Option<i64>);

/// Parses a token row.
pub(crate) fn token_of(raw: RawToken) -> ApiToken {
    let (id, user, name, prefix, created, used, revoked) = raw;
    ApiToken {
        id,
        user,
        name,
        prefix,
        created_at: Timestamp(created),
        last_used_at: used.map(Timestamp),
        revoked_at: revoked.map(Timestamp),
    }
}

/// A decision row before parsing.
pub(crate) type RawDecision = (
    i64,
    i64,
    String,
    i64,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    bool,
    i64,
);

/// Parses a decision row.
pub(crate) fn decision_of(raw: RawDecision) -> Result<Decision, StoreError> {
    let (id, case_id, user, user_id, action, from, to, label, reason, allow_list, at) = raw;
    let corrupt =
        |what: &str, value: &str| StoreError::Corrupt(format!("decision {id}: {what} {value:?}"));
    Ok(Decision {
        id,
        case_id,
        user,
        user_id,
        action: Action::parse(&action).ok_or_else(|| corrupt("action", &action))?,
        from_status: CaseStatus::parse(&from).ok_or_else(|| corrupt("status", &from))?,
        to_status: CaseStatus::parse(&to).ok_or_else(|| corrupt("status", &to))?,
        label,
        reason,
        allow_list,
        at: Timestamp(at),
    })
}

/// A case's stored status, parsed.
pub(crate) fn parse_status(case_id: i64, status: &str) -> Result<CaseStatus, StoreError> {
    CaseStatus::parse(status)
        .ok_or_else(|| StoreError::Corrupt(format!("case {case_id}: status {status:?}")))
}

/// What a decision, once allowed, writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DecisionPlan {
    /// The case's status before.
    pub(crate) from: CaseStatus,
    /// The case's status after.
    pub(crate) to: CaseStatus,
    /// The decision's label (confirmations only).
    pub(crate) label: Option<String>,
    /// The decision's reason, if one was given.
    pub(crate) reason: Option<String>,
    /// The case's label after.
    pub(crate) case_label: Option<String>,
    /// The case's first confirmer after.
    pub(crate) first_confirmer: Option<i64>,
}

impl DecisionPlan {
    /// The decision as recorded, once written with row id `id` at `at`.
    pub(crate) fn into_decision(
        self,
        id: i64,
        case_id: i64,
        user: &User,
        d: &NewDecision,
        at: Timestamp,
    ) -> Decision {
        Decision {
            id,
            case_id,
            user: user.name.clone(),
            user_id: user.id,
            action: d.action,
            from_status: self.from,
            to_status: self.to,
            label: self.label,
            reason: self.reason,
            allow_list: d.allow_list,
            at,
        }
    }
}

/// Checks a decision on a case that is `status`, confirmed first by `first_confirmer` and labelled
/// `case_label`, and says what it writes.
///
/// The case keeps the label of a confirmation while it is pending or confirmed, loses it when it is reopened
/// or rejected (a false positive carries no policy label), and keeps it when escalated (the proposed label
/// stays in view of the reviewer who decides).
pub(crate) fn plan_decision(
    user: &User,
    d: &NewDecision,
    rules: &ReviewRules,
    status: CaseStatus,
    first_confirmer: Option<i64>,
    case_label: Option<String>,
) -> Result<DecisionPlan, DecisionError> {
    let label = d.label.clone().filter(|l| !l.trim().is_empty());
    let reason = d.reason.clone().filter(|r| !r.trim().is_empty());
    match d.action {
        Action::Confirm => match &label {
            None => return Err(DecisionError::LabelRequired),
            Some(l) if !rules.taxonomy.iter().any(|t| t == l) => {
                return Err(DecisionError::UnknownLabel(l.clone()));
            }
            Some(_) => {}
        },
        Action::Reject if reason.is_none() => return Err(DecisionError::ReasonRequired),
        _ => {}
    }
    let to = transition(
        status,
        d.action,
        user.role,
        user.id,
        first_confirmer,
        rules.two_person,
    )?;
    let label = if d.action == Action::Confirm {
        label
    } else {
        None
    };
    let case_label = match to {
        CaseStatus::Confirmed | CaseStatus::Pending => label.clone(),
        CaseStatus::Open | CaseStatus::Rejected => None,
        CaseStatus::Escalated => case_label,
    };
    Ok(DecisionPlan {
        from: status,
        to,
        label,
        reason,
        case_label,
        first_confirmer: (to == CaseStatus::Pending).then_some(user.id),
    })
}

/// The audit detail of a decision.
pub(crate) fn decision_detail(plan: &DecisionPlan, d: &NewDecision) -> serde_json::Value {
    json!({
        "action": d.action.as_str(),
        "from": plan.from.as_str(),
        "to": plan.to.as_str(),
        "label": plan.label,
        "reason": plan.reason,
        "allow_list": d.allow_list,
    })
}

/// The audit detail of a user change: the fields it sets, the password as `true` only.
pub(crate) fn user_change_detail(change: &UserChange) -> serde_json::Value {
    let mut detail = serde_json::Map::new();
    if let Some(role) = change.role {
        detail.insert("role".to_owned(), json!(role.as_str()));
    }
    if let Some(disabled) = change.disabled {
        detail.insert("disabled".to_owned(), json!(disabled));
    }
    if change.password_hash.is_some() {
        detail.insert("password".to_owned(), json!(true));
    }
    serde_json::Value::Object(detail)
}

/// Whether a change ends the user's sessions: disabling them, or a new password.
pub(crate) fn ends_sessions(change: &UserChange) -> bool {
    change.disabled == Some(true) || change.password_hash.is_some()
}

/// The settings column.
pub(crate) fn settings_json(settings: &UserSettings) -> String {
    serde_json::to_string(settings).unwrap_or_else(|_| "{}".to_owned())
}

/// The message of a taken user name.
pub(crate) fn name_taken(name: &str) -> StoreError {
    StoreError::Conflict(format!("a user named {name:?} already exists"))
}

// ---------------------------------------------------------------------------------------------------------
// SQLite.

/// Turns a SQLite error into a store error naming the file.
trait At<T> {
    fn at(self, path: &Path) -> Result<T, StoreError>;
}

impl<T> At<T> for rusqlite::Result<T> {
    fn at(self, path: &Path) -> Result<T, StoreError> {
        self.map_err(|source| StoreError::Sqlite {
            path: path.to_owned(),
            source,
        })
    }
}

fn raw_user(r: &rusqlite::Row<'_>) -> rusqlite::Result<RawUser> {
    Ok(RawUser {
        id: r.get(0)?,
        name: r.get(1)?,
        role: r.get(2)?,
        disabled: r.get(3)?,
        failed_logins: r.get(4)?,
        locked_until: r.get(5)?,
        settings: r.get(6)?,
        created_at: r.get(7)?,
    })
}

fn raw_token(r: &rusqlite::Row<'_>) -> rusqlite::Result<RawToken> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
        r.get(6)?,
    ))
}

fn raw_decision(r: &rusqlite::Row<'_>) -> rusqlite::Result<RawDecision> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
        r.get(6)?,
        r.get(7)?,
        r.get(8)?,
        r.get(9)?,
        r.get(10)?,
    ))
}

fn audit_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<AuditEntry> {
    Ok(AuditEntry {
        seq: r.get(0)?,
        at: Timestamp(r.get(1)?),
        actor: r.get(2)?,
        action: r.get(3)?,
        subject: r.get(4)?,
        detail: r.get(5)?,
        prev_hash: r.get(6)?,
        hash: r.get(7)?,
    })
}

/// One user by a condition on `u` with one parameter.
fn user_where(
    conn: &Connection,
    path: &Path,
    condition: &str,
    param: &dyn rusqlite::ToSql,
) -> Result<Option<User>, StoreError> {
    conn.query_row(
        &format!("SELECT {USER_COLUMNS} FROM users u WHERE {condition}"),
        [param],
        raw_user,
    )
    .optional()
    .at(path)?
    .map(RawUser::parse)
    .transpose()
}

/// Appends an entry to the audit trail inside the caller's transaction, which must hold the write lock.
pub(crate) fn append_audit(
    tx: &Connection,
    path: &Path,
    actor: &Actor,
    action: &str,
    subject: &str,
    detail: &serde_json::Value,
) -> Result<AuditEntry, StoreError> {
    let (seq, hash): (i64, String) = tx
        .query_row("SELECT seq, hash FROM audit_head WHERE id = 1", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .at(path)?;
    let entry = next_audit_entry(
        (seq, &hash),
        Timestamp::now(),
        actor,
        action,
        subject,
        detail,
    );
    tx.prepare_cached(&format!(
        "INSERT INTO audit_log ({AUDIT_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"
    ))
    .and_then(|mut s| {
        s.execute(params![
            entry.seq,
            entry.at.0,
            entry.actor,
            entry.action,
            entry.subject,
            entry.detail,
            entry.prev_hash,
            entry.hash
        ])
    })
    .at(path)?;
    tx.execute(
        "UPDATE audit_head SET seq = ?1, hash = ?2 WHERE id = 1",
        params![entry.seq, entry.hash],
    )
    .at(path)?;
    Ok(entry)
}

impl SqliteStore {
    /// Runs `f` in an `IMMEDIATE` transaction, committed when it returns `Ok` and rolled back otherwise.
    fn review_write<T>(
        &mut self,
        f: impl FnOnce(&Transaction<'_>, &Path) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        self.flush_pending()?;
        let path = self.path.clone();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .at(&path)?;
        let out = f(&tx, &path)?;
        tx.commit().at(&path)?;
        Ok(out)
    }
}

impl Review for SqliteStore {
    fn add_user(
        &mut self,
        name: &str,
        role: Role,
        password_hash: &str,
        actor: &Actor,
    ) -> Result<User, StoreError> {
        self.review_write(|tx, path| {
            let now = Timestamp::now();
            let inserted = tx.execute(
                "INSERT INTO users (name, role, password_hash, created_at) VALUES (?1, ?2, ?3, ?4)",
                params![name, role.as_str(), password_hash, now.0],
            );
            match inserted {
                Err(rusqlite::Error::SqliteFailure(e, _))
                    if e.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE =>
                {
                    return Err(name_taken(name));
                }
                other => other.at(path)?,
            };
            let id = tx.last_insert_rowid();
            append_audit(
                tx,
                path,
                actor,
                "user_add",
                &format!("user:{name}"),
                &json!({ "role": role.as_str() }),
            )?;
            Ok(User {
                id,
                name: name.to_owned(),
                role,
                disabled: false,
                failed_logins: 0,
                locked_until: None,
                settings: UserSettings::default(),
                created_at: now,
            })
        })
    }

    fn user_login(&mut self, name: &str) -> Result<Option<(User, String)>, StoreError> {
        self.flush_pending()?;
        self.conn
            .query_row(
                &format!("SELECT {USER_COLUMNS}, u.password_hash FROM users u WHERE u.name = ?1"),
                [name],
                |r| Ok((raw_user(r)?, r.get::<_, String>(8)?)),
            )
            .optional()
            .map_err(self.err())?
            .map(|(raw, hash)| Ok((raw.parse()?, hash)))
            .transpose()
    }

    fn user_by_id(&mut self, id: i64) -> Result<Option<User>, StoreError> {
        self.flush_pending()?;
        user_where(&self.conn, &self.path, "u.id = ?1", &id)
    }

    fn users(&mut self) -> Result<Vec<User>, StoreError> {
        self.flush_pending()?;
        let mut stmt = self
            .conn
            .prepare(&format!(
                "SELECT {USER_COLUMNS} FROM users u ORDER BY u.name"
            ))
            .map_err(self.err())?;
        let raws = stmt
            .query_map([], raw_user)
            .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
            .map_err(self.err())?;
        raws.into_iter().map(RawUser::parse).collect()
    }

    fn change_user(
        &mut self,
        name: &str,
        change: &UserChange,
        actor: &Actor,
    ) -> Result<Option<User>, StoreError> {
        self.review_write(|tx, path| {
            let Some(user) = user_where(tx, path, "u.name = ?1", &name)? else {
                return Ok(None);
            };
            if let Some(role) = change.role {
                tx.execute(
                    "UPDATE users SET role = ?2 WHERE id = ?1",
                    params![user.id, role.as_str()],
                )
                .at(path)?;
            }
            if let Some(disabled) = change.disabled {
                tx.execute(
                    "UPDATE users SET disabled = ?2 WHERE id = ?1",
                    params![user.id, disabled],
                )
                .at(path)?;
            }
            if let Some(hash) = &change.password_hash {
                tx.execute(
                    "UPDATE users SET password_hash = ?2, failed_logins = 0, locked_until = NULL WHERE id = ?1",
                    params![user.id, hash],
                )
                .at(path)?;
            }
            if ends_sessions(change) {
                tx.execute("DELETE FROM sessions WHERE user_id = ?1", [user.id])
                    .at(path)?;
            }
            append_audit(
                tx,
                path,
                actor,
                "user_change",
                &format!("user:{name}"),
                &user_change_detail(change),
            )?;
            user_where(tx, path, "u.id = ?1", &user.id)
        })
    }

    fn record_login(
        &mut self,
        name: &str,
        outcome: &LoginOutcome,
        actor: &Actor,
    ) -> Result<(), StoreError> {
        self.review_write(|tx, path| {
            let subject = format!("user:{name}");
            let id: Option<i64> = tx
                .query_row("SELECT id FROM users WHERE name = ?1", [name], |r| r.get(0))
                .optional()
                .at(path)?;
            let (action, detail) = match outcome {
                LoginOutcome::Success => {
                    if let Some(id) = id {
                        tx.execute(
                            "UPDATE users SET failed_logins = 0, locked_until = NULL WHERE id = ?1",
                            [id],
                        )
                        .at(path)?;
                    }
                    ("login", json!({}))
                }
                LoginOutcome::Failure { lock_until } => {
                    let lock = lock_until.map(|t| t.0);
                    let failed: Option<i64> = match id {
                        Some(id) => Some(
                            tx.query_row(
                                "UPDATE users SET failed_logins = failed_logins + 1, \
                                 locked_until = COALESCE(?2, locked_until) WHERE id = ?1 RETURNING failed_logins",
                                params![id, lock],
                                |r| r.get(0),
                            )
                            .at(path)?,
                        ),
                        None => None,
                    };
                    (
                        "login_failed",
                        json!({ "failed_logins": failed, "locked_until": lock }),
                    )
                }
                LoginOutcome::Refused { reason } => ("login_refused", json!({ "reason": reason })),
            };
            append_audit(tx, path, actor, action, &subject, &detail)?;
            Ok(())
        })
    }

    fn set_user_settings(
        &mut self,
        user_id: i64,
        settings: &UserSettings,
        actor: &Actor,
    ) -> Result<(), StoreError> {
        self.review_write(|tx, path| {
            let name: String = tx
                .query_row("SELECT name FROM users WHERE id = ?1", [user_id], |r| {
                    r.get(0)
                })
                .optional()
                .at(path)?
                .ok_or(StoreError::NoSuchUser(user_id))?;
            tx.execute(
                "UPDATE users SET settings = ?2 WHERE id = ?1",
                params![user_id, settings_json(settings)],
            )
            .at(path)?;
            append_audit(
                tx,
                path,
                actor,
                "settings",
                &format!("user:{name}"),
                &json!(settings),
            )?;
            Ok(())
        })
    }

    fn create_session(
        &mut self,
        token_hash: &str,
        user_id: i64,
        csrf: &str,
        expires_at: Timestamp,
    ) -> Result<(), StoreError> {
        self.review_write(|tx, path| {
            let now = Timestamp::now().0;
            // Expired sessions are useless; dropping them here keeps the table as small as the live ones.
            tx.execute("DELETE FROM sessions WHERE expires_at <= ?1", [now])
                .at(path)?;
            tx.execute(
                "INSERT INTO sessions (token_hash, user_id, csrf, created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![token_hash, user_id, csrf, now, expires_at.0],
            )
            .at(path)?;
            Ok(())
        })
    }

    fn session(
        &mut self,
        token_hash: &str,
        now: Timestamp,
    ) -> Result<Option<(User, String)>, StoreError> {
        self.flush_pending()?;
        // Every request of a logged-in user runs this: a cached statement.
        self.conn
            .prepare_cached(&format!(
                "SELECT {USER_COLUMNS}, s.csrf FROM sessions s JOIN users u ON u.id = s.user_id \
                 WHERE s.token_hash = ?1 AND s.expires_at > ?2 AND NOT u.disabled"
            ))
            .and_then(|mut stmt| {
                stmt.query_row(params![token_hash, now.0], |r| {
                    Ok((raw_user(r)?, r.get::<_, String>(8)?))
                })
            })
            .optional()
            .map_err(self.err())?
            .map(|(raw, csrf)| Ok((raw.parse()?, csrf)))
            .transpose()
    }

    fn delete_session(&mut self, token_hash: &str) -> Result<(), StoreError> {
        self.flush_pending()?;
        self.conn
            .execute("DELETE FROM sessions WHERE token_hash = ?1", [token_hash])
            .map(|_| ())
            .map_err(self.err())
    }

    fn create_token(
        &mut self,
        user_id: i64,
        name: &str,
        token_hash: &str,
        prefix: &str,
        actor: &Actor,
    ) -> Result<ApiToken, StoreError> {
        self.review_write(|tx, path| {
            let user: String = tx
                .query_row("SELECT name FROM users WHERE id = ?1", [user_id], |r| {
                    r.get(0)
                })
                .optional()
                .at(path)?
                .ok_or(StoreError::NoSuchUser(user_id))?;
            let now = Timestamp::now();
            tx.execute(
                "INSERT INTO api_tokens (user_id, name, token_hash, prefix, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![user_id, name, token_hash, prefix, now.0],
            )
            .at(path)?;
            let id = tx.last_insert_rowid();
            append_audit(
                tx,
                path,
                actor,
                "token_create",
                &format!("token:{id}"),
                &json!({ "user": user, "name": name, "prefix": prefix }),
            )?;
            Ok(ApiToken {
                id,
                user,
                name: name.to_owned(),
                prefix: prefix.to_owned(),
                created_at: now,
                last_used_at: None,
                revoked_at: None,
            })
        })
    }

    fn token_user(&mut self, token_hash: &str, now: Timestamp) -> Result<Option<User>, StoreError> {
        self.review_write(|tx, path| {
            let user: Option<i64> = tx
                .query_row(
                    "UPDATE api_tokens SET last_used_at = ?2 WHERE token_hash = ?1 AND revoked_at IS NULL \
                     AND user_id IN (SELECT id FROM users WHERE NOT disabled) RETURNING user_id",
                    params![token_hash, now.0],
                    |r| r.get(0),
                )
                .optional()
                .at(path)?;
            match user {
                Some(id) => user_where(tx, path, "u.id = ?1", &id),
                None => Ok(None),
            }
        })
    }

    fn tokens(&mut self, user_id: Option<i64>) -> Result<Vec<ApiToken>, StoreError> {
        self.flush_pending()?;
        let mut stmt = self
            .conn
            .prepare(&format!(
                "SELECT {TOKEN_COLUMNS} FROM api_tokens t JOIN users u ON u.id = t.user_id \
                 WHERE (?1 IS NULL OR t.user_id = ?1) ORDER BY t.created_at DESC, t.id DESC"
            ))
            .map_err(self.err())?;
        stmt.query_map([user_id], raw_token)
            .and_then(|rows| rows.map(|r| r.map(token_of)).collect())
            .map_err(self.err())
    }

    fn revoke_token(
        &mut self,
        id: i64,
        owner: Option<i64>,
        actor: &Actor,
    ) -> Result<bool, StoreError> {
        self.review_write(|tx, path| {
            let user: Option<String> = tx
                .query_row(
                    "UPDATE api_tokens SET revoked_at = ?3 WHERE id = ?1 AND revoked_at IS NULL \
                     AND (?2 IS NULL OR user_id = ?2) \
                     RETURNING (SELECT name FROM users WHERE users.id = api_tokens.user_id)",
                    params![id, owner, Timestamp::now().0],
                    |r| r.get(0),
                )
                .optional()
                .at(path)?;
            let Some(user) = user else {
                return Ok(false);
            };
            append_audit(
                tx,
                path,
                actor,
                "token_revoke",
                &format!("token:{id}"),
                &json!({ "user": user }),
            )?;
            Ok(true)
        })
    }

    fn case(&mut self, id: i64) -> Result<Option<Case>, StoreError> {
        self.flush_pending()?;
        self.conn
            .prepare_cached(&format!("SELECT {} WHERE c.id = ?1", case_select(false)))
            .and_then(|mut stmt| stmt.query_row([id], raw_case))
            .optional()
            .map_err(self.err())?
            .map(case_of)
            .transpose()
    }

    fn decide(
        &mut self,
        user: &User,
        decision: &NewDecision,
        rules: &ReviewRules,
        actor: &Actor,
    ) -> Result<DecisionOutcome, StoreError> {
        self.flush_pending()?;
        let path = self.path.clone();
        let path = path.as_path();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .at(path)?;
        let case_id = decision.case_id;
        let row: Option<(String, Option<i64>, Option<String>)> = tx
            .query_row(
                "SELECT status, first_confirmer, label FROM cases WHERE id = ?1",
                [case_id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()
            .at(path)?;
        let Some((status, first_confirmer, label)) = row else {
            tx.rollback().at(path)?;
            return Ok(DecisionOutcome::NoCase);
        };
        let status = parse_status(case_id, &status)?;
        let plan = match plan_decision(user, decision, rules, status, first_confirmer, label) {
            Ok(plan) => plan,
            Err(refused) => {
                tx.rollback().at(path)?;
                return Ok(DecisionOutcome::Refused(refused));
            }
        };
        let at = Timestamp::now();
        tx.execute(
            "INSERT INTO decisions (case_id, user_id, action, from_status, to_status, label, reason, allow_list, at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            params![
                case_id,
                user.id,
                decision.action.as_str(),
                plan.from.as_str(),
                plan.to.as_str(),
                plan.label,
                plan.reason,
                decision.allow_list,
                at.0
            ],
        )
        .at(path)?;
        let id = tx.last_insert_rowid();
        tx.execute(
            "UPDATE cases SET status = ?2, label = ?3, first_confirmer = ?4 WHERE id = ?1",
            params![
                case_id,
                plan.to.as_str(),
                plan.case_label,
                plan.first_confirmer
            ],
        )
        .at(path)?;
        append_audit(
            &tx,
            path,
            actor,
            "decision",
            &format!("case:{case_id}"),
            &decision_detail(&plan, decision),
        )?;
        tx.commit().at(path)?;
        Ok(DecisionOutcome::Taken(
            plan.into_decision(id, case_id, user, decision, at),
        ))
    }

    fn decisions(&mut self, case_id: i64) -> Result<Vec<Decision>, StoreError> {
        self.flush_pending()?;
        let mut stmt = self
            .conn
            .prepare_cached(&format!(
                "SELECT {DECISION_COLUMNS} FROM decisions d LEFT JOIN users u ON u.id = d.user_id \
                 WHERE d.case_id = ?1 ORDER BY d.id"
            ))
            .map_err(self.err())?;
        let raws = stmt
            .query_map([case_id], raw_decision)
            .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
            .map_err(self.err())?;
        raws.into_iter().map(decision_of).collect()
    }

    fn assign(
        &mut self,
        case_id: i64,
        assignee: Option<i64>,
        actor: &Actor,
    ) -> Result<bool, StoreError> {
        self.review_write(|tx, path| {
            let name: Option<String> = match assignee {
                Some(id) => Some(
                    tx.query_row("SELECT name FROM users WHERE id = ?1", [id], |r| r.get(0))
                        .optional()
                        .at(path)?
                        .ok_or(StoreError::NoSuchUser(id))?,
                ),
                None => None,
            };
            let updated = tx
                .execute(
                    "UPDATE cases SET assignee_id = ?2 WHERE id = ?1",
                    params![case_id, assignee],
                )
                .at(path)?;
            if updated == 0 {
                return Ok(false);
            }
            append_audit(
                tx,
                path,
                actor,
                "assign",
                &format!("case:{case_id}"),
                &json!({ "assignee": name }),
            )?;
            Ok(true)
        })
    }

    fn audit_append(
        &mut self,
        actor: &Actor,
        action: &str,
        subject: &str,
        detail: &serde_json::Value,
    ) -> Result<AuditEntry, StoreError> {
        self.review_write(|tx, path| append_audit(tx, path, actor, action, subject, detail))
    }

    fn audit(&mut self, after: i64, limit: usize) -> Result<Vec<AuditEntry>, StoreError> {
        self.flush_pending()?;
        let mut stmt = self
            .conn
            .prepare(&format!(
                "SELECT {AUDIT_COLUMNS} FROM audit_log WHERE seq > ?1 ORDER BY seq LIMIT ?2"
            ))
            .map_err(self.err())?;
        stmt.query_map(
            params![after, i64::try_from(limit).unwrap_or(i64::MAX)],
            audit_row,
        )
        .and_then(|rows| rows.collect())
        .map_err(self.err())
    }

    fn audit_head(&mut self) -> Result<(i64, String), StoreError> {
        self.flush_pending()?;
        self.conn
            .query_row("SELECT seq, hash FROM audit_head WHERE id = 1", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .map_err(self.err())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(id: i64, role: Role) -> User {
        User {
            id,
            name: format!("u{id}"),
            role,
            disabled: false,
            failed_logins: 0,
            locked_until: None,
            settings: UserSettings::default(),
            created_at: Timestamp(0),
        }
    }

    fn rules() -> ReviewRules {
        ReviewRules {
            two_person: true,
            taxonomy: vec!["propaganda".to_owned()],
        }
    }

    fn decision(action: Action, label: Option<&str>, reason: Option<&str>) -> NewDecision {
        NewDecision {
            case_id: 1,
            action,
            label: label.map(str::to_owned),
            reason: reason.map(str::to_owned),
            allow_list: false,
        }
    }

    #[test]
    fn decisions_need_a_known_label_or_a_reason() {
        let analyst = user(1, Role::Analyst);
        let plan =
            |d: &NewDecision| plan_decision(&analyst, d, &rules(), CaseStatus::Open, None, None);
        assert_eq!(
            plan(&decision(Action::Confirm, None, None)),
            Err(DecisionError::LabelRequired)
        );
        assert_eq!(
            plan(&decision(Action::Confirm, Some("  "), None)),
            Err(DecisionError::LabelRequired)
        );
        assert_eq!(
            plan(&decision(Action::Confirm, Some("spam"), None)),
            Err(DecisionError::UnknownLabel("spam".to_owned()))
        );
        assert_eq!(
            plan(&decision(Action::Reject, None, Some(" "))),
            Err(DecisionError::ReasonRequired)
        );
        let pending = plan(&decision(Action::Confirm, Some("propaganda"), None));
        assert_eq!(
            pending
                .as_ref()
                .map(|p| (p.to, p.first_confirmer, p.case_label.as_deref())),
            Ok((CaseStatus::Pending, Some(1), Some("propaganda")))
        );
    }

    #[test]
    fn the_case_label_follows_the_status() {
        let reviewer = user(2, Role::Reviewer);
        let label = Some("propaganda".to_owned());
        let reopen = plan_decision(
            &reviewer,
            &decision(Action::Reopen, None, None),
            &rules(),
            CaseStatus::Confirmed,
            None,
            label.clone(),
        );
        assert_eq!(
            reopen.map(|p| (p.to, p.case_label)),
            Ok((CaseStatus::Open, None))
        );
        let escalate = plan_decision(
            &reviewer,
            &decision(Action::Escalate, None, None),
            &rules(),
            CaseStatus::Pending,
            Some(1),
            label.clone(),
        );
        assert_eq!(
            escalate.map(|p| (p.to, p.case_label, p.first_confirmer)),
            Ok((CaseStatus::Escalated, label, None))
        );
    }
}
