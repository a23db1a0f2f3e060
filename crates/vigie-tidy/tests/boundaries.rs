//! The boundaries of ARCHITECTURE.md, checked on the sources and manifests: a violation fails with the rule's
//! name, and the file and line (or the manifest) that breaks it.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// The workspace root.
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A workspace crate: its package name, folder and `[dependencies]`.
struct Crate {
    name: String,
    dir: PathBuf,
    dependencies: BTreeSet<String>,
}

fn crates() -> Vec<Crate> {
    let mut out = Vec::new();
    let dirs = std::fs::read_dir(root().join("crates")).expect("crates/ is readable");
    for dir in dirs {
        let dir = dir.expect("crates/ lists").path();
        let manifest = dir.join("Cargo.toml");
        let Ok(text) = std::fs::read_to_string(&manifest) else {
            continue;
        };
        let table: toml::Table = text
            .parse()
            .unwrap_or_else(|e| panic!("{}: {e}", manifest.display()));
        let name = table["package"]["name"]
            .as_str()
            .expect("a package name")
            .to_owned();
        let dependencies = table
            .get("dependencies")
            .and_then(toml::Value::as_table)
            .map(|t| t.keys().cloned().collect())
            .unwrap_or_default();
        out.push(Crate {
            name,
            dir,
            dependencies,
        });
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    assert!(out.len() >= 10, "the workspace's crates were not found");
    out
}

/// The `.rs` files under `dir`, recursively, in name order.
fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// The lines of code of a source file with their numbers: comment lines (`//`, `///`, `//!`) left out.
fn code_lines(path: &Path) -> Vec<(usize, String)> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim_start().starts_with("//"))
        .map(|(i, l)| (i + 1, l.to_owned()))
        .collect()
}

fn relative(path: &Path) -> String {
    let root = root().canonicalize().unwrap_or_else(|_| root());
    let path = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
    path.strip_prefix(&root)
        .unwrap_or(&path)
        .display()
        .to_string()
}

/// The lines of the sources (`src/`) of every crate not in `allowed` that contain one of `patterns`.
fn source_hits(allowed: &[&str], patterns: &[&str]) -> Vec<String> {
    let mut out = Vec::new();
    for c in crates()
        .iter()
        .filter(|c| !allowed.contains(&c.name.as_str()))
    {
        for file in rust_files(&c.dir.join("src")) {
            for (n, line) in code_lines(&file) {
                if let Some(p) = patterns.iter().find(|p| line.contains(**p)) {
                    out.push(format!(
                        "{}:{n}: `{p}` in `{}`",
                        relative(&file),
                        line.trim()
                    ));
                }
            }
        }
    }
    out
}

/// The crates not in `allowed` whose `[dependencies]` name one of `dependencies`.
fn manifest_hits(allowed: &[&str], dependencies: &[&str]) -> Vec<String> {
    crates()
        .iter()
        .filter(|c| !allowed.contains(&c.name.as_str()))
        .flat_map(|c| {
            dependencies
                .iter()
                .filter(|d| c.dependencies.contains(**d))
                .map(move |d| format!("{}/Cargo.toml depends on `{d}`", relative(&c.dir)))
        })
        .collect()
}

fn check(rule: &str, why: &str, violations: &[String]) {
    assert!(
        violations.is_empty(),
        "rule `{rule}` ({why}) is broken:\n  {}",
        violations.join("\n  ")
    );
}

#[test]
fn sql_only_in_store() {
    let mut v = source_hits(
        &["vigie-store"],
        &[
            "SELECT ",
            "INSERT INTO ",
            "DELETE FROM ",
            "CREATE TABLE",
            "CREATE INDEX",
            "ALTER TABLE",
            "PRAGMA ",
        ],
    );
    v.extend(manifest_hits(&["vigie-store"], &["rusqlite", "postgres"]));
    check(
        "sql-only-in-store",
        "only vigie-store contains SQL and talks to databases",
        &v,
    );
}

#[test]
fn formats_only_in_ingest() {
    // vigie-sample writes every format (the synthetic corpus and the benchmark streams).
    let allowed = ["vigie-ingest", "vigie-sample"];
    let mut v = source_hits(
        &allowed,
        &[
            "referenced_tweets",
            "public_metrics",
            "note_tweet",
            "edit_history_tweet_ids",
            "text_entities",
            "\"from_id\"",
            "forwarded_from",
            "WARC-Type",
            "WARC/1.",
        ],
    );
    v.extend(manifest_hits(&allowed, &["sonic-rs"]));
    check(
        "formats-only-in-ingest",
        "only vigie-ingest knows export formats",
        &v,
    );
}

#[test]
fn media_bytes_only_in_media() {
    // vigie-sample encodes the images it generates and counts what it wrote.
    let allowed = ["vigie-media", "vigie-sample"];
    let mut v = source_hits(
        &allowed,
        &[
            r"\x89PNG",
            "GIF87a",
            "GIF89a",
            "0xFF, 0xD8",
            "b\"RIFF\"",
            "b\"WEBP\"",
            "b\"ftyp\"",
            "0x1A, 0x45, 0xDF, 0xA3",
        ],
    );
    v.extend(manifest_hits(
        &allowed,
        &[
            "image",
            "imagesize",
            "infer",
            "mozjpeg",
            "mozjpeg-sys",
            "md-5",
        ],
    ));
    check(
        "media-bytes-only-in-media",
        "only vigie-media hashes or inspects media bytes",
        &v,
    );
}

