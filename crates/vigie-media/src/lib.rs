//! Bytes in, facts out: exact digests, sniffed MIME type and image dimensions, under explicit limits.
//!
//! The engine streams a file through [`copy_and_describe`] (capped by [`MediaLimits`]) into the media folder;
//! [`decode_rgb`] turns an image into the RGB pixels that perceptual hashing reads.

mod decode;
mod digest;
mod limits;
mod sniff;
mod stream;

pub use decode::{DecodeError, RgbImage, decode_rgb, is_decodable};
pub use digest::{Digests, digests};
pub use limits::{MediaError, MediaLimits, read_capped};
pub use sniff::{ImageInfo, describe, is_media};
pub use stream::{HEAD_BYTES, MediaFacts, copy_and_describe};

/// Whether JPEG decoding runs libjpeg-turbo's SIMD code (x86 SSE2/AVX2, ARM NEON).
///
/// Decided when the crate is built: libjpeg-turbo gets its SIMD routines only when the `nasm` assembler was
/// installed then (`scripts/install-deps` installs it). Without them the pixels are the same and decoding is
/// about three times slower; `vigie hash` says so.
pub const JPEG_SIMD: bool = cfg!(jpeg_simd);
