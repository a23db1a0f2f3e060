//! The shapes of bank operations: what a caller asks the store to create, change, or report about hash
//! banks, their entries and the matches of stored media.

use crate::{Actor, StoreError};
use vigie_model::{
    AuditEvent, Bank, BankEntry, BankKind, DEFAULT_PDQ_DISTANCE, EntryRecord, Labels, MatchStatus,
    MediaMatch, SignalType,
};

/// A bank to create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewBank {
    /// Unique name.
    pub name: String,
    /// Block or allow.
    pub kind: BankKind,
    /// Where the list comes from.
    pub source: Option<String>,
    /// Labels every entry inherits.
    pub labels: Labels,
    /// Whether it is matched.
    pub enabled: bool,
    /// Its PDQ match distance, 0 to 63.
    pub pdq_distance: u32,
    /// For an allow bank, the block banks it suppresses (`None`: all).
    pub suppresses: Option<Vec<String>>,
}

impl NewBank {
    /// An enabled block bank with the default distance, no source and no labels.
    pub fn named(name: &str) -> NewBank {
        NewBank {
            name: name.to_owned(),
            kind: BankKind::Block,
            source: None,
            labels: Labels::new(),
            enabled: true,
            pdq_distance: DEFAULT_PDQ_DISTANCE,
            suppresses: None,
        }
    }
}

/// Changes to a bank's settings; `None` and empty fields leave things as they are.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BankChange {
    /// Enable or disable.
    pub enabled: Option<bool>,
    /// A new PDQ distance.
    pub pdq_distance: Option<u32>,
    /// A new source.
    pub source: Option<String>,
    /// Labels to add or overwrite.
    pub set_labels: Labels,
    /// Labels to remove, by name.
    pub unset_labels: Vec<String>,
    /// A new name (unique, like any bank's).
    pub rename: Option<String>,
    /// A new scope for an allow bank (`Some(None)`: every block bank).
    pub suppresses: Option<Option<Vec<String>>>,
}

impl BankChange {
    /// The bank's settings after this change (the caller checks the distance and writes the row).
    pub(crate) fn apply_to(&self, bank: &mut Bank) {
        if let Some(e) = self.enabled {
            bank.enabled = e;
        }
        if let Some(d) = self.pdq_distance {
            bank.pdq_distance = d;
        }
        if let Some(s) = &self.source {
            bank.source = Some(s.clone());
        }
        for k in &self.unset_labels {
            bank.labels.remove(k);
        }
        if let Some(name) = &self.rename {
            bank.name = name.clone();
        }
        if let Some(scope) = &self.suppresses {
            bank.suppresses = scope.clone();
        }
        bank.labels.extend(self.set_labels.clone());
    }
}

/// How far an import of a long list has gone: written with each of its transactions
/// ([`Banks::apply_entry_feed_audited`]), read back to go on after an import that did not finish
/// ([`Banks::import_progress`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportProgress {
    /// The import (`imports.id`).
    pub import_id: i64,
    /// The bank.
    pub bank: String,
    /// What names the list: its bytes' digest, its format and the reading options.
    pub list: String,
    /// Records of the sorted list applied so far.
    pub applied: u64,
    /// What they changed.
    pub counts: EntryCounts,
}

/// What an import did to a bank. Importing the same list twice gives zeros but for `unchanged`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct EntryCounts {
    /// New entries, and removed ones brought back.
    pub added: u64,
    /// Entries whose labels or provenance changed.
    pub updated: u64,
    /// Entries removed (a `deleted` record, or `vigie bank remove`).
    pub removed: u64,
    /// Entries already as the list says.
    pub unchanged: u64,
}

impl std::ops::AddAssign for EntryCounts {
    fn add_assign(&mut self, other: EntryCounts) {
        self.added += other.added;
        self.updated += other.updated;
        self.removed += other.removed;
        self.unchanged += other.unchanged;
    }
}

/// One entry in the change feed that match indexes follow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EntryChange<'a> {
    /// Row id.
    pub id: i64,
    /// Type.
    pub signal: SignalType,
    /// Canonical value.
    pub value: &'a str,
    /// False when the entry is removed: it must not be matched.
    pub live: bool,
}

