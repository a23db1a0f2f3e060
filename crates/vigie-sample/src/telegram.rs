//! Telegram Desktop exports: a one-chat "Export chat history" folder and an "Export Telegram data"
//! whole-account folder, each with its `result.json` (pretty-printed with one-space indents, as Telegram
//! Desktop writes it) and its `photos/`.

use std::collections::BTreeSet;
use std::ops::Range;

use serde::Serialize;

use crate::accounts::{self, POOL_TELEGRAM};
use crate::dates::{self, CORPUS_END, CORPUS_START};
use crate::error::SampleError;
use crate::media::Picture;
use crate::output::{ImageRole, Output};
use crate::rng::Rng;
use crate::summary::{LangCounts, MalformedKind, MalformedRecord, TelegramSummary};
use crate::text::{self, Body, Lang, Seg, Style};

/// The one-chat export folder.
pub(crate) const CHAT_DIR: &str = "telegram/ChatExport_2024-01-15";
/// The whole-account export folder.
pub(crate) const FULL_DIR: &str = "telegram/full_export";
/// When the one-chat export was made: 2024-01-15T10:00:00Z. Its messages all come before.
const CHAT_EXPORTED_AT: i64 = 1_705_312_800;
/// When the account left the chat of `left_chats`: 2024-02-15T00:00:00Z.
const LEFT_AT: i64 = 1_707_955_200;

const S_MESSAGE: u64 = 0x2001;
const S_CHAT_ID: u64 = 0x2002;
const S_USER_ID: u64 = 0x2003;
const S_AUTHOR: u64 = 0x2004;

/// The text Telegram Desktop writes in place of a file it did not export.
const NOT_INCLUDED: &str = "(File not included. Change data exporting settings to download.)";

/// Channel names that messages are forwarded from (names only: they have no id in an export).
const FORWARD_NAMES: &[&str] = &[
    "Météo Régionale",
    "Marché Central Info",
    "Weather Desk",
    "Club de Lecture du Centre",
    "سوق المدينة",
];

#[derive(Debug, Serialize)]
struct Chat {
    name: String,
    #[serde(rename = "type")]
    kind: &'static str,
    id: u64,
    messages: Vec<Message>,
}

#[derive(Debug, Serialize)]
struct Message {
    id: u64,
    #[serde(rename = "type")]
    kind: &'static str,
    date: String,
    date_unixtime: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    edited: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    edited_unixtime: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    from: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    from_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    actor: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    actor_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    action: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    title: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    message_id: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    inviter: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    forwarded_from: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    reply_to_message_id: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    file: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    media_type: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    mime_type: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    duration_seconds: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    photo: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    photo_file_size: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    width: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    height: Option<u32>,
    text: Text,
    text_entities: Vec<TextEntity>,
}

impl Message {
    fn new(id: u64, kind: &'static str, unix: i64) -> Self {
        Message {
            id,
            kind,
            date: dates::telegram_date(unix),
            date_unixtime: unix.to_string(),
            edited: None,
            edited_unixtime: None,
            from: None,
            from_id: None,
            actor: None,
            actor_id: None,
            action: None,
            title: None,
            message_id: None,
            inviter: None,
            forwarded_from: None,
            reply_to_message_id: None,
            file: None,
            media_type: None,
            mime_type: None,
            duration_seconds: None,
            photo: None,
            photo_file_size: None,
            width: None,
            height: None,
            text: Text::Plain(String::new()),
            text_entities: Vec::new(),
        }
    }
}

/// `text`: a plain string, or an array of strings and entity objects.
#[derive(Debug, Serialize)]
#[serde(untagged)]
enum Text {
    Plain(String),
    Parts(Vec<TextPart>),
}

#[derive(Debug, Serialize)]
#[serde(untagged)]
enum TextPart {
    Plain(String),
    Entity(TextEntity),
}

#[derive(Debug, Clone, Serialize)]
struct TextEntity {
    #[serde(rename = "type")]
    kind: &'static str,
    text: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    href: Option<String>,
}

#[derive(Debug, Serialize)]
struct FullExport {
    about: &'static str,
    personal_information: PersonalInformation,
    chats: ChatList,
    left_chats: ChatList,
}

