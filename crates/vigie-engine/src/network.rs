//! Account networks: the interaction graph of the stored posts, and the accounts most tied to a set of seeds.
//!
//! [`update_network`] folds the posts stored since its last run into the network the store keeps, and
//! [`load_network`] reads it: each post ties its author to the accounts it mentions, replies to,
//! quotes, reposts or forwards, and to the accounts that posted the same medium (SHA-256, or a PDQ hash within
//! [`NEAR_MEDIUM_DISTANCE`] of it), the same canonical
//! link, or the same rare hashtag; a post that announces a handle ("new account: @...") ties its author to that
//! handle most strongly. Media, links and hashtags shared by many accounts are popular, not ties, and are left
//! out. Each account's posts are also read for reporting markers (news, research, counter-speech, moderation):
//! the journalists and researchers who mention a network all day must not rise with it.
//!
//! [`rank_accounts`] expands seeds (confirmed accounts, or accounts named by the analyst) by personalized
//! PageRank over that graph, finds communities (Louvain), and scores each other account with its parts listed:
//! how tied it is, the seeds it is tied to and how, its community, and what scaled it down.

use crate::analysis::{Reporter, Scratch};
use crate::error::EngineError;
use foldhash::{HashMap, HashMapExt};
use serde::Serialize;
use vigie_graph::{Communities, EdgeKind, Graph, GraphBuilder, NodeId, RankOptions};
use vigie_model::{CaseStatus, CaseSubject, Evidence, RefKind, SignalKind};
use vigie_store::{
    NetworkDelta, NetworkNode, NetworkTie, PendingTie, SharedAct, SharedCaps, Store,
};

/// How the graph is built.
#[derive(Debug, Clone)]
pub struct NetworkOptions {
    /// Only this platform's posts.
    pub platform: Option<String>,
    /// A medium or link posted by more accounts than this is popular, not a tie (default 25).
    pub shared_max_accounts: usize,
    /// A hashtag used by more accounts than this is not rare (default 10).
    pub rare_hashtag_max_accounts: usize,
}

impl Default for NetworkOptions {
    fn default() -> Self {
        NetworkOptions {
            platform: None,
            shared_max_accounts: 25,
            rare_hashtag_max_accounts: 10,
        }
    }
}

/// An account of the network: stored, or only named by others (a mention or announcement of a handle no
/// export showed, a forward from a channel by its title).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct NetworkAccount {
    /// Its key in the graph: `platform:id` for a stored account, `platform:@handle` or `platform:~name` for
    /// one only named.
    pub key: String,
    /// The platform.
    pub platform: String,
    /// The platform's id, when stored.
    pub platform_id: Option<String>,
    /// The handle, when known.
    pub handle: Option<String>,
    /// The display name, when known.
    pub display_name: Option<String>,
    /// The bio, when known.
    pub bio: Option<String>,
    /// Its stored posts read.
    pub posts: usize,
    /// Of which, posts with text (what the reporting share is taken over).
    pub text_posts: usize,
    /// Its first and last post's times (Unix seconds).
    pub first_post: Option<i64>,
    /// See `first_post`.
    pub last_post: Option<i64>,
    /// Of which, posts with a reporting marker (news, research, counter-speech, moderation).
    pub reporting_posts: usize,
}

impl NetworkAccount {
    /// `@handle`, else the display name, else the key: how the account is shown.
    pub fn label(&self) -> String {
        match (&self.handle, &self.display_name) {
            (Some(h), _) => format!("@{h}"),
            (None, Some(n)) => n.clone(),
            _ => self.key.clone(),
        }
    }
}

/// The graph and its accounts, by node.
#[derive(Debug, Clone)]
pub struct Network {
    /// The interaction graph.
    pub graph: Graph,
    /// Each node's account.
    pub accounts: Vec<NetworkAccount>,
}

impl Network {
    /// The node of an account named as `platform:id`, `platform:@handle` or `@handle` (handles case-insensitive;
    /// `@handle` on any platform). A stored account is preferred to one only named; `None` when the name fits
    /// no account, or several stored ones.
    pub fn find(&self, name: &str) -> Option<NodeId> {
        if let Some(n) = self.graph.find(name) {
            return Some(n);
        }
        let (platform, rest) = match name.split_once(':') {
            Some((p, r)) => (Some(p), r),
            None => (None, name),
        };
        let handle = rest.strip_prefix('@')?.to_lowercase();
        let fits: Vec<usize> = (0..self.accounts.len())
            .filter(|&i| {
                let a = &self.accounts[i];
                platform.is_none_or(|p| a.platform == p)
                    && a.handle
                        .as_deref()
                        .is_some_and(|h| h.to_lowercase() == handle)
            })
            .collect();
        let stored: Vec<usize> = fits
            .iter()
            .copied()
            .filter(|&i| self.accounts[i].platform_id.is_some())
            .collect();
        match (stored.as_slice(), fits.as_slice()) {
            ([one], _) | ([], [one]) => NodeId::try_from(*one).ok(),
            _ => None,
        }
    }
}

