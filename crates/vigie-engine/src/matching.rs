//! Matching media against hash banks: the match index that follows the store's bank entries, and the rules
//! that turn index hits into matches (per-bank distance, enabled banks, allow-lists, quality, the flood guard).
//!
//! The store is the truth; the index is derived from it. [`Matcher::open`] loads the index saved beside the
//! store (PDQ segments, memory-mapped, and the exact digests), reads the bank entries that changed since it
//! was saved, applies them as inserts and removals, and saves again when something changed. Nothing is
//! rebuilt when a list changes; a deleted bank (rare) makes the next open rebuild from the store.

use crate::EngineError;
use std::collections::HashMap;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use vigie_index::{Hit, Md5Set, PdqIndex, Segment, Sha256Set};
use vigie_model::{Bank, BankEntry, BankKind, MatchStatus, SignalType};
use vigie_pdq::Hash256;
use vigie_store::{FeedPosition, NewMatch, Store, StoreError};

/// The label that disables an entry for a while (as HMA's `disable_until_ts`): `0` disabled, `1` enabled, any
/// other value the Unix time (seconds) from which it is matched again.
pub const DISABLE_UNTIL_LABEL: &str = "disable_until_ts";

/// Whether an entry's labels leave it matched at `now` ([`DISABLE_UNTIL_LABEL`]; an unreadable value leaves
/// it matched).
pub fn entry_enabled(labels: &vigie_model::Labels, now: vigie_model::Timestamp) -> bool {
    match labels
        .get(DISABLE_UNTIL_LABEL)
        .map(|v| v.trim().parse::<i64>())
    {
        Some(Ok(0)) => false,
        Some(Ok(1)) | None | Some(Err(_)) => true,
        Some(Ok(ts)) => ts <= now.0 / 1000,
    }
}

/// The names of the eight dihedral variants, in the order of PDQ's dihedral hashes.
pub const VARIANTS: [&str; 8] = [
    "original",
    "rotate90",
    "rotate180",
    "rotate270",
    "flip_x",
    "flip_y",
    "flip_main_diagonal",
    "flip_anti_diagonal",
];

/// How media are matched.
#[derive(Debug, Clone, PartialEq)]
pub struct MatchConfig {
    /// PDQ hashes below this quality are not matched (default 50, the reference's advice): a flat or tiny
    /// image's hash says little about it.
    pub min_quality: u8,
    /// The flood guard: an entry that gains at least this many new matches in one scan (default 50) ...
    pub flood_min_matches: u64,
    /// ... and more than this many times the matches it had before (default 10) is held for a person to
    /// look at, with its matches, instead of flooding the review queue.
    pub flood_factor: f64,
    /// Where the index is saved between runs; `None` keeps it in memory only.
    pub index_dir: Option<PathBuf>,
}

impl Default for MatchConfig {
    fn default() -> Self {
        MatchConfig {
            min_quality: 50,
            flood_min_matches: 50,
            flood_factor: 10.0,
            index_dir: None,
        }
    }
}

/// The hashes of one medium, as far as they are known.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MediumHashes {
    /// SHA-256 of the bytes, hex.
    pub sha256: Option<String>,
    /// MD5 of the bytes, hex.
    pub md5: Option<String>,
    /// PDQ hashes: the original alone, or all eight dihedral variants in [`VARIANTS`] order.
    pub pdq: Vec<Hash256>,
    /// PDQ quality.
    pub quality: Option<u8>,
}

/// One bank entry that a medium matches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BankHit {
    /// The entry.
    pub entry: BankEntry,
    /// Its bank.
    pub bank: Bank,
    /// Bits that differ (0 for digests).
    pub distance: u32,
    /// The variant of the medium that matched.
    pub variant: &'static str,
    /// Active, suppressed by an allow-list entry, or held by the flood guard.
    pub status: MatchStatus,
    /// The allow-list entry that suppressed it.
    pub suppressed_by: Option<i64>,
}

/// What matching one medium found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MatchResult {
    /// Hits, block banks first, then by distance.
    pub hits: Vec<BankHit>,
    /// Set when the PDQ hash was not matched because its quality is below the threshold.
    pub below_quality: Option<u8>,
}

