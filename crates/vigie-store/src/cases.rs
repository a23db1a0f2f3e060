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
         c.category, p.url",
        if brief { "'[]'" } else { "c.evidence" }
    )
}

/// The tables of [`case_select`].
pub(crate) const CASE_FROM: &str = "FROM cases c LEFT JOIN posts p ON p.id = c.post_id \
     LEFT JOIN accounts a ON a.id = c.author_id LEFT JOIN users u ON u.id = c.assignee_id";

/// The WHERE, ORDER BY, LIMIT and OFFSET of a case listing, with `?N` placeholders: 1 subject, 2 platform,
/// 3 language, 4 signal pattern, 5 status, 6 minimum score, 7 assignee, 8 label, 9 bank, 10 account, 11 and
/// 12 the cursor. The limit and offset are written as numbers: a planner that reuses one plan for every call
/// (PostgreSQL's generic plans) can then still walk the score index for the first page, where an unknown
/// limit makes it plan for sorting every row.
///
/// `from_bank(p)` is the backend's condition that the case's evidence holds a hash match from the bank named
/// by placeholder `p` (the evidence's `source`); the `signals` column narrows the rows it is evaluated on.
pub(crate) fn case_filter(
    q: &CaseQuery,
    placeholder: fn(usize) -> String,
    from_bank: fn(&str) -> String,
) -> String {
    let p = placeholder;
    let order = match q.sort {
        CaseSort::Score => "c.score DESC, c.id",
        CaseSort::Newest => "c.updated_at DESC, c.id DESC",
    };
    // Each filter is written only when it is set; an unset one is the constant `? IS NULL`, so that every
    // placeholder is still bound and the planner sees plain conditions it can serve from the indexes
    // (`cases_status_score` for a status, a score range for the cursor) instead of `? IS NULL OR ...` terms
    // it must test on every row. Each combination is its own cached statement.
    let set = |present: bool, n: usize, cond: String| {
        if present {
            cond
        } else {
            format!("{} IS NULL", p(n))
        }
    };
    let mut conds: Vec<String> = Vec::new();
    // An account's cases (its own and its posts') through `author_id` and `cases_author_score`, which also
    // gives them in score order; the (platform, platform_id) key finds the account when the platform is set.
    conds.push(set(
        q.account.is_some(),
        10,
        if q.platform.is_some() {
            format!(
                "c.author_id = (SELECT ac.id FROM accounts ac WHERE ac.platform = {} AND ac.platform_id = {})",
                p(2),
                p(10)
            )
        } else {
            format!(
                "c.author_id IN (SELECT ac.id FROM accounts ac WHERE ac.platform_id = {})",
                p(10)
            )
        },
    ));
    conds.push(set(q.subject.is_some(), 1, format!("c.subject = {}", p(1))));
    // With an account, the platform already chose it in the subquery above (and its cases are on its
    // platform).
    if q.account.is_none() || q.platform.is_none() {
        conds.push(set(
            q.platform.is_some(),
            2,
            format!("COALESCE(p.platform, a.platform) = {}", p(2)),
        ));
    }
    conds.push(set(q.language.is_some(), 3, format!("p.lang = {}", p(3))));
    conds.push(set(
        q.signal.is_some(),
        4,
        format!("c.signals LIKE {}", p(4)),
    ));
    conds.push(set(q.status.is_some(), 5, format!("c.status = {}", p(5))));
    conds.push(set(
        q.min_score.is_some(),
        6,
        format!("c.score >= {}", p(6)),
    ));
    conds.push(set(
        q.assignee.is_some(),
        7,
        format!(
            "(({a} = 'none' AND c.assignee_id IS NULL) OR u.name = {a})",
            a = p(7)
        ),
    ));
    conds.push(set(q.label.is_some(), 8, format!("c.label = {}", p(8))));
    // A category is one of five fixed names: written as a literal, it needs no placeholder of its own.
    if let Some(category) = q.category {
        conds.push(format!("c.category = '{}'", category.as_str()));
    }
    conds.push(set(
        q.bank.is_some(),
        9,
        format!("c.signals LIKE '%,hash_match,%' AND {}", from_bank(&p(9))),
    ));
    // After `(score, id)` in the queue's order (score descending, then id): the range on the score is what
    // an index serves; the second condition settles ties.
    if q.after.is_some() {
        conds.push(format!(
            "c.score <= {s} AND (c.score < {s} OR c.id > {i})",
            s = p(11),
            i = p(12)
        ));
    } else {
        conds.push(format!("{} IS NULL AND {} IS NULL", p(11), p(12)));
    }
    format!(
        "WHERE {} ORDER BY {order} LIMIT {} OFFSET {}",
        conds.join(" AND "),
        i64::try_from(q.limit).unwrap_or(i64::MAX),
        i64::try_from(q.offset).unwrap_or(i64::MAX),
    )
}
