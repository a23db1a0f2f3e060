//! The row shapes both backends read and write: column lists, the raw tuples a query returns, and their
//! parsing into the model's types. A backend only runs the query; what a row means is written here once.

use crate::StoreError;
use crate::cases::{StoredList, StoredModel, parse_evidence, parse_signals};
use vigie_model::{
    Account, Action, ApiToken, AuditEntry, Bank, BankEntry, BankKind, Case, CaseStatus,
    CaseSubject, Decision, Labels, MAX_PDQ_DISTANCE, MatchStatus, MediaMatch, Platform, Role,
    SignalType, Timestamp, User, UserSettings, Violation,
};

/// A value that both backends can read from a column.
pub(crate) trait Cell:
    Sized + rusqlite::types::FromSql + for<'a> postgres::types::FromSql<'a>
{
}

impl<T: rusqlite::types::FromSql + for<'a> postgres::types::FromSql<'a>> Cell for T {}

/// A result row of either backend, read by column position.
pub(crate) trait RowRead {
    /// The backend's error.
    type Error;
    /// The value of column `i`.
    fn col<T: Cell>(&self, i: usize) -> Result<T, Self::Error>;
}

impl RowRead for rusqlite::Row<'_> {
    type Error = rusqlite::Error;
    fn col<T: Cell>(&self, i: usize) -> Result<T, rusqlite::Error> {
        self.get(i)
    }
}

impl RowRead for postgres::Row {
    type Error = postgres::Error;
    fn col<T: Cell>(&self, i: usize) -> Result<T, postgres::Error> {
        self.try_get(i)
    }
}

// ---------------------------------------------------------------------------------------------------------
// Review: users, tokens, decisions, audit entries.

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

/// Reads the columns of [`USER_COLUMNS`].
pub(crate) fn raw_user<R: RowRead>(r: &R) -> Result<RawUser, R::Error> {
    Ok(RawUser {
        id: r.col(0)?,
        name: r.col(1)?,
        role: r.col(2)?,
        disabled: r.col(3)?,
        failed_logins: r.col(4)?,
        locked_until: r.col(5)?,
        settings: r.col(6)?,
        created_at: r.col(7)?,
    })
}

/// Reads the columns of [`TOKEN_COLUMNS`].
pub(crate) fn raw_token<R: RowRead>(r: &R) -> Result<RawToken, R::Error> {
    Ok((
        r.col(0)?,
        r.col(1)?,
        r.col(2)?,
        r.col(3)?,
        r.col(4)?,
        r.col(5)?,
        r.col(6)?,
    ))
}

/// Reads the columns of [`DECISION_COLUMNS`].
pub(crate) fn raw_decision<R: RowRead>(r: &R) -> Result<RawDecision, R::Error> {
    Ok((
        r.col(0)?,
        r.col(1)?,
        r.col(2)?,
        r.col(3)?,
        r.col(4)?,
        r.col(5)?,
        r.col(6)?,
        r.col(7)?,
        r.col(8)?,
        r.col(9)?,
        r.col(10)?,
    ))
}

/// Reads the columns of [`AUDIT_COLUMNS`].
pub(crate) fn audit_row<R: RowRead>(r: &R) -> Result<AuditEntry, R::Error> {
    Ok(AuditEntry {
        seq: r.col(0)?,
        at: Timestamp(r.col(1)?),
        actor: r.col(2)?,
        action: r.col(3)?,
        subject: r.col(4)?,
        detail: r.col(5)?,
        prev_hash: r.col(6)?,
        hash: r.col(7)?,
    })
}

/// The settings column.
pub(crate) fn settings_json(settings: &UserSettings) -> String {
    serde_json::to_string(settings).unwrap_or_else(|_| "{}".to_owned())
}

// ---------------------------------------------------------------------------------------------------------
// Banks, entries and matches.

pub(crate) fn labels_json(labels: &Labels) -> String {
    serde_json::to_string(labels).unwrap_or_else(|_| "{}".to_owned())
}

pub(crate) fn parse_labels(text: &str) -> Result<Labels, StoreError> {
    serde_json::from_str(text).map_err(|e| StoreError::Corrupt(format!("labels {text:?}: {e}")))
}

