//! Text analysis: every post's text signals (terms, listed domains, campaign hashtags, near-duplicates of
//! flagged posts, the trained classifier) and its media's hash matches become a scored case with the ordered
//! evidence behind the score; accounts get a case from their posts' cases.
//!
//! Scoring is additive and explainable: each piece of evidence carries its weight, and the score is their
//! sum. Context markers (news reporting, research, counter-speech) do not subtract a fixed amount: they scale
//! the positive evidence down by `context_factor`, and the evidence says so, so that "mentions a group inside a
//! news report" never reads as "is the group". Weights live in `[scoring]` of the configuration.
//!
//! Analysis is incremental: posts above the stored position are analysed; a change of lists, model or
//! settings (their digest is stored with the position) re-analyses every post.

use crate::EngineError;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::{BTreeSet, HashMap};
use vigie_model::{CaseStatus, CaseSubject, Evidence, MatchStatus, Post, SignalKind};
use vigie_store::{CaseQuery, MatchQuery, NewCase, PostRow, Store};
use vigie_text::classifier::Model;
use vigie_text::{
    DomainList, NEAR_DUP_DISTANCE, NearDupIndex, Normalized, Term, TermCategory, TermMatcher,
};

/// Bumped when scoring itself changes, so that stores re-analyse their posts with the new rules.
const ANALYSIS_VERSION: u32 = 6;

/// Scoring weights and thresholds (`[scoring]` in `vigie.toml`); every field has a default.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ScoringConfig {
    /// A post makes a case when its score, context included, reaches this: the queue's cut-off. Default 1.0:
    /// a single weak cue (an outlet's name, one in-group word, a file-host link) or a news report scaled down by
    /// its context makes none; 0 makes a case of every post with a signal.
    pub min_score: f64,
    /// Multiplies term weights from lists. Default 1.0.
    pub term_scale: f64,
    /// Weight of a link to a listed domain when its list gives none. Default 1.0.
    pub url_weight: f64,
    /// Weight of an active hash match (scaled by how close it is: `1 - distance / 64`). Default 5.0.
    pub hash_match_weight: f64,
    /// Weight of a near-duplicate of a flagged post. Default 1.5.
    pub near_duplicate_weight: f64,
    /// A flagged post becomes a statement whose near-duplicates are evidence only when its own positive
    /// evidence, near-duplicates left out, is worth at least this (and no context mitigated it). Default 1.5:
    /// an outlet's name with a file-host link, a hash match or a confident classifier make a statement; a
    /// name alone (0.5 to 0.6 in the default list) or a single listed link (at most 1.0) do not, so the
    /// templated siblings of a news report, a research thread or a holiday-photos link are not suspects, and
    /// near-duplicates of near-duplicates do not chain. A post that reviewers confirmed is a statement whatever
    /// its score; one they rejected never is. Measured on the 301,000 generated posts of the serve
    /// benchmark with the sample's file-host list: near-duplicate-only cases fell from 3,391 to none, and
    /// near-duplicate evidence stayed on 41 distribution posts.
    pub statement_min_score: f64,
    /// The classifier adds `classifier_weight * (p - threshold) / (1 - threshold)` when its probability `p` is
    /// at least `classifier_threshold`. Default 3.0 and 0.5.
    pub classifier_weight: f64,
    /// See `classifier_weight`. A model trained on a folder of label files carries a calibration that replaces
    /// it per language (see `calibrated`).
    pub classifier_threshold: f64,
    /// Use the model's calibration when it has one (`vigie model train` on a folder of at least three label
    /// files cross-validates over them and chooses, per language, the probability at which the classifier
    /// alone makes a case: at most 2 % of the benign posts out of fold, and of each benign category). Default true; false
    /// applies `classifier_threshold` to every language.
    pub calibrated: bool,
    /// The classifier's evidence is multiplied by this when nothing else in the post (a list term, in-group
    /// vocabulary, a listed link, a hash match, a near-duplicate) corroborates it. Default 0.75: alone, the
    /// classifier needs a probability of about 0.72 to reach the queue, where ordinary piety, prayers for the
    /// dead and game slang it has not seen sit below (measured on held-out training files: false positives on
    /// those categories fell by a sixth for 1.5 % of recall).
    pub uncorroborated_classifier_factor: f64,
    /// Positive evidence is multiplied by this when the post carries news-reporting, research or
    /// counter-speech markers. Default 0.35.
    pub context_factor: f64,
    /// An account's own history: when at least `history_min_posts` of its other stored posts exist and at
    /// least `history_min_share` of them carry news, research, counter-speech or moderation markers (a
    /// newsroom, a researcher, a moderator), a flagged post of it is scaled down like a post with context, in
    /// proportion to that share. Defaults 5 and 0.5.
    pub history_min_posts: usize,
    /// See `history_min_posts`.
    pub history_min_share: f64,
    /// An account's score: its best post case plus this share of the others' scores. Default 0.25.
    pub account_share: f64,
    /// An account case's network part, once accounts are confirmed: an account with flagged posts among the
    /// `network_top` accounts most tied to the confirmed ones (personalized PageRank around them, scaled down
    /// for reporting markers and for ties that only talk about them) adds up to this, growing with the
    /// logarithm of its rank score (a thousand times the mean: all of it). Default 1.0. An account with no
    /// flagged post gets no case from its position alone.
    pub network_weight: f64,
    /// See `network_weight`. Default 100.
    pub network_top: usize,
    /// A likely successor of a confirmed account (`vigie accounts successors`) has an account case whose
    /// recidivism part is this times its successor score over twice the likely threshold, at most this.
    /// Default 2.0 (a likely successor adds at least 1.0).
    pub recidivism_weight: f64,
    /// The classifier model used (stored by `vigie model train`). Default `default`.
    pub model: String,
}

impl Default for ScoringConfig {
    fn default() -> Self {
        ScoringConfig {
            min_score: 1.0,
            term_scale: 1.0,
            url_weight: 1.0,
            hash_match_weight: 5.0,
            near_duplicate_weight: 1.5,
            statement_min_score: 1.5,
            classifier_weight: 3.0,
            classifier_threshold: 0.5,
            calibrated: true,
            uncorroborated_classifier_factor: 0.75,
            context_factor: 0.35,
            history_min_posts: 5,
            history_min_share: 0.5,
            account_share: 0.25,
            network_weight: 1.0,
            network_top: 100,
            recidivism_weight: 2.0,
            model: "default".to_owned(),
        }
    }
}

/// What an analysis run did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct AnalysisReport {
    /// Posts analysed.
    pub posts: u64,
    /// Whether every post was analysed again (lists, model or settings changed).
    pub full: bool,
    /// Post cases written (created or updated).
    pub post_cases: u64,
    /// Account cases written.
    pub account_cases: u64,
    /// Terms and domains in use, and whether a model was.
    pub terms: usize,
    /// Domains in use.
    pub domains: usize,
    /// Whether a trained classifier scored the posts.
    pub classifier: bool,
    /// Problems with stored lists (bad rows are skipped).
    pub list_problems: Vec<String>,
    /// What the account network's update folded in.
    pub network: crate::NetworkUpdate,
}

/// Reads a stored term list (`toml` or `csv`): its terms, and a message for each entry left out.
pub fn parse_term_list(body: &str, format: &str) -> (Vec<Term>, Vec<String>) {
    let parsed = if format == "csv" {
        vigie_text::parse_terms_csv(body)
    } else {
        vigie_text::parse_terms_toml(body)
    };
    // A TOML problem names its `[[term]]` table; the reader wants the line it starts on.
    let table_lines: Vec<usize> = body
        .lines()
        .enumerate()
        .filter(|(_, l)| l.trim_start().starts_with("[[term]]"))
        .map(|(i, _)| i + 1)
        .collect();
    match parsed {
        Ok(list) => (
            list.terms,
            list.problems
                .iter()
                .map(|p| match &p.position {
                    vigie_text::TermPosition::Toml { index, .. } => match table_lines.get(*index) {
                        Some(line) => format!("line {line}, {p}"),
                        None => p.to_string(),
                    },
                    vigie_text::TermPosition::Csv { .. } => p.to_string(),
                })
                .collect(),
        ),
        Err(e) => (Vec::new(), vec![e.to_string()]),
    }
}

/// Reads a stored domain list (CSV): its entries, and a message for each line left out.
pub fn parse_domain_list(body: &str) -> (Vec<vigie_text::DomainEntry>, Vec<String>) {
    match DomainList::parse_csv(body) {
        Ok(parsed) => (
            parsed.list.entries().to_vec(),
            parsed.problems.iter().map(ToString::to_string).collect(),
        ),
        Err(e) => (Vec::new(), vec![e.to_string()]),
    }
}

/// Domains listed in several lists: the first list's entry wins.
fn dedup_domains(entries: Vec<vigie_text::DomainEntry>) -> Vec<vigie_text::DomainEntry> {
    let mut seen = std::collections::HashSet::new();
    entries
        .into_iter()
        .filter(|e| seen.insert(e.domain.to_ascii_lowercase()))
        .collect()
}

/// The signals of one store, ready to score posts.
pub struct Analyzer {
    terms: Vec<(Term, String)>,
    matcher: TermMatcher,
    domains: DomainList,
    model: Option<Model>,
    /// One head per violation, trained with the model: the case's category when the classifier flags it.
    heads: Vec<(vigie_model::Violation, Model)>,
    /// The classifier's threshold per language, from the model's calibration (see [`Analyzer::threshold_for`]).
    thresholds: std::collections::BTreeMap<String, f64>,
    /// The statements judged so far in this run (see [`Statements`]).
    statements: Statements,
    /// Posts whose case a reviewer rejected (`platform/post id`): a false positive is no statement, and its
    /// reposts are no evidence.
    rejected: std::collections::HashSet<String>,
    /// Posts whose case reviewers confirmed (`platform/post id`), with their case: statements whatever their own
    /// score, and named as such in their near-copies' evidence.
    confirmed: HashMap<String, i64>,
    config: ScoringConfig,
    digest: String,
    scratch: Scratch,
    problems: Vec<String>,
}

