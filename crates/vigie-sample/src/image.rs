//! Synthetic pictures (gradients, rectangles, circles, stripes: no text and no real imagery) and their
//! PNG and JPEG encodings, for the photo files of the sample corpus and for media tests.

use crate::error::SampleError;
use crate::rng::{Rng, mix};

/// Salt for the drawing generator, so that image seeds do not collide with record seeds.
const DRAW_SALT: u64 = 0x1A6E_5EED_0000_0001;

type Rgb = [u8; 3];

/// Draws one `width` x `height` RGB8 image (row-major, 3 bytes a pixel) determined entirely by `seed`:
/// a linear or radial gradient under two to six filled rectangles, circles and striped panels.
///
/// Returns an empty buffer when a side is 0. Cost: one pass per shape over its bounding box, about
/// `width * height * 3` bytes of memory.
pub fn draw_image(seed: u64, width: u32, height: u32) -> Vec<u8> {
    let (w, h) = (width as usize, height as usize);
    if w == 0 || h == 0 {
        return Vec::new();
    }
    let mut rng = Rng::new(mix(seed ^ DRAW_SALT));
    let mut px = vec![0_u8; w * h * 3];
    gradient(&mut px, w, h, &mut rng);
    let shapes = rng.range(2, 6);
    for _ in 0..shapes {
        match rng.below(4) {
            0 => rectangle(&mut px, w, h, &mut rng),
            1 | 2 => circle(&mut px, w, h, &mut rng),
            _ => stripes(&mut px, w, h, &mut rng),
        }
    }
    px
}

fn color(rng: &mut Rng) -> Rgb {
    let v = rng.next_u64();
    [v as u8, (v >> 8) as u8, (v >> 16) as u8]
}

fn lerp(a: Rgb, b: Rgb, t: u32) -> Rgb {
    let mix1 = |x: u8, y: u8| ((u32::from(x) * (255 - t) + u32::from(y) * t) / 255) as u8;
    [mix1(a[0], b[0]), mix1(a[1], b[1]), mix1(a[2], b[2])]
}

fn put(px: &mut [u8], w: usize, x: usize, y: usize, c: Rgb) {
    let i = (y * w + x) * 3;
    if let Some(p) = px.get_mut(i..i + 3) {
        p.copy_from_slice(&c);
    }
}

fn blend(px: &mut [u8], w: usize, x: usize, y: usize, c: Rgb) {
    let i = (y * w + x) * 3;
    if let Some(p) = px.get_mut(i..i + 3) {
        for (d, s) in p.iter_mut().zip(c) {
            *d = ((u16::from(*d) + u16::from(s)) / 2) as u8;
        }
    }
}

fn gradient(px: &mut [u8], w: usize, h: usize, rng: &mut Rng) {
    let (a, b) = (color(rng), color(rng));
    let kind = rng.below(4);
    let (cx, cy) = (rng.index(w) as f64, rng.index(h) as f64);
    let max_r = ((w * w + h * h) as f64).sqrt().max(1.0);
    for y in 0..h {
        for x in 0..w {
            let t = match kind {
                0 => x * 255 / (w - 1).max(1),
                1 => y * 255 / (h - 1).max(1),
                2 => (x + y) * 255 / (w + h - 2).max(1),
                _ => {
                    let (dx, dy) = (x as f64 - cx, y as f64 - cy);
                    ((dx * dx + dy * dy).sqrt() * 255.0 / max_r) as usize
                }
            };
            put(px, w, x, y, lerp(a, b, t.min(255) as u32));
        }
    }
}

/// A random box inside the image: `(x0, y0, x1, y1)`, end-exclusive, at least one pixel.
fn bounds(w: usize, h: usize, rng: &mut Rng) -> (usize, usize, usize, usize) {
    let bw = rng.range((w / 8).max(1) as u64, (w / 2).max(1) as u64) as usize;
    let bh = rng.range((h / 8).max(1) as u64, (h / 2).max(1) as u64) as usize;
    let x0 = rng.index(w - bw.min(w) + 1);
    let y0 = rng.index(h - bh.min(h) + 1);
    (x0, y0, (x0 + bw).min(w), (y0 + bh).min(h))
}

