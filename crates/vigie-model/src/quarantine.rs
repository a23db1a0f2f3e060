//! Quarantined records: input that could not be read as a record, kept with where it was and why.

use serde::{Deserialize, Serialize};
use std::fmt;

/// The most bytes of a bad record kept in quarantine; the rest is dropped (the file and position say where
/// to find it).
pub const RAW_RECORD_CAP: usize = 64 * 1024;

/// Where in its file a record was.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Position {
    /// The whole file.
    File,
    /// A 1-based line (JSONL) or record line (CSV).
    Line(u64),
    /// A JSON path inside a document, such as `$.data[3]` or `$.chats.list[0].messages[17]`.
    JsonPath(String),
    /// A JSON path inside the document on one line of a JSONL file.
    LinePath(u64, String),
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Position::File => f.write_str("file"),
            Position::Line(n) => write!(f, "line {n}"),
            Position::JsonPath(p) => f.write_str(p),
            Position::LinePath(n, p) => write!(f, "line {n}, {p}"),
        }
    }
}

impl Position {
    /// The text form (the same as `Display`), built without the formatting machinery: the store writes
    /// one for every post it reads.
    pub fn text(&self) -> String {
        fn number(out: &mut String, n: u64) {
            let mut digits = [0u8; 20];
            let mut at = digits.len();
            let mut n = n;
            loop {
                at -= 1;
                digits[at] = b'0' + (n % 10) as u8;
                n /= 10;
                if n == 0 {
                    break;
                }
            }
            out.extend(digits[at..].iter().map(|&d| char::from(d)));
        }
        match self {
            Position::File => "file".to_owned(),
            Position::JsonPath(p) => p.clone(),
            Position::Line(n) => {
                let mut out = String::with_capacity(25);
                out.push_str("line ");
                number(&mut out, *n);
                out
            }
            Position::LinePath(n, p) => {
                let mut out = String::with_capacity(27 + p.len());
                out.push_str("line ");
                number(&mut out, *n);
                out.push_str(", ");
                out.push_str(p);
                out
            }
        }
    }

    /// A stable text form, used as part of the quarantine's identity in the store.
    pub fn key(&self) -> String {
        match self {
            Position::File => "file".to_owned(),
            Position::Line(n) => format!("line:{n}"),
            Position::JsonPath(p) => format!("json:{p}"),
            Position::LinePath(n, p) => format!("line:{n}:{p}"),
        }
    }
}

/// Where a record was read: its file and position, kept with what was stored from it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Source {
    /// The file, as given to the scan.
    pub file: String,
    /// The position in the file.
    pub position: Position,
}

/// A record that was not imported, with the reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuarantinedRecord {
    /// The file it came from, as given to the scan.
    pub file: String,
    /// Where in the file.
    pub position: Position,
    /// Why it was not imported, in words an analyst can act on.
    pub reason: String,
    /// The raw bytes, at most [`RAW_RECORD_CAP`]. Written out as text when they are UTF-8
    /// (`{"encoding": "utf-8", "text": ...}`), as base64 otherwise (`{"encoding": "base64", "data": ...}`).
    #[serde(with = "raw_bytes")]
    pub raw: Vec<u8>,
}

/// A quarantined record's raw bytes in JSON: readable text when they are UTF-8, base64 when not; an array of
/// numbers (what earlier versions wrote) is still read.
mod raw_bytes {
    use base64::Engine;
    use base64::engine::general_purpose::STANDARD;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    #[derive(Serialize, Deserialize)]
    #[serde(tag = "encoding")]
    enum Raw {
        #[serde(rename = "utf-8")]
        Text { text: String },
        #[serde(rename = "base64")]
        Base64 { data: String },
    }

    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Written {
        Labelled(Raw),
        Numbers(Vec<u8>),
    }

    pub(super) fn serialize<S: Serializer>(raw: &[u8], s: S) -> Result<S::Ok, S::Error> {
        match std::str::from_utf8(raw) {
            Ok(text) => Raw::Text {
                text: text.to_owned(),
            },
            Err(_) => Raw::Base64 {
                data: STANDARD.encode(raw),
            },
        }
        .serialize(s)
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        match Written::deserialize(d)? {
            Written::Labelled(Raw::Text { text }) => Ok(text.into_bytes()),
            Written::Labelled(Raw::Base64 { data }) => STANDARD
                .decode(data.as_bytes())
                .map_err(serde::de::Error::custom),
            Written::Numbers(bytes) => Ok(bytes),
        }
    }
}

impl QuarantinedRecord {
    /// A quarantined record; `raw` is cut to [`RAW_RECORD_CAP`] bytes.
    pub fn new(
        file: impl Into<String>,
        position: Position,
        reason: impl Into<String>,
        raw: &[u8],
    ) -> Self {
        QuarantinedRecord {
            file: file.into(),
            position,
            reason: reason.into(),
            raw: raw[..raw.len().min(RAW_RECORD_CAP)].to_vec(),
        }
    }
}

impl fmt::Display for QuarantinedRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}: {}", self.file, self.position, self.reason)
    }
}

#[cfg(test)]
mod position_tests {
    use super::Position;

    #[test]
    fn text_is_the_display_form() {
        for p in [
            Position::File,
            Position::Line(0),
            Position::Line(7),
            Position::Line(u64::MAX),
            Position::JsonPath("$.data[3]".into()),
            Position::LinePath(1_234_567, "$.includes.tweets[12]".into()),
            Position::LinePath(10, String::new()),
        ] {
            assert_eq!(p.text(), p.to_string());
        }
        assert_eq!(
            Position::LinePath(42, "$.data[0]".into()).text(),
            "line 42, $.data[0]"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regression_19_raw_bytes_are_text_or_labelled_base64_in_json() {
        let text = QuarantinedRecord::new("a.jsonl", Position::Line(3), "bad", b"{\"id\": 1,");
        let json = serde_json::to_value(&text).unwrap_or_default();
        assert_eq!(
            json["raw"],
            serde_json::json!({"encoding": "utf-8", "text": "{\"id\": 1,"})
        );
        let binary = QuarantinedRecord::new("a.csv", Position::Line(4), "bad", &[0x66, 0xff, 0x00]);
        let json = serde_json::to_value(&binary).unwrap_or_default();
        assert_eq!(
            json["raw"],
            serde_json::json!({"encoding": "base64", "data": "Zv8A"})
        );
        for record in [text, binary] {
            let back: Result<QuarantinedRecord, _> =
                serde_json::from_value(serde_json::to_value(&record).unwrap_or_default());
            assert_eq!(back.ok(), Some(record));
        }
        // What earlier versions wrote is still read.
        let old =
            serde_json::json!({"file": "f", "position": "file", "reason": "r", "raw": [104, 105]});
        let read: Result<QuarantinedRecord, _> = serde_json::from_value(old);
        assert_eq!(read.map(|r| r.raw).ok(), Some(b"hi".to_vec()));
    }
}
