//! Video hashes against Meta's vPDQ reference: videos made by the project's own frame generator
//! (`vigie_sample::draw_video`), encoded by FFmpeg in several codecs, sizes and rates (one rotated, one very short,
//! one whose video is not the first stream), hashed by `vigie hash` and by the reference's Python bindings (`vpdq`
//! from PyPI, in a virtual environment the test makes); every frame hash must be equal, bit for bit.

#[allow(dead_code)]
mod util;

use std::path::Path;
use std::process::Command;
use util::{Dir, show};

const VPDQ: &str = "vpdq==0.2.5";

/// One generated video: how it is drawn and how FFmpeg encodes it.
struct Case {
    name: &'static str,
    seed: u64,
    width: u32,
    height: u32,
    /// Frames per second, as FFmpeg takes it (`30000/1001` allowed).
    rate: &'static str,
    frames: u32,
    /// FFmpeg's output options.
    encode: &'static [&'static str],
    /// Add a silent audio track as the container's first stream.
    audio_first: bool,
}

const CASES: &[Case] = &[
    Case {
        name: "h264-320x240-30.mp4",
        seed: 1,
        width: 320,
        height: 240,
        rate: "30",
        frames: 150,
        encode: &["-c:v", "libx264", "-pix_fmt", "yuv420p", "-crf", "23"],
        audio_first: false,
    },
    Case {
        name: "h264-ntsc-1280x720.mp4",
        seed: 2,
        width: 1280,
        height: 720,
        rate: "30000/1001",
        frames: 100,
        encode: &[
            "-c:v",
            "libx264",
            "-pix_fmt",
            "yuv420p",
            "-preset",
            "ultrafast",
        ],
        audio_first: false,
    },
    Case {
        name: "mpeg4-176x144-25.avi",
        seed: 3,
        width: 176,
        height: 144,
        rate: "25",
        frames: 100,
        encode: &["-c:v", "mpeg4", "-q:v", "5"],
        audio_first: false,
    },
    Case {
        name: "vp9-640x360-24.webm",
        seed: 4,
        width: 640,
        height: 360,
        rate: "24",
        frames: 72,
        encode: &[
            "-c:v",
            "libvpx-vp9",
            "-b:v",
            "500k",
            "-deadline",
            "realtime",
            "-cpu-used",
            "8",
        ],
        audio_first: false,
    },
    Case {
        name: "mjpeg-160x120-15.avi",
        seed: 5,
        width: 160,
        height: 120,
        rate: "15",
        frames: 45,
        encode: &["-c:v", "mjpeg", "-q:v", "4"],
        audio_first: false,
    },
    Case {
        name: "ffv1-odd-199x151-10.mkv",
        seed: 6,
        width: 199,
        height: 151,
        rate: "10",
        frames: 30,
        encode: &["-c:v", "ffv1", "-pix_fmt", "yuv444p"],
        audio_first: false,
    },
    Case {
        name: "h264-rotated-90.mp4",
        seed: 7,
        width: 320,
        height: 180,
        rate: "30",
        frames: 90,
        encode: &[
            "-c:v",
            "libx264",
            "-pix_fmt",
            "yuv420p",
            "-metadata:s:v:0",
            "rotate=90",
        ],
        audio_first: false,
    },
    Case {
        name: "h264-very-short.mp4",
        seed: 8,
        width: 96,
        height: 64,
        rate: "30",
        frames: 4,
        encode: &["-c:v", "libx264", "-pix_fmt", "yuv420p"],
        audio_first: false,
    },
    Case {
        name: "hevc-audio-first-256x144-20.mkv",
        seed: 9,
        width: 256,
        height: 144,
        rate: "20",
        frames: 60,
        encode: &[
            "-c:v",
            "libx265",
            "-pix_fmt",
            "yuv420p",
            "-x265-params",
            "log-level=none",
        ],
        audio_first: true,
    },
];

