//! Users, sessions, API tokens, decisions and the audit trail in the PostgreSQL backend: the same rows and
//! semantics as SQLite's.
//!
//! Every audited write locks the audit head row (`FOR UPDATE`) before appending, so concurrent writers from
//! several processes queue on it and the chain stays a single line.

use crate::StoreError;
use crate::cases::case_select;
use crate::postgres::PostgresStore;
use crate::postgres_cases::pg_raw_case;
use crate::review::{
    Actor, DecisionOutcome, LoginOutcome, NewDecision, Review, ReviewRules, UserChange,
    next_audit_entry,
};
use crate::sqlite_cases::case_of;
use crate::sqlite_review::{
    AUDIT_COLUMNS, DECISION_COLUMNS, RawUser, TOKEN_COLUMNS, USER_COLUMNS, decision_detail,
    decision_of, ends_sessions, name_taken, parse_status, plan_decision, settings_json, token_of,
    user_change_detail,
};
use postgres::error::SqlState;
use postgres::{GenericClient, Row, Transaction};
use serde_json::json;
use vigie_model::{ApiToken, AuditEntry, Case, Decision, Role, Timestamp, User, UserSettings};

fn raw_user(r: &Row) -> Result<RawUser, postgres::Error> {
    Ok(RawUser {
        id: r.try_get(0)?,
        name: r.try_get(1)?,
        role: r.try_get(2)?,
        disabled: r.try_get(3)?,
        failed_logins: r.try_get(4)?,
        locked_until: r.try_get(5)?,
        settings: r.try_get(6)?,
        created_at: r.try_get(7)?,
    })
}

fn token_row(r: &Row) -> Result<ApiToken, StoreError> {
    Ok(token_of((
        r.try_get(0)?,
        r.try_get(1)?,
        r.try_get(2)?,
        r.try_get(3)?,
        r.try_get(4)?,
        r.try_get(5)?,
        r.try_get(6)?,
    )))
}

fn decision_row(r: &Row) -> Result<Decision, StoreError> {
    decision_of((
        r.try_get(0)?,
        r.try_get(1)?,
        r.try_get(2)?,
        r.try_get(3)?,
        r.try_get(4)?,
        r.try_get(5)?,
        r.try_get(6)?,
        r.try_get(7)?,
        r.try_get(8)?,
        r.try_get(9)?,
        r.try_get(10)?,
    ))
}

fn audit_row(r: &Row) -> Result<AuditEntry, StoreError> {
    Ok(AuditEntry {
        seq: r.try_get(0)?,
        at: Timestamp(r.try_get(1)?),
        actor: r.try_get(2)?,
        action: r.try_get(3)?,
        subject: r.try_get(4)?,
        detail: r.try_get(5)?,
        prev_hash: r.try_get(6)?,
        hash: r.try_get(7)?,
    })
}

/// One user by a condition on `u` with one parameter.
fn user_where(
    client: &mut impl GenericClient,
    condition: &str,
    param: &(dyn postgres::types::ToSql + Sync),
) -> Result<Option<User>, StoreError> {
    client
        .query_opt(
            &format!("SELECT {USER_COLUMNS} FROM users u WHERE {condition}"),
            &[param],
        )?
        .map(|r| raw_user(&r)?.parse())
        .transpose()
}

/// A user's name by row id.
fn user_name(client: &mut impl GenericClient, id: i64) -> Result<String, StoreError> {
    client
        .query_opt("SELECT name FROM users WHERE id = $1", &[&id])?
        .map(|r| r.try_get(0))
        .transpose()?
        .ok_or(StoreError::NoSuchUser(id))
}

/// Appends an entry to the audit trail inside the caller's transaction, locking the head until it ends.
pub(crate) fn append_audit(
    tx: &mut Transaction<'_>,
    actor: &Actor,
    action: &str,
    subject: &str,
    detail: &serde_json::Value,
) -> Result<AuditEntry, StoreError> {
    let head = tx.query_one(
        "SELECT seq, hash FROM audit_head WHERE id = 1 FOR UPDATE",
        &[],
    )?;
    let (seq, hash): (i64, String) = (head.try_get(0)?, head.try_get(1)?);
    let entry = next_audit_entry(
        (seq, &hash),
        Timestamp::now(),
        actor,
        action,
        subject,
        detail,
    );
    tx.execute(
        &format!("INSERT INTO audit_log ({AUDIT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"),
        &[
            &entry.seq,
            &entry.at.0,
            &entry.actor,
            &entry.action,
            &entry.subject,
            &entry.detail,
            &entry.prev_hash,
            &entry.hash,
        ],
    )?;
    tx.execute(
        "UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1",
        &[&entry.seq, &entry.hash],
    )?;
    Ok(entry)
}

