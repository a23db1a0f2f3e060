//! Near-duplicate text: SimHash fingerprints of normalized post text and an exact Hamming-space index over them.
//!
//! Propaganda statements are reposted with small edits (a word swapped, a handle or hashtag added) that defeat
//! exact hashing. A SimHash fingerprint moves only a few bits under such edits, so reposts of a known statement
//! are found by looking up every stored fingerprint within a small Hamming distance ([`NEAR_DUP_DISTANCE`]).
//!
//! This module also owns the crate's *stable hash* and word tokenizer, which the classifier shares: fingerprints
//! and model files are stored, so both must give the same values on every platform, run and version. Changing
//! [`stable_hash`], the tokenizer or the shingling invalidates every stored fingerprint.

use std::collections::HashMap;

use foldhash::fast::FixedState;

/// Hash maps of the index: a fast fixed hasher, so that behaviour does not vary between runs.
type Map<K, V> = HashMap<K, V, FixedState>;

/// Hamming distance at or below which two [`simhash`] fingerprints are taken for the same statement, on the
/// fingerprints alone.
///
/// Measured by `tests/neardup.rs` on generated 60-word texts (a 3,000-word made-up vocabulary plus 30 %
/// frequent function words; 2,000 texts per edit), as the share of edited texts found:
///
/// | edit to the 60-word text     | mean distance | `<= 7` | `<= 10` | `<= 11`, then Jaccard `>= 0.5` |
/// |------------------------------|---------------|--------|---------|--------------------------------|
/// | 1 word substituted           | 6.1           | 73 %   | 96 %    | 98 %                           |
/// | 2 words substituted          | 8.8           | 33 %   | 73 %    | 83 %                           |
/// | 3 words substituted          | 10.7          | 14 %   | 49 %    | 61 %                           |
/// | a hashtag or handle appended | 3.3           | 98 %   | 100 %   | 100 %                          |
/// | 1 word inserted or deleted   | 6.2           | 72 %   | 96 %    | 98 %                           |
///
/// Unrelated texts: 0 of 1,999,000 pairs within 7 or 10 (mean distance 31.6; 2 pairs within 12, 14 within
/// 14, 116 within 16), and none passing the Jaccard check (highest 0.000). Fingerprints of unrelated texts behave
/// like random 64-bit values, so the chance rate per comparison is about 4e-11 within 7 but 1e-8 within 10:
/// a bank of 10,000 statements against 10 million posts makes 1e11 comparisons, about 4 chance matches
/// within 7 and a thousand within 10. Hence 7 on fingerprints alone (each hit still deserves a look at the
/// texts), and a wider query only with verification: query at [`NEAR_DUP_CANDIDATE_DISTANCE`] and keep hits
/// whose [`shingle_jaccard`] is at least [`NEAR_DUP_MIN_JACCARD`] (edited reposts measure at least 0.73,
/// unrelated texts 0). Recall falls quickly with substitutions because each one changes three of the ~58 word
/// 3-shingles. Texts under about 8 words carry too little to fingerprint reliably and should not be indexed.
pub const NEAR_DUP_DISTANCE: u32 = 7;

/// Wider query distance for the verified mode: query the index at this distance, then keep a hit only when
/// [`shingle_jaccard`] of the two texts is at least [`NEAR_DUP_MIN_JACCARD`]. See [`NEAR_DUP_DISTANCE`] for the
/// measured rates. The index reads the same lists at 8 to 15 (about 8 times the work at 7); 11 keeps the chance
/// candidates to verify at about 5e-8 per comparison (random 64-bit values), against 1e-5 at 15.
pub const NEAR_DUP_CANDIDATE_DISTANCE: u32 = 11;

/// Least [`shingle_jaccard`] for a hit of the verified mode ([`NEAR_DUP_CANDIDATE_DISTANCE`]).
pub const NEAR_DUP_MIN_JACCARD: f64 = 0.5;

