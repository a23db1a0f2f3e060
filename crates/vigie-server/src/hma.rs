//! The API of Meta's hasher-matcher-actioner 2.0 ("OpenMediaMatch"), beside Vigie's own: hashing (`/h`),
//! matching (`/m`) and curation of banks and their content (`/c`), with HMA's paths, parameters, JSON shapes,
//! status codes and error shape (`{"message": ...}`), so that HMA's clients work unchanged against Vigie's
//! banks, under Vigie's API tokens and roles (reading and matching: any role; curation: administrators).
//!
//! How HMA's nouns map onto Vigie's:
//! - a bank is a Vigie bank (created as a block bank with Vigie's default PDQ distance, 31, which is HMA's
//!   fixed threshold); `matching_enabled_ratio` is 1.0 for an enabled bank and 0.0 for a disabled one (a
//!   ratio between sets the bank enabled: Vigie does not match a share of the time);
//! - a content id is the id of a bank entry, and one entry holds one signal: several signals added in one
//!   request become several entries (the id answered is the first's), and adding a hash a bank already holds
//!   answers that entry's id;
//! - signal types `pdq` and `video_md5` (Vigie's `md5` entries), content types `photo` and `video`;
//! - a content's `note`, its metadata (`content_id`, `content_uri`, `json`) and `disable_until_ts` are kept in
//!   the entry's labels under those names; a disabled entry (`disable_until_ts` 0, or a time to come) is not
//!   matched, by the lookups as by Vigie's own matching.
//!
//! Differences that no HMA client relies on: hashing media from a URL (`GET /h/hash?url=`, `/m/lookup?url=`,
//! adding content by URL) is refused with 400, because this server fetches nothing from the network (upload the
//! bytes instead); the exchanges (`/c/exchanges`) are not served (`vigie bank import` reads their files); the
//! index is always current (bank changes are read at most a second after they are made, at once for changes
//! made through this API), so no lookup answers 503.

use crate::auth::{AdminRole, AnyRole, Authed, Principal};
use crate::{AppError, AppState};
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap};
use std::sync::{Mutex, RwLock};
use std::time::{Duration, Instant};
use utoipa::{IntoParams, ToSchema};
use vigie_engine::{MatchConfig, Matcher, MediumHashes};
use vigie_model::{AuditEvent, BankKind, EntryRecord, Labels, MatchStatus, SignalType};
use vigie_pdq::Hash256;
use vigie_store::{Actor, BankChange, NewBank, Store, StoreError};

type UploadForm = Result<Multipart, axum::extract::multipart::MultipartRejection>;

/// HMA's PDQ threshold: a hit is at most this many bits away.
pub const HMA_PDQ_THRESHOLD: u32 = 31;

/// How stale the server's match index may get before a lookup reads the bank changes made by others (the CLI,
/// another server).
const REFRESH_EVERY: Duration = Duration::from_secs(1);

/// The largest upload hashed (HMA's default `MAX_CONTENT_LENGTH`).
pub const MAX_UPLOAD: usize = 100 * 1024 * 1024;

/// The match index the lookups use, shared by every request, and what lookups may cost.
pub struct MatchService {
    matcher: RwLock<Option<Matcher>>,
    refreshed: Mutex<Option<Instant>>,
    /// Unix seconds of the last time the index caught up with the store.
    built_at: std::sync::atomic::AtomicI64,
    config: MatchConfig,
    limits: vigie_media::MediaLimits,
    limiter: LookupLimiter,
}

impl MatchService {
    /// A service over the banks of the server's store; the index is loaded on the first lookup.
    pub fn new(
        config: MatchConfig,
        limits: vigie_media::MediaLimits,
        lookups_per_second: u32,
    ) -> MatchService {
        MatchService {
            matcher: RwLock::new(None),
            refreshed: Mutex::new(None),
            built_at: std::sync::atomic::AtomicI64::new(-1),
            config,
            limits,
            limiter: LookupLimiter::new(lookups_per_second),
        }
    }

    fn due(&self) -> bool {
        self.refreshed
            .lock()
            .map(|r| r.is_none_or(|at| at.elapsed() >= REFRESH_EVERY))
            .unwrap_or(true)
    }

    /// Loads the index, or reads the bank changes made since it last did.
    /// Hunts a bank change made outside the curation endpoints through the stored media, and brings the index up
    /// to date.
    pub(crate) fn bank_changed(&self, store: &mut dyn Store) -> Result<(), StoreError> {
        if let Err(e) =
            vigie_engine::hunt(store, &self.config, &vigie_engine::HuntOptions::default())
        {
            tracing::warn!("the hunt through stored media after a bank change failed: {e}");
        }
        self.refresh(store)
    }

    fn refresh(&self, store: &mut dyn Store) -> Result<(), StoreError> {
        let failed = |e: vigie_engine::EngineError| StoreError::Corrupt(e.to_string());
        let mut guard = self
            .matcher
            .write()
            .map_err(|_| StoreError::Corrupt("the match index lock is poisoned".into()))?;
        match guard.as_mut() {
            Some(m) => {
                m.catch_up(store).map_err(failed)?;
                m.refresh_banks(store).map_err(failed)?;
            }
            None => *guard = Some(Matcher::open(store, self.config.clone()).map_err(failed)?),
        }
        if let Ok(mut r) = self.refreshed.lock() {
            *r = Some(Instant::now());
        }
        self.built_at.store(
            vigie_model::Timestamp::now().0 / 1000,
            std::sync::atomic::Ordering::Relaxed,
        );
        Ok(())
    }

    /// [`MatchService::refresh`] when the index is older than a second.
    fn refresh_if_due(&self, store: &mut dyn Store) -> Result<(), StoreError> {
        if self.due() {
            self.refresh(store)?;
        }
        Ok(())
    }

    fn with<T>(&self, f: impl FnOnce(&Matcher) -> T) -> Result<T, StoreError> {
        let guard = self
            .matcher
            .read()
            .map_err(|_| StoreError::Corrupt("the match index lock is poisoned".into()))?;
        guard
            .as_ref()
            .map(f)
            .ok_or_else(|| StoreError::Corrupt("the match index is not loaded".into()))
    }
}

/// Lookups per second and user (API token or session), so that one client's flood cannot starve the others.
struct LookupLimiter {
    per_second: u32,
    windows: Mutex<HashMap<String, (u64, u32)>>,
}

impl LookupLimiter {
    fn new(per_second: u32) -> LookupLimiter {
        LookupLimiter {
            per_second,
            windows: Mutex::new(HashMap::new()),
        }
    }

    /// Counts one lookup of `who`; false when it is over the limit in this second.
    fn allow(&self, who: &str) -> bool {
        if self.per_second == 0 {
            return true;
        }
        let second = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let Ok(mut windows) = self.windows.lock() else {
            return true;
        };
        if windows.len() > 10_000 {
            windows.retain(|_, w| w.0 == second);
        }
        let w = windows.entry(who.to_owned()).or_insert((second, 0));
        if w.0 != second {
            *w = (second, 0);
        }
        w.1 += 1;
        w.1 <= self.per_second
    }
}

// ---------------------------------------------------------------------------------------------------------
// Answers.