impl Review for PostgresStore {
    fn add_user(
        &mut self,
        name: &str,
        role: Role,
        password_hash: &str,
        actor: &Actor,
    ) -> Result<User, StoreError> {
        let mut tx = self.client.transaction()?;
        let now = Timestamp::now();
        let id: i64 = match tx.query_one(
            "INSERT INTO users (name, role, password_hash, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
            &[&name, &role.as_str(), &password_hash, &now.0],
        ) {
            Ok(row) => row.try_get(0)?,
            Err(e) if e.code() == Some(&SqlState::UNIQUE_VIOLATION) => {
                return Err(name_taken(name));
            }
            Err(e) => return Err(e.into()),
        };
        append_audit(
            &mut tx,
            actor,
            "user_add",
            &format!("user:{name}"),
            &json!({ "role": role.as_str() }),
        )?;
        tx.commit()?;
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
    }

    fn user_login(&mut self, name: &str) -> Result<Option<(User, String)>, StoreError> {
        self.client
            .query_opt(
                &format!("SELECT {USER_COLUMNS}, u.password_hash FROM users u WHERE u.name = $1"),
                &[&name],
            )?
            .map(|r| Ok((raw_user(&r)?.parse()?, r.try_get(8)?)))
            .transpose()
    }

    fn user_by_id(&mut self, id: i64) -> Result<Option<User>, StoreError> {
        user_where(&mut self.client, "u.id = $1", &id)
    }

    fn users(&mut self) -> Result<Vec<User>, StoreError> {
        self.client
            .query(
                &format!("SELECT {USER_COLUMNS} FROM users u ORDER BY u.name"),
                &[],
            )?
            .iter()
            .map(|r| raw_user(r)?.parse())
            .collect()
    }

    fn change_user(
        &mut self,
        name: &str,
        change: &UserChange,
        actor: &Actor,
    ) -> Result<Option<User>, StoreError> {
        let mut tx = self.client.transaction()?;
        let Some(user) = user_where(&mut tx, "u.name = $1 FOR UPDATE", &name)? else {
            return Ok(None);
        };
        if let Some(role) = change.role {
            tx.execute(
                "UPDATE users SET role = $2 WHERE id = $1",
                &[&user.id, &role.as_str()],
            )?;
        }
        if let Some(disabled) = change.disabled {
            tx.execute(
                "UPDATE users SET disabled = $2 WHERE id = $1",
                &[&user.id, &disabled],
            )?;
        }
        if let Some(hash) = &change.password_hash {
            tx.execute(
                "UPDATE users SET password_hash = $2, failed_logins = 0, locked_until = NULL WHERE id = $1",
                &[&user.id, hash],
            )?;
        }
        if ends_sessions(change) {
            tx.execute("DELETE FROM sessions WHERE user_id = $1", &[&user.id])?;
        }
        append_audit(
            &mut tx,
            actor,
            "user_change",
            &format!("user:{name}"),
            &user_change_detail(change),
        )?;
        let changed = user_where(&mut tx, "u.id = $1", &user.id)?;
        tx.commit()?;
        Ok(changed)
    }

