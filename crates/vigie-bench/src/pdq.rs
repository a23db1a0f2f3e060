//! `vigie-bench pdq`: generates photo-like JPEG images, then times on one thread PDQ from decoded pixels and
//! decoding plus PDQ; writes every hash for comparison with the reference (`bench/pdq-vs-reference.sh`).

use crate::OutputFormat;
use anyhow::Context;
use serde::Serialize;
use std::time::Instant;

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
