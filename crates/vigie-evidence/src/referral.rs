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

/// Every confirmed case of `platform` that no referral holds, by id.
///
/// # Errors
/// When the store fails.
pub fn unreferred_cases(store: &mut dyn Store, platform: &str) -> Result<Vec<i64>, EvidenceError> {
    Ok(unreferred(store, Some(platform))?
        .remove(platform)
        .unwrap_or_default())
}

/// Confirmed cases not referred yet, by platform (of `platform` only when given), each list in case order: what a
/// new referral of each platform would take.
///
/// # Errors
/// When the store fails.
pub fn unreferred(
    store: &mut dyn Store,
    platform: Option<&str>,
) -> Result<std::collections::BTreeMap<String, Vec<i64>>, vigie_store::StoreError> {
    let referred: std::collections::BTreeSet<i64> = store
        .case_referrals(None)?
        .into_iter()
        .map(|(case, _)| case)
        .collect();
    let cases = store.cases(&vigie_store::CaseQuery {
        status: Some(vigie_model::CaseStatus::Confirmed.as_str().to_owned()),
        platform: platform.map(str::to_owned),
        limit: usize::MAX,
        ..vigie_store::CaseQuery::default()
    })?;
    let mut out: std::collections::BTreeMap<String, Vec<i64>> = std::collections::BTreeMap::new();
    for c in cases.into_iter().filter(|c| !referred.contains(&c.id)) {
        out.entry(c.platform).or_default().push(c.id);
    }
    for ids in out.values_mut() {
        ids.sort_unstable();
    }
    Ok(out)
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
    let rendered = render_referral(store, id, templates)?;
    std::fs::write(out, &rendered.bytes).map_err(|source| EvidenceError::io(out, source))?;
    Ok(rendered.items)
}

/// A referral written as its template says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    /// `csv` or `json`.
    pub format: String,
    /// The file's bytes.
    pub bytes: Vec<u8>,
    /// Items written.
    pub items: usize,
}

/// Referral `id`'s items as its template says.
///
/// # Errors
/// When there is no such referral or its template cannot be loaded.
pub fn render_referral(
    store: &mut dyn Store,
    id: i64,
    templates: Option<&Path>,
) -> Result<Rendered, EvidenceError> {
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
    let bytes = if template.format == "csv" {
        let mut w = csv::Writer::from_writer(Vec::new());
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
        let bad = |e: csv::Error| EvidenceError::Template(format!("referral {id}: {e}"));
        w.write_record(&titles).map_err(bad)?;
        for row in &rows {
            w.write_record(row.iter().map(|(_, v)| v.as_str()))
                .map_err(bad)?;
        }
        w.into_inner()
            .map_err(|e| EvidenceError::Template(format!("referral {id}: {e}")))?
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
        text
    };
    Ok(Rendered {
        format: template.format.clone(),
        bytes,
        items: rows.len(),
    })
}

/// The folder of a deployment's templates, as configured.
pub fn templates_dir(configured: Option<&str>) -> Option<PathBuf> {
    configured.filter(|d| !d.is_empty()).map(PathBuf::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_are_nearest_rank() {
        let v = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0];
        assert_eq!(quantile(&v, 0.5), Some(5.0));
        assert_eq!(quantile(&v, 0.9), Some(9.0));
        assert_eq!(quantile(&[4.0], 0.9), Some(4.0));
        assert_eq!(quantile(&[], 0.5), None);
    }

    #[test]
    fn platforms_words_for_their_answers_are_understood() {
        assert_eq!(outcome_of("Removed"), Some("actioned"));
        assert_eq!(outcome_of("taken down"), Some("actioned"));
        assert_eq!(outcome_of("No violation"), Some("declined"));
        assert_eq!(outcome_of("pending"), None);
    }

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

/// What a platform's answer says of an item, in its own words: `actioned` (removed, restricted, suspended,
/// withheld) or `declined` (no violation, no action, rejected).
fn outcome_of(text: &str) -> Option<&'static str> {
    match text
        .trim()
        .to_ascii_lowercase()
        .replace(['-', ' '], "_")
        .as_str()
    {
        "actioned" | "removed" | "restricted" | "suspended" | "withheld" | "deleted"
        | "taken_down" => Some("actioned"),
        "declined" | "no_action" | "no_violation" | "rejected" | "not_actioned" => Some("declined"),
        _ => None,
    }
}

