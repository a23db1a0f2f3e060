//! Hash banks: named lists of known media hashes (or of hashes to ignore), their entries, and the matches
//! that tie a stored medium to a bank entry.

use crate::Timestamp;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// Labels on a bank or an entry: `ideology`, `group`, `media_type`, `tag`, or any name an analyst uses.
///
/// Ordered by name, so that two lists with the same labels print and compare the same.
pub type Labels = BTreeMap<String, String>;

/// The kind of hash an entry holds.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SignalType {
    /// A 256-bit PDQ perceptual hash of an image (64 hex digits), matched within a distance.
    Pdq,
    /// The MD5 of a file's bytes (32 hex digits), matched exactly. Hash lists use it for videos.
    Md5,
    /// The SHA-256 of a file's bytes (64 hex digits), matched exactly.
    Sha256,
}

/// Why a hash value or a signal type name was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignalError {
    /// The type name is not one Vigie knows.
    #[error("unknown hash type {0:?} (expected pdq, md5 or sha256)")]
    UnknownType(String),
    /// The value has the wrong number of digits for its type.
    #[error("a {signal} hash has {expected} hexadecimal digits, got {got}")]
    Length {
        /// The type.
        signal: SignalType,
        /// Digits expected.
        expected: usize,
        /// Characters found.
        got: usize,
    },
    /// The value holds a character that is not a hexadecimal digit.
    #[error("a {signal} hash holds only hexadecimal digits, found {found:?}")]
    NotHex {
        /// The type.
        signal: SignalType,
        /// The first offending character.
        found: char,
    },
}

impl SignalType {
    /// Every type, in a stable order.
    pub const ALL: [SignalType; 3] = [SignalType::Pdq, SignalType::Md5, SignalType::Sha256];

    /// The stored name: `pdq`, `md5` or `sha256`.
    pub fn as_str(self) -> &'static str {
        match self {
            SignalType::Pdq => "pdq",
            SignalType::Md5 => "md5",
            SignalType::Sha256 => "sha256",
        }
    }

    /// Parses a type name as hash lists write it: Vigie's names, ThreatExchange's (`pdq`, `video_md5`,
    /// `video_sha256`, `photo_md5`), and the upper-case forms of hash-sharing lists (`PDQ`, `MD5`, `SHA256`, `SHA-256`).
    ///
    /// # Errors
    /// [`SignalError::UnknownType`] for any other name.
    pub fn parse(name: &str) -> Result<SignalType, SignalError> {
        match name.trim().to_ascii_lowercase().as_str() {
            "pdq" | "pdq_photo" | "photo_pdq" => Ok(SignalType::Pdq),
            "md5" | "video_md5" | "photo_md5" | "file_md5" => Ok(SignalType::Md5),
            "sha256" | "sha-256" | "sha_256" | "file_sha256" | "video_sha256" | "photo_sha256" => {
                Ok(SignalType::Sha256)
            }
            _ => Err(SignalError::UnknownType(name.trim().to_owned())),
        }
    }

    /// The number of hexadecimal digits of a value.
    pub fn hex_len(self) -> usize {
        match self {
            SignalType::Md5 => 32,
            SignalType::Pdq | SignalType::Sha256 => 64,
        }
    }

    /// Checks a value and returns it in canonical form: lower-case hex, surrounding space removed.
    ///
    /// # Errors
    /// [`SignalError::Length`] or [`SignalError::NotHex`].
    pub fn normalize(self, value: &str) -> Result<String, SignalError> {
        let value = value.trim();
        if !value.bytes().all(|b| b.is_ascii_hexdigit())
            && let Some(found) = value.chars().find(|c| !c.is_ascii_hexdigit())
        {
            return Err(SignalError::NotHex {
                signal: self,
                found,
            });
        }
        if value.len() != self.hex_len() {
            return Err(SignalError::Length {
                signal: self,
                expected: self.hex_len(),
                got: value.chars().count(),
            });
        }
        let mut value = value.to_owned();
        value.make_ascii_lowercase();
        Ok(value)
    }

    /// The type a bare value of this many digits most likely is: 32 digits are MD5, 64 are PDQ (SHA-256 values
    /// have the same length, so lists of SHA-256 must say so).
    pub fn guess(value: &str) -> Option<SignalType> {
        match value.trim().len() {
            32 => Some(SignalType::Md5),
            64 => Some(SignalType::Pdq),
            _ => None,
        }
    }
}

impl fmt::Display for SignalType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a bank's matches mean.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BankKind {
    /// Known media to find: a match is evidence for review.
    Block,
    /// Media known to be harmless (a logo, a news agency's frame, a meme template): a match suppresses the
    /// block matches of the same medium.
    Allow,
}

impl BankKind {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            BankKind::Block => "block",
            BankKind::Allow => "allow",
        }
    }

    /// Parses `block` or `allow`.
    pub fn parse(name: &str) -> Option<BankKind> {
        match name.trim().to_ascii_lowercase().as_str() {
            "block" | "blocklist" | "block-list" => Some(BankKind::Block),
            "allow" | "allowlist" | "allow-list" => Some(BankKind::Allow),
            _ => None,
        }
    }
}

