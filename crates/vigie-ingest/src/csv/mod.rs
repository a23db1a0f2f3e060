//! Generic CSV: a header row, then one post per row (see `docs/formats.md`), with optional column mapping.

mod records;
#[cfg(test)]
mod tests;

use records::{Records, Row};

use crate::detect::Input;
use crate::error::{IngestError, Stop};
use crate::generic::{GenericMedia, GenericRecord, Id, When, convert};
use crate::options::IngestOptions;
use vigie_model::{Platform, Position, QuarantinedRecord, Record, Source};

/// The field names a CSV may carry, by Vigie's name.
pub(crate) const FIELDS: &[&str] = &[
    "platform",
    "id",
    "url",
    "created_at",
    "text",
    "lang",
    "account_id",
    "account_handle",
    "account_display_name",
    "reply_to",
    "quote_of",
    "repost_of",
    "forwarded_from",
    "hashtags",
    "urls",
    "mentions",
    "media",
];

pub(crate) fn read(
    input: &Input,
    options: &IngestOptions,
    sink: &mut dyn FnMut(Record) -> Result<(), Stop>,
) -> Result<(), IngestError> {
    let file = std::fs::File::open(&input.path).map_err(|e| IngestError::io(&input.path, e))?;
    let mut records = Records::new(file, options.max_record_bytes);
    let unreadable = |reason: String| {
        Record::Quarantine(QuarantinedRecord::new(
            &input.display,
            Position::Line(1),
            reason,
            b"",
        ))
    };
    let header = match records.next_row() {
        Ok(Some(Row::Fields { fields, .. })) => fields,
        Ok(None) => return Ok(()),
        Ok(Some(Row::TooLong { .. })) => {
            sink(unreadable(format!(
                "CSV header longer than the {}-byte limit; the file is not read",
                options.max_record_bytes
            )))?;
            return Ok(());
        }
        Err(e) => {
            sink(unreadable(format!("unreadable CSV header: {e}")))?;
            return Ok(());
        }
    };
    let names: Vec<String> = header
        .iter()
        .map(|h| String::from_utf8_lossy(h).trim().to_owned())
        .collect();
    let mut columns: Vec<Option<usize>> = Vec::with_capacity(FIELDS.len());
    for field in FIELDS {
        let wanted = options
            .csv_columns
            .0
            .get(*field)
            .map(String::as_str)
            .unwrap_or(field);
        let index = names.iter().position(|n| n.eq_ignore_ascii_case(wanted));
        if index.is_none() && options.csv_columns.0.contains_key(*field) {
            return Err(IngestError::BadMapping {
                path: input.path.clone(),
                reason: format!(
                    "mapped column {wanted:?} for field `{field}` is not in the header ({})",
                    names.join(", ")
                ),
            });
        }
        columns.push(index);
    }
    if columns[1].is_none() {
        return Err(IngestError::BadMapping {
            path: input.path.clone(),
            reason: format!(
                "no `id` column in the header ({}); name it with --map id=COLUMN",
                names.join(", ")
            ),
        });
    }
    let default_platform = options
        .default_platform
        .as_deref()
        .map(Platform::new)
        .unwrap_or_else(Platform::generic);
    loop {
        let (line, row) = match records.next_row() {
            Ok(None) => break,
            Ok(Some(Row::Fields { line, fields })) => (line, fields),
            Ok(Some(Row::TooLong { line })) => {
                // Skipped whole: reading goes on at the next record.
                let reason = format!(
                    "record longer than the {}-byte limit; skipped",
                    options.max_record_bytes
                );
                let quarantined =
                    QuarantinedRecord::new(&input.display, Position::Line(line), reason, b"");
                sink(Record::Quarantine(quarantined))?;
                continue;
            }
            Err(e) => {
                return Err(IngestError::io(&input.path, e));
            }
        };
        let raw = row.iter().collect::<Vec<_>>().join(&b","[..]);
        let quarantine = |reason: String| {
            Record::Quarantine(QuarantinedRecord::new(
                &input.display,
                Position::Line(line),
                reason,
                &raw,
            ))
        };
        if row.len() != header.len() {
            sink(quarantine(format!(
                "invalid CSV row: {} fields, but the header has {}",
                row.len(),
                header.len()
            )))?;
            continue;
        }
        match to_record(&row, &columns) {
            Err(reason) => sink(quarantine(reason))?,
            Ok(record) => match convert(record, &default_platform, &input.root) {
                Err(reason) => sink(quarantine(reason))?,
                Ok(converted) => {
                    for (i, reason) in converted.refused_media {
                        let pos = Position::LinePath(line, format!("media[{i}]"));
                        sink(Record::Quarantine(QuarantinedRecord::new(
                            &input.display,
                            pos,
                            reason,
                            &raw,
                        )))?;
                    }
                    if let Some(a) = converted.account {
                        sink(Record::Account(a))?;
                    }
                    if let Some(mut p) = converted.post {
                        p.source = Some(Source {
                            file: input.display.clone(),
                            position: Position::Line(line),
                        });
                        sink(Record::Post(p))?;
                    }
                }
            },
        }
    }
    Ok(())
}

fn to_record(row: &csv::ByteRecord, columns: &[Option<usize>]) -> Result<GenericRecord, String> {
    let mut values: Vec<Option<String>> = Vec::with_capacity(FIELDS.len());
    for (field, column) in FIELDS.iter().zip(columns) {
        let value = match column.and_then(|c| row.get(c)) {
            None => None,
            Some(bytes) => {
                let s = std::str::from_utf8(bytes).map_err(|e| {
                    format!(
                        "column `{field}`: invalid UTF-8 at byte {}",
                        e.valid_up_to()
                    )
                })?;
                let s = s.trim();
                (!s.is_empty()).then(|| s.to_owned())
            }
        };
        values.push(value);
    }
    let mut v = values.into_iter();
    let mut next = || v.next().flatten();
    let list = |s: Option<String>| {
        s.map(|s| {
            s.split('|')
                .map(str::trim)
                .filter(|x| !x.is_empty())
                .map(str::to_owned)
                .collect::<Vec<_>>()
        })
    };
    let platform = next();
    let id = next().map(Id::Text);
    let url = next();
    let created_at = next().map(When::Text);
    let text = next();
    let lang = next();
    let account_id = next().map(Id::Text);
    let account_handle = next();
    let account_display_name = next();
    let reply_to = next().map(Id::Text);
    let quote_of = next().map(Id::Text);
    let repost_of = next().map(Id::Text);
    let forwarded_from = next();
    let hashtags = list(next());
    let urls = list(next());
    let mentions = list(next());
    let media = list(next()).map(|paths| {
        paths
            .into_iter()
            .map(|p| {
                if p.starts_with("http://") || p.starts_with("https://") {
                    GenericMedia {
                        url: Some(p),
                        ..GenericMedia::default()
                    }
                } else {
                    GenericMedia {
                        path: Some(p),
                        ..GenericMedia::default()
                    }
                }
            })
            .collect()
    });
    Ok(GenericRecord {
        platform,
        id,
        url,
        created_at,
        text,
        lang,
        account_id,
        account_handle,
        account_display_name,
        reply_to,
        quote_of,
        repost_of,
        forwarded_from,
        hashtags,
        urls,
        mentions,
        media,
        ..GenericRecord::default()
    })
}