fn rectangle(px: &mut [u8], w: usize, h: usize, rng: &mut Rng) {
    let c = color(rng);
    let translucent = rng.chance(300);
    let (x0, y0, x1, y1) = bounds(w, h, rng);
    for y in y0..y1 {
        for x in x0..x1 {
            if translucent {
                blend(px, w, x, y, c);
            } else {
                put(px, w, x, y, c);
            }
        }
    }
}

fn circle(px: &mut [u8], w: usize, h: usize, rng: &mut Rng) {
    let c = color(rng);
    let r = rng.range((w.min(h) / 10).max(1) as u64, (w.min(h) / 3).max(1) as u64) as i64;
    let cx = rng.index(w) as i64;
    let cy = rng.index(h) as i64;
    let ring = rng.chance(250);
    for y in (cy - r).max(0)..(cy + r + 1).min(h as i64) {
        for x in (cx - r).max(0)..(cx + r + 1).min(w as i64) {
            let d2 = (x - cx) * (x - cx) + (y - cy) * (y - cy);
            let inside = d2 <= r * r && (!ring || d2 >= (r * 2 / 3) * (r * 2 / 3));
            if inside {
                put(px, w, x as usize, y as usize, c);
            }
        }
    }
}

fn stripes(px: &mut [u8], w: usize, h: usize, rng: &mut Rng) {
    let (a, b) = (color(rng), color(rng));
    let period = rng.range(3, 12) as usize;
    let direction = rng.below(3);
    let (x0, y0, x1, y1) = bounds(w, h, rng);
    for y in y0..y1 {
        for x in x0..x1 {
            let k = match direction {
                0 => x,
                1 => y,
                _ => x + y,
            };
            put(
                px,
                w,
                x,
                y,
                if (k / period).is_multiple_of(2) { a } else { b },
            );
        }
    }
}

fn check_buffer(rgb: &[u8], width: u32, height: u32, max: u32) -> Result<(), SampleError> {
    if width == 0 || height == 0 || width > max || height > max {
        return Err(SampleError::Dimensions { width, height, max });
    }
    let expected = u64::from(width) * u64::from(height) * 3;
    if rgb.len() as u64 != expected {
        return Err(SampleError::PixelBuffer {
            width,
            height,
            expected,
            actual: rgb.len(),
        });
    }
    Ok(())
}

/// Encodes an RGB8 buffer as an 8-bit PNG (strongest zlib setting, deterministic output).
///
/// Fails with [`SampleError::Dimensions`] when a side is 0 and [`SampleError::PixelBuffer`] when `rgb`
/// is not exactly `w * h * 3` bytes.
pub fn encode_png(rgb: &[u8], w: u32, h: u32) -> Result<Vec<u8>, SampleError> {
    check_buffer(rgb, w, h, i32::MAX as u32)?;
    let png_err = |source| SampleError::Png {
        width: w,
        height: h,
        source,
    };
    let mut out = Vec::with_capacity(rgb.len() / 4);
    let mut encoder = png::Encoder::new(&mut out, w, h);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    encoder.set_compression(png::Compression::High);
    let mut writer = encoder.write_header().map_err(png_err)?;
    writer.write_image_data(rgb).map_err(png_err)?;
    writer.finish().map_err(png_err)?;
    Ok(out)
}

/// Encodes an RGB8 buffer as a baseline JPEG at `quality` (clamped to 1..=100; below 90 the chroma is
/// subsampled 4:2:0, as most cameras and apps do).
///
/// Fails with [`SampleError::Dimensions`] when a side is 0 or above 65,535 and
/// [`SampleError::PixelBuffer`] when `rgb` is not exactly `w * h * 3` bytes.
pub fn encode_jpeg(rgb: &[u8], w: u32, h: u32, quality: u8) -> Result<Vec<u8>, SampleError> {
    check_buffer(rgb, w, h, u32::from(u16::MAX))?;
    let mut out = Vec::with_capacity(rgb.len() / 8);
    let encoder = jpeg_encoder::Encoder::new(&mut out, quality.clamp(1, 100));
    // `check_buffer` bounded both sides to u16::MAX.
    encoder
        .encode(rgb, w as u16, h as u16, jpeg_encoder::ColorType::Rgb)
        .map_err(|source| SampleError::Jpeg {
            width: w,
            height: h,
            source,
        })?;
    Ok(out)
}