/// The flagged statements judged so far in a run, whose near-copies are evidence: all that judging a post
/// changes, kept apart so that the cores can read the next batch while this thread judges the last.
pub struct Statements {
    index: NearDupIndex,
    /// The statements in `index`, by id: `platform/post id`.
    labels: Vec<String>,
}

impl Default for Statements {
    fn default() -> Self {
        Statements {
            index: NearDupIndex::new(),
            labels: Vec::new(),
        }
    }
}

impl Statements {
    /// Adds a statement's fingerprint to the near-duplicate index.
    fn remember(&mut self, label: String, fingerprint: u64) {
        let id = self.labels.len() as u64;
        self.labels.push(label);
        self.index.insert(id, fingerprint);
    }
}

/// The buffers one thread reuses from post to post while reading them ([`Analyzer::read_post`]).
#[derive(Default)]
pub struct Scratch {
    normalized: Normalized,
    hits: Vec<vigie_text::TermHit>,
}

/// What a post's own words, links and media show ([`Analyzer::read_post`]), before the evidence that depends on
/// the posts scored before it (near-duplicates of flagged statements) and the final score ([`Analyzer::judge`]).
pub struct Reading {
    /// `platform/post id`.
    label: String,
    evidence: Vec<Evidence>,
    context: Vec<Evidence>,
    /// The normalized text when it has at least eight words (the near-duplicate fingerprint is computed from
    /// it only when needed: an index to query, or a statement to remember), else empty.
    fingerprinted: String,
    words: usize,
}

/// What an account's other stored posts say about it: how many there are (up to [`HISTORY_POSTS`]) and how
/// many of them carry reporting markers (news, research, counter-speech, moderation).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct History {
    /// The account's other posts read.
    pub posts: usize,
    /// Of which, posts with a reporting marker.
    pub reporting: usize,
}

/// The classifier threshold at which the classifier alone, with nothing to corroborate it, reaches the queue's
/// cut-off at probability `queue` under `config`; `None` when its weights cannot reach the cut-off at all.
///
/// Alone, the classifier weighs `weight x factor x (p - t) / (1 - t)`: that is the cut-off at `p = queue` when
/// `t = (queue - a) / (1 - a)`, `a = cut-off / (weight x factor)`.
pub fn threshold_reaching(config: &ScoringConfig, queue: f32) -> Option<f64> {
    let reach = config.classifier_weight * config.uncorroborated_classifier_factor.clamp(0.0, 1.0);
    let a = if reach > 0.0 {
        config.min_score / reach
    } else {
        f64::INFINITY
    };
    (a > 0.0 && a < 1.0).then(|| ((f64::from(queue) - a) / (1.0 - a)).clamp(0.05, 0.95))
}

/// Tells whether a post carries a reporting marker (a news, research, counter-speech or moderation term of a
/// list that applies to its language): what an account's [`History`] counts. From [`Analyzer::reporter`].
pub struct Reporter {
    matcher: TermMatcher,
    /// For each term of the matcher: whether it is a reporting marker, and its language.
    markers: Vec<(bool, Option<String>)>,
}

impl Reporter {
    /// Whether `text` (in `lang`) carries a reporting marker.
    pub fn reports(&self, text: &str, lang: Option<&str>, scratch: &mut Scratch) -> bool {
        let Scratch { normalized, hits } = scratch;
        vigie_text::normalize_into(text, normalized);
        hits.clear();
        self.matcher.find(normalized, hits);
        hits.iter().any(|h| {
            self.markers.get(h.term).is_some_and(|(marker, language)| {
                *marker && term_applies(language.as_deref(), lang)
            })
        })
    }
}

/// The most recent posts of an account read for its [`History`].
pub const HISTORY_POSTS: usize = 200;

impl Analyzer {
    /// Loads the default term list, the stored term and domain lists, and the stored model.
    ///
    /// # Errors
    /// When the store fails or a stored model cannot be read.
    pub fn load(store: &mut dyn Store, config: &ScoringConfig) -> Result<Analyzer, EngineError> {
        let mut problems = Vec::new();
        let mut terms: Vec<(Term, String)> = vigie_text::builtin_terms()
            .into_iter()
            .map(|(t, list)| (t, list.to_owned()))
            .collect();
        let mut domain_entries = Vec::new();
        let mut hasher = Sha256::new();
        hasher.update(ANALYSIS_VERSION.to_le_bytes());
        hasher.update(serde_json::to_vec(config).unwrap_or_default());
        for (_, body) in vigie_text::BUILTIN_LISTS {
            hasher.update(body.as_bytes());
        }
        // Hash matches are evidence too: a bank imported or changed after posts were analysed gives their
        // media new matches (or suppresses, holds or releases old ones), so the set of matches and the banks'
        // settings are part of what the cases were computed from.
        for bank in store.bank_settings()? {
            hasher.update(serde_json::to_vec(&bank).unwrap_or_default());
        }
        let mut matches: Vec<String> = store
            .matches(&MatchQuery {
                limit: usize::MAX,
                ..MatchQuery::default()
            })?
            .into_iter()
            .map(|m| {
                format!(
                    "{} {} {} {}",
                    m.media_sha256,
                    m.entry_id,
                    m.status.as_str(),
                    m.distance
                )
            })
            .collect();
        matches.sort_unstable();
        for m in &matches {
            hasher.update(m.as_bytes());
        }
        for list in store.lists()? {
            hasher.update(list.name.as_bytes());
            hasher.update(list.body.as_bytes());
            match list.kind.as_str() {
                "terms" => {
                    let (good, bad) = parse_term_list(&list.body, &list.format);
                    terms.extend(good.into_iter().map(|t| (t, list.name.clone())));
                    problems.extend(bad.into_iter().map(|p| format!("list {}: {p}", list.name)));
                }
                "domains" => {
                    let (good, bad) = parse_domain_list(&list.body);
                    domain_entries.extend(good);
                    problems.extend(bad.into_iter().map(|p| format!("list {}: {p}", list.name)));
                }
                other => problems.push(format!("list {}: unknown kind {other:?}", list.name)),
            }
        }
        // The built-in file hosts come after the imported lists, which override them.
        hasher.update(vigie_text::BUILTIN_DOMAINS.as_bytes());
        let (builtin_domains, bad) = parse_domain_list(vigie_text::BUILTIN_DOMAINS);
        domain_entries.extend(builtin_domains);
        problems.extend(bad.into_iter().map(|p| format!("built-in file hosts: {p}")));
        let stored_model = store.model(&config.model)?;
        let model_trained_at = stored_model.as_ref().map(|m| m.trained_at);
        let model = match stored_model {
            Some(m) => {
                hasher.update(&m.body);
                Some(Model::from_bytes(&m.body).map_err(|e| {
                    EngineError::Analysis(format!("stored model {}: {e}", config.model))
                })?)
            }
            None => None,
        };
        let mut heads = Vec::new();
        if model.is_some() {
            for violation in vigie_model::Violation::ALL {
                let name = crate::model::head_name(&config.model, violation);
                if let Some(m) = store.model(&name)?
                    && model_trained_at.is_some_and(|at| m.trained_at >= at)
                {
                    hasher.update(&m.body);
                    heads.push((
                        violation,
                        Model::from_bytes(&m.body).map_err(|e| {
                            EngineError::Analysis(format!("stored model {name}: {e}"))
                        })?,
                    ));
                }
            }
        }
        // The calibration of the model, when stored with it: the probability at which the classifier alone puts a
        // post of each language in the queue becomes that language's threshold under these settings.
        let mut thresholds = std::collections::BTreeMap::new();
        if model.is_some()
            && config.calibrated
            && let Some(m) = store.model(&crate::model::calibration_name(&config.model))?
            && model_trained_at.is_some_and(|at| m.trained_at >= at)
        {
            hasher.update(&m.body);
            let calibration: crate::model::Calibration =
                serde_json::from_slice(&m.body).map_err(|e| {
                    EngineError::Analysis(format!(
                        "stored calibration of model {}: {e}",
                        config.model
                    ))
                })?;
            for (language, p) in calibration.queue_probability {
                if let Some(t) = threshold_reaching(config, p) {
                    thresholds.insert(language, t);
                }
            }
        }
        // An imported term with the same text and mode as an earlier one (a built-in term, or one of an earlier
        // list) replaces it: that is how an analyst re-weighs a built-in entry, or switches it off with weight 0.
        let terms = override_terms(terms);
        let matcher = TermMatcher::new(&terms.iter().map(|(t, _)| t.clone()).collect::<Vec<_>>())
            .map_err(|e| EngineError::Analysis(format!("term lists: {e}")))?;
        // Reviewers' decisions on posts decide whether they seed near-duplicates: a rejected post never does, a
        // confirmed one always does (whatever its own score or context). Both change their reposts' evidence,
        // so they are part of the digest: the next analysis after such a decision re-scores every post.
        let mut reviewed = |status: CaseStatus| -> Result<HashMap<String, i64>, EngineError> {
            let mut labels: Vec<(String, i64)> = store
                .cases(&CaseQuery {
                    subject: Some(CaseSubject::Post),
                    status: Some(status.as_str().to_owned()),
                    limit: usize::MAX,
                    brief: true,
                    ..CaseQuery::default()
                })?
                .into_iter()
                .filter_map(|c| Some((format!("{}/{}", c.platform, c.post_id?), c.id)))
                .collect();
            labels.sort_unstable();
            hasher.update(status.as_str().as_bytes());
            for (l, _) in &labels {
                hasher.update(l.as_bytes());
                hasher.update([0u8]);
            }
            Ok(labels.into_iter().collect())
        };
        let rejected = reviewed(CaseStatus::Rejected)?.into_keys().collect();
        let confirmed = reviewed(CaseStatus::Confirmed)?;
        let digest = hasher
            .finalize()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>();
        Ok(Analyzer {
            terms,
            matcher,
            domains: DomainList::new(dedup_domains(domain_entries))
                .map_err(|e| EngineError::Analysis(format!("domain lists: {e}")))?,
            model,
            heads,
            thresholds,
            statements: Statements::default(),
            rejected,
            confirmed,
            config: config.clone(),
            digest,
            scratch: Scratch::default(),
            problems,
        })
    }

