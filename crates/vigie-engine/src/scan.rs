//! `scan`: every input under the given paths, into the store.
//!
//! Records are pushed into a [`Batch`] and written one transaction per batch, with idempotent upserts.
//! A scan killed at any moment leaves only whole batches behind, and scanning again converges to the same
//! content as a scan that was never interrupted.

use crate::EngineError;
use crate::matching::{IndexStats, MatchConfig, Matcher, MediumHashes};
use serde::Serialize;
use std::collections::HashMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};
use vigie_ingest::{IngestError, IngestOptions, Input, Skipped, Stop};
use vigie_media::MediaLimits;
use vigie_model::{
    Attachment, Format, ImportCounts, ImportStatus, MatchStatus, Media, Position,
    QuarantinedRecord, Record, SignalType,
};
use vigie_store::{Batch, Store, StoreError, StoredMedia};

/// How a scan reads and writes.
#[derive(Debug, Clone)]
pub struct ScanConfig {
    /// Limits and options for the adapters.
    pub ingest: IngestOptions,
    /// Limits for media files.
    pub media: MediaLimits,
    /// How videos are hashed (vPDQ), and their limits.
    pub video: vigie_video::VideoOptions,
    /// Posts per transaction. Default 5,000: large enough to amortize the commit, small enough to bound
    /// memory (a batch holds at most this many posts plus their accounts).
    pub batch_posts: usize,
    /// How many quarantined records the report quotes. Default 10.
    pub quote_quarantined: usize,
    /// How media are matched against the hash banks (when the store has any).
    pub matching: MatchConfig,
    /// How posts are scored into cases.
    pub scoring: crate::ScoringConfig,
}

impl Default for ScanConfig {
    fn default() -> Self {
        ScanConfig {
            ingest: IngestOptions::default(),
            media: MediaLimits::default(),
            video: vigie_video::VideoOptions::default(),
            batch_posts: 5_000,
            quote_quarantined: 10,
            matching: MatchConfig::default(),
            scoring: crate::ScoringConfig::default(),
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
    /// Of which text analysis (reading the stored posts, scoring them, writing their cases).
    #[serde(serialize_with = "secs")]
    pub analysis_time: Duration,
    /// What matching against the hash banks found; `None` when the store has no bank.
    pub matching: Option<MatchReport>,
    /// What hunting the bank changes made since the last hunt through the media stored before found; `None`
    /// when there were none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hunt: Option<crate::HuntReport>,
    /// What text analysis found.
    pub analysis: Option<crate::AnalysisReport>,
}

/// What matching the scanned media against the banks found.
#[derive(Debug, Clone, Default, Serialize)]
pub struct MatchReport {
    /// Hashes in the match index.
    pub index_pdq: usize,
    /// Exact digests in the match index.
    pub index_digests: usize,
    /// Media matched.
    pub media_checked: u64,
    /// Media whose PDQ hash was not matched because its quality is below the threshold.
    pub below_quality: u64,
    /// Matches found for the first time.
    pub new_matches: u64,
    /// Of which suppressed by an allow-list entry.
    pub suppressed: u64,
    /// Of which held (flood guard).
    pub held: u64,
    /// Entries the flood guard held in this scan.
    pub flooded: Vec<FloodedEntry>,
}

/// A bank entry that the flood guard held.
#[derive(Debug, Clone, Serialize)]
pub struct FloodedEntry {
    /// The bank.
    pub bank: String,
    /// The entry's type.
    pub signal: SignalType,
    /// The entry's value.
    pub value: String,
    /// New matches in this scan.
    pub new_matches: u64,
    /// Matches it had before.
    pub matches_before: u64,
}

/// Matching state across the inputs of one scan.
struct Matching {
    matcher: Matcher,
    report: MatchReport,
    /// New matches per entry in this scan, for the flood guard.
    new_per_entry: HashMap<i64, u64>,
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
        analysis_time: Duration::ZERO,
        matching: None,
        hunt: None,
        analysis: None,
    };
    let mut matching = if store.bank_settings()?.is_empty() {
        None
    } else {
        let matcher = Matcher::open(store, config.matching.clone())?;
        let IndexStats { pdq, digests, .. } = matcher.stats();
        Some(Matching {
            matcher,
            report: MatchReport {
                index_pdq: pdq,
                index_digests: digests,
                ..MatchReport::default()
            },
            new_per_entry: HashMap::new(),
        })
    };
    // Referred items that this scan may see again.
    let mut sightings = crate::takedown::Sightings::load(store)?;
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
            (matching.as_mut(), sightings.as_mut()),
        )?;
        report.totals.add(&one.counts);
        report.inputs.push(one);
    }
    if let Some(s) = sightings {
        s.finish(store, vigie_model::Timestamp::now())?;
    }
    if let Some(mut m) = matching {
        flood_guard(store, &config.matching, &mut m)?;
        report.matching = Some(m.report);
    }
    // Bank changes made since the last hunt (by the server, or by another process during the scan) reach the
    // media stored before.
    let hunt = crate::hunt(store, &config.matching, &crate::HuntOptions::default())?;
    if hunt.media_checked > 0 {
        report.hunt = Some(hunt);
    }
    let analysis_started = Instant::now();
    report.analysis = Some(crate::analyze(store, &config.scoring)?);
    report.analysis_time = analysis_started.elapsed();
    report.elapsed = started.elapsed();
    Ok(report)
}

