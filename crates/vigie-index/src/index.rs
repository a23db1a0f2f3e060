//! The mutable PDQ index: immutable segments, a small list of recent inserts, and removal marks.
//!
//! Segments are expensive to build and cheap to search and to open from a file, so changes do not touch
//! them: an insert goes to the "delta", a short list searched by reading it all, which is sealed into a new
//! segment when it reaches [`IndexConfig::delta_capacity`] pairs; a removal sets a bit in the segment's
//! in-memory tombstones (or drops the pair from the delta). [`PdqIndex::compact`] rewrites everything
//! into as few segments as possible, dropping removed pairs.
//!
//! Sealing keeps the number of small segments logarithmic: after a seal, the last two segments are merged
//! while the last holds at least half as many live pairs as the one before it and together they hold at
//! most [`IndexConfig::merge_limit`]. Every segment carries 4.2 MB of bucket offsets whatever its size,
//! so without merging each sealed delta would cost about 1 KB per pair.

use foldhash::{HashMap, HashMapExt};
use vigie_pdq::Hash256;

use crate::hit::Hit;
use crate::kernel;
use crate::plan::{MAX_RADIUS, Strategy};
use crate::search::Query;
use crate::segment::{Segment, sort_dedup};

/// Tuning of a [`PdqIndex`]; every field has a default (see [`IndexConfig::default`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IndexConfig {
    /// The delta (recent inserts, searched by reading it all) is sealed into a segment when it reaches this
    /// many pairs. Default 4096: reading 4096 hashes costs about as much as probing a million-hash segment
    /// at distance 31. Values below 1 count as 1.
    pub delta_capacity: usize,
    /// Sealing merges the newest segments only while the result holds at most this many pairs, which bounds
    /// the work of one insert (about 0.35 s per million pairs). Default 2^20.
    pub merge_limit: usize,
    /// How segments are searched. Default [`Strategy::Auto`]; the others are for measurements and tests.
    pub strategy: Strategy,
}

impl Default for IndexConfig {
    fn default() -> Self {
        IndexConfig {
            delta_capacity: 4096,
            merge_limit: 1 << 20,
            strategy: Strategy::Auto,
        }
    }
}

/// Removal marks of one segment: bit `p % 64` of word `p / 64` is set when position `p` is removed.
#[derive(Debug, Clone, Default)]
struct Tombstones {
    /// Empty until the first removal, then one bit per entry.
    bits: Vec<u64>,
    count: usize,
}

impl Tombstones {
    fn contains(&self, position: usize) -> bool {
        self.bits
            .get(position / 64)
            .is_some_and(|word| word >> (position % 64) & 1 == 1)
    }

    /// Marks `position` of a segment of `len` entries; returns whether it was not marked yet.
    fn mark(&mut self, position: usize, len: usize) -> bool {
        if self.bits.is_empty() {
            self.bits = vec![0; len.div_ceil(64)];
        }
        let Some(word) = self.bits.get_mut(position / 64) else {
            return false;
        };
        let bit = 1u64 << (position % 64);
        if *word & bit != 0 {
            return false;
        }
        *word |= bit;
        self.count += 1;
        true
    }
}

/// Builds segments from pairs: repeated pairs are kept once, and inputs beyond [`Segment::MAX_LEN`] pairs are
/// split evenly over as few segments as possible. No segment for no pairs.
///
/// Cost: about 0.35 s per million pairs on one core.
#[must_use]
pub fn build_segments(entries: Vec<(Hash256, u32)>) -> Vec<Segment> {
    let entries = sort_dedup(entries);
    if entries.is_empty() {
        return Vec::new();
    }
    let count = entries.len().div_ceil(Segment::MAX_LEN);
    let size = entries.len().div_ceil(count);
    entries.chunks(size).map(Segment::from_sorted).collect()
}

/// An exact near-neighbour index of (PDQ hash, id) pairs under Hamming distance.
///
/// The index is a set of pairs: the same hash may carry several ids and the same id several hashes, but
/// inserting a pair that is already present changes nothing. Searches take `&self` and the type is
/// `Send + Sync`, so any number of threads may search at once; changes need `&mut self`.
///
/// Memory: about 117 bytes per pair in a million-pair segment (113 per pair plus 4.2 MB per segment), plus
/// 36 bytes and a hash-map slot per delta pair and one bit per segment pair once a pair of it is removed.
#[derive(Debug, Clone)]
pub struct PdqIndex {
    config: IndexConfig,
    segments: Vec<Segment>,
    removed: Vec<Tombstones>,
    delta: Vec<(Hash256, u32)>,
    /// Where each delta pair is in `delta`.
    delta_slots: HashMap<(Hash256, u32), usize>,
    removed_count: usize,
    revision: u64,
}

impl Default for PdqIndex {
    fn default() -> Self {
        PdqIndex::new()
    }
}

