//! Reading hash lists: each format's rows to [`EntryRecord`]s, bad rows to [`ListProblem`]s.

use super::ListFormat;
use serde_json::value::RawValue;
use serde_json::{Map, Value};
use std::io::{BufRead, Read};
use vigie_model::{EntryRecord, Labels, Position, SignalType, Timestamp};

/// Limits and defaults for reading a list.
#[derive(Debug, Clone)]
pub struct ListOptions {
    /// The type of bare hashes (lines with no type word, CSV without a type column). Without it, a bare
    /// 32-digit value is taken as MD5 and a bare 64-digit one is refused: PDQ and SHA-256 look alike.
    pub default_type: Option<SignalType>,
    /// The longest line or CSV record, in bytes (default 64 KiB). Longer ones are reported and skipped.
    pub max_record_bytes: usize,
    /// The largest JSON document (a TCAP file that is one array), in bytes (default 1 GiB).
    pub max_document_bytes: u64,
}

impl Default for ListOptions {
    fn default() -> Self {
        ListOptions {
            default_type: None,
            max_record_bytes: 64 * 1024,
            max_document_bytes: 1 << 30,
        }
    }
}

/// A row that could not be read: where it is, why, and its text (cut to 200 characters).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListProblem {
    /// Line number or JSON path.
    pub position: Position,
    /// What is wrong with it.
    pub reason: String,
    /// The row's text, cut.
    pub raw: String,
}

/// Why a list could not be read at all.
#[derive(Debug, thiserror::Error)]
pub enum ListReadError {
    /// Reading failed.
    #[error("cannot read the list: {0}")]
    Io(#[from] std::io::Error),
    /// The CSV has no usable header.
    #[error(
        "the CSV header has no hash column (expected one named hash, hash_digest, value, signal or signal_str)"
    )]
    NoHashColumn,
    /// The JSON document is over the size limit.
    #[error("the JSON document is larger than the {limit}-byte limit")]
    TooLarge {
        /// The limit, in bytes.
        limit: u64,
    },
    /// The JSON document is not an array, an object holding one, or JSON lines.
    #[error("not a TCAP list: {0}")]
    NotAList(String),
}

fn cut(text: &str) -> String {
    text.chars().take(200).collect()
}

/// Reads a list, calling `on_record` for each good row and `on_problem` for each bad one, in file order.
///
/// # Errors
/// [`ListReadError`] when the input cannot be read at all; bad rows are not errors.
pub fn read_list(
    input: &mut dyn BufRead,
    format: ListFormat,
    options: &ListOptions,
    on_record: &mut dyn FnMut(EntryRecord),
    on_problem: &mut dyn FnMut(ListProblem),
) -> Result<(), ListReadError> {
    match format {
        ListFormat::Lines | ListFormat::ThreatExchange => {
            read_lines(input, options, on_record, on_problem)
        }
        ListFormat::Csv => read_csv(input, options, on_record, on_problem),
        ListFormat::Tcap => read_tcap(input, options, on_record, on_problem),
    }
}

/// Reads one line at a time with a length cap; returns `None` at the end. A line over the cap is drained and
/// returned as `Err(length)`.
fn next_line(
    input: &mut dyn BufRead,
    buf: &mut Vec<u8>,
    cap: usize,
) -> std::io::Result<Option<Result<(), usize>>> {
    buf.clear();
    let mut total = 0usize;
    let mut over = false;
    loop {
        let chunk = input.fill_buf()?;
        if chunk.is_empty() {
            return Ok(if total == 0 {
                None
            } else if over {
                Some(Err(total))
            } else {
                Some(Ok(()))
            });
        }
        let (take, done) = match memchr::memchr(b'\n', chunk) {
            Some(i) => (i + 1, true),
            None => (chunk.len(), false),
        };
        total += take;
        if !over {
            if buf.len() + take > cap.saturating_add(2) {
                over = true;
                buf.clear();
            } else {
                buf.extend_from_slice(&chunk[..take]);
            }
        }
        input.consume(take);
        if done {
            return Ok(Some(if over { Err(total) } else { Ok(()) }));
        }
    }
}

fn bare_type(value: &str, options: &ListOptions) -> Result<SignalType, String> {
    if let Some(t) = options.default_type {
        return Ok(t);
    }
    match value.len() {
        32 => Ok(SignalType::Md5),
        64 => Err(
            "a bare 64-digit hash could be PDQ or SHA-256: write its type first (`pdq <hash>`) or give the list a type"
                .to_owned(),
        ),
        n => Err(format!(
            "a hash has 32 or 64 hexadecimal digits, got {n} characters"
        )),
    }
}

