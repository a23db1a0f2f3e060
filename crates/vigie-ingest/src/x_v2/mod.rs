//! X / Twitter API v2 responses: one response per `.json` file, or one per line of a JSONL file.
//!
//! A response is parsed in one go into typed structs (the fast path). When that fails, the response is
//! parsed loosely and each tweet, user and medium is converted on its own, so one bad tweet is quarantined
//! with its JSON path and the other ninety-nine are kept.

#[cfg(test)]
mod tests;

use crate::detect::Input;
use crate::error::{IngestError, Stop};
use crate::finish::finish_post;
use crate::json_depth::{MAX_JSON_DEPTH, depth_at_most};
use crate::lines::{CappedLines, Line};
use crate::options::IngestOptions;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use std::collections::HashMap;
use vigie_model::{
    Account, Attachment, MediaKind, Platform, Position, Post, PostRef, QuarantinedRecord, Record,
    RefKind, Source, Timestamp,
};

/// `data` holds an array of tweets (search, timelines) or one tweet (single lookup). Deserialized by peeking
/// at the JSON type rather than with an untagged enum, which would buffer the whole array and parse it twice.
enum OneOrMany<T> {
    Many(Vec<T>),
    One(T),
}

impl<T> OneOrMany<T> {
    fn into_vec(self) -> Vec<T> {
        match self {
            OneOrMany::Many(v) => v,
            OneOrMany::One(t) => vec![t],
        }
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for OneOrMany<T> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(std::marker::PhantomData<T>);
        impl<'de, T: Deserialize<'de>> serde::de::Visitor<'de> for V<T> {
            type Value = OneOrMany<T>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a tweet object or an array of tweets")
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<Self::Value, A::Error> {
                let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(100).min(1000));
                while let Some(item) = seq.next_element()? {
                    items.push(item);
                }
                Ok(OneOrMany::Many(items))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                map: A,
            ) -> Result<Self::Value, A::Error> {
                T::deserialize(serde::de::value::MapAccessDeserializer::new(map))
                    .map(OneOrMany::One)
            }
        }
        d.deserialize_any(V(std::marker::PhantomData))
    }
}

#[derive(Deserialize)]
struct Response {
    data: Option<OneOrMany<Tweet>>,
    #[serde(default)]
    includes: Includes,
}

#[derive(Deserialize, Default)]
struct Includes {
    #[serde(default)]
    users: Vec<User>,
    #[serde(default)]
    media: Vec<Media>,
    #[serde(default)]
    tweets: Vec<Tweet>,
}

#[derive(Deserialize)]
struct LooseResponse {
    data: Option<serde_json::Value>,
    #[serde(default)]
    includes: LooseIncludes,
}

#[derive(Deserialize, Default)]
struct LooseIncludes {
    #[serde(default)]
    users: Vec<serde_json::Value>,
    #[serde(default)]
    media: Vec<serde_json::Value>,
    #[serde(default)]
    tweets: Vec<serde_json::Value>,
}

#[derive(Deserialize)]
struct Tweet {
    id: String,
    text: Option<String>,
    author_id: Option<String>,
    created_at: Option<String>,
    lang: Option<String>,
    referenced_tweets: Option<Vec<ReferencedTweet>>,
    entities: Option<Entities>,
    attachments: Option<Attachments>,
    /// A post longer than 280 characters: `text` holds its first 280 and a link, this its full text and the
    /// entities found in it (delivered with `tweet.fields=note_tweet`).
    note_tweet: Option<NoteTweet>,
}

#[derive(Deserialize)]
struct NoteTweet {
    text: Option<String>,
    entities: Option<Entities>,
}

#[derive(Deserialize)]
struct ReferencedTweet {
    #[serde(rename = "type")]
    kind: String,
    id: String,
}

#[derive(Deserialize)]
struct Entities {
    #[serde(default)]
    hashtags: Vec<Tag>,
    #[serde(default)]
    urls: Vec<UrlEntity>,
    #[serde(default)]
    mentions: Vec<Mention>,
}

