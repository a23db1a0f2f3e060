//! Re-created accounts: for an account that was suspended, removed, no longer observed or confirmed, the accounts
//! likely to be the same people under a new handle.
//!
//! Each candidate is weighed by signals, each listed with its weight: a handle that is a variant of the old one
//! (a digit changed or added, look-alike digits, separators, transliterations of Arabic names), the same display
//! name or bio, an announcement of the new handle by the old account's circle, the same media or links posted,
//! the same accounts talked to, and a start after the old account stopped. An account that was active all along
//! beside the old one is halved: a successor replaces, it does not coexist.

use crate::network::{Network, NetworkAccount};
use serde::Serialize;
use std::collections::BTreeSet;
use vigie_graph::{EdgeKind, NodeId};

/// Weights and thresholds of [`successors`].
#[derive(Debug, Clone)]
pub struct SuccessorSettings {
    /// A candidate at or above this score is a likely successor (default 4.5)...
    pub threshold: f64,
    /// ...when its identity signals (handle, display name, bio, an announcement by the old account itself)
    /// weigh at least this much (default 2.0): the network signals (the same circle, media, accounts talked
    /// to) say who belongs to a community, not who the same people are.
    pub min_identity: f64,
    /// The new account must start at most this many days after the old one's last post to count as following
    /// it (default 90).
    pub max_gap_days: i64,
}

impl Default for SuccessorSettings {
    fn default() -> Self {
        SuccessorSettings {
            threshold: 4.5,
            min_identity: 2.0,
            max_gap_days: 90,
        }
    }
}

/// A possible successor, with its signals.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Successor {
    /// The candidate.
    pub account: NetworkAccount,
    /// The sum of its signals' weights, times the factors.
    pub score: f64,
    /// Whether the score reaches the threshold, with enough identity signals.
    pub likely: bool,
    /// The weight of the identity signals (handle, display name, bio, self-announcement).
    pub identity: f64,
    /// Each signal, in words, with its weight (a factor below 1 scales the sum down).
    pub signals: Vec<(String, f64)>,
}

/// A handle reduced to what survives re-creation: lowercase, without its trailing numbers, look-alike digits read
/// as letters, without separators, vowels and doubled letters (`abu_muhammad7` and `abou.mohamed` meet as
/// `bmhmd`).
pub fn handle_skeleton(handle: &str) -> String {
    let lower = handle.trim_start_matches('@').to_lowercase();
    // The trailing number and whatever separates it (`name7`, `name_2`, `name7_2`).
    let stem = lower.trim_end_matches(|c: char| c.is_ascii_digit() || matches!(c, '_' | '.' | '-'));
    let stem = if stem.is_empty() {
        lower.as_str()
    } else {
        stem
    };
    let mut out = String::with_capacity(stem.len());
    for c in stem.chars() {
        let c = match c {
            '0' => 'o',
            '1' => 'i',
            '3' => 'e',
            '4' => 'a',
            '5' => 's',
            '7' => 't',
            '8' => 'b',
            c => c,
        };
        if matches!(c, '_' | '.' | '-' | 'a' | 'e' | 'i' | 'o' | 'u' | 'y') || c.is_ascii_digit() {
            continue;
        }
        if out.ends_with(c) {
            continue;
        }
        out.push(c);
    }
    out
}

/// Levenshtein distance, for short strings.
fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (above + 1)
                .min(row[j] + 1)
                .min(diagonal + usize::from(ca != cb));
            diagonal = above;
        }
    }
    row[b.len()]
}