/// What one update of the stored network did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct NetworkUpdate {
    /// Posts folded in.
    pub posts: u64,
    /// References to posts stored since (replies, quotes, reposts, forwards) tied to their author.
    pub tied_later: u64,
    /// The last post id folded in.
    pub position: i64,
}

/// Gathers what one page of posts adds to the network.
#[derive(Default)]
struct DeltaBuilder {
    nodes: HashMap<String, NetworkNode>,
    ties: HashMap<(String, String, EdgeKind), NetworkTie>,
    shared: HashMap<(&'static str, String, String), Option<i64>>,
    pending: Vec<PendingTie>,
}

fn earliest(a: Option<i64>, b: Option<i64>) -> Option<i64> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x.min(y)),
        (x, y) => x.or(y),
    }
}

fn latest(a: Option<i64>, b: Option<i64>) -> Option<i64> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x.max(y)),
        (x, y) => x.or(y),
    }
}

impl DeltaBuilder {
    fn node(&mut self, key: String, platform: &str) -> &mut NetworkNode {
        self.nodes.entry(key).or_insert_with_key(|k| NetworkNode {
            key: k.clone(),
            platform: platform.to_owned(),
            ..NetworkNode::default()
        })
    }

    /// The key of an account named by others (a mention, an announcement, a forward's source by title), with
    /// its node listed.
    fn named(&mut self, platform: &str, name: &str, title: bool) -> String {
        let handle = name.trim_start_matches('@');
        let key = if title {
            format!("{platform}:~{name}")
        } else {
            format!("{platform}:@{}", handle.to_lowercase())
        };
        let node = self.node(key.clone(), platform);
        if title {
            node.display_name.get_or_insert_with(|| name.to_owned());
        } else {
            node.handle.get_or_insert_with(|| handle.to_owned());
        }
        key
    }

    fn tie(&mut self, from: &str, to: &str, kind: EdgeKind, at: Option<i64>) {
        if from == to {
            return;
        }
        let tie = self
            .ties
            .entry((from.to_owned(), to.to_owned(), kind))
            .or_insert_with(|| NetworkTie {
                from: from.to_owned(),
                to: to.to_owned(),
                kind: kind.as_str().to_owned(),
                count: 0,
                first: at,
                last: at,
            });
        tie.count += 1;
        tie.first = earliest(tie.first, at);
        tie.last = latest(tie.last, at);
    }

    fn act(&mut self, kind: &'static str, what: String, node: &str, at: Option<i64>) {
        let slot = self
            .shared
            .entry((kind, what, node.to_owned()))
            .or_insert(at);
        *slot = earliest(*slot, at);
    }

    fn delta(self, position: i64) -> NetworkDelta {
        let mut nodes: Vec<NetworkNode> = self.nodes.into_values().collect();
        nodes.sort_by(|a, b| a.key.cmp(&b.key));
        let mut ties: Vec<NetworkTie> = self.ties.into_values().collect();
        ties.sort_by(|a, b| (&a.from, &a.to, &a.kind).cmp(&(&b.from, &b.to, &b.kind)));
        let mut shared: Vec<SharedAct> = self
            .shared
            .into_iter()
            .map(|((kind, what, node), at)| SharedAct {
                kind: kind.to_owned(),
                what,
                node,
                at,
            })
            .collect();
        shared.sort_by(|a, b| (&a.kind, &a.what, &a.node).cmp(&(&b.kind, &b.what, &b.node)));
        NetworkDelta {
            position,
            nodes,
            ties,
            shared,
            pending: self.pending,
        }
    }
}

/// Posts read per store call.
const PAGE: usize = 5_000;

