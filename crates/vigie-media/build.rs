//! Tells the crate (and the person building it) whether libjpeg-turbo was built with its SIMD code.
//!
//! The `mozjpeg-sys` crate compiles libjpeg-turbo from source and uses its x86 SIMD routines only when the
//! `nasm` assembler is installed; without it the build succeeds silently and JPEG decoding (most of the time
//! `vigie hash` spends on a photo) is about three times slower. Its generated `jconfig.h` says which build it
//! made (`WITH_SIMD`), and cargo hands us its folder as `DEP_JPEG_INCLUDE`. This script turns that into the
//! `jpeg_simd` cfg (read by `vigie_media::JPEG_SIMD`) and, when SIMD is missing on x86, prints one warning
//! at build time that says how to get it.

use std::env;
use std::fs;
use std::path::PathBuf;

fn main() {
    println!("cargo::rustc-check-cfg=cfg(jpeg_simd)");
    let include = env::var_os("DEP_JPEG_INCLUDE").unwrap_or_default();
    let simd = env::split_paths(&include)
        .map(|dir| dir.join("jconfig.h"))
        .find(|path| path.is_file())
        .and_then(|path: PathBuf| fs::read_to_string(path).ok())
        .is_some_and(|config| {
            config
                .lines()
                .any(|line| line.trim() == "#define WITH_SIMD 1")
        });
    if simd {
        println!("cargo::rustc-cfg=jpeg_simd");
        return;
    }
    let arch = env::var("CARGO_CFG_TARGET_ARCH").unwrap_or_default();
    if arch == "x86_64" || arch == "x86" {
        println!(
            "cargo::warning=libjpeg-turbo was built without its SIMD code because `nasm` is not installed: JPEG \
             decoding (PDQ hashing of photos) will be about 3x slower. To get the fast decoder, run \
             `scripts/install-deps` (it installs nasm and rebuilds the decoder), or `apt-get install nasm` then \
             `cargo clean -p mozjpeg-sys`, and build again."
        );
    }
}