/// Sizes of the loaded index, for reports.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct IndexStats {
    /// PDQ entries.
    pub pdq: usize,
    /// MD5 and SHA-256 entries.
    pub digests: usize,
    /// Entry changes read from the store on opening.
    pub changes_applied: u64,
    /// Whether the index was rebuilt from the store (no saved index, or a bank was deleted).
    pub rebuilt: bool,
}

/// The match index of a store's banks, with the banks' settings.
pub struct Matcher {
    pdq: PdqIndex,
    md5: Md5Set,
    sha256: Sha256Set,
    position: Option<FeedPosition>,
    /// PDQ pairs removed from saved segments since they were written (saved with the state, applied on load).
    /// A pair added again leaves this set: replaying its removal on the next load would remove the new copy too.
    removed: std::collections::HashSet<(Hash256, u32)>,
    /// Saved segment files, by segment id (unique in the process, shared by clones).
    files: HashMap<u64, String>,
    banks: HashMap<String, Bank>,
    config: MatchConfig,
    stats: IndexStats,
}

fn index_error(what: impl std::fmt::Display) -> EngineError {
    EngineError::Index(what.to_string())
}

/// `N` bytes from `2N` hexadecimal digits (either case), or `None`.
fn hex_array<const N: usize>(text: &str) -> Option<[u8; N]> {
    let mut out = [0u8; N];
    hex::decode_to_slice(text, &mut out).ok()?;
    Some(out)
}

/// An entry's value as bytes (MD5 in the first 16), or `None` when it is not a hash of its type.
fn parse_value(signal: SignalType, value: &str) -> Option<[u8; 32]> {
    match signal {
        SignalType::Pdq => Hash256::from_hex(value).ok().map(|h| h.0),
        SignalType::Sha256 => hex_array::<32>(value),
        SignalType::Md5 => hex_array::<16>(value).map(|d| {
            let mut out = [0u8; 32];
            out[..16].copy_from_slice(&d);
            out
        }),
    }
}

/// The index's id for an entry: entry row ids are stored as 32 bits.
fn short_id(id: i64) -> Result<u32, EngineError> {
    u32::try_from(id).map_err(|_| index_error(format!("bank entry id {id} is beyond 2^32")))
}

impl Matcher {
    /// Loads the saved index (if `config.index_dir` is set and holds one), catches up with the store's bank
    /// entries, saves what changed, and reads the banks' settings.
    ///
    /// # Errors
    /// When the store fails or the index folder cannot be written. A saved index that cannot be read is not
    /// an error: it is rebuilt from the store.
    pub fn open(store: &mut dyn Store, config: MatchConfig) -> Result<Matcher, EngineError> {
        let mut matcher = Matcher {
            pdq: PdqIndex::new(),
            md5: Md5Set::new(),
            sha256: Sha256Set::new(),
            position: None,
            removed: std::collections::HashSet::new(),
            files: HashMap::new(),
            banks: HashMap::new(),
            config,
            stats: IndexStats::default(),
        };
        if let Some(dir) = matcher.config.index_dir.clone()
            && let Err(e) = matcher.load(&dir)
        {
            tracing::warn!("the saved match index in {} is rebuilt: {e}", dir.display());
            matcher.reset();
        }
        matcher.catch_up(store)?;
        matcher.refresh_banks(store)?;
        Ok(matcher)
    }

    fn reset(&mut self) {
        self.pdq = PdqIndex::new();
        self.md5 = Md5Set::new();
        self.sha256 = Sha256Set::new();
        self.position = None;
        self.removed.clear();
        self.files.clear();
    }

    /// Re-reads the banks' settings (enabled, distance, kind), which take effect at once.
    ///
    /// # Errors
    /// When the store fails.
    pub fn refresh_banks(&mut self, store: &mut dyn Store) -> Result<(), EngineError> {
        self.banks = store
            .bank_settings()?
            .into_iter()
            .map(|b| (b.name.clone(), b))
            .collect();
        Ok(())
    }