/// Folds the posts stored since the last update into the stored network: each author's counts (posts, posts with
/// text, posts with reporting markers, first and last post), its mentions, replies, quotes, reposts, forwards and
/// announced handles, and the media, links and hashtags it posted; then ties the references whose post arrived
/// since. One transaction per page of posts, each moving the position, so an interrupted update goes on where it
/// stopped.
///
/// # Errors
/// When the store fails.
pub fn update_network(
    store: &mut dyn Store,
    reporter: &Reporter,
) -> Result<NetworkUpdate, EngineError> {
    let mut update = NetworkUpdate {
        position: store.network_position()?,
        ..NetworkUpdate::default()
    };
    let clusters = fold_media(store)?;
    let mut scratch = Scratch::default();
    loop {
        let rows = store.posts_page(update.position, PAGE)?;
        let Some(last) = rows.last() else { break };
        let position = last.id;
        let mut delta = DeltaBuilder::default();
        for row in &rows {
            let post = &row.view.post;
            let platform = post.platform.as_str();
            let Some(author_id) = &post.account_id else {
                continue;
            };
            update.posts += 1;
            let author = format!("{platform}:{author_id}");
            let at = post.created_at.map(|t| t.0.div_euclid(1000));
            {
                let node = delta.node(author.clone(), platform);
                if node.handle.is_none() {
                    node.handle.clone_from(&row.view.handle);
                }
                if node.display_name.is_none() {
                    node.display_name.clone_from(&row.view.display_name);
                }
                node.posts += 1;
                let text = post.text.as_deref().unwrap_or("");
                if !text.trim().is_empty() {
                    node.text_posts += 1;
                    if reporter.reports(text, post.lang.as_deref(), &mut scratch) {
                        node.reporting_posts += 1;
                    }
                }
                node.first_post = earliest(node.first_post, at);
                node.last_post = latest(node.last_post, at);
            }
            let kind = if post
                .text
                .as_deref()
                .is_some_and(vigie_text::announces_account)
            {
                EdgeKind::Announced
            } else {
                EdgeKind::Mention
            };
            for handle in &post.mentions {
                let to = delta.named(platform, handle, false);
                delta.tie(&author, &to, kind, at);
            }
            for r in &post.references {
                let kind = match r.kind {
                    RefKind::ReplyTo => EdgeKind::Reply,
                    RefKind::Quote => EdgeKind::Quote,
                    RefKind::Repost => EdgeKind::Repost,
                    RefKind::Forward => EdgeKind::Forward,
                };
                if let Some(target) = &r.target_post_id {
                    delta.pending.push(PendingTie {
                        from: author.clone(),
                        platform: platform.to_owned(),
                        post: target.clone(),
                        kind: kind.as_str().to_owned(),
                        at,
                    });
                } else if let Some(name) = &r.target_account {
                    let to = delta.named(platform, name, true);
                    delta.tie(&author, &to, kind, at);
                }
            }
            for a in &post.attachments {
                if let Some(sha) = &a.sha256 {
                    let medium = clusters.get(sha).unwrap_or(sha);
                    delta.act(MEDIUM, medium.clone(), &author, at);
                }
            }
            for url in &post.urls {
                if let Some(c) = vigie_text::canonicalize_url(url) {
                    delta.act(LINK, c.url, &author, at);
                }
            }
            for tag in &post.hashtags {
                delta.act(
                    HASHTAG,
                    format!("{platform}#{}", tag.to_lowercase()),
                    &author,
                    at,
                );
            }
        }
        store.apply_network(&delta.delta(position))?;
        update.position = position;
    }
    update.tied_later = store.resolve_network_pending()?;
    // Reading the whole network then takes a blob per 1,024 accounts rather than a row per tie.
    store.pack_network_ties()?;
    Ok(update)
}

/// Two media whose PDQ hashes are at most this far apart are one medium to the network: the default distance at
/// which a bank matches (PDQ's reference threshold), so a re-encoded, resized or re-compressed copy ties its
/// poster to the original's.
pub const NEAR_MEDIUM_DISTANCE: u32 = 31;

/// PDQ hashes below this quality say too little of their image to call two media one (as in matching).
const NEAR_MEDIUM_MIN_QUALITY: u8 = 50;

/// Looks at the media stored since the last update: each one whose PDQ hash is within [`NEAR_MEDIUM_DISTANCE`]
/// of an earlier medium's counts as that medium (as what that one counts as), which the store keeps. Returns
/// every such medium with the SHA-256 it counts as.
fn fold_media(store: &mut dyn Store) -> Result<HashMap<String, String>, EngineError> {
    let position = store.network_media_position()?;
    let mut clusters: HashMap<String, String> =
        store.network_media_clusters()?.into_iter().collect();
    let mut media: Vec<(i64, vigie_pdq::Hash256, String)> = Vec::new();
    let mut after = 0i64;
    let mut last = position;
    loop {
        let page = store.media_feed(after, PAGE)?;
        let Some(end) = page.last() else { break };
        after = end.id;
        last = last.max(end.id);
        for m in page {
            let good = m.pdq_quality.is_some_and(|q| q >= NEAR_MEDIUM_MIN_QUALITY);
            if let Some(hash) = m
                .pdq
                .as_deref()
                .filter(|_| good)
                .and_then(|h| h.parse().ok())
            {
                media.push((m.id, hash, m.sha256));
            }
        }
    }
    if last <= position {
        return Ok(clusters);
    }
    let split = media.partition_point(|(id, _, _)| *id <= position);
    let mut index = vigie_index::PdqIndex::build(
        media[..split]
            .iter()
            .enumerate()
            .map(|(i, (_, h, _))| (*h, i as u32))
            .collect(),
    );
    let mut found = Vec::new();
    for i in split..media.len() {
        let (_, hash, sha) = &media[i];
        if let Some(hit) = index.search_sorted(hash, NEAR_MEDIUM_DISTANCE).first() {
            let other = &media[hit.id as usize].2;
            let cluster = clusters.get(other).unwrap_or(other).clone();
            if &cluster != sha && !clusters.contains_key(sha) {
                clusters.insert(sha.clone(), cluster.clone());
                found.push((sha.clone(), cluster));
            }
        }
        index.insert(*hash, i as u32);
    }
    store.add_network_media_clusters(&found, last)?;
    Ok(clusters)
}

