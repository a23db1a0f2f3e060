#!/usr/bin/env bash
# Scan benchmark with its peers, in one run on the same generated file: `vigie-bench ingest` (`vigie scan` of
# 1,000,000 X API v2 posts into SQLite: parsing and storing side by side, then the text analysis), the Python json
# + sqlite3 executemany loader (bench/peer_sqlite.py) and, when the duckdb module is installed
# (`pip install duckdb`), DuckDB's read_json + unnest (bench/peer_duckdb.py). Prints the figures and the ratio to
# the faster peer. Usage: bench/ingest-vs-peer.sh [POSTS] [WORKDIR]
set -euo pipefail
cd "$(dirname "$0")/.."
posts="${1:-1000000}"
work="${2:-$(mktemp -d)}"
mkdir -p "$work"
cargo build --release -q -p vigie-bench
vigie=target/release/vigie-bench

ours=$("$vigie" ingest --posts "$posts" --dir "$work" --format json)
peer_mem=$( { /usr/bin/time -f "%M" python3 bench/peer_sqlite.py "$work/x-v2-bench.jsonl" "$work/peer.db" > "$work/peer.json"; } 2>&1 | tail -1)
duck='{}'
duck_mem=0
if python3 -c 'import duckdb' 2>/dev/null; then
  rm -f "$work/peer.duckdb"
  duck_mem=$( { /usr/bin/time -f "%M" python3 bench/peer_duckdb.py "$work/x-v2-bench.jsonl" "$work/peer.duckdb" > "$work/duck.json"; } 2>&1 | tail -1)
  duck=$(cat "$work/duck.json")
fi
python3 - "$ours" "$(cat "$work/peer.json")" "$peer_mem" "$duck" "$duck_mem" <<'PY'
import json, sys
ours, peer, peer_kb = json.loads(sys.argv[1]), json.loads(sys.argv[2]), int(sys.argv[3])
duck, duck_kb = json.loads(sys.argv[4]), int(sys.argv[5])
print(f"vigie : {ours['posts_per_second']:>9,.0f} posts/s, peak RSS {ours['peak_rss_mib']:.0f} MiB "
      f"(store {ours['store_seconds']:.1f} s, text analysis {ours.get('analysis_seconds', 0):.1f} s of {ours['seconds']:.1f} s)")
print(f"peer  : {peer['posts_per_second']:>9,.0f} posts/s, peak RSS {peer_kb / 1024:.0f} MiB "
      f"(Python json + sqlite3 executemany, tweets and users only)")
best = peer['posts_per_second']
if duck:
    print(f"duckdb: {duck['posts_per_second']:>9,.0f} posts/s, peak RSS {duck_kb / 1024:.0f} MiB "
          f"(read_json + unnest, tweets and users only)")
    best = max(best, duck['posts_per_second'])
print(f"ratio : {ours['posts_per_second'] / best:.2f}x the faster peer's throughput")
PY
