//! The JSON API under `/api/v1`, and the OpenAPI document generated from these handlers' annotations.
//!
//! Authentication: the session cookie (then state changes need the `X-CSRF-Token` header) or an API token
//! as `Authorization: Bearer vigie_...`. Errors are `{"error": "..."}` with the HTTP status.

use crate::auth::{
    AdminRole, AnalystRole, AnyRole, Authed, ReviewerRole, TOKEN_PREFIX, hash_password, random_hex,
    secret_hash,
};
use crate::error::ErrorBody;
use crate::{AppError, AppState};
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};
use vigie_model::{
    Action, ApiToken, AuditEntry, Case, CaseStatus, CaseSubject, Decision, MediaMatch, Role,
    SignalKind, User, UserSettings,
};
pub(crate) use vigie_review::{AuditReport, MIN_PASSWORD, check_new_user, verify_store_audit};
use vigie_store::{
    AuditProblem, CaseQuery, CaseSort, DecisionOutcome, MatchQuery, NewDecision, Store, StoreError,
    UserChange,
};

/// The OpenAPI document of the API.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Vigie review API",
        description = "Cases with their evidence, two-person decisions, users, API tokens and the audit trail. \
                       Authenticate with the session cookie (state changes then need the X-CSRF-Token header) \
                       or an API token: `Authorization: Bearer vigie_...`."
    ),
    paths(
        health, ready, list_cases, get_case, decide, assign, taxonomy, me, put_settings, list_tokens,
        create_token, revoke_token, list_users, add_user, change_user, audit, verify_audit,
        list_referrals, get_referral, create_referral, mark_referral, export_referral,
        crate::hma::status, crate::hma::status_live, crate::hma::hash_get, crate::hma::hash_post,
        crate::hma::raw_lookup, crate::hma::lookup_get, crate::hma::lookup_post, crate::hma::index_status,
        crate::hma::compare, crate::hma::banks, crate::hma::create_bank, crate::hma::get_bank,
        crate::hma::update_bank, crate::hma::delete_bank, crate::hma::add_signal, crate::hma::add_content,
        crate::hma::get_content, crate::hma::update_content, crate::hma::delete_content,
        crate::hma::signal_types, crate::hma::signal_type_index, crate::hma::content_types
    ),
    components(schemas(ErrorBody, AuditProblem, vigie_model::Referral, vigie_model::ReferralItem,
        vigie_model::ReferralStatus, crate::hma::HmaError, crate::hma::HmaBank, crate::hma::HmaMatch,
        crate::hma::BankBody)),
    tags((name = "hma", description = "The API of Meta's hasher-matcher-actioner 2.0 (OpenMediaMatch): hashing, \
        matching and bank curation with HMA's paths and JSON shapes, under Vigie's tokens and roles")),
    modifiers(&Security),
    security(("token" = []), ("session" = []))
)]
pub struct ApiDoc;

struct Security;

impl utoipa::Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{
            ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme,
        };
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "token",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "An API token from `POST /api/v1/tokens` (`vigie_...`).",
                    ))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                crate::auth::SESSION_COOKIE,
                "The session cookie set by the login form; state changes also need the X-CSRF-Token header.",
            ))),
        );
    }
}

/// `GET /api/openapi.json`.
pub async fn openapi() -> Response {
    Json(ApiDoc::openapi()).into_response()
}

/// Liveness: the process answers.
#[utoipa::path(get, path = "/healthz", tag = "operations", security(()),
    responses((status = 200, description = "The server is up", body = String)))]
pub async fn health() -> &'static str {
    "ok"
}

/// Readiness: the store answers.
#[utoipa::path(get, path = "/readyz", tag = "operations", security(()),
    responses((status = 200, description = "The store answers", body = String),
              (status = 503, description = "The store does not answer", body = ErrorBody)))]
pub async fn ready(State(state): State<AppState>) -> Response {
    match state.pool.run(|s| s.schema_version()).await {
        Ok(v) => format!("ready (schema {v})").into_response(),
        Err(_) => AppError::new(StatusCode::SERVICE_UNAVAILABLE, "the store does not answer")
            .into_response(),
    }
}

/// Filters of the case queue.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CaseParams {
    /// `open`, `pending`, `confirmed`, `rejected` or `escalated`.
    pub status: Option<String>,
    /// `x`, `telegram`, ...
    pub platform: Option<String>,
    /// `fr`, `en`, `ar`, `other`.
    pub language: Option<String>,
    /// A signal kind: `term`, `url`, `hashtag`, `near_duplicate`, `classifier`, `hash_match`.
    pub signal: Option<String>,
    /// Cases of this category of violating content: `glorification`, `support`, `recruitment`, `incitement`,
    /// `distribution`.
    pub category: Option<String>,
    /// Cases with a hash match from this bank.
    pub bank: Option<String>,
    /// Cases confirmed with this policy label.
    pub label: Option<String>,
    /// Cases assigned to this user (`none`: unassigned).
    pub assignee: Option<String>,
    /// Cases about the account of this platform id: its own and its posts' (give `platform` too).
    pub account: Option<String>,
    /// `post` or `account`.
    pub subject: Option<String>,
    /// Cases scoring at least this.
    pub min_score: Option<f64>,
    /// `score` (default) or `newest`.
    pub sort: Option<String>,
    /// At most this many (default 50, at most 500).
    pub limit: Option<usize>,
    /// Skip this many.
    pub offset: Option<usize>,
}