/// The kinds of shared acts, as the store names them.
const MEDIUM: &str = "medium";
const LINK: &str = "link";
const HASHTAG: &str = "hashtag";

/// Reads the stored network (of `options.platform` when set) into a graph. An account only named by others
/// (`platform:@handle`, `platform:~title`) is the stored account of that handle when there is one; a medium, link
/// or hashtag posted by more accounts than its cap is popular and ties no one.
///
/// # Errors
/// When the store fails.
pub fn load_network(
    store: &mut dyn Store,
    options: &NetworkOptions,
) -> Result<Network, EngineError> {
    let stored = store.accounts(&vigie_store::AccountQuery {
        platform: options.platform.clone(),
        search: None,
        limit: usize::MAX,
    })?;
    let mut builder = GraphBuilder::with_capacity(stored.len(), 0);
    let mut accounts: Vec<NetworkAccount> = Vec::with_capacity(stored.len());
    let mut by_handle: HashMap<(String, String), NodeId> = HashMap::new();
    let node_of = |builder: &mut GraphBuilder, accounts: &mut Vec<NetworkAccount>, key: &str| {
        let node = builder.node(key);
        if node as usize == accounts.len() {
            accounts.push(NetworkAccount {
                key: key.to_owned(),
                ..NetworkAccount::default()
            });
        }
        node
    };
    for view in &stored {
        let a = &view.account;
        let platform = a.platform.as_str().to_owned();
        let node = node_of(
            &mut builder,
            &mut accounts,
            &format!("{platform}:{}", a.platform_id),
        );
        let entry = &mut accounts[node as usize];
        entry.platform.clone_from(&platform);
        entry.platform_id = Some(a.platform_id.clone());
        entry.handle.clone_from(&a.handle);
        entry.display_name.clone_from(&a.display_name);
        entry.bio.clone_from(&a.bio);
        if let Some(h) = &a.handle {
            by_handle
                .entry((platform, h.to_lowercase()))
                .or_insert(node);
        }
    }
    // Node ids are the store's row ids, dense from 1: each one's graph node by row id. Each row is taken as it
    // comes, its strings moved into the account rather than copied.
    // (A store whose ids were not reused after a reset may have gaps: past 32M, rows go to `far`.)
    let top = usize::try_from(store.network_node_top()?)
        .unwrap_or(0)
        .min(1 << 25);
    builder.reserve_nodes(top);
    accounts.reserve(top);
    let mut nodes: Vec<NodeId> = vec![NodeId::MAX; top.saturating_add(1)];
    let mut far: HashMap<i64, NodeId> = HashMap::new();
    store.each_network_node(&mut |id, n| {
        let NetworkNode {
            key,
            platform,
            handle,
            display_name,
            posts,
            text_posts,
            reporting_posts,
            first_post,
            last_post,
        } = n;
        if options.platform.as_deref().is_some_and(|p| p != platform) {
            return;
        }
        let name = key
            .strip_prefix(platform.as_str())
            .and_then(|rest| rest.strip_prefix(':'))
            .and_then(|rest| rest.strip_prefix('@').or_else(|| rest.strip_prefix('~')));
        let named = name.is_some();
        let known = name.and_then(|name| {
            let handle = name.trim_start_matches('@').to_lowercase();
            by_handle.get(&(platform.clone(), handle)).copied()
        });
        let node = known.unwrap_or_else(|| builder.node(&key));
        match usize::try_from(id).ok().and_then(|i| nodes.get_mut(i)) {
            Some(slot) => *slot = node,
            None => {
                far.insert(id, node);
            }
        }
        let platform_id = |key: &str| {
            (!named)
                .then(|| key.split_once(':').map(|(_, id)| id.to_owned()))
                .flatten()
        };
        if node as usize == accounts.len() {
            accounts.push(NetworkAccount {
                platform_id: platform_id(&key),
                key,
                platform,
                handle,
                display_name,
                ..NetworkAccount::default()
            });
        } else if let Some(entry) = accounts.get_mut(node as usize)
            && entry.platform.is_empty()
        {
            entry.platform = platform;
            entry.platform_id = platform_id(&key);
            entry.handle = handle;
            entry.display_name = display_name;
        }
        let entry = &mut accounts[node as usize];
        let count = |v: i64| usize::try_from(v).unwrap_or(0);
        entry.posts += count(posts);
        entry.text_posts += count(text_posts);
        entry.reporting_posts += count(reporting_posts);
        entry.first_post = earliest(entry.first_post, first_post);
        entry.last_post = latest(entry.last_post, last_post);
    })?;
    let node_of_row = |id: i64| {
        let slot = usize::try_from(id).ok().and_then(|i| nodes.get(i)).copied();
        match slot {
            Some(NodeId::MAX) => None,
            Some(n) => Some(n),
            None => far.get(&id).copied(),
        }
    };
    builder.reserve_events(usize::try_from(store.network_tie_count()?).unwrap_or(0));
    store.network_ties(&mut |t| {
        let (Some(from), Some(to), Some(kind)) = (
            node_of_row(t.from),
            node_of_row(t.to),
            EdgeKind::parse(t.kind),
        ) else {
            return;
        };
        let count = u32::try_from(t.count).unwrap_or(u32::MAX);
        builder.add_events(from, to, kind, count, t.first, t.last);
    })?;
    // Members arrive group by group: each group's ties are made when the next group starts.
    let mut group: Option<(EdgeKind, String)> = None;
    let mut members: Vec<(NodeId, Option<i64>)> = Vec::new();
    let caps = SharedCaps {
        shared: options.shared_max_accounts,
        hashtags: options.rare_hashtag_max_accounts,
    };
    let tie_group =
        |builder: &mut GraphBuilder, kind: EdgeKind, members: &[(NodeId, Option<i64>)]| {
            for (i, &(a, ta)) in members.iter().enumerate() {
                for &(b, tb) in &members[i + 1..] {
                    builder.add(a, b, kind, latest(ta, tb));
                }
            }
        };
    store.network_shared(caps, &mut |m| {
        let (what, at) = (m.what, m.at);
        let Some(node) = node_of_row(m.node) else {
            return;
        };
        let kind = match m.kind {
            MEDIUM => EdgeKind::SharedMedium,
            LINK => EdgeKind::SharedLink,
            _ => EdgeKind::SharedHashtag,
        };
        if group.as_ref().is_none_or(|(k, w)| *k != kind || w != what) {
            if let Some((k, _)) = &group {
                tie_group(&mut builder, *k, &members);
            }
            group = Some((kind, what.to_owned()));
            members.clear();
        }
        members.push((node, at));
    })?;
    if let Some((k, _)) = &group {
        tie_group(&mut builder, *k, &members);
    }
    let graph = builder.build();
    Ok(Network { graph, accounts })
}

