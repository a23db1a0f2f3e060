//! Command-line arguments, and the dispatch from a command to the engine or the store.

use crate::config::{self, FileConfig};
use crate::output::{self, OutputFormat};
use anyhow::Context;
use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;
use vigie_engine::ScanConfig;
use vigie_ingest::ColumnMap;
use vigie_store::{AccountQuery, PostQuery};

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    /// Lines for people.
    Text,
    /// One JSON object a line: time, level, target, message and fields.
    Json,
}

/// Vigie: find terrorist propaganda in exports of public posts, with the evidence, for human review.
#[derive(Debug, Parser)]
#[command(name = "vigie", version, about, propagate_version = true)]
pub struct Args {
    /// The store: an SQLite file (created when missing) or a postgres:// URL.
    #[arg(long, global = true, env = "VIGIE_DB")]
    pub db: Option<String>,
    /// Where media bytes are kept (default: `<db>-media/` beside an SQLite file, `./vigie-media` for PostgreSQL).
    #[arg(long, global = true, env = "VIGIE_MEDIA_DIR")]
    pub media_dir: Option<PathBuf>,
    /// A configuration file (default: ./vigie.toml when present).
    #[arg(long, global = true, env = "VIGIE_CONFIG")]
    pub config: Option<PathBuf>,
    /// Output format.
    #[arg(long, global = true, value_enum, default_value_t = OutputFormat::Text)]
    pub format: OutputFormat,
    /// More logging (-v info, -vv debug); VIGIE_LOG overrides.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// How log lines are written to standard error: text, or one JSON object a line (for log collectors).
    #[arg(long, global = true, value_enum, env = "VIGIE_LOG_FORMAT", default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
    /// The command.
    #[command(subcommand)]
    pub command: Command,
}

