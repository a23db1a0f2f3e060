//! The 256-bit PDQ hash value: its bit layout, hexadecimal form and Hamming distance.
//!
//! The layout follows the reference implementation, which stores the hash as sixteen 16-bit words and prints
//! them from the last word to the first. Reading the hexadecimal text as one big-endian 256-bit number, bit `k`
//! (weight `2^k`) is DCT coefficient `k = 16 * row + column`. [`Hash256`] keeps the 32 bytes in that same
//! big-endian text order, so hex conversion is a plain byte-by-byte affair.

use std::fmt;
use std::str::FromStr;

/// A 256-bit PDQ hash, stored as 32 bytes in the order of its hexadecimal text (most significant byte first).
///
/// Two hashes of the same picture are usually within a few bits of each other; the reference treats a
/// [`distance`](Hash256::distance) of at most 31 as a match.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Hash256(pub [u8; 32]);

/// Why a text is not a 64-digit hexadecimal PDQ hash.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseHashError {
    /// The text does not have exactly 64 characters.
    #[error("a PDQ hash has 64 hexadecimal digits, got {len} characters")]
    Length {
        /// The length of the text, in bytes.
        len: usize,
    },
    /// A character is not a hexadecimal digit.
    #[error("a PDQ hash holds only hexadecimal digits, found {found:?} at position {position}")]
    Digit {
        /// The offending character.
        found: char,
        /// Its byte offset in the text.
        position: usize,
    },
}

impl Hash256 {
    /// The all-zero hash, which the reference returns for images smaller than 5 pixels on a side.
    pub const ZERO: Hash256 = Hash256([0; 32]);

    /// Number of bits in a hash.
    pub const BITS: usize = 256;

    /// Whether bit `k` (0..256, the DCT coefficient `16 * row + column`) is set.
    ///
    /// # Panics
    /// If `k >= 256`.
    #[must_use]
    pub fn bit(&self, k: usize) -> bool {
        assert!(
            k < Self::BITS,
            "PDQ hash bit index {k} is out of range 0..256"
        );
        self.0[31 - k / 8] >> (k % 8) & 1 == 1
    }

    /// Sets bit `k` (0..256).
    pub(crate) fn set_bit(&mut self, k: usize) {
        self.0[31 - k / 8] |= 1 << (k % 8);
    }

    /// The Hamming distance: the number of bits that differ, 0 to 256.
    #[must_use]
    pub fn distance(&self, other: &Hash256) -> u32 {
        self.0
            .iter()
            .zip(&other.0)
            .map(|(a, b)| (a ^ b).count_ones())
            .sum()
    }

    /// The number of set bits.
    #[must_use]
    pub fn count_ones(&self) -> u32 {
        self.0.iter().map(|b| b.count_ones()).sum()
    }

    /// The 64-digit lowercase hexadecimal text, as the reference prints it.
    #[must_use]
    pub fn to_hex(&self) -> String {
        self.to_string()
    }

    /// Parses 64 hexadecimal digits (either case), as the reference prints them.
    ///
    /// # Errors
    /// [`ParseHashError`] when the text is not exactly 64 hexadecimal digits.
    pub fn from_hex(text: &str) -> Result<Hash256, ParseHashError> {
        let bytes = text.as_bytes();
        if bytes.len() != 64 {
            return Err(ParseHashError::Length { len: bytes.len() });
        }
        let digit = |position: usize| -> Result<u8, ParseHashError> {
            let c = bytes[position];
            match c {
                b'0'..=b'9' => Ok(c - b'0'),
                b'a'..=b'f' => Ok(c - b'a' + 10),
                b'A'..=b'F' => Ok(c - b'A' + 10),
                _ => Err(ParseHashError::Digit {
                    // The text is valid UTF-8 and 64 bytes long; report the character that starts here, or the
                    // replacement character when the offset falls inside a multi-byte one.
                    found: text
                        .get(position..)
                        .and_then(|s| s.chars().next())
                        .unwrap_or('\u{fffd}'),
                    position,
                }),
            }
        };
        let mut out = [0u8; 32];
        for (i, byte) in out.iter_mut().enumerate() {
            *byte = digit(2 * i)? << 4 | digit(2 * i + 1)?;
        }
        Ok(Hash256(out))
    }
}

impl fmt::Display for Hash256 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for byte in &self.0 {
            write!(f, "{byte:02x}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Hash256 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Hash256({self})")
    }
}

impl FromStr for Hash256 {
    type Err = ParseHashError;

    fn from_str(text: &str) -> Result<Hash256, ParseHashError> {
        Hash256::from_hex(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bit_zero_is_the_last_hex_digit_and_bit_255_the_first() {
        let mut h = Hash256::ZERO;
        h.set_bit(0);
        assert_eq!(h.to_hex(), format!("{}1", "0".repeat(63)));
        let mut h = Hash256::ZERO;
        h.set_bit(255);
        assert_eq!(h.to_hex(), format!("8{}", "0".repeat(63)));
        // Bit 16 starts the second 16-bit word from the end: the fifth digit from the right.
        let mut h = Hash256::ZERO;
        h.set_bit(16);
        assert_eq!(h.to_hex(), format!("{}10000", "0".repeat(59)));
        assert!(h.bit(16) && !h.bit(15) && !h.bit(17));
    }

    #[test]
    fn parse_errors_name_the_problem() {
        assert_eq!(
            Hash256::from_hex("abc"),
            Err(ParseHashError::Length { len: 3 })
        );
        let bad = format!("{}g{}", "0".repeat(10), "0".repeat(53));
        assert_eq!(
            Hash256::from_hex(&bad),
            Err(ParseHashError::Digit {
                found: 'g',
                position: 10
            })
        );
        let upper = "F8F8F0CEE0F4A84F06370A22038F63F0B36E2ED596621E1D33E6B39C4E9C9B22";
        assert_eq!(
            Hash256::from_hex(upper).map(|h| h.to_hex()),
            Ok(upper.to_lowercase())
        );
    }

    #[test]
    fn multibyte_character_does_not_panic() {
        let text = format!("é{}", "0".repeat(62));
        assert_eq!(text.len(), 64);
        assert!(matches!(
            Hash256::from_hex(&text),
            Err(ParseHashError::Digit { position: 0, .. })
        ));
    }
}