    /// Reads the entry changes since the index's position and applies them; saves the index when it changed.
    ///
    /// # Errors
    /// When the store fails or the index cannot be saved.
    pub fn catch_up(&mut self, store: &mut dyn Store) -> Result<(), EngineError> {
        let mut bad = 0u64;
        let mut too_big = None;
        let mut changed = false;
        let mut rebuild = self.position.is_none();
        if let Some(since) = self.position {
            let mut ops: Vec<(SignalType, [u8; 32], i64, bool)> = Vec::new();
            let (now, fresh) = store.entry_changes(Some(since), &mut |c| match parse_value(
                c.signal, c.value,
            ) {
                Some(bytes) => ops.push((c.signal, bytes, c.id, c.live)),
                None => bad += 1,
            })?;
            if fresh {
                rebuild = true;
            } else {
                for (signal, bytes, id, live) in ops {
                    let short = short_id(id)?;
                    self.apply(signal, &bytes, short, live);
                    self.stats.changes_applied += 1;
                    changed = true;
                }
                changed |= self.position != Some(now);
                self.position = Some(now);
            }
        }
        if rebuild {
            self.reset();
            self.stats.rebuilt = true;
            let mut live_pdq: Vec<(Hash256, u32)> = Vec::new();
            let (md5, sha256) = (&mut self.md5, &mut self.sha256);
            let mut count = 0u64;
            let (now, _) = store.entry_changes(None, &mut |c| {
                count += 1;
                if !c.live {
                    return;
                }
                let Ok(short) = u32::try_from(c.id) else {
                    too_big = Some(c.id);
                    return;
                };
                match (c.signal, parse_value(c.signal, c.value)) {
                    (SignalType::Pdq, Some(b)) => live_pdq.push((Hash256(b), short)),
                    (SignalType::Md5, Some(b)) => {
                        let mut d = [0u8; 16];
                        d.copy_from_slice(&b[..16]);
                        md5.insert(d, short);
                    }
                    (SignalType::Sha256, Some(b)) => {
                        sha256.insert(b, short);
                    }
                    (_, None) => bad += 1,
                }
            })?;
            if let Some(id) = too_big {
                short_id(id)?;
            }
            self.pdq = PdqIndex::build(live_pdq);
            self.stats.changes_applied += count;
            self.position = Some(now);
            changed = true;
        }
        if bad > 0 {
            tracing::warn!(
                "{bad} bank entries hold a value that is not a hash of their type; they are not matched"
            );
        }
        if changed && let Some(dir) = self.config.index_dir.clone() {
            self.save(&dir)?;
        }
        self.stats.pdq = self.pdq.len();
        self.stats.digests = self.md5.len() + self.sha256.len();
        Ok(())
    }

    /// Applies one entry change to the index: a live entry is present afterwards, a removed one absent.
    fn apply(&mut self, signal: SignalType, bytes: &[u8; 32], id: u32, live: bool) {
        match signal {
            SignalType::Pdq => {
                let hash = Hash256(*bytes);
                if live {
                    self.removed.remove(&(hash, id));
                    if !self.pdq.contains(&hash, id) {
                        self.pdq.insert(hash, id);
                    }
                } else if self.pdq.remove(&hash, id) {
                    self.removed.insert((hash, id));
                }
            }
            SignalType::Md5 => {
                let mut d = [0u8; 16];
                d.copy_from_slice(&bytes[..16]);
                if live {
                    self.md5.insert(d, id);
                } else {
                    self.md5.remove(&d, id);
                }
            }
            SignalType::Sha256 => {
                if live {
                    self.sha256.insert(*bytes, id);
                } else {
                    self.sha256.remove(bytes, id);
                }
            }
        }
    }

    /// Sizes of the index.
    pub fn stats(&self) -> IndexStats {
        IndexStats {
            pdq: self.pdq.len(),
            digests: self.md5.len() + self.sha256.len(),
            ..self.stats
        }
    }