/// HMA's error body.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct HmaError {
    /// What went wrong.
    pub message: String,
}

/// A refusal: HMA's error body with its status.
#[derive(Debug)]
pub struct Refusal {
    status: StatusCode,
    message: String,
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        (
            self.status,
            Json(HmaError {
                message: self.message,
            }),
        )
            .into_response()
    }
}

fn fail(status: StatusCode, message: impl Into<String>) -> Refusal {
    Refusal {
        status,
        message: message.into(),
    }
}

fn bad(message: impl Into<String>) -> Refusal {
    fail(StatusCode::BAD_REQUEST, message)
}

/// A store error in HMA's shape.
fn store_failed(e: &AppError) -> Refusal {
    fail(e.status, e.message.clone())
}

/// What a handler answers: HMA's success or error body.
type Answer = Result<Response, Refusal>;

fn answer(r: Answer) -> Response {
    r.unwrap_or_else(IntoResponse::into_response)
}

async fn run<T: Send + 'static>(
    state: &AppState,
    f: impl FnOnce(&mut dyn Store) -> Result<T, StoreError> + Send + 'static,
) -> Result<T, Refusal> {
    state.pool.run(f).await.map_err(|e| store_failed(&e))
}

fn limited(state: &AppState, who: &Principal) -> Result<(), Refusal> {
    if state.matching.limiter.allow(&who.user.name) {
        Ok(())
    } else {
        Err(fail(
            StatusCode::TOO_MANY_REQUESTS,
            format!(
                "too many lookups: at most {} per second per user",
                state.matching.limiter.per_second
            ),
        ))
    }
}

// ---------------------------------------------------------------------------------------------------------
// Signal types.

/// HMA's name of a Vigie signal type, for those HMA knows.
fn hma_name(signal: SignalType) -> Option<&'static str> {
    match signal {
        SignalType::Pdq => Some("pdq"),
        SignalType::Md5 => Some("video_md5"),
        SignalType::Sha256 => None,
    }
}

/// The Vigie signal type of an HMA name.
fn signal_named(name: &str) -> Option<SignalType> {
    match name {
        "pdq" => Some(SignalType::Pdq),
        "video_md5" => Some(SignalType::Md5),
        _ => None,
    }
}

/// A hash checked as HMA checks it: PDQ exactly 64 lower-case hex digits; MD5 trimmed and lower-cased, 32 hex
/// digits. The error is HMA's reason.
fn valid_signal(signal: SignalType, value: &str) -> Result<String, String> {
    match signal {
        SignalType::Pdq => {
            if value.len() == 64
                && value
                    .bytes()
                    .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
            {
                Ok(value.to_owned())
            } else {
                Err("invalid PDQ hash".into())
            }
        }
        SignalType::Md5 => {
            let v = value.trim().to_ascii_lowercase();
            if v.len() == 32 && v.bytes().all(|b| b.is_ascii_hexdigit()) {
                Ok(v)
            } else {
                Err(format!("'{value}' is not a valid MD5 hash"))
            }
        }
        SignalType::Sha256 => Err("not a signal type of this API".into()),
    }
}

/// The signal type of a lookup, and its hash, or HMA's 400.
fn lookup_signal(signal_type: &str, signal: &str) -> Result<(SignalType, String), Refusal> {
    let kind = signal_named(signal_type)
        .ok_or_else(|| bad(format!("No such SignalType '{signal_type}'")))?;
    let value = valid_signal(kind, signal).map_err(|r| bad(format!("invalid signal: {r}")))?;
    Ok((kind, value))
}

fn distance_text(signal: SignalType, distance: u32) -> String {
    if signal == SignalType::Pdq {
        distance.to_string()
    } else {
        "-".into()
    }
}

// ---------------------------------------------------------------------------------------------------------
// Banks and content as HMA shows them.

/// A bank.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct HmaBank {
    /// Its name.
    pub name: String,
    /// 1.0 when it is matched, 0.0 when it is not.
    pub matching_enabled_ratio: f64,
}

fn hma_bank(b: &vigie_model::Bank) -> HmaBank {
    HmaBank {
        name: b.name.clone(),
        matching_enabled_ratio: if b.enabled { 1.0 } else { 0.0 },
    }
}

/// Whether a name is one HMA accepts for a bank: upper-case letters, digits and underscores, not starting
/// with a digit.
fn valid_bank_name(name: &str) -> bool {
    let mut bytes = name.bytes();
    bytes
        .next()
        .is_some_and(|b| b.is_ascii_uppercase() || b == b'_')
        && bytes.all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
}

/// Whether an entry's labels leave it matched now (`disable_until_ts`: 0 disabled, 1 enabled, else enabled
/// from that Unix time on).
pub fn entry_enabled(labels: &Labels) -> bool {
    vigie_engine::entry_enabled(labels, vigie_model::Timestamp::now())
}

const NOTE: &str = "note";

/// A content's metadata as HMA stores it (`content_id`, `content_uri`, `json`), from the entry's labels, or null
/// when it has none.
fn user_metadata(labels: &Labels) -> Value {
    if !["content_id", "content_uri", "json"]
        .iter()
        .any(|k| labels.contains_key(*k))
    {
        return Value::Null;
    }
    json!({
        "content_id": labels.get("content_id"),
        "content_uri": labels.get("content_uri"),
        "json": labels.get("json").and_then(|j| serde_json::from_str::<Value>(j).ok()),
    })
}
const DISABLE_UNTIL: &str = "disable_until_ts";

fn disable_until(labels: &Labels) -> i64 {
    labels
        .get(DISABLE_UNTIL)
        .and_then(|v| v.parse().ok())
        .unwrap_or(1)
}

// ---------------------------------------------------------------------------------------------------------
// Status.

/// `GET /status`: readiness, as HMA answers it.
#[utoipa::path(get, path = "/status", tag = "hma", responses((status = 200, description = "I-AM-ALIVE")))]
pub async fn status() -> &'static str {
    "I-AM-ALIVE"
}

/// `GET /status/live`: liveness.
#[utoipa::path(get, path = "/status/live", tag = "hma", responses((status = 200, description = "I-AM-ALIVE")))]
pub async fn status_live() -> &'static str {
    "I-AM-ALIVE"
}

// ---------------------------------------------------------------------------------------------------------
// Hashing.

/// Query of the hashing endpoints.
#[derive(Debug, Default, Deserialize, IntoParams)]
pub struct HashParams {
    /// Media to fetch: refused (this server fetches nothing; upload the bytes).
    pub url: Option<String>,
    /// `photo` or `video`.
    pub content_type: Option<String>,
    /// Signal types to compute, comma-separated.
    pub types: Option<String>,
    /// Banks to look in, comma-separated (lookups).
    pub banks: Option<String>,
    /// Ignored: every enabled bank is matched.
    pub seed: Option<String>,
    /// Ignored: every enabled bank is matched.
    pub bypass_coinflip: Option<String>,
}

const NO_FETCH: &str = "this server does not fetch media from URLs: upload the file (multipart/form-data, \
                        the part named after its content type) instead";

