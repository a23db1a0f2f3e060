//! Reading term lists from TOML and CSV, keeping the good terms and a positioned problem for each bad
//! one.
//!
//! A bad entry never aborts the list: an analyst's typo in one line must not silence the others. Only a
//! file that cannot be read as TOML or CSV at all (a syntax error, an unknown top-level key or column)
//! is an error.

use std::fmt;

use serde::Deserialize;
use thiserror::Error;

use super::{MatchMode, Term, TermCategory, TermProblemKind, matcher};

/// The version of the TOML term-list format that this parser reads.
const TOML_VERSION: i64 = 1;

/// The terms read from a list, and the entries that were rejected.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TermList {
    /// The valid terms, in file order.
    pub terms: Vec<Term>,
    /// The rejected entries, in file order.
    pub problems: Vec<TermProblem>,
}

/// Where a rejected entry is in its file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TermPosition {
    /// A `[[term]]` table of a TOML list.
    Toml {
        /// Its index among the `[[term]]` tables, from 0.
        index: usize,
        /// Its `text`, when it has one.
        text: Option<String>,
    },
    /// A record of a CSV list.
    Csv {
        /// The line where the record starts, from 1 (the header is line 1).
        line: u64,
    },
}

impl fmt::Display for TermPosition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TermPosition::Toml {
                index,
                text: Some(text),
            } => write!(f, "[[term]] number {} ({text:?})", index + 1),
            TermPosition::Toml { index, text: None } => write!(f, "[[term]] number {}", index + 1),
            TermPosition::Csv { line } => write!(f, "line {line}"),
        }
    }
}

/// A rejected entry of a term list: where it is and why.
#[derive(Debug, Clone, PartialEq, Error)]
#[error("{position}: {kind}")]
pub struct TermProblem {
    /// Where the entry is.
    pub position: TermPosition,
    /// Why it was rejected.
    #[source]
    pub kind: TermProblemKind,
}

/// A term list that cannot be read at all.
#[derive(Debug, Clone, PartialEq, Error)]
#[non_exhaustive]
pub enum TermListError {
    /// The TOML does not parse, or has a top-level key other than `version` and `term`.
    #[error("the term list is not a valid TOML term list: {0}")]
    Toml(String),
    /// The TOML declares a format version that this parser does not read.
    #[error("the term list has format version {0}; this version of Vigie reads version 1")]
    UnsupportedVersion(i64),
    /// The CSV header is unreadable or lacks a required column.
    #[error("the CSV term list's header {header:?} is unusable: {reason}")]
    CsvHeader {
        /// The header line as read.
        header: String,
        /// What is wrong with it.
        reason: String,
    },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    version: Option<i64>,
    #[serde(default)]
    term: Vec<toml::Value>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTerm {
    text: String,
    language: Option<String>,
    category: Option<String>,
    weight: Option<f64>,
    mode: Option<String>,
    note: Option<String>,
    source: Option<String>,
    benign: Option<String>,
}

/// Reads a TOML term list: an optional `version = 1` and `[[term]]` tables with the keys `text`
/// (required), `category` (required, see [`TermCategory::as_str`]), `language` (`fr`, `en`, `ar`, …;
/// absent for any), `weight` (default 1.0), `mode` (`word`, `phrase` or `regex`; default `phrase` when
/// the normalized text holds a space, `word` otherwise), `note`, `source` (the public reference the entry
/// rests on) and `benign` (the ordinary uses a reviewer must rule out).
pub fn parse_terms_toml(text: &str) -> Result<TermList, TermListError> {
    let file: RawFile = toml::from_str(text).map_err(|e| TermListError::Toml(e.to_string()))?;
    if let Some(version) = file.version
        && version != TOML_VERSION
    {
        return Err(TermListError::UnsupportedVersion(version));
    }
    let mut list = TermList::default();
    for (index, value) in file.term.into_iter().enumerate() {
        let term_text = value
            .get("text")
            .and_then(|t| t.as_str())
            .map(str::to_owned);
        let built = value
            .try_into::<RawTerm>()
            .map_err(|e| TermProblemKind::Malformed(e.message().to_owned()))
            .and_then(|raw| {
                let weight = raw.weight.map(|w| w as f32);
                build_term(
                    raw.text,
                    raw.language,
                    raw.category,
                    Weight::Number(weight),
                    raw.mode,
                    [raw.note, raw.source, raw.benign],
                )
            });
        match built {
            Ok(term) => list.terms.push(term),
            Err(kind) => list.problems.push(TermProblem {
                position: TermPosition::Toml {
                    index,
                    text: term_text,
                },
                kind,
            }),
        }
    }
    Ok(list)
}

/// The columns of a CSV term list.
const CSV_COLUMNS: [&str; 8] = [
    "term", "language", "category", "weight", "mode", "note", "source", "benign",
];

/// Reads a CSV term list with a header naming its columns, in any order: `term` and `category`
/// (required), `language`, `weight`, `mode`, `note`, `source` and `benign` (optional; an empty cell means the default, as
/// in [`parse_terms_toml`]). Records may have fewer cells than the header.
pub fn parse_terms_csv(text: &str) -> Result<TermList, TermListError> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let header = reader
        .headers()
        .map_err(|e| TermListError::CsvHeader {
            header: String::new(),
            reason: e.to_string(),
        })?
        .clone();
    let header_text = header.iter().collect::<Vec<_>>().join(",");
    let mut columns = [None; CSV_COLUMNS.len()];
    for (i, name) in header.iter().enumerate() {
        let Some(slot) = CSV_COLUMNS
            .iter()
            .position(|column| column.eq_ignore_ascii_case(name))
        else {
            return Err(TermListError::CsvHeader {
                header: header_text,
                reason: format!(
                    "unknown column {name:?} (expected term, language, category, weight, mode, note, \
                     source, benign)"
                ),
            });
        };
        if columns[slot].replace(i).is_some() {
            return Err(TermListError::CsvHeader {
                header: header_text,
                reason: format!("the column {name:?} appears twice"),
            });
        }
    }
    for required in [0, 2] {
        if columns[required].is_none() {
            return Err(TermListError::CsvHeader {
                header: header_text,
                reason: format!("the column {:?} is missing", CSV_COLUMNS[required]),
            });
        }
    }
    let mut list = TermList::default();
    for record in reader.records() {
        let record = match record {
            Ok(record) => record,
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                list.problems.push(TermProblem {
                    position: TermPosition::Csv { line },
                    kind: TermProblemKind::Malformed(e.to_string()),
                });
                continue;
            }
        };
        let line = record.position().map_or(0, |p| p.line());
        let cell = |slot: usize| {
            columns[slot]
                .and_then(|i| record.get(i))
                .filter(|value| !value.is_empty())
                .map(str::to_owned)
        };
        if record.iter().all(str::is_empty) {
            continue;
        }
        let built = build_term(
            cell(0).unwrap_or_default(),
            cell(1),
            cell(2),
            Weight::Text(cell(3)),
            cell(4),
            [cell(5), cell(6), cell(7)],
        );
        match built {
            Ok(term) => list.terms.push(term),
            Err(kind) => list.problems.push(TermProblem {
                position: TermPosition::Csv { line },
                kind,
            }),
        }
    }
    Ok(list)
}

