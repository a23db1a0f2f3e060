//! A nesting-depth check for JSON text, run before handing a document to a parser that recurses without a
//! limit (the SIMD fast path): a hostile line of a million `[` must be refused, not overflow the stack.

/// The deepest nesting of arrays and objects a document may have. serde_json enforces the same limit.
pub(crate) const MAX_JSON_DEPTH: usize = 128;

/// Whether the arrays and objects in `bytes` nest at most `limit` deep. Brackets inside strings do not
/// count. One pass over the bytes; invalid JSON is not detected here (the parser does that).
pub(crate) fn depth_at_most(bytes: &[u8], limit: usize) -> bool {
    // Jumps from one structural byte to the next with memchr: most of a post is string content, which is
    // crossed in one search, and closers in a span between openers and quotes are counted in bulk.
    let mut depth = 0usize;
    let mut at = 0usize;
    while at < bytes.len() {
        let rest = &bytes[at..];
        let next = memchr::memchr3(b'"', b'[', b'{', rest);
        let span = &rest[..next.unwrap_or(rest.len())];
        let closers = span.iter().filter(|&&b| b == b']' || b == b'}').count();
        depth = depth.saturating_sub(closers);
        let Some(i) = next else { return true };
        at += i + 1;
        if rest[i] == b'"' {
            // Skip the string: to the next quote that is not escaped.
            loop {
                match memchr::memchr2(b'"', b'\\', &bytes[at..]) {
                    None => return true,
                    Some(k) if bytes[at + k] == b'\\' => at = (at + k + 2).min(bytes.len()),
                    Some(k) => {
                        at += k + 1;
                        break;
                    }
                }
            }
        } else {
            depth += 1;
            if depth > limit {
                return false;
            }
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The plain byte-by-byte definition, as the oracle for the fast scan.
    fn naive(bytes: &[u8], limit: usize) -> bool {
        let (mut depth, mut in_string, mut escaped) = (0usize, false, false);
        for &b in bytes {
            if in_string {
                if escaped {
                    escaped = false;
                } else if b == b'\\' {
                    escaped = true;
                } else if b == b'"' {
                    in_string = false;
                }
                continue;
            }
            match b {
                b'"' => in_string = true,
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
            bytes in prop::collection::vec(prop::sample::select(b"[]{}\"\\a,".to_vec()), 0..64),
            limit in 0usize..6,
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
        // Siblings do not add up: [[]] [[]] is depth 2.
        assert!(depth_at_most(b"[[],[],[[]]]", 3));
        assert!(!depth_at_most(b"[[],[],[[[]]]]", 3));
    }
}
