//! `vigie referral ...`: batches of confirmed cases sent to a platform, their export as the platform's template
//! says, and what the platform did.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::bail;
use clap::Subcommand;
use vigie_model::ReferralStatus;
use vigie_store::Store;

use crate::output::{OutputFormat, json};

/// `vigie referral ...`.
#[derive(Debug, Subcommand)]
pub enum ReferralCommand {
    /// Make a draft referral of confirmed cases of one platform (each case at most once, ever).
    Create {
        /// The platform.
        #[arg(long)]
        platform: String,
        /// The template its export follows (default: the platform's own, else `generic`).
        #[arg(long)]
        template: Option<String>,
        /// Every confirmed case of the platform not referred yet.
        #[arg(long, conflicts_with = "cases")]
        all_confirmed: bool,
        /// Case ids.
        cases: Vec<i64>,
    },
    /// List referrals, newest first.
    List {
        /// Only this platform.
        #[arg(long)]
        platform: Option<String>,
        /// Only this status (draft, sent, acknowledged, actioned, declined, expired).
        #[arg(long, value_parser = parse_status)]
        status: Option<ReferralStatus>,
    },
    /// A referral and its items.
    Show {
        /// The referral.
        id: i64,
    },
    /// Write a referral's items as its template says (CSV or JSON).
    Export {
        /// The referral.
        id: i64,
        /// The file to write.
        #[arg(long, short)]
        output: PathBuf,
    },
    /// Import a platform's answers about a referral's items (CSV with a header, or JSON): each row names its
    /// item (`case_id`, `permalink` or `post_id`) and its `outcome` (removed, restricted, suspended: actioned;
    /// no violation, no action: declined), optionally `actioned_at`. All rows or none are recorded.
    Response {
        /// The referral.
        id: i64,
        /// The platform's answer file.
        file: PathBuf,
    },
    /// Takedown figures per platform: items referred, share actioned and still live, accounts no longer
    /// observed, median and 90th-percentile time from sending to action.
    Stats {
        /// Only this platform.
        #[arg(long)]
        platform: Option<String>,
    },
    /// Record where a referral stands: sent, acknowledged, actioned, declined or expired (audited).
    Mark {
        /// The referral.
        id: i64,
        /// The new status.
        #[arg(value_parser = parse_status)]
        status: ReferralStatus,
        /// A note for the audit trail (how it was sent, the platform's reference).
        #[arg(long)]
        note: Option<String>,
    },
}

fn parse_status(text: &str) -> Result<ReferralStatus, String> {
    ReferralStatus::parse(text).ok_or_else(|| {
        format!("{text:?} is not a referral status (draft, sent, acknowledged, actioned, declined, expired)")
    })
}

/// Runs `vigie referral ...`.
pub fn run(
    store: &mut dyn Store,
    fmt: OutputFormat,
    templates: Option<&Path>,
    command: ReferralCommand,
) -> anyhow::Result<ExitCode> {
    let actor = crate::review::cli_actor();
    match command {
        ReferralCommand::Create {
            platform,
            template,
            all_confirmed,
            cases,
        } => {
            let template = template.unwrap_or_else(|| {
                vigie_evidence::referral::default_template(&platform, templates)
            });
            // The template must load before anything is made.
            vigie_evidence::referral::load_template(&template, templates)?;
            let cases = if all_confirmed {
                vigie_evidence::referral::unreferred_cases(store, &platform)?
            } else {
                cases
            };
            if cases.is_empty() {
                bail!("no case to refer (name case ids, or --all-confirmed)");
            }
            let made = store.create_referral(&platform, &template, &cases, &actor)?;
            print_referrals(fmt, std::slice::from_ref(&made))?;
        }
        ReferralCommand::List { platform, status } => {
            let all = store.referrals(platform.as_deref(), status)?;
            print_referrals(fmt, &all)?;
        }
        ReferralCommand::Show { id } => {
            let Some(referral) = store.referral(id)? else {
                bail!("no referral {id}");
            };
            let items = vigie_store::referral_items(store, id)?;
            if fmt == OutputFormat::Json {
                json(&serde_json::json!({ "referral": referral, "items": items }))?;
            } else {
                print_referrals(fmt, std::slice::from_ref(&referral))?;
                let mut out = std::io::stdout().lock();
                for i in &items {
                    writeln!(
                        out,
                        "  case {:<6} {:<10} {:<9} {}",
                        i.case_id,
                        i.label.as_deref().unwrap_or("-"),
                        i.outcome.as_deref().unwrap_or("-"),
                        i.permalink.as_deref().unwrap_or("(no permalink)")
                    )?;
                }
            }
        }
        ReferralCommand::Export { id, output } => {
            let n = vigie_evidence::referral::export_referral(store, id, templates, &output)?;
            if fmt == OutputFormat::Json {
                json(&serde_json::json!({ "referral": id, "items": n, "file": output }))?;
            } else {
                println!("referral {id}: {n} item(s) written to {}", output.display());
            }
        }
        ReferralCommand::Response { id, file } => {
            if store.referral(id)?.is_none() {
                bail!("no referral {id}");
            }
            let items = vigie_store::referral_items(store, id)?;
            let answers = vigie_evidence::referral::read_responses(&file, &items)?;
            store.record_responses(id, &answers, &actor)?;
            let referral = store.referral(id)?;
            if fmt == OutputFormat::Json {
                json(&serde_json::json!({ "answers": answers.len(), "referral": referral }))?;
            } else {
                println!(
                    "referral {id}: {} answer(s) recorded from {}",
                    answers.len(),
                    file.display()
                );
            }
        }
        ReferralCommand::Stats { platform } => {
            let figures = vigie_evidence::referral::stats(store, platform.as_deref(), None, None)?;
            if fmt == OutputFormat::Json {
                json(&figures)?;
            } else {
                let mut out = std::io::stdout().lock();
                let hours =
                    |h: Option<f64>| h.map_or_else(|| "-".to_owned(), |h| format!("{h:.1} h"));
                for s in &figures {
                    writeln!(
                        out,
                        "{:<10} {} referral(s), {} item(s): {:.0}% actioned, {} declined, {:.0}% still live, \
                         {} account(s) no longer observed; time to action median {}, p90 {}",
                        s.platform,
                        s.referrals,
                        s.items,
                        s.share_actioned * 100.0,
                        s.declined,
                        s.share_still_live * 100.0,
                        s.no_longer_observed,
                        hours(s.median_hours_to_action),
                        hours(s.p90_hours_to_action)
                    )?;
                }
                if figures.is_empty() {
                    writeln!(out, "no referral sent")?;
                }
            }
        }
        ReferralCommand::Mark { id, status, note } => {
            let marked = store.mark_referral(id, status, note.as_deref(), &actor)?;
            print_referrals(fmt, std::slice::from_ref(&marked))?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn print_referrals(fmt: OutputFormat, referrals: &[vigie_model::Referral]) -> anyhow::Result<()> {
    if fmt == OutputFormat::Json {
        return json(referrals);
    }
    let mut out = std::io::stdout().lock();
    if referrals.is_empty() {
        writeln!(out, "no referrals")?;
    }
    for r in referrals {
        writeln!(
            out,
            "referral {:<5} {:<10} {:<12} {} item(s), {} actioned, {} still live; template {}, by {} at {}",
            r.id,
            r.platform,
            r.status.as_str(),
            r.items,
            r.actioned,
            r.still_live,
            r.template,
            r.created_by,
            r.created_at
        )?;
    }
    Ok(())
}
