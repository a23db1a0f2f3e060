#!/usr/bin/env bash
# The lookup path (issue 16) with its peer, in one run on the same hashes: a bank of ENTRIES random PDQ hashes
# (default 1,000,000) and a batch of 10,000 queries (nine in ten planted 8 bits from an entry).
#   1. `vigie-bench lookup`: the match index opened and the batch matched through `vigie match`'s code, beside
#      the bare index in the same process;
#   2. `vigie match` as a whole command on the same batch (process start, store, index, output), timed with
#      /usr/bin/time, text and JSON output;
#   3. python-threatexchange's `PDQIndex` (the matcher of Meta's hasher-matcher-actioner) on the same entries and
#      queries at distance 31 (bench/index_reference.py, in the virtual environment bench/index-vs-reference.sh
#      makes);
#   4. `vigie-bench hma-lookup`: HMA's GET /m/raw_lookup on `vigie serve`, 50 clients on loopback.
# One core for 1 to 3. Usage: bench/lookup-vs-reference.sh [ENTRIES] [WORKDIR]
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:-1000000}"
work="${2:-target/bench-lookup}"
mkdir -p "$work"
venv="target/bench-index/venv"
if ! "$venv/bin/python" -c 'import faiss, threatexchange' 2>/dev/null; then
  [ -x "$venv/bin/python" ] || python3 -m venv "$venv"
  "$venv/bin/pip" install -q threatexchange==1.2.17 faiss-cpu==1.15.1 numpy==2.4.6 pdqhash==0.2.8
fi
cargo build --release -q -p vigie-bench -p vigie-cli
echo "== vigie-bench lookup ($n entries, 10,000 hashes)"
taskset -c 0 target/release/vigie-bench lookup --entries "$n" --queries 10000 --dir "$work"
for fmt in text json; do
  echo "== vigie match --format $fmt, 10,000 hashes as arguments, whole command"
  /usr/bin/time -f "   %e s wall, %M KB peak" taskset -c 0 target/release/vigie match --format "$fmt" \
    --db "$work/lookup-$n.db" $(cat "$work/lookup-queries.txt") > /dev/null
done
echo "== python-threatexchange PDQIndex, same entries and queries, distance 31"
taskset -c 0 "$venv/bin/python" bench/index_reference.py --haystack "$work/lookup-haystack-$n.txt" \
  --queries "$work/lookup-reference-queries-$n.txt" --distance 31 --max-queries 10000
echo "== vigie-bench hma-lookup (GET /m/raw_lookup, 50 clients on loopback)"
target/release/vigie-bench hma-lookup --entries "$n" --dir "$work"