    /// Whether the flagged post `label` is a statement whose near-copies are evidence: never when reviewers
    /// rejected its case, always when they confirmed it, otherwise when no context mitigated it and its own
    /// evidence (near-duplicates left out) reaches `statement_min_score`.
    fn is_statement(&self, label: &str, own: f64, mitigated: bool) -> bool {
        !self.rejected.contains(label)
            && (self.confirmed.contains_key(label)
                || (!mitigated && own >= self.config.statement_min_score - 1e-9))
    }

    /// Replaces the classifier (without heads) and its per-language thresholds, and forgets the near-duplicates
    /// seen: for cross-validating a model over labelled texts with this analyzer's lists and settings.
    pub fn set_classifier(
        &mut self,
        model: Option<Model>,
        thresholds: std::collections::BTreeMap<String, f64>,
    ) {
        self.model = model;
        self.heads.clear();
        self.thresholds = thresholds;
        self.statements = Statements::default();
    }

    /// The classifier's threshold for a post in `language`: the calibrated one of that language when the model
    /// has one, else `classifier_threshold`.
    pub fn threshold_for(&self, language: Option<&str>) -> f64 {
        language
            .and_then(|l| self.thresholds.get(l))
            .copied()
            .unwrap_or(self.config.classifier_threshold)
            .clamp(0.0, 0.99)
    }

    /// The digest of lists, model and settings: a change re-analyses every post.
    pub fn digest(&self) -> &str {
        &self.digest
    }

    /// Scores one post: its evidence (strongest first) and score; `None` below the minimum score.
    /// ([`Analyzer::read_post`] then [`Analyzer::judge`]; posts are judged in the order they were stored.)
    pub fn score_post(
        &mut self,
        post: &Post,
        matches: &[vigie_model::MediaMatch],
    ) -> Option<(f64, Vec<Evidence>)> {
        let mut scratch = std::mem::take(&mut self.scratch);
        let reading = self.read_post(post, matches, &mut scratch);
        self.scratch = scratch;
        self.judge(reading, || Ok(None)).unwrap_or_default()
    }

    /// What tells a reporting post ([`Reporter`]): this analyzer's term lists, for an account's [`History`].
    pub fn reporter(&self) -> Reporter {
        Reporter {
            matcher: self.matcher.clone(),
            markers: self
                .terms
                .iter()
                .map(|(term, _)| (term.category.is_mitigating(), term.language.clone()))
                .collect(),
        }
    }

    /// Reads one post: the evidence of its words (lists, classifier), links and media matches, and its
    /// context. Needs only shared access, so that the posts of a batch are read on every core.
    pub fn read_post(
        &self,
        post: &Post,
        matches: &[vigie_model::MediaMatch],
        scratch: &mut Scratch,
    ) -> Reading {
        let text = post.text.as_deref().unwrap_or("");
        let mut evidence: Vec<Evidence> = Vec::new();
        let Scratch { normalized, hits } = scratch;
        vigie_text::normalize_into(text, normalized);
        hits.clear();
        self.matcher.find(normalized, hits);
        let mut seen_terms: Vec<usize> = Vec::new();
        let mut context: Vec<Evidence> = Vec::new();
        // A term inside a longer one that matched ("Amaq" in "Amaq News Agency") is the same evidence: the
        // longest counts once.
        hits.sort_by_key(|h| (std::cmp::Reverse(h.original.len()), h.original.start));
        let mut taken: Vec<std::ops::Range<usize>> = Vec::new();
        let quotes = quoted_spans(text);
        for hit in hits.iter() {
            if seen_terms.contains(&hit.term)
                || taken
                    .iter()
                    .any(|t| t.start <= hit.original.start && hit.original.end <= t.end)
            {
                continue;
            }
            seen_terms.push(hit.term);
            taken.push(hit.original.clone());
            let Some((term, list)) = self.terms.get(hit.term) else {
                continue;
            };
            if !term_applies(term.language.as_deref(), post.lang.as_deref()) {
                continue;
            }
            // A term's language is not a filter: an Arabic outlet name in an English post is still that name,
            // and a post's detected language can be wrong on short or mixed texts.
            let written = text.get(hit.original.clone()).unwrap_or("").to_owned();
            // A violating phrase inside quotation marks is reported speech: the news report, the study and the
            // rebuttal quote the slogan they write about. It still counts, scaled like other context.
            let quoted = term.weight > 0.0
                && !term.category.is_mitigating()
                && quotes
                    .iter()
                    .any(|q| q.start < hit.original.end && hit.original.start < q.end);
            let mut weight = f64::from(term.weight) * self.config.term_scale;
            let mut detail = term_detail(term, &written);
            if quoted {
                let factor = self.config.context_factor.clamp(0.0, 1.0);
                weight *= factor;
                detail = format!("{detail} [in quotation marks: reported speech, x{factor:.2}]");
            }
            let item = Evidence {
                signal: match term.category {
                    TermCategory::CampaignHashtag => SignalKind::Hashtag,
                    _ if term.category.is_mitigating() => SignalKind::Context,
                    _ => SignalKind::Term,
                },
                detail,
                source: Some(list.clone()),
                entry: Some(term.text.clone()),
                span: Some((hit.original.start, hit.original.end)),
                weight,
                violation: term.category.violation(),
            };
            if term.category.is_mitigating() {
                context.push(item);
            } else if item.weight != 0.0 {
                evidence.push(item);
            }
        }
        // Several links to one listed host are one piece of evidence: a post of holiday photos links the same
        // host five times.
        let mut hosts_seen: Vec<String> = Vec::new();
        let links = all_links(text);
        for (range, url) in &links {
            let (range, url) = (range.clone(), url);
            if let Some(entry) = self.domains.find(&url.host) {
                if hosts_seen.contains(&entry.domain) {
                    continue;
                }
                hosts_seen.push(entry.domain.clone());
                let weight = if entry.weight.is_finite() && entry.weight != 0.0 {
                    f64::from(entry.weight)
                } else {
                    self.config.url_weight
                };
                evidence.push(Evidence {
                    signal: SignalKind::Url,
                    detail: format!("link to {} ({})", url.url, entry.category),
                    source: Some("domains".to_owned()),
                    entry: Some(entry.domain.clone()),
                    span: Some((range.start, range.end)),
                    weight,
                    violation: Some(vigie_model::Violation::Distribution),
                });
            }
        }
        for m in matches.iter().filter(|m| m.status == MatchStatus::Active) {
            let closeness = 1.0 - f64::from(m.distance.min(64)) / 64.0;
            // A confirmed post matches its own medium in the bank fed from it: only another post is a return.
            let own = self.confirmed.contains_key(&format!(
                "{}/{}",
                post.platform.as_str(),
                post.platform_id
            ));
            let again = m
                .earlier_case
                .filter(|_| !own)
                .map(|c| format!("; the medium of confirmed case {c}, back again"))
                .unwrap_or_default();
            evidence.push(Evidence {
                signal: SignalKind::HashMatch,
                detail: format!(
                    "medium {} matches {} {} at distance {} ({}){again}",
                    &m.media_sha256[..m.media_sha256.len().min(12)],
                    m.signal,
                    m.value,
                    m.distance,
                    m.variant
                ),
                source: Some(m.bank.clone()),
                entry: Some(format!("#{}", m.entry_id)),
                span: None,
                weight: self.config.hash_match_weight * closeness,
                violation: Some(vigie_model::Violation::Distribution),
            });
        }
        if let Some(model) = &self.model {
            let read = crate::model::strip_links(text, &links);
            let reading = match &read {
                std::borrow::Cow::Borrowed(_) => std::borrow::Cow::Borrowed(normalized.as_str()),
                std::borrow::Cow::Owned(stripped) => {
                    std::borrow::Cow::Owned(vigie_text::normalize(stripped).as_str().to_owned())
                }
            };
            let mut p = f64::from(model.score(&reading));
            let t = self.threshold_for(post.lang.as_deref());
            // Reported speech: the journalist, the researcher and the rebuttal quote the words they write
            // about. The author's own voice is the text outside quotation marks; the classifier reads that too,
            // and the lower of the two readings counts.
            let mut unquoted_note = "";
            if p >= t && !quotes.is_empty() {
                let mut outside = String::with_capacity(text.len());
                let mut at = 0;
                for q in &quotes {
                    outside.push_str(text.get(at..q.start).unwrap_or(""));
                    outside.push(' ');
                    at = q.end;
                }
                outside.push_str(text.get(at..).unwrap_or(""));
                let own = f64::from(model.score(
                    vigie_text::normalize(&crate::model::classifier_text(&outside)).as_str(),
                ));
                if own < p {
                    p = own;
                    unquoted_note = ", reading only the words outside quotation marks";
                }
            }
            if p >= t {
                // Reviewers read words and phrases: character n-grams weigh in the score but are not shown.
                let top: Vec<String> = model
                    .explain(&reading, 40)
                    .into_iter()
                    .filter(|c| c.weight > 0.0)
                    .filter_map(|c| {
                        let words = c
                            .feature
                            .strip_prefix("w2:")
                            .or_else(|| c.feature.strip_prefix("w:"))?;
                        if words.split(' ').all(is_function_word) {
                            return None;
                        }
                        Some(format!("\"{words}\""))
                    })
                    .take(6)
                    .collect();
                let head = self
                    .heads
                    .iter()
                    .map(|(v, m)| (*v, m.score(&reading)))
                    .max_by(|a, b| a.1.total_cmp(&b.1));
                let words = if top.is_empty() {
                    String::new()
                } else {
                    format!("; the words that weigh most: {}", top.join(", "))
                };
                let category = head.map_or(String::new(), |(v, hp)| {
                    format!(", most like {} ({hp:.2})", v.as_str())
                });
                evidence.push(Evidence {
                    signal: SignalKind::Classifier,
                    detail: format!(
                        "the classifier reads it as violating (probability {p:.2}{category}{unquoted_note}){words}"
                    ),
                    source: Some(self.config.model.clone()),
                    entry: None,
                    span: None,
                    weight: self.config.classifier_weight * (p - t) / (1.0 - t),
                    violation: head.map(|(v, _)| v),
                });
            }
        }
        let words = normalized.as_str().split_whitespace().count();
        Reading {
            label: format!("{}/{}", post.platform.as_str(), post.platform_id),
            evidence,
            context,
            fingerprinted: if words >= 8 {
                normalized.as_str().to_owned()
            } else {
                String::new()
            },
            words,
        }
    }

