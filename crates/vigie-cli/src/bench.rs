//! `vigie bench ingest`: the ingest benchmark. Generates X API v2 responses (JSONL, 100 posts each), then
//! scans them into a fresh SQLite store on this thread, and reports posts per second and peak memory.

use crate::output::OutputFormat;
use anyhow::Context;
use serde::Serialize;
use std::io::BufWriter;
use std::path::PathBuf;
use std::time::Instant;
use vigie_engine::{ScanConfig, SilentProgress};

#[derive(Serialize)]
struct IngestBench {
    posts_generated: usize,
    input_bytes: u64,
    posts_stored: i64,
    accounts_stored: i64,
    seconds: f64,
    posts_per_second: f64,
    store_seconds: f64,
    analysis_seconds: f64,
    parse_only_seconds: f64,
    parse_only_posts_per_second: f64,
    peak_rss_mib: f64,
    rss_before_scan_mib: f64,
    database_bytes: u64,
}

/// Peak resident memory of this process so far (`VmHWM`), in MiB; 0 where `/proc` is absent.
fn peak_rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map(|kb| kb / 1024.0)
        .unwrap_or(0.0)
}

pub fn ingest(
    format: OutputFormat,
    posts: usize,
    accounts: usize,
    dir: Option<PathBuf>,
) -> anyhow::Result<()> {
    let temp;
    let dir = match dir {
        Some(d) => {
            std::fs::create_dir_all(&d)
                .with_context(|| format!("cannot create {}", d.display()))?;
            d
        }
        None => {
            temp = tempfile::tempdir().context("cannot create a temporary folder")?;
            temp.path().to_path_buf()
        }
    };
    let input = dir.join("x-v2-bench.jsonl");
    let db = dir.join("bench.db");
    for stale in [
        db.clone(),
        dir.join("bench.db-wal"),
        dir.join("bench.db-shm"),
    ] {
        let _ = std::fs::remove_file(stale);
    }
    eprintln!(
        "generating {posts} posts by {accounts} accounts into {} ...",
        input.display()
    );
    let file = std::fs::File::create(&input)
        .with_context(|| format!("cannot create {}", input.display()))?;
    let input_bytes = vigie_sample::write_x_v2_jsonl(BufWriter::new(file), posts, accounts, 42)?;
    let rss_before = peak_rss_mib();
    // The parsing stage alone (adapters, language, entities; no store), to show where the time goes.
    let parse_started = Instant::now();
    let discovered = vigie_ingest::discover(std::slice::from_ref(&input))?;
    let mut parsed = 0u64;
    for one in &discovered.inputs {
        vigie_ingest::read(one, &vigie_ingest::IngestOptions::default(), &mut |r| {
            if matches!(r, vigie_model::Record::Post(_)) {
                parsed += 1;
            }
            Ok(())
        })?;
    }
    let parse_seconds = parse_started.elapsed().as_secs_f64();
    // Referenced tweets repeat under `includes.tweets`, so more post records are read than posts stored.
    anyhow::ensure!(
        parsed as usize >= posts,
        "parsed {parsed} posts, generated {posts}"
    );
    eprintln!("ingesting into {} ...", db.display());
    let mut store = vigie_store::open(&db.to_string_lossy(), None)?;
    let started = Instant::now();
    let report = vigie_engine::scan(
        store.as_mut(),
        std::slice::from_ref(&input),
        &ScanConfig::default(),
        &SilentProgress,
    )?;
    let seconds = started.elapsed().as_secs_f64();
    let stats = store.stats()?;
    // Closing checkpoints the write-ahead log into the file, so that the size below is the database's.
    drop(store);
    anyhow::ensure!(
        stats.posts as usize == posts,
        "stored {} posts, generated {posts}",
        stats.posts
    );
    anyhow::ensure!(
        report.totals.quarantined == 0,
        "{} records quarantined",
        report.totals.quarantined
    );
    let result = IngestBench {
        posts_generated: posts,
        input_bytes,
        posts_stored: stats.posts,
        accounts_stored: stats.accounts,
        seconds,
        posts_per_second: posts as f64 / seconds,
        store_seconds: report.store_time.as_secs_f64(),
        analysis_seconds: report.analysis_time.as_secs_f64(),
        parse_only_seconds: parse_seconds,
        parse_only_posts_per_second: posts as f64 / parse_seconds,
        peak_rss_mib: peak_rss_mib(),
        rss_before_scan_mib: rss_before,
        database_bytes: std::fs::metadata(&db).map(|m| m.len()).unwrap_or(0),
    };
    if format == OutputFormat::Json {
        println!("{}", serde_json::to_string_pretty(&result)?);
    } else {
        println!(
            "ingest: {} posts ({:.0} MB of X API v2 JSONL) in {:.2} s = {:.0} posts/s on one thread \
             (of which {:.2} s writing to the store; parsing alone: {:.2} s = {:.0} posts/s); peak RSS {:.0} MiB; database {:.0} MB; {} accounts",
            result.posts_stored,
            input_bytes as f64 / 1e6,
            seconds,
            result.posts_per_second,
            result.store_seconds,
            parse_seconds,
            result.parse_only_posts_per_second,
            result.peak_rss_mib,
            result.database_bytes as f64 / 1e6,
            result.accounts_stored
        );
    }
    Ok(())
}