/// One uploaded file: its content type (the part's name) and bytes.
async fn upload(form: UploadForm) -> Result<(String, Bytes, Vec<(String, String)>), Refusal> {
    let mut form = form.map_err(|_| bad("Missing multipart/form-data file upload"))?;
    let mut file: Option<(String, Bytes)> = None;
    let mut fields = Vec::new();
    loop {
        let part = match form.next_field().await {
            Ok(Some(p)) => p,
            Ok(None) => break,
            Err(e) => return Err(bad(format!("bad multipart/form-data: {e}"))),
        };
        let name = part.name().unwrap_or_default().to_owned();
        if part.file_name().is_some() {
            if file.is_some() {
                return Err(bad("Only one file allowed per request"));
            }
            let bytes = part
                .bytes()
                .await
                .map_err(|e| bad(format!("bad multipart/form-data: {e}")))?;
            file = Some((name, bytes));
        } else {
            let text = part
                .text()
                .await
                .map_err(|e| bad(format!("bad multipart/form-data: {e}")))?;
            fields.push((name, text));
        }
    }
    let (name, bytes) = file.ok_or_else(|| bad("Missing multipart/form-data file upload"))?;
    Ok((name, bytes, fields))
}

/// The signal types to compute for a content type, narrowed by `types`.
fn types_for(content_type: &str, types: Option<&str>) -> Result<Vec<SignalType>, Refusal> {
    let all = match content_type {
        "photo" => vec![SignalType::Pdq],
        "video" => vec![SignalType::Md5],
        other => return Err(bad(format!("no such content_type: '{other}'"))),
    };
    let Some(types) = types else {
        return Ok(all);
    };
    let mut out = Vec::new();
    for name in types.split(',').map(str::trim).filter(|t| !t.is_empty()) {
        match signal_named(name).filter(|s| all.contains(s)) {
            Some(s) => out.push(s),
            None => {
                return Err(bad(format!(
                    "signal type '{name}' doesn't exist or is disabled"
                )));
            }
        }
    }
    if out.is_empty() {
        return Err(bad("empty signal type selection"));
    }
    Ok(out)
}

/// The hashes of uploaded bytes: PDQ (the empty string under quality 50, as HMA answers) and MD5, with the
/// eight dihedral PDQ hashes for matching.
struct Hashed {
    signals: BTreeMap<&'static str, String>,
    medium: MediumHashes,
}

fn hash_upload(
    state: &AppState,
    content_type: &str,
    types: &[SignalType],
    bytes: &[u8],
) -> Result<Hashed, Refusal> {
    let mut hasher = vigie_pdq::Hasher::new();
    let hashes = vigie_engine::hash_bytes(bytes, &state.matching.limits, &mut hasher, true);
    let mut signals = BTreeMap::new();
    let mut medium = MediumHashes::default();
    for t in types {
        match t {
            SignalType::Pdq => {
                let image = match hashes.image {
                    Some(Ok(ref h)) => h,
                    Some(Err(ref e)) => return Err(bad(format!("cannot hash the photo: {e}"))),
                    None => {
                        return Err(bad(format!(
                            "the {content_type} upload is not an image this server decodes"
                        )));
                    }
                };
                let pdq = if image.quality >= state.matching.config.min_quality {
                    image.pdq.to_hex()
                } else {
                    String::new()
                };
                signals.insert("pdq", pdq);
                medium.pdq = image.matchable();
                medium.quality = Some(image.quality);
            }
            SignalType::Md5 => {
                signals.insert("video_md5", hashes.md5.clone());
                medium.md5 = Some(hashes.md5.clone());
            }
            SignalType::Sha256 => {}
        }
    }
    Ok(Hashed { signals, medium })
}

/// `POST /h/hash`: the hashes of an uploaded file (`photo` → `pdq`, `video` → `video_md5`).
#[utoipa::path(post, path = "/h/hash", tag = "hma", params(HashParams),
    request_body(content_type = "multipart/form-data", description = "One file, in the part named after its content type (`photo` or `video`)"),
    responses((status = 200, description = "Signal type to hash", body = BTreeMap<String, String>),
        (status = 400, body = HmaError)),
    security(("token" = []), ("session" = [])))]
pub async fn hash_post(
    _who: Authed<AnyRole>,
    State(state): State<AppState>,
    Query(params): Query<HashParams>,
    form: UploadForm,
) -> Response {
    answer(
        async {
            let (content_type, bytes, _) = upload(form).await?;
            let types = types_for(&content_type, params.types.as_deref())?;
            let hashed = hash_upload(&state, &content_type, &types, &bytes)?;
            Ok(Json(hashed.signals).into_response())
        }
        .await,
    )
}

/// `GET /h/hash`: hashing media at a URL, which this server refuses (it fetches nothing).
#[utoipa::path(get, path = "/h/hash", tag = "hma", params(HashParams),
    responses((status = 400, description = "URLs are not fetched", body = HmaError)),
    security(("token" = []), ("session" = [])))]
pub async fn hash_get(_who: Authed<AnyRole>, Query(params): Query<HashParams>) -> Response {
    if params.url.as_deref().is_none_or(str::is_empty) {
        return fail(StatusCode::UNPROCESSABLE_ENTITY, "Field required: url").into_response();
    }
    bad(NO_FETCH).into_response()
}

// ---------------------------------------------------------------------------------------------------------
// Matching.

/// Query of `GET /m/raw_lookup`.
#[derive(Debug, Deserialize, IntoParams)]
pub struct RawLookupParams {
    /// The hash.
    pub signal: Option<String>,
    /// `pdq` or `video_md5`.
    pub signal_type: Option<String>,
    /// Only these banks, comma-separated.
    pub banks: Option<String>,
    /// Answer each match with its distance.
    pub include_distance: Option<String>,
}

fn truthy(v: Option<&str>) -> Result<bool, Refusal> {
    match v.map(str::to_ascii_lowercase).as_deref() {
        None | Some("") => Ok(false),
        Some("true" | "1" | "yes" | "on" | "t" | "y") => Ok(true),
        Some("false" | "0" | "no" | "off" | "f" | "n") => Ok(false),
        Some(other) => Err(fail(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("not a boolean: {other:?}"),
        )),
    }
}

/// One match: the content (bank entry) and its distance.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct HmaMatch {
    /// The bank entry's id.
    pub bank_content_id: i64,
    /// Bits that differ (`"-"` for exact digests).
    pub distance: String,
}

/// The hits of one hash in the index at HMA's threshold: entry ids and distances, nearest first.
fn raw_hits(m: &Matcher, signal: SignalType, value: &str) -> Vec<(i64, u32)> {
    let mut out: Vec<(i64, u32)> = match signal {
        SignalType::Pdq => Hash256::from_hex(value)
            .map(|h| {
                m.search_pdq(&h, HMA_PDQ_THRESHOLD)
                    .into_iter()
                    .map(|(id, d)| (i64::from(id), d))
                    .collect()
            })
            .unwrap_or_default(),
        SignalType::Md5 | SignalType::Sha256 => m
            .search_digest(signal, value)
            .into_iter()
            .map(|id| (i64::from(id), 0))
            .collect(),
    };
    out.sort_unstable_by_key(|&(id, d)| (d, id));
    out
}