    /// The PDQ entries within `distance` of `hash`: (entry id, distance), in no particular order.
    pub fn search_pdq(&self, hash: &Hash256, distance: u32) -> Vec<(u32, u32)> {
        let mut hits: Vec<Hit> = Vec::new();
        self.pdq.search(hash, distance, &mut hits);
        hits.into_iter().map(|h| (h.id, h.distance)).collect()
    }

    /// The MD5 or SHA-256 entries holding this digest (hex), by id.
    pub fn search_digest(&self, signal: SignalType, hex: &str) -> Vec<u32> {
        match signal {
            SignalType::Md5 => {
                hex_array::<16>(hex).map_or_else(Vec::new, |d| self.md5.get(&d).to_vec())
            }
            SignalType::Sha256 => {
                hex_array::<32>(hex).map_or_else(Vec::new, |d| self.sha256.get(&d).to_vec())
            }
            SignalType::Pdq => Vec::new(),
        }
    }

    /// MD5 entries in the index.
    pub fn md5_len(&self) -> usize {
        self.md5.len()
    }

    /// Whether any enabled bank exists.
    pub fn has_enabled_banks(&self) -> bool {
        self.banks.values().any(|b| b.enabled)
    }

    /// The configuration.
    pub fn config(&self) -> &MatchConfig {
        &self.config
    }

    /// Matches one medium against every enabled bank.
    ///
    /// # Errors
    /// When the store fails while the hits' entries are read.
    pub fn match_medium(
        &self,
        store: &mut dyn Store,
        medium: &MediumHashes,
    ) -> Result<MatchResult, StoreError> {
        let mut result = MatchResult::default();
        // entry id -> (distance, variant)
        let mut best: HashMap<u32, (u32, usize)> = HashMap::new();
        let max_distance = self
            .banks
            .values()
            .filter(|b| b.enabled)
            .map(|b| b.pdq_distance)
            .max();
        if let Some(max_distance) = max_distance
            && !medium.pdq.is_empty()
        {
            match medium.quality {
                Some(q) if q < self.config.min_quality => result.below_quality = Some(q),
                _ => {
                    let mut hits: Vec<Hit> = Vec::new();
                    for (variant, hash) in medium.pdq.iter().enumerate().take(VARIANTS.len()) {
                        hits.clear();
                        self.pdq.search(hash, max_distance, &mut hits);
                        for h in &hits {
                            let slot = best.entry(h.id).or_insert((h.distance, variant));
                            if h.distance < slot.0 {
                                *slot = (h.distance, variant);
                            }
                        }
                    }
                }
            }
        }
        let mut exact: Vec<u32> = Vec::new();
        if let Some(d) = medium.md5.as_deref().and_then(hex_array::<16>) {
            exact.extend_from_slice(self.md5.get(&d));
        }
        if let Some(d) = medium.sha256.as_deref().and_then(hex_array::<32>) {
            exact.extend_from_slice(self.sha256.get(&d));
        }
        for id in exact {
            best.insert(id, (0, 0));
        }
        if best.is_empty() {
            return Ok(result);
        }
        let mut ids: Vec<i64> = best.keys().map(|&id| i64::from(id)).collect();
        ids.sort_unstable();
        let now = vigie_model::Timestamp::now();
        for entry in store.entries_by_id(&ids)? {
            let Some(bank) = self.banks.get(&entry.bank) else {
                continue;
            };
            let Some(&(distance, variant)) =
                u32::try_from(entry.id).ok().and_then(|id| best.get(&id))
            else {
                continue;
            };
            if !bank.enabled || entry.removed_at.is_some() || !entry_enabled(&entry.labels, now) {
                continue;
            }
            if entry.signal == SignalType::Pdq && distance > bank.pdq_distance {
                continue;
            }
            let status = if entry.quarantine.is_some() {
                MatchStatus::Held
            } else {
                MatchStatus::Active
            };
            result.hits.push(BankHit {
                bank: bank.clone(),
                distance,
                variant: VARIANTS[variant],
                status,
                suppressed_by: None,
                entry,
            });
        }
        // An allow-list hit suppresses the block hits of the medium in its bank's scope (every block bank unless
        // the allow bank names some); the nearest allow entry that covers a block hit is named.
        let mut allows: Vec<(u32, i64, Bank)> = result
            .hits
            .iter()
            .filter(|h| h.bank.kind == BankKind::Allow)
            .map(|h| (h.distance, h.entry.id, h.bank.clone()))
            .collect();
        allows.sort_by_key(|a| (a.0, a.1));
        if !allows.is_empty() {
            for h in result
                .hits
                .iter_mut()
                .filter(|h| h.bank.kind == BankKind::Block)
            {
                if let Some((_, allow, _)) = allows.iter().find(|a| a.2.suppresses(&h.bank.name)) {
                    h.status = MatchStatus::Suppressed;
                    h.suppressed_by = Some(*allow);
                }
            }
        }
        result.hits.sort_by(|a, b| {
            (a.bank.kind == BankKind::Allow, a.distance, a.entry.id).cmp(&(
                b.bank.kind == BankKind::Allow,
                b.distance,
                b.entry.id,
            ))
        });
        Ok(result)
    }

