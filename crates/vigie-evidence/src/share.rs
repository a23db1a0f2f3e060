//! Sharing confirmed indicators as a STIX 2.1 bundle: for each confirmed case, an indicator per medium (its
//! SHA-256 and MD5), per URL its post links to, and for the post and its account (their permalinks), each
//! made by the deployment's identity, valid from the confirmation. Ids are derived from what they indicate, so
//! the same indicator keeps its id from one bundle to the next.

use std::collections::BTreeMap;

use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use vigie_model::{CaseStatus, Timestamp};
use vigie_store::{Actor, CaseQuery, Store};

use crate::EvidenceError;
use crate::freeze::{FrozenCase, frozen_or_freeze};

/// A UUID (version 4 layout) derived from `seed`.
fn uuid(seed: &str) -> String {
    let d = Sha256::digest(seed.as_bytes());
    let mut b = [0u8; 16];
    b.copy_from_slice(&d[..16]);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h = hex::encode(b);
    format!(
        "{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..]
    )
}

/// A STIX timestamp: RFC 3339 in UTC with milliseconds.
fn stix_time(t: Timestamp) -> String {
    let text = t.to_string();
    match text.split_once('.') {
        Some(_) => text,
        None => format!("{}.000Z", text.trim_end_matches('Z')),
    }
}

/// A string for a STIX pattern: quotes and backslashes escaped.
fn quoted(text: &str) -> String {
    format!("'{}'", text.replace('\\', "\\\\").replace('\'', "\\'"))
}

/// What [`stix_bundle`] made.
#[derive(Debug, Clone, PartialEq)]
pub struct Shared {
    /// The bundle.
    pub bundle: Value,
    /// Confirmed cases read.
    pub cases: usize,
    /// Indicators in it.
    pub indicators: usize,
}

/// The STIX 2.1 bundle of every confirmed case's indicators, made by `producer` (the deployment's name).
///
/// # Errors
/// When the store fails or a case's frozen evidence cannot be read.
pub fn stix_bundle(
    store: &mut dyn Store,
    producer: &str,
    actor: &Actor,
) -> Result<Shared, EvidenceError> {
    let now = stix_time(Timestamp::now());
    let identity_id = format!("identity--{}", uuid(&format!("identity:{producer}")));
    let mut objects = vec![json!({
        "type": "identity",
        "spec_version": "2.1",
        "id": identity_id,
        "created": now,
        "modified": now,
        "name": producer,
        "identity_class": "organization",
    })];
    // pattern -> (name, description, valid from, cases)
    let mut indicators: BTreeMap<String, (String, Timestamp, Vec<i64>)> = BTreeMap::new();
    let confirmed = store.cases(&CaseQuery {
        status: Some(CaseStatus::Confirmed.as_str().to_owned()),
        limit: usize::MAX,
        ..CaseQuery::default()
    })?;
    let cases = confirmed.len();
    for case in confirmed {
        let frozen = frozen_or_freeze(store, case.id, actor)?;
        let doc: FrozenCase = serde_json::from_str(&frozen.body).map_err(|e| {
            EvidenceError::Package(format!(
                "case {}'s frozen evidence cannot be read: {e}",
                case.id
            ))
        })?;
        let from = doc.confirmed_at.unwrap_or(frozen.frozen_at);
        let mut add = |pattern: String, name: String| {
            let entry = indicators
                .entry(pattern)
                .or_insert((name, from, Vec::new()));
            entry.1 = entry.1.min(from);
            entry.2.push(case.id);
        };
        for m in &doc.media {
            let mut pattern = format!("[file:hashes.'SHA-256' = {}", quoted(&m.sha256));
            if let Some(md5) = &m.md5 {
                pattern.push_str(&format!(" OR file:hashes.MD5 = {}", quoted(md5)));
            }
            pattern.push(']');
            add(pattern, "Medium of confirmed terrorist content".into());
        }
        if let Some(post) = &doc.post {
            for url in &post.urls {
                add(
                    format!("[url:value = {}]", quoted(url)),
                    "Link in confirmed terrorist content".into(),
                );
            }
        }
        if let Some(link) = &doc.case.permalink {
            add(
                format!("[url:value = {}]", quoted(link)),
                "Confirmed terrorist content (permalink)".into(),
            );
        }
        if let Some(link) = doc.author.as_ref().and_then(|a| a.permalink.as_ref()) {
            add(
                format!("[url:value = {}]", quoted(link)),
                "Account that posted confirmed terrorist content".into(),
            );
        }
    }
    let count = indicators.len();
    for (pattern, (name, from, cases)) in indicators {
        let listed: Vec<String> = cases.iter().map(i64::to_string).collect();
        objects.push(json!({
            "type": "indicator",
            "spec_version": "2.1",
            "id": format!("indicator--{}", uuid(&pattern)),
            "created_by_ref": identity_id,
            "created": now,
            "modified": now,
            "name": name,
            "description": format!("Confirmed by two reviewers (case {})", listed.join(", ")),
            "indicator_types": ["malicious-activity"],
            "pattern": pattern,
            "pattern_type": "stix",
            "pattern_version": "2.1",
            "valid_from": stix_time(from),
            "labels": ["terrorist-content"],
        }));
    }
    let bundle = json!({
        "type": "bundle",
        "id": format!("bundle--{}", uuid(&format!("bundle:{producer}:{now}"))),
        "objects": objects,
    });
    Ok(Shared {
        bundle,
        cases,
        indicators: count,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_uuids_derived_from_what_they_name_and_patterns_quote_safely() {
        let a = uuid("[url:value = 'https://x.com/a']");
        assert_eq!(a, uuid("[url:value = 'https://x.com/a']"));
        assert_ne!(a, uuid("[url:value = 'https://x.com/b']"));
        let parts: Vec<&str> = a.split('-').collect();
        assert_eq!(
            parts.iter().map(|p| p.len()).collect::<Vec<_>>(),
            [8, 4, 4, 4, 12]
        );
        assert!(parts[2].starts_with('4'));
        assert!(matches!(parts[3].as_bytes()[0], b'8' | b'9' | b'a' | b'b'));
        assert_eq!(quoted("it's \\ here"), "'it\\'s \\\\ here'");
        assert_eq!(
            stix_time(Timestamp(1_700_000_000_000)),
            "2023-11-14T22:13:20.000Z"
        );
        assert_eq!(
            stix_time(Timestamp(1_700_000_000_123)),
            "2023-11-14T22:13:20.123Z"
        );
    }
}
