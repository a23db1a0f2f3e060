//! End-to-end checks of a generated corpus: same seed, same bytes; every valid file parses; and every count
//! of the summary matches what a reader finds by opening the files.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::error::Error;
use std::path::Path;

use serde_json::Value;
use vigie_sample::{
    LabelledPost, MalformedKind, SampleConfig, SampleError, SampleSummary, generate,
};

type TestResult = Result<(), Box<dyn Error>>;

/// The violating categories of `vigie_model::TAXONOMY`, as the label files name them.
fn violating() -> [&'static str; 5] {
    vigie_model::Violation::ALL.map(vigie_model::Violation::as_str)
}

/// Every file under `root`, by `/`-separated relative path.
fn read_tree(root: &Path) -> Result<BTreeMap<String, Vec<u8>>, Box<dyn Error>> {
    fn walk(
        root: &Path,
        dir: &Path,
        out: &mut BTreeMap<String, Vec<u8>>,
    ) -> Result<(), Box<dyn Error>> {
        for entry in std::fs::read_dir(dir)? {
            let path = entry?.path();
            if path.is_dir() {
                walk(root, &path, out)?;
            } else {
                let rel = path
                    .strip_prefix(root)?
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect::<Vec<_>>()
                    .join("/");
                out.insert(rel, std::fs::read(&path)?);
            }
        }
        Ok(())
    }
    let mut out = BTreeMap::new();
    walk(root, root, &mut out)?;
    Ok(out)
}

fn small() -> Result<(tempfile::TempDir, SampleSummary), Box<dyn Error>> {
    let dir = tempfile::tempdir()?;
    let summary = generate(dir.path(), &SampleConfig::small())?;
    Ok((dir, summary))
}

fn lines_of(bytes: &[u8]) -> Vec<&[u8]> {
    let mut lines: Vec<&[u8]> = bytes.split(|&b| b == b'\n').collect();
    if lines.last().is_some_and(|l| l.is_empty()) {
        lines.pop();
    }
    lines
}

fn s<'a>(v: &'a Value, key: &str) -> &'a str {
    v.get(key).and_then(Value::as_str).unwrap_or_default()
}

fn arr<'a>(v: &'a Value, key: &str) -> &'a [Value] {
    v.get(key)
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[])
}

fn malformed_lines(summary: &SampleSummary, file: &str) -> BTreeMap<usize, Vec<MalformedKind>> {
    let mut map: BTreeMap<usize, Vec<MalformedKind>> = BTreeMap::new();
    for m in summary.malformed.iter().filter(|m| m.file == file) {
        if let Some(line) = m.line {
            map.entry(line).or_default().push(m.kind);
        }
    }
    map
}

#[test]
fn same_seed_gives_byte_identical_corpora() -> TestResult {
    let (a, summary_a) = small()?;
    let (b, summary_b) = small()?;
    assert_eq!(summary_a, summary_b);
    let tree_a = read_tree(a.path())?;
    let tree_b = read_tree(b.path())?;
    assert_eq!(
        tree_a.keys().collect::<Vec<_>>(),
        tree_b.keys().collect::<Vec<_>>()
    );
    for (path, bytes) in &tree_a {
        assert!(tree_b.get(path) == Some(bytes), "{path} differs");
    }
    // The summary lists exactly the files on disk, with their total size.
    assert_eq!(summary_a.files, tree_a.keys().cloned().collect::<Vec<_>>());
    let total: usize = tree_a.values().map(Vec::len).sum();
    assert_eq!(summary_a.total_bytes, total as u64);
    assert!(total < 5_000_000, "the small corpus is {total} bytes");

    let other = tempfile::tempdir()?;
    let config = SampleConfig {
        seed: 8,
        ..SampleConfig::small()
    };
    generate(other.path(), &config)?;
    let tree_c = read_tree(other.path())?;
    assert_ne!(
        tree_a.get("x/search_responses.jsonl"),
        tree_c.get("x/search_responses.jsonl")
    );
    Ok(())
}

