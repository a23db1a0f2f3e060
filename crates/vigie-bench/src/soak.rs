//! `vigie-bench soak`: the review server under a long mixed load on loopback.
//!
//! Fills a fresh SQLite store (or the empty PostgreSQL database of `--postgres`) with `--cases` cases, starts the
//! server in this process with two reviewers holding API tokens, then runs `--clients` keep-alive clients for
//! `--minutes`: each request a seeded choice between the queue page, the case list of the API, a case through
//! the API, and (`--decide-percent` of them) a confirmation of a random case by one of the two reviewers, as the
//! two-person rule has them do. Reports, per window of `--window` seconds, the requests per second, the errors,
//! the 99th percentile latency and the process's resident memory; a decision the rules refuse (409: decided
//! already, or the same reviewer twice) is a refusal, not an error. Errors are transport failures, 5xx and any
//! other unexpected status.

use crate::OutputFormat;
use anyhow::Context;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use serde::Serialize;
use std::sync::Arc;
use std::time::{Duration, Instant};
use vigie_model::{Role, Timestamp};

/// The load to apply.
pub struct Soak {
    /// Cases the store must hold.
    pub cases: usize,
    /// Concurrent keep-alive clients.
    pub clients: usize,
    /// Minutes of load.
    pub minutes: f64,
    /// Seconds per reported window.
    pub window: f64,
    /// Share of requests that are decisions, percent.
    pub decide_percent: u64,
}

#[derive(Serialize)]
struct Window {
    start_s: f64,
    requests: u64,
    requests_per_second: f64,
    errors: u64,
    refused: u64,
    p50_ms: f64,
    p99_ms: f64,
    rss_mib: f64,
}

#[derive(Serialize)]
struct Report {
    backend: String,
    cases: usize,
    clients: usize,
    seconds: f64,
    requests: u64,
    errors: u64,
    decisions: u64,
    refused: u64,
    p99_ms: f64,
    rss_first_mib: f64,
    rss_last_mib: f64,
    windows: Vec<Window>,
}

/// One request's outcome.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Ok,
    Decided,
    Refused,
    Error,
}

/// The process's resident memory, MiB.
fn rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

fn percentile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        0.0
    } else {
        sorted[((sorted.len() - 1) as f64 * q).round() as usize]
    }
}

