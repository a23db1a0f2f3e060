//! Account networks end to end, on SQLite and PostgreSQL: a small hand-made network (a seed account, two
//! accounts that spread its posts and media, a successor announced by one of them, a journalist who quotes and
//! mentions the seed all day, an unrelated account), ranked around the seed; the graph exported as GEXF, GraphML
//! and CSV, each read by NetworkX (PyPI, in a virtual environment the test makes) with the same node and edge
//! counts. Set `VIGIE_SKIP_NETWORKX=1` to skip the NetworkX part on a machine without access to PyPI (CI never
//! sets it).

#[allow(dead_code)]
mod util;

use std::path::Path;
use std::process::Command;
use util::{Dir, confirm, fresh_postgres_db, postgres_admin_url, show, venv};

/// The release tested against.
const NETWORKX: &str = "networkx==3.6.1";

/// One X post as a generic JSONL line.
fn post(id: u64, at: i64, author: (&str, &str), text: &str, extra: &str) -> String {
    format!(
        "{{\"platform\":\"x\",\"id\":\"{id}\",\"created_at\":{at},\"text\":{},\
         \"account\":{{\"id\":\"{}\",\"handle\":\"{}\"}}{extra}}}\n",
        serde_json::Value::from(text),
        author.0,
        author.1
    )
}

/// The network, written to `export/posts.jsonl` with its picture.
fn write_network(d: &Dir) {
    std::fs::create_dir(d.join("export")).unwrap_or_else(|e| panic!("{e}"));
    let (w, h) = (160u32, 120u32);
    let png = vigie_sample::encode_png(&vigie_sample::draw_image(77, w, h), w, h)
        .unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(d.join("export/poster.png"), png).unwrap_or_else(|e| panic!("{e}"));
    let seed = ("100", "lion_media");
    let relay_a = ("200", "relay_a");
    let relay_b = ("300", "relay_b");
    let reporter = ("500", "jane_reporter");
    let gardener = ("600", "green_thumbs");
    let picture = ",\"media\":[{\"path\":\"poster.png\",\"type\":\"photo\"}]";
    let mut lines = String::new();
    let t0 = 1_704_067_200;
    for i in 0..4u64 {
        let at = t0 + i as i64 * 3600;
        lines += &post(
            1000 + i,
            at,
            seed,
            &format!("release number {i} #oursignal"),
            picture,
        );
        lines += &post(
            2000 + i,
            at + 60,
            relay_a,
            "",
            &format!(",\"repost_of\":\"{}\"", 1000 + i),
        );
        lines += &post(
            3000 + i,
            at + 90,
            relay_b,
            "",
            &format!(",\"repost_of\":\"{}\"", 1000 + i),
        );
        lines += &post(
            5000 + i,
            at + 600,
            reporter,
            &format!(
                "According to researchers, @lion_media posted release {i}, our correspondent reports"
            ),
            &format!(",\"quote_of\":\"{}\"", 1000 + i),
        );
        lines += &post(
            6000 + i,
            at,
            gardener,
            "tomatoes are early this year #garden",
            "",
        );
    }
    lines += &post(
        2100,
        t0 + 86_400,
        relay_a,
        "the same picture #oursignal",
        picture,
    );
    lines += &post(3100, t0 + 86_500, relay_b, "again #oursignal", picture);
    lines += &post(
        2200,
        t0 + 90_000,
        relay_a,
        "New account, follow @lion_media2",
        "",
    );
    std::fs::write(d.join("export/posts.jsonl"), lines).unwrap_or_else(|e| panic!("{e}"));
}

