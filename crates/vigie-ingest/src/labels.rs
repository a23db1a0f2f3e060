//! Labelled-examples files for training and evaluating the text classifier: JSON lines with `text`, `label`,
//! and optionally `id`, `language`, `category` (`vigie model train --labels FILE.jsonl`).
//!
//! `label` is `true`/`false`, `1`/`0`, or a word: `positive`, `propaganda`, `yes` for the detected class;
//! `negative`, `benign`, `no` for the other. A bad line is reported with its number and reading goes on.

use std::io::BufRead;

/// One labelled text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabelledText {
    /// The line's `id`, or `line N`.
    pub id: String,
    /// The text as written.
    pub text: String,
    /// True for the class the classifier detects.
    pub label: bool,
    /// Language code, when given.
    pub language: Option<String>,
    /// Kind of text (`distribution`, `news_reporting`, `research`, `counter_speech`, `religious`, ...).
    pub category: Option<String>,
}

fn label_of(value: &serde_json::Value) -> Option<bool> {
    match value {
        serde_json::Value::Bool(b) => Some(*b),
        serde_json::Value::Number(n) => n.as_i64().map(|n| n != 0),
        serde_json::Value::String(s) => match s.trim().to_ascii_lowercase().as_str() {
            "1" | "true" | "yes" | "positive" | "propaganda" | "violating" => Some(true),
            "0" | "false" | "no" | "negative" | "benign" | "non_violating" => Some(false),
            _ => None,
        },
        _ => None,
    }
}

/// Reads a labels file: the examples, and a `line N: reason` for each line that is not one.
///
/// # Errors
/// Only when the input cannot be read.
pub fn read_labels(input: &mut dyn BufRead) -> std::io::Result<(Vec<LabelledText>, Vec<String>)> {
    let mut out = Vec::new();
    let mut problems = Vec::new();
    let mut line = String::new();
    let mut number = 0u64;
    loop {
        line.clear();
        if input.read_line(&mut line)? == 0 {
            break;
        }
        number += 1;
        let text = line.trim();
        if text.is_empty() {
            continue;
        }
        let value: serde_json::Value = match serde_json::from_str(text) {
            Ok(v) => v,
            Err(e) => {
                problems.push(format!("line {number}: not JSON: {e}"));
                continue;
            }
        };
        let field = |k: &str| value.get(k).and_then(|v| v.as_str()).map(str::to_owned);
        let Some(body) = field("text") else {
            problems.push(format!("line {number}: no `text` string"));
            continue;
        };
        let Some(label) = value.get("label").and_then(label_of) else {
            problems.push(format!(
                "line {number}: `label` is missing or not true/false"
            ));
            continue;
        };
        out.push(LabelledText {
            id: field("id").unwrap_or_else(|| format!("line {number}")),
            text: body,
            label,
            language: field("language").or_else(|| field("lang")),
            category: field("category"),
        });
    }
    Ok((out, problems))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_take_several_spellings_and_report_bad_lines() {
        let text = "{\"text\": \"a\", \"label\": true, \"language\": \"en\", \"category\": \"distribution\"}\n\
                    {\"text\": \"b\", \"label\": \"benign\"}\n\nnot json\n{\"label\": 1}\n{\"text\": \"c\", \"label\": \"maybe\"}\n{\"id\": \"x\", \"text\": \"d\", \"label\": 0}\n";
        let (good, bad) = read_labels(&mut text.as_bytes()).unwrap_or_default();
        assert_eq!(good.len(), 3);
        assert!(good[0].label && !good[1].label && !good[2].label);
        assert_eq!(good[0].category.as_deref(), Some("distribution"));
        assert_eq!(good[2].id, "x");
        assert_eq!(good[1].id, "line 2");
        assert_eq!(bad.len(), 3, "{bad:?}");
        assert!(bad[0].starts_with("line 4:"));
        assert!(bad[1].starts_with("line 5:"));
        assert!(bad[2].starts_with("line 6:"));
    }
}
