//! The review server behind `vigie serve`: one process serving the HTTP API and the web interface over the
//! same store.
//!
//! - [`auth`]: passwords (Argon2id), sessions in cookies with CSRF tokens, API tokens, roles, login rate
//!   limiting and lockout. Every request is authenticated once by a middleware; handlers state the least role
//!   they need in their signature ([`auth::Authed`]), so no endpoint can forget its check.
//! - [`api`]: the JSON API under `/api/v1`, described by the OpenAPI document generated from the handlers
//!   themselves ([`api::ApiDoc`], served at `/api/openapi.json`).
//! - [`pages`]: the web interface (server-rendered HTML, one small script for keyboard shortcuts and
//!   revealing media).
//! - [`pool`]: the store connections, used from blocking threads (the store is synchronous).
//!
//! [`ENDPOINTS`] lists every route with the least role it needs; the authorization test walks it with every
//! role and with no session, and checks that the OpenAPI document and the table agree.

pub mod api;
pub mod auth;
mod config;
mod error;
pub mod hma;
mod metrics;
mod neighbourhood;
pub mod pages;
pub mod pool;
mod referral_pages;

pub use config::{DEFAULT_TAXONOMY, Network, ServerConfig, forwarded_client};
pub use error::AppError;

use auth::RateLimiter;
use axum::Router;
use axum::routing::{delete, get, patch, post, put};
use metrics::Metrics;
use pool::Pool;
use std::net::SocketAddr;
use std::sync::Arc;
use vigie_model::Role;
use vigie_store::ReviewRules;

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    /// The store connections.
    pub pool: Arc<Pool>,
    /// The settings.
    pub config: Arc<ServerConfig>,
    /// Review rules (two-person rule, taxonomy).
    pub rules: Arc<ReviewRules>,
    /// Login attempts per client address.
    pub limiter: Arc<RateLimiter>,
    /// Recently checked sessions.
    pub sessions: Arc<auth::SessionCache>,
    /// Recently checked API tokens (the same cache, keyed by the token's hash; no CSRF token).
    pub tokens: Arc<auth::SessionCache>,
    /// The match index of HMA's lookups.
    pub matching: Arc<hma::MatchService>,
    /// The reverse proxies whose `X-Forwarded-For` is believed (`trusted_proxies`; entries that do not parse
    /// are refused by `vigie serve` before it starts).
    pub trusted_proxies: Arc<Vec<Network>>,
    metrics: Arc<Metrics>,
}

impl AppState {
    /// State over `pool` with `config`.
    pub fn new(pool: Pool, config: ServerConfig) -> AppState {
        let rules = ReviewRules {
            two_person: config.two_person,
            taxonomy: config.taxonomy.clone(),
        };
        let matching = Arc::new(hma::MatchService::new(
            vigie_engine::MatchConfig::default(),
            vigie_media::MediaLimits::default(),
            config.lookups_per_second,
        ));
        let trusted_proxies = config
            .trusted_proxies
            .iter()
            .filter_map(|t| Network::parse(t).ok())
            .collect();
        AppState {
            matching,
            trusted_proxies: Arc::new(trusted_proxies),
            pool: Arc::new(pool),
            limiter: Arc::new(RateLimiter::new(
                config.login_attempts_per_minute,
                std::time::Duration::from_secs(60),
            )),
            config: Arc::new(config),
            rules: Arc::new(rules),
            sessions: Arc::new(auth::SessionCache::default()),
            tokens: Arc::new(auth::SessionCache::default()),
            metrics: Arc::new(Metrics::default()),
        }
    }

    /// This state with the matching settings of the store (its saved match index, the quality threshold) and
    /// the media limits, for HMA's lookups and hashing.
    #[must_use]
    pub fn with_matching(
        mut self,
        matching: vigie_engine::MatchConfig,
        limits: vigie_media::MediaLimits,
    ) -> AppState {
        self.matching = Arc::new(hma::MatchService::new(
            matching,
            limits,
            self.config.lookups_per_second,
        ));
        self
    }
}

/// Whether a path is the JSON API's (Vigie's `/api/`, or HMA's `/h/`, `/m/`, `/c/`, `/status`) rather than a
/// page's: refusals are answered with a status and JSON there, with a redirect to the login page elsewhere.
pub fn is_api_path(path: &str) -> bool {
    ["/api/", "/h/", "/m/", "/c/"]
        .iter()
        .any(|p| path.starts_with(p))
        || path == "/status"
        || path == "/status/live"
}

/// Who may call an endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone, logged in or not.
    Public,
    /// Logged-in users with at least this role.
    Role(Role),
}

/// One route of the server.
#[derive(Debug, Clone, Copy)]
pub struct Endpoint {
    /// HTTP method.
    pub method: &'static str,
    /// Path template, `{name}` for a parameter.
    pub path: &'static str,
    /// Who may call it.
    pub access: Access,
}