/// Vigie's commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Detect the format of each file or folder, ingest it, and print a summary.
    Scan {
        /// Files or folders: X API v2 JSON/JSONL, Telegram exports, JSONL, CSV, media.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// CSV column mapping, FIELD=COLUMN (repeatable), e.g. --map id=tweet_id --map text=content.
        #[arg(long = "map", value_name = "FIELD=COLUMN")]
        map: Vec<String>,
        /// The platform of JSONL/CSV records that name none.
        #[arg(long)]
        platform: Option<String>,
        /// Posts per transaction.
        #[arg(long)]
        batch_posts: Option<usize>,
        /// The largest record read, in bytes.
        #[arg(long)]
        max_record_bytes: Option<usize>,
        /// The largest media file read, in bytes.
        #[arg(long)]
        max_media_bytes: Option<u64>,
        /// PDQ hashes below this quality are not matched against banks (default 50).
        #[arg(long)]
        min_quality: Option<u8>,
    },
    /// MD5, SHA-256, PDQ (images) and vPDQ (videos) of files and folders, on every core. One line per file, in
    /// order; a file that cannot be read or decoded is named on stderr with the reason, and the exit status is 3.
    /// Videos get the PDQ hash of one frame a second, sampled as Meta's vPDQ reference samples them (in JSONL
    /// under `vpdq`; `--output vpdq` prints one video's frames in the reference's layout). Other files (documents)
    /// get MD5 and SHA-256 only.
    Hash {
        /// Files or folders (walked in name order).
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Output layout.
        #[arg(long, value_enum, default_value_t = crate::hash::HashOutput::Csv)]
        output: crate::hash::HashOutput,
        /// Also print the eight dihedral hashes (rotations and mirror images), in the reference's order.
        #[arg(long)]
        dihedral: bool,
        /// Worker threads (default: one per core).
        #[arg(long)]
        threads: Option<usize>,
        /// The most pixels an image may have (width times height, checked before decoding).
        #[arg(long)]
        max_pixels: Option<u64>,
        /// The largest file read, in bytes.
        #[arg(long)]
        max_media_bytes: Option<u64>,
    },
    /// Hash banks: lists of known media hashes (block) or of harmless ones (allow).
    Bank {
        /// What to do.
        #[command(subcommand)]
        command: crate::bank::BankCommand,
    },
    /// Match files or hashes against every enabled bank; print each hit with its bank, entry, labels, distance
    /// and the dihedral variant that matched. Arguments: files, PDQ hashes (64 hex digits), MD5 (32), or
    /// TYPE:HASH (pdq:, md5:, sha256:). Exit status 3 when some argument could not be read.
    Match {
        /// Files or hashes.
        #[arg(required = true)]
        inputs: Vec<String>,
        /// PDQ hashes below this quality are not matched (default 50).
        #[arg(long)]
        min_quality: Option<u8>,
    },
    /// Serve the review queue and the API (http://127.0.0.1:8080 by default). Log in with a user from
    /// `vigie user add`.
    Serve {
        /// Address and port to listen on (default from `[server] listen`, else 127.0.0.1:8080).
        #[arg(long)]
        listen: Option<std::net::SocketAddr>,
    },
    /// Local users of the review server.
    User {
        /// What to do.
        #[command(subcommand)]
        command: crate::review::UserCommand,
    },
    /// Work with the reviewers' decisions.
    Review {
        /// What to do.
        #[command(subcommand)]
        command: crate::review::ReviewCommand,
    },
    /// The deployment's Ed25519 key that signs evidence packages.
    Key {
        /// The signing key's file (default: $XDG_CONFIG_HOME/vigie/evidence.key, else
        /// ~/.config/vigie/evidence.key).
        #[arg(long, env = "VIGIE_EVIDENCE_KEY")]
        key: Option<PathBuf>,
        /// What to do.
        #[command(subcommand)]
        command: crate::evidence::KeyCommand,
    },
    /// Evidence packages of confirmed cases: WARC, manifest and signature; and their verification.
    Evidence {
        /// The signing key's file (see `vigie key`).
        #[arg(long, env = "VIGIE_EVIDENCE_KEY")]
        key: Option<PathBuf>,
        /// What to do.
        #[command(subcommand)]
        command: crate::evidence::EvidenceCommand,
    },
    /// Referrals: confirmed cases sent to a platform in batches, exported as its template says, and followed.
    Referral {
        /// What to do.
        #[command(subcommand)]
        command: crate::referral::ReferralCommand,
    },
    /// The transparency report of a period: cases found and confirmed (by category, evidence and language),
    /// referrals per platform, share actioned and still live, time to action, reviewer reversals and
    /// allow-listed false positives. Writes a self-contained HTML page (inline SVG charts, no script) and the
    /// same figures as JSON beside it (`FILE` with `.json`).
    Report {
        /// The period's start (a date, or an RFC 3339 time), inclusive.
        #[arg(long, value_parser = parse_time)]
        from: Option<vigie_model::Timestamp>,
        /// The period's end, exclusive.
        #[arg(long, value_parser = parse_time)]
        to: Option<vigie_model::Timestamp>,
        /// The HTML file to write.
        #[arg(long, short, default_value = "report.html")]
        output: PathBuf,
    },
    /// Share confirmed indicators: a STIX 2.1 bundle of every confirmed case's media hashes, links and
    /// permalinks (the hashes alone, in ThreatExchange's or TCAP's layout: `vigie review block-list BANK`, then
    /// `vigie bank export BANK --list-format threatexchange|tcap`).
    Share {
        /// The producer's name in the bundle (the deployment's organisation).
        #[arg(long, default_value = "Vigie deployment")]
        producer: String,
        /// The bundle to write.
        #[arg(long, short, default_value = "indicators.stix.json")]
        output: PathBuf,
    },
    /// The audit trail of every state change.
    Audit {
        /// What to do.
        #[command(subcommand)]
        command: crate::review::AuditCommand,
    },
    /// Term and domain lists for the text signals.
    Terms {
        /// What to do.
        #[command(subcommand)]
        command: crate::signals::TermsCommand,
    },
    /// The text classifier: train it on labelled examples, evaluate it.
    Model {
        /// What to do.
        #[command(subcommand)]
        command: crate::signals::ModelCommand,
    },
    /// Score stored posts into cases (new posts; every post when lists, the model or settings changed).
    /// `vigie scan` does this after each scan.
    Analyze,
    /// Score labelled examples (JSON lines: id, text, label, language, category) with the whole text analysis
    /// of this store (its term and domain lists, its classifier, `[scoring]`), without storing them: precision,
    /// recall and false positives per category at the case-score threshold, and at other thresholds.
    Evaluate {
        /// The labelled examples.
        #[arg(long)]
        labels: PathBuf,
        /// A text counts as flagged when its case scores at least this (the queue's cut-off).
        #[arg(long, default_value_t = 1.0)]
        threshold: f32,
        /// Targets to check: exit 1 when recall overall is below this...
        #[arg(long)]
        min_recall: Option<f64>,
        /// ...or recall in any category of positives or any language is below this...
        #[arg(long)]
        min_category_recall: Option<f64>,
        /// ...or the false-positive rate of any category of negatives is above this.
        #[arg(long)]
        max_false_positive_rate: Option<f64>,
        /// Print every false positive and missed positive with its score and evidence (to standard error).
        #[arg(long)]
        errors: bool,
    },
    /// List cases with their score and evidence, strongest first.
    Cases(crate::signals::CasesArgs),
    /// A hashtag's timeline: posts per hour, the accounts that post it most, the tags posted with it.
    Hashtag {
        /// The hashtag, with or without `#`.
        tag: String,
        /// How many top accounts and co-occurring tags.
        #[arg(long, default_value_t = 10)]
        top: usize,
    },
    /// Totals of the store: accounts, posts, media, per platform and language.
    Stats {
        /// Also print a SHA-256 digest of the whole content (row ids and the import log left out): two stores
        /// holding the same records have the same digest.
        #[arg(long)]
        digest: bool,
    },
    /// List accounts; `vigie accounts rank` ranks them around the confirmed ones.
    #[command(args_conflicts_with_subcommands = true)]
    Accounts {
        /// What to do (default: list them).
        #[command(subcommand)]
        command: Option<AccountsCommand>,
        /// Only this platform.
        #[arg(long)]
        platform: Option<String>,
        /// Only accounts whose handle, id or name contains this.
        #[arg(long)]
        search: Option<String>,
        /// At most this many.
        #[arg(long, default_value_t = 50)]
        limit: usize,
        /// Also show every observed state of each account.
        #[arg(long)]
        history: bool,
    },
    /// The account interaction graph of the stored posts.
    Graph {
        /// What to do.
        #[command(subcommand)]
        command: GraphCommand,
    },
    /// List posts, newest first.
    Posts {
        /// Only posts by this account (handle, with or without @, or platform id).
        #[arg(long)]
        account: Option<String>,
        /// Only this platform.
        #[arg(long)]
        platform: Option<String>,
        /// At most this many.
        #[arg(long, default_value_t = 20)]
        limit: usize,
    },
    /// Verify the store's integrity: references between rows and the database's structure. Exit 1 on any problem.
    Check,
    /// List imports, newest first.
    Imports {
        /// At most this many.
        #[arg(long, default_value_t = 20)]
        limit: usize,
    },
    /// List quarantined records with their file, position and reason.
    Quarantine {
        /// At most this many.
        #[arg(long, default_value_t = 50)]
        limit: usize,
    },
    /// Write a deterministic synthetic corpus in every supported format (no real media or text).
    Sample {
        /// The folder to write.
        #[arg(long)]
        out: PathBuf,
        /// The random seed.
        #[arg(long, default_value_t = 7)]
        seed: u64,
    },
    /// Copy the store to a new folder while it is in use: the database (SQLite's online backup, or PostgreSQL's
    /// custom dump through pg_dump), the media files (each checked against its digest) and a manifest holding
    /// the audit chain's last entry.
    Backup {
        /// The folder to write (new or empty).
        #[arg(short, long)]
        out: PathBuf,
    },
    /// Restore a backup folder into a new store (--db: an SQLite file that does not exist yet, or an empty
    /// PostgreSQL database of a server with pg_restore at hand), then check that the audit chain is intact and
    /// holds the backup's last entry, and that every stored medium's bytes are there with their digest. Exits 1
    /// when a check fails.
    Restore {
        /// The folder `vigie backup` wrote.
        from: PathBuf,
    },
    /// Print the shell completion script for SHELL (bash, zsh, fish, elvish, powershell), made from this
    /// command line's definition: `vigie completions bash > /etc/bash_completion.d/vigie`.
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// Write the manual pages (`vigie.1`, and one per command, such as `vigie-scan.1`), made from this command
    /// line's definition, to a folder: `vigie man -o /usr/local/share/man/man1`.
    Man {
        /// The folder to write them to (created when missing).
        #[arg(short, long)]
        out: PathBuf,
    },
}