fn plain(text: &str) -> String {
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// Character trigrams' Jaccard similarity of two texts (after [`plain`]).
fn trigram_jaccard(a: &str, b: &str) -> f64 {
    let grams = |s: &str| -> BTreeSet<Vec<char>> {
        let chars: Vec<char> = plain(s).chars().collect();
        chars.windows(3).map(<[char]>::to_vec).collect()
    };
    let (x, y) = (grams(a), grams(b));
    if x.is_empty() || y.is_empty() {
        return 0.0;
    }
    let shared = x.intersection(&y).count();
    shared as f64 / (x.len() + y.len() - shared) as f64
}

/// The accounts tied to `node` (neighbours in the undirected adjacency), without `other`.
fn neighbours(network: &Network, node: NodeId, other: NodeId) -> BTreeSet<NodeId> {
    network
        .graph
        .neighbours(node)
        .map(|(n, _)| n)
        .filter(|&n| n != other)
        .collect()
}

/// The likely successors of `target` among the accounts of its platform, best first: every candidate with some
/// signal, each marked `likely` when it reaches the threshold.
pub fn successors(
    network: &Network,
    target: NodeId,
    settings: &SuccessorSettings,
) -> Vec<Successor> {
    let Some(old) = network.accounts.get(target as usize) else {
        return Vec::new();
    };
    let old_skeleton = old.handle.as_deref().map(handle_skeleton);
    let old_neighbours = neighbours(network, target, NodeId::MAX);
    // Who announced which handle: accounts announced by the old account or by those tied to it.
    let mut announced_by: Vec<Vec<NodeId>> = vec![Vec::new(); network.accounts.len()];
    for e in network.graph.edges() {
        if e.kind == EdgeKind::Announced && (e.from == target || old_neighbours.contains(&e.from)) {
            announced_by[e.to as usize].push(e.from);
        }
    }
    let mut out = Vec::new();
    for (i, new) in network.accounts.iter().enumerate() {
        let node = i as NodeId;
        if node == target || new.platform != old.platform {
            continue;
        }
        let mut signals: Vec<(String, f64)> = Vec::new();
        if let (Some(old_h), Some(new_h), Some(old_s)) = (&old.handle, &new.handle, &old_skeleton) {
            let new_s = handle_skeleton(new_h);
            if old_h.to_lowercase() != new_h.to_lowercase() && old_s.len() >= 3 {
                if &new_s == old_s {
                    signals.push((format!("@{new_h} is a variant of @{old_h}"), 3.0));
                } else if old_s.len() >= 5 && edit_distance(old_s, &new_s) <= 1 {
                    signals.push((format!("@{new_h} is close to @{old_h}"), 1.5));
                }
            }
        }
        if let (Some(a), Some(b)) = (&old.display_name, &new.display_name) {
            if !a.trim().is_empty() && plain(a) == plain(b) {
                signals.push((format!("the same display name, {b:?}"), 2.0));
            } else if trigram_jaccard(a, b) >= 0.6 {
                signals.push((format!("a display name close to {a:?}: {b:?}"), 1.0));
            }
        }
        if let (Some(a), Some(b)) = (&old.bio, &new.bio) {
            let similarity = trigram_jaccard(a, b);
            if similarity >= 0.7 {
                signals.push((
                    format!("the same bio ({:.0}% alike)", similarity * 100.0),
                    1.5,
                ));
            }
        }
        let announcers = &announced_by[i];
        if announcers.contains(&target) {
            signals.push((
                format!("announced as a new account by {} itself", old.label()),
                3.0,
            ));
        }
        let identity: f64 = signals.iter().map(|(_, w)| w).sum();
        let circle: Vec<String> = announcers
            .iter()
            .filter(|&&a| a != target)
            .take(3)
            .map(|&a| network.accounts[a as usize].label())
            .collect();
        if !circle.is_empty() {
            signals.push((
                format!(
                    "announced as a new account by {}, tied to {}",
                    circle.join(", "),
                    old.label()
                ),
                1.5,
            ));
        }
        for e in network.graph.incident(node) {
            let other = if e.from == node { e.to } else { e.from };
            if other != target {
                continue;
            }
            let (what, weight) = match e.kind {
                EdgeKind::SharedMedium => ("posted the same media", 1.0),
                EdgeKind::SharedLink => ("posted the same links", 0.5),
                EdgeKind::SharedHashtag => ("used the same rare hashtags", 0.5),
                _ => continue,
            };
            signals.push((format!("{what} as {} ({}x)", old.label(), e.count), weight));
        }
        if signals.is_empty() {
            continue;
        }
        // The old account's circle without the candidate, read once above.
        let new_neighbours = neighbours(network, node, target);
        let old_has_new = usize::from(old_neighbours.contains(&node));
        let shared = old_neighbours.intersection(&new_neighbours).count();
        let union = old_neighbours.len() - old_has_new + new_neighbours.len() - shared;
        if shared >= 2 && union > 0 {
            let jaccard = shared as f64 / union as f64;
            signals.push((
                format!("talks to the same accounts ({shared} of {union})"),
                (4.0 * jaccard).min(2.0),
            ));
        }
        let mut score: f64 = signals.iter().map(|(_, w)| w).sum();
        match (old.last_post, new.first_post, old.first_post) {
            (Some(stop), Some(start), _)
                if start >= stop && start - stop <= settings.max_gap_days * 86_400 =>
            {
                let hours = (start - stop) / 3600;
                signals.push((
                    format!("started {hours} hours after {}'s last post", old.label()),
                    1.0,
                ));
                score += 1.0;
            }
            (Some(stop), Some(start), Some(began))
                if start + 86_400 < stop && new.last_post.is_some_and(|l| l > began) =>
            {
                signals.push((
                    format!("active at the same time as {}, not after it", old.label()),
                    0.5,
                ));
                score *= 0.5;
            }
            _ => {}
        }
        out.push(Successor {
            account: new.clone(),
            score,
            likely: score >= settings.threshold && identity >= settings.min_identity,
            identity,
            signals,
        });
    }
    out.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then_with(|| a.account.key.cmp(&b.account.key))
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn handle_variants_meet_at_one_skeleton() {
        let base = handle_skeleton("abu_muhammad7");
        for h in [
            "abu_muhammad8",
            "abumuhammad",
            "abu_muhammad_2",
            "abu_muhammad7_2",
            "@Abou_Mohamed",
            "4bu_muh4mm4d",
        ] {
            assert_eq!(handle_skeleton(h), base, "{h}");
        }
        assert_ne!(handle_skeleton("garden_fan12"), base);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("", "ab"), 2);
    }

    #[test]
    fn trigram_similarity_is_one_for_the_same_text_and_zero_for_unrelated_ones() {
        assert!((trigram_jaccard("Signal | nour", "signal |  NOUR") - 1.0).abs() < 1e-12);
        assert_eq!(trigram_jaccard("abc", "xyz"), 0.0);
    }
}
