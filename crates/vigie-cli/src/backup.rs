//! `vigie backup` and `vigie restore`: a folder holding a consistent copy of the database (SQLite's online
//! backup, or PostgreSQL's custom dump format), the media folder, and a manifest with the audit chain's head at
//! the time; restoring it into a new store checks the audit chain against that head and every stored medium's
//! bytes against its digest.

use std::path::Path;

use anyhow::Context;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use vigie_store::backup::{self, BackupKind};
use vigie_store::{Blobs, Store};

use crate::output::OutputFormat;

/// The manifest of a backup folder (`manifest.json`).
#[derive(Debug, Serialize, Deserialize)]
pub struct Manifest {
    /// Always `vigie-backup`.
    pub format: String,
    /// The manifest's version (1).
    pub version: u32,
    /// The Vigie that wrote it.
    pub vigie: String,
    /// When the backup was taken (RFC 3339).
    pub created: String,
    /// The store it was taken from, its password hidden.
    pub store: String,
    /// `sqlite` or `postgres`.
    pub kind: String,
    /// The database copy: file name, size and SHA-256.
    pub database: FileFacts,
    /// Media files copied and their bytes.
    pub media_files: u64,
    /// See `media_files`.
    pub media_bytes: u64,
    /// The audit chain's last entry when the backup began: the restored chain must hold it.
    pub audit_head: Option<vigie_review::AuditAnchor>,
}

/// A file of the backup.
#[derive(Debug, Serialize, Deserialize)]
pub struct FileFacts {
    /// Its name in the backup folder.
    pub file: String,
    /// Bytes.
    pub bytes: u64,
    /// SHA-256, hex.
    pub sha256: String,
}

fn file_facts(path: &Path) -> anyhow::Result<FileFacts> {
    let mut file =
        std::fs::File::open(path).with_context(|| format!("cannot read {}", path.display()))?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut bytes = 0u64;
    loop {
        let n = std::io::Read::read(&mut file, &mut buf)
            .with_context(|| format!("cannot read {}", path.display()))?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        bytes += n as u64;
    }
    Ok(FileFacts {
        file: path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        bytes,
        sha256: hex::encode(hasher.finalize()),
    })
}

/// `vigie backup -o DIR`.
pub fn run_backup(
    store: &mut dyn Store,
    db: &str,
    out: &Path,
    fmt: OutputFormat,
) -> anyhow::Result<std::process::ExitCode> {
    if out.exists()
        && std::fs::read_dir(out)
            .with_context(|| format!("cannot read {}", out.display()))?
            .next()
            .is_some()
    {
        anyhow::bail!(
            "{} is not empty: a backup goes into a new folder",
            out.display()
        );
    }
    std::fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
    // The head first: the copy taken after it holds at least that entry.
    let audit_head = vigie_review::audit_anchor(store)?;
    let kind = BackupKind::of(db);
    let db_path = out.join(kind.file_name());
    backup::backup_database(db, &db_path).with_context(|| {
        format!(
            "cannot back up the database of {}",
            vigie_store::redacted(db)
        )
    })?;
    let media = Blobs::open(&out.join("media"))?;
    let copied = backup::copy_media(store.blobs(), &media)?;
    let manifest = Manifest {
        format: "vigie-backup".to_owned(),
        version: 1,
        vigie: env!("CARGO_PKG_VERSION").to_owned(),
        created: vigie_model::Timestamp::now().to_string(),
        store: vigie_store::redacted(db),
        kind: match kind {
            BackupKind::Sqlite => "sqlite",
            BackupKind::Postgres => "postgres",
        }
        .to_owned(),
        database: file_facts(&db_path)?,
        media_files: copied.files,
        media_bytes: copied.bytes,
        audit_head,
    };
    let path = out.join("manifest.json");
    std::fs::write(&path, serde_json::to_string_pretty(&manifest)? + "\n")
        .with_context(|| format!("cannot write {}", path.display()))?;
    if fmt == OutputFormat::Json {
        println!(
            "{}",
            serde_json::json!({"manifest": manifest, "corrupt_media": copied.corrupt})
        );
    } else {
        println!(
            "backed up {} to {}: database {} ({} bytes), {} media files ({} bytes){}",
            manifest.store,
            out.display(),
            manifest.database.file,
            manifest.database.bytes,
            copied.files,
            copied.bytes,
            match &manifest.audit_head {
                Some(h) => format!(", audit chain up to entry {}", h.seq),
                None => String::new(),
            }
        );
    }
    if !copied.corrupt.is_empty() {
        for p in &copied.corrupt {
            eprintln!(
                "vigie: {}: its bytes do not match its digest; not backed up",
                p.display()
            );
        }
        anyhow::bail!(
            "{} media files of the store are corrupt (listed above)",
            copied.corrupt.len()
        );
    }
    Ok(std::process::ExitCode::SUCCESS)
}

