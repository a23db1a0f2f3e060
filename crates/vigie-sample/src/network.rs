//! A generated account network, with its answers: `network/posts.jsonl` (X posts in the generic JSONL format,
//! with their pictures under `network/media/`) and `network/labels.json`.
//!
//! Planted: communities of accounts that post violating texts (the labelled generator's), repost each other,
//! share pictures, links and rare hashtags, and mention each other; in each community, members suspended half
//! way through and re-created under near-identical handles (a digit changed or added, a letter swapped for a
//! look-alike digit, a separator dropped, a transliteration changed), usually announced by another member
//! ("new account: @..."), with their display name and bio, posting the same pictures and talking to the same
//! accounts. Around them, the hard negatives that fooled the volunteer lists: journalists and researchers who
//! quote and mention the network all day, news bots that repost its claims, counter-speech accounts that reply
//! to it, and ordinary accounts that share its popular hashtags; decoys whose handles look like a suspended
//! member's but who were there all along and never touch the network; and unrelated background accounts.
//!
//! Every text comes from the labelled-post generator (synthetic, non-operational); every link is on a domain
//! reserved by RFC 2606.

use crate::dates::CORPUS_START;
use crate::error::SampleError;
use crate::image::{draw_image, encode_png};
use crate::labelled::labelled_posts;
use crate::output::{ImageRole, Output};
use crate::rng::Rng;
use serde::Serialize;
use std::collections::BTreeMap;

const S_NETWORK: u64 = 0x7001;
const S_TEXTS: u64 = 0x7002;

/// The file of posts, relative to the corpus root.
pub const NETWORK_POSTS: &str = "network/posts.jsonl";
/// The answers, relative to the corpus root.
pub const NETWORK_LABELS: &str = "network/labels.json";

/// Communities planted.
const COMMUNITIES: usize = 6;
/// Members per community, suspended ones included.
const MEMBERS: usize = 20;
/// Members per community suspended half way and re-created.
const SUSPENDED: usize = 3;
/// Members per community given as seeds (confirmed accounts).
const SEEDS: usize = 2;
/// Pictures per community.
const PICTURES: usize = 3;
/// Hard negatives per kind.
const JOURNALISTS: usize = 6;
const RESEARCHERS: usize = 4;
const NEWS_BOTS: usize = 3;
const COUNTER_SPEECH: usize = 4;
const HASHTAG_USERS: usize = 12;
/// Accounts whose handle looks like a suspended member's.
const DECOYS: usize = 6;
/// Unrelated accounts.
const BACKGROUND: usize = 40;

/// The day (from the corpus start) the suspensions happen.
const SUSPENSION_DAY: i64 = 30;
/// The network's span in days.
const DAYS: i64 = 60;

/// One re-created account: the suspended member and the account that replaced it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SuccessorPair {
    /// The suspended account's key (`x:<id>`).
    pub suspended: String,
    /// Its successor's key.
    pub successor: String,
    /// How the handle was changed.
    pub variant: String,
    /// Whether another member announced the new handle.
    pub announced: bool,
}

/// The answers of the generated network (`network/labels.json`). Accounts are named by their keys, `x:<id>`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NetworkLabels {
    /// The platform of every account.
    pub platform: String,
    /// Confirmed accounts to start from: a few members of each community.
    pub seeds: Vec<String>,
    /// Every member of a community (seeds, suspended members and successors included), by community.
    pub communities: Vec<Vec<String>>,
    /// Members suspended half way.
    pub suspended: Vec<String>,
    /// The re-created accounts.
    pub successors: Vec<SuccessorPair>,
    /// Hard negatives by kind: `journalist`, `researcher`, `news_bot`, `counter_speech`, `hashtag_user`.
    pub hard_negatives: BTreeMap<String, Vec<String>>,
    /// Accounts whose handles look like a suspended member's, unrelated to the network.
    pub decoys: Vec<String>,
    /// Unrelated accounts.
    pub background: Vec<String>,
    /// When the suspensions happened (Unix seconds).
    pub suspended_at: i64,
}

/// What the network part of the corpus holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NetworkSummary {
    /// Its posts file.
    pub file: String,
    /// Its answers file.
    pub labels_file: String,
    /// Posts written.
    pub posts: usize,
    /// Distinct accounts that wrote them.
    pub accounts: usize,
    /// Communities planted.
    pub communities: usize,
    /// Members, successors included.
    pub members: usize,
    /// Re-created accounts.
    pub successors: usize,
    /// Hard-negative accounts.
    pub hard_negatives: usize,
    /// Distinct pictures (PNG files under `network/media/`).
    pub pictures: usize,
}