#[test]
fn totals_follow_the_config() -> TestResult {
    let (_dir, summary) = small()?;
    let config = SampleConfig::small();
    // The labelled posts of the corpus (the evaluation set, posts / 5) come on top of the configured
    // posts, and their made-up accounts on top of the configured accounts.
    assert_eq!(summary.labelled.corpus_posts, config.posts / 5);
    // So do the generated network's posts, accounts and pictures.
    assert_eq!(
        summary.posts,
        config.posts + summary.labelled.corpus_posts + summary.network.posts
    );
    assert_eq!(
        summary.posts,
        summary.x.posts
            + summary.telegram.posts
            + summary.generic.posts
            + summary.labelled.corpus_posts
            + summary.network.posts
    );
    assert_eq!(
        summary.accounts,
        config.accounts + summary.labelled.corpus_accounts + summary.network.accounts
    );
    assert_eq!(
        summary.accounts,
        summary.x.accounts
            + summary.telegram.accounts
            + summary.generic.accounts
            + summary.labelled.corpus_accounts
            + summary.network.accounts
    );
    assert_eq!(
        summary.media.distinct_images,
        config.images + summary.network.pictures
    );
    let per_file: usize = summary.malformed_per_file.values().sum();
    assert_eq!(per_file, summary.malformed.len());
    assert_eq!(summary.malformed_in("x/search_responses.jsonl"), 3);
    assert_eq!(
        summary.malformed_in("telegram/ChatExport_2024-01-15/result.json"),
        4
    );
    assert_eq!(summary.malformed_in("generic/posts.jsonl"), 3);
    assert_eq!(summary.malformed_in("generic/posts.csv"), 1);
    // Languages are mixed roughly 40/40/20.
    let mut fr = 0;
    let mut en = 0;
    let mut ar = 0;
    for langs in [
        &summary.x.langs,
        &summary.telegram.langs,
        &summary.generic.langs,
    ] {
        fr += langs.fr;
        en += langs.en;
        ar += langs.ar;
    }
    let all = (fr + en + ar) as f64;
    assert!((0.3..0.5).contains(&(fr as f64 / all)), "fr {fr} of {all}");
    assert!((0.3..0.5).contains(&(en as f64 / all)), "en {en} of {all}");
    assert!(
        (0.12..0.28).contains(&(ar as f64 / all)),
        "ar {ar} of {all}"
    );
    Ok(())
}

/// Checks that every entity of a tweet covers exactly its text, counting characters.
fn check_entities(tweet: &Value) {
    let text: Vec<char> = s(tweet, "text").chars().collect();
    let Some(entities) = tweet.get("entities") else {
        return;
    };
    let slice = |e: &Value| -> String {
        let start = e.get("start").and_then(Value::as_u64).unwrap_or(0) as usize;
        let end = e.get("end").and_then(Value::as_u64).unwrap_or(0) as usize;
        text.get(start..end)
            .map(|c| c.iter().collect())
            .unwrap_or_default()
    };
    for h in arr(entities, "hashtags") {
        assert_eq!(slice(h), format!("#{}", s(h, "tag")));
    }
    for m in arr(entities, "mentions") {
        assert_eq!(slice(m), format!("@{}", s(m, "username")));
    }
    for u in arr(entities, "urls") {
        assert_eq!(slice(u), s(u, "url"));
        assert!(s(u, "expanded_url").starts_with("https://example."));
    }
}

