//! From the 64x64 downsampled luma to hash bits: the quality metric, the partial 2-D DCT, the median threshold
//! and the eight dihedral variants of the DCT.
//!
//! Every float operation here happens in the same order as in the reference, so that the DCT coefficients, and
//! hence the bits, are identical. Vectorizing is still possible because the reference accumulates each output
//! element on its own, in a fixed order over `k`: running that order for many elements side by side changes
//! nothing.

use std::sync::LazyLock;

use crate::hash::Hash256;

/// The side of the downsampled image.
pub(crate) const SIDE: usize = 64;
/// The side of the kept block of DCT coefficients.
pub(crate) const DCT_SIDE: usize = 16;

/// The 64x64 downsampled luma, row-major.
pub(crate) type Image64 = [[f32; SIDE]; SIDE];
/// DCT coefficients 1..=16 in each direction, row-major.
pub(crate) type Dct16 = [[f32; DCT_SIDE]; DCT_SIDE];

/// The 16x64 DCT-II matrix without its constant first row: `D[i][j] = sqrt(2/64) cos(pi/128 (i+1) (2j+1))`.
///
/// The reference rounds the scale factor to `f32`, multiplies it by the cosine in `f64` and rounds the product
/// to `f32`; so do we. The cosine comes from the platform's `cos`, as in the reference; any error there is far
/// below the final rounding to `f32`.
struct DctMatrix {
    /// `D`, 16 rows of 64.
    rows: [[f32; SIDE]; DCT_SIDE],
    /// `D` transposed, 64 rows of 16, for the second product.
    columns: [[f32; DCT_SIDE]; SIDE],
}

static DCT_MATRIX: LazyLock<DctMatrix> = LazyLock::new(|| {
    let scale = f64::from((2.0f64 / SIDE as f64).sqrt() as f32);
    let step = std::f64::consts::PI / 2.0 / SIDE as f64;
    let mut rows = [[0f32; SIDE]; DCT_SIDE];
    let mut columns = [[0f32; DCT_SIDE]; SIDE];
    for (i, row) in rows.iter_mut().enumerate() {
        for (j, d) in row.iter_mut().enumerate() {
            *d = (scale * (step * (i + 1) as f64 * (2 * j + 1) as f64).cos()) as f32;
            columns[j][i] = *d;
        }
    }
    DctMatrix { rows, columns }
});

/// The image-domain quality metric: how many significant gradients the 64x64 image has, scaled to 0..=100.
///
/// Each neighbour difference is scaled by 100/255 in `f32` and truncated toward zero, as the reference's
/// conversion to `int` does; the sum of their absolute values divided by 90 (integer division) and capped at 100
/// is the quality.
pub(crate) fn quality(image: &Image64) -> u8 {
    // Saturating float-to-int conversions and a 64-bit sum keep absurd inputs (huge or non-finite luma given to
    // `hash_luma`) from overflowing, where the reference would have undefined behaviour.
    let step = |u: f32, v: f32| u64::from(((((u - v) * 100.0) / 255.0) as i32).unsigned_abs());
    let mut gradient_sum: u64 = 0;
    for pair in image.windows(2) {
        for (&u, &v) in pair[0].iter().zip(&pair[1]) {
            gradient_sum += step(u, v);
        }
    }
    for row in image {
        for pair in row.windows(2) {
            gradient_sum += step(pair[0], pair[1]);
        }
    }
    (gradient_sum / 90).min(100) as u8
}

/// Coefficients 1..=16 (in each direction) of the 2-D DCT of `image`: `D A D^T`, computed as `(D A) D^T`.
pub(crate) fn dct64_to_16(image: &Image64) -> Dct16 {
    let d = &*DCT_MATRIX;
    let mut out = [[0f32; DCT_SIDE]; DCT_SIDE];
    for (i, out_row) in out.iter_mut().enumerate() {
        // Row i of T = D A, each of its 64 elements summed over k = 0..64 in order.
        let mut t = [0f32; SIDE];
        for (&dik, image_row) in d.rows[i].iter().zip(image) {
            for (tj, &akj) in t.iter_mut().zip(image_row) {
                *tj += dik * akj;
            }
        }
        // Row i of B = T D^T, each of its 16 elements summed over k = 0..64 in order.
        for (&tk, dt_row) in t.iter().zip(&d.columns) {
            for (bj, &djk) in out_row.iter_mut().zip(dt_row) {
                *bj += tk * djk;
            }
        }
    }
    out
}

