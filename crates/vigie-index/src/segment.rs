//! An immutable, searchable set of (PDQ hash, id) pairs, and its file format, which is also its in-memory form.
//!
//! A segment is built once from its pairs and never changes, so it can be written to a file and later viewed
//! in place (from a memory map or a buffer) without parsing: opening checks the header and the bucket
//! offsets (about a million integer reads, whatever the entry count) and does no per-entry work. A built
//! segment is the same bytes in a `Vec<u8>`, so there is one search path.
//!
//! # Search structure
//! A hash is split into 16 chunks of 16 bits, chunk `c` being bytes `2c` and `2c + 1` read big-endian. Table
//! `k` groups the entries by their chunk `k` into 65,536 buckets and keeps, for each entry in bucket order,
//! its next chunk `(k + 1) % 16` (the "neighbour") and its position in the hashes. See the `plan` module
//! for how a search chooses the buckets to probe; every hash within the radius is fetched by at least one
//! table, and reported only by the first such table, so results are exact without a hash set.
//!
//! # File format, version 1
//! All integers are little-endian; every section starts at a multiple of 8 bytes, padded with zeros. With
//! `N` the entry count (at most 2^24):
//!
//! | offset | size      | content                                                                    |
//! |--------|-----------|----------------------------------------------------------------------------|
//! | 0      | 8         | magic `VIGIEPDQ`                                                           |
//! | 8      | 4         | format version, u32 (1)                                                    |
//! | 12     | 4         | section count, u32 (50)                                                    |
//! | 16     | 8         | entry count `N`, u64                                                       |
//! | 24     | 8         | total length in bytes, u64                                                 |
//! | 32     | 50 x 16   | section table: (offset u64, length u64) of each section, in the order below|
//! | 832    |           | the sections                                                               |
//!
//! Sections, in order, each right after the previous one (8-byte aligned):
//! 1. hashes: `N` x 32 bytes, sorted by (hash, id), hence by chunk 0;
//! 2. ids: `N` x u32, in the same order;
//! 3. for each table `k` in 0..16:
//!    - offsets: 65,537 x u32; bucket `b` (chunk `k` equal to `b`) is entries `off[b]..off[b + 1]` of the
//!      table, `off[0] = 0`, `off[65536] = N`, non-decreasing;
//!    - neighbours: `N` x u16, chunk `(k + 1) % 16` of each entry, in bucket order;
//!    - positions: `N` x 3 bytes (u24), each entry's index into the hashes, in bucket order. Table 0's
//!      positions are the identity and its section is empty.
//!
//! Entries within a bucket are in increasing position order. The layout is entirely determined by `N`; a
//! reader of version 1 requires exactly it. Size: `113 N` bytes plus 4.2 MB of offsets.

use std::io::{self, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use vigie_pdq::Hash256;

use crate::error::{BuildError, FormatError, Section};
use crate::hit::Hit;
use crate::kernel;
use crate::plan::{self, CHUNKS, Strategy};
use crate::search::Query;

/// The magic bytes that start every segment.
const MAGIC: [u8; 8] = *b"VIGIEPDQ";

/// The format version this code reads and writes.
pub const FORMAT_VERSION: u32 = 1;

/// Number of buckets per table: one per 16-bit chunk value.
pub(crate) const BUCKETS: usize = 1 << 16;

/// Sections: hashes, ids, and (offsets, neighbours, positions) per table.
const SECTION_COUNT: usize = 2 + 3 * CHUNKS;

/// Header size: magic, version, section count, entry count, total length, section table.
const HEADER_LEN: usize = 32 + 16 * SECTION_COUNT;

/// Where each section of a segment of a given entry count lies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Layout {
    /// Entry count.
    len: usize,
    /// Total byte length.
    total: usize,
    /// `(start, end)` byte offsets of each section, in format order.
    sections: [(usize, usize); SECTION_COUNT],
}

/// The section at index `i` of the section table.
fn section_at(i: usize) -> Section {
    match i {
        0 => Section::Hashes,
        1 => Section::Ids,
        _ => {
            let table = ((i - 2) / 3) as u8;
            match (i - 2) % 3 {
                0 => Section::Offsets { table },
                1 => Section::Neighbours { table },
                _ => Section::Positions { table },
            }
        }
    }
}

