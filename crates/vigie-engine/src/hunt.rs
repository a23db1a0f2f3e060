//! The hunt through stored media: every change to the banks (entries added, updated or removed, a bank enabled,
//! disabled, widened or narrowed) is matched against the media already stored, so that a list imported today
//! finds last month's propaganda, and a withdrawn hash stops counting as evidence.
//!
//! Entry changes are read from the store's change feed since the last hunt ([`vigie_store::HuntState`]) and
//! looked up in an index of the stored media's hashes ([`MediaIndex`]: every PDQ variant of every stored image,
//! saved beside the match index and caught up with the media stored since), so that a small update costs in
//! proportion to the update, not to the archive. Each medium found (and each medium that held a match of a
//! changed entry) is then matched again against every bank, exactly as a scan matches it, and its stored
//! matches are settled to the result: new ones recorded, lost ones withdrawn (kept as history). A change of a
//! bank's settings, or `vigie bank rematch`, matches every stored medium again.

use crate::EngineError;
use crate::matching::{
    MatchConfig, Matcher, MediumHashes, load_segments, remove_unnamed_segments, save_segments,
    stored_pdq, write_atomically,
};
use crate::scan::{FloodedEntry, hold_floods};
use serde::Serialize;
use std::collections::{BTreeSet, HashMap};
use std::fs;
use std::path::Path;
use vigie_index::PdqIndex;
use vigie_model::{Bank, BankKind, SignalType};
use vigie_store::{FeedPosition, HuntState, MediumMatches, Store, StoredMedium};

/// Media read, matched and settled at a time.
const MEDIA_PER_ROUND: usize = 2_000;

/// What to hunt beyond the changes since the last hunt.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HuntOptions {
    /// Match every stored medium again (`vigie bank rematch` without a bank): after a change of matching
    /// settings (the quality threshold), or to check that the stored matches are what the banks say.
    pub everything: bool,
    /// Hunt every entry of these banks again, removed ones included (`vigie bank rematch NAME`). A bank of more
    /// than [`REHUNT_ENTRIES`] entries makes every stored medium be matched again instead, which then costs less.
    pub banks: Vec<String>,
}

/// Above this many entries, hunting a whole bank again matches every stored medium again instead of looking
/// each entry up.
pub const REHUNT_ENTRIES: u64 = 200_000;

/// What a hunt found.
#[derive(Debug, Clone, Default, Serialize)]
pub struct HuntReport {
    /// Bank-entry changes read since the last hunt.
    pub entry_changes: u64,
    /// Banks whose settings changed since the last hunt (each makes every stored medium be matched again).
    pub banks_changed: Vec<String>,
    /// Whether every stored medium was matched again.
    pub everything: bool,
    /// Stored media in the index of stored media (images with a PDQ hash).
    pub media_indexed: usize,
    /// Media matched again.
    pub media_checked: u64,
    /// Media with an active match they did not have before.
    pub media_newly_matched: u64,
    /// Matches recorded for the first time.
    pub new_matches: u64,
    /// Matches suppressed by an allow-list entry.
    pub suppressed: u64,
    /// Matches withdrawn (entry removed, bank disabled or narrowed, medium now on an allow-list).
    pub withdrawn: u64,
    /// Matches held by the flood guard.
    pub held: u64,
    /// Entries the flood guard held in this hunt.
    pub flooded: Vec<FloodedEntry>,
}

impl HuntReport {
    /// Whether the stored matches changed (then the cases must be analysed again).
    pub fn changed_matches(&self) -> bool {
        self.media_newly_matched + self.new_matches + self.suppressed + self.withdrawn + self.held
            > 0
    }
}

/// The settings of a bank that decide what it matches, as the hunt state keeps them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
struct BankSettings {
    id: i64,
    kind: String,
    enabled: bool,
    distance: u32,
    #[serde(default)]
    suppresses: Option<Vec<String>>,
}

fn settings_of(banks: &[Bank]) -> HashMap<String, BankSettings> {
    banks
        .iter()
        .map(|b| {
            (
                b.name.clone(),
                BankSettings {
                    id: b.id,
                    kind: b.kind.as_str().to_owned(),
                    enabled: b.enabled,
                    distance: b.pdq_distance,
                    suppresses: b.suppresses.clone(),
                },
            )
        })
        .collect()
}