fn read_lines(
    input: &mut dyn BufRead,
    options: &ListOptions,
    on_record: &mut dyn FnMut(EntryRecord),
    on_problem: &mut dyn FnMut(ListProblem),
) -> Result<(), ListReadError> {
    let mut buf = Vec::new();
    let mut number = 0u64;
    while let Some(line) = next_line(input, &mut buf, options.max_record_bytes)? {
        number += 1;
        let position = Position::Line(number);
        if let Err(length) = line {
            on_problem(ListProblem {
                position,
                reason: format!(
                    "the line has {length} bytes, more than the {}-byte limit",
                    options.max_record_bytes
                ),
                raw: String::new(),
            });
            continue;
        }
        let text = String::from_utf8_lossy(&buf);
        let text = text.trim_start_matches('\u{feff}').trim();
        if text.is_empty() || text.starts_with('#') {
            continue;
        }
        match parse_line(text, options) {
            Ok(mut record) => {
                record
                    .provenance
                    .get_or_insert_with(|| format!("line {number}"));
                on_record(record);
            }
            Err(reason) => on_problem(ListProblem {
                position,
                reason,
                raw: cut(text),
            }),
        }
    }
    Ok(())
}

fn parse_line(text: &str, options: &ListOptions) -> Result<EntryRecord, String> {
    let mut words = text
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|w| !w.is_empty());
    let first = words.next().unwrap_or_default();
    let (signal, value) = if first.chars().all(|c| c.is_ascii_hexdigit()) {
        (bare_type(first, options)?, first)
    } else {
        let signal = SignalType::parse(first).map_err(|e| e.to_string())?;
        let value = words
            .next()
            .ok_or_else(|| format!("the line has the type {first:?} but no hash"))?;
        (signal, value)
    };
    let value = signal.normalize(value).map_err(|e| e.to_string())?;
    let mut labels = Labels::new();
    let mut tags = Vec::new();
    for word in words {
        match word.split_once('=') {
            Some((k, v)) if !k.is_empty() => {
                labels.insert(k.to_ascii_lowercase(), v.to_owned());
            }
            _ => tags.push(word),
        }
    }
    if !tags.is_empty() {
        labels.insert("tag".to_owned(), tags.join(","));
    }
    Ok(EntryRecord {
        signal,
        value,
        labels,
        provenance: None,
        deleted: false,
        updated_on: None,
    })
}

/// The columns of a CSV list, found by header name.
struct CsvColumns {
    hash: usize,
    signal: Option<usize>,
    provenance: Option<usize>,
    deleted: Option<usize>,
    updated: Option<usize>,
    labels: Vec<(usize, String)>,
}

fn csv_columns(header: &csv::StringRecord) -> Result<CsvColumns, ListReadError> {
    let names: Vec<String> = header
        .iter()
        .map(|h| h.trim().trim_start_matches('\u{feff}').to_ascii_lowercase())
        .collect();
    let find = |options: &[&str]| {
        options
            .iter()
            .find_map(|o| names.iter().position(|n| n == o))
    };
    let hash = find(&[
        "hash",
        "hash_digest",
        "value",
        "signal",
        "signal_str",
        "digest",
        "hash_value",
    ])
    .ok_or(ListReadError::NoHashColumn)?;
    let signal = find(&["type", "signal_type", "algorithm", "hash_type"]);
    let provenance = find(&["provenance", "id", "source_id"]);
    let deleted = find(&["deleted", "removed"]);
    let updated = find(&["updated_on", "updated_at", "updated"]);
    let taken = [Some(hash), signal, provenance, deleted, updated];
    let labels = names
        .iter()
        .enumerate()
        .filter(|(i, n)| !taken.contains(&Some(*i)) && !n.is_empty())
        .map(|(i, n)| {
            let name = if n == "file_type" {
                "media_type"
            } else {
                n.as_str()
            };
            (i, name.to_owned())
        })
        .collect();
    Ok(CsvColumns {
        hash,
        signal,
        provenance,
        deleted,
        updated,
        labels,
    })
}

