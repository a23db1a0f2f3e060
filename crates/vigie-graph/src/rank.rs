//! Personalized PageRank: how strongly each account is tied to a set of seed accounts.

use crate::graph::{Graph, NodeId};

/// Settings of [`personalized_pagerank`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RankOptions {
    /// The chance of following an edge rather than jumping back to a seed (0.85, as in PageRank).
    pub damping: f64,
    /// Iteration stops when the scores move by less than this in total (L1).
    pub tolerance: f64,
    /// And at the latest after this many iterations.
    pub max_iterations: usize,
}

impl Default for RankOptions {
    fn default() -> Self {
        RankOptions {
            damping: 0.85,
            tolerance: 1e-9,
            max_iterations: 100,
        }
    }
}

/// The stationary distribution of a walk over the undirected weighted adjacency that follows an edge with
/// chance `damping` (in proportion to its weight) and otherwise jumps back to a seed: each node's score, summing
/// to 1. A walk stuck on a node without edges jumps back to a seed too. With no seed (or none in the graph), it is
/// the ordinary PageRank, jumping to any node.
pub fn personalized_pagerank(graph: &Graph, seeds: &[NodeId], options: &RankOptions) -> Vec<f64> {
    let n = graph.node_count();
    if n == 0 {
        return Vec::new();
    }
    let mut teleport = vec![0.0; n];
    let known: Vec<NodeId> = seeds
        .iter()
        .copied()
        .filter(|&s| (s as usize) < n)
        .collect();
    if known.is_empty() {
        teleport.fill(1.0 / n as f64);
    } else {
        let share = 1.0 / known.len() as f64;
        for s in known {
            teleport[s as usize] += share;
        }
    }
    let (offsets, neighbours, weights) = graph.adjacency();
    let d = options.damping.clamp(0.0, 1.0);
    let inverse_degree: Vec<f64> = (0..n)
        .map(|v| {
            let deg = graph.weighted_degree(v as NodeId);
            if deg > 0.0 { 1.0 / deg } else { 0.0 }
        })
        .collect();
    let mut rank = teleport.clone();
    let mut next = vec![0.0; n];
    for _ in 0..options.max_iterations {
        let mut stuck = 0.0;
        next.iter_mut()
            .zip(&teleport)
            .for_each(|(x, t)| *x = (1.0 - d) * t);
        for v in 0..n {
            let r = rank[v];
            if r == 0.0 {
                continue;
            }
            if inverse_degree[v] == 0.0 {
                stuck += r;
                continue;
            }
            let share = d * r * inverse_degree[v];
            let (a, b) = (offsets[v], offsets[v + 1]);
            for (u, w) in neighbours[a..b].iter().zip(&weights[a..b]) {
                next[*u as usize] += share * w;
            }
        }
        if stuck > 0.0 {
            let back = d * stuck;
            next.iter_mut()
                .zip(&teleport)
                .for_each(|(x, t)| *x += back * t);
        }
        let moved: f64 = next.iter().zip(&rank).map(|(a, b)| (a - b).abs()).sum();
        std::mem::swap(&mut rank, &mut next);
        if moved < options.tolerance {
            break;
        }
    }
    rank
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{EdgeKind, GraphBuilder};

    #[test]
    fn scores_sum_to_one_and_fall_with_distance_from_the_seeds() {
        // A path s - a - b - c, and an island d - e.
        let mut g = GraphBuilder::new();
        let ids: Vec<NodeId> = ["s", "a", "b", "c", "d", "e"]
            .iter()
            .map(|k| g.node(k))
            .collect();
        for w in ids[..4].windows(2) {
            g.add(w[0], w[1], EdgeKind::Repost, None);
        }
        g.add(ids[4], ids[5], EdgeKind::Repost, None);
        let graph = g.build();
        let r = personalized_pagerank(&graph, &[ids[0]], &RankOptions::default());
        assert!((r.iter().sum::<f64>() - 1.0).abs() < 1e-9);
        assert!(r[1] > r[2] && r[2] > r[3], "{r:?}");
        assert_eq!((r[4], r[5]), (0.0, 0.0), "unreachable from the seed");
        // Without seeds: the ordinary PageRank, symmetric on the island.
        let global = personalized_pagerank(&graph, &[], &RankOptions::default());
        assert!((global[4] - global[5]).abs() < 1e-12);
        assert!((global.iter().sum::<f64>() - 1.0).abs() < 1e-9);
    }

    #[test]
    fn an_isolated_seed_keeps_its_mass() {
        let mut g = GraphBuilder::new();
        let s = g.node("s");
        let (a, b) = (g.node("a"), g.node("b"));
        g.add(a, b, EdgeKind::Mention, None);
        let r = personalized_pagerank(&g.build(), &[s], &RankOptions::default());
        assert!((r[0] - 1.0).abs() < 1e-9, "{r:?}");
    }

    #[test]
    fn a_heavier_tie_pulls_more() {
        let mut g = GraphBuilder::new();
        let (s, spreader, talker) = (g.node("s"), g.node("spreader"), g.node("talker"));
        g.add(spreader, s, EdgeKind::Repost, None);
        g.add(talker, s, EdgeKind::Mention, None);
        let r = personalized_pagerank(&g.build(), &[s], &RankOptions::default());
        assert!(r[spreader as usize] > r[talker as usize], "{r:?}");
    }
}
