//! Hostile inputs for the X adapter; ordinary and malformed records are covered by `tests/data/x-v2`.

use crate::IngestOptions;
use crate::testutil::{post_ids, quarantined, read_file};
use vigie_model::{Format, Record};

#[test]
fn deep_nesting_is_refused_without_overflowing_the_stack() {
    let depth = 100_000;
    let deep = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
    let body = format!(
        "{{\"data\":[{{\"id\":\"1\",\"text\":\"a\",\"entities\":{deep}}}]}}\n{{\"data\":[{{\"id\":\"2\",\"text\":\"b\",\"x\":{deep}}}]}}\n{{\"data\":[{{\"id\":\"3\",\"text\":\"c\"}}]}}\n"
    );
    let records = read_file(
        Format::XV2,
        "responses.jsonl",
        body.as_bytes(),
        &IngestOptions::default(),
    );
    let q = quarantined(&records);
    assert_eq!(q.len(), 1, "{q:?}");
    assert!(
        q[0].contains("line 1") && q[0].contains("recursion limit"),
        "{q:?}"
    );
    // An unknown deep field is skipped (serde_json skips without recursing); the third line is intact.
    assert_eq!(post_ids(&records), ["2", "3"]);
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
    let records = read_file(Format::XV2, "responses.jsonl", body.as_bytes(), &options);
    let q = quarantined(&records);
    assert_eq!(q.len(), 1, "{q:?}");
    assert!(
        q[0].contains("line 1") && q[0].contains("1024-byte limit"),
        "{q:?}"
    );
    assert_eq!(post_ids(&records), ["2"]);
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

#[test]
fn regression_19_a_long_post_keeps_its_full_text_and_entities() {
    let full = format!(
        "{} #longform with @someone and https://t.co/full",
        "word ".repeat(80)
    );
    let truncated = format!("{}… https://t.co/more", &full[..270]);
    let body = serde_json::json!({
        "data": [
            {
                "id": "1",
                "text": truncated,
                "entities": {"urls": [{"url": "https://t.co/more", "expanded_url": "https://x.com/i/web/status/1"}]},
                "note_tweet": {
                    "text": full,
                    "entities": {
                        "hashtags": [{"tag": "longform"}],
                        "mentions": [{"username": "someone"}],
                        "urls": [{"url": "https://t.co/full", "expanded_url": "https://example.org/full"}]
                    }
                },
                "edit_history_tweet_ids": ["1"],
                "conversation_id": "1",
                "possibly_sensitive": false,
                "reply_settings": "everyone",
                "public_metrics": {"retweet_count": 1, "reply_count": 0, "like_count": 2, "quote_count": 0}
            },
            {"id": "2", "text": "a short one #short", "entities": {"hashtags": [{"tag": "short"}]}}
        ]
    })
    .to_string();
    let records = read_file(
        Format::XV2,
        "responses.jsonl",
        format!("{body}\n").as_bytes(),
        &IngestOptions::default(),
    );
    let posts: Vec<&vigie_model::Post> = records
        .iter()
        .filter_map(|r| match r {
            Record::Post(p) => Some(p),
            _ => None,
        })
        .collect();
    assert_eq!(posts.len(), 2, "{records:?}");
    assert_eq!(posts[0].text.as_deref(), Some(full.as_str()));
    assert_eq!(posts[0].hashtags, ["longform"]);
    assert_eq!(posts[0].mentions, ["someone"]);
    assert_eq!(posts[0].urls, ["https://example.org/full"]);
    assert_eq!(posts[1].text.as_deref(), Some("a short one #short"));
    assert_eq!(posts[1].hashtags, ["short"]);
}