    fn record_login(
        &mut self,
        name: &str,
        outcome: &LoginOutcome,
        actor: &Actor,
    ) -> Result<(), StoreError> {
        let mut tx = self.client.transaction()?;
        let subject = format!("user:{name}");
        let id: Option<i64> = tx
            .query_opt("SELECT id FROM users WHERE name = $1", &[&name])?
            .map(|r| r.try_get(0))
            .transpose()?;
        let (action, detail) = match outcome {
            LoginOutcome::Success => {
                if let Some(id) = id {
                    tx.execute(
                        "UPDATE users SET failed_logins = 0, locked_until = NULL WHERE id = $1",
                        &[&id],
                    )?;
                }
                ("login", json!({}))
            }
            LoginOutcome::Failure { lock_until } => {
                let lock = lock_until.map(|t| t.0);
                let failed: Option<i64> = match id {
                    Some(id) => Some(
                        tx.query_one(
                            "UPDATE users SET failed_logins = failed_logins + 1, \
                             locked_until = COALESCE($2, locked_until) WHERE id = $1 RETURNING failed_logins",
                            &[&id, &lock],
                        )?
                        .try_get(0)?,
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
        append_audit(&mut tx, actor, action, &subject, &detail)?;
        tx.commit()?;
        Ok(())
    }

    fn set_user_settings(
        &mut self,
        user_id: i64,
        settings: &UserSettings,
        actor: &Actor,
    ) -> Result<(), StoreError> {
        let mut tx = self.client.transaction()?;
        let name = user_name(&mut tx, user_id)?;
        tx.execute(
            "UPDATE users SET settings = $2 WHERE id = $1",
            &[&user_id, &settings_json(settings)],
        )?;
        append_audit(
            &mut tx,
            actor,
            "settings",
            &format!("user:{name}"),
            &json!(settings),
        )?;
        tx.commit()?;
        Ok(())
    }

    fn create_session(
        &mut self,
        token_hash: &str,
        user_id: i64,
        csrf: &str,
        expires_at: Timestamp,
    ) -> Result<(), StoreError> {
        let mut tx = self.client.transaction()?;
        let now = Timestamp::now().0;
        // Expired sessions are useless; dropping them here keeps the table as small as the live ones.
        tx.execute("DELETE FROM sessions WHERE expires_at <= $1", &[&now])?;
        tx.execute(
            "INSERT INTO sessions (token_hash, user_id, csrf, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
            &[&token_hash, &user_id, &csrf, &now, &expires_at.0],
        )?;
        tx.commit()?;
        Ok(())
    }

    fn session(
        &mut self,
        token_hash: &str,
        now: Timestamp,
    ) -> Result<Option<(User, String)>, StoreError> {
        let stmt = self.stmts.get(
            &mut self.client,
            &format!(
                "SELECT {USER_COLUMNS}, s.csrf FROM sessions s JOIN users u ON u.id = s.user_id \
                 WHERE s.token_hash = $1 AND s.expires_at > $2 AND NOT u.disabled"
            ),
        )?;
        self.client
            .query_opt(&stmt, &[&token_hash, &now.0])?
            .map(|r| Ok((raw_user(&r)?.parse()?, r.try_get(8)?)))
            .transpose()
    }

    fn delete_session(&mut self, token_hash: &str) -> Result<(), StoreError> {
        self.client
            .execute("DELETE FROM sessions WHERE token_hash = $1", &[&token_hash])?;
        Ok(())
    }

    fn create_token(
        &mut self,
        user_id: i64,
        name: &str,
        token_hash: &str,
        prefix: &str,
        actor: &Actor,
    ) -> Result<ApiToken, StoreError> {
        let mut tx = self.client.transaction()?;
        let user = user_name(&mut tx, user_id)?;
        let now = Timestamp::now();
        let id: i64 = tx
            .query_one(
                "INSERT INTO api_tokens (user_id, name, token_hash, prefix, created_at) \
                 VALUES ($1, $2, $3, $4, $5) RETURNING id",
                &[&user_id, &name, &token_hash, &prefix, &now.0],
            )?
            .try_get(0)?;
        append_audit(
            &mut tx,
            actor,
            "token_create",
            &format!("token:{id}"),
            &json!({ "user": user, "name": name, "prefix": prefix }),
        )?;
        tx.commit()?;
        Ok(ApiToken {
            id,
            user,
            name: name.to_owned(),
            prefix: prefix.to_owned(),
            created_at: now,
            last_used_at: None,
            revoked_at: None,
        })
    }

    fn token_user(&mut self, token_hash: &str, now: Timestamp) -> Result<Option<User>, StoreError> {
        let mut tx = self.client.transaction()?;
        let user: Option<i64> = tx
            .query_opt(
                "UPDATE api_tokens SET last_used_at = $2 WHERE token_hash = $1 AND revoked_at IS NULL \
                 AND user_id IN (SELECT id FROM users WHERE NOT disabled) RETURNING user_id",
                &[&token_hash, &now.0],
            )?
            .map(|r| r.try_get(0))
            .transpose()?;
        let user = match user {
            Some(id) => user_where(&mut tx, "u.id = $1", &id)?,
            None => None,
        };
        tx.commit()?;
        Ok(user)
    }

    fn tokens(&mut self, user_id: Option<i64>) -> Result<Vec<ApiToken>, StoreError> {
        self.client
            .query(
                &format!(
                    "SELECT {TOKEN_COLUMNS} FROM api_tokens t JOIN users u ON u.id = t.user_id \
                     WHERE ($1::bigint IS NULL OR t.user_id = $1) ORDER BY t.created_at DESC, t.id DESC"
                ),
                &[&user_id],
            )?
            .iter()
            .map(token_row)
            .collect()
    }

    fn revoke_token(
        &mut self,
        id: i64,
        owner: Option<i64>,
        actor: &Actor,
    ) -> Result<bool, StoreError> {
        let mut tx = self.client.transaction()?;
        let user: Option<String> = tx
            .query_opt(
                "UPDATE api_tokens SET revoked_at = $3 WHERE id = $1 AND revoked_at IS NULL \
                 AND ($2::bigint IS NULL OR user_id = $2) \
                 RETURNING (SELECT name FROM users WHERE users.id = api_tokens.user_id)",
                &[&id, &owner, &Timestamp::now().0],
            )?
            .map(|r| r.try_get(0))
            .transpose()?;
        let Some(user) = user else {
            return Ok(false);
        };
        append_audit(
            &mut tx,
            actor,
            "token_revoke",
            &format!("token:{id}"),
            &json!({ "user": user }),
        )?;
        tx.commit()?;
        Ok(true)
    }

    fn case(&mut self, id: i64) -> Result<Option<Case>, StoreError> {
        let stmt = self.stmts.get(
            &mut self.client,
            &format!("SELECT {} WHERE c.id = $1", case_select(false)),
        )?;
        self.client
            .query_opt(&stmt, &[&id])?
            .map(|r| case_of(pg_raw_case(&r)?))
            .transpose()
    }

    fn decide(
        &mut self,
        user: &User,
        decision: &NewDecision,
        rules: &ReviewRules,
        actor: &Actor,
    ) -> Result<DecisionOutcome, StoreError> {
        let mut tx = self.client.transaction()?;
        let case_id = decision.case_id;
        // The case row stays locked until the end, so two decisions on it are taken one after the other,
        // each seeing the status the other left.
        let Some(row) = tx.query_opt(
            "SELECT status, first_confirmer, label FROM cases WHERE id = $1 FOR UPDATE",
            &[&case_id],
        )?
        else {
            tx.rollback()?;
            return Ok(DecisionOutcome::NoCase);
        };
        let status = parse_status(case_id, row.try_get(0)?)?;
        let plan = match plan_decision(
            user,
            decision,
            rules,
            status,
            row.try_get(1)?,
            row.try_get(2)?,
        ) {
            Ok(plan) => plan,
            Err(refused) => {
                tx.rollback()?;
                return Ok(DecisionOutcome::Refused(refused));
            }
        };
        let at = Timestamp::now();
        let id: i64 = tx
            .query_one(
                "INSERT INTO decisions (case_id, user_id, action, from_status, to_status, label, reason, allow_list, at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
                &[
                    &case_id,
                    &user.id,
                    &decision.action.as_str(),
                    &plan.from.as_str(),
                    &plan.to.as_str(),
                    &plan.label,
                    &plan.reason,
                    &decision.allow_list,
                    &at.0,
                ],
            )?
            .try_get(0)?;
        tx.execute(
            "UPDATE cases SET status = $2, label = $3, first_confirmer = $4 WHERE id = $1",
            &[
                &case_id,
                &plan.to.as_str(),
                &plan.case_label,
                &plan.first_confirmer,
            ],
        )?;
        append_audit(
            &mut tx,
            actor,
            "decision",
            &format!("case:{case_id}"),
            &decision_detail(&plan, decision),
        )?;
        tx.commit()?;
        Ok(DecisionOutcome::Taken(
            plan.into_decision(id, case_id, user, decision, at),
        ))
    }

    fn decisions(&mut self, case_id: i64) -> Result<Vec<Decision>, StoreError> {
        let stmt = self.stmts.get(
            &mut self.client,
            &format!(
                "SELECT {DECISION_COLUMNS} FROM decisions d LEFT JOIN users u ON u.id = d.user_id \
                 WHERE d.case_id = $1 ORDER BY d.id"
            ),
        )?;
        self.client
            .query(&stmt, &[&case_id])?
            .iter()
            .map(decision_row)
            .collect()
    }

    fn assign(
        &mut self,
        case_id: i64,
        assignee: Option<i64>,
        actor: &Actor,
    ) -> Result<bool, StoreError> {
        let mut tx = self.client.transaction()?;
        let name = assignee.map(|id| user_name(&mut tx, id)).transpose()?;
        let updated = tx.execute(
            "UPDATE cases SET assignee_id = $2 WHERE id = $1",
            &[&case_id, &assignee],
        )?;
        if updated == 0 {
            return Ok(false);
        }
        append_audit(
            &mut tx,
            actor,
            "assign",
            &format!("case:{case_id}"),
            &json!({ "assignee": name }),
        )?;
        tx.commit()?;
        Ok(true)
    }

    fn audit_append(
        &mut self,
        actor: &Actor,
        action: &str,
        subject: &str,
        detail: &serde_json::Value,
    ) -> Result<AuditEntry, StoreError> {
        let mut tx = self.client.transaction()?;
        let entry = append_audit(&mut tx, actor, action, subject, detail)?;
        tx.commit()?;
        Ok(entry)
    }

    fn audit(&mut self, after: i64, limit: usize) -> Result<Vec<AuditEntry>, StoreError> {
        self.client
            .query(
                &format!(
                    "SELECT {AUDIT_COLUMNS} FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2"
                ),
                &[&after, &i64::try_from(limit).unwrap_or(i64::MAX)],
            )?
            .iter()
            .map(audit_row)
            .collect()
    }

    fn audit_head(&mut self) -> Result<(i64, String), StoreError> {
        let r = self
            .client
            .query_one("SELECT seq, hash FROM audit_head WHERE id = 1", &[])?;
        Ok((r.try_get(0)?, r.try_get(1)?))
    }
}
