//! `vigie key ...` and `vigie evidence ...`: the deployment's signing key, and evidence packages of confirmed
//! cases.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::Subcommand;
use vigie_evidence::key;
use vigie_store::Store;

use crate::output::{OutputFormat, json};

/// `vigie key ...`.
#[derive(Debug, Subcommand)]
pub enum KeyCommand {
    /// Make the deployment's Ed25519 signing key (kept in a file outside the store, readable by its owner only)
    /// and write its public key beside it (`<file>.pub`), for whoever checks packages.
    Init {
        /// Replace an existing key (packages signed with it then verify only against its public key, kept).
        #[arg(long)]
        force: bool,
    },
    /// Print the public key and its fingerprint.
    Show,
}

/// `vigie evidence ...`.
#[derive(Debug, Subcommand)]
pub enum EvidenceCommand {
    /// Write the evidence package of confirmed cases into a new folder: `evidence.warc` (the frozen case, its
    /// post, its author's state and its media, each with its digests and its permalink), `manifest.json` (every
    /// item's SHA-256, its source and observation times, the evidence and score, the decisions with their
    /// reviewers, the audit chain's head) and `manifest.sig` (signed with the deployment's key).
    Export {
        /// Case ids, each confirmed by its reviewers.
        #[arg(required = true)]
        cases: Vec<i64>,
        /// The new folder to write.
        #[arg(long, short)]
        output: PathBuf,
    },
    /// Check a package: the manifest's signature, the WARC file's digest, and every record's digests against
    /// its headers and the manifest; each mismatch is named. Exit status 1 when anything does not match.
    Verify {
        /// The package's folder.
        package: PathBuf,
        /// The deployment's public key (64 hex digits, or its `.pub` file) that the package must be signed
        /// with. Default: the `.pub` file beside the signing key, when there is one.
        #[arg(long)]
        public_key: Option<String>,
    },
}

/// The signing key's path: `--key`, `VIGIE_EVIDENCE_KEY`, or the default place.
fn key_path(given: Option<&Path>) -> anyhow::Result<PathBuf> {
    given
        .map(Path::to_path_buf)
        .or_else(key::default_key_path)
        .context("no place for the signing key: give --key (or set VIGIE_EVIDENCE_KEY, or HOME)")
}

/// Runs `vigie key ...`.
pub fn key(
    fmt: OutputFormat,
    key_file: Option<&Path>,
    command: KeyCommand,
) -> anyhow::Result<ExitCode> {
    let path = key_path(key_file)?;
    let public = match command {
        KeyCommand::Init { force } => key::init(&path, force)?,
        KeyCommand::Show => key::load(&path)?.verifying_key(),
    };
    let shown = serde_json::json!({
        "key": path.display().to_string(),
        "public_key": hex::encode(public.as_bytes()),
        "public_key_file": key::public_key_path(&path).display().to_string(),
        "fingerprint": key::fingerprint(&public),
    });
    if fmt == OutputFormat::Json {
        json(&shown)?;
    } else {
        let mut out = std::io::stdout().lock();
        writeln!(out, "signing key    {}", path.display())?;
        writeln!(out, "public key     {}", hex::encode(public.as_bytes()))?;
        writeln!(
            out,
            "  (in          {})",
            key::public_key_path(&path).display()
        )?;
        writeln!(out, "fingerprint    {}", key::fingerprint(&public))?;
    }
    Ok(ExitCode::SUCCESS)
}

/// Runs `vigie evidence ...`.
pub fn evidence(
    store: Option<&mut dyn Store>,
    fmt: OutputFormat,
    key_file: Option<&Path>,
    command: EvidenceCommand,
) -> anyhow::Result<ExitCode> {
    match command {
        EvidenceCommand::Export { cases, output } => {
            let store = store.context("exporting needs the store")?;
            let path = key_path(key_file)?;
            let signing = key::load(&path)?;
            let report = vigie_evidence::export(
                store,
                &cases,
                &output,
                &signing,
                &crate::review::cli_actor(),
            )?;
            if fmt == OutputFormat::Json {
                json(&report)?;
            } else {
                println!(
                    "{}: {} case(s), {} WARC records, manifest SHA-256 {}, signed with key {}",
                    report.dir.display(),
                    report.cases.len(),
                    report.records,
                    report.manifest_sha256,
                    report.key_fingerprint
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        EvidenceCommand::Verify {
            package,
            public_key,
        } => {
            let trusted = match public_key {
                Some(given) => Some(key::public_key(&given)?),
                None => key_path(key_file)
                    .ok()
                    .map(|p| key::public_key_path(&p))
                    .filter(|p| p.is_file())
                    .map(|p| key::public_key(&p.display().to_string()))
                    .transpose()?,
            };
            let report = vigie_evidence::verify(&package, trusted.as_ref())?;
            if fmt == OutputFormat::Json {
                json(&report)?;
            } else {
                let mut out = std::io::stdout().lock();
                for p in &report.problems {
                    writeln!(out, "MISMATCH {p}")?;
                }
                let trust = if report.key_trusted {
                    "the trusted key"
                } else {
                    "the key the manifest names (give --public-key to check it is the deployment's)"
                };
                if report.problems.is_empty() {
                    writeln!(
                        out,
                        "{}: intact: {} case(s), {} WARC records, signature by {} ({trust})",
                        report.dir.display(),
                        report.cases,
                        report.records,
                        report.key_fingerprint
                    )?;
                } else {
                    writeln!(
                        out,
                        "{}: {} problem(s); checked against {trust}",
                        report.dir.display(),
                        report.problems.len()
                    )?;
                }
            }
            Ok(if report.problems.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
    }
}
