//! Account networks: the interaction graph of the stored posts, and the accounts most tied to a set of seeds.
//!
//! [`build_network`] reads every stored post once and ties its author to the accounts it mentions, replies to,
//! quotes, reposts or forwards, and to the accounts that posted the same medium (SHA-256), the same canonical
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
use vigie_model::RefKind;
use vigie_store::Store;

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

/// Groups of accounts that did the same thing (a medium, a link, a hashtag), each account once with the time
/// it first did it. A group that grows past `cap` accounts is popular: it is dropped, and no longer followed.
struct Shared {
    cap: usize,
    /// Each group's accounts with their first time; `None` once it grew past `cap`.
    groups: HashMap<String, Option<Group>>,
}

/// The accounts of one group, each with the time it first did the thing.
type Group = Vec<(NodeId, Option<i64>)>;

impl Shared {
    fn new(cap: usize) -> Shared {
        Shared {
            cap,
            groups: HashMap::new(),
        }
    }

    fn add(&mut self, what: String, node: NodeId, at: Option<i64>) {
        let slot = self.groups.entry(what).or_insert_with(|| Some(Vec::new()));
        let Some(group) = slot else { return };
        if let Some((_, t)) = group.iter_mut().find(|(n, _)| *n == node) {
            *t = match (*t, at) {
                (Some(old), Some(new)) => Some(old.min(new)),
                (old, new) => old.or(new),
            };
            return;
        }
        if group.len() >= self.cap {
            *slot = None;
        } else {
            group.push((node, at));
        }
    }

    /// A tie of `kind` between each two accounts of each group of at least two, dated when the later of the
    /// two first did it.
    fn tie(self, builder: &mut GraphBuilder, kind: EdgeKind) {
        for group in self.groups.into_values().flatten() {
            for (i, &(a, ta)) in group.iter().enumerate() {
                for &(b, tb) in &group[i + 1..] {
                    let at = match (ta, tb) {
                        (Some(x), Some(y)) => Some(x.max(y)),
                        (x, y) => x.or(y),
                    };
                    builder.add(a, b, kind, at);
                }
            }
        }
    }
}

/// A reference waiting for every post to be read: its target post's author is known only then.
struct PendingRef {
    from: NodeId,
    platform: String,
    post: String,
    kind: EdgeKind,
    at: Option<i64>,
}

/// Posts read per store call.
const PAGE: usize = 5_000;

