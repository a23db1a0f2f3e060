//! Hostile inputs for the X adapter; ordinary and malformed records are covered by `tests/data/x-v2`.

use crate::{IngestOptions, Input, read};
use vigie_model::{Format, Record};

fn run(body: &[u8], options: &IngestOptions) -> Vec<Record> {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let path = dir.path().join("responses.jsonl");
    std::fs::write(&path, body).unwrap_or_else(|e| panic!("{e}"));
    let input = Input {
        format: Format::XV2,
        path: path.clone(),
        root: dir.path().to_path_buf(),
        display: "responses.jsonl".into(),
        lines: true,
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

fn posts(records: &[Record]) -> usize {
    records
        .iter()
        .filter(|r| matches!(r, Record::Post(_)))
        .count()
}

fn quarantined(records: &[Record]) -> Vec<String> {
    records
        .iter()
        .filter_map(|r| match r {
            Record::Quarantine(q) => Some(q.to_string()),
            _ => None,
        })
        .collect()
}

#[test]
fn deep_nesting_is_refused_without_overflowing_the_stack() {
    let depth = 100_000;
    let deep = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
    let body = format!(
        "{{\"data\":[{{\"id\":\"1\",\"text\":\"a\",\"entities\":{deep}}}]}}\n{{\"data\":[{{\"id\":\"2\",\"text\":\"b\",\"x\":{deep}}}]}}\n{{\"data\":[{{\"id\":\"3\",\"text\":\"c\"}}]}}\n"
    );
    let records = run(body.as_bytes(), &IngestOptions::default());
    let q = quarantined(&records);
    assert_eq!(q.len(), 1, "{q:?}");
    assert!(
        q[0].contains("line 1") && q[0].contains("recursion limit"),
        "{q:?}"
    );
    // An unknown deep field is skipped (serde_json skips without recursing); the third line is intact.
    assert_eq!(posts(&records), 2);
}

#[test]
fn an_over_long_line_is_quarantined_and_reading_goes_on() {
    let options = IngestOptions {
        max_record_bytes: 1024,
        ..IngestOptions::default()
    };
    let long = format!(
        "{{\"data\":[{{\"id\":\"1\",\"text\":\"{}\"}}]}}\n",
        "a".repeat(5000)
    );
    let body = format!("{long}{{\"data\":[{{\"id\":\"2\",\"text\":\"ok\"}}]}}\n");
    let records = run(body.as_bytes(), &options);
    let q = quarantined(&records);
    assert_eq!(q.len(), 1, "{q:?}");
    assert!(
        q[0].contains("line 1") && q[0].contains("1024-byte limit"),
        "{q:?}"
    );
    assert_eq!(posts(&records), 1);
    let raw_len = records.iter().find_map(|r| match r {
        Record::Quarantine(q) => Some(q.raw.len()),
        _ => None,
    });
    assert_eq!(
        raw_len,
        Some(1024),
        "the quarantine keeps at most the limit"
    );
}