/// SimHash fingerprint of already-normalized `text`.
///
/// Words are maximal runs of alphanumeric characters (`char::is_alphanumeric`), keeping a `#` or `@` right
/// before the run (`#tag`, `@handle`); everything else separates words. Features are the word 3-shingles
/// (every run of three consecutive words), or the words themselves when the text has fewer than three; each
/// has weight 1 (repeats count again). A word hashes to `w = stable_hash(SEED_WORD, word)` and a shingle to
/// the same steps over `w1, w2, w3` as items under `SEED_SHINGLE` (seeds: the ASCII of `vigie-ww` and
/// `vigie-sh` as big-endian u64). Bit `i` of the fingerprint is set when more than half of the features'
/// hashes have bit `i` set. Text without words gets fingerprint 0.
///
/// Cost: one pass over the text and 8 additions per word; about 1.3 us for a 200-character post. Stable: the
/// value depends only on the text, not on the platform, run or crate version; a change would invalidate
/// stored fingerprints (a unit test pins some values).
pub fn simhash(text: &str) -> u64 {
    // Bit counts are kept eight to a u64, one per byte (SWAR): a feature adds the spread of each of its hash
    // bytes, 8 additions instead of 64. Bytes are flushed to wide totals before they can overflow.
    let mut lanes = [0u64; 8];
    let mut totals = [0u32; 64];
    let mut pending = 0u32;
    let flush = |lanes: &mut [u64; 8], totals: &mut [u32; 64]| {
        for (k, lane) in lanes.iter_mut().enumerate() {
            for j in 0..8 {
                totals[8 * k + j] += ((*lane >> (8 * j)) & 0xff) as u32;
            }
            *lane = 0;
        }
    };
    let features = for_each_feature(text, |h| {
        for (k, lane) in lanes.iter_mut().enumerate() {
            *lane += SPREAD[((h >> (8 * k)) & 0xff) as usize];
        }
        pending += 1;
        if pending == 255 {
            flush(&mut lanes, &mut totals);
            pending = 0;
        }
    });
    flush(&mut lanes, &mut totals);
    // A bit is set when more features have it set than not.
    totals.iter().enumerate().fold(0u64, |fp, (bit, &ones)| {
        if 2 * ones > features {
            fp | (1 << bit)
        } else {
            fp
        }
    })
}

/// `SPREAD[b]` has byte `j` equal to bit `j` of `b`.
const SPREAD: [u64; 256] = {
    let mut table = [0u64; 256];
    let mut b = 0;
    while b < 256 {
        let mut j = 0;
        while j < 8 {
            if (b >> j) & 1 == 1 {
                table[b] |= 1 << (8 * j);
            }
            j += 1;
        }
        b += 1;
    }
    table
};

/// Jaccard similarity (0 to 1) of the sets of [`simhash`] features of two already-normalized texts: the share
/// of distinct word 3-shingles (or words, for texts under three words) that they have in common.
///
/// For verifying index hits before showing them: SimHash distance is a noisy estimate, and at wide query
/// distances unrelated texts collide by chance, while their shingles do not overlap. On generated 60-word
/// texts an edited repost scores 0.9 (1 word substituted) to 0.7 (3 words), unrelated texts about 0. Texts
/// without words have similarity 0. Cost: hashing both texts and sorting their features.
pub fn shingle_jaccard(a: &str, b: &str) -> f64 {
    let set = |text: &str| {
        let mut hashes = Vec::new();
        for_each_feature(text, |h| hashes.push(h));
        hashes.sort_unstable();
        hashes.dedup();
        hashes
    };
    let (a, b) = (set(a), set(b));
    let (mut i, mut j, mut common) = (0, 0, 0usize);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                common += 1;
                i += 1;
                j += 1;
            }
        }
    }
    let union = a.len() + b.len() - common;
    if union == 0 {
        0.0
    } else {
        common as f64 / union as f64
    }
}

/// Calls `f` with the stable hash of each word 3-shingle of `text`, or of each word when it has fewer than
/// three; returns how many.
fn for_each_feature(text: &str, mut f: impl FnMut(u64)) -> u32 {
    let mut window = [0u64; 3];
    let mut seen = 0u32;
    for word in words(text) {
        window = [window[1], window[2], stable_hash(SEED_WORD, word)];
        seen += 1;
        if seen >= 3 {
            f(combine(SEED_SHINGLE, &window));
        }
    }
    if seen >= 3 {
        return seen - 2;
    }
    // Too short to shingle: the words themselves.
    for word in words(text) {
        f(stable_hash(SEED_WORD, word));
    }
    seen
}

/// Number of differing bits between two fingerprints.
pub fn hamming_distance(a: u64, b: u64) -> u32 {
    (a ^ b).count_ones()
}

/// Fingerprints with ids, searchable exactly by Hamming distance.
///
/// Multi-index hashing: the 64 bits are split into eight bytes, and for each byte position 256 lists hold the
/// fingerprints (contiguous, for fast scans) and ids with each byte value. Two fingerprints within distance
/// `d` differ in at most `d / 8` bits (rounded down) on at least one byte (pigeonhole), so a query scans, for
/// each byte position, the lists of every value within that radius and checks the candidates' full distance.
/// The result is exactly the brute-force answer for any distance.
///
/// Cost per query: up to [`NEAR_DUP_DISTANCE`] (radius 0), 8 lists holding about `n / 32` fingerprints in all;
/// from 8 to 15, 72 lists (about `n / 3.5`); from 16 on, a scan of all `n`. About 150 bytes per fingerprint.
/// Suited to banks up to a few hundred thousand statements.
#[derive(Debug, Clone, Default)]
pub struct NearDupIndex {
    /// Fingerprint of each id.
    by_id: Map<u64, u64>,
    /// `8 * 256` lists, the one for value `v` at byte `b` at index `b << 8 | v`; no table until the first
    /// insert.
    lists: Vec<List>,
}