/// Parses the process arguments (exits with code 2 on a usage error).
pub fn parse() -> Args {
    Args::parse()
}

struct Resolved {
    db: String,
    media_dir: Option<PathBuf>,
    file: FileConfig,
}

fn resolve(args: &Args) -> anyhow::Result<Resolved> {
    let file = config::load(args.config.as_deref())?;
    let db = args
        .db
        .clone()
        .or_else(|| file.db.clone())
        .unwrap_or_else(|| "vigie.db".to_owned());
    let media_dir = args.media_dir.clone().or_else(|| file.media_dir.clone());
    Ok(Resolved {
        db,
        media_dir,
        file,
    })
}

/// Matching settings: the file's `[matching]`, overridden by a flag, and the index folder.
fn match_config(r: &Resolved, min_quality: Option<u8>) -> vigie_engine::MatchConfig {
    let m = &r.file.matching;
    let defaults = vigie_engine::MatchConfig::default();
    let index_dir = m.index_dir.clone().unwrap_or_else(|| {
        if r.db.starts_with("postgres://") || r.db.starts_with("postgresql://") {
            PathBuf::from("vigie-index")
        } else {
            let path = std::path::Path::new(
                r.db.strip_prefix("sqlite://")
                    .or_else(|| r.db.strip_prefix("sqlite:"))
                    .unwrap_or(&r.db),
            );
            let stem = path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_else(|| "vigie".into());
            path.with_file_name(format!("{stem}-index"))
        }
    });
    vigie_engine::MatchConfig {
        min_quality: min_quality
            .or(m.min_quality)
            .unwrap_or(defaults.min_quality),
        flood_min_matches: m.flood_min_matches.unwrap_or(defaults.flood_min_matches),
        flood_factor: m.flood_factor.unwrap_or(defaults.flood_factor),
        index_dir: Some(index_dir),
    }
}

