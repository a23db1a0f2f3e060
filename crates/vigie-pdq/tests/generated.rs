//! Bit-exactness on generated images of awkward sizes, against values computed by Meta's reference hasher
//! (`tests/data/generated.txt`; provenance in `tests/data/README.md`).

mod support;

use support::generated_image;
use vigie_pdq::{Hash256, Hasher};

#[test]
fn generated_images_hash_exactly_as_the_reference() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/generated.txt");
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("reading {path}: {e}"));
    let mut hasher = Hasher::new();
    let mut failures = Vec::new();
    let mut rows = 0;
    for line in text.lines().filter(|line| !line.trim().is_empty()) {
        let fields: Vec<&str> = line.split_whitespace().collect();
        assert_eq!(fields.len(), 12, "{path}: malformed line {line:?}");
        let number = |s: &str| -> u64 {
            s.parse()
                .unwrap_or_else(|e| panic!("{path}: {s:?} in {line:?}: {e}"))
        };
        let hash = |s: &str| -> Hash256 {
            s.parse()
                .unwrap_or_else(|e| panic!("{path}: {s:?} in {line:?}: {e}"))
        };
        let seed = number(fields[0]);
        let (width, height, rgb) = generated_image(seed);
        let pdq = hasher
            .hash_rgb(width, height, &rgb)
            .expect("a generated image is valid");
        let dihedral = hasher
            .hash_rgb_dihedral(width, height, &rgb)
            .expect("a generated image is valid");
        let expected_dihedral: Vec<Hash256> = fields[4..].iter().map(|s| hash(s)).collect();
        if pdq.hash != hash(fields[1]) || u64::from(pdq.quality) != number(fields[2]) {
            failures.push(format!(
                "seed {seed} ({width}x{height}): hash {} quality {}, reference {} {}",
                pdq.hash, pdq.quality, fields[1], fields[2]
            ));
        }
        if dihedral.hashes[..] != expected_dihedral[..]
            || u64::from(dihedral.quality) != number(fields[3])
        {
            failures.push(format!(
                "seed {seed} ({width}x{height}): dihedral hashes or quality differ"
            ));
        }
        rows += 1;
    }
    assert!(
        rows >= 100,
        "{path} should hold at least 100 images, has {rows}"
    );
    assert!(
        failures.is_empty(),
        "{} differences:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