impl CaseParams {
    /// The store query, or what is wrong with the parameters.
    pub fn query(&self, default_limit: usize) -> Result<CaseQuery, AppError> {
        let empty = |o: &Option<String>| o.clone().filter(|s| !s.is_empty());
        let status = empty(&self.status);
        if let Some(s) = &status
            && CaseStatus::parse(s).is_none()
        {
            return Err(AppError::bad_request(format!("unknown status {s:?}")));
        }
        let signal = match empty(&self.signal) {
            Some(s) => Some(
                SignalKind::parse(&s)
                    .ok_or_else(|| AppError::bad_request(format!("unknown signal {s:?}")))?,
            ),
            None => None,
        };
        let subject = match empty(&self.subject) {
            Some(s) => Some(
                CaseSubject::parse(&s)
                    .ok_or_else(|| AppError::bad_request(format!("unknown subject {s:?}")))?,
            ),
            None => None,
        };
        let category = match empty(&self.category) {
            Some(c) => Some(
                vigie_model::Violation::parse(&c)
                    .ok_or_else(|| AppError::bad_request(format!("unknown category {c:?}")))?,
            ),
            None => None,
        };
        let sort = match self.sort.as_deref() {
            None | Some("") | Some("score") => CaseSort::Score,
            Some("newest") => CaseSort::Newest,
            Some(other) => return Err(AppError::bad_request(format!("unknown sort {other:?}"))),
        };
        Ok(CaseQuery {
            subject,
            platform: empty(&self.platform),
            language: empty(&self.language),
            signal,
            category,
            status,
            min_score: self.min_score,
            sort,
            limit: self.limit.unwrap_or(default_limit).clamp(1, 500),
            offset: self.offset.unwrap_or(0),
            assignee: empty(&self.assignee),
            label: empty(&self.label),
            bank: empty(&self.bank),
            account: empty(&self.account),
            ..CaseQuery::default()
        })
    }
}

/// The case queue, strongest first.
#[utoipa::path(get, path = "/api/v1/cases", tag = "cases", params(CaseParams),
    responses((status = 200, description = "Cases", body = [Case]),
              (status = 400, description = "Bad filter", body = ErrorBody),
              (status = 401, description = "Not logged in", body = ErrorBody)))]
pub async fn list_cases(
    _user: Authed<AnyRole>,
    State(state): State<AppState>,
    Query(params): Query<CaseParams>,
) -> Result<Json<Vec<Case>>, AppError> {
    let query = params.query(state.config.page_size)?;
    Ok(Json(state.pool.run(move |s| s.cases(&query)).await?))
}

/// A medium attached to a case's post.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct MediaItem {
    /// SHA-256 of the stored bytes.
    pub sha256: String,
    /// `photo`, `video`, `animated_gif`, ...
    pub kind: String,
    /// Where the bytes are served (`/media/<sha256>`).
    pub url: String,
    /// Its hash matches, with the bank entry each matched.
    pub matches: Vec<MatchView>,
}

/// A hash match with the labels of what it matched: the bank's labels overridden by the entry's own.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct MatchView {
    /// The match: bank, entry, distance, dihedral variant, status.
    #[serde(flatten)]
    pub matched: MediaMatch,
    /// The bank's labels and the entry's (the entry's win).
    pub labels: std::collections::BTreeMap<String, String>,
    /// Where the entry came from, as the list gave it.
    pub provenance: Option<String>,
}

/// Everything a reviewer needs on one case.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CaseDetail {
    /// The case, with its evidence.
    pub case: Case,
    /// Its decisions, oldest first.
    pub decisions: Vec<Decision>,
    /// The post's media (post cases).
    pub media: Vec<MediaItem>,
    /// URLs in the post.
    pub urls: Vec<String>,
    /// Hashtags in the post.
    pub hashtags: Vec<String>,
    /// The same account's strongest other cases (at most ten), brief (their evidence kinds in `signals`, no
    /// evidence); the queue's `account` filter lists them all.
    pub account_cases: Vec<Case>,
    /// The referral that holds the case, if it was referred.
    pub referral: Option<vigie_model::Referral>,
    /// Account cases: the accounts it is most tied to in the account network (at most
    /// [`NEIGHBOURHOOD`]), heaviest first.
    #[serde(default)]
    pub neighbourhood: Vec<NeighbourView>,
    /// Account cases: the confirmed accounts it likely succeeds (its recidivism evidence), each with its case and
    /// that case's decisions: the history it inherits.
    #[serde(default)]
    pub predecessors: Vec<Predecessor>,
}

