//! The segment file format: round trips, and damaged bytes that must give an error or, when they pass the
//! header checks, searches that never panic.

use std::collections::BTreeSet;
use std::sync::Arc;

use proptest::prelude::*;
use vigie_index::{FORMAT_VERSION, FormatError, PdqIndex, Section, Segment, Strategy};
use vigie_pdq::Hash256;

use crate::util::{Rng, config, flip, sorted};

fn pairs(n: u32, seed: u64) -> Vec<(Hash256, u32)> {
    let mut rng = Rng(seed);
    let centre = rng.hash();
    (0..n)
        .map(|i| {
            let hash = if i % 3 == 0 {
                flip(&centre, (i % 40) as usize, u64::from(i))
            } else {
                rng.hash()
            };
            (hash, i)
        })
        .collect()
}

fn bytes_of(segment: &Segment) -> Vec<u8> {
    let mut bytes = Vec::new();
    segment
        .write_to(&mut bytes)
        .expect("writing to a Vec cannot fail");
    bytes
}

fn open(bytes: Vec<u8>) -> Result<Segment, FormatError> {
    Segment::from_bytes(Arc::new(bytes))
}

fn u64_at(bytes: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(bytes[at..at + 8].try_into().expect("8 bytes"))
}

/// `(offset, length)` of section `i`, from the header's section table.
fn section(bytes: &[u8], i: usize) -> (usize, usize) {
    (
        u64_at(bytes, 32 + 16 * i) as usize,
        u64_at(bytes, 40 + 16 * i) as usize,
    )
}

#[test]
fn written_bytes_reopen_to_the_same_segment() {
    let pairs = pairs(3000, 11);
    let built = Segment::build(pairs.clone()).expect("small");
    let bytes = bytes_of(&built);
    assert_eq!(&bytes[..8], b"VIGIEPDQ");
    assert_eq!(
        u32::from_le_bytes(bytes[8..12].try_into().expect("4")),
        FORMAT_VERSION
    );
    assert_eq!(bytes.len(), built.byte_len());
    assert_eq!(bytes.len() % 8, 0);
    let opened = open(bytes.clone()).expect("valid");
    assert_eq!(opened.len(), built.len());
    assert_eq!(bytes_of(&opened), bytes);
    assert!(opened.entries().eq(built.entries()));

    let mut rng = Rng(5);
    for (q, (stored, _)) in pairs.iter().enumerate().take(50) {
        let query = if q % 2 == 0 {
            rng.hash()
        } else {
            flip(stored, q % 35, q as u64)
        };
        for r in [0, 5, 17, 31, 45, 52, 64, 90, 256] {
            let (mut a, mut b) = (Vec::new(), Vec::new());
            built.search(&query, r, &mut a);
            opened.search(&query, r, &mut b);
            assert_eq!(sorted(a), sorted(b), "r={r}");
        }
    }
}

#[test]
fn sections_are_aligned_and_in_order() {
    let bytes = bytes_of(&Segment::build(pairs(77, 3)).expect("small"));
    let mut end = 32 + 16 * 50;
    for i in 0..50 {
        let (offset, len) = section(&bytes, i);
        assert_eq!(offset % 8, 0);
        assert!(offset >= end);
        end = offset + len;
    }
    assert_eq!(section(&bytes, 0).1, 77 * 32);
    assert_eq!(section(&bytes, 1).1, 77 * 4);
    assert_eq!(section(&bytes, 2).1, 65537 * 4);
    assert_eq!(section(&bytes, 3).1, 77 * 2);
    assert_eq!(section(&bytes, 4).1, 0);
    assert_eq!(section(&bytes, 7).1, 77 * 3);
}

#[test]
fn empty_segment_round_trips() {
    let empty = Segment::build(Vec::new()).expect("empty");
    let opened = open(bytes_of(&empty)).expect("valid");
    assert!(opened.is_empty());
    let mut hits = Vec::new();
    opened.search(&Hash256::ZERO, 256, &mut hits);
    assert!(hits.is_empty());
}

