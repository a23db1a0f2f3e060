//! `vigie-bench lookup`: the lookup path end to end, as `vigie match` and the server's lookups run it. A fresh
//! SQLite store gets a bank of random PDQ hashes (imported once and kept in the work folder); then, on this
//! thread: opening the match index cold (built from the store and saved) and warm (the saved one), and matching a
//! batch of hashes through `Matcher::match_medium` (nine in ten planted near-duplicates of entries, one in ten
//! random), beside the same queries on the bare index in the same run (the time spent in the index itself).
//! The queries are written to `DIR/lookup-queries.txt` for timing `vigie match` as a whole command.

use crate::OutputFormat;
use crate::index::{Rng, flip};
use anyhow::Context;
use serde::Serialize;
use std::io::{BufWriter, Write};
use std::path::Path;
use std::time::Instant;
use vigie_engine::{MatchConfig, Matcher, MediumHashes};
use vigie_index::PdqIndex;
use vigie_ingest::hashlist::{ListFormat, ListOptions};
use vigie_pdq::Hash256;
use vigie_store::{Actor, NewBank};

#[derive(Serialize)]
struct LookupResult {
    entries: usize,
    queries: usize,
    hits: u64,
    cold_open_seconds: f64,
    warm_open_seconds: f64,
    match_seconds: f64,
    hashes_per_second_end_to_end: f64,
    index_only_seconds: f64,
    index_only_hashes_per_second: f64,
}

/// The bank's hashes: the same for the same size.
fn entries(n: usize) -> Vec<Hash256> {
    let mut rng = Rng(0x100c ^ n as u64);
    (0..n).map(|_| rng.hash()).collect()
}

/// The store of `n` entries in `dir` (made on first use, kept for the next runs) and its hashes.
fn prepare(n: usize, dir: &Path) -> anyhow::Result<(std::path::PathBuf, Vec<Hash256>)> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let hashes = entries(n);
    let db = dir.join(format!("lookup-{n}.db"));
    let actor = Actor::cli("bench");
    if !db.exists() {
        let list = dir.join(format!("lookup-{n}.txt"));
        let mut out = BufWriter::new(std::fs::File::create(&list)?);
        for h in &hashes {
            writeln!(out, "pdq {}", h.to_hex())?;
        }
        out.flush()?;
        drop(out);
        let tmp = dir.join(format!("lookup-{n}.db.part"));
        let _ = std::fs::remove_file(&tmp);
        let mut store = vigie_store::open(&tmp.display().to_string(), None)?;
        store.create_bank(&NewBank::named("bench"), &actor)?;
        vigie_engine::import_hash_list(
            store.as_mut(),
            "bench",
            &list,
            ListFormat::Lines,
            &ListOptions::default(),
            &actor,
        )?;
        drop(store);
        std::fs::rename(&tmp, &db)?;
        let _ = std::fs::remove_file(list);
    }
    Ok((db, hashes))
}

/// The batch of queries: nine in ten planted near-duplicates of entries (8 bits off), one in ten random; with
/// the entry each was planted from (`None` for a random one).
fn planted_queries(hashes: &[Hash256], n: usize, queries: usize) -> Vec<(Hash256, Option<usize>)> {
    let mut rng = Rng(0x9e3 ^ n as u64);
    (0..queries)
        .map(|i| {
            if i % 10 == 9 {
                (rng.hash(), None)
            } else {
                let at = rng.below(n as u64) as usize;
                (flip(&mut rng, &hashes[at], 8), Some(at))
            }
        })
        .collect()
}

fn queries_of(hashes: &[Hash256], n: usize, queries: usize) -> Vec<Hash256> {
    planted_queries(hashes, n, queries)
        .into_iter()
        .map(|q| q.0)
        .collect()
}

/// The entries and the queries in the files `bench/index_reference.py` reads (python-threatexchange's
/// `PDQIndex`, timed on the same hashes): `lookup-haystack-N.txt`, one hash per line, and
/// `lookup-reference-queries-N.txt`, `<hash> <planted entry or -1> <bits flipped>` per line.
fn write_reference_files(
    dir: &Path,
    hashes: &[Hash256],
    n: usize,
    queries: usize,
) -> anyhow::Result<()> {
    let mut out = BufWriter::new(std::fs::File::create(
        dir.join(format!("lookup-haystack-{n}.txt")),
    )?);
    for h in hashes {
        writeln!(out, "{}", h.to_hex())?;
    }
    out.flush()?;
    let mut out = BufWriter::new(std::fs::File::create(
        dir.join(format!("lookup-reference-queries-{n}.txt")),
    )?);
    for (q, planted) in planted_queries(hashes, n, queries) {
        match planted {
            Some(at) => writeln!(out, "{} {at} 8", q.to_hex())?,
            None => writeln!(out, "{} -1 0", q.to_hex())?,
        }
    }
    out.flush()?;
    Ok(())
}