/// Runs the benchmark.
pub fn run(fmt: OutputFormat, soak: Soak, postgres: Option<String>) -> anyhow::Result<()> {
    let temp = tempfile::tempdir()?;
    let dir = temp.path().to_path_buf();
    let db = postgres.unwrap_or_else(|| dir.join("soak.db").display().to_string());
    let media = dir.join("media");
    let mut store = vigie_store::open(&db, Some(&media)).with_context(|| format!("store {db}"))?;
    anyhow::ensure!(store.stats()?.posts == 0, "the store {db} must be empty");
    let ids = crate::serve::fill(store.as_mut(), false, soak.cases, &dir)?;
    let (ann, ann_token) =
        crate::serve::user_with_token(store.as_mut(), "soak-ann", Role::Reviewer)?;
    let (_, bob_token) = crate::serve::user_with_token(store.as_mut(), "soak-bob", Role::Reviewer)?;
    let tokens = vec![format!("Bearer {ann_token}"), format!("Bearer {bob_token}")];
    let session = vigie_review::random_hex(32);
    store.create_session(
        &vigie_review::secret_hash(&session),
        ann.id,
        &vigie_review::random_hex(32),
        Timestamp(Timestamp::now().0 + 24 * 3_600_000),
    )?;
    drop(store);
    let backend = if db.starts_with("postgres") {
        "postgresql"
    } else {
        "sqlite"
    };

    let config = vigie_server::ServerConfig::default();
    let label = config.taxonomy.first().cloned().unwrap_or_default();
    let (db2, media2) = (db.clone(), media.clone());
    let pool = vigie_server::pool::Pool::new(config.connections, move || {
        vigie_store::open(&db2, Some(&media2))
    })?;
    let state = vigie_server::AppState::new(pool, config);
    let harness = crate::serve::Harness::start(state)?;
    let base = harness.base.clone();
    let seconds = soak.minutes * 60.0;
    let started = Instant::now();
    let deadline = started + Duration::from_secs_f64(seconds);
    let (samples, memory) = harness.client_rt.block_on(async {
        let client: Client<_, Full<bytes::Bytes>> =
            Client::builder(TokioExecutor::new()).build_http();
        let memory = tokio::spawn(async move {
            let mut rss = Vec::new();
            while Instant::now() < deadline {
                rss.push((started.elapsed().as_secs_f64(), rss_mib()));
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
            rss
        });
        let ids = Arc::new(ids);
        let (tokens, session, label) = (Arc::new(tokens), Arc::new(session), Arc::new(label));
        let mut tasks = Vec::new();
        for worker in 0..soak.clients {
            let (client, base, ids, tokens, session, label) = (
                client.clone(),
                base.clone(),
                ids.clone(),
                tokens.clone(),
                session.clone(),
                label.clone(),
            );
            let decide = soak.decide_percent;
            tasks.push(tokio::spawn(async move {
                let mut out: Vec<(f32, f32, Outcome)> = Vec::new();
                let mut state = 0x9E37_79B9_7F4A_7C15u64 ^ (worker as u64 + 1);
                let mut next = || {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    state
                };
                while Instant::now() < deadline {
                    let pick = next() % 100;
                    let id = ids[(next() % ids.len() as u64) as usize];
                    let token = &tokens[(next() % 2) as usize];
                    let builder = hyper::Request::builder();
                    let (req, decision) = if pick < decide {
                        let body =
                            serde_json::json!({"action": "confirm", "label": *label}).to_string();
                        (
                            builder
                                .method("POST")
                                .uri(format!("{base}/api/v1/cases/{id}/decisions"))
                                .header("authorization", token.as_str())
                                .header("content-type", "application/json")
                                .body(Full::new(bytes::Bytes::from(body))),
                            true,
                        )
                    } else {
                        let (path, cookie) = match pick % 3 {
                            0 => ("/".to_owned(), true),
                            1 => ("/api/v1/cases?limit=50".to_owned(), false),
                            _ => (format!("/api/v1/cases/{id}"), false),
                        };
                        let b = builder.method("GET").uri(format!("{base}{path}"));
                        let b = if cookie {
                            b.header("cookie", format!("vigie_session={session}"))
                        } else {
                            b.header("authorization", token.as_str())
                        };
                        (b.body(Full::new(bytes::Bytes::new())), false)
                    };
                    let Ok(req) = req else {
                        out.push((started.elapsed().as_secs_f32(), 0.0, Outcome::Error));
                        continue;
                    };
                    let t = Instant::now();
                    let outcome = match client.request(req).await {
                        Ok(res) => {
                            let status = res.status().as_u16();
                            let body = res.into_body().collect().await;
                            match (status, decision, body.is_ok()) {
                                (_, _, false) => Outcome::Error,
                                (200, false, true) => Outcome::Ok,
                                (201, true, true) => Outcome::Decided,
                                (409, true, true) => Outcome::Refused,
                                _ => Outcome::Error,
                            }
                        }
                        Err(_) => Outcome::Error,
                    };
                    out.push((
                        started.elapsed().as_secs_f32(),
                        (t.elapsed().as_secs_f64() * 1e3) as f32,
                        outcome,
                    ));
                }
                out
            }));
        }
        let mut all = Vec::new();
        for t in tasks {
            all.extend(t.await?);
        }
        let memory = memory.await?;
        anyhow::Ok((all, memory))
    })?;
    drop(harness);

    let mut windows = Vec::new();
    let count = (seconds / soak.window).ceil().max(1.0) as usize;
    for w in 0..count {
        let (from, to) = (w as f64 * soak.window, (w + 1) as f64 * soak.window);
        let inside: Vec<&(f32, f32, Outcome)> = samples
            .iter()
            .filter(|s| f64::from(s.0) >= from && f64::from(s.0) < to)
            .collect();
        let mut latencies: Vec<f64> = inside
            .iter()
            .filter(|s| s.2 != Outcome::Error)
            .map(|s| f64::from(s.1))
            .collect();
        latencies.sort_by(f64::total_cmp);
        let rss: Vec<f64> = memory
            .iter()
            .filter(|m| m.0 >= from && m.0 < to)
            .map(|m| m.1)
            .collect();
        windows.push(Window {
            start_s: from,
            requests: inside.len() as u64,
            requests_per_second: inside.len() as f64 / (to.min(seconds) - from).max(1e-9),
            errors: inside.iter().filter(|s| s.2 == Outcome::Error).count() as u64,
            refused: inside.iter().filter(|s| s.2 == Outcome::Refused).count() as u64,
            p50_ms: percentile(&latencies, 0.50),
            p99_ms: percentile(&latencies, 0.99),
            rss_mib: rss.iter().copied().fold(0.0, f64::max),
        });
    }
    let mut latencies: Vec<f64> = samples
        .iter()
        .filter(|s| s.2 != Outcome::Error)
        .map(|s| f64::from(s.1))
        .collect();
    latencies.sort_by(f64::total_cmp);
    let report = Report {
        backend: backend.to_owned(),
        cases: soak.cases,
        clients: soak.clients,
        seconds,
        requests: samples.len() as u64,
        errors: samples.iter().filter(|s| s.2 == Outcome::Error).count() as u64,
        decisions: samples.iter().filter(|s| s.2 == Outcome::Decided).count() as u64,
        refused: samples.iter().filter(|s| s.2 == Outcome::Refused).count() as u64,
        p99_ms: percentile(&latencies, 0.99),
        rss_first_mib: windows.first().map_or(0.0, |w| w.rss_mib),
        rss_last_mib: windows.last().map_or(0.0, |w| w.rss_mib),
        windows,
    };
    if fmt == OutputFormat::Json {
        println!("{}", serde_json::to_string(&report)?);
        return Ok(());
    }
    println!(
        "{} cases in {}, {} clients on loopback for {:.0} s: {} requests, {} errors, {} decisions taken, {} refused \
         by the rules; p99 {:.1} ms; resident memory {:.0} MiB in the first window, {:.0} MiB in the last",
        report.cases,
        report.backend,
        report.clients,
        report.seconds,
        report.requests,
        report.errors,
        report.decisions,
        report.refused,
        report.p99_ms,
        report.rss_first_mib,
        report.rss_last_mib
    );
    println!("  from s   req/s  errors  refused   p50 ms   p99 ms   RSS MiB");
    for w in &report.windows {
        println!(
            "  {:>6.0} {:>7.0} {:>7} {:>8} {:>8.2} {:>8.2} {:>9.0}",
            w.start_s, w.requests_per_second, w.errors, w.refused, w.p50_ms, w.p99_ms, w.rss_mib
        );
    }
    Ok(())
}