#[test]
fn x_files_match_the_summary() -> TestResult {
    let (dir, summary) = small()?;
    let x = &summary.x;
    let bytes = std::fs::read(dir.path().join("x/search_responses.jsonl"))?;
    let lines = lines_of(&bytes);
    assert_eq!(lines.len(), x.lines);
    let bad_lines = malformed_lines(&summary, &x.responses_file);

    let mut responses = 0;
    let mut data_ids = HashSet::new();
    let mut broken = 0;
    let mut included = HashSet::new();
    let mut users: HashMap<String, Value> = HashMap::new();
    let mut changed = HashSet::new();
    let mut media = HashSet::new();
    for (k, line) in lines.iter().enumerate() {
        let Ok(response) = serde_json::from_slice::<Value>(line) else {
            assert_eq!(
                bad_lines.get(&(k + 1)),
                Some(&vec![MalformedKind::TruncatedJson]),
                "line {} does not parse and is not listed",
                k + 1
            );
            continue;
        };
        responses += 1;
        let includes = response.get("includes").cloned().unwrap_or(Value::Null);
        let user_ids: HashSet<&str> = arr(&includes, "users").iter().map(|u| s(u, "id")).collect();
        let media_keys: HashSet<&str> = arr(&includes, "media")
            .iter()
            .map(|m| s(m, "media_key"))
            .collect();
        let mut known: HashSet<&str> = arr(&includes, "tweets")
            .iter()
            .map(|t| s(t, "id"))
            .collect();
        let data = arr(&response, "data");
        known.extend(data.iter().map(|t| s(t, "id")));
        for (i, tweet) in data.iter().enumerate() {
            match tweet.get("id") {
                Some(Value::String(id)) => {
                    assert!(data_ids.insert(id.clone()), "tweet {id} twice in data");
                }
                other => {
                    broken += 1;
                    let kinds = bad_lines.get(&(k + 1)).cloned().unwrap_or_default();
                    let expected = if other.is_some() {
                        MalformedKind::WrongIdType
                    } else {
                        MalformedKind::MissingId
                    };
                    assert!(kinds.contains(&expected), "line {} data[{i}]", k + 1);
                    continue;
                }
            }
            check_entities(tweet);
            assert!(["fr", "en", "ar"].contains(&s(tweet, "lang")));
            let created = s(tweet, "created_at");
            assert!(
                created.starts_with("2024-0") && created.ends_with(".000Z"),
                "{created}"
            );
            assert!(user_ids.contains(s(tweet, "author_id")));
            for r in arr(tweet, "referenced_tweets") {
                assert!(["replied_to", "quoted", "retweeted"].contains(&s(r, "type")));
                assert!(
                    known.contains(s(r, "id")),
                    "reference to a tweet not in the response"
                );
            }
            if let Some(att) = tweet.get("attachments") {
                for key in arr(att, "media_keys") {
                    assert!(media_keys.contains(key.as_str().unwrap_or_default()));
                }
            }
        }
        for t in arr(&includes, "tweets") {
            check_entities(t);
            included.insert(s(t, "id").to_owned());
        }
        for u in arr(&includes, "users") {
            match users.get(s(u, "id")) {
                Some(first) if first != u => {
                    changed.insert(s(u, "id").to_owned());
                }
                Some(_) => {}
                None => {
                    users.insert(s(u, "id").to_owned(), u.clone());
                }
            }
        }
        media.extend(media_keys.iter().map(|k| (*k).to_owned()));
        let meta = response.get("meta").cloned().unwrap_or(Value::Null);
        let valid = data
            .iter()
            .filter(|t| t.get("id").is_some_and(Value::is_string))
            .count();
        assert!(meta.get("result_count").and_then(Value::as_u64) >= Some(valid as u64));
    }
    assert_eq!(responses, x.responses);
    assert_eq!(data_ids.len(), x.data_tweets);
    assert_eq!(broken, x.broken_tweets);
    let included_only = included.difference(&data_ids).count();
    assert_eq!(included_only, x.included_only_tweets);
    assert_eq!(x.posts, x.data_tweets + x.included_only_tweets);
    assert_eq!(x.langs.total(), x.posts);

    // The single response re-observes tweets of the search pages.
    let single: Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("x/single_response.json"))?)?;
    let data = arr(&single, "data");
    assert_eq!(data.len(), x.single_response_tweets);
    for t in data {
        assert!(data_ids.contains(s(t, "id")));
        check_entities(t);
    }
    let includes = single.get("includes").cloned().unwrap_or(Value::Null);
    for u in arr(&includes, "users") {
        match users.get(s(u, "id")) {
            Some(first) if first != u => {
                changed.insert(s(u, "id").to_owned());
            }
            Some(_) => {}
            None => {
                users.insert(s(u, "id").to_owned(), u.clone());
            }
        }
    }
    for m in arr(&includes, "media") {
        media.insert(s(m, "media_key").to_owned());
    }
    assert_eq!(users.len(), x.accounts);
    assert_eq!(changed.len(), x.accounts_with_changes);
    assert!(x.accounts_with_changes > 0);
    assert_eq!(media.len(), x.media);
    Ok(())
}

/// Concatenates a Telegram `text` (string or array) and checks it against `text_entities`.
fn telegram_text(message: &Value) -> (String, bool) {
    let entities: String = arr(message, "text_entities")
        .iter()
        .map(|e| s(e, "text"))
        .collect();
    match message.get("text") {
        Some(Value::String(t)) => {
            assert_eq!(*t, entities);
            (t.clone(), false)
        }
        Some(Value::Array(parts)) => {
            let joined: String = parts
                .iter()
                .map(|p| match p {
                    Value::String(t) => t.as_str(),
                    other => s(other, "text"),
                })
                .collect();
            assert_eq!(joined, entities);
            for p in parts.iter().filter(|p| p.is_object()) {
                assert!(
                    ["hashtag", "link", "text_link", "mention", "bold"].contains(&s(p, "type")),
                    "{p}"
                );
                if s(p, "type") == "text_link" {
                    assert!(s(p, "href").starts_with("https://example."));
                }
            }
            (joined, true)
        }
        other => panic!("unexpected text {other:?}"),
    }
}

