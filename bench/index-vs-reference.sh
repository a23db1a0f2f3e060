#!/usr/bin/env bash
# PDQ match index benchmark with its reference, in one run on the same generated hashes: `vigie-bench index`
# (ours, at every size in SIZES, default 1,000,000 and 10,000,000) and python-threatexchange's `PDQIndex`
# (faiss multi-index hashing, the matcher of Meta's hasher-matcher-actioner) at the smallest size of at least
# 1,000,000 (the largest if all are smaller), in a virtual environment this script creates (threatexchange pulls
# in `pdqhash`, which compiles at install: it needs g++ and python3-dev). One core each, match distances 31 and
# 52; the reference answers about 10 queries/s at distance 52 on a million hashes, so it takes at most
# REF_MAX_QUERIES (default 2000) of the queries, evenly spaced. Prints a table of both and the ratios.
# Usage: bench/index-vs-reference.sh [SIZES] [WORKDIR]
set -euo pipefail
cd "$(dirname "$0")/.."
sizes="${1:-1000000,10000000}"
work="${2:-target/bench-index}"
mkdir -p "$work"
if ! "$work/venv/bin/python" -c 'import faiss, threatexchange' 2>/dev/null; then
  [ -x "$work/venv/bin/python" ] || python3 -m venv "$work/venv"
  "$work/venv/bin/pip" install -q threatexchange==1.2.17 faiss-cpu==1.15.1 numpy==2.4.6 pdqhash==0.2.8
fi
cargo build --release -q -p vigie-bench
taskset -c 0 target/release/vigie-bench index --sizes "$sizes" --dir "$work" --format json > "$work/vigie.json"
ref_size=$(python3 - "$sizes" <<'PY'
import sys
sizes = sorted(int(s) for s in sys.argv[1].split(",") if s.strip())
print(min((s for s in sizes if s >= 1_000_000), default=sizes[-1]))
PY
)
taskset -c 0 "$work/venv/bin/python" bench/index_reference.py --haystack "$work/haystack-$ref_size.txt" \
  --queries "$work/queries-$ref_size.txt" --distance 31 --distance 52 --max-queries "${REF_MAX_QUERIES:-2000}" \
  > "$work/reference.json"
python3 bench/index_reference.py --report "$work/vigie.json" "$work/reference.json"