fn flow(d: &Dir) {
    write_network(d);
    d.ok(&["scan", "export/posts.jsonl"]);

    // No confirmed account and no seed named: the command says what to do.
    let out = d.run(&["accounts", "rank"]);
    assert!(!out.status.success());
    assert!(show(&out).contains("--seed"), "{}", show(&out));

    let ranking = d.json(&["accounts", "rank", "--seed", "x:@lion_media"]);
    assert_eq!(
        ranking["seeds"],
        serde_json::json!(["@lion_media"]),
        "{ranking}"
    );
    let ranked: Vec<&serde_json::Value> =
        ranking["ranked"].as_array().into_iter().flatten().collect();
    let position = |handle: &str| {
        ranked
            .iter()
            .position(|a| a["account"]["handle"] == handle)
            .unwrap_or_else(|| panic!("{handle} not ranked: {ranking}"))
    };
    let (a, b, successor, reporter) = (
        position("relay_a"),
        position("relay_b"),
        position("lion_media2"),
        position("jane_reporter"),
    );
    assert!(
        a < reporter && b < reporter,
        "the spreaders first: {ranking}"
    );
    assert!(
        successor < reporter,
        "the announced successor before the journalist: {ranking}"
    );
    assert!(
        !ranked
            .iter()
            .any(|r| r["account"]["handle"] == "green_thumbs"),
        "an account without ties to the network is not ranked: {ranking}"
    );
    // Each part of a score is listed: the ties to the seed, and what scaled the journalist down.
    let relay = ranked[a];
    let kinds: Vec<&str> = relay["ties"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|t| t["kind"].as_str())
        .collect();
    assert!(
        kinds.contains(&"repost") && kinds.contains(&"shared_medium"),
        "{relay}"
    );
    let mitigations = ranked[reporter]["mitigations"].to_string();
    assert!(mitigations.contains("news, research"), "{mitigations}");
    assert!(mitigations.contains("only mentions"), "{mitigations}");
    assert_eq!(ranked[a]["mitigations"], serde_json::json!([]));

    // The graph, three ways.
    let gexf = d.json(&["graph", "export", "-o", "net.gexf"]);
    let (nodes, edges) = (
        gexf["accounts"].as_u64().unwrap_or(0),
        gexf["edges"].as_u64().unwrap_or(0),
    );
    // Six accounts (the successor only named), and at least the reposts, quotes and shared media.
    assert_eq!(nodes, 6, "{gexf}");
    assert!(edges >= 8, "{gexf}");
    d.ok(&["graph", "export", "-o", "net.graphml"]);
    d.ok(&["graph", "export", "--graph-format", "csv", "-o", "net"]);
    let out = d.run(&["graph", "export", "-o", "net.txt"]);
    assert!(!out.status.success());
    assert!(show(&out).contains("--graph-format"), "{}", show(&out));
    let csv_edges = std::fs::read_to_string(d.join("net.edges.csv")).unwrap_or_default();
    assert_eq!(csv_edges.lines().count() as u64, edges + 1, "{csv_edges}");
    let Some(venv) = venv("networkx-venv", NETWORKX, "VIGIE_SKIP_NETWORKX") else {
        return;
    };
    let script = r#"
import csv, sys, networkx as nx
g = nx.read_gexf("net.gexf")
print("gexf", g.number_of_nodes(), g.number_of_edges())
g = nx.read_graphml("net.graphml")
print("graphml", g.number_of_nodes(), g.number_of_edges())
g = nx.MultiDiGraph()
with open("net.nodes.csv", newline="") as f:
    for row in csv.DictReader(f):
        g.add_node(row["id"], **row)
with open("net.edges.csv", newline="") as f:
    for row in csv.DictReader(f):
        g.add_edge(row["source"], row["target"], kind=row["kind"])
print("csv", g.number_of_nodes(), g.number_of_edges())
"#;
    let out = Command::new(venv.join("bin/python"))
        .args(["-c", script])
        .current_dir(d.path())
        .output()
        .unwrap_or_else(|e| panic!("python: {e}"));
    assert!(out.status.success(), "{}", show(&out));
    let printed = String::from_utf8_lossy(&out.stdout);
    for format in ["gexf", "graphml", "csv"] {
        assert!(
            printed.contains(&format!("{format} {nodes} {edges}")),
            "{format}: NetworkX read other counts than {nodes} nodes and {edges} edges:\n{printed}"
        );
    }
}

#[test]
fn regression_18_a_network_is_ranked_around_its_seed_and_networkx_reads_its_graph() {
    let d = Dir::new();
    flow(&d);
}

