//! The configuration file (`vigie.toml`): every key optional, every key with a default. Command-line flags
//! and `VIGIE_*` environment variables override it.

use anyhow::Context;
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// The file's contents.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    /// The store: an SQLite path or a `postgres://` URL. Default `vigie.db`.
    pub db: Option<String>,
    /// The media folder. Default: beside the SQLite file, or `./vigie-media` for PostgreSQL.
    pub media_dir: Option<PathBuf>,
    /// Ingest limits.
    #[serde(default)]
    pub limits: Limits,
    /// Posts per transaction. Default 5000.
    pub batch_posts: Option<usize>,
    /// Matching against hash banks.
    #[serde(default)]
    pub matching: Matching,
    /// Scoring of text signals into cases (`vigie_engine::ScoringConfig`: every key optional).
    #[serde(default)]
    pub scoring: vigie_engine::ScoringConfig,
    /// The review server (`vigie_server::ServerConfig`: listen, two_person, taxonomy, session and lockout
    /// settings; every key optional).
    #[serde(default)]
    pub server: vigie_server::ServerConfig,
    /// Referrals.
    #[serde(default)]
    pub referrals: Referrals,
    /// Telegram.
    #[serde(default)]
    pub telegram: Telegram,
}

/// `[telegram]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Telegram {
    /// Public names of channels by chat id (`"1234567890" = "channel_name"`), for Telegram Desktop exports, which
    /// carry a channel's id and title but not its public name: their posts then get `t.me/<name>/<message>`
    /// permalinks instead of `t.me/c/...` links that only members can open.
    #[serde(default)]
    pub channels: std::collections::BTreeMap<String, String>,
}

/// `[referrals]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Referrals {
    /// A folder of the deployment's referral templates (`<name>.toml`), used before the built-in ones.
    pub templates: Option<String>,
    /// A block bank that the media of confirmed cases go into by themselves (at each scan and analysis, and when
    /// the review server records a confirmation), so that re-uploads match.
    pub bank: Option<String>,
}

/// `[matching]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Matching {
    /// PDQ hashes below this quality (0 to 100) are not matched. Default 50.
    pub min_quality: Option<u8>,
    /// The flood guard holds an entry that gains at least this many new matches in one scan... Default 50.
    pub flood_min_matches: Option<u64>,
    /// ...and more than this many times the matches it had before. Default 10.
    pub flood_factor: Option<f64>,
    /// Where the match index is saved. Default: `<db>-index/` beside an SQLite file, `./vigie-index` for
    /// PostgreSQL.
    pub index_dir: Option<PathBuf>,
}

/// `[limits]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Limits {
    /// The largest record (JSONL line, CSV row, Telegram message, X response file), bytes. Default 16 MiB.
    pub max_record_bytes: Option<usize>,
    /// The largest media file, bytes. Default 256 MiB.
    pub max_media_bytes: Option<u64>,
    /// The most pixels an image may have to be decoded. Default 64 Mi.
    pub max_pixels: Option<u64>,
    /// The most memory one image decode may take (decoder buffer and RGB copy), bytes. Default 512 MiB.
    pub max_decoded_bytes: Option<u64>,
    /// The most memory all image decodes running at once may take together, bytes. Default 1 GiB.
    pub max_decoding_bytes: Option<u64>,
}

/// Loads the file named by `--config`, else `./vigie.toml` if present, else the defaults.
pub fn load(path: Option<&Path>) -> anyhow::Result<FileConfig> {
    let (path, required) = match path {
        Some(p) => (p.to_path_buf(), true),
        None => (PathBuf::from("vigie.toml"), false),
    };
    match std::fs::read_to_string(&path) {
        Ok(text) => {
            toml::from_str(&text).with_context(|| format!("configuration file {}", path.display()))
        }
        Err(e) if !required && e.kind() == std::io::ErrorKind::NotFound => {
            Ok(FileConfig::default())
        }
        Err(e) => {
            Err(e).with_context(|| format!("cannot read configuration file {}", path.display()))
        }
    }
}
