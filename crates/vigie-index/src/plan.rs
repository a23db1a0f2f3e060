//! How a segment search finds its candidates: which buckets it probes, which entries it fetches, or whether
//! it reads every hash instead.
//!
//! A hash is 16 chunks of 16 bits; `d_k` (0..=16) is the distance between chunk `k` of the query and of a stored
//! hash. A search with radius `r` picks a chunk radius `t` and a pair bound `s` such that every cyclic
//! sequence `d_0..d_15` with sum at most `r` has some `k` with `d_k <= t` and `d_k + d_{k+1 mod 16} <= s`.
//! Table `k` then finds every such hash: it probes the buckets of the chunk values within `t` of the query's
//! chunk `k` and fetches an entry only when its chunk `k + 1` is within `s - d_k` of the query's.
//!
//! A pair `(t, s)` guarantees this for radius `r` exactly when the smallest sum of a cyclic sequence that
//! breaks the condition at every `k` exceeds `r`. That minimum comes from a min-plus matrix power over the 17
//! possible chunk distances, computed once for every `(t, s)` (561 pairs, a few milliseconds) and kept in a
//! table. For each `t` the smallest valid `s` is the best (it fetches fewest entries); among the valid
//! `(t, s_min(t))` a cost model in nanoseconds, fitted on the development machine with random hashes,
//! picks the cheapest for the segment's size, and compares it with reading every hash.

use std::sync::OnceLock;

/// Number of 16-bit chunks in a 256-bit hash, and so of tables in a segment.
pub(crate) const CHUNKS: usize = 16;

/// Distances a chunk can have, 0..=16.
const CHUNK_DISTANCES: usize = 17;

/// Largest pair bound worth considering: two chunks differ in at most 32 bits.
const MAX_PAIR_BOUND: usize = 32;

/// Largest search radius that means anything: hashes have 256 bits.
pub(crate) const MAX_RADIUS: u32 = 256;

/// How a segment search finds candidates. [`Strategy::Auto`] is right for every use; the others exist to
/// measure the two paths against each other and to test each one on small data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Strategy {
    /// Probe the tables or read every hash, whichever the cost model says is faster for the segment's size
    /// and the radius.
    #[default]
    Auto,
    /// Always probe the tables, with the cheapest probe plan for the radius (slow for large radii).
    Tables,
    /// Always read every hash.
    Scan,
}

/// What one segment search does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Plan {
    /// Read every hash.
    Scan,
    /// Probe buckets within `t` of each query chunk, fetching entries whose next chunk is within `s - d_k`.
    Probe {
        /// Chunk radius.
        t: u32,
        /// Pair bound, at least `t`.
        s: u32,
    },
}

// Cost model, in nanoseconds, fitted on the development machine (AMD EPYC 7xx3 virtual machine, one core, 4 KB
// pages) with random hashes, from segments of 4,096 to 10 million hashes and radii 20 to 80. Random accesses get
// dearer as the segment outgrows the caches and the TLB: their cost grows with log2(len / 4096).
/// Probing one bucket: building the probe, reading its two offsets, prefetching its neighbours.
const PROBE_BASE_NS: f64 = 9.0;
/// Fetching one candidate's position and full hash and checking it.
const FETCH_BASE_NS: f64 = 10.0;
/// Added to both per doubling of the segment beyond 4,096 hashes.
const RANDOM_ACCESS_NS_PER_DOUBLING: f64 = 3.0;
/// Testing one neighbour chunk in a bucket (sequential, 16 per vector where AVX2 is available).
const NEIGHBOUR_NS: f64 = 0.8;
/// Reading one hash in a full scan, while the hashes fit in the caches (at most 2^18 of them, 8 MB)...
const SCAN_CACHED_NS: f64 = 1.3;
/// ... and beyond, where memory bandwidth bounds it.
const SCAN_MEMORY_NS: f64 = 2.4;
/// Largest segment whose hashes count as cached for a scan.
const SCAN_CACHED_LEN: usize = 1 << 18;

/// `C(16, j)` for `j` in 0..=16.
const BINOMIAL_16: [u32; 17] = {
    let mut row = [0u32; 17];
    let mut j = 0;
    while j <= 16 {
        // C(16, j) = C(16, j - 1) * (17 - j) / j, exact at every step.
        row[j] = if j == 0 {
            1
        } else {
            row[j - 1] * (17 - j as u32) / j as u32
        };
        j += 1;
    }
    row
};

