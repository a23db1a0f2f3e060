//! Authentication and authorization.
//!
//! - Passwords: Argon2id, hashed and checked by `vigie_review::passwords`.
//! - Sessions: a random 32-byte secret in the `vigie_session` cookie (HttpOnly, Secure, SameSite=Strict,
//!   Path=/); the store keeps only its SHA-256, and a CSRF token per session.
//! - CSRF: every state-changing request authenticated by the session cookie must carry the session's CSRF
//!   token, in the `X-CSRF-Token` header or the `csrf` form field; the login form uses a double-submit
//!   cookie. Requests with an API token (`Authorization: Bearer vigie_...`) carry no ambient credential and
//!   need none.
//! - Roles: handlers take [`Authed<R>`], which answers 401 without a user and 403 below role `R`.
//! - Login: at most `login_attempts_per_minute` attempts per client address ([`RateLimiter`]), and
//!   `lockout_failures` wrong passwords in a row lock the account for `lockout_minutes`.

use crate::AppState;
use crate::metrics::AccessUser;
use axum::body::Body;
use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use std::collections::{HashMap, VecDeque};
use std::marker::PhantomData;
use std::net::{IpAddr, SocketAddr};
use std::sync::Mutex;
use std::time::{Duration, Instant};
use vigie_model::{Role, Timestamp, User};

/// The session cookie.
pub const SESSION_COOKIE: &str = "vigie_session";
/// The login form's double-submit CSRF cookie.
pub const LOGIN_COOKIE: &str = "vigie_login";
/// The header carrying the CSRF token on API calls made with the session cookie.
pub const CSRF_HEADER: &str = "x-csrf-token";
/// API tokens start with this.
pub const TOKEN_PREFIX: &str = "vigie_";
/// The largest form body read to find the CSRF field.
const MAX_FORM_BYTES: usize = 256 * 1024;

pub(crate) use vigie_review::{
    constant_time_eq, hash_password, random_hex, secret_hash, verify_password,
};

/// A stored hash that no password matches, verified against for unknown users so that a login takes as long
/// whether or not the name exists.
pub(crate) fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| hash_password(&random_hex(16)))
}

/// How a request was authenticated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Via {
    /// The session cookie; the SHA-256 of its secret.
    Session(String),
    /// An API token.
    Token,
}

/// The user behind a request.
#[derive(Debug, Clone)]
pub struct Principal {
    /// The user.
    pub user: User,
    /// The session's CSRF token (session requests only).
    pub csrf: Option<String>,
    /// How.
    pub via: Via,
}

/// The client's address, when the server knows it.
pub fn client_ip(parts_extensions: &axum::http::Extensions) -> Option<IpAddr> {
    if let Some(ForwardedClient(ip)) = parts_extensions.get::<ForwardedClient>() {
        return Some(*ip);
    }
    parts_extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip())
}

/// The client of a request that came through a trusted proxy, as the outermost layer
/// ([`crate::metrics::track`]) found it once for the access log and every handler after it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ForwardedClient(pub(crate) IpAddr);

/// A cookie's value from the request headers.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
}

/// A `Set-Cookie` value with the flags every Vigie cookie carries.
pub fn set_cookie(name: &str, value: &str, max_age: Option<u64>, secure: bool) -> String {
    let mut c = format!("{name}={value}; Path=/; HttpOnly; SameSite=Strict");
    if secure {
        c.push_str("; Secure");
    }
    if let Some(age) = max_age {
        c.push_str(&format!("; Max-Age={age}"));
    }
    c
}

/// The middleware that authenticates every request once (session cookie or API token), puts the
/// [`Principal`] in the request's extensions, and enforces CSRF on state-changing requests.
pub(crate) async fn authenticate(
    State(state): State<AppState>,
    req: Request,
    next: Next,
) -> Response {
    let (mut parts, body) = req.into_parts();
    let principal = match resolve(&state, &parts.headers).await {
        Ok(p) => p,
        Err(e) => return e.into_response(),
    };
    let unsafe_method = !matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS);
    let mut body = body;
    if unsafe_method {
        let path = parts.uri.path().to_owned();
        let session_csrf = match &principal {
            Some(Principal {
                via: Via::Session(_),
                csrf,
                ..
            }) => Some(csrf.clone().unwrap_or_default()),
            _ => None,
        };
        let login_csrf = if path == "/login" {
            Some(cookie(&parts.headers, LOGIN_COOKIE).unwrap_or_default())
        } else {
            None
        };
        if let Some(expected) = login_csrf.or(session_csrf) {
            let header_token = parts
                .headers
                .get(CSRF_HEADER)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned);
            let (given, rebuilt) = match header_token {
                Some(t) => (Some(t), body),
                None => match form_field(&parts.headers, body, "csrf").await {
                    Ok(pair) => pair,
                    Err(r) => return r,
                },
            };
            body = rebuilt;
            let ok = !expected.is_empty()
                && given.is_some_and(|g| constant_time_eq(g.as_bytes(), expected.as_bytes()));
            if !ok {
                return csrf_refused(&path);
            }
        }
    }
    let user = principal.as_ref().map(|p| AccessUser(p.user.name.clone()));
    parts.extensions.insert(principal);
    let mut res = next.run(Request::from_parts(parts, body)).await;
    if let Some(user) = user {
        res.extensions_mut().insert(user);
    }
    res
}

