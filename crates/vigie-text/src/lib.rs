//! Text signals over post text: language identification and entity extraction.
//!
//! Pure functions, no I/O. Later issues add normalization, term lists, URL canonicalization and
//! near-duplicates here.

mod announce;
mod chars;
pub mod classifier;
mod entities;
mod language;
mod neardup;
mod normalize;
mod terms;
mod urls;

pub use announce::announces_account;
pub use entities::{extract_hashtags, extract_mentions, extract_urls};
pub use language::{Language, detect_language};
pub use neardup::{
    NEAR_DUP_CANDIDATE_DISTANCE, NEAR_DUP_DISTANCE, NEAR_DUP_MIN_JACCARD, NearDupIndex,
    hamming_distance, shingle_jaccard, simhash, stable_hash,
};
pub use normalize::{Normalized, normalize, normalize_into};
pub use terms::{
    BUILTIN_DOMAINS, BUILTIN_LISTS, DEFAULT_TERMS, MatchMode, Term, TermCategory, TermHit,
    TermList, TermListError, TermMatcher, TermMatcherError, TermPosition, TermProblem,
    TermProblemKind, Violation, builtin_terms, default_terms, parse_terms_csv, parse_terms_toml,
};
pub use urls::{
    CanonicalUrl, DomainEntry, DomainList, DomainListError, DomainProblem, DomainProblemKind,
    ParsedDomainList, canonicalize_url, extract_bare_links, extract_urls_canonical,
    is_tracking_parameter,
};
