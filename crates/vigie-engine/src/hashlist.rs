//! Hash-list import: the entries of a list file into a bank, in one transaction, beside `scan`.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::io::{BufRead, BufReader, BufWriter, Read, Seek, Write};

use sha2::{Digest, Sha256};
use std::path::Path;

use vigie_ingest::hashlist::{ListFormat, ListOptions, ListProblem, read_list};
use vigie_model::{
    AuditEvent, EntryRecord, Format, ImportCounts, ImportStatus, Labels, QuarantinedRecord,
    SignalType, Timestamp,
};
use vigie_store::{Actor, Batch, EntryCounts, ImportProgress, Store, StoreError};

use crate::EngineError;

/// How an import cuts a list.
#[derive(Debug, Clone, Copy)]
struct Chunking {
    /// Records read and sorted in memory at a time: a list of at most this many is applied in one transaction,
    /// a longer one is sorted through temporary files.
    read: usize,
    /// Records handed to the store at a time, in hash order; a list sorted through temporary files is applied
    /// this many per transaction.
    merged: usize,
    /// Transactions of a long list after which the import stops as if it had been killed (tests only).
    stop_after: Option<u64>,
}

/// How [`import_hash_list`] cuts a list.
const CHUNKING: Chunking = Chunking {
    read: 1_000_000,
    merged: 250_000,
    stop_after: None,
};

/// A record's place in the order the store applies records in.
fn key(r: &EntryRecord) -> (&'static str, &str) {
    (r.signal.as_str(), r.value.as_str())
}

/// A sorted run of records spilled to a temporary file, read back in order. Each record is written compactly:
/// its signal's name, whether it is a deletion, its value, its provenance, its labels (JSON, empty when there
/// are none) and its update time, each field with its length first (JSON lines cost a third of a 10M import).
struct Run {
    file: BufReader<std::fs::File>,
}

fn put(out: &mut impl Write, bytes: &[u8]) -> std::io::Result<()> {
    out.write_all(&(bytes.len() as u32).to_le_bytes())?;
    out.write_all(bytes)
}

fn take(input: &mut impl Read) -> std::io::Result<Vec<u8>> {
    let mut len = [0u8; 4];
    input.read_exact(&mut len)?;
    let mut bytes = vec![0u8; u32::from_le_bytes(len) as usize];
    input.read_exact(&mut bytes)?;
    Ok(bytes)
}

fn take_text(input: &mut impl Read) -> std::io::Result<String> {
    String::from_utf8(take(input)?).map_err(std::io::Error::other)
}

impl Run {
    /// Sorts `records` (stably: of two records of one hash, the later stays later) and writes them out.
    fn spill(records: &mut Vec<EntryRecord>) -> std::io::Result<Run> {
        records.sort_by(|a, b| key(a).cmp(&key(b)));
        let mut out = BufWriter::with_capacity(1 << 16, tempfile::tempfile()?);
        for r in records.drain(..) {
            put(&mut out, r.signal.as_str().as_bytes())?;
            out.write_all(&[u8::from(r.deleted)])?;
            put(&mut out, r.value.as_bytes())?;
            match &r.provenance {
                Some(p) => {
                    out.write_all(&[1])?;
                    put(&mut out, p.as_bytes())?;
                }
                None => out.write_all(&[0])?,
            }
            if r.labels.is_empty() {
                put(&mut out, b"")?;
            } else {
                put(&mut out, &serde_json::to_vec(&r.labels)?)?;
            }
            match r.updated_on {
                Some(t) => {
                    out.write_all(&[1])?;
                    out.write_all(&t.0.to_le_bytes())?;
                }
                None => out.write_all(&[0])?,
            }
        }
        let mut file = out.into_inner().map_err(|e| e.into_error())?;
        file.rewind()?;
        Ok(Run {
            file: BufReader::with_capacity(1 << 16, file),
        })
    }

    fn next(&mut self) -> std::io::Result<Option<EntryRecord>> {
        if self.file.fill_buf()?.is_empty() {
            return Ok(None);
        }
        let input = &mut self.file;
        let signal = SignalType::parse(&take_text(input)?).map_err(std::io::Error::other)?;
        let mut flag = [0u8; 1];
        input.read_exact(&mut flag)?;
        let deleted = flag[0] == 1;
        let value = take_text(input)?;
        input.read_exact(&mut flag)?;
        let provenance = if flag[0] == 1 {
            Some(take_text(input)?)
        } else {
            None
        };
        let labels = take(input)?;
        let labels = if labels.is_empty() {
            Labels::new()
        } else {
            serde_json::from_slice(&labels)?
        };
        input.read_exact(&mut flag)?;
        let updated_on = if flag[0] == 1 {
            let mut t = [0u8; 8];
            input.read_exact(&mut t)?;
            Some(Timestamp(i64::from_le_bytes(t)))
        } else {
            None
        };
        Ok(Some(EntryRecord {
            signal,
            value,
            labels,
            provenance,
            deleted,
            updated_on,
        }))
    }
}