/// The default PDQ match distance of a bank: the reference's threshold.
pub const DEFAULT_PDQ_DISTANCE: u32 = 31;

/// The largest PDQ match distance a bank may use. Beyond it, unrelated images match.
pub const MAX_PDQ_DISTANCE: u32 = 63;

/// A bank as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bank {
    /// Row id.
    pub id: i64,
    /// Unique name.
    pub name: String,
    /// Block or allow.
    pub kind: BankKind,
    /// Where the list comes from (an organisation, a file, an address).
    pub source: Option<String>,
    /// Labels every entry inherits.
    pub labels: Labels,
    /// A disabled bank is kept but not matched.
    pub enabled: bool,
    /// The largest PDQ distance that counts as a match, 0 to 63.
    pub pdq_distance: u32,
    /// When it was created.
    pub created_at: Timestamp,
    /// When its settings last changed.
    pub updated_at: Timestamp,
    /// Entries that are not removed, per type.
    pub live_entries: u64,
    /// Entries held by the flood guard.
    pub quarantined_entries: u64,
    /// For an allow bank, the block banks whose matches its entries suppress, by name; `None` for every block
    /// bank. Always `None` for a block bank.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suppresses: Option<Vec<String>>,
}

impl Bank {
    /// Whether this allow bank's entries suppress the matches of the block bank `block`.
    pub fn suppresses(&self, block: &str) -> bool {
        self.kind == BankKind::Allow
            && self
                .suppresses
                .as_ref()
                .is_none_or(|names| names.iter().any(|n| n == block))
    }
}

/// One hash as a list file gives it, before it is stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntryRecord {
    /// The hash type.
    pub signal: SignalType,
    /// The value, canonical (see [`SignalType::normalize`]).
    pub value: String,
    /// The entry's own labels.
    pub labels: Labels,
    /// Where it came from: the list's own id for it, or `file:line`.
    pub provenance: Option<String>,
    /// The list says this hash was withdrawn: it removes the entry.
    pub deleted: bool,
    /// When the list last changed it, when the list says.
    pub updated_on: Option<Timestamp>,
}

/// A bank entry as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BankEntry {
    /// Row id.
    pub id: i64,
    /// The bank's name.
    pub bank: String,
    /// The hash type.
    pub signal: SignalType,
    /// The canonical value.
    pub value: String,
    /// The entry's own labels (the bank's are not copied in).
    pub labels: Labels,
    /// Where it came from.
    pub provenance: Option<String>,
    /// When it was first added.
    pub added_at: Timestamp,
    /// When it last changed.
    pub updated_at: Timestamp,
    /// When it was removed, if it was. Removed entries are kept for the record but never matched.
    pub removed_at: Option<Timestamp>,
    /// Why the flood guard holds it, if it does. Its matches are held back from review until it is released.
    pub quarantine: Option<String>,
}

/// What became of a match.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchStatus {
    /// Evidence for review.
    Active,
    /// An allow-list entry matched the same medium.
    Suppressed,
    /// The entry is held by the flood guard.
    Held,
    /// No longer a match: its entry was removed, its bank disabled or deleted from matching, or its distance
    /// narrowed below this match's. Kept as history; never evidence.
    Withdrawn,
}

impl MatchStatus {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            MatchStatus::Active => "active",
            MatchStatus::Suppressed => "suppressed",
            MatchStatus::Held => "held",
            MatchStatus::Withdrawn => "withdrawn",
        }
    }

    /// Parses a stored name.
    pub fn parse(name: &str) -> Option<MatchStatus> {
        match name {
            "active" => Some(MatchStatus::Active),
            "suppressed" => Some(MatchStatus::Suppressed),
            "held" => Some(MatchStatus::Held),
            "withdrawn" => Some(MatchStatus::Withdrawn),
            _ => None,
        }
    }
}

/// A stored medium that matched a bank entry.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MediaMatch {
    /// The medium's SHA-256.
    pub media_sha256: String,
    /// The entry's row id.
    pub entry_id: i64,
    /// The bank's name.
    pub bank: String,
    /// The entry's type.
    pub signal: SignalType,
    /// The entry's value.
    pub value: String,
    /// Bits that differ (0 for exact digests).
    pub distance: u32,
    /// Which dihedral variant of the medium matched (`original`, `rotate90`, ...; `original` for digests).
    pub variant: String,
    /// What became of it.
    pub status: MatchStatus,
    /// For a suppressed match, the allow-list entry that suppressed it.
    pub suppressed_by: Option<i64>,
    /// When it was found.
    pub matched_at: Timestamp,
    /// The confirmed case whose medium the entry came from (an entry fed from confirmed cases, labelled
    /// `confirmed_case`): this medium is that propaganda back again. Filled by the analysis.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub earlier_case: Option<i64>,
}