    /// Scores a read post: adds the near-duplicate evidence (a copy of a statement flagged before it), weighs
    /// an uncorroborated classifier down, applies the context (the post's markers, then its account's
    /// `history`, asked for only when the post would otherwise make a case), and keeps a flagged statement for
    /// the near-duplicates of the posts after it. Its evidence (strongest first) and score; `None` below the
    /// minimum score.
    ///
    /// # Errors
    /// Those of `history`.
    pub fn judge(
        &mut self,
        reading: Reading,
        history: impl FnOnce() -> Result<Option<History>, EngineError>,
    ) -> Result<Option<(f64, Vec<Evidence>)>, EngineError> {
        let mut statements = std::mem::take(&mut self.statements);
        let judged = self.judge_with(&mut statements, reading, history);
        self.statements = statements;
        judged
    }

    /// [`Analyzer::judge`] with the run's statements held apart ([`Statements`]), so that other threads can read
    /// posts with this analyzer meanwhile.
    ///
    /// # Errors
    /// Those of `history`.
    pub fn judge_with(
        &self,
        statements: &mut Statements,
        reading: Reading,
        history: impl FnOnce() -> Result<Option<History>, EngineError>,
    ) -> Result<Option<(f64, Vec<Evidence>)>, EngineError> {
        let Reading {
            label: me,
            mut evidence,
            mut context,
            fingerprinted,
            words,
        } = reading;
        let mut fingerprint_of: Option<u64> = None;
        let mut fingerprint =
            || *fingerprint_of.get_or_insert_with(|| vigie_text::simhash(&fingerprinted));
        if words >= 8 && !statements.labels.is_empty() {
            let fingerprint = fingerprint();
            let near = statements
                .index
                .query(fingerprint, NEAR_DUP_DISTANCE)
                .into_iter()
                .filter_map(|(id, d)| {
                    let other = statements.labels.get(usize::try_from(id).ok()?)?;
                    (*other != me).then(|| (d, other.clone()))
                })
                .min();
            if let Some((distance, other)) = near {
                // A copy of a statement reviewers confirmed is that case back again: say which.
                let detail = match self.confirmed.get(&other) {
                    Some(case) => format!(
                        "near-duplicate (SimHash distance {distance}) of post {other}, confirmed in case {case}"
                    ),
                    None => format!(
                        "near-duplicate (SimHash distance {distance}) of flagged post {other}"
                    ),
                };
                evidence.push(Evidence {
                    signal: SignalKind::NearDuplicate,
                    detail,
                    source: Some("near_duplicates".to_owned()),
                    entry: Some(other),
                    span: None,
                    weight: self.config.near_duplicate_weight,
                    violation: None,
                });
            }
        }
        // A link to a big file host (weight under 0.5) says little: every holiday album has one.
        let corroborated = evidence.iter().any(|e| match e.signal {
            SignalKind::Classifier => false,
            SignalKind::Url => e.weight >= 0.5,
            _ => e.weight > 0.0,
        });
        // ... nor does it corroborate the classifier: with nothing else, a weak link adds nothing (the
        // classifier has read the words around it; a remix, a lecture or a game mod is shared the same way).
        if !corroborated {
            for e in evidence
                .iter_mut()
                .filter(|e| e.signal == SignalKind::Url && e.weight > 0.0)
            {
                e.detail = format!(
                    "{}; a file-host link counts only with other evidence (an outlet, a formula, a match): x0",
                    e.detail
                );
                e.weight = 0.0;
            }
        }
        let factor = self.config.uncorroborated_classifier_factor.clamp(0.0, 1.0);
        if !corroborated && factor < 1.0 {
            for e in evidence
                .iter_mut()
                .filter(|e| e.signal == SignalKind::Classifier)
            {
                e.weight *= factor;
                e.detail = format!(
                    "{}; nothing else in the post corroborates it: x{factor:.2}",
                    e.detail
                );
            }
        }
        let positive: f64 = evidence.iter().map(|e| e.weight).sum();
        if positive <= 0.0 {
            return Ok(None);
        }
        let mut score = positive;
        let mut mitigated = !context.is_empty();
        if mitigated {
            // Context markers carry their strength as a negative weight: -1 (or 0, the old lists' "marker")
            // is a clear marker and scales positive evidence by `context_factor`; weaker markers add up to that.
            let strength: f64 = context
                .iter()
                .map(|c| if c.weight == 0.0 { 1.0 } else { c.weight.abs() })
                .sum::<f64>()
                .min(1.0);
            let floor = self.config.context_factor.clamp(0.0, 1.0);
            let factor = 1.0 - (1.0 - floor) * strength;
            let reduction = positive * (1.0 - factor);
            score = positive * factor;
            let markers: Vec<String> = context.iter().filter_map(|c| c.entry.clone()).collect();
            context.truncate(3);
            for (i, c) in context.iter_mut().enumerate() {
                // The reduction is carried by the first marker; the others are shown for the reviewer.
                c.weight = if i == 0 { -reduction } else { 0.0 };
                c.detail = format!(
                    "{} (context: {}; positive evidence x{factor:.2})",
                    c.detail,
                    markers.join(", ")
                );
            }
            evidence.extend(context);
        }
        // The account's own history: a newsroom's or a researcher's post that names a group and quotes it
        // without a marker of its own is still reporting. Asked only for a post that would make a case.
        if score >= self.config.min_score - 1e-9
            && let Some(h) = history()?
            && h.posts >= self.config.history_min_posts.max(1)
        {
            let share = h.reporting as f64 / h.posts as f64;
            if share >= self.config.history_min_share {
                let floor = self.config.context_factor.clamp(0.0, 1.0);
                let factor = 1.0 - (1.0 - floor) * share.min(1.0);
                let reduction = score * (1.0 - factor);
                score *= factor;
                mitigated = true;
                evidence.push(Evidence {
                    signal: SignalKind::Context,
                    detail: format!(
                        "the account's history: {} of its {} other stored posts carry news, research, \
                         counter-speech or moderation markers (an account that reports on this): evidence x{factor:.2}",
                        h.reporting, h.posts
                    ),
                    source: Some("account history".to_owned()),
                    entry: Some("account history".to_owned()),
                    span: None,
                    weight: -reduction,
                    violation: None,
                });
            }
        }
        evidence.sort_by(|a, b| b.weight.abs().total_cmp(&a.weight.abs()));
        // The case score, context included, must reach the minimum: a news report that names an outlet and
        // quotes a slogan is scaled down by its context and, below the minimum, makes no case at all.
        if score < self.config.min_score - 1e-9 {
            return Ok(None);
        }
        // Only a post flagged without mitigating context becomes a statement whose reposts are evidence: a
        // near-copy of a news report is not.
        let own: f64 = evidence
            .iter()
            .filter(|e| e.signal != SignalKind::NearDuplicate && e.weight > 0.0)
            .map(|e| e.weight)
            .sum();
        if words >= 8 && self.is_statement(&me, own, mitigated) {
            let fingerprint = fingerprint();
            statements.remember(me, fingerprint);
        }
        Ok(Some((score, evidence)))
    }
}

/// Every link of `text`, with a scheme or without (`mega.nz/file/...`), in order.
pub(crate) fn all_links(text: &str) -> Vec<(std::ops::Range<usize>, vigie_text::CanonicalUrl)> {
    let mut links = vigie_text::extract_urls_canonical(text);
    if text.contains('/') {
        let bare = vigie_text::extract_bare_links(text);
        if !bare.is_empty() {
            links.extend(bare);
            links.sort_by_key(|(r, _)| r.start);
            // A `www.` link is found by both readers: keep the first of overlapping ones.
            let mut end = 0;
            links.retain(|(r, _)| {
                let keep = r.start >= end;
                end = end.max(r.end);
                keep
            });
        }
    }
    links
}

