//! What an operator deploying `vigie serve` relies on (issue 19): settings from the environment, JSON log lines
//! with an access log, and no secret in any log line.

#[allow(dead_code)]
mod util;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};
use util::Dir;

const PASSWORD: &str = "correct horse battery staple";

/// A free port on the loopback interface.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or_else(|e| panic!("no free port: {e}"))
}

/// One HTTP/1.1 request; the status, the response's headers (lower-cased names) and its body.
fn http(port: u16, request: &str) -> (u16, Vec<(String, String)>, String) {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap_or_else(|e| panic!("connect: {e}"));
    s.set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap_or_else(|e| panic!("{e}"));
    s.write_all(request.as_bytes())
        .unwrap_or_else(|e| panic!("write: {e}"));
    let mut raw = Vec::new();
    s.read_to_end(&mut raw)
        .unwrap_or_else(|e| panic!("read: {e}"));
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|c| c.parse().ok())
        .unwrap_or_else(|| panic!("no status line in {head}"));
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_lowercase(), v.trim().to_owned()))
        .collect();
    (status, headers, body.to_owned())
}

/// The value of cookie `name` set by a response.
fn set_cookie(headers: &[(String, String)], name: &str) -> String {
    headers
        .iter()
        .filter(|(k, _)| k == "set-cookie")
        .filter_map(|(_, v)| v.split(';').next()?.split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
        .unwrap_or_else(|| panic!("no cookie {name} in {headers:?}"))
}

/// Stops the server when the test ends, passing or not.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn the_server_takes_its_settings_from_the_environment_and_logs_json_without_secrets() {
    let dir = Dir::new();
    let db = dir.join("vigie.db");
    let db = db.to_string_lossy();
    let mut add = dir.vigie(&[
        "--db",
        &db,
        "user",
        "add",
        "alice",
        "--role",
        "reviewer",
        "--password-stdin",
    ]);
    add.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = add.spawn().unwrap_or_else(|e| panic!("{e}"));
    if let Some(mut stdin) = child.stdin.take() {
        writeln!(stdin, "{PASSWORD}").unwrap_or_else(|e| panic!("{e}"));
    }
    let out = child.wait_with_output().unwrap_or_else(|e| panic!("{e}"));
    assert!(out.status.success(), "{}", util::show(&out));

    // The listening address comes from the environment only.
    let port = free_port();
    let mut serve = dir.vigie(&["--db", &db, "--log-format", "json", "serve"]);
    serve
        .env("VIGIE_SERVER__LISTEN", format!("127.0.0.1:{port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let mut server = Server(serve.spawn().unwrap_or_else(|e| panic!("{e}")));
    let stderr = server
        .0
        .stderr
        .take()
        .unwrap_or_else(|| panic!("no stderr"));
    let (lines_tx, lines) = std::sync::mpsc::channel::<String>();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = lines_tx.send(line);
        }
    });
    let started = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the server did not listen on the port VIGIE_SERVER__LISTEN gave"
        );
        if let Ok(Some(status)) = server.0.try_wait() {
            panic!("the server exited: {status}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }

    // Log in through the form (its CSRF token from the page and the login cookie), then read the queue.
    let (status, headers, page) = http(
        port,
        "GET /login?next=/cases%3Fq%3Dsecret-search HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
    );
    assert_eq!(status, 200);
    let login_cookie = set_cookie(&headers, "vigie_login");
    let csrf = page
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap_or_else(|| panic!("no CSRF field in the login page"))
        .to_owned();
    let form = format!(
        "csrf={csrf}&name=alice&password={}",
        PASSWORD.replace(' ', "+")
    );
    let (status, headers, _) = http(
        port,
        &format!(
            "POST /login HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nCookie: vigie_login={login_cookie}\r\n\
             Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{form}",
            form.len()
        ),
    );
    assert_eq!(status, 303, "the login failed");
    let session = set_cookie(&headers, "vigie_session");
    let (status, _, _) = http(
        port,
        &format!(
            "GET /api/v1/cases?q=secret-search HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nCookie: vigie_session={session}\r\n\r\n"
        ),
    );
    assert_eq!(status, 200);
    let (status, _, _) = http(
        port,
        "GET /api/v1/cases HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nAuthorization: Bearer not-a-token-but-secret-looking\r\n\r\n",
    );
    assert_eq!(status, 401);

    // Every line is a JSON object; the access log has each request; no secret is anywhere.
    let mut seen = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        match lines.recv_timeout(Duration::from_millis(200)) {
            Ok(line) => seen.push(line),
            Err(_) if seen.iter().filter(|l| l.contains("vigie::access")).count() >= 4 => break,
            Err(_) => {}
        }
    }
    let entries: Vec<serde_json::Value> = seen
        .iter()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not a JSON line ({e}): {l}")))
        .collect();
    let access: Vec<&serde_json::Value> = entries
        .iter()
        .filter(|e| e["target"] == "vigie::access")
        .collect();
    let find = |method: &str, path: &str, status: u64| {
        access
            .iter()
            .find(|e| e["method"] == method && e["path"] == path && e["status"] == status)
            .unwrap_or_else(|| panic!("no access line for {method} {path} {status} in {seen:#?}"))
    };
    assert_eq!(find("GET", "/login", 200)["client"], "127.0.0.1");
    find("POST", "/login", 303);
    assert_eq!(find("GET", "/api/v1/cases", 200)["user"], "alice");
    assert_eq!(find("GET", "/api/v1/cases", 401)["user"], "-");
    assert!(
        access
            .iter()
            .all(|e| e["ms"].is_number() && e["level"] == "INFO")
    );
    assert!(
        entries.iter().any(|e| e["target"] == "vigie::serve"),
        "no start line in {seen:#?}"
    );
    let all = seen.join("\n");
    for secret in [
        PASSWORD,
        "correct+horse",
        &session,
        &csrf,
        &login_cookie,
        "secret-search",
        "secret-looking",
    ] {
        assert!(!all.contains(secret), "{secret:?} was logged:\n{all}");
    }
}

