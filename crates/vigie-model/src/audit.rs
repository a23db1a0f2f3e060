//! What the audit trail records: one typed event per kind of change, each with its action name, its subject
//! and its details as the trail stores them ([`crate::AuditEntry`] holds them as text, hash-chained).

use crate::{Action, BankKind, CaseStatus, Labels, Role, SignalType, UserSettings};
use serde_json::{Value, json};

/// A change, as the audit trail records it. The store writes each in the same transaction as the change.
#[derive(Debug, Clone, PartialEq)]
pub enum AuditEvent {
    /// A user was added.
    UserAdd {
        /// The user's name.
        name: String,
        /// Their role.
        role: Role,
    },
    /// A user's role, state or password was changed.
    UserChange {
        /// The user's name.
        name: String,
        /// The new role, if set.
        role: Option<Role>,
        /// Disabled or enabled, if set.
        disabled: Option<bool>,
        /// Whether a new password was set (never the password).
        password: bool,
    },
    /// A successful login.
    Login {
        /// The user's name.
        name: String,
    },
    /// A failed login.
    LoginFailed {
        /// The name tried.
        name: String,
        /// The user's failed logins since the last success; `None` for an unknown name.
        failed_logins: Option<i64>,
        /// Until when the user is locked out (milliseconds), if the failure locked them.
        locked_until: Option<i64>,
    },
    /// A login refused before its password was checked (locked or disabled user, throttled origin).
    LoginRefused {
        /// The name tried.
        name: String,
        /// Why.
        reason: String,
    },
    /// A user's settings were saved.
    Settings {
        /// The user's name.
        name: String,
        /// The new settings.
        settings: UserSettings,
    },
    /// An API token was created.
    TokenCreate {
        /// The token's id.
        id: i64,
        /// Its user.
        user: String,
        /// Its name.
        name: String,
        /// Its public prefix.
        prefix: String,
    },
    /// An API token was revoked.
    TokenRevoke {
        /// The token's id.
        id: i64,
        /// Its user.
        user: String,
    },
    /// A review decision on a case.
    Decision {
        /// The case.
        case_id: i64,
        /// The decision.
        action: Action,
        /// The case's status before.
        from: CaseStatus,
        /// The case's status after.
        to: CaseStatus,
        /// The label confirmed, for a confirmation.
        label: Option<String>,
        /// The reason given.
        reason: Option<String>,
        /// Whether the case's media go to the allow-list.
        allow_list: bool,
    },
    /// A case was assigned (or unassigned).
    Assign {
        /// The case.
        case_id: i64,
        /// The assignee's name, `None` for nobody.
        assignee: Option<String>,
    },
    /// A hash bank was created.
    BankCreate {
        /// The bank.
        bank: String,
        /// What it holds.
        kind: BankKind,
        /// Where its entries come from.
        source: Option<String>,
        /// Its labels.
        labels: Labels,
        /// Its PDQ match distance.
        distance: u32,
        /// Whether it matches.
        enabled: bool,
        /// An allow bank's scope (`None`: every block bank).
        suppresses: Option<Vec<String>>,
    },
    /// A hash bank's settings were changed.
    BankChange {
        /// The bank.
        bank: String,
        /// Enabled or disabled, if set.
        enabled: Option<bool>,
        /// The new PDQ match distance, if set.
        distance: Option<u32>,
        /// The new source, if set.
        source: Option<String>,
        /// Labels set.
        set_labels: Labels,
        /// Labels removed.
        unset_labels: Vec<String>,
        /// Its new name, if renamed.
        rename: Option<String>,
        /// A new scope of an allow bank, if set (`Some(None)`: every block bank).
        suppresses: Option<Option<Vec<String>>>,
    },
    /// A hash bank was deleted with its entries.
    BankDelete {
        /// The bank.
        bank: String,
        /// How many entries it held.
        entries: u64,
    },
    /// Entries of a hash list file were applied to a bank (one entry per transaction of the import).
    BankImport {
        /// The bank.
        bank: String,
        /// The file.
        file: String,
        /// Its list format.
        format: String,
    },
    /// Entries were removed from a bank by hand.
    BankRemoveEntries {
        /// The bank.
        bank: String,
        /// The hashes named (`type:value`).
        hashes: Vec<String>,
    },
    /// The media of cases rejected with `allow_list` were fed to an allow-list bank.
    BankAllowList {
        /// The bank.
        bank: String,
        /// Cases read.
        cases: usize,
        /// Media found in them.
        media: usize,
        /// Entries written.
        entries: usize,
    },
    /// A quarantined bank entry was released: its held matches are active again.
    EntryRelease {
        /// The bank.
        bank: String,
        /// The entry's hash type.
        signal: SignalType,
        /// The entry's hash.
        value: String,
    },
    /// An event that none of the kinds above describes (a tool's own check, an operator's note).
    Note {
        /// What happened, a short snake_case word.
        action: String,
        /// What it happened to.
        subject: String,
        /// Details (a JSON object).
        detail: Value,
    },
}