/// The terms with every entry of an imported list replacing an earlier one of the same (normalized text, mode,
/// language), in the place of the earlier one. Built-in lists do not replace each other: where two hold the same
/// term, the first one's hit is the evidence.
fn override_terms(terms: Vec<(Term, String)>) -> Vec<(Term, String)> {
    let builtin = |list: &str| {
        vigie_text::BUILTIN_LISTS
            .iter()
            .any(|(name, _)| *name == list)
    };
    let key = |t: &Term| {
        (
            vigie_text::normalize(&t.text).as_str().to_owned(),
            t.mode.as_str(),
            t.language.clone(),
        )
    };
    let mut position: HashMap<(String, &'static str, Option<String>), usize> = HashMap::new();
    let mut out: Vec<(Term, String)> = Vec::with_capacity(terms.len());
    for (term, list) in terms {
        match position.get(&key(&term)) {
            Some(&i) if out[i].1 != list && !builtin(&list) => out[i] = (term, list),
            Some(_) => out.push((term, list)),
            None => {
                position.insert(key(&term), out.len());
                out.push((term, list));
            }
        }
    }
    out
}

/// Whether a term of language `term` counts in a post of language `post`. A term is not filtered by language in
/// general (an Arabic outlet name in an English post is still that name, and short or mixed posts are often
/// detected wrongly), except between the Latin-script languages whose words fold together: the French
/// research marker "thèse" folds to the English word "these", and an English "rage" is no French one.
fn term_applies(term: Option<&str>, post: Option<&str>) -> bool {
    const FOLDING: [&str; 2] = ["en", "fr"];
    match (term, post) {
        (Some(t), Some(p)) if FOLDING.contains(&t) && FOLDING.contains(&p) => t == p,
        _ => true,
    }
}

/// The byte ranges of `text` inside quotation marks: `"…"`, `“…”`, `«…»`, `„…“`, `‘…’`, and `'…'` where the
/// apostrophes stand at word edges (an opening one after a space or the start and before a non-space, a closing
/// one after a non-space and before a space, punctuation or the end), so that `l'OCAM` and `can't` open
/// nothing. An unclosed quotation mark quotes nothing. A parenthesis right after a quotation (`'baqiya wa
/// tatamaddad' (remaining and expanding)`) glosses it, a translation or an explanation of the quoted words, and
/// is quoted with it.
fn quoted_spans(text: &str) -> Vec<std::ops::Range<usize>> {
    let mut spans = Vec::new();
    // Most posts quote nothing: one scan for an opening mark spares them the rest.
    // (A byte scan: `"` and `'`, and the lead bytes of `«` (C2) and of `“ ‘ „` (E2), are enough to rule a post out.)
    if !text
        .bytes()
        .any(|b| matches!(b, b'"' | b'\'' | 0xC2 | 0xE2))
    {
        return spans;
    }
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let mut open: Option<(usize, char)> = None;
    for (k, &(i, c)) in chars.iter().enumerate() {
        // Only quotation marks open or close; the neighbours are looked at for those alone.
        if !matches!(c, '"' | '\'' | '“' | '”' | '«' | '»' | '„' | '‘' | '’') {
            continue;
        }
        let before = k.checked_sub(1).map(|j| chars[j].1);
        let after = chars.get(k + 1).map(|&(_, c)| c);
        let edge_before =
            || before.is_none_or(|b| b.is_whitespace() || matches!(b, '(' | '[' | '{'));
        let edge_after = || {
            after.is_none_or(|a| {
                a.is_whitespace()
                    || matches!(a, '.' | ',' | ';' | ':' | '!' | '?' | ')' | ']' | '}')
            })
        };
        match open {
            None => {
                let opens = match c {
                    '"' | '“' | '«' | '„' | '‘' => true,
                    '\'' => edge_before() && after.is_some_and(|a| !a.is_whitespace()),
                    _ => false,
                };
                if opens {
                    open = Some((i + c.len_utf8(), c));
                }
            }
            Some((start, opener)) => {
                let closes = match (opener, c) {
                    ('"', '"') | ('“', '”') | ('“', '"') | ('«', '»') | ('„', '“') | ('‘', '’') => {
                        true
                    }
                    ('\'', '\'') => edge_after() && before.is_some_and(|b| !b.is_whitespace()),
                    _ => false,
                };
                if closes {
                    spans.push(start..i);
                    open = None;
                    if let Some(gloss) = gloss_after(&chars[k + 1..]) {
                        spans.push(gloss);
                    }
                }
            }
        }
    }
    spans
}

/// The inside of a parenthesis that opens right after a quotation (after spaces at most) and closes on the same
/// line within 160 characters: the quotation's gloss.
fn gloss_after(rest: &[(usize, char)]) -> Option<std::ops::Range<usize>> {
    let mut it = rest.iter().skip_while(|(_, c)| *c == ' ');
    let &(open, '(') = it.next()? else {
        return None;
    };
    it.take(160)
        .take_while(|(_, c)| *c != '\n' && *c != '(')
        .find(|(_, c)| *c == ')')
        .map(|&(close, _)| open + 1..close)
}

/// Words too common to explain anything: the classifier weighs them, a reviewer learns nothing from them.
fn is_function_word(word: &str) -> bool {
    const WORDS: &[&str] = &[
        "the", "and", "you", "your", "for", "are", "was", "this", "that", "with", "they", "them",
        "their", "have", "has", "not", "but", "all", "our", "who", "what", "from", "his", "her",
        "its", "will", "les", "des", "une", "est", "pas", "que", "qui", "vous", "nous", "pour",
        "dans", "sur", "par", "avec", "ils", "elle", "son", "ses", "leur", "mais", "tout",
        "ce que", "jusqu", "cette", "sont", "في", "من", "على", "الى", "عن", "ما", "لا", "كل", "هذا",
        "هذه", "التي", "الذي", "هو", "هي", "مع", "او", "ان", "قد", "كان", "بعد", "ثم", "يا",
    ];
    // Short words are function words, but an emoji (one char) can say as much as a slogan.
    (word.chars().count() < 3 && word.chars().all(char::is_alphanumeric)) || WORDS.contains(&word)
}

/// A term hit in words a reviewer reads: what it is evidence of, the words as written, what the entry means,
/// and the ordinary uses to rule out.
fn term_detail(term: &Term, written: &str) -> String {
    let mut detail = format!("{} {written:?}", term.category.as_str().replace('_', " "));
    if let Some(note) = &term.note {
        detail.push_str(": ");
        detail.push_str(note);
    }
    if let Some(benign) = term.benign.as_deref().filter(|b| !b.is_empty()) {
        detail.push_str(" (benign uses: ");
        detail.push_str(benign);
        detail.push(')');
    }
    detail
}

/// The kind of violating content a case's evidence points at most strongly: the violation whose evidence
/// weighs most. Evidence that names none (in-group vocabulary, the classifier, a near-duplicate) files the case
/// under support, the declared sympathy it shows, when nothing else names a violation; `None` without
/// positive evidence.
pub fn case_violation(evidence: &[Evidence]) -> Option<vigie_model::Violation> {
    let mut sums = [0.0f64; vigie_model::Violation::ALL.len()];
    let mut positive = false;
    for e in evidence.iter().filter(|e| e.weight > 0.0) {
        positive = true;
        if let Some(v) = e.violation {
            sums[v as usize] += e.weight;
        }
    }
    let (best, weight) = sums
        .iter()
        .enumerate()
        .max_by(|a, b| a.1.total_cmp(b.1).then(b.0.cmp(&a.0)))?;
    if *weight > 0.0 {
        vigie_model::Violation::ALL.get(best).copied()
    } else if positive {
        Some(vigie_model::Violation::Support)
    } else {
        None
    }
}

/// Scores labelled texts the way analysis scores posts, with the store's lists, model and settings: each text a
/// post of its own (platform `eval`, its id), in order, so that an earlier text flagged as a statement makes
/// its near-copies evidence. Returns each text's case score and category, `(0, None)` for a text that makes no
/// case. The store is only read. For `vigie evaluate`: how precise the whole text analysis is on a labelled set.
///
/// # Errors
/// When the store fails or a stored model cannot be read.
pub fn score_texts(
    store: &mut dyn Store,
    config: &ScoringConfig,
    texts: &[vigie_ingest::labels::LabelledText],
) -> Result<Vec<ScoredText>, EngineError> {
    let mut analyzer = Analyzer::load(store, config)?;
    Ok(texts
        .iter()
        .map(|t| {
            let mut post = Post::with_id(vigie_model::Platform::new("eval"), t.id.clone());
            post.text = Some(t.text.clone());
            post.lang = t.language.clone();
            analyzer
                .score_post(&post, &[])
                .map_or_else(ScoredText::default, |(score, evidence)| ScoredText {
                    score,
                    category: case_violation(&evidence),
                    evidence,
                })
        })
        .collect())
}

/// What analysis makes of one labelled text ([`score_texts`]).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ScoredText {
    /// The case score; 0 when the text makes no case.
    pub score: f64,
    /// The case's category.
    pub category: Option<vigie_model::Violation>,
    /// The evidence, strongest first.
    pub evidence: Vec<Evidence>,
}

/// The [`History`] of `account` without its post `post` (row id): its most recent stored posts, each read once
/// per run for whether it carries a reporting marker.
fn account_history(
    store: &mut dyn Store,
    reporter: &Reporter,
    cache: &mut HashMap<i64, Vec<(i64, bool)>>,
    account: i64,
    post: i64,
) -> Result<History, EngineError> {
    if let std::collections::hash_map::Entry::Vacant(slot) = cache.entry(account) {
        let mut scratch = Scratch::default();
        let read: Vec<(i64, bool)> = store
            .account_texts(account, HISTORY_POSTS + 1)?
            .into_iter()
            .map(|(id, text, lang)| {
                let reports =
                    reporter.reports(text.as_deref().unwrap_or(""), lang.as_deref(), &mut scratch);
                (id, reports)
            })
            .collect();
        slot.insert(read);
    }
    let others = cache
        .get(&account)
        .map(|posts| {
            posts
                .iter()
                .filter(|(id, _)| *id != post)
                .take(HISTORY_POSTS)
        })
        .into_iter()
        .flatten();
    let mut h = History::default();
    for (_, reports) in others {
        h.posts += 1;
        h.reporting += usize::from(*reports);
    }
    Ok(h)
}

/// Posts analysed in one batch.
const BATCH_POSTS: usize = 2_000;

