//! Hostile inputs for the generic JSONL adapter; ordinary and malformed records are covered by
//! `tests/data/jsonl`.

use crate::{IngestOptions, Input, read};
use vigie_model::{Format, Record};

#[test]
fn deep_nesting_and_long_lines_are_quarantined_and_reading_goes_on() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let path = dir.path().join("posts.jsonl");
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let body = format!(
        "{{\"id\":\"1\",\"text\":\"a\",\"hashtags\":{deep}}}\n{{\"id\":\"2\",\"text\":\"{}\"}}\n{{\"id\":\"3\",\"text\":\"ok\",\"account_id\":\"a\"}}\n",
        "y".repeat(3000)
    );
    std::fs::write(&path, body).unwrap_or_else(|e| panic!("{e}"));
    let input = Input {
        format: Format::Jsonl,
        path,
        root: dir.path().to_path_buf(),
        display: "posts.jsonl".into(),
        lines: false,
        files: Vec::new(),
    };
    let options = IngestOptions {
        max_record_bytes: 250_000,
        ..IngestOptions::default()
    };
    let mut records = Vec::new();
    read(&input, &options, &mut |r| {
        records.push(r);
        Ok(())
    })
    .unwrap_or_else(|e| panic!("{e}"));
    let reasons: Vec<String> = records
        .iter()
        .filter_map(|r| match r {
            Record::Quarantine(q) => Some(q.to_string()),
            _ => None,
        })
        .collect();
    assert_eq!(reasons.len(), 1, "{reasons:?}");
    assert!(reasons[0].contains("line 1"), "{reasons:?}");
    let ids: Vec<&str> = records
        .iter()
        .filter_map(|r| match r {
            Record::Post(p) => Some(p.platform_id.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(ids, ["2", "3"]);

    let small = IngestOptions {
        max_record_bytes: 1000,
        ..IngestOptions::default()
    };
    let mut records = Vec::new();
    read(&input, &small, &mut |r| {
        records.push(r);
        Ok(())
    })
    .unwrap_or_else(|e| panic!("{e}"));
    let over: Vec<String> = records
        .iter()
        .filter_map(|r| match r {
            Record::Quarantine(q) => Some(q.to_string()),
            _ => None,
        })
        .collect();
    assert_eq!(over.len(), 2, "{over:?}");
    assert!(
        over.iter().all(|r| r.contains("1000-byte limit")),
        "{over:?}"
    );
}