#[derive(Serialize)]
struct PdqBench {
    images: usize,
    width: u32,
    height: u32,
    mean_jpeg_bytes: f64,
    /// Mean per image, milliseconds, one thread: PDQ from decoded RGB pixels.
    hash_ms: f64,
    /// Mean per image: JPEG bytes in memory to RGB pixels.
    decode_ms: f64,
    /// Mean per image: decode plus PDQ.
    decode_and_hash_ms: f64,
}

/// Photo-like test pictures: the sample generator's shapes under per-pixel noise, so that JPEG files have the
/// entropy (and decode cost) of photographs rather than of flat drawings.
fn bench_picture(seed: u64, width: u32, height: u32) -> Vec<u8> {
    let mut rgb = vigie_sample::draw_image(seed, width, height);
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    for px in &mut rgb {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let noise = (state % 25) as i16 - 12;
        *px = (i16::from(*px) + noise).clamp(0, 255) as u8;
    }
    rgb
}

pub fn pdq(
    format: OutputFormat,
    images: usize,
    width: u32,
    height: u32,
    dir: &std::path::Path,
) -> anyhow::Result<()> {
    let folder = dir.join("pdq-images");
    std::fs::create_dir_all(&folder)
        .with_context(|| format!("cannot create {}", folder.display()))?;
    let mut files = Vec::with_capacity(images);
    for i in 0..images {
        let path = folder.join(format!("img-{i:04}-{width}x{height}.jpg"));
        if !path.exists() {
            let rgb = bench_picture(i as u64, width, height);
            let jpeg = vigie_sample::encode_jpeg(&rgb, width, height, 85)?;
            std::fs::write(&path, jpeg)
                .with_context(|| format!("cannot write {}", path.display()))?;
        }
        files.push(path);
    }
    let limits = vigie_media::MediaLimits::default();
    let mut hasher = vigie_pdq::Hasher::new();
    let (mut hash_time, mut decode_time, mut both_time) = (0.0f64, 0.0f64, 0.0f64);
    let mut jpeg_bytes = 0usize;
    let mut csv = String::from("file,pdq,quality\n");
    for path in &files {
        let bytes =
            std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
        jpeg_bytes += bytes.len();
        // Decode plus hash, as `vigie hash` does it (file already in memory, as for the reference).
        let started = Instant::now();
        let image = vigie_media::decode_rgb(&bytes, &limits)
            .with_context(|| format!("cannot decode {}", path.display()))?;
        let decoded = started.elapsed().as_secs_f64();
        let pdq = hasher.hash_rgb(image.width, image.height, &image.pixels)?;
        both_time += started.elapsed().as_secs_f64();
        decode_time += decoded;
        // Hash only, from the decoded pixels.
        let started = Instant::now();
        let again = hasher.hash_rgb(image.width, image.height, &image.pixels)?;
        hash_time += started.elapsed().as_secs_f64();
        anyhow::ensure!(
            again == pdq,
            "hashing {} twice gave two hashes",
            path.display()
        );
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy())
            .unwrap_or_default();
        csv.push_str(&format!("{name},{},{}\n", pdq.hash.to_hex(), pdq.quality));
    }
    let out = dir.join("pdq-ours.csv");
    std::fs::write(&out, csv).with_context(|| format!("cannot write {}", out.display()))?;
    let n = images.max(1) as f64;
    let result = PdqBench {
        images,
        width,
        height,
        mean_jpeg_bytes: jpeg_bytes as f64 / n,
        hash_ms: hash_time * 1e3 / n,
        decode_ms: decode_time * 1e3 / n,
        decode_and_hash_ms: both_time * 1e3 / n,
    };
    if format == OutputFormat::Json {
        println!("{}", serde_json::to_string_pretty(&result)?);
    } else {
        println!(
            "pdq: {} JPEG images {}x{} ({:.0} KB each), one thread: hash only {:.2} ms, decode {:.2} ms, \
             decode + hash {:.2} ms per image; hashes in {}",
            images,
            width,
            height,
            result.mean_jpeg_bytes / 1e3,
            result.hash_ms,
            result.decode_ms,
            result.decode_and_hash_ms,
            out.display()
        );
    }
    Ok(())
}
