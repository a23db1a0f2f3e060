//! Decoding with FFmpeg's libraries and hashing the sampled frames.
//!
//! The sampling follows Meta's vPDQ reference step by step, so that the same file gives the same frame hashes:
//! the first video stream; its average frame rate (or, when unknown, its base rate); every frame whose number in
//! decoding order is a multiple of `seconds_per_hash * rate` (truncated, at least 1); each converted to RGB at
//! the stream's own size by swscale with the area filter, from the pixel format the decoder announced; the
//! frame's time as its number over the rate in single precision. Like the reference, decoding stops at the first
//! packet that cannot be read; the decoder is drained at the end only when the video is the container's first
//! stream (the reference flushes with a blank packet, which names stream 0); a rotation in the container's side
//! data is not applied (the reference hashes frames as decoded).

use crate::FrameHash;
use ffmpeg_next::{codec, format, media, software, util};
use std::path::Path;
use std::sync::Once;
use std::time::{Duration, Instant};

/// Bounds on what one video may cost, checked before decoding from what the container announces, and while
/// decoding from what it gives.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct VideoLimits {
    /// Longest duration, in seconds (default 4 hours).
    pub max_seconds: f64,
    /// Largest width and height, in pixels (default 8192 each).
    pub max_side: u32,
    /// Largest frame, in pixels (default 8192 x 4320, "8K").
    pub max_pixels: u64,
    /// Most frames decoded (default 1,000,000: over 9 hours at 30 frames per second).
    pub max_frames: u64,
    /// Longest time spent opening and decoding one video (default 10 minutes); past it, reads are interrupted.
    pub max_decode: Duration,
}

impl Default for VideoLimits {
    fn default() -> Self {
        VideoLimits {
            max_seconds: 4.0 * 3600.0,
            max_side: 8192,
            max_pixels: 8192 * 4320,
            max_frames: 1_000_000,
            max_decode: Duration::from_secs(600),
        }
    }
}

/// How a video is hashed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct VideoOptions {
    /// One frame hashed per this many seconds (default 1, as the reference and python-threatexchange); 0: every
    /// frame.
    pub seconds_per_hash: f64,
    /// The bounds.
    pub limits: VideoLimits,
}

impl Default for VideoOptions {
    fn default() -> Self {
        VideoOptions {
            seconds_per_hash: 1.0,
            limits: VideoLimits::default(),
        }
    }
}

/// What the container says of a video.
#[derive(Debug, Clone, PartialEq)]
pub struct VideoInfo {
    /// The codec's short name (`h264`, `vp9`, ...).
    pub codec: String,
    /// Width in pixels, as stored (before any rotation).
    pub width: u32,
    /// Height in pixels, as stored.
    pub height: u32,
    /// Frames per second (the stream's average rate, else its base rate).
    pub frame_rate: f64,
    /// The duration, when the container gives one.
    pub seconds: Option<f64>,
    /// The frame count, when the container gives one.
    pub frames: Option<u64>,
    /// Frames the decoder produced to hash this video (0 from [`probe_video`]): fewer than the video has when
    /// frames no sampled frame needs were skipped.
    pub decoded_frames: u64,
}

/// Why a video could not be hashed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum VideoError {
    /// FFmpeg could not open the file or find its streams.
    #[error("cannot open as a video: {0}")]
    Open(String),
    /// The container holds no video stream.
    #[error("no video stream")]
    NoVideoStream,
    /// No decoder for the stream's codec.
    #[error("no decoder for its codec: {0}")]
    Codec(String),
    /// The stream gives no frame rate, or no size.
    #[error("the video stream has {0}")]
    Malformed(String),
    /// Over a limit.
    #[error("{what} {found} over the limit of {limit}")]
    Limit {
        /// What was over.
        what: &'static str,
        /// What was found.
        found: String,
        /// The limit.
        limit: String,
    },
    /// Decoding failed part way.
    #[error("decoding failed at frame {frame}: {reason}")]
    Decode {
        /// Frames decoded before.
        frame: u64,
        /// FFmpeg's reason.
        reason: String,
    },
    /// A frame smaller than PDQ can hash (the reference refuses the video).
    #[error("frames are {width}x{height} pixels: each side must be at least 5")]
    TooSmall {
        /// Width.
        width: u32,
        /// Height.
        height: u32,
    },
}

fn init() {
    static INIT: Once = Once::new();
    INIT.call_once(|| {
        // Registers nothing since FFmpeg 4; kept for older libraries. FFmpeg's own messages would go to standard
        // error, past Vigie's logs: only the fatal ones are let through.
        let _ = ffmpeg_next::init();
        util::log::set_level(util::log::Level::Fatal);
    });
}

