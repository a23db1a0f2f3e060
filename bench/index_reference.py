"""The reference PDQ match index: python-threatexchange's `PDQIndex` (faiss `IndexBinaryMultiHash`, multi-index
hashing with 16 maps of 16 bits, the matcher Meta's hasher-matcher-actioner uses), timed on one thread on the
haystack and queries `vigie-bench index` generated. Prints one JSON object: build time and rate, resident memory
the build added (total and per hash), and per match distance the queries per second, p50 and p99 latency per
query, and the recall of the planted queries.

Usage: python3 bench/index_reference.py --haystack H --queries Q [--distance 31] [--distance 52] [--max-queries N]
       python3 bench/index_reference.py --report VIGIE_JSON REFERENCE_JSON   (the comparison table)

Haystack: one 64-hex-digit PDQ hash per line, line i (0-based) is entry i. Queries: `<64-hex hash> <planted
entry or -1> <bits flipped>` per line, where the planted entry is the haystack line the query was derived from.
"""
import os

# One thread, set before numpy and faiss load their thread pools.
for _name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS"):
    os.environ[_name] = "1"

import argparse
import gc
import json
import sys
import time

WARM_UP = 100


def rss_bytes(field="VmRSS"):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    raise RuntimeError(f"no {field} in /proc/self/status")


def percentile(sorted_values, fraction):
    return sorted_values[min(len(sorted_values) - 1, int(fraction * len(sorted_values)))]


