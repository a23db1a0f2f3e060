//! Exact digests of file bytes: SHA-256 (content address) and MD5 (what video hash lists carry).

use md5::Md5;
use sha2::{Digest, Sha256};

/// The exact digests of a byte string, lower-case hex.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Digests {
    /// SHA-256.
    pub sha256: String,
    /// MD5.
    pub md5: String,
}

/// Computes SHA-256 and MD5 of `bytes`. Cost: one pass each (SHA-256 uses the CPU's SHA extensions where
/// present).
pub fn digests(bytes: &[u8]) -> Digests {
    Digests {
        sha256: hex::encode(Sha256::digest(bytes)),
        md5: hex::encode(Md5::digest(bytes)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_vectors() {
        let d = digests(b"abc");
        assert_eq!(
            d.sha256,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(d.md5, "900150983cd24fb0d6963f7d28e17f72");
    }
}
