#!/usr/bin/env bash
# PDQ benchmark with its reference, in one run on the same generated JPEG images (200 at 1024x768 unless told
# otherwise): `vigie-bench pdq` (ours: libjpeg-turbo decoding, our PDQ) and Meta's C++ hasher through the
# `pdqhash` package with Pillow decoding, in a virtual environment this script creates (pdqhash compiles at
# install: it needs g++ and python3-dev). One thread each. Prints both, the ratios, and whether every hash is
# identical. Usage: bench/pdq-vs-reference.sh [IMAGES] [WORKDIR]
set -euo pipefail
cd "$(dirname "$0")/.."
images="${1:-200}"
work="${2:-target/bench-pdq}"
mkdir -p "$work"
if [ ! -x "$work/venv/bin/python" ]; then
  python3 -m venv "$work/venv"
  "$work/venv/bin/pip" install -q pdqhash pillow numpy
fi
cargo build --release -q -p vigie-bench
ours=$(taskset -c 0 target/release/vigie-bench pdq --images "$images" --dir "$work" --format json)
taskset -c 0 "$work/venv/bin/python" bench/pdq_reference.py "$work/pdq-images" > "$work/pdq-reference.json"
python3 - "$ours" "$work/pdq-reference.json" "$work/pdq-ours.csv" <<'PY'
import csv, json, sys
ours = json.loads(sys.argv[1])
ref = json.load(open(sys.argv[2]))
mine = {r["file"]: (r["pdq"], int(r["quality"])) for r in csv.DictReader(open(sys.argv[3]))}
same = sum(1 for name, h in ref["hashes"].items() if mine.get(name) == tuple(h))
print(f"images          : {ours['images']} JPEG {ours['width']}x{ours['height']}, {ours['mean_jpeg_bytes'] / 1e3:.0f} KB each, one thread")
print(f"hash only       : ours {ours['hash_ms']:.2f} ms, reference {ref['hash_ms']:.2f} ms per image -> {ref['hash_ms'] / ours['hash_ms']:.1f}x faster")
print(f"decode + hash   : ours {ours['decode_and_hash_ms']:.2f} ms (decode {ours['decode_ms']:.2f}), "
      f"Pillow + reference {ref['decode_and_hash_ms']:.2f} ms -> {ref['decode_and_hash_ms'] / ours['decode_and_hash_ms']:.1f}x faster")
print(f"hash share      : hashing adds {100 * ours['hash_ms'] / ours['decode_ms']:.0f} % of our decode time")
print(f"identical hashes: {same} of {len(ref['hashes'])} (hash and quality)")
PY
