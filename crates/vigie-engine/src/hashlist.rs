//! Hash-list import: the entries of a list file into a bank, in chunks of one transaction each, beside `scan`.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::io::{BufRead, BufReader, BufWriter, Seek, Write};
use std::path::Path;

use vigie_ingest::hashlist::{ListFormat, ListOptions, ListProblem, read_list};
use vigie_model::{AuditEvent, EntryRecord, Format, ImportCounts, ImportStatus, QuarantinedRecord};
use vigie_store::{Actor, Batch, EntryCounts, Store};

use crate::EngineError;

/// Records read and sorted in memory at a time (a longer list is sorted through temporary files).
const IMPORT_CHUNK: usize = 1_000_000;

/// Records applied per transaction, in hash order: each transaction is a range of hashes, so a smaller one
/// costs no more index pages, and holds less memory.
const MERGED_CHUNK: usize = 250_000;

/// A record's place in the order the store applies records in.
fn key(r: &EntryRecord) -> (&'static str, &str) {
    (r.signal.as_str(), r.value.as_str())
}

/// A sorted run of records spilled to a temporary file (one JSON record per line), read back in order.
struct Run {
    lines: std::io::Lines<BufReader<std::fs::File>>,
}

impl Run {
    /// Sorts `records` (stably: of two records of one hash, the later stays later) and writes them out.
    fn spill(records: &mut Vec<EntryRecord>) -> std::io::Result<Run> {
        records.sort_by(|a, b| key(a).cmp(&key(b)));
        let mut out = BufWriter::new(tempfile::tempfile()?);
        for r in records.drain(..) {
            serde_json::to_writer(&mut out, &r)?;
            out.write_all(b"\n")?;
        }
        let mut file = out.into_inner().map_err(|e| e.into_error())?;
        file.rewind()?;
        Ok(Run {
            lines: BufReader::with_capacity(1 << 16, file).lines(),
        })
    }

    fn next(&mut self) -> std::io::Result<Option<EntryRecord>> {
        match self.lines.next() {
            None => Ok(None),
            Some(line) => serde_json::from_str(&line?)
                .map(Some)
                .map_err(std::io::Error::other),
        }
    }
}

/// Calls `apply` with the records of every run merged into one sorted sequence, [`MERGED_CHUNK`] at a time
/// (equal hashes in the order they were read).
fn merge_runs(
    runs: &mut [Run],
    apply: &mut dyn FnMut(&[EntryRecord]) -> Result<(), EngineError>,
) -> Result<(), EngineError> {
    let io = |e: std::io::Error| EngineError::Index(format!("the import's sorted runs: {e}"));
    // (key, run): the smallest key first, and of equal keys the earlier run.
    let mut heads: Vec<Option<EntryRecord>> = Vec::with_capacity(runs.len());
    let mut heap = BinaryHeap::new();
    for (i, run) in runs.iter_mut().enumerate() {
        let head = run.next().map_err(io)?;
        if let Some(r) = &head {
            heap.push(Reverse((r.signal.as_str(), r.value.clone(), i)));
        }
        heads.push(head);
    }
    let mut chunk: Vec<EntryRecord> = Vec::with_capacity(MERGED_CHUNK);
    while let Some(Reverse((_, _, i))) = heap.pop() {
        let Some(record) = heads[i].take() else {
            continue;
        };
        chunk.push(record);
        let next = runs[i].next().map_err(io)?;
        if let Some(r) = &next {
            heap.push(Reverse((r.signal.as_str(), r.value.clone(), i)));
        }
        heads[i] = next;
        if chunk.len() >= MERGED_CHUNK {
            apply(&chunk)?;
            chunk.clear();
        }
    }
    if !chunk.is_empty() {
        apply(&chunk)?;
    }
    Ok(())
}

/// Problems kept per file for the report (all of them are quarantined).
pub const QUOTED_PROBLEMS: usize = 10;

/// What importing one list file did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HashListImport {
    /// The file, as given.
    pub file: String,
    /// The format it was read as.
    pub format: ListFormat,
    /// Entries added, updated, removed and unchanged in the bank.
    pub counts: EntryCounts,
    /// Rows that could not be read (each quarantined with its position and reason).
    pub invalid: u64,
    /// The first [`QUOTED_PROBLEMS`] of them.
    pub problems: Vec<ListProblem>,
}

