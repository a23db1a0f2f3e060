//! Term lists as data: outlet names, campaign hashtags, context markers, each with a category, a
//! weight and a note, matched against normalized text with every hit pointing at what the user wrote.
//!
//! Analysts maintain the lists as TOML (`[[term]]` tables) or CSV files; [`parse_terms_toml`] and
//! [`parse_terms_csv`] return the good terms and a positioned problem for each bad one. A
//! [`TermMatcher`] compiles a list once (one Aho-Corasick automaton for words and phrases, one regex set
//! for patterns) and then finds every term in a post in one pass. [`DEFAULT_TERMS`] is a small starting
//! list: publicly documented outlet names and context markers, no propaganda text.

mod matcher;
mod parse;

use thiserror::Error;

pub use matcher::{TermHit, TermMatcher, TermMatcherError};
pub use parse::{
    TermList, TermListError, TermPosition, TermProblem, parse_terms_csv, parse_terms_toml,
};

/// The default term list (TOML), a starting point for analysts; see `data/default-terms.toml`.
pub const DEFAULT_TERMS: &str = include_str!("../data/default-terms.toml");

/// The terms of [`DEFAULT_TERMS`].
///
/// The list is tested to parse without problems; should it not, this returns the terms that parse.
pub fn default_terms() -> Vec<Term> {
    parse_terms_toml(DEFAULT_TERMS).map_or_else(|_| Vec::new(), |list| list.terms)
}

/// How a term's text is matched against normalized text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MatchMode {
    /// One normalized word, bounded by non-word characters (anything but letters, digits and combining
    /// marks) or the ends of the text. Arabic words may also follow a one- or two-letter proclitic
    /// (`و ف ب ل ك`: `وأعماق` contains the word `أعماق`).
    Word,
    /// A sequence of normalized words separated by single spaces, bounded like a word.
    Phrase,
    /// A `regex` crate pattern applied to the normalized text (lowercase, folded: write the pattern
    /// for that form; use `\b` for word boundaries).
    Regex,
}

impl MatchMode {
    /// The name used in term files: `word`, `phrase` or `regex`.
    pub fn as_str(self) -> &'static str {
        match self {
            MatchMode::Word => "word",
            MatchMode::Phrase => "phrase",
            MatchMode::Regex => "regex",
        }
    }

    /// The mode named `name` (as [`MatchMode::as_str`] writes it, in any case), if any.
    pub fn parse(name: &str) -> Option<MatchMode> {
        [MatchMode::Word, MatchMode::Phrase, MatchMode::Regex]
            .into_iter()
            .find(|mode| mode.as_str().eq_ignore_ascii_case(name.trim()))
    }
}

/// What a term is evidence of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TermCategory {
    /// The name of a terrorist media outlet or publication.
    Outlet,
    /// A slogan of a terrorist organization.
    Slogan,
    /// A call to violence.
    CallToViolence,
    /// A hashtag of a propaganda campaign.
    CampaignHashtag,
    /// A file host or link shortener used to spread propaganda.
    FileHost,
    /// Counter-speech: condemnation, rejection (lowers a score).
    CounterSpeech,
    /// News reporting: attribution, journalism (lowers a score).
    NewsReporting,
    /// Research and analysis (lowers a score).
    Research,
    /// Religious vocabulary, neutral on its own.
    Religious,
    /// Anything else.
    Other,
}

impl TermCategory {
    /// Every category, in declaration order.
    pub const ALL: [TermCategory; 10] = [
        TermCategory::Outlet,
        TermCategory::Slogan,
        TermCategory::CallToViolence,
        TermCategory::CampaignHashtag,
        TermCategory::FileHost,
        TermCategory::CounterSpeech,
        TermCategory::NewsReporting,
        TermCategory::Research,
        TermCategory::Religious,
        TermCategory::Other,
    ];

    /// The snake_case name used in term files (`outlet`, `call_to_violence`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            TermCategory::Outlet => "outlet",
            TermCategory::Slogan => "slogan",
            TermCategory::CallToViolence => "call_to_violence",
            TermCategory::CampaignHashtag => "campaign_hashtag",
            TermCategory::FileHost => "file_host",
            TermCategory::CounterSpeech => "counter_speech",
            TermCategory::NewsReporting => "news_reporting",
            TermCategory::Research => "research",
            TermCategory::Religious => "religious",
            TermCategory::Other => "other",
        }
    }

    /// The category named `name` (as [`TermCategory::as_str`] writes it, in any case), if any.
    pub fn parse(name: &str) -> Option<TermCategory> {
        TermCategory::ALL
            .into_iter()
            .find(|category| category.as_str().eq_ignore_ascii_case(name.trim()))
    }

    /// Whether the category marks context that lowers a score: counter-speech, news reporting and
    /// research.
    pub fn is_mitigating(self) -> bool {
        matches!(
            self,
            TermCategory::CounterSpeech | TermCategory::NewsReporting | TermCategory::Research
        )
    }
}