/// Brings the stored network up to date ([`update_network`]) and reads it ([`load_network`]).
///
/// # Errors
/// When the store fails.
pub fn build_network(
    store: &mut dyn Store,
    reporter: &Reporter,
    options: &NetworkOptions,
) -> Result<Network, EngineError> {
    update_network(store, reporter)?;
    load_network(store, options)
}

/// How accounts are ranked around the seeds.
#[derive(Debug, Clone)]
pub struct RankSettings {
    /// Personalized PageRank's settings.
    pub pagerank: RankOptions,
    /// An account with at least `reporting_min_posts` posts read, of which this share or more carry reporting
    /// markers, is scaled by `reporting_factor` (default 0.3).
    pub reporting_min_share: f64,
    /// See `reporting_min_share` (default 3).
    pub reporting_min_posts: usize,
    /// See `reporting_min_share` (default 0.2).
    pub reporting_factor: f64,
    /// An account tied to the seeds only by talking about them (mentions, replies, quotes), never by spreading
    /// what they post, is scaled by this (default 0.5).
    pub talk_only_factor: f64,
}

impl Default for RankSettings {
    fn default() -> Self {
        RankSettings {
            pagerank: RankOptions::default(),
            reporting_min_share: 0.3,
            reporting_min_posts: 3,
            reporting_factor: 0.2,
            talk_only_factor: 0.5,
        }
    }
}

/// One tie between a ranked account and a seed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SeedTie {
    /// The seed, as shown.
    pub seed: String,
    /// The kind of tie.
    pub kind: &'static str,
    /// `to` (the account did it to the seed), `from` (the seed did it to the account) or `shared`.
    pub direction: &'static str,
    /// How many times.
    pub count: u32,
    /// The first time (Unix seconds).
    pub first: Option<i64>,
    /// The last time (Unix seconds).
    pub last: Option<i64>,
}

/// An account ranked around the seeds, with what its score is made of.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RankedAccount {
    /// The account.
    pub account: NetworkAccount,
    /// The score: `pagerank` (relative to the mean over all accounts) times the factors below.
    pub score: f64,
    /// Its personalized PageRank around the seeds.
    pub pagerank: f64,
    /// Its community, and how many seeds share it.
    pub community: u32,
    /// Seeds in its community.
    pub community_seeds: usize,
    /// Its direct ties to seeds, strongest kinds first.
    pub ties: Vec<SeedTie>,
    /// What scaled the score down, in words, with the factor each applied.
    pub mitigations: Vec<(String, f64)>,
}