/// `GET /m/raw_lookup`: the entries whose hash is within HMA's threshold, whatever their bank's state.
#[utoipa::path(get, path = "/m/raw_lookup", tag = "hma", params(RawLookupParams),
    responses((status = 200, description = "`{\"matches\": [ids]}`, or with `include_distance` `{\"matches\": [{bank_content_id, distance}]}`"),
        (status = 400, body = HmaError), (status = 429, body = HmaError)),
    security(("token" = []), ("session" = [])))]
pub async fn raw_lookup(
    who: Authed<AnyRole>,
    State(state): State<AppState>,
    Query(q): Query<RawLookupParams>,
) -> Response {
    answer(
        async {
            limited(&state, &who.principal)?;
            let (Some(signal), Some(signal_type)) = (q.signal.as_deref(), q.signal_type.as_deref())
            else {
                return Err(fail(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "Field required: signal and signal_type",
                ));
            };
            let with_distance = truthy(q.include_distance.as_deref())?;
            let (kind, value) = lookup_signal(signal_type, signal)?;
            let banks: Option<Vec<String>> = q
                .banks
                .as_deref()
                .filter(|b| !b.is_empty())
                .map(|b| b.split(',').map(str::to_owned).collect());
            let service = state.matching.clone();
            let hits = if banks.is_none() && !service.due() {
                // The usual case: the index answers alone, on this thread.
                service
                    .with(|m| raw_hits(m, kind, &value))
                    .map_err(|e| store_failed(&e.into()))?
            } else {
                run(&state, move |s| {
                    service.refresh_if_due(s)?;
                    let hits = service.with(|m| raw_hits(m, kind, &value))?;
                    let Some(banks) = banks else {
                        return Ok(hits);
                    };
                    let ids: Vec<i64> = hits.iter().map(|h| h.0).collect();
                    let keep: std::collections::HashSet<i64> = s
                        .entries_by_id(&ids)?
                        .into_iter()
                        .filter(|e| banks.contains(&e.bank))
                        .map(|e| e.id)
                        .collect();
                    Ok(hits.into_iter().filter(|h| keep.contains(&h.0)).collect())
                })
                .await?
            };
            let body = if with_distance {
                json!({"matches": hits.iter().map(|&(id, d)| HmaMatch {
                bank_content_id: id,
                distance: distance_text(kind, d),
            }).collect::<Vec<_>>()})
            } else {
                json!({"matches": hits.iter().map(|h| h.0).collect::<Vec<_>>()})
            };
            Ok(Json(body).into_response())
        }
        .await,
    )
}

/// The matches of a medium by bank, as HMA's lookup answers them: active matches of enabled block banks
/// (an allow-list hit suppresses them, a held entry is not answered), enabled entries, in `banks` if given.
fn lookup_medium(
    service: &MatchService,
    s: &mut dyn Store,
    medium: &MediumHashes,
    banks: Option<&[String]>,
) -> Result<BTreeMap<String, Vec<HmaMatch>>, StoreError> {
    service.refresh_if_due(s)?;
    let guard = service
        .matcher
        .read()
        .map_err(|_| StoreError::Corrupt("the match index lock is poisoned".into()))?;
    let matcher = guard
        .as_ref()
        .ok_or_else(|| StoreError::Corrupt("the match index is not loaded".into()))?;
    let result = matcher.match_medium(s, medium)?;
    let mut out: BTreeMap<String, Vec<HmaMatch>> = BTreeMap::new();
    for hit in &result.hits {
        if hit.bank.kind != BankKind::Block || hit.status != MatchStatus::Active {
            continue;
        }
        if hit.entry.signal == SignalType::Pdq && hit.distance > HMA_PDQ_THRESHOLD {
            continue;
        }
        if banks.is_some_and(|b| !b.contains(&hit.bank.name)) {
            continue;
        }
        out.entry(hit.bank.name.clone())
            .or_default()
            .push(HmaMatch {
                bank_content_id: hit.entry.id,
                distance: distance_text(hit.entry.signal, hit.distance),
            });
    }
    Ok(out)
}

fn bank_filter(banks: Option<&str>) -> Option<Vec<String>> {
    banks
        .filter(|b| !b.is_empty())
        .map(|b| b.split(',').map(str::to_owned).collect())
}

/// Query of `GET /m/lookup`.
#[derive(Debug, Deserialize, IntoParams)]
pub struct LookupParams {
    /// Media to fetch: refused (upload it with `POST /m/lookup`).
    pub url: Option<String>,
    /// The hash.
    pub signal: Option<String>,
    /// `pdq` or `video_md5`.
    pub signal_type: Option<String>,
    /// Only these banks, comma-separated.
    pub banks: Option<String>,
    /// Ignored: every enabled bank is matched.
    pub seed: Option<String>,
    /// Ignored: every enabled bank is matched.
    pub bypass_coinflip: Option<String>,
    /// With `url`: its content type.
    pub content_type: Option<String>,
    /// With `url`: the signal types to compute.
    pub types: Option<String>,
}

/// `GET /m/lookup`: the matches of a hash, by bank (enabled banks and entries, active matches).
#[utoipa::path(get, path = "/m/lookup", tag = "hma", params(LookupParams),
    responses((status = 200, description = "Bank name to its matches", body = BTreeMap<String, Vec<HmaMatch>>),
        (status = 400, body = HmaError), (status = 429, body = HmaError)),
    security(("token" = []), ("session" = [])))]
pub async fn lookup_get(
    who: Authed<AnyRole>,
    State(state): State<AppState>,
    Query(q): Query<LookupParams>,
) -> Response {
    answer(
        async {
            limited(&state, &who.principal)?;
            truthy(q.bypass_coinflip.as_deref())?;
            if q.url.as_deref().is_some_and(|u| !u.is_empty()) {
                return Err(bad(NO_FETCH));
            }
            let (Some(signal), Some(signal_type)) = (
                q.signal.as_deref().filter(|s| !s.is_empty()),
                q.signal_type.as_deref().filter(|s| !s.is_empty()),
            ) else {
                return Err(bad(
                    "Either url or both signal and signal_type are required",
                ));
            };
            let (kind, value) = lookup_signal(signal_type, signal)?;
            let medium = match kind {
                SignalType::Pdq => MediumHashes {
                    pdq: Hash256::from_hex(&value)
                        .map(|h| vec![h])
                        .unwrap_or_default(),
                    ..MediumHashes::default()
                },
                _ => MediumHashes {
                    md5: Some(value),
                    ..MediumHashes::default()
                },
            };
            let banks = bank_filter(q.banks.as_deref());
            let service = state.matching.clone();
            let found = run(&state, move |s| {
                lookup_medium(&service, s, &medium, banks.as_deref())
            })
            .await?;
            Ok(Json(found).into_response())
        }
        .await,
    )
}

/// `POST /m/lookup`: hashes an uploaded file and answers its matches, by signal type then bank.
#[utoipa::path(post, path = "/m/lookup", tag = "hma", params(HashParams),
    request_body(content_type = "multipart/form-data", description = "One file, in the part named after its content type (`photo` or `video`)"),
    responses((status = 200, description = "Signal type to bank name to matches"),
        (status = 400, body = HmaError), (status = 429, body = HmaError)),
    security(("token" = []), ("session" = [])))]