#[derive(Debug, Clone)]
struct Account {
    id: u64,
    handle: String,
    name: String,
    bio: String,
}

impl Account {
    fn key(&self) -> String {
        format!("x:{}", self.id)
    }
}

/// Texts of each labelled category, drawn in turn.
struct Texts {
    by_category: BTreeMap<String, Vec<String>>,
    next: BTreeMap<String, usize>,
}

impl Texts {
    fn new(seed: u64) -> Texts {
        let mut by_category: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for p in labelled_posts(seed ^ S_TEXTS, 4_000) {
            let group = if p.label {
                "violating".to_owned()
            } else {
                p.category.clone()
            };
            by_category.entry(group).or_default().push(p.text);
        }
        Texts {
            by_category,
            next: BTreeMap::new(),
        }
    }

    fn take(&mut self, category: &str) -> String {
        let list = self
            .by_category
            .get(category)
            .filter(|l| !l.is_empty())
            .or_else(|| self.by_category.get("everyday"));
        let Some(list) = list else {
            return String::from("...");
        };
        let i = self.next.entry(category.to_owned()).or_insert(0);
        let text = list[*i % list.len()].clone();
        *i += 1;
        text
    }
}

const FIRST: &[&str] = &[
    "nasir", "qalam", "sahm", "ribat", "fajr", "minbar", "sada", "nour", "basira", "hadid", "sawt",
    "thabat", "raya", "dhil", "qafila", "burhan",
];
const SECOND: &[&str] = &[
    "media", "relay", "news", "voice", "echo", "post", "wire", "files", "daily", "line", "press",
    "hub",
];
const PLAIN: &[&str] = &[
    "garden", "runner", "chess", "coffee", "bikes", "cooking", "retro", "books", "puzzle",
    "hiking", "vinyl", "pixels", "tennis", "baking", "stars", "fishing",
];
const NAME_WORDS: &[&str] = &[
    "Lumière", "Horizon", "Daily", "Atlas", "Nord", "Sud", "Plume", "Echo", "Signal", "Trace",
];

/// A member's handle: two words of its own (no two members share both: each account has its own name) and a
/// number.
fn member_handle(rng: &mut Rng, taken: &mut std::collections::BTreeSet<String>) -> String {
    loop {
        let (first, second) = (rng.word(FIRST), rng.word(SECOND));
        if !taken.insert(format!("pair:{first}_{second}")) {
            continue;
        }
        let h = format!("{first}_{second}{}", rng.range(1, 9));
        if taken.insert(h.clone()) {
            return h;
        }
    }
}

/// A handle of `handle`'s kind for a re-created account, and how it was made.
fn variant(handle: &str, kind: usize) -> (String, &'static str) {
    let digit_at = handle
        .rfind(|c: char| !c.is_ascii_digit())
        .map_or(0, |i| i + 1);
    let (stem, digits) = handle.split_at(digit_at);
    match kind % 5 {
        0 => {
            let n: u64 = digits.parse().unwrap_or(0);
            (format!("{stem}{}", n + 1), "incremented digit")
        }
        1 => (format!("{handle}_2"), "added suffix"),
        2 => (
            handle.replacen('o', "0", 1).replacen('i', "1", 1),
            "look-alike digits",
        ),
        3 => (handle.replacen('_', "", 1), "separator dropped"),
        _ => (
            handle
                .replacen("ou", "u", 1)
                .replacen("aa", "a", 1)
                .replacen('a', "aa", 1),
            "transliteration",
        ),
    }
}

/// Hands out account ids.
struct Ids(u64);

impl Ids {
    fn account(&mut self, handle: String, name: String, bio: String) -> Account {
        self.0 += 1;
        Account {
            id: self.0,
            handle,
            name,
            bio,
        }
    }

    /// An ordinary account: a hobby word, its role and a number.
    fn plain(
        &mut self,
        rng: &mut Rng,
        role: &str,
        taken: &mut std::collections::BTreeSet<String>,
    ) -> Account {
        let handle = loop {
            let h = format!("{}_{}{}", rng.word(PLAIN), role, rng.range(1, 99));
            if taken.insert(h.clone()) {
                break h;
            }
        };
        let name = format!("{} {}", rng.word(NAME_WORDS), rng.word(PLAIN));
        let bio = format!("{role} · {}", rng.word(PLAIN));
        self.account(handle, name, bio)
    }
}