/// Calls `apply` with the records of every run merged into one sorted sequence, `per_call` at a time (equal
/// hashes in the order they were read), leaving out the first `skip` of them.
fn merge_runs(
    runs: &mut [Run],
    skip: u64,
    per_call: usize,
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
    let mut chunk: Vec<EntryRecord> = Vec::with_capacity(per_call);
    let mut position = 0u64;
    while let Some(Reverse((_, _, i))) = heap.pop() {
        let Some(record) = heads[i].take() else {
            continue;
        };
        if position >= skip {
            chunk.push(record);
        }
        position += 1;
        let next = runs[i].next().map_err(io)?;
        if let Some(r) = &next {
            heap.push(Reverse((r.signal.as_str(), r.value.clone(), i)));
        }
        heads[i] = next;
        if chunk.len() >= per_call {
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
    /// When the import went on from an earlier one of the same list that did not finish: that import, and how
    /// many records of the sorted list it had applied (`counts` include what it changed).
    pub resumed: Option<(i64, u64)>,
}

/// A reader that computes the SHA-256 of what is read through it.
struct Digesting<R> {
    inner: R,
    digest: Sha256,
}

impl<R: Read> Read for Digesting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.digest.update(&buf[..n]);
        Ok(n)
    }
}

/// Imports the list file `path` (read as `format`) into the bank `bank`, which must exist, on behalf of
/// `actor`: an import record with its outcome, the entries applied in hash order in one transaction with one
/// audit entry that counts what it changed (an import that fails half way leaves the bank as it was; importing
/// the file again does the whole job, as an import is idempotent), and every row that cannot be read quarantined
/// with its position and reason while the rest goes on.
///
/// The store takes the records in hash order, so that it walks its index once from one end to the other. A list
/// longer than a million records is sorted as a whole first (sorted runs spilled to temporary files, then
/// merged) and handed over 250,000 records at a time, so memory stays bounded whatever the list's length
/// (in file order, each part touched nearly every page of the index: 10M entries took more than twice as long).
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
    import_with(store, bank, path, format, options, actor, CHUNKING)
}