/// Scan settings: the file's matching, scoring and limits, overridden by the command's flags (`limits`: posts
/// per batch, bytes per record, bytes per media file).
fn scan_config(
    r: &Resolved,
    map: &[String],
    platform: Option<String>,
    limits: (Option<usize>, Option<usize>, Option<u64>),
    min_quality: Option<u8>,
) -> anyhow::Result<ScanConfig> {
    let (batch_posts, max_record_bytes, max_media_bytes) = limits;
    let mut config = ScanConfig {
        matching: match_config(r, min_quality),
        scoring: r.file.scoring.clone(),
        video: video_options(r),
        ..ScanConfig::default()
    };
    config.ingest.csv_columns =
        ColumnMap::parse(map.iter().map(String::as_str)).map_err(anyhow::Error::msg)?;
    if let Some(name) = &platform {
        vigie_model::Platform::parse(name).map_err(|e| anyhow::anyhow!("--platform: {e}"))?;
    }
    config.ingest.default_platform = platform;
    for (id, name) in &r.file.telegram.channels {
        let bare = name.trim().trim_start_matches('@');
        let plain = bare.len() >= 4
            && bare.len() <= 32
            && bare.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        let numeric = !id.trim().is_empty()
            && id
                .trim()
                .trim_start_matches('-')
                .chars()
                .all(|c| c.is_ascii_digit());
        if !plain || !numeric {
            anyhow::bail!(
                "[telegram] channels: {id:?} = {name:?} is not a chat id (digits) and a channel's public name \
                 (4 to 32 letters, digits or underscores)"
            );
        }
    }
    config.ingest.telegram_channels = r.file.telegram.channels.clone();
    if let Some(n) = max_record_bytes.or(r.file.limits.max_record_bytes) {
        config.ingest.max_record_bytes = n;
    }
    if let Some(n) = max_media_bytes.or(r.file.limits.max_media_bytes) {
        config.media.max_file_bytes = n;
    }
    if let Some(n) = batch_posts.or(r.file.batch_posts) {
        config.batch_posts = n.max(1);
    }
    Ok(config)
}

/// Media decoding limits: the file's `[limits]`, overridden by flags.
fn media_limits(
    r: &Resolved,
    max_media_bytes: Option<u64>,
    max_pixels: Option<u64>,
) -> vigie_media::MediaLimits {
    let mut limits = vigie_media::MediaLimits::default();
    if let Some(n) = max_media_bytes.or(r.file.limits.max_media_bytes) {
        limits.max_file_bytes = n;
    }
    if let Some(n) = max_pixels.or(r.file.limits.max_pixels) {
        limits.max_pixels = n;
    }
    if let Some(n) = r.file.limits.max_decoded_bytes {
        limits.max_decoded_bytes = n;
    }
    if let Some(n) = r.file.limits.max_decoding_bytes {
        limits.max_decoding_bytes = n;
    }
    limits
}