/// The ranking around a set of seeds.
#[derive(Debug, Clone, Serialize)]
pub struct Ranking {
    /// The seeds found in the graph, as shown.
    pub seeds: Vec<String>,
    /// Seed names that are not in the graph.
    pub unknown_seeds: Vec<String>,
    /// Accounts in the graph.
    pub accounts: usize,
    /// Edges in the graph.
    pub edges: usize,
    /// Communities found, and their modularity.
    pub communities: usize,
    /// The partition's modularity.
    pub modularity: f64,
    /// The accounts other than the seeds, best first (those with a score above zero).
    pub ranked: Vec<RankedAccount>,
}

/// Ranks every account of `network` other than `seeds` around them. Accounts the seeds cannot reach score 0
/// and are left out.
pub fn rank_accounts(
    network: &Network,
    seeds: &[NodeId],
    communities: &Communities,
    settings: &RankSettings,
) -> Ranking {
    let graph = &network.graph;
    let n = graph.node_count();
    let pagerank = vigie_graph::personalized_pagerank(graph, seeds, &settings.pagerank);
    let is_seed: Vec<bool> = {
        let mut v = vec![false; n];
        for &s in seeds {
            if let Some(x) = v.get_mut(s as usize) {
                *x = true;
            }
        }
        v
    };
    let mut seeds_in = vec![0usize; communities.count];
    for &s in seeds {
        if let Some(&c) = communities.of.get(s as usize) {
            seeds_in[c as usize] += 1;
        }
    }
    let mean = 1.0 / n.max(1) as f64;
    let mut ranked = Vec::new();
    for v in 0..n {
        if is_seed[v] || pagerank[v] <= 0.0 {
            continue;
        }
        let node = v as NodeId;
        let account = &network.accounts[v];
        let mut weighed: Vec<(f64, SeedTie)> = graph
            .incident(node)
            .filter_map(|e| {
                let (other, direction) = if e.from == node {
                    (e.to, if e.kind.is_shared() { "shared" } else { "to" })
                } else {
                    (e.from, if e.kind.is_shared() { "shared" } else { "from" })
                };
                is_seed[other as usize].then(|| {
                    let tie = SeedTie {
                        seed: network.accounts[other as usize].label(),
                        kind: e.kind.as_str(),
                        direction,
                        count: e.count,
                        first: e.first,
                        last: e.last,
                    };
                    (e.kind.weight(), tie)
                })
            })
            .collect();
        weighed.sort_by(|(wa, a), (wb, b)| wb.total_cmp(wa).then(b.count.cmp(&a.count)));
        let ties: Vec<SeedTie> = weighed.into_iter().map(|(_, t)| t).collect();
        let mut score = pagerank[v] / mean;
        let mut mitigations = Vec::new();
        if account.text_posts >= settings.reporting_min_posts {
            let share = account.reporting_posts as f64 / account.text_posts as f64;
            if share >= settings.reporting_min_share {
                mitigations.push((
                    format!(
                        "{} of its {} posts with text carry news, research, counter-speech or moderation \
                         markers",
                        account.reporting_posts, account.text_posts
                    ),
                    settings.reporting_factor,
                ));
                score *= settings.reporting_factor;
            }
        }
        let outgoing: Vec<&SeedTie> = ties.iter().filter(|t| t.direction != "from").collect();
        let talks_only = !outgoing.is_empty()
            && outgoing
                .iter()
                .all(|t| matches!(t.kind, "mention" | "reply" | "quote"));
        if talks_only {
            mitigations.push((
                "it only mentions, replies to or quotes the seeds, and never spreads what they post".to_owned(),
                settings.talk_only_factor,
            ));
            score *= settings.talk_only_factor;
        }
        let community = communities.of.get(v).copied().unwrap_or(0);
        ranked.push(RankedAccount {
            account: account.clone(),
            score,
            pagerank: pagerank[v],
            community,
            community_seeds: seeds_in.get(community as usize).copied().unwrap_or(0),
            ties,
            mitigations,
        });
    }
    ranked.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then_with(|| a.account.key.cmp(&b.account.key))
    });
    Ranking {
        seeds: seeds
            .iter()
            .filter_map(|&s| network.accounts.get(s as usize).map(NetworkAccount::label))
            .collect(),
        unknown_seeds: Vec::new(),
        accounts: n,
        edges: graph.edge_count(),
        communities: communities.count,
        modularity: communities.modularity,
        ranked,
    }
}

/// The network's parts of account cases: position around the confirmed accounts, and recidivism.
#[derive(Debug, Default)]
pub struct AccountParts {
    /// Each account's parts, by account row.
    pub parts: HashMap<i64, Vec<Evidence>>,
    /// Accounts whose case held such parts before: their case is written again, with the parts they have now.
    pub refresh: Vec<i64>,
}