/// Byte length of a section of a segment of `len` entries.
fn section_len(section: Section, len: usize) -> usize {
    match section {
        Section::Hashes => 32 * len,
        Section::Ids => 4 * len,
        Section::Offsets { .. } => 4 * (BUCKETS + 1),
        Section::Neighbours { .. } => 2 * len,
        Section::Positions { table: 0 } => 0,
        Section::Positions { .. } => 3 * len,
    }
}

fn align8(x: usize) -> usize {
    x.div_ceil(8) * 8
}

impl Layout {
    /// The canonical layout for `len` entries (`len <= Segment::MAX_LEN`).
    fn for_len(len: usize) -> Layout {
        let mut sections = [(0, 0); SECTION_COUNT];
        let mut cursor = HEADER_LEN;
        for (i, slot) in sections.iter_mut().enumerate() {
            let size = section_len(section_at(i), len);
            *slot = (cursor, cursor + size);
            cursor = align8(cursor + size);
        }
        Layout {
            len,
            total: cursor,
            sections,
        }
    }

    fn hashes(&self) -> (usize, usize) {
        self.sections[0]
    }

    fn ids(&self) -> (usize, usize) {
        self.sections[1]
    }

    fn offsets(&self, table: usize) -> (usize, usize) {
        self.sections[2 + 3 * table]
    }

    fn neighbours(&self, table: usize) -> (usize, usize) {
        self.sections[3 + 3 * table]
    }

    fn positions(&self, table: usize) -> (usize, usize) {
        self.sections[4 + 3 * table]
    }
}

/// Borrowed views of one table's sections.
#[derive(Clone, Copy, Default)]
pub(crate) struct TableView<'a> {
    /// 65,537 little-endian u32 bucket offsets.
    pub offsets: &'a [u8],
    /// Little-endian u16 neighbour chunks, in bucket order.
    pub neighbours: &'a [u8],
    /// Little-endian u24 positions, in bucket order (empty for table 0).
    pub positions: &'a [u8],
}

/// Borrowed views of all of a segment's sections, sliced once per search.
pub(crate) struct View<'a> {
    /// Entry count.
    pub len: usize,
    /// `len` x 32 bytes.
    pub hashes: &'a [u8],
    /// `len` x little-endian u32.
    pub ids: &'a [u8],
    /// The 16 tables.
    pub tables: [TableView<'a>; CHUNKS],
}

/// An immutable set of (PDQ hash, id) pairs searchable by Hamming distance, viewing its bytes in place.
///
/// Cheap to clone (the bytes are shared). `Send + Sync`: any number of threads may search it at once.
#[derive(Clone)]
pub struct Segment {
    bytes: Arc<dyn AsRef<[u8]> + Send + Sync>,
    layout: Layout,
    /// See [`Segment::id`].
    id: u64,
}

/// A number never given to another segment in this process.
fn next_segment_id() -> u64 {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

impl std::fmt::Debug for Segment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Segment")
            .field("id", &self.id)
            .field("len", &self.layout.len)
            .field("byte_len", &self.layout.total)
            .finish()
    }
}

fn read_u32_at(bytes: &[u8], at: usize) -> Option<u32> {
    bytes
        .get(at..at.checked_add(4)?)
        .and_then(|b| b.try_into().ok())
        .map(u32::from_le_bytes)
}

fn read_u64_at(bytes: &[u8], at: usize) -> Option<u64> {
    bytes
        .get(at..at.checked_add(8)?)
        .and_then(|b| b.try_into().ok())
        .map(u64::from_le_bytes)
}

/// Chunk `k` of a hash: bytes `2k` and `2k + 1`, big-endian.
pub(crate) fn chunk(hash: &Hash256, k: usize) -> u16 {
    u16::from_be_bytes([hash.0[2 * k], hash.0[2 * k + 1]])
}

/// Sorts pairs by (hash, id) and drops repeated pairs. Linear-time bucketing by chunk 0 first, so that the
/// comparison sorts are over small buckets.
pub(crate) fn sort_dedup(mut entries: Vec<(Hash256, u32)>) -> Vec<(Hash256, u32)> {
    if entries.len() <= BUCKETS {
        entries.sort_unstable();
        entries.dedup();
        return entries;
    }
    let mut starts = vec![0usize; BUCKETS + 1];
    for (hash, _) in &entries {
        starts[usize::from(chunk(hash, 0)) + 1] += 1;
    }
    for b in 0..BUCKETS {
        starts[b + 1] += starts[b];
    }
    let mut cursor = starts.clone();
    let mut sorted = vec![(Hash256::ZERO, 0u32); entries.len()];
    for entry in entries {
        let b = usize::from(chunk(&entry.0, 0));
        sorted[cursor[b]] = entry;
        cursor[b] += 1;
    }
    for b in 0..BUCKETS {
        sorted[starts[b]..starts[b + 1]].sort_unstable();
    }
    sorted.dedup();
    sorted
}

