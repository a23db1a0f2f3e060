//! The web interface: server-rendered pages over the same handlers' logic as the API.
//!
//! No inline script or style (the content security policy forbids them): `app.js` adds the keyboard
//! shortcuts and click-to-reveal, `app.css` the blur and greyscale that media get by default.

use crate::api::{
    self, CaseParams, DecisionRequest, UserChangeRequest, case_detail, check_new_user,
    verify_store_audit,
};
use crate::auth::{
    AdminRole, AnalystRole, AnyRole, Authed, ClientIp, LOGIN_COOKIE, MaybeUser, SESSION_COOKIE,
    Via, dummy_hash, hash_password, random_hex, secret_hash, set_cookie, verify_password,
};
use crate::{AppError, AppState};
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{DOCTYPE, Markup, PreEscaped, html};
use serde::Deserialize;
use std::sync::atomic::Ordering;
use vigie_model::{
    Action, Case, CaseStatus, Evidence, Role, SignalKind, Timestamp, User, UserSettings,
};
use vigie_store::{LoginOutcome, StoreError};

const APP_CSS: &str = include_str!("assets/app.css");
const APP_JS: &str = include_str!("assets/app.js");

/// `GET /static/app.css`.
pub async fn app_css() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        APP_CSS,
    )
        .into_response()
}

/// `GET /static/app.js`.
pub async fn app_js() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        APP_JS,
    )
        .into_response()
}

/// What the layout needs to know about the viewer.
pub(crate) struct Viewer<'a> {
    user: &'a User,
    csrf: &'a str,
}

pub(crate) fn layout(title: &str, viewer: Option<Viewer<'_>>, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                @if let Some(v) = &viewer { meta name="csrf-token" content=(v.csrf); }
                title { (title) " · Vigie" }
                link rel="stylesheet" href="/static/app.css";
                script src="/static/app.js" defer {}
            }
            body {
                header.top {
                    a.brand href="/" { "Vigie" }
                    @if let Some(v) = &viewer {
                        nav {
                            a href="/" { "Queue" }
                            a href="/referrals" { "Referrals" }
                            a href="/settings" { "Settings" }
                            a href="/tokens" { "API tokens" }
                            @if v.user.role >= Role::Admin {
                                a href="/users" { "Users" }
                                a href="/audit" { "Audit" }
                            }
                        }
                        span.who { (v.user.name) " (" (v.user.role.as_str()) ")" }
                        form.logout method="post" action="/logout" {
                            input type="hidden" name="csrf" value=(v.csrf);
                            button type="submit" { "Log out" }
                        }
                    }
                }
                main { (body) }
                footer { "Press " kbd { "?" } " for keyboard shortcuts." }
                div #help hidden {
                    h2 { "Keyboard shortcuts" }
                    dl {
                        dt { kbd { "j" } " / " kbd { "k" } } dd { "next / previous case in the queue" }
                        dt { kbd { "Enter" } } dd { "open the selected case" }
                        dt { kbd { "c" } } dd { "confirm (with the selected label)" }
                        dt { kbd { "r" } } dd { "reject (type the reason, then Enter)" }
                        dt { kbd { "e" } } dd { "escalate" }
                        dt { kbd { "o" } } dd { "reopen" }
                        dt { kbd { "v" } } dd { "reveal or hide the media" }
                        dt { kbd { "n" } } dd { "next case in the queue" }
                        dt { kbd { "u" } } dd { "back to the queue" }
                    }
                }
            }
        }
    }
}

/// A page for an error.
pub fn error_page(title: &str, message: &str) -> Markup {
    layout(
        title,
        None,
        html! { h1 { (title) } p.error { (message) } p { a href="/" { "Back to the queue" } } },
    )
}

pub(crate) fn page_error(e: AppError) -> Response {
    let title = e.status.canonical_reason().unwrap_or("Error");
    (e.status, error_page(title, &e.message)).into_response()
}

/// Login page parameters.
#[derive(Debug, Default, Deserialize)]
pub struct LoginParams {
    next: Option<String>,
    error: Option<String>,
}

/// `GET /login`: the form, with a fresh double-submit CSRF cookie.
pub async fn login_page(
    State(state): State<AppState>,
    MaybeUser(user): MaybeUser,
    Query(p): Query<LoginParams>,
) -> Response {
    if user.is_some() {
        return Redirect::to(&safe_next(p.next.as_deref())).into_response();
    }
    let token = random_hex(16);
    let body = html! {
        h1 { "Log in" }
        @if let Some(e) = &p.error { p.error role="alert" { (login_message(e)) } }
        form.login method="post" action="/login" {
            input type="hidden" name="csrf" value=(token);
            input type="hidden" name="next" value=(safe_next(p.next.as_deref()));
            label { "User " input #name type="text" name="name" autocomplete="username" required autofocus; }
            label { "Password " input #password type="password" name="password" autocomplete="current-password" required; }
            button #login type="submit" { "Log in" }
        }
    };
    let mut res = layout("Log in", None, body).into_response();
    if let Ok(v) = HeaderValue::from_str(&set_cookie(
        LOGIN_COOKIE,
        &token,
        Some(1800),
        state.config.secure_cookies,
    )) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    res
}

/// Only plain local paths: a login link cannot send the user to another site. A browser reads `/\t/host`,
/// `/\\host` and `//host` as another host (it drops tabs and line breaks, and takes a backslash for a slash), so
/// a value with any control character, whitespace or backslash is refused, as is one that does not start with
/// exactly one `/`; what is left is a path (with its query) that stays on this site, and fits in a header.
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n)
            if n.starts_with('/')
                && !n.starts_with("//")
                && !n
                    .chars()
                    .any(|c| c.is_control() || c.is_whitespace() || c == '\\') =>
        {
            n.to_owned()
        }
        _ => "/".to_owned(),
    }
}

