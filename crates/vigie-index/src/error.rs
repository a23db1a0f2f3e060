//! What can be wrong with segment bytes handed to [`Segment::from_bytes`](crate::Segment::from_bytes), or with
//! entries handed to [`Segment::build`](crate::Segment::build).

use std::fmt;

/// One section of the segment file format (see the [`segment`](crate::Segment) format description).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Section {
    /// The 32-byte hashes, ordered by chunk 0.
    Hashes,
    /// The 4-byte ids, in the order of the hashes.
    Ids,
    /// The 65,537 bucket offsets of a table.
    Offsets {
        /// Table index, 0..16.
        table: u8,
    },
    /// The neighbour chunks of a table, in bucket order.
    Neighbours {
        /// Table index, 0..16.
        table: u8,
    },
    /// The 3-byte positions into the hashes of a table, in bucket order (empty for table 0).
    Positions {
        /// Table index, 0..16.
        table: u8,
    },
}

impl fmt::Display for Section {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Section::Hashes => f.write_str("hashes"),
            Section::Ids => f.write_str("ids"),
            Section::Offsets { table } => write!(f, "bucket offsets of table {table}"),
            Section::Neighbours { table } => write!(f, "neighbour chunks of table {table}"),
            Section::Positions { table } => write!(f, "positions of table {table}"),
        }
    }
}

/// Why bytes are not a segment this version can open. Opening checks the header and every bucket offset,
/// never the entries themselves, so a segment that opens may still hold damaged entries: searching it
/// never panics, but may miss or misreport them.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FormatError {
    /// Fewer bytes than a header.
    #[error("a PDQ index segment starts with a {needed}-byte header, got only {len} bytes")]
    TooShort {
        /// Number of bytes given.
        len: usize,
        /// Size of the header.
        needed: usize,
    },
    /// The bytes do not start with `VIGIEPDQ`.
    #[error("not a PDQ index segment: the bytes do not start with \"VIGIEPDQ\"")]
    BadMagic,
    /// A format version this code does not read.
    #[error(
        "PDQ index segment format version {found} is not supported (this version reads {supported})"
    )]
    UnsupportedVersion {
        /// The version in the header.
        found: u32,
        /// The version this code reads and writes.
        supported: u32,
    },
    /// The header declares another number of sections than the format has.
    #[error("PDQ index segment header declares {found} sections, the format has {expected}")]
    SectionCount {
        /// Declared count.
        found: u32,
        /// The format's count.
        expected: u32,
    },
    /// More entries than a segment can hold.
    #[error("PDQ index segment declares {entries} entries, at most {max} are allowed")]
    TooManyEntries {
        /// Declared entry count.
        entries: u64,
        /// [`Segment::MAX_LEN`](crate::Segment::MAX_LEN).
        max: usize,
    },
    /// The total length in the header, or the number of bytes given, is not the one the entry count implies.
    #[error(
        "PDQ index segment with {entries} entries must be {expected} bytes long, the header says {declared} and {actual} bytes were given"
    )]
    Length {
        /// Declared entry count.
        entries: u64,
        /// Length implied by the entry count.
        expected: u64,
        /// Length declared in the header.
        declared: u64,
        /// Number of bytes given.
        actual: usize,
    },
    /// A section is not where, or not as long as, the format puts it.
    #[error(
        "PDQ index segment section \"{section}\" must be {expected_len} bytes at offset {expected_offset}, the header says {found_len} bytes at {found_offset}"
    )]
    SectionBounds {
        /// The section.
        section: Section,
        /// Offset the format gives it.
        expected_offset: u64,
        /// Length the format gives it.
        expected_len: u64,
        /// Offset in the header.
        found_offset: u64,
        /// Length in the header.
        found_len: u64,
    },
    /// A table's bucket offsets do not start at 0, decrease, or do not end at the entry count.
    #[error(
        "PDQ index segment table {table}: bucket offset {bucket} is out of order or out of range"
    )]
    BucketOffsets {
        /// Table index, 0..16.
        table: usize,
        /// The first offending bucket offset index, 0..=65536.
        bucket: usize,
    },
}

/// Why a segment could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    /// More distinct (hash, id) pairs than a segment can hold; [`PdqIndex::build`](crate::PdqIndex::build)
    /// splits such inputs over several segments.
    #[error(
        "a PDQ index segment holds at most {max} entries, got {entries} distinct (hash, id) pairs"
    )]
    TooManyEntries {
        /// Number of distinct pairs given.
        entries: usize,
        /// [`Segment::MAX_LEN`](crate::Segment::MAX_LEN).
        max: usize,
    },
}