#[test]
fn telegram_exports_match_the_summary() -> TestResult {
    let (dir, summary) = small()?;
    let tg = &summary.telegram;
    let chat_dir = dir.path().join("telegram/ChatExport_2024-01-15");
    let full_dir = dir.path().join("telegram/full_export");
    let chat: Value = serde_json::from_slice(&std::fs::read(chat_dir.join("result.json"))?)?;
    let full: Value = serde_json::from_slice(&std::fs::read(full_dir.join("result.json"))?)?;
    assert_eq!(s(&chat, "type"), "public_channel");
    assert!(chat.get("id").is_some_and(Value::is_u64));

    let bad_positions: BTreeMap<String, MalformedKind> = summary
        .malformed
        .iter()
        .filter(|m| m.file == tg.chat_file)
        .map(|m| (m.position.clone(), m.kind))
        .collect();

    let mut accounts = BTreeSet::new();
    let mut photo_messages = 0;
    let mut bad_refs = 0;
    let mut forwarded = 0;
    let mut replies = 0;
    let mut rich = 0;
    let mut count = |chat: &Value,
                     prefix: &str,
                     folder: &Path,
                     bad_expected: bool|
     -> Result<(usize, usize), Box<dyn Error>> {
        let messages = arr(chat, "messages");
        let ids: HashSet<u64> = messages
            .iter()
            .filter_map(|m| m.get("id").and_then(Value::as_u64))
            .collect();
        let mut service = 0;
        for (k, m) in messages.iter().enumerate() {
            let id = m
                .get("id")
                .and_then(Value::as_u64)
                .ok_or("message without id")?;
            let unix: i64 = s(m, "date_unixtime").parse()?;
            assert!((1_704_067_200..1_711_929_600).contains(&unix));
            assert_eq!(s(m, "date").len(), 19);
            if s(m, "type") == "service" {
                service += 1;
                continue;
            }
            accounts.insert(s(m, "from_id").to_owned());
            assert!(s(m, "from_id").starts_with("channel") || s(m, "from_id").starts_with("user"));
            telegram_text(m).1.then(|| rich += 1);
            if m.get("forwarded_from").is_some() {
                forwarded += 1;
            }
            if let Some(r) = m.get("reply_to_message_id").and_then(Value::as_u64) {
                replies += 1;
                assert!(ids.contains(&r) && r < id);
            }
            let position = format!("{prefix}messages[{k}] (id {id})");
            let listed = bad_positions.get(&position);
            if let Some(photo) = m.get("photo").and_then(Value::as_str) {
                let exists = !photo.starts_with('/')
                    && !photo.contains("..")
                    && folder.join(photo).is_file();
                if exists {
                    photo_messages += 1;
                    assert!(listed.is_none());
                    let bytes = std::fs::read(folder.join(photo))?;
                    assert!(bytes.starts_with(&[0xFF, 0xD8, 0xFF]));
                    assert_eq!(
                        m.get("photo_file_size").and_then(Value::as_u64),
                        Some(bytes.len() as u64)
                    );
                } else {
                    bad_refs += 1;
                    assert!(bad_expected && listed.is_some(), "{position}: {photo}");
                }
            }
            if m.get("file").is_some() {
                bad_refs += 1;
                assert_eq!(listed, Some(&MalformedKind::MediaNotExported));
            }
        }
        Ok((messages.len(), service))
    };
    let (chat_messages, chat_service) = count(&chat, "", &chat_dir, true)?;
    assert_eq!(chat_messages, tg.chat_messages);
    assert_eq!(chat_service, tg.chat_service_messages);
    assert_eq!(chat_messages - chat_service, tg.chat_posts);

    let mut full_messages = 0;
    let mut full_service = 0;
    let chats = arr(full.get("chats").unwrap_or(&Value::Null), "list");
    let left = arr(full.get("left_chats").unwrap_or(&Value::Null), "list");
    assert_eq!(chats.len() + left.len(), tg.full_export_chats);
    for (k, c) in chats.iter().enumerate() {
        let (m, sv) = count(c, &format!("chats.list[{k}]."), &full_dir, false)?;
        full_messages += m;
        full_service += sv;
    }
    for (k, c) in left.iter().enumerate() {
        let (m, sv) = count(c, &format!("left_chats.list[{k}]."), &full_dir, false)?;
        full_messages += m;
        full_service += sv;
    }
    assert_eq!(full_messages, tg.full_export_messages);
    assert_eq!(full_service, tg.full_export_service_messages);
    assert_eq!(full_messages - full_service, tg.full_export_posts);
    assert_eq!(tg.posts, tg.chat_posts + tg.full_export_posts);
    assert_eq!(accounts.len(), tg.accounts);
    assert_eq!(photo_messages, tg.photo_messages);
    assert_eq!(bad_refs, tg.bad_media_refs);
    assert_eq!(bad_refs, bad_positions.len());
    assert_eq!(forwarded, tg.forwarded);
    assert_eq!(replies, tg.replies);
    assert_eq!(rich, tg.rich_texts);
    let photo_files = summary
        .files
        .iter()
        .filter(|f| f.starts_with("telegram/") && f.contains("/photos/"))
        .count();
    assert_eq!(photo_files, tg.photo_files);
    let kinds: BTreeSet<String> = bad_positions.values().map(|k| format!("{k:?}")).collect();
    assert_eq!(kinds.len(), 4, "{kinds:?}");
    Ok(())
}

