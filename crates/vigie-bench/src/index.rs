//! `vigie-bench index`: the PDQ match index benchmark, on one thread. For each size it generates random PDQ
//! hashes and queries (mostly planted near-duplicates, 0 to 31 bits from a stored hash, the rest random), then
//! measures the build, the index's bytes per hash, writing it and opening it again (memory-mapped, as `vigie`
//! uses it), and queries per second with latency percentiles and recall at distances 31 and 52. A sample of
//! queries is checked against a brute-force scan: the benchmark fails if the index ever disagrees.
//!
//! It also writes the hashes and queries as text for the reference (`bench/index-vs-reference.sh`), for sizes
//! up to [`MAX_TEXT_SIZE`].

use crate::OutputFormat;
use anyhow::{Context, bail};
use serde::Serialize;
use std::collections::BTreeMap;
use std::io::{BufWriter, Write};
use std::path::Path;
use std::time::Instant;
use vigie_index::{Hit, PdqIndex, brute_force};
use vigie_pdq::Hash256;

/// Sizes above this get no text files (the reference runs on a million; ten million lines are 650 MB).
pub const MAX_TEXT_SIZE: usize = 4_000_000;

/// Queries checked against brute force, per size and distance.
const CHECKED: usize = 40;

/// SplitMix64: a seed fixes every hash, on every platform.
pub(crate) struct Rng(pub(crate) u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    pub(crate) fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    pub(crate) fn hash(&mut self) -> Hash256 {
        let mut h = [0u8; 32];
        for chunk in h.chunks_mut(8) {
            chunk.copy_from_slice(&self.next().to_le_bytes());
        }
        Hash256(h)
    }
}

/// Flips `k` distinct random bits.
pub(crate) fn flip(rng: &mut Rng, hash: &Hash256, k: u32) -> Hash256 {
    let mut out = *hash;
    let mut done = 0;
    while done < k {
        let bit = rng.below(256) as usize;
        let mask = 1u8 << (bit % 8);
        if hash.0[bit / 8] & mask == out.0[bit / 8] & mask {
            out.0[bit / 8] ^= mask;
            done += 1;
        }
    }
    out
}

struct Query {
    hash: Hash256,
    /// The stored hash it was made from, and how many bits were flipped.
    planted: Option<(u32, u32)>,
}

#[derive(Serialize)]
struct DistanceFigures {
    qps: f64,
    p50_ms: f64,
    p99_ms: f64,
    recall: f64,
    mean_hits: f64,
    checked_against_brute_force: usize,
}

#[derive(Serialize)]
struct SizeFigures {
    hashes: usize,
    query_count: usize,
    build_s: f64,
    build_rate: f64,
    bytes_per_hash: f64,
    rss_growth_bytes_per_hash: f64,
    segments: usize,
    write_s: f64,
    open_s: f64,
    #[serde(rename = "queries")]
    per_distance: BTreeMap<String, DistanceFigures>,
}

fn rss_bytes() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(0.0, |kb| kb * 1024.0)
}

fn percentile(sorted: &[f64], fraction: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    #[allow(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        clippy::cast_precision_loss
    )]
    let at = ((sorted.len() - 1) as f64 * fraction).round() as usize;
    sorted[at.min(sorted.len() - 1)]
}

fn write_text(
    dir: &Path,
    n: usize,
    entries: &[(Hash256, u32)],
    queries: &[Query],
) -> anyhow::Result<()> {
    let path = dir.join(format!("haystack-{n}.txt"));
    let mut out = BufWriter::new(
        std::fs::File::create(&path)
            .with_context(|| format!("cannot create {}", path.display()))?,
    );
    for (h, _) in entries {
        writeln!(out, "{h}")?;
    }
    out.flush()?;
    let path = dir.join(format!("queries-{n}.txt"));
    let mut out = BufWriter::new(
        std::fs::File::create(&path)
            .with_context(|| format!("cannot create {}", path.display()))?,
    );
    for q in queries {
        match q.planted {
            Some((i, k)) => writeln!(out, "{} {i} {k}", q.hash)?,
            None => writeln!(out, "{} -1 -1", q.hash)?,
        }
    }
    out.flush()?;
    Ok(())
}

