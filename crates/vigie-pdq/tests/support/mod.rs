//! Shared by this crate's integration tests: the reference vectors in `testdata/pdq` (a copy of the team's `shared/testdata/pdq`) and a PNG reader.
//!
//! Other crates can reuse it for the JPEG rows (`check=decoder`) by including this file from their own tests,
//! `#[path = "../../vigie-pdq/tests/support/mod.rs"] mod pdq_vectors;`, decoding each row's JPEG themselves and
//! calling [`check_row`], which returns the Hamming distance of the hash and a list of differences.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use vigie_pdq::{Hash256, Hasher};

/// The folder of the reference vectors: the repository's copy in `testdata/pdq`.
pub fn testdata_dir() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../testdata/pdq"))
}

/// How a row must be checked, from the `check` column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Check {
    /// A PNG holding exactly the pixels the reference hashed: everything must be identical.
    Exact,
    /// A JPEG: the hash must be within distance 10 (different decoders give slightly different pixels).
    Decoder,
}

/// One row of `expected.csv`.
#[derive(Debug, Clone)]
pub struct ExpectedRow {
    /// Path of the image, relative to [`testdata_dir`].
    pub file: String,
    /// Width in pixels.
    pub width: usize,
    /// Height in pixels.
    pub height: usize,
    /// How to compare.
    pub check: Check,
    /// The reference hash.
    pub pdq: Hash256,
    /// The reference quality.
    pub quality: u8,
    /// The reference's eight dihedral hashes, in its order.
    pub dihedral: [Hash256; 8],
}

impl ExpectedRow {
    /// The image's full path.
    pub fn path(&self) -> PathBuf {
        testdata_dir().join(&self.file)
    }
}

/// Reads `expected.csv` (a plain CSV without quoting), panicking with the line on any malformed row.
pub fn expected_rows() -> Vec<ExpectedRow> {
    let path = testdata_dir().join("expected.csv");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    let mut lines = text.lines();
    let header = lines.next().unwrap_or_default();
    assert_eq!(
        header,
        "file,source_path,width,height,check,pdq,quality,dihedral",
        "{}",
        path.display()
    );
    lines
        .filter(|line| !line.trim().is_empty())
        .map(|line| {
            let fields: Vec<&str> = line.split(',').collect();
            assert_eq!(
                fields.len(),
                8,
                "{}: malformed row {line:?}",
                path.display()
            );
            let hash = |text: &str| -> Hash256 {
                text.parse().unwrap_or_else(|e| {
                    panic!("{}: bad hash {text:?} in {line:?}: {e}", path.display())
                })
            };
            let number = |text: &str| -> usize {
                text.parse().unwrap_or_else(|e| {
                    panic!("{}: bad number {text:?} in {line:?}: {e}", path.display())
                })
            };
            let dihedral: Vec<Hash256> = fields[7].split_whitespace().map(hash).collect();
            ExpectedRow {
                file: fields[0].to_string(),
                width: number(fields[2]),
                height: number(fields[3]),
                check: match fields[4] {
                    "exact" => Check::Exact,
                    "decoder" => Check::Decoder,
                    other => panic!("{}: unknown check {other:?} in {line:?}", path.display()),
                },
                pdq: hash(fields[5]),
                quality: u8::try_from(number(fields[6]))
                    .unwrap_or_else(|e| panic!("quality in {line:?}: {e}")),
                dihedral: dihedral.try_into().unwrap_or_else(|d: Vec<Hash256>| {
                    panic!(
                        "{}: {} dihedral hashes, expected 8, in {line:?}",
                        path.display(),
                        d.len()
                    )
                }),
            }
        })
        .collect()
}

/// Decodes a PNG file to packed 8-bit RGB, whatever its colour type (grey, palette, with or without alpha,
/// 16-bit): `(width, height, rgb)`. Alpha is dropped, as Pillow's `convert("RGB")` drops it.
pub fn decode_png_rgb(path: &Path) -> (usize, usize, Vec<u8>) {
    let file =
        std::fs::File::open(path).unwrap_or_else(|e| panic!("opening {}: {e}", path.display()));
    let mut decoder = png::Decoder::new(std::io::BufReader::new(file));
    decoder.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
    let mut reader = decoder
        .read_info()
        .unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    let size = reader
        .output_buffer_size()
        .unwrap_or_else(|| panic!("{}: image too large", path.display()));
    let mut buffer = vec![0u8; size];
    let info = reader
        .next_frame(&mut buffer)
        .unwrap_or_else(|e| panic!("decoding {}: {e}", path.display()));
    assert_eq!(
        info.bit_depth,
        png::BitDepth::Eight,
        "{}: not expanded to 8 bits",
        path.display()
    );
    let (width, height) = (info.width as usize, info.height as usize);
    let channels = match info.color_type {
        png::ColorType::Grayscale => 1,
        png::ColorType::GrayscaleAlpha => 2,
        png::ColorType::Rgb => 3,
        png::ColorType::Rgba => 4,
        png::ColorType::Indexed => panic!("{}: palette not expanded", path.display()),
    };
    let mut rgb = Vec::with_capacity(width * height * 3);
    for line in buffer.chunks_exact(info.line_size).take(height) {
        for pixel in line[..width * channels].chunks_exact(channels) {
            match channels {
                1 | 2 => rgb.extend_from_slice(&[pixel[0]; 3]),
                _ => rgb.extend_from_slice(&pixel[..3]),
            }
        }
    }
    (width, height, rgb)
}

