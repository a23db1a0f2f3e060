//! The shapes of text-signal operations: signal lists (terms, domains), trained models, the posts to
//! analyse, and cases with their evidence.

use crate::{PostView, StoreError};
use vigie_model::{Case, CaseSubject, Evidence, SignalKind, Timestamp, Violation};

/// A signal list to store (replacing one of the same name).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewList {
    /// Unique name.
    pub name: String,
    /// `terms` or `domains`.
    pub kind: String,
    /// `toml` or `csv`.
    pub format: String,
    /// Where it comes from (the file imported).
    pub source: Option<String>,
    /// The list's text, as imported.
    pub body: String,
    /// Entries it holds.
    pub entries: u64,
}

/// A stored signal list.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct StoredList {
    /// Unique name.
    pub name: String,
    /// `terms` or `domains`.
    pub kind: String,
    /// `toml` or `csv`.
    pub format: String,
    /// Where it comes from.
    pub source: Option<String>,
    /// The list's text.
    #[serde(skip)]
    pub body: String,
    /// Entries it holds.
    pub entries: u64,
    /// When it was imported.
    pub imported_at: Timestamp,
}

/// A stored model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredModel {
    /// Its name.
    pub name: String,
    /// Its bytes, in the classifier's own format.
    pub body: Vec<u8>,
    /// Its evaluation at training time, JSON.
    pub metrics: Option<String>,
    /// Training examples.
    pub examples: u64,
    /// When it was trained.
    pub trained_at: Timestamp,
}

/// A post to analyse: its row id, its author's row id, and the post.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostRow {
    /// The post's row id.
    pub id: i64,
    /// The author's row id.
    pub account: Option<i64>,
    /// The post, with its entities and attachments.
    pub view: PostView,
}

/// A case to write. Empty evidence removes the subject's case.
#[derive(Debug, Clone, PartialEq)]
pub struct NewCase {
    /// Post or account.
    pub subject: CaseSubject,
    /// The row id of the post, or of the account.
    pub row: i64,
    /// The score.
    pub score: f64,
    /// The evidence, strongest first.
    pub evidence: Vec<Evidence>,
    /// The kind of violating content the evidence points at most strongly.
    pub category: Option<Violation>,
}

/// A post case of an account, for the account's own case.
#[derive(Debug, Clone, PartialEq)]
pub struct AccountPostCase {
    /// The account's row id.
    pub account: i64,
    /// The case's row id.
    pub case_id: i64,
    /// The post's platform id.
    pub post_id: String,
    /// Its score.
    pub score: f64,
    /// The signal kinds in its evidence.
    pub signals: Vec<SignalKind>,
    /// Its category.
    pub category: Option<Violation>,
}

/// How to order cases.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum CaseSort {
    /// Highest score first.
    #[default]
    Score,
    /// Most recently changed first.
    Newest,
}

/// Which cases to list.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CaseQuery {
    /// Only posts or only accounts.
    pub subject: Option<CaseSubject>,
    /// Only this platform.
    pub platform: Option<String>,
    /// Only cases about the account of this platform id: its own case and its posts' cases (combine with
    /// `platform`, since ids are unique per platform only).
    pub account: Option<String>,
    /// Only posts in this language.
    pub language: Option<String>,
    /// Only cases with this kind of evidence.
    pub signal: Option<SignalKind>,
    /// Only cases of this category of violating content.
    pub category: Option<Violation>,
    /// Only this status.
    pub status: Option<String>,
    /// Only cases scoring at least this.
    pub min_score: Option<f64>,
    /// Only cases assigned to the user of this name; `none` for the unassigned ones.
    pub assignee: Option<String>,
    /// Only cases with this policy label.
    pub label: Option<String>,
    /// Only cases with a hash match against this bank.
    pub bank: Option<String>,
    /// Only the cases after this one in score order, `(score, id)`: the next cases of the queue.
    pub after: Option<(f64, i64)>,
    /// Order.
    pub sort: CaseSort,
    /// At most this many.
    pub limit: usize,
    /// Skip this many first (pagination).
    pub offset: usize,
    /// Leave each case's evidence out (its kinds stay, in `signals`): for listings.
    pub brief: bool,
}

/// A hashtag's timeline: how a campaign spreads.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct HashtagTimeline {
    /// The tag, lower-case, without `#`.
    pub tag: String,
    /// Posts carrying it.
    pub posts: u64,
    /// Posts per hour (start of the hour, count), oldest first; posts with no time are left out.
    pub per_hour: Vec<(Timestamp, u64)>,
    /// The accounts that posted it most: (platform, handle or id, posts).
    pub top_accounts: Vec<(String, String, u64)>,
    /// The tags posted with it most: (tag, posts).
    pub co_tags: Vec<(String, u64)>,
}