/// Holds the entries that gained far more matches in this scan than they had before.
fn flood_guard(
    store: &mut dyn Store,
    config: &MatchConfig,
    m: &mut Matching,
) -> Result<(), StoreError> {
    let (held, flooded) = hold_floods(store, config, &m.new_per_entry, "one scan")?;
    m.report.held += held;
    m.report.flooded.extend(flooded);
    Ok(())
}

/// The flood guard: holds each entry that gained at least `flood_min_matches` new matches at once (`when`: "one
/// scan", "one hunt") and more than `flood_factor` times the matches it had before. Returns the matches held
/// and the entries.
pub(crate) fn hold_floods(
    store: &mut dyn Store,
    config: &MatchConfig,
    new_per_entry: &HashMap<i64, u64>,
    when: &str,
) -> Result<(u64, Vec<FloodedEntry>), StoreError> {
    let mut held = 0;
    let mut flooded = Vec::new();
    let mut suspects: Vec<(i64, u64)> = new_per_entry
        .iter()
        .filter(|(_, n)| **n >= config.flood_min_matches)
        .map(|(id, n)| (*id, *n))
        .collect();
    suspects.sort_unstable();
    if suspects.is_empty() {
        return Ok((held, flooded));
    }
    let ids: Vec<i64> = suspects.iter().map(|s| s.0).collect();
    let totals = store.match_counts(&ids)?;
    let entries = store.entries_by_id(&ids)?;
    for ((id, new), total) in suspects.into_iter().zip(totals) {
        let before = total.saturating_sub(new);
        #[allow(clippy::cast_precision_loss)]
        let flood = new as f64 > config.flood_factor * before.max(1) as f64;
        let Some(entry) = entries.iter().find(|e| e.id == id) else {
            continue;
        };
        if !flood || entry.quarantine.is_some() {
            continue;
        }
        let reason = format!(
            "flood guard: matched {new} media in {when}, against {before} before (limits: {} new matches and {} times the usual)",
            config.flood_min_matches, config.flood_factor
        );
        tracing::warn!(
            "bank {}: entry {} {}: {reason}",
            entry.bank,
            entry.signal,
            entry.value
        );
        store.quarantine_entry(id, &reason)?;
        held += new;
        flooded.push(FloodedEntry {
            bank: entry.bank.clone(),
            signal: entry.signal,
            value: entry.value.clone(),
            new_matches: new,
            matches_before: before,
        });
    }
    Ok((held, flooded))
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
    matching: Option<&'a mut Matching>,
    /// Referred items this scan may see again.
    sightings: Option<&'a mut crate::takedown::Sightings>,
    /// Media of the open batch, to match once the batch is written.
    to_match: Vec<MediumHashes>,
    /// The vPDQ hashes of the videos of the batch, stored once it is written.
    videos: Vec<vigie_store::VideoRecord>,
}

