//! Hostile inputs for the Telegram adapter; ordinary and malformed exports are covered by
//! `tests/data/telegram`.

use crate::IngestOptions;
use crate::testutil::{quarantined, read_file};
use vigie_model::{Format, Record};

fn run(body: &str, options: &IngestOptions) -> Vec<Record> {
    read_file(Format::Telegram, "result.json", body.as_bytes(), options)
}

fn message(id: u32, text: &str) -> String {
    format!(r#"{{"id":{id},"type":"message","date_unixtime":"1705312800","text":"{text}"}}"#)
}

#[test]
fn an_endless_message_is_cut_off_with_bounded_memory() {
    let options = IngestOptions {
        max_record_bytes: 4096,
        ..IngestOptions::default()
    };
    let huge = "x".repeat(1_000_000);
    let body = format!(
        r#"{{"name":"c","type":"public_channel","id":5,"messages":[{},{},{}]}}"#,
        message(1, "first"),
        message(2, &huge),
        message(3, "never reached")
    );
    let records = run(&body, &options);
    let posts = records
        .iter()
        .filter(|r| matches!(r, Record::Post(_)))
        .count();
    assert_eq!(posts, 1);
    let reasons = quarantined(&records);
    assert_eq!(reasons.len(), 1, "{reasons:?}");
    assert!(reasons[0].contains("4096-byte limit"), "{reasons:?}");
}

#[test]
fn deep_nesting_in_a_message_is_quarantined_and_the_rest_read() {
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let body = format!(
        r#"{{"name":"c","type":"public_channel","id":5,"messages":[{},{{"id":2,"text":{deep}}},{}]}}"#,
        message(1, "first"),
        message(3, "third")
    );
    let records = run(&body, &IngestOptions::default());
    let posts = records
        .iter()
        .filter(|r| matches!(r, Record::Post(_)))
        .count();
    let quarantined = records
        .iter()
        .filter(|r| matches!(r, Record::Quarantine(_)))
        .count();
    assert!(posts >= 1, "the message before the deep one is kept");
    assert_eq!(quarantined, 1);
}

#[test]
fn a_channel_with_a_public_name_gives_its_posts_their_handle() {
    let body = format!(
        r#"{{"name":"News","type":"public_channel","id":1234567,"username":"@news_room","messages":[{}]}}"#,
        message(89, "hello")
    );
    let records = run(&body, &IngestOptions::default());
    let post = records
        .iter()
        .find_map(|r| match r {
            Record::Post(p) => Some(p.clone()),
            _ => None,
        })
        .expect("a post");
    let account = records
        .iter()
        .find_map(|r| match r {
            Record::Account(a) => Some(a.clone()),
            _ => None,
        })
        .expect("an account");
    assert_eq!(account.handle.as_deref(), Some("news_room"));
    assert_eq!(
        vigie_model::post_permalink(
            "telegram",
            &post.platform_id,
            account.handle.as_deref(),
            None
        )
        .as_deref(),
        Some("https://t.me/news_room/89")
    );
}

#[test]
fn a_channel_named_in_the_settings_gets_public_permalinks() {
    // Telegram Desktop's export of a public channel carries its id and title, not its public name.
    let body = format!(
        r#"{{"name":"News","type":"public_channel","id":1234567,"messages":[{}]}}"#,
        message(89, "hello")
    );
    let handle_of = |options: &IngestOptions| {
        run(&body, options).iter().find_map(|r| match r {
            Record::Account(a) => Some(a.handle.clone()),
            _ => None,
        })
    };
    assert_eq!(handle_of(&IngestOptions::default()), Some(None));
    for id in ["1234567", "-1001234567"] {
        let options = IngestOptions {
            telegram_channels: [(id.to_owned(), "@news_room".to_owned())].into(),
            ..IngestOptions::default()
        };
        assert_eq!(
            handle_of(&options),
            Some(Some("news_room".to_owned())),
            "{id}"
        );
    }
    let other = IngestOptions {
        telegram_channels: [("7654321".to_owned(), "elsewhere".to_owned())].into(),
        ..IngestOptions::default()
    };
    assert_eq!(handle_of(&other), Some(None));
}
