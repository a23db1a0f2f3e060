"""The reference PDQ hasher (Meta's C++ code through the `pdqhash` package) with Pillow decoding, timed per
image on one thread, on the images `vigie-bench pdq` generated. Prints JSON: mean milliseconds for hash only
(from the decoded RGB array) and for decode plus hash, and every hash for comparison with ours.

Usage: python3 bench/pdq_reference.py IMAGE_FOLDER
"""
import io
import json
import os
import sys
import time

import numpy as np
import pdqhash
from PIL import Image

folder = sys.argv[1]
names = sorted(n for n in os.listdir(folder) if n.endswith(".jpg"))
hash_time = both_time = 0.0
hashes = {}
for name in names:
    with open(os.path.join(folder, name), "rb") as f:
        data = f.read()
    started = time.perf_counter()
    pixels = np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))
    decoded = time.perf_counter()
    vector, quality = pdqhash.compute(pixels)
    done = time.perf_counter()
    both_time += done - started
    # Hash only, from the same decoded pixels.
    started = time.perf_counter()
    pdqhash.compute(pixels)
    hash_time += time.perf_counter() - started
    bits = "".join("1" if b else "0" for b in vector)
    hashes[name] = ("%064x" % int(bits, 2), int(quality))
n = max(len(names), 1)
print(json.dumps({
    "images": len(names),
    "hash_ms": hash_time * 1e3 / n,
    "decode_and_hash_ms": both_time * 1e3 / n,
    "hashes": hashes,
}))
