//! The search loops over one segment view (table probes or a full scan) and over a list of pairs.
//!
//! Every function here is `#[inline(always)]` so that the `kernel` module can compile the whole search once
//! per CPU feature set (with and without the `popcnt` instruction) from this one safe source.

use vigie_pdq::Hash256;

use crate::hit::Hit;
use crate::kernel;
use crate::plan::{self, CHUNKS, Plan};
use crate::segment::{View, chunk};

/// A query hash, in the two forms the loops use.
pub(crate) struct Query {
    /// Chunk `k` for `k` in 0..16 (bytes `2k`, `2k + 1`, big-endian), to pick buckets.
    chunks: [u16; CHUNKS],
    /// The 32 bytes as four little-endian words, to compute distances.
    words: [u64; 4],
}

impl Query {
    pub(crate) fn new(hash: &Hash256) -> Query {
        let mut chunks = [0u16; CHUNKS];
        for (k, c) in chunks.iter_mut().enumerate() {
            *c = chunk(hash, k);
        }
        let mut words = [0u64; 4];
        for (w, bytes) in words.iter_mut().zip(hash.0.chunks_exact(8)) {
            let mut raw = [0u8; 8];
            raw.copy_from_slice(bytes);
            *w = u64::from_le_bytes(raw);
        }
        Query { chunks, words }
    }
}

/// XOR of a stored hash (32 bytes) with the query, as four words; `None` if `bytes` is not 32 bytes long.
#[inline(always)]
fn xor_words(query: &Query, bytes: &[u8]) -> Option<[u64; 4]> {
    let bytes: &[u8; 32] = bytes.try_into().ok()?;
    let mut out = [0u64; 4];
    for (i, o) in out.iter_mut().enumerate() {
        let mut raw = [0u8; 8];
        raw.copy_from_slice(&bytes[8 * i..8 * i + 8]);
        *o = u64::from_le_bytes(raw) ^ query.words[i];
    }
    Some(out)
}

#[inline(always)]
fn weight(x: &[u64; 4]) -> u32 {
    x[0].count_ones() + x[1].count_ones() + x[2].count_ones() + x[3].count_ones()
}

/// Distance of chunk `j` given the XOR words: chunk `j` is bits `16 (j % 4)..` of word `j / 4`.
#[inline(always)]
fn chunk_distance(x: &[u64; 4], j: usize) -> u32 {
    ((x[j / 4] >> (16 * (j % 4))) as u16).count_ones()
}

#[inline(always)]
fn is_removed(removed: &[u64], position: usize) -> bool {
    removed
        .get(position / 64)
        .is_some_and(|word| word >> (position % 64) & 1 == 1)
}

#[inline(always)]
fn read_u32(bytes: &[u8], index: usize) -> Option<u32> {
    let raw: [u8; 4] = bytes.get(4 * index..4 * index + 4)?.try_into().ok()?;
    Some(u32::from_le_bytes(raw))
}

#[inline(always)]
fn read_u24(bytes: &[u8], index: usize) -> Option<usize> {
    let raw = bytes.get(3 * index..3 * index + 3)?;
    Some(usize::from(raw[0]) | usize::from(raw[1]) << 8 | usize::from(raw[2]) << 16)
}

/// Searches one segment view with the given plan, skipping removed positions.
#[inline(always)]
pub(crate) fn search_view(
    view: &View<'_>,
    query: &Query,
    r: u32,
    plan: Plan,
    removed: &[u64],
    out: &mut Vec<Hit>,
) {
    match plan {
        Plan::Scan => scan_view(view, query, r, removed, out),
        Plan::Probe { t, s } => probe_view(view, query, r, t, s, removed, out),
    }
}

/// Reads every hash.
#[inline(always)]
fn scan_view(view: &View<'_>, query: &Query, r: u32, removed: &[u64], out: &mut Vec<Hit>) {
    for (position, (hash, id)) in view
        .hashes
        .chunks_exact(32)
        .zip(view.ids.chunks_exact(4))
        .enumerate()
    {
        let Some(x) = xor_words(query, hash) else {
            continue;
        };
        let distance = weight(&x);
        if distance <= r && !is_removed(removed, position) {
            let id = u32::from_le_bytes([id[0], id[1], id[2], id[3]]);
            out.push(Hit { id, distance });
        }
    }
}

/// One bucket to probe: table, bucket (the chunk value) and the neighbour distance limit `s - d_k`.
#[derive(Clone, Copy)]
struct Probe {
    table: u8,
    limit: u8,
    bucket: u16,
}