#[test]
fn regression_18_account_networks_on_postgres() {
    let Some(admin) = postgres_admin_url() else {
        return;
    };
    let url = fresh_postgres_db(&admin, "network");
    let d = Dir::new();
    std::fs::write(
        d.join("vigie.toml"),
        format!("db = \"{url}\"\nmedia_dir = \"pg-media\"\n"),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    flow(&d);
}

/// The sample's generated network, scanned with the rest of the corpus and measured against its answers: the
/// issue's floors (precision at 50 at least 0.9, successors found with recall at least 0.8 at precision at least
/// 0.9, no hard negative in the top 100).
fn sample_network(d: &Dir, db: &str, media: &Path) {
    d.ok(&["sample", "--out", "corpus"]);
    // The sample's file hosts, as a team would import its own list: the suspended members' release posts link
    // to them.
    std::fs::copy(d.join("corpus/labels/file-hosts.list"), d.join("hosts.csv"))
        .unwrap_or_else(|e| panic!("{e}"));
    d.ok(&["terms", "import", "hosts.csv"]);
    d.ok(&["scan", "corpus"]);
    let report = d.json(&["accounts", "eval", "--labels", "corpus/network/labels.json"]);
    let figure = |path: &[&str]| {
        path.iter()
            .fold(&report, |v, k| &v[*k])
            .as_f64()
            .unwrap_or_else(|| panic!("no {path:?} in {report}"))
    };
    assert!(figure(&["precision_at_50"]) >= 0.9, "{report}");
    assert!(figure(&["successors", "recall"]) >= 0.8, "{report}");
    assert!(figure(&["successors", "precision"]) >= 0.9, "{report}");
    for kind in [
        "journalist",
        "researcher",
        "news_bot",
        "counter_speech",
        "hashtag_user",
    ] {
        assert_eq!(
            figure(&["hard_negatives", kind, "in_top_100"]),
            0.0,
            "{kind}: {report}"
        );
    }
    assert_eq!(figure(&["decoys_in_top_100"]), 0.0, "{report}");
    assert_eq!(report["not_in_store"], serde_json::json!([]), "{report}");

    // The list a platform acts on: nothing without a completed human decision, then the confirmed account.
    let out = d.run(&["accounts", "export", "--platform", "x", "-o", "list.csv"]);
    assert!(!out.status.success());
    assert!(show(&out).contains("--confirmed"), "{}", show(&out));
    let none = d.json(&[
        "accounts",
        "export",
        "--confirmed",
        "--platform",
        "x",
        "-o",
        "none.json",
    ]);
    assert_eq!(none["accounts"], 0, "{none}");
    let cases = d.json(&[
        "cases",
        "--subject",
        "account",
        "--platform",
        "x",
        "--limit",
        "1",
    ]);
    let case = &cases[0];
    let id = case["id"]
        .as_i64()
        .unwrap_or_else(|| panic!("no account case: {cases}"));
    confirm(db, media, id);
    let made = d.json(&[
        "accounts",
        "export",
        "--confirmed",
        "--platform",
        "x",
        "-o",
        "list.json",
    ]);
    assert_eq!(made["accounts"], 1, "{made}");
    let list: serde_json::Value = serde_json::from_slice(
        &std::fs::read(d.join("list.json")).unwrap_or_else(|e| panic!("{e}")),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let row = &list[0];
    assert_eq!(row["case_id"], id, "{row}");
    assert_eq!(row["handle"], case["handle"], "{row}");
    assert_eq!(
        row["permalink"].as_str(),
        case["handle"]
            .as_str()
            .map(|h| format!("https://x.com/{h}"))
            .as_deref(),
        "{row}"
    );
    assert_eq!(row["reviewers"], "ann bob", "{row}");
    assert_eq!(
        row["evidence_sha256"].as_str().map(str::len),
        Some(64),
        "{row}"
    );
    assert!(!row["evidence"].as_str().unwrap_or("").is_empty(), "{row}");
    d.ok(&[
        "accounts",
        "export",
        "--confirmed",
        "--platform",
        "x",
        "-o",
        "list.csv",
    ]);
    let csv = std::fs::read_to_string(d.join("list.csv")).unwrap_or_default();
    assert_eq!(csv.lines().count(), 2, "{csv}");
    assert!(
        csv.starts_with("platform,account_id,handle,permalink,case_id"),
        "{csv}"
    );
    network_parts(d, db, media);
}

/// Once reviewers confirm two of the suspended members, the next analysis gives their planted successors an
/// account case with a recidivism part naming the confirmed case, and the accounts with flagged posts most tied
/// to the confirmed ones a network part; no hard negative gets either.
fn network_parts(d: &Dir, db: &str, media: &Path) {
    let labels: serde_json::Value = serde_json::from_slice(
        &std::fs::read(d.join("corpus/network/labels.json")).unwrap_or_else(|e| panic!("{e}")),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let account_cases = || {
        let cases = d.json(&[
            "cases",
            "--subject",
            "account",
            "--platform",
            "x",
            "--limit",
            "100000",
        ]);
        cases.as_array().cloned().unwrap_or_default()
    };
    let case_of = |cases: &[serde_json::Value], key: &str| {
        cases
            .iter()
            .find(|c| {
                c["account_id"]
                    .as_str()
                    .map(|a| format!("x:{a}"))
                    .as_deref()
                    == Some(key)
            })
            .cloned()
    };
    let before = account_cases();
    let mut confirmed = Vec::new();
    for pair in labels["successors"].as_array().into_iter().flatten() {
        let (old, new) = (
            pair["suspended"].as_str().unwrap_or(""),
            pair["successor"].as_str().unwrap_or(""),
        );
        // The suspended members with flagged posts of their own have an account case to confirm.
        if let Some(case) = case_of(&before, old) {
            let id = case["id"].as_i64().unwrap_or(0);
            confirm(db, media, id);
            confirmed.push((id, new.to_owned()));
        }
    }
    assert!(confirmed.len() >= 2, "{before:?}");
    d.ok(&["analyze"]);
    let after = account_cases();
    for (old_case, successor) in &confirmed {
        let case = case_of(&after, successor)
            .unwrap_or_else(|| panic!("no account case for the successor {successor}"));
        let recidivism: Vec<&serde_json::Value> = case["evidence"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|e| e["signal"] == "recidivism")
            .collect();
        assert!(
            recidivism
                .iter()
                .any(|e| e["entry"] == format!("case #{old_case}")
                    && e["weight"].as_f64() >= Some(1.0)),
            "{case}"
        );
        assert!(case["category"].is_string(), "{case}");
    }
    let with = |signal: &str| -> Vec<String> {
        after
            .iter()
            .filter(|c| {
                c["signals"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .any(|s| s == signal)
            })
            .filter_map(|c| c["account_id"].as_str().map(|a| format!("x:{a}")))
            .collect()
    };
    let network = with("network");
    assert!(network.len() >= 5, "{network:?}");
    let members: Vec<&str> = labels["communities"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|c| c.as_array().into_iter().flatten())
        .filter_map(|a| a.as_str())
        .collect();
    for key in &network {
        assert!(
            members.contains(&key.as_str()),
            "{key} is not a member: {network:?}"
        );
    }
    for (kind, accounts) in labels["hard_negatives"].as_object().into_iter().flatten() {
        for a in accounts.as_array().into_iter().flatten() {
            let a = a.as_str().unwrap_or("");
            assert!(
                !network.iter().chain(&with("recidivism")).any(|k| k == a),
                "the {kind} {a} has a network part"
            );
        }
    }
}

#[test]
fn regression_18_the_sample_network_is_expanded_and_its_successors_found() {
    let d = Dir::new();
    let db = d.join("vigie.db").display().to_string();
    sample_network(&d, &db, &d.join("vigie.db-media"));
}

#[test]
fn regression_18_the_sample_network_on_postgres() {
    let Some(admin) = postgres_admin_url() else {
        return;
    };
    let url = fresh_postgres_db(&admin, "network_sample");
    let d = Dir::new();
    std::fs::write(
        d.join("vigie.toml"),
        format!("db = \"{url}\"\nmedia_dir = \"pg-media\"\n"),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    sample_network(&d, &url, &d.join("pg-media"));
}

/// The graph's node and edge lines, sorted: what two stores must agree on.
fn exported(d: &Dir) -> (Vec<String>, Vec<String>) {
    d.ok(&["graph", "export", "--graph-format", "csv", "-o", "g"]);
    let lines = |name: &str| {
        let mut v: Vec<String> = std::fs::read_to_string(d.join(name))
            .unwrap_or_else(|e| panic!("{name}: {e}"))
            .lines()
            .map(str::to_owned)
            .collect();
        v.sort();
        v
    };
    (lines("g.nodes.csv"), lines("g.edges.csv"))
}

#[test]
fn regression_18_the_network_kept_by_scans_is_the_network_of_all_posts() {
    // Once: every post in one scan.
    let whole = Dir::new();
    write_network(&whole);
    whole.ok(&["scan", "export/posts.jsonl"]);
    let expected = exported(&whole);
    assert!(expected.1.len() > 8, "{expected:?}");

    // In two scans, the reposts and quotes before the posts they refer to: their ties wait for those posts.
    let parts = Dir::new();
    write_network(&parts);
    let all = std::fs::read_to_string(parts.join("export/posts.jsonl")).unwrap_or_default();
    let png = std::fs::read(parts.join("export/poster.png")).unwrap_or_default();
    for (folder, seed) in [("later", false), ("first", true)] {
        let dir = parts.join(folder);
        std::fs::create_dir(&dir).unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(dir.join("poster.png"), &png).unwrap_or_else(|e| panic!("{e}"));
        let lines: String = all
            .lines()
            .filter(|l| l.contains("\"handle\":\"lion_media\"") == seed)
            .map(|l| format!("{l}\n"))
            .collect();
        std::fs::write(dir.join("posts.jsonl"), lines).unwrap_or_else(|e| panic!("{e}"));
    }
    parts.ok(&["scan", "later/posts.jsonl"]);
    let before = exported(&parts);
    assert!(
        !before.1.iter().any(|e| e.contains(",repost,")),
        "no repost tie before the reposted posts are stored: {before:?}"
    );
    parts.ok(&["scan", "first/posts.jsonl"]);
    assert_eq!(exported(&parts), expected);
    // Scanning again folds nothing in twice.
    parts.ok(&["scan", "first/posts.jsonl"]);
    assert_eq!(exported(&parts), expected);
}

#[test]
fn regression_18_a_re_encoded_picture_ties_its_posters() {
    let d = Dir::new();
    std::fs::create_dir_all(d.join("first")).unwrap_or_else(|e| panic!("{e}"));
    std::fs::create_dir_all(d.join("later")).unwrap_or_else(|e| panic!("{e}"));
    let (w, h) = (240u32, 180u32);
    let picture = vigie_sample::draw_image(5, w, h);
    let other = vigie_sample::draw_image(6, w, h);
    let write = |path: &str, bytes: Vec<u8>| {
        std::fs::write(d.join(path), bytes).unwrap_or_else(|e| panic!("{e}"));
    };
    write(
        "first/original.png",
        vigie_sample::encode_png(&picture, w, h).unwrap_or_else(|e| panic!("{e}")),
    );
    write(
        "first/other.png",
        vigie_sample::encode_png(&other, w, h).unwrap_or_else(|e| panic!("{e}")),
    );
    // The same picture, re-compressed: other bytes, a PDQ hash a few bits away.
    write(
        "later/copy.jpg",
        vigie_sample::encode_jpeg(&picture, w, h, 60).unwrap_or_else(|e| panic!("{e}")),
    );
    let with = |file: &str| format!(",\"media\":[{{\"path\":\"{file}\",\"type\":\"photo\"}}]");
    let t0 = 1_704_067_200;
    write(
        "first/posts.jsonl",
        (post(
            1,
            t0,
            ("1", "first_poster"),
            "a picture",
            &with("original.png"),
        ) + &post(
            2,
            t0,
            ("3", "someone_else"),
            "another picture",
            &with("other.png"),
        ))
            .into_bytes(),
    );
    write(
        "later/posts.jsonl",
        post(3, t0 + 600, ("2", "copier"), "look", &with("copy.jpg")).into_bytes(),
    );
    d.ok(&["scan", "first/posts.jsonl"]);
    d.ok(&["scan", "later/posts.jsonl"]);
    let (_, edges) = exported(&d);
    let shared: Vec<&String> = edges
        .iter()
        .filter(|e| e.contains(",shared_medium,"))
        .collect();
    assert_eq!(shared.len(), 1, "{edges:?}");
    assert!(shared[0].starts_with("x:1,x:2,"), "{edges:?}");
}