const fn ep(method: &'static str, path: &'static str, access: Access) -> Endpoint {
    Endpoint {
        method,
        path,
        access,
    }
}

const VIEWER: Access = Access::Role(Role::Viewer);
const ANALYST: Access = Access::Role(Role::Analyst);
const REVIEWER: Access = Access::Role(Role::Reviewer);
const ADMIN: Access = Access::Role(Role::Admin);

/// Every route with the least role it needs. Decisions are open to analysts at the route; which decision a
/// role may take on which status (the second confirmation needs a reviewer) is checked by the review rules.
pub const ENDPOINTS: &[Endpoint] = &[
    ep("GET", "/healthz", Access::Public),
    ep("GET", "/readyz", Access::Public),
    ep("GET", "/metrics", Access::Public),
    ep("GET", "/api/openapi.json", Access::Public),
    ep("GET", "/static/app.css", Access::Public),
    ep("GET", "/static/app.js", Access::Public),
    ep("GET", "/login", Access::Public),
    ep("POST", "/login", Access::Public),
    ep("POST", "/logout", Access::Public),
    ep("GET", "/", VIEWER),
    ep("GET", "/cases/{id}", VIEWER),
    ep("GET", "/cases/{id}/next", VIEWER),
    ep("POST", "/cases/{id}/decide", ANALYST),
    ep("POST", "/cases/{id}/assign", ANALYST),
    ep("GET", "/media/{sha256}", VIEWER),
    ep("GET", "/settings", VIEWER),
    ep("POST", "/settings", VIEWER),
    ep("GET", "/tokens", VIEWER),
    ep("POST", "/tokens", VIEWER),
    ep("POST", "/tokens/{id}/revoke", VIEWER),
    ep("GET", "/users", ADMIN),
    ep("POST", "/users", ADMIN),
    ep("POST", "/users/{name}", ADMIN),
    ep("GET", "/audit", ADMIN),
    ep("GET", "/referrals", VIEWER),
    ep("POST", "/referrals", REVIEWER),
    ep("GET", "/referrals/{id}", VIEWER),
    ep("POST", "/referrals/{id}/status", REVIEWER),
    ep("GET", "/referrals/{id}/export", ANALYST),
    ep("GET", "/api/v1/cases", VIEWER),
    ep("GET", "/api/v1/cases/{id}", VIEWER),
    ep("POST", "/api/v1/cases/{id}/decisions", ANALYST),
    ep("PUT", "/api/v1/cases/{id}/assignee", ANALYST),
    ep("GET", "/api/v1/taxonomy", VIEWER),
    ep("GET", "/api/v1/me", VIEWER),
    ep("PUT", "/api/v1/me/settings", VIEWER),
    ep("GET", "/api/v1/tokens", VIEWER),
    ep("POST", "/api/v1/tokens", VIEWER),
    ep("DELETE", "/api/v1/tokens/{id}", VIEWER),
    ep("GET", "/api/v1/users", ADMIN),
    ep("POST", "/api/v1/users", ADMIN),
    ep("PATCH", "/api/v1/users/{name}", ADMIN),
    ep("GET", "/api/v1/referrals", VIEWER),
    ep("POST", "/api/v1/referrals", REVIEWER),
    ep("GET", "/api/v1/referrals/{id}", VIEWER),
    ep("POST", "/api/v1/referrals/{id}/status", REVIEWER),
    ep("GET", "/api/v1/referrals/{id}/export", ANALYST),
    ep("GET", "/api/v1/audit", ADMIN),
    ep("GET", "/api/v1/audit/verify", ADMIN),
    ep("GET", "/status", Access::Public),
    ep("GET", "/status/live", Access::Public),
    ep("GET", "/h/hash", VIEWER),
    ep("POST", "/h/hash", VIEWER),
    ep("GET", "/m/raw_lookup", VIEWER),
    ep("GET", "/m/lookup", VIEWER),
    ep("POST", "/m/lookup", VIEWER),
    ep("GET", "/m/index/status", VIEWER),
    ep("POST", "/m/compare", VIEWER),
    ep("GET", "/c/banks", VIEWER),
    ep("POST", "/c/banks", ADMIN),
    ep("GET", "/c/bank/{name}", VIEWER),
    ep("PUT", "/c/bank/{name}", ADMIN),
    ep("DELETE", "/c/bank/{name}", ADMIN),
    ep("POST", "/c/bank/{name}/signal", ADMIN),
    ep("POST", "/c/bank/{name}/content", ADMIN),
    ep("GET", "/c/bank/{name}/content/{id}", VIEWER),
    ep("PUT", "/c/bank/{name}/content/{id}", ADMIN),
    ep("DELETE", "/c/bank/{name}/content/{id}", ADMIN),
    ep("GET", "/c/signal_type", VIEWER),
    ep("GET", "/c/signal_type/index", VIEWER),
    ep("GET", "/c/content_type", VIEWER),
];