/// Matches the bank changes since the last hunt against the stored media, settles their matches, and records
/// how far it went. Cheap when nothing changed (two reads).
///
/// # Errors
/// When the store fails or an index folder cannot be written.
pub fn hunt(
    store: &mut dyn Store,
    config: &MatchConfig,
    options: &HuntOptions,
) -> Result<HuntReport, EngineError> {
    let mut report = HuntReport::default();
    let banks = store.bank_settings()?;
    let settings = settings_of(&banks);
    let position = store.feed_position()?;
    let state = store.hunt_state()?;
    let saved: Option<HashMap<String, BankSettings>> = state
        .as_ref()
        .and_then(|s| serde_json::from_str(&s.banks).ok());
    for (name, now) in &settings {
        // A bank new since the last hunt brings its entries through the change feed; only a changed one counts.
        if let Some(before) = saved.as_ref().and_then(|s| s.get(name))
            && before != now
        {
            report.banks_changed.push(name.clone());
        }
    }
    report.banks_changed.sort();
    let deleted_allow = saved.as_ref().is_some_and(|s| {
        s.iter()
            .any(|(name, b)| b.kind == BankKind::Allow.as_str() && !settings.contains_key(name))
    });
    for name in &options.banks {
        if !settings.contains_key(name) {
            return Err(vigie_store::StoreError::NoSuchBank(name.clone()).into());
        }
    }
    let up_to_date = state.as_ref().is_some_and(|s| s.seq == position.seq);
    if up_to_date
        && report.banks_changed.is_empty()
        && !options.everything
        && options.banks.is_empty()
        && !deleted_allow
    {
        if saved.as_ref() != Some(&settings) {
            save_state(store, position.seq, &settings)?;
        }
        return Ok(report);
    }
    // A first hunt on a store that already holds media matches them all once; a store without media, or without
    // banks and matches, has nothing to hunt through.
    let nothing_matched =
        banks.is_empty() && saved.as_ref().is_none_or(HashMap::is_empty) && !options.everything;
    if nothing_matched || store.media_feed(0, 1)?.is_empty() {
        save_state(store, position.seq, &settings)?;
        return Ok(report);
    }
    let matcher = Matcher::open(store, config.clone())?;
    let big_rehunt = !options.banks.is_empty()
        && store
            .banks()?
            .iter()
            .any(|b| options.banks.contains(&b.name) && b.live_entries > REHUNT_ENTRIES);
    report.everything = options.everything
        || state.is_none()
        || !report.banks_changed.is_empty()
        || deleted_allow
        || big_rehunt;
    let mut wanted: BTreeSet<i64> = BTreeSet::new();
    let mut reached = position.seq;
    if !report.everything {
        let since = state.as_ref().map_or(0, |s| s.seq);
        let mut changes: Vec<(i64, SignalType, String, bool)> = Vec::new();
        let (now, fresh) = store.entry_changes(
            Some(FeedPosition {
                epoch: position.epoch,
                seq: since,
            }),
            &mut |c| changes.push((c.id, c.signal, c.value.to_owned(), c.live)),
        )?;
        reached = now.seq;
        report.entry_changes = changes.len() as u64;
        for name in &options.banks {
            for e in store.bank_entries(name, true, usize::MAX)? {
                changes.push((e.id, e.signal, e.value, e.removed_at.is_none()));
            }
        }
        if fresh {
            // A bank was deleted between the two reads: start over on the next hunt, everything included.
            report.everything = true;
        } else {
            let index = MediaIndex::open(store, config.index_dir.as_deref())?;
            report.media_indexed = index.len();
            candidates(store, &banks, &index, &changes, &mut wanted)?;
        }
    }
    let mut new_per_entry: HashMap<i64, u64> = HashMap::new();
    if report.everything {
        let mut after = 0;
        loop {
            let media = store.media_feed(after, MEDIA_PER_ROUND)?;
            let Some(last) = media.last() else { break };
            after = last.id;
            settle(store, &matcher, &media, &mut report, &mut new_per_entry)?;
        }
        if report.media_indexed == 0 {
            report.media_indexed = MediaIndex::open(store, config.index_dir.as_deref())?.len();
        }
    } else {
        let ids: Vec<i64> = wanted.into_iter().collect();
        for chunk in ids.chunks(MEDIA_PER_ROUND) {
            let media = store.media_by_id(chunk)?;
            settle(store, &matcher, &media, &mut report, &mut new_per_entry)?;
        }
    }
    let (held, flooded) = hold_floods(store, config, &new_per_entry, "one hunt")?;
    report.held += held;
    report.flooded = flooded;
    save_state(store, reached, &settings)?;
    Ok(report)
}

