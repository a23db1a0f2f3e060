//! The account network as the store keeps it: what each scan folded in of the posts stored since the last one.
//!
//! The engine reads new posts, gathers a [`NetworkDelta`] (accounts and what their posts say of them, direct
//! ties, shared acts, references to posts not stored yet) and applies it in one transaction with the position it
//! reached; [`Network::resolve_network_pending`] then ties the references whose post has arrived. Reading gives
//! the accounts, the ties and the members of each group small enough to be a tie rather than something popular.

use crate::StoreError;

/// An account of the network and what the posts folded in say of it; in a delta, what to add.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NetworkNode {
    /// `platform:id` for a stored author, `platform:@handle` or `platform:~title` for one only named.
    pub key: String,
    /// The platform.
    pub platform: String,
    /// The handle, when known (kept when a later delta has none).
    pub handle: Option<String>,
    /// The display name, when known.
    pub display_name: Option<String>,
    /// Posts folded in.
    pub posts: i64,
    /// Of which, with text.
    pub text_posts: i64,
    /// Of which, with a reporting marker (news, research, counter-speech, moderation).
    pub reporting_posts: i64,
    /// The first post's time (Unix seconds).
    pub first_post: Option<i64>,
    /// The last post's time (Unix seconds).
    pub last_post: Option<i64>,
}

/// Events of one kind from one account to another, by key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetworkTie {
    /// Who did it.
    pub from: String,
    /// To whom.
    pub to: String,
    /// The tie's kind, as the graph names it (`mention`, `repost`, ...).
    pub kind: String,
    /// How many events.
    pub count: i64,
    /// The earliest event's time.
    pub first: Option<i64>,
    /// The latest event's time.
    pub last: Option<i64>,
}

/// An account that did something others may have done too: posted a medium, a link, a hashtag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SharedAct {
    /// `medium`, `link` or `hashtag`.
    pub kind: String,
    /// What it posted (a SHA-256, a canonical URL, `platform#tag`).
    pub what: String,
    /// The account's key.
    pub node: String,
    /// When (the earliest time it did, over the deltas).
    pub at: Option<i64>,
}

/// A reference to a post not stored yet (a reply, quote, repost or forward): tied to the post's author when it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingTie {
    /// Who referred to it.
    pub from: String,
    /// The post's platform.
    pub platform: String,
    /// The post's platform id.
    pub post: String,
    /// The tie's kind.
    pub kind: String,
    /// When.
    pub at: Option<i64>,
}

/// What a batch of posts adds to the network.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NetworkDelta {
    /// The last post id it folds in: the store's position after applying it.
    pub position: i64,
    /// Every account the delta names (its ties and acts included), with what to add to it.
    pub nodes: Vec<NetworkNode>,
    /// Direct ties.
    pub ties: Vec<NetworkTie>,
    /// Shared acts.
    pub shared: Vec<SharedAct>,
    /// References whose post may not be stored yet.
    pub pending: Vec<PendingTie>,
}

/// A stored tie, by node id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoredTie<'a> {
    /// Who did it.
    pub from: i64,
    /// To whom.
    pub to: i64,
    /// The kind.
    pub kind: &'a str,
    /// How many events.
    pub count: i64,
    /// The earliest event's time.
    pub first: Option<i64>,
    /// The latest event's time.
    pub last: Option<i64>,
}

/// A member of a group of accounts that did the same thing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SharedMember<'a> {
    /// `medium`, `link` or `hashtag`.
    pub kind: &'a str,
    /// What they posted.
    pub what: &'a str,
    /// The member's node id.
    pub node: i64,
    /// When it first did.
    pub at: Option<i64>,
}

/// One tie of an account's neighbourhood: the account at its other end, and what tied them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NeighbourTie {
    /// The other account's key.
    pub key: String,
    /// Its handle, when known.
    pub handle: Option<String>,
    /// Its display name, when known.
    pub display_name: Option<String>,
    /// The tie's kind (`mention`, `repost`, `shared_medium`, ...).
    pub kind: String,
    /// `to` (the account did it to the other), `from` (the other did it to the account) or `shared` (both
    /// posted the same medium, link or rare hashtag).
    pub direction: String,
    /// How many times (shared: how many things both posted).
    pub count: i64,
}

/// An account's platform and platform id.
pub type AccountKey = (String, String);

/// The most members a group may have to make ties, per kind: more is popular.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SharedCaps {
    /// Media and links.
    pub shared: usize,
    /// Hashtags.
    pub hashtags: usize,
}

/// Network operations, implemented by both backends.
pub trait Network {
    /// The last post id folded in (0: none).
    fn network_position(&mut self) -> Result<i64, StoreError>;
    /// Adds `delta` and moves the position to its own, in one transaction.
    fn apply_network(&mut self, delta: &NetworkDelta) -> Result<(), StoreError>;
    /// Ties each pending reference whose post is stored and folded in to that post's author, and forgets every
    /// pending reference whose post is stored; returns the references tied.
    fn resolve_network_pending(&mut self) -> Result<u64, StoreError>;
    /// The last medium (its number in the order media were stored) looked at for near-duplicates.
    fn network_media_position(&mut self) -> Result<i64, StoreError>;
    /// Each medium that is a near-duplicate of an earlier one, with the SHA-256 it counts as.
    fn network_media_clusters(&mut self) -> Result<Vec<(String, String)>, StoreError>;
    /// Records near-duplicates (medium, the SHA-256 it counts as) and moves the media position, in one transaction.
    fn add_network_media_clusters(
        &mut self,
        clusters: &[(String, String)],
        position: i64,
    ) -> Result<(), StoreError>;
    /// Forgets the network and its position (the next update folds every post in again).
    fn reset_network(&mut self) -> Result<(), StoreError>;
    /// The row id of each account of `accounts` (platform, platform id) that is stored.
    fn account_rows(
        &mut self,
        accounts: &[AccountKey],
    ) -> Result<Vec<(AccountKey, i64)>, StoreError>;
    /// The ties of the account known by any of `keys` (its `platform:id` and `platform:@handle`), both ways,
    /// and its shared acts with others in groups within their caps.
    fn network_neighbourhood(
        &mut self,
        keys: &[String],
        caps: SharedCaps,
    ) -> Result<Vec<NeighbourTie>, StoreError>;
    /// The network's accounts, with their ids.
    fn network_nodes(&mut self) -> Result<Vec<(i64, NetworkNode)>, StoreError>;
    /// How many ties are stored.
    fn network_tie_count(&mut self) -> Result<u64, StoreError>;
    /// Each stored tie, in (from, to, kind) order.
    fn network_ties(&mut self, each: &mut dyn FnMut(StoredTie<'_>)) -> Result<(), StoreError>;
    /// Each member of each group of at least two no larger than its kind's cap, group by group.
    fn network_shared(
        &mut self,
        caps: SharedCaps,
        each: &mut dyn FnMut(SharedMember<'_>),
    ) -> Result<(), StoreError>;
}
