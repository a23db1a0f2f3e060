//! Users' names and passwords, and random secrets.
//!
//! Passwords: Argon2id (19 MiB, 2 passes, 1 lane: OWASP's recommended minimum), random 16-byte salt, stored as
//! `argon2id$v=19$m=19456,t=2,p=1$<salt hex>$<hash hex>`. Session and API token secrets are random; the store
//! keeps only their SHA-256 ([`secret_hash`]).

use argon2::{Algorithm, Argon2, Params, Version};
use sha2::{Digest, Sha256};

/// The shortest password accepted.
pub const MIN_PASSWORD: usize = 12;

/// Checks a new user name and password.
pub fn check_new_user(name: &str, password: &str) -> Result<(), String> {
    if name.is_empty()
        || name.len() > 64
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@'))
    {
        return Err("a user name is 1 to 64 letters, digits, '.', '_', '-' or '@'".to_owned());
    }
    if password.chars().count() < MIN_PASSWORD {
        return Err(format!(
            "a password needs at least {MIN_PASSWORD} characters"
        ));
    }
    Ok(())
}

const ARGON_M: u32 = 19_456;
const ARGON_T: u32 = 2;
const ARGON_P: u32 = 1;

/// Random bytes as hex.
pub fn random_hex(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    // The OS random source does not fail on the platforms Vigie runs on; if it ever did, refusing to
    // continue is the only safe answer.
    #[allow(clippy::expect_used)]
    getrandom::fill(&mut buf).expect("the operating system's random source failed");
    hex::encode(buf)
}

/// SHA-256 of a secret, hex: what the store keeps of session and API tokens.
pub fn secret_hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

fn argon2() -> Argon2<'static> {
    // The parameters are constants within Argon2's limits.
    #[allow(clippy::expect_used)]
    let params = Params::new(ARGON_M, ARGON_T, ARGON_P, Some(32)).expect("valid Argon2 parameters");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Hashes a password with Argon2id and a fresh salt.
pub fn hash_password(password: &str) -> String {
    let salt = random_hex(16);
    let mut out = [0u8; 32];
    // Only fails for out-of-range lengths, which these are not.
    #[allow(clippy::expect_used)]
    argon2()
        .hash_password_into(password.as_bytes(), salt.as_bytes(), &mut out)
        .expect("Argon2id hashing");
    format!(
        "argon2id$v=19$m={ARGON_M},t={ARGON_T},p={ARGON_P}${salt}${}",
        hex::encode(out)
    )
}

/// Checks a password against a stored hash, in constant time over the hash bytes. A malformed hash never
/// verifies.
pub fn verify_password(password: &str, stored: &str) -> bool {
    let parts: Vec<&str> = stored.split('$').collect();
    let [alg, version, params, salt, hash] = parts.as_slice() else {
        return false;
    };
    if *alg != "argon2id" || *version != "v=19" {
        return false;
    }
    let mut m = 0;
    let mut t = 0;
    let mut p = 0;
    for kv in params.split(',') {
        match kv.split_once('=') {
            Some(("m", v)) => m = v.parse().unwrap_or(0),
            Some(("t", v)) => t = v.parse().unwrap_or(0),
            Some(("p", v)) => p = v.parse().unwrap_or(0),
            _ => return false,
        }
    }
    let Ok(expected) = hex::decode(hash) else {
        return false;
    };
    let Ok(params) = Params::new(m, t, p, Some(expected.len())) else {
        return false;
    };
    let mut out = vec![0u8; expected.len()];
    if Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
        .hash_password_into(password.as_bytes(), salt.as_bytes(), &mut out)
        .is_err()
    {
        return false;
    }
    constant_time_eq(&out, &expected)
}

/// Compares two byte strings without stopping at the first difference.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_verify_only_themselves() {
        let h = hash_password("correct horse");
        assert!(h.starts_with("argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(verify_password("correct horse", &h));
        assert!(!verify_password("correct hors", &h));
        assert!(!verify_password(
            "correct horse",
            "argon2id$v=19$m=19456,t=2,p=1$00$zz"
        ));
        assert!(!verify_password("", ""));
        // Two hashes of one password differ (fresh salt).
        assert_ne!(h, hash_password("correct horse"));
    }

    #[test]
    fn names_and_short_passwords_are_refused() {
        assert!(check_new_user("ana.b-1@x", "twelve chars").is_ok());
        assert!(check_new_user("", "twelve chars").is_err());
        assert!(check_new_user("a b", "twelve chars").is_err());
        assert!(check_new_user("ana", "eleven char").is_err());
    }
}
