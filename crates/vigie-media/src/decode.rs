//! Decoding images to 8-bit RGB pixels, for perceptual hashing, under limits.
//!
//! JPEG goes through libjpeg-turbo's code (the `mozjpeg` crate, built from source): it is what Pillow uses, so
//! the pixels, and therefore the PDQ hashes, are the same as those of the reference hasher fed by Pillow. Other
//! decoders differ from it by a few levels per pixel, enough to move a PDQ hash by up to a dozen bits. PNG, GIF
//! (first frame), WebP, BMP and TIFF go through the `image` crate. Colour conversion follows Pillow's
//! `convert("RGB")`: alpha is dropped (not composited), grey is replicated, CMYK uses Pillow's formula.
//!
//! Every decode checks the header's dimensions against [`MediaLimits::max_pixels`], and the memory it will take
//! (the decoder's layout, up to 8 bytes a pixel for 16-bit RGBA, plus the RGB copy) against
//! [`MediaLimits::max_decoded_bytes`], before allocating pixel memory, then waits for its share of the memory
//! all threads may decode with ([`MediaLimits::max_decoding_bytes`]); a file that is empty, truncated, lies in its
//! header or is not an image gives a [`DecodeError`].

use crate::MediaLimits;
use std::io::Cursor;
use std::panic::{AssertUnwindSafe, catch_unwind};

/// An image as 8-bit RGB, row by row, three bytes per pixel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RgbImage {
    /// Pixels per row.
    pub width: usize,
    /// Rows.
    pub height: usize,
    /// `width * height * 3` bytes.
    pub pixels: Vec<u8>,
}

/// Why an image could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// The bytes are not in a supported image format.
    #[error("not a supported image format (JPEG, PNG, GIF, WebP, BMP or TIFF)")]
    UnknownFormat,
    /// The header gives a width or height of zero.
    #[error("the image has no pixels ({width}x{height})")]
    Empty {
        /// Width from the header.
        width: u64,
        /// Height from the header.
        height: u64,
    },
    /// More pixels than the limit: a decompression bomb, or a header that lies.
    #[error("the image is {width}x{height}, more than the {limit}-pixel limit")]
    TooManyPixels {
        /// Width from the header.
        width: u64,
        /// Height from the header.
        height: u64,
        /// The limit.
        limit: u64,
    },
    /// Decoding would take more memory than the limit (a 16-bit RGBA image takes 8 bytes a pixel).
    #[error(
        "decoding the {width}x{height} image takes {bytes} bytes, more than the {limit}-byte limit"
    )]
    TooMuchMemory {
        /// Width from the header.
        width: u64,
        /// Height from the header.
        height: u64,
        /// The memory decoding would take.
        bytes: u64,
        /// The limit.
        limit: u64,
    },
    /// The data ends before the image does.
    #[error("the image data is truncated")]
    Truncated,
    /// The decoder refused the data.
    #[error("corrupt {format} image: {reason}")]
    Corrupt {
        /// The format the bytes claim to be.
        format: &'static str,
        /// What the decoder said.
        reason: String,
    },
}

/// The image formats this module decodes, from the file's first bytes.
fn sniff(bytes: &[u8]) -> Option<image::ImageFormat> {
    use image::ImageFormat as F;
    match image::guess_format(bytes).ok()? {
        f @ (F::Jpeg | F::Png | F::Gif | F::WebP | F::Bmp | F::Tiff) => Some(f),
        _ => None,
    }
}

/// Whether the bytes look like an image this module can decode.
pub fn is_decodable(bytes: &[u8]) -> bool {
    sniff(bytes).is_some()
}

fn check_size(width: u64, height: u64, limits: &MediaLimits) -> Result<(), DecodeError> {
    if width == 0 || height == 0 {
        return Err(DecodeError::Empty { width, height });
    }
    if width.saturating_mul(height) > limits.max_pixels {
        return Err(DecodeError::TooManyPixels {
            width,
            height,
            limit: limits.max_pixels,
        });
    }
    Ok(())
}

