//! Finding the terms of a list in normalized text, in one pass whatever the size of the list.
//!
//! Word and phrase terms are normalized like post text and go into one Aho-Corasick automaton searched
//! in overlapping mode, so that a longer term and a shorter one inside it (`amaq news agency` and
//! `amaq`) are both reported; word boundaries are then checked on the normalized text. Regex terms run
//! each on its own, and only on the texts where a match could start: a second automaton holds the literals
//! that every match of a pattern starts with (`\b(kill|behead) ...` starts with `kill` or `behead`), and a
//! pattern runs only when one of its literals occurs; a pattern without such literals runs when the text has
//! the letters (Arabic or Latin) it needs.

use std::collections::HashMap;
use std::ops::Range;

use aho_corasick::{AhoCorasick, MatchKind};
use regex::{Regex, RegexBuilder};
use thiserror::Error;

use super::{MatchMode, Term, TermProblemKind};
use crate::normalize::{Normalized, is_word_char, normalize};

/// The most memory one compiled regex may take; a pattern over it is rejected as too large.
const REGEX_SIZE_LIMIT: usize = 1 << 20;

/// One occurrence of a term in a text.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TermHit {
    /// The index of the term in the list given to [`TermMatcher::new`].
    pub term: usize,
    /// The byte range of the occurrence in the normalized text.
    pub normalized: Range<usize>,
    /// The byte range of the original text that the occurrence comes from (see
    /// [`Normalized::original_range`]).
    pub original: Range<usize>,
}

/// A term list that cannot be compiled.
#[derive(Debug, Clone, PartialEq, Error)]
#[non_exhaustive]
pub enum TermMatcherError {
    /// A term is invalid.
    #[error("term {index} ({text:?}) cannot be matched: {kind}")]
    InvalidTerm {
        /// The term's index in the list.
        index: usize,
        /// The term's text.
        text: String,
        /// Why it is invalid.
        #[source]
        kind: TermProblemKind,
    },
    /// The word and phrase terms are too many or too long for the automaton.
    #[error("the {patterns} word and phrase terms do not fit in one automaton: {message}")]
    Automaton {
        /// How many distinct normalized terms there are.
        patterns: usize,
        /// The aho-corasick crate's explanation.
        message: String,
    },
}

/// A distinct normalized word or phrase and what its occurrences need.
#[derive(Debug, Clone)]
struct Pattern {
    /// The terms with this normalized text.
    terms: Vec<usize>,
    /// The first character is a word character: the one before the match must not be.
    bounded_start: bool,
    /// The last character is a word character: the one after the match must not be.
    bounded_end: bool,
    /// The last word is a prefix (`martyr*`): the match extends to the end of that word.
    prefix: bool,
    /// The first character is an Arabic letter: a proclitic may come before it.
    arabic_start: bool,
}

/// A compiled term list.
///
/// Build it once per list with [`TermMatcher::new`] (cost: normalizing every term and building the
/// automata, milliseconds for thousands of terms) and share it across threads; [`TermMatcher::find`]
/// takes `&self`.
#[derive(Debug, Clone)]
pub struct TermMatcher {
    terms: Vec<Term>,
    automaton: Option<AhoCorasick>,
    patterns: Vec<Pattern>,
    /// The regex terms: (term index, compiled pattern, the script its letters need).
    regexes: Vec<(usize, Regex, Script)>,
    /// The literals that the matches of the gated regex terms start with, and for each pattern of this
    /// automaton the index (in `regexes`) of the term it gates.
    gate: Option<(AhoCorasick, Vec<usize>)>,
    /// The regex terms (indices in `regexes`) without a finite set of starting literals: run on every text
    /// with their script.
    ungated: Vec<usize>,
}

/// One automaton of `literals` for overlapping search; `None` when there are none.
fn overlapping_automaton<P: AsRef<[u8]>>(
    literals: &[P],
) -> Result<Option<AhoCorasick>, TermMatcherError> {
    if literals.is_empty() {
        return Ok(None);
    }
    AhoCorasick::builder()
        .match_kind(MatchKind::Standard)
        .kind(automaton_kind(literals.len()))
        .build(literals)
        .map(Some)
        .map_err(|e| TermMatcherError::Automaton {
            patterns: literals.len(),
            message: e.to_string(),
        })
}

/// The automaton for `patterns` literals searched in overlapping mode, where no prefilter helps: a full DFA
/// (one table lookup per byte; on the built-in lists' thousand terms, 10 to 35 % more posts per second than
/// the default NFA in `vigie-bench text`, measured side by side) up to lists of 20,000 terms; above that its memory (hundreds of bytes per state) is not worth it, and the
/// crate's own choice stands.
fn automaton_kind(patterns: usize) -> Option<aho_corasick::AhoCorasickKind> {
    (patterns <= 20_000).then_some(aho_corasick::AhoCorasickKind::DFA)
}

