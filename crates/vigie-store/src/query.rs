//! Read-side shapes: queries, views and totals.

use serde::Serialize;
use vigie_model::{Account, Position, Post, RefKind};

/// A name and how many.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Count {
    /// The platform, language, or other key.
    pub key: String,
    /// How many.
    pub count: i64,
}

/// Totals over the whole store.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Stats {
    /// Accounts.
    pub accounts: i64,
    /// Distinct account states observed.
    pub observations: i64,
    /// Posts.
    pub posts: i64,
    /// Attachments (media references of posts).
    pub attachments: i64,
    /// Stored media (distinct bytes).
    pub media: i64,
    /// Stored media bytes.
    pub media_bytes: i64,
    /// Quarantined records.
    pub quarantined: i64,
    /// Imports run.
    pub imports: i64,
    /// Posts per platform, most first.
    pub posts_per_platform: Vec<Count>,
    /// Accounts per platform, most first.
    pub accounts_per_platform: Vec<Count>,
    /// Posts per language (`unknown` for none), most first.
    pub posts_per_language: Vec<Count>,
}

/// Which accounts to list.
#[derive(Debug, Clone, Default)]
pub struct AccountQuery {
    /// Only this platform.
    pub platform: Option<String>,
    /// Only handles or ids containing this (case-insensitive).
    pub search: Option<String>,
    /// At most this many.
    pub limit: usize,
}

/// An account with its post count.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AccountView {
    /// The newest observed state.
    pub account: Account,
    /// Posts stored for it.
    pub posts: i64,
    /// Distinct states observed.
    pub observations: i64,
}

/// Which posts to list.
#[derive(Debug, Clone, Default)]
pub struct PostQuery {
    /// Only posts by this account: a handle (with or without `@`) or a platform id.
    pub account: Option<String>,
    /// Only this platform.
    pub platform: Option<String>,
    /// Only the post with this platform id (with `platform`, one post; looked up by its key).
    pub post_id: Option<String>,
    /// At most this many.
    pub limit: usize,
}

/// A post with its author's handle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PostView {
    /// The post, with entities, references and attachments.
    pub post: Post,
    /// The author's handle, when known.
    pub handle: Option<String>,
    /// The author's display name, when known.
    pub display_name: Option<String>,
}

/// The store's content as canonical text rows, one list per table, sorted; row ids and the import log are
/// left out, so two stores holding the same records compare equal.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Snapshot {
    /// One `(table, rows)` pair per content table.
    pub tables: Vec<(String, Vec<String>)>,
}

impl Snapshot {
    /// The number of rows in a table.
    pub fn rows(&self, table: &str) -> usize {
        self.tables
            .iter()
            .find(|(t, _)| t == table)
            .map(|(_, r)| r.len())
            .unwrap_or(0)
    }
}

/// Parses a stored position written by `Position`'s `Display`. Shared by both backends, which store positions
/// as that text.
pub(crate) fn parse_position(s: &str) -> Position {
    if s == "file" {
        return Position::File;
    }
    if let Some(rest) = s.strip_prefix("line ") {
        if let Ok(n) = rest.parse() {
            return Position::Line(n);
        }
        if let Some((n, path)) = rest.split_once(", ")
            && let Ok(n) = n.parse()
        {
            return Position::LinePath(n, path.to_owned());
        }
    }
    Position::JsonPath(s.to_owned())
}

/// Parses a stored reference kind written by [`RefKind::as_str`]; an unknown name reads as a forward.
pub(crate) fn parse_ref_kind(s: &str) -> RefKind {
    match s {
        "reply_to" => RefKind::ReplyTo,
        "quote" => RefKind::Quote,
        "repost" => RefKind::Repost,
        _ => RefKind::Forward,
    }
}