/// Reads every stored post (of `options.platform` when set) and builds the interaction graph.
///
/// # Errors
/// When the store fails.
pub fn build_network(
    store: &mut dyn Store,
    reporter: &Reporter,
    options: &NetworkOptions,
) -> Result<Network, EngineError> {
    let mut builder = GraphBuilder::new();
    let mut accounts: Vec<NetworkAccount> = Vec::new();
    // Stored accounts by handle, per platform, lowercase: what mentions and announcements name.
    let mut by_handle: HashMap<(String, String), NodeId> = HashMap::new();
    let stored = store.accounts(&vigie_store::AccountQuery {
        platform: options.platform.clone(),
        search: None,
        limit: usize::MAX,
    })?;
    let node_of = |builder: &mut GraphBuilder, accounts: &mut Vec<NetworkAccount>, key: String| {
        let node = builder.node(&key);
        if node as usize == accounts.len() {
            accounts.push(NetworkAccount {
                key,
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
            format!("{platform}:{}", a.platform_id),
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
    // An account named by others: the stored account of that handle, else a node of its own, by handle (a
    // mention, an announcement) or by title (a forward's source, which may name either).
    let named = |builder: &mut GraphBuilder,
                 accounts: &mut Vec<NetworkAccount>,
                 platform: &str,
                 name: &str,
                 title: bool|
     -> NodeId {
        let handle = name.trim_start_matches('@');
        if let Some(&n) = by_handle.get(&(platform.to_owned(), handle.to_lowercase())) {
            return n;
        }
        let key = if title {
            format!("{platform}:~{name}")
        } else {
            format!("{platform}:@{}", handle.to_lowercase())
        };
        let node = node_of(builder, accounts, key);
        let entry = &mut accounts[node as usize];
        if entry.platform.is_empty() {
            entry.platform = platform.to_owned();
            if title {
                entry.display_name = Some(name.to_owned());
            } else {
                entry.handle = Some(handle.to_owned());
            }
        }
        node
    };

    let mut author_of_post: HashMap<(String, String), NodeId> = HashMap::new();
    let mut pending: Vec<PendingRef> = Vec::new();
    let mut media = Shared::new(options.shared_max_accounts);
    let mut links = Shared::new(options.shared_max_accounts);
    let mut hashtags = Shared::new(options.rare_hashtag_max_accounts);
    let mut scratch = Scratch::default();
    let mut after = 0i64;
    loop {
        let rows = store.posts_page(after, PAGE)?;
        let Some(last) = rows.last() else { break };
        after = last.id;
        for row in rows {
            let post = &row.view.post;
            let platform = post.platform.as_str();
            if options.platform.as_deref().is_some_and(|p| p != platform) {
                continue;
            }
            let Some(author_id) = &post.account_id else {
                continue;
            };
            let author = node_of(
                &mut builder,
                &mut accounts,
                format!("{platform}:{author_id}"),
            );
            {
                let entry = &mut accounts[author as usize];
                if entry.platform.is_empty() {
                    entry.platform = platform.to_owned();
                    entry.platform_id = Some(author_id.clone());
                    entry.handle.clone_from(&row.view.handle);
                    entry.display_name.clone_from(&row.view.display_name);
                }
                entry.posts += 1;
                let text = post.text.as_deref().unwrap_or("");
                if !text.trim().is_empty() {
                    entry.text_posts += 1;
                    if reporter.reports(text, post.lang.as_deref(), &mut scratch) {
                        entry.reporting_posts += 1;
                    }
                }
                if let Some(t) = post.created_at.map(|t| t.0.div_euclid(1000)) {
                    entry.first_post = Some(entry.first_post.map_or(t, |f| f.min(t)));
                    entry.last_post = Some(entry.last_post.map_or(t, |l| l.max(t)));
                }
            }
            let at = post.created_at.map(|t| t.0.div_euclid(1000));
            author_of_post.insert((platform.to_owned(), post.platform_id.clone()), author);
            let announcing = post
                .text
                .as_deref()
                .is_some_and(vigie_text::announces_account);
            for handle in &post.mentions {
                let to = named(&mut builder, &mut accounts, platform, handle, false);
                let kind = if announcing {
                    EdgeKind::Announced
                } else {
                    EdgeKind::Mention
                };
                builder.add(author, to, kind, at);
            }
            for r in &post.references {
                let kind = match r.kind {
                    RefKind::ReplyTo => EdgeKind::Reply,
                    RefKind::Quote => EdgeKind::Quote,
                    RefKind::Repost => EdgeKind::Repost,
                    RefKind::Forward => EdgeKind::Forward,
                };
                if let Some(target) = &r.target_post_id {
                    pending.push(PendingRef {
                        from: author,
                        platform: platform.to_owned(),
                        post: target.clone(),
                        kind,
                        at,
                    });
                } else if let Some(name) = &r.target_account {
                    let to = named(&mut builder, &mut accounts, platform, name, true);
                    builder.add(author, to, kind, at);
                }
            }
            for a in &post.attachments {
                if let Some(sha) = &a.sha256 {
                    media.add(sha.clone(), author, at);
                }
            }
            for url in &post.urls {
                if let Some(c) = vigie_text::canonicalize_url(url) {
                    links.add(c.url, author, at);
                }
            }
            for tag in &post.hashtags {
                hashtags.add(format!("{platform}#{}", tag.to_lowercase()), author, at);
            }
        }
    }
    for r in pending {
        if let Some(&to) = author_of_post.get(&(r.platform, r.post)) {
            builder.add(r.from, to, r.kind, r.at);
        }
    }
    media.tie(&mut builder, EdgeKind::SharedMedium);
    links.tie(&mut builder, EdgeKind::SharedLink);
    hashtags.tie(&mut builder, EdgeKind::SharedHashtag);
    Ok(Network {
        graph: builder.build(),
        accounts,
    })
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
