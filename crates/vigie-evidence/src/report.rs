//! The transparency report: what was found, confirmed, referred and taken down in a period, as one
//! self-contained HTML page (charts as inline SVG, no script, no external font or image, readable printed) and
//! the same figures as JSON.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::Serialize;
use vigie_model::{Action, CaseStatus, Timestamp};
use vigie_store::{CaseQuery, Store};

use crate::EvidenceError;
use crate::referral::{PlatformStats, stats};

/// The report's figures.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    /// The period's start (inclusive), when bounded.
    pub from: Option<Timestamp>,
    /// Its end (exclusive), when bounded.
    pub to: Option<Timestamp>,
    /// When the report was made.
    pub made_at: Timestamp,
    /// Cases opened in the period.
    pub cases_found: usize,
    /// Cases confirmed in the period.
    pub cases_confirmed: usize,
    /// Cases found, by category.
    pub found_by_category: BTreeMap<String, usize>,
    /// Cases confirmed, by category.
    pub confirmed_by_category: BTreeMap<String, usize>,
    /// Cases found, by kind of evidence (a case counts once per kind it holds).
    pub found_by_signal: BTreeMap<String, usize>,
    /// Cases found, by language.
    pub found_by_language: BTreeMap<String, usize>,
    /// Referrals sent in the period, per platform, and what became of their items.
    pub referrals: Vec<PlatformStats>,
    /// Decisions that undid an earlier one in the period: reopened cases, and first confirmations a second
    /// reviewer did not share.
    pub reviewer_reversals: usize,
    /// False positives whose media reviewers sent to an allow-list in the period.
    pub allow_listed_false_positives: usize,
}

impl Report {
    /// An empty report of a period, made now.
    pub fn empty(from: Option<Timestamp>, to: Option<Timestamp>) -> Report {
        Report {
            from,
            to,
            made_at: Timestamp::now(),
            cases_found: 0,
            cases_confirmed: 0,
            found_by_category: BTreeMap::new(),
            confirmed_by_category: BTreeMap::new(),
            found_by_signal: BTreeMap::new(),
            found_by_language: BTreeMap::new(),
            referrals: Vec::new(),
            reviewer_reversals: 0,
            allow_listed_false_positives: 0,
        }
    }
}

fn within(t: Timestamp, from: Option<Timestamp>, to: Option<Timestamp>) -> bool {
    from.is_none_or(|f| t >= f) && to.is_none_or(|e| t < e)
}

/// Counts the period's figures.
///
/// # Errors
/// When the store fails.
pub fn figures(
    store: &mut dyn Store,
    from: Option<Timestamp>,
    to: Option<Timestamp>,
) -> Result<Report, EvidenceError> {
    let mut r = Report::empty(from, to);
    let cases = store.cases(&CaseQuery {
        limit: usize::MAX,
        ..CaseQuery::default()
    })?;
    let category = |c: &vigie_model::Case| {
        c.category
            .map_or_else(|| "uncategorized".to_owned(), |v| v.as_str().to_owned())
    };
    for case in &cases {
        if within(case.created_at, from, to) {
            r.cases_found += 1;
            *r.found_by_category.entry(category(case)).or_default() += 1;
            for signal in &case.signals {
                *r.found_by_signal
                    .entry(signal.as_str().to_owned())
                    .or_default() += 1;
            }
            let language = case
                .language
                .clone()
                .unwrap_or_else(|| "unknown".to_owned());
            *r.found_by_language.entry(language).or_default() += 1;
        }
        let decisions = store.decisions(case.id)?;
        for d in decisions.iter().filter(|d| within(d.at, from, to)) {
            match (d.action, d.from_status, d.to_status) {
                (_, _, CaseStatus::Confirmed) => {
                    r.cases_confirmed += 1;
                    *r.confirmed_by_category.entry(category(case)).or_default() += 1;
                }
                (Action::Reopen, _, _) | (_, CaseStatus::Pending, CaseStatus::Rejected) => {
                    r.reviewer_reversals += 1;
                }
                _ => {}
            }
            if d.action == Action::Reject && d.allow_list {
                r.allow_listed_false_positives += 1;
            }
        }
    }
    r.referrals = stats(store, None, from, to)?;
    Ok(r)
}

/// Escapes text for HTML.
fn esc(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A horizontal bar chart of `counts`, as inline SVG with its numbers written beside the bars (and a title for
/// screen readers).
fn bars(title: &str, counts: &BTreeMap<String, usize>) -> String {
    if counts.is_empty() {
        return format!("<p class=\"none\">{}: none in this period.</p>", esc(title));
    }
    let max = counts.values().copied().max().unwrap_or(1).max(1);
    let row = 26;
    let height = row * counts.len() + 10;
    let mut svg = format!(
        "<figure><figcaption>{t}</figcaption><svg role=\"img\" aria-label=\"{t}\" xmlns=\"http://www.w3.org/2000/svg\" \
         width=\"640\" height=\"{height}\" viewBox=\"0 0 640 {height}\"><title>{t}</title>",
        t = esc(title)
    );
    for (i, (label, n)) in counts.iter().enumerate() {
        let y = i * row + 5;
        #[allow(
            clippy::cast_precision_loss,
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss
        )]
        let width = ((*n as f64 / max as f64) * 380.0).round().max(1.0) as usize;
        let _ = write!(
            svg,
            "<text x=\"170\" y=\"{ty}\" text-anchor=\"end\" font-size=\"13\">{label}</text>\
             <rect x=\"180\" y=\"{y}\" width=\"{width}\" height=\"18\" fill=\"#44617b\"/>\
             <text x=\"{tx}\" y=\"{ty}\" font-size=\"13\">{n}</text>",
            ty = y + 14,
            tx = 186 + width,
            label = esc(label)
        );
    }
    svg.push_str("</svg></figure>");
    svg
}