pub async fn lookup_post(
    who: Authed<AnyRole>,
    State(state): State<AppState>,
    Query(params): Query<HashParams>,
    form: UploadForm,
) -> Response {
    answer(
        async {
            limited(&state, &who.principal)?;
            let (content_type, bytes, _) = upload(form).await?;
            let types = types_for(&content_type, params.types.as_deref())?;
            let hashed = hash_upload(&state, &content_type, &types, &bytes)?;
            let banks = bank_filter(params.banks.as_deref());
            let service = state.matching.clone();
            let names: Vec<&'static str> = hashed.signals.keys().copied().collect();
            let mut medium = hashed.medium;
            let found = run(&state, move |s| {
                let mut out: BTreeMap<&'static str, BTreeMap<String, Vec<HmaMatch>>> =
                    BTreeMap::new();
                for name in names {
                    // One signal type at a time, as HMA answers each apart.
                    let one = match name {
                        "pdq" => MediumHashes {
                            pdq: std::mem::take(&mut medium.pdq),
                            quality: medium.quality,
                            ..MediumHashes::default()
                        },
                        _ => MediumHashes {
                            md5: medium.md5.take(),
                            ..MediumHashes::default()
                        },
                    };
                    out.insert(name, lookup_medium(&service, s, &one, banks.as_deref())?);
                }
                Ok(out)
            })
            .await?;
            Ok(Json(found).into_response())
        }
        .await,
    )
}

/// Query of `GET /m/index/status` and `GET /c/signal_type/index`.
#[derive(Debug, Deserialize, IntoParams)]
pub struct IndexStatusParams {
    /// One signal type only.
    pub signal_type: Option<String>,
}

fn index_sizes(state: &AppState) -> Result<[(SignalType, usize); 2], Refusal> {
    let (pdq, md5) = state
        .matching
        .with(|m| (m.stats().pdq, m.md5_len()))
        .map_err(|e| store_failed(&e.into()))?;
    Ok([(SignalType::Pdq, pdq), (SignalType::Md5, md5)])
}

/// `GET /m/index/status`: per signal type, whether the index is present, when it was last brought up to date
/// (Unix seconds) and how many hashes it holds.
#[utoipa::path(get, path = "/m/index/status", tag = "hma", params(IndexStatusParams),
    responses((status = 200, description = "Signal type to `{present, built_to, size}`"), (status = 400, body = HmaError)),
    security(("token" = []), ("session" = [])))]
pub async fn index_status(
    _who: Authed<AnyRole>,
    State(state): State<AppState>,
    Query(q): Query<IndexStatusParams>,
) -> Response {
    answer(
        index_report(
            &state,
            q.signal_type.as_deref(),
            |size, at| json!({"present": true, "built_to": at, "size": size}),
        )
        .await,
    )
}

/// The index brought up to date, then one entry per signal type (or only `only`): `row(size, built_to)`, where
/// `built_to` is the Unix time of the last catch-up, or -1 for an empty index.
async fn index_report(
    state: &AppState,
    only: Option<&str>,
    row: impl Fn(usize, i64) -> Value,
) -> Answer {
    let only = match only {
        Some(name) => {
            Some(signal_named(name).ok_or_else(|| bad(format!("No such signal type '{name}'")))?)
        }
        None => None,
    };
    let service = state.matching.clone();
    run(state, move |s| service.refresh(s)).await?;
    let built = state
        .matching
        .built_at
        .load(std::sync::atomic::Ordering::Relaxed);
    let mut out = BTreeMap::new();
    for (signal, size) in index_sizes(state)? {
        if only.is_some_and(|o| o != signal) {
            continue;
        }
        if let Some(name) = hma_name(signal) {
            out.insert(name, row(size, if size == 0 { -1 } else { built }));
        }
    }
    Ok(Json(out).into_response())
}

/// `POST /m/compare`: `{type: [hash, hash]}` → `{type: [match, {"distance": n}]}`.
#[utoipa::path(post, path = "/m/compare", tag = "hma",
    request_body(content = BTreeMap<String, Vec<String>>, description = "Signal type to two hashes"),
    responses((status = 200, description = "Signal type to `[match, {distance}]`"), (status = 400, body = HmaError)),
    security(("token" = []), ("session" = [])))]
pub async fn compare(_who: Authed<AnyRole>, body: Bytes) -> Response {
    answer((|| {
        let value: Value = serde_json::from_slice(&body).map_err(|_| {
            bad("The browser (or proxy) sent a request that this server could not understand.")
        })?;
        let Value::Object(map) = value else {
            return Err(bad("Request input was not a dict"));
        };
        let mut out = serde_json::Map::new();
        for (name, pair) in map {
            let Value::Array(pair) = pair else {
                return Err(bad(format!("Comparison hashes for {name} was not a list")));
            };
            if pair.len() != 2 {
                return Err(bad("Comparison hash list length must be exactly 2"));
            }
            let kind =
                signal_named(&name).ok_or_else(|| bad(format!("No such SignalType '{name}'")))?;
            let mut hashes = Vec::new();
            for v in &pair {
                let text = v.as_str().unwrap_or_default();
                hashes.push(
                    valid_signal(kind, text)
                        .map_err(|r| bad(format!("Invalid {name} hash: {r}")))?,
                );
            }
            let verdict = match kind {
                SignalType::Pdq => {
                    let parse = |h: &str| Hash256::from_hex(h).unwrap_or_default();
                    let d = parse(&hashes[0]).distance(&parse(&hashes[1]));
                    json!([d <= HMA_PDQ_THRESHOLD, {"distance": d}])
                }
                _ => json!([hashes[0] == hashes[1], {}]),
            };
            out.insert(name, verdict);
        }
        Ok(Json(Value::Object(out)).into_response())
    })())
}

// ---------------------------------------------------------------------------------------------------------
// Curation.

/// `GET /c/banks`: every bank.
#[utoipa::path(get, path = "/c/banks", tag = "hma",
    responses((status = 200, body = Vec<HmaBank>)), security(("token" = []), ("session" = [])))]
pub async fn banks(_who: Authed<AnyRole>, State(state): State<AppState>) -> Response {
    answer(
        async {
            let banks = run(&state, |s| s.bank_settings()).await?;
            Ok(Json(banks.iter().map(hma_bank).collect::<Vec<_>>()).into_response())
        }
        .await,
    )
}

/// Body of `POST /c/banks` and `PUT /c/bank/{name}`.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct BankBody {
    /// The name (a new one, for `PUT`).
    pub name: Option<String>,
    /// 0.0 (not matched) to 1.0; above 0 the bank is matched.
    pub enabled_ratio: Option<f64>,
    /// Matched or not.
    pub enabled: Option<bool>,
}

fn json_body<T: for<'de> Deserialize<'de> + Default>(body: &Bytes) -> Result<T, Refusal> {
    if body.is_empty() {
        return Err(fail(
            StatusCode::UNPROCESSABLE_ENTITY,
            "a JSON object is required",
        ));
    }
    serde_json::from_slice(body).map_err(|e| {
        fail(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("invalid body: {e}"),
        )
    })
}