/// The literals every match of `pattern` starts with, when there is a finite set of non-empty ones (the regex
/// crate's own literal extraction, with its limits: long alternations are cut to shorter prefixes).
fn starting_literals(pattern: &str) -> Option<Vec<Vec<u8>>> {
    use regex_syntax::hir::literal::{ExtractKind, Extractor};
    let hir = regex_syntax::ParserBuilder::new()
        .build()
        .parse(pattern)
        .ok()?;
    let seq = Extractor::new().kind(ExtractKind::Prefix).extract(&hir);
    let literals = seq.literals()?;
    if literals.is_empty() || literals.iter().any(|l| l.as_bytes().is_empty()) {
        return None;
    }
    Some(literals.iter().map(|l| l.as_bytes().to_vec()).collect())
}

/// The letters a regex term needs in a text before it can match.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Script {
    /// Its pattern holds Arabic letters (and so needs them).
    Arabic,
    /// Its pattern holds ASCII letters outside escapes and classes only (and needs one).
    Latin,
    /// Anything else: always run.
    Any,
}

impl Script {
    /// What a pattern needs: Arabic when it holds an Arabic letter; Latin when all its literal letters are ASCII
    /// and it holds a word of at least two ASCII letters; otherwise nothing is assumed.
    fn of(pattern: &str) -> Script {
        if pattern.chars().any(is_arabic_letter) {
            return Script::Arabic;
        }
        if pattern.is_ascii() {
            // A run of two ASCII letters not preceded by a backslash is a literal word, which needs Latin text.
            let bytes = pattern.as_bytes();
            let has_word = bytes
                .windows(3)
                .any(|w| w[0] != b'\\' && w[1].is_ascii_alphabetic() && w[2].is_ascii_alphabetic());
            if has_word {
                return Script::Latin;
            }
        }
        Script::Any
    }
}

/// What checking a term yields for the matcher.
pub(super) enum Checked {
    /// A normalized word or phrase, and whether its last word is a prefix (written with a trailing `*`).
    Literal(String, bool),
    Pattern(Regex),
}

/// Validates a term and prepares what the matcher needs from it.
pub(super) fn check_term(term: &Term) -> Result<Checked, TermProblemKind> {
    if term.text.trim().is_empty() {
        return Err(TermProblemKind::EmptyText);
    }
    if !term.weight.is_finite() {
        return Err(TermProblemKind::WeightNotFinite(term.weight));
    }
    match term.mode {
        MatchMode::Regex => RegexBuilder::new(&term.text)
            .size_limit(REGEX_SIZE_LIMIT)
            .build()
            .map(Checked::Pattern)
            .map_err(|e| TermProblemKind::BadRegex {
                pattern: term.text.clone(),
                message: e.to_string(),
            }),
        MatchMode::Word | MatchMode::Phrase => {
            let trimmed = term.text.trim();
            let prefix = trimmed.ends_with('*');
            let normalized = normalize(trimmed.trim_end_matches('*')).as_str().to_owned();
            if normalized.is_empty() {
                Err(TermProblemKind::EmptyAfterNormalization(term.text.clone()))
            } else if term.mode == MatchMode::Word && normalized.contains(' ') {
                Err(TermProblemKind::WordWithSpaces(term.text.clone()))
            } else if prefix && !normalized.chars().next_back().is_some_and(is_word_char) {
                Err(TermProblemKind::Malformed(format!(
                    "the prefix term {:?} must end with a letter or digit before its `*`",
                    term.text
                )))
            } else {
                Ok(Checked::Literal(normalized, prefix))
            }
        }
    }
}