fn save_state(
    store: &mut dyn Store,
    seq: i64,
    settings: &HashMap<String, BankSettings>,
) -> Result<(), EngineError> {
    let banks = serde_json::to_string(settings).map_err(|e| EngineError::Index(e.to_string()))?;
    store.set_hunt_state(&HuntState { seq, banks })?;
    Ok(())
}

/// The stored media that the changed entries may concern: those whose hashes the live entries find (each PDQ
/// entry at its bank's distance, digests exactly), and those holding a match of, or suppressed by, any changed
/// entry (an entry removed or moved withdraws or reactivates them).
fn candidates(
    store: &mut dyn Store,
    banks: &[Bank],
    index: &MediaIndex,
    changes: &[(i64, SignalType, String, bool)],
    wanted: &mut BTreeSet<i64>,
) -> Result<(), EngineError> {
    let ids: Vec<i64> = changes.iter().map(|c| c.0).collect();
    // The bank of each changed entry, for its distance (and whether it is matched at all).
    let mut distance_of: HashMap<i64, Option<u32>> = HashMap::new();
    for chunk in ids.chunks(10_000) {
        for entry in store.entries_by_id(chunk)? {
            let bank = banks.iter().find(|b| b.name == entry.bank);
            distance_of.insert(entry.id, bank.filter(|b| b.enabled).map(|b| b.pdq_distance));
        }
    }
    let mut digests: HashMap<SignalType, Vec<String>> = HashMap::new();
    for (id, signal, value, live) in changes {
        if !live {
            continue;
        }
        let Some(Some(distance)) = distance_of.get(id) else {
            continue;
        };
        match signal {
            SignalType::Pdq => {
                let Ok(hash) = vigie_pdq::Hash256::from_hex(value) else {
                    continue;
                };
                wanted.extend(index.search(&hash, *distance));
            }
            SignalType::Md5 | SignalType::Sha256 => {
                digests.entry(*signal).or_default().push(value.clone());
            }
        }
    }
    for (signal, values) in digests {
        for chunk in values.chunks(10_000) {
            wanted.extend(
                store
                    .media_by_digest(signal, chunk)?
                    .into_iter()
                    .map(|m| m.id),
            );
        }
    }
    for chunk in ids.chunks(10_000) {
        wanted.extend(store.media_matched_by(chunk)?.into_iter().map(|m| m.id));
    }
    Ok(())
}

/// Matches media again against every bank and settles their stored matches to the result.
fn settle(
    store: &mut dyn Store,
    matcher: &Matcher,
    media: &[StoredMedium],
    report: &mut HuntReport,
    new_per_entry: &mut HashMap<i64, u64>,
) -> Result<(), EngineError> {
    let mut settled_media = Vec::with_capacity(media.len());
    for m in media {
        let hashes = MediumHashes {
            sha256: Some(m.sha256.clone()),
            md5: Some(m.md5.clone()),
            pdq: stored_pdq(m.pdq.as_deref(), m.pdq_variants.as_deref()),
            quality: m.pdq_quality,
        };
        let result = matcher.match_medium(store, &hashes)?;
        report.media_checked += 1;
        settled_media.push(MediumMatches {
            media_sha256: m.sha256.clone(),
            matches: Matcher::to_record(&m.sha256, &result),
        });
    }
    let settled = store.settle_matches(&settled_media)?;
    report.media_newly_matched += settled.media_newly_matched;
    report.new_matches += settled.inserted;
    report.suppressed += settled.suppressed;
    report.withdrawn += settled.withdrawn;
    for entry in settled.new_active {
        *new_per_entry.entry(entry).or_default() += 1;
    }
    Ok(())
}

/// Index ids per medium: one for each of its eight PDQ variants (`medium * 8 + variant`).
const VARIANT_SLOTS: u32 = 8;

/// The index of the stored media's PDQ hashes (every dihedral variant stored with each image), saved in the
/// match index's folder (`media-state.json`, `media-*.seg`) and caught up with the media stored since.
pub struct MediaIndex {
    pdq: PdqIndex,
    /// The number of the last medium indexed.
    after: i64,
    files: HashMap<u64, String>,
}

const MEDIA_STATE_FILE: &str = "media-state.json";
const MEDIA_STATE_FORMAT: u32 = 1;

#[derive(Serialize, serde::Deserialize)]
struct MediaState {
    format: u32,
    after: i64,
    segments: Vec<String>,
}