fn bank_error(e: &StoreError) -> Option<Refusal> {
    match e {
        StoreError::BankExists(_) => Some(fail(StatusCode::FORBIDDEN, "Bank already exists")),
        StoreError::NoSuchBank(name) => Some(fail(
            StatusCode::NOT_FOUND,
            format!("bank '{name}' not found"),
        )),
        _ => None,
    }
}

/// Runs a curation change, then hunts its changes through the stored media and brings the index up to date,
/// so that the next lookup sees it.
async fn curate<T: Send + 'static>(
    state: &AppState,
    f: impl FnOnce(&mut dyn Store) -> Result<T, StoreError> + Send + 'static,
) -> Result<Result<T, StoreError>, Refusal> {
    let service = state.matching.clone();
    let config = state.matching.config.clone();
    run(state, move |s| {
        let out = f(s);
        if out.is_ok() {
            if let Err(e) = vigie_engine::hunt(s, &config, &vigie_engine::HuntOptions::default()) {
                tracing::warn!("the hunt through stored media after a bank change failed: {e}");
            }
            service.refresh(s)?;
        }
        Ok(out)
    })
    .await
}

/// `POST /c/banks`: creates a bank (201).
#[utoipa::path(post, path = "/c/banks", tag = "hma", request_body = BankBody,
    responses((status = 201, body = HmaBank), (status = 400, body = HmaError), (status = 403, body = HmaError)),
    security(("token" = []), ("session" = [])))]
pub async fn create_bank(
    who: Authed<AdminRole>,
    State(state): State<AppState>,
    body: Bytes,
) -> Response {
    answer(
        async {
            let b: BankBody = json_body(&body)?;
            let Some(name) = b.name else {
                return Err(fail(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "Field required: name",
                ));
            };
            if !valid_bank_name(&name) {
                return Err(bad("Bank names must be UPPER_WITH_UNDERSCORE"));
            }
            let enabled = b
                .enabled_ratio
                .map_or(b.enabled.unwrap_or(true), |r| r > 0.0);
            let actor = who.actor();
            let created = curate(&state, move |s| {
                s.create_bank(
                    &NewBank {
                        enabled,
                        source: Some("HMA API".into()),
                        ..NewBank::named(&name)
                    },
                    &actor,
                )
            })
            .await?;
            match created {
                Ok(bank) => Ok((StatusCode::CREATED, Json(hma_bank(&bank))).into_response()),
                Err(e) => Err(bank_error(&e).unwrap_or_else(|| store_failed(&e.into()))),
            }
        }
        .await,
    )
}

async fn find_bank(state: &AppState, name: String) -> Result<vigie_model::Bank, Refusal> {
    let banks = run(state, |s| s.bank_settings()).await?;
    banks
        .into_iter()
        .find(|b| b.name == name)
        .ok_or_else(|| fail(StatusCode::NOT_FOUND, format!("bank '{name}' not found")))
}

/// `GET /c/bank/{name}`.
#[utoipa::path(get, path = "/c/bank/{name}", tag = "hma",
    responses((status = 200, body = HmaBank), (status = 404, body = HmaError)),
    security(("token" = []), ("session" = [])))]
pub async fn get_bank(
    _who: Authed<AnyRole>,
    State(state): State<AppState>,
    Path(name): Path<String>,
) -> Response {
    answer(
        find_bank(&state, name)
            .await
            .map(|b| Json(hma_bank(&b)).into_response()),
    )
}

/// `PUT /c/bank/{name}`: renames, enables or disables a bank.
#[utoipa::path(put, path = "/c/bank/{name}", tag = "hma", request_body = BankBody,
    responses((status = 200, body = HmaBank), (status = 400, body = HmaError), (status = 403, body = HmaError),
        (status = 404, body = HmaError)),
    security(("token" = []), ("session" = [])))]
pub async fn update_bank(
    who: Authed<AdminRole>,
    State(state): State<AppState>,
    Path(name): Path<String>,
    body: Bytes,
) -> Response {
    answer(
        async {
            let b: BankBody = json_body(&body)?;
            if let Some(new) = &b.name
                && !valid_bank_name(new)
            {
                return Err(bad("Bank names must be UPPER_WITH_UNDERSCORE"));
            }
            let mut enabled = b.enabled;
            if let Some(r) = b.enabled_ratio {
                enabled = Some(r > 0.0);
            }
            let change = BankChange {
                enabled,
                rename: b.name,
                ..BankChange::default()
            };
            let actor = who.actor();
            let changed = curate(&state, move |s| s.update_bank(&name, &change, &actor)).await?;
            match changed {
                Ok(bank) => Ok(Json(hma_bank(&bank)).into_response()),
                Err(StoreError::BankExists(_)) => {
                    Err(fail(StatusCode::FORBIDDEN, "Bank name already exists"))
                }
                Err(StoreError::NoSuchBank(_)) => {
                    Err(fail(StatusCode::NOT_FOUND, "Bank not found"))
                }
                Err(e) => Err(store_failed(&e.into())),
            }
        }
        .await,
    )
}

/// `DELETE /c/bank/{name}`: deletes a bank with its entries (and an unknown one: nothing to do).
#[utoipa::path(delete, path = "/c/bank/{name}", tag = "hma",
    responses((status = 200, body = HmaError, description = "`{\"message\": \"Done\"}`")),
    security(("token" = []), ("session" = [])))]
pub async fn delete_bank(
    who: Authed<AdminRole>,
    State(state): State<AppState>,
    Path(name): Path<String>,
) -> Response {
    answer(
        async {
            let actor = who.actor();
            match curate(&state, move |s| s.delete_bank(&name, &actor)).await? {
                Ok(_) | Err(StoreError::NoSuchBank(_)) => {
                    Ok(Json(json!({"message": "Done"})).into_response())
                }
                Err(e) => Err(store_failed(&e.into())),
            }
        }
        .await,
    )
}

/// What `note` and `metadata` say, checked as HMA checks them, as entry labels.
fn content_labels(note: Option<&Value>, metadata: Option<&Value>) -> Result<Labels, Refusal> {
    let mut labels = Labels::new();
    match note {
        None | Some(Value::Null | Value::Bool(false)) => {}
        Some(Value::String(s)) if s.is_empty() => {}
        Some(Value::Number(n)) if n.as_f64() == Some(0.0) => {}
        Some(Value::String(s)) => {
            if s.chars().count() > 255 {
                return Err(bad("note must be at most 255 characters"));
            }
            labels.insert(NOTE.into(), s.clone());
        }
        Some(_) => return Err(bad("note should be a string")),
    }
    match metadata {
        None | Some(Value::Null) => {}
        Some(Value::Object(map)) => {
            for (k, v) in map {
                match (k.as_str(), v) {
                    ("collab", _) | (_, Value::Null) => {}
                    ("content_id" | "content_uri", Value::String(s)) => {
                        labels.insert(k.clone(), s.clone());
                    }
                    ("json", Value::Object(_)) => {
                        labels.insert("json".into(), v.to_string());
                    }
                    _ => {
                        return Err(bad(format!(
                            "Invalid metadata: {k} is not content_id, content_uri (strings) or json (an object)"
                        )));
                    }
                }
            }
        }
        Some(_) => return Err(bad("metadata should be a json object")),
    }
    Ok(labels)
}

