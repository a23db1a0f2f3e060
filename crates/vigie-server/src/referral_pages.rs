//! The referral pages of the web interface: the referrals and what is left to refer, one referral with its items
//! and the form that records its new status, and the "refer" action of a confirmed case. Each goes through the
//! same functions as the API (`api::make_referral`, `api::move_referral`, `api::rendered_referral`).

use crate::api::{self, NewReferralRequest, ReferralStatusRequest};
use crate::auth::{AnalystRole, AnyRole, Authed, ReviewerRole, url_escape};
use crate::pages::{layout, page_error, viewer};
use crate::{AppError, AppState};
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use serde::Deserialize;
use vigie_model::{Referral, ReferralStatus, Role, Timestamp};

/// Which referrals the list shows, and what was just done.
#[derive(Debug, Default, Deserialize)]
pub struct ListParams {
    platform: Option<String>,
    status: Option<String>,
    done: Option<String>,
}

fn badge(status: ReferralStatus) -> Markup {
    html! { span class={"status referral-" (status.as_str())} { (status.as_str()) } }
}

fn when(t: Option<Timestamp>) -> String {
    t.map(|t| t.to_string()).unwrap_or_default()
}

/// A share of `n` in `of`, as a percentage ("" when there is nothing to share).
fn share(n: usize, of: usize) -> String {
    if of == 0 {
        String::new()
    } else {
        #[allow(clippy::cast_precision_loss)]
        let pct = n as f64 * 100.0 / of as f64;
        format!("{pct:.0}%")
    }
}

