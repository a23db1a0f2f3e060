//! The deployment's Ed25519 signing key: 32 random bytes kept as hex in a file outside the store (readable by
//! its owner only), and the public key beside it (`<file>.pub`), which anyone checking a package may hold.

use std::io::Write;
use std::path::{Path, PathBuf};

use ed25519_dalek::{SigningKey, VerifyingKey};
use sha2::{Digest, Sha256};

use crate::EvidenceError;

/// Where the signing key is kept when no path is given: `$XDG_CONFIG_HOME/vigie/evidence.key`, else
/// `$HOME/.config/vigie/evidence.key`.
pub fn default_key_path() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_CONFIG_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))?;
    Some(base.join("vigie").join("evidence.key"))
}

/// The public key's file beside the signing key's.
pub fn public_key_path(key: &Path) -> PathBuf {
    let mut name = key.as_os_str().to_owned();
    name.push(".pub");
    PathBuf::from(name)
}

/// A short name of a public key: the first 16 hex digits of its SHA-256.
pub fn fingerprint(key: &VerifyingKey) -> String {
    hex::encode(Sha256::digest(key.as_bytes()))[..16].to_owned()
}

/// Makes a new key and writes it to `path` (created readable by its owner only; an existing file is kept
/// unless `replace`) and its public key to `<path>.pub`.
///
/// # Errors
/// When `path` exists and `replace` is false, or the files cannot be written.
pub fn init(path: &Path, replace: bool) -> Result<VerifyingKey, EvidenceError> {
    if path.exists() && !replace {
        return Err(EvidenceError::Key(format!(
            "{} exists: a deployment keeps one key, so packages signed before still verify \
             (--force replaces it)",
            path.display()
        )));
    }
    let mut secret = [0u8; 32];
    getrandom::fill(&mut secret)
        .map_err(|e| EvidenceError::Key(format!("no randomness for a key: {e}")))?;
    let key = SigningKey::from_bytes(&secret);
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|source| EvidenceError::io(dir, source))?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options
        .open(path)
        .map_err(|source| EvidenceError::io(path, source))?;
    writeln!(file, "{}", hex::encode(key.to_bytes()))
        .map_err(|source| EvidenceError::io(path, source))?;
    let public = key.verifying_key();
    let pub_path = public_key_path(path);
    std::fs::write(&pub_path, format!("{}\n", hex::encode(public.as_bytes())))
        .map_err(|source| EvidenceError::io(&pub_path, source))?;
    Ok(public)
}

/// Reads the signing key at `path`.
///
/// # Errors
/// When the file cannot be read or does not hold a key as [`init`] writes it.
pub fn load(path: &Path) -> Result<SigningKey, EvidenceError> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        EvidenceError::Key(format!(
            "cannot read the signing key {}: {e} (`vigie key init` makes one)",
            path.display()
        ))
    })?;
    let bytes: [u8; 32] = hex::decode(text.trim())
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| {
            EvidenceError::Key(format!(
                "{} does not hold a signing key (64 hex digits)",
                path.display()
            ))
        })?;
    Ok(SigningKey::from_bytes(&bytes))
}

/// A public key given as 64 hex digits, or as the path of a file holding them (a `.pub` file).
///
/// # Errors
/// When it is neither.
pub fn public_key(given: &str) -> Result<VerifyingKey, EvidenceError> {
    let text = if Path::new(given).is_file() {
        std::fs::read_to_string(given)
            .map_err(|source| EvidenceError::io(Path::new(given), source))?
    } else {
        given.to_owned()
    };
    let bytes: [u8; 32] = hex::decode(text.trim())
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| {
            EvidenceError::Key(format!(
                "{given:?} is not a public key (64 hex digits, or a file holding them)"
            ))
        })?;
    VerifyingKey::from_bytes(&bytes)
        .map_err(|e| EvidenceError::Key(format!("{given:?} is not an Ed25519 public key: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_is_made_once_read_back_and_its_public_half_written_beside() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("keys").join("evidence.key");
        let public = init(&path, false).expect("made");
        assert_eq!(load(&path).expect("read").verifying_key(), public);
        let pub_file = public_key_path(&path);
        assert_eq!(
            public_key(&pub_file.display().to_string()).expect("public"),
            public
        );
        assert_eq!(
            public_key(&hex::encode(public.as_bytes())).expect("hex"),
            public
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).expect("meta").permissions().mode();
            assert_eq!(
                mode & 0o077,
                0,
                "the signing key is readable by its owner only"
            );
        }
        // Not replaced by accident.
        let again = init(&path, false);
        assert!(matches!(again, Err(EvidenceError::Key(m)) if m.contains("exists")));
        assert_eq!(load(&path).expect("read").verifying_key(), public);
        assert!(public_key("not a key").is_err());
        std::fs::write(&path, "zz\n").expect("written");
        assert!(matches!(load(&path), Err(EvidenceError::Key(m)) if m.contains("64 hex")));
    }
}
