//! The corpus folder being written: creates parent folders, records every file and its size, and keeps
//! the bytes of image files so that the summary can count distinct images by content.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::error::SampleError;

/// Where an image file sits in the corpus.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ImageRole {
    /// Named by a post (a Telegram photo, a generic media file).
    Attached,
    /// A loose file under `media/`, with no post.
    Loose,
}

#[derive(Debug)]
struct ImageFile {
    path: String,
    role: ImageRole,
    content: usize,
}

/// The output folder and what has been written into it.
#[derive(Debug)]
pub(crate) struct Output {
    root: PathBuf,
    files: Vec<String>,
    bytes: u64,
    images: Vec<ImageFile>,
    contents: HashMap<Vec<u8>, usize>,
}

impl Output {
    pub(crate) fn new(root: &Path) -> Self {
        Self {
            root: root.to_path_buf(),
            files: Vec::new(),
            bytes: 0,
            images: Vec::new(),
            contents: HashMap::new(),
        }
    }

    /// Writes `data` to `rel` (a `/`-separated path under the root), creating folders as needed.
    pub(crate) fn write(&mut self, rel: &str, data: &[u8]) -> Result<(), SampleError> {
        let path = rel
            .split('/')
            .fold(self.root.clone(), |path, part| path.join(part));
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|source| SampleError::Io {
                path: parent.to_path_buf(),
                source,
            })?;
        }
        std::fs::write(&path, data).map_err(|source| SampleError::Io { path, source })?;
        self.files.push(rel.to_owned());
        self.bytes += data.len() as u64;
        Ok(())
    }

    /// Writes an image file and remembers its bytes.
    pub(crate) fn write_image(
        &mut self,
        rel: &str,
        data: &[u8],
        role: ImageRole,
    ) -> Result<(), SampleError> {
        self.write(rel, data)?;
        let next = self.contents.len();
        let content = *self.contents.entry(data.to_vec()).or_insert(next);
        self.images.push(ImageFile {
            path: rel.to_owned(),
            role,
            content,
        });
        Ok(())
    }

    /// Every file written, sorted.
    pub(crate) fn files(&self) -> Vec<String> {
        let mut files = self.files.clone();
        files.sort();
        files
    }

    pub(crate) fn total_bytes(&self) -> u64 {
        self.bytes
    }

    /// The number of image files written.
    pub(crate) fn image_files(&self) -> usize {
        self.images.len()
    }

    /// The number of distinct image contents written.
    pub(crate) fn distinct_images(&self) -> usize {
        self.contents.len()
    }

    /// `(png, jpeg)` file counts, by the files' leading bytes.
    pub(crate) fn formats(&self) -> (usize, usize) {
        let mut counts = (0, 0);
        for (bytes, &content) in &self.contents {
            let files = self.images.iter().filter(|f| f.content == content).count();
            if bytes.starts_with(b"\x89PNG") {
                counts.0 += files;
            } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
                counts.1 += files;
            }
        }
        counts
    }

    /// `(loose files, loose files whose content is also attached to a post)`.
    pub(crate) fn loose(&self) -> (usize, usize) {
        let attached: std::collections::HashSet<usize> = self
            .images
            .iter()
            .filter(|f| f.role == ImageRole::Attached)
            .map(|f| f.content)
            .collect();
        let loose = self.images.iter().filter(|f| f.role == ImageRole::Loose);
        let total = loose.clone().count();
        let shared = loose.filter(|f| attached.contains(&f.content)).count();
        (total, shared)
    }

    /// Paths of image files whose extension does not match their content.
    pub(crate) fn mislabeled(&self) -> Vec<String> {
        let by_content: HashMap<usize, &Vec<u8>> =
            self.contents.iter().map(|(b, &c)| (c, b)).collect();
        self.images
            .iter()
            .filter(|f| {
                let Some(bytes) = by_content.get(&f.content) else {
                    return false;
                };
                let png = bytes.starts_with(b"\x89PNG");
                let named_png = f.path.ends_with(".png");
                png != named_png
            })
            .map(|f| f.path.clone())
            .collect()
    }
}
