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
pub use vigie_model::Violation;

/// The default term list (TOML): outlet names and the first context markers; see `data/default-terms.toml`.
pub const DEFAULT_TERMS: &str = include_str!("../data/default-terms.toml");

/// The built-in lists, each `(name, TOML)`: the default list, then one lexicon per language (`data/lexicon/`)
/// of terms, formulas and patterns per violation category, in-group vocabulary and context markers, each entry
/// with its weight, its source and the ordinary uses that make it benign. Imported lists come after them, and
/// an imported term with the same text and mode as a built-in one replaces it (weight 0 switches it off).
pub const BUILTIN_LISTS: [(&str, &str); 4] = [
    ("default", DEFAULT_TERMS),
    ("lexicon-en", include_str!("../data/lexicon/en.toml")),
    ("lexicon-fr", include_str!("../data/lexicon/fr.toml")),
    ("lexicon-ar", include_str!("../data/lexicon/ar.toml")),
];

/// The built-in domain list (CSV `domain,category,weight,note`): file hosts that public research names as hosts
/// of terrorist media mirrors, each with a low weight (0.1 to 0.3) because almost all their links are benign;
/// a link counts only with other evidence (an outlet's name, a release formula). Imported domain lists come
/// first and override it.
pub const BUILTIN_DOMAINS: &str = include_str!("../data/file-hosts.csv");

/// The terms of every built-in list, each with the name of its list.
///
/// The lists are tested to parse without problems; should one not, this returns the terms that parse.
pub fn builtin_terms() -> Vec<(Term, &'static str)> {
    BUILTIN_LISTS
        .iter()
        .flat_map(|(name, body)| {
            parse_terms_toml(body)
                .map_or_else(|_| Vec::new(), |list| list.terms)
                .into_iter()
                .map(move |t| (t, *name))
        })
        .collect()
}

/// The terms of every built-in list ([`builtin_terms`] without the list names).
pub fn default_terms() -> Vec<Term> {
    builtin_terms().into_iter().map(|(t, _)| t).collect()
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
///
/// Five categories name a kind of violating content ([`Violation`]); `outlet`, `file_host`,
/// `campaign_hashtag`, `slogan` and `call_to_violence` are older, narrower names that count towards one of
/// them. `ingroup` (the movement's own vocabulary) is weak evidence that counts towards whichever violation
/// the rest of the post points at. Four categories mark context that lowers a score.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TermCategory {
    /// Praise of attacks or attackers (EU 2021/784 art. 2(7)(a), "glorifies").
    Glorification,
    /// Support of a terrorist group, pledges of allegiance, loyalty slogans.
    Support,
    /// Soliciting participation: joining, travelling, funding, contact for joining (art. 2(7)(b)-(c)).
    Recruitment,
    /// Incitement to violence and threats (art. 2(7)(a), (e)).
    Incitement,
    /// Spreading a group's media: release announcements, download and share formulas.
    Distribution,
    /// The movement's own vocabulary and framing; weak alone, counts with the rest.
    Ingroup,
    /// The name of a terrorist media outlet or publication (counts as distribution).
    Outlet,
    /// A slogan of a terrorist organization (counts as support).
    Slogan,
    /// A call to violence (counts as incitement).
    CallToViolence,
    /// A hashtag of a propaganda campaign (counts as distribution).
    CampaignHashtag,
    /// A file host or link shortener used to spread propaganda (counts as distribution).
    FileHost,
    /// Counter-speech: condemnation, rejection (lowers a score).
    CounterSpeech,
    /// News reporting: attribution, reported speech, journalism (lowers a score).
    NewsReporting,
    /// Research and analysis (lowers a score).
    Research,
    /// Moderation and OSINT work: reporting, takedowns, archiving (lowers a score).
    Moderation,
    /// Religious vocabulary, neutral on its own.
    Religious,
    /// Anything else.
    Other,
}