/// Hashes `rgb` (a `width` x `height` image) and compares with `row` by the row's rule: identical hash, quality
/// and dihedral hashes for [`Check::Exact`], or a hash within distance 10 for [`Check::Decoder`]. Returns the
/// distance between the hash and the expected one, and every difference found (empty when the row passes).
pub fn check_row(
    hasher: &mut Hasher,
    row: &ExpectedRow,
    width: usize,
    height: usize,
    rgb: &[u8],
) -> (u32, Vec<String>) {
    let mut problems = Vec::new();
    if (width, height) != (row.width, row.height) {
        problems.push(format!(
            "size {width}x{height}, expected {}x{}",
            row.width, row.height
        ));
    }
    let pdq = match hasher.hash_rgb(width, height, rgb) {
        Ok(pdq) => pdq,
        Err(e) => return (256, vec![format!("hashing failed: {e}")]),
    };
    let distance = pdq.hash.distance(&row.pdq);
    match row.check {
        Check::Exact => {
            if pdq.hash != row.pdq {
                problems.push(format!(
                    "hash {} differs from {} by {distance} bits",
                    pdq.hash, row.pdq
                ));
            }
            if pdq.quality != row.quality {
                problems.push(format!("quality {}, expected {}", pdq.quality, row.quality));
            }
            match hasher.hash_rgb_dihedral(width, height, rgb) {
                Ok(dihedral) => {
                    for (k, (got, want)) in dihedral.hashes.iter().zip(&row.dihedral).enumerate() {
                        if got != want {
                            problems.push(format!(
                                "dihedral hash {k} ({:?}) {got} differs from {want} by {} bits",
                                vigie_pdq::Dihedral::ALL[k],
                                got.distance(want)
                            ));
                        }
                    }
                    if dihedral.quality != row.quality {
                        problems.push(format!(
                            "dihedral quality {}, expected {}",
                            dihedral.quality, row.quality
                        ));
                    }
                }
                Err(e) => problems.push(format!("dihedral hashing failed: {e}")),
            }
        }
        Check::Decoder => {
            if distance > 10 {
                problems.push(format!(
                    "hash {} is {distance} bits from {}, more than 10",
                    pdq.hash, row.pdq
                ));
            }
        }
    }
    (distance, problems)
}

/// A deterministic photo-like test image for `seed`: its size (from 1x1 to about 700x700, including thin strips
/// and the 64x64 special case) and packed RGB pixels. A coarse grid of random colours blended bilinearly, plus
/// uniform noise of a random amplitude. `tests/data/generated.txt` holds the reference hasher's output for
/// these images (see `tests/data/README.md`).
pub fn generated_image(seed: u64) -> (usize, usize, Vec<u8>) {
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut rnd = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let (width, height) = match rnd() % 8 {
        0 => (1 + (rnd() % 8) as usize, 1 + (rnd() % 8) as usize),
        1 => (64, 64),
        2 => (1 + (rnd() % 24) as usize, 100 + (rnd() % 600) as usize),
        3 => (100 + (rnd() % 600) as usize, 1 + (rnd() % 24) as usize),
        _ => (5 + (rnd() % 700) as usize, 5 + (rnd() % 700) as usize),
    };
    let grid = 2 + (rnd() % 20) as usize;
    let colours: Vec<f32> = (0..grid * grid * 3).map(|_| (rnd() % 256) as f32).collect();
    let noise = rnd() % 80;
    let scale = |i: usize, n: usize| {
        if n > 1 {
            i as f32 / (n - 1) as f32 * (grid - 1) as f32
        } else {
            0.0
        }
    };
    let mut rgb = vec![0u8; width * height * 3];
    for y in 0..height {
        for x in 0..width {
            let (gx, gy) = (scale(x, width), scale(y, height));
            let (x0, y0) = ((gx as usize).min(grid - 2), (gy as usize).min(grid - 2));
            let (fx, fy) = (gx - x0 as f32, gy - y0 as f32);
            for c in 0..3 {
                let at = |xx: usize, yy: usize| colours[(yy * grid + xx) * 3 + c];
                let v = at(x0, y0) * (1.0 - fx) * (1.0 - fy)
                    + at(x0 + 1, y0) * fx * (1.0 - fy)
                    + at(x0, y0 + 1) * (1.0 - fx) * fy
                    + at(x0 + 1, y0 + 1) * fx * fy;
                let n = if noise > 0 {
                    (rnd() % (2 * noise + 1)) as f32 - noise as f32
                } else {
                    0.0
                };
                rgb[(y * width + x) * 3 + c] = (v + n).clamp(0.0, 255.0) as u8;
            }
        }
    }
    (width, height, rgb)
}