    /// The matches to record for a medium's hits (allow-list hits are not matches: they show in the
    /// suppressed ones).
    pub fn to_record(sha256: &str, result: &MatchResult) -> Vec<NewMatch> {
        result
            .hits
            .iter()
            .filter(|h| h.bank.kind == BankKind::Block)
            .map(|h| NewMatch {
                media_sha256: sha256.to_owned(),
                entry_id: h.entry.id,
                distance: h.distance,
                variant: h.variant.to_owned(),
                status: h.status,
                suppressed_by: h.suppressed_by,
            })
            .collect()
    }

    // -----------------------------------------------------------------------------------------------------
    // The saved index: `state.json`, segment files `pdq-*.seg`, and `digests.bin`.

    fn load(&mut self, dir: &Path) -> Result<(), String> {
        let state_path = dir.join(STATE_FILE);
        let text = match fs::read_to_string(&state_path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(format!("{}: {e}", state_path.display())),
        };
        let state: SavedState =
            serde_json::from_str(&text).map_err(|e| format!("{}: {e}", state_path.display()))?;
        if state.format != STATE_FORMAT {
            return Err(format!(
                "saved index format {} is not {STATE_FORMAT}",
                state.format
            ));
        }
        self.pdq = load_segments(dir, &state.segments, &mut self.files)?;
        for (hex, id) in &state.removed {
            let hash = Hash256::from_hex(hex).map_err(|e| format!("removed hash {hex:?}: {e}"))?;
            if self.pdq.remove(&hash, *id) {
                self.removed.insert((hash, *id));
            }
        }
        read_digests(&dir.join(DIGESTS_FILE), &mut self.md5, &mut self.sha256)?;
        self.position = Some(FeedPosition {
            epoch: state.epoch,
            seq: state.seq,
        });
        Ok(())
    }

    fn save(&mut self, dir: &Path) -> Result<(), EngineError> {
        let fail =
            |what: &str, e: std::io::Error| index_error(format!("{what} {}: {e}", dir.display()));
        fs::create_dir_all(dir).map_err(|e| fail("cannot create the index folder", e))?;
        self.pdq.seal_delta();
        // Removal marks are replayed on every open; past a twentieth of the index, the segments are rewritten.
        if self.removed.len() > 1024 && self.removed.len() * 20 > self.pdq.len() {
            self.pdq.compact();
            self.removed.clear();
        }
        let (names, files) = save_segments(dir, "pdq", &self.pdq, &self.files)?;
        write_atomically(&dir.join(DIGESTS_FILE), |w| {
            write_digests(w, &self.md5, &self.sha256)
        })
        .map_err(|e| fail("cannot write the digests in", e))?;
        let position = self.position.unwrap_or(FeedPosition { epoch: 0, seq: 0 });
        let mut removed: Vec<(String, u32)> = self
            .removed
            .iter()
            .map(|(h, id)| (h.to_hex(), *id))
            .collect();
        removed.sort_unstable();
        let state = SavedState {
            format: STATE_FORMAT,
            epoch: position.epoch,
            seq: position.seq,
            segments: names.clone(),
            removed,
        };
        let json = serde_json::to_vec_pretty(&state).map_err(|e| index_error(e.to_string()))?;
        write_atomically(&dir.join(STATE_FILE), |w| w.write_all(&json))
            .map_err(|e| fail("cannot write the index state in", e))?;
        remove_unnamed_segments(dir, "pdq", &names);
        self.files = files;
        Ok(())
    }
}

