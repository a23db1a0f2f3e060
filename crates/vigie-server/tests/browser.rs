//! The review interface in a real headless Chromium (Debian's `chromium` and `chromium-driver`), driven over
//! WebDriver: log in, open the queue, open a case, reveal its blurred medium, confirm as one user and give the
//! second confirmation as another (with the keyboard shortcut), refer the confirmed case and mark the referral
//! sent, then check the audit trail as an admin.
//! Screenshots of each step are kept in `target/tmp/browser-artifacts/`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::Fixture;
use fantoccini::{Client, ClientBuilder, Locator};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;
use vigie_model::Role;
use vigie_server::ServerConfig;

struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

async fn start_driver(profile: &std::path::Path) -> (Driver, Client) {
    let port = free_port();
    let child = Command::new("chromedriver")
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| {
            panic!(
                "chromedriver is needed for the browser tests (Debian: apt-get install chromium chromium-driver; \
                 .ci/run installs them): {e}"
            )
        });
    let driver = Driver(child);
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({
            "binary": "/usr/bin/chromium",
            "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                     "--disable-component-update", "--no-first-run", "--disable-sync", "--disable-quic",
                     "--disable-dev-shm-usage", "--window-size=1280,1000",
                     format!("--user-data-dir={}", profile.display())]
        }),
    );
    let url = format!("http://127.0.0.1:{port}");
    let mut last = None;
    for _ in 0..100 {
        match ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(caps.clone())
            .connect(&url)
            .await
        {
            Ok(c) => return (driver, c),
            Err(e) => {
                last = Some(e.to_string());
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        }
    }
    panic!("cannot start a Chromium session through chromedriver: {last:?}");
}

fn artifacts() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("browser-artifacts");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

async fn shot(c: &Client, name: &str) {
    let png = c.screenshot().await.unwrap();
    std::fs::write(artifacts().join(format!("{name}.png")), png).unwrap();
}

async fn text(c: &Client, css: &str) -> String {
    c.wait()
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .text()
        .await
        .unwrap()
}

