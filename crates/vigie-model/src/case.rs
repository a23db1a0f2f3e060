//! Cases: a post or an account that at least one signal points at, with its score and the ordered evidence
//! that produced the score, so that a reviewer can check it in seconds.

use crate::Timestamp;
use serde::{Deserialize, Serialize};

/// What a case is about.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CaseSubject {
    /// One post.
    Post,
    /// An account, through its posts' cases.
    Account,
}

impl CaseSubject {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            CaseSubject::Post => "post",
            CaseSubject::Account => "account",
        }
    }

    /// Parses a stored name.
    pub fn parse(name: &str) -> Option<CaseSubject> {
        match name {
            "post" => Some(CaseSubject::Post),
            "account" => Some(CaseSubject::Account),
            _ => None,
        }
    }
}

/// The kind of signal a piece of evidence comes from.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SignalKind {
    /// A term of a term list found in the text.
    Term,
    /// A link to a listed domain.
    Url,
    /// A listed campaign hashtag.
    Hashtag,
    /// The text is a near-duplicate of another flagged post.
    NearDuplicate,
    /// The trained classifier's score.
    Classifier,
    /// An attached medium matches a hash bank entry.
    HashMatch,
    /// Context that lowers the score: news reporting, research, counter-speech.
    Context,
    /// An account's flagged posts.
    Posts,
}

impl SignalKind {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            SignalKind::Term => "term",
            SignalKind::Url => "url",
            SignalKind::Hashtag => "hashtag",
            SignalKind::NearDuplicate => "near_duplicate",
            SignalKind::Classifier => "classifier",
            SignalKind::HashMatch => "hash_match",
            SignalKind::Context => "context",
            SignalKind::Posts => "posts",
        }
    }

    /// Parses a stored name.
    pub fn parse(name: &str) -> Option<SignalKind> {
        Some(match name {
            "term" => SignalKind::Term,
            "url" => SignalKind::Url,
            "hashtag" => SignalKind::Hashtag,
            "near_duplicate" => SignalKind::NearDuplicate,
            "classifier" => SignalKind::Classifier,
            "hash_match" => SignalKind::HashMatch,
            "context" => SignalKind::Context,
            "posts" => SignalKind::Posts,
            _ => return None,
        })
    }
}

/// One reason behind a score.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Evidence {
    /// The signal.
    pub signal: SignalKind,
    /// What was found, in words: the term as written, the URL, the bank entry, the classifier's top features.
    pub detail: String,
    /// The list, bank or model it comes from.
    pub source: Option<String>,
    /// The list entry, bank entry or category that matched.
    pub entry: Option<String>,
    /// Where in the post's text, as a byte range of the text as stored (for highlighting).
    pub span: Option<(usize, usize)>,
    /// What it adds to the score (negative for context that lowers it).
    pub weight: f64,
}

/// A case as stored.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Case {
    /// Row id.
    pub id: i64,
    /// Post or account.
    pub subject: CaseSubject,
    /// The platform.
    pub platform: String,
    /// The post's platform id (post cases).
    pub post_id: Option<String>,
    /// The account's platform id.
    pub account_id: Option<String>,
    /// The account's handle, when known.
    pub handle: Option<String>,
    /// The post's language (post cases).
    pub language: Option<String>,
    /// The post's text (post cases), for display.
    pub text: Option<String>,
    /// The score: the sum of the evidence weights, scaled down by context (see the evidence).
    pub score: f64,
    /// The evidence, strongest first (empty in a brief listing: see `signals`).
    pub evidence: Vec<Evidence>,
    /// The kinds of evidence it holds, in their fixed order (also in a brief listing).
    #[serde(default)]
    pub signals: Vec<SignalKind>,
    /// `open` until reviewed.
    pub status: String,
    /// When first created.
    pub created_at: Timestamp,
    /// When its score or evidence last changed.
    pub updated_at: Timestamp,
    /// The name of the user it is assigned to.
    #[serde(default)]
    pub assignee: Option<String>,
    /// The policy label it was confirmed with (or proposed with, while it waits for a second reviewer).
    #[serde(default)]
    pub label: Option<String>,
}
