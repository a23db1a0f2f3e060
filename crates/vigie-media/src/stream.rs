//! Streaming a media file: its digests, type and dimensions computed while its bytes are copied to a
//! writer, in fixed-size chunks, so a large video costs the same memory as a small image.

use crate::{Digests, ImageInfo, MediaError, MediaLimits, describe};
use md5::Md5;
use sha2::{Digest, Sha256};
use std::fs::File;
use std::io::{Read, Write};
use std::path::Path;

/// What is known of a medium after one pass over its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaFacts {
    /// Exact digests.
    pub digests: Digests,
    /// Type and dimensions, read from the first [`HEAD_BYTES`] bytes.
    pub info: ImageInfo,
    /// Size in bytes.
    pub byte_size: u64,
}

/// How much of the start of a file is kept to sniff its type and read image dimensions (a JPEG's frame
/// header can follow a large EXIF block).
pub const HEAD_BYTES: usize = 256 * 1024;

const CHUNK: usize = 64 * 1024;

/// Reads `path` once, in chunks, writing every byte to `out` and computing SHA-256, MD5, type and
/// dimensions. Refuses files over `limits.max_file_bytes` (checked before and while reading) and empty files.
/// Memory: one chunk plus [`HEAD_BYTES`].
pub fn copy_and_describe(
    path: &Path,
    limits: &MediaLimits,
    out: &mut dyn Write,
) -> Result<MediaFacts, MediaError> {
    let io = |source| MediaError::Io {
        path: path.to_owned(),
        source,
    };
    let mut file = File::open(path).map_err(io)?;
    if file.metadata().map_err(io)?.len() > limits.max_file_bytes {
        return Err(MediaError::TooLarge {
            path: path.to_owned(),
            limit: limits.max_file_bytes,
        });
    }
    let (mut sha, mut md5) = (Sha256::new(), Md5::new());
    let mut head = Vec::new();
    let mut total = 0u64;
    let mut buf = vec![0u8; CHUNK];
    loop {
        let n = match file.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(io(e)),
        };
        total += n as u64;
        if total > limits.max_file_bytes {
            return Err(MediaError::TooLarge {
                path: path.to_owned(),
                limit: limits.max_file_bytes,
            });
        }
        let chunk = &buf[..n];
        sha.update(chunk);
        md5.update(chunk);
        if head.len() < HEAD_BYTES {
            let take = (HEAD_BYTES - head.len()).min(n);
            head.extend_from_slice(&chunk[..take]);
        }
        out.write_all(chunk).map_err(io)?;
    }
    if total == 0 {
        return Err(MediaError::Empty {
            path: path.to_owned(),
        });
    }
    Ok(MediaFacts {
        digests: Digests {
            sha256: hex::encode(sha.finalize()),
            md5: hex::encode(md5.finalize()),
        },
        info: describe(&head),
        byte_size: total,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::digests;

    #[test]
    fn streaming_agrees_with_whole_file_digests() {
        let dir = std::env::temp_dir().join(format!("vigie-media-stream-{}", std::process::id()));
        std::fs::create_dir_all(&dir).ok();
        let path = dir.join("big.bin");
        let bytes: Vec<u8> = (0..1_000_003u32)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
            .collect();
        std::fs::write(&path, &bytes).ok();
        let mut copy = Vec::new();
        let facts = copy_and_describe(&path, &MediaLimits::default(), &mut copy)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(facts.digests, digests(&bytes));
        assert_eq!(facts.byte_size, bytes.len() as u64);
        assert_eq!(copy, bytes);
        let small = MediaLimits {
            max_file_bytes: 1000,
            ..MediaLimits::default()
        };
        assert!(matches!(
            copy_and_describe(&path, &small, &mut Vec::new()),
            Err(MediaError::TooLarge { .. })
        ));
        std::fs::remove_dir_all(&dir).ok();
    }
}
