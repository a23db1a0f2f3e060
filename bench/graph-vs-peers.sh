#!/usr/bin/env bash
# The account network's benchmark beside its peers, in one run on the same graph: `vigie-bench graph` (ours:
# ACCOUNTS accounts, default 1,000,000, and EVENTS tie events, default 10,000,000, built, then personalized
# PageRank from 100 seeds and Louvain, then the same edges written to an SQLite store and read back into the graph
# as `vigie accounts rank` does) writes the undirected weighted edge list it ran on; python-igraph and
# NetworkX (with SciPy) run the same algorithms on it, in a virtual environment this script creates. One core
# each (taskset). NetworkX's Louvain is pure Python: it runs only up to NX_LOUVAIN_MAX_EDGES pairs (default
# 2,000,000). Prints a table with the ratios.
# Usage: bench/graph-vs-peers.sh [ACCOUNTS] [EVENTS] [WORKDIR]
set -euo pipefail
cd "$(dirname "$0")/.."
accounts="${1:-1000000}"
events="${2:-10000000}"
work="${3:-target/bench-graph}"
mkdir -p "$work"
if ! "$work/venv/bin/python" -c 'import igraph, networkx, scipy' 2>/dev/null; then
  [ -x "$work/venv/bin/python" ] || python3 -m venv "$work/venv"
  "$work/venv/bin/pip" install -q igraph==1.0.0 networkx==3.6.1 scipy==1.16.3
fi
cargo build --release -q -p vigie-bench
# A first run, not counted: on these virtual machines the first process to touch memory the system had given back
# pays for the host to back it again (perf: most of a cold run clearing pages), and the peers run warm after it.
taskset -c 0 target/release/vigie-bench graph --accounts "$accounts" --events "$events" --dir "$work" > /dev/null
taskset -c 0 /usr/bin/time -f "vigie-bench: %e s wall, %M KB peak" \
  target/release/vigie-bench graph --accounts "$accounts" --events "$events" --dir "$work" --store --format json \
  > "$work/vigie.json"
taskset -c 0 "$work/venv/bin/python" bench/graph_peers.py "$work/graph-edges.tsv" "$work/graph-seeds.txt" \
  --nx-louvain-max-edges "${NX_LOUVAIN_MAX_EDGES:-2000000}" > "$work/peers.json"
python3 bench/graph_peers.py --report "$work/vigie.json" "$work/peers.json"