impl PdqIndex {
    /// An empty index with the default configuration.
    #[must_use]
    pub fn new() -> PdqIndex {
        PdqIndex::with_config(IndexConfig::default(), Vec::new())
    }

    /// An index over segments (for example opened from files), with the default configuration.
    ///
    /// The segments are expected to be disjoint, as [`PdqIndex::segments`] leaves them: a pair held by two
    /// segments is reported twice by searches and counted twice by [`PdqIndex::len`] until
    /// [`PdqIndex::compact`], though [`PdqIndex::remove`] removes both.
    #[must_use]
    pub fn from_segments(segments: Vec<Segment>) -> PdqIndex {
        PdqIndex::with_config(IndexConfig::default(), segments)
    }

    /// An index over pairs (see [`build_segments`]), with the default configuration.
    #[must_use]
    pub fn build(entries: Vec<(Hash256, u32)>) -> PdqIndex {
        PdqIndex::with_config(IndexConfig::default(), build_segments(entries))
    }

    /// An index over segments with the given configuration (same expectations as
    /// [`PdqIndex::from_segments`]).
    #[must_use]
    pub fn with_config(config: IndexConfig, segments: Vec<Segment>) -> PdqIndex {
        PdqIndex {
            config,
            removed: vec![Tombstones::default(); segments.len()],
            segments,
            delta: Vec::new(),
            delta_slots: HashMap::new(),
            removed_count: 0,
            revision: 0,
        }
    }

    /// Adds a pair; returns `false` and changes nothing if it is already present. May seal the delta (see
    /// [`IndexConfig::delta_capacity`]), which is the only costly case.
    ///
    /// Cost otherwise: a hash-map insert and one binary search of a small bucket per segment.
    pub fn insert(&mut self, hash: Hash256, id: u32) -> bool {
        if self.contains(&hash, id) {
            return false;
        }
        self.delta_slots.insert((hash, id), self.delta.len());
        self.delta.push((hash, id));
        self.revision += 1;
        if self.delta.len() >= self.config.delta_capacity.max(1) {
            self.seal_delta();
        }
        true
    }

    /// Removes a pair; returns whether it was present.
    ///
    /// Cost: a hash-map removal and one binary search of a small bucket per segment; the first removal from
    /// a segment allocates its tombstones (one bit per entry).
    pub fn remove(&mut self, hash: &Hash256, id: u32) -> bool {
        let mut found = false;
        if let Some(slot) = self.delta_slots.remove(&(*hash, id)) {
            self.delta.swap_remove(slot);
            if let Some(moved) = self.delta.get(slot) {
                self.delta_slots.insert(*moved, slot);
            }
            found = true;
        }
        for (segment, tombstones) in self.segments.iter().zip(&mut self.removed) {
            if let Some(position) = segment.position(hash, id)
                && tombstones.mark(position, segment.len())
            {
                self.removed_count += 1;
                found = true;
            }
        }
        if found {
            self.revision += 1;
        }
        found
    }

    /// Whether the pair is present.
    #[must_use]
    pub fn contains(&self, hash: &Hash256, id: u32) -> bool {
        self.delta_slots.contains_key(&(*hash, id))
            || self
                .segments
                .iter()
                .zip(&self.removed)
                .any(|(segment, tombstones)| {
                    segment
                        .position(hash, id)
                        .is_some_and(|p| !tombstones.contains(p))
                })
    }

    /// Number of pairs present.
    #[must_use]
    pub fn len(&self) -> usize {
        let stored: usize = self.segments.iter().map(Segment::len).sum();
        stored - self.removed_count + self.delta.len()
    }

    /// Whether no pair is present.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Appends a [`Hit`] for every pair within `max_distance` (clamped to 256) of `query` to `out`.
    ///
    /// Exactly the brute-force result, in no particular order (grouped by segment, then the delta). Cost on
    /// one core, random hashes: about 10 us per million pairs at distance 31, 0.6 ms at 52 (see the crate's
    /// bench); from distance 64 on, a million-pair segment is read whole (about 2.4 ms).
    pub fn search(&self, query: &Hash256, max_distance: u32, out: &mut Vec<Hit>) {
        for (segment, tombstones) in self.segments.iter().zip(&self.removed) {
            segment.search_filtered(
                query,
                max_distance,
                self.config.strategy,
                &tombstones.bits,
                out,
            );
        }
        kernel::scan_entries(
            &self.delta,
            &Query::new(query),
            max_distance.min(MAX_RADIUS),
            out,
        );
    }

    /// [`PdqIndex::search`] into a new vector, sorted by distance, then id.
    #[must_use]
    pub fn search_sorted(&self, query: &Hash256, max_distance: u32) -> Vec<Hit> {
        let mut hits = Vec::new();
        self.search(query, max_distance, &mut hits);
        hits.sort_unstable_by_key(|hit| (hit.distance, hit.id));
        hits
    }

