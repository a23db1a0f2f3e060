//! Evidence packages: a folder holding `evidence.warc` (ISO 28500, WARC 1.1: a `warcinfo` record, then for each
//! case its frozen document, its post, its author's state and its media, each a `resource` record with its
//! digests, its date and the permalink as `WARC-Target-URI`), `manifest.json` (every item's SHA-256, where each
//! came from, when it was observed, the evidence and score, the decisions and their reviewers, the audit chain's
//! head) and `manifest.sig` (the manifest's Ed25519 signature by the deployment's key, base64).

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use base64::Engine;
use ed25519_dalek::{Signature, SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use vigie_model::{AuditEvent, Evidence, Timestamp};
use vigie_store::{Actor, Store};
use warc::{BufferedBody, Record, RecordType, WarcHeader, WarcReader, WarcWriter};

use crate::EvidenceError;
use crate::freeze::{FrozenCase, frozen_or_freeze};
use crate::key::fingerprint;

/// The WARC file of a package.
pub const WARC_FILE: &str = "evidence.warc";
/// The manifest of a package.
pub const MANIFEST_FILE: &str = "manifest.json";
/// The manifest's signature.
pub const SIGNATURE_FILE: &str = "manifest.sig";
/// What a manifest says it is.
pub const FORMAT: &str = "vigie-evidence-package/1";

/// A package's manifest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// [`FORMAT`].
    pub format: String,
    /// The software that wrote it.
    pub software: String,
    /// When.
    pub created_at: Timestamp,
    /// The key that signs it.
    pub key: KeyInfo,
    /// The audit chain's head when it was written: position and hash.
    pub audit_head: AuditHead,
    /// The WARC file.
    pub warc: FileInfo,
    /// The cases.
    pub cases: Vec<CaseEntry>,
}

/// The signing key, as a manifest names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyInfo {
    /// `ed25519`.
    pub algorithm: String,
    /// The public key, hex.
    pub public_key: String,
    /// Its fingerprint ([`fingerprint`]).
    pub fingerprint: String,
}

/// The audit chain's head.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditHead {
    /// The last entry's position.
    pub seq: i64,
    /// Its hash.
    pub hash: String,
}

/// A file of the package.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileInfo {
    /// Its name in the package.
    pub file: String,
    /// SHA-256 of its bytes, hex.
    pub sha256: String,
    /// Its size.
    pub bytes: u64,
}

/// One case of a package.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CaseEntry {
    /// The case's id in the store.
    pub case_id: i64,
    /// `post` or `account`.
    pub subject: String,
    /// The platform.
    pub platform: String,
    /// The public address of what it is about.
    pub permalink: Option<String>,
    /// Its status (always `confirmed`).
    pub status: String,
    /// The policy label it was confirmed with.
    pub label: Option<String>,
    /// Its category.
    pub category: Option<String>,
    /// Its score.
    pub score: f64,
    /// The evidence that produced the score.
    pub evidence: Vec<Evidence>,
    /// The decisions, oldest first: who took each, what, with which label and reason, when.
    pub decisions: Vec<DecisionEntry>,
    /// When its evidence was frozen, and the frozen document's SHA-256 (as the store keeps it).
    pub frozen_at: Timestamp,
    /// SHA-256 of the frozen document.
    pub frozen_sha256: String,
    /// When it was confirmed.
    pub confirmed_at: Option<Timestamp>,
    /// Where its post was read from: the input file and the position in it.
    pub source: Option<String>,
    /// When the post was published and when its author was first and last observed.
    pub observed: Observed,
    /// Its records in the WARC file.
    pub items: Vec<Item>,
}

/// A decision, as a manifest lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DecisionEntry {
    /// The reviewer.
    pub reviewer: String,
    /// What.
    pub action: String,
    /// The status it led to.
    pub to_status: String,
    /// The policy label.
    pub label: Option<String>,
    /// The reason.
    pub reason: Option<String>,
    /// When.
    pub at: Timestamp,
}

/// Observation times.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Observed {
    /// When the post was published.
    pub post_created_at: Option<Timestamp>,
    /// When the author's first stored state was seen.
    pub author_first_observed: Option<Timestamp>,
    /// When the author's newest stored state was seen.
    pub author_last_observed: Option<Timestamp>,
}