/// Records handed from the reading thread to the storing one at a time.
const RECORD_CHUNK: usize = 512;

/// What the reading thread hands over: a batch it built itself (accounts and posts without files to store),
/// then records for the storing thread to take in order.
#[derive(Default)]
struct Handed {
    /// Built on the reading thread; written before `records`.
    built: Batch,
    /// The records `built` holds: (accounts, posts).
    built_counts: (u64, u64),
    /// Records the storing thread takes one by one: posts with files to store, media, quarantined records.
    records: Vec<Record>,
}

/// Writes a batch the reading thread built, given the (accounts, posts) it holds.
type WriteBuilt<'a> = dyn FnMut(&Batch, (u64, u64)) -> Result<(), Stop> + 'a;

/// [`vigie_ingest::read`] on a thread of its own, side by side with storing on this one: the reading thread
/// parses (JSON, entities, language) and builds batches of accounts and of posts with no file to store, which
/// `write` writes here; every other record goes to `sink` here, in order. From the first post with a file or
/// medium on, every record goes to `sink` (its bytes are stored here, and the accounts around it must be
/// written in the order they were read). A [`Stop`] from either stops the reader at its next hand-over.
fn read_alongside(
    input: &Input,
    options: &vigie_ingest::IngestOptions,
    batch_posts: usize,
    write: &mut WriteBuilt<'_>,
    sink: &mut dyn FnMut(Record) -> Result<(), Stop>,
) -> Result<(), IngestError> {
    std::thread::scope(|scope| {
        let (tx, rx) = std::sync::mpsc::sync_channel::<Handed>(4);
        // Written batches come back to be emptied on the reading thread, keeping their allocations.
        let (give_back, returned) = std::sync::mpsc::channel::<Batch>();
        let reader = scope.spawn(move || {
            let mut handed = Handed::default();
            let mut building = true;
            let read = vigie_ingest::read(input, options, &mut |record| {
                match record {
                    Record::Account(a) if building => {
                        handed.built.push_account(a);
                        handed.built_counts.0 += 1;
                    }
                    Record::Post(p)
                        if building && p.attachments.iter().all(|a| a.file.is_none()) =>
                    {
                        handed.built.push_post(p);
                        handed.built_counts.1 += 1;
                    }
                    Record::Quarantine(q) => handed.records.push(Record::Quarantine(q)),
                    other => {
                        building = false;
                        handed.records.push(other);
                    }
                }
                let full = handed.built.posts.len() >= batch_posts
                    || handed.built.len() >= batch_posts * 4
                    || handed.records.len() >= RECORD_CHUNK;
                if full {
                    let mut next = Handed {
                        built: returned.try_recv().unwrap_or_default(),
                        ..Handed::default()
                    };
                    next.built.clear();
                    tx.send(std::mem::replace(&mut handed, next))
                        .map_err(|_| Stop)?;
                }
                Ok(())
            });
            if !handed.built.is_empty() || !handed.records.is_empty() {
                // The storing side may have stopped already: then nobody needs the rest.
                let _ = tx.send(handed);
            }
            read
        });
        'chunks: for handed in &rx {
            if !handed.built.is_empty() {
                if write(&handed.built, handed.built_counts).is_err() {
                    break 'chunks;
                }
                let _ = give_back.send(handed.built);
            }
            for record in handed.records {
                if sink(record).is_err() {
                    break 'chunks;
                }
            }
        }
        // Dropping the receiver makes the reader's next hand-over fail, which stops it.
        drop(rx);
        reader
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
    })
}