impl TermMatcher {
    /// Compiles `terms`; fails on the first invalid term, naming it.
    pub fn new(terms: &[Term]) -> Result<TermMatcher, TermMatcherError> {
        let mut literals: Vec<String> = Vec::new();
        let mut patterns: Vec<Pattern> = Vec::new();
        let mut by_literal: HashMap<(String, bool), usize> = HashMap::new();
        let mut regexes = Vec::new();
        for (index, term) in terms.iter().enumerate() {
            let checked = check_term(term).map_err(|kind| TermMatcherError::InvalidTerm {
                index,
                text: term.text.clone(),
                kind,
            })?;
            match checked {
                Checked::Pattern(regex) => {
                    let script = Script::of(regex.as_str());
                    regexes.push((index, regex, script));
                }
                Checked::Literal(literal, prefix) => {
                    let key = (literal, prefix);
                    if let Some(&p) = by_literal.get(&key) {
                        patterns[p].terms.push(index);
                        continue;
                    }
                    let literal = key.0.clone();
                    let first = literal.chars().next().unwrap_or(' ');
                    let last = literal.chars().next_back().unwrap_or(' ');
                    patterns.push(Pattern {
                        terms: vec![index],
                        bounded_start: is_word_char(first),
                        bounded_end: is_word_char(last),
                        prefix,
                        arabic_start: is_arabic_letter(first),
                    });
                    by_literal.insert(key, patterns.len() - 1);
                    literals.push(literal);
                }
            }
        }
        let mut gate_literals: Vec<Vec<u8>> = Vec::new();
        let mut gate_owner: Vec<usize> = Vec::new();
        let mut ungated: Vec<usize> = Vec::new();
        for (i, (_, regex, _)) in regexes.iter().enumerate() {
            match starting_literals(regex.as_str()) {
                Some(found) => {
                    gate_owner.extend(std::iter::repeat_n(i, found.len()));
                    gate_literals.extend(found);
                }
                None => ungated.push(i),
            }
        }
        let gate = overlapping_automaton(&gate_literals)?.map(|built| (built, gate_owner));
        let automaton = overlapping_automaton(&literals)?;
        Ok(TermMatcher {
            terms: terms.to_vec(),
            automaton,
            patterns,
            regexes,
            gate,
            ungated,
        })
    }

    /// The compiled terms, indexed like [`TermHit::term`].
    pub fn terms(&self) -> &[Term] {
        &self.terms
    }

    /// Replaces the contents of `out` with every occurrence of every term in `text`, sorted by
    /// position (start, then end, then term index).
    ///
    /// Occurrences may overlap: a phrase and a word inside it are both reported, and so are two terms
    /// with the same normalized text. Cost: one automaton pass over the text, plus one regex-set pass
    /// when the list has regex terms; about a microsecond for a 200-character post and a list of
    /// hundreds of terms.
    pub fn find(&self, text: &Normalized, out: &mut Vec<TermHit>) {
        out.clear();
        let haystack = text.as_str();
        if let Some(automaton) = &self.automaton {
            for found in automaton.find_overlapping_iter(haystack) {
                let Some(pattern) = self.patterns.get(found.pattern().as_usize()) else {
                    continue;
                };
                let mut end = found.end();
                if pattern.prefix {
                    end += haystack.get(end..).map_or(0, |rest| {
                        rest.chars()
                            .take_while(|&c| is_word_char(c))
                            .map(char::len_utf8)
                            .sum()
                    });
                }
                if !bounded(haystack, found.start(), end, pattern) {
                    continue;
                }
                let range = found.start()..end;
                let original = text.original_range(range.clone());
                for &term in &pattern.terms {
                    out.push(TermHit {
                        term,
                        normalized: range.clone(),
                        original: original.clone(),
                    });
                }
            }
        }
        // Each pattern runs on its own: its lazy DFA stays small and warm, and its literal prefilter skips most
        // posts. One `RegexSet` of the lexicons' patterns thrashed its DFA cache on every post (1,800 posts/s).
        // A gated pattern runs only where one of its starting literals occurs (one automaton pass for all of
        // them). An ungated one written in Arabic letters cannot match a text without any, and one in Latin
        // letters a text without an ASCII letter.
        let mut run: Vec<usize> = Vec::new();
        if let Some((gate, owner)) = &self.gate {
            for found in gate.find_overlapping_iter(haystack) {
                if let Some(&r) = owner.get(found.pattern().as_usize()) {
                    run.push(r);
                }
            }
        }
        if !self.ungated.is_empty() {
            let has_arabic = haystack.chars().any(is_arabic_letter);
            let has_latin = haystack.bytes().any(|b| b.is_ascii_alphabetic());
            run.extend(self.ungated.iter().copied().filter(|&r| {
                self.regexes
                    .get(r)
                    .is_some_and(|(_, _, script)| match script {
                        Script::Arabic => has_arabic,
                        Script::Latin => has_latin,
                        Script::Any => true,
                    })
            }));
        }
        run.sort_unstable();
        run.dedup();
        for r in run {
            let Some((term, regex, _)) = self.regexes.get(r) else {
                continue;
            };
            for found in regex.find_iter(haystack).filter(|m| !m.is_empty()) {
                out.push(TermHit {
                    term: *term,
                    normalized: found.range(),
                    original: text.original_range(found.range()),
                });
            }
        }
        if out.len() > 1 {
            // Overlapping search reports matches by end position.
            out.sort_by(|a, b| {
                (a.normalized.start, a.normalized.end, a.term).cmp(&(
                    b.normalized.start,
                    b.normalized.end,
                    b.term,
                ))
            });
        }
    }
}