/// An account tied to the case's account.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct NeighbourView {
    /// Its key in the network (`platform:id`, or `platform:@handle` when only named by others).
    pub key: String,
    /// How it is shown.
    pub label: String,
    /// Each tie: kind (`repost`, `mention`, `shared_medium`, ...), direction (`to`, `from`, `shared`), count.
    pub ties: Vec<(String, String, i64)>,
    /// What the ties weigh together in the graph.
    pub weight: f64,
    /// Whether it is the account of a confirmed account case.
    pub confirmed: bool,
}

/// A confirmed account case that the case's account likely succeeds, with its decisions.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Predecessor {
    /// The confirmed case (brief).
    pub case: Case,
    /// Its decisions, oldest first.
    pub decisions: Vec<Decision>,
}

/// How many neighbours an account case's picture shows.
pub const NEIGHBOURHOOD: usize = 24;

/// How many of the account's other cases a case shows.
const ACCOUNT_CASES: usize = 10;

/// Loads a case with its decisions, media and matches, and the account's other cases.
pub fn case_detail(s: &mut dyn Store, id: i64) -> Result<Option<CaseDetail>, StoreError> {
    let Some(vigie_store::CaseView {
        case,
        decisions,
        post,
    }) = s.case_view(id)?
    else {
        return Ok(None);
    };
    let mut media: Vec<MediaItem> = Vec::new();
    let (mut urls, mut hashtags) = (Vec::new(), Vec::new());
    if let Some(view) = post {
        urls = view.post.urls;
        hashtags = view.post.hashtags;
        for a in &view.post.attachments {
            let Some(sha) = &a.sha256 else { continue };
            let matches = s.matches(&MatchQuery {
                media_sha256: Some(sha.clone()),
                limit: 100,
                ..MatchQuery::default()
            })?;
            media.push(MediaItem {
                sha256: sha.clone(),
                kind: a.kind.as_str().to_owned(),
                url: format!("/media/{sha}"),
                matches: matches
                    .into_iter()
                    .map(|matched| MatchView {
                        matched,
                        labels: Default::default(),
                        provenance: None,
                    })
                    .collect(),
            });
        }
    }
    // The labels of what matched: the bank's, then the entry's own.
    let entry_ids: Vec<i64> = media
        .iter()
        .flat_map(|m| m.matches.iter().map(|v| v.matched.entry_id))
        .collect();
    if !entry_ids.is_empty() {
        let entries: std::collections::HashMap<i64, vigie_model::BankEntry> = s
            .entries_by_id(&entry_ids)?
            .into_iter()
            .map(|e| (e.id, e))
            .collect();
        let banks: std::collections::HashMap<String, vigie_model::Labels> = s
            .bank_settings()?
            .into_iter()
            .map(|b| (b.name, b.labels))
            .collect();
        for v in media.iter_mut().flat_map(|m| m.matches.iter_mut()) {
            if let Some(l) = banks.get(&v.matched.bank) {
                v.labels
                    .extend(l.iter().map(|(k, x)| (k.clone(), x.clone())));
            }
            if let Some(e) = entries.get(&v.matched.entry_id) {
                v.labels
                    .extend(e.labels.iter().map(|(k, x)| (k.clone(), x.clone())));
                v.provenance = e.provenance.clone();
            }
        }
    }
    let account_cases = match &case.account_id {
        Some(account) => s
            .cases(&CaseQuery {
                platform: Some(case.platform.clone()),
                account: Some(account.clone()),
                limit: ACCOUNT_CASES + 1,
                brief: true,
                ..CaseQuery::default()
            })?
            .into_iter()
            .filter(|c| c.id != case.id)
            .take(ACCOUNT_CASES)
            .collect(),
        None => Vec::new(),
    };
    let referral = match s.case_referrals(Some(&[case.id]))?.first() {
        Some(&(_, referral)) => s.referral(referral)?,
        None => None,
    };
    let mut neighbourhood = Vec::new();
    let mut predecessors = Vec::new();
    if case.subject == vigie_model::CaseSubject::Account
        && let Some(account) = &case.account_id
    {
        neighbourhood = vigie_engine::account_neighbourhood(
            s,
            &case.platform,
            account,
            case.handle.as_deref(),
            NEIGHBOURHOOD,
        )
        .map_err(|e| match e {
            vigie_engine::EngineError::Store(e) => e,
            other => StoreError::Feed(other.to_string()),
        })?
        .into_iter()
        .map(|n| NeighbourView {
            key: n.key,
            label: n.label,
            ties: n.ties,
            weight: n.weight,
            confirmed: n.confirmed,
        })
        .collect();
        for e in &case.evidence {
            let old = e
                .entry
                .as_deref()
                .and_then(|x| x.strip_prefix("case #"))
                .and_then(|x| x.parse::<i64>().ok());
            if e.signal != vigie_model::SignalKind::Recidivism {
                continue;
            }
            if let Some(view) = old.map(|id| s.case_view(id)).transpose()?.flatten()
                && !predecessors
                    .iter()
                    .any(|p: &Predecessor| p.case.id == view.case.id)
            {
                let mut brief = view.case;
                brief.evidence.clear();
                predecessors.push(Predecessor {
                    case: brief,
                    decisions: view.decisions,
                });
            }
        }
    }
    Ok(Some(CaseDetail {
        case,
        decisions,
        media,
        urls,
        hashtags,
        account_cases,
        referral,
        neighbourhood,
        predecessors,
    }))
}

