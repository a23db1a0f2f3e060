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
    /// An account's position in the network around confirmed accounts (its ties to them, its rank).
    Network,
    /// An account is a likely successor of a confirmed account (re-created after suspension).
    Recidivism,
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
            SignalKind::Network => "network",
            SignalKind::Recidivism => "recidivism",
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
            "network" => SignalKind::Network,
            "recidivism" => SignalKind::Recidivism,
            _ => return None,
        })
    }
}

/// A kind of violating content: the taxonomy every case is filed under.
///
/// Aligned with the public definitions the field uses: the EU regulation on addressing the dissemination of
/// terrorist content online (Regulation (EU) 2021/784, article 2(7): material that incites, solicits
/// participation, glorifies, threatens or instructs), GIFCT's content incident taxonomy and Tech Against
/// Terrorism's categories of terrorist content. Instruction (manuals, weapons) is deliberately not a text
/// category here: Vigie's text signals do not model it, and hash matching covers known manuals.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Violation {
    /// Praise of terrorist attacks or attackers, celebration of their "martyrs", gloating over victims.
    Glorification,
    /// Support of a terrorist group: pledges of allegiance, loyalty slogans, wishing it victory.
    Support,
    /// Soliciting participation: joining, travelling to the group, funding it, contact for joining.
    Recruitment,
    /// Incitement to violence and threats against people or groups of people.
    Incitement,
    /// Spreading a group's media: release announcements, links, download and share formulas.
    Distribution,
}

/// One row of the taxonomy: a violation, its definition and the public definitions it follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ViolationDefinition {
    /// The category.
    pub violation: Violation,
    /// Its name in files, filters and the API.
    pub name: &'static str,
    /// What it covers, in a reviewer's words.
    pub definition: &'static str,
    /// The public definitions it follows.
    pub references: &'static str,
}

/// The taxonomy of violating content, one row per [`Violation`], in order.
pub const TAXONOMY: [ViolationDefinition; 5] = [
    ViolationDefinition {
        violation: Violation::Glorification,
        name: "glorification",
        definition: "praises terrorist attacks or their perpetrators, celebrates attackers as martyrs or \
                     heroes, gloats over victims",
        references: "EU 2021/784 art. 2(7)(a) (glorification of terrorist acts); GIFCT incident taxonomy; \
                     Tech Against Terrorism: glorification",
    },
    ViolationDefinition {
        violation: Violation::Support,
        name: "support",
        definition: "declares support for or membership of a terrorist group: pledges of allegiance, \
                     loyalty slogans, defending its legitimacy, wishing it victory",
        references: "EU 2021/784 art. 2(7)(c) (participation in the activities of a terrorist group); \
                     GIFCT incident taxonomy: support",
    },
    ViolationDefinition {
        violation: Violation::Recruitment,
        name: "recruitment",
        definition: "solicits participation: joining, travelling to the group's territory, funding its \
                     fighters, contact for joining",
        references: "EU 2021/784 art. 2(7)(b)-(c) (soliciting a person to commit or contribute to terrorist \
                     offences, to participate in a group); Tech Against Terrorism: recruitment",
    },
    ViolationDefinition {
        violation: Violation::Incitement,
        name: "incitement",
        definition: "calls for violence or threatens people or groups of people (unbelievers, apostates, \
                     police, a country)",
        references: "EU 2021/784 art. 2(7)(a) and (e) (incitement, threats to commit terrorist offences); \
                     GIFCT incident taxonomy: incitement",
    },
    ViolationDefinition {
        violation: Violation::Distribution,
        name: "distribution",
        definition: "spreads a terrorist group's media: its outlets' releases, links to them, download and \
                     share formulas, replacement channels",
        references: "EU 2021/784 art. 2(7) (dissemination of terrorist content); Tech Against Terrorism \
                     TCAP: official and supporter propaganda outlets",
    },
];

impl Violation {
    /// Every violation, in the taxonomy's order.
    pub const ALL: [Violation; 5] = [
        Violation::Glorification,
        Violation::Support,
        Violation::Recruitment,
        Violation::Incitement,
        Violation::Distribution,
    ];

    /// The stored name (`glorification`, `support`, `recruitment`, `incitement`, `distribution`).
    pub fn as_str(self) -> &'static str {
        self.definition().name
    }

    /// Its row of [`TAXONOMY`].
    pub fn definition(self) -> &'static ViolationDefinition {
        &TAXONOMY[self as usize]
    }

    /// Parses a stored name, in any case.
    pub fn parse(name: &str) -> Option<Violation> {
        Violation::ALL
            .into_iter()
            .find(|v| v.as_str().eq_ignore_ascii_case(name.trim()))
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
    /// The kind of violating content it is evidence of, when it names one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub violation: Option<Violation>,
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
    /// The public address of the post (post cases) or the account (account cases) on its platform, when its
    /// ids give one (see [`crate::post_permalink`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub permalink: Option<String>,
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
    /// The kind of violating content its evidence points at most strongly.
    #[serde(default)]
    pub category: Option<Violation>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_taxonomy_has_one_row_per_violation_in_order() {
        for (i, v) in Violation::ALL.into_iter().enumerate() {
            assert_eq!(TAXONOMY[i].violation, v);
            assert_eq!(Violation::parse(v.as_str()), Some(v));
            assert_eq!(
                serde_json::to_value(v).ok(),
                Some(serde_json::Value::String(v.as_str().to_owned()))
            );
        }
        assert_eq!(Violation::parse(" Support "), Some(Violation::Support));
        assert_eq!(Violation::parse("news"), None);
    }
}