async fn log_in(c: &Client, base: &str, f: &Fixture, role: Role) {
    let login = f.login(role);
    c.goto(&format!("{base}/")).await.unwrap();
    // Not logged in: the queue sends to the login page.
    assert!(c.current_url().await.unwrap().path().starts_with("/login"));
    c.wait()
        .for_element(Locator::Id("name"))
        .await
        .unwrap()
        .send_keys(&login.user.name)
        .await
        .unwrap();
    c.find(Locator::Id("password"))
        .await
        .unwrap()
        .send_keys(&login.password)
        .await
        .unwrap();
    c.find(Locator::Id("login"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.wait()
        .for_element(Locator::Css("span.who"))
        .await
        .unwrap();
    assert!(text(c, "span.who").await.contains(&login.user.name));
}

async fn log_out(c: &Client) {
    c.find(Locator::Css("form.logout button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.wait().for_element(Locator::Id("login")).await.unwrap();
}

async fn filter_of(c: &Client, css: &str) -> String {
    c.execute(
        &format!("return getComputedStyle(document.querySelector({css:?})).filter;"),
        vec![],
    )
    .await
    .unwrap()
    .as_str()
    .unwrap_or_default()
    .to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn review_a_case_in_chromium_with_two_reviewers() {
    let f = Fixture::new();
    let state = f.state(ServerConfig::default());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let server = tokio::spawn(vigie_server::serve_on(listener, state));
    let profile = tempfile::tempdir().unwrap();
    let (_driver, c) = start_driver(profile.path()).await;

    // The analyst: queue, case, reveal, first confirmation.
    log_in(&c, &base, &f, Role::Analyst).await;
    c.wait().for_element(Locator::Id("queue")).await.unwrap();
    shot(&c, "01-queue").await;
    let rows = c.find_all(Locator::Css("#queue tbody tr")).await.unwrap();
    assert!(rows.len() > 10, "the queue lists cases");
    c.goto(&format!("{base}/cases/{}", f.media_case))
        .await
        .unwrap();
    let figure = c
        .wait()
        .for_element(Locator::Css("figure[data-reveal]"))
        .await
        .unwrap();
    let class = figure.attr("class").await.unwrap().unwrap_or_default();
    assert!(
        class.contains("blurred") && class.contains("grey"),
        "{class}"
    );
    let before = filter_of(&c, "figure[data-reveal] img").await;
    assert!(
        before.contains("blur") && before.contains("grayscale"),
        "{before}"
    );
    shot(&c, "02-case-blurred").await;
    figure.click().await.unwrap();
    // The filter eases out over a fraction of a second.
    let mut after = String::new();
    for _ in 0..50 {
        after = filter_of(&c, "figure[data-reveal] img").await;
        if after == "none" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(after, "none", "revealed");
    let class = figure.attr("class").await.unwrap().unwrap_or_default();
    assert!(
        !class.contains("blurred") && !class.contains("grey"),
        "{class}"
    );
    shot(&c, "03-case-revealed").await;
    c.find(Locator::Id("confirm"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.wait()
        .for_element(Locator::Css("p.notice"))
        .await
        .unwrap();
    assert_eq!(text(&c, "h1 .status").await, "pending");
    shot(&c, "04-first-confirmation").await;
    log_out(&c).await;

    // The reviewer: the second confirmation, with the keyboard shortcut.
    log_in(&c, &base, &f, Role::Reviewer).await;
    c.goto(&format!("{base}/cases/{}", f.media_case))
        .await
        .unwrap();
    c.wait().for_element(Locator::Id("confirm")).await.unwrap();
    assert!(text(&c, "#confirm").await.contains("Second confirmation"));
    c.find(Locator::Css("body"))
        .await
        .unwrap()
        .send_keys("c")
        .await
        .unwrap();
    c.wait()
        .for_element(Locator::Css("p.notice"))
        .await
        .unwrap();
    assert_eq!(text(&c, "h1 .status").await, "confirmed");
    let history = text(&c, "#history").await;
    assert!(
        history.contains("analyst-user") && history.contains("reviewer-user"),
        "{history}"
    );
    shot(&c, "05-second-confirmation").await;

    // The reviewer refers the confirmed case: a draft referral of it, marked sent, shown on the case.
    c.find(Locator::Id("refer"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.wait()
        .for_element(Locator::Id("referral-status"))
        .await
        .unwrap();
    let notice = text(&c, "p.notice").await;
    assert!(notice.contains("draft made with 1 case"), "{notice}");
    assert_eq!(text(&c, "#referral-status").await, "draft");
    let items = text(&c, "#items").await;
    assert!(items.contains(&format!("#{}", f.media_case)), "{items}");
    let referral_url = c.current_url().await.unwrap();
    let referral_path = referral_url.path().to_owned();
    assert!(referral_path.starts_with("/referrals/"), "{referral_path}");
    c.find(Locator::Id("status-select"))
        .await
        .unwrap()
        .select_by_value("sent")
        .await
        .unwrap();
    c.find(Locator::Id("status-note"))
        .await
        .unwrap()
        .send_keys("sent through the platform's form")
        .await
        .unwrap();
    c.find(Locator::Id("record-status"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    // The form posts, then the page comes back with what was recorded.
    for _ in 0..100 {
        if c.current_url()
            .await
            .unwrap()
            .as_str()
            .contains("done=sent")
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(text(&c, "#referral-status").await, "sent");
    shot(&c, "06-referral-sent").await;
    c.goto(&format!("{base}/cases/{}", f.media_case))
        .await
        .unwrap();
    let on_case = text(&c, "#case-referral").await;
    assert!(on_case.ends_with("sent"), "{on_case}");
    assert!(
        c.find(Locator::Id("refer")).await.is_err(),
        "a referred case offers no second referral"
    );
    c.goto(&format!("{base}/referrals")).await.unwrap();
    let listed = text(&c, "#referrals").await;
    let number = referral_path.trim_start_matches("/referrals/");
    assert!(listed.contains(&format!("#{number}")), "{listed}");
    shot(&c, "07-referrals").await;
    log_out(&c).await;

    // The admin: the audit trail has both decisions and verifies.
    log_in(&c, &base, &f, Role::Admin).await;
    c.goto(&format!("{base}/audit")).await.unwrap();
    let status = text(&c, "#audit-status").await;
    assert!(status.starts_with("Intact"), "{status}");
    let audit = text(&c, "#audit").await;
    assert_eq!(audit.matches("decision").count(), 2, "{audit}");
    shot(&c, "08-audit").await;

    c.close().await.unwrap();
    server.abort();
}