#[derive(Debug, Serialize)]
struct PersonalInformation {
    user_id: u64,
    first_name: &'static str,
    last_name: &'static str,
    username: &'static str,
    bio: &'static str,
}

#[derive(Debug, Serialize)]
struct ChatList {
    about: &'static str,
    list: Vec<Chat>,
}

/// Renders a body as Telegram Desktop does: `(text, text_entities)`.
fn telegram_text(body: &Body) -> (Text, Vec<TextEntity>) {
    let entity = |kind: &'static str, text: String| TextEntity {
        kind,
        text,
        href: None,
    };
    let entities: Vec<TextEntity> = body
        .segs
        .iter()
        .map(|seg| match seg {
            Seg::Plain(s) => entity("plain", s.clone()),
            Seg::Hashtag(t) => entity("hashtag", format!("#{t}")),
            Seg::Mention(h) => entity("mention", format!("@{h}")),
            Seg::Link(u) => entity("link", u.clone()),
            Seg::Bold(s) => entity("bold", s.clone()),
            Seg::TextLink { text, href } => TextEntity {
                kind: "text_link",
                text: text.clone(),
                href: Some(href.clone()),
            },
        })
        .collect();
    if entities.iter().all(|e| e.kind == "plain") {
        let flat: String = entities.iter().map(|e| e.text.as_str()).collect();
        return (Text::Plain(flat), entities);
    }
    let parts = entities
        .iter()
        .map(|e| {
            if e.kind == "plain" {
                TextPart::Plain(e.text.clone())
            } else {
                TextPart::Entity(e.clone())
            }
        })
        .collect();
    (Text::Parts(parts), entities)
}

/// What a photo-bearing message points to.
#[derive(Debug, Clone)]
enum PhotoRef {
    /// A pool picture, written as a photo file; `forwarded_from` marks a repost.
    Picture {
        pool: usize,
        forwarded_from: Option<String>,
    },
    Traversal,
    Absolute,
    Missing,
    NotExported,
}

#[derive(Debug, Clone, Copy)]
enum Authors {
    Channel,
    Users,
}

#[derive(Debug)]
struct ChatSpec {
    name: String,
    kind: &'static str,
    id: u64,
    posts: usize,
    start: i64,
    end: i64,
    authors: Authors,
    photos: Vec<PhotoRef>,
    stream: u64,
    /// The JSON path of this chat inside its file, e.g. `chats.list[1]`, for malformed positions.
    path: &'static str,
}

/// The shape of the Telegram part.
#[derive(Debug, Clone)]
pub(crate) struct TelegramPlan {
    pub seed: u64,
    /// Users of the supergroup (`user…` ids).
    pub users: usize,
    /// Posts of the one-chat export (a public channel).
    pub chat_posts: usize,
    /// Posts of the channel, supergroup and left channel of the whole export.
    pub channel_posts: usize,
    pub group_posts: usize,
    pub left_posts: usize,
    /// Pool pictures posted in the one-chat export.
    pub chat_photos: Range<usize>,
    /// Pool pictures first posted in the whole export.
    pub full_photos: Range<usize>,
    /// How many of the chat's pictures are forwarded, byte for byte, into the whole export's supergroup.
    pub reposted: usize,
}

#[derive(Debug, Default)]
struct Counts {
    messages: usize,
    service: usize,
    posts: usize,
    photo_files: usize,
    photo_messages: usize,
    bad_media_refs: usize,
    forwarded: usize,
    replies: usize,
    rich_texts: usize,
    langs: LangCounts,
}

/// Builds the chats of one export folder and writes their photos.
struct ExportBuilder<'a> {
    plan: &'a TelegramPlan,
    pictures: &'a [Picture],
    out: &'a mut Output,
    /// The export folder, relative to the corpus root.
    dir: &'static str,
    photo_counter: usize,
    counts: Counts,
    accounts: &'a mut BTreeSet<String>,
    malformed: Vec<MalformedRecord>,
}

impl TelegramPlan {
    fn chat_id(&self, k: u64) -> u64 {
        1_700_000_000 + k * 10_000_000 + Rng::derive(self.seed, S_CHAT_ID, k).below(1_000_000)
    }