fn scan_input(
    store: &mut dyn Store,
    input: &Input,
    config: &ScanConfig,
    progress: &dyn Progress,
    quoted: &mut Vec<QuarantinedRecord>,
    store_time: &mut Duration,
    (matching, sightings): (
        Option<&mut Matching>,
        Option<&mut crate::takedown::Sightings>,
    ),
) -> Result<InputReport, EngineError> {
    let import_id = store.begin_import(&input.display, input.format)?;
    let importer = Importer {
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
        matching,
        sightings,
        to_match: Vec::new(),
        videos: Vec::new(),
    };
    // Both closures need the importer; they run one at a time, on this thread.
    let importer = std::cell::RefCell::new(importer);
    let result = read_alongside(
        input,
        &config.ingest,
        config.batch_posts,
        &mut |built, counts| importer.borrow_mut().write_built(built, counts),
        &mut |record| importer.borrow_mut().accept(record),
    );
    let mut importer = importer.into_inner();
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
        if facts.info.mime.starts_with("video/") {
            self.video_hash(&path, &facts.digests.sha256, shown);
        }
        let image = if facts.info.mime.starts_with("image/") {
            self.perceptual_hash(&path, shown)
        } else {
            None
        };
        let (pdq, pdq_quality) = match &image {
            Some(h) => (Some(h.pdq.to_hex()), Some(h.quality)),
            None => (None, None),
        };
        let pdq_variants = image
            .as_ref()
            .and_then(|h| h.dihedral.as_deref())
            .and_then(crate::matching::variants_hex);
        if self.matching.is_some() {
            let hashes = image.as_ref().map(crate::ImageHash::matchable);
            self.to_match.push(MediumHashes {
                sha256: Some(facts.digests.sha256.clone()),
                md5: Some(facts.digests.md5.clone()),
                pdq: hashes.unwrap_or_default(),
                quality: pdq_quality,
            });
        }
        Some(Media {
            sha256: facts.digests.sha256,
            md5: facts.digests.md5,
            mime: facts.info.mime,
            byte_size: facts.byte_size,
            width: facts.info.width,
            height: facts.info.height,
            pdq,
            pdq_quality,
            pdq_variants,
        })
    }

    /// The PDQ hash of an image file and its quality (the whole file is read again, so only images come
    /// here; none for an image format PDQ does not decode). An image that cannot be decoded
    /// or is too small keeps its media record (its bytes and exact digests are still evidence) without a
    /// perceptual hash, and the reason is logged.
    fn perceptual_hash(&mut self, path: &std::path::Path, shown: &str) -> Option<crate::ImageHash> {
        let bytes = match vigie_media::read_capped(path, &self.config.media) {
            Ok(b) => b,
            Err(e) => {
                tracing::warn!("{shown}: no perceptual hash: {e}");
                return None;
            }
        };
        // The eight dihedral hashes come from the same DCT at little cost: matched now, and stored so that a list
        // imported later finds the image in any orientation.
        let dihedral = true;
        match crate::hashing::image_hash(&bytes, &self.config.media, &mut self.hasher, dihedral) {
            None => None,
            Some(Ok(h)) => Some(h),
            Some(Err(e)) => {
                tracing::warn!("{shown}: no perceptual hash: {e}");
                None
            }
        }
    }

    /// Hashes a video as the vPDQ reference does, for storing once its batch is written. A video that cannot be
    /// hashed (not a video after all, damaged, over a limit) keeps its medium (its bytes and exact digests are
    /// still evidence) without a vPDQ hash, and the reason is logged.
    ///
    /// The decoding runs on a worker thread, so that a decoder stuck inside FFmpeg past the time limit (which
    /// FFmpeg's own checks bound) cannot stall the scan: past that limit and a grace of 30 seconds the video is
    /// left without a hash and the worker to finish on its own.
    fn video_hash(&mut self, path: &std::path::Path, sha256: &str, shown: &str) {
        let options = self.config.video;
        let (send, receive) = std::sync::mpsc::channel();
        let file = path.to_path_buf();
        let spawned = std::thread::Builder::new()
            .name("vigie-video".to_owned())
            .spawn(move || {
                let _ = send.send(crate::hashing::video_hash(&file, &options));
            });
        if let Err(e) = spawned {
            tracing::warn!("{shown}: no vPDQ hash: cannot start a decoding thread: {e}");
            return;
        }
        let wait = options.limits.max_decode + std::time::Duration::from_secs(30);
        let hashed = match receive.recv_timeout(wait) {
            Ok(result) => result,
            Err(_) => {
                tracing::warn!(
                    "{shown}: no vPDQ hash: decoding took more than {} s",
                    wait.as_secs()
                );
                return;
            }
        };
        match hashed {
            Ok(v) => self.videos.push(vigie_store::VideoRecord {
                sha256: sha256.to_owned(),
                codec: v.codec,
                width: v.width,
                height: v.height,
                frame_rate: v.frame_rate,
                seconds: v.seconds,
                frame_count: v.frames.len() as u64,
                frames: vigie_video::format_vpdq(&v.frames),
            }),
            Err(e) => tracing::warn!("{shown}: no vPDQ hash: {e}"),
        }
    }

    /// Matches the media of the batch just written and records what they match.
    fn match_written(&mut self) -> Result<(), StoreError> {
        let Some(m) = self.matching.as_deref_mut() else {
            return Ok(());
        };
        for medium in self.to_match.drain(..) {
            let result = m.matcher.match_medium(self.store, &medium)?;
            m.report.media_checked += 1;
            if result.below_quality.is_some() {
                m.report.below_quality += 1;
            }
            let Some(sha256) = medium.sha256.as_deref() else {
                continue;
            };
            let matches = Matcher::to_record(sha256, &result);
            if matches.is_empty() {
                continue;
            }
            let new = self.store.record_matches(&matches)?;
            for (record, is_new) in matches.iter().zip(new) {
                if !is_new {
                    continue;
                }
                m.report.new_matches += 1;
                match record.status {
                    MatchStatus::Suppressed => m.report.suppressed += 1,
                    MatchStatus::Held => m.report.held += 1,
                    MatchStatus::Active => {
                        *m.new_per_entry.entry(record.entry_id).or_default() += 1;
                    }
                    MatchStatus::Withdrawn => {}
                }
            }
        }
        Ok(())
    }

    /// Writes a batch the reading thread built: the open batch first (the records before it), then it.
    fn write_built(&mut self, built: &Batch, (accounts, posts): (u64, u64)) -> Result<(), Stop> {
        self.counts.accounts += accounts;
        self.counts.posts += posts;
        self.unreported += accounts + posts;
        if self.unreported >= 1024 {
            self.progress.records(self.unreported);
            self.unreported = 0;
        }
        let written = self.flush().and_then(|()| {
            let started = Instant::now();
            let written = self.store.write_batch(self.import_id, built, &self.counts);
            *self.store_time += started.elapsed();
            if let Some(s) = self.sightings.as_deref_mut() {
                s.observe(built);
            }
            written
        });
        written.map_err(|e| {
            self.failure = Some(e);
            Stop
        })
    }

    fn flush(&mut self) -> Result<(), StoreError> {
        // Videos hashed for a batch the reading thread built are stored here too, after it.
        if !self.videos.is_empty() {
            let videos = std::mem::take(&mut self.videos);
            self.store.record_video_hashes(&videos)?;
        }
        if self.batch.is_empty() {
            return Ok(());
        }
        let started = Instant::now();
        self.store
            .write_batch(self.import_id, &self.batch, &self.counts)?;
        *self.store_time += started.elapsed();
        if let Some(s) = self.sightings.as_deref_mut() {
            s.observe(&self.batch);
        }
        self.batch.clear();
        self.match_written()
    }
}
