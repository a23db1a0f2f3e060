//! Helpers for the adapters' unit tests: run one adapter over a file written to a temporary folder.

use crate::{IngestOptions, Input, read};
use vigie_model::{Format, Record};

/// Writes `body` as `name` in a fresh folder and reads it with the adapter for `format`.
pub(crate) fn read_file(
    format: Format,
    name: &str,
    body: &[u8],
    options: &IngestOptions,
) -> Vec<Record> {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let path = dir.path().join(name);
    std::fs::write(&path, body).unwrap_or_else(|e| panic!("{e}"));
    let input = Input {
        format,
        path,
        root: dir.path().to_path_buf(),
        display: name.to_owned(),
        lines: name.ends_with(".jsonl"),
        files: Vec::new(),
    };
    let mut records = Vec::new();
    read(&input, options, &mut |r| {
        records.push(r);
        Ok(())
    })
    .unwrap_or_else(|e| panic!("{e}"));
    records
}

/// The quarantined records, as `file: position: reason` lines.
pub(crate) fn quarantined(records: &[Record]) -> Vec<String> {
    records
        .iter()
        .filter_map(|r| match r {
            Record::Quarantine(q) => Some(q.to_string()),
            _ => None,
        })
        .collect()
}

/// The ids of the posts, in order.
pub(crate) fn post_ids(records: &[Record]) -> Vec<&str> {
    records
        .iter()
        .filter_map(|r| match r {
            Record::Post(p) => Some(p.platform_id.as_str()),
            _ => None,
        })
        .collect()
}
