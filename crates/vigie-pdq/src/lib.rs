//! PDQ perceptual hashes of pixel buffers, bit-for-bit identical to Meta's reference implementation.
//!
//! PDQ turns an image into a 256-bit hash that survives resizing, recompression and small edits: luminance,
//! a tent-filter blur and decimation to 64x64, a 16x16 block of DCT coefficients, and one bit per coefficient
//! for "above the median". A quality score (0..=100) says how much usable detail the image has; the reference
//! does not use hashes below 50 for matching. The eight dihedral hashes (rotations and mirror images) come from
//! the same DCT at almost no extra cost.
//!
//! This crate is pure computation: pixels in, hashes out. Decoding image files is `vigie-media`'s job.
//!
//! ```
//! let (width, height) = (160, 120);
//! let rgb: Vec<u8> = (0..width * height * 3).map(|i| (i * 7 % 251) as u8).collect();
//! let pdq = vigie_pdq::hash_rgb(width, height, &rgb)?;
//! assert_eq!(pdq.hash.to_hex().len(), 64);
//! assert_eq!(pdq.hash.distance(&pdq.hash), 0);
//! # Ok::<(), vigie_pdq::Error>(())
//! ```

mod dct;
mod downscale;
mod error;
mod hash;
mod hasher;
mod luma;

pub use dct::Dihedral;
pub use downscale::MAX_SIDE;
pub use error::{Error, PixelLayout};
pub use hash::{Hash256, ParseHashError};
pub use hasher::{
    DihedralHashes, Hasher, MIN_SIDE, Pdq, hash_luma, hash_luma_dihedral, hash_rgb,
    hash_rgb_dihedral,
};
