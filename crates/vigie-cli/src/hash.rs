//! `vigie hash`: MD5, SHA-256, PDQ (images) and vPDQ (videos) of files and folders, on every core, in input
//! order.

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;
use std::collections::BTreeMap;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use vigie_engine::{FileHashes, ImageHash, VideoHash};
use vigie_media::MediaLimits;
use vigie_pdq::Hash256;

/// How `vigie hash` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum HashOutput {
    /// CSV with a header: path, pdq, quality, md5, sha256 (and dihedral).
    Csv,
    /// One JSON object per line (a video's frames under `vpdq`).
    Jsonl,
    /// One video's frame hashes in the vPDQ reference's layout: `frame,quality,hash,seconds` per line.
    Vpdq,
}

/// What to hash and how.
pub struct HashOptions {
    /// Output layout.
    pub output: HashOutput,
    /// Also print the eight dihedral hashes.
    pub dihedral: bool,
    /// Worker threads.
    pub threads: usize,
    /// File size and pixel limits.
    pub limits: MediaLimits,
    /// How videos are hashed, and their limits.
    pub video: vigie_video::VideoOptions,
}

/// The files named, folders walked in name order. A path that does not exist is an error.
fn files_of(paths: &[PathBuf]) -> anyhow::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for path in paths {
        let meta =
            std::fs::metadata(path).with_context(|| format!("cannot read {}", path.display()))?;
        if meta.is_dir() {
            for entry in walkdir::WalkDir::new(path).sort_by_file_name() {
                let entry = entry.with_context(|| format!("cannot walk {}", path.display()))?;
                if entry.file_type().is_file() {
                    files.push(entry.into_path());
                }
            }
        } else {
            files.push(path.clone());
        }
    }
    Ok(files)
}

#[derive(Serialize)]
struct Line<'a> {
    path: String,
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    image: Option<&'a ImageHash>,
    #[serde(skip_serializing_if = "Option::is_none")]
    vpdq: Option<&'a VideoHash>,
    #[serde(skip_serializing_if = "Option::is_none")]
    md5: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    sha256: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

/// One file's outcome: its hashes (if it could be read) and the error to report, if any.
type Outcome = (Option<FileHashes>, Option<String>);

fn hash_one(path: &std::path::Path, opts: &HashOptions, hasher: &mut vigie_pdq::Hasher) -> Outcome {
    match vigie_engine::hash_file_with(path, &opts.limits, &opts.video, hasher, opts.dihedral) {
        Err(e) => (None, Some(e.to_string())),
        Ok(h) => {
            let error = match (&h.image, &h.video) {
                (Some(Err(e)), _) => Some(e.to_string()),
                (_, Some(Err(e))) => Some(format!("video: {e}")),
                _ => None,
            };
            (Some(h), error)
        }
    }
}

/// The exit status when every file was read but some could not be hashed (1 is a fatal error, 2 a usage
/// error).
pub const SOME_FILES_FAILED: u8 = 3;