/// Encodes `case` (frames drawn by the project's generator, piped to the `ffmpeg` program).
fn make(case: &Case, dir: &Path) -> std::path::PathBuf {
    let out = dir.join(case.name);
    let spec = vigie_sample::VideoSpec {
        seed: case.seed,
        width: case.width,
        height: case.height,
        rate: case.rate,
        frames: case.frames,
        frames_per_scene: 30,
        encode: case.encode,
        audio_first: case.audio_first,
    };
    vigie_sample::encode_video(&out, &spec).unwrap_or_else(|e| panic!("{}: {e}", case.name));
    out
}

/// The reference's frames of each file: `frame,quality,hash,seconds` lines, the seconds to three decimals; and
/// the same frames in python-threatexchange's layout.
fn reference(venv: &Path, files: &[std::path::PathBuf]) -> (Vec<Vec<String>>, Vec<String>) {
    let script = [
        "import json, sys, vpdq",
        "for path in sys.argv[1:]:",
        "    print('#', path)",
        "    fs = vpdq.computeHash(path, seconds_per_hash=1, thread_count=1)",
        "    for f in fs:",
        "        print('%d,%d,%s,%.3f' % (f.frame_number, f.quality, f.hex, f.timestamp))",
        // python-threatexchange's layout of the same frames (its VpdqCompactFeature and vpdq_to_json).
        "    print('TE', json.dumps([f'{f.hex},{f.quality},{f.timestamp:.3}' for f in fs]))",
    ]
    .join("\n");
    let out = Command::new(venv.join("bin/python"))
        .arg("-c")
        .arg(script)
        .args(files)
        .output()
        .unwrap_or_else(|e| panic!("python: {e}"));
    assert!(out.status.success(), "vpdq failed: {}", show(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    let mut all: Vec<Vec<String>> = Vec::new();
    let mut threatexchange = Vec::new();
    for line in text.lines() {
        if line.starts_with("# ") {
            all.push(Vec::new());
        } else if let Some(json) = line.strip_prefix("TE ") {
            threatexchange.push(json.to_owned());
        } else if let Some(last) = all.last_mut() {
            last.push(line.to_owned());
        }
    }
    (all, threatexchange)
}

#[test]
fn regression_20_generated_videos_hash_as_the_vpdq_reference_hashes_them() {
    let Some(venv) = util::venv("vpdq-venv", VPDQ, "VIGIE_SKIP_VPDQ") else {
        return;
    };
    let d = Dir::new();
    let files: Vec<_> = CASES.iter().map(|c| make(c, d.path())).collect();
    let (expected, threatexchange) = reference(&venv, &files);
    assert_eq!(expected.len(), files.len());
    assert_eq!(threatexchange.len(), files.len());
    // python-threatexchange's layout, written by the library from the exact frame times, is the same text.
    for (file, want) in files.iter().zip(&threatexchange) {
        let (_, frames) = vigie_video::hash_video(file, &vigie_video::VideoOptions::default())
            .unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        assert_eq!(
            &vigie_video::format_threatexchange(&frames),
            want,
            "{}",
            file.display()
        );
        let back = vigie_video::parse_threatexchange(want).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(back.len(), frames.len());
    }
    for (case, (file, want)) in CASES.iter().zip(files.iter().zip(&expected)) {
        let path = file.to_string_lossy().into_owned();
        let got = d.ok(&["hash", "--output", "vpdq", &path]);
        let got: Vec<&str> = got.lines().collect();
        assert!(
            !want.is_empty(),
            "{}: the reference hashed no frame",
            case.name
        );
        assert_eq!(
            got, *want,
            "{}: frame hashes differ from the reference",
            case.name
        );
    }
    // What each case exercises holds: one frame a second (the NTSC one every 29 frames), the very short one a
    // single frame, the rotated one at its stored size.
    let lines = |name: &str| {
        let i = CASES.iter().position(|c| c.name == name).unwrap_or(0);
        expected[i].clone()
    };
    assert_eq!(lines("h264-320x240-30.mp4").len(), 5);
    assert!(lines("h264-ntsc-1280x720.mp4")[1].starts_with("29,"));
    assert_eq!(lines("h264-very-short.mp4").len(), 1);
    let rotated = d.ok(&["hash", "--output", "jsonl", &files[6].to_string_lossy()]);
    let v: serde_json::Value =
        serde_json::from_str(rotated.trim()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        (v["vpdq"]["width"].as_u64(), v["vpdq"]["height"].as_u64()),
        (Some(320), Some(180))
    );
}

#[test]
fn regression_20_a_file_that_is_not_a_whole_video_is_named_with_the_reason() {
    let d = Dir::new();
    let case = &CASES[0];
    let good = make(case, d.path());
    let bytes = std::fs::read(&good).unwrap_or_else(|e| panic!("{e}"));
    // The container's start kept (so it is still sniffed as a video), the rest cut: FFmpeg cannot find the
    // stream's data.
    let cut = d.join("cut.mp4");
    std::fs::write(&cut, &bytes[..bytes.len().min(64)]).unwrap_or_else(|e| panic!("{e}"));
    let out = d.run(&[
        "hash",
        "--output",
        "jsonl",
        &cut.to_string_lossy(),
        &good.to_string_lossy(),
    ]);
    assert_eq!(out.status.code(), Some(3), "{}", show(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("cut.mp4") && err.contains("video:"), "{err}");
    // The good video after it was still hashed.
    let stdout = String::from_utf8_lossy(&out.stdout);
    let last: serde_json::Value = serde_json::from_str(stdout.lines().last().unwrap_or(""))
        .unwrap_or_else(|e| panic!("{e}: {stdout}"));
    assert_eq!(last["vpdq"]["frames"].as_array().map(Vec::len), Some(5));
    // `--output vpdq` takes one video.
    let two = d.run(&[
        "hash",
        "--output",
        "vpdq",
        &good.to_string_lossy(),
        &good.to_string_lossy(),
    ]);
    assert!(!two.status.success());
    assert!(
        String::from_utf8_lossy(&two.stderr).contains("one video"),
        "{}",
        show(&two)
    );
}

#[test]
fn regression_20_a_re_encoded_video_still_matches_and_another_does_not() {
    let d = Dir::new();
    let spec = |seed: u64| vigie_sample::VideoSpec {
        seed,
        width: 640,
        height: 360,
        rate: "25",
        frames: 250,
        frames_per_scene: 50,
        encode: &["-c:v", "libx264", "-pix_fmt", "yuv420p", "-crf", "18"],
        audio_first: false,
    };
    let original = d.join("original.mp4");
    vigie_sample::encode_video(&original, &spec(11)).unwrap_or_else(|e| panic!("{e}"));
    let other = d.join("other.mp4");
    vigie_sample::encode_video(&other, &spec(12)).unwrap_or_else(|e| panic!("{e}"));
    // Re-encoded as a re-uploader would: half the size, another codec and a low bitrate.
    let copy = d.join("copy.webm");
    let out = Command::new("ffmpeg")
        .args(["-v", "error", "-y", "-i"])
        .arg(&original)
        .args(["-vf", "scale=320:180", "-c:v", "libvpx-vp9", "-b:v", "150k"])
        .args(["-deadline", "realtime", "-cpu-used", "8"])
        .arg(&copy)
        .output()
        .unwrap_or_else(|e| panic!("ffmpeg: {e}"));
    assert!(out.status.success(), "{}", show(&out));
    let frames = |path: &Path| {
        let text = d.ok(&["hash", "--output", "vpdq", &path.to_string_lossy()]);
        vigie_video::parse_vpdq(&text).unwrap_or_else(|e| panic!("{e}"))
    };
    let (a, b, c) = (frames(&original), frames(&copy), frames(&other));
    assert_eq!((a.len(), b.len()), (10, 10));
    let settings = vigie_video::MatchSettings::default();
    let same = vigie_video::match_frames(&b, &a, &settings);
    assert!(same.matched, "the re-encoded copy does not match: {same:?}");
    assert!(same.query_percent >= 90.0, "{same:?}");
    // Each matched frame is paired with the original's frame at the same time.
    assert!(
        same.pairs
            .iter()
            .all(|p| (p.query.seconds - p.target.seconds).abs() < 0.05),
        "{:?}",
        same.pairs
    );
    let different = vigie_video::match_frames(&c, &a, &settings);
    assert!(!different.matched, "another video matched: {different:?}");
    assert!(different.query_percent < 20.0, "{different:?}");
}

#[test]
fn regression_20_a_scan_stores_each_videos_vpdq_and_goes_on_past_a_broken_one() {
    let d = Dir::new();
    let media = d.join("media");
    std::fs::create_dir_all(&media).unwrap_or_else(|e| panic!("{e}"));
    let good = make(&CASES[2], &media);
    let bytes = std::fs::read(&good).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(media.join("broken.avi"), &bytes[..bytes.len().min(2048)])
        .unwrap_or_else(|e| panic!("{e}"));
    let db = d.join("vigie.db").to_string_lossy().into_owned();
    let blobs = d.join("blobs");
    let out = d.run(&[
        "--db",
        &db,
        "--media-dir",
        &blobs.to_string_lossy(),
        "scan",
        &media.to_string_lossy(),
    ]);
    assert!(out.status.success(), "{}", show(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("broken.avi") && err.contains("no vPDQ hash"),
        "{err}"
    );
    let sha = |b: &[u8]| {
        use sha2::Digest;
        hex::encode(sha2::Sha256::digest(b))
    };
    let mut store = vigie_store::open(&db, Some(&blobs)).unwrap_or_else(|e| panic!("{e}"));
    let stored = store
        .video_hash(&sha(&bytes))
        .unwrap_or_else(|e| panic!("{e}"))
        .unwrap_or_else(|| panic!("no vPDQ stored for the video"));
    let printed = d.ok(&["hash", "--output", "vpdq", &good.to_string_lossy()]);
    assert_eq!(stored.frames, printed);
    assert_eq!(
        (stored.codec.as_str(), stored.width, stored.height),
        ("mpeg4", 176, 144)
    );
    assert_eq!(stored.frame_count, 4);
    let broken = std::fs::read(media.join("broken.avi")).unwrap_or_else(|e| panic!("{e}"));
    assert!(
        store
            .video_hash(&sha(&broken))
            .unwrap_or_else(|e| panic!("{e}"))
            .is_none()
    );
}

#[test]
fn regression_20_video_limits_come_from_the_settings_and_are_checked_before_decoding() {
    let d = Dir::new();
    let media = d.join("media");
    std::fs::create_dir_all(&media).unwrap_or_else(|e| panic!("{e}"));
    // 150 frames at 30 per second: 5 seconds, 320x240.
    let video = make(&CASES[0], &media);
    let path = video.to_string_lossy().into_owned();
    for (setting, reason) in [
        (
            "max_video_seconds = 2.0",
            "a duration of 5 s over the limit of 2 s",
        ),
        (
            "max_video_side = 300",
            "a side of 320 pixels over the limit of 300",
        ),
        ("max_video_frames = 100", "over the limit of 100"),
    ] {
        std::fs::write(d.join("vigie.toml"), format!("[limits]\n{setting}\n"))
            .unwrap_or_else(|e| panic!("{e}"));
        let out = d.run(&["hash", "--output", "jsonl", &path]);
        assert_eq!(out.status.code(), Some(3), "{setting}: {}", show(&out));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(reason), "{setting}: {err}");
        // The scan keeps the medium without a vPDQ hash, says why, and goes on.
        let db = d.join("limits.db").to_string_lossy().into_owned();
        let _ = std::fs::remove_file(&db);
        let out = d.run(&[
            "--db",
            &db,
            "--media-dir",
            &d.join("blobs").to_string_lossy(),
            "scan",
            &media.to_string_lossy(),
        ]);
        assert!(out.status.success(), "{}", show(&out));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("no vPDQ hash") && err.contains(reason),
            "{setting}: {err}"
        );
    }
    // The same settings from the environment.
    std::fs::remove_file(d.join("vigie.toml")).unwrap_or_else(|e| panic!("{e}"));
    let out = d
        .vigie(&["hash", "--output", "jsonl", &path])
        .env("VIGIE_LIMITS__MAX_VIDEO_SECONDS", "1")
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(out.status.code(), Some(3), "{}", show(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("over the limit of 1 s"));
    // Within the limits it is hashed.
    let out = d.ok(&["hash", "--output", "vpdq", &path]);
    assert_eq!(out.lines().count(), 5);
}
