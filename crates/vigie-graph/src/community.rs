//! Communities by the Louvain method: accounts moved one by one to the neighbouring community that raises
//! modularity most, then each community folded into one node, until nothing moves.

use crate::graph::{Graph, NodeId};

/// A partition of the accounts.
#[derive(Debug, Clone, PartialEq)]
pub struct Communities {
    /// Each node's community, numbered from 0 by decreasing size (ties by smallest member).
    pub of: Vec<u32>,
    /// How many communities.
    pub count: usize,
    /// The partition's modularity over the undirected weighted adjacency.
    pub modularity: f64,
}

/// One level: a symmetric weighted adjacency without self-entries, and each node's own (internal) weight,
/// counted in both directions.
struct Level {
    offsets: Vec<usize>,
    neighbours: Vec<u32>,
    weights: Vec<f64>,
    inside: Vec<f64>,
}

impl Level {
    fn len(&self) -> usize {
        self.inside.len()
    }

    fn degree(&self, v: usize) -> f64 {
        self.weights[self.offsets[v]..self.offsets[v + 1]]
            .iter()
            .sum::<f64>()
            + self.inside[v]
    }
}

/// Louvain communities of `graph` (undirected, weighted by [`crate::Edge::weight`]). Deterministic: nodes are
/// visited in order. An account without edges is a community of its own.
pub fn louvain(graph: &Graph) -> Communities {
    let n = graph.node_count();
    let (offsets, neighbours, weights) = graph.adjacency();
    let mut level = Level {
        offsets: offsets.to_vec(),
        neighbours: neighbours.to_vec(),
        weights: weights.to_vec(),
        inside: vec![0.0; n],
    };
    // Each original node's current (super)node.
    let mut of: Vec<u32> = (0..n as u32).collect();
    let two_m: f64 = (0..level.len()).map(|v| level.degree(v)).sum();
    if two_m <= 0.0 {
        return finish(graph, of);
    }
    loop {
        let (moved, communities) = local_moves(&level, two_m);
        if !moved {
            break;
        }
        for c in of.iter_mut() {
            *c = communities[*c as usize];
        }
        level = fold(&level, &communities);
    }
    finish(graph, of)
}

/// Moves nodes of `level` between communities until a pass moves none; returns whether any moved, and each
/// node's community, renumbered from 0.
fn local_moves(level: &Level, two_m: f64) -> (bool, Vec<u32>) {
    let n = level.len();
    let mut community: Vec<u32> = (0..n as u32).collect();
    let degree: Vec<f64> = (0..n).map(|v| level.degree(v)).collect();
    let mut total: Vec<f64> = degree.clone();
    // The weight from the node being moved to each neighbouring community, and which ones were touched.
    let mut to_community = vec![0.0f64; n];
    let mut touched: Vec<u32> = Vec::new();
    let mut any = false;
    loop {
        let mut moves = 0usize;
        for v in 0..n {
            let own = community[v];
            let k = degree[v];
            touched.clear();
            for i in level.offsets[v]..level.offsets[v + 1] {
                let c = community[level.neighbours[i] as usize];
                if to_community[c as usize] == 0.0 {
                    touched.push(c);
                }
                to_community[c as usize] += level.weights[i];
            }
            total[own as usize] -= k;
            // Staying is the baseline; another community must do strictly better.
            let gain = |c: u32, w: f64| w - total[c as usize] * k / two_m;
            let mut best = own;
            let mut best_gain = gain(own, to_community[own as usize]);
            for &c in &touched {
                let g = gain(c, to_community[c as usize]);
                if g > best_gain + 1e-12 {
                    best = c;
                    best_gain = g;
                }
            }
            total[best as usize] += k;
            if best != own {
                community[v] = best;
                moves += 1;
            }
            for &c in &touched {
                to_community[c as usize] = 0.0;
            }
        }
        if moves == 0 {
            break;
        }
        any = true;
    }
    // Renumber the communities that are left, in order of first appearance.
    let mut number = vec![u32::MAX; n];
    let mut next = 0u32;
    for c in community.iter_mut() {
        if number[*c as usize] == u32::MAX {
            number[*c as usize] = next;
            next += 1;
        }
        *c = number[*c as usize];
    }
    (any, community)
}