/// What the container says of the video at `path`, without decoding it.
///
/// # Errors
/// [`VideoError::Open`], [`VideoError::NoVideoStream`], [`VideoError::Codec`] or [`VideoError::Malformed`].
pub fn probe_video(path: &Path) -> Result<VideoInfo, VideoError> {
    init();
    let deadline = Instant::now() + VideoLimits::default().max_decode;
    let input = format::input_with_interrupt(path, move || Instant::now() > deadline)
        .map_err(|e| VideoError::Open(e.to_string()))?;
    Ok(open_stream(&input)?.info)
}

struct Opened {
    index: usize,
    info: VideoInfo,
    decoder: codec::decoder::Video,
}

fn open_stream(input: &format::context::Input) -> Result<Opened, VideoError> {
    let stream = input
        .streams()
        .find(|s| s.parameters().medium() == media::Type::Video)
        .ok_or(VideoError::NoVideoStream)?;
    let parameters = stream.parameters();
    let id = parameters.id();
    let context = codec::context::Context::from_parameters(parameters)
        .map_err(|e| VideoError::Codec(format!("{}: {e}", id.name())))?;
    let decoder = context
        .decoder()
        .video()
        .map_err(|e| VideoError::Codec(format!("{}: {e}", id.name())))?;
    let (width, height) = (decoder.width(), decoder.height());
    if width == 0 || height == 0 {
        return Err(VideoError::Malformed(format!("a size of {width}x{height}")));
    }
    let mut rate = stream.avg_frame_rate();
    if rate.numerator() == 0 || rate.denominator() == 0 {
        rate = stream.rate();
    }
    let frame_rate = if rate.denominator() == 0 {
        0.0
    } else {
        f64::from(rate.numerator()) / f64::from(rate.denominator())
    };
    if frame_rate <= 0.0 || !frame_rate.is_finite() {
        return Err(VideoError::Malformed("no frame rate".to_owned()));
    }
    let seconds = if input.duration() > 0 {
        Some(input.duration() as f64 / f64::from(ffmpeg_next::ffi::AV_TIME_BASE))
    } else if stream.duration() > 0 {
        Some(stream.duration() as f64 * f64::from(stream.time_base()))
    } else {
        None
    };
    let frames = u64::try_from(stream.frames()).ok().filter(|&n| n > 0);
    Ok(Opened {
        index: stream.index(),
        info: VideoInfo {
            codec: id.name().to_owned(),
            width,
            height,
            frame_rate,
            seconds,
            frames,
            decoded_frames: 0,
        },
        decoder,
    })
}

fn over(what: &'static str, found: impl ToString, limit: impl ToString) -> VideoError {
    VideoError::Limit {
        what,
        found: found.to_string(),
        limit: limit.to_string(),
    }
}

/// Checks what the container announces against `limits`, before any frame is decoded.
fn check_announced(info: &VideoInfo, limits: &VideoLimits) -> Result<(), VideoError> {
    let side = info.width.max(info.height);
    if side > limits.max_side {
        return Err(over("a side of", format!("{side} pixels"), limits.max_side));
    }
    let pixels = u64::from(info.width) * u64::from(info.height);
    if pixels > limits.max_pixels {
        return Err(over(
            "a frame of",
            format!("{pixels} pixels"),
            limits.max_pixels,
        ));
    }
    if let Some(s) = info.seconds.filter(|&s| s > limits.max_seconds) {
        return Err(over(
            "a duration of",
            format!("{s:.0} s"),
            format!("{:.0} s", limits.max_seconds),
        ));
    }
    if let Some(n) = info.frames.filter(|&n| n > limits.max_frames) {
        return Err(over("a frame count of", n, limits.max_frames));
    }
    Ok(())
}

/// Hashes the video at `path` as the vPDQ reference does (see the module's notes): the container's description
/// and one [`FrameHash`] per sampled frame, in frame order.
///
/// Frames that are not sampled are decoded only as far as the sampled ones need them. A first pass reads the
/// packets without decoding; when every packet has its own presentation time, a frame's number (its place in
/// the output order, which the reference counts) is the rank of its time, so each packet's frame is known to be
/// sampled or not before it is decoded: when every packet is a key frame (intra-only codecs: MJPEG, FFV1, ...)
/// the packets of frames not sampled are not decoded at all; otherwise they are decoded with FFmpeg's
/// `skip_frame = nonref` (a frame no other frame refers to is dropped, which changes no other frame's pixels).
/// The sampled frames must then come out with the times foretold; if any does not, or a packet lacks a time, the
/// video is decoded again frame by frame as the reference does.
///
/// # Errors
/// A [`VideoError`] naming why: the file does not open as a video, a limit is passed (before or while decoding),
/// a packet is refused by the decoder, or the frames are too small for PDQ. Reading stops at the first packet
/// that cannot be read, as in the reference, which is not an error.
pub fn hash_video(
    path: &Path,
    options: &VideoOptions,
) -> Result<(VideoInfo, Vec<FrameHash>), VideoError> {
    init();
    let started = Instant::now();
    if let Some(plan) = plan(path, options, started)? {
        let (info, frames, verified) = decode(path, options, started, Some(&plan))?;
        if verified {
            return Ok((info, frames));
        }
    }
    let (info, frames, _) = decode(path, options, started, None)?;
    Ok((info, frames))
}

