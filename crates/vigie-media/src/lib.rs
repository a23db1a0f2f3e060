//! Bytes in, facts out: exact digests, sniffed MIME type and image dimensions, under explicit limits.
//!
//! The engine streams a file through [`copy_and_describe`] (capped by [`MediaLimits`]) into the media folder. Decoding pixels for
//! perceptual hashing arrives with the PDQ issue and lives here too.

mod digest;
mod limits;
mod sniff;
mod stream;

pub use digest::{Digests, digests};
pub use limits::{MediaError, MediaLimits, read_capped};
pub use sniff::{ImageInfo, describe, is_media};
pub use stream::{HEAD_BYTES, MediaFacts, copy_and_describe};
