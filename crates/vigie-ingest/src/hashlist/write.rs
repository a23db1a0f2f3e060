//! Writing stored bank entries back as hash lists, in the same formats that [`read_list`](super::read_list)
//! reads, so that an export imported elsewhere gives the same entries.

use super::ListFormat;
use serde_json::{Map, Value, json};
use std::collections::BTreeSet;
use std::io::{self, Write};
use vigie_model::{BankEntry, SignalType};

/// python-threatexchange's name of a signal type.
pub fn threatexchange_type(signal: SignalType) -> &'static str {
    match signal {
        SignalType::Pdq => "pdq",
        SignalType::Md5 => "video_md5",
        SignalType::Sha256 => "video_sha256",
    }
}

/// The labels of `entries` beside a python-threatexchange list (which has no place for them), as CSV:
/// `signal_type,signal_str`, one column per label name (sorted), then `provenance`. `vigie bank import` reads it
/// back with its labels.
///
/// # Errors
/// Any error of `out`.
pub fn write_threatexchange_labels(out: &mut dyn Write, entries: &[BankEntry]) -> io::Result<()> {
    let names: BTreeSet<&str> = entries
        .iter()
        .flat_map(|e| e.labels.keys().map(String::as_str))
        .collect();
    let mut w = csv::Writer::from_writer(out);
    let mut header = vec!["signal_type", "signal_str"];
    header.extend(names.iter().copied());
    header.push("provenance");
    w.write_record(&header)?;
    for e in entries.iter().filter(|e| e.removed_at.is_none()) {
        let mut row = vec![threatexchange_type(e.signal), e.value.as_str()];
        row.extend(
            names
                .iter()
                .map(|n| e.labels.get(*n).map_or("", String::as_str)),
        );
        row.push(e.provenance.as_deref().unwrap_or(""));
        w.write_record(&row)?;
    }
    w.flush()
}

fn tcap_algorithm(signal: SignalType) -> &'static str {
    match signal {
        SignalType::Pdq => "PDQ",
        SignalType::Md5 => "MD5",
        SignalType::Sha256 => "SHA256",
    }
}

/// Writes `entries` in `format`.
///
/// Removed entries are written only in TCAP, as `deleted: true` records, which is how that format carries
/// withdrawals; the other formats have no way to say it, so they skip them. Labels go to `key=value` words
/// (lines), one column each (CSV, columns sorted by name), or fields (TCAP: `ideology`, `file_type`, `group`
/// where TCAP has them, the rest under `labels`).
///
/// # Errors
/// Any error of `out`.
pub fn write_list(
    out: &mut dyn Write,
    format: ListFormat,
    entries: &[BankEntry],
) -> io::Result<()> {
    match format {
        ListFormat::Lines => {
            for e in entries.iter().filter(|e| e.removed_at.is_none()) {
                write!(out, "{} {}", e.signal.as_str(), e.value)?;
                for (k, v) in &e.labels {
                    if !v.contains(char::is_whitespace) && !v.contains(',') {
                        write!(out, " {k}={v}")?;
                    }
                }
                writeln!(out)?;
            }
        }
        ListFormat::ThreatExchange => {
            // Nothing after the hash: python-threatexchange reads the rest of the line as part of it.
            for e in entries.iter().filter(|e| e.removed_at.is_none()) {
                writeln!(out, "{} {}", threatexchange_type(e.signal), e.value)?;
            }
        }
        ListFormat::Csv => {
            let names: BTreeSet<&str> = entries
                .iter()
                .flat_map(|e| e.labels.keys().map(String::as_str))
                .collect();
            let mut w = csv::Writer::from_writer(out);
            let mut header = vec!["hash", "type"];
            header.extend(names.iter().copied());
            header.push("provenance");
            w.write_record(&header)?;
            for e in entries.iter().filter(|e| e.removed_at.is_none()) {
                let mut row = vec![e.value.as_str(), e.signal.as_str()];
                row.extend(
                    names
                        .iter()
                        .map(|n| e.labels.get(*n).map_or("", String::as_str)),
                );
                row.push(e.provenance.as_deref().unwrap_or(""));
                w.write_record(&row)?;
            }
            w.flush()?;
        }
        ListFormat::Tcap => {
            out.write_all(b"[")?;
            for (i, e) in entries.iter().enumerate() {
                let mut record = Map::new();
                record.insert("hash_digest".into(), json!(e.value));
                record.insert("algorithm".into(), json!(tcap_algorithm(e.signal)));
                let mut rest = Map::new();
                for (k, v) in &e.labels {
                    match k.as_str() {
                        "ideology" | "group" => {
                            record.insert(k.clone(), json!(v));
                        }
                        "media_type" => {
                            record.insert("file_type".into(), json!(v));
                        }
                        _ => {
                            rest.insert(k.clone(), json!(v));
                        }
                    }
                }
                if !rest.is_empty() {
                    record.insert("labels".into(), Value::Object(rest));
                }
                record.insert("deleted".into(), json!(e.removed_at.is_some()));
                let updated = e.removed_at.unwrap_or(e.updated_at);
                record.insert("updated_on".into(), json!(updated.to_string()));
                if let Some(p) = &e.provenance {
                    record.insert("id".into(), json!(p.strip_prefix("tcap:").unwrap_or(p)));
                }
                if i > 0 {
                    out.write_all(b",")?;
                }
                out.write_all(b"\n")?;
                serde_json::to_writer(&mut *out, &Value::Object(record))?;
            }
            out.write_all(b"\n]\n")?;
        }
    }
    Ok(())
}