/// Adds signals to a bank as entries (one each), audited; answers `{"id", "signals"}` with the first entry's
/// id.
async fn add_signals(
    state: &AppState,
    actor: Actor,
    bank: String,
    signals: BTreeMap<&'static str, String>,
    labels: Labels,
) -> Answer {
    if signals.is_empty() {
        return Err(bad("No signals given"));
    }
    let mut records = Vec::new();
    let mut shown = BTreeMap::new();
    for (name, value) in &signals {
        let kind = signal_named(name).ok_or_else(|| bad(format!("No such signal type {name}")))?;
        let value =
            valid_signal(kind, value).map_err(|r| bad(format!("Invalid {name} signal: {r}")))?;
        shown.insert(*name, value.clone());
        records.push(EntryRecord {
            signal: kind,
            value,
            labels: labels.clone(),
            provenance: Some("HMA API".into()),
            deleted: false,
            updated_on: None,
        });
    }
    let first = (records[0].signal, records[0].value.clone());
    let target = bank.clone();
    let added = curate(state, move |s| {
        s.apply_entries_audited(
            &target,
            &records,
            &actor,
            &AuditEvent::BankImport {
                bank: target.clone(),
                file: "HMA API".into(),
                format: "hma".into(),
            },
        )?;
        s.find_entry(&target, first.0, &first.1)
    })
    .await?;
    match added {
        Ok(Some(entry)) => Ok(Json(json!({"id": entry.id, "signals": shown})).into_response()),
        Ok(None) => Err(store_failed(&AppError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "the entry just added is missing",
        ))),
        Err(e) => Err(bank_error(&e).unwrap_or_else(|| store_failed(&e.into()))),
    }
}

/// `POST /c/bank/{name}/signal`: adds hashes (`{"pdq": "...", "note": "..."}`).
#[utoipa::path(post, path = "/c/bank/{name}/signal", tag = "hma",
    request_body(content = BTreeMap<String, String>, description = "Signal type to hash, and an optional `note`"),
    responses((status = 200, description = "`{\"id\", \"signals\"}`"), (status = 400, body = HmaError), (status = 404, body = HmaError)),
    security(("token" = []), ("session" = [])))]
pub async fn add_signal(
    who: Authed<AdminRole>,
    State(state): State<AppState>,
    Path(bank): Path<String>,
    body: Bytes,
) -> Response {
    answer(
        async {
            find_bank(&state, bank.clone()).await?;
            let value: Value = serde_json::from_slice(&body).map_err(|_| {
                bad("The browser (or proxy) sent a request that this server could not understand.")
            })?;
            let Value::Object(map) = value else {
                return Err(bad("No signals given"));
            };
            let labels = content_labels(map.get("note"), None)?;
            let mut signals = BTreeMap::new();
            for (k, v) in &map {
                if k == "note" {
                    continue;
                }
                let Some(name) = ["pdq", "video_md5"].into_iter().find(|n| n == k) else {
                    return Err(bad(format!("No such signal type {k}")));
                };
                signals.insert(name, v.as_str().unwrap_or_default().to_owned());
            }
            add_signals(&state, who.actor(), bank, signals, labels).await
        }
        .await,
    )
}

/// `POST /c/bank/{name}/content`: hashes an uploaded file (the part named after its content type, with
/// optional `note` and `metadata` (JSON) fields) and adds its hashes.
#[utoipa::path(post, path = "/c/bank/{name}/content", tag = "hma", params(HashParams),
    request_body(content_type = "multipart/form-data", description = "One file in the part named after its content type, optional `note` and `metadata` fields"),
    responses((status = 200, description = "`{\"id\", \"signals\"}`"), (status = 400, body = HmaError), (status = 404, body = HmaError)),
    security(("token" = []), ("session" = [])))]
pub async fn add_content(
    who: Authed<AdminRole>,
    State(state): State<AppState>,
    Path(bank): Path<String>,
    Query(params): Query<HashParams>,
    form: UploadForm,
) -> Response {
    answer(
        async {
            find_bank(&state, bank.clone()).await?;
            if params.url.as_deref().is_some_and(|u| !u.is_empty()) {
                return Err(bad(NO_FETCH));
            }
            if form.is_err() {
                return Err(bad("Neither `url` nor multipart file upload was received"));
            }
            let (content_type, bytes, fields) = upload(form).await?;
            let field = |name: &str| {
                fields
                    .iter()
                    .find(|(k, _)| k == name)
                    .map(|(_, v)| v.clone())
            };
            let metadata = match field("metadata") {
                Some(text) => Some(
                    serde_json::from_str::<Value>(&text)
                        .map_err(|_| bad("metadata form field must be valid JSON"))?,
                ),
                None => None,
            };
            let labels =
                content_labels(field("note").map(Value::String).as_ref(), metadata.as_ref())?;
            let types = types_for(&content_type, params.types.as_deref())?;
            let hashed = hash_upload(&state, &content_type, &types, &bytes)?;
            add_signals(&state, who.actor(), bank, hashed.signals, labels).await
        }
        .await,
    )
}

/// Query of `GET /c/bank/{name}/content/{id}`.
#[derive(Debug, Deserialize, IntoParams)]
pub struct ContentParams {
    /// Answer the content's signals (`true`).
    pub include_signals: Option<String>,
    /// Answer its metadata (default `true`).
    pub include_metadata: Option<String>,
}

async fn find_content(
    state: &AppState,
    bank: String,
    id: i64,
) -> Result<(vigie_model::Bank, vigie_model::BankEntry), Refusal> {
    let found = find_bank(state, bank).await?;
    let entry = run(state, move |s| s.entries_by_id(&[id]))
        .await?
        .into_iter()
        .find(|e| e.removed_at.is_none());
    let entry =
        entry.ok_or_else(|| fail(StatusCode::NOT_FOUND, format!("content '{id}' not found")))?;
    Ok((found, entry))
}

/// `GET /c/bank/{name}/content/{id}`: a content (bank entry).
#[utoipa::path(get, path = "/c/bank/{name}/content/{id}", tag = "hma", params(ContentParams),
    responses((status = 200, description = "The content"), (status = 404, body = HmaError)),
    security(("token" = []), ("session" = [])))]
pub async fn get_content(
    _who: Authed<AnyRole>,
    State(state): State<AppState>,
    Path((bank, id)): Path<(String, i64)>,
    Query(q): Query<ContentParams>,
) -> Response {
    answer(
        async {
            let (_, entry) = find_content(&state, bank, id).await?;
            let owner = find_bank(&state, entry.bank.clone()).await?;
            let mut out = serde_json::Map::new();
            out.insert("id".into(), json!(entry.id));
            out.insert(
                "disable_until_ts".into(),
                json!(disable_until(&entry.labels)),
            );
            out.insert("original_media_uri".into(), Value::Null);
            out.insert("bank".into(), json!(hma_bank(&owner)));
            if q.include_signals
                .as_deref()
                .is_some_and(|v| v.eq_ignore_ascii_case("true"))
                && let Some(name) = hma_name(entry.signal)
            {
                out.insert("signals".into(), json!({ name: entry.value }));
            }
            let with_metadata = q
                .include_metadata
                .as_deref()
                .is_none_or(|v| v.eq_ignore_ascii_case("true"));
            let l = &entry.labels;
            if with_metadata && let Value::Object(mut meta) = user_metadata(l) {
                meta.insert("collab".into(), Value::Null);
                out.insert("metadata".into(), Value::Object(meta));
            }
            if let Some(note) = l.get(NOTE) {
                out.insert("note".into(), json!(note));
            }
            Ok(Json(Value::Object(out)).into_response())
        }
        .await,
    )
}

