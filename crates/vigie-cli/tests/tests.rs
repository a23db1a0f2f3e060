//! End-to-end tests of the `vigie` binary on generated corpora.

#[allow(dead_code)]
mod util;

use std::io::BufWriter;
use std::path::Path;
use std::time::Duration;
use util::{Dir, fresh_postgres_db, postgres_admin_url, show};

/// Writes the sample corpus into `dir/corpus` and returns what the generator says it planted.
fn sample(d: &Dir) -> serde_json::Value {
    d.json(&["sample", "--out", "corpus"])
}

fn digest(d: &Dir, db: &str) -> String {
    let v = d.json(&["--db", db, "stats", "--digest"]);
    v["digest"]["sha256"]
        .as_str()
        .unwrap_or_else(|| panic!("no digest in {v}"))
        .to_owned()
}

fn count(v: &serde_json::Value, list: &str, key: &str) -> i64 {
    v[list]
        .as_array()
        .into_iter()
        .flatten()
        .find(|c| c["key"] == key)
        .and_then(|c| c["count"].as_i64())
        .unwrap_or(0)
}

#[test]
fn scan_of_the_sample_corpus_stores_every_format() {
    let d = Dir::new();
    sample(&d);
    let out = d.json(&["scan", "corpus"]);
    let scan = &out["scan"];
    let store = &out["store"];
    let formats: Vec<&str> = scan["inputs"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|i| i["format"].as_str())
        .collect();
    for f in ["x-v2", "telegram", "jsonl", "csv", "media"] {
        assert!(
            formats.contains(&f),
            "format {f} not detected in {formats:?}"
        );
    }
    assert!(store["accounts"].as_i64().unwrap_or(0) >= 100, "{store}");
    assert!(store["posts"].as_i64().unwrap_or(0) >= 1000, "{store}");
    assert!(store["media"].as_i64().unwrap_or(0) >= 10, "{store}");
    for lang in ["fr", "en", "ar"] {
        assert!(
            count(store, "posts_per_language", lang) > 50,
            "too few {lang} posts: {store}"
        );
    }
    for platform in ["x", "telegram"] {
        assert!(
            count(store, "posts_per_platform", platform) > 0,
            "no {platform} posts: {store}"
        );
    }
    // The planted malformed records are quarantined, and the run still succeeds.
    let quarantined = scan["totals"]["quarantined"].as_i64().unwrap_or(0);
    assert!(
        quarantined >= 8,
        "expected the planted bad records in quarantine, got {quarantined}"
    );
    assert_eq!(store["quarantined"].as_i64(), Some(quarantined));
    // Reposted images are stored once: fewer media than attachments with bytes.
    let text = d.ok(&["quarantine", "--limit", "100"]);
    assert!(
        text.contains("outside.jpg"),
        "path escape not quarantined:\n{text}"
    );
    let check = d.json(&["check"]);
    assert_eq!(check["ok"], true, "{check}");
}

#[test]
fn text_summary_names_the_counts_and_first_reasons() {
    let d = Dir::new();
    sample(&d);
    let out = d.ok(&["scan", "corpus"]);
    for needle in [
        "posts per platform:",
        "posts per language:",
        "Quarantined",
        "telegram",
        "x-v2",
    ] {
        assert!(out.contains(needle), "summary lacks {needle:?}:\n{out}");
    }
    let stats = d.ok(&["stats"]);
    assert!(stats.contains("posts per language:"), "{stats}");
}

#[test]
fn rescanning_the_same_files_adds_nothing() {
    let d = Dir::new();
    sample(&d);
    d.ok(&["scan", "corpus"]);
    let first = digest(&d, "vigie.db");
    let stats1 = d.json(&["stats"]);
    d.ok(&["scan", "corpus"]);
    assert_eq!(
        digest(&d, "vigie.db"),
        first,
        "a second scan changed the content"
    );
    let stats2 = d.json(&["stats"]);
    for k in [
        "accounts",
        "observations",
        "posts",
        "attachments",
        "media",
        "quarantined",
    ] {
        assert_eq!(stats1[k], stats2[k], "{k} changed on re-import");
    }
    assert_eq!(
        stats2["imports"].as_i64(),
        Some(2 * stats1["imports"].as_i64().unwrap_or(0))
    );
}

/// Issue 2: a scan killed with SIGKILL at any moment and run again ends with the same content as a scan that
/// was never interrupted.
#[test]
fn regression_2_killed_scan_converges_on_rescan() {
    let d = Dir::new();
    sample(&d);
    std::fs::create_dir_all(d.join("corpus/big")).unwrap_or_else(|e| panic!("{e}"));
    let file = std::fs::File::create(d.join("corpus/big/responses.jsonl"))
        .unwrap_or_else(|e| panic!("{e}"));
    vigie_sample::write_x_v2_jsonl(BufWriter::new(file), 40_000, 3_000, 11)
        .unwrap_or_else(|e| panic!("{e}"));

    d.ok(&["--db", "reference.db", "scan", "corpus"]);
    let reference = digest(&d, "reference.db");

    let mut interrupted = 0;
    for delay_ms in [40, 150, 400, 800, 1500, 2500] {
        let mut child = d
            .vigie(&["--db", "killed.db", "scan", "corpus"])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("{e}"));
        std::thread::sleep(Duration::from_millis(delay_ms));
        if child.try_wait().ok().flatten().is_none() {
            interrupted += 1;
        }
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();
    }
    assert!(
        interrupted >= 3,
        "only {interrupted} scans were still running when killed: the test proved nothing"
    );
    let imports = d.json(&["--db", "killed.db", "imports", "--limit", "1000"]);
    let running = imports
        .as_array()
        .into_iter()
        .flatten()
        .filter(|i| i["status"] == "running")
        .count();
    assert!(running >= 1, "no import was left running by the kills");

    d.ok(&["--db", "killed.db", "scan", "corpus"]);
    assert_eq!(
        digest(&d, "killed.db"),
        reference,
        "content after kill + rescan differs from an uninterrupted scan"
    );
    assert_eq!(d.json(&["--db", "killed.db", "check"])["ok"], true);

    // Every stored media file is whole: its name is the SHA-256 of its bytes.
    let mut checked = 0;
    for dir in ["killed-media", "reference-media"] {
        let mut stack = vec![d.join(dir)];
        while let Some(p) = stack.pop() {
            for e in std::fs::read_dir(&p)
                .unwrap_or_else(|e| panic!("{}: {e}", p.display()))
                .flatten()
            {
                let path = e.path();
                if path.is_dir() {
                    if path.file_name().is_some_and(|n| n != "tmp") {
                        stack.push(path);
                    }
                    continue;
                }
                let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{e}"));
                let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
                assert_eq!(
                    vigie_media::digests(&bytes).sha256,
                    name,
                    "partial or wrong media file {}",
                    path.display()
                );
                checked += 1;
            }
        }
    }
    assert!(checked > 0, "no media files were stored");
}