/// The client of a request: the peer, or behind a trusted proxy the address it forwarded.
pub(crate) fn request_client(
    state: &AppState,
    extensions: &axum::http::Extensions,
    headers: &HeaderMap,
) -> Option<IpAddr> {
    let peer = extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip())?;
    if state.trusted_proxies.is_empty() {
        return Some(peer);
    }
    let forwarded: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect();
    Some(crate::forwarded_client(
        peer,
        &forwarded,
        &state.trusted_proxies,
    ))
}

fn csrf_refused(path: &str) -> Response {
    let message = "missing or wrong CSRF token: reload the page and try again";
    if crate::is_api_path(path) {
        crate::AppError::new(StatusCode::FORBIDDEN, message).into_response()
    } else {
        (StatusCode::FORBIDDEN, message).into_response()
    }
}

/// Reads a form body (when the request is a form) and returns the named field with a body to hand on.
async fn form_field(
    headers: &HeaderMap,
    body: Body,
    name: &str,
) -> Result<(Option<String>, Body), Response> {
    let is_form = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        return Ok((None, body));
    }
    let bytes = axum::body::to_bytes(body, MAX_FORM_BYTES)
        .await
        .map_err(|_| (StatusCode::PAYLOAD_TOO_LARGE, "form too large").into_response())?;
    let value = form_urlencoded_field(&bytes, name);
    Ok((value, Body::from(bytes)))
}

/// One field of an `application/x-www-form-urlencoded` body.
fn form_urlencoded_field(bytes: &[u8], name: &str) -> Option<String> {
    parse_form(bytes)
        .into_iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
}

/// The fields of an `application/x-www-form-urlencoded` body, in order.
pub(crate) fn parse_form(bytes: &[u8]) -> Vec<(String, String)> {
    let text = String::from_utf8_lossy(bytes);
    text.split('&')
        .filter(|kv| !kv.is_empty())
        .map(|kv| {
            let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
            (percent_decode(k), percent_decode(v))
        })
        .collect()
}

