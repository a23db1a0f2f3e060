//! Every search returns exactly the brute-force hits over the live pairs: random and clustered hashes, queries
//! random and near stored hashes, several segments, a delta and removed pairs, with each search strategy.

use std::collections::BTreeSet;

use proptest::prelude::*;
use proptest::sample::Index;
use vigie_index::{PdqIndex, Segment, Strategy};
use vigie_pdq::Hash256;

use crate::util::{Rng, check_radii, config, flip, hashes};

/// Radii past 64, checked with the strategies that stay fast there.
const LARGE_RADII: [u32; 4] = [100, 200, 256, 1000];

proptest! {
    #![proptest_config(ProptestConfig { cases: 40, ..ProptestConfig::default() })]

    #[test]
    fn index_answers_exactly_like_brute_force(
        hashes in hashes(),
        split in 0.0..1.0f64,
        delta_capacity in 16usize..80,
        removals in prop::collection::vec(any::<Index>(), 0..30),
        queries in prop::collection::vec((any::<[u8; 32]>(), any::<Index>(), 0usize..=40, any::<bool>()), 1..5),
        radii in prop::collection::vec(0u32..=64, 1..6),
    ) {
        // The same id on several hashes and the same hash under several ids both occur.
        let pairs: Vec<(Hash256, u32)> =
            hashes.iter().enumerate().map(|(i, h)| (*h, (i % 150) as u32)).collect();
        let cut = (pairs.len() as f64 * split) as usize;
        let (built, inserted) = pairs.split_at(cut);
        // Two disjoint segments (the contract of `with_config`), the second possibly empty.
        let first: BTreeSet<_> = built[..built.len() / 2].iter().copied().collect();
        let second: Vec<_> =
            built[built.len() / 2..].iter().copied().filter(|p| !first.contains(p)).collect();
        let segments = vec![
            Segment::build(first.iter().copied().collect()).expect("small"),
            Segment::build(second).expect("small"),
        ];

        for strategy in [Strategy::Auto, Strategy::Tables, Strategy::Scan] {
            let mut index = PdqIndex::with_config(config(strategy, delta_capacity), segments.clone());
            let mut live: BTreeSet<(Hash256, u32)> = built.iter().copied().collect();
            prop_assert_eq!(index.len(), live.len());
            for &(hash, id) in inserted {
                prop_assert_eq!(index.insert(hash, id), live.insert((hash, id)));
            }
            for pick in removals.iter().filter(|_| !pairs.is_empty()) {
                let (hash, id) = *pick.get(&pairs);
                prop_assert_eq!(index.remove(&hash, id), live.remove(&(hash, id)));
            }
            prop_assert_eq!(index.len(), live.len());
            prop_assert!(!index.remove(&Hash256([0x5a; 32]), 7_777_777));

            for (random, near, flips, use_random) in &queries {
                let query = if *use_random || pairs.is_empty() {
                    Hash256(*random)
                } else {
                    flip(&near.get(&pairs).0, *flips, u64::from(random[0]))
                };
                let large = if strategy == Strategy::Tables { &[][..] } else { &LARGE_RADII[..] };
                check_radii(&index, &live, &query, radii.iter().chain(large).copied());
            }
        }
    }
}

/// A segment large enough for the automatic strategy to probe the tables at small radii, with clusters.
#[test]
fn medium_segment_is_exact_at_every_radius_up_to_64() {
    let mut rng = Rng(0xfeed_beef_1234_5678);
    let mut pairs = Vec::new();
    for i in 0..20_000u32 {
        pairs.push((rng.hash(), i));
    }
    for c in 0..20u32 {
        let centre = rng.hash();
        for m in 0..200u32 {
            let flips = (rng.next() % 41) as usize;
            pairs.push((flip(&centre, flips, rng.next()), 100_000 + 1000 * c + m));
        }
    }
    let live: BTreeSet<(Hash256, u32)> = pairs.iter().copied().collect();
    let index = PdqIndex::build(pairs.clone());
    let tables = PdqIndex::with_config(config(Strategy::Tables, 4096), index.segments().to_vec());
    for q in 0..60 {
        let query = if q % 3 == 0 {
            rng.hash()
        } else {
            let stored = pairs[(rng.next() % pairs.len() as u64) as usize].0;
            flip(&stored, (rng.next() % 41) as usize, rng.next())
        };
        let radii = (0..=64).step_by(if q < 6 { 1 } else { 7 });
        check_radii(&index, &live, &query, radii.clone());
        check_radii(&tables, &live, &query, radii.filter(|&r| r <= 40));
    }
}

/// Hashes whose 16 chunk distances from the query repeat a short pattern (period 1, 2 or 3, every rotation):
/// the shapes of the sequences at the edge of what a probe plan guarantees. A plan one step too weak for a
/// radius misses some of them.
#[test]
fn periodic_chunk_distance_patterns_are_found_at_every_radius() {
    let mut patterns: Vec<Vec<usize>> = Vec::new();
    for a in 0..=9 {
        for b in 0..=9 {
            patterns.push(vec![a, b]);
            for c in 0..=9 {
                patterns.push(vec![a, b, c]);
            }
        }
    }
    let query = Rng(77).hash();
    let mut pairs = Vec::new();
    for (n, pattern) in patterns.iter().enumerate() {
        for shift in 0..pattern.len() {
            let mut hash = query;
            for k in 0..16 {
                let d = pattern[(k + shift) % pattern.len()];
                // Chunk k is bytes 2k and 2k + 1: flip its d lowest bits, alternating ends for variety.
                let bits: u16 = if d == 0 { 0 } else { u16::MAX >> (16 - d) };
                let bits = if k % 2 == 0 {
                    bits
                } else {
                    bits.reverse_bits()
                };
                hash.0[2 * k] ^= (bits >> 8) as u8;
                hash.0[2 * k + 1] ^= bits as u8;
            }
            pairs.push((hash, (n * 3 + shift) as u32));
        }
    }
    let live: BTreeSet<(Hash256, u32)> = pairs.iter().copied().collect();
    let tables = PdqIndex::with_config(
        config(Strategy::Tables, 4096),
        vigie_index::build_segments(pairs),
    );
    check_radii(&tables, &live, &query, 0..=64);
}
