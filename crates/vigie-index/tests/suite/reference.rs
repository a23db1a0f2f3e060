//! Meta's PDQ reference vectors (`testdata/pdq/haystack.txt` and `needles.txt`, from ThreatExchange's
//! multi-index-hash regression test): for every needle and every distance 0 to 63, the index returns exactly
//! the brute-force hits.

use std::collections::BTreeSet;

use vigie_index::{PdqIndex, Strategy};
use vigie_pdq::Hash256;

use crate::util::{check_radii, config};

fn read_hashes(name: &str) -> Vec<Hash256> {
    let path = format!("{}/../../testdata/pdq/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    text.lines()
        .filter(|line| !line.trim().is_empty())
        .map(|line| Hash256::from_hex(line.trim()).unwrap_or_else(|e| panic!("{path}: {e}")))
        .collect()
}

#[test]
fn reference_needles_match_brute_force_at_every_distance_to_63() {
    let haystack = read_hashes("haystack.txt");
    let needles = read_hashes("needles.txt");
    assert_eq!((haystack.len(), needles.len()), (1350, 100));
    let pairs: Vec<(Hash256, u32)> = haystack
        .iter()
        .enumerate()
        .map(|(i, h)| (*h, i as u32))
        .collect();
    let live: BTreeSet<(Hash256, u32)> = pairs.iter().copied().collect();

    // One index built whole; one grown by inserts into several segments and a delta.
    let built = PdqIndex::build(pairs.clone());
    let mut grown = PdqIndex::with_config(config(Strategy::Tables, 300), Vec::new());
    for &(hash, id) in &pairs {
        assert!(grown.insert(hash, id));
    }
    assert!(grown.segments().len() >= 2 && grown.delta_len() > 0);
    let tables = PdqIndex::with_config(config(Strategy::Tables, 4096), built.segments().to_vec());

    let mut matched = 0;
    for needle in &needles {
        for index in [&built, &tables, &grown] {
            check_radii(index, &live, needle, 0..=63);
        }
        matched += usize::from(!built.search_sorted(needle, 31).is_empty());
    }
    // The needles are near-duplicates of haystack hashes: most match at the reference's threshold.
    assert!(matched >= 50, "only {matched} needles match at 31");
}
