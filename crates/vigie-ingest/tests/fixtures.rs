//! Data-driven adapter tests: every entry under `tests/data/<format>/` is scanned as a user would give it,
//! and the records are rendered to text and compared with `<entry>.expected`. Set `UPDATE_EXPECT=1` to
//! rewrite the expectations after a deliberate change, then review the diff.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use vigie_ingest::{ColumnMap, IngestOptions, discover, read};
use vigie_model::{Post, Record};

fn render_post(out: &mut String, p: &Post) {
    let _ = write!(out, "post {} {}", p.platform, p.platform_id);
    if let Some(a) = &p.account_id {
        let _ = write!(out, " by={a}");
    }
    if let Some(t) = p.created_at {
        let _ = write!(out, " at={t}");
    }
    if let Some(l) = &p.lang {
        let _ = write!(out, " lang={l}");
    }
    for r in &p.references {
        let target = r
            .target_post_id
            .as_deref()
            .or(r.target_account.as_deref())
            .unwrap_or("?");
        let _ = write!(out, " {}={target}", r.kind.as_str());
    }
    if !p.hashtags.is_empty() {
        let _ = write!(out, " tags={:?}", p.hashtags);
    }
    if !p.urls.is_empty() {
        let _ = write!(out, " urls={:?}", p.urls);
    }
    if !p.mentions.is_empty() {
        let _ = write!(out, " mentions={:?}", p.mentions);
    }
    for a in &p.attachments {
        let _ = write!(out, " [{}", a.kind.as_str());
        for (k, v) in [
            ("key", &a.media_key),
            ("url", &a.url),
            ("path", &a.source_path),
        ] {
            if let Some(v) = v {
                let _ = write!(out, " {k}={v}");
            }
        }
        if let (Some(w), Some(h)) = (a.width, a.height) {
            let _ = write!(out, " {w}x{h}");
        }
        let _ = write!(out, " readable={}]", a.file.is_some());
    }
    if let Some(s) = &p.source {
        let _ = write!(out, " @ {}", s.position);
    }
    if let Some(t) = &p.text {
        let _ = write!(out, " text={t:?}");
    }
    out.push('\n');
}

fn render(entry: &Path, options: &IngestOptions) -> String {
    let mut out = String::new();
    let found = match discover(&[entry.to_path_buf()]) {
        Ok(f) => f,
        Err(e) => return format!("error: {e}\n"),
    };
    for s in &found.skipped {
        let _ = writeln!(out, "skipped {}: {}", s.path.display(), s.reason);
    }
    for input in &found.inputs {
        let _ = writeln!(out, "input {} {}", input.format, input.display);
        let mut sink = |record: Record| {
            match record {
                Record::Account(a) => {
                    let _ = writeln!(
                        out,
                        "account {} {} handle={:?} name={:?} bio={:?} followers={:?} observed={:?}",
                        a.platform,
                        a.platform_id,
                        a.handle,
                        a.display_name,
                        a.bio,
                        a.followers,
                        a.observed_at.map(|t| t.to_string())
                    );
                }
                Record::Post(p) => render_post(&mut out, &p),
                Record::Media(m) => {
                    let _ = writeln!(out, "media {}", m.display_path);
                }
                Record::Quarantine(q) => {
                    let _ = writeln!(
                        out,
                        "QUARANTINE {} @ {}: {} (raw {} bytes)",
                        q.file,
                        q.position,
                        q.reason,
                        q.raw.len()
                    );
                }
            }
            Ok(())
        };
        if let Err(e) = read(input, options, &mut sink) {
            let _ = writeln!(out, "error: {e}");
        }
    }
    out
}

fn entries() -> Vec<PathBuf> {
    let mut all = Vec::new();
    for format in ["x-v2", "telegram", "jsonl", "csv", "media"] {
        let dir = Path::new("tests/data").join(format);
        let mut list: Vec<PathBuf> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
                name.starts_with(|c: char| c.is_ascii_digit())
                    && !name.ends_with(".expected")
                    && !name.ends_with(".map")
            })
            .collect();
        list.sort();
        all.extend(list);
    }
    all
}

#[test]
fn fixtures_match_expectations() {
    let update = std::env::var_os("UPDATE_EXPECT").is_some();
    let mut failures = Vec::new();
    let entries = entries();
    assert!(entries.len() >= 10, "fixtures missing: {entries:?}");
    for entry in entries {
        let mut options = IngestOptions::default();
        let map_file = PathBuf::from(format!("{}.map", entry.display()));
        if let Ok(map) = std::fs::read_to_string(&map_file) {
            options.csv_columns = ColumnMap::parse(map.lines().filter(|l| !l.trim().is_empty()))
                .unwrap_or_else(|e| panic!("{e}"));
        }
        let got = render(&entry, &options);
        let expected_file = PathBuf::from(format!("{}.expected", entry.display()));
        if update {
            std::fs::write(&expected_file, &got)
                .unwrap_or_else(|e| panic!("{}: {e}", expected_file.display()));
            continue;
        }
        let want = std::fs::read_to_string(&expected_file).unwrap_or_default();
        if got != want {
            failures.push(format!(
                "--- {}\n=== expected\n{want}=== got\n{got}",
                entry.display()
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} fixture(s) differ (UPDATE_EXPECT=1 to accept):\n{}",
        failures.len(),
        failures.join("\n")
    );
}
