//! The generic record shape shared by the JSONL and CSV adapters, and its conversion to model records.

use crate::finish::finish_post;
use crate::paths::safe_join;
use serde::Deserialize;
use std::path::Path;
use vigie_model::{Account, Attachment, MediaKind, Platform, Post, PostRef, RefKind, Timestamp};

/// An id written as a string or a number.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub(crate) enum Id {
    Text(String),
    Int(i64),
}

impl Id {
    pub(crate) fn into_string(self) -> String {
        match self {
            Id::Text(s) => s,
            Id::Int(n) => n.to_string(),
        }
    }
}

/// A time written as RFC 3339 text or Unix seconds.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub(crate) enum When {
    Text(String),
    Secs(i64),
}

impl When {
    pub(crate) fn parse(&self) -> Result<Timestamp, String> {
        match self {
            When::Text(s) => Timestamp::parse(s).map_err(|e| e.to_string()),
            When::Secs(n) => Ok(Timestamp::from_unix_seconds(*n)),
        }
    }
}

/// The author of a generic record.
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct GenericAccount {
    pub(crate) id: Option<Id>,
    pub(crate) handle: Option<String>,
    pub(crate) display_name: Option<String>,
    pub(crate) bio: Option<String>,
    pub(crate) avatar_url: Option<String>,
    pub(crate) created_at: Option<When>,
    pub(crate) followers: Option<i64>,
    pub(crate) following: Option<i64>,
    pub(crate) posts: Option<i64>,
}

/// A medium of a generic record.
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct GenericMedia {
    pub(crate) path: Option<String>,
    pub(crate) url: Option<String>,
    #[serde(rename = "type")]
    pub(crate) kind: Option<String>,
    pub(crate) width: Option<u32>,
    pub(crate) height: Option<u32>,
}

/// One generic record: a post (default) or an account.
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct GenericRecord {
    pub(crate) record: Option<String>,
    pub(crate) platform: Option<String>,
    pub(crate) id: Option<Id>,
    /// The post's (or account's) public address.
    #[serde(alias = "permalink")]
    pub(crate) url: Option<String>,
    pub(crate) created_at: Option<When>,
    pub(crate) text: Option<String>,
    pub(crate) lang: Option<String>,
    pub(crate) account: Option<GenericAccount>,
    pub(crate) account_id: Option<Id>,
    pub(crate) account_handle: Option<String>,
    pub(crate) account_display_name: Option<String>,
    pub(crate) reply_to: Option<Id>,
    pub(crate) quote_of: Option<Id>,
    pub(crate) repost_of: Option<Id>,
    pub(crate) forwarded_from: Option<String>,
    pub(crate) hashtags: Option<Vec<String>>,
    pub(crate) urls: Option<Vec<String>>,
    pub(crate) mentions: Option<Vec<String>>,
    pub(crate) media: Option<Vec<GenericMedia>>,
    // Account fields, for `"record": "account"` lines.
    pub(crate) handle: Option<String>,
    pub(crate) display_name: Option<String>,
    pub(crate) bio: Option<String>,
    pub(crate) avatar_url: Option<String>,
    pub(crate) followers: Option<i64>,
    pub(crate) following: Option<i64>,
    pub(crate) posts: Option<i64>,
}

/// What one generic record became.
pub(crate) struct Converted {
    pub(crate) account: Option<Account>,
    pub(crate) post: Option<Post>,
    /// Media references that were refused (path and reason), to quarantine beside the post.
    pub(crate) refused_media: Vec<(usize, String)>,
}

fn non_empty(s: Option<String>) -> Option<String> {
    s.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty())
}

fn build_account(
    platform: &Platform,
    a: GenericAccount,
    fallback_time: Option<Timestamp>,
) -> Result<Option<Account>, String> {
    let handle = non_empty(a.handle).map(|h| h.trim_start_matches('@').to_owned());
    let id = match (
        a.id.map(Id::into_string).and_then(|s| non_empty(Some(s))),
        &handle,
    ) {
        (Some(id), _) => id,
        (None, Some(h)) => Account::id_from_handle(h),
        (None, None) => return Ok(None),
    };
    let mut account = Account::with_id(platform.clone(), id);
    account.handle = handle;
    account.display_name = non_empty(a.display_name);
    account.bio = non_empty(a.bio);
    account.avatar_url = non_empty(a.avatar_url);
    account.created_at = a
        .created_at
        .map(|w| w.parse())
        .transpose()
        .map_err(|e| format!("account created_at: {e}"))?;
    account.followers = a.followers;
    account.following = a.following;
    account.post_count = a.posts;
    account.observed_at = fallback_time;
    Ok(Some(account))
}