pub(crate) fn parse_signal(text: &str) -> Result<SignalType, StoreError> {
    SignalType::parse(text).map_err(|e| StoreError::Corrupt(e.to_string()))
}

/// A bank with its counts of live and held entries, as PostgreSQL keeps them (SQLite lists removals in a table of
/// their own: its query is in its backend).
pub(crate) const BANK_SQL: &str = "SELECT b.id, b.name, b.kind, b.source, b.labels, b.enabled, b.pdq_distance, b.created_at, \
     b.updated_at, \
     (SELECT COUNT(*) FROM bank_entries e WHERE e.bank_id = b.id AND e.removed_at IS NULL), \
     (SELECT COUNT(*) FROM bank_entries e WHERE e.bank_id = b.id AND e.removed_at IS NULL AND e.quarantine IS NOT NULL), \
     b.suppresses FROM banks b";

/// [`BANK_SQL`] without the two counts over each bank's entries (zeros in their place): what matching reads, in
/// constant time whatever the banks hold.
pub(crate) const BANK_SETTINGS_SQL: &str = "SELECT b.id, b.name, b.kind, b.source, b.labels, b.enabled, b.pdq_distance, \
     b.created_at, b.updated_at, CAST(0 AS BIGINT), CAST(0 AS BIGINT), b.suppresses FROM banks b";

/// A bank row as read, before its labels are parsed.
pub(crate) type RawBank = (
    i64,
    String,
    String,
    Option<String>,
    String,
    bool,
    i64,
    i64,
    i64,
    i64,
    i64,
    Option<String>,
);

pub(crate) fn raw_bank<R: RowRead>(r: &R) -> Result<RawBank, R::Error> {
    Ok((
        r.col(0)?,
        r.col(1)?,
        r.col(2)?,
        r.col(3)?,
        r.col(4)?,
        r.col(5)?,
        r.col(6)?,
        r.col(7)?,
        r.col(8)?,
        r.col(9)?,
        r.col(10)?,
        r.col(11)?,
    ))
}

/// An allow bank's scope as stored (a JSON array of names), or `None`.
pub(crate) fn scope_json(scope: Option<&Vec<String>>) -> Option<String> {
    scope.map(|s| serde_json::Value::from(s.clone()).to_string())
}

pub(crate) fn bank_of(raw: RawBank) -> Result<Bank, StoreError> {
    let (id, name, kind, source, labels, enabled, distance, created, updated, live, held, scope) =
        raw;
    let suppresses = match scope {
        Some(text) => Some(
            serde_json::from_str::<Vec<String>>(&text)
                .map_err(|e| StoreError::Corrupt(format!("bank {name}: scope {text:?}: {e}")))?,
        ),
        None => None,
    };
    Ok(Bank {
        id,
        kind: BankKind::parse(&kind)
            .ok_or_else(|| StoreError::Corrupt(format!("bank {name}: kind {kind:?}")))?,
        name,
        source,
        labels: parse_labels(&labels)?,
        enabled,
        pdq_distance: u32::try_from(distance).unwrap_or(MAX_PDQ_DISTANCE),
        created_at: Timestamp(created),
        updated_at: Timestamp(updated),
        live_entries: u64::try_from(live).unwrap_or(0),
        quarantined_entries: u64::try_from(held).unwrap_or(0),
        suppresses,
    })
}

/// An entry and its bank's name, as PostgreSQL keeps them (SQLite: in its backend).
pub(crate) const ENTRY_SQL: &str = "SELECT e.id, b.name, e.signal, e.value, e.labels, e.provenance, e.added_at, e.updated_at, \
     e.removed_at, e.quarantine FROM bank_entries e JOIN banks b ON b.id = e.bank_id";

pub(crate) type RawEntry = (
    i64,
    String,
    String,
    String,
    String,
    Option<String>,
    i64,
    i64,
    Option<i64>,
    Option<String>,
);

pub(crate) fn raw_entry<R: RowRead>(r: &R) -> Result<RawEntry, R::Error> {
    Ok((
        r.col(0)?,
        r.col(1)?,
        r.col(2)?,
        r.col(3)?,
        r.col(4)?,
        r.col(5)?,
        r.col(6)?,
        r.col(7)?,
        r.col(8)?,
        r.col(9)?,
    ))
}