/// Fingerprints having one byte value at one position, with their ids at the same indexes.
#[derive(Debug, Clone, Default)]
struct List {
    fingerprints: Vec<u64>,
    ids: Vec<u64>,
}

const BLOCKS: usize = 8;

/// Value of byte `b` of `fingerprint`.
fn byte(fingerprint: u64, b: usize) -> usize {
    ((fingerprint >> (8 * b)) & 0xff) as usize
}

impl NearDupIndex {
    /// An empty index (no memory until the first insert).
    pub fn new() -> Self {
        Self::default()
    }

    /// Number of stored fingerprints.
    pub fn len(&self) -> usize {
        self.by_id.len()
    }

    /// Whether the index stores nothing.
    pub fn is_empty(&self) -> bool {
        self.by_id.is_empty()
    }

    /// Stores `fingerprint` under `id`, replacing and returning the fingerprint `id` had.
    pub fn insert(&mut self, id: u64, fingerprint: u64) -> Option<u64> {
        let old = self.remove(id);
        if self.lists.is_empty() {
            self.lists = vec![List::default(); BLOCKS << 8];
        }
        self.by_id.insert(id, fingerprint);
        for b in 0..BLOCKS {
            let list = &mut self.lists[b << 8 | byte(fingerprint, b)];
            list.fingerprints.push(fingerprint);
            list.ids.push(id);
        }
        old
    }

    /// Removes `id`, returning its fingerprint, or `None` when it was not stored.
    pub fn remove(&mut self, id: u64) -> Option<u64> {
        let fingerprint = self.by_id.remove(&id)?;
        for b in 0..BLOCKS {
            let list = &mut self.lists[b << 8 | byte(fingerprint, b)];
            if let Some(i) = list.ids.iter().position(|&x| x == id) {
                list.ids.swap_remove(i);
                list.fingerprints.swap_remove(i);
            }
        }
        Some(fingerprint)
    }

    /// Fingerprint stored under `id`.
    pub fn get(&self, id: u64) -> Option<u64> {
        self.by_id.get(&id).copied()
    }

    /// Every stored `(id, distance)` whose fingerprint is within `max_distance` bits of `fingerprint`, sorted by
    /// distance then id. Exact for every `max_distance` (64 or more returns everything).
    pub fn query(&self, fingerprint: u64, max_distance: u32) -> Vec<(u64, u32)> {
        let mut hits = Vec::new();
        let radius = max_distance / BLOCKS as u32;
        if self.lists.is_empty() {
            // Nothing stored yet.
        } else if radius >= 2 {
            // 37 or more lists per byte: scan every fingerprint once (each is in one list of byte 0).
            for list in &self.lists[..256] {
                scan(list, fingerprint, max_distance, |_| true, &mut hits);
            }
        } else {
            for b in 0..BLOCKS {
                let q = byte(fingerprint, b);
                // A hit is reported at the first byte where it is within the radius, so only once.
                let first_here = |x: u64| (0..b).all(|e| byte(x, e).count_ones() > radius);
                scan(
                    &self.lists[b << 8 | q],
                    fingerprint,
                    max_distance,
                    first_here,
                    &mut hits,
                );
                if radius == 1 {
                    for bit in 0..8 {
                        let list = &self.lists[b << 8 | (q ^ (1 << bit))];
                        scan(list, fingerprint, max_distance, first_here, &mut hits);
                    }
                }
            }
        }
        hits.sort_unstable_by_key(|&(id, d)| (d, id));
        hits
    }
}

/// Pushes the `(id, distance)` of `list`'s fingerprints within `max_distance` of `query` for which `keep`
/// (given the XOR with the query) holds.
#[inline]
fn scan(
    list: &List,
    query: u64,
    max_distance: u32,
    keep: impl Fn(u64) -> bool,
    hits: &mut Vec<(u64, u32)>,
) {
    // Distances in batches of 8 with nothing else in the loop, so that the compiler vectorizes the bit count
    // (the x86-64 baseline has no `popcnt` instruction); hits are rare and handled after.
    const BATCH: usize = 8;
    let mut batches = list.fingerprints.chunks_exact(BATCH);
    let mut start = 0;
    for batch in &mut batches {
        let mut near = false;
        for &fp in batch {
            near |= (fp ^ query).count_ones() <= max_distance;
        }
        if near {
            push_hits(&list.ids[start..], batch, query, max_distance, &keep, hits);
        }
        start += BATCH;
    }
    push_hits(
        &list.ids[start..],
        batches.remainder(),
        query,
        max_distance,
        &keep,
        hits,
    );
}

