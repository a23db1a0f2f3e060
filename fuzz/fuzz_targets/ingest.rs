//! Fuzzes every ingest adapter: the first byte picks the format, the rest is the file. Reading must never
//! panic, and must never fail for a file it could open (bad records are quarantined, not errors), except a
//! CSV whose header has no `id` column.
//!
//! Run: `RUSTC_BOOTSTRAP=1 cargo fuzz run ingest` from this folder.

#![no_main]

use libfuzzer_sys::fuzz_target;
use vigie_ingest::{IngestOptions, Input, read};
use vigie_model::Format;

fuzz_target!(|data: &[u8]| {
    let Some((&pick, body)) = data.split_first() else {
        return;
    };
    let (format, name) = match pick % 5 {
        0 => (Format::XV2, "responses.jsonl"),
        1 => (Format::XV2, "response.json"),
        2 => (Format::Telegram, "result.json"),
        3 => (Format::Jsonl, "posts.jsonl"),
        _ => (Format::Csv, "posts.csv"),
    };
    let Ok(dir) = tempfile::tempdir() else { return };
    let path = dir.path().join(name);
    if std::fs::write(&path, body).is_err() {
        return;
    }
    let input = Input {
        format,
        path,
        root: dir.path().to_path_buf(),
        display: name.to_owned(),
        lines: name.ends_with(".jsonl"),
        files: Vec::new(),
    };
    let options = IngestOptions {
        max_record_bytes: 64 * 1024,
        ..IngestOptions::default()
    };
    let result = read(&input, &options, &mut |_| Ok(()));
    // The one whole-file refusal by design: a CSV whose header has no `id` column.
    let refused_header = matches!(result, Err(vigie_ingest::IngestError::BadMapping { .. }));
    assert!(
        result.is_ok() || (format == Format::Csv && refused_header),
        "{format}: {result:?}"
    );
});