/// The memory a decode takes (`decoder` bytes in the decoder's own layout, plus the RGB copy), refused over
/// `limits.max_decoded_bytes`, then taken from the budget shared by every thread.
fn memory_for(
    width: u64,
    height: u64,
    decoder: u64,
    limits: &MediaLimits,
) -> Result<crate::limits::DecodeShare, DecodeError> {
    let bytes = decoder.saturating_add(width.saturating_mul(height).saturating_mul(3));
    if bytes > limits.max_decoded_bytes {
        return Err(DecodeError::TooMuchMemory {
            width,
            height,
            bytes,
            limit: limits.max_decoded_bytes,
        });
    }
    Ok(crate::limits::DecodeShare::take(bytes, limits))
}

/// Decodes an image (the first frame of an animation) to 8-bit RGB.
pub fn decode_rgb(bytes: &[u8], limits: &MediaLimits) -> Result<RgbImage, DecodeError> {
    if bytes.len() as u64 > limits.max_file_bytes {
        return Err(DecodeError::Corrupt {
            format: "image",
            reason: format!("larger than the {}-byte limit", limits.max_file_bytes),
        });
    }
    let format = sniff(bytes).ok_or(DecodeError::UnknownFormat)?;
    // The size the header claims, read without a decoder: a bomb is refused before any decoder runs, even one
    // that would read further before reporting its dimensions.
    if let Ok(size) = imagesize::blob_size(bytes) {
        check_size(size.width as u64, size.height as u64, limits)?;
    }
    match format {
        image::ImageFormat::Jpeg => decode_jpeg(bytes, limits),
        other => decode_other(bytes, other, limits),
    }
}

fn format_name(format: image::ImageFormat) -> &'static str {
    match format {
        image::ImageFormat::Png => "PNG",
        image::ImageFormat::Gif => "GIF",
        image::ImageFormat::WebP => "WebP",
        image::ImageFormat::Bmp => "BMP",
        image::ImageFormat::Tiff => "TIFF",
        _ => "image",
    }
}

fn decode_other(
    bytes: &[u8],
    format: image::ImageFormat,
    limits: &MediaLimits,
) -> Result<RgbImage, DecodeError> {
    use image::ImageDecoder;
    let name = format_name(format);
    let corrupt = |e: image::ImageError| match e {
        image::ImageError::Decoding(d)
            if d.to_string().contains("end of file") || d.to_string().contains("EOF") =>
        {
            DecodeError::Truncated
        }
        image::ImageError::IoError(io) if io.kind() == std::io::ErrorKind::UnexpectedEof => {
            DecodeError::Truncated
        }
        other => DecodeError::Corrupt {
            format: name,
            reason: other.to_string(),
        },
    };
    let mut reader = image::ImageReader::with_format(Cursor::new(bytes), format);
    let mut bounds = image::Limits::default();
    // Room for the widest layout a decoder may produce (16-bit RGBA) of the largest image allowed.
    bounds.max_alloc = Some(limits.max_pixels.saturating_mul(8).max(1 << 20));
    reader.limits(bounds);
    let decoder = reader.into_decoder().map_err(corrupt)?;
    let (width, height) = decoder.dimensions();
    check_size(u64::from(width), u64::from(height), limits)?;
    let _share = memory_for(
        u64::from(width),
        u64::from(height),
        decoder.total_bytes(),
        limits,
    )?;
    let decoded = image::DynamicImage::from_decoder(decoder).map_err(corrupt)?;
    let rgb = decoded.into_rgb8();
    Ok(RgbImage {
        width: rgb.width() as usize,
        height: rgb.height() as usize,
        pixels: rgb.into_raw(),
    })
}

/// Whether a JPEG stream reaches its end-of-image marker after its first scan. libjpeg pads a truncated
/// stream with grey and only warns; Pillow, like this module, refuses it. Entropy-coded data cannot contain
/// the marker (0xFF is always followed by 0x00 there), so finding it after the scan starts is enough.
fn jpeg_is_complete(bytes: &[u8]) -> bool {
    let Some(scan) = memchr::memmem::find(bytes, &[0xFF, 0xDA]) else {
        return false;
    };
    memchr::memmem::rfind(&bytes[scan..], &[0xFF, 0xD9]).is_some()
}

