//! `scan`: every input under the given paths, into the store.
//!
//! Records are pushed into a [`Batch`] and written one transaction per batch, with idempotent upserts.
//! A scan killed at any moment leaves only whole batches behind, and scanning again converges to the same
//! content as a scan that was never interrupted.

use crate::EngineError;
use serde::Serialize;
use std::path::PathBuf;
use std::time::{Duration, Instant};
use vigie_ingest::{IngestError, IngestOptions, Input, Skipped, Stop};
use vigie_media::MediaLimits;
use vigie_model::{
    Attachment, Format, ImportCounts, ImportStatus, Media, Position, QuarantinedRecord, Record,
};
use vigie_store::{Batch, Store, StoreError, StoredMedia};

/// How a scan reads and writes.
#[derive(Debug, Clone)]
pub struct ScanConfig {
    /// Limits and options for the adapters.
    pub ingest: IngestOptions,
    /// Limits for media files.
    pub media: MediaLimits,
    /// Posts per transaction. Default 5,000: large enough to amortize the commit, small enough to bound
    /// memory (a batch holds at most this many posts plus their accounts).
    pub batch_posts: usize,
    /// How many quarantined records the report quotes. Default 10.
    pub quote_quarantined: usize,
}

impl Default for ScanConfig {
    fn default() -> Self {
        ScanConfig {
            ingest: IngestOptions::default(),
            media: MediaLimits::default(),
            batch_posts: 5_000,
            quote_quarantined: 10,
        }
    }
}

/// Progress callbacks, for a progress bar. Called from the scanning thread.
pub trait Progress {
    /// An input is starting.
    fn input(&self, index: usize, total: usize, input: &Input);
    /// Records were read since the last call.
    fn records(&self, n: u64);
}

/// Progress that shows nothing.
#[derive(Debug, Default, Clone, Copy)]
pub struct SilentProgress;

impl Progress for SilentProgress {
    fn input(&self, _: usize, _: usize, _: &Input) {}
    fn records(&self, _: u64) {}
}

/// What happened to one input.
#[derive(Debug, Clone, Serialize)]
pub struct InputReport {
    /// The path as shown.
    pub path: String,
    /// Its format.
    pub format: Format,
    /// The store's import id.
    pub import_id: i64,
    /// What was read.
    pub counts: ImportCounts,
    /// How it ended.
    pub status: ImportStatus,
    /// Why it failed, when it did.
    pub error: Option<String>,
}

/// What a scan did.
#[derive(Debug, Clone, Serialize)]
pub struct ScanReport {
    /// One entry per input.
    pub inputs: Vec<InputReport>,
    /// Paths passed over.
    pub skipped: Vec<(String, String)>,
    /// The sum over inputs.
    pub totals: ImportCounts,
    /// The first quarantined records, for the summary.
    pub quarantined: Vec<QuarantinedRecord>,
    /// Wall time.
    #[serde(serialize_with = "secs")]
    pub elapsed: Duration,
    /// Of which writing to the store (transactions), to tell reading from writing in benchmarks.
    #[serde(serialize_with = "secs")]
    pub store_time: Duration,
}

fn secs<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64(d.as_secs_f64())
}

impl ScanReport {
    /// Whether some input could not be read at all.
    pub fn has_failures(&self) -> bool {
        self.inputs.iter().any(|i| i.status == ImportStatus::Failed)
    }
}