#[derive(Deserialize)]
struct Tag {
    tag: String,
}

#[derive(Deserialize)]
struct UrlEntity {
    url: Option<String>,
    expanded_url: Option<String>,
    unwound_url: Option<String>,
}

#[derive(Deserialize)]
struct Mention {
    username: String,
}

#[derive(Deserialize)]
struct Attachments {
    #[serde(default)]
    media_keys: Vec<String>,
}

#[derive(Deserialize)]
struct User {
    id: String,
    username: Option<String>,
    name: Option<String>,
    description: Option<String>,
    profile_image_url: Option<String>,
    created_at: Option<String>,
    public_metrics: Option<UserMetrics>,
}

#[derive(Deserialize)]
struct UserMetrics {
    followers_count: Option<i64>,
    following_count: Option<i64>,
    tweet_count: Option<i64>,
}

#[derive(Deserialize)]
struct Media {
    media_key: String,
    #[serde(rename = "type")]
    kind: Option<String>,
    url: Option<String>,
    preview_image_url: Option<String>,
    width: Option<u32>,
    height: Option<u32>,
}

pub(crate) fn read(
    input: &Input,
    options: &IngestOptions,
    sink: &mut dyn FnMut(Record) -> Result<(), Stop>,
) -> Result<(), IngestError> {
    let file = std::fs::File::open(&input.path).map_err(|e| IngestError::io(&input.path, e))?;
    if input.lines {
        let mut lines = CappedLines::new(file, options.max_record_bytes);
        while let Some((line_no, line)) = lines
            .next_line()
            .map_err(|e| IngestError::io(&input.path, e))?
        {
            let at = Where {
                file: &input.display,
                line: Some(line_no),
            };
            match line {
                Line::TooLong(head) => {
                    let reason = format!(
                        "response longer than the {}-byte limit",
                        options.max_record_bytes
                    );
                    sink(at.quarantine("$", reason, head))?;
                }
                Line::Text(bytes) if bytes.iter().all(u8::is_ascii_whitespace) => {}
                Line::Text(bytes) => read_response(bytes, &at, sink)?,
            }
        }
    } else {
        let len = file
            .metadata()
            .map_err(|e| IngestError::io(&input.path, e))?
            .len();
        let at = Where {
            file: &input.display,
            line: None,
        };
        if len > options.max_record_bytes as u64 {
            let reason = format!(
                "response file larger than the {}-byte limit",
                options.max_record_bytes
            );
            sink(at.quarantine("$", reason, b""))?;
            return Ok(());
        }
        let bytes = std::fs::read(&input.path).map_err(|e| IngestError::io(&input.path, e))?;
        read_response(&bytes, &at, sink)?;
    }
    Ok(())
}

/// Where a response sits: its file and, for JSONL, its line.
struct Where<'a> {
    file: &'a str,
    line: Option<u64>,
}

impl Where<'_> {
    fn position(&self, path: String) -> Position {
        match self.line {
            Some(n) if path == "$" => Position::Line(n),
            Some(n) => Position::LinePath(n, path),
            None => Position::JsonPath(path),
        }
    }
    fn quarantine(&self, path: &str, reason: String, raw: &[u8]) -> Record {
        Record::Quarantine(QuarantinedRecord::new(
            self.file,
            self.position(path.to_owned()),
            reason,
            raw,
        ))
    }
}

