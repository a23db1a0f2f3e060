//! Generated videos: frames drawn by [`crate::draw_video`], encoded by the `ffmpeg` program (Debian's `ffmpeg`)
//! in whatever codec, size and rate a test or benchmark asks for. No real imagery.

use crate::error::SampleError;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

/// A video to generate.
#[derive(Debug, Clone, Copy)]
pub struct VideoSpec<'a> {
    /// Seed of the drawings.
    pub seed: u64,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Frames per second, as `ffmpeg` takes it (`30`, `30000/1001`).
    pub rate: &'a str,
    /// Frames.
    pub frames: u32,
    /// A new scene every this many frames (panned one pixel per frame in between).
    pub frames_per_scene: u32,
    /// `ffmpeg`'s output options: codec, pixel format, quality, metadata.
    pub encode: &'a [&'a str],
    /// Put a silent audio track first, so that the video is the container's second stream.
    pub audio_first: bool,
}

/// Writes the video `spec` describes to `path` (its extension picks the container), piping the drawn frames to
/// `ffmpeg` as raw RGB.
///
/// # Errors
/// [`SampleError::Video`] when `ffmpeg` is missing or fails (its messages included).
pub fn encode_video(path: &Path, spec: &VideoSpec<'_>) -> Result<(), SampleError> {
    let failed = |reason: String| SampleError::Video {
        path: path.to_path_buf(),
        reason,
    };
    let mut cmd = Command::new("ffmpeg");
    cmd.args(["-v", "error", "-y"]);
    if spec.audio_first {
        cmd.args(["-f", "lavfi", "-i", "anullsrc=r=8000:cl=mono"]);
    }
    let size = format!("{}x{}", spec.width, spec.height);
    cmd.args([
        "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", &size, "-r", spec.rate, "-i", "-",
    ]);
    if spec.audio_first {
        cmd.args([
            "-map",
            "0:a",
            "-map",
            "1:v",
            "-shortest",
            "-c:a",
            "pcm_s16le",
        ]);
    }
    cmd.args(spec.encode).arg(path);
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| failed(e.to_string()))?;
    if let Some(mut stdin) = child.stdin.take() {
        for frame in crate::draw_video(
            spec.seed,
            spec.width,
            spec.height,
            spec.frames,
            spec.frames_per_scene,
        ) {
            if let Err(e) = stdin.write_all(&frame) {
                // ffmpeg stopped reading: its messages say why.
                drop(stdin);
                let out = child
                    .wait_with_output()
                    .map_err(|e| failed(e.to_string()))?;
                return Err(failed(format!(
                    "{e}: {}",
                    String::from_utf8_lossy(&out.stderr).trim()
                )));
            }
        }
    }
    let out = child
        .wait_with_output()
        .map_err(|e| failed(e.to_string()))?;
    if !out.status.success() {
        return Err(failed(format!(
            "{}: {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    Ok(())
}
