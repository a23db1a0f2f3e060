//! Every audited write, written once for both backends: the change and its audit entry in one transaction.
//!
//! A backend opens the transaction (SQLite `IMMEDIATE`, so the audit head read at its start is still the head
//! when the entry is appended; PostgreSQL locks the head row and the rows it changes), wraps it in a
//! [`WriteTx`], runs the operation, and commits when it returns `Ok`. The operations below only ever call the
//! transaction's primitive steps, so what a change writes and what its audit entry says cannot differ between
//! the backends.

use crate::StoreError;
use crate::banks::{BankChange, EntryCounts, NewBank, with_counts};
use crate::review::{
    Actor, DecisionOutcome, LoginOutcome, NewDecision, ReviewRules, UserChange, next_audit_entry,
};
use crate::rules::{
    DecisionPlan, check_distance, ends_sessions, name_taken, parse_status, plan_decision,
};
use vigie_model::{
    ApiToken, AuditEntry, AuditEvent, Bank, EntryRecord, Role, SignalType, Timestamp, User,
    UserSettings,
};

/// A case's review state as stored: status, first confirmer, label.
pub(crate) type CaseState = (String, Option<i64>, Option<String>);

/// The primitive steps of one write transaction, which holds the lock that orders audited writes. Each step
/// is one statement (or one prepared loop) of the backend's SQL; none decides anything.
pub(crate) trait WriteTx {
    /// The audit trail's head (sequence number and hash), locked until the transaction ends.
    fn audit_head(&mut self) -> Result<(i64, String), StoreError>;
    /// Stores `entry` and moves the head to it.
    fn push_audit(&mut self, entry: &AuditEntry) -> Result<(), StoreError>;

    /// Inserts a user and returns its id; `None` when the name is taken.
    fn insert_user(
        &mut self,
        name: &str,
        role: Role,
        password_hash: &str,
        at: Timestamp,
    ) -> Result<Option<i64>, StoreError>;
    /// The user named `name`, locked until the end where the backend locks rows.
    fn user_named(&mut self, name: &str) -> Result<Option<User>, StoreError>;
    /// The user with row id `id`.
    fn user_with_id(&mut self, id: i64) -> Result<Option<User>, StoreError>;
    /// The id of the user named `name`.
    fn user_id(&mut self, name: &str) -> Result<Option<i64>, StoreError>;
    /// The name of the user with row id `id`.
    fn user_name(&mut self, id: i64) -> Result<Option<String>, StoreError>;
    /// Sets a user's role.
    fn set_role(&mut self, id: i64, role: Role) -> Result<(), StoreError>;
    /// Disables or enables a user.
    fn set_disabled(&mut self, id: i64, disabled: bool) -> Result<(), StoreError>;
    /// Sets a user's password hash and clears their failed logins and lock.
    fn set_password(&mut self, id: i64, password_hash: &str) -> Result<(), StoreError>;
    /// Ends every session of a user.
    fn end_sessions(&mut self, user_id: i64) -> Result<(), StoreError>;
    /// Clears a user's failed logins and lock.
    fn clear_failed_logins(&mut self, id: i64) -> Result<(), StoreError>;
    /// Counts a failed login (locking the user until `lock_until` when set); returns the new count.
    fn count_failed_login(&mut self, id: i64, lock_until: Option<i64>) -> Result<i64, StoreError>;
    /// Stores a user's settings (JSON).
    fn set_settings(&mut self, id: i64, settings: &str) -> Result<(), StoreError>;

    /// Inserts an API token and returns its id.
    fn insert_token(
        &mut self,
        user_id: i64,
        name: &str,
        token_hash: &str,
        prefix: &str,
        at: Timestamp,
    ) -> Result<i64, StoreError>;
    /// Revokes a live token (of `owner` only, when set) and returns its user's name; `None` when no such
    /// live token.
    fn revoke_token(
        &mut self,
        id: i64,
        owner: Option<i64>,
        at: Timestamp,
    ) -> Result<Option<String>, StoreError>;