/// One case with its evidence, decisions, media (with their bank matches) and the account's other cases.
#[utoipa::path(get, path = "/api/v1/cases/{id}", tag = "cases",
    params(("id" = i64, Path, description = "The case's id")),
    responses((status = 200, description = "The case", body = CaseDetail),
              (status = 404, description = "No such case", body = ErrorBody)))]
pub async fn get_case(
    _user: Authed<AnyRole>,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<CaseDetail>, AppError> {
    state
        .pool
        .run(move |s| case_detail(s, id))
        .await?
        .map(Json)
        .ok_or_else(|| AppError::not_found(format!("no case {id}")))
}

/// A decision to take.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct DecisionRequest {
    /// `confirm`, `reject`, `escalate` or `reopen`.
    pub action: Action,
    /// The policy label (confirm; one of `GET /api/v1/taxonomy`).
    pub label: Option<String>,
    /// Why (required to reject; recorded for the others).
    pub reason: Option<String>,
    /// A rejection whose media or text should feed an allow-list.
    #[serde(default)]
    pub allow_list: bool,
}

/// Takes a decision under the review rules, for the current user.
pub async fn take_decision(
    state: &AppState,
    user: &Authed<impl crate::auth::MinRole>,
    id: i64,
    req: DecisionRequest,
) -> Result<Decision, AppError> {
    let decision = NewDecision {
        case_id: id,
        action: req.action,
        label: req.label.filter(|l| !l.is_empty()),
        reason: req
            .reason
            .map(|r| r.trim().to_owned())
            .filter(|r| !r.is_empty()),
        allow_list: req.allow_list,
    };
    let rules = (*state.rules).clone();
    let actor = user.actor();
    let u = user.user().clone();
    let keep_down = state.config.confirmed_bank.clone();
    let matching = state.matching.clone();
    let outcome = state
        .pool
        .run(move |s| {
            let outcome = s.decide(&u, &decision, &rules, &actor)?;
            // A confirmed case's evidence is frozen at once, so that what its evidence package holds is what the
            // reviewers saw. Should that fail, the export freezes it later (and the audit trail shows when).
            if let DecisionOutcome::Taken(d) = &outcome
                && d.to_status == vigie_model::CaseStatus::Confirmed
                && let Err(e) = vigie_evidence::frozen_or_freeze(s, d.case_id, &actor)
            {
                tracing::warn!("case {}: the evidence could not be frozen: {e}", d.case_id);
            }
            // Kept down: its media go into the bank of confirmed media, and the stored media are searched for
            // copies at once.
            if let (DecisionOutcome::Taken(d), Some(bank)) = (&outcome, &keep_down)
                && d.to_status == vigie_model::CaseStatus::Confirmed
            {
                match vigie_review::feed_block_list(s, bank, Some(&[d.case_id]), &actor) {
                    Ok(_) => matching.bank_changed(s)?,
                    Err(e) => tracing::warn!(
                        "case {}: its media could not go into bank {bank}: {e}",
                        d.case_id
                    ),
                }
            }
            Ok(outcome)
        })
        .await?;
    match outcome {
        DecisionOutcome::Taken(d) => {
            state
                .metrics
                .decisions
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            Ok(d)
        }
        DecisionOutcome::Refused(e) => {
            let status = match e {
                vigie_model::DecisionError::Forbidden { .. } => StatusCode::FORBIDDEN,
                vigie_model::DecisionError::InvalidTransition { .. }
                | vigie_model::DecisionError::SameReviewer => StatusCode::CONFLICT,
                _ => StatusCode::UNPROCESSABLE_ENTITY,
            };
            Err(AppError::new(status, e.to_string()))
        }
        DecisionOutcome::NoCase => Err(AppError::not_found(format!("no case {id}"))),
    }
}

/// Confirms, rejects, escalates or reopens a case. Under the two-person rule a first confirmation leaves the
/// case `pending` until a reviewer other than the first confirms it too.
#[utoipa::path(post, path = "/api/v1/cases/{id}/decisions", tag = "cases",
    params(("id" = i64, Path, description = "The case's id")),
    request_body = DecisionRequest,
    responses((status = 201, description = "Recorded", body = Decision),
              (status = 403, description = "The role may not take this decision", body = ErrorBody),
              (status = 404, description = "No such case", body = ErrorBody),
              (status = 409, description = "Not possible in the case's status, or the same reviewer twice", body = ErrorBody),
              (status = 422, description = "Missing label or reason, or a label outside the taxonomy", body = ErrorBody)))]
