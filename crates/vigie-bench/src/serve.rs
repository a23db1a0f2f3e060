//! `vigie-bench serve`: the review server under load on loopback.
//!
//! Fills a fresh store (SQLite in a temporary folder, or the PostgreSQL database named by `--db`, which must be
//! empty) with generated labelled posts until it holds `--cases` cases (or, with `--reuse`, measures a store an
//! earlier run filled), starts the server in this process,
//! logs a reviewer in, then runs `--clients` concurrent HTTP/1.1 clients with keep-alive against the queue
//! page and then against case pages (random cases), each for `--seconds`. Reports requests per second and
//! the latency percentiles of each page.

use crate::OutputFormat;
use anyhow::{Context, bail};
use http_body_util::BodyExt;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use serde::Serialize;
use std::io::Write;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};
use vigie_model::{Role, Timestamp};
use vigie_store::{Actor, CaseQuery};

#[derive(Serialize)]
pub(crate) struct PageResult {
    pub(crate) page: String,
    pub(crate) requests: u64,
    pub(crate) errors: u64,
    pub(crate) requests_per_second: f64,
    pub(crate) p50_ms: f64,
    pub(crate) p90_ms: f64,
    pub(crate) p99_ms: f64,
    pub(crate) max_ms: f64,
}

#[derive(Serialize)]
struct ServeBench {
    backend: String,
    cases: u64,
    clients: usize,
    seconds: f64,
    fill_seconds: f64,
    pages: Vec<PageResult>,
}

/// The server under load, on its own multi-threaded runtime as `vigie serve` runs it, and a separate
/// single-threaded runtime for the load generator, as an outside tool (wrk) would be: the clients' scheduling
/// does not borrow the server's workers. The server stops when this is dropped.
pub(crate) struct Harness {
    /// The server's address, `http://127.0.0.1:PORT`.
    pub base: String,
    /// The runtime the clients run on.
    pub client_rt: tokio::runtime::Runtime,
    server: tokio::task::JoinHandle<std::io::Result<()>>,
    _server_rt: tokio::runtime::Runtime,
}

impl Harness {
    /// Binds a free loopback port and serves `state` on it.
    pub(crate) fn start(state: vigie_server::AppState) -> anyhow::Result<Self> {
        let server_rt = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()?;
        let listener = server_rt.block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))?;
        let base = format!("http://{}", listener.local_addr()?);
        let server = server_rt.spawn(vigie_server::serve_on(listener, state));
        let client_rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        Ok(Self {
            base,
            client_rt,
            server,
            _server_rt: server_rt,
        })
    }
}

impl Drop for Harness {
    fn drop(&mut self) {
        self.server.abort();
    }
}

/// A user made for a benchmark, with an API token: the user and the token's secret.
pub(crate) fn user_with_token(
    store: &mut dyn vigie_store::Store,
    name: &str,
    role: Role,
) -> anyhow::Result<(vigie_model::User, String)> {
    let actor = Actor::cli("bench");
    let user = store.add_user(
        name,
        role,
        &vigie_review::hash_password("bench password long enough"),
        &actor,
    )?;
    let secret = format!("vigie_{}", vigie_review::random_hex(32));
    store.create_token(
        user.id,
        "bench",
        &vigie_review::secret_hash(&secret),
        &secret[..12],
        &actor,
    )?;
    Ok((user, secret))
}

/// Fills `store` (unless `filled`) with generated posts until it holds `cases` cases; their ids.
pub(crate) fn fill(
    store: &mut dyn vigie_store::Store,
    filled: bool,
    cases: usize,
    dir: &Path,
) -> anyhow::Result<Vec<i64>> {
    if !filled {
        // Analysis decides which generated posts make cases (a few in ten): generate and scan in rounds, each
        // sized by the share of cases so far, until the store holds enough.
        let (mut posts, mut made) = (0usize, 0usize);
        for round in 0..8u64 {
            let count = if posts == 0 {
                cases * 3 + 1_000
            } else {
                let per_post = made.max(1) as f64 / posts as f64;
                ((cases - made) as f64 / per_post * 1.2) as usize + 1_000
            };
            let file = dir.join(format!("posts-{round}.jsonl"));
            write_posts(&file, round, posts, count, cases)?;
            vigie_engine::scan(
                &mut *store,
                &[file],
                &vigie_engine::ScanConfig::default(),
                &vigie_engine::SilentProgress,
            )?;
            posts += count;
            made = store
                .cases(&CaseQuery {
                    limit: usize::MAX,
                    ..CaseQuery::default()
                })?
                .len();
            if made >= cases {
                break;
            }
        }
    }
    let ids: Vec<i64> = store
        .cases(&CaseQuery {
            limit: usize::MAX,
            ..CaseQuery::default()
        })?
        .into_iter()
        .map(|c| c.id)
        .collect();
    if ids.len() < cases {
        bail!(
            "only {} cases from the generated posts (wanted {cases})",
            ids.len()
        );
    }
    Ok(ids)
}

