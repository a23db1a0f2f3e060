//! The configuration: the file (`vigie.toml`), then the environment over it, every key optional, every key with
//! a default; command-line flags override both.
//!
//! Every key of the file can be set from the environment, as containers need: `VIGIE_` and the key's path in
//! capitals, its sections separated by two underscores (`VIGIE_SERVER__LISTEN=0.0.0.0:8080` for `listen` in
//! `[server]`, `VIGIE_LIMITS__MAX_PIXELS=100000000`, `VIGIE_DB=postgres://...`). Values are read as TOML values
//! (`true`, `42`, `["a", "b"]`); anything else is text. A variable naming no key is refused, as an unknown key in
//! the file is.

use anyhow::Context;
use figment::Figment;
use figment::providers::{Env, Format, Toml};
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// The file's top-level keys and sections: the `VIGIE_*` variables read as configuration are those that start
/// with one of them (others, such as `VIGIE_LOG` or `VIGIE_CONFIG`, are the command line's).
const KEYS: [&str; 9] = [
    "db",
    "media_dir",
    "limits",
    "batch_posts",
    "matching",
    "scoring",
    "server",
    "referrals",
    "telegram",
];

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
    /// The longest video hashed, seconds (from its container, before decoding). Default 4 hours.
    pub max_video_seconds: Option<f64>,
    /// The largest width or height of a video hashed, pixels. Default 8192.
    pub max_video_side: Option<u32>,
    /// The largest video frame hashed, pixels. Default 8192 x 4320.
    pub max_video_pixels: Option<u64>,
    /// The most frames decoded from one video. Default 1,000,000.
    pub max_video_frames: Option<u64>,
    /// The longest time spent decoding one video, seconds. Default 600.
    pub max_video_decode_seconds: Option<u64>,
}

/// Loads the file named by `--config`, else `./vigie.toml` if present, then the `VIGIE_*` variables over it.
pub fn load(path: Option<&Path>) -> anyhow::Result<FileConfig> {
    load_from(path, Env::prefixed("VIGIE_"))
}

/// [`load`], with the variables of `env`.
fn load_from(path: Option<&Path>, env: Env) -> anyhow::Result<FileConfig> {
    let (path, required) = match path {
        Some(p) => (p.to_path_buf(), true),
        None => (PathBuf::from("vigie.toml"), false),
    };
    let mut figment = Figment::new();
    match std::fs::metadata(&path) {
        Ok(_) => figment = figment.merge(Toml::file_exact(&path)),
        Err(e) if !required && e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => {
            return Err(e)
                .with_context(|| format!("cannot read configuration file {}", path.display()));
        }
    }
    let env = env.split("__").filter(|key| {
        let first = key.as_str().split('.').next().unwrap_or("");
        KEYS.iter().any(|k| k.eq_ignore_ascii_case(first))
    });
    figment.merge(env).extract().map_err(|errors| {
        let all: Vec<String> = errors.into_iter().map(|e| e.to_string()).collect();
        anyhow::anyhow!("configuration: {}", all.join("; "))
    })
}

#[cfg(test)]
// figment's Jail fixes the closures' error type, figment::Error, which is large.
#[allow(clippy::result_large_err)]
mod tests {
    use super::*;
    use figment::Jail;

    fn fail(e: anyhow::Error) -> figment::Error {
        figment::Error::from(format!("{e:#}"))
    }

    #[test]
    fn the_environment_sets_any_key_over_the_file() {
        Jail::expect_with(|jail| {
            jail.create_file(
                "vigie.toml",
                "db = \"from-file.db\"\nbatch_posts = 10\n[server]\nlisten = \"127.0.0.1:1\"\n",
            )?;
            jail.set_env("VIGIE_SERVER__LISTEN", "0.0.0.0:8080");
            jail.set_env("VIGIE_LIMITS__MAX_PIXELS", "1000");
            jail.set_env("VIGIE_MATCHING__MIN_QUALITY", "70");
            jail.set_env("VIGIE_REFERRALS__BANK", "confirmed");
            // The command line's own variables are not configuration keys.
            jail.set_env("VIGIE_LOG", "debug");
            jail.set_env("VIGIE_ACTOR", "someone");
            let c = load(None).map_err(fail)?;
            assert_eq!(c.db.as_deref(), Some("from-file.db"));
            assert_eq!(c.batch_posts, Some(10));
            assert_eq!(c.server.listen.to_string(), "0.0.0.0:8080");
            assert_eq!(c.limits.max_pixels, Some(1000));
            assert_eq!(c.matching.min_quality, Some(70));
            assert_eq!(c.referrals.bank.as_deref(), Some("confirmed"));
            jail.set_env(
                "VIGIE_DB",
                "postgres://db.example/vigie?sslmode=verify-full",
            );
            let c = load(None).map_err(fail)?;
            assert_eq!(
                c.db.as_deref(),
                Some("postgres://db.example/vigie?sslmode=verify-full")
            );
            Ok(())
        });
    }

    #[test]
    fn a_variable_naming_no_key_or_a_bad_value_is_refused_with_its_name() {
        Jail::expect_with(|jail| {
            jail.set_env("VIGIE_SERVER__LISTN", "0.0.0.0:8080");
            let e = format!(
                "{:#}",
                load(None).err().ok_or("an unknown key was accepted")?
            );
            assert!(e.contains("listn"), "{e}");
            jail.clear_env();
            jail.set_env("VIGIE_LIMITS__MAX_PIXELS", "many");
            let e = format!("{:#}", load(None).err().ok_or("a bad value was accepted")?);
            assert!(
                e.to_lowercase().contains("max_pixels") && e.contains("VIGIE_"),
                "{e}"
            );
            Ok(())
        });
    }

    #[test]
    fn without_a_file_or_variables_every_key_has_its_default_and_a_named_file_must_exist() {
        Jail::expect_with(|_| {
            let c = load(None).map_err(fail)?;
            assert_eq!(c.db, None);
            let e = load(Some(Path::new("missing.toml")))
                .err()
                .ok_or("a missing file was accepted")?;
            assert!(format!("{e:#}").contains("missing.toml"), "{e:#}");
            Ok(())
        });
    }
}