/// The next batch of stored posts after row `after`, with the matches of their media.
fn fetch_batch(
    store: &mut dyn Store,
    after: i64,
) -> Result<(Vec<PostRow>, Vec<Vec<vigie_model::MediaMatch>>), EngineError> {
    let rows: Vec<PostRow> = store.posts_after(after, BATCH_POSTS)?;
    let mut matches = Vec::with_capacity(rows.len());
    for row in &rows {
        let mut found = Vec::new();
        for sha in row
            .view
            .post
            .attachments
            .iter()
            .filter_map(|a| a.sha256.as_deref())
        {
            found.extend(store.matches(&MatchQuery {
                media_sha256: Some(sha.to_owned()),
                limit: 100,
                ..MatchQuery::default()
            })?);
        }
        matches.push(found);
    }
    // Entries fed from confirmed cases name their case: a match of one is that case's propaganda back again.
    let mut ids: Vec<i64> = matches.iter().flatten().map(|m| m.entry_id).collect();
    if !ids.is_empty() {
        ids.sort_unstable();
        ids.dedup();
        let earlier: HashMap<i64, i64> = store
            .entries_by_id(&ids)?
            .into_iter()
            .filter_map(|e| {
                let case = e.labels.get("confirmed_case")?.parse().ok()?;
                Some((e.id, case))
            })
            .collect();
        for m in matches.iter_mut().flatten() {
            m.earlier_case = earlier.get(&m.entry_id).copied();
        }
    }
    Ok((rows, matches))
}