/// Where the change feed stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FeedPosition {
    /// Grows when entries vanish without a trace (a bank deleted): an index from another epoch is rebuilt.
    pub epoch: i64,
    /// Grows with every change to entries.
    pub seq: i64,
}

/// A match to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMatch {
    /// The medium's SHA-256.
    pub media_sha256: String,
    /// The bank entry.
    pub entry_id: i64,
    /// Bits that differ.
    pub distance: u32,
    /// The dihedral variant that matched.
    pub variant: String,
    /// Active, suppressed or held.
    pub status: MatchStatus,
    /// The allow-list entry that suppressed it.
    pub suppressed_by: Option<i64>,
}

/// A stored medium's hashes, as the hunt through stored media reads them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredMedium {
    /// Its number in the order media were stored (SQLite's rowid, PostgreSQL's `media.id`).
    pub id: i64,
    /// SHA-256 of the bytes, hex.
    pub sha256: String,
    /// MD5 of the bytes, hex.
    pub md5: String,
    /// PDQ hash, hex.
    pub pdq: Option<String>,
    /// PDQ quality.
    pub pdq_quality: Option<u8>,
    /// The seven other dihedral PDQ hashes, concatenated hex (see `vigie_model::Media::pdq_variants`).
    pub pdq_variants: Option<String>,
}

/// A medium's block matches as they stand now: [`Banks::settle_matches`] makes the stored ones say exactly this.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediumMatches {
    /// The medium's SHA-256.
    pub media_sha256: String,
    /// Its matches (each with this medium's SHA-256).
    pub matches: Vec<NewMatch>,
}

/// What settling media's matches changed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Settled {
    /// Media with a match that is active now and was not before (new, or back from withdrawn, suppressed or
    /// held).
    pub media_newly_matched: u64,
    /// Matches recorded for the first time.
    pub inserted: u64,
    /// The entry of every match recorded for the first time as active (once per match), for the flood guard (a
    /// match back from withdrawn is not new to it).
    pub new_active: Vec<i64>,
    /// Matches that became suppressed by an allow-list entry.
    pub suppressed: u64,
    /// Matches withdrawn (entry removed, bank disabled or narrowed).
    pub withdrawn: u64,
}

/// How far the hunt through stored media has gone: every bank-entry change up to `seq` has been matched
/// against the stored media, with the banks' settings as `banks` (JSON) says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HuntState {
    /// The bank-entry change sequence reached.
    pub seq: i64,
    /// The banks' settings then, as the engine wrote them.
    pub banks: String,
}

/// Which matches to list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MatchQuery {
    /// Only this bank's.
    pub bank: Option<String>,
    /// Only this medium's.
    pub media_sha256: Option<String>,
    /// Only those with this status.
    pub status: Option<MatchStatus>,
    /// At most this many (newest first).
    pub limit: usize,
}

/// Hands records to a transaction part after part: called with the function that applies one part, it calls
/// that function for each part in turn ([`Banks::apply_entry_feed_audited`]).
pub type EntryFeed<'a> = dyn FnMut(&mut dyn FnMut(&[EntryRecord]) -> Result<(), StoreError>) -> Result<(), StoreError>
    + 'a;

/// The vPDQ hash of a stored video: what its container says, and its sampled frames in the reference's layout.
#[derive(Debug, Clone, PartialEq)]
pub struct VideoRecord {
    /// The medium's SHA-256.
    pub sha256: String,
    /// The codec's short name.
    pub codec: String,
    /// Width in pixels, as stored.
    pub width: u32,
    /// Height in pixels, as stored.
    pub height: u32,
    /// Frames per second.
    pub frame_rate: f64,
    /// Duration, when the container gives one.
    pub seconds: Option<f64>,
    /// How many frames were hashed.
    pub frame_count: u64,
    /// The frames: `frame,quality,hash,seconds` lines.
    pub frames: String,
}