/// `CUMULATIVE_16[m]` = number of 16-bit values with at most `m` bits set.
const CUMULATIVE_16: [u32; 17] = {
    let mut cum = [0u32; 17];
    let mut m = 0;
    let mut total = 0;
    while m <= 16 {
        total += BINOMIAL_16[m];
        cum[m] = total;
        m += 1;
    }
    cum
};

/// The smallest sum of a cyclic sequence of 16 chunk distances (each 0..=16) in which no `k` has
/// `d_k <= t && d_k + d_{k+1} <= s`, or `None` when every sequence has such a `k`.
pub(crate) fn min_violating_sum(t: u32, s: u32) -> Option<u32> {
    const INF: u32 = u32::MAX;
    type Matrix = [[u32; CHUNK_DISTANCES]; CHUNK_DISTANCES];
    // step[a][b]: the cost of following chunk distance `a` with `b` (b's own weight), when that pair breaks
    // the condition at a.
    let mut step: Matrix = [[INF; CHUNK_DISTANCES]; CHUNK_DISTANCES];
    for (a, row) in step.iter_mut().enumerate() {
        for (b, cell) in row.iter_mut().enumerate() {
            let (a32, b32) = (a as u32, b as u32);
            if a32 > t || a32 + b32 > s {
                *cell = b32;
            }
        }
    }
    let product = |x: &Matrix, y: &Matrix| -> Matrix {
        let mut z: Matrix = [[INF; CHUNK_DISTANCES]; CHUNK_DISTANCES];
        for a in 0..CHUNK_DISTANCES {
            for m in 0..CHUNK_DISTANCES {
                let left = x[a][m];
                if left == INF {
                    continue;
                }
                for b in 0..CHUNK_DISTANCES {
                    let right = y[m][b];
                    if right != INF {
                        z[a][b] = z[a][b].min(left + right);
                    }
                }
            }
        }
        z
    };
    // A closed walk of 16 steps visits each chunk once and weighs each once: step^16, by squaring.
    let mut power = step;
    for _ in 0..4 {
        power = product(&power, &power);
    }
    let best = (0..CHUNK_DISTANCES)
        .map(|a| power[a][a])
        .min()
        .unwrap_or(INF);
    (best != INF).then_some(best)
}

/// Everything about probe plans that does not depend on the segment: computed once per process.
struct PlanTable {
    /// `s_min[r][t]`: the smallest `s >= t` for which `(t, s)` is valid at radius `r`, or `u8::MAX`.
    s_min: Vec<[u8; CHUNK_DISTANCES]>,
}

fn plan_table() -> &'static PlanTable {
    static TABLE: OnceLock<PlanTable> = OnceLock::new();
    TABLE.get_or_init(|| {
        // Minimal violating sums for every pair with s >= t; `None` is "no violating sequence".
        let mut violating = [[None; MAX_PAIR_BOUND + 1]; CHUNK_DISTANCES];
        for (t, row) in violating.iter_mut().enumerate() {
            for (s, cell) in row.iter_mut().enumerate().skip(t) {
                *cell = Some(min_violating_sum(t as u32, s as u32));
            }
        }
        let mut s_min = vec![[u8::MAX; CHUNK_DISTANCES]; MAX_RADIUS as usize + 1];
        for (r, row) in s_min.iter_mut().enumerate() {
            for (t, cell) in row.iter_mut().enumerate() {
                let first = (t..=MAX_PAIR_BOUND).find(|&s| match violating[t][s] {
                    Some(Some(sum)) => sum > r as u32,
                    Some(None) => true,
                    None => false,
                });
                if let Some(s) = first {
                    *cell = s as u8;
                }
            }
        }
        PlanTable { s_min }
    })
}

/// The 16-bit masks with at most `t` bits set (`t` clamped to 16), in increasing order: XORed with a query
/// chunk, they give the buckets to probe in an order where buckets sharing a cache line of offsets (16
/// consecutive values) come together, and so do their neighbours.
pub(crate) fn masks_within(t: u32) -> &'static [u16] {
    static MASKS: [OnceLock<Vec<u16>>; CHUNK_DISTANCES] =
        [const { OnceLock::new() }; CHUNK_DISTANCES];
    let t = t.min(16);
    MASKS[t as usize].get_or_init(|| (0..=u16::MAX).filter(|m| m.count_ones() <= t).collect())
}

