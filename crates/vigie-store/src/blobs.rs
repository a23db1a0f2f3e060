//! The media folder: bytes stored once each, under their SHA-256 (`ab/cd/abcd...`).

use crate::StoreError;
use std::io::Write;
use std::path::{Path, PathBuf};

/// A content-addressed folder of media bytes.
#[derive(Debug, Clone)]
pub struct Blobs {
    dir: PathBuf,
}

impl Blobs {
    /// Opens (creating) the folder, and removes temporary files left by a killed write.
    pub fn open(dir: &Path) -> Result<Blobs, StoreError> {
        let err = |source| StoreError::Blobs {
            path: dir.to_owned(),
            source,
        };
        std::fs::create_dir_all(dir.join("tmp")).map_err(err)?;
        for entry in std::fs::read_dir(dir.join("tmp")).map_err(err)?.flatten() {
            let _ = std::fs::remove_file(entry.path());
        }
        Ok(Blobs {
            dir: dir.to_owned(),
        })
    }

    /// The folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Where the bytes with this SHA-256 live. The digest is not checked here: pass one computed by Vigie or
    /// read back from the store, never one taken from input.
    pub fn path_of(&self, sha256: &str) -> PathBuf {
        let (a, b) = (
            sha256.get(0..2).unwrap_or("xx"),
            sha256.get(2..4).unwrap_or("xx"),
        );
        self.dir.join(a).join(b).join(sha256)
    }

    /// Stores bytes under their SHA-256 (computed by the caller) unless already there. The write goes to a
    /// temporary file renamed into place, so a killed write never leaves a partial file under a digest.
    /// Returns whether the bytes were new.
    pub fn put(&self, sha256: &str, bytes: &[u8]) -> Result<bool, StoreError> {
        check_digest(sha256)?;
        if self.path_of(sha256).exists() {
            return Ok(false);
        }
        let mut writer = self.writer()?;
        writer
            .write_all(bytes)
            .map_err(|source| StoreError::Blobs {
                path: self.dir.join("tmp"),
                source,
            })?;
        self.commit(writer, sha256)
    }

    /// A temporary file in the media folder to stream bytes into; [`Blobs::commit`] files it under its
    /// digest. Dropped without a commit, it is removed.
    pub fn writer(&self) -> Result<BlobWriter, StoreError> {
        let file = tempfile::NamedTempFile::new_in(self.dir.join("tmp")).map_err(|source| {
            StoreError::Blobs {
                path: self.dir.join("tmp"),
                source,
            }
        })?;
        Ok(BlobWriter { file })
    }

    /// Files streamed bytes under their SHA-256 (computed by the caller while writing), unless the same
    /// bytes are already stored. Returns whether they were new.
    pub fn commit(&self, writer: BlobWriter, sha256: &str) -> Result<bool, StoreError> {
        check_digest(sha256)?;
        let path = self.path_of(sha256);
        if path.exists() {
            return Ok(false);
        }
        let parent = path.parent().unwrap_or(&self.dir);
        std::fs::create_dir_all(parent).map_err(|source| StoreError::Blobs {
            path: parent.to_owned(),
            source,
        })?;
        writer.file.persist(&path).map_err(|e| StoreError::Blobs {
            path: path.clone(),
            source: e.error,
        })?;
        Ok(true)
    }
}

/// Refuses anything but 64 hex digits: a digest becomes a path, so it must never hold `/` or `..`.
fn check_digest(sha256: &str) -> Result<(), StoreError> {
    if sha256.len() != 64 || !sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(StoreError::Corrupt(format!("not a SHA-256: {sha256:?}")));
    }
    Ok(())
}

/// Bytes being streamed into the media folder (see [`Blobs::writer`]).
pub struct BlobWriter {
    file: tempfile::NamedTempFile,
}

impl Write for BlobWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.file.write(buf)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.file.flush()
    }
}
