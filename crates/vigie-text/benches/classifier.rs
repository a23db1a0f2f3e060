//! Text-signal speed on generated 200-character posts: classifier scoring (streaming and with a scratch
//! buffer), feature extraction and SimHash, in posts per second; and near-duplicate index queries on 100,000
//! fingerprints, in queries per second.
//!
//! Before timing, the bench checks that the two scoring paths agree and that the toy model separates its
//! classes, so a fast but broken path cannot pass unnoticed.

// criterion_group! generates an undocumented public function.
#![allow(missing_docs)]

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use vigie_text::classifier::{Example, TrainConfig, features, train};
use vigie_text::{
    NEAR_DUP_CANDIDATE_DISTANCE, NEAR_DUP_DISTANCE, NearDupIndex, hamming_distance, simhash,
};

/// A xorshift generator: deterministic data without a dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

const SYLLABLES: [&str; 16] = [
    "ka", "lo", "mi", "ne", "su", "ta", "ri", "po", "ve", "du", "xa", "zo", "bel", "tor", "ny",
    "ish",
];

fn word(rng: &mut Rng) -> String {
    (0..1 + rng.below(3))
        .map(|_| SYLLABLES[rng.below(SYLLABLES.len())])
        .collect()
}

/// A made-up post of about `chars` characters; positives carry the marker phrase "zorblax release".
fn post(rng: &mut Rng, chars: usize, positive: bool) -> String {
    let mut text = String::new();
    if positive {
        text.push_str("zorblax release ");
    }
    while text.len() < chars {
        text.push_str(&word(rng));
        text.push(if rng.below(8) == 0 { ',' } else { ' ' });
    }
    text.truncate(chars);
    text
}

fn bench(c: &mut Criterion) {
    let mut rng = Rng(0x5eed_7e47_0000_0001);
    let examples: Vec<Example> = (0..4000)
        .map(|i| Example {
            text: post(&mut rng, 200, i % 4 == 0),
            label: i % 4 == 0,
            language: None,
            category: None,
        })
        .collect();
    let model = train(&examples, &TrainConfig::default());
    let posts: Vec<String> = (0..1000)
        .map(|i| post(&mut rng, 200, i % 10 == 0))
        .collect();

    let mut scratch = Vec::new();
    for (i, p) in posts.iter().enumerate() {
        let a = model.score(p);
        let b = model.score_with(p, &mut scratch);
        assert!((a - b).abs() < 1e-4, "scoring paths disagree: {a} vs {b}");
        assert_eq!(a > 0.5, i % 10 == 0, "toy model misclassifies {p:?} ({a})");
    }

    let mut group = c.benchmark_group("text_200_chars");
    group.throughput(Throughput::Elements(posts.len() as u64));
    group.bench_function("score", |b| {
        b.iter(|| posts.iter().map(|p| model.score(black_box(p))).sum::<f32>())
    });
    group.bench_function("score_with", |b| {
        b.iter(|| {
            posts
                .iter()
                .map(|p| model.score_with(black_box(p), &mut scratch))
                .sum::<f32>()
        })
    });
    group.bench_function("features", |b| {
        b.iter(|| {
            posts
                .iter()
                .map(|p| {
                    features(black_box(p), 20, &mut scratch);
                    scratch.len()
                })
                .sum::<usize>()
        })
    });
    group.bench_function("simhash", |b| {
        b.iter(|| {
            posts
                .iter()
                .fold(0u64, |acc, p| acc ^ simhash(black_box(p)))
        })
    });
    group.finish();

    // Index queries: 100,000 random fingerprints, half the queries planted 0 to 11 bits from a stored one.
    let stored: Vec<u64> = (0..100_000).map(|_| rng.next()).collect();
    let mut index = NearDupIndex::new();
    for (id, &fp) in stored.iter().enumerate() {
        index.insert(id as u64, fp);
    }
    let queries: Vec<u64> = (0..1000)
        .map(|i| {
            if i % 2 == 0 {
                let mut fp = stored[rng.below(stored.len())];
                for _ in 0..rng.below(12) {
                    fp ^= 1 << rng.below(64);
                }
                fp
            } else {
                rng.next()
            }
        })
        .collect();
    for distance in [NEAR_DUP_DISTANCE, NEAR_DUP_CANDIDATE_DISTANCE] {
        let hits: usize = queries
            .iter()
            .map(|&q| index.query(q, distance).len())
            .sum();
        let expected: usize = queries
            .iter()
            .map(|&q| {
                stored
                    .iter()
                    .filter(|&&fp| hamming_distance(fp, q) <= distance)
                    .count()
            })
            .sum();
        assert_eq!(
            hits, expected,
            "index disagrees with brute force at distance {distance}"
        );
    }
    let mut group = c.benchmark_group("neardup_index_100k");
    group.throughput(Throughput::Elements(queries.len() as u64));
    for distance in [NEAR_DUP_DISTANCE, NEAR_DUP_CANDIDATE_DISTANCE] {
        group.bench_function(format!("query_{distance}"), |b| {
            b.iter(|| {
                queries
                    .iter()
                    .map(|&q| index.query(black_box(q), distance).len())
                    .sum::<usize>()
            })
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(std::time::Duration::from_secs(1))
        .measurement_time(std::time::Duration::from_secs(3));
    targets = bench
}
criterion_main!(benches);
