//! Index speed on random PDQ hashes (seeded): building a million-hash index, and queries at distances 31 and 52,
//! half of them planted near-duplicates of stored hashes (0 to 40 bits flipped), half random.
//!
//! `VIGIE_INDEX_BENCH_LEN` sets the number of hashes (default 1,000,000). Before timing, the bench checks the
//! index against brute force on a sample of queries and prints the segment's bytes per hash.

// criterion_group! generates an undocumented public function.
#![allow(missing_docs)]

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use vigie_index::{Hit, IndexConfig, PdqIndex, Strategy, brute_force, build_segments};
use vigie_pdq::Hash256;

/// A xorshift generator: deterministic data without a dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn hash(&mut self) -> Hash256 {
        let mut out = [0u8; 32];
        for chunk in out.chunks_exact_mut(8) {
            chunk.copy_from_slice(&self.next().to_le_bytes());
        }
        Hash256(out)
    }

    fn near(&mut self, hash: &Hash256, flips: u32) -> Hash256 {
        let mut out = *hash;
        // Distinct bits, so that the distance is exactly `flips`.
        let mut flipped = 0;
        while flipped < flips {
            let bit = (self.next() % 256) as usize;
            if hash.0[bit / 8] >> (bit % 8) & 1 == out.0[bit / 8] >> (bit % 8) & 1 {
                out.0[bit / 8] ^= 1 << (bit % 8);
                flipped += 1;
            }
        }
        out
    }
}

fn len() -> usize {
    std::env::var("VIGIE_INDEX_BENCH_LEN")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000)
}

fn data(len: usize) -> (Vec<(Hash256, u32)>, Vec<Hash256>) {
    let mut rng = Rng(0x5eed_1234_abcd_0001);
    let entries: Vec<(Hash256, u32)> = (0..len).map(|i| (rng.hash(), i as u32)).collect();
    let queries = (0..1000)
        .map(|i| {
            if i % 2 == 0 {
                let stored = entries[(rng.next() % len as u64) as usize].0;
                let flips = (rng.next() % 41) as u32;
                rng.near(&stored, flips)
            } else {
                rng.hash()
            }
        })
        .collect();
    (entries, queries)
}

fn sorted(mut hits: Vec<Hit>) -> Vec<Hit> {
    hits.sort_unstable();
    hits
}

fn bench(c: &mut Criterion) {
    let len = len();
    let (entries, queries) = data(len);
    let segments = build_segments(entries.clone());
    let bytes: usize = segments.iter().map(|s| s.byte_len()).sum();
    eprintln!(
        "{len} hashes: {} segment(s), {bytes} bytes, {:.1} bytes per hash",
        segments.len(),
        bytes as f64 / len as f64
    );
    let index = PdqIndex::from_segments(segments.clone());
    let scan = PdqIndex::with_config(
        IndexConfig {
            strategy: Strategy::Scan,
            ..IndexConfig::default()
        },
        segments,
    );

    // Benches check results: the planted queries within range are found, and a sample equals brute force.
    for r in [31, 52] {
        let mut planted = 0;
        for (i, query) in queries.iter().enumerate().take(40) {
            let got = sorted(index.search_sorted(query, r));
            assert_eq!(got, sorted(brute_force(&entries, query, r)), "r={r}");
            planted += usize::from(i % 2 == 0 && !got.is_empty());
        }
        assert!(planted > 0, "no planted query matched at r={r}");
    }

    let mut group = c.benchmark_group("index");
    group.sample_size(10);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(3));
    // The automatic strategy probes the tables at these distances; reading every hash (what it does from 64
    // on at this size) is measured on a tenth of the queries, for comparison.
    for (name, index, count) in [("auto", &index, queries.len()), ("scan", &scan, 100)] {
        let queries = &queries[..count];
        group.throughput(Throughput::Elements(queries.len() as u64));
        for r in [31, 52] {
            let mut hits = Vec::new();
            group.bench_function(format!("search_{name}_r{r}_{len}"), |b| {
                b.iter(|| {
                    let mut found = 0;
                    for query in queries {
                        hits.clear();
                        index.search(black_box(query), r, &mut hits);
                        found += hits.len();
                    }
                    black_box(found)
                })
            });
        }
    }
    group.throughput(Throughput::Elements(len as u64));
    group.bench_function(format!("build_{len}"), |b| {
        b.iter(|| black_box(build_segments(black_box(entries.clone()))))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
