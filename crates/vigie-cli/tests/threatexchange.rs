//! python-threatexchange, both ways, with the real tool: a virtual environment gets `threatexchange` from PyPI
//! (pinned), then what it writes (`threatexchange hash` lines, its dataset CSV, its signal type names) is imported
//! into Vigie banks, and what `vigie bank export --list-format threatexchange` writes loads in `threatexchange`
//! (its `local_file` exchange) with the same hashes, and matches the images they came from.
//!
//! The environment is made once under `target/` and reused. Set `VIGIE_SKIP_THREATEXCHANGE=1` to skip on a
//! machine without network access to PyPI (CI never sets it).

#[allow(dead_code)]
mod util;

use std::path::{Path, PathBuf};
use std::process::Command;
use util::{Dir, show};

/// The release tested against.
const THREATEXCHANGE: &str = "threatexchange==1.2.17";

/// The virtual environment with `threatexchange` installed (made on first use), or `None` when skipped.
fn venv() -> Option<PathBuf> {
    util::venv(
        "threatexchange-venv",
        THREATEXCHANGE,
        "VIGIE_SKIP_THREATEXCHANGE",
    )
}

/// Runs `threatexchange ARGS` with its state in the test's folder; asserts success and returns stdout.
fn tx(venv: &Path, d: &Dir, args: &[&str]) -> String {
    let out = Command::new(venv.join("bin/threatexchange"))
        .args(args)
        .current_dir(d.path())
        .env("TX_STATEDIR", d.join("txstate"))
        .env("HOME", d.path())
        .output()
        .unwrap_or_else(|e| panic!("threatexchange: {e}"));
    assert!(
        out.status.success(),
        "threatexchange {args:?} failed:\n{}",
        show(&out)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn write_jpeg(path: &Path, seed: u64) {
    let rgb = vigie_sample::draw_image(seed, 320, 240);
    let jpeg = vigie_sample::encode_jpeg(&rgb, 320, 240, 90).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(path, jpeg).unwrap_or_else(|e| panic!("{e}"));
}

fn vigie_pdq(d: &Dir, file: &str) -> String {
    let out = d.ok(&["hash", "--output", "jsonl", file]);
    let v: serde_json::Value = serde_json::from_str(out.trim()).unwrap_or_else(|e| panic!("{e}"));
    v["pdq"].as_str().unwrap_or_default().to_owned()
}

/// The values of a bank's live entries, sorted.
fn bank_values(d: &Dir, bank: &str) -> Vec<(String, String)> {
    let shown = d.json(&["bank", "show", bank, "--limit", "1000"]);
    let mut out: Vec<(String, String)> = shown["entries"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|e| {
            (
                e["signal"].as_str().unwrap_or_default().to_owned(),
                e["value"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    out.sort();
    out
}

#[test]
fn regression_16_python_threatexchange_files_import_and_vigie_exports_load_in_it() {
    let Some(venv) = venv() else { return };
    let d = Dir::new();
    for (i, name) in ["one.jpg", "two.jpg", "three.jpg"].iter().enumerate() {
        write_jpeg(&d.join(name), 40 + i as u64);
    }
    let mut clip = b"\0\0\0\x18ftypmp42\0\0\0\0mp42isom".to_vec();
    clip.extend_from_slice(&[3u8; 500]);
    std::fs::write(d.join("clip.mp4"), clip).unwrap_or_else(|e| panic!("{e}"));

    // threatexchange -> Vigie: its `hash` output (its type names) imports with the same hashes Vigie computes.
    let mut hashed = String::new();
    for file in ["one.jpg", "two.jpg"] {
        hashed.push_str(&tx(&venv, &d, &["hash", "photo", file]));
    }
    hashed.push_str(&tx(&venv, &d, &["hash", "video", "clip.mp4"]));
    std::fs::write(d.join("hashed.txt"), &hashed).unwrap_or_else(|e| panic!("{e}"));
    let imported = d.json(&["bank", "import", "te", "hashed.txt", "--create"]);
    assert_eq!(imported[0]["added"], 4, "{imported}\n{hashed}");
    assert_eq!(imported[0]["invalid"], 0, "{imported}\n{hashed}");
    let (pdq1, pdq2) = (vigie_pdq(&d, "one.jpg"), vigie_pdq(&d, "two.jpg"));
    assert!(
        hashed.contains(&format!("pdq {pdq1}")),
        "bit-exact PDQ: {hashed} vs {pdq1}"
    );
    let values = bank_values(&d, "te");
    assert!(values.contains(&("pdq".into(), pdq1.clone())), "{values:?}");
    assert!(values.contains(&("pdq".into(), pdq2.clone())), "{values:?}");
    assert_eq!(
        values.iter().filter(|v| v.0 == "md5").count(),
        1,
        "{values:?}"
    );
    assert_eq!(
        values.iter().filter(|v| v.0 == "sha256").count(),
        1,
        "{values:?}"
    );

    // Its dataset CSV (the sample collaboration's signals, with no exchange configured): hash rows import, with
    // their collaboration, category and tags as labels; the other signal types (text, URLs) are set aside with
    // their line and reason.
    let csv = tx(&venv, &d, &["dataset", "-P", "--csv"]);
    std::fs::write(d.join("dataset.csv"), &csv).unwrap_or_else(|e| panic!("{e}"));
    let wanted: Vec<String> = csv
        .lines()
        .filter(|l| {
            ["pdq,", "video_md5,", "video_sha256,"]
                .iter()
                .any(|t| l.starts_with(t))
        })
        .map(|l| l.split(',').nth(1).unwrap_or_default().to_owned())
        .collect();
    assert!(wanted.len() >= 10, "{csv}");
    let imported = d.json(&["bank", "import", "sample", "dataset.csv", "--create"]);
    assert_eq!(imported[0]["added"], wanted.len(), "{imported}");
    assert!(
        imported[0]["invalid"].as_u64().unwrap_or(0) > 0,
        "{imported}"
    );
    let shown = d.json(&["bank", "show", "sample", "--limit", "1000"]);
    let first = &shown["entries"][0];
    assert!(first["labels"]["collab"].is_string(), "{first}");
    assert!(first["labels"]["category"].is_string(), "{first}");
    let mut stored: Vec<String> = bank_values(&d, "sample").into_iter().map(|v| v.1).collect();
    let mut wanted = wanted;
    stored.sort();
    wanted.sort();
    wanted.dedup();
    assert_eq!(stored, wanted);

    // Vigie -> threatexchange: the export loads through its local_file exchange with identical hashes, labels
    // beside, and the images match the hashes (the third image, not in the bank, matches nothing).
    std::fs::write(d.join("labelled.txt"), format!("pdq {pdq1} origin=vigie\n"))
        .unwrap_or_else(|e| panic!("{e}"));
    d.ok(&["bank", "import", "te", "labelled.txt"]);
    let out = d.run(&[
        "bank",
        "export",
        "te",
        "--list-format",
        "threatexchange",
        "--output",
        "vigie-te.txt",
    ]);
    assert!(out.status.success(), "{}", show(&out));
    let exported =
        std::fs::read_to_string(d.join("vigie-te.txt")).unwrap_or_else(|e| panic!("{e}"));
    for line in exported.lines() {
        assert_eq!(
            line.split(' ').count(),
            2,
            "nothing after the hash: {line:?}"
        );
    }
    assert!(exported.contains(&format!("pdq {pdq1}\n")), "{exported}");
    assert!(exported.contains("video_md5 "), "{exported}");
    let side = std::fs::read_to_string(d.join("vigie-te.txt.labels.csv"))
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(side.starts_with("signal_type,signal_str,"), "{side}");
    let file = d.join("vigie-te.txt").display().to_string();
    tx(
        &venv,
        &d,
        &[
            "config",
            "collab",
            "edit",
            "local_file",
            "--create",
            "--filename",
            &file,
            "vigie",
        ],
    );
    tx(&venv, &d, &["fetch"]);
    let mut loaded: Vec<String> = tx(&venv, &d, &["dataset", "-P", "-S"])
        .lines()
        .map(|l| l.trim().to_owned())
        .filter(|l| !l.is_empty())
        .collect();
    let mut sent: Vec<String> = exported.lines().map(str::to_owned).collect();
    loaded.sort();
    sent.sort();
    assert_eq!(
        loaded, sent,
        "threatexchange holds exactly the exported hashes"
    );
    let matched = tx(&venv, &d, &["match", "-A", "photo", "one.jpg"]);
    assert!(matched.contains("pdq 0 (vigie)"), "{matched}");
    let matched = tx(&venv, &d, &["match", "-A", "photo", "three.jpg"]);
    assert!(!matched.contains("(vigie)"), "{matched}");

    // The side file brings the labels back into Vigie.
    let imported = d.json(&[
        "bank",
        "import",
        "back",
        "vigie-te.txt.labels.csv",
        "--create",
    ]);
    assert_eq!(imported[0]["added"], 4, "{imported}");
    let back = d.json(&["bank", "show", "back", "--limit", "10"]);
    let entry = back["entries"]
        .as_array()
        .and_then(|a| a.iter().find(|e| e["value"] == pdq1.as_str()).cloned())
        .unwrap_or_default();
    assert_eq!(entry["labels"]["origin"], "vigie", "{back}");
}