fn truthy(text: &str) -> Result<bool, String> {
    match text.trim().to_ascii_lowercase().as_str() {
        "" | "0" | "false" | "no" | "n" => Ok(false),
        "1" | "true" | "yes" | "y" => Ok(true),
        other => Err(format!("`deleted` is {other:?}, not true or false")),
    }
}

/// A reader that turns CRLF line ends into LF (python-threatexchange writes its dataset CSV with CRLF): the CSV
/// reader numbers the lines of CRLF files one short, and a problem must name the line a person will open.
struct LfLines<'a> {
    inner: &'a mut dyn BufRead,
    /// A CR at the end of the last chunk, not yet known to end a line.
    held_cr: bool,
}

impl std::io::Read for LfLines<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        let chunk = self.inner.fill_buf()?;
        if chunk.is_empty() {
            if self.held_cr {
                self.held_cr = false;
                buf[0] = b'\r';
                return Ok(1);
            }
            return Ok(0);
        }
        let mut out = 0;
        let mut used = 0;
        if self.held_cr {
            self.held_cr = false;
            if chunk[0] != b'\n' {
                buf[0] = b'\r';
                out = 1;
            }
        }
        while used < chunk.len() && out < buf.len() {
            let b = chunk[used];
            used += 1;
            if b == b'\r' {
                match chunk.get(used) {
                    Some(b'\n') => continue,
                    Some(_) => {}
                    None => {
                        self.held_cr = true;
                        continue;
                    }
                }
            }
            buf[out] = b;
            out += 1;
        }
        self.inner.consume(used);
        Ok(out)
    }
}

fn read_csv(
    input: &mut dyn BufRead,
    options: &ListOptions,
    on_record: &mut dyn FnMut(EntryRecord),
    on_problem: &mut dyn FnMut(ListProblem),
) -> Result<(), ListReadError> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .has_headers(true)
        .from_reader(LfLines {
            inner: input,
            held_cr: false,
        });
    let header = match reader.headers() {
        Ok(h) => h.clone(),
        Err(e) => match e.into_kind() {
            csv::ErrorKind::Io(io) => return Err(io.into()),
            _ => return Err(ListReadError::NoHashColumn),
        },
    };
    let columns = csv_columns(&header)?;
    let mut row = csv::StringRecord::new();
    loop {
        match reader.read_record(&mut row) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                let line = e.position().map(|p| p.line()).unwrap_or(0);
                match e.into_kind() {
                    csv::ErrorKind::Io(io) => return Err(io.into()),
                    kind => {
                        on_problem(ListProblem {
                            position: Position::Line(line),
                            reason: format!("not a CSV record: {kind:?}"),
                            raw: String::new(),
                        });
                        continue;
                    }
                }
            }
        }
        let line = row.position().map(|p| p.line()).unwrap_or(0);
        let raw = || cut(&row.iter().collect::<Vec<_>>().join(","));
        if row.as_slice().len() > options.max_record_bytes {
            on_problem(ListProblem {
                position: Position::Line(line),
                reason: format!(
                    "the record is longer than the {}-byte limit",
                    options.max_record_bytes
                ),
                raw: String::new(),
            });
            continue;
        }
        if row.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        match csv_record(&row, &columns, options) {
            Ok(mut record) => {
                record
                    .provenance
                    .get_or_insert_with(|| format!("line {line}"));
                on_record(record);
            }
            Err(reason) => on_problem(ListProblem {
                position: Position::Line(line),
                reason,
                raw: raw(),
            }),
        }
    }
    Ok(())
}

fn csv_record(
    row: &csv::StringRecord,
    columns: &CsvColumns,
    options: &ListOptions,
) -> Result<EntryRecord, String> {
    let field = |i: Option<usize>| {
        i.and_then(|i| row.get(i))
            .map(str::trim)
            .filter(|s| !s.is_empty())
    };
    let value = field(Some(columns.hash)).ok_or("the hash column is empty")?;
    let signal = match field(columns.signal) {
        Some(t) => SignalType::parse(t).map_err(|e| e.to_string())?,
        None => bare_type(value, options)?,
    };
    let value = signal.normalize(value).map_err(|e| e.to_string())?;
    let mut labels = Labels::new();
    for (i, name) in &columns.labels {
        if let Some(v) = field(Some(*i)) {
            labels.insert(name.clone(), v.to_owned());
        }
    }
    let updated_on = match field(columns.updated) {
        Some(t) => Some(Timestamp::parse(t).map_err(|e| format!("updated_on: {e}"))?),
        None => None,
    };
    Ok(EntryRecord {
        signal,
        value,
        labels,
        provenance: field(columns.provenance).map(str::to_owned),
        deleted: match field(columns.deleted) {
            Some(t) => truthy(t)?,
            None => false,
        },
        updated_on,
    })
}

