//! Export formats to model records: X API v2, Telegram Desktop exports, generic JSONL and CSV, folders of
//! media; and the hash-list files that fill banks ([`hashlist`]).
//!
//! Each adapter streams its input and pushes [`Record`](vigie_model::Record)s into a sink, one at a time:
//! memory is bounded by the largest single record (capped by [`IngestOptions`]), never by the file. A record
//! that cannot be read is pushed as a quarantine record with its file, position and reason, and reading
//! goes on; only an input that cannot be opened at all is an error.

mod budget;
mod csv;
mod detect;
mod error;
mod finish;
mod generic;
pub mod hashlist;
mod json_depth;
mod jsonl;
pub mod labels;
mod lines;
mod options;
mod paths;
mod telegram;
#[cfg(test)]
mod testutil;
mod x_v2;

pub use detect::{Discovery, Input, Skipped, discover};
pub use error::{IngestError, Stop};
pub use options::{ColumnMap, IngestOptions};
pub use paths::{PathError, safe_join};

use vigie_model::{Format, Record};

/// Reads one input, pushing every record into `sink`.
///
/// Returns `Err(IngestError::Stopped)` when the sink asked to stop, and an I/O error when the input cannot
/// be opened or read at all. Bad records are not errors: they reach the sink as
/// [`Record::Quarantine`](vigie_model::Record::Quarantine).
pub fn read(
    input: &Input,
    options: &IngestOptions,
    sink: &mut dyn FnMut(Record) -> Result<(), Stop>,
) -> Result<(), IngestError> {
    match input.format {
        Format::XV2 => x_v2::read(input, options, sink),
        Format::Telegram => telegram::read(input, options, sink),
        Format::Jsonl => jsonl::read(input, options, sink),
        Format::Csv => csv::read(input, options, sink),
        Format::Media => detect::read_media(input, sink),
        // Hash lists go into banks (`hashlist`), never through a scan.
        Format::HashList => Err(IngestError::Unrecognized {
            path: input.path.clone(),
        }),
    }
}
