//! Fuzzes the hash-list readers (lines, TCAP JSON, CSV, python-threatexchange's lines): the first byte picks the
//! format, the rest is the file. Reading must never panic; a bad row is a problem reported, and a whole-input
//! error is only one of `ListReadError`'s kinds. Every good record carries a hash of its type's shape.
//!
//! Run: `scripts/fuzz hashlist` (or `RUSTC_BOOTSTRAP=1 cargo fuzz run hashlist` from this folder).

#![no_main]

use libfuzzer_sys::fuzz_target;
use vigie_ingest::hashlist::{ListFormat, ListOptions, read_list};

fuzz_target!(|data: &[u8]| {
    let Some((&pick, body)) = data.split_first() else {
        return;
    };
    let format = ListFormat::ALL[usize::from(pick) % ListFormat::ALL.len()];
    let options = ListOptions {
        max_record_bytes: 4096,
        max_document_bytes: 1 << 20,
        ..ListOptions::default()
    };
    let mut input = body;
    let mut records = 0usize;
    let _ = read_list(
        &mut input,
        format,
        &options,
        &mut |record| {
            records += 1;
            // A value read is already in its type's canonical form.
            assert_eq!(
                record.signal.normalize(&record.value).as_deref(),
                Ok(record.value.as_str()),
                "{format:?}"
            );
        },
        &mut |_| {},
    );
    assert!(records <= body.len(), "more records than bytes");
});