/// Converts a generic record. `root` is the folder media paths are relative to.
pub(crate) fn convert(
    r: GenericRecord,
    default_platform: &Platform,
    root: &Path,
) -> Result<Converted, String> {
    let platform = match r.platform.as_deref() {
        Some(name) => Platform::parse(name)?,
        None => default_platform.clone(),
    };
    let created_at = r
        .created_at
        .as_ref()
        .map(When::parse)
        .transpose()
        .map_err(|e| format!("created_at: {e}"))?;
    let is_account = match r.record.as_deref().map(str::trim) {
        None | Some("post") | Some("") => false,
        Some("account") => true,
        Some(other) => {
            return Err(format!(
                "record {other:?} is neither \"post\" nor \"account\""
            ));
        }
    };
    if is_account {
        let a = GenericAccount {
            id: r.id,
            handle: r.handle,
            display_name: r.display_name,
            bio: r.bio,
            avatar_url: r.avatar_url,
            created_at: r.created_at,
            followers: r.followers,
            following: r.following,
            posts: r.posts,
        };
        let account = build_account(&platform, a, None)?
            .ok_or("account record has neither `id` nor `handle`")?;
        check_account_identifiers(&account)?;
        return Ok(Converted {
            account: Some(account),
            post: None,
            refused_media: Vec::new(),
        });
    }
    let id =
        r.id.map(Id::into_string)
            .and_then(|s| non_empty(Some(s)))
            .ok_or("missing required field `id`")?;
    let author = match r.account {
        Some(a) => a,
        None => GenericAccount {
            id: r.account_id,
            handle: r.account_handle,
            display_name: r.account_display_name,
            ..GenericAccount::default()
        },
    };
    let account = build_account(&platform, author, created_at)?;
    let mut post = Post::with_id(platform, id);
    post.url = non_empty(r.url);
    post.account_id = account.as_ref().map(|a| a.platform_id.clone());
    post.text = r.text.filter(|t| !t.is_empty());
    post.lang = non_empty(r.lang).map(|l| l.to_lowercase());
    post.created_at = created_at;
    for (kind, target) in [
        (RefKind::ReplyTo, r.reply_to),
        (RefKind::Quote, r.quote_of),
        (RefKind::Repost, r.repost_of),
    ] {
        if let Some(t) = target.map(Id::into_string).and_then(|s| non_empty(Some(s))) {
            post.references.push(PostRef {
                kind,
                target_post_id: Some(t),
                target_account: None,
            });
        }
    }
    if let Some(from) = non_empty(r.forwarded_from) {
        post.references.push(PostRef {
            kind: RefKind::Forward,
            target_post_id: None,
            target_account: Some(from),
        });
    }
    let listed = r.hashtags.is_some() || r.urls.is_some() || r.mentions.is_some();
    post.hashtags = r
        .hashtags
        .unwrap_or_default()
        .into_iter()
        .map(|h| h.trim_start_matches('#').to_owned())
        .collect();
    post.urls = r.urls.unwrap_or_default();
    post.mentions = r
        .mentions
        .unwrap_or_default()
        .into_iter()
        .map(|m| m.trim_start_matches('@').to_owned())
        .collect();
    let mut refused_media = Vec::new();
    for (i, m) in r.media.unwrap_or_default().into_iter().enumerate() {
        let mut att = Attachment::new(
            m.kind
                .as_deref()
                .map(MediaKind::parse)
                .unwrap_or(MediaKind::Photo),
        );
        att.url = non_empty(m.url);
        att.width = m.width;
        att.height = m.height;
        if let Some(path) = non_empty(m.path) {
            match safe_join(root, &path) {
                Ok(file) => att.file = Some(file),
                Err(e) => refused_media.push((i, e.to_string())),
            }
            att.source_path = Some(path);
        }
        post.attachments.push(att);
    }
    finish_post(&mut post, !listed);
    if let Some(a) = &account {
        check_account_identifiers(a)?;
    }
    check_post_identifiers(&post)?;
    Ok(Converted {
        account,
        post: Some(post),
        refused_media,
    })
}

/// An identifier with a control character (a NUL, a line break) is refused, never cleaned: `acc\0 1` and
/// `acc1` are different accounts, and removing the NUL (which a database cannot store) would merge them.
fn check_identifier(field: &str, value: &str) -> Result<(), String> {
    match value.char_indices().find(|(_, c)| c.is_control()) {
        Some((at, c)) => Err(format!(
            "`{field}` holds a control character (U+{:04X} at byte {at}); identifiers are kept as written, \
             so the record is not imported",
            u32::from(c)
        )),
        None => Ok(()),
    }
}

pub(crate) fn check_account_identifiers(a: &Account) -> Result<(), String> {
    check_identifier("account id", &a.platform_id)?;
    if let Some(h) = &a.handle {
        check_identifier("handle", h)?;
    }
    Ok(())
}

pub(crate) fn check_post_identifiers(p: &Post) -> Result<(), String> {
    check_identifier("id", &p.platform_id)?;
    if let Some(a) = &p.account_id {
        check_identifier("account id", a)?;
    }
    for r in &p.references {
        if let Some(t) = &r.target_post_id {
            check_identifier("referenced post id", t)?;
        }
    }
    for m in &p.mentions {
        check_identifier("mention", m)?;
    }
    Ok(())
}