/// The smallest pair bound `s >= t` that makes `(t, s)` valid at radius `r`, if any.
pub(crate) fn min_pair_bound(r: u32, t: u32) -> Option<u32> {
    let table = plan_table();
    let row = table.s_min.get(r.min(MAX_RADIUS) as usize)?;
    let s = *row.get(t as usize)?;
    (s != u8::MAX).then_some(u32::from(s))
}

/// Estimated nanoseconds for a probe search with `(t, s)` over a segment of `len` random hashes.
pub(crate) fn probe_cost(len: usize, t: u32, s: u32) -> f64 {
    let bucket = len as f64 / 65536.0;
    let doublings = (len.max(4096) as f64 / 4096.0).log2();
    let probe_ns = PROBE_BASE_NS + RANDOM_ACCESS_NS_PER_DOUBLING * doublings;
    let fetch_ns = FETCH_BASE_NS + RANDOM_ACCESS_NS_PER_DOUBLING * doublings;
    let mut probes = 0.0;
    let mut fetches = 0.0;
    for j in 0..=t.min(s).min(16) {
        let masks = f64::from(BINOMIAL_16[j as usize]);
        // The share of random neighbours within s - j bits.
        let pass = f64::from(CUMULATIVE_16[(s - j).min(16) as usize]) / 65536.0;
        probes += masks;
        fetches += masks * bucket * pass;
    }
    let tables = CHUNKS as f64;
    tables * (probes * probe_ns + probes * bucket * NEIGHBOUR_NS + fetches * fetch_ns)
}

/// Estimated nanoseconds for reading every hash of a segment of `len` hashes.
pub(crate) fn scan_cost(len: usize) -> f64 {
    let per_hash = if len <= SCAN_CACHED_LEN {
        SCAN_CACHED_NS
    } else {
        SCAN_MEMORY_NS
    };
    len as f64 * per_hash
}

/// The cheapest valid probe plan for radius `r` over `len` hashes.
fn best_probe(r: u32, len: usize) -> (Plan, f64) {
    let mut best = (Plan::Probe { t: 16, s: 32 }, f64::INFINITY);
    for t in 0..=16 {
        if let Some(s) = min_pair_bound(r, t) {
            let cost = probe_cost(len, t, s);
            if cost < best.1 {
                best = (Plan::Probe { t, s }, cost);
            }
        }
    }
    best
}