/// The bank operations of a store. Both backends implement them and pass the same suite.
///
/// Changes are transactional: an import, a bank change or a recorded set of matches is all written
/// or not at all. A change of a bank itself (creation, settings, deletion, a released entry) is written with
/// its audit entry, by `actor`, in the same transaction.
pub trait Banks {
    /// Creates a bank.
    ///
    /// # Errors
    /// [`StoreError::BankExists`] when the name is taken.
    fn create_bank(&mut self, bank: &NewBank, actor: &Actor) -> Result<Bank, StoreError>;
    /// Every bank, by name.
    fn banks(&mut self) -> Result<Vec<Bank>, StoreError>;
    /// Every bank, by name, without counting their entries (`live_entries` and `quarantined_entries` are 0):
    /// what matching needs, read in constant time (the counts cost a pass over each bank's entries).
    fn bank_settings(&mut self) -> Result<Vec<Bank>, StoreError>;
    /// Changes a bank's settings; takes effect for the next match, with no rebuild.
    fn update_bank(
        &mut self,
        name: &str,
        change: &BankChange,
        actor: &Actor,
    ) -> Result<Bank, StoreError>;
    /// Deletes a bank, its entries and their matches; returns how many entries it held.
    fn delete_bank(&mut self, name: &str, actor: &Actor) -> Result<u64, StoreError>;
    /// Applies list records to a bank in one transaction: new hashes are added, known ones updated, records
    /// marked deleted remove their hash. Idempotent.
    fn apply_entries(
        &mut self,
        bank: &str,
        records: &[EntryRecord],
    ) -> Result<EntryCounts, StoreError>;
    /// [`Banks::apply_entries`] with its audit entry (`event` by `actor`, with the counts added to its details
    /// under `"counts"`) in the same transaction: both are written, or neither.
    fn apply_entries_audited(
        &mut self,
        bank: &str,
        records: &[EntryRecord],
        actor: &Actor,
        event: &AuditEvent,
    ) -> Result<EntryCounts, StoreError>;
    /// Applies records that `feed` hands over part after part (it calls its argument once per part) in one
    /// transaction, with one audit entry as [`Banks::apply_entries_audited`] writes it: a list of millions of
    /// records is applied whole or not at all, without holding it in memory. A feed that fails (returning
    /// [`StoreError::Feed`] or any other error) rolls everything back.
    ///
    /// With `progress`, that row is written in the same transaction (replacing the import's earlier one), its
    /// counts (what the import changed before this transaction) plus what this transaction changed.
    fn apply_entry_feed_audited(
        &mut self,
        bank: &str,
        feed: &mut EntryFeed<'_>,
        actor: &Actor,
        event: &AuditEvent,
        progress: Option<&ImportProgress>,
    ) -> Result<EntryCounts, StoreError>;
    /// The progress of the latest import of the list `list` into `bank`, when that import did not complete.
    fn import_progress(
        &mut self,
        bank: &str,
        list: &str,
    ) -> Result<Option<ImportProgress>, StoreError>;
    /// A bank's entries in the order they were added (those added by one application of records in hash order),
    /// removed ones too when asked, at most `limit`.
    fn bank_entries(
        &mut self,
        bank: &str,
        include_removed: bool,
        limit: usize,
    ) -> Result<Vec<BankEntry>, StoreError>;
    /// A bank's entry of this hash (removed or not), if it has one.
    fn find_entry(
        &mut self,
        bank: &str,
        signal: SignalType,
        value: &str,
    ) -> Result<Option<BankEntry>, StoreError>;
    /// Entries by row id, in the order asked; unknown ids are skipped.
    fn entries_by_id(&mut self, ids: &[i64]) -> Result<Vec<BankEntry>, StoreError>;
    /// The PDQ hash (hex) stored for each of these media (by SHA-256), in the order asked: `None` for a medium
    /// that is unknown or has none (not an image, or too small to hash).
    fn media_pdq(&mut self, sha256: &[String]) -> Result<Vec<Option<String>>, StoreError>;
    /// The MIME type that ingest sniffed from a stored medium's bytes (`application/octet-stream` when it was
    /// not recognized), or `None` for an unknown medium: the only place outside `vigie-media` that knows what
    /// the bytes are.
    fn media_type(&mut self, sha256: &str) -> Result<Option<String>, StoreError>;
    /// Calls `each` for every entry changed after `since` (every entry when `since` is `None` or from another
    /// epoch), in the order of the changes (then of the entries' ids: the order of the change index, so that a
    /// few changes cost a few rows read, whatever the plan's bound values), and returns the feed's current
    /// position. The second value is true when the caller must start
    /// from empty (no `since`, or another epoch).
    fn entry_changes(
        &mut self,
        since: Option<FeedPosition>,
        each: &mut dyn FnMut(EntryChange<'_>),
    ) -> Result<(FeedPosition, bool), StoreError>;
    /// Records matches (a known medium and entry pair is updated); returns, for each, whether it is new.
    fn record_matches(&mut self, matches: &[NewMatch]) -> Result<Vec<bool>, StoreError>;
    /// Matches, newest first.
    fn matches(&mut self, query: &MatchQuery) -> Result<Vec<MediaMatch>, StoreError>;
    /// How many media each entry has matched, in the order asked.
    fn match_counts(&mut self, entry_ids: &[i64]) -> Result<Vec<u64>, StoreError>;
    /// Holds an entry (the flood guard): its active matches become held, and later ones are held too.
    fn quarantine_entry(&mut self, entry_id: i64, reason: &str) -> Result<(), StoreError>;
    /// Records the vPDQ hash of stored videos (a video hashed again is replaced), in one transaction.
    fn record_video_hashes(&mut self, videos: &[VideoRecord]) -> Result<(), StoreError>;
    /// The vPDQ hash of the video with this SHA-256, when one was recorded.
    fn video_hash(&mut self, sha256: &str) -> Result<Option<VideoRecord>, StoreError>;
    /// Stored media after number `after`, in the order they were stored, at most `limit`.
    fn media_feed(&mut self, after: i64, limit: usize) -> Result<Vec<StoredMedium>, StoreError>;
    /// Stored media by number, in the order of their numbers; unknown numbers are skipped.
    fn media_by_id(&mut self, ids: &[i64]) -> Result<Vec<StoredMedium>, StoreError>;
    /// Stored media whose digest of this type (MD5 or SHA-256; none for PDQ) is one of `values` (lower-case hex),
    /// in the order of their numbers.
    fn media_by_digest(
        &mut self,
        signal: SignalType,
        values: &[String],
    ) -> Result<Vec<StoredMedium>, StoreError>;
    /// Stored media that hold a match (of any status) of one of these entries, or suppressed by one of them, in
    /// the order of their numbers.
    fn media_matched_by(&mut self, entry_ids: &[i64]) -> Result<Vec<StoredMedium>, StoreError>;
    /// Makes the stored matches of each medium say exactly what `media` says, in one transaction: new pairs are
    /// inserted, known ones updated, and the medium's other matches withdrawn (kept, with status `withdrawn`).
    fn settle_matches(&mut self, media: &[MediumMatches]) -> Result<Settled, StoreError>;
    /// Where the bank-entry change feed stands now.
    fn feed_position(&mut self) -> Result<FeedPosition, StoreError>;
    /// How far the hunt through stored media has gone; `None` before the first hunt.
    fn hunt_state(&mut self) -> Result<Option<HuntState>, StoreError>;
    /// Records how far the hunt has gone.
    fn set_hunt_state(&mut self, state: &HuntState) -> Result<(), StoreError>;
    /// Releases a held entry of a bank; its held matches become active. False when no such entry is held.
    fn release_entry(
        &mut self,
        bank: &str,
        signal: SignalType,
        value: &str,
        actor: &Actor,
    ) -> Result<bool, StoreError>;
}

/// The detail of an audit entry with the counts of the change it records under `"counts"`.
pub(crate) fn with_counts(
    mut detail: serde_json::Value,
    counts: &EntryCounts,
) -> serde_json::Value {
    if let (Some(map), Ok(counts)) = (detail.as_object_mut(), serde_json::to_value(counts)) {
        map.insert("counts".to_owned(), counts);
    }
    detail
}

/// `records` in key order (signal, then value), stably: of two records of one hash, the later stays later. A
/// hash-list import hands them over sorted already, which costs one pass to see.
pub(crate) fn in_key_order(records: &[EntryRecord]) -> Vec<&EntryRecord> {
    fn key<'r>(r: &&'r EntryRecord) -> (&'static str, &'r str) {
        (r.signal.as_str(), r.value.as_str())
    }
    let mut order: Vec<&EntryRecord> = records.iter().collect();
    if !order.is_sorted_by(|a, b| key(a) <= key(b)) {
        order.sort_by(|a, b| key(a).cmp(&key(b)));
    }
    order
}