#[allow(clippy::cast_precision_loss)]
fn one_size(dir: &Path, n: usize, query_count: usize, seed: u64) -> anyhow::Result<SizeFigures> {
    if n >= 1 << 32 {
        bail!("{n} hashes: ids are 32 bits");
    }
    let mut rng = Rng(seed ^ n as u64);
    let entries: Vec<(Hash256, u32)> = (0..n).map(|i| (rng.hash(), i as u32)).collect();
    let queries: Vec<Query> = (0..query_count)
        .map(|i| {
            if i % 10 == 9 || n == 0 {
                Query {
                    hash: rng.hash(),
                    planted: None,
                }
            } else {
                let at = rng.below(n as u64) as u32;
                let k = rng.below(32) as u32;
                Query {
                    hash: flip(&mut rng, &entries[at as usize].0, k),
                    planted: Some((at, k)),
                }
            }
        })
        .collect();
    if n <= MAX_TEXT_SIZE {
        write_text(dir, n, &entries, &queries)?;
    }

    // Build, timed; the index's memory is its segments' bytes (everything it holds lives there).
    let sample: Vec<(Hash256, u32)> = entries.clone();
    let rss_before = rss_bytes();
    let started = Instant::now();
    let index = PdqIndex::build(entries);
    let build_s = started.elapsed().as_secs_f64();
    let rss_growth = (rss_bytes() - rss_before).max(0.0);
    let bytes: usize = index.segments().iter().map(|s| s.byte_len()).sum();

    // Write, then open memory-mapped, as `vigie match` and `vigie scan` do.
    let folder = dir.join(format!("index-{n}"));
    let _ = std::fs::remove_dir_all(&folder);
    std::fs::create_dir_all(&folder)
        .with_context(|| format!("cannot create {}", folder.display()))?;
    let started = Instant::now();
    let mut names = Vec::new();
    for (i, segment) in index.segments().iter().enumerate() {
        let path = folder.join(format!("segment-{i}.seg"));
        vigie_engine::write_atomically(&path, |w| segment.write_to(w))
            .with_context(|| format!("cannot write {}", path.display()))?;
        names.push(path);
    }
    let write_s = started.elapsed().as_secs_f64();
    let segments = names.len();
    drop(index);
    let started = Instant::now();
    let opened = names
        .iter()
        .map(|p| vigie_engine::map_segment(p))
        .collect::<Result<Vec<_>, _>>()
        .map_err(anyhow::Error::msg)?;
    let index = PdqIndex::from_segments(opened);
    let open_s = started.elapsed().as_secs_f64();

    let mut per_distance = BTreeMap::new();
    for distance in [31u32, 52] {
        let mut hits: Vec<Hit> = Vec::new();
        // Warm-up: a few queries, not timed.
        for q in queries.iter().take(20) {
            hits.clear();
            index.search(&q.hash, distance, &mut hits);
        }
        let mut times = Vec::with_capacity(queries.len());
        let (mut planted, mut found, mut total_hits) = (0u64, 0u64, 0u64);
        let started = Instant::now();
        for q in &queries {
            let t = Instant::now();
            hits.clear();
            index.search(&q.hash, distance, &mut hits);
            times.push(t.elapsed().as_secs_f64() * 1e3);
            total_hits += hits.len() as u64;
            if let Some((at, k)) = q.planted
                && k <= distance
            {
                planted += 1;
                found += u64::from(hits.iter().any(|h| h.id == at));
            }
        }
        let elapsed = started.elapsed().as_secs_f64();
        // Exactness on a sample: the same hits as a brute-force scan of every stored hash.
        for q in queries
            .iter()
            .step_by((queries.len() / CHECKED).max(1))
            .take(CHECKED)
        {
            let mut ours = index.search_sorted(&q.hash, distance);
            let mut truth = brute_force(&sample, &q.hash, distance);
            ours.sort_by_key(|h| (h.id, h.distance));
            truth.sort_by_key(|h| (h.id, h.distance));
            if ours != truth {
                bail!(
                    "the index disagrees with brute force at {n} hashes, distance {distance}, query {}: {} hits against {}",
                    q.hash,
                    ours.len(),
                    truth.len()
                );
            }
        }
        times.sort_by(f64::total_cmp);
        per_distance.insert(
            distance.to_string(),
            DistanceFigures {
                qps: queries.len() as f64 / elapsed,
                p50_ms: percentile(&times, 0.5),
                p99_ms: percentile(&times, 0.99),
                recall: if planted == 0 {
                    1.0
                } else {
                    found as f64 / planted as f64
                },
                mean_hits: total_hits as f64 / queries.len().max(1) as f64,
                checked_against_brute_force: CHECKED.min(queries.len()),
            },
        );
    }
    let _ = std::fs::remove_dir_all(&folder);
    Ok(SizeFigures {
        hashes: n,
        query_count: queries.len(),
        build_s,
        build_rate: n as f64 / build_s.max(1e-9),
        bytes_per_hash: bytes as f64 / n.max(1) as f64,
        rss_growth_bytes_per_hash: rss_growth / n.max(1) as f64,
        segments,
        write_s,
        open_s,
        per_distance,
    })
}

/// Runs the benchmark at each size; JSON prints one object per size and line.
pub fn run(
    format: OutputFormat,
    sizes: &[usize],
    queries: usize,
    dir: &Path,
) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    for &n in sizes {
        let f = one_size(dir, n, queries, 0x5eed_1dec)?;
        if format == OutputFormat::Json {
            println!("{}", serde_json::to_string(&f)?);
            continue;
        }
        println!(
            "{n} hashes: build {:.2} s ({:.0} hashes/s), {:.1} bytes per hash (RSS growth {:.1}), {} segments, \
             written in {:.2} s, opened in {:.4} s",
            f.build_s,
            f.build_rate,
            f.bytes_per_hash,
            f.rss_growth_bytes_per_hash,
            f.segments,
            f.write_s,
            f.open_s
        );
        for (d, q) in &f.per_distance {
            println!(
                "  distance {d}: {:.0} queries/s, p50 {:.3} ms, p99 {:.3} ms, recall {:.4}, {:.2} hits per query, \
                 {} queries checked against brute force",
                q.qps, q.p50_ms, q.p99_ms, q.recall, q.mean_hits, q.checked_against_brute_force
            );
        }
    }
    Ok(())
}