pub(crate) fn entry_of(raw: RawEntry) -> Result<BankEntry, StoreError> {
    let (id, bank, signal, value, labels, provenance, added, updated, removed, quarantine) = raw;
    Ok(BankEntry {
        id,
        bank,
        signal: parse_signal(&signal)?,
        value,
        labels: parse_labels(&labels)?,
        provenance,
        added_at: Timestamp(added),
        updated_at: Timestamp(updated),
        removed_at: removed.map(Timestamp),
        quarantine,
    })
}

pub(crate) const MATCH_SQL: &str = "SELECT m.media_sha256, m.entry_id, b.name, e.signal, e.value, m.distance, m.variant, \
     m.status, m.suppressed_by, m.matched_at FROM media_matches m JOIN bank_entries e ON e.id = m.entry_id \
     JOIN banks b ON b.id = e.bank_id";

pub(crate) type RawMatch = (
    String,
    i64,
    String,
    String,
    String,
    i64,
    String,
    String,
    Option<i64>,
    i64,
);

pub(crate) fn raw_match<R: RowRead>(r: &R) -> Result<RawMatch, R::Error> {
    Ok((
        r.col(0)?,
        r.col(1)?,
        r.col(2)?,
        r.col(3)?,
        r.col(4)?,
        r.col(5)?,
        r.col(6)?,
        r.col(7)?,
        r.col(8)?,
        r.col(9)?,
    ))
}

pub(crate) fn match_of(raw: RawMatch) -> Result<MediaMatch, StoreError> {
    let (media, entry, bank, signal, value, distance, variant, status, by, at) = raw;
    Ok(MediaMatch {
        media_sha256: media,
        entry_id: entry,
        bank,
        signal: parse_signal(&signal)?,
        value,
        distance: u32::try_from(distance).unwrap_or(u32::MAX),
        variant,
        status: MatchStatus::parse(&status)
            .ok_or_else(|| StoreError::Corrupt(format!("match status {status:?}")))?,
        suppressed_by: by,
        matched_at: Timestamp(at),
        earlier_case: None,
    })
}

// ---------------------------------------------------------------------------------------------------------
// Cases.

/// A case row as read by [`case_select`], before parsing.
pub(crate) type RawCase = (
    i64,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    f64,
    String,
    String,
    i64,
    i64,
    Option<String>,
    Option<String>,
    String,
    Option<String>,
    Option<String>,
);

/// Reads the columns of [`case_select`](crate::cases::case_select).
pub(crate) fn raw_case<R: RowRead>(r: &R) -> Result<RawCase, R::Error> {
    Ok((
        r.col(0)?,
        r.col(1)?,
        r.col(2)?,
        r.col(3)?,
        r.col(4)?,
        r.col(5)?,
        r.col(6)?,
        r.col(7)?,
        r.col(8)?,
        r.col(9)?,
        r.col(10)?,
        r.col(11)?,
        r.col(12)?,
        r.col(13)?,
        r.col(14)?,
        r.col(15)?,
        r.col(16)?,
        r.col(17)?,
    ))
}

pub(crate) fn case_of(raw: RawCase) -> Result<Case, StoreError> {
    let (
        id,
        subject,
        platform,
        post_id,
        account_id,
        handle,
        language,
        text,
        score,
        evidence,
        status,
        created,
        updated,
        assignee,
        label,
        signals,
        category,
        url,
    ) = raw;
    let platform = platform.unwrap_or_default();
    let subject = CaseSubject::parse(&subject)
        .ok_or_else(|| StoreError::Corrupt(format!("case {id}: subject {subject:?}")))?;
    let permalink = match (&subject, &post_id, &account_id) {
        (CaseSubject::Post, Some(post), _) => {
            vigie_model::post_permalink(&platform, post, handle.as_deref(), url.as_deref())
        }
        (CaseSubject::Account, _, Some(account)) => {
            vigie_model::account_permalink(&platform, account, handle.as_deref(), None)
        }
        _ => None,
    };
    Ok(Case {
        id,
        subject,
        permalink,
        platform,
        post_id,
        account_id,
        handle,
        language,
        text,
        score,
        evidence: parse_evidence(&evidence)?,
        signals: parse_signals(&signals),
        status,
        created_at: Timestamp(created),
        updated_at: Timestamp(updated),
        assignee,
        label,
        category: category.as_deref().and_then(Violation::parse),
    })
}