#[test]
fn generic_files_match_the_summary() -> TestResult {
    let (dir, summary) = small()?;
    let g = &summary.generic;
    let generic_dir = dir.path().join("generic");
    let bytes = std::fs::read(generic_dir.join("posts.jsonl"))?;
    let lines = lines_of(&bytes);
    assert_eq!(lines.len(), g.jsonl_lines);
    let bad_lines = malformed_lines(&summary, &g.jsonl_file);
    assert_eq!(bad_lines.len(), 3);

    let mut posts = BTreeSet::new();
    let mut account_records = 0;
    let mut accounts = BTreeSet::new();
    let mut local_refs = 0;
    let key_of = |v: &Value| -> String {
        match v {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        }
    };
    for (k, line) in lines.iter().enumerate() {
        let listed = bad_lines.get(&(k + 1)).cloned().unwrap_or_default();
        let Ok(text) = std::str::from_utf8(line) else {
            assert_eq!(listed, vec![MalformedKind::InvalidUtf8]);
            continue;
        };
        let Ok(record) = serde_json::from_str::<Value>(text) else {
            assert_eq!(listed, vec![MalformedKind::NotJson]);
            continue;
        };
        let platform = record
            .get("platform")
            .and_then(Value::as_str)
            .unwrap_or("generic")
            .to_owned();
        if s(&record, "record") == "account" {
            account_records += 1;
            accounts.insert((platform, s(&record, "id").to_owned()));
            continue;
        }
        let Some(id) = record.get("id") else {
            assert_eq!(listed, vec![MalformedKind::MissingId]);
            continue;
        };
        assert!(
            listed.is_empty(),
            "line {} is listed but well formed",
            k + 1
        );
        assert!(
            posts.insert((platform.clone(), key_of(id))),
            "post {id} twice"
        );
        let account = if let Some(a) = record.get("account") {
            s(a, "id").to_owned()
        } else if let Some(id) = record.get("account_id") {
            key_of(id)
        } else {
            format!("@{}", s(&record, "account_handle"))
        };
        assert!(account.len() > 1);
        accounts.insert((platform, account));
        for m in arr(&record, "media") {
            if let Some(path) = m.get("path").and_then(Value::as_str) {
                local_refs += 1;
                assert!(generic_dir.join(path).is_file(), "{path} missing");
            }
        }
        for tag in arr(&record, "hashtags") {
            assert!(s(&record, "text").contains(&format!("#{}", tag.as_str().unwrap_or("?"))));
        }
    }
    assert_eq!(posts.len(), g.jsonl_posts);
    assert_eq!(account_records, g.jsonl_account_records);

    // CSV: read with a real CSV reader.
    let bad_csv = malformed_lines(&summary, &g.csv_file);
    let mut reader = csv::Reader::from_path(generic_dir.join("posts.csv"))?;
    let headers = reader.headers()?.clone();
    let col = |name: &str| {
        headers
            .iter()
            .position(|h| h == name)
            .ok_or(format!("no {name}"))
    };
    let (c_platform, c_id, c_text, c_account, c_handle, c_media) = (
        col("platform")?,
        col("id")?,
        col("text")?,
        col("account_id")?,
        col("account_handle")?,
        col("media")?,
    );
    let mut records = 0;
    let mut csv_posts = BTreeSet::new();
    let mut multiline = 0;
    let mut arabic = 0;
    let mut with_comma = 0;
    for row in reader.records() {
        let row = row?;
        records += 1;
        let line = row.position().map(|p| p.line() as usize).unwrap_or(0);
        let field = |c: usize| row.get(c).unwrap_or_default();
        if field(c_id).is_empty() {
            assert_eq!(
                bad_csv.get(&line),
                Some(&vec![MalformedKind::MissingId]),
                "line {line}"
            );
            continue;
        }
        let platform = match field(c_platform) {
            "" => "generic",
            p => p,
        };
        assert!(csv_posts.insert((platform.to_owned(), field(c_id).to_owned())));
        assert!(!posts.contains(&(platform.to_owned(), field(c_id).to_owned())));
        let account = match field(c_account) {
            "" => format!("@{}", field(c_handle)),
            id => id.to_owned(),
        };
        accounts.insert((platform.to_owned(), account));
        let text = field(c_text);
        multiline += usize::from(text.contains('\n'));
        with_comma += usize::from(text.contains(','));
        arabic += usize::from(text.chars().any(|c| ('\u{0600}'..='\u{06FF}').contains(&c)));
        for item in field(c_media).split('|').filter(|m| !m.is_empty()) {
            if !item.starts_with("https://") {
                local_refs += 1;
                assert!(generic_dir.join(item).is_file(), "{item} missing");
            }
        }
    }
    assert_eq!(records, g.csv_records);
    assert_eq!(csv_posts.len(), g.csv_posts);
    assert_eq!(g.posts, g.jsonl_posts + g.csv_posts);
    assert_eq!(accounts.len(), g.accounts);
    assert_eq!(local_refs, g.local_media_refs);
    assert!(multiline > 0 && arabic > 0 && with_comma > 0);
    let media_files = summary
        .files
        .iter()
        .filter(|f| f.starts_with("generic/media/"))
        .count();
    assert_eq!(media_files, g.media_files);
    Ok(())
}