/// Reads a platform's answers to referral `items` from a CSV file (a header row) or a JSON file (an array of
/// objects, or an object holding one under `items`). Each row names its item by `case_id` (or `case`),
/// `permalink` or `post_id`, and gives `outcome` (`status`) and optionally `actioned_at` (`at`, `date`).
///
/// # Errors
/// When the file cannot be read, or a row names no item of the referral or an outcome that is neither actioned
/// nor declined: the error names the row and the value.
pub fn read_responses(
    path: &Path,
    items: &[ReferralItem],
) -> Result<Vec<vigie_store::ItemResponse>, EvidenceError> {
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|source| EvidenceError::io(path, source))?;
    let rows: Vec<(String, BTreeMap<String, String>)> = if text.trim_start().starts_with(['[', '{'])
    {
        let doc: serde_json::Value = serde_json::from_str(&text)
            .map_err(|e| EvidenceError::Template(format!("{shown}: not JSON: {e}")))?;
        let list = doc
            .get("items")
            .cloned()
            .unwrap_or(doc)
            .as_array()
            .cloned()
            .ok_or_else(|| EvidenceError::Template(format!("{shown}: not an array of answers")))?;
        list.iter()
            .enumerate()
            .map(|(i, v)| {
                let fields = v
                    .as_object()
                    .map(|o| {
                        o.iter()
                            .map(|(k, v)| {
                                let value = v.as_str().map_or_else(|| v.to_string(), str::to_owned);
                                (k.to_ascii_lowercase(), value)
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                (format!("{shown}: $[{i}]"), fields)
            })
            .collect()
    } else {
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        let headers: Vec<String> = reader
            .headers()
            .map_err(|e| EvidenceError::Template(format!("{shown}: {e}")))?
            .iter()
            .map(|h| h.trim().to_ascii_lowercase())
            .collect();
        let mut rows = Vec::new();
        for (i, record) in reader.records().enumerate() {
            let record = record.map_err(|e| EvidenceError::Template(format!("{shown}: {e}")))?;
            let fields = headers
                .iter()
                .cloned()
                .zip(record.iter().map(str::to_owned))
                .collect();
            rows.push((format!("{shown}: line {}", i + 2), fields));
        }
        rows
    };
    let mut out = Vec::with_capacity(rows.len());
    for (at, fields) in rows {
        let get = |names: &[&str]| {
            names
                .iter()
                .find_map(|n| fields.get(*n))
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        let item = if let Some(case) = get(&["case_id", "case"]) {
            items.iter().find(|i| i.case_id.to_string() == case)
        } else if let Some(link) = get(&["permalink", "url"]) {
            items
                .iter()
                .find(|i| i.permalink.as_deref() == Some(link.as_str()))
        } else if let Some(post) = get(&["post_id"]) {
            items
                .iter()
                .find(|i| i.post_id.as_deref() == Some(post.as_str()))
        } else {
            return Err(EvidenceError::Template(format!(
                "{at}: names no item (case_id, permalink or post_id)"
            )));
        };
        let Some(item) = item else {
            return Err(EvidenceError::Template(format!(
                "{at}: names no item of this referral ({})",
                get(&["case_id", "case", "permalink", "url", "post_id"]).unwrap_or_default()
            )));
        };
        let said = get(&["outcome", "status", "action"]).unwrap_or_default();
        let outcome = outcome_of(&said).ok_or_else(|| {
            EvidenceError::Template(format!(
                "{at}: outcome {said:?} is neither actioned (removed, restricted, suspended) nor declined \
                 (no violation, no action)"
            ))
        })?;
        let when = match get(&["actioned_at", "at", "date"]) {
            Some(t) => Some(
                Timestamp::parse(&t).map_err(|e| EvidenceError::Template(format!("{at}: {e}")))?,
            ),
            None => None,
        };
        out.push(vigie_store::ItemResponse {
            case_id: item.case_id,
            outcome: outcome.to_owned(),
            at: when,
        });
    }
    Ok(out)
}

/// Takedown figures of one platform.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct PlatformStats {
    /// The platform.
    pub platform: String,
    /// Referrals sent.
    pub referrals: usize,
    /// Items in them.
    pub items: usize,
    /// Items the platform actioned.
    pub actioned: usize,
    /// Items it declined.
    pub declined: usize,
    /// Items seen live after their referral was sent.
    pub still_live: usize,
    /// Referred accounts no longer observed.
    pub no_longer_observed: usize,
    /// Share of items actioned.
    pub share_actioned: f64,
    /// Share of items still live.
    pub share_still_live: f64,
    /// Median time from sending to action, in hours (actioned items).
    pub median_hours_to_action: Option<f64>,
    /// 90th percentile of that time, in hours.
    pub p90_hours_to_action: Option<f64>,
}

/// The value at quantile `q` of sorted `values` (nearest rank).
fn quantile(values: &[f64], q: f64) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    #[allow(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        clippy::cast_precision_loss
    )]
    let rank = ((q * values.len() as f64).ceil() as usize).clamp(1, values.len());
    Some(values[rank - 1])
}

