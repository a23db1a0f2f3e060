//! Links as evidence: canonical URLs, so that the same link written ten ways counts once, and lists of
//! domains (file hosts, outlet sites) matched on the host or any parent domain.
//!
//! Canonicalization is conservative: it only removes what never changes the resource (tracking
//! parameters, fragments, default ports, punctuation around the link) and otherwise keeps the URL as
//! written, parameters in their order. Parsing follows the WHATWG URL standard (`url` crate), which
//! lowercases the scheme and host, turns internationalized hosts into punycode and resolves `.` and
//! `..` path segments.

use std::collections::HashMap;
use std::fmt;
use std::ops::Range;

use thiserror::Error;
use url::{Host, Url};

/// A URL in canonical form.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CanonicalUrl {
    /// The canonical URL.
    pub url: String,
    /// Its host, lowercase, internationalized labels in punycode (`xn--…`), IPv6 in brackets.
    pub host: String,
}

/// The most times the canonical form is re-trimmed (see [`canonicalize_url`]); real links need two.
const MAX_ROUNDS: usize = 8;

/// Puts a link found in text into canonical form, or `None` if it is not an `http`/`https` URL (or a
/// `www.` address) with a host.
///
/// Rules, in order:
/// 1. Surrounding whitespace and punctuation that is not part of the link are removed: opening
///    brackets and quotes before it; `. , ; : ! ? " ' » … ، ؛ ؟ >` after it, and `) ] }` after it when
///    they close nothing inside the link (`https://en.example.org/wiki/A_(b)` keeps its parenthesis).
/// 2. A link without scheme that starts with `www.` gets `https://`.
/// 3. The URL is parsed (WHATWG): scheme and host lowercase, internationalized hosts in punycode,
///    default ports (80, 443) removed, `.`/`..` segments resolved, spaces and non-ASCII characters
///    percent-encoded; a trailing dot of the host is removed.
/// 4. The fragment is removed.
/// 5. Tracking parameters are removed (see [`is_tracking_parameter`]), others kept in their order;
///    empty parameters (`&&`) are removed, and an empty query loses its `?`.
/// 6. Percent-escapes are written with uppercase hexadecimal digits (`%2f` → `%2F`); nothing is
///    decoded.
/// 7. Should removing the query or fragment leave a URL ending in punctuation of rule 1, the rules
///    run again on the trimmed URL, so that canonicalization is idempotent.
pub fn canonicalize_url(raw: &str) -> Option<CanonicalUrl> {
    let mut current = trim_link(raw).to_owned();
    let mut canonical = canonicalize_once(&current)?;
    for _ in 0..MAX_ROUNDS {
        let trimmed = trim_link(&canonical.url);
        if trimmed.len() == canonical.url.len() {
            break;
        }
        current = trimmed.to_owned();
        canonical = canonicalize_once(&current)?;
    }
    Some(canonical)
}

/// Whether the query parameter `key` only tracks the click, on a URL of `host`.
///
/// Tracking parameters: every `utm_*`, and `fbclid gclid gclsrc dclid gbraid wbraid msclkid yclid
/// twclid ttclid li_fat_id igshid igsh mc_cid mc_eid ref_src ref_url _ga _gl _hsenc _hsmi mkt_tok
/// vero_id oly_anon_id oly_enc_id rb_clickid wickedid si`; on Twitter and X hosts (`twitter.com`,
/// `x.com` and their subdomains) also `s`, `t` and `cxt`. Keys compare case-insensitively, as written
/// (not percent-decoded).
pub fn is_tracking_parameter(key: &str, host: &str) -> bool {
    let key = key.to_ascii_lowercase();
    if key.starts_with("utm_") {
        return true;
    }
    if matches!(
        key.as_str(),
        "fbclid"
            | "gclid"
            | "gclsrc"
            | "dclid"
            | "gbraid"
            | "wbraid"
            | "msclkid"
            | "yclid"
            | "twclid"
            | "ttclid"
            | "li_fat_id"
            | "igshid"
            | "igsh"
            | "mc_cid"
            | "mc_eid"
            | "ref_src"
            | "ref_url"
            | "_ga"
            | "_gl"
            | "_hsenc"
            | "_hsmi"
            | "mkt_tok"
            | "vero_id"
            | "oly_anon_id"
            | "oly_enc_id"
            | "rb_clickid"
            | "wickedid"
            | "si"
    ) {
        return true;
    }
    let twitter = ["twitter.com", "x.com"].iter().any(|domain| {
        host == *domain
            || host
                .strip_suffix(domain)
                .is_some_and(|sub| sub.ends_with('.'))
    });
    twitter && matches!(key.as_str(), "s" | "t" | "cxt")
}