#[test]
fn media_counts_match_the_files() -> TestResult {
    let (dir, summary) = small()?;
    let tree = read_tree(dir.path())?;
    let is_png = |b: &[u8]| b.starts_with(b"\x89PNG\r\n\x1a\n");
    let is_jpeg = |b: &[u8]| b.starts_with(&[0xFF, 0xD8, 0xFF]) && b.ends_with(&[0xFF, 0xD9]);
    let images: Vec<(&String, &Vec<u8>)> = tree
        .iter()
        .filter(|(_, b)| is_png(b) || is_jpeg(b))
        .collect();
    assert_eq!(images.len(), summary.media.image_files);
    let distinct: HashSet<&Vec<u8>> = images.iter().map(|(_, b)| *b).collect();
    assert_eq!(distinct.len(), summary.media.distinct_images);
    assert_eq!(summary.media.duplicate_files, images.len() - distinct.len());
    assert!(summary.media.duplicate_files > 0);
    let png = images.iter().filter(|(_, b)| is_png(b)).count();
    assert_eq!(png, summary.media.png_files);
    assert_eq!(images.len() - png, summary.media.jpeg_files);
    assert!(png > 0 && summary.media.jpeg_files > 0);

    let attached: HashSet<&Vec<u8>> = images
        .iter()
        .filter(|(p, _)| !p.starts_with("media/"))
        .map(|(_, b)| *b)
        .collect();
    let loose: Vec<&(&String, &Vec<u8>)> = images
        .iter()
        .filter(|(p, _)| p.starts_with("media/"))
        .collect();
    assert_eq!(loose.len(), summary.media.loose_files);
    let shared = loose.iter().filter(|(_, b)| attached.contains(b)).count();
    assert_eq!(shared, summary.media.loose_shared_with_posts);
    assert!(shared > 0);
    let mislabeled: Vec<String> = images
        .iter()
        .filter(|(p, b)| p.ends_with(".png") != is_png(b))
        .map(|(p, _)| (*p).clone())
        .collect();
    assert_eq!(mislabeled, summary.media.mislabeled_files);

    // Some Telegram photos of the whole export are byte copies of the chat's photos.
    let chat: HashSet<&Vec<u8>> = images
        .iter()
        .filter(|(p, _)| p.starts_with("telegram/ChatExport"))
        .map(|(_, b)| *b)
        .collect();
    assert!(
        images
            .iter()
            .any(|(p, b)| p.starts_with("telegram/full_export/") && chat.contains(b))
    );
    Ok(())
}

/// A host name on a domain reserved by RFC 2606: `example.com`, `example.org`, `example.net` or a
/// subdomain of them, or a name under the `.example` top-level domain.
fn reserved_host(host: &str) -> bool {
    ["example.com", "example.org", "example.net"]
        .iter()
        .any(|d| host == *d || host.ends_with(&format!(".{d}")))
        || host.ends_with(".example")
}

#[test]
fn every_json_file_parses_and_links_stay_on_example_domains() -> TestResult {
    let (dir, summary) = small()?;
    let tree = read_tree(dir.path())?;
    for (path, bytes) in &tree {
        if path.ends_with(".json") {
            serde_json::from_slice::<Value>(bytes).map_err(|e| format!("{path}: {e}"))?;
        }
        let text_file = [".json", ".jsonl", ".csv", ".labels", ".list"]
            .iter()
            .any(|ext| path.ends_with(ext));
        if text_file {
            let text = String::from_utf8_lossy(bytes);
            for (at, _) in text.match_indices("://") {
                let host: String = text[at + 3..]
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '.' || *c == '-')
                    .collect();
                assert!(reserved_host(&host), "{path}: link to {host}");
            }
        }
    }
    assert!(summary.files.iter().any(|f| f == "x/single_response.json"));
    Ok(())
}

