//! What a search returns, and the brute-force search that every indexed search must agree with.

use vigie_pdq::Hash256;

/// One match: the id stored with a hash within the searched distance, and that distance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Hit {
    /// The id stored with the matching hash.
    pub id: u32,
    /// The Hamming distance from the query, 0..=256.
    pub distance: u32,
}

/// Every pair of `entries` within `max_distance` of `query`, in the order of `entries`: a linear scan, the
/// reference for tests and for recall checks in benchmarks. Repeated pairs give repeated hits.
#[must_use]
pub fn brute_force(entries: &[(Hash256, u32)], query: &Hash256, max_distance: u32) -> Vec<Hit> {
    entries
        .iter()
        .filter_map(|(hash, id)| {
            let distance = hash.distance(query);
            (distance <= max_distance).then_some(Hit { id: *id, distance })
        })
        .collect()
}
