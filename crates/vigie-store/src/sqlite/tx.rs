//! The primitive steps of [`crate::audited`]'s writes in SQLite.

use super::At;
use super::banks::BANK_SQL;
use super::banks::{apply, bank_id};
use super::review::user_where;
use crate::StoreError;
use crate::audited::{CaseState, WriteTx};
use crate::banks::{EntryCounts, NewBank};
use crate::review::NewDecision;
use crate::rows::scope_json;
use crate::rows::{AUDIT_COLUMNS, bank_of, labels_json, raw_bank};
use crate::rules::DecisionPlan;
use rusqlite::{Connection, OptionalExtension, params};
use std::path::Path;
use vigie_model::{AuditEntry, Bank, EntryRecord, Role, SignalType, Timestamp, User};

/// An open SQLite write transaction and the file it writes, for error messages.
pub(crate) struct Lite<'c> {
    pub(crate) conn: &'c Connection,
    pub(crate) path: &'c Path,
}

impl Lite<'_> {
    /// Runs one statement.
    fn exec(&self, sql: &str, params: impl rusqlite::Params) -> Result<usize, StoreError> {
        self.conn.execute(sql, params).at(self.path)
    }

    /// Reads one optional value.
    fn value<T: rusqlite::types::FromSql>(
        &self,
        sql: &str,
        params: impl rusqlite::Params,
    ) -> Result<Option<T>, StoreError> {
        self.conn
            .query_row(sql, params, |r| r.get(0))
            .optional()
            .at(self.path)
    }
}

