//! Hostile inputs for the CSV adapter; ordinary and malformed rows are covered by `tests/data/csv`.

use crate::{IngestOptions, Input, read};
use vigie_model::{Format, Record};

#[test]
fn a_record_over_the_limit_stops_the_file_with_a_quarantine_not_unbounded_memory() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let path = dir.path().join("posts.csv");
    // An unterminated quote swallows the rest of the file into one field.
    let body = format!("id,text\n1,ok\n2,\"{}\n3,never read\n", "x".repeat(200_000));
    std::fs::write(&path, body).unwrap_or_else(|e| panic!("{e}"));
    let input = Input {
        format: Format::Csv,
        path,
        root: dir.path().to_path_buf(),
        display: "posts.csv".into(),
        lines: false,
        files: Vec::new(),
    };
    let options = IngestOptions {
        max_record_bytes: 10_000,
        ..IngestOptions::default()
    };
    let mut records = Vec::new();
    read(&input, &options, &mut |r| {
        records.push(r);
        Ok(())
    })
    .unwrap_or_else(|e| panic!("{e}"));
    let posts = records
        .iter()
        .filter(|r| matches!(r, Record::Post(_)))
        .count();
    assert_eq!(posts, 1);
    let reasons: Vec<String> = records
        .iter()
        .filter_map(|r| match r {
            Record::Quarantine(q) => Some(q.to_string()),
            _ => None,
        })
        .collect();
    assert_eq!(reasons.len(), 1, "{reasons:?}");
    assert!(reasons[0].contains("10000-byte limit"), "{reasons:?}");
}