/// Video hashing limits: the file's `[limits]` (`max_video_*`) over the defaults.
fn video_options(r: &Resolved) -> vigie_video::VideoOptions {
    let mut options = vigie_video::VideoOptions::default();
    let l = &r.file.limits;
    let limits = &mut options.limits;
    if let Some(n) = l.max_video_seconds {
        limits.max_seconds = n;
    }
    if let Some(n) = l.max_video_side {
        limits.max_side = n;
    }
    if let Some(n) = l.max_video_pixels {
        limits.max_pixels = n;
    }
    if let Some(n) = l.max_video_frames {
        limits.max_frames = n;
    }
    if let Some(n) = l.max_video_decode_seconds {
        limits.max_decode = std::time::Duration::from_secs(n);
    }
    options
}

fn open(r: &Resolved) -> anyhow::Result<Box<dyn vigie_store::Store>> {
    vigie_store::open(&r.db, r.media_dir.as_deref())
        .with_context(|| format!("cannot open store {}", vigie_store::redacted(&r.db)))
}

/// With `[referrals] bank` set, the media of confirmed cases go into that block bank before a scan or an
/// analysis (idempotent), so that the hunt and the matching find their re-uploads.
fn keep_down(r: &Resolved, store: &mut dyn vigie_store::Store) -> anyhow::Result<()> {
    if let Some(bank) = r.file.referrals.bank.as_deref().filter(|b| !b.is_empty()) {
        let fed = vigie_review::feed_block_list(store, bank, None, &crate::review::cli_actor())
            .with_context(|| format!("feeding the confirmed cases' media into bank {bank}"))?;
        if fed.counts.added > 0 {
            tracing::info!(
                "{} new entries from {} confirmed case(s) in bank {bank}",
                fed.counts.added,
                fed.cases
            );
        }
    }
    Ok(())
}

/// A time given on the command line: a date (`2026-01-31`, midnight UTC), or what `Timestamp::parse` reads.
fn parse_time(text: &str) -> Result<vigie_model::Timestamp, String> {
    let text = text.trim();
    let full = if text.len() == 10 && text.as_bytes().get(4) == Some(&b'-') {
        format!("{text}T00:00:00Z")
    } else {
        text.to_owned()
    };
    vigie_model::Timestamp::parse(&full).map_err(|e| e.to_string())
}

