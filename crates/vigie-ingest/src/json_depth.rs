//! A nesting-depth check for JSON text, run before handing a document to a parser that recurses without a
//! limit (the SIMD fast path): a hostile line of a million `[` must be refused, not overflow the stack.

/// The deepest nesting of arrays and objects a document may have. serde_json enforces the same limit.
pub(crate) const MAX_JSON_DEPTH: usize = 128;

/// Whether the arrays and objects in `bytes` nest at most `limit` deep. Brackets inside strings do not
/// count. One pass over the bytes; invalid JSON is not detected here (the parser does that).
///
/// The bytes are read 64 at a time as bit masks (one bit per byte for quotes, backslashes, openers and
/// closers), the way SIMD JSON parsers find structure: which bytes are inside strings comes from a prefix XOR
/// of the unescaped quotes, and a chunk whose brackets cannot reach the limit is counted with two popcounts.
/// A backslash escapes the next byte wherever it is: outside a string it is invalid JSON, which the parser
/// rejects at that byte, before any bracket after it, so the depth it reaches is still bounded here.
pub(crate) fn depth_at_most(bytes: &[u8], limit: usize) -> bool {
    let mut scan = DepthScan::default();
    let (chunks, rest) = bytes.as_chunks::<64>();
    for chunk in chunks {
        if !scan.chunk(chunk, limit) {
            return false;
        }
    }
    if rest.is_empty() {
        return true;
    }
    let mut last = [b' '; 64];
    last[..rest.len()].copy_from_slice(rest);
    scan.chunk(&last, limit)
}

#[derive(Default)]
struct DepthScan {
    depth: usize,
    /// All ones when the previous chunk ended inside a string.
    in_string: u64,
    /// Whether the previous chunk ended with a backslash that escapes this chunk's first byte.
    escape_first: bool,
}

/// Bit masks of one 64-byte chunk, one bit per byte, lowest bit first: quotes, backslashes, openers (`[`
/// and `{`) and closers (`]` and `}`). Each is a byte-wise compare into a 0/1 array, which compiles to vector
/// compares, then a multiply per eight bytes that gathers them into one byte of the mask (measured on X
/// responses: 2.2 GB/s, against 0.8 GB/s for the earlier scan that jumped between quotes with memchr).
#[inline(always)]
fn masks(chunk: &[u8; 64]) -> [u64; 4] {
    #[inline(always)]
    fn flags(chunk: &[u8; 64], f: impl Fn(u8) -> bool) -> u64 {
        let mut bytes = [0u8; 64];
        for (o, &b) in bytes.iter_mut().zip(chunk) {
            *o = u8::from(f(b));
        }
        let mut mask = 0u64;
        for (k, word) in bytes.as_chunks::<8>().0.iter().enumerate() {
            // Byte i of `word` (0 or 1) lands on bit 56 + i of the product, with no carries between them.
            mask |=
                (u64::from_le_bytes(*word).wrapping_mul(0x0102_0408_1020_4080) >> 56) << (8 * k);
        }
        mask
    }
    [
        flags(chunk, |b| b == b'"'),
        flags(chunk, |b| b == b'\\'),
        // `[` is 0x5B and `{` 0x7B, `]` 0x5D and `}` 0x7D: setting bit 5 folds each pair into one byte.
        flags(chunk, |b| b | 0x20 == b'{'),
        flags(chunk, |b| b | 0x20 == b'}'),
    ]
}

/// Bit i of the result is the XOR of bits 0..=i of `x`.
#[inline(always)]
fn prefix_xor(mut x: u64) -> u64 {
    x ^= x << 1;
    x ^= x << 2;
    x ^= x << 4;
    x ^= x << 8;
    x ^= x << 16;
    x ^= x << 32;
    x
}