#[test]
fn write_x_v2_jsonl_writes_exactly_n_tweets() -> TestResult {
    let mut buf = Vec::new();
    let written = vigie_sample::write_x_v2_jsonl(&mut buf, 1234, 57, 3)?;
    assert_eq!(written, buf.len() as u64);
    let lines = lines_of(&buf);
    assert_eq!(lines.len(), 13);
    let mut ids = HashSet::new();
    let mut referenced = HashSet::new();
    let mut users = HashSet::new();
    for line in &lines {
        let response: Value = serde_json::from_slice(line)?;
        let data = arr(&response, "data");
        assert!(data.len() <= 100);
        for t in data {
            assert!(ids.insert(s(t, "id").to_owned()));
            check_entities(t);
        }
        let includes = response.get("includes").cloned().unwrap_or(Value::Null);
        referenced.extend(
            arr(&includes, "tweets")
                .iter()
                .map(|t| s(t, "id").to_owned()),
        );
        users.extend(
            arr(&includes, "users")
                .iter()
                .map(|u| s(u, "id").to_owned()),
        );
        assert!(!arr(&includes, "users").is_empty());
    }
    assert_eq!(ids.len(), 1234);
    // Referenced tweets only repeat tweets of `data`: the stream holds exactly N posts.
    assert!(referenced.is_subset(&ids));
    assert!(users.len() <= 57);

    let mut again = Vec::new();
    vigie_sample::write_x_v2_jsonl(&mut again, 1234, 57, 3)?;
    assert_eq!(buf, again);

    let mut empty = Vec::new();
    assert_eq!(vigie_sample::write_x_v2_jsonl(&mut empty, 0, 10, 3)?, 0);
    assert!(empty.is_empty());
    assert!(matches!(
        vigie_sample::write_x_v2_jsonl(Vec::new(), 10, 0, 3),
        Err(SampleError::Config { .. })
    ));
    Ok(())
}

#[test]
fn encoded_images_start_with_their_magic_bytes() -> TestResult {
    for (seed, w, h) in [(1, 160, 120), (2, 320, 240), (3, 240, 320)] {
        let rgb = vigie_sample::draw_image(seed, w, h);
        assert_eq!(rgb.len(), (w * h * 3) as usize);
        let png = vigie_sample::encode_png(&rgb, w, h)?;
        assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"));
        let jpeg = vigie_sample::encode_jpeg(&rgb, w, h, 85)?;
        assert!(jpeg.starts_with(&[0xFF, 0xD8, 0xFF]));
        assert_eq!(png, vigie_sample::encode_png(&rgb, w, h)?);
        assert_eq!(jpeg, vigie_sample::encode_jpeg(&rgb, w, h, 85)?);
    }
    Ok(())
}

#[test]
fn configs_below_the_minimums_are_refused() {
    let dir = std::env::temp_dir().join("vigie-sample-never-written");
    for config in [
        SampleConfig {
            accounts: 5,
            ..SampleConfig::small()
        },
        SampleConfig {
            posts: 50,
            ..SampleConfig::small()
        },
        SampleConfig {
            images: 2,
            ..SampleConfig::small()
        },
        SampleConfig {
            images: 2000,
            ..SampleConfig::small()
        },
    ] {
        assert!(matches!(
            generate(&dir, &config),
            Err(SampleError::Config { .. })
        ));
    }
    assert!(!dir.exists());
}

#[test]
fn the_smallest_accepted_config_works() -> TestResult {
    let dir = tempfile::tempdir()?;
    let config = SampleConfig {
        seed: 1,
        accounts: 20,
        posts: 200,
        images: 12,
    };
    let summary = generate(dir.path(), &config)?;
    assert_eq!(summary.labelled.corpus_posts, 40);
    assert_eq!(summary.labelled.train.posts, 133);
    assert_eq!(summary.posts, 200 + 40 + summary.network.posts);
    assert_eq!(summary.media.distinct_images, 12 + summary.network.pictures);
    assert_eq!(summary.malformed.len(), 11);
    Ok(())
}

fn read_labels(path: &Path) -> Result<Vec<LabelledPost>, Box<dyn Error>> {
    let bytes = std::fs::read(path)?;
    lines_of(&bytes)
        .into_iter()
        .map(|line| Ok(serde_json::from_slice::<LabelledPost>(line)?))
        .collect()
}

