//! Evidence packages end to end, on SQLite and PostgreSQL: a case found by a hash match is confirmed by two
//! reviewers, its package is exported and verifies, an independent WARC reader (`warcio` from PyPI, in a virtual
//! environment the test makes) reads every record, a changed byte or a foreign key is named, and a case without a
//! completed human decision never leaves.
//!
//! Confirmed indicators go out as a STIX 2.1 bundle that the OASIS `stix2` library (PyPI) parses strictly. Set
//! `VIGIE_SKIP_WARCIO=1` or `VIGIE_SKIP_STIX2=1` to skip those parts on a machine without network access to PyPI
//! (CI never sets them).

#[allow(dead_code)]
mod util;

use std::path::{Path, PathBuf};
use std::process::Command;
use util::{Dir, confirm, fresh_postgres_db, postgres_admin_url, show, venv};

/// The releases tested against.
const WARCIO: &str = "warcio==1.8.1";
/// The OASIS STIX 2.1 library: its parser checks every object's properties and each indicator's pattern
/// (`stix2-validator` 3.3.1's wheel ships without its JSON schemas, so it cannot check anything).
const STIX2: &str = "stix2==3.0.2";

/// `warcio` from PyPI.
fn warcio() -> Option<PathBuf> {
    venv("warcio-venv", WARCIO, "VIGIE_SKIP_WARCIO")
}