fn push_hits(
    ids: &[u64],
    fingerprints: &[u64],
    query: u64,
    max_distance: u32,
    keep: &impl Fn(u64) -> bool,
    hits: &mut Vec<(u64, u32)>,
) {
    for (&id, &fp) in ids.iter().zip(fingerprints) {
        let x = fp ^ query;
        let d = x.count_ones();
        if d <= max_distance && keep(x) {
            hits.push((id, d));
        }
    }
}

// The stable hash and tokenizer shared with the classifier.

/// Seed of word hashes (`stable_hash(SEED_WORD, word)`).
pub(crate) const SEED_WORD: u64 = 0x7669_6769_652d_7777; // "vigie-ww"
/// Seed of the word 3-shingles of [`simhash`].
const SEED_SHINGLE: u64 = 0x7669_6769_652d_7368; // "vigie-sh"

const STEP_MULTIPLIER: u64 = 0x517c_c1b7_2722_0a95;

/// One step of the stable hash: rotate, mix in `x`, multiply (the FxHash step).
#[inline]
pub(crate) fn step(h: u64, x: u64) -> u64 {
    (h.rotate_left(5) ^ x).wrapping_mul(STEP_MULTIPLIER)
}

/// Finishes a stable hash over `len` items with the SplitMix64 finalizer, so that every output bit depends on
/// every input bit.
#[inline]
pub(crate) fn finish(h: u64, len: u64) -> u64 {
    let mut z = h ^ len;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// The stable 64-bit hash of `text` under `seed`, over its Unicode scalar values.
///
/// `h = seed`; for each char `c`: `h = (rotl(h, 5) ^ c as u64) * 0x517cc1b727220a95 (mod 2^64)`; then the
/// SplitMix64 finalizer of `h ^ number_of_chars`. Seed-free in the sense of fixed constants: the same on every
/// platform and run, and part of the stored-data contract. A sequence of hashes `h1..hn` (a shingle, a word
/// bigram) combines the same way with the 64-bit hashes as the items.
pub fn stable_hash(seed: u64, text: &str) -> u64 {
    let mut h = seed;
    let mut len = 0u64;
    for c in text.chars() {
        h = step(h, c as u64);
        len += 1;
    }
    finish(h, len)
}

/// Stable hash of a sequence of 64-bit items under `seed` (the same steps as [`stable_hash`]).
pub(crate) fn combine(seed: u64, items: &[u64]) -> u64 {
    let h = items.iter().fold(seed, |h, &x| step(h, x));
    finish(h, items.len() as u64)
}

/// The words of already-normalized text: maximal runs of alphanumeric chars, with a `#` or `@` directly before a
/// run kept on it. No allocation.
pub(crate) fn words(text: &str) -> Words<'_> {
    Words { rest: text }
}

/// Iterator of [`words`].
pub(crate) struct Words<'a> {
    rest: &'a str,
}

impl<'a> Iterator for Words<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        let rest = self.rest;
        let mut chars = rest.char_indices();
        let mut prefix = None;
        let start = loop {
            let Some((i, c)) = chars.next() else {
                self.rest = "";
                return None;
            };
            if crate::chars::is_alphanumeric(c) {
                break prefix.unwrap_or(i);
            }
            prefix = (c == '#' || c == '@').then_some(i);
        };
        let end = chars
            .find(|&(_, c)| !crate::chars::is_alphanumeric(c))
            .map_or(rest.len(), |(i, _)| i);
        // The char at `end` is not part of the word but may prefix the next one.
        self.rest = &rest[end..];
        Some(&rest[start..end])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_keep_hashtag_and_mention_prefixes() {
        let got: Vec<&str> = words("#tag, @who said: a#b ##x ß-π 42 # @").collect();
        assert_eq!(
            got,
            ["#tag", "@who", "said", "a", "#b", "#x", "ß", "π", "42"]
        );
        assert_eq!(words("").count(), 0);
        assert_eq!(words("  ...  ").count(), 0);
    }

    #[test]
    fn stable_values_are_pinned() {
        // Stored fingerprints and models depend on these values: they must never change.
        assert_eq!(stable_hash(SEED_WORD, "abc"), 0xbaf3_0b8c_6d48_f0fc);
        assert_eq!(
            (
                simhash("the quick brown fox jumps over the lazy dog"),
                simhash("#tag"),
                simhash("ça été 北京")
            ),
            (
                0xb5d7_7aee_5dff_569f,
                0x6143_1b6f_1461_4395,
                0x312b_3a54_8611_9bd0
            )
        );
    }
}