pub async fn decide(
    user: Authed<AnalystRole>,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Json(req): Json<DecisionRequest>,
) -> Result<(StatusCode, Json<Decision>), AppError> {
    let d = take_decision(&state, &user, id, req).await?;
    Ok((StatusCode::CREATED, Json(d)))
}

/// Who a case is assigned to.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct AssignRequest {
    /// A user name, or null to unassign.
    pub user: Option<String>,
}

/// Assigns a case (or unassigns it with `null`).
#[utoipa::path(put, path = "/api/v1/cases/{id}/assignee", tag = "cases",
    params(("id" = i64, Path, description = "The case's id")),
    request_body = AssignRequest,
    responses((status = 204, description = "Assigned"),
              (status = 404, description = "No such case or user", body = ErrorBody)))]
pub async fn assign(
    user: Authed<AnalystRole>,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Json(req): Json<AssignRequest>,
) -> Result<StatusCode, AppError> {
    assign_case(&state, &user, id, req.user).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Assigns a case to a user by name (or unassigns it).
pub async fn assign_case(
    state: &AppState,
    user: &Authed<AnalystRole>,
    id: i64,
    to: Option<String>,
) -> Result<(), AppError> {
    let actor = user.actor();
    let found = state
        .pool
        .run(move |s| {
            let assignee = match to.filter(|n| !n.is_empty()) {
                Some(name) => match s.user_login(&name)? {
                    Some((u, _)) => Some(u.id),
                    None => return Ok(Err(format!("no user {name:?}"))),
                },
                None => None,
            };
            Ok(if s.assign(id, assignee, &actor)? {
                Ok(())
            } else {
                Err(format!("no case {id}"))
            })
        })
        .await?;
    found.map_err(AppError::not_found)
}

/// The review rules of this deployment.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Taxonomy {
    /// Whether a confirmation needs a second reviewer.
    pub two_person: bool,
    /// The policy labels a confirmation may carry.
    pub labels: Vec<String>,
}

/// The policy labels and the two-person rule.
#[utoipa::path(get, path = "/api/v1/taxonomy", tag = "cases",
    responses((status = 200, description = "The review rules", body = Taxonomy)))]
pub async fn taxonomy(_user: Authed<AnyRole>, State(state): State<AppState>) -> Json<Taxonomy> {
    Json(Taxonomy {
        two_person: state.rules.two_person,
        labels: state.rules.taxonomy.clone(),
    })
}

/// The current user.
#[utoipa::path(get, path = "/api/v1/me", tag = "users",
    responses((status = 200, description = "The current user", body = User)))]
pub async fn me(user: Authed<AnyRole>) -> Json<User> {
    Json(user.principal.user)
}

/// Saves the current user's wellbeing settings (blur, greyscale, autoplay).
#[utoipa::path(put, path = "/api/v1/me/settings", tag = "users", request_body = UserSettings,
    responses((status = 200, description = "Saved", body = UserSettings)))]
pub async fn put_settings(
    user: Authed<AnyRole>,
    State(state): State<AppState>,
    Json(settings): Json<UserSettings>,
) -> Result<Json<UserSettings>, AppError> {
    let (id, actor, saved) = (user.user().id, user.actor(), settings.clone());
    state
        .pool
        .run(move |s| s.set_user_settings(id, &saved, &actor))
        .await?;
    state.sessions.forget(None, Some(id));
    Ok(Json(settings))
}

/// Token list options.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TokenParams {
    /// Every user's tokens (admins only).
    #[serde(default)]
    pub all: bool,
}

/// The current user's API tokens (every user's with `all=true`, for admins).
#[utoipa::path(get, path = "/api/v1/tokens", tag = "tokens", params(TokenParams),
    responses((status = 200, description = "Tokens", body = [ApiToken]),
              (status = 403, description = "`all` without the admin role", body = ErrorBody)))]
pub async fn list_tokens(
    user: Authed<AnyRole>,
    State(state): State<AppState>,
    Query(p): Query<TokenParams>,
) -> Result<Json<Vec<ApiToken>>, AppError> {
    if p.all && user.user().role < Role::Admin {
        return Err(AppError::new(
            StatusCode::FORBIDDEN,
            "`all` needs the admin role",
        ));
    }
    let owner = (!p.all).then_some(user.user().id);
    Ok(Json(state.pool.run(move |s| s.tokens(owner)).await?))
}

/// A token to create.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct TokenRequest {
    /// A name to recognise it by.
    pub name: String,
}

/// A created token: its secret is shown this once.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CreatedToken {
    /// The secret, for `Authorization: Bearer`.
    pub token: String,
    /// The token as listed.
    pub info: ApiToken,
}