/// Arabic conjunctions and prepositions written attached to the next word.
fn is_proclitic(c: char) -> bool {
    matches!(c, 'و' | 'ف' | 'ب' | 'ل' | 'ك')
}

fn is_arabic_letter(c: char) -> bool {
    matches!(c as u32, 0x0620..=0x064A | 0x066E..=0x06D3 | 0x06FA..=0x06FF) && c.is_alphabetic()
}

/// Whether a match at `start..end` of `haystack` is bounded as `pattern` requires.
fn bounded(haystack: &str, start: usize, end: usize, pattern: &Pattern) -> bool {
    let (Some(before), Some(after)) = (haystack.get(..start), haystack.get(end..)) else {
        return false;
    };
    if pattern.bounded_end && after.chars().next().is_some_and(is_word_char) {
        return false;
    }
    if !pattern.bounded_start {
        return true;
    }
    let mut rest = before;
    for clitics in 0..=2 {
        match rest.chars().next_back() {
            None => return true,
            Some(c) if !is_word_char(c) => return true,
            Some(c) if pattern.arabic_start && clitics < 2 && is_proclitic(c) => {
                rest = &rest[..rest.len() - c.len_utf8()];
            }
            Some(_) => return false,
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::terms::TermCategory;

    fn term(text: &str, mode: MatchMode) -> Term {
        Term {
            text: text.to_owned(),
            language: None,
            category: TermCategory::Other,
            weight: 1.0,
            mode,
            note: None,
            source: None,
            benign: None,
        }
    }

    #[test]
    fn proclitics() {
        let matcher = TermMatcher::new(&[term("أعماق", MatchMode::Word)]).expect("valid");
        let mut hits = Vec::new();
        for (text, expected) in [
            ("وأعماق", 1),
            ("فبأعماق", 1),
            ("أعماق", 1),
            ("مأعماق", 0),
            ("وفبأعماق", 0),
        ] {
            matcher.find(&normalize(text), &mut hits);
            assert_eq!(hits.len(), expected, "{text}");
        }
    }

    #[test]
    fn a_trailing_star_makes_the_last_word_a_prefix() {
        let matcher = TermMatcher::new(&[
            term("martyr*", MatchMode::Word),
            term("prêtons allégean*", MatchMode::Phrase),
            term("الاستشهادي*", MatchMode::Word),
        ])
        .expect("valid");
        let mut hits = Vec::new();
        for (text, expected) in [
            ("the martyrdom of", Some("martyrdom")),
            ("martyrs", Some("martyrs")),
            ("a martyr.", Some("martyr")),
            ("unmartyred", None),
            ("nous pretons allegeance au", Some("pretons allegeance")),
            ("pretons alle", None),
            ("والاستشهاديين", Some("والاستشهاديين")),
        ] {
            let normalized = normalize(text);
            matcher.find(&normalized, &mut hits);
            let found = hits
                .first()
                .map(|h| &normalized.as_str()[h.normalized.clone()]);
            let expected_normalized = expected.map(|e| {
                // The proclitic is outside the match: the hit starts at the word itself.
                e.trim_start_matches('و').to_owned()
            });
            assert_eq!(found.map(str::to_owned), expected_normalized, "{text}");
        }
        assert!(TermMatcher::new(&[term("martyr-*", MatchMode::Word)]).is_err());
    }

    #[test]
    fn duplicates_share_one_pattern() {
        let terms = [term("Amaq", MatchMode::Word), term("AMAQ", MatchMode::Word)];
        let matcher = TermMatcher::new(&terms).expect("valid");
        let mut hits = Vec::new();
        matcher.find(&normalize("amaq"), &mut hits);
        assert_eq!(hits.iter().map(|h| h.term).collect::<Vec<_>>(), [0, 1]);
    }
}

#[cfg(test)]
mod gate_tests {
    use super::starting_literals;

    #[test]
    fn a_pattern_is_gated_by_the_literals_its_matches_start_with() {
        let found = starting_literals(r"\b(kill|behead) (the )?kuffar\b")
            .unwrap_or_else(|| panic!("an alternation of words gives literals"));
        let text: Vec<String> = found
            .iter()
            .map(|l| String::from_utf8_lossy(l).into_owned())
            .collect();
        assert!(text.iter().any(|l| l.starts_with("kill")), "{text:?}");
        assert!(text.iter().any(|l| l.starts_with("behead")), "{text:?}");
        // A pattern that may start anywhere, or with anything, is not gated: it runs on every text.
        assert_eq!(starting_literals(r"\W+amaq"), None);
        assert_eq!(starting_literals(r"(a|)b?"), None);
    }
}
