//! Generic JSONL: one post or account per line (see `docs/formats.md`).

#[cfg(test)]
mod tests;

use crate::detect::Input;
use crate::error::{IngestError, Stop};
use crate::generic::{GenericRecord, convert};
use crate::lines::{CappedLines, Line};
use crate::options::IngestOptions;
use vigie_model::{Platform, Position, QuarantinedRecord, Record, Source};

pub(crate) fn read(
    input: &Input,
    options: &IngestOptions,
    sink: &mut dyn FnMut(Record) -> Result<(), Stop>,
) -> Result<(), IngestError> {
    let file = std::fs::File::open(&input.path).map_err(|e| IngestError::io(&input.path, e))?;
    let default_platform = options
        .default_platform
        .as_deref()
        .map(Platform::new)
        .unwrap_or_else(Platform::generic);
    let mut lines = CappedLines::new(file, options.max_record_bytes);
    while let Some((line_no, line)) = lines
        .next_line()
        .map_err(|e| IngestError::io(&input.path, e))?
    {
        let quarantine = |reason: String, raw: &[u8]| {
            Record::Quarantine(QuarantinedRecord::new(
                &input.display,
                Position::Line(line_no),
                reason,
                raw,
            ))
        };
        let bytes = match line {
            Line::TooLong(head) => {
                sink(quarantine(
                    format!(
                        "record longer than the {}-byte limit",
                        options.max_record_bytes
                    ),
                    head,
                ))?;
                continue;
            }
            Line::Text(t) => t,
        };
        if bytes.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let record: GenericRecord = match serde_json::from_slice(bytes) {
            Ok(r) => r,
            Err(e) => {
                let reason = match std::str::from_utf8(bytes) {
                    Err(u) => format!("invalid UTF-8 at byte {}", u.valid_up_to()),
                    Ok(_) => format!("invalid record: {e}"),
                };
                sink(quarantine(reason, bytes))?;
                continue;
            }
        };
        match convert(record, &default_platform, &input.root) {
            Err(reason) => sink(quarantine(reason, bytes))?,
            Ok(converted) => {
                for (i, reason) in converted.refused_media {
                    let pos = Position::LinePath(line_no, format!("$.media[{i}].path"));
                    sink(Record::Quarantine(QuarantinedRecord::new(
                        &input.display,
                        pos,
                        reason,
                        bytes,
                    )))?;
                }
                if let Some(a) = converted.account {
                    sink(Record::Account(a))?;
                }
                if let Some(mut p) = converted.post {
                    p.source = Some(Source {
                        file: input.display.clone(),
                        position: Position::Line(line_no),
                    });
                    sink(Record::Post(p))?;
                }
            }
        }
    }
    Ok(())
}