/// Creates an API token for the current user, with the user's role.
pub async fn new_token(
    state: &AppState,
    user: &Authed<AnyRole>,
    name: String,
) -> Result<CreatedToken, AppError> {
    let name = name.trim().to_owned();
    if name.is_empty() || name.len() > 100 {
        return Err(AppError::bad_request(
            "a token needs a name (1 to 100 characters)",
        ));
    }
    let secret = format!("{TOKEN_PREFIX}{}", random_hex(32));
    let hash = secret_hash(&secret);
    let prefix: String = secret.chars().take(14).collect();
    let (id, actor) = (user.user().id, user.actor());
    let info = state
        .pool
        .run(move |s| s.create_token(id, &name, &hash, &prefix, &actor))
        .await?;
    Ok(CreatedToken {
        token: secret,
        info,
    })
}

/// Creates an API token for the current user; the secret is in the answer only.
#[utoipa::path(post, path = "/api/v1/tokens", tag = "tokens", request_body = TokenRequest,
    responses((status = 201, description = "Created", body = CreatedToken),
              (status = 400, description = "No name", body = ErrorBody)))]
pub async fn create_token(
    user: Authed<AnyRole>,
    State(state): State<AppState>,
    Json(req): Json<TokenRequest>,
) -> Result<(StatusCode, Json<CreatedToken>), AppError> {
    let t = new_token(&state, &user, req.name).await?;
    Ok((StatusCode::CREATED, Json(t)))
}

/// Revokes one of the current user's tokens (any token, for admins).
#[utoipa::path(delete, path = "/api/v1/tokens/{id}", tag = "tokens",
    params(("id" = i64, Path, description = "The token's id")),
    responses((status = 204, description = "Revoked"),
              (status = 404, description = "No such token of yours", body = ErrorBody)))]
pub async fn revoke_token(
    user: Authed<AnyRole>,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<StatusCode, AppError> {
    revoke(&state, &user, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Revokes a token of the user (any, for admins).
pub async fn revoke(state: &AppState, user: &Authed<AnyRole>, id: i64) -> Result<(), AppError> {
    let owner = (user.user().role < Role::Admin).then_some(user.user().id);
    let actor = user.actor();
    if state
        .pool
        .run(move |s| s.revoke_token(id, owner, &actor))
        .await?
    {
        state.tokens.forget(None, None);
        Ok(())
    } else {
        Err(AppError::not_found(format!("no token {id} of yours")))
    }
}

/// Every user.
#[utoipa::path(get, path = "/api/v1/users", tag = "users",
    responses((status = 200, description = "Users", body = [User])))]
pub async fn list_users(
    _user: Authed<AdminRole>,
    State(state): State<AppState>,
) -> Result<Json<Vec<User>>, AppError> {
    Ok(Json(state.pool.run(|s| s.users()).await?))
}

/// A user to create.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct NewUserRequest {
    /// Login name.
    pub name: String,
    /// Role.
    pub role: Role,
    /// Password (at least 12 characters).
    pub password: String,
}

/// Creates a user.
#[utoipa::path(post, path = "/api/v1/users", tag = "users", request_body = NewUserRequest,
    responses((status = 201, description = "Created", body = User),
              (status = 400, description = "Bad name or short password", body = ErrorBody),
              (status = 409, description = "The name is taken", body = ErrorBody)))]
pub async fn add_user(
    admin: Authed<AdminRole>,
    State(state): State<AppState>,
    Json(req): Json<NewUserRequest>,
) -> Result<(StatusCode, Json<User>), AppError> {
    check_new_user(&req.name, &req.password).map_err(AppError::bad_request)?;
    let actor = admin.actor();
    let user = state
        .pool
        .run(move |s| s.add_user(&req.name, req.role, &hash_password(&req.password), &actor))
        .await?;
    Ok((StatusCode::CREATED, Json(user)))
}

/// A change to a user.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct UserChangeRequest {
    /// A new role.
    pub role: Option<Role>,
    /// Disable (true) or enable (false).
    pub disabled: Option<bool>,
    /// A new password (ends the user's sessions and clears a lockout).
    pub password: Option<String>,
}

/// Changes a user's role, disables or enables them, or sets a new password.
#[utoipa::path(patch, path = "/api/v1/users/{name}", tag = "users",
    params(("name" = String, Path, description = "The user's name")),
    request_body = UserChangeRequest,
    responses((status = 200, description = "Changed", body = User),
              (status = 404, description = "No such user", body = ErrorBody)))]
pub async fn change_user(
    admin: Authed<AdminRole>,
    State(state): State<AppState>,
    Path(name): Path<String>,
    Json(req): Json<UserChangeRequest>,
) -> Result<Json<User>, AppError> {
    Ok(Json(apply_user_change(&state, &admin, name, req).await?))
}

/// Applies a user change for an admin.
pub async fn apply_user_change(
    state: &AppState,
    admin: &Authed<AdminRole>,
    name: String,
    req: UserChangeRequest,
) -> Result<User, AppError> {
    if let Some(p) = &req.password
        && p.chars().count() < MIN_PASSWORD
    {
        return Err(AppError::bad_request(format!(
            "a password needs at least {MIN_PASSWORD} characters"
        )));
    }
    let change = UserChange {
        role: req.role,
        disabled: req.disabled,
        password_hash: req.password.as_deref().map(hash_password),
    };
    let actor = admin.actor();
    let n = name.clone();
    let user = state
        .pool
        .run(move |s| s.change_user(&n, &change, &actor))
        .await?
        .ok_or_else(|| AppError::not_found(format!("no user {name:?}")))?;
    // A role change, a disabled account or a new password takes effect on the next request.
    state.sessions.forget(None, Some(user.id));
    state.tokens.forget(None, Some(user.id));
    Ok(user)
}