/// Why a login failed, as the login page's `error` names it: a fixed code, never text from the address.
const LOGIN_ERRORS: [(&str, &str); 3] = [
    ("rate", "Too many attempts: wait a minute and try again."),
    (
        "locked",
        "This account is locked after too many failed logins; try again later.",
    ),
    ("wrong", "Wrong user name or password."),
];

/// The message of a login error code; any other value gets the plain failure message.
fn login_message(code: &str) -> &'static str {
    LOGIN_ERRORS
        .iter()
        .find(|(c, _)| *c == code)
        .map_or("Login failed.", |(_, m)| m)
}

/// The login form.
#[derive(Debug, Deserialize)]
pub struct LoginForm {
    name: String,
    password: String,
    next: Option<String>,
}

/// `POST /login`: checks the rate limit, the lockout and the password; on success opens a session.
pub async fn login(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    Form(form): Form<LoginForm>,
) -> Response {
    let fail = |code: &str| {
        Redirect::to(&format!(
            "/login?error={code}&next={}",
            crate::auth::url_escape(&safe_next(form.next.as_deref()))
        ))
        .into_response()
    };
    let actor = vigie_store::Actor {
        user_id: None,
        name: form.name.clone(),
        origin: ip.map(|i| i.to_string()),
    };
    if !state.limiter.allow(ip) {
        state.metrics.logins_failed.fetch_add(1, Ordering::Relaxed);
        let (n, a) = (form.name.clone(), actor.clone());
        let _ = state
            .pool
            .run(move |s| {
                s.record_login(
                    &n,
                    &LoginOutcome::Refused {
                        reason: "too many attempts from this address".into(),
                    },
                    &a,
                )
            })
            .await;
        return fail("rate");
    }
    let name = form.name.clone();
    let found = match state.pool.run(move |s| s.user_login(&name)).await {
        Ok(f) => f,
        Err(e) => return page_error(e),
    };
    let now = Timestamp::now();
    let password = form.password.clone();
    let (outcome, user) = match found {
        None => {
            // The same work as a real check, so that timing does not tell which names exist.
            let _ =
                tokio::task::spawn_blocking(move || verify_password(&password, dummy_hash())).await;
            (
                LoginOutcome::Refused {
                    reason: "unknown user".into(),
                },
                None,
            )
        }
        Some((user, _)) if user.disabled => (
            LoginOutcome::Refused {
                reason: "user disabled".into(),
            },
            None,
        ),
        Some((user, _)) if user.locked_until.is_some_and(|t| t > now) => (
            LoginOutcome::Refused {
                reason: "user locked out after failed logins".into(),
            },
            None,
        ),
        Some((user, hash)) => {
            let ok = tokio::task::spawn_blocking(move || verify_password(&password, &hash))
                .await
                .unwrap_or(false);
            if ok {
                (LoginOutcome::Success, Some(user))
            } else {
                let lock = (user.failed_logins + 1 >= state.config.lockout_failures)
                    .then(|| Timestamp(now.0 + i64::from(state.config.lockout_minutes) * 60_000));
                (LoginOutcome::Failure { lock_until: lock }, None)
            }
        }
    };
    let (n, a, o) = (form.name.clone(), actor, outcome.clone());
    if let Err(e) = state.pool.run(move |s| s.record_login(&n, &o, &a)).await {
        return page_error(e);
    }
    let Some(user) = user else {
        state.metrics.logins_failed.fetch_add(1, Ordering::Relaxed);
        let code = match outcome {
            LoginOutcome::Refused { reason } if reason.contains("locked") => "locked",
            _ => "wrong",
        };
        return fail(code);
    };
    state.metrics.logins.fetch_add(1, Ordering::Relaxed);
    let secret = random_hex(32);
    let csrf = random_hex(32);
    let hours = u64::from(state.config.session_hours.max(1));
    let expires = Timestamp(now.0 + i64::try_from(hours * 3_600_000).unwrap_or(i64::MAX / 2));
    let (hash, uid) = (secret_hash(&secret), user.id);
    if let Err(e) = state
        .pool
        .run(move |s| s.create_session(&hash, uid, &csrf, expires))
        .await
    {
        return page_error(e);
    }
    let mut res = Redirect::to(&safe_next(form.next.as_deref())).into_response();
    let secure = state.config.secure_cookies;
    for c in [
        set_cookie(SESSION_COOKIE, &secret, Some(hours * 3600), secure),
        set_cookie(LOGIN_COOKIE, "", Some(0), secure),
    ] {
        if let Ok(v) = HeaderValue::from_str(&c) {
            res.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    res
}

/// `POST /logout`: ends the session.
pub async fn logout(State(state): State<AppState>, MaybeUser(user): MaybeUser) -> Response {
    if let Some(p) = user
        && let Via::Session(hash) = p.via
    {
        state.sessions.forget(Some(&hash), None);
        let _ = state.pool.run(move |s| s.delete_session(&hash)).await;
    }
    let mut res = Redirect::to("/login").into_response();
    if let Ok(v) = HeaderValue::from_str(&set_cookie(
        SESSION_COOKIE,
        "",
        Some(0),
        state.config.secure_cookies,
    )) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    res
}

pub(crate) fn viewer<'a, R: crate::auth::MinRole>(a: &'a Authed<R>) -> Viewer<'a> {
    Viewer {
        user: a.user(),
        csrf: a.csrf(),
    }
}

