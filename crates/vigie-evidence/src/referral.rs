//! Referral exports: a referral's items written as its platform's template says (the fields, their order and
//! titles, the platform's own policy names, CSV or JSON). Templates are data: built-in ones for X, Telegram and
//! any other platform, and a deployment's own in a folder (`<name>.toml`), which take precedence.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use vigie_model::{ReferralItem, Timestamp};
use vigie_store::Store;

use crate::EvidenceError;

/// The fields a template may name.
pub const FIELDS: [&str; 13] = [
    "case_id",
    "permalink",
    "post_id",
    "account_id",
    "account_handle",
    "policy",
    "label",
    "category",
    "score",
    "evidence",
    "confirmed_at",
    "evidence_sha256",
    "outcome",
];

/// The built-in templates: name and text.
const BUILT_IN: [(&str, &str); 3] = [
    ("x", include_str!("../templates/x.toml")),
    ("telegram", include_str!("../templates/telegram.toml")),
    ("generic", include_str!("../templates/generic.toml")),
];

/// How a referral of one platform is written.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Template {
    /// The platform it is for (`*`: any).
    pub platform: String,
    /// `csv` or `json`.
    pub format: String,
    /// The fields, in order (each one of [`FIELDS`]).
    pub fields: Vec<String>,
    /// Column titles (CSV) or keys (JSON) by field; the field's own name otherwise.
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// The platform's policy name by Vigie category or reviewers' label, and `default`.
    #[serde(default)]
    pub policies: BTreeMap<String, String>,
}

impl Template {
    /// Checks the template read from `origin`: a known format, known fields, headers of named fields.
    fn check(self, origin: &str) -> Result<Template, EvidenceError> {
        if self.format != "csv" && self.format != "json" {
            return Err(EvidenceError::Template(format!(
                "{origin}: format {:?} is neither csv nor json",
                self.format
            )));
        }
        if self.fields.is_empty() {
            return Err(EvidenceError::Template(format!("{origin}: no fields")));
        }
        for field in self.fields.iter().chain(self.headers.keys()) {
            if !FIELDS.contains(&field.as_str()) {
                return Err(EvidenceError::Template(format!(
                    "{origin}: the field {field:?} does not exist (fields: {})",
                    FIELDS.join(", ")
                )));
            }
        }
        Ok(self)
    }

    /// The platform's policy name for an item.
    fn policy(&self, item: &ReferralItem) -> String {
        item.category
            .as_deref()
            .and_then(|c| self.policies.get(c))
            .or_else(|| item.label.as_deref().and_then(|l| self.policies.get(l)))
            .or_else(|| self.policies.get("default"))
            .cloned()
            .unwrap_or_default()
    }
}

/// The template named `name`: `<dir>/<name>.toml` when a folder is given and holds it, else the built-in one.
///
/// # Errors
/// When there is no such template, or it cannot be read, or it names a field that does not exist.
pub fn load_template(name: &str, dir: Option<&Path>) -> Result<Template, EvidenceError> {
    if name.is_empty()
        || !name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return Err(EvidenceError::Template(format!(
            "{name:?} is not a template name (letters, digits, - and _)"
        )));
    }
    if let Some(path) = dir
        .map(|d| d.join(format!("{name}.toml")))
        .filter(|p| p.is_file())
    {
        let text =
            std::fs::read_to_string(&path).map_err(|source| EvidenceError::io(&path, source))?;
        let shown = path.display().to_string();
        let template: Template =
            toml::from_str(&text).map_err(|e| EvidenceError::Template(format!("{shown}: {e}")))?;
        return template.check(&shown);
    }
    let (_, text) = BUILT_IN.iter().find(|(n, _)| *n == name).ok_or_else(|| {
        EvidenceError::Template(format!(
            "no template {name:?}: built-in ones are x, telegram and generic{}",
            dir.map(|d| format!(", and {} holds no {name}.toml", d.display()))
                .unwrap_or_default()
        ))
    })?;
    let template: Template = toml::from_str(text)
        .map_err(|e| EvidenceError::Template(format!("built-in template {name}: {e}")))?;
    template.check(&format!("built-in template {name}"))
}

/// The template a new referral to `platform` follows by default: the platform's own (the deployment's or a
/// built-in one), else `generic`.
pub fn default_template(platform: &str, dir: Option<&Path>) -> String {
    let own = dir.is_some_and(|d| d.join(format!("{platform}.toml")).is_file())
        || BUILT_IN.iter().any(|(n, _)| *n == platform);
    if own {
        platform.to_owned()
    } else {
        "generic".to_owned()
    }
}

/// One item's value of `field`.
fn value(template: &Template, item: &ReferralItem, extra: &ItemExtra, field: &str) -> String {
    let text = |v: &Option<String>| v.clone().unwrap_or_default();
    match field {
        "case_id" => item.case_id.to_string(),
        "permalink" => text(&item.permalink),
        "post_id" => text(&item.post_id),
        "account_id" => text(&item.account_id),
        "account_handle" => text(&item.handle),
        "policy" => template.policy(item),
        "label" => text(&item.label),
        "category" => text(&item.category),
        "score" => format!("{:.2}", item.score),
        "evidence" => extra.evidence.clone(),
        "confirmed_at" => extra
            .confirmed_at
            .map(|t| t.to_string())
            .unwrap_or_default(),
        "evidence_sha256" => text(&extra.evidence_sha256),
        "outcome" => text(&item.outcome),
        _ => String::new(),
    }
}