/// One record of the WARC file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Item {
    /// Its `WARC-Record-ID`.
    pub record_id: String,
    /// `case` (the frozen document), `post`, `account` or `medium`.
    pub kind: String,
    /// Its `WARC-Target-URI`.
    pub target_uri: String,
    /// Its content type.
    pub content_type: String,
    /// SHA-256 of its content, hex.
    pub sha256: String,
    /// Its size.
    pub bytes: u64,
}

/// What [`export`] wrote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExportReport {
    /// The package's folder.
    pub dir: PathBuf,
    /// The cases, in the order given.
    pub cases: Vec<i64>,
    /// Records in the WARC file (with its `warcinfo`).
    pub records: usize,
    /// SHA-256 of the manifest.
    pub manifest_sha256: String,
    /// The signing key's fingerprint.
    pub key_fingerprint: String,
}

/// The `WARC-Date` form of a time: `YYYY-MM-DDThh:mm:ssZ`.
fn warc_date(t: Timestamp) -> String {
    let text = t.to_string();
    // Timestamp prints RFC 3339 in UTC, with milliseconds when they are not zero: WARC 1.1 takes either, and
    // whole seconds read everywhere.
    match text.split_once('.') {
        Some((seconds, _)) => format!("{seconds}Z"),
        None => text,
    }
}