fn status_badge(status: &str) -> Markup {
    html! { span class={"status status-" (status)} { (status) } }
}

fn signal_list(case: &Case) -> Markup {
    html! { @for k in &case.signals { span class={"signal signal-" (k.as_str())} { (k.as_str()) } " " } }
}

fn snippet(case: &Case) -> String {
    let text = case.text.as_deref().unwrap_or("");
    let mut s: String = text.chars().take(140).collect();
    if text.chars().count() > 140 {
        s.push('…');
    }
    if s.is_empty() {
        format!(
            "account {}",
            case.handle
                .as_deref()
                .or(case.account_id.as_deref())
                .unwrap_or("?")
        )
    } else {
        s
    }
}

/// `GET /`: the review queue.
pub async fn queue(
    user: Authed<AnyRole>,
    State(state): State<AppState>,
    Query(params): Query<CaseParams>,
) -> Response {
    let query = match params.query(state.config.page_size) {
        Ok(q) => q,
        Err(e) => return page_error(e),
    };
    let (limit, offset) = (query.limit, query.offset);
    // The queue shows each case's evidence kinds, not the evidence itself.
    let query = vigie_store::CaseQuery {
        brief: true,
        ..query
    };
    let cases = match state.pool.run(move |s| s.cases(&query)).await {
        Ok(c) => c,
        Err(e) => return page_error(e),
    };
    let field = |v: &Option<String>| v.clone().unwrap_or_default();
    let page_link = |offset: usize| {
        let mut q: Vec<String> = Vec::new();
        for (k, v) in [
            ("status", &params.status),
            ("platform", &params.platform),
            ("language", &params.language),
            ("signal", &params.signal),
            ("category", &params.category),
            ("bank", &params.bank),
            ("label", &params.label),
            ("assignee", &params.assignee),
            ("account", &params.account),
            ("subject", &params.subject),
            ("sort", &params.sort),
        ] {
            if let Some(v) = v.as_deref().filter(|v| !v.is_empty()) {
                q.push(format!("{k}={}", crate::auth::url_escape(v)));
            }
        }
        q.push(format!("offset={offset}"));
        format!("/?{}", q.join("&"))
    };
    let body = html! {
        h1 { "Review queue" }
        form.filters method="get" action="/" {
            label { "Status " select name="status" {
                option value="" selected[params.status.as_deref().unwrap_or("").is_empty()] { "any" }
                @for s in CaseStatus::ALL {
                    option value=(s.as_str()) selected[params.status.as_deref() == Some(s.as_str())] { (s.as_str()) }
                }
            } }
            label { "Platform " input type="text" name="platform" size="8" value=(field(&params.platform)); }
            label { "Language " input type="text" name="language" size="4" value=(field(&params.language)); }
            label { "Signal " select name="signal" {
                option value="" { "any" }
                @for k in [SignalKind::Term, SignalKind::Url, SignalKind::Hashtag, SignalKind::NearDuplicate, SignalKind::Classifier, SignalKind::HashMatch, SignalKind::Posts, SignalKind::Network, SignalKind::Recidivism] {
                    option value=(k.as_str()) selected[params.signal.as_deref() == Some(k.as_str())] { (k.as_str()) }
                }
            } }
            label { "Category " select name="category" {
                option value="" { "any" }
                @for v in vigie_model::Violation::ALL {
                    option value=(v.as_str()) selected[params.category.as_deref() == Some(v.as_str())] { (v.as_str()) }
                }
            } }
            label { "Bank " input type="text" name="bank" size="8" value=(field(&params.bank)); }
            label { "Label " input type="text" name="label" size="10" value=(field(&params.label)); }
            label { "Assignee " input type="text" name="assignee" size="8" value=(field(&params.assignee)); }
            label { "Account " input type="text" name="account" size="10" value=(field(&params.account)); }
            button type="submit" { "Filter" }
        }
        @if cases.is_empty() {
            p.empty { "No case matches." }
        } @else {
            table.queue #queue {
                thead { tr { th { "Score" } th { "Case" } th { "Category" } th { "Signals" } th { "Platform" } th { "Lang" } th { "Status" } th { "Assignee" } th { "Text" } } }
                tbody {
                    @for c in &cases {
                        tr data-href={"/cases/" (c.id)} {
                            td.score { (format!("{:.2}", c.score)) }
                            td { a href={"/cases/" (c.id)} { "#" (c.id) " " (c.subject.as_str()) } }
                            td.category { (c.category.map_or("", vigie_model::Violation::as_str)) }
                            td { (signal_list(c)) }
                            td { (c.platform) }
                            td { (c.language.as_deref().unwrap_or("")) }
                            td { (status_badge(&c.status)) }
                            td { (c.assignee.as_deref().unwrap_or("")) }
                            td.snippet dir="auto" { (snippet(c)) }
                        }
                    }
                }
            }
            nav.pages {
                @if offset > 0 { a href=(page_link(offset.saturating_sub(limit))) { "← previous" } " " }
                @if cases.len() == limit { a #next-page href=(page_link(offset + limit)) { "next →" } }
            }
        }
    };
    layout("Queue", Some(viewer(&user)), body).into_response()
}