/// The SQL, shared by both backends, that renders each content table as canonical rows (natural keys in
/// place of row ids). `||` concatenation and `COALESCE` behave the same in SQLite and PostgreSQL.
pub(crate) const SNAPSHOT_SQL: &[(&str, &str)] = &[
    (
        "accounts",
        "SELECT a.platform || '|' || a.platform_id || '|' || COALESCE(a.handle,'~') || '|' || COALESCE(a.display_name,'~') \
         || '|' || COALESCE(a.bio,'~') || '|' || COALESCE(a.avatar_url,'~') || '|' || COALESCE(CAST(a.created_at AS TEXT),'~') \
         || '|' || COALESCE(CAST(a.followers AS TEXT),'~') || '|' || COALESCE(CAST(a.following AS TEXT),'~') \
         || '|' || COALESCE(CAST(a.post_count AS TEXT),'~') || '|' || COALESCE(CAST(a.last_seen AS TEXT),'~') FROM accounts a",
    ),
    (
        "account_observations",
        "SELECT a.platform || '|' || a.platform_id || '|' || CAST(o.fingerprint AS TEXT) || '|' || COALESCE(o.handle,'~') \
         || '|' || COALESCE(o.display_name,'~') || '|' || COALESCE(o.bio,'~') || '|' || COALESCE(CAST(o.followers AS TEXT),'~') \
         || '|' || COALESCE(CAST(o.first_seen AS TEXT),'~') || '|' || COALESCE(CAST(o.last_seen AS TEXT),'~') \
         FROM account_observations o JOIN accounts a ON a.id = o.account_id",
    ),
    (
        "posts",
        "SELECT p.platform || '|' || p.platform_id || '|' || COALESCE(a.platform_id,'~') || '|' || COALESCE(p.text,'~') \
         || '|' || COALESCE(p.lang,'~') || '|' || COALESCE(CAST(p.created_at AS TEXT),'~') || '|' || COALESCE(p.source_file,'~') \
         || '|' || COALESCE(p.source_position,'~') || '|' || COALESCE(p.url,'~') \
         FROM posts p LEFT JOIN accounts a ON a.id = p.account_id",
    ),
    (
        "post_refs",
        "SELECT p.platform || '|' || p.platform_id || '|' || CAST(r.position AS TEXT) || '|' || r.kind || '|' \
         || COALESCE(r.target_post_id,'~') || '|' || COALESCE(r.target_account,'~') FROM post_refs r JOIN posts p ON p.id = r.post_id",
    ),
    (
        "post_hashtags",
        "SELECT p.platform || '|' || p.platform_id || '|' || CAST(h.position AS TEXT) || '|' || h.tag \
         FROM post_hashtags h JOIN posts p ON p.id = h.post_id",
    ),
    (
        "post_urls",
        "SELECT p.platform || '|' || p.platform_id || '|' || CAST(u.position AS TEXT) || '|' || u.url \
         FROM post_urls u JOIN posts p ON p.id = u.post_id",
    ),
    (
        "post_mentions",
        "SELECT p.platform || '|' || p.platform_id || '|' || CAST(m.position AS TEXT) || '|' || m.handle \
         FROM post_mentions m JOIN posts p ON p.id = m.post_id",
    ),
    (
        "post_media",
        "SELECT p.platform || '|' || p.platform_id || '|' || CAST(m.position AS TEXT) || '|' || m.kind || '|' \
         || COALESCE(m.media_key,'~') || '|' || COALESCE(m.url,'~') || '|' || COALESCE(m.source_path,'~') || '|' \
         || COALESCE(m.sha256,'~') FROM post_media m JOIN posts p ON p.id = m.post_id",
    ),
    (
        "media",
        "SELECT sha256 || '|' || md5 || '|' || mime || '|' || CAST(byte_size AS TEXT) || '|' || COALESCE(CAST(width AS TEXT),'~') \
         || '|' || COALESCE(CAST(height AS TEXT),'~') || '|' || COALESCE(pdq,'~') || '|' || COALESCE(CAST(pdq_quality AS TEXT),'~') || '|' || COALESCE(pdq_variants,'~') FROM media",
    ),
    (
        "media_sources",
        "SELECT sha256 || '|' || path FROM media_sources",
    ),
    (
        "quarantine",
        "SELECT file || '|' || position || '|' || reason FROM quarantine",
    ),
];