/// The whole application: routes, authentication, CSRF checks, security headers and metrics.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/healthz", get(api::health))
        .route("/readyz", get(api::ready))
        .route("/metrics", get(metrics::metrics))
        .route("/api/openapi.json", get(api::openapi))
        .route("/static/app.css", get(pages::app_css))
        .route("/static/app.js", get(pages::app_js))
        .route("/login", get(pages::login_page).post(pages::login))
        .route("/logout", post(pages::logout))
        .route("/", get(pages::queue))
        .route("/cases/{id}", get(pages::case_page))
        .route("/cases/{id}/next", get(pages::next_case))
        .route("/cases/{id}/decide", post(pages::decide))
        .route("/cases/{id}/assign", post(pages::assign))
        .route("/media/{sha256}", get(pages::media))
        .route(
            "/settings",
            get(pages::settings_page).post(pages::save_settings),
        )
        .route("/tokens", get(pages::tokens_page).post(pages::create_token))
        .route("/tokens/{id}/revoke", post(pages::revoke_token))
        .route("/users", get(pages::users_page).post(pages::add_user))
        .route("/users/{name}", post(pages::change_user))
        .route("/audit", get(pages::audit_page))
        .route(
            "/referrals",
            get(referral_pages::referrals_page).post(referral_pages::make),
        )
        .route("/referrals/{id}", get(referral_pages::referral_page))
        .route("/referrals/{id}/status", post(referral_pages::mark))
        .route("/referrals/{id}/export", get(referral_pages::export))
        .route("/api/v1/cases", get(api::list_cases))
        .route("/api/v1/cases/{id}", get(api::get_case))
        .route("/api/v1/cases/{id}/decisions", post(api::decide))
        .route("/api/v1/cases/{id}/assignee", put(api::assign))
        .route("/api/v1/taxonomy", get(api::taxonomy))
        .route("/api/v1/me", get(api::me))
        .route("/api/v1/me/settings", put(api::put_settings))
        .route(
            "/api/v1/tokens",
            get(api::list_tokens).post(api::create_token),
        )
        .route("/api/v1/tokens/{id}", delete(api::revoke_token))
        .route("/api/v1/users", get(api::list_users).post(api::add_user))
        .route("/api/v1/users/{name}", patch(api::change_user))
        .route(
            "/api/v1/referrals",
            get(api::list_referrals).post(api::create_referral),
        )
        .route("/api/v1/referrals/{id}", get(api::get_referral))
        .route("/api/v1/referrals/{id}/status", post(api::mark_referral))
        .route("/api/v1/referrals/{id}/export", get(api::export_referral))
        .route("/api/v1/audit", get(api::audit))
        .route("/api/v1/audit/verify", get(api::verify_audit))
        // HMA 2.0's API (hasher-matcher-actioner), beside Vigie's own.
        .route("/status", get(hma::status))
        .route("/status/live", get(hma::status_live))
        .route("/h/hash", get(hma::hash_get).post(hma::hash_post))
        .route("/m/raw_lookup", get(hma::raw_lookup))
        .route("/m/lookup", get(hma::lookup_get).post(hma::lookup_post))
        .route("/m/index/status", get(hma::index_status))
        .route("/m/compare", post(hma::compare))
        .route("/c/banks", get(hma::banks).post(hma::create_bank))
        .route(
            "/c/bank/{name}",
            get(hma::get_bank)
                .put(hma::update_bank)
                .delete(hma::delete_bank),
        )
        .route("/c/bank/{name}/signal", post(hma::add_signal))
        .route("/c/bank/{name}/content", post(hma::add_content))
        .route(
            "/c/bank/{name}/content/{id}",
            get(hma::get_content)
                .put(hma::update_content)
                .delete(hma::delete_content),
        )
        .route("/c/signal_type", get(hma::signal_types))
        .route("/c/signal_type/index", get(hma::signal_type_index))
        .route("/c/content_type", get(hma::content_types))
        .layer(axum::extract::DefaultBodyLimit::max(hma::MAX_UPLOAD))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            auth::authenticate,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            metrics::track,
        ))
        .layer(axum::middleware::from_fn(error::security_headers))
        .with_state(state)
}

/// Serves until Ctrl-C (or SIGTERM): binds `config.listen`, then answers requests.
///
/// # Errors
/// When the address cannot be bound (the message names it), or serving fails.
pub async fn serve(state: AppState) -> std::io::Result<()> {
    let addr = state.config.listen;
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| std::io::Error::new(e.kind(), format!("cannot listen on {addr}: {e}")))?;
    serve_on(listener, state).await
}

/// Serves on an already bound listener (tests bind port 0 and read the address back).
///
/// # Errors
/// When serving fails.
pub async fn serve_on(listener: tokio::net::TcpListener, state: AppState) -> std::io::Result<()> {
    let app = router(state).into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown())
        .await
}

async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}