/// The eight symmetries of the square, in the reference's order of its dihedral hashes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Dihedral {
    /// The image as given.
    Original,
    /// Rotated a quarter turn counter-clockwise.
    Rotate90,
    /// Rotated a half turn.
    Rotate180,
    /// Rotated three quarter turns counter-clockwise (a quarter turn clockwise).
    Rotate270,
    /// Mirrored top to bottom (rows reversed).
    FlipX,
    /// Mirrored left to right (columns reversed).
    FlipY,
    /// Mirrored about the main diagonal (transposed).
    FlipMainDiagonal,
    /// Mirrored about the anti-diagonal.
    FlipAntiDiagonal,
}

impl Dihedral {
    /// All eight, in the reference's order, which is also the order of [`DihedralHashes::hashes`](crate::DihedralHashes).
    pub const ALL: [Dihedral; 8] = [
        Dihedral::Original,
        Dihedral::Rotate90,
        Dihedral::Rotate180,
        Dihedral::Rotate270,
        Dihedral::FlipX,
        Dihedral::FlipY,
        Dihedral::FlipMainDiagonal,
        Dihedral::FlipAntiDiagonal,
    ];

    /// Whether the transform swaps the two axes, and which DCT coefficients `(i, j)` it negates.
    ///
    /// Reversing an axis of the image negates the odd-index cosines of that axis; here index 0 is the first
    /// kept coefficient, cosine 1, so the even indices are the ones negated.
    fn dct_rule(self) -> (bool, fn(usize, usize) -> bool) {
        match self {
            Dihedral::Original => (false, |_, _| false),
            Dihedral::Rotate90 => (true, |_, j| j % 2 == 0),
            Dihedral::Rotate180 => (false, |i, j| (i + j) % 2 == 1),
            Dihedral::Rotate270 => (true, |i, _| i % 2 == 0),
            Dihedral::FlipX => (false, |i, _| i % 2 == 0),
            Dihedral::FlipY => (false, |_, j| j % 2 == 0),
            Dihedral::FlipMainDiagonal => (true, |_, _| false),
            Dihedral::FlipAntiDiagonal => (true, |i, j| (i + j) % 2 == 1),
        }
    }

    /// The DCT of the transformed image, from the DCT of the original: sign changes and possibly a transpose.
    pub(crate) fn apply_to_dct(self, dct: &Dct16) -> Dct16 {
        let (transpose, negate) = self.dct_rule();
        let mut out = [[0f32; DCT_SIDE]; DCT_SIDE];
        for (i, row) in dct.iter().enumerate() {
            for (j, &a) in row.iter().enumerate() {
                let value = if negate(i, j) { -a } else { a };
                if transpose {
                    out[j][i] = value;
                } else {
                    out[i][j] = value;
                }
            }
        }
        out
    }

    /// Where the pixel at `(row, column)` of a `height` x `width` image lands in the transformed image, and the
    /// transformed image's `(height, width)`. Used by tests that transform pixels rather than coefficients.
    #[must_use]
    pub fn map_pixel(
        self,
        row: usize,
        column: usize,
        height: usize,
        width: usize,
    ) -> ((usize, usize), (usize, usize)) {
        let (r, c, h, w) = (row, column, height, width);
        match self {
            Dihedral::Original => ((r, c), (h, w)),
            Dihedral::Rotate90 => ((w - 1 - c, r), (w, h)),
            Dihedral::Rotate180 => ((h - 1 - r, w - 1 - c), (h, w)),
            Dihedral::Rotate270 => ((c, h - 1 - r), (w, h)),
            Dihedral::FlipX => ((h - 1 - r, c), (h, w)),
            Dihedral::FlipY => ((r, w - 1 - c), (h, w)),
            Dihedral::FlipMainDiagonal => ((c, r), (w, h)),
            Dihedral::FlipAntiDiagonal => ((w - 1 - c, h - 1 - r), (w, h)),
        }
    }
}

/// The median the reference thresholds against: Torben Mogensen's selection algorithm, which never reorders
/// its input. For an even count it returns the lower median, as the reference does.
fn torben_median(values: &[f32; DCT_SIDE * DCT_SIDE]) -> f32 {
    let n = values.len();
    let half = n.div_ceil(2);
    let (mut min, mut max) = (values[0], values[0]);
    for &v in &values[1..] {
        if v < min {
            min = v;
        }
        if v > max {
            max = v;
        }
    }
    // Each round moves `min` or `max` onto a value strictly inside the old range, so finite input stops within
    // `n` rounds; the cap only guards against input that is not finite.
    let (mut less, mut equal, mut guess, mut max_below, mut min_above) = (0, 0, min, min, max);
    for _ in 0..=n + 2 {
        guess = (min + max) / 2.0;
        let mut greater = 0;
        less = 0;
        equal = 0;
        max_below = min;
        min_above = max;
        for &v in values {
            if v < guess {
                less += 1;
                if v > max_below {
                    max_below = v;
                }
            } else if v > guess {
                greater += 1;
                if v < min_above {
                    min_above = v;
                }
            } else {
                equal += 1;
            }
        }
        if less <= half && greater <= half {
            break;
        } else if less > greater {
            max = max_below;
        } else {
            min = min_above;
        }
    }
    if less >= half {
        max_below
    } else if less + equal >= half {
        guess
    } else {
        min_above
    }
}