fn read_response(
    bytes: &[u8],
    at: &Where<'_>,
    sink: &mut dyn FnMut(Record) -> Result<(), Stop>,
) -> Result<(), Stop> {
    // The fast path uses a SIMD JSON parser, which recurses without a depth limit, so only documents that
    // pass the depth check take it; serde_json (limit 128) is the fallback, and the slow path below decides
    // what is quarantined, with its line and column.
    let fast = if depth_at_most(bytes, MAX_JSON_DEPTH) {
        sonic_rs::from_slice::<Response>(bytes).ok()
    } else {
        None
    };
    if let Some(response) = fast.or_else(|| serde_json::from_slice::<Response>(bytes).ok()) {
        let tweets = response.data.map(OneOrMany::into_vec).unwrap_or_default();
        let tweets = tweets
            .into_iter()
            .enumerate()
            .map(|(i, t)| (format!("$.data[{i}]"), t));
        let included = response.includes.tweets.into_iter().enumerate();
        let included = included.map(|(i, t)| (format!("$.includes.tweets[{i}]"), t));
        return emit(
            tweets.chain(included).collect(),
            response.includes.users,
            response.includes.media,
            at,
            sink,
        );
    }
    // Slow path: find out what is wrong, element by element.
    let value: serde_json::Value = match serde_json::from_slice(bytes) {
        Ok(v) => v,
        Err(e) => {
            let reason = match std::str::from_utf8(bytes) {
                Err(u) => format!("invalid UTF-8 at byte {}", u.valid_up_to()),
                Ok(_) if e.is_eof() => format!("truncated JSON: {e}"),
                Ok(_) => format!("invalid JSON: {e}"),
            };
            return sink(at.quarantine("$", reason, bytes));
        }
    };
    if !value.is_object() {
        return sink(at.quarantine(
            "$",
            "not an X API v2 response: expected a JSON object".to_owned(),
            bytes,
        ));
    }
    let loose: LooseResponse = match LooseResponse::deserialize(&value) {
        Ok(l) => l,
        Err(e) => return sink(at.quarantine("$", format!("not an X API v2 response: {e}"), bytes)),
    };
    let data = match loose.data {
        None | Some(serde_json::Value::Null) => Vec::new(),
        Some(serde_json::Value::Array(items)) => items,
        Some(one) => vec![one],
    };
    let mut tweets = Vec::new();
    take_each(data, "$.data", at, sink, &mut tweets)?;
    let mut included = Vec::new();
    take_each(
        loose.includes.tweets,
        "$.includes.tweets",
        at,
        sink,
        &mut included,
    )?;
    tweets.extend(included);
    let mut users = Vec::new();
    take_each(
        loose.includes.users,
        "$.includes.users",
        at,
        sink,
        &mut users,
    )?;
    let mut media = Vec::new();
    take_each(
        loose.includes.media,
        "$.includes.media",
        at,
        sink,
        &mut media,
    )?;
    emit(
        tweets,
        users.into_iter().map(|(_, u)| u).collect(),
        media.into_iter().map(|(_, m)| m).collect(),
        at,
        sink,
    )
}

fn take_each<T: DeserializeOwned>(
    values: Vec<serde_json::Value>,
    prefix: &str,
    at: &Where<'_>,
    sink: &mut dyn FnMut(Record) -> Result<(), Stop>,
    out: &mut Vec<(String, T)>,
) -> Result<(), Stop> {
    for (i, value) in values.into_iter().enumerate() {
        let path = format!("{prefix}[{i}]");
        match T::deserialize(&value) {
            Ok(t) => out.push((path, t)),
            Err(e) => {
                let raw = serde_json::to_vec(&value).unwrap_or_default();
                sink(at.quarantine(&path, format!("invalid record: {e}"), &raw))?;
            }
        }
    }
    Ok(())
}