    /// A case's review state, locked until the end where the backend locks rows.
    fn case_state(&mut self, case_id: i64) -> Result<Option<CaseState>, StoreError>;
    /// Inserts a decision and returns its id.
    fn insert_decision(
        &mut self,
        user_id: i64,
        d: &NewDecision,
        plan: &DecisionPlan,
        at: Timestamp,
    ) -> Result<i64, StoreError>;
    /// Writes a case's status, label and first confirmer after a decision.
    fn set_case_state(&mut self, case_id: i64, plan: &DecisionPlan) -> Result<(), StoreError>;
    /// Sets a case's assignee; `false` when there is no such case.
    fn set_assignee(&mut self, case_id: i64, assignee: Option<i64>) -> Result<bool, StoreError>;

    /// The bank named `name`.
    fn bank(&mut self, name: &str) -> Result<Option<Bank>, StoreError>;
    /// Inserts a bank; `false` when the name is taken.
    fn insert_bank(&mut self, bank: &NewBank, at: Timestamp) -> Result<bool, StoreError>;
    /// Writes a bank's settings (enabled, distance, source, labels).
    fn write_bank(&mut self, bank: &Bank, at: Timestamp) -> Result<(), StoreError>;
    /// Deletes a bank, its entries and their matches, and starts a new feed epoch; returns how many entries
    /// it held.
    fn delete_bank_rows(&mut self, bank_id: i64) -> Result<u64, StoreError>;
    /// Releases a held entry and its held matches; `false` when the bank holds no such entry.
    fn release_entry(
        &mut self,
        bank_id: i64,
        signal: SignalType,
        value: &str,
        at: Timestamp,
    ) -> Result<bool, StoreError>;
    /// Applies hash-list records to a bank ([`crate::Banks::apply_entries`]).
    fn apply_entries(
        &mut self,
        bank: &str,
        records: &[EntryRecord],
    ) -> Result<EntryCounts, StoreError>;
    /// The referral a case is in, if any.
    fn referral_of_case(&mut self, case_id: i64) -> Result<Option<i64>, StoreError>;
    /// Inserts a draft referral and returns its id.
    fn insert_referral(
        &mut self,
        platform: &str,
        template: &str,
        created_by: &str,
        at: Timestamp,
    ) -> Result<i64, StoreError>;
    /// Adds a case to a referral.
    fn insert_referral_item(&mut self, referral_id: i64, case_id: i64) -> Result<(), StoreError>;
    /// A referral's status, locked until the transaction ends where the backend locks rows.
    fn referral_status(&mut self, id: i64) -> Result<Option<String>, StoreError>;
    /// Sets a referral's status (and its sending time when `sent`).
    fn set_referral_status(
        &mut self,
        id: i64,
        status: &str,
        at: Timestamp,
        sent: bool,
    ) -> Result<(), StoreError>;
    /// Gives `outcome` to a referral's items that have none (and their action time when actioned).
    fn set_referral_outcomes(
        &mut self,
        id: i64,
        outcome: &str,
        at: Timestamp,
    ) -> Result<(), StoreError>;
    /// Stamps referred items seen live again.
    fn set_seen_live(&mut self, case_ids: &[i64], at: Timestamp) -> Result<(), StoreError>;
    /// Stamps referred items no longer observed (those not stamped before).
    fn set_gone(&mut self, case_ids: &[i64], at: Timestamp) -> Result<(), StoreError>;
    /// Sets one item's outcome; false when the referral holds no such case.
    fn set_item_outcome(
        &mut self,
        referral_id: i64,
        case_id: i64,
        outcome: &str,
        at: Timestamp,
    ) -> Result<bool, StoreError>;
    /// Writes a case's frozen evidence unless it has some; true when written.
    fn insert_frozen_evidence(
        &mut self,
        case_id: i64,
        body: &str,
        sha256: &str,
        at: Timestamp,
    ) -> Result<bool, StoreError>;
    /// Writes (or replaces) an import's progress row.
    fn write_import_progress(&mut self, progress: &crate::ImportProgress)
    -> Result<(), StoreError>;
}

/// Appends an entry to the audit trail.
pub(crate) fn append(
    tx: &mut impl WriteTx,
    actor: &Actor,
    event: &AuditEvent,
) -> Result<AuditEntry, StoreError> {
    append_detail(tx, actor, event, event.detail())
}