/// Runs a command.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    // Made from the definition alone: no configuration, no store.
    match &args.command {
        Command::Completions { shell } => {
            let mut command = <Args as clap::CommandFactory>::command();
            let mut script = Vec::new();
            clap_complete::generate(*shell, &mut command, "vigie", &mut script);
            // A reader that stops early (`| head`) is not an error.
            return match std::io::Write::write_all(&mut std::io::stdout().lock(), &script) {
                Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
                    Err(anyhow::Error::new(e).context("cannot write the completion script"))
                }
                _ => Ok(ExitCode::SUCCESS),
            };
        }
        Command::Man { out } => {
            std::fs::create_dir_all(out)
                .with_context(|| format!("cannot create {}", out.display()))?;
            let command = <Args as clap::CommandFactory>::command();
            clap_mangen::generate_to(command, out)
                .with_context(|| format!("cannot write the manual pages to {}", out.display()))?;
            if args.format == OutputFormat::Text {
                println!("manual pages written to {}", out.display());
            }
            return Ok(ExitCode::SUCCESS);
        }
        _ => {}
    }
    let r = resolve(&args)?;
    let fmt = args.format;
    match args.command {
        Command::Backup { out } => {
            let mut store = open(&r)?;
            crate::backup::run_backup(store.as_mut(), &r.db, &out, fmt)
        }
        Command::Restore { from } => {
            crate::backup::run_restore(&from, &r.db, r.media_dir.as_deref(), fmt)
        }
        Command::Scan {
            paths,
            map,
            platform,
            batch_posts,
            max_record_bytes,
            max_media_bytes,
            min_quality,
        } => {
            let config = scan_config(
                &r,
                &map,
                platform,
                (batch_posts, max_record_bytes, max_media_bytes),
                min_quality,
            )?;
            let mut store = open(&r)?;
            let progress = output::ScanProgress::new(fmt);
            keep_down(&r, store.as_mut())?;
            let report = vigie_engine::scan(store.as_mut(), &paths, &config, &progress)?;
            progress.finish();
            let stats = store.stats()?;
            output::scan_report(fmt, &report, &stats, &r.db)?;
            Ok(if report.has_failures() {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            })
        }
        Command::Bank { command } => {
            let mut store = open(&r)?;
            let matching = match_config(&r, None);
            crate::bank::run(
                store.as_mut(),
                &crate::bank::BankContext {
                    actor: &crate::review::cli_actor(),
                    fmt,
                    matching: &matching,
                    scoring: &r.file.scoring,
                },
                command,
            )
        }
        Command::Serve { listen } => {
            let mut server = r.file.server.clone();
            server.confirmed_bank = r.file.referrals.bank.clone().filter(|b| !b.is_empty());
            server.referral_templates =
                vigie_evidence::referral::templates_dir(r.file.referrals.templates.as_deref());
            crate::review::serve(
                &r.db,
                r.media_dir.as_deref(),
                server,
                listen,
                (match_config(&r, None), media_limits(&r, None, None)),
            )
        }
        Command::User { command } => crate::review::user(open(&r)?.as_mut(), fmt, command),
        Command::Audit { command } => crate::review::audit(open(&r)?.as_mut(), fmt, command),
        Command::Report { from, to, output } => {
            let mut store = open(&r)?;
            let figures = vigie_evidence::report::figures(store.as_mut(), from, to)?;
            std::fs::write(&output, vigie_evidence::report::html(&figures))
                .with_context(|| format!("cannot write {}", output.display()))?;
            let json_path = output.with_extension("json");
            std::fs::write(&json_path, serde_json::to_vec_pretty(&figures)?)
                .with_context(|| format!("cannot write {}", json_path.display()))?;
            if fmt == crate::output::OutputFormat::Json {
                crate::output::json(&figures)?;
            } else {
                println!(
                    "{} and {}: {} cases found, {} confirmed, {} platform(s) referred to",
                    output.display(),
                    json_path.display(),
                    figures.cases_found,
                    figures.cases_confirmed,
                    figures.referrals.len()
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Share { producer, output } => {
            let mut store = open(&r)?;
            let shared = vigie_evidence::share::stix_bundle(
                store.as_mut(),
                &producer,
                &crate::review::cli_actor(),
            )?;
            let mut text = serde_json::to_vec_pretty(&shared.bundle)?;
            text.push(b'\n');
            std::fs::write(&output, text)
                .with_context(|| format!("cannot write {}", output.display()))?;
            if fmt == crate::output::OutputFormat::Json {
                crate::output::json(&serde_json::json!({
                    "file": output, "cases": shared.cases, "indicators": shared.indicators,
                }))?;
            } else {
                println!(
                    "{}: {} indicator(s) from {} confirmed case(s) (STIX 2.1)",
                    output.display(),
                    shared.indicators,
                    shared.cases
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Referral { command } => {
            let templates =
                vigie_evidence::referral::templates_dir(r.file.referrals.templates.as_deref());
            crate::referral::run(open(&r)?.as_mut(), fmt, templates.as_deref(), command)
        }
        Command::Key { key, command } => crate::evidence::key(fmt, key.as_deref(), command),
        Command::Evidence { key, command } => {
            // Verifying reads only the package: it needs no store.
            let mut store = match &command {
                crate::evidence::EvidenceCommand::Verify { .. } => None,
                crate::evidence::EvidenceCommand::Export { .. } => Some(open(&r)?),
            };
            let store = store
                .as_mut()
                .map(|s| -> &mut dyn vigie_store::Store { s.as_mut() });
            crate::evidence::evidence(store, fmt, key.as_deref(), command)
        }
        Command::Review { command } => crate::review::review(open(&r)?.as_mut(), fmt, command),
        Command::Terms { command } => crate::signals::terms(open(&r)?.as_mut(), fmt, command),
        Command::Model { command } => {
            crate::signals::model(open(&r)?.as_mut(), fmt, &r.file.scoring, command)
        }
        Command::Analyze => {
            let mut store = open(&r)?;
            keep_down(&r, store.as_mut())?;
            // Bank changes made elsewhere (the server, another process) reach the stored media first.
            let hunt = vigie_engine::hunt(
                store.as_mut(),
                &match_config(&r, None),
                &vigie_engine::HuntOptions::default(),
            )?;
            if hunt.media_checked > 0 {
                crate::bank::print_hunt(&hunt, &mut std::io::stderr().lock())?;
            }
            crate::signals::analyze(store.as_mut(), fmt, &r.file.scoring)
        }
        Command::Evaluate {
            labels,
            threshold,
            min_recall,
            min_category_recall,
            max_false_positive_rate,
            errors,
        } => crate::signals::evaluate(
            open(&r)?.as_mut(),
            fmt,
            &r.file.scoring,
            &labels,
            threshold,
            &crate::signals::Targets {
                min_recall,
                min_category_recall,
                max_false_positive_rate,
            },
            errors,
        ),
        Command::Cases(args) => crate::signals::cases(open(&r)?.as_mut(), fmt, args),
        Command::Hashtag { tag, top } => {
            crate::signals::hashtag(open(&r)?.as_mut(), fmt, &tag, top)
        }
        Command::Match {
            inputs,
            min_quality,
        } => {
            let limits = media_limits(&r, None, None);
            let config = match_config(&r, min_quality);
            crate::bank::run_match(open(&r)?.as_mut(), fmt, config, &inputs, &limits)
        }
        Command::Stats { digest } => {
            let mut store = open(&r)?;
            let stats = store.stats()?;
            let digest = if digest {
                Some(output::ContentDigest::of(&store.snapshot()?))
            } else {
                None
            };
            output::stats(fmt, &stats, digest.as_ref(), &r.db)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Accounts {
            command:
                Some(AccountsCommand::Rank {
                    seed,
                    no_confirmed,
                    platform,
                    limit,
                }),
            ..
        } => crate::network::rank(
            open(&r)?.as_mut(),
            fmt,
            &r.file.scoring,
            &seed,
            no_confirmed,
            platform,
            limit,
        ),
        Command::Accounts {
            command:
                Some(AccountsCommand::Successors {
                    account,
                    all,
                    limit,
                }),
            ..
        } => crate::network::successors(
            open(&r)?.as_mut(),
            fmt,
            &r.file.scoring,
            &account,
            all,
            limit,
        ),
        Command::Accounts {
            command:
                Some(AccountsCommand::Export {
                    confirmed,
                    platform,
                    output,
                }),
            ..
        } => {
            crate::network::export_accounts(open(&r)?.as_mut(), fmt, confirmed, &platform, &output)
        }
        Command::Accounts {
            command: Some(AccountsCommand::Eval { labels }),
            ..
        } => crate::network::eval(open(&r)?.as_mut(), fmt, &r.file.scoring, &labels),
        Command::Graph {
            command:
                GraphCommand::Export {
                    graph_format,
                    output,
                    platform,
                },
        } => {
            let format = crate::network::GraphFormat::of(graph_format, &output)?;
            crate::network::export(
                open(&r)?.as_mut(),
                fmt,
                &r.file.scoring,
                format,
                &output,
                platform,
            )
        }
        Command::Accounts {
            command: None,
            platform,
            search,
            limit,
            history,
        } => {
            let mut store = open(&r)?;
            let accounts = store.accounts(&AccountQuery {
                platform,
                search,
                limit,
            })?;
            let mut histories = Vec::new();
            if history {
                for a in &accounts {
                    histories.push(
                        store.observations(a.account.platform.as_str(), &a.account.platform_id)?,
                    );
                }
            }
            output::accounts(fmt, &accounts, &histories)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Posts {
            account,
            platform,
            limit,
        } => {
            let posts = open(&r)?.posts(&PostQuery {
                account,
                platform,
                limit,
                ..PostQuery::default()
            })?;
            output::posts(fmt, &posts)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Check => {
            let problems = open(&r)?.check()?;
            output::check(fmt, &problems, &r.db)?;
            Ok(if problems.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
        Command::Imports { limit } => {
            let imports = open(&r)?.imports(limit)?;
            output::imports(fmt, &imports)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Quarantine { limit } => {
            let records = open(&r)?.quarantined(limit)?;
            output::quarantine(fmt, &records)?;
            Ok(ExitCode::SUCCESS)
        }
        // Answered before the configuration is read, above.
        Command::Completions { .. } | Command::Man { .. } => Ok(ExitCode::SUCCESS),
        Command::Sample { out, seed } => {
            let config = vigie_sample::SampleConfig {
                seed,
                ..vigie_sample::SampleConfig::small()
            };
            let summary = vigie_sample::generate(&out, &config)
                .with_context(|| format!("cannot write the sample corpus to {}", out.display()))?;
            output::sample(fmt, &out, &summary)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Hash {
            paths,
            output,
            dihedral,
            threads,
            max_pixels,
            max_media_bytes,
        } => {
            let limits = media_limits(&r, max_media_bytes, max_pixels);
            let threads = threads.unwrap_or_else(|| {
                std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
            });
            let opts = crate::hash::HashOptions {
                output,
                dihedral,
                threads,
                limits,
                video: video_options(&r),
            };
            crate::hash::run(&paths, &opts)
        }
    }
}

/// `vigie accounts ...`.
#[derive(Debug, clap::Subcommand)]
pub enum AccountsCommand {
    /// Rank the accounts most tied to the seeds (the accounts of confirmed account cases, and those named with
    /// --seed) in the interaction graph of the stored posts: personalized PageRank, communities, each account's
    /// ties to the seeds, and what scaled it down (reporting markers in its own posts, ties that only talk
    /// about the seeds).
    Rank {
        /// A seed account: PLATFORM:ID, PLATFORM:@handle or @handle (repeatable).
        #[arg(long, value_name = "ACCOUNT")]
        seed: Vec<String>,
        /// Leave out the accounts of confirmed account cases: only the --seed accounts.
        #[arg(long)]
        no_confirmed: bool,
        /// Only this platform's posts and accounts.
        #[arg(long)]
        platform: Option<String>,
        /// At most this many accounts.
        #[arg(long, default_value_t = 50)]
        limit: usize,
    },
    /// The likely successors of an account that was suspended, removed, no longer observed or confirmed: the
    /// accounts of its platform with a variant of its handle, its display name or bio, announced by its
    /// circle, posting its media, talking to the same accounts, starting after it stopped; each signal listed
    /// with its weight.
    Successors {
        /// The account: PLATFORM:ID, PLATFORM:@handle or @handle.
        account: String,
        /// Also list candidates under the threshold.
        #[arg(long)]
        all: bool,
        /// At most this many candidates.
        #[arg(long, default_value_t = 10)]
        limit: usize,
    },
    /// Write the list of confirmed accounts of one platform that the platform acts on: each account's
    /// permalink, its case, label and category, the strongest evidence, when and by whom it was confirmed, and
    /// the SHA-256 of its frozen evidence (`vigie evidence export CASE` packages it). CSV, or JSON when the file
    /// ends in .json. Only accounts with a completed human decision are ever written.
    Export {
        /// The accounts of confirmed account cases (required: nothing else leaves).
        #[arg(long)]
        confirmed: bool,
        /// The platform.
        #[arg(long)]
        platform: String,
        /// The file to write.
        #[arg(long, short)]
        output: PathBuf,
    },
    /// Measure seed expansion and successor detection against a generated network's answers (the sample's
    /// `network/labels.json`, once the sample is scanned): precision at 10, 50 and 100, the hard negatives and
    /// decoys in the top 100 by kind, and successor detection's precision and recall.
    Eval {
        /// The answers file.
        #[arg(long, default_value = "sample/network/labels.json")]
        labels: PathBuf,
    },
}

/// `vigie graph ...`.
#[derive(Debug, clap::Subcommand)]
pub enum GraphCommand {
    /// Write the interaction graph: one node per account (platform, id, handle, name, posts, reporting posts,
    /// community, rank around the confirmed accounts), one edge per tie kind between two accounts (mention,
    /// reply, quote, repost, forward, shared medium, shared link, shared rare hashtag, announced handle) with
    /// its count, first and last time (Unix seconds) and weight.
    Export {
        /// gexf, graphml, or csv (two files: NAME.nodes.csv and NAME.edges.csv); default from the output's
        /// extension (.gexf, .graphml, .csv). (`--format` is the summary's own: text or json.)
        #[arg(long, value_enum)]
        graph_format: Option<crate::network::GraphFormat>,
        /// The file to write.
        #[arg(long, short)]
        output: PathBuf,
        /// Only this platform's posts and accounts.
        #[arg(long)]
        platform: Option<String>,
    },
}