    fn user_id(&self, u: usize) -> u64 {
        100_000_000 + u as u64 * 1000 + Rng::derive(self.seed, S_USER_ID, u as u64).below(1000)
    }

    fn user_author(&self, stream: u64, k: usize) -> usize {
        if k.is_multiple_of(3) {
            return (k / 3) % self.users.max(1);
        }
        let mut rng = Rng::derive(self.seed, S_AUTHOR ^ stream, k as u64);
        rng.index(self.users).min(rng.index(self.users))
    }

    /// The one-chat channel's public name and handle number.
    fn chat_channel(&self) -> (String, u64) {
        let n = self.chat_id(0) % 97;
        (format!("Chaîne Info Locale {n}"), n)
    }
}

impl ExportBuilder<'_> {
    fn file(&self) -> String {
        format!("{}/result.json", self.dir)
    }

    fn bad_ref(&mut self, position: String, kind: MalformedKind, detail: String) {
        self.counts.bad_media_refs += 1;
        self.malformed.push(MalformedRecord {
            file: self.file(),
            line: None,
            position,
            kind,
            detail,
        });
    }

    fn build(&mut self, spec: ChatSpec) -> Result<Chat, SampleError> {
        let seed = self.plan.seed;
        let mut messages: Vec<Message> = Vec::with_capacity(spec.posts + 3);
        let mut post_ids: Vec<u64> = Vec::with_capacity(spec.posts);
        let mut next_id = 1_u64;
        let channel_from = format!("channel{}", spec.id);

        // Photo-bearing messages are spread evenly over the chat.
        let mut slots: Vec<Option<PhotoRef>> = vec![None; spec.posts];
        let n = spec.photos.len();
        for (j, photo) in spec.photos.iter().enumerate() {
            let slot = j * spec.posts / n.max(1) + spec.posts / (2 * n.max(1));
            if let Some(s) = slots.get_mut(slot) {
                *s = Some(photo.clone());
            }
        }

        let service = |messages: &mut Vec<Message>, next_id: &mut u64, unix: i64| {
            let m = Message::new(*next_id, "service", unix);
            *next_id += 1;
            messages.push(m);
            messages.len() - 1
        };
        let created = service(&mut messages, &mut next_id, spec.start);
        if let Some(m) = messages.get_mut(created) {
            m.actor = Some(spec.name.clone());
            m.actor_id = Some(channel_from.clone());
            m.action = Some(match spec.authors {
                Authors::Channel => "create_channel",
                Authors::Users => "create_group",
            });
            m.title = Some(spec.name.clone());
        }

        let window_start = spec.start + 3600;
        let mut last_time = spec.start;
        for (k, slot) in slots.into_iter().enumerate() {
            if k == spec.posts / 3 && !post_ids.is_empty() {
                let idx = service(&mut messages, &mut next_id, last_time + 30);
                let pinned = post_ids.last().copied();
                if let Some(m) = messages.get_mut(idx) {
                    m.actor = Some(spec.name.clone());
                    m.actor_id = Some(channel_from.clone());
                    m.action = Some("pin_message");
                    m.message_id = pinned;
                }
            }
            if k == spec.posts / 2 && matches!(spec.authors, Authors::Users) {
                let u = self.plan.user_author(spec.stream, k + 1);
                let p = accounts::profile(seed, POOL_TELEGRAM, u);
                let idx = service(&mut messages, &mut next_id, last_time + 30);
                if let Some(m) = messages.get_mut(idx) {
                    m.actor = Some(p.display_name);
                    m.actor_id = Some(format!("user{}", self.plan.user_id(u)));
                    m.action = Some("join_group_by_link");
                    m.inviter = Some("Group");
                }
            }

            let mut rng = Rng::derive(seed, S_MESSAGE ^ spec.stream, k as u64);
            let unix = dates::spread(k, spec.posts, window_start, spec.end, &mut rng);
            last_time = unix;
            let id = next_id;
            next_id += 1;
            let mut m = Message::new(id, "message", unix);
            let lang = match spec.authors {
                Authors::Channel => {
                    m.from = Some(spec.name.clone());
                    m.from_id = Some(channel_from.clone());
                    Lang::draw(&mut rng)
                }
                Authors::Users => {
                    let u = self.plan.user_author(spec.stream, k);
                    let p = accounts::profile(seed, POOL_TELEGRAM, u);
                    m.from = Some(p.display_name);
                    m.from_id = Some(format!("user{}", self.plan.user_id(u)));
                    Lang::near(p.lang, &mut rng)
                }
            };
            if rng.chance(50) {
                let edited = unix + rng.range(60, 7200) as i64;
                m.edited = Some(dates::telegram_date(edited));
                m.edited_unixtime = Some(edited.to_string());
            }
            let reply_chance = match spec.authors {
                Authors::Channel => 50,
                Authors::Users => 250,
            };
            if rng.chance(reply_chance) && !post_ids.is_empty() {
                let back = rng.index(post_ids.len().min(30)) + 1;
                m.reply_to_message_id = post_ids.get(post_ids.len() - back).copied();
            }
            let mut forwarded = rng.chance(70).then(|| rng.word(FORWARD_NAMES).to_owned());

            let position = format!("{}messages[{}] (id {id})", spec.path, messages.len());
            let has_photo = slot.is_some();
            match slot {
                None => {}
                Some(PhotoRef::Picture {
                    pool,
                    forwarded_from,
                }) => {
                    if let Some(p) = self.pictures.get(pool) {
                        self.photo_counter += 1;
                        let name = format!(
                            "photos/photo_{}@{}.jpg",
                            self.photo_counter,
                            dates::telegram_photo_stamp(unix)
                        );
                        self.out.write_image(
                            &format!("{}/{name}", self.dir),
                            &p.bytes,
                            ImageRole::Attached,
                        )?;
                        self.counts.photo_files += 1;
                        self.counts.photo_messages += 1;
                        m.photo = Some(name);
                        m.photo_file_size = Some(p.bytes.len());
                        m.width = Some(p.width);
                        m.height = Some(p.height);
                        if forwarded_from.is_some() {
                            forwarded = forwarded_from;
                        }
                    }
                }
                Some(PhotoRef::Traversal) => {
                    m.photo = Some("../../outside.jpg".to_owned());
                    m.width = Some(320);
                    m.height = Some(240);
                    self.bad_ref(
                        position,
                        MalformedKind::PathTraversal,
                        "\"photo\": \"../../outside.jpg\" leaves the export folder; the message is a \
                         valid post, the photo must be quarantined and never read"
                            .to_owned(),
                    );
                }
                Some(PhotoRef::Absolute) => {
                    m.photo = Some("/etc/hostname".to_owned());
                    m.width = Some(320);
                    m.height = Some(240);
                    self.bad_ref(
                        position,
                        MalformedKind::AbsolutePath,
                        "\"photo\": \"/etc/hostname\" is absolute; the message is a valid post, the \
                         photo must be quarantined and never read"
                            .to_owned(),
                    );
                }
                Some(PhotoRef::Missing) => {
                    self.photo_counter += 1;
                    let name = format!(
                        "photos/photo_{}@{}.jpg",
                        self.photo_counter,
                        dates::telegram_photo_stamp(unix)
                    );
                    self.bad_ref(
                        position,
                        MalformedKind::MissingFile,
                        format!(
                            "\"photo\": \"{name}\" does not exist in the export; the message is a valid \
                             post, the photo must be quarantined"
                        ),
                    );
                    m.photo = Some(name);
                    m.width = Some(240);
                    m.height = Some(180);
                }
                Some(PhotoRef::NotExported) => {
                    m.file = Some(NOT_INCLUDED);
                    m.media_type = Some("video_file");
                    m.mime_type = Some("video/mp4");
                    m.duration_seconds = Some(rng.range(5, 60));
                    m.width = Some(640);
                    m.height = Some(360);
                    self.bad_ref(
                        position,
                        MalformedKind::MediaNotExported,
                        format!(
                            "\"file\": \"{NOT_INCLUDED}\" is Telegram's placeholder for a video the \
                             export left out; the message is a valid post, there is no file to read"
                        ),
                    );
                }
            }
            m.forwarded_from = forwarded;

            let empty = has_photo && rng.chance(300);
            if !empty {
                let mention = rng.chance(100).then(|| {
                    if rng.chance(500) {
                        format!("chaine_info_{}", self.plan.chat_channel().1)
                    } else {
                        accounts::handle(seed, POOL_TELEGRAM, rng.index(self.plan.users))
                    }
                });
                let body = text::compose(&mut rng, lang, mention.as_deref(), Style::TELEGRAM);
                let (text, entities) = telegram_text(&body);
                if matches!(text, Text::Parts(_)) {
                    self.counts.rich_texts += 1;
                }
                self.counts.langs.add(body.lang.code());
                m.text = text;
                m.text_entities = entities;
            }

            if m.forwarded_from.is_some() {
                self.counts.forwarded += 1;
            }
            if m.reply_to_message_id.is_some() {
                self.counts.replies += 1;
            }
            if let Some(from_id) = &m.from_id {
                self.accounts.insert(from_id.clone());
            }
            post_ids.push(id);
            self.counts.posts += 1;
            messages.push(m);
        }
        self.counts.messages += messages.len();
        self.counts.service += messages.len() - spec.posts;
        Ok(Chat {
            name: spec.name,
            kind: spec.kind,
            id: spec.id,
            messages,
        })
    }
}