/// Writes the segment bytes for pairs already sorted by (hash, id) and free of repeats, at most
/// `Segment::MAX_LEN` of them.
fn encode(entries: &[(Hash256, u32)]) -> (Vec<u8>, Layout) {
    let len = entries.len();
    let layout = Layout::for_len(len);
    let mut bytes = vec![0u8; layout.total];

    bytes[0..8].copy_from_slice(&MAGIC);
    bytes[8..12].copy_from_slice(&FORMAT_VERSION.to_le_bytes());
    bytes[12..16].copy_from_slice(&(SECTION_COUNT as u32).to_le_bytes());
    bytes[16..24].copy_from_slice(&(len as u64).to_le_bytes());
    bytes[24..32].copy_from_slice(&(layout.total as u64).to_le_bytes());
    for (i, &(start, end)) in layout.sections.iter().enumerate() {
        let at = 32 + 16 * i;
        bytes[at..at + 8].copy_from_slice(&(start as u64).to_le_bytes());
        bytes[at + 8..at + 16].copy_from_slice(&((end - start) as u64).to_le_bytes());
    }

    let (start, end) = layout.hashes();
    for (slot, (hash, _)) in bytes[start..end].chunks_exact_mut(32).zip(entries) {
        slot.copy_from_slice(&hash.0);
    }
    let (start, end) = layout.ids();
    for (slot, (_, id)) in bytes[start..end].chunks_exact_mut(4).zip(entries) {
        slot.copy_from_slice(&id.to_le_bytes());
    }

    let mut starts = vec![0u32; BUCKETS + 1];
    for k in 0..CHUNKS {
        let next = (k + 1) % CHUNKS;
        // Counting sort of positions by chunk k; stable, so each bucket lists positions in increasing order.
        starts.fill(0);
        for (hash, _) in entries {
            starts[usize::from(chunk(hash, k)) + 1] += 1;
        }
        for b in 0..BUCKETS {
            starts[b + 1] += starts[b];
        }
        let (offsets_start, _) = layout.offsets(k);
        let (neighbours_start, neighbours_end) = layout.neighbours(k);
        let (positions_start, positions_end) = layout.positions(k);
        let (head, rest) = bytes.split_at_mut(neighbours_start);
        for (slot, offset) in head[offsets_start..].chunks_exact_mut(4).zip(starts.iter()) {
            slot.copy_from_slice(&offset.to_le_bytes());
        }
        let (neighbours, rest) = rest.split_at_mut(positions_start - neighbours_start);
        let neighbours = &mut neighbours[..neighbours_end - neighbours_start];
        let positions = &mut rest[..positions_end - positions_start];
        let mut cursor = starts.clone();
        for (position, (hash, _)) in entries.iter().enumerate() {
            let b = usize::from(chunk(hash, k));
            let slot = cursor[b] as usize;
            cursor[b] += 1;
            neighbours[2 * slot..2 * slot + 2].copy_from_slice(&chunk(hash, next).to_le_bytes());
            if k != 0 {
                positions[3 * slot..3 * slot + 3]
                    .copy_from_slice(&(position as u32).to_le_bytes()[..3]);
            }
        }
    }
    (bytes, layout)
}

impl Segment {
    /// Most entries a segment holds: positions are 24-bit.
    pub const MAX_LEN: usize = 1 << 24;

    /// Builds a segment from (hash, id) pairs. Repeated pairs are kept once; the same hash with several ids,
    /// or the same id with several hashes, are distinct entries.
    ///
    /// Cost: linear in the number of pairs (16 counting sorts), about 0.35 s per million on one core;
    /// memory about 113 bytes per pair plus 4.2 MB, besides the input.
    ///
    /// # Errors
    /// [`BuildError::TooManyEntries`] for more than [`Segment::MAX_LEN`] distinct pairs.
    pub fn build(entries: Vec<(Hash256, u32)>) -> Result<Segment, BuildError> {
        let entries = sort_dedup(entries);
        if entries.len() > Segment::MAX_LEN {
            return Err(BuildError::TooManyEntries {
                entries: entries.len(),
                max: Segment::MAX_LEN,
            });
        }
        Ok(Segment::from_sorted(&entries))
    }

