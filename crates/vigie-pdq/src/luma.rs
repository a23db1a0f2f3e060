//! RGB to luminance, rounded exactly as the reference vectors were.
//!
//! The published reference values come from Meta's C++ hasher driven through the `pdqhash` Python package,
//! which computes luminance with NumPy before calling the C++ code: `R*0.299 + G*0.587 + B*0.114` evaluated in
//! `f64` (three products, then two additions from left to right) and rounded once to `f32`. The C++ command-line
//! tool instead computes the same expression in `f32`, which differs in the last bit for about 30% of pixels;
//! that flips a hash bit now and then (in 2 of 300 generated images during development, by at most 2 bits). The
//! PNG reference vectors pass either way. We follow the Python package, because that is what the reference
//! vectors (and most deployed hash lists) were made with.

/// Weight of red in luminance (ITU-R BT.601).
pub(crate) const RED: f64 = 0.299;
/// Weight of green in luminance.
pub(crate) const GREEN: f64 = 0.587;
/// Weight of blue in luminance.
pub(crate) const BLUE: f64 = 0.114;

/// Luminance of one pixel: `(R*0.299 + G*0.587) + B*0.114` in `f64`, rounded to `f32`.
#[inline(always)]
pub(crate) fn luma(r: u8, g: u8, b: u8) -> f32 {
    (f64::from(r) * RED + f64::from(g) * GREEN + f64::from(b) * BLUE) as f32
}

/// Fills `out` with the luminance of the packed RGB pixels in `rgb` (`3 * out.len()` bytes).
pub(crate) fn luma_row(rgb: &[u8], out: &mut [f32]) {
    for (px, y) in rgb.chunks_exact(3).zip(out.iter_mut()) {
        *y = luma(px[0], px[1], px[2]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn luma_rounds_the_f64_sum_once() {
        assert_eq!(luma(0, 0, 0), 0.0);
        // 255 * (0.299 + 0.587 + 0.114) is 255 within f64 rounding.
        assert_eq!(luma(255, 255, 255), 255.0);
        let exact = 12.0 * 0.299 + 34.0 * 0.587 + 56.0 * 0.114;
        assert_eq!(luma(12, 34, 56), exact as f32);
        // The f32 evaluation differs for some pixels; the f64 one is what we want.
        let differs = (0..=255u8).any(|v| {
            let single = 0.299f32 * f32::from(v)
                + 0.587f32 * f32::from(255 - v)
                + 0.114f32 * f32::from(v / 2);
            single != luma(v, 255 - v, v / 2)
        });
        assert!(
            differs,
            "this test should show that the two evaluation orders differ somewhere"
        );
    }

    #[test]
    fn luma_row_converts_each_pixel() {
        let rgb = [255, 0, 0, 0, 255, 0, 0, 0, 255, 1, 2, 3];
        let mut out = [0.0; 4];
        luma_row(&rgb, &mut out);
        assert_eq!(
            out,
            [
                luma(255, 0, 0),
                luma(0, 255, 0),
                luma(0, 0, 255),
                luma(1, 2, 3)
            ]
        );
        assert_eq!(out[0], (255.0 * 0.299f64) as f32);
    }
}