/// The index of the saved segment files `names` in `dir`, memory-mapped, recording each segment's file in
/// `files` (segment id to file name).
///
/// # Errors
/// A file that cannot be mapped or is not a segment of this format version (the message names it).
pub(crate) fn load_segments(
    dir: &Path,
    names: &[String],
    files: &mut HashMap<u64, String>,
) -> Result<PdqIndex, String> {
    let mut segments = Vec::with_capacity(names.len());
    for name in names {
        let segment = map_segment(&dir.join(name))?;
        files.insert(segment.id(), name.clone());
        segments.push(segment);
    }
    Ok(PdqIndex::from_segments(segments))
}

/// Writes the segments of `index` that `files` (segment id to file name) does not name yet, as
/// `<prefix>-*.seg` in `dir`; returns the file names in segment order and the new map.
///
/// # Errors
/// When a segment cannot be written.
pub(crate) fn save_segments(
    dir: &Path,
    prefix: &str,
    index: &PdqIndex,
    files: &HashMap<u64, String>,
) -> Result<(Vec<String>, HashMap<u64, String>), EngineError> {
    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let mut names = Vec::new();
    let mut out = HashMap::new();
    for (i, segment) in index.segments().iter().enumerate() {
        let key = segment.id();
        let name = match files.get(&key) {
            Some(name) => name.clone(),
            None => {
                let name = format!("{prefix}-{stamp}-{}-{i}.seg", std::process::id());
                write_atomically(&dir.join(&name), |w| segment.write_to(w)).map_err(|e| {
                    index_error(format!("cannot write a segment in {}: {e}", dir.display()))
                })?;
                name
            }
        };
        out.insert(key, name.clone());
        names.push(name);
    }
    Ok((names, out))
}

/// Deletes the `<prefix>-*.seg` files of `dir` that `names` (the saved state's) does not list.
pub(crate) fn remove_unnamed_segments(dir: &Path, prefix: &str, names: &[String]) {
    if let Ok(listing) = fs::read_dir(dir) {
        for file in listing.flatten() {
            let name = file.file_name().to_string_lossy().into_owned();
            if name.starts_with(&format!("{prefix}-"))
                && name.ends_with(".seg")
                && !names.contains(&name)
            {
                let _ = fs::remove_file(file.path());
            }
        }
    }
}

/// The seven dihedral hashes after the original, as `media.pdq_variants` stores them (concatenated hex), or
/// `None` unless all eight are given.
pub(crate) fn variants_hex(dihedral: &[Hash256]) -> Option<String> {
    (dihedral.len() == VARIANTS.len()).then(|| dihedral[1..].iter().map(Hash256::to_hex).collect())
}

/// A stored medium's PDQ hashes: the original, then the seven variants when stored (`media.pdq_variants`).
/// Empty when it has no PDQ hash; the original alone when the variants are missing or unreadable.
pub(crate) fn stored_pdq(pdq: Option<&str>, variants: Option<&str>) -> Vec<Hash256> {
    let Some(original) = pdq.and_then(|h| Hash256::from_hex(h).ok()) else {
        return Vec::new();
    };
    let mut out = vec![original];
    if let Some(v) = variants
        && v.len() == 64 * (VARIANTS.len() - 1)
        && v.is_ascii()
    {
        let rest: Option<Vec<Hash256>> = (0..VARIANTS.len() - 1)
            .map(|i| Hash256::from_hex(&v[i * 64..(i + 1) * 64]).ok())
            .collect();
        if let Some(rest) = rest {
            out.extend(rest);
        }
    }
    out
}