    /// Builds a segment from pairs sorted by (hash, id), without repeats, at most `MAX_LEN` of them.
    pub(crate) fn from_sorted(entries: &[(Hash256, u32)]) -> Segment {
        let (bytes, layout) = encode(entries);
        Segment {
            bytes: Arc::new(bytes),
            layout,
            id: next_segment_id(),
        }
    }

    /// Views segment bytes in place (a memory map, a buffer), as written by [`Segment::write_to`].
    ///
    /// Checks the header, the section layout and every table's bucket offsets: O(16 x 65,536), never
    /// proportional to the entry count. The entries themselves are not checked: damaged entries can give
    /// wrong results but never a panic. If the bytes change after opening (a file rewritten under a memory
    /// map), searches still do not panic; their results are then unspecified.
    ///
    /// # Errors
    /// A [`FormatError`] naming the first problem found.
    pub fn from_bytes(bytes: Arc<dyn AsRef<[u8]> + Send + Sync>) -> Result<Segment, FormatError> {
        let layout = validate((*bytes).as_ref())?;
        Ok(Segment {
            bytes,
            layout,
            id: next_segment_id(),
        })
    }

    /// Writes the segment in the file format (the bytes it views, as they are).
    ///
    /// # Errors
    /// Whatever the writer returns.
    pub fn write_to(&self, writer: &mut (impl Write + ?Sized)) -> io::Result<()> {
        writer.write_all(self.as_bytes())
    }

    /// The bytes in the file format.
    #[must_use]
    pub fn as_bytes(&self) -> &[u8] {
        (*self.bytes).as_ref()
    }

    /// A number that identifies this segment within the process: clones share it, and no other segment built
    /// or opened in the process ever gets it (unlike an address, which a later segment may reuse). It tells
    /// a caller which of [`PdqIndex::segments`](crate::PdqIndex::segments) it has already persisted.
    #[must_use]
    pub fn id(&self) -> u64 {
        self.id
    }

    /// Number of entries.
    #[must_use]
    pub fn len(&self) -> usize {
        self.layout.len
    }

