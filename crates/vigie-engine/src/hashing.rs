//! The hashes of one file, as hash lists use them: MD5 and SHA-256 of the bytes, and PDQ of the pixels for
//! images. Shared by `vigie hash` and by the scan, which stores them with each medium.

use serde::{Serialize, Serializer};
use std::path::Path;
use vigie_media::{DecodeError, MediaError, MediaLimits};
use vigie_pdq::{Hash256, Hasher, MIN_SIDE};

/// The PDQ hash of an image. The hashes stay [`Hash256`] from the hasher to the match index; they become hex only
/// where they are written out (JSON, CSV, the store's `media.pdq` column).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImageHash {
    /// The hash (64 hex digits in JSON).
    #[serde(serialize_with = "hex")]
    pub pdq: Hash256,
    /// Quality 0..=100; the reference does not match hashes under 50.
    pub quality: u8,
    /// Pixels per row.
    pub width: usize,
    /// Rows.
    pub height: usize,
    /// The hashes of the eight rotations and mirror images, in the reference's order (original, rotate 90,
    /// 180, 270, flip X, flip Y, main diagonal, anti-diagonal), when asked for.
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "hex_all")]
    pub dihedral: Option<Vec<Hash256>>,
}

impl ImageHash {
    /// The hashes to match: the eight dihedral ones when computed, else the plain one.
    pub fn matchable(&self) -> Vec<Hash256> {
        self.dihedral.clone().unwrap_or_else(|| vec![self.pdq])
    }
}

fn hex<S: Serializer>(hash: &Hash256, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&hash.to_hex())
}

fn hex_all<S: Serializer>(hashes: &Option<Vec<Hash256>>, s: S) -> Result<S::Ok, S::Error> {
    match hashes {
        Some(all) => s.collect_seq(all.iter().map(Hash256::to_hex)),
        None => s.serialize_none(),
    }
}

/// Why an image has no PDQ hash.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImageHashError {
    /// It could not be decoded.
    #[error(transparent)]
    Decode(#[from] DecodeError),
    /// A side is shorter than PDQ can use: the reference gives such images the zero hash, which would
    /// match other tiny images, not this one.
    #[error(
        "the image is {width}x{height}: PDQ needs at least {MIN_SIDE} pixels per side, so it has no usable hash"
    )]
    TooSmall {
        /// Pixels per row.
        width: usize,
        /// Rows.
        height: usize,
    },
}

/// The vPDQ hash of a video: its frames sampled once a second and hashed as Meta's reference does
/// ([`vigie_video::hash_video`]), with what the container says of it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VideoHash {
    /// The codec's short name.
    pub codec: String,
    /// Width in pixels, as stored.
    pub width: u32,
    /// Height in pixels, as stored.
    pub height: u32,
    /// Frames per second.
    pub frame_rate: f64,
    /// The duration, when the container gives one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seconds: Option<f64>,
    /// Frames decoded to hash it (fewer than it has when frames no sampled frame needs were skipped).
    pub decoded_frames: u64,
    /// The sampled frames' hashes, in frame order: in JSON, objects with `frame`, `quality`, `pdq`, `seconds`.
    #[serde(serialize_with = "frames")]
    pub frames: Vec<vigie_video::FrameHash>,
}

fn frames<S: Serializer>(frames: &[vigie_video::FrameHash], s: S) -> Result<S::Ok, S::Error> {
    #[derive(Serialize)]
    struct Frame {
        frame: u64,
        quality: u8,
        pdq: String,
        seconds: f64,
    }
    s.collect_seq(frames.iter().map(|f| Frame {
        frame: f.frame,
        quality: f.quality,
        pdq: f.hash.to_hex(),
        seconds: (f.seconds * 1000.0).round() / 1000.0,
    }))
}

/// Hashes the video at `path` (see [`VideoHash`]).
///
/// # Errors
/// Why the video could not be hashed (it does not open, a limit is passed, decoding fails).
pub fn video_hash(
    path: &Path,
    options: &vigie_video::VideoOptions,
) -> Result<VideoHash, vigie_video::VideoError> {
    let (info, frames) = vigie_video::hash_video(path, options)?;
    Ok(VideoHash {
        codec: info.codec,
        width: info.width,
        height: info.height,
        frame_rate: info.frame_rate,
        seconds: info.seconds,
        decoded_frames: info.decoded_frames,
        frames,
    })
}