/// Takedown figures per platform over the sent referrals (of `platform` when given), sent between `from` and
/// `to` when given.
///
/// # Errors
/// When the store fails.
pub fn stats(
    store: &mut dyn Store,
    platform: Option<&str>,
    from: Option<Timestamp>,
    to: Option<Timestamp>,
) -> Result<Vec<PlatformStats>, EvidenceError> {
    let mut per: BTreeMap<String, (PlatformStats, Vec<f64>)> = BTreeMap::new();
    for referral in store.referrals(platform, None)? {
        let Some(sent) = referral.sent_at else {
            continue;
        };
        if from.is_some_and(|f| sent < f) || to.is_some_and(|t| sent >= t) {
            continue;
        }
        let (s, hours) = per.entry(referral.platform.clone()).or_insert_with(|| {
            (
                PlatformStats {
                    platform: referral.platform.clone(),
                    ..PlatformStats::default()
                },
                Vec::new(),
            )
        });
        s.referrals += 1;
        for item in vigie_store::referral_items(store, referral.id)? {
            s.items += 1;
            match item.outcome.as_deref() {
                Some("actioned") => {
                    s.actioned += 1;
                    if let Some(at) = item.actioned_at {
                        #[allow(clippy::cast_precision_loss)]
                        hours.push((at.0 - sent.0).max(0) as f64 / 3_600_000.0);
                    }
                }
                Some("declined") => s.declined += 1,
                _ => {}
            }
            if item.seen_live_at.is_some() {
                s.still_live += 1;
            }
            if item.gone_at.is_some() {
                s.no_longer_observed += 1;
            }
        }
    }
    Ok(per
        .into_values()
        .map(|(mut s, mut hours)| {
            hours.sort_by(f64::total_cmp);
            #[allow(clippy::cast_precision_loss)]
            let of = |n: usize| {
                if s.items == 0 {
                    0.0
                } else {
                    n as f64 / s.items as f64
                }
            };
            s.share_actioned = of(s.actioned);
            s.share_still_live = of(s.still_live);
            s.median_hours_to_action = quantile(&hours, 0.5);
            s.p90_hours_to_action = quantile(&hours, 0.9);
            s
        })
        .collect())
}
