//! Files to hashes, end to end, against Meta's reference on the published vectors
//! (`testdata/pdq/expected.csv`, a copy of the team's `shared/testdata/pdq`): decoding (`vigie-media`) and hashing (`vigie-pdq`) together.
//!
//! The PNG rows hold the exact pixels the reference hashed. The JPEG rows were decoded by Pillow on
//! libjpeg-turbo; our JPEG decoder is libjpeg-turbo's code, so they must be identical too, not merely within
//! the distance of 10 that the reference allows another decoder.

use std::path::PathBuf;
use vigie_media::MediaLimits;
use vigie_pdq::{Hash256, Hasher};

fn testdata() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../testdata/pdq"))
}

struct Row {
    file: String,
    check: String,
    pdq: String,
    quality: u8,
    dihedral: Vec<String>,
}

fn rows() -> Vec<Row> {
    let path = testdata().join("expected.csv");
    let mut reader = csv::Reader::from_path(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    reader
        .records()
        .map(|r| {
            let r = r.unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            Row {
                file: r[0].to_owned(),
                check: r[4].to_owned(),
                pdq: r[5].to_owned(),
                quality: r[6].parse().unwrap_or_else(|e| panic!("quality: {e}")),
                dihedral: r[7].split(' ').map(str::to_owned).collect(),
            }
        })
        .collect()
}

#[test]
fn every_vector_is_bit_exact_from_the_file() {
    let rows = rows();
    assert_eq!(rows.len(), 20);
    assert_eq!(rows.iter().filter(|r| r.check == "decoder").count(), 12);
    let mut hasher = Hasher::new();
    let mut failures = Vec::new();
    for row in &rows {
        let path = testdata().join(&row.file);
        let hashes = vigie_engine::hash_file(&path, &MediaLimits::default(), &mut hasher, true)
            .unwrap_or_else(|e| panic!("{e}"));
        let image = match hashes.image {
            Some(Ok(image)) => image,
            other => panic!("{}: no PDQ hash: {other:?}", row.file),
        };
        if image.pdq.to_hex() != row.pdq || image.quality != row.quality {
            let distance = Hash256::from_hex(&row.pdq).map_or(256, |b| image.pdq.distance(&b));
            failures.push(format!(
                "{} ({}): {} q{} instead of {} q{} (distance {distance})",
                row.file, row.check, image.pdq, image.quality, row.pdq, row.quality
            ));
        }
        let dihedral: Option<Vec<String>> = image
            .dihedral
            .as_ref()
            .map(|d| d.iter().map(Hash256::to_hex).collect());
        if dihedral.as_ref() != Some(&row.dihedral) {
            failures.push(format!("{}: dihedral hashes differ", row.file));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn exact_digests_come_with_the_pdq() {
    let path = testdata().join("images/misc-images__wee.png");
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{e}"));
    let hashes =
        vigie_engine::hash_bytes(&bytes, &MediaLimits::default(), &mut Hasher::new(), false);
    assert_eq!(hashes.sha256, vigie_media::digests(&bytes).sha256);
    assert_eq!(hashes.md5.len(), 32);
    assert_eq!(hashes.byte_size, bytes.len() as u64);
    assert!(matches!(hashes.image, Some(Ok(ref i)) if i.dihedral.is_none() && i.width == 34));
}

#[test]
fn scan_stores_the_pdq_of_each_image() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let folder = dir.path().join("media");
    std::fs::create_dir(&folder).unwrap_or_else(|e| panic!("{e}"));
    let source = testdata().join("images/bridge-mods__square-256x256.jpg");
    std::fs::copy(&source, folder.join("bridge.jpg")).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(
        folder.join("clip.mp4"),
        b"\0\0\0\x18ftypmp42\0\0\0\0mp42isom",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let db = dir.path().join("v.db");
    let mut store =
        vigie_store::open(&db.to_string_lossy(), None).unwrap_or_else(|e| panic!("{e}"));
    let report = vigie_engine::scan(
        store.as_mut(),
        std::slice::from_ref(&folder),
        &vigie_engine::ScanConfig::default(),
        &vigie_engine::SilentProgress,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(report.totals.media, 2);
    let expected = rows()
        .into_iter()
        .find(|r| r.file.ends_with("square-256x256.jpg"))
        .unwrap_or_else(|| panic!("vector missing"));
    let snapshot = store.snapshot().unwrap_or_else(|e| panic!("{e}"));
    let media = &snapshot
        .tables
        .iter()
        .find(|(t, _)| t == "media")
        .unwrap_or_else(|| panic!("no media table"))
        .1;
    assert!(
        media
            .iter()
            .any(|row| row.contains(&format!("|{}|{}|", expected.pdq, expected.quality))),
        "{media:?}"
    );
    // The image's seven other dihedral hashes are stored after its quality (7 x 64 hex digits).
    assert!(
        media.iter().any(|row| row
            .rsplit('|')
            .next()
            .is_some_and(|v| v.len() == 7 * 64 && v.bytes().all(|b| b.is_ascii_hexdigit()))),
        "{media:?}"
    );
    // The video has digests and no perceptual hash.
    assert!(
        media
            .iter()
            .any(|row| row.contains("video/mp4") && row.ends_with("|~|~|~")),
        "{media:?}"
    );
}