/// The frames of a generated video, `width` x `height` RGB8 each: a new [`draw_image`] scene (from `seed`) every
/// `frames_per_scene` frames, panned one pixel to the left per frame within its scene (wrapping round), so that
/// consecutive frames differ a little and scenes a lot. For video tests and benchmarks: piped to an encoder,
/// they make videos of any codec, size and rate with no real imagery.
pub fn draw_video(
    seed: u64,
    width: u32,
    height: u32,
    frames: u32,
    frames_per_scene: u32,
) -> impl Iterator<Item = Vec<u8>> {
    let per_scene = frames_per_scene.max(1);
    let (w, h) = (width as usize, height as usize);
    let mut scene: Option<(u32, Vec<u8>)> = None;
    (0..frames).map(move |frame| {
        let index = frame / per_scene;
        if scene.as_ref().is_none_or(|(i, _)| *i != index) {
            scene = Some((
                index,
                draw_image(mix(mix(seed) ^ u64::from(index)), width, height),
            ));
        }
        let base = scene.as_ref().map_or(&[][..], |(_, px)| px.as_slice());
        if w == 0 || h == 0 {
            return Vec::new();
        }
        let shift = (frame % per_scene) as usize % w;
        let mut out = Vec::with_capacity(base.len());
        for row in base.chunks_exact(w * 3) {
            out.extend_from_slice(&row[shift * 3..]);
            out.extend_from_slice(&row[..shift * 3]);
        }
        out
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drawing_is_deterministic_and_seed_dependent() {
        let a = draw_image(1, 64, 48);
        assert_eq!(a.len(), 64 * 48 * 3);
        assert_eq!(a, draw_image(1, 64, 48));
        assert_ne!(a, draw_image(2, 64, 48));
        assert!(draw_image(1, 0, 48).is_empty());
        // Tiny images must not panic.
        for (w, h) in [(1, 1), (1, 7), (7, 1), (2, 2)] {
            assert_eq!(draw_image(9, w, h).len(), (w * h * 3) as usize);
        }
    }

    #[test]
    fn encoders_write_magic_bytes_and_reject_bad_buffers() -> Result<(), SampleError> {
        let rgb = draw_image(3, 40, 30);
        let png = encode_png(&rgb, 40, 30)?;
        assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"));
        let jpeg = encode_jpeg(&rgb, 40, 30, 85)?;
        assert!(jpeg.starts_with(&[0xFF, 0xD8, 0xFF]));
        assert!(jpeg.ends_with(&[0xFF, 0xD9]));
        assert!(matches!(
            encode_png(&rgb, 41, 30),
            Err(SampleError::PixelBuffer { .. })
        ));
        assert!(matches!(
            encode_jpeg(&rgb, 0, 30, 85),
            Err(SampleError::Dimensions { .. })
        ));
        assert!(matches!(
            encode_jpeg(&[], 70_000, 1, 85),
            Err(SampleError::Dimensions { .. })
        ));
        Ok(())
    }

    #[test]
    fn regression_20_a_drawn_video_pans_within_scenes_and_changes_between_them() {
        let frames: Vec<Vec<u8>> = draw_video(7, 40, 30, 7, 3).collect();
        assert_eq!(frames.len(), 7);
        assert!(frames.iter().all(|f| f.len() == 40 * 30 * 3));
        // Frame 1 is frame 0 moved one pixel left.
        assert_eq!(&frames[1][..3 * 39], &frames[0][3..3 * 40]);
        assert_ne!(frames[0], frames[1]);
        // Frame 3 starts the second scene, unpanned: another picture.
        assert_ne!(frames[3], frames[0]);
        assert_eq!(
            frames[3][..],
            draw_video(7, 40, 30, 4, 3).nth(3).unwrap_or_default()[..]
        );
        assert_ne!(frames, draw_video(8, 40, 30, 7, 3).collect::<Vec<_>>());
        // No scene of one seed is a scene of a nearby seed (11's fourth is not 12's fifth, as a XOR would give).
        let scenes = |seed| draw_video(seed, 40, 30, 40, 1).collect::<Vec<_>>();
        let (a, b) = (scenes(11), scenes(12));
        assert!(a.iter().all(|f| !b.contains(f)));
    }
}