    /// Turns the delta into a segment (then merges small segments, see the module documentation). Does
    /// nothing when the delta is empty.
    pub fn seal_delta(&mut self) {
        if self.delta.is_empty() {
            return;
        }
        let delta = std::mem::take(&mut self.delta);
        self.delta_slots.clear();
        self.segments.extend(build_segments(delta));
        self.removed
            .resize_with(self.segments.len(), Tombstones::default);
        self.merge_tail();
        self.revision += 1;
    }

    /// Merges the last two segments while the last is at least half the size of the one before and the
    /// merge stays within the limit.
    fn merge_tail(&mut self) {
        while let [.., before, last] = &self.segments[..] {
            let n = self.segments.len();
            let live = |i: usize, segment: &Segment| segment.len() - self.removed[i].count;
            let (before_live, last_live) = (live(n - 2, before), live(n - 1, last));
            if last_live * 2 < before_live || before_live + last_live > self.config.merge_limit {
                break;
            }
            let mut entries = Vec::with_capacity(before_live + last_live);
            for i in [n - 2, n - 1] {
                self.push_live_entries(i, &mut entries);
            }
            self.segments.truncate(n - 2);
            for tombstones in self.removed.drain(n - 2..) {
                self.removed_count -= tombstones.count;
            }
            self.segments.extend(build_segments(entries));
            self.removed
                .resize_with(self.segments.len(), Tombstones::default);
        }
    }

    fn push_live_entries(&self, i: usize, out: &mut Vec<(Hash256, u32)>) {
        let tombstones = &self.removed[i];
        out.extend(
            self.segments[i]
                .entries()
                .enumerate()
                .filter(|(p, _)| !tombstones.contains(*p))
                .map(|(_, entry)| entry),
        );
    }

    /// Rewrites every present pair into as few segments as possible (one up to [`Segment::MAX_LEN`] pairs),
    /// with no delta and no removal marks.
    ///
    /// Cost: about 0.35 s per million pairs, and memory for the old and the new segments at once.
    pub fn compact(&mut self) {
        let mut entries = Vec::with_capacity(self.len());
        for i in 0..self.segments.len() {
            self.push_live_entries(i, &mut entries);
        }
        entries.append(&mut self.delta);
        self.delta_slots.clear();
        self.segments = build_segments(entries);
        self.removed = vec![Tombstones::default(); self.segments.len()];
        self.removed_count = 0;
        self.revision += 1;
    }

    /// The segments, to persist them with [`Segment::write_to`]. Together with the delta and minus the
    /// removed pairs they are the index's content: see [`PdqIndex::delta_len`] and
    /// [`PdqIndex::removed_count`], both 0 after [`PdqIndex::compact`].
    #[must_use]
    pub fn segments(&self) -> &[Segment] {
        &self.segments
    }

    /// Number of pairs in the delta, not yet in any segment.
    #[must_use]
    pub fn delta_len(&self) -> usize {
        self.delta.len()
    }

    /// Number of segment entries marked removed (still in the segments' bytes).
    #[must_use]
    pub fn removed_count(&self) -> usize {
        self.removed_count
    }

    /// A counter that increases with every change (insert, removal, seal, compaction): a caller that
    /// persisted the segments at some revision knows they are stale when it differs.
    #[must_use]
    pub fn revision(&self) -> u64 {
        self.revision
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hash(seed: u64) -> Hash256 {
        let mut state = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
        let mut out = [0u8; 32];
        for byte in &mut out {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            *byte = (state >> 24) as u8;
        }
        Hash256(out)
    }

    #[test]
    fn sealing_keeps_few_segments() {
        let config = IndexConfig {
            delta_capacity: 16,
            merge_limit: 1 << 20,
            strategy: Strategy::Auto,
        };
        let mut index = PdqIndex::with_config(config, Vec::new());
        for i in 0..2000 {
            assert!(index.insert(hash(i), i as u32));
            assert!(index.segments().len() <= 2 + 2 * (i as f64 + 1.0).log2() as usize);
        }
        assert_eq!(index.len(), 2000);
        assert_eq!(index.delta_len(), 2000 % 16);
        let stored: usize = index.segments().iter().map(Segment::len).sum();
        assert_eq!(stored + index.delta_len(), 2000);
    }

    #[test]
    fn merge_limit_stops_merging() {
        let config = IndexConfig {
            delta_capacity: 10,
            merge_limit: 25,
            strategy: Strategy::Auto,
        };
        let mut index = PdqIndex::with_config(config, Vec::new());
        for i in 0..100 {
            index.insert(hash(i), 0);
        }
        assert!(index.segments().iter().all(|s| s.len() <= 25));
        assert_eq!(index.len(), 100);
    }

    #[test]
    fn index_is_send_and_sync() {
        fn check<T: Send + Sync>() {}
        check::<PdqIndex>();
        check::<Segment>();
    }
}
