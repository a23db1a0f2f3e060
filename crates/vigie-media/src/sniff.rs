//! What a file is, from its bytes: MIME type by magic numbers and image dimensions from the header.
//!
//! Headers only: nothing here decodes pixels, so a hostile file costs at most a header parse.

/// The type and size of a medium, as far as its bytes tell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageInfo {
    /// The MIME type, `application/octet-stream` when unknown.
    pub mime: String,
    /// Width, for images whose header parsed.
    pub width: Option<u32>,
    /// Height.
    pub height: Option<u32>,
}

/// Sniffs the MIME type and, for images, reads the dimensions from the header.
pub fn describe(bytes: &[u8]) -> ImageInfo {
    let mime = infer::get(bytes)
        .map(|t| t.mime_type())
        .unwrap_or("application/octet-stream")
        .to_owned();
    let (width, height) = if mime.starts_with("image/") {
        match imagesize::blob_size(bytes) {
            Ok(s) => (u32::try_from(s.width).ok(), u32::try_from(s.height).ok()),
            Err(_) => (None, None),
        }
    } else {
        (None, None)
    };
    ImageInfo {
        mime,
        width,
        height,
    }
}

/// Whether the first bytes of a file are an image or video Vigie stores as media (used to pick files out of
/// a folder). Needs at most the first 64 bytes.
pub fn is_media(head: &[u8]) -> bool {
    infer::get(head).is_some_and(|t| {
        matches!(
            t.matcher_type(),
            infer::MatcherType::Image | infer::MatcherType::Video
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn png_header() {
        // A 3x2 PNG header (signature + IHDR), enough for sniffing and dimensions.
        let mut png = vec![0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13];
        png.extend_from_slice(b"IHDR");
        png.extend_from_slice(&3u32.to_be_bytes());
        png.extend_from_slice(&2u32.to_be_bytes());
        png.extend_from_slice(&[8, 2, 0, 0, 0, 0, 0, 0, 0]);
        let info = describe(&png);
        assert_eq!(info.mime, "image/png");
        assert_eq!((info.width, info.height), (Some(3), Some(2)));
        assert!(is_media(&png));
        assert!(!is_media(b"{\"data\": []}"));
        assert_eq!(describe(b"hello").mime, "application/octet-stream");
    }
}
