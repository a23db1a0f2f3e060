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
