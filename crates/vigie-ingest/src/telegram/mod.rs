//! Telegram Desktop exports: `result.json` of one chat, or of a whole account (`chats.list[]`,
//! `left_chats.list[]`).
//!
//! The document is read as a stream with serde visitors: each message is taken as raw JSON (bounded by
//! `max_record_bytes`), converted on its own and pushed to the sink, so a multi-gigabyte export needs only
//! one message's memory, and a bad message is quarantined with its JSON path while the rest is read.

#[cfg(test)]
mod tests;

use crate::budget::{OVER_BUDGET, RecordBudget};
use crate::detect::Input;
use crate::error::{IngestError, Stop};
use crate::finish::finish_post;
use crate::options::IngestOptions;
use crate::paths::safe_join;
use serde::Deserialize;
use serde::de::{DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;
use std::cell::Cell;
use std::fmt;
use std::io::BufReader;
use std::path::Path;
use std::rc::Rc;
use vigie_model::{
    Account, Attachment, MediaKind, Platform, Position, Post, PostRef, QuarantinedRecord, Record,
    RefKind, Source, Timestamp,
};

/// What Telegram writes in place of a path when media was not exported.
const NOT_INCLUDED: &str = "(File not included";

#[derive(Deserialize)]
#[serde(untagged)]
enum IdValue {
    Text(String),
    Int(i64),
}

impl IdValue {
    fn into_string(self) -> String {
        match self {
            IdValue::Text(s) => s,
            IdValue::Int(n) => n.to_string(),
        }
    }
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Text {
    Plain(String),
    Parts(Vec<TextPart>),
}

#[derive(Deserialize)]
#[serde(untagged)]
enum TextPart {
    Plain(String),
    Entity(Entity),
}

#[derive(Deserialize)]
struct Entity {
    #[serde(rename = "type")]
    kind: String,
    text: String,
    href: Option<String>,
}

#[derive(Deserialize)]
struct Message {
    id: i64,
    #[serde(rename = "type")]
    kind: Option<String>,
    date: Option<String>,
    date_unixtime: Option<IdValue>,
    from: Option<String>,
    from_id: Option<IdValue>,
    text: Option<Text>,
    text_entities: Option<Vec<Entity>>,
    reply_to_message_id: Option<i64>,
    forwarded_from: Option<String>,
    forwarded_from_id: Option<IdValue>,
    photo: Option<String>,
    width: Option<u32>,
    height: Option<u32>,
    file: Option<String>,
    media_type: Option<String>,
}

/// The chat messages belong to, as far as the document has said.
#[derive(Default, Clone)]
struct Chat {
    id: Option<String>,
    name: Option<String>,
    kind: Option<String>,
    /// The public name (`t.me/<username>`), where the export carries it (Telegram Desktop's own exports do not;
    /// some archiving tools add it).
    username: Option<String>,
}

struct Reader<'a> {
    /// Bytes read from the file since the last message or key: the memory one record may take.
    budget: Rc<Cell<usize>>,
    root: &'a Path,
    file: &'a str,
    max_record_bytes: usize,
    /// Public names of channels by chat id (without the `-100` prefix), from the deployment's settings.
    channels: &'a std::collections::BTreeMap<String, String>,
    sink: &'a mut dyn FnMut(Record) -> Result<(), Stop>,
    stopped: bool,
    messages: u64,
}

pub(crate) fn read(
    input: &Input,
    options: &IngestOptions,
    sink: &mut dyn FnMut(Record) -> Result<(), Stop>,
) -> Result<(), IngestError> {
    let file = std::fs::File::open(&input.path).map_err(|e| IngestError::io(&input.path, e))?;
    let (file, budget) = RecordBudget::new(file, options.max_record_bytes);
    let channels: std::collections::BTreeMap<String, String> = options
        .telegram_channels
        .iter()
        .map(|(id, name)| {
            (
                bare_chat_id(id.trim()).to_owned(),
                name.trim().trim_start_matches('@').to_owned(),
            )
        })
        .collect();
    let mut reader = Reader {
        budget,
        root: &input.root,
        file: &input.display,
        max_record_bytes: options.max_record_bytes,
        channels: &channels,
        sink,
        stopped: false,
        messages: 0,
    };
    let mut de = serde_json::Deserializer::from_reader(BufReader::with_capacity(256 * 1024, file));
    let result = ChatSeed {
        reader: &mut reader,
        path: "$".to_owned(),
    }
    .deserialize(&mut de)
    .and_then(|()| de.end());
    if reader.stopped {
        return Err(IngestError::Stopped);
    }
    if let Err(e) = result {
        if e.is_io() && e.to_string().contains(OVER_BUDGET) {
            let reason = format!(
                "a record longer than the {}-byte limit; the {} messages before it were read, the rest of the file is not",
                options.max_record_bytes, reader.messages
            );
            let record = QuarantinedRecord::new(&input.display, Position::File, reason, b"");
            (reader.sink)(Record::Quarantine(record))?;
            return Ok(());
        }
        if e.is_io() {
            return Err(IngestError::io(
                &input.path,
                std::io::Error::other(e.to_string()),
            ));
        }
        let reason = if e.is_eof() {
            format!(
                "truncated export: {e}; the {} messages before it were read",
                reader.messages
            )
        } else {
            format!(
                "invalid export: {e}; the {} messages before it were read",
                reader.messages
            )
        };
        let record = QuarantinedRecord::new(&input.display, Position::File, reason, b"");
        (reader.sink)(Record::Quarantine(record))?;
    }
    Ok(())
}

/// A chat object, or the whole-export object (which holds chats).
struct ChatSeed<'r, 'a> {
    reader: &'r mut Reader<'a>,
    path: String,
}

impl<'de> DeserializeSeed<'de> for ChatSeed<'_, '_> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for ChatSeed<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a Telegram export object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut chat = Chat::default();
        while let Some(key) = map.next_key::<String>()? {
            self.reader.budget.set(0);
            match key.as_str() {
                "id" => {
                    chat.id = map
                        .next_value::<Option<IdValue>>()?
                        .map(IdValue::into_string)
                }
                "name" => chat.name = map.next_value()?,
                "type" => chat.kind = map.next_value()?,
                "username" => {
                    chat.username = map
                        .next_value::<Option<String>>()?
                        .map(|u| u.trim().trim_start_matches('@').to_owned())
                        .filter(|u| !u.is_empty());
                }
                "messages" => {
                    let path = format!("{}.messages", self.path);
                    map.next_value_seed(MessagesSeed {
                        reader: self.reader,
                        chat: &chat,
                        path,
                    })?;
                }
                "chats" | "left_chats" => {
                    let path = format!("{}.{key}", self.path);
                    map.next_value_seed(ChatListSeed {
                        reader: self.reader,
                        path,
                    })?;
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(())
    }
}

/// `{"about": ..., "list": [chat, ...]}`.
struct ChatListSeed<'r, 'a> {
    reader: &'r mut Reader<'a>,
    path: String,
}

impl<'de> DeserializeSeed<'de> for ChatListSeed<'_, '_> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for ChatListSeed<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list of chats")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<String>()? {
            if key == "list" {
                let path = format!("{}.list", self.path);
                map.next_value_seed(ChatsSeed {
                    reader: self.reader,
                    path,
                })?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(())
    }
}

struct ChatsSeed<'r, 'a> {
    reader: &'r mut Reader<'a>,
    path: String,
}

impl<'de> DeserializeSeed<'de> for ChatsSeed<'_, '_> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for ChatsSeed<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of chats")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut i = 0usize;
        loop {
            let path = format!("{}[{i}]", self.path);
            if seq
                .next_element_seed(ChatSeed {
                    reader: &mut *self.reader,
                    path,
                })?
                .is_none()
            {
                return Ok(());
            }
            i += 1;
        }
    }
}