#[test]
fn damaged_headers_are_named() {
    let good = bytes_of(&Segment::build(pairs(40, 9)).expect("small"));
    let with = |at: usize, value: &[u8]| {
        let mut bytes = good.clone();
        bytes[at..at + value.len()].copy_from_slice(value);
        open(bytes)
    };

    assert!(matches!(
        open(Vec::new()),
        Err(FormatError::TooShort { len: 0, .. })
    ));
    assert!(matches!(
        open(good[..100].to_vec()),
        Err(FormatError::TooShort { len: 100, .. })
    ));
    assert_eq!(with(0, b"VIGIEPDX").err(), Some(FormatError::BadMagic));
    assert_eq!(
        with(8, &2u32.to_le_bytes()).err(),
        Some(FormatError::UnsupportedVersion {
            found: 2,
            supported: 1
        })
    );
    assert!(matches!(
        with(12, &49u32.to_le_bytes()),
        Err(FormatError::SectionCount { found: 49, .. })
    ));
    assert!(matches!(
        with(16, &(1u64 << 40).to_le_bytes()),
        Err(FormatError::TooManyEntries { entries, .. }) if entries == 1 << 40
    ));
    assert!(matches!(
        with(16, &41u64.to_le_bytes()),
        Err(FormatError::Length { entries: 41, .. })
    ));
    assert!(matches!(
        open(good[..good.len() - 8].to_vec()),
        Err(FormatError::Length { .. })
    ));
    let mut longer = good.clone();
    longer.extend_from_slice(&[0; 8]);
    assert!(matches!(open(longer), Err(FormatError::Length { .. })));
    // Section 5 is the offsets of table 1.
    let (offset, _) = section(&good, 5);
    assert!(matches!(
        with(32 + 16 * 5, &(offset as u64 + 8).to_le_bytes()),
        Err(FormatError::SectionBounds {
            section: Section::Offsets { table: 1 },
            ..
        })
    ));
    // A bucket offset of table 1 that goes backwards, and a last offset that is not the entry count.
    assert!(matches!(
        with(offset + 4 * 30_000, &u32::MAX.to_le_bytes()),
        Err(FormatError::BucketOffsets { table: 1, .. })
    ));
    assert!(matches!(
        with(offset + 4 * 65_536, &39u32.to_le_bytes()),
        Err(FormatError::BucketOffsets {
            table: 1,
            bucket: 65_536
        })
    ));
    assert!(matches!(
        with(offset, &1u32.to_le_bytes()),
        Err(FormatError::BucketOffsets {
            table: 1,
            bucket: 0
        })
    ));
    // Error messages name what is wrong.
    let message = with(8, &7u32.to_le_bytes())
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(message.contains("version 7"), "{message}");
}

/// Searches, removals and compaction over a possibly damaged segment: none may panic.
fn exercise(segment: Segment, probe: &Hash256) {
    for strategy in [Strategy::Tables, Strategy::Scan, Strategy::Auto] {
        let mut index = PdqIndex::with_config(config(strategy, 4096), vec![segment.clone()]);
        for r in [0, 3, 16, 31, 40, 52, 64, 256] {
            // Probing at 256 visits every bucket of every table: slow, and nothing the smaller radii miss.
            if strategy == Strategy::Tables && r > 64 {
                continue;
            }
            let _ = index.search_sorted(probe, r);
            let _ = index.search_sorted(&Hash256::ZERO, r);
        }
        let first: Vec<_> = segment.entries().take(3).collect();
        for (hash, id) in first {
            let _ = index.remove(&hash, id);
            let _ = index.insert(hash, id);
        }
        let _ = index.len();
        index.compact();
        let _ = index.search_sorted(probe, 31);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// Random bytes overwritten anywhere, but mostly inside the sections that opening does not check.
    #[test]
    fn damaged_bytes_never_panic(
        damage in prop::collection::vec((0usize..50, any::<prop::sample::Index>(), any::<u8>()), 1..12),
        anywhere in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..3),
    ) {
        let pairs = pairs(60, 21);
        let mut bytes = bytes_of(&Segment::build(pairs.clone()).expect("small"));
        for (i, at, value) in damage {
            let (offset, len) = section(&bytes, i);
            if len > 0 {
                bytes[offset + at.index(len)] = value;
            }
        }
        for (at, value) in anywhere {
            let n = bytes.len();
            bytes[at.index(n)] = value;
        }
        if let Ok(segment) = open(bytes) {
            exercise(segment, &pairs[5].0);
        }
    }

    /// Any prefix of a segment is an error, never a panic.
    #[test]
    fn truncated_bytes_are_errors(cut in any::<prop::sample::Index>()) {
        let bytes = bytes_of(&Segment::build(pairs(30, 4)).expect("small"));
        let n = bytes.len();
        prop_assert!(open(bytes[..cut.index(n)].to_vec()).is_err());
    }
}

/// Positions and offsets that point past the end, written on purpose: searching skips them.
#[test]
fn out_of_range_positions_and_offsets_are_skipped() {
    let pairs = pairs(50, 8);
    let mut bytes = bytes_of(&Segment::build(pairs.clone()).expect("small"));
    for table in 1..16 {
        let (offset, len) = section(&bytes, 4 + 3 * table);
        bytes[offset..offset + len].fill(0xff);
    }
    let segment = open(bytes.clone()).expect("positions are not checked at opening");
    let live: BTreeSet<_> = pairs.iter().copied().collect();
    let index = PdqIndex::with_config(config(Strategy::Tables, 4096), vec![segment.clone()]);
    // Table 0 needs no positions, so exact matches (chunk 0 and 1 equal) are still found.
    let hits = index.search_sorted(&pairs[0].0, 0);
    assert_eq!(
        hits.len(),
        live.iter().filter(|(h, _)| *h == pairs[0].0).count()
    );
    exercise(segment, &pairs[0].0);
}