/// One bit per coefficient: set when the coefficient is strictly above the median of all 256.
pub(crate) fn dct_to_hash(dct: &Dct16) -> Hash256 {
    let flat: [f32; DCT_SIDE * DCT_SIDE] = std::array::from_fn(|k| dct[k / DCT_SIDE][k % DCT_SIDE]);
    let median = torben_median(&flat);
    let mut hash = Hash256::ZERO;
    for (k, &v) in flat.iter().enumerate() {
        if v > median {
            hash.set_bit(k);
        }
    }
    hash
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sorted_lower_median(values: &[f32; 256]) -> f32 {
        let mut v = values.to_vec();
        v.sort_by(f32::total_cmp);
        v[127]
    }

    #[test]
    fn torben_gives_the_lower_median() {
        let mut state = 12345u32;
        for round in 0..200 {
            let values: [f32; 256] = std::array::from_fn(|_| {
                state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                // Few distinct values in some rounds, to exercise ties.
                let modulus = if round % 2 == 0 { 7 } else { 100_000 };
                ((state >> 8) % modulus) as f32 - 3.5
            });
            assert_eq!(
                torben_median(&values),
                sorted_lower_median(&values),
                "round {round}"
            );
        }
    }

    #[test]
    fn torben_terminates_on_non_finite_values() {
        let mut values = [1.0f32; 256];
        values[3] = f32::NAN;
        values[7] = f32::INFINITY;
        values[9] = f32::NEG_INFINITY;
        let _ = torben_median(&values);
        let _ = torben_median(&[f32::NAN; 256]);
        let _ = torben_median(&[f32::MAX; 256]);
    }

    #[test]
    fn dct_of_a_constant_image_is_nearly_zero() {
        let image = [[100.0f32; SIDE]; SIDE];
        let dct = dct64_to_16(&image);
        assert!(dct.iter().flatten().all(|c| c.abs() < 1e-2), "{dct:?}");
    }

    #[test]
    fn dct_of_a_falling_ramp_peaks_at_the_first_coefficient() {
        // A product of two falling ramps has its largest kept coefficient at cosine 1 on both axes, positive.
        let product: Image64 =
            std::array::from_fn(|i| std::array::from_fn(|j| (63 - i) as f32 * (63 - j) as f32));
        let dct = dct64_to_16(&product);
        let largest = dct.iter().flatten().map(|c| c.abs()).fold(0.0, f32::max);
        assert_eq!(dct[0][0], largest);
        // Even cosines of a ramp are nearly zero.
        assert!(dct[1][1].abs() < 1e-2 * largest, "{}", dct[1][1]);
    }

    #[test]
    fn quality_of_flat_image_is_zero_and_of_checkerboard_is_full() {
        assert_eq!(quality(&[[42.0; SIDE]; SIDE]), 0);
        let board: Image64 = std::array::from_fn(|i| {
            std::array::from_fn(|j| if (i + j) % 2 == 0 { 0.0 } else { 255.0 })
        });
        assert_eq!(quality(&board), 100);
        // A gentle ramp: each vertical step is 1 level, which truncates to 0 after scaling by 100/255.
        let ramp: Image64 = std::array::from_fn(|i| [i as f32; SIDE]);
        assert_eq!(quality(&ramp), 0);
        // Steps of 3 levels give 1 each: 63*64 vertical steps, /90 -> 44.
        let ramp: Image64 = std::array::from_fn(|i| [3.0 * i as f32; SIDE]);
        assert_eq!(quality(&ramp), (63 * 64 / 90) as u8);
    }

    #[test]
    fn dihedral_pixel_maps_are_permutations() {
        let (h, w) = (3, 5);
        for t in Dihedral::ALL {
            let mut seen = std::collections::HashSet::new();
            for r in 0..h {
                for c in 0..w {
                    let ((r2, c2), (h2, w2)) = t.map_pixel(r, c, h, w);
                    assert!(r2 < h2 && c2 < w2, "{t:?}");
                    assert!(seen.insert((r2, c2)), "{t:?}");
                }
            }
        }
    }
}