/// The network's parts of the account cases, from the stored network and the confirmed account cases (the seeds):
/// for each of the `config.network_top` accounts most tied to them, its position (its rank, its ties to the seeds,
/// its community, what scaled it down); for each likely successor of a confirmed account, the signals that make
/// it one, naming the confirmed account's case, whose category it takes. Nothing when no account is confirmed.
///
/// # Errors
/// When the store fails.
pub fn account_parts(
    store: &mut dyn Store,
    config: &crate::ScoringConfig,
) -> Result<AccountParts, EngineError> {
    let cases = store.cases(&vigie_store::CaseQuery {
        subject: Some(CaseSubject::Account),
        limit: usize::MAX,
        brief: true,
        ..vigie_store::CaseQuery::default()
    })?;
    let key = |c: &vigie_model::Case| {
        c.account_id
            .as_ref()
            .map(|a| (c.platform.clone(), a.clone()))
    };
    let confirmed: Vec<&vigie_model::Case> = cases
        .iter()
        .filter(|c| c.status == CaseStatus::Confirmed.as_str())
        .collect();
    let stale: Vec<(String, String)> = cases
        .iter()
        .filter(|c| {
            c.signals
                .iter()
                .any(|s| matches!(s, SignalKind::Network | SignalKind::Recidivism))
        })
        .filter_map(key)
        .collect();
    let mut by_account: HashMap<(String, String), Vec<Evidence>> = HashMap::new();
    if !confirmed.is_empty() {
        let network = load_network(store, &NetworkOptions::default())?;
        let seeds: Vec<(NodeId, &vigie_model::Case)> = confirmed
            .iter()
            .filter_map(|c| {
                let (p, a) = key(c)?;
                Some((network.graph.find(&format!("{p}:{a}"))?, *c))
            })
            .collect();
        let nodes: Vec<NodeId> = seeds.iter().map(|(n, _)| *n).collect();
        if !nodes.is_empty() {
            let communities = vigie_graph::louvain(&network.graph);
            let ranking = rank_accounts(&network, &nodes, &communities, &RankSettings::default());
            for (i, r) in ranking.ranked.iter().take(config.network_top).enumerate() {
                let Some(id) = &r.account.platform_id else {
                    continue;
                };
                let weight =
                    config.network_weight * (r.score.max(1.0).log10() / 3.0).clamp(0.0, 1.0);
                if weight < 0.01 {
                    continue;
                }
                by_account
                    .entry((r.account.platform.clone(), id.clone()))
                    .or_default()
                    .push(Evidence {
                        signal: SignalKind::Network,
                        detail: position_detail(i + 1, &ranking, r),
                        source: Some("account network".to_owned()),
                        entry: None,
                        span: None,
                        weight,
                        violation: None,
                    });
            }
            let settings = crate::SuccessorSettings::default();
            for (node, case) in &seeds {
                let old = &network.accounts[*node as usize];
                for s in crate::successors(&network, *node, &settings) {
                    let Some(id) = s.account.platform_id.clone().filter(|_| s.likely) else {
                        continue;
                    };
                    let signals: Vec<String> = s
                        .signals
                        .iter()
                        .map(|(why, w)| format!("{why} ({w:.1})"))
                        .collect();
                    by_account
                        .entry((s.account.platform.clone(), id))
                        .or_default()
                        .push(Evidence {
                            signal: SignalKind::Recidivism,
                            detail: format!(
                                "likely successor of {} ({}, confirmed{}), score {:.1}: {}",
                                old.label(),
                                old.key,
                                case.label
                                    .as_deref()
                                    .map(|l| format!(" as {l}"))
                                    .unwrap_or_default(),
                                s.score,
                                signals.join("; ")
                            ),
                            source: Some("account network".to_owned()),
                            entry: Some(format!("case #{}", case.id)),
                            span: None,
                            weight: config.recidivism_weight
                                * (s.score / (2.0 * settings.threshold)).min(1.0),
                            violation: case.category,
                        });
                }
            }
        }
    }
    let mut wanted: Vec<(String, String)> = by_account.keys().cloned().collect();
    wanted.extend(stale.iter().cloned());
    wanted.sort();
    wanted.dedup();
    let rows: HashMap<(String, String), i64> = store.account_rows(&wanted)?.into_iter().collect();
    let mut out = AccountParts::default();
    for (k, parts) in by_account {
        if let Some(&row) = rows.get(&k) {
            out.parts.insert(row, parts);
        }
    }
    out.refresh = stale.iter().filter_map(|k| rows.get(k).copied()).collect();
    Ok(out)
}

