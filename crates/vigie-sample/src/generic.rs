//! The generic formats of `docs/formats.md`: JSONL (one post or account record per line) and CSV (one
//! post per row, `|`-separated lists), for platforms that have no adapter of their own.

use std::collections::{BTreeSet, HashMap};
use std::ops::Range;

use serde::Serialize;

use crate::accounts::{self, POOL_GENERIC, Profile};
use crate::dates::{self, CORPUS_END, CORPUS_START};
use crate::error::SampleError;
use crate::media::Picture;
use crate::output::{ImageRole, Output};
use crate::rng::Rng;
use crate::summary::{GenericSummary, LangCounts, MalformedKind, MalformedRecord};
use crate::text::{self, Body, Lang, Style};

/// The JSONL file, relative to the corpus root.
pub(crate) const JSONL_FILE: &str = "generic/posts.jsonl";
/// The CSV file, relative to the corpus root.
pub(crate) const CSV_FILE: &str = "generic/posts.csv";

const S_JSONL: u64 = 0x3001;
const S_CSV: u64 = 0x3002;
const S_ACCOUNT_ID: u64 = 0x3003;
const S_AUTHOR: u64 = 0x3004;

const FORWARD_NAMES: &[&str] = &["Météo Régionale", "Weather Desk", "سوق المدينة"];

/// The platform of a generic account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Platform {
    Facebook,
    Instagram,
    /// No `platform` given (the reader's default, `generic`); these accounts are known by handle only.
    Unnamed,
}

impl Platform {
    fn of(g: usize) -> Platform {
        match g % 10 {
            0..=5 => Platform::Facebook,
            6..=8 => Platform::Instagram,
            _ => Platform::Unnamed,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Platform::Facebook => "facebook",
            Platform::Instagram => "instagram",
            Platform::Unnamed => "generic",
        }
    }
}

/// A JSON value that is sometimes a string and sometimes a number, as the format allows.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
enum StrOrNum {
    Str(String),
    Num(i64),
}

#[derive(Debug, Serialize)]
struct AccountObject {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<String>,
    handle: String,
    display_name: String,
    bio: String,
    avatar_url: String,
    created_at: String,
    followers: u64,
    following: u64,
    posts: u64,
}

#[derive(Debug, Serialize)]
struct AccountLine {
    record: &'static str,
    platform: &'static str,
    id: String,
    handle: String,
    display_name: String,
    bio: String,
    avatar_url: String,
    created_at: String,
    followers: u64,
    following: u64,
    posts: u64,
}

#[derive(Debug, Serialize)]
struct MediaEntry {
    #[serde(skip_serializing_if = "Option::is_none")]
    path: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    url: Option<String>,
    #[serde(rename = "type")]
    kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    width: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    height: Option<u32>,
}

#[derive(Debug, Serialize)]
struct PostLine {
    #[serde(skip_serializing_if = "Option::is_none")]
    record: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    platform: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<StrOrNum>,
    /// The post's public address, as platforms' own exports give it.
    #[serde(skip_serializing_if = "Option::is_none")]
    url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    created_at: Option<StrOrNum>,
    #[serde(skip_serializing_if = "Option::is_none")]
    text: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    lang: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    account: Option<AccountObject>,
    #[serde(skip_serializing_if = "Option::is_none")]
    account_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    account_handle: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    reply_to: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    quote_of: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    repost_of: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    forwarded_from: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    hashtags: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    urls: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    mentions: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    media: Option<Vec<MediaEntry>>,
}

/// The shape of the generic part.
#[derive(Debug, Clone)]
pub(crate) struct GenericPlan {
    pub seed: u64,
    pub accounts: usize,
    pub jsonl_posts: usize,
    pub csv_posts: usize,
    /// Pool pictures first posted here, written under `generic/media/`.
    pub pictures: Range<usize>,
    /// A pool picture already posted on Telegram, reposted here byte for byte.
    pub reposted: Option<usize>,
}

/// One post of either file, before it is written out.
#[derive(Debug, Clone)]
struct Post {
    platform: Platform,
    id: u64,
    author: usize,
    unix: i64,
    body: Body,
    reply_to: Option<String>,
    quote_of: Option<String>,
    repost_of: Option<String>,
    forwarded_from: Option<String>,
}

