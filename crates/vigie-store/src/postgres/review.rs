//! Users, sessions, API tokens, decisions and the audit trail in the PostgreSQL backend. The audited writes are
//! [`crate::audited`]'s, run over [`Pg`]: every one locks the audit head row (`FOR UPDATE`) before appending,
//! so concurrent writers from several processes queue on it and the chain stays a single line.

use super::PostgresStore;
use crate::StoreError;
use crate::cases::case_select;
use crate::review::Review;
use crate::rows::{
    AUDIT_COLUMNS, DECISION_COLUMNS, TOKEN_COLUMNS, USER_COLUMNS, audit_row, case_of, decision_of,
    raw_case, raw_decision, raw_token, raw_user, token_of,
};
use postgres::GenericClient;
use vigie_model::{ApiToken, AuditEntry, Case, Decision, Timestamp, User};

/// One user by a condition on `u` with one parameter.
pub(super) fn user_where(
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

impl Review for PostgresStore {
    crate::audited::audited_review_methods!();

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
            .map(|r| Ok(token_of(raw_token(r)?)))
            .collect()
    }

    fn case(&mut self, id: i64) -> Result<Option<Case>, StoreError> {
        let stmt = self.stmts.get(
            &mut self.client,
            &format!("SELECT {} WHERE c.id = $1", case_select(false)),
        )?;
        self.client
            .query_opt(&stmt, &[&id])?
            .map(|r| case_of(raw_case(&r)?))
            .transpose()
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
            .map(|r| decision_of(raw_decision(r)?))
            .collect()
    }

    fn frozen_evidence(
        &mut self,
        case_id: i64,
    ) -> Result<Option<crate::FrozenEvidence>, StoreError> {
        self.client
            .query_opt(
                "SELECT frozen_at, body, sha256 FROM case_evidence WHERE case_id = $1",
                &[&case_id],
            )?
            .map(|r| {
                Ok(crate::FrozenEvidence {
                    case_id,
                    frozen_at: Timestamp(r.try_get(0)?),
                    body: r.try_get(1)?,
                    sha256: r.try_get(2)?,
                })
            })
            .transpose()
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
            .map(|r| Ok(audit_row(r)?))
            .collect()
    }

    fn audit_head(&mut self) -> Result<Option<(i64, String)>, StoreError> {
        let Some(r) = self
            .client
            .query_opt("SELECT seq, hash FROM audit_head WHERE id = 1", &[])?
        else {
            return Ok(None);
        };
        Ok(Some((r.try_get(0)?, r.try_get(1)?)))
    }
}

impl crate::Referrals for PostgresStore {
    crate::audited::audited_referral_methods!();

    fn referrals(
        &mut self,
        platform: Option<&str>,
        status: Option<vigie_model::ReferralStatus>,
    ) -> Result<Vec<vigie_model::Referral>, StoreError> {
        let status = status.map(|s| s.as_str());
        self.client
            .query(
                &format!(
                    "SELECT {} WHERE ($1::text IS NULL OR r.platform = $1) \
                     AND ($2::text IS NULL OR r.status = $2) ORDER BY r.id DESC",
                    crate::rows::REFERRAL_SELECT
                ),
                &[&platform, &status],
            )?
            .iter()
            .map(|r| crate::rows::referral_of(crate::rows::raw_referral(r)?))
            .collect()
    }

    fn referral(&mut self, id: i64) -> Result<Option<vigie_model::Referral>, StoreError> {
        self.client
            .query_opt(
                &format!("SELECT {} WHERE r.id = $1", crate::rows::REFERRAL_SELECT),
                &[&id],
            )?
            .map(|r| crate::rows::referral_of(crate::rows::raw_referral(&r)?))
            .transpose()
    }

    fn referral_item_rows(&mut self, id: i64) -> Result<Vec<crate::ItemRow>, StoreError> {
        self.client
            .query(
                "SELECT case_id, outcome, actioned_at, seen_live_at, gone_at FROM referral_items \
                 WHERE referral_id = $1 ORDER BY case_id",
                &[&id],
            )?
            .iter()
            .map(|r| {
                Ok((
                    r.try_get(0)?,
                    r.try_get(1)?,
                    r.try_get(2)?,
                    r.try_get(3)?,
                    r.try_get(4)?,
                ))
            })
            .collect()
    }

    fn case_referrals(&mut self, cases: Option<&[i64]>) -> Result<Vec<(i64, i64)>, StoreError> {
        let rows = match cases {
            None => self.client.query(
                "SELECT case_id, referral_id FROM referral_items ORDER BY case_id",
                &[],
            )?,
            Some(cases) => self.client.query(
                "SELECT case_id, referral_id FROM referral_items WHERE case_id = ANY($1) ORDER BY case_id",
                &[&cases],
            )?,
        };
        rows.iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
            .collect()
    }
}