fn emit(
    tweets: Vec<(String, Tweet)>,
    users: Vec<User>,
    media: Vec<Media>,
    at: &Where<'_>,
    sink: &mut dyn FnMut(Record) -> Result<(), Stop>,
) -> Result<(), Stop> {
    let media: HashMap<&str, &Media> = media.iter().map(|m| (m.media_key.as_str(), m)).collect();
    let mut posts = Vec::with_capacity(tweets.len());
    let mut newest_by_author: HashMap<String, Timestamp> = HashMap::new();
    for (path, tweet) in tweets {
        match to_post(tweet, &media) {
            Ok(mut post) => {
                if let (Some(author), Some(t)) = (&post.account_id, post.created_at) {
                    let newest = newest_by_author.entry(author.clone()).or_insert(t);
                    *newest = (*newest).max(t);
                }
                post.source = Some(Source {
                    file: at.file.to_owned(),
                    position: at.position(path),
                });
                posts.push(post);
            }
            Err(reason) => sink(at.quarantine(&path, reason, b""))?,
        }
    }
    for (i, user) in users.into_iter().enumerate() {
        match to_account(user, &newest_by_author) {
            Ok(account) => sink(Record::Account(account))?,
            Err(reason) => sink(at.quarantine(&format!("$.includes.users[{i}]"), reason, b""))?,
        }
    }
    for post in posts {
        sink(Record::Post(post))?;
    }
    Ok(())
}

fn time(field: &str, value: Option<String>) -> Result<Option<Timestamp>, String> {
    value
        .map(|v| Timestamp::parse(&v).map_err(|e| format!("{field}: {e}")))
        .transpose()
}

fn to_post(t: Tweet, media: &HashMap<&str, &Media>) -> Result<Post, String> {
    if t.id.trim().is_empty() {
        return Err("empty tweet `id`".to_owned());
    }
    let mut post = Post::with_id(Platform::x(), t.id);
    post.account_id = t.author_id;
    post.created_at = time("created_at", t.created_at)?;
    // The full text of a long post, with the entities of the full text.
    let (text, entities) = match t.note_tweet {
        Some(NoteTweet {
            text: Some(full),
            entities,
        }) if !full.trim().is_empty() => (Some(full), entities.or(t.entities)),
        _ => (t.text, t.entities),
    };
    post.text = text;
    post.lang = t.lang;
    for r in t.referenced_tweets.unwrap_or_default() {
        let kind = match r.kind.as_str() {
            "replied_to" => RefKind::ReplyTo,
            "quoted" => RefKind::Quote,
            "retweeted" => RefKind::Repost,
            other => return Err(format!("referenced_tweets: unknown type {other:?}")),
        };
        post.references.push(PostRef {
            kind,
            target_post_id: Some(r.id),
            target_account: None,
        });
    }
    if let Some(e) = entities {
        post.hashtags = e.hashtags.into_iter().map(|h| h.tag).collect();
        post.urls = e
            .urls
            .into_iter()
            .filter_map(|u| u.unwound_url.or(u.expanded_url).or(u.url))
            .collect();
        post.mentions = e.mentions.into_iter().map(|m| m.username).collect();
    }
    for key in t.attachments.map(|a| a.media_keys).unwrap_or_default() {
        let found = media.get(key.as_str());
        let mut att = Attachment::new(
            found
                .and_then(|m| m.kind.as_deref())
                .map(MediaKind::parse)
                .unwrap_or(MediaKind::Photo),
        );
        if let Some(m) = found {
            att.url = m.url.clone().or_else(|| m.preview_image_url.clone());
            att.width = m.width;
            att.height = m.height;
        }
        att.media_key = Some(key);
        post.attachments.push(att);
    }
    finish_post(&mut post, false);
    Ok(post)
}

fn to_account(u: User, newest_by_author: &HashMap<String, Timestamp>) -> Result<Account, String> {
    if u.id.trim().is_empty() {
        return Err("empty user `id`".to_owned());
    }
    let mut account = Account::with_id(Platform::x(), u.id);
    account.observed_at = newest_by_author.get(&account.platform_id).copied();
    account.handle = u.username;
    account.display_name = u.name;
    account.bio = u.description.filter(|d| !d.is_empty());
    account.avatar_url = u.profile_image_url;
    account.created_at = time("created_at", u.created_at)?;
    if let Some(m) = u.public_metrics {
        account.followers = m.followers_count;
        account.following = m.following_count;
        account.post_count = m.tweet_count;
    }
    Ok(account)
}