/// A generic media file: its path relative to `generic/` and its picture.
#[derive(Debug, Clone)]
struct LocalMedia {
    rel: String,
    width: u32,
    height: u32,
}

impl GenericPlan {
    fn account_id(&self, g: usize) -> Option<String> {
        let salt = Rng::derive(self.seed, S_ACCOUNT_ID, g as u64).below(1000);
        match Platform::of(g) {
            Platform::Facebook => Some((100_004_000_000 + g as u64 * 1000 + salt).to_string()),
            Platform::Instagram => Some((5_100_000_000 + g as u64 * 1000 + salt).to_string()),
            Platform::Unnamed => None,
        }
    }

    fn author(&self, stream: u64, i: usize) -> usize {
        if i.is_multiple_of(2) {
            return (i / 2) % self.accounts.max(1);
        }
        let mut rng = Rng::derive(self.seed, S_AUTHOR ^ stream, i as u64);
        rng.index(self.accounts).min(rng.index(self.accounts))
    }

    /// The key that makes an account distinct: its id, or `@handle` for handle-only accounts.
    fn account_key(&self, g: usize) -> (Platform, String) {
        let key = self
            .account_id(g)
            .unwrap_or_else(|| format!("@{}", accounts::handle(self.seed, POOL_GENERIC, g)));
        (Platform::of(g), key)
    }

    fn post_id_text(&self, p: &Post) -> String {
        match p.platform {
            Platform::Unnamed => format!("post-{}", p.id),
            _ => p.id.to_string(),
        }
    }

    /// Draws post `i` of a file (`stream` tells the files apart). References point to earlier posts of
    /// the same platform in `history`.
    fn post(
        &self,
        stream: u64,
        base: u64,
        i: usize,
        count: usize,
        history: &HashMap<Platform, Vec<(String, Body)>>,
    ) -> Post {
        let mut rng = Rng::derive(self.seed, stream, i as u64);
        let author = self.author(stream, i);
        let platform = Platform::of(author);
        let profile = accounts::profile(self.seed, POOL_GENERIC, author);
        let unix = dates::spread(i, count, CORPUS_START, CORPUS_END, &mut rng);
        let earlier = history.get(&platform).map(Vec::as_slice).unwrap_or(&[]);
        let pick_earlier = |rng: &mut Rng| {
            let back = rng.index(earlier.len().min(40)) + 1;
            earlier.get(earlier.len().saturating_sub(back)).cloned()
        };
        let roll = rng.below(1000);
        let (mut reply_to, mut quote_of, mut repost_of) = (None, None, None);
        let mut reposted_body = None;
        if !earlier.is_empty() {
            match roll {
                0..100 => reply_to = pick_earlier(&mut rng).map(|e| e.0),
                100..140 => quote_of = pick_earlier(&mut rng).map(|e| e.0),
                140..180 => {
                    if let Some((id, body)) = pick_earlier(&mut rng) {
                        repost_of = Some(id);
                        reposted_body = Some(body);
                    }
                }
                _ => {}
            }
        }
        let body = match reposted_body {
            Some(body) => body,
            None => {
                let lang = Lang::near(profile.lang, &mut rng);
                let mention = rng.chance(100).then(|| {
                    // A same-platform account, so that mentions name handles that exist there.
                    let mut g = rng.index(self.accounts);
                    while Platform::of(g) != platform && g > 0 {
                        g -= 1;
                    }
                    accounts::handle(self.seed, POOL_GENERIC, g)
                });
                text::compose(&mut rng, lang, mention.as_deref(), Style::GENERIC)
            }
        };
        let forwarded_from = rng.chance(40).then(|| rng.word(FORWARD_NAMES).to_owned());
        Post {
            platform,
            id: base + i as u64,
            author,
            unix,
            body,
            reply_to,
            quote_of,
            repost_of,
            forwarded_from,
        }
    }

    fn account_object(&self, g: usize, p: &Profile) -> AccountObject {
        AccountObject {
            id: self.account_id(g),
            handle: p.handle.clone(),
            display_name: p.display_name.clone(),
            bio: p.bio.clone(),
            avatar_url: format!("https://example.com/avatars/{}.png", p.handle),
            created_at: dates::rfc3339_utc(p.created_at),
            followers: p.followers,
            following: p.following,
            posts: p.posts,
        }
    }
}

