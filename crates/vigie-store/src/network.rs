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
    /// The network's accounts, with their ids, in id order.
    fn network_nodes(&mut self) -> Result<Vec<(i64, NetworkNode)>, StoreError> {
        let mut nodes = Vec::new();
        self.each_network_node(&mut |id, n| nodes.push((id, n)))?;
        Ok(nodes)
    }
    /// The largest account id of the network (0: none); ids are dense from 1, so also about how many there are.
    fn network_node_top(&mut self) -> Result<i64, StoreError>;
    /// Gives each of the network's accounts with its id, in id order, without holding them all.
    fn each_network_node(
        &mut self,
        each: &mut dyn FnMut(i64, NetworkNode),
    ) -> Result<(), StoreError>;
    /// How many ties are stored.
    fn network_tie_count(&mut self) -> Result<u64, StoreError>;
    /// Each stored tie, in (from, to, kind) order: packs as they are, the ties of a pack changed since it was
    /// written from their rows.
    fn network_ties(&mut self, each: &mut dyn FnMut(StoredTie<'_>)) -> Result<(), StoreError>;
    /// Writes again each pack of ties whose rows changed since it was written (in one transaction); returns how
    /// many were written. Reading is right either way; packed, it reads a blob per 1,024 source accounts instead
    /// of a row per tie.
    fn pack_network_ties(&mut self) -> Result<u64, StoreError>;
    /// Each member of each group of at least two no larger than its kind's cap, group by group.
    fn network_shared(
        &mut self,
        caps: SharedCaps,
        each: &mut dyn FnMut(SharedMember<'_>),
    ) -> Result<(), StoreError>;
}

/// How many source accounts (by row id) share one packed run of ties: `network_tie_packs` keeps the ties of sources
/// `pack * PACK_SOURCES ..` in one blob, so that reading the whole network is a few thousand blobs rather than a
/// row per tie.
pub(crate) const PACK_SOURCES: i64 = 1024;

/// The pack that holds the ties from `src`.
pub(crate) fn pack_of(src: i64) -> i64 {
    src.div_euclid(PACK_SOURCES)
}

/// The first source row id of `pack`, and the first past it.
pub(crate) fn pack_range(pack: i64) -> (i64, i64) {
    let start = pack.saturating_mul(PACK_SOURCES);
    (start, start.saturating_add(PACK_SOURCES))
}

/// The layout version written first in every pack.
const PACK_VERSION: u8 = 1;

/// Writes the ties of one pack, given in (from, to, kind) order, as a blob: the version, how many ties, the kinds it names
/// (count, then each as length and bytes), then each tie as LEB128 numbers: the source's step from the previous
/// one, the target's step from the previous target of the same source (zigzag), the kind's index, the count
/// (zigzag), a byte saying which times follow, and those times (zigzag).
#[derive(Debug, Default)]
pub(crate) struct PackWriter {
    kinds: Vec<String>,
    body: Vec<u8>,
    ties: i64,
    from: i64,
    to: i64,
}

impl PackWriter {
    /// Adds a tie, after every tie that sorts before it.
    pub(crate) fn push(&mut self, t: &StoredTie<'_>) {
        let kind = match self.kinds.iter().position(|k| k == t.kind) {
            Some(i) => i,
            None => {
                self.kinds.push(t.kind.to_owned());
                self.kinds.len() - 1
            }
        };
        if self.ties == 0 || t.from != self.from {
            self.to = 0;
        }
        put_uvarint(&mut self.body, zigzag(t.from.wrapping_sub(self.from)));
        put_uvarint(&mut self.body, zigzag(t.to.wrapping_sub(self.to)));
        put_uvarint(&mut self.body, kind as u64);
        put_uvarint(&mut self.body, zigzag(t.count));
        let flags = u8::from(t.first.is_some()) | (u8::from(t.last.is_some()) << 1);
        self.body.push(flags);
        for time in [t.first, t.last].into_iter().flatten() {
            put_uvarint(&mut self.body, zigzag(time));
        }
        self.from = t.from;
        self.to = t.to;
        self.ties += 1;
    }

    /// How many ties were pushed.
    pub(crate) fn ties(&self) -> i64 {
        self.ties
    }

    /// The blob.
    pub(crate) fn finish(self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.body.len() + 16 * self.kinds.len() + 4);
        out.push(PACK_VERSION);
        put_uvarint(&mut out, zigzag(self.ties));
        put_uvarint(&mut out, self.kinds.len() as u64);
        for k in &self.kinds {
            put_uvarint(&mut out, k.len() as u64);
            out.extend_from_slice(k.as_bytes());
        }
        out.extend_from_slice(&self.body);
        out
    }
}

/// Gives each tie of a pack [`PackWriter`] wrote, in the order it was written. A pack that does not read back whole
/// is [`StoreError::Corrupt`], named by `what`.
pub(crate) fn unpack(
    data: &[u8],
    what: &dyn Fn() -> String,
    each: &mut dyn FnMut(StoredTie<'_>),
) -> Result<(), StoreError> {
    let bad = |why: &str| StoreError::Corrupt(format!("{}: {why}", what()));
    let mut r = Reader { data, at: 0 };
    if r.byte().ok_or_else(|| bad("empty"))? != PACK_VERSION {
        return Err(bad("unknown layout version"));
    }
    let ties = unzigzag(r.uvarint().ok_or_else(|| bad("truncated header"))?);
    let n = r.uvarint().ok_or_else(|| bad("truncated kinds"))?;
    let mut kinds: Vec<&str> = Vec::new();
    for _ in 0..n {
        let len = r.uvarint().ok_or_else(|| bad("truncated kind"))?;
        let bytes = r.take(len).ok_or_else(|| bad("truncated kind"))?;
        kinds.push(std::str::from_utf8(bytes).map_err(|_| bad("a kind is not UTF-8"))?);
    }
    let (mut from, mut to) = (0i64, 0i64);
    let mut first_tie = true;
    let mut read = 0i64;
    while r.at < data.len() {
        let step = unzigzag(r.uvarint().ok_or_else(|| bad("truncated tie"))?);
        if first_tie || step != 0 {
            to = 0;
        }
        first_tie = false;
        from = from.wrapping_add(step);
        to = to.wrapping_add(unzigzag(r.uvarint().ok_or_else(|| bad("truncated tie"))?));
        let kind = usize::try_from(r.uvarint().ok_or_else(|| bad("truncated tie"))?)
            .ok()
            .and_then(|k| kinds.get(k).copied())
            .ok_or_else(|| bad("a tie names a kind the pack does not list"))?;
        let count = unzigzag(r.uvarint().ok_or_else(|| bad("truncated tie"))?);
        let flags = r.byte().ok_or_else(|| bad("truncated tie"))?;
        let mut time = |present: bool| -> Result<Option<i64>, StoreError> {
            if present {
                Ok(Some(unzigzag(
                    r.uvarint().ok_or_else(|| bad("truncated tie"))?,
                )))
            } else {
                Ok(None)
            }
        };
        let first = time(flags & 1 != 0)?;
        let last = time(flags & 2 != 0)?;
        each(StoredTie {
            from,
            to,
            kind,
            count,
            first,
            last,
        });
        read += 1;
    }
    if read != ties {
        return Err(bad(&format!("{read} ties where the pack says {ties}")));
    }
    Ok(())
}

fn zigzag(v: i64) -> u64 {
    ((v << 1) ^ (v >> 63)) as u64
}

fn unzigzag(v: u64) -> i64 {
    ((v >> 1) as i64) ^ -((v & 1) as i64)
}

fn put_uvarint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

struct Reader<'a> {
    data: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn byte(&mut self) -> Option<u8> {
        let b = *self.data.get(self.at)?;
        self.at += 1;
        Some(b)
    }

    fn uvarint(&mut self) -> Option<u64> {
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let b = self.byte()?;
            v |= u64::from(b & 0x7f) << shift;
            if b < 0x80 {
                return Some(v);
            }
        }
        None
    }

    fn take(&mut self, len: u64) -> Option<&'a [u8]> {
        let len = usize::try_from(len).ok()?;
        let end = self.at.checked_add(len)?;
        let s = self.data.get(self.at..end)?;
        self.at = end;
        Some(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tie(
        from: i64,
        to: i64,
        kind: &str,
        count: i64,
        first: Option<i64>,
        last: Option<i64>,
    ) -> (i64, i64, String, i64, Option<i64>, Option<i64>) {
        (from, to, kind.to_owned(), count, first, last)
    }

    #[test]
    fn regression_18_a_pack_gives_back_the_ties_written_into_it() {
        let ties = vec![
            tie(
                1024,
                3,
                "mention",
                1,
                Some(1_700_000_000_000),
                Some(1_700_000_000_000),
            ),
            tie(1024, 3, "repost", 7, None, Some(5)),
            tie(1024, 900_000_000_000, "mention", i64::MAX, Some(-4), None),
            tie(1030, 2, "quote", 0, None, None),
            tie(1030, 2, "repost", -1, Some(i64::MIN), Some(i64::MAX)),
            tie(2047, 1, "announced", 1 << 40, Some(0), Some(0)),
        ];
        let mut w = PackWriter::default();
        for (from, to, kind, count, first, last) in &ties {
            w.push(&StoredTie {
                from: *from,
                to: *to,
                kind,
                count: *count,
                first: *first,
                last: *last,
            });
        }
        assert_eq!(w.ties(), 6);
        let blob = w.finish();
        let mut back = Vec::new();
        unpack(&blob, &|| "pack 1".to_owned(), &mut |t| {
            back.push((t.from, t.to, t.kind.to_owned(), t.count, t.first, t.last));
        })
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(back, ties);
        // Cut short anywhere, the pack is refused with its name.
        for cut in 0..blob.len() {
            let e = unpack(&blob[..cut], &|| "pack 1".to_owned(), &mut |_| {})
                .err()
                .unwrap_or_else(|| panic!("a pack cut at {cut} of {} was read", blob.len()));
            assert!(e.to_string().contains("pack 1"), "{e}");
        }
        assert!(unpack(&[9], &|| "p".to_owned(), &mut |_| {}).is_err());
    }

    #[test]
    fn regression_18_sources_map_to_packs_of_fixed_width() {
        assert_eq!(pack_of(0), 0);
        assert_eq!(pack_of(1023), 0);
        assert_eq!(pack_of(1024), 1);
        assert_eq!(pack_range(1), (1024, 2048));
        assert!((pack_range(7).0..pack_range(7).1).all(|s| pack_of(s) == 7));
    }
}