const STATE_FILE: &str = "state.json";
const DIGESTS_FILE: &str = "digests.bin";
const STATE_FORMAT: u32 = 1;
const DIGESTS_MAGIC: &[u8; 8] = b"VIGIEDIG";

/// `state.json`: the store position the saved index reflects, and its parts.
#[derive(serde::Serialize, serde::Deserialize)]
struct SavedState {
    format: u32,
    epoch: i64,
    seq: i64,
    segments: Vec<String>,
    removed: Vec<(String, u32)>,
}

/// Maps a segment file into memory and views it in place: opening costs the same whatever its size.
///
/// # Errors
/// The file cannot be read or is not a segment of this format version (the message names the file).
#[allow(unsafe_code)]
pub fn map_segment(path: &Path) -> Result<Segment, String> {
    let file = fs::File::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
    // SAFETY: segment files are written once under a fresh name, renamed into place when complete, and never
    // modified afterwards (a newer index writes new files and deletes unused ones; on Unix a deleted file
    // stays mapped intact). So the mapped bytes do not change under us, which is what `Mmap::map` requires.
    let map =
        unsafe { memmap2::Mmap::map(&file) }.map_err(|e| format!("{}: {e}", path.display()))?;
    Segment::from_bytes(Arc::new(map)).map_err(|e| format!("{}: {e}", path.display()))
}

/// Writes a file under a temporary name and renames it into place once complete, so that readers (and memory
/// maps) never see a partial file.
///
/// # Errors
/// Any I/O error; the temporary file is removed.
pub fn write_atomically(
    path: &Path,
    write: impl FnOnce(&mut std::io::BufWriter<fs::File>) -> std::io::Result<()>,
) -> std::io::Result<()> {
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    let result = (|| {
        let mut out = std::io::BufWriter::new(fs::File::create(&tmp)?);
        write(&mut out)?;
        out.into_inner().map_err(|e| e.into_error())?.sync_all()?;
        fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// `digests.bin`: magic, version 1, the MD5 pairs then the SHA-256 pairs, each count first (little-endian).
fn write_digests(out: &mut dyn Write, md5: &Md5Set, sha256: &Sha256Set) -> std::io::Result<()> {
    out.write_all(DIGESTS_MAGIC)?;
    out.write_all(&1u32.to_le_bytes())?;
    out.write_all(&(md5.len() as u64).to_le_bytes())?;
    for (digest, id) in md5.iter() {
        out.write_all(&digest)?;
        out.write_all(&id.to_le_bytes())?;
    }
    out.write_all(&(sha256.len() as u64).to_le_bytes())?;
    for (digest, id) in sha256.iter() {
        out.write_all(&digest)?;
        out.write_all(&id.to_le_bytes())?;
    }
    Ok(())
}

fn read_digests(path: &Path, md5: &mut Md5Set, sha256: &mut Sha256Set) -> Result<(), String> {
    let bytes = fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let bad = || format!("{}: not a digests file of this version", path.display());
    let mut at = 0usize;
    let mut take = |n: usize| -> Result<&[u8], String> {
        let slice = bytes.get(at..at + n).ok_or_else(bad)?;
        at += n;
        Ok(slice)
    };
    if take(8)? != DIGESTS_MAGIC || take(4)? != 1u32.to_le_bytes() {
        return Err(bad());
    }
    let count = |b: &[u8]| -> Result<u64, String> {
        Ok(u64::from_le_bytes(b.try_into().map_err(|_| bad())?))
    };
    let n = count(take(8)?)?;
    for _ in 0..n {
        let d: [u8; 16] = take(16)?.try_into().map_err(|_| bad())?;
        let id = u32::from_le_bytes(take(4)?.try_into().map_err(|_| bad())?);
        md5.insert(d, id);
    }
    let n = count(take(8)?)?;
    for _ in 0..n {
        let d: [u8; 32] = take(32)?.try_into().map_err(|_| bad())?;
        let id = u32::from_le_bytes(take(4)?.try_into().map_err(|_| bad())?);
        sha256.insert(d, id);
    }
    Ok(())
}
