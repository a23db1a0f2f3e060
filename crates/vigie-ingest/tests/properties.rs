//! Properties every adapter keeps on arbitrary input: no panic, every record accounted for, nothing read
//! outside the export folder.

use proptest::prelude::*;
use std::path::Path;
use vigie_ingest::{IngestOptions, Input, read, safe_join};
use vigie_model::{Format, Record};

fn read_bytes(format: Format, name: &str, body: &[u8]) -> Vec<Record> {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let path = dir.path().join(name);
    std::fs::write(&path, body).unwrap_or_else(|e| panic!("{e}"));
    let input = Input {
        format,
        path,
        root: dir.path().to_path_buf(),
        display: name.to_owned(),
        lines: name.ends_with(".jsonl"),
        files: Vec::new(),
    };
    let options = IngestOptions {
        max_record_bytes: 4096,
        ..IngestOptions::default()
    };
    let mut records = Vec::new();
    // Reading must succeed (a bad record is quarantined, never an error for a readable file) and never panic.
    read(&input, &options, &mut |r| {
        records.push(r);
        Ok(())
    })
    .unwrap_or_else(|e| panic!("{format}: {e}"));
    records
}

/// JSON-ish text: fragments of the real formats shuffled with noise, so the parsers get past the first byte.
fn jsonish() -> impl Strategy<Value = Vec<u8>> {
    let pieces = prop::sample::select(vec![
        "{",
        "}",
        "[",
        "]",
        ",",
        ":",
        "\"",
        "\"data\"",
        "\"includes\"",
        "\"users\"",
        "\"id\"",
        "\"text\"",
        "\"messages\"",
        "\"photo\"",
        "\"../x\"",
        "\"/etc/passwd\"",
        "\"created_at\"",
        "\"2024-01-01T00:00:00Z\"",
        "1",
        "-7",
        "1e309",
        "null",
        "true",
        "\"\\u0000\"",
        "\"\\ud800\"",
        "\n",
        " ",
        "\u{202e}",
        "é",
        "\u{0627}",
    ]);
    (
        prop::collection::vec(pieces, 0..120),
        prop::collection::vec(any::<u8>(), 0..8),
    )
        .prop_map(|(parts, noise)| {
            let mut bytes = parts.concat().into_bytes();
            for (i, b) in noise.into_iter().enumerate() {
                let at = (i * 37) % (bytes.len() + 1);
                bytes.insert(at, b);
            }
            bytes
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn x_adapter_never_panics(body in jsonish()) {
        read_bytes(Format::XV2, "r.jsonl", &body);
    }

    #[test]
    fn telegram_adapter_never_panics(body in jsonish()) {
        read_bytes(Format::Telegram, "result.json", &body);
    }

    #[test]
    fn jsonl_adapter_quarantines_or_reads_every_line(body in jsonish()) {
        let records = read_bytes(Format::Jsonl, "p.jsonl", &body);
        let lines = body.split(|&b| b == b'\n').filter(|l| !l.iter().all(u8::is_ascii_whitespace)).count();
        let posts_or_bad = records.iter().filter(|r| matches!(r, Record::Post(_) | Record::Quarantine(_))).count();
        // Every non-blank line gives a post, an account, or at least one quarantine record.
        let accounts_only = records.iter().filter(|r| matches!(r, Record::Account(_))).count();
        prop_assert!(posts_or_bad + accounts_only >= lines, "{} lines, {} records", lines, records.len());
    }

    #[test]
    fn csv_adapter_never_panics(rows in prop::collection::vec(prop::collection::vec("[a-z0-9\",\n|é\\\\]{0,12}", 0..6), 0..12)) {
        let mut body = String::from("id,text,hashtags,media\n");
        for row in rows {
            body.push_str(&row.join(","));
            body.push('\n');
        }
        read_bytes(Format::Csv, "p.csv", body.as_bytes());
    }

    #[test]
    fn safe_join_never_leaves_the_root(parts in prop::collection::vec(prop::sample::select(vec!["a", "b", "..", ".", "", "/", "\\", "c.jpg", "C:"]), 0..8)) {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let root = dir.path().join("export");
        std::fs::create_dir_all(root.join("a/b")).unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(root.join("a/b/c.jpg"), b"x").unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(root.join("c.jpg"), b"x").unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(dir.path().join("c.jpg"), b"outside").unwrap_or_else(|e| panic!("{e}"));
        let written = parts.join("/");
        if let Ok(path) = safe_join(&root, &written) {
            let canonical = path.canonicalize().unwrap_or_else(|e| panic!("{e}"));
            let root = root.canonicalize().unwrap_or_else(|e| panic!("{e}"));
            prop_assert!(canonical.starts_with(&root), "{written:?} resolved to {}", canonical.display());
            prop_assert!(Path::new(&canonical).is_file());
        }
    }
}