/// Audit trail paging.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditParams {
    /// Entries after this position (default 0: from the start).
    pub after: Option<i64>,
    /// At most this many (default 100, at most 1000).
    pub limit: Option<usize>,
}

/// Audit trail entries, oldest first.
#[utoipa::path(get, path = "/api/v1/audit", tag = "audit", params(AuditParams),
    responses((status = 200, description = "Entries", body = [AuditEntry])))]
pub async fn audit(
    _admin: Authed<AdminRole>,
    State(state): State<AppState>,
    Query(p): Query<AuditParams>,
) -> Result<Json<Vec<AuditEntry>>, AppError> {
    let (after, limit) = (p.after.unwrap_or(0), p.limit.unwrap_or(100).clamp(1, 1000));
    Ok(Json(state.pool.run(move |s| s.audit(after, limit)).await?))
}

/// Checks the audit chain: every entry's hash, the links between entries, and the recorded head.
#[utoipa::path(get, path = "/api/v1/audit/verify", tag = "audit",
    responses((status = 200, description = "The check's result", body = AuditReport)))]
pub async fn verify_audit(
    _admin: Authed<AdminRole>,
    State(state): State<AppState>,
) -> Result<Json<AuditReport>, AppError> {
    Ok(Json(state.pool.run(verify_store_audit).await?))
}

/// Which referrals to list.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReferralParams {
    /// Only this platform.
    pub platform: Option<String>,
    /// Only this status (`draft`, `sent`, `acknowledged`, `actioned`, `declined`, `expired`).
    pub status: Option<String>,
}

/// Referrals, newest first, with their item counts.
#[utoipa::path(get, path = "/api/v1/referrals", tag = "referrals", params(ReferralParams),
    responses((status = 200, description = "Referrals", body = [vigie_model::Referral]),
              (status = 400, description = "An unknown status", body = ErrorBody)))]
pub async fn list_referrals(
    _user: Authed<AnyRole>,
    State(state): State<AppState>,
    Query(p): Query<ReferralParams>,
) -> Result<Json<Vec<vigie_model::Referral>>, AppError> {
    let status = match p.status.as_deref().filter(|s| !s.is_empty()) {
        Some(s) => Some(
            vigie_model::ReferralStatus::parse(s)
                .ok_or_else(|| AppError::bad_request(format!("{s:?} is not a referral status")))?,
        ),
        None => None,
    };
    let platform = p.platform.filter(|p| !p.is_empty());
    Ok(Json(
        state
            .pool
            .run(move |s| s.referrals(platform.as_deref(), status))
            .await?,
    ))
}

/// A referral and its items.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReferralDetail {
    /// The referral.
    pub referral: vigie_model::Referral,
    /// Its items, by case.
    pub items: Vec<vigie_model::ReferralItem>,
}

/// One referral with its items: each case's permalink, label, and what the platform did.
#[utoipa::path(get, path = "/api/v1/referrals/{id}", tag = "referrals",
    params(("id" = i64, Path, description = "The referral's id")),
    responses((status = 200, description = "The referral", body = ReferralDetail),
              (status = 404, description = "No such referral", body = ErrorBody)))]
pub async fn get_referral(
    _user: Authed<AnyRole>,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<ReferralDetail>, AppError> {
    referral_detail(&state, id).await.map(Json)
}

/// Referral `id` with its items, or 404.
pub(crate) async fn referral_detail(state: &AppState, id: i64) -> Result<ReferralDetail, AppError> {
    state
        .pool
        .run(move |s| {
            let Some(referral) = s.referral(id)? else {
                return Ok(None);
            };
            let items = vigie_store::referral_items(s, id)?;
            Ok(Some(ReferralDetail { referral, items }))
        })
        .await?
        .ok_or_else(|| AppError::not_found(format!("no referral {id}")))
}

/// A referral to make.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct NewReferralRequest {
    /// The platform.
    pub platform: String,
    /// The template its export follows (default: the platform's own, else `generic`).
    pub template: Option<String>,
    /// The confirmed cases to refer.
    #[serde(default)]
    pub cases: Vec<i64>,
    /// Every confirmed case of the platform not referred yet (instead of `cases`).
    #[serde(default)]
    pub all_confirmed: bool,
}

/// Makes a draft referral of confirmed cases of one platform; a case is referred at most once.
#[utoipa::path(post, path = "/api/v1/referrals", tag = "referrals", request_body = NewReferralRequest,
    responses((status = 201, description = "Made", body = vigie_model::Referral),
              (status = 400, description = "No case, or an unknown template", body = ErrorBody),
              (status = 404, description = "No such case", body = ErrorBody),
              (status = 409, description = "A case not confirmed, of another platform, or referred already",
               body = ErrorBody)))]
