//! Hostile inputs for the CSV adapter; ordinary and malformed rows are covered by `tests/data/csv`.

use crate::IngestOptions;
use crate::testutil::{post_ids, quarantined, read_file};
use vigie_model::Format;

#[test]
fn a_record_over_the_limit_stops_the_file_with_a_quarantine_not_unbounded_memory() {
    // An unterminated quote swallows the rest of the file into one field.
    let body = format!("id,text\n1,ok\n2,\"{}\n3,never read\n", "x".repeat(200_000));
    let options = IngestOptions {
        max_record_bytes: 10_000,
        ..IngestOptions::default()
    };
    let records = read_file(Format::Csv, "posts.csv", body.as_bytes(), &options);
    assert_eq!(post_ids(&records), ["1"]);
    let reasons = quarantined(&records);
    assert_eq!(reasons.len(), 1, "{reasons:?}");
    assert!(reasons[0].contains("10000-byte limit"), "{reasons:?}");
}