/// Serializes as Telegram Desktop does: pretty, one space per indent level.
fn telegram_json<T: Serialize>(value: &T, what: &str) -> Result<Vec<u8>, SampleError> {
    let mut buf = Vec::new();
    let formatter = serde_json::ser::PrettyFormatter::with_indent(b" ");
    let mut ser = serde_json::Serializer::with_formatter(&mut buf, formatter);
    value
        .serialize(&mut ser)
        .map_err(|source| SampleError::Json {
            what: what.to_owned(),
            source,
        })?;
    Ok(buf)
}

/// Writes both Telegram exports and returns their summary and malformed records.
pub(crate) fn write(
    out: &mut Output,
    plan: &TelegramPlan,
    pictures: &[Picture],
) -> Result<(TelegramSummary, Vec<MalformedRecord>), SampleError> {
    let mut accounts = BTreeSet::new();
    let (chat_name, _) = plan.chat_channel();

    // The one-chat export: a public channel, with the four bad media references spread among its photos.
    let mut chat_photos: Vec<PhotoRef> = plan
        .chat_photos
        .clone()
        .map(|pool| PhotoRef::Picture {
            pool,
            forwarded_from: None,
        })
        .collect();
    let len = chat_photos.len();
    chat_photos.insert(len / 4, PhotoRef::Traversal);
    chat_photos.insert(len / 2 + 1, PhotoRef::Absolute);
    chat_photos.insert(len * 3 / 4 + 2, PhotoRef::Missing);
    chat_photos.push(PhotoRef::NotExported);
    let mut chat_builder = ExportBuilder {
        plan,
        pictures,
        out,
        dir: CHAT_DIR,
        photo_counter: 0,
        counts: Counts::default(),
        accounts: &mut accounts,
        malformed: Vec::new(),
    };
    let chat = chat_builder.build(ChatSpec {
        name: chat_name.clone(),
        kind: "public_channel",
        id: plan.chat_id(0),
        posts: plan.chat_posts,
        start: CORPUS_START,
        end: CHAT_EXPORTED_AT - 3600,
        authors: Authors::Channel,
        photos: chat_photos,
        stream: 1,
        path: "",
    })?;
    let chat_counts = std::mem::take(&mut chat_builder.counts);
    let mut malformed = std::mem::take(&mut chat_builder.malformed);
    let chat_file = chat_builder.file();
    let bytes = telegram_json(&chat, "the Telegram chat export")?;
    out.write(&chat_file, &bytes)?;

    // The whole-account export: a channel, a supergroup where members repost the chat's pictures, and a
    // channel the account has left.
    let full = plan.full_photos.clone();
    let channel_share = full.len() / 2;
    let left_share = full.len() / 6;
    let to_refs = |r: Range<usize>| -> Vec<PhotoRef> {
        r.map(|pool| PhotoRef::Picture {
            pool,
            forwarded_from: None,
        })
        .collect()
    };
    let channel_photos = to_refs(full.start..full.start + channel_share);
    let left_photos = to_refs(full.start + channel_share..full.start + channel_share + left_share);
    let mut group_photos = to_refs(full.start + channel_share + left_share..full.end);
    for (k, pool) in plan.chat_photos.clone().take(plan.reposted).enumerate() {
        group_photos.insert(
            (2 * k + 1).min(group_photos.len()),
            PhotoRef::Picture {
                pool,
                forwarded_from: Some(chat_name.clone()),
            },
        );
    }
    let mut full_builder = ExportBuilder {
        plan,
        pictures,
        out,
        dir: FULL_DIR,
        photo_counter: 0,
        counts: Counts::default(),
        accounts: &mut accounts,
        malformed: Vec::new(),
    };
    let channel = full_builder.build(ChatSpec {
        name: format!("Marché & Météo {}", plan.chat_id(1) % 89),
        kind: "public_channel",
        id: plan.chat_id(1),
        posts: plan.channel_posts,
        start: CORPUS_START,
        end: CORPUS_END,
        authors: Authors::Channel,
        photos: channel_photos,
        stream: 2,
        path: "chats.list[0].",
    })?;
    let group = full_builder.build(ChatSpec {
        name: format!("Entraide Quartier Nord {}", plan.chat_id(2) % 83),
        kind: "public_supergroup",
        id: plan.chat_id(2),
        posts: plan.group_posts,
        start: CORPUS_START,
        end: CORPUS_END,
        authors: Authors::Users,
        photos: group_photos,
        stream: 3,
        path: "chats.list[1].",
    })?;
    let left = full_builder.build(ChatSpec {
        name: format!("أخبار المدينة {}", plan.chat_id(3) % 79),
        kind: "public_channel",
        id: plan.chat_id(3),
        posts: plan.left_posts,
        start: CORPUS_START,
        end: LEFT_AT,
        authors: Authors::Channel,
        photos: left_photos,
        stream: 4,
        path: "left_chats.list[0].",
    })?;
    let full_counts = std::mem::take(&mut full_builder.counts);
    malformed.append(&mut full_builder.malformed);
    let full_file = full_builder.file();
    let export = FullExport {
        about: "Synthetic Telegram Desktop data export generated by vigie-sample for tests.",
        personal_information: PersonalInformation {
            user_id: 100_000_001,
            first_name: "Compte",
            last_name: "Démo",
            username: "@compte_demo",
            bio: "Compte de démonstration, données synthétiques.",
        },
        chats: ChatList {
            about: "This page lists all chats from this export.",
            list: vec![channel, group],
        },
        left_chats: ChatList {
            about: "This page lists all supergroups and channels you've left.",
            list: vec![left],
        },
    };
    let bytes = telegram_json(&export, "the Telegram data export")?;
    out.write(&full_file, &bytes)?;

    let mut langs = chat_counts.langs.clone();
    langs.fr += full_counts.langs.fr;
    langs.en += full_counts.langs.en;
    langs.ar += full_counts.langs.ar;
    let summary = TelegramSummary {
        chat_file,
        full_export_file: full_file,
        chat_messages: chat_counts.messages,
        chat_service_messages: chat_counts.service,
        chat_posts: chat_counts.posts,
        full_export_chats: 3,
        full_export_messages: full_counts.messages,
        full_export_service_messages: full_counts.service,
        full_export_posts: full_counts.posts,
        posts: chat_counts.posts + full_counts.posts,
        accounts: accounts.len(),
        photo_files: chat_counts.photo_files + full_counts.photo_files,
        photo_messages: chat_counts.photo_messages + full_counts.photo_messages,
        bad_media_refs: chat_counts.bad_media_refs + full_counts.bad_media_refs,
        forwarded: chat_counts.forwarded + full_counts.forwarded,
        replies: chat_counts.replies + full_counts.replies,
        rich_texts: chat_counts.rich_texts + full_counts.rich_texts,
        langs,
    };
    Ok((summary, malformed))
}