struct MessagesSeed<'r, 'a, 'c> {
    reader: &'r mut Reader<'a>,
    chat: &'c Chat,
    path: String,
}

impl<'de> DeserializeSeed<'de> for MessagesSeed<'_, '_, '_> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for MessagesSeed<'_, '_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of messages")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut i = 0usize;
        while let Some(raw) = seq.next_element::<Box<RawValue>>()? {
            self.reader.budget.set(0);
            let path = format!("{}[{i}]", self.path);
            i += 1;
            if self.reader.message(self.chat, &path, &raw).is_err() {
                self.reader.stopped = true;
                return Err(serde::de::Error::custom("stopped by the consumer"));
            }
        }
        Ok(())
    }
}

impl Reader<'_> {
    fn quarantine(&mut self, path: &str, reason: String, raw: &[u8]) -> Result<(), Stop> {
        let record =
            QuarantinedRecord::new(self.file, Position::JsonPath(path.to_owned()), reason, raw);
        (self.sink)(Record::Quarantine(record))
    }

    fn message(&mut self, chat: &Chat, path: &str, raw: &RawValue) -> Result<(), Stop> {
        self.messages += 1;
        let bytes = raw.get().as_bytes();
        if bytes.len() > self.max_record_bytes {
            let reason = format!(
                "message longer than the {}-byte limit",
                self.max_record_bytes
            );
            return self.quarantine(path, reason, bytes);
        }
        let message: Message = match serde_json::from_str(raw.get()) {
            Ok(m) => m,
            Err(e) => return self.quarantine(path, format!("invalid message: {e}"), bytes),
        };
        if message.kind.as_deref().is_some_and(|k| k != "message") {
            return Ok(()); // Service messages (joins, pins, title changes) are not posts.
        }
        let Some(chat_id) = chat.id.clone() else {
            return self.quarantine(
                path,
                "message outside a chat with an `id`".to_owned(),
                bytes,
            );
        };
        let created_at = match (&message.date_unixtime, &message.date) {
            (Some(IdValue::Int(n)), _) => Some(Timestamp::from_unix_seconds(*n)),
            (Some(IdValue::Text(s)), _) => Timestamp::parse(s).ok(),
            (None, Some(d)) => Timestamp::parse(d).ok(),
            (None, None) => None,
        };
        if created_at.is_none() && (message.date.is_some() || message.date_unixtime.is_some()) {
            return self.quarantine(path, "invalid `date` / `date_unixtime`".to_owned(), bytes);
        }

        let account = match message.from_id {
            Some(id) => {
                let mut a = Account::with_id(Platform::telegram(), id.into_string());
                a.display_name = message.from.clone();
                a
            }
            None => {
                let mut a = Account::with_id(Platform::telegram(), chat_account_id(chat, &chat_id));
                a.display_name = chat.name.clone();
                a
            }
        };
        let mut account = account;
        account.observed_at = created_at;
        // The channel speaking for itself carries its public name: its posts get their public addresses.
        if account.handle.is_none() && account.platform_id == chat_account_id(chat, &chat_id) {
            account.handle = chat
                .username
                .clone()
                .or_else(|| self.channels.get(bare_chat_id(&chat_id)).cloned());
        }

        let mut post = Post::with_id(Platform::telegram(), format!("{chat_id}/{}", message.id));
        post.account_id = Some(account.platform_id.clone());
        post.created_at = created_at;
        post.source = Some(Source {
            file: self.file.to_owned(),
            position: Position::JsonPath(path.to_owned()),
        });
        let mut listed = false;
        let mut text = String::new();
        match message.text {
            Some(Text::Plain(s)) => text = s,
            Some(Text::Parts(parts)) => {
                listed = true;
                for part in parts {
                    match part {
                        TextPart::Plain(s) => text.push_str(&s),
                        TextPart::Entity(e) => {
                            text.push_str(&e.text);
                            add_entity(&mut post, e);
                        }
                    }
                }
            }
            None => {}
        }
        if let (Some(entities), false) = (message.text_entities, listed) {
            listed = true;
            for e in entities {
                add_entity(&mut post, e);
            }
        }
        post.text = (!text.is_empty()).then_some(text);
        if let Some(reply) = message.reply_to_message_id {
            post.references.push(PostRef {
                kind: RefKind::ReplyTo,
                target_post_id: Some(format!("{chat_id}/{reply}")),
                target_account: None,
            });
        }
        if message.forwarded_from.is_some() || message.forwarded_from_id.is_some() {
            let target = message
                .forwarded_from_id
                .map(IdValue::into_string)
                .or(message.forwarded_from);
            post.references.push(PostRef {
                kind: RefKind::Forward,
                target_post_id: None,
                target_account: target,
            });
        }
        let mut refused = Vec::new();
        if let Some(photo) = message.photo {
            let mut att = Attachment::new(MediaKind::Photo);
            att.width = message.width;
            att.height = message.height;
            self.attach(&mut att, photo, &format!("{path}.photo"), &mut refused);
            post.attachments.push(att);
        }
        if let Some(file) = message.file {
            let kind = message
                .media_type
                .as_deref()
                .map(MediaKind::parse)
                .unwrap_or(MediaKind::File);
            let mut att = Attachment::new(kind);
            if post.attachments.is_empty() {
                att.width = message.width;
                att.height = message.height;
            }
            self.attach(&mut att, file, &format!("{path}.file"), &mut refused);
            post.attachments.push(att);
        }
        finish_post(&mut post, !listed);
        for (where_, reason) in refused {
            self.quarantine(&where_, reason, bytes)?;
        }
        (self.sink)(Record::Account(account))?;
        (self.sink)(Record::Post(post))
    }

    /// Resolves a media path written in the export; a refused path is recorded for quarantine and the
    /// attachment keeps the path as written, with no bytes.
    fn attach(
        &self,
        att: &mut Attachment,
        written: String,
        path: &str,
        refused: &mut Vec<(String, String)>,
    ) {
        if written.starts_with(NOT_INCLUDED) {
            return;
        }
        match safe_join(self.root, &written) {
            Ok(file) => att.file = Some(file),
            Err(e) => refused.push((path.to_owned(), e.to_string())),
        }
        att.source_path = Some(written);
    }
}

/// The account a chat's own posts belong to: channels post as themselves (`channel<id>`, the form Telegram
/// uses in `from_id`).
/// A chat id without the Bot API's `-100` prefix of channels, as Telegram Desktop writes them.
fn bare_chat_id(id: &str) -> &str {
    id.strip_prefix("-100").unwrap_or(id)
}

fn chat_account_id(chat: &Chat, chat_id: &str) -> String {
    match chat.kind.as_deref() {
        Some(k) if k.contains("channel") => format!("channel{chat_id}"),
        _ => format!("chat{chat_id}"),
    }
}

fn add_entity(post: &mut Post, e: Entity) {
    match e.kind.as_str() {
        "hashtag" => post
            .hashtags
            .push(e.text.trim_start_matches('#').to_owned()),
        "mention" => post
            .mentions
            .push(e.text.trim_start_matches('@').to_owned()),
        "link" => post.urls.push(e.text),
        "text_link" => {
            if let Some(href) = e.href {
                post.urls.push(href);
            }
        }
        _ => {}
    }
}
