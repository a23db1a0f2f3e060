#!/usr/bin/env bash
# Ingest benchmark with its peer, in one run on the same generated file: `vigie bench ingest` (1,000,000 X API
# v2 posts into SQLite, one thread) and the Python json + sqlite3 executemany loader (bench/peer_sqlite.py).
# Prints both figures and the ratio. Usage: bench/ingest-vs-peer.sh [POSTS] [WORKDIR]
set -euo pipefail
cd "$(dirname "$0")/.."
posts="${1:-1000000}"
work="${2:-$(mktemp -d)}"
mkdir -p "$work"
cargo build --release -q -p vigie-cli
vigie=target/release/vigie

ours=$("$vigie" bench ingest --posts "$posts" --dir "$work" --format json)
peer_mem=$( { /usr/bin/time -f "%M" python3 bench/peer_sqlite.py "$work/x-v2-bench.jsonl" "$work/peer.db" > "$work/peer.json"; } 2>&1 | tail -1)
python3 - "$ours" "$(cat "$work/peer.json")" "$peer_mem" <<'PY'
import json, sys
ours, peer, peer_kb = json.loads(sys.argv[1]), json.loads(sys.argv[2]), int(sys.argv[3])
print(f"vigie : {ours['posts_per_second']:>9,.0f} posts/s, peak RSS {ours['peak_rss_mib']:.0f} MiB "
      f"(store {ours['store_seconds']:.1f} s of {ours['seconds']:.1f} s)")
print(f"peer  : {peer['posts_per_second']:>9,.0f} posts/s, peak RSS {peer_kb / 1024:.0f} MiB "
      f"(Python json + sqlite3 executemany, tweets and users only)")
print(f"ratio : {ours['posts_per_second'] / peer['posts_per_second']:.2f}x the peer's throughput")
PY
