"""The account network's algorithms in the peers, on the edge list `vigie-bench graph` wrote: python-igraph
(C: PRPACK personalized PageRank, multilevel = Louvain) and NetworkX (pure Python; SciPy for PageRank), one
thread each. NetworkX's Louvain is run only up to --nx-louvain-max-edges (hours above). Prints one JSON object.
Usage: graph_peers.py EDGES.tsv SEEDS.txt [--nx-max-edges N] [--nx-louvain-max-edges N]
       graph_peers.py --report VIGIE.json PEERS.json   (a table of both, with ratios)"""

import json
import resource
import sys
import time


def peak_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def load(path):
    a, b, w = [], [], []
    with open(path) as f:
        for line in f:
            x, y, z = line.split("\t")
            a.append(int(x))
            b.append(int(y))
            w.append(float(z))
    return a, b, w


def run(edges_path, seeds_path, nx_max_edges, nx_louvain_max_edges):
    started = time.perf_counter()
    a, b, w = load(edges_path)
    seeds = [int(s) for s in open(seeds_path).read().split()]
    n = max(max(a, default=0), max(b, default=0)) + 1
    out = {"pairs": len(a), "accounts_seen": n, "read_seconds": time.perf_counter() - started}

    import igraph as ig

    started = time.perf_counter()
    g = ig.Graph(n=n, edges=list(zip(a, b)), directed=False)
    g.es["weight"] = w
    out["igraph_build_seconds"] = time.perf_counter() - started
    started = time.perf_counter()
    g.personalized_pagerank(reset_vertices=seeds, damping=0.85, weights="weight")
    out["igraph_pagerank_seconds"] = time.perf_counter() - started
    started = time.perf_counter()
    found = g.community_multilevel(weights="weight")
    out["igraph_louvain_seconds"] = time.perf_counter() - started
    out["igraph_communities"] = len(found)
    out["igraph_modularity"] = found.modularity
    del g, found
    out["peak_rss_mib_after_igraph"] = peak_mib()

    import networkx as nx

    if len(a) <= nx_max_edges:
        started = time.perf_counter()
        G = nx.Graph()
        G.add_nodes_from(range(n))
        G.add_weighted_edges_from(zip(a, b, w))
        out["networkx_build_seconds"] = time.perf_counter() - started
        started = time.perf_counter()
        nx.pagerank(G, alpha=0.85, personalization={s: 1.0 for s in seeds}, weight="weight", tol=1e-9)
        out["networkx_pagerank_seconds"] = time.perf_counter() - started
        if len(a) <= nx_louvain_max_edges:
            started = time.perf_counter()
            parts = nx.community.louvain_communities(G, weight="weight", seed=1)
            out["networkx_louvain_seconds"] = time.perf_counter() - started
            out["networkx_communities"] = len(parts)
        else:
            out["networkx_louvain_seconds"] = None
            out["networkx_louvain_note"] = f"not run above {nx_louvain_max_edges} pairs"
    else:
        out["networkx_note"] = f"not run above {nx_max_edges} pairs"
    out["peak_rss_mib"] = peak_mib()
    print(json.dumps(out, indent=1))


def report(vigie_path, peers_path):
    v = json.load(open(vigie_path))
    p = json.load(open(peers_path))
    read = p.get("read_seconds", 0.0)
    plus = lambda x: None if x is None else x + read
    rows = [
        ("build (events to graph)", v["build_seconds"], p.get("igraph_build_seconds"), p.get("networkx_build_seconds")),
        ("  of which the graph", v["graph_seconds"], p.get("igraph_build_seconds"), p.get("networkx_build_seconds")),
        ("personalized PageRank", v["pagerank_seconds"], p.get("igraph_pagerank_seconds"), p.get("networkx_pagerank_seconds")),
        ("Louvain", v["louvain_seconds"], p.get("igraph_louvain_seconds"), p.get("networkx_louvain_seconds")),
    ]
    if v.get("store"):
        # Ours: the edges read from an SQLite store and built into the graph; the peers: the TSV edge list read
        # into Python lists, then their build.
        rows.insert(2, ("from storage to graph", v["store"]["load_seconds"], plus(p.get("igraph_build_seconds")),
                        plus(p.get("networkx_build_seconds"))))
    print(f"{v['accounts']} accounts, {v['edges']} edges ({v['adjacency_pairs']} undirected pairs); peak memory: "
          f"vigie {v['peak_rss_mib']:.0f} MiB, peers {p['peak_rss_mib']:.0f} MiB")
    print(f"{'':24}{'vigie':>10}{'igraph':>10}{'networkx':>10}{'igraph/vigie':>14}{'networkx/vigie':>16}")
    for name, ours, ig_s, nx_s in rows:
        def cell(x):
            return f"{x:10.2f}" if x is not None else f"{'-':>10}"
        def ratio(x):
            return f"{x / ours:.1f}x" if x is not None and ours > 0 else "-"
        print(f"{name:24}{cell(ours)}{cell(ig_s)}{cell(nx_s)}{ratio(ig_s):>14}{ratio(nx_s):>16}")
    if v.get("store"):
        s = v["store"]
        print(f"from storage: vigie reads {s['edges']} edges from a {s['store_mib']:.0f} MiB SQLite store (peak "
              f"{v.get('store_peak_rss_mib', 0):.0f} MiB); the peers read the TSV edge list in {read:.2f} s")
    print(f"communities: vigie {v['communities']} (modularity {v['modularity']:.3f}), "
          f"igraph {p['igraph_communities']} (modularity {p['igraph_modularity']:.3f})")


if __name__ == "__main__":
    if sys.argv[1] == "--report":
        report(sys.argv[2], sys.argv[3])
    else:
        args = sys.argv[1:]
        nx_max = 10**12
        nx_louvain_max = 2_000_000
        if "--nx-max-edges" in args:
            nx_max = int(args[args.index("--nx-max-edges") + 1])
        if "--nx-louvain-max-edges" in args:
            nx_louvain_max = int(args[args.index("--nx-louvain-max-edges") + 1])
        run(args[0], args[1], nx_max, nx_louvain_max)