/// Writes `count` generic JSONL posts from the labelled generator (seeded by `round`), numbered from `first`,
/// spread over about `cases / 20` accounts.
fn write_posts(
    path: &Path,
    round: u64,
    first: usize,
    count: usize,
    cases: usize,
) -> anyhow::Result<()> {
    let mut out = std::io::BufWriter::new(std::fs::File::create(path)?);
    let posts = vigie_sample::labelled_posts(77 + round, count);
    for (i, p) in (first..).zip(&posts) {
        let account = i % (cases / 20 + 1);
        let line = serde_json::json!({
            "platform": "forum",
            "id": format!("bench-{i}"),
            "created_at": Timestamp(1_704_067_200_000 + (i as i64) * 60_000).to_string(),
            "text": p.text,
            "lang": p.language,
            "account_id": format!("acct-{account}"),
            "account_handle": format!("account_{account}"),
        });
        serde_json::to_writer(&mut out, &line)?;
        out.write_all(b"\n")?;
    }
    out.flush()?;
    Ok(())
}

/// The load to apply.
pub struct Load {
    /// Cases the store must hold.
    pub cases: usize,
    /// Concurrent keep-alive clients.
    pub clients: usize,
    /// Seconds of load per page.
    pub seconds: f64,
    /// Store connections of the server, when not the default.
    pub connections: Option<usize>,
}

/// Runs the benchmark.
pub fn run(
    fmt: OutputFormat,
    load_spec: Load,
    db: Option<String>,
    keep: Option<&Path>,
    reuse: bool,
) -> anyhow::Result<()> {
    let Load {
        cases,
        clients,
        seconds,
        connections,
    } = load_spec;
    if reuse && keep.is_none() && db.is_none() {
        bail!("--reuse measures a kept store: name it with --dir or --postgres");
    }
    let temp = tempfile::tempdir()?;
    let dir = match keep {
        Some(d) => {
            std::fs::create_dir_all(d)?;
            d.to_path_buf()
        }
        None => temp.path().to_path_buf(),
    };
    let db = db.unwrap_or_else(|| dir.join("bench.db").display().to_string());
    let media = dir.join("media");
    let started = Instant::now();
    let mut store = vigie_store::open(&db, Some(&media)).with_context(|| format!("store {db}"))?;
    let filled = store.stats()?.posts > 0;
    if filled && !reuse {
        bail!(
            "the store {db} already holds posts: the benchmark needs an empty one (or --reuse to measure it as it is)"
        );
    }
    let ids = fill(store.as_mut(), filled, cases, &dir)?;
    let actor = Actor::cli("bench");
    // A fresh reviewer each run, so that a reused store takes another.
    let user = store.add_user(
        &format!("bench-reviewer-{}", vigie_review::random_hex(4)),
        Role::Reviewer,
        &vigie_review::hash_password("bench password long enough"),
        &actor,
    )?;
    let secret = vigie_review::random_hex(32);
    store.create_session(
        &vigie_review::secret_hash(&secret),
        user.id,
        &vigie_review::random_hex(32),
        Timestamp(Timestamp::now().0 + 3_600_000),
    )?;
    drop(store);
    let fill_seconds = started.elapsed().as_secs_f64();
    let backend = if db.starts_with("postgres") {
        "postgresql"
    } else {
        "sqlite"
    };

    let mut config = vigie_server::ServerConfig::default();
    if let Some(n) = connections {
        config.connections = n.max(1);
    }
    let (db2, media2) = (db.clone(), media.clone());
    let pool = vigie_server::pool::Pool::new(config.connections, move || {
        vigie_store::open(&db2, Some(&media2))
    })?;
    let state = vigie_server::AppState::new(pool, config);
    let harness = Harness::start(state)?;
    let base = harness.base.clone();
    let pages = harness.client_rt.block_on(async move {
        let cookie = (hyper::header::COOKIE, format!("vigie_session={secret}"));
        let case_pages: Vec<String> = ids.iter().map(|id| format!("/cases/{id}")).collect();
        let mut pages = Vec::new();
        for (page, paths) in [("queue", vec!["/".to_owned()]), ("case", case_pages)] {
            pages.push(load(&base, page, &cookie, Arc::new(paths), clients, seconds).await?);
        }
        anyhow::Ok(pages)
    })?;
    drop(harness);
    let report = ServeBench {
        backend: backend.to_owned(),
        cases: cases as u64,
        clients,
        seconds,
        fill_seconds,
        pages,
    };
    if fmt == OutputFormat::Json {
        println!("{}", serde_json::to_string(&report)?);
    } else {
        println!(
            "{} cases in {} (filled in {:.1} s), {} clients on loopback, {:.0} s per page:",
            report.cases, report.backend, report.fill_seconds, report.clients, report.seconds
        );
        for p in &report.pages {
            println!(
                "  {:<6} {:>8.0} req/s  p50 {:>6.2} ms  p90 {:>6.2} ms  p99 {:>6.2} ms  max {:>7.2} ms  ({} requests, {} errors)",
                p.page,
                p.requests_per_second,
                p.p50_ms,
                p.p90_ms,
                p.p99_ms,
                p.max_ms,
                p.requests,
                p.errors
            );
        }
    }
    Ok(())
}