/// When something happens: a random moment between two days of the network's span.
fn time(rng: &mut Rng, from_day: i64, to_day: i64) -> i64 {
    let day = 86_400i64;
    CORPUS_START + from_day * day + rng.below(((to_day - from_day).max(1) * day) as u64) as i64
}

struct Writer {
    lines: String,
    posts: usize,
    next_post: u64,
    authors: std::collections::BTreeSet<u64>,
}

impl Writer {
    /// Writes one post; returns its id.
    fn post(
        &mut self,
        a: &Account,
        at: i64,
        text: &str,
        extra: &[(&str, serde_json::Value)],
    ) -> u64 {
        let id = self.next_post;
        self.next_post += 1;
        let mut object = serde_json::Map::new();
        object.insert("platform".into(), "x".into());
        object.insert("id".into(), id.to_string().into());
        object.insert("created_at".into(), at.into());
        object.insert("text".into(), text.into());
        object.insert(
            "account".into(),
            serde_json::json!({
                "id": a.id.to_string(),
                "handle": a.handle,
                "display_name": a.name,
                "bio": a.bio,
            }),
        );
        for (k, v) in extra {
            object.insert((*k).into(), v.clone());
        }
        self.lines
            .push_str(&serde_json::Value::Object(object).to_string());
        self.lines.push('\n');
        self.posts += 1;
        self.authors.insert(a.id);
        id
    }
}