fn decode_jpeg(bytes: &[u8], limits: &MediaLimits) -> Result<RgbImage, DecodeError> {
    let corrupt = |reason: String| DecodeError::Corrupt {
        format: "JPEG",
        reason,
    };
    // libjpeg reports fatal errors by unwinding out of the decoder (without the panic hook); they come back
    // here as the payload of the unwind.
    let outcome = catch_unwind(AssertUnwindSafe(|| -> Result<RgbImage, DecodeError> {
        let io = |e: std::io::Error| corrupt(e.to_string());
        let decoder = mozjpeg::Decompress::with_markers(&[mozjpeg::Marker::APP(14)])
            .from_mem(bytes)
            .map_err(io)?;
        let (width, height) = decoder.size();
        check_size(width as u64, height as u64, limits)?;
        // CMYK is read at four bytes a pixel before its conversion; RGB straight into the copy.
        let cmyk = matches!(
            decoder.color_space(),
            mozjpeg::ColorSpace::JCS_CMYK | mozjpeg::ColorSpace::JCS_YCCK
        );
        let own = if cmyk {
            width as u64 * height as u64 * 4
        } else {
            0
        };
        let _share = memory_for(width as u64, height as u64, own, limits)?;
        if !jpeg_is_complete(bytes) {
            return Err(DecodeError::Truncated);
        }
        let adobe = decoder.markers().any(|m| m.data.starts_with(b"Adobe"));
        let pixels = match decoder.color_space() {
            mozjpeg::ColorSpace::JCS_CMYK | mozjpeg::ColorSpace::JCS_YCCK => {
                let mut started = decoder
                    .to_colorspace(mozjpeg::ColorSpace::JCS_CMYK)
                    .map_err(io)?;
                let cmyk: Vec<u8> = started.read_scanlines().map_err(io)?;
                started.finish().map_err(io)?;
                cmyk_to_rgb(&cmyk, adobe)
            }
            _ => {
                let mut started = decoder.rgb().map_err(io)?;
                let rgb: Vec<u8> = started.read_scanlines().map_err(io)?;
                started.finish().map_err(io)?;
                rgb
            }
        };
        if pixels.len() != width * height * 3 {
            return Err(DecodeError::Truncated);
        }
        Ok(RgbImage {
            width,
            height,
            pixels,
        })
    }));
    match outcome {
        Ok(result) => result,
        Err(payload) => {
            let reason = payload
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| payload.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                .unwrap_or_else(|| "the decoder failed".to_owned());
            let reason = reason
                .strip_prefix("libjpeg fatal error: ")
                .unwrap_or(&reason)
                .to_owned();
            Err(corrupt(reason))
        }
    }
}