/// What `vigie restore` checked.
#[derive(Debug, Serialize)]
struct RestoreReport {
    store: String,
    media_files: u64,
    audit_entries: u64,
    audit_problems: Vec<String>,
    media_checked: u64,
    media_problems: Vec<String>,
}

/// `vigie restore DIR`: into the store named by `db` (which must be new), then the checks.
pub fn run_restore(
    from: &Path,
    db: &str,
    media_dir: Option<&Path>,
    fmt: OutputFormat,
) -> anyhow::Result<std::process::ExitCode> {
    let path = from.join("manifest.json");
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("cannot read {}: not a backup folder?", path.display()))?;
    let manifest: Manifest = serde_json::from_str(&text).with_context(|| {
        format!(
            "{}: not a manifest written by `vigie backup`",
            path.display()
        )
    })?;
    anyhow::ensure!(
        manifest.format == "vigie-backup" && manifest.version == 1,
        "{}: format {:?} version {} is not one this Vigie reads",
        path.display(),
        manifest.format,
        manifest.version
    );
    let kind = match manifest.kind.as_str() {
        "sqlite" => BackupKind::Sqlite,
        "postgres" => BackupKind::Postgres,
        other => anyhow::bail!("{}: unknown kind {other:?}", path.display()),
    };
    let db_path = from.join(kind.file_name());
    let facts = file_facts(&db_path)?;
    anyhow::ensure!(
        facts.sha256 == manifest.database.sha256,
        "{}: its SHA-256 is {}, the manifest says {}: the copy was altered or damaged",
        db_path.display(),
        facts.sha256,
        manifest.database.sha256
    );
    backup::restore_database(&db_path, kind, db)
        .with_context(|| format!("cannot restore into {}", vigie_store::redacted(db)))?;
    let mut store = vigie_store::open(db, media_dir).with_context(|| {
        format!(
            "cannot open the restored store {}",
            vigie_store::redacted(db)
        )
    })?;
    let copied = backup::copy_media(&Blobs::open(&from.join("media"))?, store.blobs())?;
    let mut media_problems: Vec<String> = copied
        .corrupt
        .iter()
        .map(|p| {
            format!(
                "{}: its bytes do not match its digest in the backup",
                p.display()
            )
        })
        .collect();
    let audit =
        vigie_review::verify_store_audit_against(store.as_mut(), manifest.audit_head.as_ref())?;
    let mut media_checked = 0u64;
    let mut after = 0i64;
    loop {
        let page = store.media_feed(after, 1000)?;
        let Some(last) = page.last() else { break };
        after = last.id;
        for m in &page {
            media_checked += 1;
            if let Some(problem) = backup::check_medium(store.blobs(), &m.sha256)? {
                media_problems.push(problem);
            }
        }
    }
    let report = RestoreReport {
        store: vigie_store::redacted(db),
        media_files: copied.files,
        audit_entries: audit.checked,
        audit_problems: audit.problems.iter().map(|p| format!("{p:?}")).collect(),
        media_checked,
        media_problems,
    };
    let ok = report.audit_problems.is_empty() && report.media_problems.is_empty();
    if fmt == OutputFormat::Json {
        println!("{}", serde_json::to_string(&report)?);
    } else {
        println!(
            "restored {} into {}: {} media files; audit chain {} ({} entries{}); {} stored media {}",
            from.display(),
            report.store,
            report.media_files,
            if report.audit_problems.is_empty() {
                "intact"
            } else {
                "BROKEN"
            },
            report.audit_entries,
            match &manifest.audit_head {
                Some(h) => format!(", holding the backup's head, entry {}", h.seq),
                None => String::new(),
            },
            report.media_checked,
            if report.media_problems.is_empty() {
                "present with their digests"
            } else {
                "checked, with problems"
            }
        );
        for p in report.audit_problems.iter().chain(&report.media_problems) {
            eprintln!("vigie: {p}");
        }
    }
    Ok(if ok {
        std::process::ExitCode::SUCCESS
    } else {
        std::process::ExitCode::FAILURE
    })
}
