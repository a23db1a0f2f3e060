//! Copies of a store's database, taken while it is in use, and their restoration into a new store: SQLite's
//! online backup (a consistent copy page by page, writers carry on), PostgreSQL's custom dump format (`pg_dump
//! --format=custom`, restored with `pg_restore` into an empty database). The media folder is copied beside it by
//! [`copy_media`], each file's digest checked.

use std::path::{Path, PathBuf};
use std::process::Command;

use sha2::{Digest, Sha256};

use crate::{Blobs, StoreError};

/// Which database a backup holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BackupKind {
    /// An SQLite database file (`store.sqlite`).
    Sqlite,
    /// A PostgreSQL custom-format dump (`store.pgdump`).
    Postgres,
}

impl BackupKind {
    /// The file name the database is kept under in a backup folder.
    pub fn file_name(self) -> &'static str {
        match self {
            BackupKind::Sqlite => "store.sqlite",
            BackupKind::Postgres => "store.pgdump",
        }
    }

    /// The kind of store `url` names.
    pub fn of(url: &str) -> BackupKind {
        if is_postgres(url) {
            BackupKind::Postgres
        } else {
            BackupKind::Sqlite
        }
    }
}

fn is_postgres(url: &str) -> bool {
    url.starts_with("postgres://") || url.starts_with("postgresql://")
}

fn sqlite_path(url: &str) -> &Path {
    Path::new(
        url.strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
            .unwrap_or(url),
    )
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> StoreError + '_ {
    move |source| StoreError::Blobs {
        path: path.to_owned(),
        source,
    }
}