/// Decodes `+` and `%XX` escapes of a form field; a malformed escape is kept as written.
fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let decoded = (bytes[i] == b'%')
            .then(|| bytes.get(i + 1..i + 3))
            .flatten()
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], decoded) {
            (b'%', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b'+', _) => {
                out.push(b' ');
                i += 1;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Finds the user of a request: the session cookie first, then a bearer token. A cookie or token that is
/// unknown, expired or revoked gives no user (not an error), so the handler answers 401 or redirects to the
/// login page.
async fn resolve(
    state: &AppState,
    headers: &HeaderMap,
) -> Result<Option<Principal>, crate::AppError> {
    if let Some(secret) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|t| t.starts_with(TOKEN_PREFIX))
    {
        let hash = secret_hash(secret);
        // A token seen in the last seconds is trusted without the store (its use is then recorded at most once
        // per TTL): a matcher's lookups come by the thousand per second. Revoking a token here, or changing its
        // user, forgets it at once; elsewhere within the TTL.
        if let Some((user, _)) = state.tokens.get(&hash) {
            return Ok(Some(Principal {
                user,
                csrf: None,
                via: Via::Token,
            }));
        }
        let h = hash.clone();
        let user = state
            .pool
            .run(move |s| s.token_user(&h, Timestamp::now()))
            .await?;
        if let Some(u) = &user {
            state.tokens.put(&hash, u, "");
        }
        return Ok(user.map(|user| Principal {
            user,
            csrf: None,
            via: Via::Token,
        }));
    }
    if let Some(secret) = cookie(headers, SESSION_COOKIE) {
        let hash = secret_hash(&secret);
        if let Some((user, csrf)) = state.sessions.get(&hash) {
            return Ok(Some(Principal {
                user,
                csrf: Some(csrf),
                via: Via::Session(hash),
            }));
        }
        let h = hash.clone();
        let found = state
            .pool
            .run(move |s| s.session(&h, Timestamp::now()))
            .await?;
        if let Some((user, csrf)) = &found {
            state.sessions.put(&hash, user, csrf);
        }
        return Ok(found.map(|(user, csrf)| Principal {
            user,
            csrf: Some(csrf),
            via: Via::Session(hash),
        }));
    }
    Ok(None)
}

/// Live sessions seen in the last [`SessionCache::TTL`], so that a reviewer's every click does not cost a
/// store query. A session ended in this process (logout) leaves the cache at once; a user disabled or a
/// session ended by another process (`vigie user set --disable`) stops working within the TTL.
#[derive(Default)]
pub struct SessionCache {
    entries: Mutex<HashMap<String, (User, String, Instant)>>,
}

impl SessionCache {
    /// How long a looked-up session is trusted without asking the store again.
    pub const TTL: Duration = Duration::from_secs(2);
    const MAX: usize = 10_000;

    fn get(&self, hash: &str) -> Option<(User, String)> {
        let entries = self.entries.lock().ok()?;
        let (user, csrf, at) = entries.get(hash)?;
        (at.elapsed() < Self::TTL).then(|| (user.clone(), csrf.clone()))
    }

    fn put(&self, hash: &str, user: &User, csrf: &str) {
        if let Ok(mut entries) = self.entries.lock() {
            if entries.len() >= Self::MAX {
                entries.retain(|_, (_, _, at)| at.elapsed() < Self::TTL);
                if entries.len() >= Self::MAX {
                    entries.clear();
                }
            }
            entries.insert(
                hash.to_owned(),
                (user.clone(), csrf.to_owned(), Instant::now()),
            );
        }
    }

    /// Forgets a session (logout), or every session of a user (`None`: all).
    pub fn forget(&self, hash: Option<&str>, user: Option<i64>) {
        if let Ok(mut entries) = self.entries.lock() {
            match (hash, user) {
                (Some(h), _) => {
                    entries.remove(h);
                }
                (None, Some(id)) => entries.retain(|_, (u, _, _)| u.id != id),
                (None, None) => entries.clear(),
            }
        }
    }
}

/// The least role an [`Authed`] extractor requires.
pub trait MinRole: Send + Sync + 'static {
    /// The role.
    const ROLE: Role;
}

/// Any logged-in user.
pub struct AnyRole;
/// Analysts and above.
pub struct AnalystRole;
/// Reviewers and above.
pub struct ReviewerRole;
/// Admins.
pub struct AdminRole;

impl MinRole for AnyRole {
    const ROLE: Role = Role::Viewer;
}
impl MinRole for AnalystRole {
    const ROLE: Role = Role::Analyst;
}
impl MinRole for ReviewerRole {
    const ROLE: Role = Role::Reviewer;
}
impl MinRole for AdminRole {
    const ROLE: Role = Role::Admin;
}

/// A request's user, with at least role `R`.
pub struct Authed<R: MinRole> {
    /// The user and how they authenticated.
    pub principal: Principal,
    /// The client's address.
    pub ip: Option<IpAddr>,
    _role: PhantomData<R>,
}

impl<R: MinRole> Authed<R> {
    /// The user.
    pub fn user(&self) -> &User {
        &self.principal.user
    }

    /// The actor for the audit trail.
    pub fn actor(&self) -> vigie_store::Actor {
        vigie_store::Actor::user(&self.principal.user, self.ip.map(|ip| ip.to_string()))
    }

    /// The session's CSRF token, for forms.
    pub fn csrf(&self) -> &str {
        self.principal.csrf.as_deref().unwrap_or("")
    }
}

/// Why a request was refused before its handler ran.
#[derive(Debug)]
pub enum AuthRejection {
    /// No user: 401 for the API, a redirect to the login page for pages.
    Unauthenticated {
        /// The page asked for.
        api: bool,
        /// Where to come back after login.
        next: String,
    },
    /// A user whose role is too low: 403.
    Forbidden {
        /// For the API.
        api: bool,
        /// The role needed.
        needed: Role,
    },
}