/// Scans `paths` into `store`.
///
/// Errors only when a given path does not exist or is of no known format (before anything is written), or
/// when the store fails. An input that cannot be read is reported as failed and the scan goes on.
pub fn scan(
    store: &mut dyn Store,
    paths: &[PathBuf],
    config: &ScanConfig,
    progress: &dyn Progress,
) -> Result<ScanReport, EngineError> {
    let started = Instant::now();
    let discovery = vigie_ingest::discover(paths)?;
    let mut report = ScanReport {
        inputs: Vec::new(),
        skipped: discovery
            .skipped
            .iter()
            .map(|Skipped { path, reason }| (path.display().to_string(), reason.clone()))
            .collect(),
        totals: ImportCounts::default(),
        quarantined: Vec::new(),
        elapsed: Duration::ZERO,
        store_time: Duration::ZERO,
    };
    let total = discovery.inputs.len();
    for (index, input) in discovery.inputs.iter().enumerate() {
        progress.input(index, total, input);
        let one = scan_input(
            store,
            input,
            config,
            progress,
            &mut report.quarantined,
            &mut report.store_time,
        )?;
        report.totals.add(&one.counts);
        report.inputs.push(one);
    }
    report.elapsed = started.elapsed();
    Ok(report)
}

/// The state of one input's import while it is read.
struct Importer<'a> {
    store: &'a mut dyn Store,
    config: &'a ScanConfig,
    progress: &'a dyn Progress,
    quoted: &'a mut Vec<QuarantinedRecord>,
    store_time: &'a mut Duration,
    import_id: i64,
    /// Scratch buffers for PDQ, kept from one image to the next.
    hasher: vigie_pdq::Hasher,
    batch: Batch,
    counts: ImportCounts,
    unreported: u64,
    failure: Option<StoreError>,
}

fn scan_input(
    store: &mut dyn Store,
    input: &Input,
    config: &ScanConfig,
    progress: &dyn Progress,
    quoted: &mut Vec<QuarantinedRecord>,
    store_time: &mut Duration,
) -> Result<InputReport, EngineError> {
    let import_id = store.begin_import(&input.display, input.format)?;
    let mut importer = Importer {
        store,
        config,
        progress,
        quoted,
        store_time,
        import_id,
        hasher: vigie_pdq::Hasher::new(),
        batch: Batch::default(),
        counts: ImportCounts::default(),
        unreported: 0,
        failure: None,
    };
    let result = vigie_ingest::read(input, &config.ingest, &mut |record| importer.accept(record));
    if let Some(e) = importer.failure.take() {
        return Err(e.into());
    }
    importer.flush()?;
    progress.records(importer.unreported);
    let (status, error) = match result {
        Ok(()) => (ImportStatus::Complete, None),
        Err(IngestError::Stopped) => (ImportStatus::Failed, Some("stopped".to_owned())),
        Err(e) => (ImportStatus::Failed, Some(e.to_string())),
    };
    let counts = importer.counts;
    store.finish_import(import_id, status, &counts, error.as_deref())?;
    Ok(InputReport {
        path: input.display.clone(),
        format: input.format,
        import_id,
        counts,
        status,
        error,
    })
}