impl AuditEvent {
    /// The action name the trail stores (`login`, `decision`, `bank_create`...).
    pub fn action(&self) -> &str {
        match self {
            AuditEvent::UserAdd { .. } => "user_add",
            AuditEvent::UserChange { .. } => "user_change",
            AuditEvent::Login { .. } => "login",
            AuditEvent::LoginFailed { .. } => "login_failed",
            AuditEvent::LoginRefused { .. } => "login_refused",
            AuditEvent::Settings { .. } => "settings",
            AuditEvent::TokenCreate { .. } => "token_create",
            AuditEvent::TokenRevoke { .. } => "token_revoke",
            AuditEvent::Decision { .. } => "decision",
            AuditEvent::Assign { .. } => "assign",
            AuditEvent::BankCreate { .. } => "bank_create",
            AuditEvent::BankChange { .. } => "bank_set",
            AuditEvent::BankDelete { .. } => "bank_delete",
            AuditEvent::BankImport { .. } => "bank_import",
            AuditEvent::BankRemoveEntries { .. } => "bank_remove",
            AuditEvent::BankAllowList { .. } => "bank_allow_list",
            AuditEvent::EntryRelease { .. } => "entry_release",
            AuditEvent::Note { action, .. } => action,
        }
    }

    /// What it happened to: `user:<name>`, `token:<id>`, `case:<id>` or `bank:<name>`.
    pub fn subject(&self) -> String {
        match self {
            AuditEvent::UserAdd { name, .. }
            | AuditEvent::UserChange { name, .. }
            | AuditEvent::Login { name }
            | AuditEvent::LoginFailed { name, .. }
            | AuditEvent::LoginRefused { name, .. }
            | AuditEvent::Settings { name, .. } => format!("user:{name}"),
            AuditEvent::TokenCreate { id, .. } | AuditEvent::TokenRevoke { id, .. } => {
                format!("token:{id}")
            }
            AuditEvent::Decision { case_id, .. } | AuditEvent::Assign { case_id, .. } => {
                format!("case:{case_id}")
            }
            AuditEvent::BankCreate { bank, .. }
            | AuditEvent::BankChange { bank, .. }
            | AuditEvent::BankDelete { bank, .. }
            | AuditEvent::BankImport { bank, .. }
            | AuditEvent::BankRemoveEntries { bank, .. }
            | AuditEvent::BankAllowList { bank, .. }
            | AuditEvent::EntryRelease { bank, .. } => format!("bank:{bank}"),
            AuditEvent::Note { subject, .. } => subject.clone(),
        }
    }

