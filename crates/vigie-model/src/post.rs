//! Posts: tweets, channel messages and the like, with their entities and references.

use crate::{Attachment, Platform, Source, Timestamp};
use serde::{Deserialize, Serialize};

/// A public post.
///
/// Identity is `(platform, platform_id)`. Telegram message ids are unique only within a chat, so Telegram
/// posts use `<chat id>/<message id>`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Post {
    /// The platform.
    pub platform: Platform,
    /// The platform's id of the post.
    pub platform_id: String,
    /// The post's public address as the export gave it (generic exports' `url`), for platforms whose addresses
    /// cannot be made from their ids (see [`crate::post_permalink`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// The author's `platform_id`, when known.
    pub account_id: Option<String>,
    /// The text as published (entity markup flattened to plain text).
    pub text: Option<String>,
    /// ISO 639-1 language code, from the platform or detected.
    pub lang: Option<String>,
    /// When it was published.
    pub created_at: Option<Timestamp>,
    /// Replies, quotes, reposts and forwards.
    pub references: Vec<PostRef>,
    /// Hashtags without `#`, as written.
    pub hashtags: Vec<String>,
    /// URLs, expanded where the platform gives the expansion.
    pub urls: Vec<String>,
    /// Mentioned handles, without `@`.
    pub mentions: Vec<String>,
    /// Attached media, in order.
    pub attachments: Vec<Attachment>,
    /// Where the post was read from (the first time it was stored).
    pub source: Option<Source>,
}

impl Post {
    /// An empty post with an id.
    pub fn with_id(platform: Platform, platform_id: impl Into<String>) -> Self {
        Post {
            platform,
            platform_id: platform_id.into(),
            url: None,
            account_id: None,
            text: None,
            lang: None,
            created_at: None,
            references: Vec::new(),
            hashtags: Vec::new(),
            urls: Vec::new(),
            mentions: Vec::new(),
            attachments: Vec::new(),
            source: None,
        }
    }
}

/// How one post refers to another.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RefKind {
    /// A reply to the target.
    ReplyTo,
    /// A quote of the target.
    Quote,
    /// A repost (retweet) of the target.
    Repost,
    /// A forward of a message from another chat or account.
    Forward,
}

impl RefKind {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            RefKind::ReplyTo => "reply_to",
            RefKind::Quote => "quote",
            RefKind::Repost => "repost",
            RefKind::Forward => "forward",
        }
    }
}

/// A reference from a post to another post or account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PostRef {
    /// What kind of reference.
    pub kind: RefKind,
    /// The target post's `platform_id`, when known.
    pub target_post_id: Option<String>,
    /// The target account's id or name, when known (a forward names its origin).
    pub target_account: Option<String>,
}