    /// Whether the segment has no entries.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.layout.len == 0
    }

    /// Size of the segment's bytes: about `113 * len() + 4.2 MB`.
    #[must_use]
    pub fn byte_len(&self) -> usize {
        self.layout.total
    }

    /// Appends every entry within `max_distance` (clamped to 256) of `query` to `out`, in no particular
    /// order. Exactly the brute-force result; about 10 us at r = 31 over a million random hashes.
    pub fn search(&self, query: &Hash256, max_distance: u32, out: &mut Vec<Hit>) {
        self.search_filtered(query, max_distance, Strategy::Auto, &[], out);
    }

    /// [`Segment::search`], skipping the positions whose bit is set in `removed` (bit `p % 64` of word
    /// `p / 64`; missing words mean nothing removed), with the given strategy.
    pub(crate) fn search_filtered(
        &self,
        query: &Hash256,
        max_distance: u32,
        strategy: Strategy,
        removed: &[u64],
        out: &mut Vec<Hit>,
    ) {
        let Some(view) = self.view() else { return };
        let plan = plan::choose(max_distance, view.len, strategy);
        let query = Query::new(query);
        kernel::search_view(
            &view,
            &query,
            max_distance.min(plan::MAX_RADIUS),
            plan,
            removed,
            out,
        );
    }

    /// The (hash, id) pairs, in stored order (sorted by hash, then id, for segments built here).
    pub fn entries(&self) -> impl Iterator<Item = (Hash256, u32)> + '_ {
        let (hashes, ids) = match self.view() {
            Some(view) => (view.hashes, view.ids),
            None => (&[][..], &[][..]),
        };
        hashes
            .chunks_exact(32)
            .zip(ids.chunks_exact(4))
            .filter_map(|(hash, id)| {
                let hash: [u8; 32] = hash.try_into().ok()?;
                let id: [u8; 4] = id.try_into().ok()?;
                Some((Hash256(hash), u32::from_le_bytes(id)))
            })
    }

    /// The position of the pair `(hash, id)`, if the segment holds it: a binary search within the table-0
    /// bucket of the hash's chunk 0.
    pub(crate) fn position(&self, hash: &Hash256, id: u32) -> Option<usize> {
        let view = self.view()?;
        let bucket = usize::from(chunk(hash, 0));
        let lo = read_u32_at(view.tables[0].offsets, 4 * bucket)? as usize;
        let hi = read_u32_at(view.tables[0].offsets, 4 * bucket + 4)? as usize;
        let key = (hash.0, id);
        let at = |p: usize| -> Option<([u8; 32], u32)> {
            let h: [u8; 32] = view.hashes.get(32 * p..32 * p + 32)?.try_into().ok()?;
            Some((h, read_u32_at(view.ids, 4 * p)?))
        };
        let (mut lo, mut hi) = (lo, hi.min(view.len));
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            let entry = at(mid)?;
            match entry.cmp(&key) {
                std::cmp::Ordering::Less => lo = mid + 1,
                std::cmp::Ordering::Greater => hi = mid,
                std::cmp::Ordering::Equal => return Some(mid),
            }
        }
        None
    }

    /// Slices every section, or `None` if the bytes no longer have the validated length.
    pub(crate) fn view(&self) -> Option<View<'_>> {
        let bytes = self.as_bytes();
        let layout = &self.layout;
        if bytes.len() != layout.total {
            return None;
        }
        let slice = |(start, end): (usize, usize)| bytes.get(start..end);
        let mut tables = [TableView::default(); CHUNKS];
        for (k, table) in tables.iter_mut().enumerate() {
            *table = TableView {
                offsets: slice(layout.offsets(k))?,
                neighbours: slice(layout.neighbours(k))?,
                positions: slice(layout.positions(k))?,
            };
        }
        Some(View {
            len: layout.len,
            hashes: slice(layout.hashes())?,
            ids: slice(layout.ids())?,
            tables,
        })
    }
}

