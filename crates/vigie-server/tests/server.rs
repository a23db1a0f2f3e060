//! The review server over a real SQLite store holding the scanned sample corpus: the authorization matrix
//! (every endpoint with every role and with no session), CSRF, the two-person rule through the API, login
//! lockout and rate limiting, the audit trail, and the OpenAPI document against the route table.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode, header};
use common::{Fixture, Login, user_name};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use std::net::SocketAddr;
use tower::ServiceExt;
use vigie_model::Role;
use vigie_server::{Access, ENDPOINTS, ServerConfig, router};

#[derive(Clone, Copy)]
enum Auth<'a> {
    Nobody,
    Session(&'a Login),
    SessionWithoutCsrf(&'a Login),
    Token(&'a Login),
}

struct Answer {
    status: StatusCode,
    headers: axum::http::HeaderMap,
    body: Vec<u8>,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&self.body)))
    }
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
    fn location(&self) -> String {
        self.headers
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    }
}

fn app(f: &Fixture, config: ServerConfig) -> Router {
    router(f.state(config)).layer(axum::Extension(ConnectInfo(SocketAddr::from((
        [127, 0, 0, 1],
        40000,
    )))))
}

/// A request; a `Some` form body is sent as a form (with the CSRF field for sessions), JSON otherwise.
async fn call(
    app: &Router,
    method: &str,
    path: &str,
    auth: Auth<'_>,
    body: Option<Value>,
) -> Answer {
    let mut req = Request::builder().method(method).uri(path);
    let mut form = !vigie_server::is_api_path(path);
    if method == "GET" {
        form = false;
    }
    // The login form's double-submit token, as the login page would have set it.
    let login_form = method == "POST" && path == "/login";
    let mut cookies = Vec::new();
    if login_form {
        cookies.push("vigie_login=matrix-token".to_owned());
    }
    match auth {
        Auth::Nobody => {}
        Auth::Session(l) | Auth::SessionWithoutCsrf(l) => {
            cookies.push(format!("vigie_session={}", l.session));
            if matches!(auth, Auth::Session(_)) && !form {
                req = req.header("x-csrf-token", &l.csrf);
            }
        }
        Auth::Token(l) => {
            req = req.header(header::AUTHORIZATION, format!("Bearer {}", l.token));
        }
    }
    if !cookies.is_empty() {
        req = req.header(header::COOKIE, cookies.join("; "));
    }
    let body = match (method, body) {
        ("GET", _) => Body::empty(),
        (_, body) if form => {
            let mut fields: Vec<(String, String)> = Vec::new();
            if login_form {
                fields.push(("csrf".into(), "matrix-token".into()));
            } else if let Auth::Session(l) = auth {
                fields.push(("csrf".into(), l.csrf.clone()));
            }
            if let Some(Value::Object(map)) = body {
                for (k, v) in map {
                    fields.push((
                        k,
                        v.as_str()
                            .map(str::to_owned)
                            .unwrap_or_else(|| v.to_string()),
                    ));
                }
            }
            req = req.header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
            Body::from(
                fields
                    .iter()
                    .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
                    .collect::<Vec<_>>()
                    .join("&"),
            )
        }
        (_, Some(v)) => {
            req = req.header(header::CONTENT_TYPE, "application/json");
            Body::from(v.to_string())
        }
        (_, None) => Body::empty(),
    };
    let res = app.clone().oneshot(req.body(body).unwrap()).await.unwrap();
    let status = res.status();
    let headers = res.headers().clone();
    let body = res.into_body().collect().await.unwrap().to_bytes().to_vec();
    Answer {
        status,
        headers,
        body,
    }
}

fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// A concrete path and body for an endpoint, for a caller with `role`.
fn concrete(
    f: &Fixture,
    method: &str,
    template: &str,
    case: i64,
    n: usize,
) -> (String, Option<Value>) {
    let path = template
        .replace("{id}", &case.to_string())
        .replace("{sha256}", &f.media_sha)
        .replace("{name}", &user_name(Role::Viewer));
    let path = if template.starts_with("/tokens/") || template.starts_with("/api/v1/tokens/") {
        // Nobody owns token 999999: a 404 for anyone allowed to try.
        template.replace("{id}", "999999")
    } else {
        path
    };
    let body = match (method, template) {
        ("POST", "/login") => Some(json!({"name": "nobody", "password": "wrong"})),
        ("POST", "/cases/{id}/decide") | ("POST", "/api/v1/cases/{id}/decisions") => {
            Some(json!({"action": "escalate"}))
        }
        ("POST", "/cases/{id}/assign") => Some(json!({"user": ""})),
        ("PUT", "/api/v1/cases/{id}/assignee") => Some(json!({"user": null})),
        ("POST", "/settings") => Some(json!({"blur": "true", "greyscale": "true"})),
        ("PUT", "/api/v1/me/settings") => {
            Some(json!({"blur": true, "greyscale": true, "autoplay": false}))
        }
        ("POST", "/tokens") | ("POST", "/api/v1/tokens") => Some(json!({"name": format!("t{n}")})),
        ("POST", "/users") | ("POST", "/api/v1/users") => Some(json!({
            "name": format!("new-user-{n}"), "role": "viewer", "password": "a long enough password"
        })),
        ("POST", "/users/{name}") | ("PATCH", "/api/v1/users/{name}") => {
            Some(json!({"role": "viewer"}))
        }
        ("POST", "/api/v1/referrals") => Some(json!({"platform": "x", "cases": [case]})),
        ("POST", "/api/v1/referrals/{id}/status") => Some(json!({"status": "sent"})),
        _ => None,
    };
    (path, body)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_endpoint_answers_every_role_as_its_access_says() {
    let f = Fixture::new();
    let app = app(&f, ServerConfig::default());
    let mut n = 0;
    let mut report = Vec::new();
    // Logging out ends the session the other requests use: last.
    let mut endpoints: Vec<_> = ENDPOINTS.iter().collect();
    endpoints.sort_by_key(|e| e.path == "/logout");
    for ep in endpoints {
        let callers: Vec<(Option<Role>, Auth<'_>)> = std::iter::once((None, Auth::Nobody))
            .chain(
                Role::ALL
                    .iter()
                    .map(|&r| (Some(r), Auth::Session(f.login(r)))),
            )
            .collect();
        for (role, auth) in callers {
            n += 1;
            let case = f.open_cases[n % f.open_cases.len()];
            let (path, body) = concrete(&f, ep.method, ep.path, case, n);
            let answer = call(&app, ep.method, &path, auth, body).await;
            let s = answer.status;
            let api = vigie_server::is_api_path(ep.path);
            let expected_ok = match (ep.access, role) {
                (Access::Public, _) => true,
                (Access::Role(_), None) => false,
                (Access::Role(need), Some(r)) => r >= need,
            };
            let fine = if expected_ok {
                s != StatusCode::UNAUTHORIZED
                    && s != StatusCode::FORBIDDEN
                    && !s.is_server_error()
                    && !(s == StatusCode::SEE_OTHER && answer.location().starts_with("/login?next"))
            } else if role.is_none() {
                if api {
                    s == StatusCode::UNAUTHORIZED
                } else {
                    s == StatusCode::SEE_OTHER && answer.location().starts_with("/login")
                }
            } else {
                s == StatusCode::FORBIDDEN
            };
            if !fine {
                report.push(format!(
                    "{} {} as {:?}: {} {}",
                    ep.method,
                    path,
                    role.map(Role::as_str),
                    s,
                    answer.text().chars().take(200).collect::<String>()
                ));
            }
        }
    }
    assert!(
        report.is_empty(),
        "unexpected answers:\n{}",
        report.join("\n")
    );
    // The same matrix holds for API tokens on the API.
    for ep in ENDPOINTS
        .iter()
        .filter(|e| e.path.starts_with("/api/v1/") || vigie_server::is_api_path(e.path))
    {
        for role in Role::ALL {
            n += 1;
            let case = f.open_cases[n % f.open_cases.len()];
            let (path, body) = concrete(&f, ep.method, ep.path, case, n);
            let s = call(&app, ep.method, &path, Auth::Token(f.login(role)), body)
                .await
                .status;
            let Access::Role(need) = ep.access else {
                continue;
            };
            if role >= need {
                assert!(
                    s != StatusCode::UNAUTHORIZED && s != StatusCode::FORBIDDEN,
                    "{} {path} as {role:?}: {s}",
                    ep.method
                );
            } else {
                assert_eq!(s, StatusCode::FORBIDDEN, "{} {path} as {role:?}", ep.method);
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn state_changes_with_a_session_need_the_csrf_token() {
    let f = Fixture::new();
    let app = app(&f, ServerConfig::default());
    let admin = f.login(Role::Admin);
    let case = f.open_cases[0];
    for (method, template) in ENDPOINTS
        .iter()
        .filter(|e| e.method != "GET" && e.access != Access::Public)
        .map(|e| (e.method, e.path))
    {
        let (path, body) = concrete(&f, method, template, case, 7);
        let a = call(&app, method, &path, Auth::SessionWithoutCsrf(admin), body).await;
        assert_eq!(
            a.status,
            StatusCode::FORBIDDEN,
            "{method} {path} without CSRF: {}",
            a.text()
        );
    }
    // The case was not touched.
    let detail = call(
        &app,
        "GET",
        &format!("/api/v1/cases/{case}"),
        Auth::Session(admin),
        None,
    )
    .await;
    assert_eq!(detail.json()["case"]["status"], "open");
    // The login form refuses a post without its double-submit cookie.
    let req = Request::builder()
        .method("POST")
        .uri("/login")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from("csrf=forged&name=admin-user&password=x"))
        .unwrap();
    assert_eq!(
        app.clone().oneshot(req).await.unwrap().status(),
        StatusCode::FORBIDDEN
    );
    // An API token needs no CSRF token: it is not an ambient credential.
    let a = call(
        &app,
        "POST",
        &format!("/api/v1/cases/{case}/decisions"),
        Auth::Token(f.login(Role::Analyst)),
        Some(json!({"action": "escalate"})),
    )
    .await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.text());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_person_rule_history_and_audit_through_the_api() {
    let f = Fixture::new();
    let app = app(&f, ServerConfig::default());
    let (analyst, reviewer, admin) = (
        f.login(Role::Analyst),
        f.login(Role::Reviewer),
        f.login(Role::Admin),
    );
    let case = f.media_case;
    let url = format!("/api/v1/cases/{case}/decisions");
    // A label outside the taxonomy, and a rejection without a reason, are refused.
    let a = call(
        &app,
        "POST",
        &url,
        Auth::Token(analyst),
        Some(json!({"action": "confirm", "label": "made-up"})),
    )
    .await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", a.text());
    let a = call(
        &app,
        "POST",
        &url,
        Auth::Token(analyst),
        Some(json!({"action": "reject"})),
    )
    .await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", a.text());
    // First confirmation: pending.
    let a = call(
        &app,
        "POST",
        &url,
        Auth::Token(analyst),
        Some(json!({"action": "confirm", "label": "propaganda"})),
    )
    .await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.text());
    assert_eq!(a.json()["to_status"], "pending");
    // The analyst cannot give the second confirmation (role), and the first confirmer cannot either.
    let a = call(
        &app,
        "POST",
        &url,
        Auth::Token(analyst),
        Some(json!({"action": "confirm", "label": "propaganda"})),
    )
    .await;
    assert_eq!(a.status, StatusCode::FORBIDDEN, "{}", a.text());
    // A reviewer who did not confirm first does.
    let a = call(
        &app,
        "POST",
        &url,
        Auth::Session(reviewer),
        Some(json!({"action": "confirm", "label": "propaganda"})),
    )
    .await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.text());
    assert_eq!(a.json()["to_status"], "confirmed");
    // An appeal reopens it; the history keeps every step.
    let a = call(
        &app,
        "POST",
        &url,
        Auth::Session(reviewer),
        Some(json!({"action": "reopen", "reason": "appeal by the account holder"})),
    )
    .await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.text());
    let detail = call(
        &app,
        "GET",
        &format!("/api/v1/cases/{case}"),
        Auth::Token(admin),
        None,
    )
    .await
    .json();
    assert_eq!(detail["case"]["status"], "open");
    let steps: Vec<(String, String)> = detail["decisions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["user"].as_str().unwrap().to_owned(),
                d["to_status"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        steps,
        vec![
            (user_name(Role::Analyst), "pending".to_owned()),
            (user_name(Role::Reviewer), "confirmed".to_owned()),
            (user_name(Role::Reviewer), "open".to_owned()),
        ]
    );
    let media = detail["media"].as_array().unwrap();
    assert!(!media.is_empty());
    // The matched bank entry is shown with its labels (the fixture's bank carries source=test).
    let hit = media
        .iter()
        .flat_map(|m| m["matches"].as_array().unwrap().iter())
        .next()
        .unwrap_or_else(|| panic!("the case's medium matches the demo bank: {detail}"));
    assert_eq!(hit["bank"], "demo", "{hit}");
    assert_eq!(hit["labels"]["source"], "test", "{hit}");
    assert_eq!(hit["distance"], 0, "{hit}");
    // The media are served to a logged-in viewer only.
    let m = call(
        &app,
        "GET",
        &format!("/media/{}", f.media_sha),
        Auth::Session(f.login(Role::Viewer)),
        None,
    )
    .await;
    assert_eq!(m.status, StatusCode::OK);
    assert!(
        m.headers[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("image/")
    );
    // Queue filters.
    let open = call(
        &app,
        "GET",
        "/api/v1/cases?status=open&limit=500",
        Auth::Token(admin),
        None,
    )
    .await
    .json();
    assert!(
        open.as_array()
            .unwrap()
            .iter()
            .all(|c| c["status"] == "open")
    );
    let bad = call(
        &app,
        "GET",
        "/api/v1/cases?status=nonsense",
        Auth::Token(admin),
        None,
    )
    .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    // The audit trail holds the decisions and verifies; tampering with it is detected.
    let report = call(
        &app,
        "GET",
        "/api/v1/audit/verify",
        Auth::Token(admin),
        None,
    )
    .await
    .json();
    assert_eq!(report["problems"].as_array().unwrap().len(), 0, "{report}");
    let entries = call(
        &app,
        "GET",
        "/api/v1/audit?limit=1000",
        Auth::Token(admin),
        None,
    )
    .await
    .json();
    let decisions = entries
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "decision")
        .count();
    assert_eq!(decisions, 3);
    drop(app);
    tamper(&f);
    let app = self::app(&f, ServerConfig::default());
    let report = call(
        &app,
        "GET",
        "/api/v1/audit/verify",
        Auth::Token(admin),
        None,
    )
    .await
    .json();
    assert!(
        !report["problems"].as_array().unwrap().is_empty(),
        "{report}"
    );
}

/// Edits one audit entry behind the server's back, directly in the store's SQLite file.
fn tamper(f: &Fixture) {
    let conn = rusqlite::Connection::open(&f.db).unwrap();
    let changed = conn
        .execute(
            "UPDATE audit_log SET detail = '{\"action\":\"reject\"}' \
             WHERE seq = (SELECT MAX(seq) FROM audit_log WHERE action = 'decision')",
            [],
        )
        .unwrap();
    assert_eq!(changed, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rejections_feed_an_allow_list_that_suppresses_the_match() {
    let f = Fixture::new();
    let app = app(&f, ServerConfig::default());
    let case = f.media_case;
    let url = format!("/api/v1/cases/{case}/decisions");
    let a = call(
        &app,
        "POST",
        &url,
        Auth::Token(f.login(Role::Analyst)),
        Some(json!({"action": "reject", "reason": "a news outlet's own logo", "allow_list": true})),
    )
    .await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.text());
    assert_eq!(a.json()["to_status"], "rejected");
    let mut store = f.store();
    let fed = vigie_review::feed_allow_list(
        store.as_mut(),
        "false-positives",
        &vigie_store::Actor::cli("test"),
    )
    .unwrap();
    assert_eq!(fed.cases, 1);
    assert!(fed.counts.added >= 1, "{fed:?}");
    // The rejected image's bytes and its picture: its SHA-256 and its PDQ hash.
    let pdq = store.media_pdq(std::slice::from_ref(&f.media_sha)).unwrap();
    let pdq = pdq[0].clone().expect("the fixture's image has a PDQ hash");
    let entries = store.bank_entries("false-positives", false, 100).unwrap();
    for (signal, value) in [
        (vigie_model::SignalType::Sha256, f.media_sha.as_str()),
        (vigie_model::SignalType::Pdq, pdq.as_str()),
    ] {
        let entry = entries
            .iter()
            .find(|e| e.signal == signal && e.value == value)
            .unwrap_or_else(|| panic!("no {signal:?} entry {value} in {entries:?}"));
        assert_eq!(
            entry.labels.get("case").map(String::as_str),
            Some(case.to_string().as_str())
        );
    }
    // Again: nothing new.
    let again = vigie_review::feed_allow_list(
        store.as_mut(),
        "false-positives",
        &vigie_store::Actor::cli("test"),
    )
    .unwrap();
    assert_eq!(again.counts.added, 0);
    // A block bank is refused.
    assert!(
        vigie_review::feed_allow_list(store.as_mut(), "demo", &vigie_store::Actor::cli("test"))
            .is_err()
    );
    // The next scan suppresses the medium's block match.
    vigie_engine::scan(
        store.as_mut(),
        &[f.dir.path().join("corpus")],
        &vigie_engine::ScanConfig::default(),
        &vigie_engine::SilentProgress,
    )
    .unwrap();
    let matches = store
        .matches(&vigie_store::MatchQuery {
            media_sha256: Some(f.media_sha.clone()),
            limit: 10,
            ..Default::default()
        })
        .unwrap();
    assert!(
        matches
            .iter()
            .any(|m| m.bank == "demo" && m.status == vigie_model::MatchStatus::Suppressed),
        "{matches:?}"
    );
}

/// Logs in through the form, with `next` when given.
async fn login_with_next(
    app: &Router,
    name: String,
    password: String,
    next: Option<&str>,
) -> axum::http::Response<Body> {
    let page = call(app, "GET", "/login", Auth::Nobody, None).await;
    let cookie = page
        .headers
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("vigie_login="))
        .unwrap()
        .to_owned();
    let token = cookie
        .trim_start_matches("vigie_login=")
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let mut body = format!(
        "csrf={token}&name={}&password={}",
        enc(&name),
        enc(&password)
    );
    if let Some(next) = next {
        body.push_str(&format!("&next={}", enc(next)));
    }
    let req = Request::builder()
        .method("POST")
        .uri("/login")
        .header(header::COOKIE, format!("vigie_login={token}"))
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(body))
        .unwrap();
    app.clone().oneshot(req).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn regression_19_login_follows_only_a_plain_local_next_and_shows_fixed_errors() {
    let f = Fixture::new();
    let app = app(&f, ServerConfig::default());
    let analyst = f.login(Role::Analyst);
    let login = |name: String, password: String| login_with_next(&app, name, password, None);
    // After a right password, `next` is followed only when it is a plain local path: a tab, a line break or a
    // backslash would take the browser to another site (or break the header), and sends it home instead.
    for (next, to) in [
        ("/cases/1", "/cases/1"),
        ("/\t/evil.example", "/"),
        ("/\\evil.example", "/"),
        ("/\r\n/evil.example", "/"),
        ("//evil.example", "/"),
    ] {
        let r = login_with_next(
            &app,
            analyst.user.name.clone(),
            analyst.password.clone(),
            Some(next),
        )
        .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{next:?}");
        assert_eq!(r.headers()[header::LOCATION], to, "{next:?}");
    }
    // A wrong password sends back a fixed error code, and the page shows only fixed messages.
    let r = login(analyst.user.name.clone(), "wrong password".into()).await;
    assert!(
        r.headers()[header::LOCATION]
            .to_str()
            .unwrap()
            .starts_with("/login?error=wrong&")
    );
    let page = call(
        &app,
        "GET",
        "/login?error=%3Cb%3EYour%20account%20is%20closed%3C%2Fb%3E",
        Auth::Nobody,
        None,
    )
    .await;
    assert!(page.text().contains("Login failed."), "{}", page.text());
    assert!(
        !page.text().contains("account is closed"),
        "{}",
        page.text()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logins_lock_out_and_rate_limit() {
    let f = Fixture::new();
    let config = ServerConfig {
        lockout_failures: 3,
        login_attempts_per_minute: 5,
        ..ServerConfig::default()
    };
    let app = app(&f, config);
    let analyst = f.login(Role::Analyst);
    let login = |name: String, password: String| {
        let app = app.clone();
        async move {
            let page = call(&app, "GET", "/login", Auth::Nobody, None).await;
            let cookie = page
                .headers
                .get_all(header::SET_COOKIE)
                .iter()
                .filter_map(|v| v.to_str().ok())
                .find(|v| v.starts_with("vigie_login="))
                .unwrap()
                .to_owned();
            assert!(
                cookie.contains("HttpOnly")
                    && cookie.contains("SameSite=Strict")
                    && cookie.contains("Secure")
            );
            let token = cookie
                .trim_start_matches("vigie_login=")
                .split(';')
                .next()
                .unwrap()
                .to_owned();
            let body = format!(
                "csrf={token}&name={}&password={}",
                enc(&name),
                enc(&password)
            );
            let req = Request::builder()
                .method("POST")
                .uri("/login")
                .header(header::COOKIE, format!("vigie_login={token}"))
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(body))
                .unwrap();
            app.oneshot(req).await.unwrap()
        }
    };
    // A right password opens a session with a safe cookie.
    let ok = login(analyst.user.name.clone(), analyst.password.clone()).await;
    assert_eq!(ok.status(), StatusCode::SEE_OTHER);
    let set = ok
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("vigie_session="))
        .unwrap()
        .to_owned();
    assert!(
        set.contains("HttpOnly") && set.contains("Secure") && set.contains("SameSite=Strict"),
        "{set}"
    );
    // Three wrong passwords lock the account: then even the right one is refused.
    for _ in 0..3 {
        let r = login(analyst.user.name.clone(), "wrong password".into()).await;
        assert!(
            r.headers()[header::LOCATION]
                .to_str()
                .unwrap()
                .contains("error=")
        );
    }
    let r = login(analyst.user.name.clone(), analyst.password.clone()).await;
    assert!(
        r.headers()[header::LOCATION]
            .to_str()
            .unwrap()
            .contains("locked"),
        "{:?}",
        r.headers()
    );
    // Five attempts a minute from one address: the sixth is refused before any password check.
    let r = login(
        f.login(Role::Viewer).user.name.clone(),
        f.login(Role::Viewer).password.clone(),
    )
    .await;
    assert!(
        r.headers()[header::LOCATION]
            .to_str()
            .unwrap()
            .contains("error=rate"),
        "{:?}",
        r.headers()
    );
    // Every attempt is in the audit trail.
    let mut store = f.store();
    let entries = store.audit(0, 10_000).unwrap();
    let count = |a: &str| entries.iter().filter(|e| e.action == a).count();
    assert_eq!(count("login"), 1);
    assert_eq!(count("login_failed"), 3);
    assert_eq!(count("login_refused"), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_openapi_document_matches_the_routes() {
    let f = Fixture::new();
    let app = app(&f, ServerConfig::default());
    let doc = call(&app, "GET", "/api/openapi.json", Auth::Nobody, None)
        .await
        .json();
    let mut documented: Vec<(String, String)> = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            assert!(op["responses"].is_object(), "{method} {path}");
            documented.push((method.to_uppercase(), path.clone()));
        }
    }
    documented.sort();
    let mut routes: Vec<(String, String)> = ENDPOINTS
        .iter()
        .filter(|e| {
            (vigie_server::is_api_path(e.path) && e.path != "/api/openapi.json")
                || e.path == "/healthz"
                || e.path == "/readyz"
        })
        .map(|e| (e.method.to_owned(), e.path.to_owned()))
        .collect();
    routes.sort();
    assert_eq!(documented, routes);
    assert!(doc["components"]["schemas"]["Case"].is_object());
    assert!(doc["components"]["securitySchemes"]["token"].is_object());
    // Health, readiness and metrics.
    assert_eq!(
        call(&app, "GET", "/healthz", Auth::Nobody, None)
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        call(&app, "GET", "/readyz", Auth::Nobody, None)
            .await
            .status,
        StatusCode::OK
    );
    let m = call(&app, "GET", "/metrics", Auth::Nobody, None)
        .await
        .text();
    assert!(
        m.contains("vigie_http_requests_total{route=\"/readyz\",status=\"2xx\"} 1"),
        "{m}"
    );
    // Pages carry the security headers.
    let q = call(&app, "GET", "/", Auth::Session(f.login(Role::Viewer)), None).await;
    assert_eq!(q.status, StatusCode::OK);
    assert!(
        q.headers[header::CONTENT_SECURITY_POLICY]
            .to_str()
            .unwrap()
            .contains("script-src 'self'")
    );
    assert_eq!(q.headers[header::X_FRAME_OPTIONS], "DENY");
}

/// Posts the case page's assignment form.
async fn assign(app: &Router, case: i64, who: &Login, user: &str) -> Answer {
    call(
        app,
        "POST",
        &format!("/cases/{case}/assign"),
        Auth::Session(who),
        Some(json!({ "user": user })),
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_case_page_assigns_anyone_by_name_and_unassigns() {
    let f = Fixture::new();
    let app = app(&f, ServerConfig::default());
    let (analyst, reviewer) = (f.login(Role::Analyst), f.login(Role::Reviewer));
    let case = f.media_case;
    let assignee = |app: &Router| {
        let app = app.clone();
        async move {
            let a = call(
                &app,
                "GET",
                &format!("/api/v1/cases/{case}"),
                Auth::Token(analyst),
                None,
            )
            .await;
            assert_eq!(a.status, StatusCode::OK, "{}", a.text());
            a.json()["case"]["assignee"].as_str().map(str::to_owned)
        }
    };
    let page = call(
        &app,
        "GET",
        &format!("/cases/{case}"),
        Auth::Session(analyst),
        None,
    )
    .await;
    assert!(
        page.text().contains("id=\"assign-form\""),
        "{}",
        page.text()
    );
    assert!(!page.text().contains("id=\"unassign-form\""));
    // The analyst hands the case to the reviewer by name.
    let a = assign(&app, case, analyst, &reviewer.user.name).await;
    assert_eq!(a.status, StatusCode::SEE_OTHER, "{}", a.text());
    assert_eq!(
        assignee(&app).await.as_deref(),
        Some(reviewer.user.name.as_str())
    );
    let page = call(
        &app,
        "GET",
        &format!("/cases/{case}"),
        Auth::Session(analyst),
        None,
    )
    .await;
    assert!(page.text().contains("id=\"unassign-form\""));
    // A name nobody has is refused, and the assignment stays.
    let a = assign(&app, case, analyst, "nobody-by-this-name").await;
    assert_eq!(a.status, StatusCode::NOT_FOUND, "{}", a.text());
    assert!(a.text().contains("nobody-by-this-name"), "{}", a.text());
    assert_eq!(
        assignee(&app).await.as_deref(),
        Some(reviewer.user.name.as_str())
    );
    // Unassigned.
    let a = assign(&app, case, analyst, "").await;
    assert_eq!(a.status, StatusCode::SEE_OTHER, "{}", a.text());
    assert_eq!(assignee(&app).await, None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_audit_page_pages_through_the_whole_trail() {
    let f = Fixture::new();
    // Enough entries for two pages and some.
    {
        let mut store = f.store();
        for i in 0..230 {
            store
                .add_user(
                    &format!("page-user-{i}"),
                    Role::Viewer,
                    "not-a-real-hash",
                    &vigie_store::Actor::cli("test"),
                )
                .expect("user");
        }
    }
    let app = app(&f, ServerConfig::default());
    let admin = f.login(Role::Admin);
    let seqs = |text: &str| -> Vec<i64> {
        // The first cell of each body row is the entry's position.
        text.split("<tr><td>")
            .skip(1)
            .filter_map(|row| row.split("</td>").next()?.parse().ok())
            .collect()
    };
    let first = call(&app, "GET", "/audit", Auth::Session(admin), None).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.text());
    let newest = seqs(&first.text());
    assert_eq!(newest.len(), 200);
    assert!(
        newest.windows(2).all(|w| w[0] == w[1] + 1),
        "newest first, no gap"
    );
    assert!(!first.text().contains("id=\"audit-newer\""));
    // Follow "older" to the first entry: every position exactly once.
    let mut seen = newest.clone();
    let mut page = first.text();
    while let Some(link) = page
        .split("id=\"audit-older\" href=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .map(str::to_owned)
    {
        let next = call(&app, "GET", &link, Auth::Session(admin), None).await;
        assert_eq!(next.status, StatusCode::OK, "{}", next.text());
        assert!(next.text().contains("id=\"audit-newer\""));
        page = next.text();
        seen.extend(seqs(&page));
    }
    let head = newest[0];
    assert!(head > 230);
    assert_eq!(seen, (1..=head).rev().collect::<Vec<_>>());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_queue_filters_by_account_from_the_case_page() {
    let f = Fixture::new();
    let app = app(&f, ServerConfig::default());
    let analyst = f.login(Role::Analyst);
    // A case whose account has other cases.
    let mut found = None;
    for &id in f.open_cases.iter().chain([&f.media_case]) {
        let d = call(
            &app,
            "GET",
            &format!("/api/v1/cases/{id}"),
            Auth::Token(analyst),
            None,
        )
        .await;
        let d = d.json();
        if d["account_cases"].as_array().is_some_and(|a| !a.is_empty()) {
            found = Some(d);
            break;
        }
    }
    let detail = found.expect("a case whose account has other cases");
    let (platform, account) = (
        detail["case"]["platform"].as_str().unwrap().to_owned(),
        detail["case"]["account_id"].as_str().unwrap().to_owned(),
    );
    let id = detail["case"]["id"].as_i64().unwrap();
    let page = call(
        &app,
        "GET",
        &format!("/cases/{id}"),
        Auth::Session(analyst),
        None,
    )
    .await;
    let link = page
        .text()
        .split("id=\"account-queue\" href=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .map(|l| l.replace("&amp;", "&"))
        .expect("a link to the account's cases");
    let queue = call(&app, "GET", &link, Auth::Session(analyst), None).await;
    assert_eq!(queue.status, StatusCode::OK, "{}", queue.text());
    assert!(queue.text().contains(&format!("href=\"/cases/{id}\"")));
    // The API's filter: the case itself and its account's others, nothing else, strongest first.
    let listed = call(
        &app,
        "GET",
        &format!(
            "/api/v1/cases?platform={platform}&account={}&limit=500",
            enc(&account)
        ),
        Auth::Token(analyst),
        None,
    )
    .await;
    let listed = listed.json();
    let listed = listed.as_array().expect("a list");
    assert!(listed.len() > detail["account_cases"].as_array().unwrap().len());
    assert!(listed.iter().any(|c| c["id"].as_i64() == Some(id)));
    for c in listed {
        assert_eq!(c["account_id"].as_str(), Some(account.as_str()), "{c}");
    }
    let scores: Vec<f64> = listed
        .iter()
        .map(|c| c["score"].as_f64().unwrap())
        .collect();
    assert!(scores.windows(2).all(|w| w[0] >= w[1]), "{scores:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn referrals_through_the_api() {
    let f = Fixture::new();
    let app = app(&f, ServerConfig::default());
    let (analyst, reviewer) = (f.login(Role::Analyst), f.login(Role::Reviewer));
    let case = f.media_case;
    let detail = call(
        &app,
        "GET",
        &format!("/api/v1/cases/{case}"),
        Auth::Token(reviewer),
        None,
    )
    .await
    .json();
    let platform = detail["case"]["platform"].as_str().unwrap().to_owned();
    let make = json!({"platform": platform, "cases": [case]});
    // Not confirmed yet: refused.
    let a = call(
        &app,
        "POST",
        "/api/v1/referrals",
        Auth::Token(reviewer),
        Some(make.clone()),
    )
    .await;
    assert_eq!(a.status, StatusCode::CONFLICT, "{}", a.text());
    for who in [analyst, reviewer] {
        let d = call(
            &app,
            "POST",
            &format!("/api/v1/cases/{case}/decisions"),
            Auth::Token(who),
            Some(json!({"action": "confirm", "label": "propaganda"})),
        )
        .await;
        assert_eq!(d.status, StatusCode::CREATED, "{}", d.text());
    }
    // An analyst may not refer; a reviewer may, once.
    let a = call(
        &app,
        "POST",
        "/api/v1/referrals",
        Auth::Token(analyst),
        Some(make.clone()),
    )
    .await;
    assert_eq!(a.status, StatusCode::FORBIDDEN, "{}", a.text());
    let a = call(
        &app,
        "POST",
        "/api/v1/referrals",
        Auth::Token(reviewer),
        Some(make.clone()),
    )
    .await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.text());
    let id = a.json()["id"].as_i64().unwrap();
    assert_eq!(a.json()["status"], "draft");
    let a = call(
        &app,
        "POST",
        "/api/v1/referrals",
        Auth::Token(reviewer),
        Some(make),
    )
    .await;
    assert_eq!(a.status, StatusCode::CONFLICT, "{}", a.text());
    assert!(a.text().contains("never referred twice"), "{}", a.text());
    let bad = call(
        &app,
        "POST",
        "/api/v1/referrals",
        Auth::Token(reviewer),
        Some(json!({"platform": platform, "template": "nowhere", "cases": [case]})),
    )
    .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{}", bad.text());
    let shown = call(
        &app,
        "GET",
        &format!("/api/v1/referrals/{id}"),
        Auth::Token(analyst),
        None,
    )
    .await
    .json();
    assert_eq!(shown["items"][0]["case_id"], case, "{shown}");
    assert_eq!(shown["items"][0]["label"], "propaganda", "{shown}");
    let file = call(
        &app,
        "GET",
        &format!("/api/v1/referrals/{id}/export"),
        Auth::Token(analyst),
        None,
    )
    .await;
    assert_eq!(file.status, StatusCode::OK, "{}", file.text());
    assert!(
        file.headers[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    assert!(file.text().lines().count() == 2, "{}", file.text());
    // Forward only, each move recorded.
    let url = format!("/api/v1/referrals/{id}/status");
    let a = call(
        &app,
        "POST",
        &url,
        Auth::Token(reviewer),
        Some(json!({"status": "actioned"})),
    )
    .await;
    assert_eq!(a.status, StatusCode::CONFLICT, "{}", a.text());
    let a = call(
        &app,
        "POST",
        &url,
        Auth::Token(reviewer),
        Some(json!({"status": "sent", "note": "form"})),
    )
    .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text());
    assert!(a.json()["sent_at"].is_i64(), "{}", a.text());
    let listed = call(
        &app,
        "GET",
        "/api/v1/referrals?status=sent",
        Auth::Token(analyst),
        None,
    )
    .await
    .json();
    assert_eq!(listed.as_array().unwrap().len(), 1, "{listed}");
    let a = call(
        &app,
        "GET",
        "/api/v1/referrals?status=done",
        Auth::Token(analyst),
        None,
    )
    .await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
    let a = call(
        &app,
        "GET",
        "/api/v1/referrals/999999",
        Auth::Token(analyst),
        None,
    )
    .await;
    assert_eq!(a.status, StatusCode::NOT_FOUND);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_account_case_shows_its_neighbourhood_and_the_history_it_inherits() {
    let f = Fixture::new();
    // The sample's file hosts, which the suspended members' release posts link to, then the analysis again.
    let mut store = f.store();
    let hosts =
        std::fs::read_to_string(f.dir.path().join("corpus/labels/file-hosts.list")).unwrap();
    store
        .put_list(&vigie_store::NewList {
            name: "hosts".into(),
            kind: "domains".into(),
            format: "csv".into(),
            source: None,
            entries: hosts.lines().count().saturating_sub(1) as u64,
            body: hosts,
        })
        .unwrap();
    vigie_engine::analyze(store.as_mut(), &vigie_engine::ScoringConfig::default()).unwrap();
    let labels: Value = serde_json::from_slice(
        &std::fs::read(f.dir.path().join("corpus/network/labels.json")).unwrap(),
    )
    .unwrap();
    let account_case = |store: &mut dyn vigie_store::Store, key: &str| {
        let (platform, id) = key.split_once(':').unwrap();
        store
            .cases(&vigie_store::CaseQuery {
                subject: Some(vigie_model::CaseSubject::Account),
                platform: Some(platform.to_owned()),
                account: Some(id.to_owned()),
                limit: 5,
                ..Default::default()
            })
            .unwrap()
            .first()
            .map(|c| c.id)
    };
    let (old_case, successor) = labels["successors"]
        .as_array()
        .into_iter()
        .flatten()
        .find_map(|p| {
            let old = account_case(store.as_mut(), p["suspended"].as_str()?)?;
            Some((old, p["successor"].as_str()?.to_owned()))
        })
        .expect("a suspended member with an account case");
    drop(store);
    // Two reviewers confirm the suspended member.
    let app = app(&f, ServerConfig::default());
    for who in [f.login(Role::Analyst), f.login(Role::Reviewer)] {
        let a = call(
            &app,
            "POST",
            &format!("/api/v1/cases/{old_case}/decisions"),
            Auth::Token(who),
            Some(json!({"action": "confirm", "label": "propaganda"})),
        )
        .await;
        assert_eq!(a.status, StatusCode::CREATED, "{}", a.text());
    }
    let mut store = f.store();
    vigie_engine::analyze(store.as_mut(), &vigie_engine::ScoringConfig::default()).unwrap();
    let new_case = account_case(store.as_mut(), &successor).expect("the successor's account case");
    drop(store);
    let a = call(
        &app,
        "GET",
        &format!("/api/v1/cases/{new_case}"),
        Auth::Token(f.login(Role::Analyst)),
        None,
    )
    .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text());
    let detail = a.json();
    assert_eq!(
        detail["predecessors"][0]["case"]["id"], old_case,
        "{detail}"
    );
    assert_eq!(
        detail["predecessors"][0]["decisions"]
            .as_array()
            .map(Vec::len),
        Some(2),
        "{detail}"
    );
    let neighbours = detail["neighbourhood"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert!(!neighbours.is_empty(), "{detail}");
    let page = call(
        &app,
        "GET",
        &format!("/cases/{new_case}"),
        Auth::Session(f.login(Role::Analyst)),
        None,
    )
    .await;
    let html = page.text();
    assert!(html.contains("Predecessors"), "{html}");
    assert!(
        html.contains(&format!("href=\"/cases/{old_case}\"")),
        "{html}"
    );
    assert!(html.contains(&user_name(Role::Reviewer)), "{html}");
    assert!(html.contains("<svg id=\"neighbourhood\""), "{html}");
    assert_eq!(
        html.matches("<circle class=\"neighbour\"").count(),
        neighbours.len(),
        "{html}"
    );
}

/// A wrong password from the client `forwarded` names (through the test's peer, 127.0.0.1); where it was sent.
async fn wrong_login_through(app: &Router, forwarded: &str) -> String {
    let req = Request::builder()
        .method("POST")
        .uri("/login")
        .header(header::COOKIE, "vigie_login=matrix-token")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header("x-forwarded-for", forwarded)
        .body(Body::from(
            "csrf=matrix-token&name=nobody-here&password=wrong",
        ))
        .unwrap();
    let r = app.clone().oneshot(req).await.unwrap();
    r.headers()[header::LOCATION].to_str().unwrap().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn regression_19_behind_a_trusted_proxy_each_client_has_its_own_login_limit() {
    let f = Fixture::new();
    let limited = |trusted: Vec<String>| ServerConfig {
        login_attempts_per_minute: 2,
        trusted_proxies: trusted,
        ..ServerConfig::default()
    };
    // The proxy (the test's peer, 127.0.0.1) is trusted: two clients behind it, two buckets.
    let app = app(&f, limited(vec!["127.0.0.0/8".into()]));
    for _ in 0..2 {
        assert!(
            wrong_login_through(&app, "203.0.113.7")
                .await
                .contains("error=wrong")
        );
    }
    assert!(
        wrong_login_through(&app, "203.0.113.7")
            .await
            .contains("error=rate")
    );
    assert!(
        wrong_login_through(&app, "198.51.100.9")
            .await
            .contains("error=wrong"),
        "another client behind the same proxy is not limited by the first"
    );
    // Untrusted (the default): the header is ignored, and every request is the proxy's.
    let app2 = router(f.state(limited(Vec::new()))).layer(axum::Extension(ConnectInfo(
        SocketAddr::from(([127, 0, 0, 1], 40000)),
    )));
    for _ in 0..2 {
        assert!(
            wrong_login_through(&app2, "203.0.113.7")
                .await
                .contains("error=wrong")
        );
    }
    assert!(
        wrong_login_through(&app2, "198.51.100.9")
            .await
            .contains("error=rate")
    );
}