/// Reads a batch of posts on every core ([`Analyzer::read_post`]), in order, while this thread runs
/// `meanwhile`: the reading is most of the analysis, the posts of a batch do not depend on each other, and
/// judging the batch before it, writing its cases and fetching the batch after need none of this one's readings.
fn read_posts_while<R>(
    analyzer: &Analyzer,
    rows: &[PostRow],
    matches: &[Vec<vigie_model::MediaMatch>],
    meanwhile: impl FnOnce() -> R,
) -> (Vec<Reading>, R) {
    let threads = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    let per_thread = rows.len().div_ceil(threads.max(1)).max(64);
    std::thread::scope(|scope| {
        let parts: Vec<_> = rows
            .chunks(per_thread)
            .zip(matches.chunks(per_thread))
            .map(|(rows, matches)| {
                scope.spawn(move || {
                    let mut scratch = Scratch::default();
                    rows.iter()
                        .zip(matches)
                        .map(|(row, m)| analyzer.read_post(&row.view.post, m, &mut scratch))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        let other = meanwhile();
        let readings = parts
            .into_iter()
            .flat_map(|p| p.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
            .collect();
        (readings, other)
    })
}

/// Analyses the posts stored since the last analysis (all of them when lists, model or settings changed) and
/// writes their cases and their accounts' cases.
///
/// # Errors
/// When the store fails.
pub fn analyze(
    store: &mut dyn Store,
    config: &ScoringConfig,
) -> Result<AnalysisReport, EngineError> {
    let mut analyzer = Analyzer::load(store, config)?;
    let (mut after, settings) = store.analysis_position()?;
    let mut report = AnalysisReport {
        terms: analyzer.terms.len(),
        domains: analyzer.domains.len(),
        classifier: analyzer.model.is_some(),
        list_problems: analyzer.problems.clone(),
        ..AnalysisReport::default()
    };
    if settings != analyzer.digest {
        after = 0;
        report.full = true;
        // What tells a reporting post may have changed: the network counts them again.
        store.reset_network()?;
    } else {
        // Flagged posts seen before feed the near-duplicate index when they are statements, judged as when they
        // were scored (`is_statement`; their own evidence is the score less a near-duplicate's weight).
        for c in store.cases(&CaseQuery {
            subject: Some(CaseSubject::Post),
            limit: usize::MAX,
            brief: true,
            ..CaseQuery::default()
        })? {
            let near = if c.signals.contains(&SignalKind::NearDuplicate) {
                config.near_duplicate_weight
            } else {
                0.0
            };
            if let (Some(text), Some(post)) = (&c.text, &c.post_id) {
                let label = format!("{}/{post}", c.platform);
                let mitigated = c.signals.contains(&SignalKind::Context);
                if !analyzer.is_statement(&label, c.score - near, mitigated) {
                    continue;
                }
                let n = vigie_text::normalize(text);
                if n.as_str().split_whitespace().count() >= 8 {
                    analyzer
                        .statements
                        .remember(label, vigie_text::simhash(n.as_str()));
                }
            }
        }
    }
    let mut accounts: BTreeSet<i64> = BTreeSet::new();
    // Accounts' histories, read once per run for the accounts with a post that would make a case.
    let mut histories: HashMap<i64, Vec<(i64, bool)>> = HashMap::new();
    let reporter = analyzer.reporter();
    // A pipeline: while the cores read one batch, this thread judges the batch before it (in order:
    // near-duplicates depend on the posts before), writes its cases and fetches the batch after.
    let mut statements = std::mem::take(&mut analyzer.statements);
    // A full analysis clears the cases of the posts no longer flagged (and recomputes their accounts'): a store
    // without any case, as after a first scan, has none to clear, and spares a statement per post.
    let clear = report.full
        && !store
            .cases(&CaseQuery {
                limit: 1,
                brief: true,
                ..CaseQuery::default()
            })?
            .is_empty();
    let first = fetch_batch(store, after)?;
    let (mut readings, ()) = read_posts_while(&analyzer, &first.0, &first.1, || ());
    let mut next = match first.0.last() {
        Some(row) => fetch_batch(store, row.id)?,
        None => (Vec::new(), Vec::new()),
    };
    let mut current = first;
    while let Some(last) = current.0.last().map(|r| r.id) {
        let (next_readings, fetched) = read_posts_while(&analyzer, &next.0, &next.1, || {
            let mut cases = Vec::with_capacity(current.0.len());
            for (row, reading) in current.0.iter().zip(readings) {
                report.posts += 1;
                let history = || match row.account {
                    Some(account) => {
                        account_history(store, &reporter, &mut histories, account, row.id).map(Some)
                    }
                    None => Ok(None),
                };
                match analyzer.judge_with(&mut statements, reading, history)? {
                    Some((score, evidence)) => {
                        report.post_cases += 1;
                        if let Some(a) = row.account {
                            accounts.insert(a);
                        }
                        cases.push(NewCase {
                            subject: CaseSubject::Post,
                            row: row.id,
                            score,
                            category: case_violation(&evidence),
                            evidence,
                        });
                    }
                    None if clear => {
                        if let Some(a) = row.account {
                            accounts.insert(a);
                        }
                        cases.push(NewCase {
                            subject: CaseSubject::Post,
                            row: row.id,
                            score: 0.0,
                            evidence: Vec::new(),
                            category: None,
                        });
                    }
                    None => {}
                }
            }
            store.put_cases(&cases)?;
            store.set_analysis_position(last, "")?;
            match next.0.last() {
                Some(row) => fetch_batch(store, row.id),
                None => Ok((Vec::new(), Vec::new())),
            }
        });
        current = std::mem::replace(&mut next, fetched?);
        readings = next_readings;
        after = last;
    }
    report.network = crate::update_network(store, &analyzer.reporter())?;
    // Account cases: the best post case plus a share of the others, and the network's parts (position around
    // the confirmed accounts, recidivism) once some are confirmed.
    let mut parts = crate::network::account_parts(store, config)?;
    accounts.extend(parts.parts.keys().copied());
    accounts.extend(parts.refresh.iter().copied());
    let ids: Vec<i64> = accounts.into_iter().collect();
    for chunk in ids.chunks(500) {
        let mut per_account: HashMap<i64, Vec<vigie_store::AccountPostCase>> = HashMap::new();
        for c in store.account_post_cases(chunk)? {
            per_account.entry(c.account).or_default().push(c);
        }
        let mut cases = Vec::new();
        for &account in chunk {
            let mut posts = per_account.remove(&account).unwrap_or_default();
            posts.sort_by(|a, b| b.score.total_cmp(&a.score));
            let score = posts.first().map_or(0.0, |p| p.score)
                + config.account_share * posts.iter().skip(1).map(|p| p.score).sum::<f64>();
            let evidence: Vec<Evidence> = posts
                .iter()
                .take(20)
                .enumerate()
                .map(|(i, p)| Evidence {
                    signal: SignalKind::Posts,
                    detail: format!(
                        "post {} scores {:.2} ({})",
                        p.post_id,
                        p.score,
                        p.signals
                            .iter()
                            .map(|s| s.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                    source: None,
                    entry: Some(format!("case #{}", p.case_id)),
                    span: None,
                    weight: if i == 0 {
                        p.score
                    } else {
                        config.account_share * p.score
                    },
                    violation: p.category,
                })
                .collect();
            let mut evidence = evidence;
            let mut score = score;
            let mut category = case_violation(&evidence);
            if let Some(extra) = parts.parts.remove(&account) {
                let recidivist = extra.iter().any(|e| e.signal == SignalKind::Recidivism);
                // A network position alone makes no case; it adds to flagged posts, or to recidivism.
                if !evidence.is_empty() || recidivist {
                    if category.is_none() {
                        category = extra.iter().find_map(|e| e.violation);
                    }
                    score += extra.iter().map(|e| e.weight).sum::<f64>();
                    evidence.extend(extra);
                }
            }
            report.account_cases += u64::from(!evidence.is_empty());
            cases.push(NewCase {
                subject: CaseSubject::Account,
                row: account,
                score,
                category,
                evidence,
            });
        }
        store.put_cases(&cases)?;
    }
    let last = after;
    store.set_analysis_position(last, analyzer.digest())?;
    Ok(report)
}

#[cfg(test)]
mod tests {
    /// These tests follow single weak cues (an outlet's name, a near-copy) through scoring: every post with a
    /// signal makes a case, as with `min_score = 0`.
    fn weak_config() -> ScoringConfig {
        ScoringConfig {
            min_score: 0.0,
            ..ScoringConfig::default()
        }
    }
    use super::*;
    use vigie_model::Platform;
    use vigie_store::NewList;

    fn store(dir: &tempfile::TempDir) -> Box<dyn Store> {
        let mut store = vigie_store::open(&dir.path().join("t.db").to_string_lossy(), None)
            .unwrap_or_else(|e| panic!("{e}"));
        store
            .put_list(&NewList {
                name: "hosts".into(),
                kind: "domains".into(),
                format: "csv".into(),
                source: None,
                body: "domain,category,weight,note\nfiles.example.net,file_host,1.5,made up\n"
                    .into(),
                entries: 1,
            })
            .unwrap_or_else(|e| panic!("{e}"));
        store
    }

    fn post(text: &str, lang: &str) -> Post {
        let mut p = Post::with_id(Platform::x(), "1");
        p.text = Some(text.to_owned());
        p.lang = Some(lang.to_owned());
        p
    }

    #[test]
    fn an_imported_term_replaces_the_built_in_one() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let mut store = store(&dir);
        let post = post("Amaq News Agency", "en");
        let entries = |store: &mut dyn Store| -> Vec<(Option<String>, f64)> {
            let mut analyzer =
                Analyzer::load(store, &weak_config()).unwrap_or_else(|e| panic!("{e}"));
            analyzer
                .score_post(&post, &[])
                .map(|(_, evidence)| {
                    evidence
                        .into_iter()
                        .filter(|e| {
                            e.entry
                                .as_deref()
                                .is_some_and(|t| t.eq_ignore_ascii_case("Amaq News Agency"))
                        })
                        .map(|e| (e.source, e.weight))
                        .collect()
                })
                .unwrap_or_default()
        };
        // The default list and the English lexicon both hold it: the first one's hit is the evidence.
        let built_in = entries(store.as_mut());
        assert_eq!(built_in.len(), 1, "{built_in:?}");
        assert_eq!(built_in[0].0.as_deref(), Some("default"));
        store
            .put_list(&NewList {
                name: "mine".into(),
                kind: "terms".into(),
                format: "toml".into(),
                source: None,
                body: "[[term]]\ntext = \"Amaq News Agency\"\ncategory = \"outlet\"\nlanguage = \"en\"\n\
                       weight = 1.2\n"
                    .into(),
                entries: 1,
            })
            .unwrap_or_else(|e| panic!("{e}"));
        let replaced = entries(store.as_mut());
        assert_eq!(replaced.len(), 1, "{replaced:?}");
        assert_eq!(replaced[0].0.as_deref(), Some("mine"));
        assert!((replaced[0].1 - 1.2).abs() < 1e-6, "{replaced:?}");
    }

    #[test]
    fn quotation_marks_are_found_and_apostrophes_are_not() {
        let spans = |t: &str| -> Vec<String> {
            quoted_spans(t)
                .into_iter()
                .map(|r| t[r].to_owned())
                .collect()
        };
        assert_eq!(spans(r#"the group said "join us" today"#), ["join us"]);
        assert_eq!(
            spans("« rejoignez-nous » a dit l'OCAM"),
            [" rejoignez-nous "]
        );
        assert_eq!(spans("'Kill them', ripped out of context"), ["Kill them"]);
        assert_eq!(spans("l'OCAM can't say it's 'fine' or not"), ["fine"]);
        assert_eq!(spans("“quoted” and \"unclosed"), ["quoted"]);
        assert!(spans("no quotes at all").is_empty());
        // A gloss in parentheses right after a quotation is quoted with it; other parentheses are not.
        assert_eq!(
            spans("on 'baqiya' (remaining) and the (other) words"),
            ["baqiya", "remaining"]
        );
        assert_eq!(spans("« dawla » (l'État) ici"), [" dawla ", "l'État"]);
        assert_eq!(spans("\"x\" (unclosed"), ["x"]);
        assert_eq!(spans("\"x\" then (later)"), ["x"]);
    }

    #[test]
    fn news_context_scales_the_score_down_and_the_evidence_says_why() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let mut store = store(&dir);
        let mut analyzer =
            Analyzer::load(store.as_mut(), &weak_config()).unwrap_or_else(|e| panic!("{e}"));
        let distribution =
            "New Amaq release, download it here https://files.example.net/d/x1 before deletion";
        let (plain, evidence) = analyzer
            .score_post(&post(distribution, "en"), &[])
            .unwrap_or_else(|| panic!("an outlet name and a file-host link make a case"));
        assert!(evidence.iter().any(|e| e.signal == SignalKind::Url));
        let term = evidence
            .iter()
            .find(|e| e.signal == SignalKind::Term)
            .unwrap_or_else(|| panic!("{evidence:?}"));
        let (a, b) = term.span.unwrap_or_else(|| panic!("a term has a span"));
        assert_eq!(&distribution[a..b], "Amaq");

        let news = "According to officials, Amaq posted a claim; copies circulate at https://files.example.net/d/x1";
        let (scaled, evidence) = analyzer
            .score_post(&post(news, "en"), &[])
            .unwrap_or_else(|| panic!("the report keeps a case, scored down"));
        assert!(scaled < plain * 0.5, "{scaled} against {plain}");
        let context = evidence
            .iter()
            .find(|e| e.signal == SignalKind::Context)
            .unwrap_or_else(|| panic!("the context marker is evidence: {evidence:?}"));
        assert!(context.weight < 0.0);
        let (a, b) = context
            .span
            .unwrap_or_else(|| panic!("the marker has a span"));
        assert_eq!(news[a..b].to_lowercase(), "according to");
        let total: f64 = evidence.iter().map(|e| e.weight).sum();
        assert!(
            (total - scaled).abs() < 1e-9,
            "the evidence adds up to the score"
        );
    }

    #[test]
    fn an_account_that_reports_has_its_flagged_post_scaled_down_and_the_case_says_why() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let mut store = store(&dir);
        let flagged =
            "New Amaq release, download it here https://files.example.net/d/x1 before deletion";
        let mut lines = Vec::new();
        for (account, ordinary) in [
            (
                "newsdesk",
                "According to officials, the ministry met the unions on day {i}.",
            ),
            (
                "someone",
                "Lovely weather on day {i}, going for a walk with the dog.",
            ),
        ] {
            for i in 0..6 {
                lines.push(serde_json::json!({
                    "platform": "forum", "id": format!("{account}-{i}"),
                    "text": ordinary.replace("{i}", &i.to_string()), "lang": "en",
                    "account_id": account, "created_at": format!("2024-01-0{}T00:00:00Z", i + 1),
                }));
            }
            lines.push(serde_json::json!({
                "platform": "forum", "id": format!("{account}-flagged"), "text": flagged, "lang": "en",
                "account_id": account, "created_at": "2024-01-09T00:00:00Z",
            }));
        }
        let file = dir.path().join("posts.jsonl");
        let body: String = lines.iter().map(|l| format!("{l}\n")).collect();
        std::fs::write(&file, body).unwrap_or_else(|e| panic!("{e}"));
        scan_file(store.as_mut(), file);
        let case = |store: &mut dyn Store, id: &str| {
            store
                .cases(&CaseQuery {
                    subject: Some(CaseSubject::Post),
                    limit: 100,
                    ..CaseQuery::default()
                })
                .unwrap_or_else(|e| panic!("{e}"))
                .into_iter()
                .find(|c| c.post_id.as_deref() == Some(id))
                .unwrap_or_else(|| panic!("no case for {id}"))
        };
        let plain = case(store.as_mut(), "someone-flagged");
        let reporter = case(store.as_mut(), "newsdesk-flagged");
        assert!(
            !plain.evidence.iter().any(|e| e.detail.contains("history")),
            "{:?}",
            plain.evidence
        );
        assert!(
            reporter.score < plain.score * 0.6,
            "{} against {}",
            reporter.score,
            plain.score
        );
        let history = reporter
            .evidence
            .iter()
            .find(|e| e.signal == SignalKind::Context && e.detail.contains("account's history"))
            .unwrap_or_else(|| panic!("the history is evidence: {:?}", reporter.evidence));
        assert!(history.detail.contains("6 of its 6"), "{}", history.detail);
        assert!(history.weight < 0.0);
        let total: f64 = reporter.evidence.iter().map(|e| e.weight).sum();
        assert!(
            (total - reporter.score).abs() < 1e-6,
            "the evidence adds up to the score"
        );
    }

    #[test]
    fn evasive_spellings_are_found_where_they_were_written() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let mut store = store(&dir);
        let mut analyzer =
            Analyzer::load(store.as_mut(), &weak_config()).unwrap_or_else(|e| panic!("{e}"));
        for (text, written) in [
            (
                "new A\u{200b}maq release https://files.example.net/a",
                "A\u{200b}maq",
            ),
            ("new AMAQ release https://files.example.net/a", "AMAQ"),
            (
                "new \u{410}maq release https://files.example.net/a",
                "\u{410}maq",
            ),
            (
                "إصدار جديد من وكالة أعمـــاق https://files.example.net/a",
                "وكالة أعمـــاق",
            ),
        ] {
            let (_, evidence) = analyzer
                .score_post(&post(text, "en"), &[])
                .unwrap_or_else(|| panic!("{text}"));
            let term = evidence
                .iter()
                .find(|e| e.signal == SignalKind::Term)
                .unwrap_or_else(|| panic!("{text}: {evidence:?}"));
            let (a, b) = term.span.unwrap_or_else(|| panic!("span"));
            assert_eq!(&text[a..b], written, "{text}");
        }
    }

    /// Scans one generic JSONL post into the store (ingest, then analysis).
    fn scan_post(store: &mut dyn Store, dir: &tempfile::TempDir, id: &str, text: &str) {
        let file = dir.path().join(format!("{id}.jsonl"));
        let line = serde_json::json!({
            "platform": "forum", "id": id, "text": text, "lang": "en",
            "account_id": format!("acct-{id}"), "created_at": "2024-01-01T00:00:00Z",
        });
        std::fs::write(&file, format!("{line}\n")).unwrap_or_else(|e| panic!("{e}"));
        scan_file(store, file);
    }

    /// Scans one file into the store, scoring with [`weak_config`].
    fn scan_file(store: &mut dyn Store, file: std::path::PathBuf) {
        crate::scan(
            store,
            &[file],
            &crate::ScanConfig {
                scoring: weak_config(),
                ..crate::ScanConfig::default()
            },
            &crate::SilentProgress,
        )
        .unwrap_or_else(|e| panic!("{e}"));
    }

    /// The near-duplicate evidence of a post's case.
    fn near_duplicate_of(store: &mut dyn Store, id: &str) -> Option<String> {
        store
            .cases(&CaseQuery {
                limit: 100,
                ..CaseQuery::default()
            })
            .unwrap_or_else(|e| panic!("{e}"))
            .into_iter()
            .find(|c| c.post_id.as_deref() == Some(id))
            .unwrap_or_else(|| panic!("post {id} has a case"))
            .evidence
            .into_iter()
            .find(|e| e.signal == SignalKind::NearDuplicate)
            .and_then(|e| e.entry)
    }

    /// A new user `name` (`role`) takes `action` on the case of post `id`.
    fn decide_as(
        store: &mut dyn Store,
        name: &str,
        role: vigie_model::Role,
        id: &str,
        action: vigie_model::Action,
    ) {
        let user = store
            .add_user(name, role, "hash", &vigie_store::Actor::cli("test"))
            .unwrap_or_else(|e| panic!("{e}"));
        let case = store
            .cases(&CaseQuery {
                limit: 10,
                ..CaseQuery::default()
            })
            .unwrap_or_else(|e| panic!("{e}"))
            .into_iter()
            .find(|c| c.post_id.as_deref() == Some(id))
            .unwrap_or_else(|| panic!("post {id}'s case"))
            .id;
        let outcome = store
            .decide(
                &user,
                &vigie_store::NewDecision {
                    case_id: case,
                    action,
                    label: (action == vigie_model::Action::Confirm).then(|| "propaganda".into()),
                    reason: Some("reviewed in a test".into()),
                    allow_list: false,
                },
                &vigie_store::ReviewRules {
                    two_person: true,
                    taxonomy: vec!["propaganda".into()],
                },
                &vigie_store::Actor::cli("test"),
            )
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(
            matches!(outcome, vigie_store::DecisionOutcome::Taken(_)),
            "{outcome:?}"
        );
    }

    /// A reviewer rejects the case of post `id`.
    fn reject(store: &mut dyn Store, id: &str) {
        decide_as(
            store,
            "rev",
            vigie_model::Role::Reviewer,
            id,
            vigie_model::Action::Reject,
        );
    }

    #[test]
    fn a_rejected_statement_makes_no_near_duplicates() {
        let statement = "New Amaq release: the brothers answered the call, download it here \
                         https://files.example.net/d/x1 before deletion and share it everywhere";
        let repost = format!("{statement} #share");
        for rejected in [false, true] {
            let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
            let mut store = store(&dir);
            scan_post(store.as_mut(), &dir, "1", statement);
            if rejected {
                reject(store.as_mut(), "1");
            }
            // The repost arrives later: an incremental analysis, which reloads the flagged statements.
            scan_post(store.as_mut(), &dir, "2", &repost);
            let found = near_duplicate_of(store.as_mut(), "2");
            if rejected {
                assert_eq!(found, None, "a rejected case seeded a near-duplicate");
            } else {
                assert_eq!(found.as_deref(), Some("forum/1"));
            }
            // A full re-analysis (new settings) agrees.
            let config = ScoringConfig {
                term_scale: 0.99,
                ..weak_config()
            };
            let report = analyze(store.as_mut(), &config).unwrap_or_else(|e| panic!("{e}"));
            assert!(report.full);
            assert_eq!(near_duplicate_of(store.as_mut(), "2"), found);
        }
    }

    #[test]
    fn a_report_with_context_makes_no_near_duplicates_after_a_reload() {
        let report = "According to officials, Amaq posted a claim today; copies circulate at \
                      https://files.example.net/d/x1 and were reported";
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let mut store = store(&dir);
        scan_post(store.as_mut(), &dir, "1", report);
        // The repost comes in a later run, which reloads the flagged posts from their cases.
        scan_post(store.as_mut(), &dir, "2", &format!("{report} #share"));
        assert_eq!(near_duplicate_of(store.as_mut(), "2"), None);
    }

    #[test]
    fn a_rejection_takes_back_the_near_duplicates_it_seeded() {
        let statement = "New Amaq release: the brothers answered the call, download it here \
                         https://files.example.net/d/x1 before deletion and share it everywhere";
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let mut store = store(&dir);
        scan_post(store.as_mut(), &dir, "1", statement);
        scan_post(store.as_mut(), &dir, "2", &format!("{statement} #share"));
        assert_eq!(
            near_duplicate_of(store.as_mut(), "2").as_deref(),
            Some("forum/1")
        );
        // Nothing changed: the next analysis is incremental.
        let report = analyze(store.as_mut(), &weak_config()).unwrap_or_else(|e| panic!("{e}"));
        assert!(!report.full);
        // A reviewer rejects the statement: the next analysis re-scores the repost without it.
        reject(store.as_mut(), "1");
        let report = analyze(store.as_mut(), &weak_config()).unwrap_or_else(|e| panic!("{e}"));
        assert!(report.full);
        assert_eq!(near_duplicate_of(store.as_mut(), "2"), None);
    }

    #[test]
    fn a_weakly_flagged_post_is_no_statement() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let mut store = store(&dir);
        let mut analyzer =
            Analyzer::load(store.as_mut(), &weak_config()).unwrap_or_else(|e| panic!("{e}"));
        // An outlet's name alone (0.5) flags a post, but its reposts are no evidence...
        let weak = "New Amaq release: the brothers answered the call of their leaders, watch it with your family and \
             friends, download it here before the deletion and share it everywhere you can today";
        let (score, _) = analyzer
            .score_post(&post(weak, "en"), &[])
            .unwrap_or_else(|| panic!("flagged"));
        assert!(score < weak_config().statement_min_score);
        let mut copy = post(&format!("{weak} #share"), "en");
        copy.platform_id = "2".into();
        let fp = |t: &str| vigie_text::simhash(vigie_text::normalize(t).as_str());
        assert!(
            vigie_text::hamming_distance(fp(weak), fp(&format!("{weak} #share")))
                <= NEAR_DUP_DISTANCE,
            "the copy is near ({}): only the rule keeps it from being evidence",
            vigie_text::hamming_distance(fp(weak), fp(&format!("{weak} #share")))
        );
        let (_, evidence) = analyzer
            .score_post(&copy, &[])
            .unwrap_or_else(|| panic!("flagged"));
        assert!(
            evidence
                .iter()
                .all(|e| e.signal != SignalKind::NearDuplicate),
            "{evidence:?}"
        );
        // ...while a name with a file-host link (0.5 + 1.5) makes a statement.
        let strong = "New Amaq release: the brothers answered the call, download it here \
                      https://files.example.net/d/x1 before deletion and share it everywhere";
        let mut first = post(strong, "en");
        first.platform_id = "3".into();
        assert!(analyzer.score_post(&first, &[]).is_some());
        let mut repost = post(&format!("{strong} #share"), "en");
        repost.platform_id = "4".into();
        let (_, evidence) = analyzer
            .score_post(&repost, &[])
            .unwrap_or_else(|| panic!("flagged"));
        let near = evidence
            .iter()
            .find(|e| e.signal == SignalKind::NearDuplicate)
            .unwrap_or_else(|| panic!("{evidence:?}"));
        assert_eq!(near.entry.as_deref(), Some("x/3"));
    }

    #[test]
    fn a_confirmed_post_is_a_statement_whatever_its_score() {
        // An outlet's name alone: too weak to make a statement by itself.
        let weak = "New Amaq release: the brothers answered the call of their leaders, watch it with your family and \
             friends, download it here before the deletion and share it everywhere you can today";
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let mut store = store(&dir);
        scan_post(store.as_mut(), &dir, "1", weak);
        scan_post(store.as_mut(), &dir, "2", &format!("{weak} #share"));
        assert_eq!(near_duplicate_of(store.as_mut(), "2"), None);
        // Two reviewers confirm it: its reposts become evidence at the next analysis.
        decide_as(
            store.as_mut(),
            "ann",
            vigie_model::Role::Analyst,
            "1",
            vigie_model::Action::Confirm,
        );
        let report = analyze(store.as_mut(), &weak_config()).unwrap_or_else(|e| panic!("{e}"));
        assert!(!report.full, "a pending confirmation changes nothing yet");
        decide_as(
            store.as_mut(),
            "rev",
            vigie_model::Role::Reviewer,
            "1",
            vigie_model::Action::Confirm,
        );
        let report = analyze(store.as_mut(), &weak_config()).unwrap_or_else(|e| panic!("{e}"));
        assert!(report.full);
        assert_eq!(
            near_duplicate_of(store.as_mut(), "2").as_deref(),
            Some("forum/1")
        );
        // An incremental run reloads it as a statement too.
        scan_post(store.as_mut(), &dir, "3", &format!("{weak} #repost"));
        assert_eq!(
            near_duplicate_of(store.as_mut(), "3").as_deref(),
            Some("forum/1")
        );
    }
}