/// One entry of a term list.
#[derive(Debug, Clone, PartialEq)]
pub struct Term {
    /// The term as the analyst wrote it (a word, a phrase or a regex pattern).
    pub text: String,
    /// The language the term belongs to (`fr`, `en`, `ar`, …), or `None` for any. Informational: the
    /// matcher reports hits in every language and the scorer decides.
    pub language: Option<String>,
    /// What the term is evidence of.
    pub category: TermCategory,
    /// How much a hit counts; negative or zero for mitigating context markers.
    pub weight: f32,
    /// How the text is matched.
    pub mode: MatchMode,
    /// Where the term comes from or why it is listed, shown to reviewers.
    pub note: Option<String>,
}

impl Term {
    /// Checks the term as the parsers and [`TermMatcher::new`] do.
    pub fn validate(&self) -> Result<(), TermProblemKind> {
        matcher::check_term(self).map(|_| ())
    }
}

/// Why a term was rejected.
#[derive(Debug, Clone, PartialEq, Error)]
#[non_exhaustive]
pub enum TermProblemKind {
    /// The text is empty or blank.
    #[error("the term text is empty")]
    EmptyText,
    /// Normalization leaves nothing of the text (only invisible characters, marks or spaces).
    #[error("the term text {0:?} is empty once normalized")]
    EmptyAfterNormalization(String),
    /// A word term holds several words.
    #[error("the word term {0:?} holds several words once normalized; use mode \"phrase\"")]
    WordWithSpaces(String),
    /// The category is missing.
    #[error("the category is missing")]
    MissingCategory,
    /// The category is not one of [`TermCategory::ALL`].
    #[error(
        "unknown category {0:?} (expected outlet, slogan, call_to_violence, campaign_hashtag, \
         file_host, counter_speech, news_reporting, research, religious or other)"
    )]
    UnknownCategory(String),
    /// The mode is not `word`, `phrase` or `regex`.
    #[error("unknown mode {0:?} (expected word, phrase or regex)")]
    UnknownMode(String),
    /// The language is not a two- or three-letter code.
    #[error("the language {0:?} is not a two- or three-letter code such as fr, en or ar")]
    BadLanguage(String),
    /// The weight is not a number.
    #[error("the weight {0:?} is not a number")]
    BadWeight(String),
    /// The weight is infinite or NaN.
    #[error("the weight {0} is not finite")]
    WeightNotFinite(f32),
    /// The regex pattern does not compile.
    #[error("the regex {pattern:?} does not compile: {message}")]
    BadRegex {
        /// The pattern.
        pattern: String,
        /// The regex crate's explanation.
        message: String,
    },
    /// The entry is not shaped like a term (a TOML type error, an unknown key, a bad CSV record).
    #[error("malformed term: {0}")]
    Malformed(String),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_list_parses_without_problems() {
        let list = parse_terms_toml(DEFAULT_TERMS).expect("the default list is valid TOML");
        assert!(list.problems.is_empty(), "{:?}", list.problems);
        assert!(list.terms.len() >= 20);
        assert_eq!(default_terms(), list.terms);
        assert!(TermMatcher::new(&list.terms).is_ok());
    }

    #[test]
    fn names_round_trip() {
        for category in TermCategory::ALL {
            assert_eq!(TermCategory::parse(category.as_str()), Some(category));
        }
        for mode in [MatchMode::Word, MatchMode::Phrase, MatchMode::Regex] {
            assert_eq!(MatchMode::parse(mode.as_str()), Some(mode));
        }
        assert_eq!(
            TermCategory::parse(" News_Reporting "),
            Some(TermCategory::NewsReporting)
        );
        assert_eq!(TermCategory::parse("propaganda"), None);
        assert!(TermCategory::Research.is_mitigating());
        assert!(!TermCategory::Outlet.is_mitigating());
    }
}
