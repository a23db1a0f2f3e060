//! Finding the inputs under the paths given to a scan, and telling their formats apart.
//!
//! Detection reads at most the first few kilobytes of a file. Folders are walked in name order without
//! following symbolic links; a folder holding a Telegram `result.json` is one Telegram export, whose media
//! files belong to it and are not loose media.

use crate::error::{IngestError, Stop};
use std::io::Read;
use std::path::{Path, PathBuf};
use vigie_model::{Format, MediaSource, Position, QuarantinedRecord, Record};

/// One input to read with one adapter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Input {
    /// The format.
    pub format: Format,
    /// The file to read (for loose media, the folder or file they were found under).
    pub path: PathBuf,
    /// The folder that relative media paths inside the input resolve against; nothing outside it is read.
    pub root: PathBuf,
    /// The path as shown to the user and stored as provenance.
    pub display: String,
    /// For X inputs: one response per line (JSONL) rather than one per file.
    pub lines: bool,
    /// For loose media: the files, in order.
    pub files: Vec<PathBuf>,
}

/// A path that was passed over, with the reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    /// The path.
    pub path: PathBuf,
    /// Why.
    pub reason: String,
}

/// What a set of paths holds.
#[derive(Debug, Default)]
pub struct Discovery {
    /// The inputs, in a stable order.
    pub inputs: Vec<Input>,
    /// Files that are no known format, and symbolic links that were not followed.
    pub skipped: Vec<Skipped>,
}

const SNIFF_BYTES: usize = 8 * 1024;

fn head(path: &Path, n: usize) -> Result<Vec<u8>, IngestError> {
    let file = std::fs::File::open(path).map_err(|e| IngestError::io(path, e))?;
    let mut buf = Vec::with_capacity(n);
    file.take(n as u64)
        .read_to_end(&mut buf)
        .map_err(|e| IngestError::io(path, e))?;
    Ok(buf)
}

fn display(path: &Path) -> String {
    path.display().to_string()
}

/// Finds the inputs under `paths`. A path that does not exist or cannot be read is an error; inside folders,
/// unknown files and symbolic links are listed as skipped.
pub fn discover(paths: &[PathBuf]) -> Result<Discovery, IngestError> {
    let mut found = Discovery::default();
    for path in paths {
        let meta = std::fs::metadata(path).map_err(|e| IngestError::io(path, e))?;
        if meta.is_dir() {
            let mut media = Vec::new();
            walk(path, &mut found, &mut media)?;
            if !media.is_empty() {
                found.inputs.push(media_input(path, media));
            }
        } else {
            match classify_file(path)? {
                Some(Classified::Input(input)) => found.inputs.push(input),
                Some(Classified::Media) => {
                    let root = path.parent().map(Path::to_path_buf).unwrap_or_default();
                    let mut input = media_input(path, vec![path.clone()]);
                    input.root = root;
                    found.inputs.push(input);
                }
                None => return Err(IngestError::Unrecognized { path: path.clone() }),
            }
        }
    }
    Ok(found)
}

fn media_input(path: &Path, files: Vec<PathBuf>) -> Input {
    Input {
        format: Format::Media,
        path: path.to_path_buf(),
        root: path.to_path_buf(),
        display: display(path),
        lines: false,
        files,
    }
}

fn walk(dir: &Path, found: &mut Discovery, media: &mut Vec<PathBuf>) -> Result<(), IngestError> {
    let result = dir.join("result.json");
    if std::fs::symlink_metadata(&result).is_ok_and(|m| m.is_file())
        && looks_like_telegram(&head(&result, SNIFF_BYTES)?)
    {
        found.inputs.push(telegram_input(&result));
        return Ok(());
    }
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .map_err(|e| IngestError::io(dir, e))?
        .collect::<Result<_, _>>()
        .map_err(|e| IngestError::io(dir, e))?;
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let path = entry.path();
        let kind = entry.file_type().map_err(|e| IngestError::io(&path, e))?;
        if kind.is_symlink() {
            found.skipped.push(Skipped {
                path,
                reason: "symbolic link, not followed".to_owned(),
            });
        } else if kind.is_dir() {
            walk(&path, found, media)?;
        } else if kind.is_file() {
            match classify_file(&path)? {
                Some(Classified::Input(input)) => found.inputs.push(input),
                Some(Classified::Media) => media.push(path),
                None => found.skipped.push(Skipped {
                    path,
                    reason: "not a known format".to_owned(),
                }),
            }
        }
    }
    Ok(())
}

enum Classified {
    Input(Input),
    Media,
}

fn telegram_input(path: &Path) -> Input {
    Input {
        format: Format::Telegram,
        path: path.to_path_buf(),
        root: path.parent().map(Path::to_path_buf).unwrap_or_default(),
        display: display(path),
        lines: false,
        files: Vec::new(),
    }
}

fn classify_file(path: &Path) -> Result<Option<Classified>, IngestError> {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    let head = head(path, SNIFF_BYTES)?;
    let input = |format, lines| {
        Some(Classified::Input(Input {
            format,
            path: path.to_path_buf(),
            root: path.parent().map(Path::to_path_buf).unwrap_or_default(),
            display: display(path),
            lines,
            files: Vec::new(),
        }))
    };
    Ok(match ext.as_str() {
        "json" if looks_like_telegram(&head) => Some(Classified::Input(telegram_input(path))),
        "json" if looks_like_x(&head) => input(Format::XV2, false),
        "jsonl" | "ndjson" | "jsonlines" => {
            let first = head
                .split(|&b| b == b'\n')
                .find(|l| !l.iter().all(u8::is_ascii_whitespace))
                .unwrap_or(&[]);
            if looks_like_x(first) {
                input(Format::XV2, true)
            } else {
                input(Format::Jsonl, false)
            }
        }
        "csv" => input(Format::Csv, false),
        _ if vigie_media::is_media(&head) => Some(Classified::Media),
        _ => None,
    })
}

/// Top-level keys that only a Telegram export has.
fn looks_like_telegram(head: &[u8]) -> bool {
    let text = String::from_utf8_lossy(head);
    let first = text.trim_start();
    first.starts_with('{')
        && (text.contains("\"messages\"")
            || text.contains("\"chats\"")
            || text.contains("\"personal_information\""))
        && !text.contains("\"includes\"")
}

/// An object with `data` whose items have `id` and `text`, or with `includes`: an X API v2 response.
fn looks_like_x(head: &[u8]) -> bool {
    let text = String::from_utf8_lossy(head);
    text.trim_start().starts_with('{')
        && ((text.contains("\"data\"")
            && (text.contains("\"text\"") || text.contains("\"author_id\"")))
            || text.contains("\"includes\""))
}

/// Reads loose media: one record per file.
pub(crate) fn read_media(
    input: &Input,
    sink: &mut dyn FnMut(Record) -> Result<(), Stop>,
) -> Result<(), IngestError> {
    for file in &input.files {
        match std::fs::symlink_metadata(file) {
            Ok(m) if m.is_file() => {
                sink(Record::Media(MediaSource {
                    file: file.clone(),
                    display_path: display(file),
                }))?;
            }
            _ => {
                let reason = "file vanished or became a link during the scan".to_owned();
                sink(Record::Quarantine(QuarantinedRecord::new(
                    display(file),
                    Position::File,
                    reason,
                    b"",
                )))?;
            }
        }
    }
    Ok(())
}
