//! `vigie-bench graph`: the account network's algorithms on a generated graph, on one thread: building it from
//! tie events (accounts named by key, events gathered per (from, to, kind), the undirected adjacency),
//! personalized PageRank from seeds, and Louvain communities; peak memory. The graph has communities of about
//! fifty accounts with most ties inside them, and skewed activity (a few accounts tie a lot).
//!
//! Writes the undirected weighted edge list the algorithms run on (`graph-edges.tsv`: `a b weight`, each pair
//! once) and the seeds (`graph-seeds.txt`) to DIR, so that `bench/graph-vs-peers.sh` runs python-igraph and
//! NetworkX on the very same graph.

use crate::OutputFormat;
use crate::index::Rng;
use crate::ingest::peak_rss_mib;
use anyhow::Context;
use serde::Serialize;
use std::io::{BufWriter, Write};
use std::path::Path;
use std::time::Instant;
use vigie_graph::{EdgeKind, GraphBuilder, NodeId, RankOptions};

/// Accounts per planted community.
const COMMUNITY: u64 = 50;
/// Seeds: the first members of this many communities.
const SEED_COMMUNITIES: u64 = 20;
const SEEDS_PER_COMMUNITY: u64 = 5;

#[derive(Serialize)]
struct Figures {
    accounts: usize,
    events: usize,
    edges: usize,
    adjacency_pairs: usize,
    build_seconds: f64,
    events_seconds: f64,
    graph_seconds: f64,
    pagerank_seconds: f64,
    pagerank_seeds: usize,
    louvain_seconds: f64,
    communities: usize,
    modularity: f64,
    peak_rss_mib: f64,
    /// With `--store`: the same edges written to a fresh SQLite store's network tables (not timed against
    /// anything), then read back and built into the graph as `vigie accounts rank` does.
    #[serde(skip_serializing_if = "Option::is_none")]
    store: Option<StoreFigures>,
    /// Peak memory once the graph was also read back from the store.
    #[serde(skip_serializing_if = "Option::is_none")]
    store_peak_rss_mib: Option<f64>,
}

#[derive(Serialize)]
struct StoreFigures {
    write_seconds: f64,
    load_seconds: f64,
    store_mib: f64,
    accounts: usize,
    edges: usize,
}

/// Writes `graph`'s accounts and edges into a fresh SQLite store under `dir`, then times reading them back into a
/// graph (`vigie_engine::load_network`).
fn through_the_store(graph: vigie_graph::Graph, dir: &Path) -> anyhow::Result<StoreFigures> {
    use vigie_store::{NetworkDelta, NetworkNode, NetworkTie};
    let path = dir.join("graph-store.db");
    for p in [
        path.clone(),
        dir.join("graph-store.db-wal"),
        dir.join("graph-store.db-shm"),
    ] {
        let _ = std::fs::remove_file(p);
    }
    let mut store = vigie_store::open(
        &path.to_string_lossy(),
        Some(&dir.join("graph-store-media")),
    )?;
    let node = |key: &str| NetworkNode {
        key: key.to_owned(),
        platform: "x".to_owned(),
        ..NetworkNode::default()
    };
    let started = Instant::now();
    store.apply_network(&NetworkDelta {
        nodes: graph.keys().map(node).collect(),
        ..NetworkDelta::default()
    })?;
    let edges: Vec<vigie_graph::Edge> = graph.edges().collect();
    for chunk in edges.chunks(1_000_000) {
        let mut keys: Vec<NodeId> = chunk.iter().flat_map(|e| [e.from, e.to]).collect();
        keys.sort_unstable();
        keys.dedup();
        store.apply_network(&NetworkDelta {
            nodes: keys.iter().map(|&k| node(graph.key(k))).collect(),
            ties: chunk
                .iter()
                .map(|e| NetworkTie {
                    from: graph.key(e.from).to_owned(),
                    to: graph.key(e.to).to_owned(),
                    kind: e.kind.as_str().to_owned(),
                    count: i64::from(e.count),
                    first: e.first,
                    last: e.last,
                })
                .collect(),
            ..NetworkDelta::default()
        })?;
    }
    // As a scan ends its network update.
    store.pack_network_ties()?;
    let write_seconds = started.elapsed().as_secs_f64();
    let (accounts, edge_count) = (graph.node_count(), graph.edge_count());
    drop((graph, edges));
    // Read back as `vigie accounts rank` does: another process opening the store that the scans left (closed,
    // so its write-ahead log is folded into the database).
    drop(store);
    let started = Instant::now();
    let mut store = vigie_store::open(
        &path.to_string_lossy(),
        Some(&dir.join("graph-store-media")),
    )?;
    let network =
        vigie_engine::load_network(store.as_mut(), &vigie_engine::NetworkOptions::default())?;
    let load_seconds = started.elapsed().as_secs_f64();
    anyhow::ensure!(
        network.graph.node_count() == accounts && network.graph.edge_count() == edge_count,
        "the store gave back {} accounts and {} edges, not {accounts} and {edge_count}",
        network.graph.node_count(),
        network.graph.edge_count()
    );
    let store_mib = ["graph-store.db", "graph-store.db-wal"]
        .iter()
        .filter_map(|f| std::fs::metadata(dir.join(f)).ok())
        .map(|m| m.len() as f64 / 1_048_576.0)
        .sum();
    Ok(StoreFigures {
        write_seconds,
        load_seconds,
        store_mib,
        accounts,
        edges: edge_count,
    })
}

/// One of `n` accounts, skewed: low indexes (inside a community) come up more often.
fn skewed(rng: &mut Rng, n: u64) -> u64 {
    let u = rng.below(1 << 20) as f64 / f64::from(1u32 << 20);
    ((u * u) * n as f64) as u64 % n.max(1)
}

