//! `vigie-bench bank-import`: hash-list import into a bank. For each size it writes a list of random PDQ hashes
//! (`pdq <hex>` lines, the plain list format), imports it with `vigie bank import`'s code path into a new bank of
//! a fresh SQLite store on this thread, then a tenth of it again as deletions (TCAP records with `deleted`), and
//! reports entries per second and the peak memory of this process.

use crate::OutputFormat;
use crate::index::Rng;
use crate::ingest::peak_rss_mib;
use anyhow::Context;
use serde::Serialize;
use std::io::{BufWriter, Write};
use std::path::Path;
use std::time::Instant;
use vigie_ingest::hashlist::{ListFormat, ListOptions};
use vigie_store::{Actor, NewBank};

#[derive(Serialize)]
struct SizeResult {
    entries: usize,
    import_seconds: f64,
    entries_per_second: f64,
    added: u64,
    update_entries: usize,
    update_seconds: f64,
    update_entries_per_second: f64,
    removed: u64,
    database_bytes: u64,
    peak_rss_mib: f64,
}

/// Writes `n` random PDQ hashes of `seed`, one `pdq <hex>` line each, and every tenth of them again, withdrawn,
/// as TCAP's feed lists its deletions (one JSON record per line).
fn write_lists(list: &Path, update: &Path, seed: u64, n: usize) -> anyhow::Result<()> {
    let mut rng = Rng(seed);
    let mut out = BufWriter::new(std::fs::File::create(list)?);
    let mut deletions = BufWriter::new(std::fs::File::create(update)?);
    for i in 0..n {
        let hex = rng.hash().to_hex();
        writeln!(out, "pdq {hex}")?;
        if i % 10 == 0 {
            writeln!(
                deletions,
                r#"{{"hash_digest":"{hex}","algorithm":"pdq","deleted":true}}"#
            )?;
        }
    }
    out.flush()?;
    deletions.flush()?;
    Ok(())
}

/// Runs the benchmark for each size.
pub fn run(fmt: OutputFormat, sizes: &[usize], dir: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let actor = Actor::cli("bench");
    let mut results = Vec::new();
    for &n in sizes {
        let list = dir.join(format!("list-{n}.txt"));
        let update = dir.join(format!("update-{n}.jsonl"));
        write_lists(&list, &update, 0x5eed ^ n as u64, n)?;
        let db = dir.join(format!("bank-{n}.db"));
        for stale in [db.clone(), dir.join(format!("bank-{n}.db-wal"))] {
            let _ = std::fs::remove_file(stale);
        }
        let _ = std::fs::remove_dir_all(dir.join(format!("bank-{n}-media")));
        let mut store = vigie_store::open(&db.display().to_string(), None)?;
        store.create_bank(&NewBank::named("bench"), &actor)?;
        let started = Instant::now();
        let report = vigie_engine::import_hash_list(
            store.as_mut(),
            "bench",
            &list,
            ListFormat::Lines,
            &ListOptions::default(),
            &actor,
        )?;
        let import_seconds = started.elapsed().as_secs_f64();
        let started = Instant::now();
        let removal = vigie_engine::import_hash_list(
            store.as_mut(),
            "bench",
            &update,
            ListFormat::Tcap,
            &ListOptions::default(),
            &actor,
        )?;
        let update_seconds = started.elapsed().as_secs_f64();
        drop(store);
        let update_entries = n.div_ceil(10);
        results.push(SizeResult {
            entries: n,
            import_seconds,
            entries_per_second: n as f64 / import_seconds,
            added: report.counts.added,
            update_entries,
            update_seconds,
            update_entries_per_second: update_entries as f64 / update_seconds,
            removed: removal.counts.removed,
            database_bytes: std::fs::metadata(&db).map_or(0, |m| m.len()),
            peak_rss_mib: peak_rss_mib(),
        });
        for path in [list, update] {
            let _ = std::fs::remove_file(path);
        }
    }
    match fmt {
        OutputFormat::Json => {
            serde_json::to_writer_pretty(std::io::stdout().lock(), &results)?;
            println!();
        }
        OutputFormat::Text => {
            for r in &results {
                println!(
                    "{:>10} entries: import {:.2} s ({:.0}/s, {} added); update of {} deletions {:.2} s ({:.0}/s, {} removed); \
                     database {} MB; peak memory {:.0} MiB",
                    r.entries,
                    r.import_seconds,
                    r.entries_per_second,
                    r.added,
                    r.update_entries,
                    r.update_seconds,
                    r.update_entries_per_second,
                    r.removed,
                    r.database_bytes / 1_000_000,
                    r.peak_rss_mib
                );
            }
        }
    }
    Ok(())
}
