//! Character classes on the hot paths, with the common scripts decided without the Unicode tables.
//!
//! `char::is_alphanumeric` looks every non-ASCII char up in a binary-searched table; on Arabic text that
//! lookup was the largest single cost of feature hashing. These functions give exactly the same answers
//! (checked over every `char` by the tests), answering the scripts posts are mostly written in by ranges.

/// Exactly `c.is_alphanumeric()`.
#[inline]
pub(crate) fn is_alphanumeric(c: char) -> bool {
    match c as u32 {
        0..=0x7F => c.is_ascii_alphanumeric(),
        0xD7 | 0xF7 => false,
        // Latin-1 letters, Latin Extended-A and B.
        0xC0..=0x24F => true,
        // Arabic letters (tatweel included) and Arabic-Indic digits.
        0x0621..=0x064A | 0x0660..=0x0669 => true,
        // General punctuation, including the zero-width and bidi controls.
        0x2000..=0x206F => false,
        // Pictographs and emoji.
        0x1F300..=0x1FAFF => false,
        _ => c.is_alphanumeric(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn is_alphanumeric_is_exactly_the_standard_one() {
        for c in (0..=u32::from(char::MAX)).filter_map(char::from_u32) {
            assert_eq!(
                super::is_alphanumeric(c),
                c.is_alphanumeric(),
                "{:04X}",
                c as u32
            );
        }
    }
}
