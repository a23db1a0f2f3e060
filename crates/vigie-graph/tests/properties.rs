//! Properties of ranking and communities on random graphs.

use proptest::prelude::*;
use vigie_graph::{EdgeKind, GraphBuilder, RankOptions, louvain, personalized_pagerank};

fn graph(n: usize, edges: &[(usize, usize, usize)]) -> vigie_graph::Graph {
    let mut b = GraphBuilder::new();
    for i in 0..n {
        b.node(&format!("n{i}"));
    }
    for &(a, c, k) in edges {
        let kind = EdgeKind::ALL[k % EdgeKind::ALL.len()];
        b.add(
            (a % n) as u32,
            (c % n) as u32,
            kind,
            Some((a * 31 + c) as i64),
        );
    }
    b.build()
}

proptest! {
    #[test]
    fn scores_are_a_distribution_and_communities_a_partition(
        n in 1usize..40,
        edges in proptest::collection::vec((0usize..40, 0usize..40, 0usize..9), 0..120),
        seed in 0usize..40,
    ) {
        let g = graph(n, &edges);
        let r = personalized_pagerank(&g, &[(seed % n) as u32], &RankOptions::default());
        prop_assert_eq!(r.len(), n);
        prop_assert!(r.iter().all(|x| *x >= 0.0));
        prop_assert!((r.iter().sum::<f64>() - 1.0).abs() < 1e-6);
        let c = louvain(&g);
        prop_assert_eq!(c.of.len(), n);
        let distinct: std::collections::BTreeSet<u32> = c.of.iter().copied().collect();
        prop_assert_eq!(distinct.len(), c.count);
        prop_assert!(distinct.iter().enumerate().all(|(i, x)| *x == i as u32));
        prop_assert!(c.modularity >= -0.5 - 1e-9 && c.modularity <= 1.0 + 1e-9);
        // Louvain never does worse than every account alone.
        let alone = louvain_singletons_modularity(&g);
        prop_assert!(c.modularity >= alone - 1e-9, "{} < {}", c.modularity, alone);
    }
}

/// The modularity of the partition where each account is alone.
fn louvain_singletons_modularity(g: &vigie_graph::Graph) -> f64 {
    let two_m: f64 = (0..g.node_count() as u32)
        .map(|v| g.weighted_degree(v))
        .sum();
    if two_m == 0.0 {
        return 0.0;
    }
    -(0..g.node_count() as u32)
        .map(|v| (g.weighted_degree(v) / two_m).powi(2))
        .sum::<f64>()
}
