//! Fuzzes text normalization, URL canonicalization and entity extraction on any UTF-8 text: nothing may panic;
//! every normalized range maps back inside the input at character boundaries; a canonical URL is canonical
//! again when read back, with the same host.
//!
//! Run: `scripts/fuzz text` (or `RUSTC_BOOTSTRAP=1 cargo fuzz run text` from this folder).

#![no_main]

use libfuzzer_sys::fuzz_target;
use vigie_text::{canonicalize_url, extract_hashtags, extract_mentions, extract_urls, normalize};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let normalized = normalize(text);
    let out = normalized.as_str();
    for (i, c) in out.char_indices() {
        let back = normalized.original_range(i..i + c.len_utf8());
        assert!(
            back.start <= back.end && back.end <= text.len(),
            "{back:?} outside the input"
        );
        assert!(text.is_char_boundary(back.start) && text.is_char_boundary(back.end));
    }
    let _ = extract_hashtags(text);
    let _ = extract_mentions(text);
    for url in extract_urls(text) {
        let _ = canonicalize_url(&url);
    }
    if let Some(canonical) = canonicalize_url(text) {
        let again = canonicalize_url(&canonical.url)
            .unwrap_or_else(|| panic!("{:?} is not a URL once canonical", canonical.url));
        assert_eq!(again.host, canonical.host, "{text:?}");
    }
});