/// Links in `text` (`http://`, `https://` and `www.` addresses), with their byte ranges in `text`
/// (trailing punctuation excluded) and canonical forms, in order of appearance.
///
/// A link runs to the next whitespace, `<`, `>` or double quote. A `www.` address counts only at the
/// start of a word (not inside an e-mail address or another link). Links that do not canonicalize (no
/// host) are skipped. Cost: one pass over the text, plus parsing for each link.
pub fn extract_urls_canonical(text: &str) -> Vec<(Range<usize>, CanonicalUrl)> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let rest = &bytes[i..];
        let is_link = starts_with_ignore_case(rest, b"http://")
            || starts_with_ignore_case(rest, b"https://")
            || (starts_with_ignore_case(rest, b"www.") && www_boundary(text, i));
        if !is_link {
            i += utf8_len(bytes[i]);
            continue;
        }
        let tail = &text[i..];
        let len = tail
            .find(|c: char| {
                c.is_whitespace() || matches!(c, '<' | '>' | '"' | '\u{201C}' | '\u{201D}')
            })
            .unwrap_or(tail.len());
        let link = trim_link_end(&tail[..len]);
        if let Some(canonical) = canonicalize_url(link) {
            out.push((i..i + link.len(), canonical));
        }
        i += len.max(1);
    }
    out
}

/// Links written without `http://` or `www.` (`mega.nz/file/x`, `justpaste.it/4k9rz`), with their byte ranges
/// and canonical forms (as if `https://` came first), in order of appearance.
///
/// Posts that spread propaganda often drop the scheme so that platforms do not turn the link into a preview. A
/// word counts when it is a host name (ASCII labels of letters, digits and hyphens, at least two, the last one
/// of two or more letters) followed by a `/` and a path: `e.g.` or a sentence's end is no link, and neither is a
/// word inside a link with a scheme (those are [`extract_urls_canonical`]'s). Cost: one pass over the words.
pub fn extract_bare_links(text: &str) -> Vec<(Range<usize>, CanonicalUrl)> {
    let mut out = Vec::new();
    let mut start = None;
    let bytes = text.as_bytes();
    for i in 0..=bytes.len() {
        let boundary = i == bytes.len()
            || bytes[i].is_ascii_whitespace()
            || matches!(bytes[i], b'<' | b'>' | b'"' | b'(' | b')');
        match (start, boundary) {
            (None, false) => start = Some(i),
            (Some(s), true) => {
                start = None;
                let word = trim_link_end(&text[s..i]);
                if is_bare_link(word)
                    && let Some(canonical) = canonicalize_url(&format!("https://{word}"))
                {
                    out.push((s..s + word.len(), canonical));
                }
            }
            _ => {}
        }
    }
    out
}

/// Whether `word` is `host/path` with a plausible host name and no scheme.
fn is_bare_link(word: &str) -> bool {
    let Some((host, path)) = word.split_once('/') else {
        return false;
    };
    if path.is_empty() || host.is_empty() || word.contains("://") {
        return false;
    }
    let labels: Vec<&str> = host.split('.').collect();
    labels.len() >= 2
        && labels.iter().all(|l| {
            !l.is_empty()
                && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
                && !l.starts_with('-')
        })
        && labels
            .last()
            .is_some_and(|tld| tld.len() >= 2 && tld.bytes().all(|b| b.is_ascii_alphabetic()))
}

fn utf8_len(first: u8) -> usize {
    match first {
        0xF0.. => 4,
        0xE0.. => 3,
        0xC0.. => 2,
        _ => 1,
    }
}

fn starts_with_ignore_case(bytes: &[u8], prefix: &[u8]) -> bool {
    bytes.len() >= prefix.len() && bytes[..prefix.len()].eq_ignore_ascii_case(prefix)
}

/// Whether a `www.` at byte `i` of `text` starts a word.
fn www_boundary(text: &str, i: usize) -> bool {
    text.get(..i)
        .and_then(|before| before.chars().next_back())
        .is_none_or(|c| !(c.is_alphanumeric() || matches!(c, '.' | '@' | '/' | '-' | '_' | ':')))
}

/// Rule 1 of [`canonicalize_url`].
fn trim_link(raw: &str) -> &str {
    trim_link_end(
        raw.trim()
            .trim_start_matches(['(', '[', '{', '"', '\'', '«', '<', '\u{201C}']),
    )
}