impl WriteTx for Lite<'_> {
    fn audit_head(&mut self) -> Result<(i64, String), StoreError> {
        self.conn
            .query_row("SELECT seq, hash FROM audit_head WHERE id = 1", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .at(self.path)
    }

    fn push_audit(&mut self, entry: &AuditEntry) -> Result<(), StoreError> {
        self.conn
            .prepare_cached(&format!(
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
            .at(self.path)?;
        self.exec(
            "UPDATE audit_head SET seq = ?1, hash = ?2 WHERE id = 1",
            params![entry.seq, entry.hash],
        )?;
        Ok(())
    }

    fn insert_user(
        &mut self,
        name: &str,
        role: Role,
        password_hash: &str,
        at: Timestamp,
    ) -> Result<Option<i64>, StoreError> {
        let inserted = self.conn.execute(
            "INSERT INTO users (name, role, password_hash, created_at) VALUES (?1, ?2, ?3, ?4)",
            params![name, role.as_str(), password_hash, at.0],
        );
        match inserted {
            Err(rusqlite::Error::SqliteFailure(e, _))
                if e.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE =>
            {
                Ok(None)
            }
            other => {
                other.at(self.path)?;
                Ok(Some(self.conn.last_insert_rowid()))
            }
        }
    }

    fn user_named(&mut self, name: &str) -> Result<Option<User>, StoreError> {
        user_where(self.conn, self.path, "u.name = ?1", &name)
    }

    fn user_with_id(&mut self, id: i64) -> Result<Option<User>, StoreError> {
        user_where(self.conn, self.path, "u.id = ?1", &id)
    }

    fn user_id(&mut self, name: &str) -> Result<Option<i64>, StoreError> {
        self.value("SELECT id FROM users WHERE name = ?1", [name])
    }

    fn user_name(&mut self, id: i64) -> Result<Option<String>, StoreError> {
        self.value("SELECT name FROM users WHERE id = ?1", [id])
    }

    fn set_role(&mut self, id: i64, role: Role) -> Result<(), StoreError> {
        self.exec(
            "UPDATE users SET role = ?2 WHERE id = ?1",
            params![id, role.as_str()],
        )
        .map(drop)
    }

    fn set_disabled(&mut self, id: i64, disabled: bool) -> Result<(), StoreError> {
        self.exec(
            "UPDATE users SET disabled = ?2 WHERE id = ?1",
            params![id, disabled],
        )
        .map(drop)
    }

    fn set_password(&mut self, id: i64, password_hash: &str) -> Result<(), StoreError> {
        self.exec(
            "UPDATE users SET password_hash = ?2, failed_logins = 0, locked_until = NULL WHERE id = ?1",
            params![id, password_hash],
        )
        .map(drop)
    }

    fn end_sessions(&mut self, user_id: i64) -> Result<(), StoreError> {
        self.exec("DELETE FROM sessions WHERE user_id = ?1", [user_id])
            .map(drop)
    }

    fn clear_failed_logins(&mut self, id: i64) -> Result<(), StoreError> {
        self.exec(
            "UPDATE users SET failed_logins = 0, locked_until = NULL WHERE id = ?1",
            [id],
        )
        .map(drop)
    }

    fn count_failed_login(&mut self, id: i64, lock_until: Option<i64>) -> Result<i64, StoreError> {
        self.conn
            .query_row(
                "UPDATE users SET failed_logins = failed_logins + 1, \
                 locked_until = COALESCE(?2, locked_until) WHERE id = ?1 RETURNING failed_logins",
                params![id, lock_until],
                |r| r.get(0),
            )
            .at(self.path)
    }

    fn set_settings(&mut self, id: i64, settings: &str) -> Result<(), StoreError> {
        self.exec(
            "UPDATE users SET settings = ?2 WHERE id = ?1",
            params![id, settings],
        )
        .map(drop)
    }

    fn insert_token(
        &mut self,
        user_id: i64,
        name: &str,
        token_hash: &str,
        prefix: &str,
        at: Timestamp,
    ) -> Result<i64, StoreError> {
        self.exec(
            "INSERT INTO api_tokens (user_id, name, token_hash, prefix, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![user_id, name, token_hash, prefix, at.0],
        )?;
        Ok(self.conn.last_insert_rowid())
    }

    fn revoke_token(
        &mut self,
        id: i64,
        owner: Option<i64>,
        at: Timestamp,
    ) -> Result<Option<String>, StoreError> {
        self.value(
            "UPDATE api_tokens SET revoked_at = ?3 WHERE id = ?1 AND revoked_at IS NULL \
             AND (?2 IS NULL OR user_id = ?2) \
             RETURNING (SELECT name FROM users WHERE users.id = api_tokens.user_id)",
            params![id, owner, at.0],
        )
    }

    fn case_state(&mut self, case_id: i64) -> Result<Option<CaseState>, StoreError> {
        self.conn
            .query_row(
                "SELECT status, first_confirmer, label FROM cases WHERE id = ?1",
                [case_id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()
            .at(self.path)
    }

    fn insert_decision(
        &mut self,
        user_id: i64,
        d: &NewDecision,
        plan: &DecisionPlan,
        at: Timestamp,
    ) -> Result<i64, StoreError> {
        self.exec(
            "INSERT INTO decisions (case_id, user_id, action, from_status, to_status, label, reason, allow_list, at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            params![
                d.case_id,
                user_id,
                d.action.as_str(),
                plan.from.as_str(),
                plan.to.as_str(),
                plan.label,
                plan.reason,
                d.allow_list,
                at.0
            ],
        )?;
        Ok(self.conn.last_insert_rowid())
    }

    fn set_case_state(&mut self, case_id: i64, plan: &DecisionPlan) -> Result<(), StoreError> {
        self.exec(
            "UPDATE cases SET status = ?2, label = ?3, first_confirmer = ?4 WHERE id = ?1",
            params![
                case_id,
                plan.to.as_str(),
                plan.case_label,
                plan.first_confirmer
            ],
        )
        .map(drop)
    }

    fn set_assignee(&mut self, case_id: i64, assignee: Option<i64>) -> Result<bool, StoreError> {
        Ok(self.exec(
            "UPDATE cases SET assignee_id = ?2 WHERE id = ?1",
            params![case_id, assignee],
        )? > 0)
    }

    fn bank(&mut self, name: &str) -> Result<Option<Bank>, StoreError> {
        self.conn
            .query_row(&format!("{BANK_SQL} WHERE b.name = ?1"), [name], |r| {
                raw_bank(r)
            })
            .optional()
            .at(self.path)?
            .map(bank_of)
            .transpose()
    }

    fn insert_bank(&mut self, bank: &NewBank, at: Timestamp) -> Result<bool, StoreError> {
        if bank_id(self.conn, &bank.name).at(self.path)?.is_some() {
            return Ok(false);
        }
        self.exec(
            "INSERT INTO banks (name, kind, source, labels, enabled, pdq_distance, created_at, updated_at, suppresses) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7, ?8)",
            params![
                bank.name,
                bank.kind.as_str(),
                bank.source,
                labels_json(&bank.labels),
                bank.enabled,
                bank.pdq_distance,
                at.0,
                scope_json(bank.suppresses.as_ref())
            ],
        )?;
        Ok(true)
    }

    fn write_bank(&mut self, bank: &Bank, at: Timestamp) -> Result<(), StoreError> {
        self.exec(
            "UPDATE banks SET enabled = ?2, pdq_distance = ?3, source = ?4, labels = ?5, updated_at = ?6, \
             name = ?7, suppresses = ?8 WHERE id = ?1",
            params![
                bank.id,
                bank.enabled,
                bank.pdq_distance,
                bank.source,
                labels_json(&bank.labels),
                at.0,
                bank.name,
                scope_json(bank.suppresses.as_ref())
            ],
        )
        .map(drop)
    }

    fn delete_bank_rows(&mut self, bank_id: i64) -> Result<u64, StoreError> {
        let n: i64 = self
            .value(
                "SELECT COUNT(*) FROM bank_entries WHERE bank_id = ?1",
                [bank_id],
            )?
            .unwrap_or(0);
        self.exec(
            "UPDATE media_matches SET suppressed_by = NULL, status = 'active' WHERE suppressed_by IN \
             (SELECT id FROM bank_entries WHERE bank_id = ?1)",
            [bank_id],
        )?;
        self.exec(
            "DELETE FROM media_matches WHERE entry_id IN (SELECT id FROM bank_entries WHERE bank_id = ?1)",
            [bank_id],
        )?;
        self.exec(
            "DELETE FROM bank_removals WHERE entry_id IN (SELECT id FROM bank_entries WHERE bank_id = ?1)",
            [bank_id],
        )?;
        self.exec("DELETE FROM bank_entries WHERE bank_id = ?1", [bank_id])?;
        self.exec("DELETE FROM banks WHERE id = ?1", [bank_id])?;
        self.exec(
            "UPDATE bank_state SET epoch = epoch + 1, seq = seq + 1 WHERE id = 1",
            [],
        )?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    fn release_entry(
        &mut self,
        bank_id: i64,
        signal: SignalType,
        value: &str,
        at: Timestamp,
    ) -> Result<bool, StoreError> {
        let Some(entry) = self.value::<i64>(
            "SELECT id FROM bank_entries WHERE bank_id = ?1 AND signal = ?2 AND value = ?3 \
             AND quarantine IS NOT NULL",
            params![bank_id, signal.as_str(), value],
        )?
        else {
            return Ok(false);
        };
        self.exec(
            "UPDATE bank_entries SET quarantine = NULL, updated_at = ?2 WHERE id = ?1",
            params![entry, at.0],
        )?;
        self.exec(
            "UPDATE media_matches SET status = 'active' WHERE entry_id = ?1 AND status = 'held'",
            [entry],
        )?;
        Ok(true)
    }

    fn apply_entries(
        &mut self,
        bank: &str,
        records: &[EntryRecord],
    ) -> Result<EntryCounts, StoreError> {
        let id = bank_id(self.conn, bank)
            .at(self.path)?
            .ok_or_else(|| StoreError::NoSuchBank(bank.to_owned()))?;
        apply(self.conn, id, records).at(self.path)
    }

    fn referral_of_case(&mut self, case_id: i64) -> Result<Option<i64>, StoreError> {
        self.value(
            "SELECT referral_id FROM referral_items WHERE case_id = ?1",
            [case_id],
        )
    }

    fn insert_referral(
        &mut self,
        platform: &str,
        template: &str,
        created_by: &str,
        at: Timestamp,
    ) -> Result<i64, StoreError> {
        self.conn
            .query_row(
                "INSERT INTO referrals (platform, template, status, created_by, created_at, updated_at) \
                 VALUES (?1, ?2, 'draft', ?3, ?4, ?4) RETURNING id",
                params![platform, template, created_by, at.0],
                |r| r.get(0),
            )
            .at(self.path)
    }

    fn insert_referral_item(&mut self, referral_id: i64, case_id: i64) -> Result<(), StoreError> {
        self.exec(
            "INSERT INTO referral_items (referral_id, case_id) VALUES (?1, ?2)",
            params![referral_id, case_id],
        )
        .map(drop)
    }

    fn referral_status(&mut self, id: i64) -> Result<Option<String>, StoreError> {
        self.value("SELECT status FROM referrals WHERE id = ?1", [id])
    }

    fn set_referral_status(
        &mut self,
        id: i64,
        status: &str,
        at: Timestamp,
        sent: bool,
    ) -> Result<(), StoreError> {
        self.exec(
            "UPDATE referrals SET status = ?2, updated_at = ?3, \
             sent_at = CASE WHEN ?4 THEN ?3 ELSE sent_at END WHERE id = ?1",
            params![id, status, at.0, sent],
        )
        .map(drop)
    }

    fn set_referral_outcomes(
        &mut self,
        id: i64,
        outcome: &str,
        at: Timestamp,
    ) -> Result<(), StoreError> {
        self.exec(
            "UPDATE referral_items SET outcome = ?2, \
             actioned_at = CASE WHEN ?2 = 'actioned' THEN ?3 ELSE actioned_at END \
             WHERE referral_id = ?1 AND outcome IS NULL",
            params![id, outcome, at.0],
        )
        .map(drop)
    }

    fn set_seen_live(&mut self, case_ids: &[i64], at: Timestamp) -> Result<(), StoreError> {
        for id in case_ids {
            self.exec(
                "UPDATE referral_items SET seen_live_at = ?2 WHERE case_id = ?1",
                params![id, at.0],
            )?;
        }
        Ok(())
    }

    fn set_gone(&mut self, case_ids: &[i64], at: Timestamp) -> Result<(), StoreError> {
        for id in case_ids {
            self.exec(
                "UPDATE referral_items SET gone_at = ?2 WHERE case_id = ?1 AND gone_at IS NULL",
                params![id, at.0],
            )?;
        }
        Ok(())
    }

    fn set_item_outcome(
        &mut self,
        referral_id: i64,
        case_id: i64,
        outcome: &str,
        at: Timestamp,
    ) -> Result<bool, StoreError> {
        Ok(self.exec(
            "UPDATE referral_items SET outcome = ?3, \
             actioned_at = CASE WHEN ?3 = 'actioned' THEN ?4 ELSE NULL END \
             WHERE referral_id = ?1 AND case_id = ?2",
            params![referral_id, case_id, outcome, at.0],
        )? == 1)
    }

    fn insert_frozen_evidence(
        &mut self,
        case_id: i64,
        body: &str,
        sha256: &str,
        at: Timestamp,
    ) -> Result<bool, StoreError> {
        Ok(self.exec(
            "INSERT INTO case_evidence (case_id, frozen_at, body, sha256) VALUES (?1, ?2, ?3, ?4) \
             ON CONFLICT (case_id) DO NOTHING",
            params![case_id, at.0, body, sha256],
        )? == 1)
    }

    fn write_import_progress(&mut self, p: &crate::ImportProgress) -> Result<(), StoreError> {
        let counts = serde_json::to_string(&p.counts).expect("counts serialize");
        self.exec(
            "INSERT INTO import_progress (import_id, bank, list, applied, counts) VALUES (?1, ?2, ?3, ?4, ?5) \
             ON CONFLICT (import_id) DO UPDATE SET applied = excluded.applied, counts = excluded.counts",
            params![p.import_id, p.bank, p.list, p.applied as i64, counts],
        )
        .map(drop)
    }
}