/// Writes a consistent copy of the database of the store at `url` to `dest` (a file that must not exist).
///
/// # Errors
/// The store cannot be read, `dest` cannot be written, or (PostgreSQL) `pg_dump` is missing or fails.
pub fn backup_database(url: &str, dest: &Path) -> Result<BackupKind, StoreError> {
    if dest.exists() {
        return Err(StoreError::Conflict(format!(
            "{} exists: a backup is never written over",
            dest.display()
        )));
    }
    if is_postgres(url) {
        let out = Command::new(pg_tool("pg_dump")?)
            .arg("--format=custom")
            .arg("--no-owner")
            .arg("--no-privileges")
            .arg("--file")
            .arg(dest)
            .arg(format!("--dbname={url}"))
            .output()
            .map_err(io(dest))?;
        if !out.status.success() {
            let _ = std::fs::remove_file(dest);
            return Err(StoreError::Feed(format!(
                "pg_dump failed: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            )));
        }
        return Ok(BackupKind::Postgres);
    }
    let path = sqlite_path(url);
    if !path.is_file() {
        return Err(StoreError::NotFound(format!(
            "no SQLite store at {}",
            path.display()
        )));
    }
    let sqlite = |source| StoreError::Sqlite {
        path: path.to_owned(),
        source,
    };
    let source = rusqlite::Connection::open_with_flags(
        path,
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(sqlite)?;
    source
        .execute_batch("PRAGMA busy_timeout = 10000;")
        .map_err(sqlite)?;
    let mut copy = rusqlite::Connection::open(dest).map_err(|source| StoreError::Sqlite {
        path: dest.to_owned(),
        source,
    })?;
    {
        let backup = rusqlite::backup::Backup::new(&source, &mut copy).map_err(sqlite)?;
        backup
            .run_to_completion(4096, std::time::Duration::ZERO, None)
            .map_err(sqlite)?;
    }
    // The copy is a plain file, not a WAL database with its companions.
    copy.execute_batch("PRAGMA journal_mode = DELETE;")
        .map_err(|source| StoreError::Sqlite {
            path: dest.to_owned(),
            source,
        })?;
    Ok(BackupKind::Sqlite)
}

/// Restores the database copy `from` (of `kind`) into the store at `url`, which must be new: an SQLite file
/// that does not exist yet, or a PostgreSQL database without Vigie's tables.
///
/// # Errors
/// The target is not new, the copy cannot be read, or (PostgreSQL) `pg_restore` is missing or fails.
pub fn restore_database(from: &Path, kind: BackupKind, url: &str) -> Result<(), StoreError> {
    if kind != BackupKind::of(url) {
        return Err(StoreError::Conflict(format!(
            "the backup holds a{} database, and {} is a{} store: restore into the same kind of store",
            if kind == BackupKind::Postgres {
                " PostgreSQL"
            } else {
                "n SQLite"
            },
            crate::redacted(url),
            if BackupKind::of(url) == BackupKind::Postgres {
                " PostgreSQL"
            } else {
                "n SQLite"
            },
        )));
    }
    if kind == BackupKind::Postgres {
        let mut client = crate::connect_postgres(url)?;
        let taken: Option<String> = client
            .query_one("SELECT to_regclass('schema_migrations')::text", &[])?
            .try_get(0)?;
        drop(client);
        if taken.is_some() {
            return Err(StoreError::Conflict(format!(
                "{} already holds a Vigie store: restore into an empty database",
                crate::redacted(url)
            )));
        }
        let out = Command::new(pg_tool("pg_restore")?)
            .arg("--no-owner")
            .arg("--no-privileges")
            .arg("--exit-on-error")
            .arg("--single-transaction")
            .arg(format!("--dbname={url}"))
            .arg(from)
            .output()
            .map_err(io(from))?;
        if !out.status.success() {
            return Err(StoreError::Feed(format!(
                "pg_restore failed: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            )));
        }
        return Ok(());
    }
    let path = sqlite_path(url);
    if path.exists() {
        return Err(StoreError::Conflict(format!(
            "{} exists: restore into a new file",
            path.display()
        )));
    }
    let source =
        rusqlite::Connection::open_with_flags(from, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .map_err(|source| StoreError::Sqlite {
                path: from.to_owned(),
                source,
            })?;
    let mut target = rusqlite::Connection::open(path).map_err(|source| StoreError::Sqlite {
        path: path.to_owned(),
        source,
    })?;
    let backup = rusqlite::backup::Backup::new(&source, &mut target).map_err(|source| {
        StoreError::Sqlite {
            path: path.to_owned(),
            source,
        }
    })?;
    backup
        .run_to_completion(4096, std::time::Duration::ZERO, None)
        .map_err(|source| StoreError::Sqlite {
            path: path.to_owned(),
            source,
        })
}

/// What [`copy_media`] found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MediaCopy {
    /// Files copied (or already there with the right bytes).
    pub files: u64,
    /// Their bytes.
    pub bytes: u64,
    /// Files whose bytes do not have the SHA-256 they are filed under: not copied.
    pub corrupt: Vec<PathBuf>,
}

/// Copies every medium of the media folder `from` into the media folder `to` (made when missing), checking
/// that each file's bytes have the SHA-256 it is filed under. Files already in `to` with the right bytes are
/// kept; temporary files of interrupted writes are left behind.
///
/// # Errors
/// A folder or file cannot be read or written.
pub fn copy_media(from: &Blobs, to: &Blobs) -> Result<MediaCopy, StoreError> {
    let mut out = MediaCopy::default();
    let mut stack = vec![from.dir().to_path_buf()];
    while let Some(dir) = stack.pop() {
        let entries = match std::fs::read_dir(&dir) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => return Err(io(&dir)(e)),
        };
        for entry in entries {
            let entry = entry.map_err(io(&dir))?;
            let path = entry.path();
            let kind = entry.file_type().map_err(io(&path))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            if kind.is_dir() {
                if name != "tmp" {
                    stack.push(path);
                }
                continue;
            }
            if name.len() != 64 || !name.bytes().all(|b| b.is_ascii_hexdigit()) {
                continue;
            }
            let bytes = std::fs::read(&path).map_err(io(&path))?;
            if hex::encode(Sha256::digest(&bytes)) != name.to_ascii_lowercase() {
                out.corrupt.push(path);
                continue;
            }
            to.put(&name, &bytes)?;
            out.files += 1;
            out.bytes += bytes.len() as u64;
        }
    }
    out.corrupt.sort();
    Ok(out)
}

/// Whether the media folder holds the bytes of `sha256`, unaltered: `Ok(None)` when they are there and hash to
/// it, `Ok(Some(reason))` otherwise.
///
/// # Errors
/// The file exists but cannot be read.
pub fn check_medium(blobs: &Blobs, sha256: &str) -> Result<Option<String>, StoreError> {
    let path = blobs.path_of(sha256);
    match std::fs::read(&path) {
        Ok(bytes) => {
            let got = hex::encode(Sha256::digest(&bytes));
            Ok((got != sha256).then(|| format!("{}: its bytes hash to {got}", path.display())))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            Ok(Some(format!("{}: missing", path.display())))
        }
        Err(e) => Err(io(&path)(e)),
    }
}

/// The PostgreSQL client tool `name`: on the `PATH`, else the newest of Debian's `/usr/lib/postgresql/*/bin`.
fn pg_tool(name: &str) -> Result<PathBuf, StoreError> {
    let mut found: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path().join("bin").join(name))
        .filter(|p| p.is_file())
        .collect();
    found.sort_by_key(|p| {
        p.iter()
            .nth(4)
            .and_then(|v| v.to_str())
            .and_then(|v| v.parse::<u32>().ok())
            .unwrap_or(0)
    });
    if let Some(newest) = found.pop() {
        return Ok(newest);
    }
    let on_path = std::env::var_os("PATH").map(|p| {
        std::env::split_paths(&p)
            .map(|d| d.join(name))
            .find(|p| p.is_file())
    });
    on_path.flatten().ok_or_else(|| {
        StoreError::NotFound(format!(
            "{name} not found: install PostgreSQL's client tools (Debian: postgresql-client)"
        ))
    })
}