/// What the first pass learnt: for each packet of the video stream, in reading order, whether its frame is
/// sampled; the frame number of each presentation time; the sampled numbers; whether every packet is a key frame.
struct Plan {
    sampled: Vec<bool>,
    number_of: std::collections::HashMap<i64, u64>,
    expected: Vec<u64>,
    all_key: bool,
}

fn open(path: &Path, deadline: Instant) -> Result<format::context::Input, VideoError> {
    format::input_with_interrupt(path, move || Instant::now() > deadline)
        .map_err(|e| VideoError::Open(e.to_string()))
}

fn timed_out(started: Instant, limits: &VideoLimits) -> VideoError {
    over(
        "decoding time",
        format!("{:.0} s", started.elapsed().as_secs_f64()),
        format!("{:.0} s", limits.max_decode.as_secs_f64()),
    )
}

/// Reads the video stream's packets without decoding them; `None` when a packet has no presentation time, or two
/// share one (then frames are numbered only by decoding them all).
fn plan(path: &Path, options: &VideoOptions, started: Instant) -> Result<Option<Plan>, VideoError> {
    let limits = options.limits;
    let mut input = open(path, started + limits.max_decode)?;
    let opened = open_stream(&input)?;
    check_announced(&opened.info, &limits)?;
    let every = sampling_step(options, &opened.info);
    let mut times = Vec::new();
    let mut all_key = true;
    let mut packet = codec::packet::Packet::empty();
    loop {
        match packet.read(&mut input) {
            Ok(()) => {}
            Err(ffmpeg_next::Error::Exit) => return Err(timed_out(started, &limits)),
            Err(_) => break,
        }
        if packet.stream() != opened.index {
            continue;
        }
        let Some(pts) = packet.pts() else {
            return Ok(None);
        };
        times.push(pts);
        all_key &= packet.is_key();
        if times.len() as u64 > limits.max_frames {
            return Err(over("a frame count of", times.len(), limits.max_frames));
        }
    }
    let mut order: Vec<i64> = times.clone();
    order.sort_unstable();
    if order.windows(2).any(|w| w[0] == w[1]) {
        return Ok(None);
    }
    let number_of: std::collections::HashMap<i64, u64> = order
        .iter()
        .enumerate()
        .map(|(n, &t)| (t, n as u64))
        .collect();
    let sampled = times
        .iter()
        .map(|t| number_of.get(t).is_some_and(|&n| n % every == 0))
        .collect();
    let expected = (0..order.len() as u64).filter(|n| n % every == 0).collect();
    Ok(Some(Plan {
        sampled,
        number_of,
        expected,
        all_key,
    }))
}

/// One frame every `seconds_per_hash * rate` frames, truncated as the reference truncates it, at least every one.
fn sampling_step(options: &VideoOptions, info: &VideoInfo) -> u64 {
    ((options.seconds_per_hash * info.frame_rate) as i64).max(1) as u64
}

