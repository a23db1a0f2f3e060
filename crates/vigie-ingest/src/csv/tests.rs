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

#[test]
fn regression_19_an_over_long_row_is_skipped_and_the_rows_after_it_are_read() {
    let body = format!(
        "id,text\n1,ok\n2,{}\n3,after\n4,\"{}\nstill quoted\"\n5,last\n",
        "x".repeat(20_000),
        "y".repeat(20_000)
    );
    let options = IngestOptions {
        max_record_bytes: 10_000,
        ..IngestOptions::default()
    };
    let records = read_file(Format::Csv, "posts.csv", body.as_bytes(), &options);
    assert_eq!(post_ids(&records), ["1", "3", "5"]);
    let reasons = quarantined(&records);
    assert_eq!(reasons.len(), 2, "{reasons:?}");
    // Each names the line its row starts on.
    assert!(
        reasons[0].contains("line 3") && reasons[0].contains("10000-byte limit"),
        "{reasons:?}"
    );
    assert!(reasons[1].contains("line 5"), "{reasons:?}");
}

#[test]
fn a_url_column_is_the_posts_own_address_and_can_be_mapped() {
    let body =
        "platform,id,text,url\nfacebook,1,a,https://www.facebook.com/page/posts/1\nfacebook,2,b,\n";
    let records = read_file(
        Format::Csv,
        "posts.csv",
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
    assert_eq!(urls, [Some("https://www.facebook.com/page/posts/1"), None]);
}

#[test]
fn regression_19_a_nul_in_an_identifier_is_quarantined_not_removed() {
    let body = "id,account_handle,text\n1,acc1,first\n2,acc\u{0}1,second\n3,acc1,third\n";
    let records = read_file(
        Format::Csv,
        "posts.csv",
        body.as_bytes(),
        &IngestOptions::default(),
    );
    assert_eq!(post_ids(&records), ["1", "3"]);
    let reasons = quarantined(&records);
    assert_eq!(reasons.len(), 1, "{reasons:?}");
    assert!(
        reasons[0].contains("line 3") && reasons[0].contains("U+0000"),
        "{reasons:?}"
    );
    // No account was made of the handle with the NUL in it.
    let handles: Vec<&str> = records
        .iter()
        .filter_map(|r| match r {
            vigie_model::Record::Account(a) => a.handle.as_deref(),
            _ => None,
        })
        .collect();
    assert!(handles.iter().all(|h| *h == "acc1"), "{handles:?}");
}