#[test]
fn anyhow_only_in_binary() {
    check(
        "anyhow-only-in-binary",
        "libraries return typed errors; only the vigie and vigie-bench binaries use anyhow",
        &manifest_hits(&["vigie-cli", "vigie-bench"], &["anyhow"]),
    );
}

/// ARCHITECTURE.md, whole.
fn architecture() -> String {
    std::fs::read_to_string(root().join("ARCHITECTURE.md")).expect("ARCHITECTURE.md is readable")
}

#[test]
fn unsafe_only_where_listed() {
    let doc = architecture();
    let section = doc
        .split("\n## Unsafe code\n")
        .nth(1)
        .and_then(|rest| rest.split("\n## ").next())
        .expect("ARCHITECTURE.md has a section `## Unsafe code`");
    let listed: BTreeSet<String> = section
        .lines()
        .filter_map(|l| l.strip_prefix("- `"))
        .filter_map(|l| l.split('`').next())
        .map(str::to_owned)
        .collect();
    let markers = [
        "unsafe {",
        "unsafe fn",
        "unsafe impl",
        "unsafe extern",
        "unsafe trait",
        "allow(unsafe_code)",
    ];
    let mut found = BTreeSet::new();
    let mut v = Vec::new();
    // This crate names the markers it looks for, and has no unsafe code.
    for c in crates().into_iter().filter(|c| c.name != "vigie-tidy") {
        for file in rust_files(&c.dir) {
            let name = relative(&file);
            if name.contains("/target/") {
                continue;
            }
            let hits: Vec<usize> = code_lines(&file)
                .into_iter()
                .filter(|(_, l)| markers.iter().any(|m| l.contains(m)))
                .map(|(n, _)| n)
                .collect();
            if hits.is_empty() {
                continue;
            }
            found.insert(name.clone());
            if !listed.contains(&name) {
                v.push(format!(
                    "{name}:{}: unsafe code in a file ARCHITECTURE.md does not list",
                    hits[0]
                ));
            }
        }
    }
    for stale in listed.difference(&found) {
        v.push(format!(
            "ARCHITECTURE.md lists {stale}, which has no unsafe code"
        ));
    }
    check(
        "unsafe-only-where-listed",
        "every file with unsafe code is listed, with why, in ARCHITECTURE.md",
        &v,
    );
}

#[test]
fn dependency_table_matches_manifests() {
    let doc = architecture();
    let crates = crates();
    let names: BTreeSet<&str> = crates.iter().map(|c| c.name.as_str()).collect();
    let mut v = Vec::new();
    let mut rows = BTreeSet::new();
    for line in doc.lines().filter(|l| l.starts_with("| `vigie-")) {
        let name = line
            .trim_start_matches("| `")
            .split('`')
            .next()
            .unwrap_or_default();
        let cells: Vec<&str> = line.trim_end().trim_end_matches('|').split('|').collect();
        let listed_cell = cells.last().map_or("", |c| c.trim());
        let listed: BTreeSet<String> = if listed_cell == "none" {
            BTreeSet::new()
        } else {
            listed_cell
                .split(',')
                .filter_map(|entry| entry.split('`').nth(1))
                .map(|d| {
                    let internal = format!("vigie-{d}");
                    if names.contains(internal.as_str()) {
                        internal
                    } else {
                        d.to_owned()
                    }
                })
                .collect()
        };
        rows.insert(name.to_owned());
        let Some(c) = crates.iter().find(|c| c.name == name) else {
            v.push(format!(
                "ARCHITECTURE.md has a row for `{name}`, which is no crate"
            ));
            continue;
        };
        for missing in c.dependencies.difference(&listed) {
            v.push(format!(
                "`{name}` depends on `{missing}`, which its row does not list"
            ));
        }
        for extra in listed.difference(&c.dependencies) {
            v.push(format!(
                "the row of `{name}` lists `{extra}`, which its Cargo.toml does not depend on"
            ));
        }
    }
    for c in &crates {
        if !rows.contains(&c.name) {
            v.push(format!(
                "`{}` has no row in ARCHITECTURE.md's crate table",
                c.name
            ));
        }
    }
    check(
        "dependency-table-matches-manifests",
        "ARCHITECTURE.md's crate table names each crate's dependencies exactly",
        &v,
    );
}

#[test]
fn store_backends_share_only_neutral_code() {
    let src = root().join("crates/vigie-store/src");
    // What each backend's folder may not name: the other backend's module (and its client library).
    let rules = [
        ("sqlite", ["crate::postgres", "postgres::"]),
        ("postgres", ["sqlite", "rusqlite"]),
    ];
    let mut v = Vec::new();
    for (backend, forbidden) in rules {
        for file in rust_files(&src.join(backend)) {
            for (n, line) in code_lines(&file) {
                if forbidden.iter().any(|f| line.contains(f)) {
                    v.push(format!("{}:{n}: {}", relative(&file), line.trim()));
                }
            }
        }
    }
    check(
        "store-backends-share-only-neutral-code",
        "the SQLite and PostgreSQL folders of vigie-store import nothing from each other; what both use lives in \
         rows.rs, rules.rs and audited.rs",
        &v,
    );
}