impl Importer<'_> {
    fn accept(&mut self, record: Record) -> Result<(), Stop> {
        self.unreported += 1;
        if self.unreported >= 1024 {
            self.progress.records(self.unreported);
            self.unreported = 0;
        }
        match record {
            Record::Account(a) => {
                self.counts.accounts += 1;
                self.batch.push_account(a);
            }
            Record::Post(mut p) => {
                self.counts.posts += 1;
                if p.attachments.iter().any(|a| a.file.is_some()) {
                    let (file, at) = match &p.source {
                        Some(s) => (s.file.clone(), s.position.to_string()),
                        None => (String::new(), format!("post {}", p.platform_id)),
                    };
                    for (i, att) in p.attachments.iter_mut().enumerate() {
                        if att.file.is_some() {
                            let position = Position::JsonPath(format!("{at}, attachment {i}"));
                            self.store_attachment(att, &file, position);
                        }
                    }
                }
                self.batch.push_post(p);
            }
            Record::Media(m) => {
                let mut att = Attachment::new(vigie_model::MediaKind::File);
                att.file = Some(m.file);
                if let Some(media) = self.store_media(&mut att, &m.display_path, Position::File) {
                    self.batch.media.push(StoredMedia {
                        media,
                        source_path: Some(m.display_path),
                    });
                }
            }
            Record::Quarantine(q) => self.quarantine(q),
        }
        let full = self.batch.posts.len() >= self.config.batch_posts
            || self.batch.len() >= self.config.batch_posts * 4;
        if full && let Err(e) = self.flush() {
            self.failure = Some(e);
            return Err(Stop);
        }
        Ok(())
    }

    fn quarantine(&mut self, q: QuarantinedRecord) {
        self.counts.quarantined += 1;
        if self.quoted.len() < self.config.quote_quarantined {
            self.quoted.push(q.clone());
        }
        self.batch.push_quarantine(q);
    }

    fn store_attachment(&mut self, att: &mut Attachment, file: &str, position: Position) {
        if let Some(media) = self.store_media(att, file, position) {
            self.batch.media.push(StoredMedia {
                media,
                source_path: None,
            });
        }
    }

    /// Reads, hashes and stores the bytes of an attachment's file; on failure the attachment keeps no
    /// digest and the failure is quarantined.
    fn store_media(
        &mut self,
        att: &mut Attachment,
        shown: &str,
        position: Position,
    ) -> Option<Media> {
        let path = att.file.take()?;
        // Streamed: hashed, sniffed and copied into the media folder in one pass with bounded memory.
        let stored = self
            .store
            .blobs()
            .writer()
            .map_err(|e| e.to_string())
            .and_then(|mut writer| {
                let facts = vigie_media::copy_and_describe(&path, &self.config.media, &mut writer)
                    .map_err(|e| e.to_string())?;
                self.store
                    .blobs()
                    .commit(writer, &facts.digests.sha256)
                    .map_err(|e| e.to_string())?;
                Ok(facts)
            });
        let facts = match stored {
            Ok(f) => f,
            Err(reason) => {
                self.quarantine(QuarantinedRecord::new(shown, position, reason, b""));
                return None;
            }
        };
        self.counts.media += 1;
        att.sha256 = Some(facts.digests.sha256.clone());
        if att.width.is_none() {
            att.width = facts.info.width;
            att.height = facts.info.height;
        }
        let (pdq, pdq_quality) = if facts.info.mime.starts_with("image/") {
            self.perceptual_hash(&path, shown)
        } else {
            (None, None)
        };
        Some(Media {
            sha256: facts.digests.sha256,
            md5: facts.digests.md5,
            mime: facts.info.mime,
            byte_size: facts.byte_size,
            width: facts.info.width,
            height: facts.info.height,
            pdq,
            pdq_quality,
        })
    }

    /// The PDQ hash of an image file and its quality (the whole file is read again, so only images come
    /// here; none for an image format PDQ does not decode). An image that cannot be decoded
    /// or is too small keeps its media record (its bytes and exact digests are still evidence) without a
    /// perceptual hash, and the reason is logged.
    fn perceptual_hash(
        &mut self,
        path: &std::path::Path,
        shown: &str,
    ) -> (Option<String>, Option<u8>) {
        let bytes = match vigie_media::read_capped(path, &self.config.media) {
            Ok(b) => b,
            Err(e) => {
                tracing::warn!("{shown}: no perceptual hash: {e}");
                return (None, None);
            }
        };
        match crate::hashing::image_hash(&bytes, &self.config.media, &mut self.hasher) {
            None => (None, None),
            Some(Ok(h)) => (Some(h.pdq), Some(h.quality)),
            Some(Err(e)) => {
                tracing::warn!("{shown}: no perceptual hash: {e}");
                (None, None)
            }
        }
    }

    fn flush(&mut self) -> Result<(), StoreError> {
        if self.batch.is_empty() {
            return Ok(());
        }
        let started = Instant::now();
        self.store
            .write_batch(self.import_id, &self.batch, &self.counts)?;
        *self.store_time += started.elapsed();
        self.batch.clear();
        Ok(())
    }
}