/// The text-signal operations of a store. Both backends implement them.
pub trait Cases {
    /// Stores a signal list, replacing the one of the same name.
    fn put_list(&mut self, list: &NewList) -> Result<(), StoreError>;
    /// Every signal list, by name.
    fn lists(&mut self) -> Result<Vec<StoredList>, StoreError>;
    /// Deletes a signal list; false when there was none.
    fn delete_list(&mut self, name: &str) -> Result<bool, StoreError>;
    /// Stores a trained model, replacing the one of the same name.
    fn put_model(
        &mut self,
        name: &str,
        body: &[u8],
        metrics: Option<&str>,
        examples: u64,
    ) -> Result<(), StoreError>;
    /// A model by name.
    fn model(&mut self, name: &str) -> Result<Option<StoredModel>, StoreError>;
    /// Posts with a row id above `after`, in row id order, at most `limit`: what text analysis reads (keys, text,
    /// language, author row, attachments); a backend may leave out the author's handle and the entity lists.
    fn posts_after(&mut self, after: i64, limit: usize) -> Result<Vec<PostRow>, StoreError>;
    /// An account's most recent posts (row id, text, language), at most `limit`: its history.
    fn account_texts(&mut self, account: i64, limit: usize)
    -> Result<Vec<AccountText>, StoreError>;
    /// The last post analysed and the digest of the settings it was analysed with.
    fn analysis_position(&mut self) -> Result<(i64, String), StoreError>;
    /// Records where analysis stands.
    fn set_analysis_position(&mut self, last_post: i64, settings: &str) -> Result<(), StoreError>;
    /// Writes cases in one transaction: creates or updates each subject's case (keeping its status, creation
    /// time, assignee, label and first confirmer), or removes it when the evidence is empty, unless a
    /// decision was taken on it: a reviewed case keeps its last evidence and its history.
    fn put_cases(&mut self, cases: &[NewCase]) -> Result<(), StoreError>;
    /// The post cases of these accounts.
    fn account_post_cases(&mut self, accounts: &[i64]) -> Result<Vec<AccountPostCase>, StoreError>;
    /// Cases, filtered and ordered.
    fn cases(&mut self, query: &CaseQuery) -> Result<Vec<Case>, StoreError>;
    /// A hashtag's timeline (`tag` without `#`, any case), with at most `top` accounts and co-occurring tags.
    fn hashtag_timeline(&mut self, tag: &str, top: usize) -> Result<HashtagTimeline, StoreError>;
}

/// One post of an account's history: its row id, text and language.
pub type AccountText = (i64, Option<String>, Option<String>);

/// The SQL for a case's `author_id` (the account it is about) given its subject and the placeholder of its row
/// id: the account itself, or the post's author.
pub(crate) fn author_of(subject: CaseSubject, row: &str) -> String {
    match subject {
        CaseSubject::Account => row.to_owned(),
        CaseSubject::Post => format!("(SELECT ap.account_id FROM posts ap WHERE ap.id = {row})"),
    }
}

/// The `signals` column: the kinds present, as `,term,url,` so that `LIKE '%,term,%'` filters.
pub(crate) fn signals_column(evidence: &[Evidence]) -> String {
    let mut kinds: Vec<SignalKind> = evidence.iter().map(|e| e.signal).collect();
    kinds.sort_unstable();
    kinds.dedup();
    let mut out = String::from(",");
    for k in kinds {
        out.push_str(k.as_str());
        out.push(',');
    }
    out
}

/// Parses the `signals` column.
pub(crate) fn parse_signals(column: &str) -> Vec<SignalKind> {
    column.split(',').filter_map(SignalKind::parse).collect()
}

/// The evidence column.
pub(crate) fn evidence_json(evidence: &[Evidence]) -> String {
    serde_json::to_string(evidence).unwrap_or_else(|_| "[]".to_owned())
}

/// Parses the evidence column.
pub(crate) fn parse_evidence(text: &str) -> Result<Vec<Evidence>, StoreError> {
    serde_json::from_str(text).map_err(|e| StoreError::Corrupt(format!("case evidence: {e}")))
}

/// The SELECT shared by both backends' case reads (`?`-style placeholders are added by each backend). The
/// account is the case's author (the account itself, or the post's author): one join for both subjects. A brief
/// one leaves the evidence out: listings show only its kinds (the `signals` column), and an account's case
/// can carry kilobytes of it.
pub(crate) fn case_select(brief: bool) -> String {
    format!("{} {CASE_FROM}", case_columns(brief))
}

/// The columns of [`case_select`].
pub(crate) fn case_columns(brief: bool) -> String {
    format!(
        "c.id, c.subject, COALESCE(p.platform, a.platform), p.platform_id, a.platform_id, a.handle, p.lang, \
         p.text, c.score, {}, c.status, c.created_at, c.updated_at, u.name, c.label, c.signals, \
         c.category",
        if brief { "'[]'" } else { "c.evidence" }
    )
}

/// The tables of [`case_select`].
pub(crate) const CASE_FROM: &str = "FROM cases c LEFT JOIN posts p ON p.id = c.post_id \
     LEFT JOIN accounts a ON a.id = c.author_id LEFT JOIN users u ON u.id = c.assignee_id";