/// A weight as a file gives it.
enum Weight {
    Number(Option<f32>),
    Text(Option<String>),
}

/// Builds and checks a term from the cells of one entry.
fn build_term(
    text: String,
    language: Option<String>,
    category: Option<String>,
    weight: Weight,
    mode: Option<String>,
    [note, source, benign]: [Option<String>; 3],
) -> Result<Term, TermProblemKind> {
    if text.trim().is_empty() {
        return Err(TermProblemKind::EmptyText);
    }
    let category = category.ok_or(TermProblemKind::MissingCategory)?;
    let category =
        TermCategory::parse(&category).ok_or(TermProblemKind::UnknownCategory(category))?;
    let language = match language.map(|l| l.trim().to_ascii_lowercase()) {
        None => None,
        Some(l) if l.is_empty() || l == "any" => None,
        Some(l) if (2..=3).contains(&l.len()) && l.bytes().all(|b| b.is_ascii_lowercase()) => {
            Some(l)
        }
        Some(l) => return Err(TermProblemKind::BadLanguage(l)),
    };
    let weight = match weight {
        Weight::Number(w) => w.unwrap_or(1.0),
        Weight::Text(None) => 1.0,
        Weight::Text(Some(w)) => w
            .parse::<f32>()
            .map_err(|_| TermProblemKind::BadWeight(w.clone()))?,
    };
    let mode = match mode {
        Some(mode) => MatchMode::parse(&mode).ok_or(TermProblemKind::UnknownMode(mode))?,
        None if crate::normalize::normalize(text.trim_end_matches('*'))
            .as_str()
            .contains(' ') =>
        {
            MatchMode::Phrase
        }
        None => MatchMode::Word,
    };
    let term = Term {
        text,
        language,
        category,
        weight,
        mode,
        note: note.filter(|n| !n.trim().is_empty()),
        source: source.filter(|n| !n.trim().is_empty()),
        benign: benign.filter(|n| !n.trim().is_empty()),
    };
    matcher::check_term(&term)?;
    Ok(term)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn toml_defaults() {
        let list = parse_terms_toml(
            "[[term]]\ntext = \"Some Outlet\"\ncategory = \"outlet\"\n\
             [[term]]\ntext = \"word\"\ncategory = \"other\"\nlanguage = \"FR\"\nweight = 2\n",
        )
        .expect("valid TOML");
        assert!(list.problems.is_empty(), "{:?}", list.problems);
        assert_eq!(list.terms[0].mode, MatchMode::Phrase);
        assert_eq!(list.terms[0].weight, 1.0);
        assert_eq!(list.terms[1].mode, MatchMode::Word);
        assert_eq!(list.terms[1].language.as_deref(), Some("fr"));
        assert_eq!(list.terms[1].weight, 2.0);
    }

    #[test]
    fn fatal_errors() {
        assert!(matches!(
            parse_terms_toml("[[term]\n"),
            Err(TermListError::Toml(_))
        ));
        assert!(matches!(
            parse_terms_toml("[[terms]]\ntext = \"x\"\n"),
            Err(TermListError::Toml(_))
        ));
        assert_eq!(
            parse_terms_toml("version = 2\n"),
            Err(TermListError::UnsupportedVersion(2))
        );
        assert!(matches!(
            parse_terms_csv("text,category\nx,outlet\n"),
            Err(TermListError::CsvHeader { .. })
        ));
        assert!(matches!(
            parse_terms_csv("term,language\nx,en\n"),
            Err(TermListError::CsvHeader { .. })
        ));
    }
}