/// Imports the list file `path` (read as `format`) into the bank `bank`, which must exist, on behalf of
/// `actor`: an import record with its outcome, the entries applied in hash order, 250,000 per transaction
/// (each with its audit entry, which counts what it changed: what was applied before a failure stays, audited, and
/// importing the file again finishes the job, as an import is idempotent), and every row that cannot be read
/// quarantined with its position and reason while the rest goes on.
///
/// The store applies each chunk in hash order, so that it walks its index once per transaction. A list longer
/// than a chunk is sorted as a whole first (sorted runs of a chunk each, spilled to temporary files, then merged):
/// each chunk is then a range of hashes and touches only its part of the index, where chunks of a list in file
/// order each touched nearly every page of it (10M entries: 63 s instead of more than twice as long).
///
/// # Errors
/// When the file cannot be opened or read as a whole (the import is recorded as failed), or the store fails.
pub fn import_hash_list(
    store: &mut dyn Store,
    bank: &str,
    path: &Path,
    format: ListFormat,
    options: &ListOptions,
    actor: &Actor,
) -> Result<HashListImport, EngineError> {
    let shown = path.display().to_string();
    let event = AuditEvent::BankImport {
        bank: bank.to_owned(),
        file: shown.clone(),
        format: format.as_str().to_owned(),
    };
    let file = std::fs::File::open(path).map_err(|source| vigie_ingest::IngestError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let import_id = store.begin_import(&shown, Format::HashList)?;
    let mut chunk: Vec<EntryRecord> = Vec::with_capacity(IMPORT_CHUNK);
    let mut counts = EntryCounts::default();
    let mut problems: Vec<ListProblem> = Vec::new();
    let mut invalid = 0u64;
    let mut failure: Option<std::io::Error> = None;
    let mut runs: Vec<Run> = Vec::new();
    let mut quarantine = Batch::default();
    let result = {
        let mut on_record = |record: EntryRecord| {
            if failure.is_some() {
                return;
            }
            // Spilled only when a record comes after a full chunk: a list of at most a chunk stays in memory.
            if chunk.len() >= IMPORT_CHUNK {
                match Run::spill(&mut chunk) {
                    Ok(run) => runs.push(run),
                    Err(e) => {
                        failure = Some(e);
                        return;
                    }
                }
            }
            chunk.push(record);
        };
        let mut on_problem = |p: ListProblem| {
            invalid += 1;
            quarantine.push_quarantine(QuarantinedRecord::new(
                &shown,
                p.position.clone(),
                format!("invalid hash-list row: {}", p.reason),
                p.raw.as_bytes(),
            ));
            if problems.len() < QUOTED_PROBLEMS {
                problems.push(p);
            }
        };
        read_list(
            &mut BufReader::new(file),
            format,
            options,
            &mut on_record,
            &mut on_problem,
        )
    };
    if let Some(e) = failure {
        let message = format!("cannot sort the list in temporary files: {e}");
        store.finish_import(
            import_id,
            ImportStatus::Failed,
            &ImportCounts::default(),
            Some(&message),
        )?;
        return Err(EngineError::Index(message));
    }
    let applied = if runs.is_empty() {
        // Sorted, then applied a range of hashes at a time: one transaction of a million rows spills its dirty
        // pages to the WAL and costs more than four of a quarter each.
        chunk.sort_by(|a, b| key(a).cmp(&key(b)));
        chunk.chunks(MERGED_CHUNK).try_for_each(|part| {
            store
                .apply_entries_audited(bank, part, actor, &event)
                .map(|c| counts += c)
                .map_err(EngineError::from)
        })
    } else {
        let spilled = if chunk.is_empty() {
            Ok(())
        } else {
            Run::spill(&mut chunk).map(|run| runs.push(run))
        };
        // The reading buffer's memory is not needed while merging.
        drop(std::mem::take(&mut chunk));
        spilled
            .map_err(|e| {
                EngineError::Index(format!("cannot sort the list in temporary files: {e}"))
            })
            .and_then(|()| {
                merge_runs(&mut runs, &mut |records| {
                    counts += store.apply_entries_audited(bank, records, actor, &event)?;
                    Ok(())
                })
            })
    };
    if let Err(e) = applied {
        store.finish_import(
            import_id,
            ImportStatus::Failed,
            &ImportCounts::default(),
            Some(&e.to_string()),
        )?;
        return Err(e);
    }
    let import_counts = ImportCounts {
        quarantined: invalid,
        ..ImportCounts::default()
    };
    if !quarantine.is_empty() {
        store.write_batch(import_id, &quarantine, &import_counts)?;
    }
    let (status, error) = match &result {
        Ok(()) => (ImportStatus::Complete, None),
        Err(e) => (ImportStatus::Failed, Some(e.to_string())),
    };
    store.finish_import(import_id, status, &import_counts, error.as_deref())?;
    result.map_err(|source| EngineError::HashList {
        file: shown.clone(),
        source,
    })?;
    Ok(HashListImport {
        file: shown,
        format,
        counts,
        invalid,
        problems,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use vigie_model::{Labels, SignalType};

    fn record(value: char, deleted: bool, note: &str) -> EntryRecord {
        EntryRecord {
            signal: SignalType::Pdq,
            value: value.to_string().repeat(64),
            labels: Labels::from([("note".to_owned(), note.to_owned())]),
            provenance: None,
            deleted,
            updated_on: None,
        }
    }

    #[test]
    fn merged_runs_come_out_in_hash_order_with_equal_hashes_in_reading_order() {
        // Three runs as the reader spills them: each sorted, the same hash in several.
        let mut runs = Vec::new();
        for batch in [
            vec![
                record('c', false, "1"),
                record('a', false, "2"),
                record('c', true, "3"),
            ],
            vec![record('b', false, "4"), record('c', false, "5")],
            vec![record('a', true, "6")],
        ] {
            let mut batch = batch;
            runs.push(Run::spill(&mut batch).expect("spilled"));
        }
        let mut seen: Vec<(String, bool, String)> = Vec::new();
        let mut chunks = 0;
        merge_runs(&mut runs, &mut |records| {
            chunks += 1;
            seen.extend(
                records
                    .iter()
                    .map(|r| (r.value[..1].to_owned(), r.deleted, r.labels["note"].clone())),
            );
            Ok(())
        })
        .expect("merged");
        let expected = [
            ("a", false, "2"),
            ("a", true, "6"),
            ("b", false, "4"),
            ("c", false, "1"),
            ("c", true, "3"),
            ("c", false, "5"),
        ];
        assert_eq!(chunks, 1);
        assert_eq!(
            seen,
            expected
                .iter()
                .map(|(v, d, n)| ((*v).to_owned(), *d, (*n).to_owned()))
                .collect::<Vec<_>>()
        );
    }
}