fn read_tcap(
    input: &mut dyn BufRead,
    options: &ListOptions,
    on_record: &mut dyn FnMut(EntryRecord),
    on_problem: &mut dyn FnMut(ListProblem),
) -> Result<(), ListReadError> {
    let mut bytes = Vec::new();
    input
        .take(options.max_document_bytes.saturating_add(1))
        .read_to_end(&mut bytes)?;
    if bytes.len() as u64 > options.max_document_bytes {
        return Err(ListReadError::TooLarge {
            limit: options.max_document_bytes,
        });
    }
    let start = bytes
        .iter()
        .position(|b| !b.is_ascii_whitespace() && *b != 0xef && *b != 0xbb && *b != 0xbf)
        .unwrap_or(bytes.len());
    let body = &bytes[start..];
    if body.is_empty() {
        return Ok(());
    }
    if body[0] == b'[' {
        let items: Vec<&RawValue> = serde_json::from_slice(body)
            .map_err(|e| ListReadError::NotAList(format!("the JSON array cannot be read: {e}")))?;
        for (i, item) in items.iter().enumerate() {
            tcap_item(
                item.get(),
                Position::JsonPath(format!("$[{i}]")),
                options,
                on_record,
                on_problem,
            );
        }
        return Ok(());
    }
    // One object: either a wrapper holding the array (`{"data": [...]}`), or the first of JSON lines.
    if let Ok(object) = serde_json::from_slice::<Map<String, Value>>(body) {
        let list = ["data", "results", "hashes", "items", "records"]
            .iter()
            .find_map(|k| object.get(*k).and_then(Value::as_array).map(|a| (*k, a)));
        match list {
            Some((key, items)) => {
                for (i, item) in items.iter().enumerate() {
                    let position = Position::JsonPath(format!("$.{key}[{i}]"));
                    match tcap_record(item) {
                        Ok(r) => on_record(with_provenance(r, &position)),
                        Err(reason) => on_problem(ListProblem {
                            position,
                            reason,
                            raw: cut(&item.to_string()),
                        }),
                    }
                }
            }
            None if object.contains_key("hash_digest") => {
                tcap_item(
                    &String::from_utf8_lossy(body),
                    Position::Line(1),
                    options,
                    on_record,
                    on_problem,
                );
            }
            None => {
                return Err(ListReadError::NotAList(
                    "the JSON object holds no list of records (data, results, hashes, items)"
                        .to_owned(),
                ));
            }
        }
        return Ok(());
    }
    for (i, line) in body.split(|b| *b == b'\n').enumerate() {
        let text = String::from_utf8_lossy(line);
        let text = text.trim();
        if text.is_empty() {
            continue;
        }
        let position = Position::Line(i as u64 + 1);
        if text.len() > options.max_record_bytes {
            on_problem(ListProblem {
                position,
                reason: format!(
                    "the line has {} bytes, more than the {}-byte limit",
                    text.len(),
                    options.max_record_bytes
                ),
                raw: String::new(),
            });
            continue;
        }
        tcap_item(text, position, options, on_record, on_problem);
    }
    Ok(())
}

fn with_provenance(mut record: EntryRecord, position: &Position) -> EntryRecord {
    record.provenance.get_or_insert_with(|| position.text());
    record
}

fn tcap_item(
    text: &str,
    position: Position,
    _options: &ListOptions,
    on_record: &mut dyn FnMut(EntryRecord),
    on_problem: &mut dyn FnMut(ListProblem),
) {
    // The record's own fields, read straight into their places; anything unusual (not an object, a field
    // of another type, a field twice) is read again as a JSON value, which names the problem.
    let parsed = match serde_json::from_str::<TcapFields<'_>>(text) {
        Ok(fields) => tcap_fields(fields),
        Err(_) => serde_json::from_str::<Value>(text)
            .map_err(|e| format!("not JSON: {e}"))
            .and_then(|v| tcap_record(&v)),
    };
    match parsed {
        Ok(r) => on_record(with_provenance(r, &position)),
        Err(reason) => on_problem(ListProblem {
            position,
            reason,
            raw: cut(text),
        }),
    }
}