#[test]
fn a_path_that_does_not_exist_is_a_clear_error() {
    let d = Dir::new();
    let out = d.run(&["scan", "no/such/export.json"]);
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("no/such/export.json"),
        "error does not name the path: {err}"
    );
}

#[test]
fn an_unknown_file_given_directly_is_a_clear_error() {
    let d = Dir::new();
    std::fs::write(d.join("notes.txt"), "hello").unwrap_or_else(|e| panic!("{e}"));
    let out = d.run(&["scan", "notes.txt"]);
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("notes.txt"));
}

#[test]
fn usage_errors_exit_2() {
    let d = Dir::new();
    assert_eq!(d.run(&["scan"]).status.code(), Some(2));
    assert_eq!(d.run(&["no-such-command"]).status.code(), Some(2));
    let bad_map = d.run(&["scan", ".", "--map", "nonsense"]);
    assert_ne!(bad_map.status.code(), Some(0), "{}", show(&bad_map));
}

#[test]
fn csv_with_other_column_names_is_read_through_a_mapping() {
    let d = Dir::new();
    std::fs::write(
        d.join("export.csv"),
        "tweet_id,content,user\nt1,Bonjour à tous,alice\nt2,Hello all,bob\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let unmapped = d.run(&["scan", "export.csv"]);
    assert!(
        String::from_utf8_lossy(&unmapped.stdout).contains("no `id` column"),
        "{}",
        show(&unmapped)
    );
    d.ok(&[
        "scan",
        "export.csv",
        "--map",
        "id=tweet_id",
        "--map",
        "text=content",
        "--map",
        "account_handle=user",
        "--platform",
        "x",
    ]);
    let posts = d.json(&["posts", "--account", "@alice"]);
    let list = posts.as_array().cloned().unwrap_or_default();
    assert_eq!(list.len(), 1, "{posts}");
    assert_eq!(list[0]["post"]["text"], "Bonjour à tous");
    assert_eq!(list[0]["post"]["platform"], "x");
}

#[test]
fn posts_and_accounts_listings() {
    let d = Dir::new();
    sample(&d);
    d.ok(&["scan", "corpus"]);
    let accounts = d.json(&["accounts", "--platform", "x", "--limit", "5", "--history"]);
    let list = accounts.as_array().cloned().unwrap_or_default();
    assert_eq!(list.len(), 5, "{accounts}");
    let handle = list[0]["account"]["handle"]
        .as_str()
        .unwrap_or_else(|| panic!("no handle: {}", list[0]))
        .to_owned();
    assert!(list[0]["posts"].as_i64().unwrap_or(0) > 0);
    let posts = d.json(&["posts", "--account", &handle, "--limit", "1000"]);
    let posts = posts.as_array().cloned().unwrap_or_default();
    assert_eq!(
        posts.len() as i64,
        list[0]["posts"].as_i64().unwrap_or(-1),
        "posts --account {handle}"
    );
    assert!(posts.iter().all(|p| p["handle"] == handle.as_str()));
    // Some X accounts changed their profile between responses: their history has several states.
    let many = d.json(&[
        "accounts",
        "--platform",
        "x",
        "--limit",
        "1000",
        "--history",
    ]);
    let changed = many
        .as_array()
        .into_iter()
        .flatten()
        .filter(|a| a["observations"].as_i64().unwrap_or(0) >= 2)
        .count();
    assert!(changed >= 1, "no account with more than one observed state");
    let text = d.ok(&["posts", "--account", &format!("@{handle}"), "--limit", "3"]);
    assert!(text.contains(&format!("@{handle}")), "{text}");
}

#[test]
fn symbolic_links_in_a_media_folder_are_not_followed() {
    let d = Dir::new();
    std::fs::create_dir_all(d.join("media")).unwrap_or_else(|e| panic!("{e}"));
    let rgb = vigie_sample::draw_image(3, 32, 24);
    let png = vigie_sample::encode_png(&rgb, 32, 24).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(d.join("media/a.png"), &png).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(d.join("outside.png"), &png[..png.len() - 1]).unwrap_or_else(|e| panic!("{e}"));
    std::os::unix::fs::symlink(d.join("outside.png"), d.join("media/link.png"))
        .unwrap_or_else(|e| panic!("{e}"));
    let out = d.json(&["scan", "media"]);
    assert_eq!(out["store"]["media"].as_i64(), Some(1), "{out}");
    let skipped = out["scan"]["skipped"].to_string();
    assert!(
        skipped.contains("link.png") && skipped.contains("symbolic link"),
        "{skipped}"
    );
}

#[test]
fn postgres_store_holds_the_same_content_as_sqlite() {
    let Some(admin) = postgres_admin_url() else {
        return;
    };
    let d = Dir::new();
    sample(&d);
    let url = fresh_postgres_db(&admin, "same_content");
    d.ok(&["--db", "lite.db", "scan", "corpus"]);
    d.ok(&["--db", &url, "--media-dir", "pg-media", "scan", "corpus"]);
    assert_eq!(
        digest(&d, &url),
        digest(&d, "lite.db"),
        "PostgreSQL and SQLite stores differ"
    );
    d.ok(&["--db", &url, "--media-dir", "pg-media", "scan", "corpus"]);
    assert_eq!(
        digest(&d, &url),
        digest(&d, "lite.db"),
        "re-import changed the PostgreSQL store"
    );
}

/// A PNG file holding only its signature and header: enough for a decoder to read the size it claims.
fn png_header_only(width: u32, height: u32) -> Vec<u8> {
    fn crc32(bytes: &[u8]) -> u32 {
        let mut crc = !0u32;
        for &b in bytes {
            crc ^= u32::from(b);
            for _ in 0..8 {
                crc = if crc & 1 == 1 {
                    (crc >> 1) ^ 0xEDB8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }
    let mut ihdr = b"IHDR".to_vec();
    ihdr.extend(width.to_be_bytes());
    ihdr.extend(height.to_be_bytes());
    ihdr.extend([8, 2, 0, 0, 0]);
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    png.extend(13u32.to_be_bytes());
    png.extend(&ihdr);
    png.extend(crc32(&ihdr).to_be_bytes());
    png
}

#[test]
fn hash_reports_each_bad_file_and_hashes_the_rest() {
    let d = Dir::new();
    std::fs::create_dir(d.join("media")).unwrap_or_else(|e| panic!("{e}"));
    let write = |name: &str, bytes: &[u8]| {
        std::fs::write(d.join("media").join(name), bytes).unwrap_or_else(|e| panic!("{e}"))
    };
    let rgb = vigie_sample::draw_image(7, 320, 240);
    let jpeg = vigie_sample::encode_jpeg(&rgb, 320, 240, 90).unwrap_or_else(|e| panic!("{e}"));
    write(
        "a-good.png",
        &vigie_sample::encode_png(&rgb, 320, 240).unwrap_or_else(|e| panic!("{e}")),
    );
    write("b-good.jpg", &jpeg);
    write("c-corrupt.jpg", &jpeg[..jpeg.len() / 2]);
    write("d-bomb.png", &png_header_only(200_000, 200_000));
    let one = vigie_sample::encode_png(&[10, 20, 30], 1, 1).unwrap_or_else(|e| panic!("{e}"));
    write("e-one-pixel.png", &one);
    write("f-notes.txt", b"not an image");

    let out = d.run(&["hash", "--output", "jsonl", "media"]);
    assert_eq!(out.status.code(), Some(3), "{}", show(&out));
    let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    let names: Vec<&str> = lines
        .iter()
        .map(|l| {
            l["path"]
                .as_str()
                .unwrap_or_default()
                .rsplit('/')
                .next()
                .unwrap_or_default()
        })
        .collect();
    assert_eq!(
        names,
        [
            "a-good.png",
            "b-good.jpg",
            "c-corrupt.jpg",
            "d-bomb.png",
            "e-one-pixel.png",
            "f-notes.txt"
        ]
    );
    // The two good images: the same picture, so PDQ hashes a few bits apart despite JPEG's losses.
    let pdq = |i: usize| vigie_pdq::Hash256::from_hex(lines[i]["pdq"].as_str().unwrap_or_default());
    let (png_hash, jpeg_hash) = match (pdq(0), pdq(1)) {
        (Ok(a), Ok(b)) => (a, b),
        other => panic!("good images lack a PDQ hash: {other:?}\n{}", show(&out)),
    };
    assert!(
        png_hash.distance(&jpeg_hash) <= 16,
        "distance {}",
        png_hash.distance(&jpeg_hash)
    );
    assert!(lines[0]["quality"].as_u64().is_some(), "{}", lines[0]);
    // Every file gets its exact digests; the bad ones an error and no PDQ.
    for (i, line) in lines.iter().enumerate() {
        assert_eq!(line["sha256"].as_str().map(str::len), Some(64), "{line}");
        assert_eq!(line["md5"].as_str().map(str::len), Some(32), "{line}");
        assert_eq!(line.get("pdq").is_some(), i < 2, "{line}");
        assert_eq!(line.get("error").is_some(), (2..5).contains(&i), "{line}");
    }
    let err = String::from_utf8_lossy(&out.stderr);
    let reported: Vec<&str> = err.lines().filter(|l| l.starts_with("vigie: ")).collect();
    assert_eq!(reported.len(), 3, "{err}");
    assert!(
        reported[0].contains("c-corrupt.jpg") && reported[0].contains("truncated"),
        "{err}"
    );
    assert!(
        reported[1].contains("d-bomb.png") && reported[1].contains("200000x200000"),
        "{err}"
    );
    assert!(
        reported[2].contains("e-one-pixel.png") && reported[2].contains("1x1"),
        "{err}"
    );

    // CSV: a header, then one row per file; a folder of good images exits 0.
    std::fs::create_dir(d.join("good")).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(d.join("good/x.jpg"), &jpeg).unwrap_or_else(|e| panic!("{e}"));
    let out = d.run(&["hash", "--dihedral", "good"]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    let rows: Vec<&str> = text.lines().collect();
    assert_eq!(rows[0], "path,pdq,quality,md5,sha256,dihedral");
    assert_eq!(rows.len(), 2);
    let fields: Vec<&str> = rows[1].split(',').collect();
    assert_eq!(fields[1], jpeg_hash.to_hex());
    assert_eq!(fields[5].split(' ').count(), 8);
    assert!(fields[5].starts_with(fields[1]));
}

/// Writes an image file, panicking on failure.
fn write_png(path: &std::path::Path, rgb: &[u8], w: u32, h: u32) {
    let png = vigie_sample::encode_png(rgb, w, h).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(path, png).unwrap_or_else(|e| panic!("{e}"));
}

/// The picture turned a quarter turn (counter-clockwise).
fn rotate90(rgb: &[u8], w: usize, h: usize) -> Vec<u8> {
    let mut out = vec![0u8; rgb.len()];
    for y in 0..h {
        for x in 0..w {
            let (nx, ny) = (y, w - 1 - x);
            let (src, dst) = (3 * (y * w + x), 3 * (ny * h + nx));
            out[dst..dst + 3].copy_from_slice(&rgb[src..src + 3]);
        }
    }
    out
}

fn pdq_of_file(d: &Dir, path: &str) -> String {
    let out = d.ok(&["hash", "--output", "jsonl", path]);
    let line: serde_json::Value =
        serde_json::from_str(out.trim()).unwrap_or_else(|e| panic!("{e}: {out}"));
    line["pdq"].as_str().unwrap_or_default().to_owned()
}

#[test]
fn regression_4_banks_match_media_with_allow_lists_quality_and_the_flood_guard() {
    bank_flow(&Dir::new(), "");
}

#[test]
fn regression_4_banks_on_postgres() {
    let Some(admin) = postgres_admin_url() else {
        return;
    };
    let url = fresh_postgres_db(&admin, "banks");
    bank_flow(
        &Dir::new(),
        &format!("db = \"{url}\"\nmedia_dir = \"pg-media\"\n"),
    );
}

/// Banks from the command line, end to end; `config` starts `vigie.toml` (the store to use).
fn bank_flow(d: &Dir, config: &str) {
    std::fs::write(d.join("vigie.toml"), config).unwrap_or_else(|e| panic!("{e}"));
    std::fs::create_dir(d.join("media")).unwrap_or_else(|e| panic!("{e}"));
    let (w, h) = (320u32, 240u32);
    let known = vigie_sample::draw_image(11, w, h);
    let logo = vigie_sample::draw_image(12, w, h);
    let other = vigie_sample::draw_image(13, w, h);
    write_png(&d.join("known.png"), &known, w, h);
    write_png(&d.join("media/a-known.png"), &known, w, h);
    write_png(
        &d.join("media/b-turned.png"),
        &rotate90(&known, w as usize, h as usize),
        h,
        w,
    );
    write_png(&d.join("media/c-logo.png"), &logo, w, h);
    write_png(&d.join("media/d-other.png"), &other, w, h);
    write_png(
        &d.join("media/e-flat.png"),
        &vec![128u8; (w * h * 3) as usize],
        w,
        h,
    );
    // The start of an MP4 file (an `ftyp` box), then filler: enough for a video to be stored and MD5-matched.
    let mut clip = b"\0\0\0\x18ftypmp42\0\0\0\0mp42isom".to_vec();
    clip.extend_from_slice(&[7u8; 200]);
    std::fs::write(d.join("media/f-clip.mp4"), clip).unwrap_or_else(|e| panic!("{e}"));
    let known_pdq = pdq_of_file(d, "known.png");
    let logo_pdq = pdq_of_file(d, "media/c-logo.png");
    assert_eq!(known_pdq.len(), 64);
    let clip_md5 = md5_of_fake_clip(d, "media/f-clip.mp4");

    // A block bank from a TCAP file (the logo's hash is in it too, by mistake) and an allow bank for the logo.
    let tcap = format!(
        r#"[{{"id": 1, "hash_digest": "{known_pdq}", "algorithm": "PDQ", "ideology": "example", "file_type": "image"}},
{{"id": 2, "hash_digest": "{logo_pdq}", "algorithm": "PDQ", "file_type": "image"}},
{{"id": 3, "hash_digest": "{clip_md5}", "algorithm": "MD5", "file_type": "video"}},
{{"id": 4, "hash_digest": "12", "algorithm": "PDQ"}}]"#
    );
    std::fs::write(d.join("tcap.json"), tcap).unwrap_or_else(|e| panic!("{e}"));
    d.ok(&[
        "bank",
        "create",
        "tcap",
        "--source",
        "a test list",
        "--label",
        "origin=test",
    ]);
    let imported = d.json(&["bank", "import", "tcap", "tcap.json"]);
    assert_eq!(imported[0]["added"], 3, "{imported}");
    assert_eq!(imported[0]["invalid"], 1, "{imported}");
    assert_eq!(imported[0]["problems"][0]["position"], "$[3]", "{imported}");
    let quarantine = d.ok(&["quarantine"]);
    assert!(
        quarantine.contains("tcap.json") && quarantine.contains("$[3]"),
        "{quarantine}"
    );
    std::fs::write(d.join("logos.txt"), format!("pdq {logo_pdq}\n"))
        .unwrap_or_else(|e| panic!("{e}"));
    d.ok(&["bank", "create", "logos", "--kind", "allow"]);
    d.ok(&["bank", "import", "logos", "logos.txt"]);

    // `vigie match`: a rotated copy matches through its dihedral variant; the flat image is refused for quality.
    let m = d.json(&[
        "match",
        "media/b-turned.png",
        "media/e-flat.png",
        "media/c-logo.png",
        &known_pdq,
    ]);
    let turned = &m[0]["hits"][0];
    assert_eq!(turned["bank"], "tcap", "{m}");
    assert_ne!(turned["variant"], "original", "{m}");
    assert!(turned["distance"].as_u64().unwrap_or(99) <= 31, "{m}");
    assert_eq!(turned["labels"]["ideology"], "example", "{m}");
    assert_eq!(
        turned["labels"]["origin"], "test",
        "bank labels are inherited: {m}"
    );
    assert!(
        m[1]["below_quality"].as_u64().is_some_and(|q| q < 50),
        "{m}"
    );
    assert!(m[1]["hits"].as_array().is_some_and(Vec::is_empty), "{m}");
    let logo_hits = m[2]["hits"].as_array().cloned().unwrap_or_default();
    assert_eq!(logo_hits.len(), 2, "{m}");
    assert_eq!(logo_hits[0]["status"], "suppressed", "{m}");
    assert_eq!(logo_hits[1]["bank"], "logos", "{m}");
    assert_eq!(
        m[3]["hits"][0]["distance"], 0,
        "a bare PDQ hash matches too: {m}"
    );

    // `vigie scan` stores the matches, with a flood guard tight enough to trip on copies of one picture.
    std::fs::write(
        d.join("vigie.toml"),
        format!("{config}[matching]\nflood_min_matches = 3\nflood_factor = 1.0\n"),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let report = d.json(&["scan", "media"]);
    let matching = &report["scan"]["matching"];
    assert_eq!(matching["media_checked"], 6, "{report}");
    assert_eq!(matching["below_quality"], 1, "{report}");
    // known + turned (PDQ), the clip (MD5), the logo (suppressed).
    assert_eq!(matching["new_matches"], 4, "{report}");
    assert_eq!(matching["suppressed"], 1, "{report}");
    assert!(
        matching["flooded"].as_array().is_some_and(Vec::is_empty),
        "{report}"
    );

    // Three more copies of the known picture, slightly different bytes each: the entry floods and is held.
    std::fs::create_dir(d.join("more")).unwrap_or_else(|e| panic!("{e}"));
    for (i, q) in [70u8, 80, 90].iter().enumerate() {
        let jpeg = vigie_sample::encode_jpeg(&known, w, h, *q).unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(d.join(&format!("more/copy{i}.jpg")), jpeg)
            .unwrap_or_else(|e| panic!("{e}"));
    }
    let report = d.json(&["scan", "more"]);
    let matching = &report["scan"]["matching"];
    assert_eq!(matching["new_matches"], 3, "{report}");
    assert_eq!(
        matching["flooded"][0]["value"],
        known_pdq.as_str(),
        "{report}"
    );
    assert_eq!(matching["flooded"][0]["matches_before"], 2, "{report}");
    let show = d.json(&["bank", "show", "tcap"]);
    assert_eq!(show["bank"]["quarantined_entries"], 1, "{show}");
    let m = d.json(&["match", "known.png"]);
    assert_eq!(m[0]["hits"][0]["status"], "held", "{m}");
    d.ok(&[
        "bank",
        "set",
        "tcap",
        "--release",
        &format!("pdq:{known_pdq}"),
    ]);
    let m = d.json(&["match", "known.png"]);
    assert_eq!(m[0]["hits"][0]["status"], "active", "{m}");

    // Settings apply at once: a distance of 0 drops the rotated copy (its variant is a few bits off), disabling
    // drops everything; a TCAP deletion removes the entry from the saved index without a rebuild.
    d.ok(&["bank", "set", "tcap", "--distance", "0"]);
    let m = d.json(&["match", "media/b-turned.png", "known.png"]);
    let near = m[0]["hits"].as_array().map_or(0, Vec::len);
    assert!(near == 0 || m[0]["hits"][0]["distance"] == 0, "{m}");
    assert_eq!(m[1]["hits"][0]["distance"], 0, "{m}");
    d.ok(&["bank", "set", "tcap", "--disable"]);
    let m = d.json(&["match", "known.png"]);
    assert!(m[0]["hits"].as_array().is_some_and(Vec::is_empty), "{m}");
    d.ok(&["bank", "set", "tcap", "--enable", "--distance", "31"]);
    std::fs::write(
        d.join("update.jsonl"),
        format!(
            "{{\"hash_digest\": \"{known_pdq}\", \"algorithm\": \"PDQ\", \"deleted\": true}}\n"
        ),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let imported = d.json(&["bank", "import", "tcap", "update.jsonl"]);
    assert_eq!(imported[0]["removed"], 1, "{imported}");
    let m = d.json(&["match", "known.png"]);
    assert!(m[0]["hits"].as_array().is_some_and(Vec::is_empty), "{m}");

    // Export writes the list back; TCAP carries the deletion.
    let lines = d.ok(&["bank", "export", "tcap"]);
    assert_eq!(lines.lines().count(), 2, "{lines}");
    assert!(lines.contains(&format!("md5 {clip_md5}")), "{lines}");
    let exported = d.ok(&[
        "bank",
        "export",
        "tcap",
        "--list-format",
        "tcap",
        "--include-removed",
    ]);
    let records: serde_json::Value =
        serde_json::from_str(&exported).unwrap_or_else(|e| panic!("{e}: {exported}"));
    let deleted: Vec<_> = records
        .as_array()
        .map(|a| a.iter().filter(|r| r["deleted"] == true).collect())
        .unwrap_or_default();
    assert_eq!(deleted.len(), 1, "{exported}");
    assert_eq!(deleted[0]["hash_digest"], known_pdq.as_str());
    let banks = d.json(&["bank", "list"]);
    assert_eq!(banks.as_array().map(Vec::len), Some(2), "{banks}");
    d.ok(&["bank", "remove", "logos"]);
    let banks = d.json(&["bank", "list"]);
    assert_eq!(banks.as_array().map(Vec::len), Some(1), "{banks}");
    // With the allow-list gone (the saved index is rebuilt), the logo's block match is active again.
    let m = d.json(&["match", "media/c-logo.png"]);
    let hits = m[0]["hits"].as_array().cloned().unwrap_or_default();
    assert_eq!(hits.len(), 1, "{m}");
    assert_eq!(hits[0]["status"], "active", "{m}");
}

#[test]
fn regression_16_a_list_imported_after_the_scan_finds_stored_media_and_their_cases() {
    retro_hunt_flow(&Dir::new(), "");
}

#[test]
fn regression_16_retro_hunt_on_postgres() {
    let Some(admin) = postgres_admin_url() else {
        return;
    };
    let url = fresh_postgres_db(&admin, "hunt");
    retro_hunt_flow(
        &Dir::new(),
        &format!("db = \"{url}\"\nmedia_dir = \"pg-media\"\n"),
    );
}

#[test]
fn regression_16_an_allow_bank_suppresses_only_the_block_banks_it_names() {
    let d = Dir::new();
    let (w, h) = (320u32, 240u32);
    write_png(
        &d.join("logo.png"),
        &vigie_sample::draw_image(31, w, h),
        w,
        h,
    );
    let pdq = pdq_of_file(&d, "logo.png");
    std::fs::write(d.join("list.txt"), format!("pdq {pdq}\n")).unwrap_or_else(|e| panic!("{e}"));
    for bank in ["gifct", "local"] {
        d.ok(&["bank", "import", bank, "list.txt", "--create"]);
    }
    d.ok(&[
        "bank",
        "create",
        "logos",
        "--kind",
        "allow",
        "--suppresses",
        "local",
    ]);
    d.ok(&["bank", "import", "logos", "list.txt"]);
    let statuses = |d: &Dir| -> Vec<(String, String)> {
        let m = d.json(&["match", "logo.png"]);
        let mut out: Vec<(String, String)> = m[0]["hits"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .iter()
            .filter(|h| h["bank_kind"] == "block")
            .map(|h| {
                (
                    h["bank"].as_str().unwrap_or_default().to_owned(),
                    h["status"].as_str().unwrap_or_default().to_owned(),
                )
            })
            .collect();
        out.sort();
        out
    };
    let pair = |b: &str, s: &str| (b.to_owned(), s.to_owned());
    assert_eq!(
        statuses(&d),
        [pair("gifct", "active"), pair("local", "suppressed")]
    );
    let shown = d.ok(&["bank", "show", "logos"]);
    assert!(shown.contains("suppresses local"), "{shown}");
    d.ok(&["bank", "set", "logos", "--suppresses-all"]);
    assert_eq!(
        statuses(&d),
        [pair("gifct", "suppressed"), pair("local", "suppressed")]
    );
    // A block bank has no scope.
    let out = d.run(&["bank", "set", "gifct", "--suppresses", "local"]);
    assert!(!out.status.success());
    assert!(show(&out).contains("only an allow bank"), "{}", show(&out));
}

/// The post cases whose evidence holds a hash match, by post id.
fn hash_cases(d: &Dir) -> Vec<String> {
    let cases = d.json(&["cases", "--limit", "100"]);
    let mut out: Vec<String> = cases
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .filter(|c| c["subject"] == "post")
        .filter(|c| {
            c["evidence"]
                .as_array()
                .is_some_and(|e| e.iter().any(|e| e["signal"] == "hash_match"))
        })
        .map(|c| c["post_id"].as_str().unwrap_or_default().to_owned())
        .collect();
    out.sort();
    out
}

/// Bank changes made after a scan reach the stored media: a list imported later finds a stored image (and a
/// rotated copy through its stored dihedral hashes) and a stored video by MD5, and their posts become cases
/// without a rescan; removing the entry, disabling the bank or narrowing it withdraws the matches (kept, shown
/// as withdrawn) and the cases go; enabling it brings them back.
fn retro_hunt_flow(d: &Dir, config: &str) {
    std::fs::write(d.join("vigie.toml"), config).unwrap_or_else(|e| panic!("{e}"));
    std::fs::create_dir(d.join("export")).unwrap_or_else(|e| panic!("{e}"));
    let (w, h) = (320u32, 240u32);
    let known = vigie_sample::draw_image(21, w, h);
    write_png(&d.join("known.png"), &known, w, h);
    write_png(&d.join("export/a.png"), &known, w, h);
    write_png(
        &d.join("export/b.png"),
        &rotate90(&known, w as usize, h as usize),
        h,
        w,
    );
    write_png(
        &d.join("export/c.png"),
        &vigie_sample::draw_image(22, w, h),
        w,
        h,
    );
    let mut clip = b"\0\0\0\x18ftypmp42\0\0\0\0mp42isom".to_vec();
    clip.extend_from_slice(&[9u8; 300]);
    std::fs::write(d.join("export/d.mp4"), clip).unwrap_or_else(|e| panic!("{e}"));
    let posts: String = [("1", "a.png", "photo"), ("2", "b.png", "photo"), ("3", "c.png", "photo"), ("4", "d.mp4", "video")]
        .iter()
        .map(|(id, file, kind)| {
            format!(
                "{{\"record\":\"post\",\"platform\":\"facebook\",\"id\":\"90{id}\",\"created_at\":1704630374,\"text\":\"Picture of the day {id}\",\"account_id\":\"77{id}\",\"media\":[{{\"path\":\"{file}\",\"type\":\"{kind}\"}}]}}\n"
            )
        })
        .collect();
    std::fs::write(d.join("export/posts.jsonl"), posts).unwrap_or_else(|e| panic!("{e}"));
    let report = d.json(&["scan", "export/posts.jsonl"]);
    assert_eq!(report["scan"]["totals"]["posts"], 4, "{report}");
    assert!(hash_cases(d).is_empty());

    // A list made after the scan: the known picture's PDQ (four bits off, as a re-encoded copy's would be) and
    // the clip's MD5.
    let known_pdq = {
        let mut hash = vigie_pdq::Hash256::from_hex(&pdq_of_file(d, "known.png"))
            .unwrap_or_else(|e| panic!("{e}"));
        hash.0[0] ^= 0b1001;
        hash.0[9] ^= 0b0110_0000;
        hash.to_hex()
    };
    let clip_md5 = md5_of_fake_clip(d, "export/d.mp4");
    std::fs::write(
        d.join("list.txt"),
        format!("pdq {known_pdq}\nmd5 {clip_md5}\n"),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let out = d.run(&["bank", "import", "blk", "list.txt", "--create"]);
    let said = show(&out);
    assert!(out.status.success(), "{said}");
    assert!(said.contains("3 media newly match"), "{said}");
    assert_eq!(hash_cases(d), ["901", "902", "904"], "{said}");
    let hunt = d.json(&["bank", "rematch", "blk"]);
    assert_eq!(hunt["hunt"]["media_checked"], 3, "{hunt}");
    assert_eq!(
        hunt["hunt"]["new_matches"], 0,
        "a second hunt finds nothing new: {hunt}"
    );

    // Removing the PDQ entry withdraws both image matches; the video's stays.
    let out = d.run(&[
        "bank",
        "remove",
        "blk",
        "--hash",
        &format!("pdq:{known_pdq}"),
    ]);
    assert!(show(&out).contains("2 withdrawn"), "{}", show(&out));
    assert_eq!(hash_cases(d), ["904"]);
    // Back; then a distance of 0 drops both pictures (four bits or more off).
    std::fs::write(d.join("list.txt"), format!("pdq {known_pdq}\n"))
        .unwrap_or_else(|e| panic!("{e}"));
    d.ok(&["bank", "import", "blk", "list.txt"]);
    assert_eq!(hash_cases(d), ["901", "902", "904"]);
    d.ok(&["bank", "set", "blk", "--distance", "0"]);
    assert_eq!(hash_cases(d), ["904"]);
    // Disabled: every match withdrawn, no case left; enabled again: all back, and the hunt does not mistake
    // matches coming back for a flood.
    d.ok(&["bank", "set", "blk", "--disable"]);
    assert!(hash_cases(d).is_empty());
    d.ok(&["bank", "set", "blk", "--enable", "--distance", "31"]);
    assert_eq!(hash_cases(d), ["901", "902", "904"]);
    let show_bank = d.json(&["bank", "show", "blk"]);
    assert_eq!(show_bank["bank"]["quarantined_entries"], 0, "{show_bank}");
    // A rescan changes nothing, and the store stays consistent.
    d.ok(&["scan", "export/posts.jsonl"]);
    assert_eq!(hash_cases(d), ["901", "902", "904"]);
    d.ok(&["check"]);
}

#[test]
fn regression_5_scan_trains_and_scores_the_sample_corpus_into_cases_with_evidence() {
    let d = Dir::new();
    sample(&d);
    // Built-in lists alone: posts whose outlet names, formulas and links add up to the queue's cut-off become
    // cases, each with its evidence and where it is (a name alone does not: that takes the classifier).
    let report = d.json(&["scan", "corpus"]);
    let analysis = &report["scan"]["analysis"];
    assert!(
        analysis["post_cases"].as_u64().unwrap_or(0) > 10,
        "{analysis}"
    );
    let cases = d.json(&["cases", "--subject", "post", "--limit", "500"]);
    let cases = cases.as_array().cloned().unwrap_or_default();
    assert!(!cases.is_empty());
    for case in &cases {
        let text = case["text"].as_str().unwrap_or_default();
        let evidence = case["evidence"].as_array().cloned().unwrap_or_default();
        assert!(!evidence.is_empty(), "{case}");
        for e in &evidence {
            if let Some(span) = e["span"].as_array() {
                let (a, b) = (
                    span[0].as_u64().unwrap_or(0) as usize,
                    span[1].as_u64().unwrap_or(0) as usize,
                );
                let written = text
                    .get(a..b)
                    .unwrap_or_else(|| panic!("span {a}..{b} outside the text: {case}"));
                assert!(!written.trim().is_empty(), "{case}");
            }
        }
    }
    // A domain list and a classifier trained on the labelled sample; evaluation on the held-out set reports
    // the hard negatives' false-positive rates.
    std::fs::copy(d.join("corpus/labels/file-hosts.list"), d.join("hosts.csv"))
        .unwrap_or_else(|e| panic!("{e}"));
    let imported = d.json(&["terms", "import", "hosts.csv"]);
    assert_eq!(imported["kind"], "domains", "{imported}");
    assert!(imported["entries"].as_u64().unwrap_or(0) >= 5, "{imported}");
    let trained = d.json(&[
        "model",
        "train",
        "--labels",
        "corpus/labels/train.labels",
        "--eval",
        "corpus/labels/eval.labels",
    ]);
    let evaluation = &trained["evaluation"];
    assert!(
        evaluation["metrics"]["f1"].as_f64().unwrap_or(0.0) > 0.8,
        "{evaluation}"
    );
    for category in ["news", "research", "counter_speech", "religious"] {
        let rate = &evaluation["negative_categories"][category];
        assert!(
            rate["negatives"].as_u64().unwrap_or(0) > 10,
            "{category}: {evaluation}"
        );
        assert!(
            rate["false_positive_rate"].as_f64().unwrap_or(1.0) < 0.2,
            "{category}: {evaluation}"
        );
    }
    for lang in ["fr", "en", "ar"] {
        assert!(
            evaluation["by_language"][lang]["true_positives"]
                .as_u64()
                .unwrap_or(0)
                > 0,
            "{lang}: {evaluation}"
        );
    }
    assert!(
        evaluation["pr_curve"]
            .as_array()
            .is_some_and(|c| c.len() > 10),
        "{evaluation}"
    );
    let text = d.ok(&["model", "eval", "--labels", "corpus/labels/eval.labels"]);
    assert!(
        text.contains("news") && text.contains("precision"),
        "{text}"
    );
    // The whole text analysis (terms, links, near-duplicates, classifier, context) on the held-out set, at the
    // queue's cut-off and at others; nothing is stored.
    let posts_before = d.json(&["stats"])["posts"].clone();
    let whole = d.json(&["evaluate", "--labels", "corpus/labels/eval.labels"]);
    let at_one = &whole["evaluation"];
    assert_eq!(at_one["threshold"], 1.0, "{whole}");
    assert!(
        at_one["metrics"]["precision"].as_f64().unwrap_or(0.0) > 0.9,
        "{whole}"
    );
    assert!(
        at_one["metrics"]["recall"].as_f64().unwrap_or(0.0) > 0.8,
        "{whole}"
    );
    let cutoffs = whole["thresholds"].as_array().cloned().unwrap_or_default();
    assert!(cutoffs.len() >= 4, "{whole}");
    let recalls: Vec<f64> = cutoffs
        .iter()
        .map(|c| c["metrics"]["recall"].as_f64().unwrap_or(-1.0))
        .collect();
    assert!(
        recalls.windows(2).all(|w| w[0] >= w[1]) && recalls[0] > *recalls.last().unwrap_or(&1.0),
        "a higher cut-off keeps fewer: {recalls:?}"
    );
    let strict = d.json(&[
        "evaluate",
        "--labels",
        "corpus/labels/eval.labels",
        "--threshold",
        "100",
    ]);
    assert_eq!(
        strict["evaluation"]["metrics"]["true_positives"], 0,
        "{strict}"
    );
    assert_eq!(d.json(&["stats"])["posts"], posts_before);

    // Analysing again with both: link and classifier evidence appear, accounts get cases from their posts.
    let again = d.json(&["analyze"]);
    assert_eq!(
        again["full"], true,
        "a new list and model re-analyse everything: {again}"
    );
    assert_eq!(again["classifier"], true);
    let linked = d.json(&["cases", "--signal", "url", "--limit", "5"]);
    assert!(linked.as_array().is_some_and(|c| !c.is_empty()), "{linked}");
    let scored = d.json(&["cases", "--signal", "classifier", "--limit", "5"]);
    let top = &scored[0];
    let classifier = top["evidence"]
        .as_array()
        .and_then(|e| e.iter().find(|e| e["signal"] == "classifier"))
        .cloned()
        .unwrap_or_default();
    // Explained in words a reviewer reads, never character n-grams; the case names its category.
    assert!(
        classifier["detail"]
            .as_str()
            .is_some_and(|d| d.contains("the words that weigh most") && !d.contains("c:")),
        "{top}"
    );
    assert!(
        top["category"]
            .as_str()
            .is_some_and(|c| vigie_model::Violation::parse(c).is_some()),
        "{top}"
    );
    let accounts = d.json(&["cases", "--subject", "account", "--limit", "5"]);
    assert!(
        accounts[0]["evidence"][0]["signal"] == "posts",
        "{accounts}"
    );
    // Nothing new: an incremental run analyses no post.
    let idle = d.json(&["analyze"]);
    assert_eq!(idle["posts"], 0, "{idle}");
    // Distribution posts come first; hard negatives that name an outlet have cases too, scored down by their
    // context, and the evidence says why.
    let labels = std::fs::read_to_string(d.join("corpus/labels/eval.labels"))
        .unwrap_or_else(|e| panic!("{e}"));
    let category: std::collections::HashMap<String, String> = labels
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .map(|v| {
            (
                v["id"].as_str().unwrap_or_default().to_owned(),
                v["category"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    let all = d.json(&["cases", "--subject", "post", "--limit", "10000"]);
    let all = all.as_array().cloned().unwrap_or_default();
    let of = |c: &serde_json::Value| {
        category
            .get(c["post_id"].as_str().unwrap_or_default())
            .cloned()
            .unwrap_or_default()
    };
    // Among the labelled posts (the corpus's other posts, its generated network's included, have no labels).
    let top: Vec<String> = all
        .iter()
        .filter(|c| category.contains_key(c["post_id"].as_str().unwrap_or_default()))
        .take(100)
        .map(of)
        .collect();
    assert_eq!(top.len(), 100, "{} labelled cases", top.len());
    let violating = [
        "glorification",
        "support",
        "recruitment",
        "incitement",
        "distribution",
    ];
    assert!(
        top.iter().all(|c| violating.contains(&c.as_str())),
        "{top:?}"
    );
    // News reports that name an outlet are scaled down by their context, below the queue's cut-off: (almost)
    // none makes a case, and one that does shows the context that lowered it.
    let news_posts = category.values().filter(|c| *c == "news").count();
    let news: Vec<&serde_json::Value> = all.iter().filter(|c| of(c) == "news").collect();
    assert!(news_posts > 50, "{news_posts}");
    assert!(
        news.len() * 50 <= news_posts,
        "{} of {news_posts} news reports make cases",
        news.len()
    );
    for case in news {
        assert!(
            case["evidence"]
                .as_array()
                .is_some_and(|e| e.iter().any(|e| e["signal"] == "context")),
            "{case}"
        );
    }
}

/// Issue 14: detection transfers to hand-written posts. The documented setup (the classifier trained on the
/// hand-written training posts, the built-in lexicons) on the hand-written test part, which nothing was trained
/// or tuned on, at the queue's cut-off: the issue's targets, recall at least 0.85 overall and 0.75 in every
/// violating category and every language, and at most 2 % false positives in every category of hard negatives
/// (with 18 to 24 posts a category, none). Measured with nineteen writers: recall 0.973, at least 0.90 per
/// category and language, no false positive.
#[test]
fn regression_14_detection_meets_its_targets_on_the_hand_written_test_part() {
    let d = Dir::new();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let train = root.join("testdata/text-train");
    let test = root.join("testdata/text-eval/test.jsonl");
    d.ok(&[
        "model",
        "train",
        "--labels",
        train.to_str().unwrap_or_default(),
    ]);
    let out = d.run(&[
        "evaluate",
        "--labels",
        test.to_str().unwrap_or_default(),
        "--min-recall",
        "0.85",
        "--min-category-recall",
        "0.75",
        "--max-false-positive-rate",
        "0.02",
        "--errors",
    ]);
    let shown = show(&out);
    eprintln!("{shown}");
    assert!(out.status.success(), "targets missed:\n{shown}");
    let report = String::from_utf8_lossy(&out.stdout);
    for category in [
        "glorification",
        "support",
        "recruitment",
        "incitement",
        "distribution",
    ] {
        assert!(report.contains(category), "{report}");
    }
}

/// Issue 14, bad input: a lexicon with one bad entry is refused whole, naming the file and line; labelled
/// examples with an unknown label are refused the same way.
#[test]
fn regression_14_bad_lexicons_and_labels_are_refused_whole() {
    let d = Dir::new();
    std::fs::write(
        d.join("lexicon.toml"),
        "version = 1\n\n[[term]]\ntext = \"good phrase\"\ncategory = \"support\"\n\n\
         [[term]]\ntext = \"(unclosed\"\ncategory = \"support\"\nmode = \"regex\"\n\n\
         [[term]]\ntext = \"other\"\ncategory = \"propaganda\"\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let out = d.run(&["terms", "import", "lexicon.toml"]);
    assert!(!out.status.success(), "{}", show(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("lexicon.toml"), "{err}");
    assert!(err.contains("line 7"), "the bad regex's line: {err}");
    assert!(
        err.contains("line 12"),
        "the unknown category's line: {err}"
    );
    assert!(err.contains("nothing was imported"), "{err}");
    let lists = d.json(&["terms", "list"]);
    assert!(
        lists["lists"].as_array().is_some_and(|l| l.is_empty()),
        "{lists}"
    );

    std::fs::write(
        d.join("labels.jsonl"),
        "{\"text\": \"fine\", \"label\": \"benign\"}\n{\"text\": \"odd\", \"label\": \"maybe\"}\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let out = d.run(&["model", "train", "--labels", "labels.jsonl"]);
    assert!(!out.status.success(), "{}", show(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("labels.jsonl") && err.contains("line 2"),
        "{err}"
    );
}

/// The MD5 `vigie hash` gives a file that starts as an MP4 but holds no video: it is named with the reason (no
/// vPDQ hash, exit status 3) and still gets its digests, which hash lists match videos by.
fn md5_of_fake_clip(d: &Dir, file: &str) -> String {
    let out = d.run(&["hash", "--output", "jsonl", file]);
    assert_eq!(out.status.code(), Some(3), "{}", show(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("video:"),
        "{}",
        show(&out)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    let v: serde_json::Value = serde_json::from_str(text.trim()).unwrap_or_else(|e| panic!("{e}"));
    let md5 = v["md5"].as_str().unwrap_or_default().to_owned();
    assert_eq!(md5.len(), 32, "{v}");
    md5
}