/// Writes the network and its answers.
pub(crate) fn write(output: &mut Output, seed: u64) -> Result<NetworkSummary, SampleError> {
    let mut rng = Rng::derive(seed, S_NETWORK, 0);
    let mut texts = Texts::new(seed);
    let mut taken = std::collections::BTreeSet::new();
    let mut ids = Ids(8_800_000_000_000);
    let mut w = Writer {
        lines: String::new(),
        posts: 0,
        next_post: 8_800_000_000_000_000,
        authors: Default::default(),
    };
    let day = 86_400i64;
    let start = CORPUS_START;
    let suspended_at = start + SUSPENSION_DAY * day;

    // Pictures: a few per community, written once.
    let mut pictures: Vec<Vec<String>> = Vec::new();
    for c in 0..COMMUNITIES {
        let mut paths = Vec::new();
        for p in 0..PICTURES {
            let (width, height) = (160, 120);
            let rgb = draw_image(rng.next_u64() ^ (c * 16 + p) as u64, width, height);
            let bytes = encode_png(&rgb, width, height)?;
            let rel = format!("media/c{c}-p{p}.png");
            output.write_image(&format!("network/{rel}"), &bytes, ImageRole::Attached)?;
            paths.push(rel);
        }
        pictures.push(paths);
    }
    let media = |path: &str| serde_json::json!([{ "path": path, "type": "photo" }]);

    let mut labels = NetworkLabels {
        platform: "x".into(),
        seeds: Vec::new(),
        communities: Vec::new(),
        suspended: Vec::new(),
        successors: Vec::new(),
        hard_negatives: BTreeMap::new(),
        decoys: Vec::new(),
        background: Vec::new(),
        suspended_at,
    };
    let mut member_posts: Vec<(usize, u64)> = Vec::new();
    let mut all_members: Vec<Vec<Account>> = Vec::new();
    let mut suspended_handles: Vec<String> = Vec::new();
    let popular = ["#news", "#today", "#breaking", "#world"];

    for (c, pictures) in pictures.iter().enumerate() {
        let tag = format!("#{}{}", rng.word(FIRST), 100 + c);
        let site = format!("https://{}-{c}.example", rng.word(FIRST));
        let members: Vec<Account> = (0..MEMBERS)
            .map(|_| {
                let handle = member_handle(&mut rng, &mut taken);
                let name = format!("{} {}", rng.word(NAME_WORDS), rng.word(FIRST));
                let bio = format!("{} | {} {}", rng.word(NAME_WORDS), rng.word(FIRST), tag);
                ids.account(handle, name, bio)
            })
            .collect();
        let mut keys: Vec<String> = members.iter().map(Account::key).collect();
        labels
            .seeds
            .extend(members[..SEEDS].iter().map(Account::key));
        let suspended: Vec<usize> = (MEMBERS - SUSPENDED..MEMBERS).collect();
        // Originals, then reposts and mentions among members.
        let mut posts: Vec<(usize, u64, i64)> = Vec::new();
        for (m, a) in members.iter().enumerate() {
            let until = if suspended.contains(&m) {
                SUSPENSION_DAY
            } else {
                DAYS
            };
            for _ in 0..8 {
                let at = time(&mut rng, 0, until);
                let mut text = texts.take("violating");
                let mut extra: Vec<(&str, serde_json::Value)> = Vec::new();
                if rng.chance(500) {
                    text.push_str(&format!(" {tag}"));
                }
                if rng.chance(300) {
                    text.push_str(&format!(" {}", rng.pick(&popular)));
                }
                if rng.chance(350) {
                    let link = format!("{site}/{}", rng.range(1, 6));
                    text.push_str(&format!(" {link}"));
                }
                if rng.chance(350) {
                    extra.push(("media", media(&pictures[rng.index(PICTURES)])));
                }
                if rng.chance(300) {
                    let other = &members[rng.index(MEMBERS)];
                    if other.id != a.id {
                        text.push_str(&format!(" @{}", other.handle));
                    }
                }
                let id = w.post(a, at, &text, &extra);
                posts.push((m, id, at));
                member_posts.push((c, id));
            }
        }
        for (m, a) in members.iter().enumerate() {
            let until = if suspended.contains(&m) {
                SUSPENSION_DAY
            } else {
                DAYS
            };
            for _ in 0..6 {
                let (author, id, at) = posts[rng.index(posts.len())];
                if author == m {
                    continue;
                }
                let when = (at + rng.range(60, 3 * 3600) as i64).min(start + until * day - 1);
                w.post(a, when, "", &[("repost_of", id.to_string().into())]);
            }
        }
        // Suspended members come back.
        for (k, &m) in suspended.iter().enumerate() {
            let old = &members[m];
            let (handle, how) = variant(&old.handle, c * SUSPENDED + k);
            let handle = if taken.insert(handle.clone()) {
                handle
            } else {
                format!("{}_x", old.handle)
            };
            taken.insert(handle.clone());
            // One in three comes back with its display name retyped and no bio.
            let (name, bio) = if k == 1 {
                (format!("{}.", old.name.to_uppercase()), String::new())
            } else {
                (old.name.clone(), old.bio.clone())
            };
            let successor = ids.account(handle, name, bio);
            suspended_handles.push(old.handle.clone());
            let announced = k != 2;
            if announced {
                let announcer =
                    &members[rng.range(SEEDS as u64, (MEMBERS - SUSPENDED) as u64) as usize];
                let cue = *rng.pick(&[
                    "New account, follow",
                    "Nouveau compte :",
                    "تابعوا الحساب الجديد",
                    "Our backup account:",
                ]);
                w.post(
                    announcer,
                    suspended_at + rng.range(3600, 2 * 86_400) as i64,
                    &format!("{cue} @{}", successor.handle),
                    &[],
                );
            }
            for _ in 0..6 {
                let at = time(&mut rng, SUSPENSION_DAY + 1, DAYS);
                let mut extra: Vec<(&str, serde_json::Value)> = Vec::new();
                let mut text = texts.take("violating");
                if rng.chance(600) {
                    extra.push(("media", media(&pictures[rng.index(PICTURES)])));
                }
                if rng.chance(400) {
                    text.push_str(&format!(" {tag}"));
                }
                if rng.chance(500) {
                    let other = &members[rng.index(MEMBERS - SUSPENDED)];
                    text.push_str(&format!(" @{}", other.handle));
                }
                w.post(&successor, at, &text, &extra);
            }
            for _ in 0..4 {
                let (_, id, _) = posts[rng.index(posts.len())];
                let at = time(&mut rng, SUSPENSION_DAY + 1, DAYS);
                w.post(&successor, at, "", &[("repost_of", id.to_string().into())]);
            }
            labels.suspended.push(old.key());
            labels.successors.push(SuccessorPair {
                suspended: old.key(),
                successor: successor.key(),
                variant: how.to_owned(),
                announced,
            });
            keys.push(successor.key());
        }
        labels.communities.push(keys);
        all_members.push(members);
    }

    let member_post = |rng: &mut Rng| member_posts[rng.index(member_posts.len())].1;
    let member_handle_of = |rng: &mut Rng| {
        let c = rng.index(all_members.len());
        all_members[c][rng.index(MEMBERS)].handle.clone()
    };
    for (kind, count, category, role) in [
        ("journalist", JOURNALISTS, "news", "reporter"),
        ("researcher", RESEARCHERS, "research", "lab"),
        ("news_bot", NEWS_BOTS, "news", "newsbot"),
        ("counter_speech", COUNTER_SPEECH, "counter_speech", "voices"),
        ("hashtag_user", HASHTAG_USERS, "everyday", "fan"),
    ] {
        let mut keys = Vec::new();
        for _ in 0..count {
            let a = ids.plain(&mut rng, role, &mut taken);
            for i in 0..10 {
                let at = time(&mut rng, 0, DAYS);
                let mut text = texts.take(category);
                let extra: Vec<(&str, serde_json::Value)> = match kind {
                    // A journalist also shares a claim of the network now and then, as aggregators do.
                    "journalist" if i == 9 => {
                        vec![("repost_of", member_post(&mut rng).to_string().into())]
                    }
                    "journalist" | "researcher" if i % 2 == 0 => {
                        text.push_str(&format!(" @{}", member_handle_of(&mut rng)));
                        vec![("quote_of", member_post(&mut rng).to_string().into())]
                    }
                    "journalist" | "researcher" => {
                        text.push_str(&format!(" @{}", member_handle_of(&mut rng)));
                        Vec::new()
                    }
                    "news_bot" if i % 3 == 0 => {
                        vec![("repost_of", member_post(&mut rng).to_string().into())]
                    }
                    "counter_speech" if i % 2 == 0 => {
                        vec![("reply_to", member_post(&mut rng).to_string().into())]
                    }
                    "hashtag_user" => {
                        text.push_str(&format!(" {}", rng.pick(&popular)));
                        Vec::new()
                    }
                    _ => Vec::new(),
                };
                w.post(&a, at, &text, &extra);
            }
            keys.push(a.key());
        }
        labels.hard_negatives.insert(kind.to_owned(), keys);
    }
    // Decoys: a suspended member's handle, changed as a successor's would be, on an account that was there all
    // along and talks only about its hobby.
    for (i, handle) in suspended_handles.iter().take(DECOYS).enumerate() {
        let (h, _) = variant(handle, i + 1);
        let h = if taken.insert(format!("{h}_fan")) {
            format!("{h}_fan")
        } else {
            format!("{h}_fan{i}")
        };
        taken.insert(h.clone());
        let name = format!("{} {}", rng.word(NAME_WORDS), rng.word(PLAIN));
        let bio = format!("{} lover", rng.word(PLAIN));
        let a = ids.account(h, name, bio);
        for _ in 0..6 {
            let at = time(&mut rng, 0, DAYS);
            let text = texts.take("everyday");
            w.post(&a, at, &text, &[]);
        }
        labels.decoys.push(a.key());
    }
    // Background accounts, talking among themselves.
    let background: Vec<Account> = (0..BACKGROUND)
        .map(|_| ids.plain(&mut rng, "user", &mut taken))
        .collect();
    let mut background_posts: Vec<u64> = Vec::new();
    for a in &background {
        for i in 0..6 {
            let at = time(&mut rng, 0, DAYS);
            let mut text = texts.take(if i % 2 == 0 {
                "everyday"
            } else {
                "gaming_sports"
            });
            let mut extra: Vec<(&str, serde_json::Value)> = Vec::new();
            if rng.chance(300) {
                let other = &background[rng.index(BACKGROUND)];
                if other.id != a.id {
                    text.push_str(&format!(" @{}", other.handle));
                }
            }
            if rng.chance(200) && !background_posts.is_empty() {
                extra.push((
                    "repost_of",
                    background_posts[rng.index(background_posts.len())]
                        .to_string()
                        .into(),
                ));
            }
            if rng.chance(300) {
                text.push_str(&format!(" {}", rng.pick(&popular)));
            }
            background_posts.push(w.post(a, at, &text, &extra));
        }
        labels.background.push(a.key());
    }

    output.write(NETWORK_POSTS, w.lines.as_bytes())?;
    let json = serde_json::to_vec_pretty(&labels).map_err(|source| SampleError::Json {
        what: NETWORK_LABELS.to_owned(),
        source,
    })?;
    output.write(NETWORK_LABELS, &json)?;
    Ok(NetworkSummary {
        file: NETWORK_POSTS.to_owned(),
        labels_file: NETWORK_LABELS.to_owned(),
        posts: w.posts,
        accounts: w.authors.len(),
        communities: COMMUNITIES,
        members: labels.communities.iter().map(Vec::len).sum(),
        successors: labels.successors.len(),
        hard_negatives: labels.hard_negatives.values().map(Vec::len).sum(),
        pictures: COMMUNITIES * PICTURES,
    })
}
