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

    /// Where the bytes with this SHA-256 live.
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
        if sha256.len() != 64 || !sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(StoreError::Corrupt(format!("not a SHA-256: {sha256:?}")));
        }
        let path = self.path_of(sha256);
        if path.exists() {
            return Ok(false);
        }
        let err = |p: &Path| {
            let p = p.to_owned();
            move |source| StoreError::Blobs { path: p, source }
        };
        let parent = path.parent().unwrap_or(&self.dir);
        std::fs::create_dir_all(parent).map_err(err(parent))?;
        let mut tmp =
            tempfile::NamedTempFile::new_in(self.dir.join("tmp")).map_err(err(&self.dir))?;
        tmp.write_all(bytes).map_err(err(tmp.path()))?;
        tmp.persist(&path).map_err(|e| StoreError::Blobs {
            path: path.clone(),
            source: e.error,
        })?;
        Ok(true)
    }
}