/// An entry whose neighbour passed: table and index in the table's bucket order.
#[derive(Clone, Copy)]
struct Candidate {
    table: u8,
    entry: u32,
}

/// Probes and candidates are handled in batches of this many: each batch first starts the memory loads of
/// all its members (prefetches and independent reads), then uses them, so that cache misses overlap
/// instead of each stalling the search in turn.
const BATCH: usize = 64;

/// Probes the tables: see the `plan` module for why this finds every hash within `r`, and `candidate` for
/// why it reports each once.
#[inline(always)]
fn probe_view(
    view: &View<'_>,
    query: &Query,
    r: u32,
    t: u32,
    s: u32,
    removed: &[u64],
    out: &mut Vec<Hit>,
) {
    let masks = plan::masks_within(t.min(s));
    let mut probes = Vec::with_capacity(CHUNKS * masks.len());
    for k in 0..CHUNKS {
        let own = query.chunks[k];
        for &mask in masks {
            probes.push(Probe {
                table: k as u8,
                limit: (s - mask.count_ones()) as u8,
                bucket: own ^ mask,
            });
        }
    }

    // A three-stage pipeline over batches of probes: prefetch the bucket offsets of batch `b`, read the
    // bounds of batch `b - 1` and prefetch its neighbours, scan batch `b - 2`. Each load then has a whole
    // batch of work to arrive.
    let batches: Vec<&[Probe]> = probes.chunks(BATCH).collect();
    let mut bounds = [[(0usize, 0usize); BATCH]; 2];
    let mut candidates: Vec<Candidate> = Vec::new();
    for b in 0..batches.len() + 2 {
        if let Some(batch) = batches.get(b) {
            for probe in *batch {
                let table = &view.tables[usize::from(probe.table)];
                kernel::prefetch(table.offsets, 4 * usize::from(probe.bucket));
            }
        }
        if let Some(batch) = b.checked_sub(1).and_then(|i| batches.get(i)) {
            read_bounds(view, batch, &mut bounds[(b - 1) % 2]);
        }
        if let Some(batch) = b.checked_sub(2).and_then(|i| batches.get(i)) {
            scan_buckets(view, query, batch, &bounds[b % 2], &mut candidates);
        }
    }

    // Two stages over batches of candidates: find the positions of batch `c` and prefetch their hashes,
    // check batch `c - 1`.
    let batches: Vec<&[Candidate]> = candidates.chunks(BATCH).collect();
    let mut positions = [[None; BATCH]; 2];
    for c in 0..batches.len() + 1 {
        if let Some(batch) = batches.get(c) {
            for (slot, candidate) in positions[c % 2].iter_mut().zip(*batch) {
                let k = usize::from(candidate.table);
                let entry = candidate.entry as usize;
                let position = if k == 0 {
                    Some(entry)
                } else {
                    read_u24(view.tables[k].positions, entry)
                };
                if let Some(p) = position {
                    kernel::prefetch(view.hashes, 32 * p);
                    kernel::prefetch(view.hashes, 32 * p + 31);
                }
                *slot = position;
            }
        }
        if let Some(batch) = c.checked_sub(1).and_then(|i| batches.get(i)) {
            for (position, c) in positions[(c - 1) % 2].iter().zip(*batch) {
                if let Some(position) = *position {
                    candidate(
                        view,
                        query,
                        position,
                        usize::from(c.table),
                        r,
                        t,
                        s,
                        removed,
                        out,
                    );
                }
            }
        }
    }
}

/// Reads the bounds of each probed bucket (independent loads) and prefetches its first neighbours.
#[inline(always)]
fn read_bounds(view: &View<'_>, batch: &[Probe], bounds: &mut [(usize, usize); BATCH]) {
    for (slot, probe) in bounds.iter_mut().zip(batch) {
        let table = &view.tables[usize::from(probe.table)];
        let bucket = usize::from(probe.bucket);
        *slot = match table.offsets.get(4 * bucket..4 * bucket + 8) {
            Some(raw) => {
                let lo = u32::from_le_bytes([raw[0], raw[1], raw[2], raw[3]]) as usize;
                let hi = u32::from_le_bytes([raw[4], raw[5], raw[6], raw[7]]) as usize;
                // The bucket's cache lines, up to about 8 (large segments have buckets of hundreds of
                // neighbours): its first byte, every 64 bytes after it, and its last byte.
                let (first, end) = (2 * lo, (2 * hi).min(2 * lo + 512));
                let mut at = first;
                while at < end {
                    kernel::prefetch(table.neighbours, at);
                    at += 64;
                }
                if end > first {
                    kernel::prefetch(table.neighbours, end - 1);
                }
                (lo, hi)
            }
            None => (0, 0),
        };
    }
}

