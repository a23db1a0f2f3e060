//! Conformance with Meta's reference hasher on the published vectors (`testdata/pdq/expected.csv`, a copy of the team's `shared/testdata/pdq`).
//!
//! The PNG rows hold exactly the pixels the reference hashed, so hash, quality and all eight dihedral hashes
//! must be identical. The JPEG rows depend on the JPEG decoder and are checked where decoding lives
//! (`vigie-media`), with [`support::check_row`].

mod support;

use support::{Check, check_row, decode_png_rgb, expected_rows};
use vigie_pdq::Hasher;

#[test]
fn png_vectors_are_bit_exact() {
    let rows = expected_rows();
    let exact: Vec<_> = rows
        .iter()
        .filter(|row| row.check == Check::Exact)
        .collect();
    assert_eq!(exact.len(), 8, "expected.csv should have 8 exact rows");
    let mut hasher = Hasher::new();
    let mut failures = Vec::new();
    for row in exact {
        let (width, height, rgb) = decode_png_rgb(&row.path());
        let (_, problems) = check_row(&mut hasher, row, width, height, &rgb);
        failures.extend(problems.into_iter().map(|p| format!("{}: {p}", row.file)));
    }
    assert!(
        failures.is_empty(),
        "{} differences:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn vectors_cover_both_quality_extremes() {
    // Guards the test data itself: a row with quality 0 (too flat to match) and rows with 100.
    let rows = expected_rows();
    assert!(
        rows.iter()
            .any(|row| row.check == Check::Exact && row.quality == 0)
    );
    assert!(
        rows.iter()
            .any(|row| row.check == Check::Exact && row.quality == 100)
    );
}

#[test]
fn reference_dihedral_original_equals_the_plain_hash() {
    for row in expected_rows() {
        assert_eq!(row.dihedral[0], row.pdq, "{}", row.file);
    }
}