impl DepthScan {
    #[inline(always)]
    fn chunk(&mut self, chunk: &[u8; 64], limit: usize) -> bool {
        let [quotes, backslashes, openers, closers] = masks(chunk);
        let mut escaped = u64::from(self.escape_first);
        self.escape_first = false;
        let mut rest = backslashes;
        while rest != 0 {
            let i = rest.trailing_zeros();
            rest &= rest - 1;
            if escaped >> i & 1 == 0 {
                if i == 63 {
                    self.escape_first = true;
                } else {
                    escaped |= 1 << (i + 1);
                }
            }
        }
        let quotes = quotes & !escaped;
        let inside = prefix_xor(quotes) ^ self.in_string;
        self.in_string = ((inside as i64) >> 63) as u64;
        let open = openers & !inside;
        let close = closers & !inside;
        let (opens, closes) = (open.count_ones() as usize, close.count_ones() as usize);
        if self.depth >= closes && self.depth + opens <= limit {
            // Neither below zero nor above the limit anywhere in this chunk.
            self.depth = self.depth + opens - closes;
            return true;
        }
        let mut brackets = open | close;
        while brackets != 0 {
            let bit = brackets & brackets.wrapping_neg();
            brackets ^= bit;
            if open & bit != 0 {
                self.depth += 1;
                if self.depth > limit {
                    return false;
                }
            } else {
                self.depth = self.depth.saturating_sub(1);
            }
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The plain byte-by-byte definition, as the oracle for the fast scan.
    /// A backslash escapes the next byte wherever it is (see [`depth_at_most`]); an escaped quote neither
    /// opens nor closes a string.
    fn naive(bytes: &[u8], limit: usize) -> bool {
        let (mut depth, mut in_string, mut escaped) = (0usize, false, false);
        for &b in bytes {
            let was_escaped = std::mem::take(&mut escaped);
            if b == b'\\' && !was_escaped {
                escaped = true;
                continue;
            }
            if in_string {
                if b == b'"' && !was_escaped {
                    in_string = false;
                }
                continue;
            }
            match b {
                b'"' if !was_escaped => in_string = true,
                b'[' | b'{' => {
                    depth += 1;
                    if depth > limit {
                        return false;
                    }
                }
                b']' | b'}' => depth = depth.saturating_sub(1),
                _ => {}
            }
        }
        true
    }

    proptest! {
        #[test]
        fn fast_scan_agrees_with_the_definition(
            bytes in prop::collection::vec(prop::sample::select(b"[]{}\"\\a,".to_vec()), 0..300),
            limit in 0usize..12,
        ) {
            prop_assert_eq!(depth_at_most(&bytes, limit), naive(&bytes, limit));
        }
    }

    #[test]
    fn counts_nesting_outside_strings() {
        assert!(depth_at_most(br#"{"a":[1,{"b":[]}]}"#, 4));
        assert!(!depth_at_most(br#"{"a":[1,{"b":[]}]}"#, 3));
        assert!(depth_at_most(br#"{"a":"[[[[[[\"[[[["}"#, 1));
        let deep = format!("{}{}", "[".repeat(200_000), "]".repeat(200_000));
        assert!(!depth_at_most(deep.as_bytes(), MAX_JSON_DEPTH));
        // Escaped quotes and backslashes inside strings.
        assert!(depth_at_most(br#"{"a":"x\"[[[\\","b":[1]}"#, 2));
        assert!(!depth_at_most(br#"{"a":"x\\","b":[[1]]}"#, 2));
        // A backslash at the end of one 64-byte chunk escapes the quote that starts the next, and a string
        // that spans chunks hides its brackets.
        let mut across = format!("[\"{}", "a".repeat(61));
        across.push_str("\\\"[[[[\"]");
        assert_eq!(across.as_bytes()[63], b'\\');
        assert!(depth_at_most(across.as_bytes(), 1));
        let open_string = format!("[\"{}[[[[\"[]]", "a".repeat(100));
        assert!(depth_at_most(open_string.as_bytes(), 2));
        assert!(!depth_at_most(open_string.as_bytes(), 1));
        // Siblings do not add up: [[]] [[]] is depth 2.
        assert!(depth_at_most(b"[[],[],[[]]]", 3));
        assert!(!depth_at_most(b"[[],[],[[[]]]]", 3));
    }
}