/// The trailing part of rule 1.
fn trim_link_end(mut link: &str) -> &str {
    while let Some(last) = link.chars().next_back() {
        let strip = match last {
            '.' | ',' | ';' | ':' | '!' | '?' | '"' | '\'' | '»' | '…' | '،' | '؛' | '؟' | '>'
            | '\u{201D}' => true,
            ')' => unbalanced(link, '(', ')'),
            ']' => unbalanced(link, '[', ']'),
            '}' => unbalanced(link, '{', '}'),
            _ => false,
        };
        if !strip {
            break;
        }
        link = &link[..link.len() - last.len_utf8()];
    }
    link
}

fn unbalanced(s: &str, open: char, close: char) -> bool {
    s.matches(open).count() < s.matches(close).count()
}

/// Rules 2 to 6 of [`canonicalize_url`].
fn canonicalize_once(link: &str) -> Option<CanonicalUrl> {
    let bytes = link.as_bytes();
    let with_scheme;
    let link = if starts_with_ignore_case(bytes, b"http://")
        || starts_with_ignore_case(bytes, b"https://")
    {
        link
    } else if starts_with_ignore_case(bytes, b"www.") {
        with_scheme = format!("https://{link}");
        &with_scheme
    } else {
        return None;
    };
    let mut url = Url::parse(link).ok()?;
    if !matches!(url.scheme(), "http" | "https") {
        return None;
    }
    let host = url.host_str()?.to_owned();
    if host.ends_with('.') {
        let trimmed = host.trim_end_matches('.');
        if trimmed.is_empty() {
            return None;
        }
        url.set_host(Some(trimmed)).ok()?;
    }
    let host = url.host_str().filter(|h| !h.is_empty())?.to_owned();
    url.set_fragment(None);
    if let Some(query) = url.query() {
        let kept = query
            .split('&')
            .filter(|pair| !pair.is_empty())
            .filter(|pair| {
                let key = pair.split_once('=').map_or(*pair, |(key, _)| key);
                !is_tracking_parameter(key, &host)
            })
            .collect::<Vec<_>>()
            .join("&");
        url.set_query((!kept.is_empty()).then_some(kept.as_str()));
    }
    Some(CanonicalUrl {
        url: uppercase_escapes(url.as_str()),
        host,
    })
}

/// Rule 6: `%2f` → `%2F`.
fn uppercase_escapes(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        out.push(c);
        if c == '%' {
            let mut ahead = chars.clone();
            if let (Some(a), Some(b)) = (ahead.next(), ahead.next())
                && a.is_ascii_hexdigit()
                && b.is_ascii_hexdigit()
            {
                out.push(a.to_ascii_uppercase());
                out.push(b.to_ascii_uppercase());
                chars = ahead;
            }
        }
    }
    out
}

/// One domain of a [`DomainList`].
#[derive(Debug, Clone, PartialEq)]
pub struct DomainEntry {
    /// The domain, lowercase, internationalized labels in punycode (normalized by [`DomainList`]).
    pub domain: String,
    /// What the domain is (`file_host`, `outlet`, …; free text chosen by the analysts).
    pub category: String,
    /// How much a link to the domain counts.
    pub weight: f32,
    /// Where the entry comes from or why it is listed.
    pub note: Option<String>,
}

/// Why a domain entry was rejected.
#[derive(Debug, Clone, PartialEq, Error)]
#[non_exhaustive]
pub enum DomainProblemKind {
    /// The domain is not a valid domain name.
    #[error("{domain:?} is not a domain name: {reason}")]
    BadDomain {
        /// The domain as given.
        domain: String,
        /// Why it is not valid.
        reason: String,
    },
    /// The domain was already listed.
    #[error("the domain {0:?} is listed twice")]
    Duplicate(String),
    /// The category is empty.
    #[error("the category is missing")]
    MissingCategory,
    /// The weight is not a number.
    #[error("the weight {0:?} is not a number")]
    BadWeight(String),
    /// The weight is infinite or NaN.
    #[error("the weight {0} is not finite")]
    WeightNotFinite(f32),
    /// The CSV record is malformed.
    #[error("malformed record: {0}")]
    Malformed(String),
}

/// A rejected line of a CSV domain list.
#[derive(Debug, Clone, PartialEq, Error)]
#[error("line {line}: {kind}")]
pub struct DomainProblem {
    /// The line where the record starts, from 1 (the header is line 1).
    pub line: u64,
    /// Why it was rejected.
    #[source]
    pub kind: DomainProblemKind,
}