/// Runs the benchmark.
pub fn run(fmt: OutputFormat, n: usize, queries: usize, dir: &Path) -> anyhow::Result<()> {
    let (db, hashes) = prepare(n, dir)?;
    let batch = queries_of(&hashes, n, queries);
    write_reference_files(dir, &hashes, n, queries)?;
    let mut out = BufWriter::new(std::fs::File::create(dir.join("lookup-queries.txt"))?);
    for q in &batch {
        writeln!(out, "{}", q.to_hex())?;
    }
    out.flush()?;
    drop(out);

    let mut store = vigie_store::open(&db.display().to_string(), None)?;
    // As `vigie match` and the server do.
    store.serve_reads()?;
    let index_dir = dir.join(format!("lookup-{n}-index"));
    let _ = std::fs::remove_dir_all(&index_dir);
    let config = MatchConfig {
        index_dir: Some(index_dir),
        ..MatchConfig::default()
    };
    let started = Instant::now();
    drop(Matcher::open(store.as_mut(), config.clone())?);
    let cold_open_seconds = started.elapsed().as_secs_f64();
    let started = Instant::now();
    let matcher = Matcher::open(store.as_mut(), config)?;
    let warm_open_seconds = started.elapsed().as_secs_f64();
    let started = Instant::now();
    let mut hits = 0u64;
    for q in &batch {
        let result = matcher.match_medium(
            store.as_mut(),
            &MediumHashes {
                pdq: vec![*q],
                ..MediumHashes::default()
            },
        )?;
        hits += result.hits.len() as u64;
    }
    let match_seconds = started.elapsed().as_secs_f64();
    drop(matcher);

    let ids: Vec<(Hash256, u32)> = hashes.iter().zip(1u32..).map(|(h, i)| (*h, i)).collect();
    let bare = PdqIndex::build(ids);
    let started = Instant::now();
    let mut found = Vec::new();
    let mut bare_hits = 0usize;
    for q in &batch {
        found.clear();
        bare.search(q, vigie_model::DEFAULT_PDQ_DISTANCE, &mut found);
        bare_hits += found.len();
    }
    let index_only_seconds = started.elapsed().as_secs_f64();
    anyhow::ensure!(
        bare_hits as u64 == hits,
        "the bare index found {bare_hits} hits, the matcher {hits}"
    );
    let result = LookupResult {
        entries: n,
        queries,
        hits,
        cold_open_seconds,
        warm_open_seconds,
        match_seconds,
        hashes_per_second_end_to_end: queries as f64 / (warm_open_seconds + match_seconds),
        index_only_seconds,
        index_only_hashes_per_second: queries as f64 / index_only_seconds,
    };
    match fmt {
        OutputFormat::Json => {
            serde_json::to_writer_pretty(std::io::stdout().lock(), &result)?;
            println!();
        }
        OutputFormat::Text => println!(
            "{} entries, {} queries ({} hits): index opened cold in {:.2} s, warm in {:.3} s; matched in {:.3} s: \
             {:.0} hashes/s end to end (warm open + matching); the bare index alone {:.0}/s in this run",
            result.entries,
            result.queries,
            result.hits,
            result.cold_open_seconds,
            result.warm_open_seconds,
            result.match_seconds,
            result.hashes_per_second_end_to_end,
            result.index_only_hashes_per_second
        ),
    }
    Ok(())
}

/// `vigie-bench hma-lookup`: HMA's `GET /m/raw_lookup` on `vigie serve` under `clients` concurrent keep-alive
/// clients on loopback, with an API token, against the bank of `n` PDQ entries of [`run`]'s store; the same
/// queries. Requests per second and latency percentiles.
pub fn serve(
    fmt: OutputFormat,
    n: usize,
    clients: usize,
    seconds: f64,
    dir: &Path,
) -> anyhow::Result<()> {
    let (db, hashes) = prepare(n, dir)?;
    let batch = queries_of(&hashes, n, 10_000);
    let mut store = vigie_store::open(&db.display().to_string(), None)?;
    let name = format!("bench-{}", vigie_review::random_hex(4));
    let (_, token) =
        crate::serve::user_with_token(store.as_mut(), &name, vigie_model::Role::Viewer)?;
    drop(store);
    let config = vigie_server::ServerConfig {
        lookups_per_second: 0,
        ..vigie_server::ServerConfig::default()
    };
    let db2 = db.display().to_string();
    let pool =
        vigie_server::pool::Pool::new(config.connections, move || vigie_store::open(&db2, None))?;
    let matching = MatchConfig {
        index_dir: Some(dir.join(format!("lookup-{n}-index"))),
        ..MatchConfig::default()
    };
    let state = vigie_server::AppState::new(pool, config)
        .with_matching(matching, vigie_media::MediaLimits::default());
    let harness = crate::serve::Harness::start(state)?;
    let base = harness.base.clone();
    let paths: Vec<String> = batch
        .iter()
        .map(|q| format!("/m/raw_lookup?signal_type=pdq&signal={}", q.to_hex()))
        .collect();
    let auth = (hyper::header::AUTHORIZATION, format!("Bearer {token}"));
    let result = harness.client_rt.block_on(async move {
        // One lookup loads the index (cold, or the saved one) before the clock starts.
        crate::serve::load(
            &base,
            "warm-up",
            &auth,
            std::sync::Arc::new(paths.clone()),
            1,
            0.5,
        )
        .await?;
        crate::serve::load(
            &base,
            "raw_lookup",
            &auth,
            std::sync::Arc::new(paths),
            clients,
            seconds,
        )
        .await
    })?;
    drop(harness);
    match fmt {
        OutputFormat::Json => {
            println!(
                "{}",
                serde_json::to_string(&serde_json::json!({
                    "entries": n, "clients": clients, "seconds": seconds, "raw_lookup": result,
                }))?
            );
        }
        OutputFormat::Text => println!(
            "GET /m/raw_lookup (PDQ) against {n} entries, {clients} clients on loopback, {seconds:.0} s: {:.0} req/s  \
             p50 {:.2} ms  p90 {:.2} ms  p99 {:.2} ms  max {:.2} ms  ({} requests, {} errors)",
            result.requests_per_second,
            result.p50_ms,
            result.p90_ms,
            result.p99_ms,
            result.max_ms,
            result.requests,
            result.errors
        ),
    }
    Ok(())
}