/// Two posts on X with a picture that a bank lists: their cases (with their medium).
fn two_cases(d: &Dir) -> (i64, i64) {
    std::fs::create_dir(d.join("export")).unwrap_or_else(|e| panic!("{e}"));
    let (w, h) = (320u32, 240u32);
    let png = vigie_sample::encode_png(&vigie_sample::draw_image(41, w, h), w, h)
        .unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(d.join("export/a.png"), png).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(
        d.join("export/posts.jsonl"),
        "{\"platform\":\"x\",\"id\":\"1790000000000000001\",\"created_at\":1704630374,\
         \"text\":\"Picture of the day: the lions of the caliphate march on, join the caravan now\",\
         \"account\":{\"id\":\"77\",\"handle\":\"poster_1\"},\
         \"media\":[{\"path\":\"a.png\",\"type\":\"photo\"}]}\n\
         {\"platform\":\"x\",\"id\":\"1790000000000000002\",\"created_at\":1704630375,\
         \"text\":\"Picture of the day again\",\"account\":{\"id\":\"77\",\"handle\":\"poster_1\"},\
         \"media\":[{\"path\":\"a.png\",\"type\":\"photo\"}]}\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let hashed = d.ok(&["hash", "--output", "jsonl", "export/a.png"]);
    let line: serde_json::Value =
        serde_json::from_str(hashed.trim()).unwrap_or_else(|e| panic!("{e}"));
    let pdq = line["pdq"].as_str().unwrap_or_default().to_owned();
    std::fs::write(d.join("list.txt"), format!("pdq {pdq}\n")).unwrap_or_else(|e| panic!("{e}"));
    d.ok(&["bank", "import", "blk", "list.txt", "--create"]);
    d.ok(&["scan", "export/posts.jsonl"]);
    let cases = d.json(&["cases", "--limit", "10"]);
    let case = |post: &str| {
        cases
            .as_array()
            .into_iter()
            .flatten()
            .find(|c| c["post_id"] == post)
            .unwrap_or_else(|| panic!("no case for post {post}: {cases}"))
            .clone()
    };
    let first = case("1790000000000000001");
    assert_eq!(
        first["permalink"], "https://x.com/poster_1/status/1790000000000000001",
        "{first}"
    );
    let id = |c: &serde_json::Value| c["id"].as_i64().unwrap_or_else(|| panic!("{c}"));
    (id(&first), id(&case("1790000000000000002")))
}

fn flow(d: &Dir, db: &str, media: &Path, config: &str) {
    std::fs::write(d.join("vigie.toml"), config).unwrap_or_else(|e| panic!("{e}"));
    let key = d.join("keys/evidence.key").display().to_string();
    let (id, other) = two_cases(d);

    let made = d.json(&["key", "--key", &key, "init"]);
    assert_eq!(
        made["fingerprint"].as_str().map(str::len),
        Some(16),
        "{made}"
    );

    // Not confirmed: nothing leaves, and no folder is made.
    let out = d.run(&[
        "evidence",
        "--key",
        &key,
        "export",
        &id.to_string(),
        "-o",
        "early",
    ]);
    assert!(!out.status.success());
    assert!(show(&out).contains("not confirmed"), "{}", show(&out));
    assert!(!d.join("early").exists());

    confirm(db, media, id);
    let report = d.json(&[
        "evidence",
        "--key",
        &key,
        "export",
        &id.to_string(),
        "-o",
        "pkg",
    ]);
    // warcinfo, the frozen case, the post, the author, the picture.
    assert_eq!(report["records"], 5, "{report}");
    let verified = d.json(&["evidence", "--key", &key, "verify", "pkg"]);
    assert_eq!(verified["problems"], serde_json::json!([]), "{verified}");
    assert_eq!(verified["key_trusted"], true, "{verified}");

    let manifest: serde_json::Value = serde_json::from_slice(
        &std::fs::read(d.join("pkg/manifest.json")).unwrap_or_else(|e| panic!("{e}")),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let case = &manifest["cases"][0];
    assert_eq!(
        case["permalink"],
        "https://x.com/poster_1/status/1790000000000000001"
    );
    assert_eq!(case["label"], "glorification");
    let reviewers: Vec<&str> = case["decisions"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|d| d["reviewer"].as_str())
        .collect();
    assert_eq!(reviewers, ["ann", "bob"]);
    assert!(
        case["source"]
            .as_str()
            .is_some_and(|s| s.contains("posts.jsonl")),
        "{case}"
    );
    assert!(
        manifest["audit_head"]["seq"]
            .as_i64()
            .is_some_and(|s| s > 0)
    );
    let kinds: Vec<&str> = case["items"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|i| i["kind"].as_str())
        .collect();
    assert_eq!(kinds, ["case", "post", "account", "medium"]);
    let frozen = case["frozen_sha256"].clone();

    // An independent reader reads every record, with the headers written.
    if let Some(venv) = warcio() {
        let out = Command::new(venv.join("bin/warcio"))
            .args([
                "index",
                "-f",
                "warc-type,warc-target-uri,warc-payload-digest",
            ])
            .arg(d.join("pkg/evidence.warc"))
            .output()
            .unwrap_or_else(|e| panic!("warcio: {e}"));
        assert!(out.status.success(), "warcio index:\n{}", show(&out));
        let index = String::from_utf8_lossy(&out.stdout);
        let lines: Vec<serde_json::Value> = index
            .lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
            .collect();
        assert_eq!(lines.len(), 5, "{index}");
        assert_eq!(lines[0]["warc-type"], "warcinfo");
        assert!(
            lines[1..].iter().all(|l| l["warc-type"] == "resource"),
            "{index}"
        );
        assert_eq!(
            lines[2]["warc-target-uri"],
            "https://x.com/poster_1/status/1790000000000000001"
        );
        let check = Command::new(venv.join("bin/warcio"))
            .args(["check", "-v"])
            .arg(d.join("pkg/evidence.warc"))
            .output()
            .unwrap_or_else(|e| panic!("warcio: {e}"));
        assert!(check.status.success(), "warcio check:\n{}", show(&check));
    }

    // Frozen: after the store changes (the case's post seen again, the analysis run again), a new package holds
    // the same case document.
    d.ok(&["scan", "export/posts.jsonl"]);
    d.ok(&["analyze"]);
    d.json(&[
        "evidence",
        "--key",
        &key,
        "export",
        &id.to_string(),
        "-o",
        "again",
    ]);
    let again: serde_json::Value = serde_json::from_slice(
        &std::fs::read(d.join("again/manifest.json")).unwrap_or_else(|e| panic!("{e}")),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(again["cases"][0]["frozen_sha256"], frozen);

    // A changed byte in the WARC file is named, with its record.
    let warc = d.join("pkg/evidence.warc");
    let mut bytes = std::fs::read(&warc).unwrap_or_else(|e| panic!("{e}"));
    let at = bytes
        .windows(18)
        .position(|w| w == b"Picture of the day")
        .unwrap_or_else(|| panic!("the post's text is in the WARC file"));
    bytes[at] = b'p';
    std::fs::write(&warc, &bytes).unwrap_or_else(|e| panic!("{e}"));
    let out = d.run(&["evidence", "--key", &key, "verify", "pkg"]);
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    let said = show(&out);
    assert!(said.contains("evidence.warc: SHA-256"), "{said}");
    // The text's first copy is in the frozen case document.
    assert!(
        said.contains(&format!("case {id} case record <urn:uuid:")),
        "{said}"
    );
    assert!(
        said.contains("does not match its WARC-Block-Digest"),
        "{said}"
    );

    // A manifest re-signed with another key verifies against that key only: the deployment's key names it.
    let other_key = d.join("other.key").display().to_string();
    d.ok(&["key", "--key", &other_key, "init"]);
    let forged = d.run(&[
        "evidence",
        "--key",
        &other_key,
        "export",
        &id.to_string(),
        "-o",
        "forged",
    ]);
    assert!(forged.status.success(), "{}", show(&forged));
    let out = d.run(&["evidence", "--key", &key, "verify", "forged"]);
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    assert!(
        show(&out).contains("not with the trusted key"),
        "{}",
        show(&out)
    );

    referrals(d, config, id, other, &frozen);
    kept_down(d, config, id);
    transparency_report(d, db);
    stix(d);

    // Another case, never decided, cannot be exported with the confirmed one.
    let out = d.run(&[
        "evidence",
        "--key",
        &key,
        "export",
        &id.to_string(),
        &other.to_string(),
        "-o",
        "mixed",
    ]);
    assert!(!out.status.success(), "{}", show(&out));
    assert!(!d.join("mixed").exists());
}

/// Confirmed indicators as a STIX 2.1 bundle, which the OASIS `stix2` library (PyPI) parses strictly.
fn stix(d: &Dir) {
    let shared = d.json(&["share", "-o", "bundle.json"]);
    assert_eq!(shared["cases"], 1, "{shared}");
    let bundle = std::fs::read_to_string(d.join("bundle.json")).unwrap_or_else(|e| panic!("{e}"));
    assert!(bundle.contains("file:hashes.'SHA-256'"), "{bundle}");
    assert!(
        bundle.contains("https://x.com/poster_1/status/1790000000000000001"),
        "{bundle}"
    );
    assert!(bundle.contains("https://x.com/poster_1'"), "{bundle}");
    if let Some(venv) = venv("stix2-venv", STIX2, "VIGIE_SKIP_STIX2") {
        // Strict: no custom properties or objects; each indicator's pattern parsed as STIX 2.1.
        let check = "import json, sys, stix2\n\
                     b = stix2.parse(open(sys.argv[1]).read(), allow_custom=False, version='2.1')\n\
                     kinds = sorted({o.type for o in b.objects})\n\
                     print(len(b.objects), ' '.join(kinds))\n";
        let out = Command::new(venv.join("bin/python"))
            .args(["-c", check])
            .arg(d.join("bundle.json"))
            .output()
            .unwrap_or_else(|e| panic!("python: {e}"));
        assert!(
            out.status.success(),
            "stix2 refused the bundle:\n{}",
            show(&out)
        );
        let said = String::from_utf8_lossy(&out.stdout);
        assert!(said.trim().ends_with("identity indicator"), "{said}");
    }
}

/// The transparency report: figures as JSON, the page with its charts and nothing from elsewhere, opened in
/// headless Chromium (its screenshot kept in `target/tmp/report-artifacts/`).
fn transparency_report(d: &Dir, db: &str) {
    let figures = d.json(&["report", "--from", "2020-01-01", "-o", "report.html"]);
    assert!(
        figures["cases_found"].as_u64().is_some_and(|n| n >= 3),
        "{figures}"
    );
    assert_eq!(figures["cases_confirmed"], 1, "{figures}");
    assert_eq!(figures["referrals"][0]["platform"], "x", "{figures}");
    assert_eq!(figures["referrals"][0]["share_actioned"], 1.0, "{figures}");
    assert_eq!(
        figures["referrals"][0]["share_still_live"], 1.0,
        "{figures}"
    );
    let written: serde_json::Value = serde_json::from_slice(
        &std::fs::read(d.join("report.json")).unwrap_or_else(|e| panic!("{e}")),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(written["cases_confirmed"], 1);
    let page = std::fs::read_to_string(d.join("report.html")).unwrap_or_else(|e| panic!("{e}"));
    assert!(
        page.contains("<svg") && page.contains("Items actioned per platform"),
        "{page}"
    );
    assert!(!page.contains("<script") && !page.contains("src=") && !page.contains("<link"));
    // Nothing in the future: an empty period says so.
    let none = d.json(&["report", "--from", "2999-01-01", "-o", "empty.html"]);
    assert_eq!(none["cases_found"], 0, "{none}");

    let artifacts = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("report-artifacts");
    std::fs::create_dir_all(&artifacts).unwrap_or_else(|e| panic!("{e}"));
    let name = if db.starts_with("postgres") {
        "report-postgres.png"
    } else {
        "report-sqlite.png"
    };
    let shot = artifacts.join(name);
    let _ = std::fs::remove_file(&shot);
    let out = Command::new("/usr/bin/chromium")
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            "--window-size=1100,1600",
        ])
        .arg(format!("--screenshot={}", shot.display()))
        .arg(format!("file://{}", d.join("report.html").display()))
        .output()
        .unwrap_or_else(|e| {
            panic!("headless Chromium is needed (Debian: apt-get install chromium; scripts/install-deps): {e}")
        });
    assert!(out.status.success(), "chromium:\n{}", show(&out));
    let png =
        std::fs::read(&shot).unwrap_or_else(|e| panic!("no screenshot {}: {e}", shot.display()));
    assert!(
        png.starts_with(b"\x89PNG") && png.len() > 10_000,
        "{} bytes",
        png.len()
    );
}

/// With `[referrals] bank`, the confirmed case's media go into that bank, and a re-upload's case names the case.
fn kept_down(d: &Dir, config: &str, id: i64) {
    std::fs::write(
        d.join("vigie.toml"),
        format!("{config}\n[referrals]\nbank = \"confirmed\"\n"),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(
        d.join("export/again.jsonl"),
        "{\"platform\":\"x\",\"id\":\"1790000000000000003\",\"created_at\":1704640000,\
         \"text\":\"new account, same picture\",\"account\":{\"id\":\"78\",\"handle\":\"poster_2\"},\
         \"media\":[{\"path\":\"a.png\",\"type\":\"photo\"}]}\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    d.ok(&["scan", "export/again.jsonl"]);
    // Its text again, from yet another account, without the picture: a near-copy of the confirmed statement.
    std::fs::write(
        d.join("export/text.jsonl"),
        "{\"platform\":\"x\",\"id\":\"1790000000000000004\",\"created_at\":1704650000,\
         \"text\":\"Picture of the day: the lions of the caliphate march on, join the caravan today\",\
         \"account\":{\"id\":\"79\",\"handle\":\"poster_3\"}}\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    d.ok(&["scan", "export/text.jsonl"]);
    let bank = d.json(&["bank", "show", "confirmed"]);
    let text = bank.to_string();
    assert!(
        text.contains(&format!("\"confirmed_case\":\"{id}\"")),
        "{bank}"
    );
    let cases = d.json(&["cases", "--limit", "20"]);
    let detail = |post: &str| -> String {
        cases
            .as_array()
            .into_iter()
            .flatten()
            .find(|c| c["post_id"] == post)
            .map(|c| c["evidence"].to_string())
            .unwrap_or_else(|| panic!("no case for {post}: {cases}"))
    };
    let back = format!("the medium of confirmed case {id}, back again");
    assert!(detail("1790000000000000003").contains(&back), "{cases}");
    assert!(!detail("1790000000000000001").contains(&back), "{cases}");
    let copied = format!("of post x/1790000000000000001, confirmed in case {id}");
    assert!(detail("1790000000000000004").contains(&copied), "{cases}");
    // Shared in python-threatexchange's layout: its PDQ, MD5 and SHA-256 lines.
    d.ok(&[
        "bank",
        "export",
        "confirmed",
        "--list-format",
        "threatexchange",
        "-o",
        "te.txt",
    ]);
    let te = std::fs::read_to_string(d.join("te.txt")).unwrap_or_else(|e| panic!("{e}"));
    assert!(te.lines().any(|l| l.starts_with("pdq ")), "{te}");
    // And in TCAP's, which `vigie bank import` reads back whole.
    d.ok(&[
        "bank",
        "export",
        "confirmed",
        "--list-format",
        "tcap",
        "-o",
        "shared.json",
    ]);
    let copy = d.json(&["bank", "import", "copy", "shared.json", "--create"]);
    let entries = te.lines().filter(|l| !l.trim().is_empty()).count();
    assert_eq!(copy[0]["added"], entries as u64, "{copy}");
    std::fs::write(d.join("vigie.toml"), config).unwrap_or_else(|e| panic!("{e}"));
}

/// Referrals of the confirmed case `id` (`other` is undecided), exported as X's template says.
fn referrals(d: &Dir, config: &str, id: i64, other: i64, frozen: &serde_json::Value) {
    let out = d.run(&["referral", "create", "--platform", "x", &other.to_string()]);
    assert!(!out.status.success());
    assert!(show(&out).contains("not confirmed"), "{}", show(&out));
    let out = d.run(&[
        "referral",
        "create",
        "--platform",
        "telegram",
        &id.to_string(),
    ]);
    assert!(
        show(&out).contains("is on x, not telegram"),
        "{}",
        show(&out)
    );
    let made = d.json(&["referral", "create", "--platform", "x", "--all-confirmed"]);
    let referral = made[0]["id"].as_i64().unwrap_or_else(|| panic!("{made}"));
    assert_eq!(made[0]["items"], 1, "{made}");
    assert_eq!(made[0]["status"], "draft", "{made}");
    assert_eq!(made[0]["template"], "x", "{made}");
    // Never twice.
    let out = d.run(&["referral", "create", "--platform", "x", "--all-confirmed"]);
    assert!(show(&out).contains("no case to refer"), "{}", show(&out));
    let out = d.run(&["referral", "create", "--platform", "x", &id.to_string()]);
    assert!(
        show(&out).contains("never referred twice"),
        "{}",
        show(&out)
    );

    d.ok(&[
        "referral",
        "export",
        &referral.to_string(),
        "-o",
        "referral.csv",
    ]);
    let csv = std::fs::read_to_string(d.join("referral.csv")).unwrap_or_else(|e| panic!("{e}"));
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 2, "{csv}");
    assert!(
        lines[0].starts_with("Post URL,Post ID,Username,User ID,Policy violated"),
        "{csv}"
    );
    assert!(
        lines[1].starts_with(
            "https://x.com/poster_1/status/1790000000000000001,1790000000000000001,poster_1,77,"
        ),
        "{csv}"
    );
    assert!(lines[1].contains("Violent and hateful entities"), "{csv}");
    assert!(lines[1].contains(frozen.as_str().unwrap_or("?")), "{csv}");

    d.ok(&[
        "referral",
        "mark",
        &referral.to_string(),
        "sent",
        "--note",
        "by the trusted-flagger form",
    ]);
    // The platform answers; a file naming an item the referral does not hold changes nothing.
    std::fs::write(
        d.join("answer-bad.csv"),
        "case_id,outcome\n999999,removed\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let out = d.run(&[
        "referral",
        "response",
        &referral.to_string(),
        "answer-bad.csv",
    ]);
    assert!(
        show(&out).contains("line 2: names no item of this referral (999999)"),
        "{}",
        show(&out)
    );
    std::fs::write(
        d.join("answer.csv"),
        "permalink,outcome\nhttps://x.com/poster_1/status/1790000000000000001,Removed\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    d.ok(&["referral", "response", &referral.to_string(), "answer.csv"]);
    // A later scan still sees the post: still live after referral.
    d.ok(&["scan", "export/posts.jsonl"]);
    let shown = d.json(&["referral", "show", &referral.to_string()]);
    assert!(shown["items"][0]["seen_live_at"].is_i64(), "{shown}");
    let stats = d.json(&["referral", "stats"]);
    assert_eq!(stats[0]["platform"], "x", "{stats}");
    assert_eq!(stats[0]["items"], 1, "{stats}");
    assert_eq!(stats[0]["share_actioned"], 1.0, "{stats}");
    assert_eq!(stats[0]["share_still_live"], 1.0, "{stats}");
    assert!(stats[0]["median_hours_to_action"].is_f64(), "{stats}");
    let done = d.json(&["referral", "mark", &referral.to_string(), "actioned"]);
    assert_eq!(done[0]["actioned"], 1, "{done}");
    let out = d.run(&["referral", "mark", &referral.to_string(), "declined"]);
    assert!(
        show(&out).contains("cannot become declined"),
        "{}",
        show(&out)
    );
    let listed = d.json(&["referral", "list", "--status", "actioned"]);
    assert_eq!(listed.as_array().map(Vec::len), Some(1), "{listed}");
    let shown = d.json(&["referral", "show", &referral.to_string()]);
    assert_eq!(shown["items"][0]["outcome"], "actioned", "{shown}");
    assert_eq!(shown["items"][0]["case_id"], id, "{shown}");

    // A deployment's template that names a field that does not exist is refused, naming it.
    std::fs::create_dir_all(d.join("tpl")).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(
        d.join("tpl/x.toml"),
        "platform = \"x\"\nformat = \"csv\"\nfields = [\"permalink\", \"tweet_colour\"]\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(
        d.join("vigie.toml"),
        format!("{config}\n[referrals]\ntemplates = \"tpl\"\n"),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let out = d.run(&["referral", "export", &referral.to_string(), "-o", "bad.csv"]);
    assert!(!out.status.success());
    assert!(show(&out).contains("tweet_colour"), "{}", show(&out));
    std::fs::write(d.join("vigie.toml"), config).unwrap_or_else(|e| panic!("{e}"));
}

#[test]
fn regression_17_an_evidence_package_of_a_confirmed_case_verifies_and_names_tampering() {
    let d = Dir::new();
    let db = d.join("vigie.db").display().to_string();
    flow(&d, &db, &d.join("vigie-media"), "");
}

#[test]
fn regression_17_evidence_packages_on_postgres() {
    let Some(admin) = postgres_admin_url() else {
        return;
    };
    let url = fresh_postgres_db(&admin, "evidence");
    let d = Dir::new();
    flow(
        &d,
        &url,
        &d.join("pg-media"),
        &format!("db = \"{url}\"\nmedia_dir = \"pg-media\"\n"),
    );
}

/// Permalinks beyond X: a generic export's own `url`, and a Telegram Desktop export of a public channel whose public
/// name only the settings know.
#[test]
fn regression_17_permalinks_from_export_urls_and_named_telegram_channels() {
    let d = Dir::new();
    for folder in ["export", "tg"] {
        std::fs::create_dir(d.join(folder)).unwrap_or_else(|e| panic!("{e}"));
    }
    let (w, h) = (320u32, 240u32);
    let png = vigie_sample::encode_png(&vigie_sample::draw_image(43, w, h), w, h)
        .unwrap_or_else(|e| panic!("{e}"));
    for path in ["export/a.png", "tg/a.png"] {
        std::fs::write(d.join(path), &png).unwrap_or_else(|e| panic!("{e}"));
    }
    let hashed = d.ok(&["hash", "--output", "jsonl", "export/a.png"]);
    let line: serde_json::Value =
        serde_json::from_str(hashed.trim()).unwrap_or_else(|e| panic!("{e}"));
    let pdq = line["pdq"].as_str().unwrap_or_default().to_owned();
    std::fs::write(d.join("list.txt"), format!("pdq {pdq}\n")).unwrap_or_else(|e| panic!("{e}"));
    d.ok(&["bank", "import", "blk", "list.txt", "--create"]);
    std::fs::write(
        d.join("export/fb.jsonl"),
        "{\"platform\":\"facebook\",\"id\":\"555\",\"created_at\":1704630000,\"text\":\"today's picture\",\
         \"url\":\"https://facebook.example/somepage/posts/555\",\"account_handle\":\"somepage\",\
         \"media\":[{\"path\":\"a.png\",\"type\":\"photo\"}]}\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(
        d.join("tg/result.json"),
        r#"{"name":"News","type":"public_channel","id":1234567,"messages":[
            {"id":89,"type":"message","date_unixtime":"1705312800","text":"today's picture","photo":"a.png"}]}"#,
    )
    .unwrap_or_else(|e| panic!("{e}"));

    // A name that is not a channel's public name is refused, naming the setting.
    std::fs::write(
        d.join("vigie.toml"),
        "[telegram]\nchannels = { \"1234567\" = \"news room/x\" }\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let out = d.run(&["scan", "tg/result.json"]);
    assert!(!out.status.success());
    assert!(show(&out).contains("[telegram] channels"), "{}", show(&out));

    std::fs::write(
        d.join("vigie.toml"),
        "[telegram]\nchannels = { \"-1001234567\" = \"news_room\" }\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    d.ok(&["scan", "export/fb.jsonl"]);
    d.ok(&["scan", "tg/result.json"]);
    let cases = d.json(&["cases", "--limit", "10"]);
    let permalink = |platform: &str| {
        cases
            .as_array()
            .into_iter()
            .flatten()
            .find(|c| c["platform"] == platform && c["subject"] == "post")
            .unwrap_or_else(|| panic!("no {platform} case: {cases}"))["permalink"]
            .clone()
    };
    assert_eq!(
        permalink("facebook"),
        "https://facebook.example/somepage/posts/555"
    );
    assert_eq!(permalink("telegram"), "https://t.me/news_room/89");
}