/// A domain list that cannot be built or read.
#[derive(Debug, Clone, PartialEq, Error)]
#[non_exhaustive]
pub enum DomainListError {
    /// An entry given to [`DomainList::new`] is invalid.
    #[error("domain entry {index} ({domain:?}) is invalid: {kind}")]
    InvalidEntry {
        /// Its index among the entries.
        index: usize,
        /// Its domain as given.
        domain: String,
        /// Why it is invalid.
        #[source]
        kind: DomainProblemKind,
    },
    /// The CSV header is unreadable or lacks a required column.
    #[error("the CSV domain list's header {header:?} is unusable: {reason}")]
    CsvHeader {
        /// The header line as read.
        header: String,
        /// What is wrong with it.
        reason: String,
    },
}

/// The entries read from a CSV domain list, and the lines that were rejected.
#[derive(Debug, Clone, Default)]
pub struct ParsedDomainList {
    /// The valid entries.
    pub list: DomainList,
    /// The rejected lines, in file order.
    pub problems: Vec<DomainProblem>,
}

/// Domains with a category and weight, looked up by host.
///
/// Entries are normalized (lowercase, punycode, no leading `*.` or `.`, no trailing dot); IP addresses
/// are not domains and are rejected.
#[derive(Debug, Clone, Default)]
pub struct DomainList {
    entries: Vec<DomainEntry>,
    index: HashMap<String, usize>,
}

impl fmt::Display for DomainEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({}, {})", self.domain, self.category, self.weight)
    }
}

impl DomainList {
    /// Builds a list from entries; fails on the first invalid or duplicate entry, naming it.
    pub fn new(
        entries: impl IntoIterator<Item = DomainEntry>,
    ) -> Result<DomainList, DomainListError> {
        let mut list = DomainList::default();
        for (index, entry) in entries.into_iter().enumerate() {
            let domain = entry.domain.clone();
            list.insert(entry)
                .map_err(|kind| DomainListError::InvalidEntry {
                    index,
                    domain,
                    kind,
                })?;
        }
        Ok(list)
    }

    /// Reads a CSV domain list with a header naming its columns, in any order: `domain` and
    /// `category` (required), `weight` (default 1.0) and `note`. Bad lines are reported, not fatal.
    pub fn parse_csv(text: &str) -> Result<ParsedDomainList, DomainListError> {
        const COLUMNS: [&str; 4] = ["domain", "category", "weight", "note"];
        let mut reader = csv::ReaderBuilder::new()
            .flexible(true)
            .trim(csv::Trim::All)
            .from_reader(text.as_bytes());
        let header = reader
            .headers()
            .map_err(|e| DomainListError::CsvHeader {
                header: String::new(),
                reason: e.to_string(),
            })?
            .clone();
        let header_text = header.iter().collect::<Vec<_>>().join(",");
        let mut columns = [None; 4];
        for (i, name) in header.iter().enumerate() {
            let slot = COLUMNS
                .iter()
                .position(|column| column.eq_ignore_ascii_case(name))
                .ok_or_else(|| DomainListError::CsvHeader {
                    header: header_text.clone(),
                    reason: format!(
                        "unknown column {name:?} (expected domain, category, weight, note)"
                    ),
                })?;
            if columns[slot].replace(i).is_some() {
                return Err(DomainListError::CsvHeader {
                    header: header_text,
                    reason: format!("the column {name:?} appears twice"),
                });
            }
        }
        for required in [0, 1] {
            if columns[required].is_none() {
                return Err(DomainListError::CsvHeader {
                    header: header_text,
                    reason: format!("the column {:?} is missing", COLUMNS[required]),
                });
            }
        }
        let mut parsed = ParsedDomainList::default();
        for record in reader.records() {
            let record = match record {
                Ok(record) => record,
                Err(e) => {
                    parsed.problems.push(DomainProblem {
                        line: e.position().map_or(0, |p| p.line()),
                        kind: DomainProblemKind::Malformed(e.to_string()),
                    });
                    continue;
                }
            };
            if record.iter().all(str::is_empty) {
                continue;
            }
            let line = record.position().map_or(0, |p| p.line());
            let cell = |slot: usize| {
                columns[slot]
                    .and_then(|i| record.get(i))
                    .filter(|value| !value.is_empty())
                    .map(str::to_owned)
            };
            let weight = match cell(2) {
                None => Ok(1.0),
                Some(w) => w
                    .parse::<f32>()
                    .map_err(|_| DomainProblemKind::BadWeight(w.clone())),
            };
            let result = weight.and_then(|weight| {
                parsed.list.insert(DomainEntry {
                    domain: cell(0).unwrap_or_default(),
                    category: cell(1).unwrap_or_default(),
                    weight,
                    note: cell(3),
                })
            });
            if let Err(kind) = result {
                parsed.problems.push(DomainProblem { line, kind });
            }
        }
        Ok(parsed)
    }

