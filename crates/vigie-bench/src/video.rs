//! `vigie-bench video`: vPDQ hashing throughput (seconds of video per second of wall time) on generated videos of
//! several codecs, on the calling thread; the frames are written for `bench/vpdq-vs-reference.sh`, which times
//! Meta's reference on the same files and checks every hash.

use crate::OutputFormat;
use anyhow::Context;
use serde::Serialize;
use std::path::Path;
use std::time::Instant;

/// The videos: name, size, rate, codec options. Frames: `seconds` times the rate.
const VIDEOS: &[(&str, u32, u32, u32, &[&str])] = &[
    (
        "h264-1280x720-30.mp4",
        1280,
        720,
        30,
        &[
            "-c:v", "libx264", "-pix_fmt", "yuv420p", "-preset", "veryfast",
        ],
    ),
    (
        "vp9-640x360-24.webm",
        640,
        360,
        24,
        &[
            "-c:v",
            "libvpx-vp9",
            "-b:v",
            "800k",
            "-deadline",
            "realtime",
            "-cpu-used",
            "8",
        ],
    ),
    (
        "mpeg4-640x480-25.mp4",
        640,
        480,
        25,
        &["-c:v", "mpeg4", "-q:v", "4", "-bf", "2"],
    ),
    (
        "mjpeg-640x360-30.avi",
        640,
        360,
        30,
        &["-c:v", "mjpeg", "-q:v", "4"],
    ),
];

#[derive(Serialize)]
struct VideoFigures {
    file: String,
    video_seconds: f64,
    wall_seconds: f64,
    /// Seconds of video hashed per second of wall time.
    throughput: f64,
    frames_hashed: usize,
    frames_decoded: u64,
}

/// Makes the videos in `dir/vpdq-videos` (kept and reused), hashes each once, prints the figures and writes
/// each video's frames to `dir/vpdq-ours/NAME.txt` in the reference's layout.
pub fn video(fmt: OutputFormat, seconds: u32, dir: &Path) -> anyhow::Result<()> {
    let videos = dir.join("vpdq-videos");
    let ours = dir.join("vpdq-ours");
    std::fs::create_dir_all(&videos)?;
    std::fs::create_dir_all(&ours)?;
    let mut figures = Vec::new();
    for (i, (name, width, height, rate, encode)) in VIDEOS.iter().enumerate() {
        let path = videos.join(name);
        let stamp = videos.join(format!("{name}.seconds"));
        if std::fs::read_to_string(&stamp).ok() != Some(seconds.to_string()) {
            let rate_text = rate.to_string();
            let spec = vigie_sample::VideoSpec {
                seed: 100 + i as u64,
                width: *width,
                height: *height,
                rate: &rate_text,
                frames: seconds * rate,
                frames_per_scene: 2 * rate,
                encode,
                audio_first: false,
            };
            vigie_sample::encode_video(&path, &spec)?;
            std::fs::write(&stamp, seconds.to_string())?;
        }
        let started = Instant::now();
        let (info, frames) = vigie_video::hash_video(&path, &vigie_video::VideoOptions::default())
            .with_context(|| format!("{}", path.display()))?;
        let wall = started.elapsed().as_secs_f64();
        std::fs::write(
            ours.join(format!("{name}.txt")),
            vigie_video::format_vpdq(&frames),
        )?;
        let video_seconds = f64::from(seconds);
        figures.push(VideoFigures {
            file: (*name).to_owned(),
            video_seconds,
            wall_seconds: wall,
            throughput: video_seconds / wall,
            frames_hashed: frames.len(),
            frames_decoded: info.decoded_frames,
        });
    }
    match fmt {
        OutputFormat::Json => println!("{}", serde_json::to_string(&figures)?),
        OutputFormat::Text => {
            for f in &figures {
                println!(
                    "{}: {:.0} s of video in {:.2} s ({:.1} s of video per second; {} frames hashed, {} decoded)",
                    f.file,
                    f.video_seconds,
                    f.wall_seconds,
                    f.throughput,
                    f.frames_hashed,
                    f.frames_decoded
                );
            }
        }
    }
    Ok(())
}