/// What a search with radius `r` (clamped to 256) over `len` hashes should do.
pub(crate) fn choose(r: u32, len: usize, strategy: Strategy) -> Plan {
    let r = r.min(MAX_RADIUS);
    match strategy {
        Strategy::Scan => Plan::Scan,
        Strategy::Tables => best_probe(r, len).0,
        Strategy::Auto => {
            let (plan, cost) = best_probe(r, len);
            if cost < scan_cost(len) {
                plan
            } else {
                Plan::Scan
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The minimal violating sum by a different method: fix the first chunk distance, run a plain dynamic
    /// programme along the 15 others, and close the cycle by hand.
    fn min_violating_sum_by_dp(t: u32, s: u32) -> Option<u32> {
        let breaks = |a: u32, b: u32| a > t || a + b > s;
        let mut best: Option<u32> = None;
        for first in 0..=16u32 {
            // cost[b]: smallest sum of d_0..=d_i with d_i = b and every pair so far breaking the condition.
            let mut cost: [Option<u32>; 17] = [None; 17];
            cost[first as usize] = Some(first);
            for _ in 1..16 {
                let mut next: [Option<u32>; 17] = [None; 17];
                for a in 0..=16u32 {
                    let Some(ca) = cost[a as usize] else { continue };
                    for b in 0..=16u32 {
                        if breaks(a, b) {
                            let v = ca + b;
                            let slot = &mut next[b as usize];
                            *slot = Some(slot.map_or(v, |old| old.min(v)));
                        }
                    }
                }
                cost = next;
            }
            for last in 0..=16u32 {
                if let Some(c) = cost[last as usize]
                    && breaks(last, first)
                {
                    best = Some(best.map_or(c, |b| b.min(c)));
                }
            }
        }
        best
    }

    #[test]
    fn matrix_power_agrees_with_the_plain_dynamic_programme() {
        for t in 0..=16 {
            for s in t..=32 {
                assert_eq!(
                    min_violating_sum(t, s),
                    min_violating_sum_by_dp(t, s),
                    "t={t} s={s}"
                );
            }
        }
    }

    #[test]
    fn the_design_pairs_have_the_documented_minimal_violating_sums() {
        assert_eq!(min_violating_sum(1, 3), Some(32));
        assert!(min_violating_sum(3, 6).is_some_and(|m| m > 52));
        assert_eq!(min_violating_sum(16, 32), None);
        assert_eq!(min_pair_bound(31, 1), Some(3));
        assert_eq!(min_pair_bound(31, 0), None);
    }

    #[test]
    fn every_radius_has_valid_minimal_pairs() {
        for r in 0..=MAX_RADIUS {
            assert!(min_pair_bound(r, 16).is_some(), "r={r}");
            for t in 0..=16 {
                let Some(s) = min_pair_bound(r, t) else {
                    continue;
                };
                // Valid: checked independently of the table's own computation.
                assert!(
                    min_violating_sum_by_dp(t, s).is_none_or(|m| m > r),
                    "r={r} t={t} s={s}"
                );
                // Minimal: one less is invalid (or below t, which the search never uses).
                if s > t {
                    assert!(
                        min_violating_sum_by_dp(t, s - 1).is_some_and(|m| m <= r),
                        "r={r} t={t} s={s} is not minimal"
                    );
                }
            }
            for strategy in [Strategy::Auto, Strategy::Tables] {
                for len in [1usize, 1000, 1 << 20, 1 << 24] {
                    if let Plan::Probe { t, s } = choose(r, len, strategy) {
                        assert!(t <= s);
                        assert!(min_violating_sum_by_dp(t, s).is_none_or(|m| m > r));
                    }
                }
            }
        }
    }

    #[test]
    fn random_sequences_within_the_radius_satisfy_the_chosen_pair() {
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for r in 0..=80u32 {
            for t in 0..=16 {
                let Some(s) = min_pair_bound(r, t) else {
                    continue;
                };
                for _ in 0..200 {
                    // Spread up to r bit flips over 16 chunks of 16 bits.
                    let mut d = [0u32; 16];
                    let flips = (next() % (u64::from(r) + 1)) as u32;
                    for _ in 0..flips {
                        let k = (next() % 16) as usize;
                        if d[k] < 16 {
                            d[k] += 1;
                        }
                    }
                    assert!(
                        (0..16).any(|k| d[k] <= t && d[k] + d[(k + 1) % 16] <= s),
                        "r={r} t={t} s={s} d={d:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn masks_within_a_weight_are_all_listed_in_order() {
        for t in 0..=16 {
            let masks = masks_within(t);
            assert_eq!(masks.len() as u32, CUMULATIVE_16[t as usize]);
            assert!(masks.iter().all(|m| m.count_ones() <= t));
            assert!(masks.windows(2).all(|w| w[0] < w[1]));
        }
        assert_eq!(masks_within(16).len(), 65536);
    }

    #[test]
    fn crossovers_are_where_they_were_measured() {
        let million = 1_000_000;
        assert_eq!(
            choose(31, million, Strategy::Auto),
            Plan::Probe { t: 1, s: 3 }
        );
        assert_eq!(
            choose(52, million, Strategy::Auto),
            Plan::Probe { t: 3, s: 6 }
        );
        assert_eq!(
            choose(63, million, Strategy::Auto),
            Plan::Probe { t: 3, s: 7 }
        );
        assert_eq!(choose(64, million, Strategy::Auto), Plan::Scan);
        assert_eq!(choose(80, 10 * million, Strategy::Auto), Plan::Scan);
        assert_eq!(
            choose(63, 10 * million, Strategy::Auto),
            Plan::Probe { t: 3, s: 7 }
        );
        assert_eq!(choose(31, 4096, Strategy::Auto), Plan::Probe { t: 1, s: 3 });
        assert_eq!(choose(40, 4096, Strategy::Auto), Plan::Scan);
        assert_eq!(choose(52, 65536, Strategy::Auto), Plan::Scan);
        assert_eq!(choose(200, million, Strategy::Auto), Plan::Scan);
        assert_eq!(choose(0, 10, Strategy::Scan), Plan::Scan);
        // Forced to probe a tiny segment, the plan with the fewest probes wins.
        let t = (0..=16)
            .find(|&t| min_pair_bound(200, t).is_some())
            .unwrap_or(16);
        assert!(
            matches!(choose(200, 10, Strategy::Tables), Plan::Probe { t: chosen, .. } if chosen == t)
        );
    }
}