    fn insert(&mut self, mut entry: DomainEntry) -> Result<(), DomainProblemKind> {
        entry.domain = normalize_domain(&entry.domain)?;
        if entry.category.trim().is_empty() {
            return Err(DomainProblemKind::MissingCategory);
        }
        if !entry.weight.is_finite() {
            return Err(DomainProblemKind::WeightNotFinite(entry.weight));
        }
        if self.index.contains_key(&entry.domain) {
            return Err(DomainProblemKind::Duplicate(entry.domain));
        }
        self.index.insert(entry.domain.clone(), self.entries.len());
        self.entries.push(entry);
        Ok(())
    }

    /// The entry for `host` or, failing that, for its nearest listed parent domain: `files.example.org`
    /// matches `example.org`, `badexample.org` does not. `host` may be in any case, with a trailing
    /// dot, in Unicode or punycode. Cost: one hash lookup per label.
    pub fn find(&self, host: &str) -> Option<&DomainEntry> {
        let trimmed = host.trim().trim_end_matches('.');
        let owned;
        let mut candidate = if trimmed
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-')
        {
            trimmed
        } else {
            owned = normalize_domain(trimmed).ok()?;
            owned.as_str()
        };
        loop {
            if let Some(&i) = self.index.get(candidate) {
                return self.entries.get(i);
            }
            let (_, parent) = candidate.split_once('.')?;
            candidate = parent;
        }
    }

    /// The entries, in insertion order.
    pub fn entries(&self) -> &[DomainEntry] {
        &self.entries
    }

    /// The number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the list is empty.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// Normalizes a listed domain: trimmed, without `*.`, leading or trailing dots, lowercase, punycode.
fn normalize_domain(raw: &str) -> Result<String, DomainProblemKind> {
    let bad = |reason: &str| DomainProblemKind::BadDomain {
        domain: raw.to_owned(),
        reason: reason.to_owned(),
    };
    let domain = raw
        .trim()
        .trim_start_matches("*.")
        .trim_start_matches('.')
        .trim_end_matches('.');
    if domain.is_empty() {
        return Err(bad("it is empty"));
    }
    if domain.contains(['/', ':', '@', '?', '#', ' ']) {
        return Err(bad("write the domain alone, not a URL"));
    }
    match Host::parse(domain) {
        Ok(Host::Domain(ascii)) if !ascii.is_empty() => Ok(ascii),
        Ok(Host::Domain(_)) => Err(bad("it is empty")),
        Ok(Host::Ipv4(_) | Host::Ipv6(_)) => Err(bad("it is an IP address")),
        Err(e) => Err(bad(&e.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bare_links_are_found_and_sentences_are_not() {
        let found = |t: &str| -> Vec<(String, String)> {
            extract_bare_links(t)
                .into_iter()
                .map(|(r, u)| (t[r].to_owned(), u.host))
                .collect()
        };
        assert_eq!(
            found("get it: mega.nz/file/Ru8z#X, share"),
            [("mega.nz/file/Ru8z#X".to_owned(), "mega.nz".to_owned())]
        );
        assert_eq!(
            found("(justpaste.it/4k9rz)"),
            [("justpaste.it/4k9rz".to_owned(), "justpaste.it".to_owned())]
        );
        assert!(found("e.g. this. and that/other, a.b/ or 1.2/3").is_empty());
        assert!(found("https://archive.org/details/x").is_empty());
    }

    fn canon(raw: &str) -> Option<String> {
        canonicalize_url(raw).map(|c| c.url)
    }

    #[test]
    fn basic_rules() {
        assert_eq!(
            canon("HTTPS://Example.ORG:443/a#top").as_deref(),
            Some("https://example.org/a")
        );
        assert_eq!(
            canon("www.example.org/x.").as_deref(),
            Some("https://www.example.org/x")
        );
        assert_eq!(canon("ftp://example.org/"), None);
        assert_eq!(canon("example.org"), None);
        assert_eq!(canon("https://"), None);
    }

    #[test]
    fn utf8_len_of_first_bytes() {
        for c in ['a', 'é', 'ع', '𝐚'] {
            let mut buf = [0; 4];
            let s = c.encode_utf8(&mut buf);
            assert_eq!(utf8_len(s.as_bytes()[0]), c.len_utf8());
        }
    }
}