/// Hashes every file and prints one line each, in input order. Exit status 0 when every file was hashed,
/// [`SOME_FILES_FAILED`] when some could not be (each named on stderr with the reason).
pub fn run(paths: &[PathBuf], opts: &HashOptions) -> anyhow::Result<ExitCode> {
    let files = files_of(paths)?;
    if opts.output == HashOutput::Vpdq {
        return vpdq(&files, opts);
    }
    if !vigie_media::JPEG_SIMD && cfg!(any(target_arch = "x86_64", target_arch = "x86")) {
        eprintln!(
            "note: this vigie was built without libjpeg-turbo's SIMD code (nasm was not installed), so JPEG \
             decoding is about 3x slower; scripts/install-deps installs nasm and rebuilds the decoder"
        );
    }
    let bar = std::io::stderr().is_terminal().then(|| {
        let bar = ProgressBar::new(files.len() as u64);
        bar.set_style(
            ProgressStyle::with_template("{bar:40} {pos}/{len} files ({per_sec}, {eta} left)")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        bar
    });
    let next = AtomicUsize::new(0);
    let (send, receive) = std::sync::mpsc::channel::<(usize, Outcome)>();
    let mut failures = 0usize;
    std::thread::scope(|scope| -> anyhow::Result<()> {
        for _ in 0..opts.threads.max(1).min(files.len().max(1)) {
            let send = send.clone();
            let (files, next) = (&files, &next);
            scope.spawn(move || {
                let mut hasher = vigie_pdq::Hasher::new();
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(path) = files.get(i) else { break };
                    if send.send((i, hash_one(path, opts, &mut hasher))).is_err() {
                        break;
                    }
                }
            });
        }
        drop(send);
        let stdout = std::io::stdout();
        let mut out = std::io::BufWriter::new(stdout.lock());
        let mut csv = (opts.output == HashOutput::Csv).then(|| {
            csv::WriterBuilder::new()
                .has_headers(false)
                .from_writer(std::io::stdout())
        });
        if let Some(w) = csv.as_mut() {
            let mut header = vec!["path", "pdq", "quality", "md5", "sha256"];
            if opts.dihedral {
                header.push("dihedral");
            }
            w.write_record(&header)?;
        }
        // Results arrive in any order; print them in the order of the files.
        let mut waiting: BTreeMap<usize, Outcome> = BTreeMap::new();
        let mut printed = 0usize;
        for (i, outcome) in receive {
            waiting.insert(i, outcome);
            while let Some((hashes, error)) = waiting.remove(&printed) {
                let path = files[printed].display().to_string();
                if let Some(bar) = &bar {
                    bar.inc(1);
                }
                if let Some(reason) = &error {
                    failures += 1;
                    let line = format!("vigie: {path}: {reason}");
                    match &bar {
                        Some(bar) => bar.println(line),
                        None => eprintln!("{line}"),
                    }
                }
                let image = hashes
                    .as_ref()
                    .and_then(|h| h.image.as_ref()?.as_ref().ok());
                match csv.as_mut() {
                    Some(w) => {
                        if let Some(h) = &hashes {
                            let quality = image.map(|i| i.quality.to_string()).unwrap_or_default();
                            let mut record = vec![
                                path.clone(),
                                image.map(|i| i.pdq.to_hex()).unwrap_or_default(),
                                quality,
                                h.md5.clone(),
                                h.sha256.clone(),
                            ];
                            if opts.dihedral {
                                record.push(
                                    image
                                        .and_then(|i| i.dihedral.as_ref())
                                        .map(|d| {
                                            d.iter()
                                                .map(Hash256::to_hex)
                                                .collect::<Vec<_>>()
                                                .join(" ")
                                        })
                                        .unwrap_or_default(),
                                );
                            }
                            w.write_record(&record)?;
                        }
                    }
                    None => {
                        let line = Line {
                            path,
                            image,
                            vpdq: hashes
                                .as_ref()
                                .and_then(|h| h.video.as_ref()?.as_ref().ok()),
                            md5: hashes.as_ref().map(|h| h.md5.as_str()),
                            sha256: hashes.as_ref().map(|h| h.sha256.as_str()),
                            error,
                        };
                        serde_json::to_writer(&mut out, &line)?;
                        out.write_all(b"\n")?;
                    }
                }
                printed += 1;
            }
        }
        out.flush()?;
        if let Some(w) = csv.as_mut() {
            w.flush()?;
        }
        Ok(())
    })?;
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    Ok(if failures == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(SOME_FILES_FAILED)
    })
}

/// `--output vpdq`: one video's frames in the reference's layout, nothing else on standard output.
fn vpdq(files: &[PathBuf], opts: &HashOptions) -> anyhow::Result<ExitCode> {
    let [file] = files else {
        anyhow::bail!(
            "--output vpdq prints one video's frames ({} files named): name one video, or use --output jsonl for \
             several",
            files.len()
        );
    };
    let hashes = vigie_engine::hash_file_with(
        file,
        &opts.limits,
        &opts.video,
        &mut vigie_pdq::Hasher::new(),
        false,
    )
    .with_context(|| format!("cannot read {}", file.display()))?;
    match hashes.video {
        Some(Ok(video)) => {
            print!("{}", vigie_video::format_vpdq(&video.frames));
            Ok(ExitCode::SUCCESS)
        }
        Some(Err(e)) => {
            eprintln!("vigie: {}: video: {e}", file.display());
            Ok(ExitCode::from(SOME_FILES_FAILED))
        }
        None => {
            eprintln!("vigie: {}: not a video", file.display());
            Ok(ExitCode::from(SOME_FILES_FAILED))
        }
    }
}
