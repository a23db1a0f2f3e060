//! Hostile inputs for the generic JSONL adapter; ordinary and malformed records are covered by
//! `tests/data/jsonl`.

use crate::IngestOptions;
use crate::testutil::{post_ids, quarantined, read_file};
use vigie_model::Format;

#[test]
fn deep_nesting_and_long_lines_are_quarantined_and_reading_goes_on() {
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let body = format!(
        "{{\"id\":\"1\",\"text\":\"a\",\"hashtags\":{deep}}}\n{{\"id\":\"2\",\"text\":\"{}\"}}\n{{\"id\":\"3\",\"text\":\"ok\",\"account_id\":\"a\"}}\n",
        "y".repeat(3000)
    );
    let options = IngestOptions {
        max_record_bytes: 250_000,
        ..IngestOptions::default()
    };
    let records = read_file(Format::Jsonl, "posts.jsonl", body.as_bytes(), &options);
    let reasons = quarantined(&records);
    assert_eq!(reasons.len(), 1, "{reasons:?}");
    assert!(reasons[0].contains("line 1"), "{reasons:?}");
    assert_eq!(post_ids(&records), ["2", "3"]);

    let small = IngestOptions {
        max_record_bytes: 1000,
        ..IngestOptions::default()
    };
    let records = read_file(Format::Jsonl, "posts.jsonl", body.as_bytes(), &small);
    let over = quarantined(&records);
    assert_eq!(over.len(), 2, "{over:?}");
    assert!(
        over.iter().all(|r| r.contains("1000-byte limit")),
        "{over:?}"
    );
    assert_eq!(post_ids(&records), ["3"]);
}

#[test]
fn a_posts_own_address_is_kept_under_url_or_permalink() {
    let body = concat!(
        "{\"platform\":\"facebook\",\"id\":\"1\",\"text\":\"a\",\"url\":\"https://www.facebook.com/page/posts/1\"}\n",
        "{\"platform\":\"facebook\",\"id\":\"2\",\"text\":\"b\",\"permalink\":\" https://www.facebook.com/page/posts/2 \"}\n",
        "{\"platform\":\"facebook\",\"id\":\"3\",\"text\":\"c\",\"url\":\"\"}\n",
    );
    let records = read_file(
        Format::Jsonl,
        "posts.jsonl",
        body.as_bytes(),
        &IngestOptions::default(),
    );
    let urls: Vec<Option<&str>> = records
        .iter()
        .filter_map(|r| match r {
            vigie_model::Record::Post(p) => Some(p.url.as_deref()),
            _ => None,
        })
        .collect();
    assert_eq!(
        urls,
        [
            Some("https://www.facebook.com/page/posts/1"),
            Some("https://www.facebook.com/page/posts/2"),
            None
        ]
    );
}

#[test]
fn regression_19_a_record_naming_no_platform_name_is_quarantined() {
    let body = "{\"id\":\"1\",\"platform\":\"x<script>\",\"text\":\"a\"}\n\
                {\"id\":\"2\",\"platform\":\"Telegram\",\"text\":\"b\"}\n\
                {\"id\":\"3\",\"platform\":\"face book\",\"text\":\"c\"}\n";
    let records = read_file(
        Format::Jsonl,
        "posts.jsonl",
        body.as_bytes(),
        &IngestOptions::default(),
    );
    let reasons = quarantined(&records);
    assert_eq!(reasons.len(), 2, "{reasons:?}");
    assert!(
        reasons[0].contains("line 1") && reasons[0].contains("not a platform name"),
        "{reasons:?}"
    );
    assert_eq!(post_ids(&records), ["2"]);
}