/// RFC 4648 base32 (upper case, padded), as WARC digests are usually written.
fn base32(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut out = String::with_capacity(bytes.len().div_ceil(5) * 8);
    for chunk in bytes.chunks(5) {
        let mut buf = [0u8; 5];
        buf[..chunk.len()].copy_from_slice(chunk);
        let n = buf.iter().fold(0u64, |acc, b| (acc << 8) | u64::from(*b));
        let symbols = (chunk.len() * 8).div_ceil(5);
        for i in 0..8 {
            if i < symbols {
                out.push(ALPHABET[((n >> (35 - i * 5)) & 31) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// The `sha256:<base32>` digest of `bytes`, and its hex form.
fn digests(bytes: &[u8]) -> (String, String) {
    let digest = Sha256::digest(bytes);
    (format!("sha256:{}", base32(&digest)), hex::encode(digest))
}

/// Writes records to the WARC file, each wholly: the crate's writer writes into a buffer (which takes every
/// byte), and the buffer goes to the file with `write_all`.
struct Warc {
    file: std::io::BufWriter<std::fs::File>,
    path: PathBuf,
    records: usize,
}

impl Warc {
    fn write(&mut self, record: &Record<BufferedBody>) -> Result<(), EvidenceError> {
        let mut buffer = Vec::with_capacity(record.body().len() + 1024);
        WarcWriter::new(&mut buffer)
            .write(record)
            .map_err(|source| EvidenceError::io(&self.path, source))?;
        self.file
            .write_all(&buffer)
            .map_err(|source| EvidenceError::io(&self.path, source))?;
        self.records += 1;
        Ok(())
    }
}

/// A `resource` record of `body`, and its manifest item.
fn resource(
    kind: &str,
    target_uri: &str,
    content_type: &str,
    date: Timestamp,
    body: Vec<u8>,
) -> Result<(Record<BufferedBody>, Item), EvidenceError> {
    let (digest, sha256) = digests(&body);
    let bytes = body.len() as u64;
    let mut record = Record::<BufferedBody>::with_body(body);
    let bad = |e: warc::Error| EvidenceError::Package(format!("a {kind} record: {e}"));
    record.set_warc_type(RecordType::Resource);
    record
        .set_header(WarcHeader::Date, warc_date(date))
        .map_err(bad)?;
    record
        .set_header(WarcHeader::TargetURI, target_uri)
        .map_err(bad)?;
    record
        .set_header(WarcHeader::ContentType, content_type)
        .map_err(bad)?;
    record
        .set_header(WarcHeader::BlockDigest, digest.clone())
        .map_err(bad)?;
    record
        .set_header(WarcHeader::PayloadDigest, digest)
        .map_err(bad)?;
    let item = Item {
        record_id: record.warc_id().to_owned(),
        kind: kind.to_owned(),
        target_uri: target_uri.to_owned(),
        content_type: content_type.to_owned(),
        sha256,
        bytes,
    };
    Ok((record, item))
}

/// Writes the evidence package of `cases` (each confirmed; frozen now if it was not) into the new folder `dir`,
/// signed with `key`, and records the export in the audit trail.
///
/// # Errors
/// When a case does not exist or is not confirmed (nothing is written then), `dir` exists and is not empty, a
/// medium's bytes are missing or do not match their digest, or a file cannot be written.
pub fn export(
    store: &mut dyn Store,
    cases: &[i64],
    dir: &Path,
    key: &SigningKey,
    actor: &Actor,
) -> Result<ExportReport, EvidenceError> {
    if cases.is_empty() {
        return Err(EvidenceError::Package("no case to export".into()));
    }
    if dir.exists()
        && std::fs::read_dir(dir)
            .map_err(|source| EvidenceError::io(dir, source))?
            .next()
            .is_some()
    {
        return Err(EvidenceError::Package(format!(
            "{} exists and is not empty: a package goes into a new folder",
            dir.display()
        )));
    }
    // Every case is checked (and frozen) before anything is written.
    let mut frozen = Vec::with_capacity(cases.len());
    for &case_id in cases {
        let evidence = frozen_or_freeze(store, case_id, actor)?;
        let document: FrozenCase = serde_json::from_str(&evidence.body).map_err(|e| {
            EvidenceError::Package(format!(
                "case {case_id}'s frozen evidence cannot be read: {e}"
            ))
        })?;
        frozen.push((evidence, document));
    }
    let (seq, hash) = store.audit_head()?.ok_or_else(|| {
        EvidenceError::Package(
            "the store's audit head is missing: the audit trail was wiped; `vigie audit verify` says more"
                .to_owned(),
        )
    })?;
    std::fs::create_dir_all(dir).map_err(|source| EvidenceError::io(dir, source))?;
    let warc_path = dir.join(WARC_FILE);
    let file = std::fs::File::create(&warc_path)
        .map_err(|source| EvidenceError::io(&warc_path, source))?;
    let mut warc = Warc {
        file: std::io::BufWriter::new(file),
        path: warc_path.clone(),
        records: 0,
    };
    let now = Timestamp::now();
    let software = format!("vigie/{}", env!("CARGO_PKG_VERSION"));
    let listed: Vec<String> = cases.iter().map(i64::to_string).collect();
    let info = format!(
        "software: {software}\r\nformat: WARC File Format 1.1\r\n\
         conformsTo: https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/\r\n\
         description: evidence of confirmed cases {}\r\n",
        listed.join(", ")
    );
    let mut warcinfo = Record::<BufferedBody>::with_body(info.into_bytes());
    warcinfo.set_warc_type(RecordType::WarcInfo);
    let bad = |e: warc::Error| EvidenceError::Package(format!("the warcinfo record: {e}"));
    warcinfo
        .set_header(WarcHeader::Date, warc_date(now))
        .map_err(bad)?;
    warcinfo
        .set_header(WarcHeader::Filename, WARC_FILE)
        .map_err(bad)?;
    warcinfo
        .set_header(WarcHeader::ContentType, "application/warc-fields")
        .map_err(bad)?;
    warc.write(&warcinfo)?;

    let mut entries = Vec::with_capacity(frozen.len());
    for (evidence, document) in &frozen {
        let case = &document.case;
        let case_uri = case
            .permalink
            .clone()
            .unwrap_or_else(|| format!("urn:vigie:case:{}", case.id));
        let mut items = Vec::new();
        // The frozen document itself, byte for byte as the store keeps it.
        let (record, item) = resource(
            "case",
            &case_uri,
            "application/json",
            evidence.frozen_at,
            evidence.body.clone().into_bytes(),
        )?;
        warc.write(&record)?;
        items.push(item);
        if let Some(post) = &document.post {
            let body = serde_json::to_vec_pretty(post)
                .map_err(|e| EvidenceError::Package(e.to_string()))?;
            let (record, item) = resource(
                "post",
                &case_uri,
                "application/json",
                evidence.frozen_at,
                body,
            )?;
            warc.write(&record)?;
            items.push(item);
        }
        if let Some(author) = &document.author {
            let uri = author.permalink.clone().unwrap_or_else(|| {
                format!(
                    "urn:vigie:account:{}:{}",
                    author.account.platform.as_str(),
                    author.account.platform_id
                )
            });
            let body = serde_json::to_vec_pretty(author)
                .map_err(|e| EvidenceError::Package(e.to_string()))?;
            let (record, item) = resource(
                "account",
                &uri,
                "application/json",
                evidence.frozen_at,
                body,
            )?;
            warc.write(&record)?;
            items.push(item);
        }
        for medium in &document.media {
            let path = store.blobs().path_of(&medium.sha256);
            let bytes = std::fs::read(&path).map_err(|source| {
                EvidenceError::Package(format!(
                    "case {}: medium {} ({}): {source}",
                    case.id,
                    medium.sha256,
                    path.display()
                ))
            })?;
            if vigie_media::digests(&bytes).sha256 != medium.sha256 {
                return Err(EvidenceError::Package(format!(
                    "case {}: the stored bytes of medium {} ({}) no longer match their SHA-256",
                    case.id,
                    medium.sha256,
                    path.display()
                )));
            }
            let content_type = vigie_media::describe(&bytes).mime;
            let uri = match (&medium.url, &case.permalink) {
                (Some(url), _) if url.starts_with("http") => url.clone(),
                (_, Some(permalink)) => format!("{permalink}#media-{}", medium.position),
                _ => format!("urn:sha256:{}", medium.sha256),
            };
            let (record, item) =
                resource("medium", &uri, &content_type, evidence.frozen_at, bytes)?;
            warc.write(&record)?;
            items.push(item);
        }
        let source = document
            .post
            .as_ref()
            .and_then(|p| p.source.as_ref())
            .map(|s| format!("{} at {}", s.file, s.position.text()));
        entries.push(CaseEntry {
            case_id: case.id,
            subject: case.subject.as_str().to_owned(),
            platform: case.platform.clone(),
            permalink: case.permalink.clone(),
            status: case.status.clone(),
            label: case.label.clone(),
            category: case.category.map(|c| c.as_str().to_owned()),
            score: case.score,
            evidence: case.evidence.clone(),
            decisions: document
                .decisions
                .iter()
                .map(|d| DecisionEntry {
                    reviewer: d.user.clone(),
                    action: d.action.as_str().to_owned(),
                    to_status: d.to_status.as_str().to_owned(),
                    label: d.label.clone(),
                    reason: d.reason.clone(),
                    at: d.at,
                })
                .collect(),
            frozen_at: evidence.frozen_at,
            frozen_sha256: evidence.sha256.clone(),
            confirmed_at: document.confirmed_at,
            source,
            observed: Observed {
                post_created_at: document.post.as_ref().and_then(|p| p.created_at),
                author_first_observed: document.author.as_ref().and_then(|a| a.first_observed),
                author_last_observed: document.author.as_ref().and_then(|a| a.account.observed_at),
            },
            items,
        });
    }
    let records = warc.records;
    let mut file = warc
        .file
        .into_inner()
        .map_err(|e| EvidenceError::io(&warc_path, e.into_error()))?;
    file.flush()
        .map_err(|source| EvidenceError::io(&warc_path, source))?;
    file.sync_all()
        .map_err(|source| EvidenceError::io(&warc_path, source))?;
    drop(file);
    let warc_bytes =
        std::fs::read(&warc_path).map_err(|source| EvidenceError::io(&warc_path, source))?;
    let public = key.verifying_key();
    let manifest = Manifest {
        format: FORMAT.to_owned(),
        software,
        created_at: now,
        key: KeyInfo {
            algorithm: "ed25519".into(),
            public_key: hex::encode(public.as_bytes()),
            fingerprint: fingerprint(&public),
        },
        audit_head: AuditHead { seq, hash },
        warc: FileInfo {
            file: WARC_FILE.to_owned(),
            sha256: hex::encode(Sha256::digest(&warc_bytes)),
            bytes: warc_bytes.len() as u64,
        },
        cases: entries,
    };
    let mut text =
        serde_json::to_vec_pretty(&manifest).map_err(|e| EvidenceError::Package(e.to_string()))?;
    text.push(b'\n');
    let manifest_path = dir.join(MANIFEST_FILE);
    std::fs::write(&manifest_path, &text)
        .map_err(|source| EvidenceError::io(&manifest_path, source))?;
    use ed25519_dalek::Signer;
    let signature = key.sign(&text);
    let sig_path = dir.join(SIGNATURE_FILE);
    std::fs::write(
        &sig_path,
        format!(
            "{}\n",
            base64::engine::general_purpose::STANDARD.encode(signature.to_bytes())
        ),
    )
    .map_err(|source| EvidenceError::io(&sig_path, source))?;
    let manifest_sha256 = hex::encode(Sha256::digest(&text));
    store.audit_append(
        actor,
        &AuditEvent::Note {
            action: "evidence_export".into(),
            subject: format!("cases:{}", listed.join(",")),
            detail: serde_json::json!({
                "manifest_sha256": manifest_sha256,
                "key": manifest.key.fingerprint,
                "records": records,
            }),
        },
    )?;
    Ok(ExportReport {
        dir: dir.to_path_buf(),
        cases: cases.to_vec(),
        records,
        manifest_sha256,
        key_fingerprint: manifest.key.fingerprint,
    })
}

/// What [`verify`] found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VerifyReport {
    /// The package's folder.
    pub dir: PathBuf,
    /// The key the manifest is signed with.
    pub key_fingerprint: String,
    /// Whether that key was checked against one given as trusted (otherwise only the manifest's own key).
    pub key_trusted: bool,
    /// Cases listed.
    pub cases: usize,
    /// Records read in the WARC file.
    pub records: usize,
    /// Every mismatch, each naming what is wrong; empty when the package is intact.
    pub problems: Vec<String>,
}

/// Checks the package in `dir`: the manifest's signature (against `trusted` when given, which the manifest's key
/// must be), the WARC file's digest, and every record's digests against its headers and the manifest.
///
/// # Errors
/// When the manifest or its signature cannot be read at all (a package whose content is wrong gives a report
/// with its problems instead).
pub fn verify(dir: &Path, trusted: Option<&VerifyingKey>) -> Result<VerifyReport, EvidenceError> {
    let manifest_path = dir.join(MANIFEST_FILE);
    let text = std::fs::read(&manifest_path)
        .map_err(|source| EvidenceError::io(&manifest_path, source))?;
    let manifest: Manifest = serde_json::from_slice(&text).map_err(|e| {
        EvidenceError::Package(format!(
            "{} is not a package manifest: {e}",
            manifest_path.display()
        ))
    })?;
    let sig_path = dir.join(SIGNATURE_FILE);
    let sig_text = std::fs::read_to_string(&sig_path)
        .map_err(|source| EvidenceError::io(&sig_path, source))?;
    let mut problems = Vec::new();
    let signature = base64::engine::general_purpose::STANDARD
        .decode(sig_text.trim())
        .ok()
        .and_then(|b| <[u8; 64]>::try_from(b).ok())
        .map(|b| Signature::from_bytes(&b));
    let named = crate::key::public_key(&manifest.key.public_key);
    match (&named, &signature) {
        (Ok(key), Some(signature)) => {
            if key.verify_strict(&text, signature).is_err() {
                problems.push(format!(
                    "{MANIFEST_FILE}: the signature does not verify with key {}: the manifest was changed after \
                     it was signed, or the signature is another manifest's",
                    manifest.key.fingerprint
                ));
            }
            if let Some(trusted) = trusted
                && trusted != key
            {
                problems.push(format!(
                    "{MANIFEST_FILE}: signed with key {}, not with the trusted key {}",
                    fingerprint(key),
                    fingerprint(trusted)
                ));
            }
        }
        (Err(e), _) => problems.push(format!("{MANIFEST_FILE}: the key it names: {e}")),
        (_, None) => problems.push(format!(
            "{SIGNATURE_FILE}: not an Ed25519 signature (base64 of 64 bytes)"
        )),
    }
    if manifest.format != FORMAT {
        problems.push(format!(
            "{MANIFEST_FILE}: format {:?}, not {FORMAT:?}",
            manifest.format
        ));
    }
    let warc_path = dir.join(&manifest.warc.file);
    let mut records = 0;
    match std::fs::read(&warc_path) {
        Err(e) => problems.push(format!("{}: {e}", manifest.warc.file)),
        Ok(bytes) => {
            let digest = hex::encode(Sha256::digest(&bytes));
            if digest != manifest.warc.sha256 {
                problems.push(format!(
                    "{}: SHA-256 {digest}, the manifest says {}",
                    manifest.warc.file, manifest.warc.sha256
                ));
            }
            let mut listed: BTreeMap<&str, (&CaseEntry, &Item)> = BTreeMap::new();
            for case in &manifest.cases {
                for item in &case.items {
                    listed.insert(item.record_id.as_str(), (case, item));
                }
            }
            let mut seen = std::collections::BTreeSet::new();
            for (n, record) in WarcReader::new(std::io::Cursor::new(&bytes))
                .iter_records()
                .enumerate()
            {
                let record = match record {
                    Ok(r) => r,
                    Err(e) => {
                        problems.push(format!(
                            "{}: record {}: not a WARC record: {e}",
                            manifest.warc.file,
                            n + 1
                        ));
                        break;
                    }
                };
                records += 1;
                let id = record.warc_id().to_owned();
                let (block_digest, sha256) = digests(record.body());
                if let Some(header) = record.header(WarcHeader::BlockDigest)
                    && header != block_digest
                {
                    problems.push(format!(
                        "record {id}: its content does not match its WARC-Block-Digest"
                    ));
                }
                if *record.warc_type() == RecordType::WarcInfo {
                    continue;
                }
                let Some((case, item)) = listed.get(id.as_str()) else {
                    problems.push(format!("record {id}: not listed in the manifest"));
                    continue;
                };
                seen.insert(id.clone());
                let what = format!(
                    "case {} {} record {id} ({})",
                    case.case_id, item.kind, item.target_uri
                );
                if sha256 != item.sha256 {
                    problems.push(format!(
                        "{what}: SHA-256 {sha256}, the manifest says {}",
                        item.sha256
                    ));
                }
                if record.header(WarcHeader::TargetURI).as_deref() != Some(item.target_uri.as_str())
                {
                    problems.push(format!(
                        "{what}: its WARC-Target-URI differs from the manifest's"
                    ));
                }
                if item.kind == "case" && sha256 != case.frozen_sha256 {
                    problems.push(format!(
                        "{what}: the frozen document's SHA-256 is {sha256}, the manifest says {}",
                        case.frozen_sha256
                    ));
                }
            }
            for (id, (case, item)) in &listed {
                if !seen.contains(*id) {
                    problems.push(format!(
                        "case {} {} record {id}: listed in the manifest, missing from {}",
                        case.case_id, item.kind, manifest.warc.file
                    ));
                }
            }
        }
    }
    Ok(VerifyReport {
        dir: dir.to_path_buf(),
        key_fingerprint: manifest.key.fingerprint.clone(),
        key_trusted: trusted.is_some(),
        cases: manifest.cases.len(),
        records,
        problems,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base32_is_rfc_4648() {
        // RFC 4648's test vectors.
        for (input, expected) in [
            ("", ""),
            ("f", "MY======"),
            ("fo", "MZXQ===="),
            ("foo", "MZXW6==="),
            ("foob", "MZXW6YQ="),
            ("fooba", "MZXW6YTB"),
            ("foobar", "MZXW6YTBOI======"),
        ] {
            assert_eq!(base32(input.as_bytes()), expected, "{input:?}");
        }
    }

    #[test]
    fn warc_dates_are_whole_seconds_in_utc() {
        assert_eq!(
            warc_date(Timestamp(1_700_000_000_123)),
            "2023-11-14T22:13:20Z"
        );
        assert_eq!(
            warc_date(Timestamp(1_700_000_000_000)),
            "2023-11-14T22:13:20Z"
        );
    }
}