#[test]
fn a_store_url_with_a_password_is_never_shown_with_it() {
    let dir = Dir::new();
    // Nothing listens on port 9 of this machine: the store cannot open, and the error names it, without the
    // password.
    let out = dir.run(&[
        "--db",
        "postgres://vigie:hunter2-secret@127.0.0.1:9/vigie?connect_timeout=5",
        "stats",
    ]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("postgres://vigie:***@127.0.0.1:9/vigie"),
        "{err}"
    );
    assert!(!err.contains("hunter2"), "{err}");
}

/// Scans part of the sample (posts with pictures) into `db`, adds audited users, backs it up, restores the backup
/// into `restored` and checks that both stores hold the same content; then damages a medium of the backup and
/// checks that a restore names it and fails.
fn backup_and_restore(dir: &Dir, db: &str, restored: &str, damaged: &str) {
    let media = dir.join("media").to_string_lossy().into_owned();
    let media2 = dir.join("media-restored").to_string_lossy().into_owned();
    let media3 = dir.join("media-damaged").to_string_lossy().into_owned();
    if !dir.join("sample").exists() {
        dir.ok(&["sample", "--out", "sample"]);
    }
    let on = |db: &str, media: &str, args: &[&str]| {
        let mut all = vec!["--db", db, "--media-dir", media];
        all.extend_from_slice(args);
        dir.ok(&all)
    };
    on(db, &media, &["scan", "sample/telegram", "sample/media"]);
    on(db, &media, &["user", "add", "carol", "--role", "admin"]);
    on(db, &media, &["user", "add", "dave", "--role", "reviewer"]);
    let digest = |db: &str, media: &str| {
        let v: serde_json::Value =
            serde_json::from_str(&on(db, media, &["stats", "--digest", "--format", "json"]))
                .unwrap_or_else(|e| panic!("stats: {e}"));
        assert!(v["media"].as_i64().unwrap_or(0) > 0, "no media stored: {v}");
        v["digest"]["sha256"]
            .as_str()
            .unwrap_or_else(|| panic!("no digest in {v}"))
            .to_owned()
    };
    let before = digest(db, &media);
    let backup = dir.join(&format!("backup-{}", db.len()));
    let backup_s = backup.to_string_lossy().into_owned();
    on(db, &media, &["backup", "-o", &backup_s]);
    let manifest: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(backup.join("manifest.json")).unwrap_or_else(|e| panic!("{e}")),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        manifest["media_files"].as_u64().unwrap_or(0) > 0,
        "{manifest}"
    );
    assert!(
        manifest["audit_head"]["seq"].as_i64().unwrap_or(0) >= 2,
        "{manifest}"
    );

    let out = on(restored, &media2, &["restore", &backup_s]);
    assert!(
        out.contains("audit chain intact") && out.contains("present with their digests"),
        "{out}"
    );
    assert_eq!(
        digest(restored, &media2),
        before,
        "the restored store differs from the original"
    );
    on(restored, &media2, &["audit", "verify"]);
    // A restore never goes over a store.
    let again = dir.run(&[
        "--db",
        restored,
        "--media-dir",
        &media2,
        "restore",
        &backup_s,
    ]);
    assert!(!again.status.success(), "restored over an existing store");

    // One medium damaged in the backup: the restore names it and fails.
    let victim = walk(&backup.join("media"))
        .into_iter()
        .find(|p| p.file_name().is_some_and(|n| n.len() == 64))
        .unwrap_or_else(|| panic!("no medium in the backup"));
    let mut bytes = std::fs::read(&victim).unwrap_or_else(|e| panic!("{e}"));
    bytes[0] ^= 0xff;
    std::fs::write(&victim, bytes).unwrap_or_else(|e| panic!("{e}"));
    let out = dir.run(&[
        "--db",
        damaged,
        "--media-dir",
        &media3,
        "restore",
        &backup_s,
    ]);
    assert!(!out.status.success(), "a damaged backup restored cleanly");
    let name = victim
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    assert!(
        String::from_utf8_lossy(&out.stderr).contains(&name),
        "{}",
        util::show(&out)
    );
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = entry.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

#[test]
fn a_backup_restores_into_a_new_sqlite_store_with_the_same_content_and_checks() {
    let dir = Dir::new();
    let path = |name: &str| dir.join(name).to_string_lossy().into_owned();
    backup_and_restore(
        &dir,
        &path("vigie.db"),
        &path("restored.db"),
        &path("damaged.db"),
    );
}

#[test]
fn a_backup_restores_into_a_new_postgresql_database_with_the_same_content_and_checks() {
    let Some(admin) = util::postgres_admin_url() else {
        return;
    };
    let dir = Dir::new();
    let db = util::fresh_postgres_db(&admin, "backup_src");
    let restored = util::fresh_postgres_db(&admin, "backup_dst");
    let damaged = util::fresh_postgres_db(&admin, "backup_bad");
    backup_and_restore(&dir, &db, &restored, &damaged);
}
