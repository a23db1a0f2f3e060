//! Fuzzes image decoding under limits (PNG, GIF, WebP, BMP, TIFF through `image`, JPEG through libjpeg-turbo):
//! decoding must never panic, never give pixels that disagree with its size, and never exceed the pixel
//! limit.
//!
//! Run: `scripts/fuzz image` (or `RUSTC_BOOTSTRAP=1 cargo fuzz run image` from this folder).

#![no_main]

use libfuzzer_sys::fuzz_target;
use vigie_media::{MediaLimits, decode_rgb};

fuzz_target!(|data: &[u8]| {
    let limits = MediaLimits {
        max_pixels: 1 << 20,
        max_decoded_bytes: 64 << 20,
        max_decoding_bytes: 128 << 20,
        ..MediaLimits::default()
    };
    if let Ok(image) = decode_rgb(data, &limits) {
        assert_eq!(image.pixels.len(), image.width * image.height * 3);
        assert!((image.width * image.height) as u64 <= limits.max_pixels);
    }
});