impl IntoResponse for AuthRejection {
    fn into_response(self) -> Response {
        match self {
            AuthRejection::Unauthenticated { api: true, .. } => crate::AppError::new(
                StatusCode::UNAUTHORIZED,
                "log in, or send an API token as `Authorization: Bearer vigie_...`",
            )
            .into_response(),
            AuthRejection::Unauthenticated { api: false, next } => {
                let target = format!("/login?next={}", url_escape(&next));
                Redirect::to(&target).into_response()
            }
            AuthRejection::Forbidden { api, needed } => {
                let message = format!("this needs the {} role or above", needed.as_str());
                if api {
                    crate::AppError::new(StatusCode::FORBIDDEN, message).into_response()
                } else {
                    (
                        StatusCode::FORBIDDEN,
                        crate::pages::error_page("Not allowed", &message),
                    )
                        .into_response()
                }
            }
        }
    }
}

/// Escapes a path for a query parameter.
pub(crate) fn url_escape(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"/-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

impl<S: Send + Sync, R: MinRole> FromRequestParts<S> for Authed<R> {
    type Rejection = AuthRejection;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let api = crate::is_api_path(parts.uri.path());
        let principal = parts
            .extensions
            .get::<Option<Principal>>()
            .cloned()
            .flatten();
        let Some(principal) = principal else {
            let next = parts
                .uri
                .path_and_query()
                .map(|p| p.as_str().to_owned())
                .unwrap_or_else(|| "/".to_owned());
            // Only a page fetched with GET comes back after login.
            let next = if parts.method == Method::GET {
                next
            } else {
                "/".to_owned()
            };
            return Err(AuthRejection::Unauthenticated { api, next });
        };
        if principal.user.role < R::ROLE {
            return Err(AuthRejection::Forbidden {
                api,
                needed: R::ROLE,
            });
        }
        Ok(Authed {
            ip: client_ip(&parts.extensions),
            principal,
            _role: PhantomData,
        })
    }
}

/// The request's user, if any, without requiring one (the login page, logout).
pub struct MaybeUser(pub Option<Principal>);

impl<S: Send + Sync> FromRequestParts<S> for MaybeUser {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(MaybeUser(
            parts
                .extensions
                .get::<Option<Principal>>()
                .cloned()
                .flatten(),
        ))
    }
}

/// The client's address, when the server knows it (always, behind `vigie serve`).
pub struct ClientIp(pub Option<IpAddr>);

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientIp(client_ip(&parts.extensions)))
    }
}

/// Attempts per client address in a sliding window.
pub struct RateLimiter {
    limit: usize,
    window: Duration,
    seen: Mutex<HashMap<Option<IpAddr>, VecDeque<Instant>>>,
}

impl RateLimiter {
    /// At most `limit` attempts per `window` per address.
    pub fn new(limit: u32, window: Duration) -> RateLimiter {
        RateLimiter {
            limit: limit.max(1) as usize,
            window,
            seen: Mutex::new(HashMap::new()),
        }
    }

    /// Records an attempt; false when the address has used up its attempts.
    pub fn allow(&self, ip: Option<IpAddr>) -> bool {
        let now = Instant::now();
        let Ok(mut seen) = self.seen.lock() else {
            return false;
        };
        if seen.len() > 10_000 {
            // Forget addresses whose attempts all left the window, so the map stays bounded.
            seen.retain(|_, q| {
                q.back()
                    .is_some_and(|t| now.duration_since(*t) < self.window)
            });
        }
        let q = seen.entry(ip).or_default();
        while q
            .front()
            .is_some_and(|t| now.duration_since(*t) >= self.window)
        {
            q.pop_front();
        }
        if q.len() >= self.limit {
            return false;
        }
        q.push_back(now);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_and_cookies_parse() {
        assert_eq!(
            form_urlencoded_field(b"a=1&csrf=ab%2Bc+d&b=2", "csrf").as_deref(),
            Some("ab+c d")
        );
        assert_eq!(form_urlencoded_field(b"a=1", "csrf"), None);
        assert_eq!(percent_decode("%"), "%");
        assert_eq!(percent_decode("%4"), "%4");
        assert_eq!(percent_decode("%41"), "A");
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            "x=1; vigie_session=abc; y=2".parse().expect("header"),
        );
        assert_eq!(cookie(&h, SESSION_COOKIE).as_deref(), Some("abc"));
        assert_eq!(cookie(&h, "z"), None);
    }

    #[test]
    fn the_limiter_counts_per_address() {
        let l = RateLimiter::new(2, Duration::from_secs(60));
        let a = Some(IpAddr::from([127, 0, 0, 1]));
        let b = Some(IpAddr::from([127, 0, 0, 2]));
        assert!(l.allow(a));
        assert!(l.allow(a));
        assert!(!l.allow(a));
        assert!(l.allow(b));
    }
}
