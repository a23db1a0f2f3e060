//! Media: the bytes (content-addressed by SHA-256) and the attachments that point at them.

use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// A stored medium: bytes Vigie holds, identified by their SHA-256.
///
/// The same image reposted by a hundred accounts is one `Media` and a hundred attachments.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Media {
    /// SHA-256 of the bytes, lower-case hex.
    pub sha256: String,
    /// MD5 of the bytes, lower-case hex (hash lists for video use it).
    pub md5: String,
    /// MIME type sniffed from the bytes (`application/octet-stream` when unknown).
    pub mime: String,
    /// Size in bytes.
    pub byte_size: u64,
    /// Width in pixels, for images whose header could be read.
    pub width: Option<u32>,
    /// Height in pixels.
    pub height: Option<u32>,
    /// PDQ perceptual hash of an image (64 hex digits), when it could be decoded and is at least 5 pixels
    /// a side.
    pub pdq: Option<String>,
    /// The PDQ quality, 0..=100: hashes under 50 are not used for matching.
    pub pdq_quality: Option<u8>,
    /// The PDQ hashes of the seven other dihedral variants (rotated by 90, 180 and 270 degrees, flipped
    /// horizontally, vertically, about the main and the anti-diagonal: 7 x 64 hex digits, in that order), so
    /// that a hash list imported later finds a stored image in any of its orientations without decoding it
    /// again. `None` for media stored before schema version 10.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pdq_variants: Option<String>,
}

/// What kind of medium an attachment is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MediaKind {
    /// A still image.
    Photo,
    /// A video.
    Video,
    /// An animated GIF (X's `animated_gif`).
    AnimatedGif,
    /// Any other file (documents, audio, stickers).
    File,
}

impl MediaKind {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            MediaKind::Photo => "photo",
            MediaKind::Video => "video",
            MediaKind::AnimatedGif => "animated_gif",
            MediaKind::File => "file",
        }
    }

    /// Parses the names used by exports (`photo`, `video`, `animated_gif`, `video_file`, ...).
    pub fn parse(name: &str) -> MediaKind {
        match name.trim().to_ascii_lowercase().as_str() {
            "photo" | "image" | "picture" => MediaKind::Photo,
            "video" | "video_file" | "video_message" | "round_video" => MediaKind::Video,
            "animated_gif" | "animation" | "gif" => MediaKind::AnimatedGif,
            _ => MediaKind::File,
        }
    }
}

/// A medium attached to a post, as the platform described it.
///
/// `file` is set by ingest when the export holds the bytes (a validated path inside the export folder);
/// `sha256` is set once the bytes are hashed and stored. An X attachment usually has neither: the API gives
/// an address, not bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attachment {
    /// The kind the platform gave.
    pub kind: MediaKind,
    /// The platform's media key (X `media_key`).
    pub media_key: Option<String>,
    /// The address the platform gave for the bytes.
    pub url: Option<String>,
    /// The path of the bytes in the export, relative to the export root, as written there.
    pub source_path: Option<String>,
    /// Width the platform reported.
    pub width: Option<u32>,
    /// Height the platform reported.
    pub height: Option<u32>,
    /// A validated local path of the bytes, for the engine to read.
    #[serde(skip)]
    pub file: Option<PathBuf>,
    /// The stored bytes' SHA-256, once stored.
    pub sha256: Option<String>,
}

impl Attachment {
    /// An attachment of a kind, with nothing else known.
    pub fn new(kind: MediaKind) -> Self {
        Attachment {
            kind,
            media_key: None,
            url: None,
            source_path: None,
            width: None,
            height: None,
            file: None,
            sha256: None,
        }
    }
}

/// A medium found as a loose file (a folder of media), with no post.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaSource {
    /// The validated path to read.
    pub file: PathBuf,
    /// The path as the user gave it (for provenance and messages).
    pub display_path: String,
}
