//! Users, sessions, API tokens, decisions and the audit trail in the SQLite backend. The audited writes are
//! [`crate::audited`]'s, run over [`Lite`] in an `IMMEDIATE` transaction, so the audit head read at its start
//! is still the head when the entry is appended: two processes writing at once queue on the lock instead of
//! forking the chain.

use super::{At, SqliteStore};
use crate::StoreError;
use crate::cases::case_select;
use crate::review::Review;
use crate::rows::{
    AUDIT_COLUMNS, DECISION_COLUMNS, RawUser, TOKEN_COLUMNS, USER_COLUMNS, audit_row, case_of,
    decision_of, raw_case, raw_decision, raw_token, raw_user, token_of,
};
use rusqlite::{Connection, OptionalExtension, params};
use std::path::Path;
use vigie_model::{ApiToken, AuditEntry, Case, Decision, Timestamp, User};

/// One user by a condition on `u` with one parameter.
pub(super) fn user_where(
    conn: &Connection,
    path: &Path,
    condition: &str,
    param: &dyn rusqlite::ToSql,
) -> Result<Option<User>, StoreError> {
    conn.query_row(
        &format!("SELECT {USER_COLUMNS} FROM users u WHERE {condition}"),
        [param],
        |r| raw_user(r),
    )
    .optional()
    .at(path)?
    .map(RawUser::parse)
    .transpose()
}

impl Review for SqliteStore {
    crate::audited::audited_review_methods!();

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
            .query_map([], |r| raw_user(r))
            .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
            .map_err(self.err())?;
        raws.into_iter().map(RawUser::parse).collect()
    }

    fn create_session(
        &mut self,
        token_hash: &str,
        user_id: i64,
        csrf: &str,
        expires_at: Timestamp,
    ) -> Result<(), StoreError> {
        self.write(|lite| {
            let (tx, path) = (lite.conn, lite.path);
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

    fn token_user(&mut self, token_hash: &str, now: Timestamp) -> Result<Option<User>, StoreError> {
        self.write(|lite| {
            let (tx, path) = (lite.conn, lite.path);
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
        stmt.query_map([user_id], |r| raw_token(r))
            .and_then(|rows| rows.map(|r| r.map(token_of)).collect())
            .map_err(self.err())
    }

    fn case(&mut self, id: i64) -> Result<Option<Case>, StoreError> {
        self.flush_pending()?;
        self.conn
            .prepare_cached(&format!("SELECT {} WHERE c.id = ?1", case_select(false)))
            .and_then(|mut stmt| stmt.query_row([id], |r| raw_case(r)))
            .optional()
            .map_err(self.err())?
            .map(case_of)
            .transpose()
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
            .query_map([case_id], |r| raw_decision(r))
            .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
            .map_err(self.err())?;
        raws.into_iter().map(decision_of).collect()
    }

    fn frozen_evidence(
        &mut self,
        case_id: i64,
    ) -> Result<Option<crate::FrozenEvidence>, StoreError> {
        self.flush_pending()?;
        self.conn
            .query_row(
                "SELECT frozen_at, body, sha256 FROM case_evidence WHERE case_id = ?1",
                [case_id],
                |r| {
                    Ok(crate::FrozenEvidence {
                        case_id,
                        frozen_at: Timestamp(r.get(0)?),
                        body: r.get(1)?,
                        sha256: r.get(2)?,
                    })
                },
            )
            .optional()
            .map_err(self.err())
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
            |r| audit_row(r),
        )
        .and_then(|rows| rows.collect())
        .map_err(self.err())
    }

    fn audit_head(&mut self) -> Result<Option<(i64, String)>, StoreError> {
        self.flush_pending()?;
        self.conn
            .query_row("SELECT seq, hash FROM audit_head WHERE id = 1", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .optional()
            .map_err(self.err())
    }
}

impl crate::Referrals for SqliteStore {
    crate::audited::audited_referral_methods!();

    fn referrals(
        &mut self,
        platform: Option<&str>,
        status: Option<vigie_model::ReferralStatus>,
    ) -> Result<Vec<vigie_model::Referral>, StoreError> {
        self.flush_pending()?;
        let mut stmt = self
            .conn
            .prepare_cached(&format!(
                "SELECT {} WHERE (?1 IS NULL OR r.platform = ?1) AND (?2 IS NULL OR r.status = ?2) \
                 ORDER BY r.id DESC",
                crate::rows::REFERRAL_SELECT
            ))
            .map_err(self.err())?;
        let raws = stmt
            .query_map(params![platform, status.map(|s| s.as_str())], |r| {
                crate::rows::raw_referral(r)
            })
            .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
            .map_err(self.err())?;
        raws.into_iter().map(crate::rows::referral_of).collect()
    }

    fn referral(&mut self, id: i64) -> Result<Option<vigie_model::Referral>, StoreError> {
        self.flush_pending()?;
        self.conn
            .prepare_cached(&format!(
                "SELECT {} WHERE r.id = ?1",
                crate::rows::REFERRAL_SELECT
            ))
            .and_then(|mut stmt| stmt.query_row([id], |r| crate::rows::raw_referral(r)))
            .optional()
            .map_err(self.err())?
            .map(crate::rows::referral_of)
            .transpose()
    }

    fn referral_item_rows(&mut self, id: i64) -> Result<Vec<crate::ItemRow>, StoreError> {
        self.flush_pending()?;
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT case_id, outcome, actioned_at, seen_live_at, gone_at FROM referral_items \
                 WHERE referral_id = ?1 ORDER BY case_id",
            )
            .map_err(self.err())?;
        stmt.query_map([id], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })
        .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
        .map_err(self.err())
    }

    fn case_referrals(&mut self, cases: Option<&[i64]>) -> Result<Vec<(i64, i64)>, StoreError> {
        self.flush_pending()?;
        let pair = |r: &rusqlite::Row<'_>| Ok((r.get(0)?, r.get(1)?));
        let Some(cases) = cases else {
            let mut stmt = self
                .conn
                .prepare_cached("SELECT case_id, referral_id FROM referral_items ORDER BY case_id")
                .map_err(self.err())?;
            return stmt
                .query_map([], pair)
                .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
                .map_err(self.err());
        };
        let mut stmt = self
            .conn
            .prepare_cached("SELECT case_id, referral_id FROM referral_items WHERE case_id = ?1")
            .map_err(self.err())?;
        let mut out = Vec::new();
        for case in cases {
            if let Some(found) = stmt
                .query_row([case], pair)
                .optional()
                .map_err(self.err())?
            {
                out.push(found);
            }
        }
        out.sort_unstable();
        Ok(out)
    }
}
