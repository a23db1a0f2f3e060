//! Prometheus metrics: requests by route and status class, their latency, logins and decisions.

use crate::AppState;
use axum::extract::{MatchedPath, Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::fmt::Write;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

/// Upper bounds of the latency histogram, in seconds.
const BUCKETS: [f64; 10] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0];

/// Counters since the server started.
#[derive(Default)]
pub(crate) struct Metrics {
    /// (route, status class) -> count.
    requests: Mutex<std::collections::BTreeMap<(String, u16), u64>>,
    /// Latency histogram over every request: counts per bucket, then +Inf.
    latency: [AtomicU64; BUCKETS.len() + 1],
    latency_sum_micros: AtomicU64,
    pub(crate) logins_failed: AtomicU64,
    pub(crate) logins: AtomicU64,
    pub(crate) decisions: AtomicU64,
}

/// Who made a request, as authentication found it: set on the response for the access log.
#[derive(Debug, Clone)]
pub(crate) struct AccessUser(pub String);

/// Counts each request under its route template (not its raw path: ids would make unbounded series), and writes
/// the access log: one line per request (target `vigie::access`, info) with the method, the path without its
/// query (which may carry a `next` address or search terms), the route, the status, the time taken, the
/// client's address (behind a trusted proxy, the one it forwarded) and the user when authenticated. Headers,
/// cookies, bodies and queries are never logged.
///
/// Behind trusted proxies the forwarded client is worked out here, once, and kept in the request's extensions
/// ([`crate::auth::ForwardedClient`]) for authentication, rate limits and the audit trail.
pub(crate) async fn track(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "unmatched".to_owned());
    let method = req.method().clone();
    let path = req.uri().path().to_owned();
    let client = crate::auth::request_client(&state, req.extensions(), req.headers());
    if !state.trusted_proxies.is_empty()
        && let Some(ip) = client
    {
        req.extensions_mut()
            .insert(crate::auth::ForwardedClient(ip));
    }
    let started = Instant::now();
    let res = next.run(req).await;
    let seconds = started.elapsed().as_secs_f64();
    let m = &state.metrics;
    let status = res.status().as_u16();
    let class = status / 100 * 100;
    if let Ok(mut r) = m.requests.lock() {
        *r.entry((route.clone(), class)).or_insert(0) += 1;
    }
    let bucket = BUCKETS
        .iter()
        .position(|&b| seconds <= b)
        .unwrap_or(BUCKETS.len());
    m.latency[bucket].fetch_add(1, Ordering::Relaxed);
    m.latency_sum_micros
        .fetch_add((seconds * 1e6) as u64, Ordering::Relaxed);
    let user = res.extensions().get::<AccessUser>().map(|u| u.0.as_str());
    tracing::info!(
        target: "vigie::access",
        method = %method,
        path = %path,
        route = %route,
        status,
        ms = (seconds * 1e6).round() / 1e3,
        client = %client.map_or_else(|| "-".to_owned(), |c| c.to_string()),
        user = user.unwrap_or("-"),
        "{method} {path} {status}"
    );
    res
}

/// `GET /metrics`: the Prometheus text format.
pub(crate) async fn metrics(State(state): State<AppState>) -> Response {
    let m = &state.metrics;
    let mut out = String::new();
    out.push_str("# HELP vigie_http_requests_total HTTP requests by route and status class.\n");
    out.push_str("# TYPE vigie_http_requests_total counter\n");
    if let Ok(r) = m.requests.lock() {
        for ((route, class), n) in r.iter() {
            let _ = writeln!(
                out,
                "vigie_http_requests_total{{route=\"{}\",status=\"{}xx\"}} {n}",
                route.replace('"', ""),
                class / 100
            );
        }
    }
    out.push_str("# HELP vigie_http_request_duration_seconds Time to answer a request.\n");
    out.push_str("# TYPE vigie_http_request_duration_seconds histogram\n");
    let mut cumulative = 0;
    for (i, b) in BUCKETS.iter().enumerate() {
        cumulative += m.latency[i].load(Ordering::Relaxed);
        let _ = writeln!(
            out,
            "vigie_http_request_duration_seconds_bucket{{le=\"{b}\"}} {cumulative}"
        );
    }
    cumulative += m.latency[BUCKETS.len()].load(Ordering::Relaxed);
    let _ = writeln!(
        out,
        "vigie_http_request_duration_seconds_bucket{{le=\"+Inf\"}} {cumulative}"
    );
    let _ = writeln!(
        out,
        "vigie_http_request_duration_seconds_sum {}",
        m.latency_sum_micros.load(Ordering::Relaxed) as f64 / 1e6
    );
    let _ = writeln!(
        out,
        "vigie_http_request_duration_seconds_count {cumulative}"
    );
    for (name, help, v) in [
        ("vigie_logins_total", "Successful logins.", &m.logins),
        (
            "vigie_login_failures_total",
            "Refused logins.",
            &m.logins_failed,
        ),
        (
            "vigie_decisions_total",
            "Decisions taken on cases.",
            &m.decisions,
        ),
    ] {
        let _ = writeln!(
            out,
            "# HELP {name} {help}\n# TYPE {name} counter\n{name} {}",
            v.load(Ordering::Relaxed)
        );
    }
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], out).into_response()
}