/// Tests the neighbours of each probed bucket, keeping the entries that pass as candidates and
/// prefetching where their positions (or, in table 0, their hashes) are.
#[inline(always)]
fn scan_buckets(
    view: &View<'_>,
    query: &Query,
    batch: &[Probe],
    bounds: &[(usize, usize); BATCH],
    candidates: &mut Vec<Candidate>,
) {
    for (&(lo, hi), probe) in bounds.iter().zip(batch) {
        let k = usize::from(probe.table);
        let table = &view.tables[k];
        let next = query.chunks[(k + 1) % CHUNKS];
        let limit = u32::from(probe.limit);
        // A reversed or out-of-range bucket (damaged bytes) is skipped.
        if lo > hi || 2 * hi > table.neighbours.len() {
            continue;
        }
        let mut push = |entry: usize| {
            if k == 0 {
                kernel::prefetch(view.hashes, 32 * entry);
            } else {
                kernel::prefetch(table.positions, 3 * entry);
            }
            candidates.push(Candidate {
                table: probe.table,
                entry: entry as u32,
            });
        };
        let mut start = lo;
        // Blocks of 16 neighbours, read whole even past the bucket's end (the extra lanes are masked off),
        // as long as the section has the bytes: the block test compiles to a few vector instructions.
        while start < hi {
            let Some(block) = table
                .neighbours
                .get(2 * start..2 * start + 32)
                .and_then(|b| <&[u8; 32]>::try_from(b).ok())
            else {
                break;
            };
            let mut passed = pass_mask16(block, next, limit);
            let valid = hi - start;
            if valid < 16 {
                passed &= (1 << valid) - 1;
            }
            while passed != 0 {
                push(start + passed.trailing_zeros() as usize);
                passed &= passed - 1;
            }
            start += 16;
        }
        // The last bucket(s) of the section, when fewer than 16 neighbours remain.
        for entry in start..hi {
            let raw = [table.neighbours[2 * entry], table.neighbours[2 * entry + 1]];
            if (u16::from_le_bytes(raw) ^ next).count_ones() <= limit {
                push(entry);
            }
        }
    }
}

/// Bit `i` is set when neighbour `i` of the block (16 little-endian u16) is within `limit` bits of `next`.
/// Written as a fixed-size loop without branches so that it vectorizes when AVX2 is enabled.
#[inline(always)]
fn pass_mask16(block: &[u8; 32], next: u16, limit: u32) -> u32 {
    let mut passed = 0u32;
    for i in 0..16 {
        let neighbour = u16::from_le_bytes([block[2 * i], block[2 * i + 1]]);
        passed |= u32::from((neighbour ^ next).count_ones() <= limit) << i;
    }
    passed
}

/// Checks one entry fetched by table `k` and reports it if it is within `r`, live, and `k` is the first
/// table whose condition (`d_j <= t` and `d_j + d_{j+1} <= s`) it meets: every earlier table that meets
/// the condition has already reported it, and every table that meets it does fetch it.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn candidate(
    view: &View<'_>,
    query: &Query,
    position: usize,
    k: usize,
    r: u32,
    t: u32,
    s: u32,
    removed: &[u64],
    out: &mut Vec<Hit>,
) {
    let Some(hash) = view.hashes.get(32 * position..32 * position + 32) else {
        return;
    };
    let Some(x) = xor_words(query, hash) else {
        return;
    };
    let distance = weight(&x);
    if distance > r {
        return;
    }
    let mut here = chunk_distance(&x, 0);
    for j in 0..k {
        let after = chunk_distance(&x, j + 1);
        if here <= t && here + after <= s {
            return;
        }
        here = after;
    }
    if is_removed(removed, position) {
        return;
    }
    if let Some(id) = read_u32(view.ids, position) {
        out.push(Hit { id, distance });
    }
}

/// Reads every pair of a list.
#[inline(always)]
pub(crate) fn scan_entries(entries: &[(Hash256, u32)], query: &Query, r: u32, out: &mut Vec<Hit>) {
    for (hash, id) in entries {
        if let Some(x) = xor_words(query, &hash.0) {
            let distance = weight(&x);
            if distance <= r {
                out.push(Hit { id: *id, distance });
            }
        }
    }
}