/// What an item's row needs beyond the item: its evidence in words, when it was confirmed, its frozen evidence.
struct ItemExtra {
    evidence: String,
    confirmed_at: Option<Timestamp>,
    evidence_sha256: Option<String>,
}

/// Writes referral `id`'s items to `out` as its template says (`templates`: the deployment's folder of
/// templates); returns how many items were written.
///
/// # Errors
/// When there is no such referral, its template cannot be loaded, or the file cannot be written.
pub fn export_referral(
    store: &mut dyn Store,
    id: i64,
    templates: Option<&Path>,
    out: &Path,
) -> Result<usize, EvidenceError> {
    let referral = store
        .referral(id)?
        .ok_or_else(|| EvidenceError::Template(format!("no referral {id}")))?;
    let template = load_template(&referral.template, templates)?;
    let items = vigie_store::referral_items(store, id)?;
    let mut rows: Vec<Vec<(String, String)>> = Vec::with_capacity(items.len());
    for item in &items {
        let case = store.case(item.case_id)?;
        let decisions = store.decisions(item.case_id)?;
        let extra = ItemExtra {
            evidence: case
                .map(|c| {
                    c.evidence
                        .iter()
                        .map(|e| format!("{} ({:.2}): {}", e.signal.as_str(), e.weight, e.detail))
                        .collect::<Vec<_>>()
                        .join("; ")
                })
                .unwrap_or_default(),
            confirmed_at: decisions
                .iter()
                .rev()
                .find(|d| d.to_status == vigie_model::CaseStatus::Confirmed)
                .map(|d| d.at),
            evidence_sha256: store.frozen_evidence(item.case_id)?.map(|f| f.sha256),
        };
        rows.push(
            template
                .fields
                .iter()
                .map(|f| {
                    let title = template
                        .headers
                        .get(f)
                        .cloned()
                        .unwrap_or_else(|| f.clone());
                    (title, value(&template, item, &extra, f))
                })
                .collect(),
        );
    }
    let written = if template.format == "csv" {
        let mut w = csv::Writer::from_path(out)
            .map_err(|e| EvidenceError::Template(format!("{}: {e}", out.display())))?;
        let titles: Vec<String> = template
            .fields
            .iter()
            .map(|f| {
                template
                    .headers
                    .get(f)
                    .cloned()
                    .unwrap_or_else(|| f.clone())
            })
            .collect();
        let bad = |e: csv::Error| EvidenceError::Template(format!("{}: {e}", out.display()));
        w.write_record(&titles).map_err(bad)?;
        for row in &rows {
            w.write_record(row.iter().map(|(_, v)| v.as_str()))
                .map_err(bad)?;
        }
        w.flush().map_err(|source| EvidenceError::io(out, source))?;
        rows.len()
    } else {
        let objects: Vec<serde_json::Map<String, serde_json::Value>> = rows
            .iter()
            .map(|row| {
                row.iter()
                    .map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone())))
                    .collect()
            })
            .collect();
        let doc = serde_json::json!({
            "referral": referral.id,
            "platform": referral.platform,
            "items": objects,
        });
        let mut text =
            serde_json::to_vec_pretty(&doc).map_err(|e| EvidenceError::Package(e.to_string()))?;
        text.push(b'\n');
        std::fs::write(out, text).map_err(|source| EvidenceError::io(out, source))?;
        rows.len()
    };
    Ok(written)
}

/// The folder of a deployment's templates, as configured.
pub fn templates_dir(configured: Option<&str>) -> Option<PathBuf> {
    configured.filter(|d| !d.is_empty()).map(PathBuf::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_in_templates_load_and_a_bad_one_names_its_problem() {
        for name in ["x", "telegram", "generic"] {
            let t = load_template(name, None).expect("built-in");
            assert!(t.policies.contains_key("default"), "{name}");
        }
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(
            dir.path().join("x.toml"),
            "platform = \"x\"\nformat = \"csv\"\nfields = [\"permalink\", \"tweet_colour\"]\n",
        )
        .expect("written");
        let err = load_template("x", Some(dir.path())).expect_err("unknown field");
        let said = err.to_string();
        assert!(
            said.contains("x.toml") && said.contains("tweet_colour"),
            "{said}"
        );
        assert!(load_template("nowhere", None).is_err());
        assert!(load_template("../etc/passwd", Some(dir.path())).is_err());
        std::fs::write(
            dir.path().join("x.toml"),
            "platform = \"x\"\nformat = \"xml\"\nfields = [\"permalink\"]\n",
        )
        .expect("written");
        assert!(load_template("x", Some(dir.path())).is_err());
    }
}
