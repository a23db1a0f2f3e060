//! Inserting, removing, sealing and compacting: the index stays a set of pairs and its answers do not change
//! with its internal shape.

use std::collections::BTreeSet;

use vigie_index::{Hit, IndexConfig, PdqIndex, Segment, Strategy, build_segments};
use vigie_pdq::Hash256;

use crate::util::{Rng, check, check_radii, config, flip};

fn answers(index: &PdqIndex, queries: &[Hash256]) -> Vec<Vec<Hit>> {
    queries
        .iter()
        .flat_map(|q| [0, 8, 31, 52, 90].map(|r| index.search_sorted(q, r)))
        .collect()
}

#[test]
fn insert_is_idempotent_and_remove_reports_presence() {
    let mut rng = Rng(3);
    let (a, b) = (rng.hash(), rng.hash());
    let mut index = PdqIndex::new();
    assert!(index.is_empty());
    assert!(index.insert(a, 1));
    assert!(!index.insert(a, 1), "the same pair twice is one pair");
    assert!(
        index.insert(a, 2),
        "the same hash under another id is another pair"
    );
    assert!(
        index.insert(b, 1),
        "the same id on another hash is another pair"
    );
    assert_eq!(index.len(), 3);
    assert_eq!(
        index.search_sorted(&a, 0),
        [Hit { id: 1, distance: 0 }, Hit { id: 2, distance: 0 }]
    );

    assert!(index.remove(&a, 1));
    assert!(!index.remove(&a, 1));
    assert!(!index.contains(&a, 1) && index.contains(&a, 2));
    assert!(!index.remove(&rng.hash(), 1));
    assert_eq!(index.search_sorted(&a, 0), [Hit { id: 2, distance: 0 }]);

    // The same, once the pairs live in a segment.
    index.seal_delta();
    assert_eq!(index.delta_len(), 0);
    assert!(!index.insert(a, 2));
    assert!(index.remove(&a, 2));
    assert_eq!(index.removed_count(), 1);
    assert!(!index.remove(&a, 2));
    assert!(index.search_sorted(&a, 0).is_empty());
    // Re-inserting a removed pair brings it back (in the delta) exactly once.
    assert!(index.insert(a, 2));
    assert!(!index.insert(a, 2));
    assert_eq!(index.search_sorted(&a, 0), [Hit { id: 2, distance: 0 }]);
    assert_eq!(index.len(), 2);
}

#[test]
fn seal_and_compact_keep_the_answers() {
    let mut rng = Rng(99);
    let config = IndexConfig {
        delta_capacity: 50,
        merge_limit: 400,
        strategy: Strategy::Auto,
    };
    let mut index = PdqIndex::with_config(config, Vec::new());
    let mut live = BTreeSet::new();
    let centre = rng.hash();
    for i in 0..1510u32 {
        let hash = if i % 4 == 0 {
            flip(&centre, (i % 45) as usize, u64::from(i))
        } else {
            rng.hash()
        };
        assert!(index.insert(hash, i));
        live.insert((hash, i));
    }
    let stored: Vec<_> = live.iter().copied().collect();
    for (n, &(hash, id)) in stored.iter().enumerate().step_by(7) {
        assert!(index.remove(&hash, id), "pair {n}");
        live.remove(&(hash, id));
    }
    assert!(index.segments().len() > 1);
    assert!(index.segments().iter().all(|s| s.len() <= 400));
    assert!(index.delta_len() > 0 && index.removed_count() > 0);
    assert_eq!(index.len(), live.len());

    let queries: Vec<Hash256> = (0..12)
        .map(|i| {
            if i % 2 == 0 {
                rng.hash()
            } else {
                flip(&centre, i * 3, i as u64)
            }
        })
        .collect();
    for q in &queries {
        check_radii(&index, &live, q, [0, 8, 31, 52, 90]);
    }
    let before = answers(&index, &queries);
    let revision = index.revision();

    index.seal_delta();
    assert_eq!(index.delta_len(), 0);
    assert!(index.revision() > revision);
    assert_eq!(answers(&index, &queries), before);
    assert_eq!(index.len(), live.len());

    index.compact();
    assert_eq!(
        (
            index.segments().len(),
            index.delta_len(),
            index.removed_count()
        ),
        (1, 0, 0)
    );
    assert_eq!(index.segments()[0].len(), live.len());
    assert_eq!(answers(&index, &queries), before);

    // The persisted segments alone now hold everything.
    let reopened = PdqIndex::from_segments(index.segments().to_vec());
    assert_eq!(answers(&reopened, &queries), before);
    assert_eq!(reopened.len(), live.len());

    // Nothing to do, nothing changes.
    let revision = index.revision();
    index.seal_delta();
    assert_eq!(index.revision(), revision);
}

#[test]
fn revision_counts_changes_only() {
    let mut index = PdqIndex::new();
    let h = Rng(1).hash();
    assert_eq!(index.revision(), 0);
    index.insert(h, 1);
    let after_insert = index.revision();
    assert!(after_insert > 0);
    index.insert(h, 1);
    index.remove(&h, 2);
    assert_eq!(index.revision(), after_insert);
    index.remove(&h, 1);
    assert!(index.revision() > after_insert);
}

#[test]
fn overlapping_segments_lose_the_pair_everywhere_on_removal() {
    let mut rng = Rng(17);
    let pairs: Vec<(Hash256, u32)> = (0..10).map(|i| (rng.hash(), i)).collect();
    let segment = Segment::build(pairs.clone()).expect("small");
    let mut index = PdqIndex::from_segments(vec![segment.clone(), segment]);
    assert_eq!(index.len(), 20, "each segment counts its pairs");
    assert_eq!(index.search_sorted(&pairs[0].0, 0).len(), 2);
    assert!(index.remove(&pairs[0].0, 0));
    assert!(index.search_sorted(&pairs[0].0, 0).is_empty());
    index.compact();
    assert_eq!(index.len(), 9);
    assert_eq!(
        index.search_sorted(&pairs[1].0, 0),
        [Hit { id: 1, distance: 0 }]
    );
}

#[test]
fn build_deduplicates_and_splits_nothing_small() {
    let mut rng = Rng(23);
    let mut pairs: Vec<(Hash256, u32)> = (0..100).map(|i| (rng.hash(), i)).collect();
    pairs.extend_from_within(..30);
    let segments = build_segments(pairs.clone());
    assert_eq!(segments.len(), 1);
    assert_eq!(segments[0].len(), 100);
    assert!(build_segments(Vec::new()).is_empty());
    let index = PdqIndex::build(pairs);
    assert_eq!(index.len(), 100);
}

#[test]
fn tiny_delta_capacity_seals_every_insert() {
    let mut index = PdqIndex::with_config(config(Strategy::Auto, 0), Vec::new());
    let mut rng = Rng(31);
    let mut live = BTreeSet::new();
    for i in 0..40 {
        let h = rng.hash();
        index.insert(h, i);
        live.insert((h, i));
        assert_eq!(index.delta_len(), 0);
    }
    assert!(
        index.segments().len() <= 8,
        "{} segments",
        index.segments().len()
    );
    let probe = live.iter().next().map(|p| p.0).unwrap_or_default();
    check(&index, &live, &probe, 64);
}