/// `GET /referrals`: the referrals, newest first (of one platform or status when asked), and, for reviewers, the
/// confirmed cases of each platform that no referral holds yet, with the form that makes a draft of them.
pub async fn referrals_page(
    user: Authed<AnyRole>,
    State(state): State<AppState>,
    Query(p): Query<ListParams>,
) -> Response {
    let status = match p.status.as_deref().filter(|s| !s.is_empty()) {
        Some(s) => match ReferralStatus::parse(s) {
            Some(s) => Some(s),
            None => {
                return page_error(AppError::bad_request(format!(
                    "{s:?} is not a referral status"
                )));
            }
        },
        None => None,
    };
    let platform = p.platform.clone().filter(|p| !p.is_empty());
    let reviewer = user.user().role >= Role::Reviewer;
    let found = state
        .pool
        .run(move |s| {
            let referrals = s.referrals(platform.as_deref(), status)?;
            let pending = if reviewer {
                vigie_evidence::referral::unreferred(s, None)?
            } else {
                Default::default()
            };
            Ok((referrals, pending))
        })
        .await;
    let (referrals, pending) = match found {
        Ok(f) => f,
        Err(e) => return page_error(e),
    };
    let csrf = user.csrf().to_owned();
    let body = html! {
        h1 { "Referrals" }
        @if let Some(done) = &p.done { p.notice role="status" { "Recorded: " (done) "." } }
        p.hint {
            "A referral is a batch of confirmed cases of one platform, sent through the platform's own channel: "
            "make a draft, download its file, send it, then record here what the platform did."
        }
        @if reviewer {
            h2 { "To refer" }
            @if pending.is_empty() {
                p.empty #nothing-to-refer { "Every confirmed case is in a referral." }
            } @else {
                table #to-refer {
                    thead { tr { th { "Platform" } th { "Confirmed cases not referred" } th { "" } } }
                    tbody {
                        @for (platform, cases) in &pending {
                            tr {
                                td { (platform) }
                                td.num { (cases.len()) }
                                td {
                                    form.refer-all method="post" action="/referrals" {
                                        input type="hidden" name="csrf" value=(csrf);
                                        input type="hidden" name="platform" value=(platform);
                                        input type="hidden" name="all_confirmed" value="true";
                                        button type="submit" data-platform=(platform) { "Make a draft referral of them" }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        h2 { "Referrals" }
        form.filters method="get" action="/referrals" {
            label { "Platform " input type="text" name="platform" size="10" value=(p.platform.as_deref().unwrap_or("")); }
            label { "Status " select name="status" {
                option value="" { "any" }
                @for s in ReferralStatus::ALL { option value=(s.as_str()) selected[status == Some(s)] { (s.as_str()) } }
            } }
            button type="submit" { "Show" }
        }
        @if referrals.is_empty() { p.empty { "No referral." } }
        @else {
            table #referrals {
                thead { tr {
                    th { "#" } th { "Platform" } th { "Status" } th { "Items" } th { "Actioned" } th { "Still live" }
                    th { "No longer observed" } th { "Made by" } th { "Made" } th { "Sent" }
                } }
                tbody {
                    @for r in &referrals {
                        tr {
                            td { a href={"/referrals/" (r.id)} { "#" (r.id) } }
                            td { (r.platform) } td { (badge(r.status)) } td.num { (r.items) }
                            td.num { (r.actioned) " " small { (share(r.actioned, r.items)) } }
                            td.num { (r.still_live) } td.num { (r.no_longer_observed) }
                            td { (r.created_by) } td { (r.created_at.to_string()) } td { (when(r.sent_at)) }
                        }
                    }
                }
            }
        }
    };
    layout("Referrals", Some(viewer(&user)), body).into_response()
}

/// `?done=` after a change.
#[derive(Debug, Default, Deserialize)]
pub struct DoneParams {
    done: Option<String>,
}

fn facts(r: &Referral) -> Markup {
    html! {
        dl.facts {
            dt { "Platform" } dd #platform { (r.platform) }
            dt { "Template" } dd { (r.template) }
            dt { "Made" } dd { (r.created_at.to_string()) " by " (r.created_by) }
            dt { "Sent" } dd { @if let Some(t) = r.sent_at { (t.to_string()) } @else { "not yet" } }
            dt { "Last change" } dd { (r.updated_at.to_string()) }
            dt { "Items" } dd { (r.items) }
            dt { "Actioned" } dd #actioned { (r.actioned) " " (share(r.actioned, r.items)) }
            dt { "Still live after referral" } dd #still-live { (r.still_live) }
            dt { "No longer observed" } dd { (r.no_longer_observed) }
        }
    }
}

/// `GET /referrals/{id}`: a referral, its items with their permalinks and what the platform did of each, its
/// file to download (analysts) and the form that records its next status (reviewers).
pub async fn referral_page(
    user: Authed<AnyRole>,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Query(p): Query<DoneParams>,
) -> Response {
    let detail = match api::referral_detail(&state, id).await {
        Ok(d) => d,
        Err(e) => return page_error(e),
    };
    let r = &detail.referral;
    let role = user.user().role;
    let next: Vec<ReferralStatus> = ReferralStatus::ALL
        .into_iter()
        .filter(|s| r.status.may_become(*s))
        .collect();
    let body = html! {
        p { a href="/referrals" { "← Referrals" } }
        @if let Some(done) = &p.done { p.notice role="status" { "Recorded: " (done) "." } }
        h1 { "Referral #" (r.id) " " span #referral-status { (badge(r.status)) } }
        (facts(r))
        @if role >= Role::Analyst {
            p { a #export href={"/referrals/" (r.id) "/export"} download { "Download the file to send (" (r.template) " template)" } }
        }
        @if role >= Role::Reviewer && !next.is_empty() {
            h2 { "Record where it stands" }
            form #status-form method="post" action={"/referrals/" (r.id) "/status"} {
                input type="hidden" name="csrf" value=(user.csrf());
                label { "Status " select #status-select name="status" {
                    @for s in &next { option value=(s.as_str()) { (s.as_str()) } }
                } }
                label { "Note " input #status-note type="text" name="note" size="40" placeholder="how it was sent, the platform's reference…"; }
                button #record-status type="submit" { "Record" }
            }
        }
        h2 { "Items" }
        table #items {
            thead { tr {
                th { "Case" } th { "Subject" } th { "Permalink" } th { "Label" } th { "Score" } th { "Outcome" }
                th { "Actioned" } th { "Still live after referral" } th { "No longer observed" }
            } }
            tbody {
                @for i in &detail.items {
                    tr {
                        td { a href={"/cases/" (i.case_id)} { "#" (i.case_id) } }
                        td { (i.subject) }
                        td { @if let Some(url) = &i.permalink {
                            a href=(url) rel="noopener noreferrer nofollow" referrerpolicy="no-referrer" { (url) }
                        } }
                        td { (i.label.as_deref().unwrap_or("")) }
                        td.num { (format!("{:.2}", i.score)) }
                        td { (i.outcome.as_deref().unwrap_or("")) }
                        td { (when(i.actioned_at)) }
                        td.live { (when(i.seen_live_at)) }
                        td { (when(i.gone_at)) }
                    }
                }
            }
        }
    };
    layout(&format!("Referral #{}", r.id), Some(viewer(&user)), body).into_response()
}

/// The form that makes a referral: every confirmed case of a platform not referred yet, or the cases named.
#[derive(Debug, Deserialize)]
pub struct MakeForm {
    platform: String,
    template: Option<String>,
    /// Case ids, separated by commas or spaces.
    cases: Option<String>,
    all_confirmed: Option<String>,
}

/// `POST /referrals` (reviewers): makes a draft referral and shows it.
pub async fn make(
    user: Authed<ReviewerRole>,
    State(state): State<AppState>,
    Form(form): Form<MakeForm>,
) -> Response {
    let mut cases = Vec::new();
    for part in form
        .cases
        .as_deref()
        .unwrap_or("")
        .split(|c: char| c == ',' || c.is_whitespace())
        .filter(|p| !p.is_empty())
    {
        match part.trim_start_matches('#').parse::<i64>() {
            Ok(id) => cases.push(id),
            Err(_) => {
                return page_error(AppError::bad_request(format!(
                    "{part:?} is not a case number"
                )));
            }
        }
    }
    let req = NewReferralRequest {
        platform: form.platform,
        template: form.template,
        cases,
        all_confirmed: form.all_confirmed.is_some_and(|v| v == "true" || v == "on"),
    };
    match api::make_referral(&state, user.actor(), req).await {
        Ok(r) => Redirect::to(&format!(
            "/referrals/{}?done={}",
            r.id,
            url_escape(&format!(
                "draft made with {} case{}",
                r.items,
                if r.items == 1 { "" } else { "s" }
            ))
        ))
        .into_response(),
        Err(e) => page_error(e),
    }
}

/// The status form.
#[derive(Debug, Deserialize)]
pub struct StatusForm {
    status: String,
    note: Option<String>,
}

/// `POST /referrals/{id}/status` (reviewers): records the referral's new status.
pub async fn mark(
    user: Authed<ReviewerRole>,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Form(form): Form<StatusForm>,
) -> Response {
    let Some(status) = ReferralStatus::parse(&form.status) else {
        return page_error(AppError::bad_request(format!(
            "{:?} is not a referral status",
            form.status
        )));
    };
    let req = ReferralStatusRequest {
        status,
        note: form.note.filter(|n| !n.trim().is_empty()),
    };
    match api::move_referral(&state, user.actor(), id, req).await {
        Ok(r) => Redirect::to(&format!(
            "/referrals/{id}?done={}",
            url_escape(r.status.as_str())
        ))
        .into_response(),
        Err(e) => page_error(e),
    }
}

/// `GET /referrals/{id}/export` (analysts): the referral's file, as its template says.
pub async fn export(
    _user: Authed<AnalystRole>,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Response {
    match api::rendered_referral(&state, id).await {
        Ok(r) => r,
        Err(e) => page_error(e),
    }
}