/// An account's position around the seeds, in words.
fn position_detail(rank: usize, ranking: &Ranking, r: &RankedAccount) -> String {
    let seeds = ranking.seeds.len();
    let mut detail = format!(
        "rank {rank} of {} around {seeds} confirmed account{} (score {:.0} times the mean)",
        ranking.ranked.len(),
        if seeds == 1 { "" } else { "s" },
        r.score
    );
    if !r.ties.is_empty() {
        let ties: Vec<String> = r
            .ties
            .iter()
            .take(4)
            .map(|t| {
                let way = match t.direction {
                    "to" => "to",
                    "from" => "from",
                    _ => "with",
                };
                format!("{} {way} {} x{}", t.kind.replace('_', " "), t.seed, t.count)
            })
            .collect();
        detail.push_str(&format!("; ties: {}", ties.join(", ")));
    }
    if r.community_seeds > 0 {
        detail.push_str(&format!(
            "; in a community with {} confirmed account{}",
            r.community_seeds,
            if r.community_seeds == 1 { "" } else { "s" }
        ));
    }
    for (why, factor) in &r.mitigations {
        detail.push_str(&format!("; scaled by {factor}: {why}"));
    }
    detail
}

/// An account tied to another, with every tie between them: one node of a neighbourhood picture.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Neighbour {
    /// Its key in the network (`platform:id`, `platform:@handle` when only named).
    pub key: String,
    /// How it is shown: `@handle`, else its display name, else its key.
    pub label: String,
    /// The ties, strongest kind first: kind, direction (`to`, `from`, `shared`) and count.
    pub ties: Vec<(String, String, i64)>,
    /// What they weigh together in the graph ([`vigie_graph::Edge::weight`] summed).
    pub weight: f64,
    /// Whether it is the account of a confirmed account case.
    pub confirmed: bool,
}

/// The accounts most tied to an account (at most `limit`, heaviest first), from the stored network: the
/// picture on an account case's page.
///
/// # Errors
/// When the store fails.
pub fn account_neighbourhood(
    store: &mut dyn Store,
    platform: &str,
    account_id: &str,
    handle: Option<&str>,
    limit: usize,
) -> Result<Vec<Neighbour>, EngineError> {
    let mut keys = vec![format!("{platform}:{account_id}")];
    if let Some(h) = handle {
        keys.push(format!("{platform}:@{}", h.to_lowercase()));
    }
    let options = NetworkOptions::default();
    let ties = store.network_neighbourhood(
        &keys,
        SharedCaps {
            shared: options.shared_max_accounts,
            hashtags: options.rare_hashtag_max_accounts,
        },
    )?;
    if ties.is_empty() {
        return Ok(Vec::new());
    }
    let mut confirmed: Vec<String> = Vec::new();
    for c in store.cases(&vigie_store::CaseQuery {
        subject: Some(CaseSubject::Account),
        status: Some(CaseStatus::Confirmed.as_str().to_owned()),
        platform: Some(platform.to_owned()),
        limit: usize::MAX,
        brief: true,
        ..vigie_store::CaseQuery::default()
    })? {
        if let Some(a) = &c.account_id {
            confirmed.push(format!("{platform}:{a}"));
        }
        if let Some(h) = &c.handle {
            confirmed.push(format!("{platform}:@{}", h.to_lowercase()));
        }
    }
    let mut by_key: HashMap<String, Neighbour> = HashMap::new();
    for t in ties {
        let Some(kind) = EdgeKind::parse(&t.kind) else {
            continue;
        };
        let count = u32::try_from(t.count).unwrap_or(u32::MAX);
        let weight = kind.weight() * (1.0 + f64::from(count.max(1)).ln());
        let n = by_key.entry(t.key.clone()).or_insert_with(|| Neighbour {
            label: match (&t.handle, &t.display_name) {
                (Some(h), _) => format!("@{h}"),
                (None, Some(d)) => d.clone(),
                _ => t.key.clone(),
            },
            confirmed: confirmed.contains(&t.key),
            key: t.key,
            ties: Vec::new(),
            weight: 0.0,
        });
        n.weight += weight;
        n.ties.push((t.kind, t.direction, t.count));
    }
    // An account only named by its handle is the stored account of that handle when both are here.
    let mut out: Vec<Neighbour> = Vec::new();
    let mut entries: Vec<Neighbour> = by_key.into_values().collect();
    entries.sort_by_key(|n| (n.key.contains(":@"), n.key.clone()));
    for n in entries {
        let same = out.iter_mut().find(|o| {
            n.key.contains(":@")
                && n.label.starts_with('@')
                && o.label.eq_ignore_ascii_case(&n.label)
        });
        match same {
            Some(o) => {
                o.weight += n.weight;
                o.ties.extend(n.ties);
                o.confirmed |= n.confirmed;
            }
            None => out.push(n),
        }
    }
    for n in &mut out {
        n.ties.sort_by(|a, b| {
            let w = |k: &str| EdgeKind::parse(k).map_or(0.0, EdgeKind::weight);
            w(&b.0).total_cmp(&w(&a.0)).then(b.2.cmp(&a.2))
        });
    }
    out.sort_by(|a, b| {
        b.weight
            .total_cmp(&a.weight)
            .then_with(|| a.key.cmp(&b.key))
    });
    out.truncate(limit);
    Ok(out)
}
