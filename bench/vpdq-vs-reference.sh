#!/usr/bin/env bash
# vPDQ video hashing beside Meta's reference, in one run on the same generated videos (60 s each unless told
# otherwise: H.264 1280x720 30 fps, VP9 640x360 24 fps, MPEG-4 640x480 25 fps with B-frames, MJPEG 640x360 30 fps;
# frames drawn by the project's generator, encoded by ffmpeg): `vigie-bench video` (ours) and the `vpdq` package's
# computeHash (the reference's C++ through its Python bindings, built at install: needs FFmpeg's development
# packages, g++ and python3-dev) with one hashing thread, both on one core (taskset). Prints seconds of video
# hashed per second of wall time for each, the ratio, and whether every frame hash is identical.
# Usage: bench/vpdq-vs-reference.sh [SECONDS] [WORKDIR]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
work="${2:-target/bench-vpdq}"
mkdir -p "$work"
if ! "$work/venv/bin/python" -c 'import vpdq' 2>/dev/null; then
  python3 -m venv "$work/venv"
  "$work/venv/bin/pip" install -q vpdq==0.2.5
fi
cargo build --release -q -p vigie-bench
# Once to make the videos (not timed), then timed.
target/release/vigie-bench video --seconds "$seconds" --dir "$work" > /dev/null
ours=$(taskset -c 0 target/release/vigie-bench video --seconds "$seconds" --dir "$work" --format json)
taskset -c 0 "$work/venv/bin/python" - "$work" "$ours" <<'PY'
import json, os, sys, time
import vpdq
work, ours = sys.argv[1], json.loads(sys.argv[2])
print(f"{'video':24} {'seconds':>7} {'vigie s':>8} {'ref s':>8} {'vigie x':>8} {'ref x':>7} {'ratio':>6}  identical  frames decoded by vigie")
for o in ours:
    path = os.path.join(work, "vpdq-videos", o["file"])
    start = time.perf_counter()
    frames = vpdq.computeHash(path, seconds_per_hash=1, thread_count=1)
    wall = time.perf_counter() - start
    ref = "".join("%d,%d,%s,%.3f\n" % (f.frame_number, f.quality, f.hex, f.timestamp) for f in frames)
    mine = open(os.path.join(work, "vpdq-ours", o["file"] + ".txt")).read()
    same = "yes" if ref == mine else "NO"
    print(f"{o['file']:24} {o['video_seconds']:7.0f} {o['wall_seconds']:8.2f} {wall:8.2f} "
          f"{o['throughput']:8.1f} {o['video_seconds'] / wall:7.1f} {wall / o['wall_seconds']:5.1f}x  "
          f"{same:9}  {o['frames_decoded']}")
PY