// ---------------------------------------------------------------------------------------------------------
// Accounts, signal lists and models.

/// An account from the first eleven columns of a row, in the order platform, platform_id, handle,
/// display_name, bio, avatar_url, created_at, followers, following, post_count, observed_at.
pub(crate) fn account_of<R: RowRead>(r: &R) -> Result<Account, R::Error> {
    let mut a = Account::with_id(Platform::new(&r.col::<String>(0)?), r.col::<String>(1)?);
    a.handle = r.col(2)?;
    a.display_name = r.col(3)?;
    a.bio = r.col(4)?;
    a.avatar_url = r.col(5)?;
    a.created_at = r.col::<Option<i64>>(6)?.map(Timestamp);
    a.followers = r.col(7)?;
    a.following = r.col(8)?;
    a.post_count = r.col(9)?;
    a.observed_at = r.col::<Option<i64>>(10)?.map(Timestamp);
    Ok(a)
}

/// The columns [`stored_list_of`] reads, for a query on `signal_lists`.
pub(crate) const LIST_COLUMNS: &str = "name, kind, format, source, body, entries, imported_at";

/// A signal list from the columns of [`LIST_COLUMNS`].
pub(crate) fn stored_list_of<R: RowRead>(r: &R) -> Result<StoredList, R::Error> {
    Ok(StoredList {
        name: r.col(0)?,
        kind: r.col(1)?,
        format: r.col(2)?,
        source: r.col(3)?,
        body: r.col(4)?,
        entries: u64::try_from(r.col::<i64>(5)?).unwrap_or(0),
        imported_at: Timestamp(r.col(6)?),
    })
}

/// The columns [`stored_model_of`] reads, for a query on `models`.
pub(crate) const MODEL_COLUMNS: &str = "name, body, metrics, examples, trained_at";

/// A model from the columns of [`MODEL_COLUMNS`].
pub(crate) fn stored_model_of<R: RowRead>(r: &R) -> Result<StoredModel, R::Error> {
    Ok(StoredModel {
        name: r.col(0)?,
        body: r.col(1)?,
        metrics: r.col(2)?,
        examples: u64::try_from(r.col::<i64>(3)?).unwrap_or(0),
        trained_at: Timestamp(r.col(4)?),
    })
}

// ---------------------------------------------------------------------------------------------------------
// The hunt through stored media.

/// A stored medium's hash columns, after its number (which each backend names: `rowid` or `id`).
pub(crate) const MEDIUM_HASH_COLUMNS: &str = "sha256, md5, pdq, pdq_quality, pdq_variants";

pub(crate) type RawMedium = (
    i64,
    String,
    String,
    Option<String>,
    Option<i32>,
    Option<String>,
);

pub(crate) fn raw_medium<R: RowRead>(r: &R) -> Result<RawMedium, R::Error> {
    Ok((
        r.col(0)?,
        r.col(1)?,
        r.col(2)?,
        r.col(3)?,
        r.col(4)?,
        r.col(5)?,
    ))
}

pub(crate) fn medium_of(raw: RawMedium) -> crate::StoredMedium {
    let (id, sha256, md5, pdq, quality, variants) = raw;
    crate::StoredMedium {
        id,
        sha256,
        md5,
        pdq,
        pdq_quality: quality.and_then(|q| u8::try_from(q).ok()),
        pdq_variants: variants,
    }
}

/// A medium's stored matches, as settling reads them (each backend adds its placeholder for the medium).
pub(crate) const STORED_MATCH_SQL: &str = "SELECT entry_id, distance, variant, status, suppressed_by FROM media_matches WHERE media_sha256 = ";

pub(crate) type RawStoredMatch = (i64, i64, String, String, Option<i64>);

pub(crate) fn raw_stored_match<R: RowRead>(r: &R) -> Result<RawStoredMatch, R::Error> {
    Ok((r.col(0)?, r.col(1)?, r.col(2)?, r.col(3)?, r.col(4)?))
}