fn json_line<T: Serialize>(value: &T) -> Result<Vec<u8>, SampleError> {
    let mut line = serde_json::to_vec(value).map_err(|source| SampleError::Json {
        what: "a generic JSONL record".to_owned(),
        source,
    })?;
    line.push(b'\n');
    Ok(line)
}

/// One line of the JSONL file, before line numbers are known.
enum Line {
    Post(Vec<u8>),
    Account(Vec<u8>),
    Malformed(Vec<u8>, MalformedKind, String),
}

/// Quotes a CSV field when it holds a comma, a quote, a line break or edge spaces (RFC 4180).
fn csv_field(s: &str) -> String {
    let needs = s.contains([',', '"', '\n', '\r']) || s.starts_with(' ') || s.ends_with(' ');
    if needs {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}

struct Tally {
    accounts: BTreeSet<(Platform, String)>,
    langs: LangCounts,
    local_media_refs: usize,
}

/// Writes `generic/media/`, `generic/posts.jsonl` and `generic/posts.csv`.
pub(crate) fn write(
    out: &mut Output,
    plan: &GenericPlan,
    pictures: &[Picture],
) -> Result<(GenericSummary, Vec<MalformedRecord>), SampleError> {
    // Media files first: posts point to them by path relative to the files' folder.
    let mut media: Vec<LocalMedia> = Vec::new();
    for idx in plan.pictures.clone() {
        let Some(p) = pictures.get(idx) else { continue };
        let rel = format!("media/img_{:04}.{}", idx + 1, p.format.ext());
        out.write_image(&format!("generic/{rel}"), &p.bytes, ImageRole::Attached)?;
        media.push(LocalMedia {
            rel,
            width: p.width,
            height: p.height,
        });
    }
    if let Some(p) = plan.reposted.and_then(|idx| pictures.get(idx)) {
        let rel = format!("media/repost_{:04}.{}", 1, p.format.ext());
        out.write_image(&format!("generic/{rel}"), &p.bytes, ImageRole::Attached)?;
        media.push(LocalMedia {
            rel,
            width: p.width,
            height: p.height,
        });
    }
    let media_files = media.len();
    let mut tally = Tally {
        accounts: BTreeSet::new(),
        langs: LangCounts::default(),
        local_media_refs: 0,
    };
    let mut malformed = Vec::new();
    let (jsonl_lines, jsonl_posts, account_records) =
        write_jsonl(out, plan, &media, &mut tally, &mut malformed)?;
    let (csv_records, csv_posts) = write_csv(out, plan, &media, &mut tally, &mut malformed)?;
    let summary = GenericSummary {
        jsonl_file: JSONL_FILE.to_owned(),
        csv_file: CSV_FILE.to_owned(),
        jsonl_lines,
        jsonl_posts,
        jsonl_account_records: account_records,
        csv_records,
        csv_posts,
        posts: jsonl_posts + csv_posts,
        accounts: tally.accounts.len(),
        media_files,
        local_media_refs: tally.local_media_refs,
        langs: tally.langs,
    };
    Ok((summary, malformed))
}

/// The slot (post index) of media file `k` of `n` spread over `posts` posts.
fn media_slot(k: usize, n: usize, posts: usize) -> usize {
    k * posts / n.max(1) + posts / (2 * n.max(1))
}

fn write_jsonl(
    out: &mut Output,
    plan: &GenericPlan,
    media: &[LocalMedia],
    tally: &mut Tally,
    malformed: &mut Vec<MalformedRecord>,
) -> Result<(usize, usize, usize), SampleError> {
    let n = plan.jsonl_posts;
    let mut slots: HashMap<usize, &LocalMedia> = HashMap::new();
    for (k, m) in media.iter().enumerate() {
        slots.insert(media_slot(k, media.len(), n), m);
    }
    let mut history: HashMap<Platform, Vec<(String, Body)>> = HashMap::new();
    let mut lines: Vec<Line> = Vec::with_capacity(n + 5);
    let mut authors_seen: Vec<usize> = Vec::new();
    for i in 0..n {
        let post = plan.post(S_JSONL, 7_100_000_000, i, n, &history);
        let mut rng = Rng::derive(plan.seed, S_JSONL ^ 0xFF, i as u64);
        let id_text = plan.post_id_text(&post);
        let profile = accounts::profile(plan.seed, POOL_GENERIC, post.author);
        let id = match post.platform {
            Platform::Unnamed => StrOrNum::Str(id_text.clone()),
            _ if rng.chance(300) => StrOrNum::Num(post.id as i64),
            _ => StrOrNum::Str(id_text.clone()),
        };
        let created_at = match rng.below(20) {
            0..12 => StrOrNum::Str(dates::rfc3339_utc(post.unix)),
            12..15 => {
                let offset = *rng.pick(&[60, 120, 180, -300, 330]);
                StrOrNum::Str(dates::rfc3339_offset(post.unix, offset))
            }
            _ => StrOrNum::Num(post.unix),
        };
        let (account, account_id, account_handle) = match plan.account_id(post.author) {
            None => (None, None, Some(profile.handle.clone())),
            Some(_) if rng.chance(300) => {
                (Some(plan.account_object(post.author, &profile)), None, None)
            }
            Some(id) => (None, Some(id), None),
        };
        let lists = rng.chance(500);
        let media_entries = match slots.get(&i) {
            Some(m) => {
                tally.local_media_refs += 1;
                Some(vec![MediaEntry {
                    path: Some(m.rel.clone()),
                    url: None,
                    kind: "photo",
                    width: Some(m.width),
                    height: Some(m.height),
                }])
            }
            None if rng.chance(80) => Some(vec![MediaEntry {
                path: None,
                url: Some(format!(
                    "https://example.net/media/{}/{}.jpg",
                    post.platform.name(),
                    post.id
                )),
                kind: "photo",
                width: None,
                height: None,
            }]),
            None => None,
        };
        let line = PostLine {
            record: rng.chance(200).then_some("post"),
            platform: match post.platform {
                Platform::Unnamed => rng.chance(500).then_some("generic"),
                p => Some(p.name()),
            },
            id: Some(id),
            // Laid out as the platforms' addresses are, on reserved example domains (the generated handles and ids
            // may exist on the real platforms); made from the ids without drawing from the generator, so that the
            // rest of the corpus stays as it was.
            url: match post.platform {
                Platform::Facebook => Some(format!(
                    "https://facebook.example/{}/posts/{id_text}",
                    profile.handle
                )),
                Platform::Instagram => Some(format!("https://instagram.example/p/{id_text}/")),
                Platform::Unnamed => None,
            },
            created_at: Some(created_at),
            text: Some(post.body.flat()),
            lang: rng.chance(600).then_some(post.body.lang.code()),
            account,
            account_id,
            account_handle,
            reply_to: post.reply_to.clone(),
            quote_of: post.quote_of.clone(),
            repost_of: post.repost_of.clone(),
            forwarded_from: post.forwarded_from.clone(),
            hashtags: lists.then(|| post.body.hashtags()),
            urls: lists.then(|| post.body.urls()),
            mentions: lists.then(|| post.body.mentions()),
            media: media_entries,
        };
        lines.push(Line::Post(json_line(&line)?));
        tally.accounts.insert(plan.account_key(post.author));
        tally.langs.add(post.body.lang.code());
        authors_seen.push(post.author);
        history
            .entry(post.platform)
            .or_default()
            .push((id_text, post.body));
    }

    // Account records for two accounts that also post, placed first and a third of the way in.
    let with_id: Vec<usize> = authors_seen
        .iter()
        .copied()
        .filter(|&g| plan.account_id(g).is_some())
        .take(2)
        .collect();
    let account_line = |g: usize| -> Result<Line, SampleError> {
        let p = accounts::profile(plan.seed, POOL_GENERIC, g);
        let obj = plan.account_object(g, &p);
        Ok(Line::Account(json_line(&AccountLine {
            record: "account",
            platform: Platform::of(g).name(),
            id: obj.id.unwrap_or_default(),
            handle: obj.handle,
            display_name: obj.display_name,
            bio: obj.bio,
            avatar_url: obj.avatar_url,
            created_at: obj.created_at,
            followers: obj.followers,
            following: obj.following,
            posts: obj.posts,
        })?))
    };
    // The malformed lines borrow the author of a neighbouring post, so dropping them loses no account.
    let neighbour = |i: usize| {
        authors_seen
            .get(i.min(n.saturating_sub(1)))
            .copied()
            .unwrap_or(0)
    };
    let no_id_author = neighbour(n * 3 / 4);
    let no_id_profile = accounts::profile(plan.seed, POOL_GENERIC, no_id_author);
    let mut rng = Rng::derive(plan.seed, S_JSONL ^ 0xAB, 0);
    let no_id_body = text::compose(&mut rng, no_id_profile.lang, None, Style::GENERIC);
    let no_id = PostLine {
        record: Some("post"),
        platform: Some(Platform::of(no_id_author).name()).filter(|&p| p != "generic"),
        id: None,
        url: None,
        created_at: Some(StrOrNum::Str(dates::rfc3339_utc(
            CORPUS_START + 40 * 86_400,
        ))),
        text: Some(no_id_body.flat()),
        lang: Some(no_id_body.lang.code()),
        account: None,
        account_id: plan.account_id(no_id_author),
        account_handle: plan
            .account_id(no_id_author)
            .is_none()
            .then(|| no_id_profile.handle.clone()),
        reply_to: None,
        quote_of: None,
        repost_of: None,
        forwarded_from: None,
        hashtags: None,
        urls: None,
        mentions: None,
        media: None,
    };
    let utf8_author = neighbour(n / 2);
    let mut bad_utf8: Vec<u8> = Vec::new();
    bad_utf8.extend_from_slice(b"{\"platform\":\"");
    bad_utf8.extend_from_slice(Platform::of(utf8_author).name().as_bytes());
    bad_utf8.extend_from_slice(b"\",\"id\":\"7100999001\",");
    match plan.account_id(utf8_author) {
        Some(id) => {
            bad_utf8.extend_from_slice(b"\"account_id\":\"");
            bad_utf8.extend_from_slice(id.as_bytes());
        }
        None => {
            bad_utf8.extend_from_slice(b"\"account_handle\":\"");
            bad_utf8.extend_from_slice(
                accounts::handle(plan.seed, POOL_GENERIC, utf8_author).as_bytes(),
            );
        }
    }
    // "Café au lait" in Latin-1, then two bytes that never occur in UTF-8.
    bad_utf8.extend_from_slice(b"\",\"text\":\"Caf\xE9 au lait \xFF\xFE du matin\"}\n");

    let mut inserts: Vec<(usize, Line)> = Vec::new();
    if let Some(&g) = with_id.first() {
        inserts.push((0, account_line(g)?));
    }
    if let Some(&g) = with_id.get(1) {
        inserts.push((n / 3, account_line(g)?));
    }
    inserts.push((
        10.min(n),
        Line::Malformed(
            b"# export resumed here: this line is a note, not JSON\n".to_vec(),
            MalformedKind::NotJson,
            "a plain-text note where a JSON record should be; skip it and read on".to_owned(),
        ),
    ));
    inserts.push((
        n / 2,
        Line::Malformed(
            bad_utf8,
            MalformedKind::InvalidUtf8,
            "a post (id 7100999001) whose text holds bytes E9, FF, FE that are not UTF-8; \
             quarantine the line"
                .to_owned(),
        ),
    ));
    inserts.push((
        n * 3 / 4,
        Line::Malformed(
            json_line(&no_id)?,
            MalformedKind::MissingId,
            "a well-formed post record with no \"id\"; quarantine it".to_owned(),
        ),
    ));
    // Insert from the back so that earlier positions stay valid; equal positions keep their order.
    for (pos, line) in inserts.into_iter().rev() {
        lines.insert(pos.min(lines.len()), line);
    }

    let mut bytes = Vec::new();
    let mut posts = 0;
    let mut account_records = 0;
    for (k, line) in lines.iter().enumerate() {
        match line {
            Line::Post(b) => {
                posts += 1;
                bytes.extend_from_slice(b);
            }
            Line::Account(b) => {
                account_records += 1;
                bytes.extend_from_slice(b);
            }
            Line::Malformed(b, kind, detail) => {
                malformed.push(MalformedRecord {
                    file: JSONL_FILE.to_owned(),
                    line: Some(k + 1),
                    position: format!("line {}", k + 1),
                    kind: *kind,
                    detail: detail.clone(),
                });
                bytes.extend_from_slice(b);
            }
        }
    }
    out.write(JSONL_FILE, &bytes)?;
    Ok((lines.len(), posts, account_records))
}

const CSV_COLUMNS: &[&str] = &[
    "platform",
    "id",
    "created_at",
    "text",
    "lang",
    "account_id",
    "account_handle",
    "account_display_name",
    "reply_to",
    "quote_of",
    "repost_of",
    "forwarded_from",
    "hashtags",
    "urls",
    "mentions",
    "media",
    "collected_by",
];

fn write_csv(
    out: &mut Output,
    plan: &GenericPlan,
    media: &[LocalMedia],
    tally: &mut Tally,
    malformed: &mut Vec<MalformedRecord>,
) -> Result<(usize, usize), SampleError> {
    let n = plan.csv_posts;
    let mut history: HashMap<Platform, Vec<(String, Body)>> = HashMap::new();
    let mut text = CSV_COLUMNS.join(",");
    text.push('\n');
    let mut line = 2_usize;
    let mut records = 0;
    let mut posts = 0;
    let bad_row = n / 2;
    for i in 0..n {
        let post = plan.post(S_CSV, 7_200_000_000, i, n, &history);
        let mut rng = Rng::derive(plan.seed, S_CSV ^ 0xFF, i as u64);
        let profile = accounts::profile(plan.seed, POOL_GENERIC, post.author);
        let id_text = plan.post_id_text(&post);
        let created_at = if rng.chance(800) {
            dates::rfc3339_utc(post.unix)
        } else {
            post.unix.to_string()
        };
        let lists = rng.chance(600);
        let mut media_items: Vec<String> = Vec::new();
        if !media.is_empty()
            && rng.chance(100)
            && let Some(m) = media.get(rng.index(media.len()))
        {
            media_items.push(m.rel.clone());
            tally.local_media_refs += 1;
        }
        if rng.chance(60) {
            media_items.push(format!(
                "https://example.net/media/{}/{}.jpg",
                post.platform.name(),
                post.id
            ));
        }
        let platform = match post.platform {
            Platform::Unnamed => "",
            p => p.name(),
        };
        let fields: Vec<String> = vec![
            platform.to_owned(),
            id_text.clone(),
            created_at,
            post.body.flat(),
            if rng.chance(500) {
                post.body.lang.code().to_owned()
            } else {
                String::new()
            },
            plan.account_id(post.author).unwrap_or_default(),
            profile.handle.clone(),
            profile.display_name.clone(),
            post.reply_to.clone().unwrap_or_default(),
            post.quote_of.clone().unwrap_or_default(),
            post.repost_of.clone().unwrap_or_default(),
            post.forwarded_from.clone().unwrap_or_default(),
            if lists {
                post.body.hashtags().join("|")
            } else {
                String::new()
            },
            if lists {
                post.body.urls().join("|")
            } else {
                String::new()
            },
            if lists {
                post.body.mentions().join("|")
            } else {
                String::new()
            },
            media_items.join("|"),
            format!("export-tool 2.{}", rng.below(4)),
        ];
        if i == bad_row {
            // The malformed row: the same post with its id left empty, written before the real one.
            let mut bad = fields.clone();
            if let Some(id) = bad.get_mut(1) {
                id.clear();
            }
            records += 1;
            malformed.push(MalformedRecord {
                file: CSV_FILE.to_owned(),
                line: Some(line),
                position: format!("record {records} (line {line})"),
                kind: MalformedKind::MissingId,
                detail: "a row whose id column is empty; quarantine it".to_owned(),
            });
            let row = bad
                .iter()
                .map(|f| csv_field(f))
                .collect::<Vec<_>>()
                .join(",");
            line += row.matches('\n').count() + 1;
            text.push_str(&row);
            text.push('\n');
        }
        let row = fields
            .iter()
            .map(|f| csv_field(f))
            .collect::<Vec<_>>()
            .join(",");
        line += row.matches('\n').count() + 1;
        text.push_str(&row);
        text.push('\n');
        records += 1;
        posts += 1;
        tally.accounts.insert(plan.account_key(post.author));
        tally.langs.add(post.body.lang.code());
        history
            .entry(post.platform)
            .or_default()
            .push((id_text, post.body));
    }
    out.write(CSV_FILE, text.as_bytes())?;
    Ok((records, posts))
}