impl MediaIndex {
    /// Loads the saved index from `dir` (when given and present), indexes the media stored since, and saves
    /// it again when it grew. A saved index that cannot be read is rebuilt.
    ///
    /// # Errors
    /// When the store fails, a medium's number is beyond what the index holds (2^29), or the folder cannot be
    /// written.
    pub fn open(store: &mut dyn Store, dir: Option<&Path>) -> Result<MediaIndex, EngineError> {
        let mut index = MediaIndex {
            pdq: PdqIndex::new(),
            after: 0,
            files: HashMap::new(),
        };
        if let Some(dir) = dir
            && let Err(e) = index.load(dir)
        {
            tracing::warn!(
                "the saved index of stored media in {} is rebuilt: {e}",
                dir.display()
            );
            index = MediaIndex {
                pdq: PdqIndex::new(),
                after: 0,
                files: HashMap::new(),
            };
        }
        let mut grew = false;
        let mut pending: Vec<(vigie_pdq::Hash256, u32)> = Vec::new();
        loop {
            let media = store.media_feed(index.after, 10_000)?;
            let Some(last) = media.last() else { break };
            index.after = last.id;
            grew = true;
            for m in &media {
                let hashes = stored_pdq(m.pdq.as_deref(), m.pdq_variants.as_deref());
                if hashes.is_empty() {
                    continue;
                }
                let slot = u32::try_from(m.id)
                    .ok()
                    .and_then(|id| id.checked_mul(VARIANT_SLOTS))
                    .ok_or_else(|| {
                        EngineError::Index(format!(
                            "stored medium number {} is beyond the index of stored media",
                            m.id
                        ))
                    })?;
                for (variant, hash) in hashes.into_iter().enumerate() {
                    pending.push((hash, slot + variant as u32));
                }
            }
        }
        if index.pdq.is_empty() && index.files.is_empty() {
            index.pdq = PdqIndex::build(pending);
        } else {
            for (hash, id) in pending {
                index.pdq.insert(hash, id);
            }
        }
        if grew && let Some(dir) = dir {
            index.save(dir)?;
        }
        Ok(index)
    }

    /// Hashes indexed.
    pub fn len(&self) -> usize {
        self.pdq.len()
    }

    /// Whether nothing is indexed.
    pub fn is_empty(&self) -> bool {
        self.pdq.is_empty()
    }

    /// The stored media (by number) with a variant within `distance` of `hash`, each once, in order.
    pub fn search(&self, hash: &vigie_pdq::Hash256, distance: u32) -> Vec<i64> {
        let mut hits: Vec<vigie_index::Hit> = Vec::new();
        self.pdq.search(hash, distance, &mut hits);
        let mut out: Vec<i64> = hits
            .iter()
            .map(|h| i64::from(h.id / VARIANT_SLOTS))
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }

    fn load(&mut self, dir: &Path) -> Result<(), String> {
        let path = dir.join(MEDIA_STATE_FILE);
        let text = match fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(format!("{}: {e}", path.display())),
        };
        let state: MediaState =
            serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
        if state.format != MEDIA_STATE_FORMAT {
            return Err(format!(
                "{}: format {} is not {MEDIA_STATE_FORMAT}",
                path.display(),
                state.format
            ));
        }
        self.pdq = load_segments(dir, &state.segments, &mut self.files)?;
        self.after = state.after;
        Ok(())
    }

    fn save(&mut self, dir: &Path) -> Result<(), EngineError> {
        fs::create_dir_all(dir).map_err(|e| {
            EngineError::Index(format!(
                "cannot create the index folder {}: {e}",
                dir.display()
            ))
        })?;
        self.pdq.seal_delta();
        let (names, files) = save_segments(dir, "media", &self.pdq, &self.files)?;
        let state = MediaState {
            format: MEDIA_STATE_FORMAT,
            after: self.after,
            segments: names.clone(),
        };
        let json =
            serde_json::to_vec_pretty(&state).map_err(|e| EngineError::Index(e.to_string()))?;
        write_atomically(&dir.join(MEDIA_STATE_FILE), |w| {
            std::io::Write::write_all(w, &json)
        })
        .map_err(|e| {
            EngineError::Index(format!(
                "cannot write the media index state in {}: {e}",
                dir.display()
            ))
        })?;
        remove_unnamed_segments(dir, "media", &names);
        self.files = files;
        Ok(())
    }
}
