//! The rules both backends apply inside their write transactions, with no SQL: what a decision writes, what
//! an imported hash-list record does to the stored entry, what an audit entry says of a change.

use crate::StoreError;
use crate::review::{NewDecision, ReviewRules, UserChange};
use vigie_model::{
    Action, CaseStatus, Decision, DecisionError, EntryRecord, MAX_PDQ_DISTANCE, MatchStatus,
    Timestamp, User, transition,
};

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
    // Two confirmations must agree on the label: a second reviewer who confirms with another label confirms
    // nothing. The case goes to escalation with both on record: the first label stays the case's, the second is
    // this decision's.
    if d.action == Action::Confirm
        && status == CaseStatus::Pending
        && to == CaseStatus::Confirmed
        && case_label.is_some()
        && label != case_label
    {
        let reason = reason.or_else(|| {
            Some(format!(
                "the two confirmations disagree on the label: {} first, then {}",
                case_label.as_deref().unwrap_or(""),
                label.as_deref().unwrap_or("")
            ))
        });
        return Ok(DecisionPlan {
            from: status,
            to: CaseStatus::Escalated,
            label,
            reason,
            case_label,
            first_confirmer: None,
        });
    }
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

/// Whether a change ends the user's sessions: disabling them, or a new password.
pub(crate) fn ends_sessions(change: &UserChange) -> bool {
    change.disabled == Some(true) || change.password_hash.is_some()
}

/// The message of a taken user name.
pub(crate) fn name_taken(name: &str) -> StoreError {
    StoreError::Conflict(format!("a user named {name:?} already exists"))
}

/// Checks a bank's PDQ match distance.
pub(crate) fn check_distance(d: u32) -> Result<(), StoreError> {
    if d > MAX_PDQ_DISTANCE {
        return Err(StoreError::InvalidBank(format!(
            "a PDQ match distance is 0 to {MAX_PDQ_DISTANCE}, not {d}"
        )));
    }
    Ok(())
}

/// What an import record does to the entry as stored.
pub(crate) enum Effect {
    Insert,
    Revive,
    Update,
    Remove,
    Nothing,
}

/// Decides what `record` does to the stored entry `(labels, provenance, removed)`, if any.
pub(crate) fn effect(
    record: &EntryRecord,
    labels: &str,
    stored: Option<(&str, Option<&str>, bool)>,
) -> Effect {
    match (stored, record.deleted) {
        (None, true) => Effect::Nothing,
        (None, false) => Effect::Insert,
        (Some((_, _, removed)), true) => {
            if removed {
                Effect::Nothing
            } else {
                Effect::Remove
            }
        }
        (Some((_, _, true)), false) => Effect::Revive,
        (Some((old_labels, old_provenance, false)), false) => {
            let provenance_same =
                record.provenance.is_none() || record.provenance.as_deref() == old_provenance;
            if old_labels == labels && provenance_same {
                Effect::Nothing
            } else {
                Effect::Update
            }
        }
    }
}

/// A stored match of one medium, as settling reads it: entry, distance, variant, status, suppressing entry.
pub(crate) type StoredMatch = (i64, u32, String, MatchStatus, Option<i64>);

/// What settling one medium's matches writes.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct SettlePlan {
    /// Pairs to insert.
    pub(crate) insert: Vec<crate::NewMatch>,
    /// Known pairs whose distance, variant, status or suppressing entry changes.
    pub(crate) update: Vec<crate::NewMatch>,
    /// Entries whose match with this medium is withdrawn.
    pub(crate) withdraw: Vec<i64>,
}

/// The writes that make a medium's stored matches (`stored`) say exactly `wanted`, and what they change,
/// added to `settled`.
pub(crate) fn plan_settle(
    stored: &[StoredMatch],
    wanted: &[crate::NewMatch],
    settled: &mut crate::Settled,
) -> SettlePlan {
    let mut plan = SettlePlan::default();
    let mut newly_matched = false;
    for m in wanted {
        let before = stored.iter().find(|s| s.0 == m.entry_id);
        let was_active = before.is_some_and(|s| s.3 == MatchStatus::Active);
        match before {
            None => {
                settled.inserted += 1;
                plan.insert.push(m.clone());
            }
            Some(s) => {
                if (s.1, s.2.as_str(), s.3, s.4)
                    != (m.distance, m.variant.as_str(), m.status, m.suppressed_by)
                {
                    plan.update.push(m.clone());
                }
            }
        }
        if m.status == MatchStatus::Active && !was_active {
            newly_matched = true;
            if before.is_none() {
                settled.new_active.push(m.entry_id);
            }
        }
        if m.status == MatchStatus::Suppressed
            && before.is_none_or(|s| s.3 != MatchStatus::Suppressed)
        {
            settled.suppressed += 1;
        }
    }
    for s in stored {
        if s.3 != MatchStatus::Withdrawn && !wanted.iter().any(|m| m.entry_id == s.0) {
            plan.withdraw.push(s.0);
            settled.withdrawn += 1;
        }
    }
    if newly_matched {
        settled.media_newly_matched += 1;
    }
    plan
}

#[cfg(test)]
mod tests {
    use super::*;
    use vigie_model::{Role, UserSettings};

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
    fn regression_19_two_confirmations_with_different_labels_confirm_nothing() {
        let rules = ReviewRules {
            two_person: true,
            taxonomy: vec!["propaganda".to_owned(), "glorification".to_owned()],
        };
        let second = user(2, Role::Reviewer);
        let first_label = Some("propaganda".to_owned());
        let disagree = plan_decision(
            &second,
            &decision(Action::Confirm, Some("glorification"), None),
            &rules,
            CaseStatus::Pending,
            Some(1),
            first_label.clone(),
        );
        assert_eq!(
            disagree.as_ref().map(|p| (
                p.to,
                p.case_label.clone(),
                p.label.clone(),
                p.first_confirmer
            )),
            Ok((
                CaseStatus::Escalated,
                first_label.clone(),
                Some("glorification".to_owned()),
                None
            ))
        );
        assert!(
            disagree
                .ok()
                .and_then(|p| p.reason)
                .is_some_and(|r| r.contains("propaganda") && r.contains("glorification"))
        );
        let agree = plan_decision(
            &second,
            &decision(Action::Confirm, Some("propaganda"), None),
            &rules,
            CaseStatus::Pending,
            Some(1),
            first_label.clone(),
        );
        assert_eq!(
            agree.map(|p| (p.to, p.case_label)),
            Ok((CaseStatus::Confirmed, first_label))
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