/// [`import_hash_list`], cutting the list as `chunking` says.
fn import_with(
    store: &mut dyn Store,
    bank: &str,
    path: &Path,
    format: ListFormat,
    options: &ListOptions,
    actor: &Actor,
    chunking: Chunking,
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
    let mut reader = Digesting {
        inner: file,
        digest: Sha256::new(),
    };
    let mut chunk: Vec<EntryRecord> = Vec::with_capacity(chunking.read.min(1 << 20));
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
            if chunk.len() >= chunking.read {
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
            &mut BufReader::with_capacity(1 << 16, &mut reader),
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
    // What names this list: an import of the same bytes, read the same way, into the same bank goes on from
    // where an earlier one that did not finish stopped.
    let list = format!(
        "sha256:{}:{}:{options:?}",
        hex(&reader.digest.finalize()),
        format.as_str()
    );
    let mut resumed = None;
    let applied = if runs.is_empty() {
        // At most a chunk of records, sorted in memory: applied in one transaction (an import that fails half way,
        // the disk full or the process killed, leaves the bank as it was).
        chunk.sort_by(|a, b| key(a).cmp(&key(b)));
        let mut feed = |apply: &mut dyn FnMut(&[EntryRecord]) -> Result<(), StoreError>| {
            chunk.chunks(chunking.merged).try_for_each(&mut *apply)
        };
        store
            .apply_entry_feed_audited(bank, &mut feed, actor, &event, None)
            .map(|c| counts = c)
            .map_err(EngineError::from)
    } else {
        // Longer: applied `chunking.merged` records per transaction (one transaction of millions of records made the
        // WAL as large as the database, and every page read searched it), each recording how far the import has
        // gone. An import that stops half way is taken up from there by the next import of the same list, which
        // ends in the state one import would have left.
        let spilled = if chunk.is_empty() {
            Ok(())
        } else {
            Run::spill(&mut chunk).map(|run| runs.push(run))
        };
        // The reading buffer's memory is not needed while merging.
        drop(std::mem::take(&mut chunk));
        let mut applied = 0;
        spilled
            .map_err(|e| {
                EngineError::Index(format!("cannot sort the list in temporary files: {e}"))
            })
            .and_then(|()| {
                store
                    .import_progress(bank, &list)
                    .map_err(EngineError::from)
            })
            .and_then(|earlier| {
                if let Some(p) = earlier {
                    resumed = Some((p.import_id, p.applied));
                    applied = p.applied;
                    counts = p.counts;
                }
                let mut transactions = 0;
                merge_runs(&mut runs, applied, chunking.merged, &mut |records| {
                    if chunking.stop_after == Some(transactions) {
                        return Err(EngineError::Index("stopped (a test)".into()));
                    }
                    transactions += 1;
                    applied += records.len() as u64;
                    let progress = ImportProgress {
                        import_id,
                        bank: bank.to_owned(),
                        list: list.clone(),
                        applied,
                        counts,
                    };
                    let mut feed =
                        |apply: &mut dyn FnMut(&[EntryRecord]) -> Result<(), StoreError>| {
                            apply(records)
                        };
                    counts += store.apply_entry_feed_audited(
                        bank,
                        &mut feed,
                        actor,
                        &event,
                        Some(&progress),
                    )?;
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
        resumed,
    })
}

/// Lower-case hex digits of `bytes`.
fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(value: char, deleted: bool, note: &str) -> EntryRecord {
        EntryRecord {
            signal: SignalType::Pdq,
            value: value.to_string().repeat(64),
            labels: Labels::from([("note".to_owned(), note.to_owned())]),
            provenance: (note != "4").then(|| format!("line {note}")),
            deleted,
            updated_on: (note == "5").then_some(Timestamp(1_700_000_000)),
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
        merge_runs(&mut runs, 0, 250_000, &mut |records| {
            chunks += 1;
            seen.extend(
                records
                    .iter()
                    .map(|r| (r.value[..1].to_owned(), r.deleted, r.labels["note"].clone())),
            );
            // Every field comes back as it was spilled.
            for r in records {
                let note = &r.labels["note"];
                assert_eq!(r.signal, SignalType::Pdq);
                assert_eq!(r.value.len(), 64);
                assert_eq!(r.provenance, (note != "4").then(|| format!("line {note}")));
                assert_eq!(
                    r.updated_on,
                    (note == "5").then_some(Timestamp(1_700_000_000))
                );
            }
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

    /// A list of 60 records with repeated hashes and deletions, as PDQ lines and TCAP records.
    fn long_list(dir: &Path) -> std::path::PathBuf {
        let path = dir.join("list.jsonl");
        let mut out = String::new();
        for i in 0..60u32 {
            // Hash number i % 45: fifteen hashes come twice, the second time deleted when i is odd.
            let hash = format!("{:064x}", u64::from(i % 45) * 0x9e37_79b9 + 1);
            let deleted = i >= 45 && i % 2 == 1;
            out.push_str(&format!(
                "{{\"hash_digest\":\"{hash}\",\"algorithm\":\"pdq\",\"deleted\":{deleted},\"group\":\"g{}\"}}\n",
                i % 7
            ));
        }
        std::fs::write(&path, out).expect("list written");
        path
    }

    fn entries(store: &mut dyn Store, bank: &str) -> Vec<(String, Option<String>, bool)> {
        let mut all: Vec<_> = store
            .bank_entries(bank, true, 1000)
            .expect("entries")
            .into_iter()
            .map(|e| {
                (
                    e.value,
                    e.labels.get("group").cloned(),
                    e.removed_at.is_some(),
                )
            })
            .collect();
        all.sort();
        all
    }

    #[test]
    fn a_long_import_that_stops_half_way_goes_on_from_there_to_the_same_end() {
        let dir = tempfile::tempdir().expect("temp dir");
        let list = long_list(dir.path());
        let db = dir.path().join("vigie.db").display().to_string();
        let mut store = vigie_store::open(&db, None).expect("store");
        let actor = Actor::cli("test");
        for bank in ["once", "twice"] {
            store
                .create_bank(&vigie_store::NewBank::named(bank), &actor)
                .expect("bank");
        }
        let small = |stop_after| Chunking {
            read: 16,
            merged: 8,
            stop_after,
        };
        let import = |store: &mut dyn Store, bank: &str, chunking| {
            import_with(
                store,
                bank,
                &list,
                ListFormat::Tcap,
                &ListOptions::default(),
                &actor,
                chunking,
            )
        };
        let whole = import(store.as_mut(), "once", small(None)).expect("imported");
        assert_eq!(whole.resumed, None);
        assert_eq!(
            whole.counts.added + whole.counts.updated,
            45 + 7,
            "{:?}",
            whole.counts
        );

        // Stopped after three transactions of eight records: those stay, the rest is not there.
        let stopped = import(store.as_mut(), "twice", small(Some(3)));
        assert!(stopped.is_err());
        assert_eq!(
            store
                .bank_entries("twice", true, 1000)
                .expect("entries")
                .len(),
            12,
            "three transactions in hash order: 24 records, hashes 0 to 11 twice each (the fifteen smallest come twice)"
        );
        // The next import goes on from record 24 and ends where one import ends.
        let rest = import(store.as_mut(), "twice", small(None)).expect("imported");
        let (earlier, applied) = rest.resumed.expect("went on from the stopped import");
        assert_eq!(applied, 24);
        assert!(earlier > 0);
        assert_eq!(rest.counts, whole.counts);
        assert_eq!(
            entries(store.as_mut(), "twice"),
            entries(store.as_mut(), "once")
        );
        // The one after that starts from the beginning (the list was imported whole) and changes nothing in the end.
        let again = import(store.as_mut(), "twice", small(None)).expect("imported");
        assert_eq!(again.resumed, None);
        assert_eq!(
            entries(store.as_mut(), "twice"),
            entries(store.as_mut(), "once")
        );
    }
}