/// Decodes and hashes; with a plan, only what the sampled frames need, and says whether the sampled frames came
/// out as the plan foretold.
fn decode(
    path: &Path,
    options: &VideoOptions,
    started: Instant,
    plan: Option<&Plan>,
) -> Result<(VideoInfo, Vec<FrameHash>, bool), VideoError> {
    let limits = options.limits;
    let deadline = started + limits.max_decode;
    let mut input = open(path, deadline)?;
    let Opened {
        index,
        info,
        mut decoder,
    } = open_stream(&input)?;
    check_announced(&info, &limits)?;
    let (width, height) = (info.width, info.height);
    if width < vigie_pdq::MIN_SIDE as u32 || height < vigie_pdq::MIN_SIDE as u32 {
        return Err(VideoError::TooSmall { width, height });
    }
    let scaler = software::scaling::Context::get(
        decoder.format(),
        width,
        height,
        format::Pixel::RGB24,
        width,
        height,
        software::scaling::Flags::AREA,
    )
    .map_err(|e| VideoError::Malformed(format!("a pixel format swscale cannot convert: {e}")))?;
    let mut sampler = Sampler {
        hasher: vigie_pdq::Hasher::new(),
        scaler,
        decoded: util::frame::Video::empty(),
        rgb: util::frame::Video::empty(),
        packed: Vec::new(),
        frames: Vec::new(),
        count: 0,
        every: sampling_step(options, &info),
        rate: info.frame_rate as f32,
        width,
        height,
        limits,
        deadline,
        plan,
        unforeseen: false,
    };
    let mut packet = codec::packet::Packet::empty();
    let mut position = 0usize;
    loop {
        match packet.read(&mut input) {
            Ok(()) => {}
            Err(ffmpeg_next::Error::Exit) => return Err(timed_out(started, &limits)),
            // End of file, or a packet that cannot be read: the reference stops there too.
            Err(_) => break,
        }
        if packet.stream() != index {
            continue;
        }
        if let Some(plan) = plan {
            let sampled = plan.sampled.get(position).copied().unwrap_or(true);
            position += 1;
            if !sampled && plan.all_key {
                continue;
            }
            decoder.skip_frame(if sampled {
                ffmpeg_next::Discard::Default
            } else {
                ffmpeg_next::Discard::NonReference
            });
        }
        decoder
            .send_packet(&packet)
            .map_err(|e| VideoError::Decode {
                frame: sampler.count,
                reason: e.to_string(),
            })?;
        sampler.drain(&mut decoder)?;
    }
    if index == 0 && decoder.send_eof().is_ok() {
        sampler.drain(&mut decoder)?;
    }
    let mut info = info;
    info.decoded_frames = sampler.count;
    let verified = plan.is_some_and(|p| {
        !sampler.unforeseen
            && sampler.frames.len() == p.expected.len()
            && sampler
                .frames
                .iter()
                .zip(&p.expected)
                .all(|(f, &n)| f.frame == n)
    });
    Ok((info, sampler.frames, verified))
}

/// The frames decoded so far and the buffers reused for each.
struct Sampler<'p> {
    hasher: vigie_pdq::Hasher,
    scaler: software::scaling::Context,
    decoded: util::frame::Video,
    rgb: util::frame::Video,
    packed: Vec<u8>,
    frames: Vec<FrameHash>,
    /// Frames the decoder gave.
    count: u64,
    every: u64,
    rate: f32,
    width: u32,
    height: u32,
    limits: VideoLimits,
    deadline: Instant,
    /// With a plan, a frame's number is the rank of its time, and frames not sampled are skipped.
    plan: Option<&'p Plan>,
    /// A frame came out that the plan did not foresee (no time, or a time it does not know).
    unforeseen: bool,
}

impl Sampler<'_> {
    /// Takes every frame the decoder has ready, hashing those sampled.
    fn drain(&mut self, decoder: &mut codec::decoder::Video) -> Result<(), VideoError> {
        loop {
            match decoder.receive_frame(&mut self.decoded) {
                Ok(()) => {}
                Err(ffmpeg_next::Error::Eof) => return Ok(()),
                Err(ffmpeg_next::Error::Other { errno }) if errno == util::error::EAGAIN => {
                    return Ok(());
                }
                Err(e) => {
                    return Err(VideoError::Decode {
                        frame: self.count,
                        reason: e.to_string(),
                    });
                }
            }
            let counted = self.count;
            self.count += 1;
            if self.count > self.limits.max_frames {
                return Err(over("a frame count of", self.count, self.limits.max_frames));
            }
            if Instant::now() > self.deadline {
                return Err(over(
                    "decoding time",
                    format!("more than {:.0} s", self.limits.max_decode.as_secs_f64()),
                    format!("{:.0} s", self.limits.max_decode.as_secs_f64()),
                ));
            }
            let number = match self.plan {
                None => counted,
                Some(plan) => match self.decoded.pts().and_then(|t| plan.number_of.get(&t)) {
                    Some(&n) => n,
                    None => {
                        self.unforeseen = true;
                        continue;
                    }
                },
            };
            if number % self.every != 0 {
                continue;
            }
            self.scaler
                .run(&self.decoded, &mut self.rgb)
                .map_err(|e| VideoError::Decode {
                    frame: number,
                    reason: format!(
                        "frame {}x{} in {:?} after {}x{}: {e}",
                        self.decoded.width(),
                        self.decoded.height(),
                        self.decoded.format(),
                        self.width,
                        self.height
                    ),
                })?;
            let (w, h) = (self.width as usize, self.height as usize);
            let stride = self.rgb.stride(0);
            let data = self.rgb.data(0);
            self.packed.clear();
            for row in 0..h {
                self.packed
                    .extend_from_slice(&data[row * stride..row * stride + 3 * w]);
            }
            let pdq = self
                .hasher
                .hash_rgb(w, h, &self.packed)
                .map_err(|e| VideoError::Decode {
                    frame: number,
                    reason: e.to_string(),
                })?;
            self.frames.push(FrameHash {
                frame: number,
                quality: pdq.quality,
                hash: pdq.hash,
                seconds: f64::from(number as f32 / self.rate),
            });
        }
    }
}