pub(crate) fn stored_match_of(
    raw: RawStoredMatch,
) -> Result<crate::rules::StoredMatch, StoreError> {
    let (entry, distance, variant, status, by) = raw;
    let status = MatchStatus::parse(&status)
        .ok_or_else(|| StoreError::Corrupt(format!("match status {status:?}")))?;
    Ok((
        entry,
        u32::try_from(distance).unwrap_or(u32::MAX),
        variant,
        status,
        by,
    ))
}

/// An import's progress row `(import id, applied, counts, import status)` as [`crate::Banks::import_progress`]
/// returns it: only when that import did not complete.
pub(crate) fn unfinished_progress(
    row: Option<(i64, i64, String, String)>,
    bank: &str,
    list: &str,
) -> Result<Option<crate::ImportProgress>, StoreError> {
    let Some((import_id, applied, counts, status)) = row else {
        return Ok(None);
    };
    if status == vigie_model::ImportStatus::Complete.as_str() {
        return Ok(None);
    }
    let counts = serde_json::from_str(&counts)
        .map_err(|e| StoreError::Corrupt(format!("import {import_id}'s progress counts: {e}")))?;
    Ok(Some(crate::ImportProgress {
        import_id,
        bank: bank.to_owned(),
        list: list.to_owned(),
        applied: applied.max(0) as u64,
        counts,
    }))
}

/// A referral with its counts: `SELECT {REFERRAL_SELECT} WHERE ...` (both backends).
pub(crate) const REFERRAL_SELECT: &str = "r.id, r.platform, r.template, r.status, r.created_by, r.created_at, \
     r.sent_at, r.updated_at, \
     (SELECT COUNT(*) FROM referral_items i WHERE i.referral_id = r.id), \
     (SELECT COUNT(*) FROM referral_items i WHERE i.referral_id = r.id AND i.outcome = 'actioned'), \
     (SELECT COUNT(*) FROM referral_items i WHERE i.referral_id = r.id AND i.seen_live_at IS NOT NULL), \
     (SELECT COUNT(*) FROM referral_items i WHERE i.referral_id = r.id AND i.gone_at IS NOT NULL) \
     FROM referrals r";

/// A referral row as [`REFERRAL_SELECT`] reads it.
pub(crate) type RawReferral = (
    i64,
    String,
    String,
    String,
    String,
    i64,
    Option<i64>,
    i64,
    i64,
    i64,
    i64,
    i64,
);

/// Reads a [`RawReferral`].
pub(crate) fn raw_referral<R: RowRead>(r: &R) -> Result<RawReferral, R::Error> {
    Ok((
        r.col(0)?,
        r.col(1)?,
        r.col(2)?,
        r.col(3)?,
        r.col(4)?,
        r.col(5)?,
        r.col(6)?,
        r.col(7)?,
        r.col(8)?,
        r.col(9)?,
        r.col(10)?,
        r.col(11)?,
    ))
}

/// A [`RawReferral`] as the model's referral.
pub(crate) fn referral_of(raw: RawReferral) -> Result<vigie_model::Referral, StoreError> {
    let (
        id,
        platform,
        template,
        status,
        created_by,
        created,
        sent,
        updated,
        items,
        actioned,
        live,
        gone,
    ) = raw;
    let count = |n: i64| usize::try_from(n).unwrap_or(0);
    Ok(vigie_model::Referral {
        id,
        platform,
        template,
        status: vigie_model::ReferralStatus::parse(&status)
            .ok_or_else(|| StoreError::Corrupt(format!("referral {id}: status {status:?}")))?,
        created_by,
        created_at: Timestamp(created),
        sent_at: sent.map(Timestamp),
        updated_at: Timestamp(updated),
        items: count(items),
        actioned: count(actioned),
        still_live: count(live),
        no_longer_observed: count(gone),
    })
}

/// The platform every case of a new referral must be of, checked before its transaction: the error names the
/// first case of another platform.
pub(crate) fn check_platform(
    platform: &str,
    cases: &[(i64, Option<String>)],
) -> Result<(), StoreError> {
    for (id, found) in cases {
        match found {
            None => return Err(StoreError::NotFound(format!("no case {id}"))),
            Some(p) if p != platform => {
                return Err(StoreError::Conflict(format!(
                    "case {id} is on {p}, not {platform}: a referral goes to one platform"
                )));
            }
            Some(_) => {}
        }
    }
    Ok(())
}