/// The level whose nodes are `communities`' communities: weights between communities summed, weights inside
/// one kept as its own.
fn fold(level: &Level, communities: &[u32]) -> Level {
    let count = communities
        .iter()
        .map(|&c| c as usize + 1)
        .max()
        .unwrap_or(0);
    let mut members: Vec<Vec<u32>> = vec![Vec::new(); count];
    for (v, &c) in communities.iter().enumerate() {
        members[c as usize].push(v as u32);
    }
    let mut inside = vec![0.0; count];
    let mut offsets = Vec::with_capacity(count + 1);
    let mut neighbours = Vec::new();
    let mut weights = Vec::new();
    let mut to = vec![0.0f64; count];
    let mut touched: Vec<u32> = Vec::new();
    offsets.push(0);
    for (c, nodes) in members.iter().enumerate() {
        touched.clear();
        for &v in nodes {
            let v = v as usize;
            inside[c] += level.inside[v];
            for i in level.offsets[v]..level.offsets[v + 1] {
                let d = communities[level.neighbours[i] as usize];
                if d as usize == c {
                    inside[c] += level.weights[i];
                } else {
                    if to[d as usize] == 0.0 {
                        touched.push(d);
                    }
                    to[d as usize] += level.weights[i];
                }
            }
        }
        touched.sort_unstable();
        for &d in &touched {
            neighbours.push(d);
            weights.push(to[d as usize]);
            to[d as usize] = 0.0;
        }
        offsets.push(neighbours.len());
    }
    Level {
        offsets,
        neighbours,
        weights,
        inside,
    }
}

/// Numbers communities by decreasing size and measures the partition's modularity on the original graph.
fn finish(graph: &Graph, of: Vec<u32>) -> Communities {
    let n = of.len();
    let groups = of.iter().map(|&c| c as usize + 1).max().unwrap_or(0);
    let mut size = vec![0usize; groups];
    let mut smallest = vec![usize::MAX; groups];
    for (v, &c) in of.iter().enumerate() {
        size[c as usize] += 1;
        smallest[c as usize] = smallest[c as usize].min(v);
    }
    let mut order: Vec<usize> = (0..groups).filter(|&c| size[c] > 0).collect();
    order.sort_by_key(|&c| (std::cmp::Reverse(size[c]), smallest[c]));
    let mut number = vec![0u32; groups];
    for (i, &c) in order.iter().enumerate() {
        number[c] = i as u32;
    }
    let of: Vec<u32> = of.iter().map(|&c| number[c as usize]).collect();
    let count = order.len();
    // Q = sum over communities of (weight inside / 2m) - (total degree / 2m)^2.
    let mut inside = vec![0.0; count];
    let mut total = vec![0.0; count];
    let mut two_m = 0.0;
    for v in 0..n {
        let c = of[v] as usize;
        for (u, w) in graph.neighbours(v as NodeId) {
            two_m += w;
            total[c] += w;
            if of[u as usize] as usize == c {
                inside[c] += w;
            }
        }
    }
    let modularity = if two_m > 0.0 {
        inside
            .iter()
            .zip(&total)
            .map(|(i, t)| i / two_m - (t / two_m) * (t / two_m))
            .sum()
    } else {
        0.0
    };
    Communities {
        of,
        count,
        modularity,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{EdgeKind, GraphBuilder};

    /// `k` cliques of `size` accounts, each joined to the next by one mention.
    fn cliques(k: usize, size: usize) -> Graph {
        let mut g = GraphBuilder::new();
        let ids: Vec<Vec<NodeId>> = (0..k)
            .map(|c| (0..size).map(|i| g.node(&format!("{c}-{i}"))).collect())
            .collect();
        for clique in &ids {
            for (i, &a) in clique.iter().enumerate() {
                for &b in &clique[i + 1..] {
                    g.add(a, b, EdgeKind::Repost, None);
                }
            }
        }
        for c in 0..k {
            g.add(ids[c][0], ids[(c + 1) % k][1], EdgeKind::Mention, None);
        }
        g.build()
    }

    #[test]
    fn cliques_joined_by_single_ties_are_found_as_communities() {
        let graph = cliques(6, 5);
        let found = louvain(&graph);
        assert_eq!(found.count, 6, "{found:?}");
        for c in 0..6 {
            let first = found.of[c * 5];
            assert!(
                found.of[c * 5..c * 5 + 5].iter().all(|&x| x == first),
                "{found:?}"
            );
        }
        assert!(found.modularity > 0.7, "{}", found.modularity);
    }

    #[test]
    fn accounts_without_ties_stand_alone_and_an_empty_graph_is_no_problem() {
        let mut g = GraphBuilder::new();
        let (a, b) = (g.node("a"), g.node("b"));
        g.node("alone");
        g.add(a, b, EdgeKind::Reply, None);
        let found = louvain(&g.build());
        assert_eq!(found.of, [0, 0, 1]);
        assert_eq!(found.count, 2);
        let empty = louvain(&GraphBuilder::new().build());
        assert_eq!((empty.count, empty.of.len()), (0, 0));
    }
}
