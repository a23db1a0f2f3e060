//! Helpers shared by the tests: deterministic hashes, bit flips, the brute-force model and proptest strategies.

use std::collections::BTreeSet;

use proptest::prelude::*;
use proptest::strategy::Strategy as _;
use vigie_index::{Hit, IndexConfig, PdqIndex, Strategy, brute_force};
use vigie_pdq::Hash256;

/// A xorshift generator, for data that does not need shrinking.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    pub fn hash(&mut self) -> Hash256 {
        let mut out = [0u8; 32];
        for chunk in out.chunks_exact_mut(8) {
            chunk.copy_from_slice(&self.next().to_le_bytes());
        }
        Hash256(out)
    }
}

/// `hash` with exactly `flips` distinct bits flipped (at most 256), chosen by `seed`.
pub fn flip(hash: &Hash256, flips: usize, seed: u64) -> Hash256 {
    let mut rng = Rng(seed | 1);
    let mut out = *hash;
    let mut flipped = 0;
    while flipped < flips.min(256) {
        let bit = (rng.next() % 256) as usize;
        if (hash.0[bit / 8] ^ out.0[bit / 8]) >> (bit % 8) & 1 == 0 {
            out.0[bit / 8] ^= 1 << (bit % 8);
            flipped += 1;
        }
    }
    out
}

/// Hits sorted the way `search_sorted` sorts them.
pub fn sorted(mut hits: Vec<Hit>) -> Vec<Hit> {
    hits.sort_unstable_by_key(|h| (h.distance, h.id));
    hits
}

/// An index configuration with the given strategy and a small delta.
pub fn config(strategy: Strategy, delta_capacity: usize) -> IndexConfig {
    IndexConfig {
        delta_capacity,
        strategy,
        ..IndexConfig::default()
    }
}

/// Asserts that the index answers exactly as brute force over `live`.
pub fn check(index: &PdqIndex, live: &BTreeSet<(Hash256, u32)>, query: &Hash256, r: u32) {
    check_radii(index, live, query, [r]);
}

/// [`check`] at several radii, with one brute-force pass (tests run unoptimized too).
pub fn check_radii(
    index: &PdqIndex,
    live: &BTreeSet<(Hash256, u32)>,
    query: &Hash256,
    radii: impl IntoIterator<Item = u32>,
) {
    let entries: Vec<(Hash256, u32)> = live.iter().copied().collect();
    let all = sorted(brute_force(&entries, query, 256));
    for r in radii {
        let got = index.search_sorted(query, r);
        let want: Vec<Hit> = all.iter().copied().filter(|h| h.distance <= r).collect();
        assert_eq!(got, want, "query {query} at distance {r}");
    }
}

/// Hashes made of random ones, clusters (a centre and copies with 0 to 40 bits flipped), and exact
/// duplicates, as proptest values.
pub fn hashes() -> impl proptest::strategy::Strategy<Value = Vec<Hash256>> {
    let random = prop::collection::vec(any::<[u8; 32]>(), 0..120);
    let clusters = prop::collection::vec(
        (
            any::<[u8; 32]>(),
            prop::collection::vec((0usize..=40, any::<u64>()), 1..40),
        ),
        0..5,
    );
    let duplicates = prop::collection::vec(any::<prop::sample::Index>(), 0..20);
    (random, clusters, duplicates).prop_map(|(random, clusters, duplicates)| {
        let mut out: Vec<Hash256> = random.into_iter().map(Hash256).collect();
        for (centre, members) in clusters {
            let centre = Hash256(centre);
            out.push(centre);
            for (flips, seed) in members {
                out.push(flip(&centre, flips, seed));
            }
        }
        if !out.is_empty() {
            for index in duplicates {
                out.push(*index.get(&out));
            }
        }
        out
    })
}
