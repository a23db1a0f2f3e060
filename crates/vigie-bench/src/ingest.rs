//! `vigie-bench ingest`: the ingest benchmark. Generates X API v2 responses (JSONL, 100 posts each), then
//! scans them into a fresh SQLite store on this thread, and reports posts per second and peak memory.

use crate::OutputFormat;
use anyhow::Context;
use serde::Serialize;
use std::io::BufWriter;
use std::path::PathBuf;
use std::time::Instant;
use vigie_engine::{ScanConfig, SilentProgress};

#[derive(Serialize)]
struct IngestBench {
    posts_generated: usize,
    input_bytes: u64,
    posts_stored: i64,
    accounts_stored: i64,
    seconds: f64,
    posts_per_second: f64,
    store_seconds: f64,
    analysis_seconds: f64,
    parse_only_seconds: f64,
    parse_only_posts_per_second: f64,
    peak_rss_mib: f64,
    rss_before_scan_mib: f64,
    database_bytes: u64,
}

/// Peak resident memory of this process so far (`VmHWM`), in MiB; 0 where `/proc` is absent.
pub(crate) fn peak_rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map(|kb| kb / 1024.0)
        .unwrap_or(0.0)
}

pub fn ingest(
    format: OutputFormat,
    posts: usize,
    accounts: usize,
    dir: Option<PathBuf>,
) -> anyhow::Result<()> {
    let temp;
    let dir = match dir {
        Some(d) => {
            std::fs::create_dir_all(&d)
                .with_context(|| format!("cannot create {}", d.display()))?;
            d
        }
        None => {
            temp = tempfile::tempdir().context("cannot create a temporary folder")?;
            temp.path().to_path_buf()
        }
    };
    let input = dir.join("x-v2-bench.jsonl");
    let db = dir.join("bench.db");
    for stale in [
        db.clone(),
        dir.join("bench.db-wal"),
        dir.join("bench.db-shm"),
    ] {
        let _ = std::fs::remove_file(stale);
    }
    eprintln!(
        "generating {posts} posts by {accounts} accounts into {} ...",
        input.display()
    );
    let file = std::fs::File::create(&input)
        .with_context(|| format!("cannot create {}", input.display()))?;
    let input_bytes = vigie_sample::write_x_v2_jsonl(BufWriter::new(file), posts, accounts, 42)?;
    let rss_before = peak_rss_mib();
    // The parsing stage alone (adapters, language, entities; no store), to show where the time goes.
    let parse_started = Instant::now();
    let discovered = vigie_ingest::discover(std::slice::from_ref(&input))?;
    let mut parsed = 0u64;
    for one in &discovered.inputs {
        vigie_ingest::read(one, &vigie_ingest::IngestOptions::default(), &mut |r| {
            if matches!(r, vigie_model::Record::Post(_)) {
                parsed += 1;
            }
            Ok(())
        })?;
    }
    let parse_seconds = parse_started.elapsed().as_secs_f64();
    // Referenced tweets repeat under `includes.tweets`, so more post records are read than posts stored.
    anyhow::ensure!(
        parsed as usize >= posts,
        "parsed {parsed} posts, generated {posts}"
    );
    eprintln!("ingesting into {} ...", db.display());
    let mut store = vigie_store::open(&db.to_string_lossy(), None)?;
    let started = Instant::now();
    let report = vigie_engine::scan(
        store.as_mut(),
        std::slice::from_ref(&input),
        &ScanConfig::default(),
        &SilentProgress,
    )?;
    let seconds = started.elapsed().as_secs_f64();
    let stats = store.stats()?;
    // Closing checkpoints the write-ahead log into the file, so that the size below is the database's.
    drop(store);
    anyhow::ensure!(
        stats.posts as usize == posts,
        "stored {} posts, generated {posts}",
        stats.posts
    );
    anyhow::ensure!(
        report.totals.quarantined == 0,
        "{} records quarantined",
        report.totals.quarantined
    );
    let result = IngestBench {
        posts_generated: posts,
        input_bytes,
        posts_stored: stats.posts,
        accounts_stored: stats.accounts,
        seconds,
        posts_per_second: posts as f64 / seconds,
        store_seconds: report.store_time.as_secs_f64(),
        analysis_seconds: report.analysis_time.as_secs_f64(),
        parse_only_seconds: parse_seconds,
        parse_only_posts_per_second: posts as f64 / parse_seconds,
        peak_rss_mib: peak_rss_mib(),
        rss_before_scan_mib: rss_before,
        database_bytes: std::fs::metadata(&db).map(|m| m.len()).unwrap_or(0),
    };
    if format == OutputFormat::Json {
        println!("{}", serde_json::to_string_pretty(&result)?);
    } else {
        println!(
            "ingest: {} posts ({:.0} MB of X API v2 JSONL) in {:.2} s = {:.0} posts/s on one thread \
             (of which {:.2} s writing to the store; parsing alone: {:.2} s = {:.0} posts/s); peak RSS {:.0} MiB; database {:.0} MB; {} accounts",
            result.posts_stored,
            input_bytes as f64 / 1e6,
            seconds,
            result.posts_per_second,
            result.store_seconds,
            parse_seconds,
            result.parse_only_posts_per_second,
            result.peak_rss_mib,
            result.database_bytes as f64 / 1e6,
            result.accounts_stored
        );
    }
    Ok(())
}