/// Checks segment bytes and returns their layout.
fn validate(bytes: &[u8]) -> Result<Layout, FormatError> {
    if bytes.len() < HEADER_LEN {
        return Err(FormatError::TooShort {
            len: bytes.len(),
            needed: HEADER_LEN,
        });
    }
    let too_short = || FormatError::TooShort {
        len: bytes.len(),
        needed: HEADER_LEN,
    };
    if bytes.get(0..8) != Some(&MAGIC[..]) {
        return Err(FormatError::BadMagic);
    }
    let version = read_u32_at(bytes, 8).ok_or_else(too_short)?;
    if version != FORMAT_VERSION {
        return Err(FormatError::UnsupportedVersion {
            found: version,
            supported: FORMAT_VERSION,
        });
    }
    let section_count = read_u32_at(bytes, 12).ok_or_else(too_short)?;
    if section_count as usize != SECTION_COUNT {
        return Err(FormatError::SectionCount {
            found: section_count,
            expected: SECTION_COUNT as u32,
        });
    }
    let entries = read_u64_at(bytes, 16).ok_or_else(too_short)?;
    if entries > Segment::MAX_LEN as u64 {
        return Err(FormatError::TooManyEntries {
            entries,
            max: Segment::MAX_LEN,
        });
    }
    let layout = Layout::for_len(entries as usize);
    let declared = read_u64_at(bytes, 24).ok_or_else(too_short)?;
    if declared != layout.total as u64 || bytes.len() != layout.total {
        return Err(FormatError::Length {
            entries,
            expected: layout.total as u64,
            declared,
            actual: bytes.len(),
        });
    }
    for (i, &(start, end)) in layout.sections.iter().enumerate() {
        let found_offset = read_u64_at(bytes, 32 + 16 * i).ok_or_else(too_short)?;
        let found_len = read_u64_at(bytes, 40 + 16 * i).ok_or_else(too_short)?;
        if found_offset != start as u64 || found_len != (end - start) as u64 {
            return Err(FormatError::SectionBounds {
                section: section_at(i),
                expected_offset: start as u64,
                expected_len: (end - start) as u64,
                found_offset,
                found_len,
            });
        }
    }
    for table in 0..CHUNKS {
        let (start, end) = layout.offsets(table);
        let offsets = bytes.get(start..end).ok_or_else(too_short)?;
        let mut previous = 0u32;
        for (bucket, raw) in offsets.chunks_exact(4).enumerate() {
            let offset = u32::from_le_bytes([raw[0], raw[1], raw[2], raw[3]]);
            let bad = if bucket == 0 {
                offset != 0
            } else if bucket == BUCKETS {
                offset as u64 != entries || offset < previous
            } else {
                offset < previous
            };
            if bad {
                return Err(FormatError::BucketOffsets { table, bucket });
            }
            previous = offset;
        }
    }
    Ok(layout)
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
    fn layout_is_aligned_ordered_and_sized() {
        for len in [0, 1, 3, 1000] {
            let layout = Layout::for_len(len);
            let mut previous_end = HEADER_LEN;
            for (i, &(start, end)) in layout.sections.iter().enumerate() {
                assert_eq!(start % 8, 0);
                assert!(start >= previous_end);
                assert_eq!(end - start, section_len(section_at(i), len));
                previous_end = end;
            }
            assert_eq!(layout.total % 8, 0);
            assert!(layout.total >= previous_end);
        }
        // 113 bytes per entry plus the offsets, give or take padding.
        let big = Layout::for_len(1 << 20);
        let fixed = HEADER_LEN + CHUNKS * 4 * (BUCKETS + 1);
        assert!(big.total - fixed - 113 * (1 << 20) < 8 * SECTION_COUNT);
    }

    #[test]
    fn built_segment_validates_and_finds_its_entries() {
        let mut entries: Vec<(Hash256, u32)> = (0..500).map(|i| (hash(i), i as u32)).collect();
        entries.push(entries[3]);
        entries.push((entries[4].0, 9999));
        let segment = Segment::build(entries.clone()).expect("small");
        assert_eq!(segment.len(), 501);
        assert_eq!(segment.clone().id(), segment.id());
        let other = Segment::build(entries.clone()).expect("small");
        assert_ne!(other.id(), segment.id());
        let mut dynamic: Box<dyn Write> = Box::new(Vec::new());
        assert!(segment.write_to(&mut *dynamic).is_ok());
        assert_eq!(validate(segment.as_bytes()), Ok(segment.layout));
        for (hash, id) in &entries {
            let p = segment.position(hash, *id).expect("present");
            assert_eq!(segment.entries().nth(p), Some((*hash, *id)));
        }
        assert_eq!(segment.position(&hash(3), 4), None);
        let listed: Vec<_> = segment.entries().collect();
        let mut expected = entries;
        expected.sort_unstable();
        expected.dedup();
        assert_eq!(listed, expected);
    }

    #[test]
    fn tables_list_each_entry_once_in_its_bucket() {
        let entries: Vec<(Hash256, u32)> = (0..300).map(|i| (hash(i), i as u32)).collect();
        let segment = Segment::build(entries).expect("small");
        let view = segment.view().expect("valid");
        let stored: Vec<_> = segment.entries().collect();
        for k in 0..CHUNKS {
            let table = &view.tables[k];
            let mut seen = vec![false; view.len];
            for b in 0..BUCKETS {
                let lo = read_u32_at(table.offsets, 4 * b).expect("offset") as usize;
                let hi = read_u32_at(table.offsets, 4 * b + 4).expect("offset") as usize;
                for e in lo..hi {
                    let p = if k == 0 {
                        e
                    } else {
                        let raw = &table.positions[3 * e..3 * e + 3];
                        u32::from_le_bytes([raw[0], raw[1], raw[2], 0]) as usize
                    };
                    assert!(!seen[p]);
                    seen[p] = true;
                    assert_eq!(usize::from(chunk(&stored[p].0, k)), b);
                    let n =
                        u16::from_le_bytes([table.neighbours[2 * e], table.neighbours[2 * e + 1]]);
                    assert_eq!(n, chunk(&stored[p].0, (k + 1) % CHUNKS));
                }
            }
            assert!(seen.iter().all(|&s| s));
        }
    }

    #[test]
    fn large_inputs_sort_through_buckets() {
        let mut entries: Vec<(Hash256, u32)> = (0..70_000)
            .map(|i| (hash(i % 69_000), (i % 69_500) as u32))
            .collect();
        let mut expected = entries.clone();
        expected.sort_unstable();
        expected.dedup();
        entries.reverse();
        assert_eq!(sort_dedup(entries), expected);
    }
}
