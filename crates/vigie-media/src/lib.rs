//! Bytes in, facts out: exact digests, sniffed MIME type and image dimensions, under explicit limits.
//!
//! The engine reads a file (capped by [`MediaLimits`]) and hands the bytes here. Decoding pixels for
//! perceptual hashing arrives with the PDQ issue and lives here too.

mod digest;
mod limits;
mod sniff;

pub use digest::{Digests, digests};
pub use limits::{MediaError, MediaLimits, read_capped};
pub use sniff::{ImageInfo, describe, is_media};