/// A label's value as text: strings as written, numbers and booleans as JSON writes them, lists joined by
/// commas, objects as compact JSON. Only an empty string or `null` gives no label: no value is dropped silently.
fn text_of(value: &Value) -> Option<String> {
    match value {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_owned()),
        Value::String(_) | Value::Null => None,
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Array(items) => {
            let parts: Vec<String> = items.iter().filter_map(text_of).collect();
            (!parts.is_empty()).then(|| parts.join(","))
        }
        Value::Object(_) => serde_json::to_string(value).ok(),
    }
}

/// The fields of a TCAP record that Vigie reads (the others are ignored), as they are written.
#[derive(serde::Deserialize, Default)]
struct TcapFields<'a> {
    #[serde(borrow)]
    hash_digest: Option<std::borrow::Cow<'a, str>>,
    #[serde(borrow)]
    algorithm: Option<std::borrow::Cow<'a, str>>,
    deleted: Option<Value>,
    #[serde(borrow)]
    updated_on: Option<std::borrow::Cow<'a, str>>,
    ideology: Option<Value>,
    group: Option<Value>,
    file_type: Option<Value>,
    media_type: Option<Value>,
    tags: Option<Value>,
    labels: Option<Map<String, Value>>,
    id: Option<Value>,
}

/// One TCAP record read as a JSON value: the messages say what is wrong with it.
fn tcap_record(value: &Value) -> Result<EntryRecord, String> {
    let object = value.as_object().ok_or("a TCAP record is a JSON object")?;
    let hash_digest = match object.get("hash_digest") {
        Some(Value::String(s)) => Some(s.as_str().into()),
        _ => return Err("the record has no `hash_digest` string".to_owned()),
    };
    let algorithm = object
        .get("algorithm")
        .and_then(Value::as_str)
        .map(Into::into);
    // A time that is not a string is left out, as an unknown field is.
    let updated_on = object
        .get("updated_on")
        .and_then(Value::as_str)
        .map(Into::into);
    let labels = match object.get("labels") {
        Some(Value::Object(extra)) => Some(extra.clone()),
        _ => None,
    };
    let field = |name: &str| object.get(name).cloned();
    tcap_fields(TcapFields {
        hash_digest,
        algorithm,
        deleted: field("deleted"),
        updated_on,
        ideology: field("ideology"),
        group: field("group"),
        file_type: field("file_type"),
        media_type: field("media_type"),
        tags: field("tags"),
        labels,
        id: field("id"),
    })
}

/// One TCAP record. Unknown fields are ignored; the known descriptive ones become labels.
fn tcap_fields(record: TcapFields<'_>) -> Result<EntryRecord, String> {
    let digest = record
        .hash_digest
        .ok_or("the record has no `hash_digest` string")?;
    let signal = match record.algorithm {
        Some(a) => SignalType::parse(&a).map_err(|e| e.to_string())?,
        None => return Err("the record has no `algorithm` (PDQ or MD5)".to_owned()),
    };
    let value = signal.normalize(&digest).map_err(|e| e.to_string())?;
    let deleted = match &record.deleted {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) => truthy(s)?,
        Some(Value::Number(n)) => n.as_i64() != Some(0),
        Some(other) => return Err(format!("`deleted` is {other}, not true or false")),
    };
    let updated_on = match record.updated_on.as_deref().map(str::trim) {
        Some(t) if !t.is_empty() => {
            Some(Timestamp::parse(t).map_err(|e| format!("updated_on: {e}"))?)
        }
        _ => None,
    };
    let mut labels = Labels::new();
    for (field, label) in [
        (&record.ideology, "ideology"),
        (&record.group, "group"),
        (&record.file_type, "media_type"),
        (&record.media_type, "media_type"),
        (&record.tags, "tag"),
    ] {
        if let Some(v) = field.as_ref().and_then(text_of) {
            labels.insert(label.to_owned(), v);
        }
    }
    for (k, v) in record.labels.iter().flatten() {
        if let Some(v) = text_of(v) {
            labels.insert(k.to_ascii_lowercase(), v);
        }
    }
    Ok(EntryRecord {
        signal,
        value,
        labels,
        provenance: record
            .id
            .as_ref()
            .and_then(text_of)
            .map(|id| format!("tcap:{id}")),
        deleted,
        updated_on,
    })
}