def bench(args):
    import importlib.metadata

    import faiss
    from threatexchange.signal_type.pdq.pdq_index import PDQIndex

    faiss.omp_set_num_threads(1)

    # How PDQIndex sets its match distance: there is no constructor argument. The classmethod
    # `get_match_threshold()` returns 31 (PDQ_CONFIDENT_MATCH_THRESHOLD) and `query()` passes it to
    # PDQMultiHashIndex.search_with_distance_in_result(), which sets the faiss index's `nflip` to
    # threshold // 16 (the number of bits flipped per 16-bit map: 1 at 31, 3 at 52, exhaustive by the pigeonhole
    # principle) and runs a range search of radius threshold + 1. The distance is therefore a query-time setting:
    # this subclass overrides the classmethod with a class attribute set before each distance's queries, and one
    # build serves every distance (no rebuild).
    class Index(PDQIndex):
        threshold = 31

        @classmethod
        def get_match_threshold(cls):
            return cls.threshold

    # The haystack is read as raw bytes before the memory baseline; each hash becomes a Python str inside the
    # build (the generator below), so the growth counts everything the index keeps alive, its copies of the hash
    # strings, tuples and ids included (about 215 B per hash of the total: with the strings made beforehand the
    # growth is about 655 B per hash at a million, without any of the entries about 570 B). Making the entries
    # costs about 0.3 s per million hashes of the build time.
    with open(args.haystack, "rb") as f:
        raw = f.read().split()
    count = len(raw)
    queries = []
    with open(args.queries) as f:
        for line in f:
            fields = line.split()
            if fields:
                queries.append((fields[0], int(fields[1]), int(fields[2])))
    if args.max_queries is not None and args.max_queries < len(queries):
        # Evenly spaced, so that the mix of flips and random queries stays that of the whole file.
        queries = [queries[i * len(queries) // args.max_queries] for i in range(args.max_queries)]
    if not queries:
        sys.exit("no queries")

    gc.collect()
    before, peak_before = rss_bytes(), rss_bytes("VmHWM")
    started = time.perf_counter()
    index = Index.build((raw[i].decode("ascii"), i) for i in range(count))
    build_s = time.perf_counter() - started
    gc.collect()
    grown = rss_bytes() - before
    peak_grown = max(0, rss_bytes("VmHWM") - peak_before)
    del raw
    assert len(index) == count

    results = {}
    for distance in args.distance or [31, 52]:
        Index.threshold = distance
        for query, _, _ in queries[:WARM_UP]:
            index.query(query)
        latencies = []
        found = planted = 0
        for query, source, flipped in queries:
            started = time.perf_counter()
            matches = index.query(query)
            latencies.append(time.perf_counter() - started)
            if source >= 0 and flipped <= distance:
                planted += 1
                found += any(m.metadata == source for m in matches)
        total = sum(latencies)
        latencies.sort()
        results[str(distance)] = {
            "qps": len(queries) / total,
            "p50_ms": percentile(latencies, 0.50) * 1e3,
            "p99_ms": percentile(latencies, 0.99) * 1e3,
            "recall": found / planted if planted else None,
            "planted": planted,
        }
    print(json.dumps({
        "impl": "python-threatexchange PDQIndex",
        "version": importlib.metadata.version("threatexchange"),
        "faiss": faiss.__version__,
        "hashes": count,
        "build_s": build_s,
        "build_rate": count / build_s,
        "rss_bytes": grown,
        "peak_rss_bytes": peak_grown,
        "bytes_per_hash": grown / count if count else None,
        "queries": results,
    }))


def report(vigie_path, reference_path):
    """The comparison table: every size of ours, the reference, and the ratios at the reference's size."""
    ours = [json.loads(line) for line in open(vigie_path) if line.strip()]
    ref = json.load(open(reference_path))
    distances = sorted({d for row in ours + [ref] for d in row["queries"]}, key=int)

    def cells(row):
        opened = "-" if row.get("open_s") is None else f"{row['open_s']:.3f}"
        out = (f"{row['hashes']:>12,} {row['build_s']:>8.2f} {row['build_rate']:>11,.0f} {opened:>7} "
               f"{row['bytes_per_hash']:>8.1f}")
        for d in distances:
            q = row["queries"].get(d)
            if q is None:
                out += f" {'-':>37}"
            else:
                recall = "-" if q.get("recall") is None else f"{q['recall']:.4f}"
                out += f" {q['qps']:>10,.0f} {q['p50_ms']:>8.3f} {q['p99_ms']:>8.3f} {recall:>7}"
        return out

    header = f"{'':<10} {'hashes':>12} {'build s':>8} {'hashes/s':>11} {'open s':>7} {'B/hash':>8}"
    for d in distances:
        header += f" {'qps@' + d:>10} {'p50 ms':>8} {'p99 ms':>8} {'recall':>7}"
    print("PDQ match index, one core: vigie against python-threatexchange "
          f"{ref['version']} PDQIndex (faiss {ref.get('faiss', '?')} multi-index hashing)")
    print(header)
    for row in ours:
        print(f"{'vigie':<10} {cells(row)}")
    print(f"{'reference':<10} {cells(ref)}")
    same = [row for row in ours if row["hashes"] == ref["hashes"]]
    if not same:
        print(f"(no vigie figures at {ref['hashes']:,} hashes: no ratios)")
        return
    mine = same[0]
    print(f"ratios at {ref['hashes']:,} hashes (vigie / reference):")
    for d in distances:
        if d in mine["queries"] and d in ref["queries"]:
            print(f"  queries/s at distance {d:>3}: {mine['queries'][d]['qps'] / ref['queries'][d]['qps']:.1f}x")
    less = ref["bytes_per_hash"] / mine["bytes_per_hash"]
    relation = f"{less:.1f}x less" if less >= 1 else f"{1 / less:.1f}x more"
    print(f"  memory per hash         : {mine['bytes_per_hash']:.1f} B against {ref['bytes_per_hash']:.1f} B "
          f"({relation})")
    print(f"  build rate              : {mine['build_rate'] / ref['build_rate']:.1f}x")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--haystack")
    parser.add_argument("--queries")
    parser.add_argument("--distance", type=int, action="append")
    parser.add_argument("--max-queries", type=int)
    parser.add_argument("--report", nargs=2, metavar=("VIGIE_JSON", "REFERENCE_JSON"))
    args = parser.parse_args()
    if args.report:
        report(*args.report)
    elif args.haystack and args.queries:
        bench(args)
    else:
        parser.error("give --haystack and --queries, or --report")


if __name__ == "__main__":
    main()