/// Appends an entry to the audit trail with `detail` for the event's own details.
fn append_detail(
    tx: &mut impl WriteTx,
    actor: &Actor,
    event: &AuditEvent,
    detail: serde_json::Value,
) -> Result<AuditEntry, StoreError> {
    let (seq, hash) = tx.audit_head()?;
    let entry = next_audit_entry(
        (seq, &hash),
        Timestamp::now(),
        actor,
        event.action(),
        &event.subject(),
        &detail,
    );
    tx.push_audit(&entry)?;
    Ok(entry)
}

/// [`crate::Review::add_user`].
pub(crate) fn add_user(
    tx: &mut impl WriteTx,
    name: &str,
    role: Role,
    password_hash: &str,
    actor: &Actor,
) -> Result<User, StoreError> {
    let now = Timestamp::now();
    let id = tx
        .insert_user(name, role, password_hash, now)?
        .ok_or_else(|| name_taken(name))?;
    append(
        tx,
        actor,
        &AuditEvent::UserAdd {
            name: name.to_owned(),
            role,
        },
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
}

/// [`crate::Review::change_user`].
pub(crate) fn change_user(
    tx: &mut impl WriteTx,
    name: &str,
    change: &UserChange,
    actor: &Actor,
) -> Result<Option<User>, StoreError> {
    let Some(user) = tx.user_named(name)? else {
        return Ok(None);
    };
    if let Some(role) = change.role {
        tx.set_role(user.id, role)?;
    }
    if let Some(disabled) = change.disabled {
        tx.set_disabled(user.id, disabled)?;
    }
    if let Some(hash) = &change.password_hash {
        tx.set_password(user.id, hash)?;
    }
    if ends_sessions(change) {
        tx.end_sessions(user.id)?;
    }
    append(
        tx,
        actor,
        &AuditEvent::UserChange {
            name: name.to_owned(),
            role: change.role,
            disabled: change.disabled,
            password: change.password_hash.is_some(),
        },
    )?;
    tx.user_with_id(user.id)
}

/// [`crate::Review::record_login`].
pub(crate) fn record_login(
    tx: &mut impl WriteTx,
    name: &str,
    outcome: &LoginOutcome,
    actor: &Actor,
) -> Result<(), StoreError> {
    let id = tx.user_id(name)?;
    let name = name.to_owned();
    let event = match outcome {
        LoginOutcome::Success => {
            if let Some(id) = id {
                tx.clear_failed_logins(id)?;
            }
            AuditEvent::Login { name }
        }
        LoginOutcome::Failure { lock_until } => {
            let locked_until = lock_until.map(|t| t.0);
            let failed_logins = id
                .map(|id| tx.count_failed_login(id, locked_until))
                .transpose()?;
            AuditEvent::LoginFailed {
                name,
                failed_logins,
                locked_until,
            }
        }
        LoginOutcome::Refused { reason } => AuditEvent::LoginRefused {
            name,
            reason: reason.clone(),
        },
    };
    append(tx, actor, &event)?;
    Ok(())
}

/// [`crate::Review::set_user_settings`].
pub(crate) fn set_user_settings(
    tx: &mut impl WriteTx,
    user_id: i64,
    settings: &UserSettings,
    actor: &Actor,
) -> Result<(), StoreError> {
    let name = tx
        .user_name(user_id)?
        .ok_or(StoreError::NoSuchUser(user_id))?;
    tx.set_settings(user_id, &crate::rows::settings_json(settings))?;
    append(
        tx,
        actor,
        &AuditEvent::Settings {
            name,
            settings: settings.clone(),
        },
    )?;
    Ok(())
}

/// [`crate::Review::create_token`].
pub(crate) fn create_token(
    tx: &mut impl WriteTx,
    user_id: i64,
    name: &str,
    token_hash: &str,
    prefix: &str,
    actor: &Actor,
) -> Result<ApiToken, StoreError> {
    let user = tx
        .user_name(user_id)?
        .ok_or(StoreError::NoSuchUser(user_id))?;
    let now = Timestamp::now();
    let id = tx.insert_token(user_id, name, token_hash, prefix, now)?;
    append(
        tx,
        actor,
        &AuditEvent::TokenCreate {
            id,
            user: user.clone(),
            name: name.to_owned(),
            prefix: prefix.to_owned(),
        },
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
}

/// [`crate::Review::revoke_token`].
pub(crate) fn revoke_token(
    tx: &mut impl WriteTx,
    id: i64,
    owner: Option<i64>,
    actor: &Actor,
) -> Result<bool, StoreError> {
    let Some(user) = tx.revoke_token(id, owner, Timestamp::now())? else {
        return Ok(false);
    };
    append(tx, actor, &AuditEvent::TokenRevoke { id, user })?;
    Ok(true)
}

/// [`crate::Review::decide`]: the case stays locked from its read to the end, so two decisions on it are
/// taken one after the other, each seeing the status the other left.
pub(crate) fn decide(
    tx: &mut impl WriteTx,
    user: &User,
    decision: &NewDecision,
    rules: &ReviewRules,
    actor: &Actor,
) -> Result<DecisionOutcome, StoreError> {
    let case_id = decision.case_id;
    let Some((status, first_confirmer, label)) = tx.case_state(case_id)? else {
        return Ok(DecisionOutcome::NoCase);
    };
    let status = parse_status(case_id, &status)?;
    let plan = match plan_decision(user, decision, rules, status, first_confirmer, label) {
        Ok(plan) => plan,
        Err(refused) => return Ok(DecisionOutcome::Refused(refused)),
    };
    let at = Timestamp::now();
    let id = tx.insert_decision(user.id, decision, &plan, at)?;
    tx.set_case_state(case_id, &plan)?;
    append(
        tx,
        actor,
        &AuditEvent::Decision {
            case_id,
            action: decision.action,
            from: plan.from,
            to: plan.to,
            label: plan.label.clone(),
            reason: plan.reason.clone(),
            allow_list: decision.allow_list,
        },
    )?;
    Ok(DecisionOutcome::Taken(
        plan.into_decision(id, case_id, user, decision, at),
    ))
}

/// [`crate::Referrals::create_referral`], once the cases' platform is checked: returns the new id.
pub(crate) fn create_referral(
    tx: &mut impl WriteTx,
    platform: &str,
    template: &str,
    cases: &[i64],
    actor: &Actor,
) -> Result<i64, StoreError> {
    if cases.is_empty() {
        return Err(StoreError::Conflict(
            "a referral needs at least one case".into(),
        ));
    }
    for &case_id in cases {
        let Some((status, _, _)) = tx.case_state(case_id)? else {
            return Err(StoreError::NotFound(format!("no case {case_id}")));
        };
        if status != vigie_model::CaseStatus::Confirmed.as_str() {
            return Err(StoreError::Conflict(format!(
                "case {case_id} is {status}, not confirmed: only a case confirmed by its reviewers is referred"
            )));
        }
        if let Some(earlier) = tx.referral_of_case(case_id)? {
            return Err(StoreError::Conflict(format!(
                "case {case_id} is already in referral {earlier}: an item is never referred twice"
            )));
        }
    }
    let at = Timestamp::now();
    let id = tx.insert_referral(platform, template, &actor.name, at)?;
    let mut unique: Vec<i64> = cases.to_vec();
    unique.sort_unstable();
    unique.dedup();
    for &case_id in &unique {
        tx.insert_referral_item(id, case_id)?;
    }
    append(
        tx,
        actor,
        &AuditEvent::Note {
            action: "referral_create".into(),
            subject: format!("referral:{id}"),
            detail: serde_json::json!({ "platform": platform, "template": template, "cases": unique }),
        },
    )?;
    Ok(id)
}

/// [`crate::Referrals::mark_referral`].
pub(crate) fn mark_referral(
    tx: &mut impl WriteTx,
    id: i64,
    to: vigie_model::ReferralStatus,
    note: Option<&str>,
    actor: &Actor,
) -> Result<(), StoreError> {
    let Some(status) = tx.referral_status(id)? else {
        return Err(StoreError::NotFound(format!("no referral {id}")));
    };
    let from = vigie_model::ReferralStatus::parse(&status)
        .ok_or_else(|| StoreError::Corrupt(format!("referral {id}: status {status:?}")))?;
    if !from.may_become(to) {
        return Err(StoreError::Conflict(format!(
            "referral {id} is {}; it cannot become {}",
            from.as_str(),
            to.as_str()
        )));
    }
    let at = Timestamp::now();
    tx.set_referral_status(id, to.as_str(), at, to == vigie_model::ReferralStatus::Sent)?;
    if to.is_final() {
        tx.set_referral_outcomes(id, to.as_str(), at)?;
    }
    append(
        tx,
        actor,
        &AuditEvent::Note {
            action: "referral_mark".into(),
            subject: format!("referral:{id}"),
            detail: serde_json::json!({ "from": from.as_str(), "to": to.as_str(), "note": note }),
        },
    )?;
    Ok(())
}

/// [`crate::Referrals::record_sightings`].
pub(crate) fn record_sightings(
    tx: &mut impl WriteTx,
    live: &[i64],
    gone: &[i64],
    at: Timestamp,
    actor: &Actor,
) -> Result<(), StoreError> {
    if live.is_empty() && gone.is_empty() {
        return Ok(());
    }
    tx.set_seen_live(live, at)?;
    tx.set_gone(gone, at)?;
    append(
        tx,
        actor,
        &AuditEvent::Note {
            action: "referral_sighting".into(),
            subject: "referrals".into(),
            detail: serde_json::json!({ "still_live": live, "no_longer_observed": gone }),
        },
    )?;
    Ok(())
}

/// [`crate::Referrals::record_responses`].
pub(crate) fn record_responses(
    tx: &mut impl WriteTx,
    id: i64,
    responses: &[crate::ItemResponse],
    actor: &Actor,
) -> Result<(), StoreError> {
    if tx.referral_status(id)?.is_none() {
        return Err(StoreError::NotFound(format!("no referral {id}")));
    }
    let now = Timestamp::now();
    for r in responses {
        if r.outcome != "actioned" && r.outcome != "declined" {
            return Err(StoreError::Conflict(format!(
                "case {}: outcome {:?} is neither actioned nor declined",
                r.case_id, r.outcome
            )));
        }
        if !tx.set_item_outcome(id, r.case_id, &r.outcome, r.at.unwrap_or(now))? {
            return Err(StoreError::NotFound(format!(
                "case {} is not an item of referral {id}",
                r.case_id
            )));
        }
    }
    append(
        tx,
        actor,
        &AuditEvent::Note {
            action: "referral_response".into(),
            subject: format!("referral:{id}"),
            detail: serde_json::json!({
                "items": responses.iter().map(|r| serde_json::json!({
                    "case": r.case_id, "outcome": r.outcome, "at": r.at,
                })).collect::<Vec<_>>(),
            }),
        },
    )?;
    Ok(())
}

/// [`crate::Review::freeze_evidence`].
pub(crate) fn freeze_evidence(
    tx: &mut impl WriteTx,
    case_id: i64,
    body: &str,
    actor: &Actor,
) -> Result<bool, StoreError> {
    use sha2::Digest;
    let sha256 = hex::encode(sha2::Sha256::digest(body.as_bytes()));
    if !tx.insert_frozen_evidence(case_id, body, &sha256, Timestamp::now())? {
        return Ok(false);
    }
    append(
        tx,
        actor,
        &AuditEvent::Note {
            action: "evidence_freeze".into(),
            subject: format!("case:{case_id}"),
            detail: serde_json::json!({ "sha256": sha256 }),
        },
    )?;
    Ok(true)
}

/// [`crate::Review::assign`].
pub(crate) fn assign(
    tx: &mut impl WriteTx,
    case_id: i64,
    assignee: Option<i64>,
    actor: &Actor,
) -> Result<bool, StoreError> {
    let name = assignee
        .map(|id| tx.user_name(id)?.ok_or(StoreError::NoSuchUser(id)))
        .transpose()?;
    if !tx.set_assignee(case_id, assignee)? {
        return Ok(false);
    }
    append(
        tx,
        actor,
        &AuditEvent::Assign {
            case_id,
            assignee: name,
        },
    )?;
    Ok(true)
}

/// [`crate::Banks::apply_entries_audited`].
pub(crate) fn apply_entries(
    tx: &mut impl WriteTx,
    bank: &str,
    records: &[EntryRecord],
    actor: &Actor,
    event: &AuditEvent,
) -> Result<EntryCounts, StoreError> {
    let counts = tx.apply_entries(bank, records)?;
    append_detail(tx, actor, event, with_counts(event.detail(), &counts))?;
    Ok(counts)
}

/// [`crate::Banks::apply_entry_feed_audited`].
pub(crate) fn apply_entry_feed(
    tx: &mut impl WriteTx,
    bank: &str,
    feed: &mut crate::EntryFeed<'_>,
    actor: &Actor,
    event: &AuditEvent,
    progress: Option<&crate::ImportProgress>,
) -> Result<EntryCounts, StoreError> {
    let mut counts = EntryCounts::default();
    feed(&mut |records| {
        counts += tx.apply_entries(bank, records)?;
        Ok(())
    })?;
    if let Some(progress) = progress {
        let mut progress = progress.clone();
        progress.counts += counts;
        tx.write_import_progress(&progress)?;
    }
    append_detail(tx, actor, event, with_counts(event.detail(), &counts))?;
    Ok(counts)
}

/// The bank named `name`, or [`StoreError::NoSuchBank`].
fn bank_named(tx: &mut impl WriteTx, name: &str) -> Result<Bank, StoreError> {
    tx.bank(name)?
        .ok_or_else(|| StoreError::NoSuchBank(name.to_owned()))
}

/// [`crate::Banks::create_bank`].
pub(crate) fn create_bank(
    tx: &mut impl WriteTx,
    bank: &NewBank,
    actor: &Actor,
) -> Result<Bank, StoreError> {
    check_distance(bank.pdq_distance)?;
    check_scope(bank.kind, bank.suppresses.as_ref())?;
    if !tx.insert_bank(bank, Timestamp::now())? {
        return Err(StoreError::BankExists(bank.name.clone()));
    }
    append(
        tx,
        actor,
        &AuditEvent::BankCreate {
            bank: bank.name.clone(),
            kind: bank.kind,
            source: bank.source.clone(),
            labels: bank.labels.clone(),
            distance: bank.pdq_distance,
            enabled: bank.enabled,
            suppresses: bank.suppresses.clone(),
        },
    )?;
    bank_named(tx, &bank.name)
}

/// Only an allow bank suppresses, and a scope names at least one bank.
fn check_scope(kind: vigie_model::BankKind, scope: Option<&Vec<String>>) -> Result<(), StoreError> {
    match scope {
        Some(_) if kind != vigie_model::BankKind::Allow => Err(StoreError::InvalidBank(
            "only an allow bank suppresses other banks' matches".into(),
        )),
        Some(names) if names.is_empty() => Err(StoreError::InvalidBank(
            "an allow bank's scope names at least one block bank (or none at all: every block bank)"
                .into(),
        )),
        _ => Ok(()),
    }
}

/// [`crate::Banks::update_bank`].
pub(crate) fn update_bank(
    tx: &mut impl WriteTx,
    name: &str,
    change: &BankChange,
    actor: &Actor,
) -> Result<Bank, StoreError> {
    if let Some(d) = change.pdq_distance {
        check_distance(d)?;
    }
    let mut bank = bank_named(tx, name)?;
    if let Some(new) = change.rename.as_deref().filter(|n| *n != name) {
        if new.trim().is_empty() {
            return Err(StoreError::InvalidBank(
                "a bank's name cannot be empty".into(),
            ));
        }
        if bank_named(tx, new).is_ok() {
            return Err(StoreError::BankExists(new.to_owned()));
        }
    }
    change.apply_to(&mut bank);
    check_scope(bank.kind, bank.suppresses.as_ref())?;
    tx.write_bank(&bank, Timestamp::now())?;
    append(
        tx,
        actor,
        &AuditEvent::BankChange {
            bank: name.to_owned(),
            enabled: change.enabled,
            distance: change.pdq_distance,
            source: change.source.clone(),
            set_labels: change.set_labels.clone(),
            unset_labels: change.unset_labels.clone(),
            rename: change.rename.clone(),
            suppresses: change.suppresses.clone(),
        },
    )?;
    bank_named(tx, &bank.name)
}

/// [`crate::Banks::delete_bank`].
pub(crate) fn delete_bank(
    tx: &mut impl WriteTx,
    name: &str,
    actor: &Actor,
) -> Result<u64, StoreError> {
    let bank = bank_named(tx, name)?;
    let entries = tx.delete_bank_rows(bank.id)?;
    append(
        tx,
        actor,
        &AuditEvent::BankDelete {
            bank: name.to_owned(),
            entries,
        },
    )?;
    Ok(entries)
}

/// [`crate::Banks::release_entry`].
pub(crate) fn release_entry(
    tx: &mut impl WriteTx,
    bank: &str,
    signal: SignalType,
    value: &str,
    actor: &Actor,
) -> Result<bool, StoreError> {
    let id = bank_named(tx, bank)?.id;
    if !tx.release_entry(id, signal, value, Timestamp::now())? {
        return Ok(false);
    }
    append(
        tx,
        actor,
        &AuditEvent::EntryRelease {
            bank: bank.to_owned(),
            signal,
            value: value.to_owned(),
        },
    )?;
    Ok(true)
}

/// The methods of [`crate::Review`] that are audited writes, for a backend whose `write` runs a closure over its
/// [`WriteTx`] in one transaction: expanded inside each backend's `impl Review`, so that neither spells them.
macro_rules! audited_review_methods {
    () => {
        fn add_user(
            &mut self,
            name: &str,
            role: vigie_model::Role,
            password_hash: &str,
            actor: &$crate::Actor,
        ) -> Result<vigie_model::User, $crate::StoreError> {
            self.write(|tx| $crate::audited::add_user(tx, name, role, password_hash, actor))
        }

        fn change_user(
            &mut self,
            name: &str,
            change: &$crate::UserChange,
            actor: &$crate::Actor,
        ) -> Result<Option<vigie_model::User>, $crate::StoreError> {
            self.write(|tx| $crate::audited::change_user(tx, name, change, actor))
        }

        fn record_login(
            &mut self,
            name: &str,
            outcome: &$crate::LoginOutcome,
            actor: &$crate::Actor,
        ) -> Result<(), $crate::StoreError> {
            self.write(|tx| $crate::audited::record_login(tx, name, outcome, actor))
        }

        fn set_user_settings(
            &mut self,
            user_id: i64,
            settings: &vigie_model::UserSettings,
            actor: &$crate::Actor,
        ) -> Result<(), $crate::StoreError> {
            self.write(|tx| $crate::audited::set_user_settings(tx, user_id, settings, actor))
        }

        fn create_token(
            &mut self,
            user_id: i64,
            name: &str,
            token_hash: &str,
            prefix: &str,
            actor: &$crate::Actor,
        ) -> Result<vigie_model::ApiToken, $crate::StoreError> {
            self.write(|tx| {
                $crate::audited::create_token(tx, user_id, name, token_hash, prefix, actor)
            })
        }

        fn revoke_token(
            &mut self,
            id: i64,
            owner: Option<i64>,
            actor: &$crate::Actor,
        ) -> Result<bool, $crate::StoreError> {
            self.write(|tx| $crate::audited::revoke_token(tx, id, owner, actor))
        }

        fn decide(
            &mut self,
            user: &vigie_model::User,
            decision: &$crate::NewDecision,
            rules: &$crate::ReviewRules,
            actor: &$crate::Actor,
        ) -> Result<$crate::DecisionOutcome, $crate::StoreError> {
            self.write(|tx| $crate::audited::decide(tx, user, decision, rules, actor))
        }

        fn assign(
            &mut self,
            case_id: i64,
            assignee: Option<i64>,
            actor: &$crate::Actor,
        ) -> Result<bool, $crate::StoreError> {
            self.write(|tx| $crate::audited::assign(tx, case_id, assignee, actor))
        }

        fn audit_append(
            &mut self,
            actor: &$crate::Actor,
            event: &vigie_model::AuditEvent,
        ) -> Result<vigie_model::AuditEntry, $crate::StoreError> {
            self.write(|tx| $crate::audited::append(tx, actor, event))
        }

        fn freeze_evidence(
            &mut self,
            case_id: i64,
            body: &str,
            actor: &$crate::Actor,
        ) -> Result<bool, $crate::StoreError> {
            self.write(|tx| $crate::audited::freeze_evidence(tx, case_id, body, actor))
        }
    };
}
pub(crate) use audited_review_methods;

/// The methods of [`crate::Banks`] that are audited writes (see [`audited_review_methods`]), and
/// `apply_entries`, whose primitive step is the same transaction without its audit entry.
macro_rules! audited_bank_methods {
    () => {
        fn create_bank(
            &mut self,
            bank: &$crate::NewBank,
            actor: &$crate::Actor,
        ) -> Result<vigie_model::Bank, $crate::StoreError> {
            self.write(|tx| $crate::audited::create_bank(tx, bank, actor))
        }

        fn update_bank(
            &mut self,
            name: &str,
            change: &$crate::BankChange,
            actor: &$crate::Actor,
        ) -> Result<vigie_model::Bank, $crate::StoreError> {
            self.write(|tx| $crate::audited::update_bank(tx, name, change, actor))
        }

        fn delete_bank(
            &mut self,
            name: &str,
            actor: &$crate::Actor,
        ) -> Result<u64, $crate::StoreError> {
            self.write(|tx| $crate::audited::delete_bank(tx, name, actor))
        }

        fn apply_entries(
            &mut self,
            bank: &str,
            records: &[vigie_model::EntryRecord],
        ) -> Result<$crate::EntryCounts, $crate::StoreError> {
            self.write(|tx| $crate::audited::WriteTx::apply_entries(tx, bank, records))
        }

        fn apply_entries_audited(
            &mut self,
            bank: &str,
            records: &[vigie_model::EntryRecord],
            actor: &$crate::Actor,
            event: &vigie_model::AuditEvent,
        ) -> Result<$crate::EntryCounts, $crate::StoreError> {
            self.write(|tx| $crate::audited::apply_entries(tx, bank, records, actor, event))
        }

        fn apply_entry_feed_audited(
            &mut self,
            bank: &str,
            feed: &mut $crate::EntryFeed<'_>,
            actor: &$crate::Actor,
            event: &vigie_model::AuditEvent,
            progress: Option<&$crate::ImportProgress>,
        ) -> Result<$crate::EntryCounts, $crate::StoreError> {
            self.write(|tx| {
                $crate::audited::apply_entry_feed(tx, bank, feed, actor, event, progress)
            })
        }

        fn release_entry(
            &mut self,
            bank: &str,
            signal: vigie_model::SignalType,
            value: &str,
            actor: &$crate::Actor,
        ) -> Result<bool, $crate::StoreError> {
            self.write(|tx| $crate::audited::release_entry(tx, bank, signal, value, actor))
        }
    };
}
pub(crate) use audited_bank_methods;

/// The methods of [`crate::Referrals`] that are audited writes, written once for both backends over their
/// `write`, `case` and `referral` (see [`audited_review_methods`]).
macro_rules! audited_referral_methods {
    () => {
        fn create_referral(
            &mut self,
            platform: &str,
            template: &str,
            cases: &[i64],
            actor: &$crate::Actor,
        ) -> Result<vigie_model::Referral, $crate::StoreError> {
            let mut found = Vec::with_capacity(cases.len());
            for &id in cases {
                found.push((id, self.case(id)?.map(|c| c.platform)));
            }
            $crate::rows::check_platform(platform, &found)?;
            let id = self.write(|tx| {
                $crate::audited::create_referral(tx, platform, template, cases, actor)
            })?;
            self.referral(id)?
                .ok_or_else(|| $crate::StoreError::NotFound(format!("no referral {id}")))
        }

        fn mark_referral(
            &mut self,
            id: i64,
            to: vigie_model::ReferralStatus,
            note: Option<&str>,
            actor: &$crate::Actor,
        ) -> Result<vigie_model::Referral, $crate::StoreError> {
            self.write(|tx| $crate::audited::mark_referral(tx, id, to, note, actor))?;
            self.referral(id)?
                .ok_or_else(|| $crate::StoreError::NotFound(format!("no referral {id}")))
        }

        fn record_sightings(
            &mut self,
            live: &[i64],
            gone: &[i64],
            at: vigie_model::Timestamp,
            actor: &$crate::Actor,
        ) -> Result<(), $crate::StoreError> {
            self.write(|tx| $crate::audited::record_sightings(tx, live, gone, at, actor))
        }

        fn record_responses(
            &mut self,
            id: i64,
            responses: &[$crate::ItemResponse],
            actor: &$crate::Actor,
        ) -> Result<(), $crate::StoreError> {
            self.write(|tx| $crate::audited::record_responses(tx, id, responses, actor))
        }
    };
}
pub(crate) use audited_referral_methods;
