//! vPDQ video hashes: the PDQ hash of frames sampled from a video as Meta's vPDQ reference samples them, their
//! text layout, and the bag-of-frames comparison the reference defines.
//!
//! - [`hash_video`] decodes a file with FFmpeg's libraries (the system's, through `ffmpeg-next`), converts each
//!   sampled frame to RGB as the reference does (swscale, area filter, at the stream's own size), and hashes it
//!   with Vigie's PDQ (bit-exact with the PDQ reference). Every frame whose number is a multiple of
//!   `seconds_per_hash * frame rate` (truncated, at least 1) is hashed; each keeps its number, quality and time.
//!   [`VideoLimits`] are checked before decoding (duration, size, announced frame count) and while decoding
//!   (frames, decode time, a size change).
//! - [`format_vpdq`] and [`parse_vpdq`]: the reference's text layout, one frame per line
//!   (`frame,quality,hash,seconds` with three decimals).
//! - [`format_threatexchange`] and [`parse_threatexchange`]: python-threatexchange's layout of a vPDQ signal (a
//!   JSON list of `"hash,quality,seconds"` strings), for banks and hash lists.
//! - [`match_frames`]: the share of one video's frames (of quality at least the threshold) that have a frame of
//!   the other within the distance, both ways, with the matching pairs.

mod decode;
mod vpdq;

pub use decode::{VideoError, VideoInfo, VideoLimits, VideoOptions, hash_video, probe_video};
pub use vpdq::{
    FrameHash, FrameMatch, MatchSettings, ParseVpdqError, VideoMatch, format_threatexchange,
    format_vpdq, match_frames, parse_threatexchange, parse_vpdq,
};