fn when(t: Option<Timestamp>) -> String {
    t.map_or_else(|| "—".to_owned(), |t| t.to_string())
}

/// The report as one self-contained HTML page.
pub fn html(r: &Report) -> String {
    let mut page = String::with_capacity(16 * 1024);
    page.push_str(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>Transparency report</title><style>\
         body{font-family:system-ui,sans-serif;margin:2rem auto;max-width:60rem;color:#1b1b1b;line-height:1.4}\
         h1{font-size:1.6rem}h2{font-size:1.2rem;margin-top:2rem;border-bottom:1px solid #ccc}\
         table{border-collapse:collapse;margin:1rem 0}td,th{border:1px solid #bbb;padding:.3rem .6rem;text-align:right}\
         th:first-child,td:first-child{text-align:left}figure{margin:1rem 0}figcaption{font-weight:600}\
         .big{font-size:1.4rem;font-weight:700}.none{color:#555}\
         @media print{body{margin:0;max-width:none}h2{break-after:avoid}figure,table{break-inside:avoid}}\
         </style></head><body>",
    );
    let _ = write!(
        page,
        "<h1>Transparency report</h1><p>Period: {} to {} (UTC). Made {}.</p>",
        when(r.from),
        when(r.to),
        r.made_at
    );
    let _ = write!(
        page,
        "<h2>Cases</h2><p><span class=\"big\">{}</span> cases found, <span class=\"big\">{}</span> confirmed by two \
         reviewers. Nothing is referred without a completed human decision.</p>",
        r.cases_found, r.cases_confirmed
    );
    page.push_str(&bars("Cases found by category", &r.found_by_category));
    page.push_str(&bars(
        "Cases confirmed by category",
        &r.confirmed_by_category,
    ));
    page.push_str(&bars("Cases found by kind of evidence", &r.found_by_signal));
    page.push_str(&bars("Cases found by language", &r.found_by_language));
    page.push_str("<h2>Referrals and takedowns</h2>");
    if r.referrals.is_empty() {
        page.push_str("<p class=\"none\">No referral was sent in this period.</p>");
    } else {
        page.push_str(
            "<table><thead><tr><th>Platform</th><th>Referrals</th><th>Items</th><th>Actioned</th>\
             <th>Declined</th><th>Still live</th><th>No longer observed</th><th>Median time to action</th>\
             <th>90th percentile</th></tr></thead><tbody>",
        );
        let hours = |h: Option<f64>| h.map_or_else(|| "—".to_owned(), |h| format!("{h:.1} h"));
        for s in &r.referrals {
            let _ = write!(
                page,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{} ({:.0}%)</td><td>{}</td><td>{} ({:.0}%)</td>\
                 <td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(&s.platform),
                s.referrals,
                s.items,
                s.actioned,
                s.share_actioned * 100.0,
                s.declined,
                s.still_live,
                s.share_still_live * 100.0,
                s.no_longer_observed,
                hours(s.median_hours_to_action),
                hours(s.p90_hours_to_action)
            );
        }
        page.push_str("</tbody></table>");
        let actioned: BTreeMap<String, usize> = r
            .referrals
            .iter()
            .map(|s| (s.platform.clone(), s.actioned))
            .collect();
        page.push_str(&bars("Items actioned per platform", &actioned));
    }
    let _ = write!(
        page,
        "<h2>Accountability</h2><p>{} reviewer reversals (cases reopened, or a first confirmation the second \
         reviewer did not share); {} false positives whose media reviewers sent to an allow-list.</p>",
        r.reviewer_reversals, r.allow_listed_false_positives
    );
    page.push_str("</body></html>\n");
    page
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_holds_its_figures_and_nothing_from_elsewhere() {
        let mut r = Report::empty(None, None);
        r.cases_found = 3;
        r.cases_confirmed = 1;
        r.found_by_category.insert("glorification".into(), 2);
        r.found_by_category.insert("<script>".into(), 1);
        let page = html(&r);
        assert!(page.contains("<svg"), "{page}");
        assert!(page.contains("&lt;script&gt;"));
        assert!(!page.contains("<script"));
        assert!(!page.contains("src=") && !page.contains("<link") && !page.contains("@import"));
        assert!(page.contains("No referral was sent"));
    }
}
