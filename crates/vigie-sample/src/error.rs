//! The one error type of this crate: what went wrong while drawing, encoding or writing a sample corpus.

use std::path::PathBuf;

/// Why a sample corpus, stream or image could not be produced.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SampleError {
    /// A file or folder of the corpus could not be created or written.
    #[error("cannot write {path}: {source}")]
    Io {
        /// The file or folder that could not be written.
        path: PathBuf,
        /// The underlying I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The writer given to a streaming function failed.
    #[error("cannot write the {what} stream: {source}")]
    Stream {
        /// What was being streamed, e.g. `X API v2 JSONL`.
        what: &'static str,
        /// The underlying I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The `ffmpeg` program could not encode a generated video.
    #[error(
        "cannot encode the video {path} with ffmpeg (install it with scripts/install-deps): {reason}"
    )]
    Video {
        /// The video that was being written.
        path: PathBuf,
        /// Why: the program's error, or its messages.
        reason: String,
    },
    /// A record could not be serialized to JSON.
    #[error("cannot serialize {what} to JSON: {source}")]
    Json {
        /// The record or file being serialized.
        what: String,
        /// The underlying serde error.
        #[source]
        source: serde_json::Error,
    },
    /// The PNG encoder rejected an image.
    #[error("cannot encode a {width}x{height} image as PNG: {source}")]
    Png {
        /// Image width in pixels.
        width: u32,
        /// Image height in pixels.
        height: u32,
        /// The encoder's error.
        #[source]
        source: png::EncodingError,
    },
    /// The JPEG encoder rejected an image.
    #[error("cannot encode a {width}x{height} image as JPEG: {source}")]
    Jpeg {
        /// Image width in pixels.
        width: u32,
        /// Image height in pixels.
        height: u32,
        /// The encoder's error.
        #[source]
        source: jpeg_encoder::EncodingError,
    },
    /// A pixel buffer does not hold `width * height * 3` bytes.
    #[error("an RGB8 image of {width}x{height} needs {expected} bytes, the buffer holds {actual}")]
    PixelBuffer {
        /// Image width in pixels.
        width: u32,
        /// Image height in pixels.
        height: u32,
        /// `width * height * 3`.
        expected: u64,
        /// The length of the buffer given.
        actual: usize,
    },
    /// Image dimensions outside what the encoder accepts (JPEG: 1 to 65,535 on each side; PNG: at least 1).
    #[error("image dimensions {width}x{height} are out of range: each side must be 1 to {max}")]
    Dimensions {
        /// Image width in pixels.
        width: u32,
        /// Image height in pixels.
        height: u32,
        /// The largest side the encoder accepts.
        max: u32,
    },
    /// A [`SampleConfig`](crate::SampleConfig) value that the generator cannot honour.
    #[error("sample configuration: {field} is {value}, expected {expected}")]
    Config {
        /// The configuration field, e.g. `posts`.
        field: &'static str,
        /// The value given.
        value: usize,
        /// What the generator needs, in words.
        expected: String,
    },
}
