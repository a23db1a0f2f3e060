//! A nesting-depth check for JSON text, run before handing a document to a parser that recurses without a
//! limit (the SIMD fast path): a hostile line of a million `[` must be refused, not overflow the stack.

/// The deepest nesting of arrays and objects a document may have. serde_json enforces the same limit.
pub(crate) const MAX_JSON_DEPTH: usize = 128;

/// Whether the arrays and objects in `bytes` nest at most `limit` deep. Brackets inside strings do not
/// count. One pass over the bytes; invalid JSON is not detected here (the parser does that).
pub(crate) fn depth_at_most(bytes: &[u8], limit: usize) -> bool {
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_nesting_outside_strings() {
        assert!(depth_at_most(br#"{"a":[1,{"b":[]}]}"#, 4));
        assert!(!depth_at_most(br#"{"a":[1,{"b":[]}]}"#, 3));
        assert!(depth_at_most(br#"{"a":"[[[[[[\"[[[["}"#, 1));
        let deep = format!("{}{}", "[".repeat(200_000), "]".repeat(200_000));
        assert!(!depth_at_most(deep.as_bytes(), MAX_JSON_DEPTH));
    }
}
