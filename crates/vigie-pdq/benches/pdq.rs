//! Hashing speed on a synthetic 1024x768 photo-like image: smooth gradients plus noise, generated here.
//!
//! Meta's reference C++ takes about 17-22 ms for such an image on one core of the development machine.

// criterion_group! generates an undocumented public function.
#![allow(missing_docs)]

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use vigie_pdq::Hasher;

/// A deterministic RGB image: two crossing gradients, a few soft blobs and +-16 levels of xorshift noise.
fn synthetic_rgb(width: usize, height: usize, seed: u32) -> Vec<u8> {
    let mut state = seed | 1;
    let mut noise = move || {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        (state >> 27) as f32 - 16.0
    };
    let mut rgb = Vec::with_capacity(width * height * 3);
    for y in 0..height {
        for x in 0..width {
            let (u, v) = (x as f32 / width as f32, y as f32 / height as f32);
            let blob = ((u * 9.0).sin() * (v * 7.0).cos() * 60.0) + ((u + v) * 20.0).sin() * 20.0;
            let base = [
                200.0 * u + 30.0,
                180.0 * v + 40.0,
                120.0 * (1.0 - u * v) + 50.0,
            ];
            for channel in base {
                rgb.push((channel + blob + noise()).clamp(0.0, 255.0) as u8);
            }
        }
    }
    rgb
}

fn bench(c: &mut Criterion) {
    let (width, height) = (1024, 768);
    let rgb = synthetic_rgb(width, height, 7);
    let mut hasher = Hasher::new();

    // The bench must measure real work: a detailed image with a stable, high-quality hash.
    let first = hasher.hash_rgb(width, height, &rgb).expect("valid image");
    assert!(
        first.quality >= 50,
        "synthetic image should be detailed, quality {}",
        first.quality
    );
    assert_eq!(
        hasher.hash_rgb(width, height, &rgb).expect("valid image"),
        first
    );
    let dihedral = hasher
        .hash_rgb_dihedral(width, height, &rgb)
        .expect("valid image");
    assert_eq!(dihedral.hashes[0], first.hash);

    let mut group = c.benchmark_group("pdq");
    group.throughput(Throughput::Elements(1));
    group.bench_function("hash_rgb_1024x768", |b| {
        b.iter(|| {
            hasher
                .hash_rgb(width, height, black_box(&rgb))
                .expect("valid image")
        })
    });
    group.bench_function("hash_rgb_dihedral_1024x768", |b| {
        b.iter(|| {
            hasher
                .hash_rgb_dihedral(width, height, black_box(&rgb))
                .expect("valid image")
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