impl TermCategory {
    /// Every category, in declaration order.
    pub const ALL: [TermCategory; 17] = [
        TermCategory::Glorification,
        TermCategory::Support,
        TermCategory::Recruitment,
        TermCategory::Incitement,
        TermCategory::Distribution,
        TermCategory::Ingroup,
        TermCategory::Outlet,
        TermCategory::Slogan,
        TermCategory::CallToViolence,
        TermCategory::CampaignHashtag,
        TermCategory::FileHost,
        TermCategory::CounterSpeech,
        TermCategory::NewsReporting,
        TermCategory::Research,
        TermCategory::Moderation,
        TermCategory::Religious,
        TermCategory::Other,
    ];

    /// The snake_case name used in term files (`glorification`, `call_to_violence`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            TermCategory::Glorification => "glorification",
            TermCategory::Support => "support",
            TermCategory::Recruitment => "recruitment",
            TermCategory::Incitement => "incitement",
            TermCategory::Distribution => "distribution",
            TermCategory::Ingroup => "ingroup",
            TermCategory::Outlet => "outlet",
            TermCategory::Slogan => "slogan",
            TermCategory::CallToViolence => "call_to_violence",
            TermCategory::CampaignHashtag => "campaign_hashtag",
            TermCategory::FileHost => "file_host",
            TermCategory::CounterSpeech => "counter_speech",
            TermCategory::NewsReporting => "news_reporting",
            TermCategory::Research => "research",
            TermCategory::Moderation => "moderation",
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

    /// Whether the category marks context that lowers a score: counter-speech, news reporting, research
    /// and moderation.
    pub fn is_mitigating(self) -> bool {
        matches!(
            self,
            TermCategory::CounterSpeech
                | TermCategory::NewsReporting
                | TermCategory::Research
                | TermCategory::Moderation
        )
    }

    /// The kind of violating content a hit of this category is evidence of; `None` for in-group
    /// vocabulary (which counts towards the post's strongest violation), context markers and neutral terms.
    pub fn violation(self) -> Option<Violation> {
        match self {
            TermCategory::Glorification => Some(Violation::Glorification),
            TermCategory::Support | TermCategory::Slogan => Some(Violation::Support),
            TermCategory::Recruitment => Some(Violation::Recruitment),
            TermCategory::Incitement | TermCategory::CallToViolence => Some(Violation::Incitement),
            TermCategory::Distribution
            | TermCategory::Outlet
            | TermCategory::CampaignHashtag
            | TermCategory::FileHost => Some(Violation::Distribution),
            _ => None,
        }
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
    /// What the term means or why it is listed, shown to reviewers.
    pub note: Option<String>,
    /// The public reference the entry rests on (a glossary, a designation list, a study).
    pub source: Option<String>,
    /// The ordinary uses that make a hit benign, for the reviewer to rule out.
    pub benign: Option<String>,
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
        "unknown category {0:?} (expected glorification, support, recruitment, incitement, distribution, \
         ingroup, outlet, slogan, call_to_violence, campaign_hashtag, file_host, counter_speech, \
         news_reporting, research, moderation, religious or other)"
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
        let mut all = Vec::new();
        for (name, body) in BUILTIN_LISTS {
            let list = parse_terms_toml(body).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert!(list.problems.is_empty(), "{name}: {:?}", list.problems);
            all.extend(list.terms);
        }
        assert!(all.len() >= 20);
        assert_eq!(default_terms(), all);
        assert!(TermMatcher::new(&all).is_ok());
    }

    #[test]
    fn builtin_domains_parse_without_problems() {
        let parsed =
            crate::DomainList::parse_csv(BUILTIN_DOMAINS).expect("the built-in domains parse");
        assert!(parsed.problems.is_empty(), "{:?}", parsed.problems);
        assert!(parsed.list.len() >= 10);
        assert!(
            parsed
                .list
                .entries()
                .iter()
                .all(|e| e.weight > 0.0 && e.weight <= 0.5)
        );
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
