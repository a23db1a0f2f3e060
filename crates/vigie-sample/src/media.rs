//! The pictures of a corpus: a pool of distinct drawn images, encoded once, that the formats attach to
//! their posts (sometimes the same picture by several accounts), and the loose `media/` folder.

use std::ops::Range;

use crate::error::SampleError;
use crate::image::{draw_image, encode_jpeg, encode_png};
use crate::output::{ImageRole, Output};
use crate::rng::Rng;

const S_PICTURE: u64 = 0x4001;

/// Sizes of the drawn pictures: small, landscape and portrait.
const SIZES: &[(u32, u32)] = &[
    (160, 120),
    (200, 150),
    (240, 180),
    (320, 240),
    (240, 320),
    (256, 192),
    (192, 192),
    (180, 240),
];

/// How a picture is encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Format {
    Jpeg,
    Png,
}

impl Format {
    /// The usual file extension.
    pub(crate) fn ext(self) -> &'static str {
        match self {
            Format::Jpeg => "jpg",
            Format::Png => "png",
        }
    }
}

/// One encoded picture of the pool.
#[derive(Debug, Clone)]
pub(crate) struct Picture {
    pub bytes: Vec<u8>,
    pub width: u32,
    pub height: u32,
    pub format: Format,
}

/// Picture `index` of the pool, drawn from the seed and encoded as `format`.
pub(crate) fn picture(seed: u64, index: usize, format: Format) -> Result<Picture, SampleError> {
    let mut rng = Rng::derive(seed, S_PICTURE, index as u64);
    let (width, height) = *rng.pick(SIZES);
    let rgb = draw_image(rng.next_u64(), width, height);
    let bytes = match format {
        Format::Jpeg => encode_jpeg(&rgb, width, height, 82)?,
        Format::Png => encode_png(&rgb, width, height)?,
    };
    Ok(Picture {
        bytes,
        width,
        height,
        format,
    })
}

/// Writes the loose `media/` folder: pictures `fresh` of the pool (half at the top, half under
/// `media/2024-02/`, the first JPEG among them named `.png` on purpose), then byte-identical copies of the
/// attached pictures `copies`.
pub(crate) fn write_loose(
    out: &mut Output,
    pictures: &[Picture],
    fresh: Range<usize>,
    copies: &[usize],
) -> Result<(), SampleError> {
    let half = fresh.start + fresh.len() / 2;
    let mut mislabeled = false;
    for idx in fresh {
        let Some(p) = pictures.get(idx) else { continue };
        let n = idx + 1;
        let rel = if !mislabeled && p.format == Format::Jpeg {
            mislabeled = true;
            format!("media/capture_{n:04}.png")
        } else if idx < half {
            format!("media/img_{n:04}.{}", p.format.ext())
        } else {
            format!("media/2024-02/photo_{n:04}.{}", p.format.ext())
        };
        out.write_image(&rel, &p.bytes, ImageRole::Loose)?;
    }
    for (k, &idx) in copies.iter().enumerate() {
        let Some(p) = pictures.get(idx) else { continue };
        let rel = format!("media/saved_{:02}.{}", k + 1, p.format.ext());
        out.write_image(&rel, &p.bytes, ImageRole::Loose)?;
    }
    Ok(())
}