/// `clients` concurrent keep-alive clients fetching `paths` (each request a random one), with the header
/// `auth`, for `seconds`.
pub(crate) async fn load(
    base: &str,
    page: &str,
    auth: &(hyper::header::HeaderName, String),
    paths: Arc<Vec<String>>,
    clients: usize,
    seconds: f64,
) -> anyhow::Result<PageResult> {
    let client: Client<_, http_body_util::Empty<bytes::Bytes>> =
        Client::builder(TokioExecutor::new()).build_http();
    let deadline = Instant::now() + Duration::from_secs_f64(seconds);
    let mut tasks = Vec::new();
    for worker in 0..clients {
        let (client, auth, paths, base) =
            (client.clone(), auth.clone(), paths.clone(), base.to_owned());
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut errors = 0u64;
            let mut state = 0x9E37_79B9_7F4A_7C15u64 ^ worker as u64;
            while Instant::now() < deadline {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                let path = &paths[(state % paths.len() as u64) as usize];
                let req = hyper::Request::get(format!("{base}{path}"))
                    .header(auth.0.clone(), auth.1.as_str())
                    .body(http_body_util::Empty::new());
                let Ok(req) = req else {
                    errors += 1;
                    continue;
                };
                let t = Instant::now();
                match client.request(req).await {
                    Ok(res) => {
                        let ok = res.status() == hyper::StatusCode::OK;
                        let body = res.into_body().collect().await;
                        if ok && body.is_ok() {
                            latencies.push(t.elapsed().as_secs_f64() * 1e3);
                        } else {
                            errors += 1;
                        }
                    }
                    Err(_) => errors += 1,
                }
            }
            (latencies, errors)
        }));
    }
    let started = Instant::now();
    let mut all = Vec::new();
    let mut errors = 0;
    for t in tasks {
        let (l, e) = t.await?;
        all.extend(l);
        errors += e;
    }
    let elapsed = started.elapsed().as_secs_f64().max(seconds);
    all.sort_by(f64::total_cmp);
    let pct = |q: f64| {
        if all.is_empty() {
            0.0
        } else {
            all[((all.len() - 1) as f64 * q).round() as usize]
        }
    };
    Ok(PageResult {
        page: page.to_owned(),
        requests: all.len() as u64,
        errors,
        requests_per_second: all.len() as f64 / elapsed,
        p50_ms: pct(0.50),
        p90_ms: pct(0.90),
        p99_ms: pct(0.99),
        max_ms: pct(1.0),
    })
}