/// `PUT /c/bank/{name}/content/{id}`: changes a content's `disable_until_ts` or `note`.
#[utoipa::path(put, path = "/c/bank/{name}/content/{id}", tag = "hma",
    request_body(content = BTreeMap<String, String>, description = "`disable_until_ts` and/or `note`"),
    responses((status = 200, description = "The content record"), (status = 400, body = HmaError), (status = 404, body = HmaError)),
    security(("token" = []), ("session" = [])))]
pub async fn update_content(
    who: Authed<AdminRole>,
    State(state): State<AppState>,
    Path((bank, id)): Path<(String, i64)>,
    body: Bytes,
) -> Response {
    answer(
        async {
            let (_, entry) = find_content(&state, bank, id).await?;
            let value: Value = serde_json::from_slice(&body).map_err(|_| {
                bad("The browser (or proxy) sent a request that this server could not understand.")
            })?;
            let mut labels = entry.labels.clone();
            if let Some(v) = value.get(DISABLE_UNTIL) {
                let ts: i64 = match v {
                    Value::Number(n) => n
                        .as_i64()
                        .or_else(|| n.as_f64().map(|f| f as i64))
                        .unwrap_or(-1),
                    Value::String(s) => s
                        .trim()
                        .parse()
                        .map_err(|_| bad(format!("Invalid int: '{s}'")))?,
                    _ => return Err(bad(format!("Invalid int: '{v}'"))),
                };
                if ts < 0 {
                    return Err(bad("disable_until_ts must be a non-negative integer"));
                }
                let now = vigie_model::Timestamp::now().0 / 1000;
                if ts > now + 5 * 365 * 86_400 {
                    return Err(bad(
                        "disable_until_ts must be less than 5 years in the future",
                    ));
                }
                if ts == 1 {
                    labels.remove(DISABLE_UNTIL);
                } else {
                    labels.insert(DISABLE_UNTIL.into(), ts.to_string());
                }
            }
            if let Some(note) = value.get(NOTE) {
                labels.remove(NOTE);
                labels.extend(content_labels(Some(note), None)?);
            }
            let record = EntryRecord {
                signal: entry.signal,
                value: entry.value.clone(),
                labels: labels.clone(),
                provenance: entry.provenance.clone(),
                deleted: false,
                updated_on: None,
            };
            let actor = who.actor();
            let target = entry.bank.clone();
            let changed = curate(&state, move |s| {
                s.apply_entries_audited(
                    &target,
                    &[record],
                    &actor,
                    &AuditEvent::BankImport {
                        bank: target.clone(),
                        file: "HMA API".into(),
                        format: "hma".into(),
                    },
                )
            })
            .await?;
            changed.map_err(|e| store_failed(&e.into()))?;
            let owner = find_bank(&state, entry.bank.clone()).await?;
            Ok(Json(json!({
                "id": entry.id,
                "disable_until_ts": disable_until(&labels),
                "collab_metadata": {},
                "original_media_uri": Value::Null,
                "bank": hma_bank(&owner),
                "user_metadata": user_metadata(&labels),
                "note": labels.get(NOTE),
            }))
            .into_response())
        }
        .await,
    )
}

/// `DELETE /c/bank/{name}/content/{id}`: removes a content (the entry is kept as removed, so exports carry the
/// withdrawal); `{"deleted": 1}`, or 0 when there was none.
#[utoipa::path(delete, path = "/c/bank/{name}/content/{id}", tag = "hma",
    responses((status = 200, description = "`{\"deleted\": n}`"), (status = 404, body = HmaError)),
    security(("token" = []), ("session" = [])))]
pub async fn delete_content(
    who: Authed<AdminRole>,
    State(state): State<AppState>,
    Path((bank, id)): Path<(String, i64)>,
) -> Response {
    answer(
        async {
            find_bank(&state, bank.clone()).await?;
            let entry = run(&state, move |s| s.entries_by_id(&[id]))
                .await?
                .into_iter()
                .find(|e| e.removed_at.is_none());
            let Some(entry) = entry else {
                return Ok(Json(json!({"deleted": 0})).into_response());
            };
            let actor = who.actor();
            let removed = curate(&state, move |s| {
                s.apply_entries_audited(
                    &entry.bank,
                    &[EntryRecord {
                        signal: entry.signal,
                        value: entry.value.clone(),
                        labels: Labels::new(),
                        provenance: None,
                        deleted: true,
                        updated_on: None,
                    }],
                    &actor,
                    &AuditEvent::BankRemoveEntries {
                        bank: entry.bank.clone(),
                        hashes: vec![format!("{}:{}", entry.signal, entry.value)],
                    },
                )
            })
            .await?
            .map_err(|e| store_failed(&e.into()))?;
            Ok(Json(json!({"deleted": removed.removed})).into_response())
        }
        .await,
    )
}

/// `GET /c/signal_type`: the signal types this API serves.
#[utoipa::path(get, path = "/c/signal_type", tag = "hma",
    responses((status = 200, description = "`[{name, enabled_ratio}]`")), security(("token" = []), ("session" = [])))]
pub async fn signal_types(_who: Authed<AnyRole>) -> Response {
    Json(json!([
        {"name": "pdq", "enabled_ratio": 1.0},
        {"name": "video_md5", "enabled_ratio": 1.0}
    ]))
    .into_response()
}

/// `GET /c/content_type`: the content types this API hashes.
#[utoipa::path(get, path = "/c/content_type", tag = "hma",
    responses((status = 200, description = "`[{name, enabled}]`")), security(("token" = []), ("session" = [])))]
pub async fn content_types(_who: Authed<AnyRole>) -> Response {
    Json(json!([
        {"name": "photo", "enabled": true},
        {"name": "video", "enabled": true}
    ]))
    .into_response()
}

/// `GET /c/signal_type/index`: per signal type, the hashes stored and indexed (always equal: the index reads
/// every change).
#[utoipa::path(get, path = "/c/signal_type/index", tag = "hma", params(IndexStatusParams),
    responses((status = 200, description = "Signal type to `{db_size, index_size, index_out_of_date, newest_db_item, index_built_to}`"),
        (status = 400, body = HmaError)),
    security(("token" = []), ("session" = [])))]
pub async fn signal_type_index(
    _who: Authed<AnyRole>,
    State(state): State<AppState>,
    Query(q): Query<IndexStatusParams>,
) -> Response {
    answer(
        index_report(&state, q.signal_type.as_deref(), |size, at| {
            json!({"db_size": size, "index_size": size, "index_out_of_date": false,
               "newest_db_item": at, "index_built_to": at})
        })
        .await,
    )
}