/// The post's text with each evidence span highlighted where it lies in the text as stored.
fn highlighted(text: &str, evidence: &[Evidence]) -> Markup {
    let mut spans: Vec<(usize, usize, String)> = evidence
        .iter()
        .filter_map(|e| {
            let (a, b) = e.span?;
            (a < b && b <= text.len() && text.is_char_boundary(a) && text.is_char_boundary(b))
                .then(|| (a, b, format!("{}: {}", e.signal.as_str(), e.detail)))
        })
        .collect();
    spans.sort_by_key(|s| (s.0, std::cmp::Reverse(s.1)));
    let mut out = String::new();
    let mut at = 0;
    for (a, b, title) in spans {
        if a < at {
            continue; // overlaps a span already marked
        }
        out.push_str(&maud::html! { (text[at..a]) }.into_string());
        out.push_str(&maud::html! { mark title=(title) { (text[a..b]) } }.into_string());
        at = b;
    }
    out.push_str(&maud::html! { (text[at..]) }.into_string());
    PreEscaped(out)
}

/// `GET /cases/{id}`: the case page.
pub async fn case_page(
    user: Authed<AnyRole>,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Query(p): Query<DoneParams>,
) -> Response {
    let detail = match state.pool.run(move |s| case_detail(s, id)).await {
        Ok(Some(d)) => d,
        Ok(None) => return page_error(AppError::not_found(format!("no case {id}"))),
        Err(e) => return page_error(e),
    };
    let settings = &user.user().settings;
    let mut media_class = String::from("media");
    if settings.blur {
        media_class.push_str(" blurred");
    }
    if settings.greyscale {
        media_class.push_str(" grey");
    }
    let c = &detail.case;
    let status = CaseStatus::parse(&c.status).unwrap_or(CaseStatus::Open);
    let role = user.user().role;
    let csrf = user.csrf().to_owned();
    let body = html! {
        p { a href="/" { "← Queue" } " · " a #next-case href={"/cases/" (c.id) "/next"} { "next open case →" } }
        @if let Some(done) = &p.done { p.notice role="status" { "Recorded: " (done) "." } }
        h1 { "Case #" (c.id) " " (status_badge(&c.status)) }
        dl.facts {
            dt { "Score" } dd #score { (format!("{:.2}", c.score)) }
            @if let Some(v) = c.category {
                dt { "Category" } dd #category title=(v.definition().references) { (v.as_str()) ": " (v.definition().definition) }
            }
            dt { "Subject" } dd { (c.subject.as_str()) }
            dt { "Platform" } dd { (c.platform) }
            @if let Some(h) = c.handle.as_deref().or(c.account_id.as_deref()) { dt { "Account" } dd { (h) } }
            @if let Some(url) = &c.permalink {
                dt { "Permalink" }
                dd { a #permalink href=(url) rel="noopener noreferrer nofollow" referrerpolicy="no-referrer" { (url) } }
            }
            @if let Some(l) = &c.language { dt { "Language" } dd { (l) } }
            @if let Some(l) = &c.label { dt { "Label" } dd #label { (l) } }
            @if let Some(r) = &detail.referral {
                dt { "Referral" }
                dd #case-referral { a href={"/referrals/" (r.id)} { "#" (r.id) } " to " (r.platform) ", " (r.status.as_str()) }
            }
            dt { "Assignee" } dd { (c.assignee.as_deref().unwrap_or("nobody")) }
        }
        @if let Some(text) = &c.text {
            h2 { "Text" }
            blockquote.post-text dir="auto" { (highlighted(text, &c.evidence)) }
        }
        @if !detail.media.is_empty() {
            h2 { "Media" }
            p.hint { "Blurred by default: click a medium (or press " kbd { "v" } ") to reveal it." }
            div.media-list {
                @for m in &detail.media {
                    figure class=(media_class) data-reveal {
                        @if m.kind == "video" || m.kind == "animated_gif" {
                            video src=(m.url) controls preload="none" autoplay[settings.autoplay] muted {}
                        } @else {
                            img src=(m.url) alt={"medium " (&m.sha256[..12.min(m.sha256.len())])};
                        }
                        figcaption {
                            code { (m.sha256) }
                            @for view in &m.matches {
                                @let hit = &view.matched;
                                div.match {
                                    "matches bank " strong { (hit.bank) } " entry #" (hit.entry_id)
                                    " (" (hit.signal.as_str()) ", distance " (hit.distance) ", " (hit.variant) ", " (hit.status.as_str()) ")"
                                    @if !view.labels.is_empty() {
                                        br;
                                        @for (k, v) in &view.labels { span.label { (k) "=" (v) } " " }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        h2 { "Evidence" }
        table.evidence {
            thead { tr { th { "Signal" } th { "Weight" } th { "Category" } th { "What" } th { "Source" } th { "Entry" } } }
            tbody {
                @for e in &c.evidence {
                    tr class={"ev-" (e.signal.as_str())} {
                        td { (e.signal.as_str()) }
                        td.num { (format!("{:+.2}", e.weight)) }
                        td { (e.violation.map_or("", vigie_model::Violation::as_str)) }
                        td dir="auto" { (e.detail) }
                        td { (e.source.as_deref().unwrap_or("")) }
                        td { (e.entry.as_deref().unwrap_or("")) }
                    }
                }
            }
        }
        @if !detail.urls.is_empty() { h2 { "Links" } ul { @for u in &detail.urls { li { code { (u) } } } } }
        @if !detail.hashtags.is_empty() { h2 { "Hashtags" } p { @for t in &detail.hashtags { span.tag { "#" (t) } " " } } }
        @if role >= Role::Analyst {
            h2 { "Decision" }
            div.decisions {
                @if matches!(status, CaseStatus::Open | CaseStatus::Pending | CaseStatus::Escalated) {
                    form #confirm-form method="post" action={"/cases/" (c.id) "/decide"} {
                        input type="hidden" name="csrf" value=(csrf);
                        input type="hidden" name="action" value="confirm";
                        label { "Policy label " select #label-select name="label" {
                            @for l in &state.rules.taxonomy { option value=(l) selected[c.label.as_deref() == Some(l.as_str())] { (l) } }
                        } }
                        button #confirm type="submit" { @if status == CaseStatus::Pending { "Second confirmation" } @else { "Confirm" } " (c)" }
                    }
                    form #reject-form method="post" action={"/cases/" (c.id) "/decide"} {
                        input type="hidden" name="csrf" value=(csrf);
                        input type="hidden" name="action" value="reject";
                        label { "Reason " input #reason type="text" name="reason" placeholder="false positive because…"; }
                        label { input type="checkbox" name="allow_list" value="true"; " feed an allow-list" }
                        button #reject type="submit" { "Reject (r)" }
                    }
                }
                @if matches!(status, CaseStatus::Open | CaseStatus::Pending) {
                    form #escalate-form method="post" action={"/cases/" (c.id) "/decide"} {
                        input type="hidden" name="csrf" value=(csrf);
                        input type="hidden" name="action" value="escalate";
                        button #escalate type="submit" { "Escalate (e)" }
                    }
                }
                @if status != CaseStatus::Open {
                    form #reopen-form method="post" action={"/cases/" (c.id) "/decide"} {
                        input type="hidden" name="csrf" value=(csrf);
                        input type="hidden" name="action" value="reopen";
                        label { "Reason " input type="text" name="reason" placeholder="appeal, new information…"; }
                        button #reopen type="submit" { "Reopen (o)" }
                    }
                }
                form #assign-me-form method="post" action={"/cases/" (c.id) "/assign"} {
                    input type="hidden" name="csrf" value=(csrf);
                    input type="hidden" name="user" value=(user.user().name);
                    button #assign-me type="submit" { "Assign to me" }
                }
                form #assign-form method="post" action={"/cases/" (c.id) "/assign"} {
                    input type="hidden" name="csrf" value=(csrf);
                    label { "Assign to " input #assignee type="text" name="user" size="12" required placeholder="user name"; }
                    button type="submit" { "Assign" }
                }
                @if c.assignee.is_some() {
                    form #unassign-form method="post" action={"/cases/" (c.id) "/assign"} {
                        input type="hidden" name="csrf" value=(csrf);
                        input type="hidden" name="user" value="";
                        button #unassign type="submit" { "Unassign" }
                    }
                }
            }
            @if status == CaseStatus::Pending && state.rules.two_person {
                p.hint { "Confirmed once: a second reviewer, not the first, must confirm it too." }
            }
        }
        @if status == CaseStatus::Confirmed && detail.referral.is_none() && role >= Role::Reviewer {
            form #refer-form method="post" action="/referrals" {
                input type="hidden" name="csrf" value=(csrf);
                input type="hidden" name="platform" value=(c.platform);
                input type="hidden" name="cases" value=(c.id);
                button #refer type="submit" { "Refer to " (c.platform) " (a draft referral of this case)" }
            }
        }
        h2 { "History" }
        @if detail.decisions.is_empty() { p.empty { "No decision yet." } }
        @else {
            ol.history #history {
                @for d in &detail.decisions {
                    li {
                        (d.at.to_string()) " — " strong { (d.user) } " " (d.action.as_str()) ": "
                        (d.from_status.as_str()) " → " (d.to_status.as_str())
                        @if let Some(l) = &d.label { " · label " em { (l) } }
                        @if let Some(r) = &d.reason { " · " q { (r) } }
                        @if d.allow_list { " · for the allow-list" }
                    }
                }
            }
        }
        @if !detail.predecessors.is_empty() {
            h2 { "Predecessors: the history this account inherits" }
            @for p in &detail.predecessors {
                section.predecessor {
                    p {
                        "Likely successor of "
                        strong { (p.case.handle.as_deref().map(|h| format!("@{h}")).or_else(|| p.case.account_id.clone()).unwrap_or_default()) }
                        ", case " a href={"/cases/" (p.case.id)} { "#" (p.case.id) } " " (status_badge(&p.case.status))
                        @if let Some(l) = &p.case.label { " · label " em { (l) } }
                    }
                    @if p.decisions.is_empty() { p.empty { "No decision on it." } }
                    @else {
                        ol.history {
                            @for d in &p.decisions {
                                li {
                                    (d.at.to_string()) " — " strong { (d.user) } " " (d.action.as_str()) ": "
                                    (d.from_status.as_str()) " → " (d.to_status.as_str())
                                    @if let Some(l) = &d.label { " · label " em { (l) } }
                                    @if let Some(r) = &d.reason { " · " q { (r) } }
                                }
                            }
                        }
                    }
                }
            }
        }
        @if !detail.neighbourhood.is_empty() {
            h2 { "Neighbourhood" }
            (crate::neighbourhood::picture(
                &c.handle.as_deref().map(|h| format!("@{h}")).or_else(|| c.account_id.clone()).unwrap_or_default(),
                &detail.neighbourhood,
            ))
        }
        @if !detail.account_cases.is_empty() {
            h2 { "The account's other cases" }
            ul #account-cases {
                @for o in &detail.account_cases {
                    li { a href={"/cases/" (o.id)} { "#" (o.id) } " " (format!("{:.2}", o.score)) " " (status_badge(&o.status)) " " (signal_list(o)) span dir="auto" { (snippet(o)) } }
                }
            }
            @if let Some(account) = &c.account_id {
                p { a #account-queue href={"/?platform=" (crate::auth::url_escape(&c.platform)) "&account=" (crate::auth::url_escape(account))} { "All of this account's cases in the queue →" } }
            }
        }
    };
    layout(&format!("Case #{}", c.id), Some(viewer(&user)), body).into_response()
}

/// `GET /cases/{id}/next`: the next open case below this one in the queue (score order), or the queue when
/// there is none. Found when asked for, so that case pages do not pay for it.
pub async fn next_case(
    _user: Authed<AnyRole>,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Response {
    let next = state
        .pool
        .run(move |s| {
            let Some(case) = s.case(id)? else {
                return Ok(None);
            };
            Ok(s.cases(&vigie_store::CaseQuery {
                status: Some("open".into()),
                after: Some((case.score, id)),
                limit: 1,
                ..Default::default()
            })?
            .first()
            .map(|c| c.id))
        })
        .await;
    match next {
        Ok(Some(n)) => Redirect::to(&format!("/cases/{n}")).into_response(),
        Ok(None) => Redirect::to("/?status=open").into_response(),
        Err(e) => page_error(e),
    }
}

/// `?done=` after a decision.
#[derive(Debug, Default, Deserialize)]
pub struct DoneParams {
    done: Option<String>,
}

/// The decision form.
#[derive(Debug, Deserialize)]
pub struct DecideForm {
    action: String,
    label: Option<String>,
    reason: Option<String>,
    allow_list: Option<String>,
}

/// `POST /cases/{id}/decide`.
pub async fn decide(
    user: Authed<AnalystRole>,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Form(form): Form<DecideForm>,
) -> Response {
    let Some(action) = Action::parse(&form.action) else {
        return page_error(AppError::bad_request(format!(
            "unknown action {:?}",
            form.action
        )));
    };
    let req = DecisionRequest {
        action,
        label: form.label,
        reason: form.reason,
        allow_list: form.allow_list.is_some_and(|v| v == "true" || v == "on"),
    };
    match api::take_decision(&state, &user, id, req).await {
        Ok(d) => Redirect::to(&format!(
            "/cases/{id}?done={}",
            crate::auth::url_escape(&format!("{} → {}", d.action.as_str(), d.to_status.as_str()))
        ))
        .into_response(),
        Err(e) => page_error(e),
    }
}

/// The assignment form.
#[derive(Debug, Deserialize)]
pub struct AssignForm {
    user: Option<String>,
}

/// `POST /cases/{id}/assign`.
pub async fn assign(
    user: Authed<AnalystRole>,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Form(form): Form<AssignForm>,
) -> Response {
    match api::assign_case(&state, &user, id, form.user).await {
        Ok(()) => Redirect::to(&format!("/cases/{id}?done=assigned")).into_response(),
        Err(e) => page_error(e),
    }
}

/// `GET /media/{sha256}`: a stored medium's bytes, for the case page. Never cached by shared caches.
pub async fn media(
    _user: Authed<AnyRole>,
    State(state): State<AppState>,
    Path(sha): Path<String>,
) -> Response {
    if sha.len() != 64
        || !sha
            .bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
    {
        return AppError::bad_request("a medium is named by its SHA-256 in lower-case hex")
            .into_response();
    }
    let s2 = sha.clone();
    // The type is the one ingest sniffed from the bytes (only `vigie-media` inspects media bytes).
    let (path, mime) = match state
        .pool
        .run(move |s| Ok((s.blobs().path_of(&s2), s.media_type(&s2)?)))
        .await
    {
        Ok(found) => found,
        Err(e) => return e.into_response(),
    };
    let bytes = match tokio::fs::read(&path).await {
        Ok(b) => b,
        Err(_) => {
            return AppError::not_found(format!("medium {sha} is not stored")).into_response();
        }
    };
    let mut headers = HeaderMap::new();
    headers.insert(
        header::CONTENT_TYPE,
        mime.as_deref()
            .and_then(|m| HeaderValue::from_str(m).ok())
            .unwrap_or(HeaderValue::from_static("application/octet-stream")),
    );
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, max-age=3600"),
    );
    headers.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static("inline"),
    );
    (headers, bytes).into_response()
}

/// `GET /settings`.
pub async fn settings_page(user: Authed<AnyRole>, Query(p): Query<DoneParams>) -> Response {
    let s = &user.user().settings;
    let body = html! {
        h1 { "Settings" }
        @if p.done.is_some() { p.notice role="status" { "Saved." } }
        p { "These protect you while reviewing harmful media. They apply to your account only." }
        form method="post" action="/settings" {
            input type="hidden" name="csrf" value=(user.csrf());
            label { input #blur type="checkbox" name="blur" value="true" checked[s.blur]; " Blur media until I click it" }
            br;
            label { input #greyscale type="checkbox" name="greyscale" value="true" checked[s.greyscale]; " Show media in greyscale" }
            br;
            label { input #autoplay type="checkbox" name="autoplay" value="true" checked[s.autoplay]; " Play videos without a click" }
            br;
            button type="submit" { "Save" }
        }
    };
    layout("Settings", Some(viewer(&user)), body).into_response()
}

/// The settings form: an unchecked box is absent.
#[derive(Debug, Deserialize)]
pub struct SettingsForm {
    blur: Option<String>,
    greyscale: Option<String>,
    autoplay: Option<String>,
}

/// `POST /settings`.
pub async fn save_settings(
    user: Authed<AnyRole>,
    State(state): State<AppState>,
    Form(f): Form<SettingsForm>,
) -> Response {
    let settings = UserSettings {
        blur: f.blur.is_some(),
        greyscale: f.greyscale.is_some(),
        autoplay: f.autoplay.is_some(),
    };
    let (id, actor) = (user.user().id, user.actor());
    match state
        .pool
        .run(move |s| s.set_user_settings(id, &settings, &actor))
        .await
    {
        Ok(()) => {
            state.sessions.forget(None, Some(id));
            Redirect::to("/settings?done=saved").into_response()
        }
        Err(e) => page_error(e),
    }
}

/// `GET /tokens`: the user's API tokens.
pub async fn tokens_page(user: Authed<AnyRole>, State(state): State<AppState>) -> Response {
    tokens_view(&user, &state, None).await
}

async fn tokens_view(
    user: &Authed<AnyRole>,
    state: &AppState,
    created: Option<String>,
) -> Response {
    let id = user.user().id;
    let tokens = match state.pool.run(move |s| s.tokens(Some(id))).await {
        Ok(t) => t,
        Err(e) => return page_error(e),
    };
    let body = html! {
        h1 { "API tokens" }
        p { "A token acts with your role, for scripts: " code { "Authorization: Bearer vigie_…" } ". The API is described at " a href="/api/openapi.json" { "/api/openapi.json" } "." }
        @if let Some(t) = &created {
            p.notice role="status" { "New token (shown only now, copy it): " code #new-token { (t) } }
        }
        form method="post" action="/tokens" {
            input type="hidden" name="csrf" value=(user.csrf());
            label { "Name " input type="text" name="name" required; }
            button type="submit" { "Create a token" }
        }
        table {
            thead { tr { th { "Name" } th { "Starts with" } th { "Created" } th { "Last used" } th { "" } } }
            tbody {
                @for t in &tokens {
                    tr {
                        td { (t.name) } td { code { (t.prefix) "…" } } td { (t.created_at.to_string()) }
                        td { (t.last_used_at.map(|x| x.to_string()).unwrap_or_default()) }
                        td {
                            @if t.revoked_at.is_some() { "revoked" } @else {
                                form method="post" action={"/tokens/" (t.id) "/revoke"} {
                                    input type="hidden" name="csrf" value=(user.csrf());
                                    button type="submit" { "Revoke" }
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    layout("API tokens", Some(viewer(user)), body).into_response()
}

/// The token form.
#[derive(Debug, Deserialize)]
pub struct TokenForm {
    name: String,
}

/// `POST /tokens`.
pub async fn create_token(
    user: Authed<AnyRole>,
    State(state): State<AppState>,
    Form(f): Form<TokenForm>,
) -> Response {
    match api::new_token(&state, &user, f.name).await {
        Ok(t) => tokens_view(&user, &state, Some(t.token)).await,
        Err(e) => page_error(e),
    }
}

/// `POST /tokens/{id}/revoke`.
pub async fn revoke_token(
    user: Authed<AnyRole>,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Response {
    match api::revoke(&state, &user, id).await {
        Ok(()) => Redirect::to("/tokens").into_response(),
        Err(e) => page_error(e),
    }
}

/// `GET /users` (admins).
pub async fn users_page(admin: Authed<AdminRole>, State(state): State<AppState>) -> Response {
    let users = match state.pool.run(|s| s.users()).await {
        Ok(u) => u,
        Err(e) => return page_error(e),
    };
    let now = Timestamp::now();
    let body = html! {
        h1 { "Users" }
        table {
            thead { tr { th { "Name" } th { "Role" } th { "State" } th { "Change" } } }
            tbody {
                @for u in &users {
                    tr {
                        td { (u.name) }
                        td { (u.role.as_str()) }
                        td {
                            @if u.disabled { "disabled" }
                            @else if u.locked_until.is_some_and(|t| t > now) { "locked out" }
                            @else { "active" }
                        }
                        td {
                            form method="post" action={"/users/" (u.name)} {
                                input type="hidden" name="csrf" value=(admin.csrf());
                                select name="role" { @for r in Role::ALL { option value=(r.as_str()) selected[r == u.role] { (r.as_str()) } } }
                                select name="disabled" {
                                    option value="false" selected[!u.disabled] { "enabled" }
                                    option value="true" selected[u.disabled] { "disabled" }
                                }
                                button type="submit" { "Save" }
                            }
                        }
                    }
                }
            }
        }
        h2 { "Add a user" }
        form method="post" action="/users" {
            input type="hidden" name="csrf" value=(admin.csrf());
            label { "Name " input type="text" name="name" required; }
            label { "Role " select name="role" { @for r in Role::ALL { option value=(r.as_str()) { (r.as_str()) } } } }
            label { "Password " input type="password" name="password" required minlength=(api::MIN_PASSWORD) autocomplete="new-password"; }
            button type="submit" { "Add" }
        }
    };
    layout("Users", Some(viewer(&admin)), body).into_response()
}

/// The new-user form.
#[derive(Debug, Deserialize)]
pub struct AddUserForm {
    name: String,
    role: String,
    password: String,
}

/// `POST /users` (admins).
pub async fn add_user(
    admin: Authed<AdminRole>,
    State(state): State<AppState>,
    Form(f): Form<AddUserForm>,
) -> Response {
    let Some(role) = Role::parse(&f.role) else {
        return page_error(AppError::bad_request(format!("unknown role {:?}", f.role)));
    };
    if let Err(m) = check_new_user(&f.name, &f.password) {
        return page_error(AppError::bad_request(m));
    }
    let actor = admin.actor();
    match state
        .pool
        .run(move |s| s.add_user(&f.name, role, &hash_password(&f.password), &actor))
        .await
    {
        Ok(_) => Redirect::to("/users").into_response(),
        Err(e) => page_error(e),
    }
}

/// The user-change form.
#[derive(Debug, Deserialize)]
pub struct ChangeUserForm {
    role: Option<String>,
    disabled: Option<String>,
}

/// `POST /users/{name}` (admins).
pub async fn change_user(
    admin: Authed<AdminRole>,
    State(state): State<AppState>,
    Path(name): Path<String>,
    Form(f): Form<ChangeUserForm>,
) -> Response {
    let role = match f.role.as_deref() {
        Some(r) => match Role::parse(r) {
            Some(r) => Some(r),
            None => return page_error(AppError::bad_request(format!("unknown role {r:?}"))),
        },
        None => None,
    };
    let req = UserChangeRequest {
        role,
        disabled: f.disabled.map(|d| d == "true"),
        password: None,
    };
    match api::apply_user_change(&state, &admin, name, req).await {
        Ok(_) => Redirect::to("/users").into_response(),
        Err(e) => page_error(e),
    }
}

/// The audit page's position: the entries before this position (newest first), or the newest ones.
#[derive(Debug, Deserialize)]
pub struct AuditParams {
    before: Option<i64>,
}

/// Entries on one audit page.
const AUDIT_PAGE: i64 = 200;

/// `GET /audit` (admins): the chain's check, then a page of entries, newest first, with links to older ones.
pub async fn audit_page(
    admin: Authed<AdminRole>,
    State(state): State<AppState>,
    Query(params): Query<AuditParams>,
) -> Response {
    let result = state
        .pool
        .run(move |s| {
            let report = verify_store_audit(s)?;
            // Entries `after + 1 ..= top`, shown newest first.
            let top = params
                .before
                .map_or(report.head, |b| (b - 1).min(report.head))
                .max(0);
            let after = (top - AUDIT_PAGE).max(0);
            let entries = s.audit(after, usize::try_from(top - after).unwrap_or(0))?;
            Ok::<_, StoreError>((report, entries, top, after))
        })
        .await;
    let (report, mut entries, top, after) = match result {
        Ok(r) => r,
        Err(e) => return page_error(e),
    };
    entries.reverse();
    let body = html! {
        h1 { "Audit trail" }
        @if report.problems.is_empty() {
            p.ok #audit-status { "Intact: " (report.checked) " entries, every hash and link checked." }
        } @else {
            div.error #audit-status role="alert" {
                p { "The audit trail has been tampered with:" }
                ul { @for p in &report.problems { li { "entry " (p.seq) ": " (p.problem) } } }
            }
        }
        table.audit #audit {
            thead { tr { th { "#" } th { "When" } th { "Who" } th { "What" } th { "Subject" } th { "Detail" } } }
            tbody {
                @for e in &entries {
                    tr { td { (e.seq) } td { (e.at.to_string()) } td { (e.actor) } td { (e.action) } td { (e.subject) } td { code { (e.detail) } } }
                }
            }
        }
        nav.pages {
            @if top < report.head {
                a #audit-newer href={"/audit?before=" ((top + AUDIT_PAGE + 1).min(report.head + 1))} { "← newer" } " "
                a href="/audit" { "newest" } " "
            }
            @if after > 0 { a #audit-older href={"/audit?before=" (after + 1)} { "older →" } }
        }
    };
    layout("Audit", Some(viewer(&admin)), body).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn highlights_follow_the_spans() {
        let ev = |span| Evidence {
            signal: SignalKind::Term,
            detail: "x".into(),
            source: None,
            entry: None,
            span,
            weight: 1.0,
            violation: None,
        };
        let text = "voir <b>Amaq</b> ici";
        let out =
            highlighted(text, &[ev(Some((8, 12))), ev(Some((100, 200))), ev(None)]).into_string();
        assert_eq!(
            out,
            "voir &lt;b&gt;<mark title=\"term: x\">Amaq</mark>&lt;/b&gt; ici"
        );
        // A span off a char boundary is ignored rather than cutting a character.
        let out = highlighted("é", &[ev(Some((1, 2)))]).into_string();
        assert_eq!(out, "é");
    }

    #[test]
    fn next_stays_on_this_site() {
        assert_eq!(safe_next(Some("/cases/3")), "/cases/3");
        assert_eq!(
            safe_next(Some("/?platform=x&account=1")),
            "/?platform=x&account=1"
        );
        assert_eq!(safe_next(Some("//evil.example")), "/");
        assert_eq!(safe_next(Some("https://evil.example")), "/");
        assert_eq!(safe_next(None), "/");
    }

    #[test]
    fn regression_19_next_with_control_characters_or_whitespace_stays_home() {
        // Browsers drop tabs and line breaks from a URL and read a backslash as a slash: each of these would
        // leave the site, or break the Location header.
        for hostile in [
            "/\t/evil.example",
            "/\n/evil.example",
            "/\r\n/evil.example",
            "/ /evil.example",
            "/\\evil.example",
            "/\\/evil.example",
            "\t//evil.example",
            "/\u{0}/evil.example",
            "/\u{a0}/evil.example",
            "/cases/1\r\nSet-Cookie: x=1",
        ] {
            assert_eq!(safe_next(Some(hostile)), "/", "{hostile:?}");
        }
    }

    #[test]
    fn regression_19_login_errors_are_fixed_messages() {
        assert_eq!(login_message("wrong"), "Wrong user name or password.");
        assert_eq!(login_message("<script>alert(1)</script>"), "Login failed.");
        assert_eq!(
            login_message("Your account was hacked, call 555"),
            "Login failed."
        );
    }
}