#[test]
fn labelled_files_match_the_summary() -> TestResult {
    let (dir, summary) = small()?;
    let l = &summary.labelled;
    for file in [
        &l.train_file,
        &l.eval_file,
        &l.file_hosts_file,
        &l.corpus_file,
    ] {
        assert!(summary.files.contains(file), "{file} not listed");
    }
    let train = read_labels(&dir.path().join(&l.train_file))?;
    let eval = read_labels(&dir.path().join(&l.eval_file))?;
    assert_eq!(train.len(), 2000);
    assert_eq!(eval.len(), 600);
    for (set, counts) in [(&train, &l.train), (&eval, &l.eval)] {
        assert_eq!(set.len(), counts.posts);
        let positives = set.iter().filter(|p| p.label).count();
        assert_eq!(positives, counts.positives);
        assert_eq!(set.len() - positives, counts.negatives);
        let share = positives as f64 / set.len() as f64;
        assert!(
            (0.33..0.47).contains(&share),
            "{positives} of {}",
            set.len()
        );
        let mut per_category = BTreeMap::new();
        for p in set.iter() {
            *per_category.entry(p.category.clone()).or_insert(0) += 1;
            assert_eq!(p.label, violating().contains(&p.category.as_str()), "{p:?}");
        }
        assert_eq!(per_category, counts.per_category);
        // Every violating category of the taxonomy and every kind of hard negative.
        assert_eq!(per_category.len(), 14, "{per_category:?}");
        for n in [counts.langs.fr, counts.langs.en, counts.langs.ar] {
            let share = n as f64 / set.len() as f64;
            assert!((0.27..0.40).contains(&share), "{:?}", counts.langs);
        }
    }
    // The two sets share no id, no text and no template.
    let train_ids: HashSet<&str> = train.iter().map(|p| p.id.as_str()).collect();
    let train_texts: HashSet<&str> = train.iter().map(|p| p.text.as_str()).collect();
    let train_templates: HashSet<&str> = train.iter().map(|p| p.template.as_str()).collect();
    assert_eq!(train_ids.len(), train.len());
    assert!(eval.iter().all(|p| !train_ids.contains(p.id.as_str())));
    assert!(eval.iter().all(|p| !train_texts.contains(p.text.as_str())));
    assert!(
        eval.iter()
            .all(|p| !train_templates.contains(p.template.as_str()))
    );
    // Each (language, violating category) is in both sets.
    for lang in ["fr", "en", "ar"] {
        for category in violating() {
            for set in [&train, &eval] {
                assert!(
                    set.iter()
                        .any(|p| p.language == lang && p.category == category),
                    "{lang} {category}"
                );
            }
        }
    }

    // The file-host list, read with a real CSV reader.
    let mut reader = csv::Reader::from_path(dir.path().join(&l.file_hosts_file))?;
    assert_eq!(
        reader.headers()?.iter().collect::<Vec<_>>(),
        ["domain", "category", "weight", "note"]
    );
    let mut hosts = Vec::new();
    for row in reader.records() {
        let row = row?;
        assert_eq!(row.get(1), Some("file_host"));
        let weight: f64 = row.get(2).unwrap_or("x").parse()?;
        assert!((0.0..=1.0).contains(&weight));
        let domain = row.get(0).unwrap_or_default().to_owned();
        assert!(reserved_host(&domain), "{domain}");
        hosts.push(domain);
    }
    assert_eq!(hosts.len(), l.file_hosts);

    // The corpus file holds the evaluation posts, in order, as generic JSONL posts.
    let bytes = std::fs::read(dir.path().join(&l.corpus_file))?;
    let lines = lines_of(&bytes);
    assert_eq!(lines.len(), l.corpus_posts);
    let mut accounts = BTreeSet::new();
    let mut with_file_host = 0;
    let mut with_hashtag = 0;
    for (line, post) in lines.iter().zip(&eval) {
        let record: Value = serde_json::from_slice(line)?;
        assert_eq!(s(&record, "platform"), l.corpus_platform);
        assert_eq!(s(&record, "id"), post.id);
        assert_eq!(s(&record, "text"), post.text);
        assert!(!s(&record, "created_at").is_empty());
        assert!(!s(&record, "account_handle").is_empty());
        accounts.insert(s(&record, "account_id").to_owned());
        for tag in arr(&record, "hashtags") {
            assert!(
                post.text
                    .contains(&format!("#{}", tag.as_str().unwrap_or("?")))
            );
        }
        for url in arr(&record, "urls") {
            assert!(post.text.contains(url.as_str().unwrap_or("?")));
        }
        if post.category == "distribution" {
            with_file_host += usize::from(
                hosts
                    .iter()
                    .any(|h| post.text.contains(&format!("https://{h}/"))),
            );
            with_hashtag += usize::from(post.text.contains('#'));
        }
    }
    assert_eq!(accounts.len(), l.corpus_accounts);
    assert!((24..=60).contains(&accounts.len()), "{}", accounts.len());
    assert!(
        with_file_host > 30 && with_hashtag > 10,
        "{with_file_host} {with_hashtag}"
    );
    Ok(())
}