    /// The details the trail stores, a JSON object (the subject is not repeated; a password never appears).
    pub fn detail(&self) -> Value {
        match self {
            AuditEvent::UserAdd { role, .. } => json!({ "role": role.as_str() }),
            AuditEvent::UserChange {
                role,
                disabled,
                password,
                ..
            } => {
                let mut detail = serde_json::Map::new();
                if let Some(role) = role {
                    detail.insert("role".to_owned(), json!(role.as_str()));
                }
                if let Some(disabled) = disabled {
                    detail.insert("disabled".to_owned(), json!(disabled));
                }
                if *password {
                    detail.insert("password".to_owned(), json!(true));
                }
                Value::Object(detail)
            }
            AuditEvent::Login { .. } => json!({}),
            AuditEvent::LoginFailed {
                failed_logins,
                locked_until,
                ..
            } => json!({ "failed_logins": failed_logins, "locked_until": locked_until }),
            AuditEvent::LoginRefused { reason, .. } => json!({ "reason": reason }),
            AuditEvent::Settings { settings, .. } => json!(settings),
            AuditEvent::TokenCreate {
                user, name, prefix, ..
            } => json!({ "user": user, "name": name, "prefix": prefix }),
            AuditEvent::TokenRevoke { user, .. } => json!({ "user": user }),
            AuditEvent::Decision {
                action,
                from,
                to,
                label,
                reason,
                allow_list,
                ..
            } => json!({
                "action": action.as_str(),
                "from": from.as_str(),
                "to": to.as_str(),
                "label": label,
                "reason": reason,
                "allow_list": allow_list,
            }),
            AuditEvent::Assign { assignee, .. } => json!({ "assignee": assignee }),
            AuditEvent::BankCreate {
                kind,
                source,
                labels,
                distance,
                enabled,
                suppresses,
                ..
            } => {
                let mut detail = json!({
                    "kind": kind.as_str(), "source": source, "labels": labels, "distance": distance,
                    "enabled": enabled,
                });
                if let (Some(scope), Some(map)) = (suppresses, detail.as_object_mut()) {
                    map.insert("suppresses".to_owned(), json!(scope));
                }
                detail
            }
            AuditEvent::BankChange {
                enabled,
                distance,
                source,
                set_labels,
                unset_labels,
                rename,
                suppresses,
                ..
            } => {
                let mut detail = json!({
                    "enabled": enabled, "distance": distance, "source": source, "set_labels": set_labels,
                    "unset_labels": unset_labels,
                });
                if let Some(map) = detail.as_object_mut() {
                    if let Some(name) = rename {
                        map.insert("rename".to_owned(), json!(name));
                    }
                    if let Some(scope) = suppresses {
                        map.insert("suppresses".to_owned(), json!(scope));
                    }
                }
                detail
            }
            AuditEvent::BankDelete { entries, .. } => json!({ "entries": entries }),
            AuditEvent::BankImport { file, format, .. } => {
                json!({ "file": file, "format": format })
            }
            AuditEvent::BankRemoveEntries { hashes, .. } => json!({ "hashes": hashes }),
            AuditEvent::BankAllowList {
                cases,
                media,
                entries,
                ..
            } => json!({ "cases": cases, "media": media, "entries": entries }),
            AuditEvent::EntryRelease { signal, value, .. } => {
                json!({ "signal": signal.as_str(), "value": value })
            }
            AuditEvent::Note { detail, .. } => detail.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_user_change_records_what_it_sets_and_never_the_password() {
        let e = AuditEvent::UserChange {
            name: "alice".into(),
            role: Some(Role::Admin),
            disabled: None,
            password: true,
        };
        assert_eq!(e.action(), "user_change");
        assert_eq!(e.subject(), "user:alice");
        assert_eq!(e.detail(), json!({"role": "admin", "password": true}));
    }

    #[test]
    fn every_event_names_its_subject_by_kind() {
        let decision = AuditEvent::Decision {
            case_id: 7,
            action: Action::Reject,
            from: CaseStatus::Open,
            to: CaseStatus::Rejected,
            label: None,
            reason: Some("news".into()),
            allow_list: true,
        };
        assert_eq!(
            (decision.action(), decision.subject().as_str()),
            ("decision", "case:7")
        );
        assert_eq!(decision.detail()["to"], "rejected");
        let bank = AuditEvent::BankDelete {
            bank: "tcap".into(),
            entries: 3,
        };
        assert_eq!(
            (bank.action(), bank.subject().as_str()),
            ("bank_delete", "bank:tcap")
        );
        let token = AuditEvent::TokenRevoke {
            id: 4,
            user: "bob".into(),
        };
        assert_eq!(token.subject(), "token:4");
    }
}
