//! Hash-list import: the entries of a list file into a bank, in chunks of one transaction each, beside `scan`.

use std::io::BufReader;
use std::path::Path;

use vigie_ingest::hashlist::{ListFormat, ListOptions, ListProblem, read_list};
use vigie_model::{AuditEvent, EntryRecord, Format, ImportCounts, ImportStatus, QuarantinedRecord};
use vigie_store::{Actor, Batch, EntryCounts, Store};

use crate::EngineError;

/// Records handed to the store per transaction.
const IMPORT_CHUNK: usize = 100_000;

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
/// `actor`: an import record with its outcome, the entries applied in chunks of 100,000 (each one transaction
/// with its audit entry, which counts what it changed: what was applied before a failure stays, audited), and
/// every row that cannot be read quarantined with its position and reason while the rest goes on.
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
    let mut failure: Option<vigie_store::StoreError> = None;
    let mut quarantine = Batch::default();
    let result = {
        let mut on_record = |record: EntryRecord| {
            if failure.is_some() {
                return;
            }
            chunk.push(record);
            if chunk.len() >= IMPORT_CHUNK {
                match store.apply_entries_audited(bank, &chunk, actor, &event) {
                    Ok(c) => counts += c,
                    Err(e) => failure = Some(e),
                }
                chunk.clear();
            }
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
        store.finish_import(
            import_id,
            ImportStatus::Failed,
            &ImportCounts::default(),
            Some(&e.to_string()),
        )?;
        return Err(e.into());
    }
    if !chunk.is_empty() {
        counts += store.apply_entries_audited(bank, &chunk, actor, &event)?;
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
