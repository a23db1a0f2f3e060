//! Resolving media paths written inside exports, without ever leaving the export folder.

use std::path::{Component, Path, PathBuf};

/// Why a path inside an export was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PathError {
    /// Absolute paths name files outside the export.
    #[error("path {0:?} is absolute; only paths inside the export folder are read")]
    Absolute(String),
    /// `..` climbs out of the export.
    #[error("path {0:?} leaves the export folder (`..`); not read")]
    ParentDir(String),
    /// A symbolic link could point anywhere.
    #[error("path {0:?} passes through a symbolic link; not followed")]
    Symlink(String),
    /// The file is not there.
    #[error("media file {0:?} is missing from the export")]
    Missing(String),
    /// The path names a folder or a device, not a file.
    #[error("path {0:?} is not a regular file")]
    NotAFile(String),
    /// The path is empty.
    #[error("empty media path")]
    Empty,
}

/// Joins a relative path written in an export onto the export's root folder, refusing absolute paths,
/// `..` components, symbolic links anywhere below the root, and anything but an existing regular file.
///
/// Backslashes are taken as separators (exports written on Windows). Cost: one `lstat` per component.
pub fn safe_join(root: &Path, written: &str) -> Result<PathBuf, PathError> {
    let normalized = written.replace('\\', "/");
    if normalized.trim().is_empty() {
        return Err(PathError::Empty);
    }
    let rel = Path::new(&normalized);
    let drive_letter = normalized.len() >= 2 && normalized.as_bytes()[1] == b':';
    if rel.is_absolute() || normalized.starts_with('/') || drive_letter {
        return Err(PathError::Absolute(written.to_owned()));
    }
    let mut path = root.to_path_buf();
    for component in rel.components() {
        match component {
            Component::Normal(part) => {
                path.push(part);
                let meta = match std::fs::symlink_metadata(&path) {
                    Ok(m) => m,
                    Err(_) => return Err(PathError::Missing(written.to_owned())),
                };
                if meta.file_type().is_symlink() {
                    return Err(PathError::Symlink(written.to_owned()));
                }
            }
            Component::CurDir => {}
            Component::ParentDir => return Err(PathError::ParentDir(written.to_owned())),
            Component::RootDir | Component::Prefix(_) => {
                return Err(PathError::Absolute(written.to_owned()));
            }
        }
    }
    match std::fs::symlink_metadata(&path) {
        Ok(m) if m.is_file() => Ok(path),
        Ok(_) => Err(PathError::NotAFile(written.to_owned())),
        Err(_) => Err(PathError::Missing(written.to_owned())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_every_escape() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
        let root = dir.path().join("export");
        std::fs::create_dir_all(root.join("photos")).ok();
        std::fs::write(root.join("photos/a.jpg"), b"x").ok();
        std::fs::write(dir.path().join("outside.jpg"), b"secret").ok();
        #[cfg(unix)]
        std::os::unix::fs::symlink(dir.path().join("outside.jpg"), root.join("photos/link.jpg"))
            .ok();
        #[cfg(unix)]
        std::os::unix::fs::symlink(dir.path(), root.join("up")).ok();

        assert_eq!(
            safe_join(&root, "photos/a.jpg").ok(),
            Some(root.join("photos/a.jpg"))
        );
        assert_eq!(
            safe_join(&root, "./photos\\a.jpg").ok(),
            Some(root.join("photos/a.jpg"))
        );
        assert!(matches!(
            safe_join(&root, "../outside.jpg"),
            Err(PathError::ParentDir(_))
        ));
        assert!(matches!(
            safe_join(&root, "photos/../../outside.jpg"),
            Err(PathError::ParentDir(_))
        ));
        assert!(matches!(
            safe_join(&root, "/etc/hostname"),
            Err(PathError::Absolute(_))
        ));
        assert!(matches!(
            safe_join(&root, "C:\\x.jpg"),
            Err(PathError::Absolute(_))
        ));
        assert!(matches!(
            safe_join(&root, "photos/missing.jpg"),
            Err(PathError::Missing(_))
        ));
        assert!(matches!(
            safe_join(&root, "photos"),
            Err(PathError::NotAFile(_))
        ));
        assert!(matches!(safe_join(&root, ""), Err(PathError::Empty)));
        #[cfg(unix)]
        {
            assert!(matches!(
                safe_join(&root, "photos/link.jpg"),
                Err(PathError::Symlink(_))
            ));
            assert!(matches!(
                safe_join(&root, "up/outside.jpg"),
                Err(PathError::Symlink(_))
            ));
        }
    }
}