pub async fn create_referral(
    user: Authed<ReviewerRole>,
    State(state): State<AppState>,
    Json(req): Json<NewReferralRequest>,
) -> Result<Response, AppError> {
    let made = make_referral(&state, user.actor(), req).await?;
    Ok((StatusCode::CREATED, Json(made)).into_response())
}

/// Makes the draft referral `req` asks for, by `actor` (a reviewer: the caller checks).
pub(crate) async fn make_referral(
    state: &AppState,
    actor: vigie_store::Actor,
    req: NewReferralRequest,
) -> Result<vigie_model::Referral, AppError> {
    let templates = state.config.referral_templates.clone();
    state
        .pool
        .run(move |s| {
            let dir = templates.as_deref();
            let template = req
                .template
                .clone()
                .filter(|t| !t.is_empty())
                .unwrap_or_else(|| vigie_evidence::referral::default_template(&req.platform, dir));
            if let Err(e) = vigie_evidence::referral::load_template(&template, dir) {
                return Ok(Err(AppError::bad_request(e.to_string())));
            }
            let cases = if req.all_confirmed {
                match vigie_evidence::referral::unreferred_cases(s, &req.platform) {
                    Ok(c) => c,
                    Err(vigie_evidence::EvidenceError::Store(e)) => return Err(e),
                    Err(e) => return Ok(Err(AppError::bad_request(e.to_string()))),
                }
            } else {
                req.cases.clone()
            };
            if cases.is_empty() {
                return Ok(Err(AppError::bad_request(
                    "no case to refer (name cases, or all_confirmed)",
                )));
            }
            Ok(s.create_referral(&req.platform, &template, &cases, &actor)
                .map_err(AppError::from))
        })
        .await?
}

/// Where a referral now stands.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct ReferralStatusRequest {
    /// `sent`, `acknowledged`, `actioned`, `declined` or `expired`.
    pub status: vigie_model::ReferralStatus,
    /// A note for the audit trail (how it was sent, the platform's reference).
    pub note: Option<String>,
}

/// Records a referral's new status (audited): draft, then sent, then acknowledged, actioned, declined or
/// expired.
#[utoipa::path(post, path = "/api/v1/referrals/{id}/status", tag = "referrals",
    params(("id" = i64, Path, description = "The referral's id")), request_body = ReferralStatusRequest,
    responses((status = 200, description = "Recorded", body = vigie_model::Referral),
              (status = 404, description = "No such referral", body = ErrorBody),
              (status = 409, description = "Not a move its status allows", body = ErrorBody)))]
pub async fn mark_referral(
    user: Authed<ReviewerRole>,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Json(req): Json<ReferralStatusRequest>,
) -> Result<Json<vigie_model::Referral>, AppError> {
    move_referral(&state, user.actor(), id, req).await.map(Json)
}

/// Moves referral `id` as `req` says, by `actor` (a reviewer: the caller checks).
pub(crate) async fn move_referral(
    state: &AppState,
    actor: vigie_store::Actor,
    id: i64,
    req: ReferralStatusRequest,
) -> Result<vigie_model::Referral, AppError> {
    state
        .pool
        .run(move |s| s.mark_referral(id, req.status, req.note.as_deref(), &actor))
        .await
}

/// A referral's items as its platform's template says (CSV or JSON), to send through the platform's channel.
#[utoipa::path(get, path = "/api/v1/referrals/{id}/export", tag = "referrals",
    params(("id" = i64, Path, description = "The referral's id")),
    responses((status = 200, description = "The file (text/csv or application/json)"),
              (status = 404, description = "No such referral", body = ErrorBody)))]
pub async fn export_referral(
    _user: Authed<AnalystRole>,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    rendered_referral(&state, id).await
}

/// Referral `id`'s file, as its template says, to download.
pub(crate) async fn rendered_referral(state: &AppState, id: i64) -> Result<Response, AppError> {
    let templates = state.config.referral_templates.clone();
    let rendered = state
        .pool
        .run(move |s| {
            if s.referral(id)?.is_none() {
                return Ok(Err(AppError::not_found(format!("no referral {id}"))));
            }
            match vigie_evidence::referral::render_referral(s, id, templates.as_deref()) {
                Ok(r) => Ok(Ok(r)),
                Err(vigie_evidence::EvidenceError::Store(e)) => Err(e),
                Err(e) => Ok(Err(AppError::bad_request(e.to_string()))),
            }
        })
        .await??;
    let content_type = if rendered.format == "csv" {
        "text/csv; charset=utf-8"
    } else {
        "application/json"
    };
    let name = format!("attachment; filename=\"referral-{id}.{}\"", rendered.format);
    Ok((
        [
            (axum::http::header::CONTENT_TYPE, content_type.to_owned()),
            (axum::http::header::CONTENT_DISPOSITION, name),
        ],
        rendered.bytes,
    )
        .into_response())
}