/// The hashes of one file.
#[derive(Debug, Clone, PartialEq)]
pub struct FileHashes {
    /// MD5 of the bytes, hex.
    pub md5: String,
    /// SHA-256 of the bytes, hex.
    pub sha256: String,
    /// Bytes.
    pub byte_size: u64,
    /// `None` for a file that is not an image (a video, a document); otherwise its PDQ hash or why it has
    /// none.
    pub image: Option<Result<ImageHash, ImageHashError>>,
    /// `None` for a file that is not a video (or bytes hashed without their file); otherwise its vPDQ hash or
    /// why it has none.
    pub video: Option<Result<VideoHash, vigie_video::VideoError>>,
}

/// Hashes bytes already read. `dihedral` adds the eight transformed hashes.
pub fn hash_bytes(
    bytes: &[u8],
    limits: &MediaLimits,
    hasher: &mut Hasher,
    dihedral: bool,
) -> FileHashes {
    let digests = vigie_media::digests(bytes);
    let image = vigie_media::is_decodable(bytes).then(|| pdq_of(bytes, limits, hasher, dihedral));
    FileHashes {
        md5: digests.md5,
        sha256: digests.sha256,
        byte_size: bytes.len() as u64,
        image,
        video: None,
    }
}

/// Reads a file (up to the size limit) and hashes it; a video (by its bytes' type) also gets its vPDQ hash, with
/// the default video options.
pub fn hash_file(
    path: &Path,
    limits: &MediaLimits,
    hasher: &mut Hasher,
    dihedral: bool,
) -> Result<FileHashes, MediaError> {
    hash_file_with(
        path,
        limits,
        &vigie_video::VideoOptions::default(),
        hasher,
        dihedral,
    )
}

/// [`hash_file`] with the video options and limits given.
pub fn hash_file_with(
    path: &Path,
    limits: &MediaLimits,
    video: &vigie_video::VideoOptions,
    hasher: &mut Hasher,
    dihedral: bool,
) -> Result<FileHashes, MediaError> {
    let bytes = vigie_media::read_capped(path, limits)?;
    let mut hashes = hash_bytes(&bytes, limits, hasher, dihedral);
    if vigie_media::describe(&bytes).mime.starts_with("video/") {
        hashes.video = Some(video_hash(path, video));
    }
    Ok(hashes)
}

/// The PDQ hash of bytes that may be an image: `None` when they are not one.
pub(crate) fn image_hash(
    bytes: &[u8],
    limits: &MediaLimits,
    hasher: &mut Hasher,
    dihedral: bool,
) -> Option<Result<ImageHash, ImageHashError>> {
    vigie_media::is_decodable(bytes).then(|| pdq_of(bytes, limits, hasher, dihedral))
}

fn pdq_of(
    bytes: &[u8],
    limits: &MediaLimits,
    hasher: &mut Hasher,
    dihedral: bool,
) -> Result<ImageHash, ImageHashError> {
    let image = vigie_media::decode_rgb(bytes, limits)?;
    let (width, height) = (image.width, image.height);
    if width < MIN_SIDE || height < MIN_SIDE {
        return Err(ImageHashError::TooSmall { width, height });
    }
    let failed = |e: vigie_pdq::Error| {
        ImageHashError::Decode(DecodeError::Corrupt {
            format: "image",
            reason: e.to_string(),
        })
    };
    // The plain hash is computed on its own even with the dihedral ones: for a 64x64 image the reference skips
    // the blur in its plain hash but not in its dihedral hashes, so the first dihedral hash is not always it.
    let one = hasher
        .hash_rgb(width, height, &image.pixels)
        .map_err(failed)?;
    let dihedral = if dihedral {
        let all = hasher
            .hash_rgb_dihedral(width, height, &image.pixels)
            .map_err(failed)?;
        Some(all.hashes.to_vec())
    } else {
        None
    };
    Ok(ImageHash {
        pdq: one.hash,
        quality: one.quality,
        width,
        height,
        dihedral,
    })
}