/// Runs the benchmark.
pub fn run(
    fmt: OutputFormat,
    accounts: usize,
    events: usize,
    dir: &Path,
    through_store: bool,
) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let n = accounts.max(2) as u64;
    // The events first, so that only the building is timed.
    let mut rng = Rng(0x6a7a_9e11);
    let communities = n.div_ceil(COMMUNITY);
    let kinds = EdgeKind::ALL;
    let mut list: Vec<(u32, u32, u8, i64)> = Vec::with_capacity(events);
    for _ in 0..events {
        let c = rng.below(communities);
        let base = c * COMMUNITY;
        let size = COMMUNITY.min(n - base);
        let a = base + skewed(&mut rng, size);
        let b = if rng.below(100) < 85 {
            base + skewed(&mut rng, size)
        } else {
            skewed(&mut rng, n)
        };
        let kind = match rng.below(100) {
            0..40 => 0,  // mention
            40..55 => 1, // reply
            55..62 => 2, // quote
            62..80 => 3, // repost
            80..85 => 4, // forward
            85..90 => 5, // shared medium
            90..95 => 6, // shared link
            95..99 => 7, // shared hashtag
            _ => 8,      // announced
        };
        let at = 1_704_067_200 + rng.below(60 * 86_400) as i64;
        list.push((a as u32, b as u32, kind, at));
    }
    let keys: Vec<String> = (0..n).map(|i| format!("x:{}", 1_000_000_000 + i)).collect();

    let started = Instant::now();
    let mut builder = GraphBuilder::with_capacity(keys.len(), list.len());
    for k in &keys {
        builder.node(k);
    }
    for &(a, b, kind, at) in &list {
        builder.add(a, b, kinds[kind as usize], Some(at));
    }
    let events_seconds = started.elapsed().as_secs_f64();
    let graph = builder.build();
    let build_seconds = started.elapsed().as_secs_f64();
    let graph_seconds = build_seconds - events_seconds;
    drop(list);

    let seeds: Vec<NodeId> = (0..SEED_COMMUNITIES.min(communities))
        .flat_map(|c| (0..SEEDS_PER_COMMUNITY).map(move |i| (c * COMMUNITY + i) as NodeId))
        .filter(|&s| (s as usize) < graph.node_count())
        .collect();
    let started = Instant::now();
    let rank = vigie_graph::personalized_pagerank(&graph, &seeds, &RankOptions::default());
    let pagerank_seconds = started.elapsed().as_secs_f64();
    std::hint::black_box(&rank);

    let started = Instant::now();
    let found = vigie_graph::louvain(&graph);
    let louvain_seconds = started.elapsed().as_secs_f64();

    // The peers' input: each undirected pair once, with the weight the algorithms used.
    let mut pairs = 0usize;
    {
        let path = dir.join("graph-edges.tsv");
        let mut out = BufWriter::new(
            std::fs::File::create(&path)
                .with_context(|| format!("cannot write {}", path.display()))?,
        );
        for v in 0..graph.node_count() as NodeId {
            for (u, w) in graph.neighbours(v) {
                if v < u {
                    writeln!(out, "{v}\t{u}\t{w}")?;
                    pairs += 1;
                }
            }
        }
        out.flush()?;
        let path = dir.join("graph-seeds.txt");
        let text: String = seeds.iter().map(|s| format!("{s}\n")).collect();
        std::fs::write(&path, text).with_context(|| format!("cannot write {}", path.display()))?;
    }
    let (node_count, edge_count) = (graph.node_count(), graph.edge_count());
    let peak_in_memory = peak_rss_mib();
    let store = if through_store {
        Some(through_the_store(graph, dir)?)
    } else {
        None
    };
    let store_peak_rss_mib = store.as_ref().map(|_| peak_rss_mib());
    let figures = Figures {
        accounts: node_count,
        events,
        edges: edge_count,
        adjacency_pairs: pairs,
        build_seconds,
        events_seconds,
        graph_seconds,
        pagerank_seconds,
        pagerank_seeds: seeds.len(),
        louvain_seconds,
        communities: found.count,
        modularity: found.modularity,
        peak_rss_mib: peak_in_memory,
        store,
        store_peak_rss_mib,
    };
    match fmt {
        OutputFormat::Json => {
            serde_json::to_writer_pretty(std::io::stdout().lock(), &figures)?;
            println!();
        }
        OutputFormat::Text => println!(
            "{} accounts, {} events -> {} edges ({} undirected pairs): build {:.2} s (accounts and events \
             {:.2} s, edges and adjacency {:.2} s); personalized PageRank ({} seeds) {:.2} s; Louvain {:.2} s \
             ({} communities, modularity {:.3}); peak memory {:.0} MiB",
            figures.accounts,
            figures.events,
            figures.edges,
            figures.adjacency_pairs,
            figures.build_seconds,
            figures.events_seconds,
            figures.graph_seconds,
            figures.pagerank_seeds,
            figures.pagerank_seconds,
            figures.louvain_seconds,
            figures.communities,
            figures.modularity,
            figures.peak_rss_mib
        ),
    }
    if let (OutputFormat::Text, Some(s)) = (fmt, &figures.store) {
        println!(
            "through an SQLite store ({:.0} MiB): written in {:.1} s, read back into the graph ({} accounts, {} \
             edges) in {:.2} s; peak memory {:.0} MiB",
            s.store_mib,
            s.write_seconds,
            s.accounts,
            s.edges,
            s.load_seconds,
            figures.store_peak_rss_mib.unwrap_or(0.0)
        );
    }
    Ok(())
}
