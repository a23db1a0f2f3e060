//! Limits on what is read, and the one way media bytes are read from disk.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

/// Budgets for reading media. Every read goes through [`read_capped`] or [`crate::copy_and_describe`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MediaLimits {
    /// The largest file read, in bytes. Default 256 MiB.
    pub max_file_bytes: u64,
    /// The most pixels an image may have to be decoded (width times height, from its header, checked before
    /// any pixel memory is allocated). Default 64 Mi pixels: 192 MiB of RGB.
    pub max_pixels: u64,
    /// The most memory one decode may take: the decoder's own buffer (16-bit RGBA takes 8 bytes a pixel) plus
    /// the 8-bit RGB copy, checked from the header before decoding. Default 512 MiB.
    pub max_decoded_bytes: u64,
    /// The most memory all decodes running at once may take together, across threads (`vigie hash` decodes
    /// on every core): a decode waits until its share is free. Default 1 GiB; never less than
    /// `max_decoded_bytes` in effect, so one decode within its own limit always runs.
    pub max_decoding_bytes: u64,
}

impl Default for MediaLimits {
    fn default() -> Self {
        MediaLimits {
            max_file_bytes: 256 * 1024 * 1024,
            max_pixels: 64 * 1024 * 1024,
            max_decoded_bytes: 512 * 1024 * 1024,
            max_decoding_bytes: 1024 * 1024 * 1024,
        }
    }
}

/// The memory taken by decodes in progress in this process, shared by every thread.
static DECODING: std::sync::Mutex<u64> = std::sync::Mutex::new(0);
static FREED: std::sync::Condvar = std::sync::Condvar::new();

/// A share of the decoding budget, given back when dropped.
pub(crate) struct DecodeShare(u64);

impl DecodeShare {
    /// Waits until `bytes` fit beside the decodes in progress (within `limits.max_decoding_bytes`, or alone
    /// when they are more), then takes them.
    pub(crate) fn take(bytes: u64, limits: &MediaLimits) -> DecodeShare {
        let cap = limits.max_decoding_bytes.max(limits.max_decoded_bytes);
        let mut used = DECODING
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        while *used > 0 && used.saturating_add(bytes) > cap {
            used = FREED
                .wait(used)
                .unwrap_or_else(std::sync::PoisonError::into_inner);
        }
        *used = used.saturating_add(bytes);
        DecodeShare(bytes)
    }
}

impl Drop for DecodeShare {
    fn drop(&mut self) {
        let mut used = DECODING
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        *used = used.saturating_sub(self.0);
        FREED.notify_all();
    }
}

/// Why a medium could not be read.
#[derive(Debug, thiserror::Error)]
pub enum MediaError {
    /// The file could not be opened or read.
    #[error("cannot read media file {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The file is larger than the limit.
    #[error("media file {path} is larger than the {limit}-byte limit")]
    TooLarge {
        /// The file.
        path: PathBuf,
        /// The limit in force.
        limit: u64,
    },
    /// The file is empty.
    #[error("media file {path} is empty")]
    Empty {
        /// The file.
        path: PathBuf,
    },
}

/// Reads a whole file, refusing files over `limits.max_file_bytes` (checked both from the metadata and while
/// reading, so a file that grows meanwhile is still cut off) and empty files.
pub fn read_capped(path: &Path, limits: &MediaLimits) -> Result<Vec<u8>, MediaError> {
    let io = |source| MediaError::Io {
        path: path.to_owned(),
        source,
    };
    let file = File::open(path).map_err(io)?;
    let len = file.metadata().map_err(io)?.len();
    if len > limits.max_file_bytes {
        return Err(MediaError::TooLarge {
            path: path.to_owned(),
            limit: limits.max_file_bytes,
        });
    }
    let mut bytes = Vec::with_capacity(len as usize);
    file.take(limits.max_file_bytes + 1)
        .read_to_end(&mut bytes)
        .map_err(io)?;
    if bytes.len() as u64 > limits.max_file_bytes {
        return Err(MediaError::TooLarge {
            path: path.to_owned(),
            limit: limits.max_file_bytes,
        });
    }
    if bytes.is_empty() {
        return Err(MediaError::Empty {
            path: path.to_owned(),
        });
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caps_and_empties() {
        let dir = std::env::temp_dir().join(format!("vigie-media-limits-{}", std::process::id()));
        std::fs::create_dir_all(&dir).ok();
        let big = dir.join("big.bin");
        let empty = dir.join("empty.bin");
        std::fs::write(&big, vec![7u8; 100]).ok();
        std::fs::write(&empty, b"").ok();
        let limits = MediaLimits {
            max_file_bytes: 99,
            ..MediaLimits::default()
        };
        assert!(matches!(
            read_capped(&big, &limits),
            Err(MediaError::TooLarge { .. })
        ));
        assert!(matches!(
            read_capped(&empty, &limits),
            Err(MediaError::Empty { .. })
        ));
        assert_eq!(
            read_capped(&big, &MediaLimits::default())
                .map(|b| b.len())
                .ok(),
            Some(100)
        );
        std::fs::remove_dir_all(&dir).ok();
    }
}
