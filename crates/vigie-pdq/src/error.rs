//! What can be wrong with a pixel buffer handed to the hasher.

use std::fmt;

/// How a pixel buffer is laid out, to say what was expected in an [`Error::BufferLength`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PixelLayout {
    /// Packed 8-bit RGB, 3 bytes per pixel, rows top to bottom.
    Rgb,
    /// One `f32` luma value per pixel, rows top to bottom.
    Luma,
}

impl fmt::Display for PixelLayout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            PixelLayout::Rgb => "RGB (3 bytes per pixel)",
            PixelLayout::Luma => "luma (1 float per pixel)",
        })
    }
}

/// Why an image could not be hashed. Images that are merely too small or too flat to hash well are not errors:
/// they get a low quality (0 for sides under 5 pixels, as in the reference).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A side is zero.
    #[error("image is {width}x{height} pixels: both sides must be at least 1")]
    ZeroDimension {
        /// Width in pixels.
        width: usize,
        /// Height in pixels.
        height: usize,
    },
    /// A side exceeds [`MAX_SIDE`](crate::MAX_SIDE), or the buffer size would overflow.
    #[error("image is {width}x{height} pixels: each side may be at most {max} pixels")]
    TooLarge {
        /// Width in pixels.
        width: usize,
        /// Height in pixels.
        height: usize,
        /// The largest side accepted.
        max: usize,
    },
    /// The buffer does not hold exactly one value (or RGB triple) per pixel.
    #[error("a {width}x{height} {layout} image needs {expected} values, the buffer holds {actual}")]
    BufferLength {
        /// Width in pixels.
        width: usize,
        /// Height in pixels.
        height: usize,
        /// The layout the function expects.
        layout: PixelLayout,
        /// Values needed: `width * height`, times 3 for RGB.
        expected: usize,
        /// Values given.
        actual: usize,
    },
}