/// CMYK to RGB as Pillow does it: Adobe files store CMYK inverted, which Pillow undoes on load, then each
/// channel is `255 - colour - black`, clamped at zero.
fn cmyk_to_rgb(cmyk: &[u8], adobe: bool) -> Vec<u8> {
    let mut rgb = Vec::with_capacity(cmyk.len() / 4 * 3);
    for px in cmyk.chunks_exact(4) {
        let v = |i: usize| -> i32 {
            let raw = i32::from(px[i]);
            if adobe { 255 - raw } else { raw }
        };
        let not_black = 255 - v(3);
        for c in 0..3 {
            rgb.push((not_black - v(c)).clamp(0, 255) as u8);
        }
    }
    rgb
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png_rgba16(width: u32, height: u32) -> Vec<u8> {
        let img =
            image::ImageBuffer::<image::Rgba<u16>, Vec<u16>>::from_fn(width, height, |x, y| {
                image::Rgba([(x * 97) as u16, (y * 89) as u16, 1000, 65535])
            });
        let mut out = Cursor::new(Vec::new());
        img.write_to(&mut out, image::ImageFormat::Png)
            .unwrap_or_else(|e| panic!("{e}"));
        out.into_inner()
    }

    #[test]
    fn regression_19_the_memory_a_decode_takes_is_bounded_not_only_its_pixels() {
        let limits = MediaLimits {
            max_pixels: 1_000_000,
            max_decoded_bytes: 4_000_000,
            ..MediaLimits::default()
        };
        // 490,000 pixels, under the pixel limit; at 8 bytes a pixel plus the RGB copy, 5.4 MB to decode.
        let heavy = png_rgba16(700, 700);
        assert!(heavy.len() < 200_000, "{}", heavy.len());
        match decode_rgb(&heavy, &limits) {
            Err(DecodeError::TooMuchMemory { bytes, limit, .. }) => {
                assert_eq!((bytes, limit), (490_000 * 11, 4_000_000));
            }
            other => panic!("{:?}", other.map(|i| (i.width, i.height))),
        }
        // The same picture smaller fits.
        let light = png_rgba16(500, 500);
        let rgb = decode_rgb(&light, &limits).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((rgb.width, rgb.height), (500, 500));
    }

    #[test]
    fn regression_19_decodes_on_several_threads_share_one_memory_budget() {
        use std::sync::Arc;
        use std::sync::atomic::{AtomicBool, Ordering};
        let limits = MediaLimits {
            max_decoded_bytes: 60,
            max_decoding_bytes: 100,
            ..MediaLimits::default()
        };
        let first = crate::limits::DecodeShare::take(60, &limits);
        let taken = Arc::new(AtomicBool::new(false));
        let second = std::thread::spawn({
            let taken = Arc::clone(&taken);
            move || {
                let share = crate::limits::DecodeShare::take(60, &limits);
                taken.store(true, Ordering::SeqCst);
                drop(share);
            }
        });
        std::thread::sleep(std::time::Duration::from_millis(200));
        assert!(
            !taken.load(Ordering::SeqCst),
            "a second decode waits while the first holds the budget"
        );
        drop(first);
        second
            .join()
            .unwrap_or_else(|_| panic!("the waiting decode ran"));
        assert!(taken.load(Ordering::SeqCst));
    }

    /// Regression for issue 21: the README's test command installs `nasm` before it builds, so the decoder it
    /// tests (and the `vigie` it builds) must have libjpeg-turbo's SIMD code. Without nasm this fails, and
    /// says how to get it.
    #[test]
    #[cfg(any(target_arch = "x86_64", target_arch = "x86"))]
    fn regression_21_jpeg_decoding_is_built_with_simd() {
        // Read through `black_box`: the value is decided at build time, which is the point of the test.
        assert!(
            std::hint::black_box(crate::JPEG_SIMD),
            "libjpeg-turbo was built without SIMD: run scripts/install-deps (installs nasm, rebuilds the decoder)"
        );
    }

    #[test]
    fn cmyk_follows_pillow() {
        // Plain CMYK: white, pure cyan, black.
        assert_eq!(
            cmyk_to_rgb(&[0, 0, 0, 0, 255, 0, 0, 0, 0, 0, 0, 255], false),
            [255, 255, 255, 0, 255, 255, 0, 0, 0]
        );
        // Adobe's inverted storage of the same white.
        assert_eq!(cmyk_to_rgb(&[255, 255, 255, 255], true), [255, 255, 255]);
    }

    #[test]
    fn a_jpeg_without_its_end_marker_is_incomplete() {
        assert!(jpeg_is_complete(&[
            0xFF, 0xD8, 0xFF, 0xDA, 1, 2, 0xFF, 0xD9
        ]));
        assert!(!jpeg_is_complete(&[0xFF, 0xD8, 0xFF, 0xDA, 1, 2, 3]));
        // An end marker before the scan (in a thumbnail) does not count.
        assert!(!jpeg_is_complete(&[0xFF, 0xD8, 0xFF, 0xD9, 0xFF, 0xDA, 1]));
    }
}
