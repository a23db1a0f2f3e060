//! `vigie serve`, `vigie user` and `vigie audit`: the review server, its local users, and the audit trail.

use crate::output::OutputFormat;
use anyhow::{Context, bail};
use clap::Subcommand;
use std::io::BufRead;
use std::net::SocketAddr;
use std::process::ExitCode;
use vigie_model::Role;
use vigie_server::{AppState, ServerConfig};
use vigie_store::{Actor, Store, UserChange};

/// `vigie user ...`.
#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create a local user. Without --password-stdin a random password is generated and printed once.
    Add {
        /// Login name (letters, digits, '.', '_', '-', '@').
        name: String,
        /// viewer, analyst, reviewer or admin.
        #[arg(long, value_parser = parse_role)]
        role: Role,
        /// Read the password from the first line of standard input (at least 12 characters).
        #[arg(long)]
        password_stdin: bool,
    },
    /// List users with their role and state.
    List,
    /// Change a user: role, disabled, password.
    Set {
        /// The user.
        name: String,
        /// A new role.
        #[arg(long, value_parser = parse_role)]
        role: Option<Role>,
        /// Disable the user (ends their sessions; their tokens stop working).
        #[arg(long, conflicts_with = "enable")]
        disable: bool,
        /// Enable a disabled user.
        #[arg(long)]
        enable: bool,
        /// Set a new random password, printed once (ends their sessions, clears a lockout).
        #[arg(long, conflicts_with = "password_stdin")]
        reset_password: bool,
        /// Read the new password from standard input.
        #[arg(long)]
        password_stdin: bool,
    },
}

/// `vigie review ...`.
#[derive(Debug, Subcommand)]
pub enum ReviewCommand {
    /// Feed an allow-list bank from the reviewers' rejections: the media (SHA-256) of every rejected case
    /// whose rejection was marked "feed an allow-list" become entries of the bank, so that the same false
    /// positives are suppressed at the next match. Idempotent.
    AllowList {
        /// The allow-list bank (created, as an allow bank, when missing).
        bank: String,
    },
    /// Keep confirmed propaganda down: the media of every confirmed case (SHA-256, MD5, and PDQ for images)
    /// become entries of a block bank, labelled with their case, so that a re-upload matches and opens a case
    /// that names the confirmed one. Idempotent; with `[referrals] bank` set, scans and the review server do it
    /// by themselves.
    BlockList {
        /// The block bank (created when missing).
        bank: String,
    },
}

/// `vigie audit ...`.
#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Check the hash chain: every entry's hash, the links between entries, and the recorded head. Exit
    /// status 1 when the trail was edited, or entries removed.
    ///
    /// What it proves: that the entries in the database form one unbroken chain up to the head the database
    /// records. On its own it cannot tell a trail cut at its end together with its head (by someone who can write
    /// the database) from a shorter trail: keep anchors (`vigie audit anchor`) where the database's
    /// administrators cannot change them, and verify with `--anchor`.
    Verify {
        /// An anchor written by `vigie audit anchor`: the chain must still hold its entry, with its hash.
        #[arg(long)]
        anchor: Option<std::path::PathBuf>,
    },
    /// Write the chain's current head (position and hash) as an anchor to keep outside the database (another
    /// machine, write-once storage, a ticket): `vigie audit verify --anchor FILE` later finds entries removed
    /// from the end, or the trail rewritten, up to it.
    Anchor {
        /// Where to write it (JSON); standard output when omitted.
        #[arg(short, long)]
        output: Option<std::path::PathBuf>,
    },
    /// Print entries, oldest first.
    List {
        /// Entries after this position.
        #[arg(long, default_value_t = 0)]
        after: i64,
        /// At most this many.
        #[arg(long, default_value_t = 100)]
        limit: usize,
    },
}

fn parse_role(text: &str) -> Result<Role, String> {
    Role::parse(text)
        .ok_or_else(|| format!("{text:?} is not a role (viewer, analyst, reviewer or admin)"))
}

/// The actor of command-line changes, as the audit trail names it (`cli:NAME`): `VIGIE_ACTOR` when set (a
/// person's name for a shared service account), else the operating-system user (`USER`, `LOGNAME`,
/// `USERNAME`), else, where none is set (a container, a cron job), the numeric user id (`uid:1000`).
pub fn cli_actor() -> Actor {
    Actor::cli(&actor_name(|k| std::env::var(k).ok(), uid))
}

fn actor_name(var: impl Fn(&str) -> Option<String>, uid: impl Fn() -> Option<String>) -> String {
    ["VIGIE_ACTOR", "USER", "LOGNAME", "USERNAME"]
        .iter()
        .filter_map(|k| var(k))
        .map(|v| {
            v.trim()
                .chars()
                .filter(|c| !c.is_control())
                .collect::<String>()
        })
        .find(|v| !v.is_empty())
        .or_else(|| uid().map(|u| format!("uid:{u}")))
        .unwrap_or_else(|| "unknown".to_owned())
}

/// The real user id of this process, from `/proc/self/status` (Linux).
fn uid() -> Option<String> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("Uid:"))
        .and_then(|rest| rest.split_whitespace().next())
        .map(str::to_owned)
}

fn read_password() -> anyhow::Result<String> {
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .context("cannot read the password from standard input")?;
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}

fn generated_password() -> String {
    // 20 characters from a 32-letter alphabet without look-alikes: 100 bits.
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    let raw = vigie_review::random_hex(20);
    raw.as_bytes()
        .chunks(2)
        .map(|pair| {
            let v = u8::from_str_radix(std::str::from_utf8(pair).unwrap_or("0"), 16).unwrap_or(0);
            ALPHABET[usize::from(v) % ALPHABET.len()] as char
        })
        .collect()
}

/// Runs `vigie user`.
pub fn user(
    store: &mut dyn Store,
    fmt: OutputFormat,
    command: UserCommand,
) -> anyhow::Result<ExitCode> {
    let actor = cli_actor();
    match command {
        UserCommand::Add {
            name,
            role,
            password_stdin,
        } => {
            let (password, generated) = if password_stdin {
                (read_password()?, false)
            } else {
                (generated_password(), true)
            };
            vigie_review::check_new_user(&name, &password).map_err(anyhow::Error::msg)?;
            let user =
                store.add_user(&name, role, &vigie_review::hash_password(&password), &actor)?;
            if fmt == OutputFormat::Json {
                let mut v = serde_json::to_value(&user)?;
                if generated {
                    v["password"] = serde_json::Value::String(password);
                }
                println!("{v}");
            } else {
                println!("added {} ({})", user.name, user.role.as_str());
                if generated {
                    println!("password: {password}");
                    println!(
                        "(shown once; change it with `vigie user set {} --password-stdin`)",
                        user.name
                    );
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        UserCommand::List => {
            let users = store.users()?;
            if fmt == OutputFormat::Json {
                println!("{}", serde_json::to_string(&users)?);
            } else {
                let now = vigie_model::Timestamp::now();
                for u in users {
                    let state = if u.disabled {
                        "disabled"
                    } else if u.locked_until.is_some_and(|t| t > now) {
                        "locked out"
                    } else {
                        "active"
                    };
                    println!("{:<24} {:<9} {state}", u.name, u.role.as_str());
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        UserCommand::Set {
            name,
            role,
            disable,
            enable,
            reset_password,
            password_stdin,
        } => {
            let mut printed = None;
            let password = if password_stdin {
                Some(read_password()?)
            } else if reset_password {
                let p = generated_password();
                printed = Some(p.clone());
                Some(p)
            } else {
                None
            };
            if let Some(p) = &password
                && p.chars().count() < vigie_review::MIN_PASSWORD
            {
                bail!(
                    "a password needs at least {} characters",
                    vigie_review::MIN_PASSWORD
                );
            }
            let change = UserChange {
                role,
                disabled: if disable {
                    Some(true)
                } else if enable {
                    Some(false)
                } else {
                    None
                },
                password_hash: password.as_deref().map(vigie_review::hash_password),
            };
            let Some(user) = store.change_user(&name, &change, &actor)? else {
                bail!("no user named {name:?} (`vigie user list` shows them)");
            };
            println!(
                "{} ({}{})",
                user.name,
                user.role.as_str(),
                if user.disabled { ", disabled" } else { "" }
            );
            if let Some(p) = printed {
                println!("new password: {p}");
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Runs `vigie audit`.
pub fn audit(
    store: &mut dyn Store,
    fmt: OutputFormat,
    command: AuditCommand,
) -> anyhow::Result<ExitCode> {
    match command {
        AuditCommand::Anchor { output } => {
            let Some(anchor) = vigie_review::audit_anchor(store)? else {
                anyhow::bail!(
                    "the audit head is missing: the trail was wiped or damaged (`vigie audit verify` says more)"
                );
            };
            let text = serde_json::to_string_pretty(&anchor)?;
            match output {
                Some(path) => {
                    std::fs::write(&path, format!("{text}\n"))
                        .with_context(|| format!("cannot write {}", path.display()))?;
                    if fmt == OutputFormat::Text {
                        println!(
                            "anchor of entry {} written to {}: keep it outside the database",
                            anchor.seq,
                            path.display()
                        );
                    }
                }
                None => println!("{text}"),
            }
            Ok(ExitCode::SUCCESS)
        }
        AuditCommand::Verify { anchor } => {
            let anchor: Option<vigie_review::AuditAnchor> = match &anchor {
                Some(path) => {
                    let text = std::fs::read_to_string(path)
                        .with_context(|| format!("cannot read the anchor {}", path.display()))?;
                    Some(serde_json::from_str(&text).with_context(|| {
                        format!(
                            "{}: not an anchor written by `vigie audit anchor`",
                            path.display()
                        )
                    })?)
                }
                None => None,
            };
            let report = vigie_review::verify_store_audit_against(store, anchor.as_ref())?;
            if fmt == OutputFormat::Json {
                println!("{}", serde_json::to_string(&report)?);
            } else if report.problems.is_empty() {
                println!(
                    "audit trail intact: {} entries, every hash and link checked{}",
                    report.checked,
                    match &anchor {
                        Some(a) => format!("; it still holds the anchored entry {}", a.seq),
                        None => " (against the head the database records: verify with --anchor against an \
                                 anchor kept elsewhere to find entries cut from the end)"
                            .to_owned(),
                    }
                );
            } else {
                println!("audit trail BROKEN: {} problem(s)", report.problems.len());
                for p in &report.problems {
                    println!("  entry {}: {}", p.seq, p.problem);
                }
            }
            Ok(if report.problems.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
        AuditCommand::List { after, limit } => {
            let entries = store.audit(after, limit)?;
            if fmt == OutputFormat::Json {
                for e in &entries {
                    println!("{}", serde_json::to_string(e)?);
                }
            } else {
                for e in &entries {
                    println!(
                        "{:>6} {} {:<20} {:<14} {:<18} {}",
                        e.seq, e.at, e.actor, e.action, e.subject, e.detail
                    );
                }
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Runs `vigie serve` until Ctrl-C.
pub fn serve(
    db: &str,
    media_dir: Option<&std::path::Path>,
    mut config: ServerConfig,
    listen: Option<SocketAddr>,
    matching: (vigie_engine::MatchConfig, vigie_media::MediaLimits),
) -> anyhow::Result<ExitCode> {
    if let Some(l) = listen {
        config.listen = l;
    }
    for proxy in &config.trusted_proxies {
        vigie_server::Network::parse(proxy)
            .map_err(|e| anyhow::anyhow!("[server] trusted_proxies: {e}"))?;
    }
    let (db_owned, media) = (db.to_owned(), media_dir.map(std::path::Path::to_path_buf));
    let pool = vigie_server::pool::Pool::new(config.connections, move || {
        vigie_store::open(&db_owned, media.as_deref())
    })
    .with_context(|| format!("cannot open store {}", vigie_store::redacted(db)))?;
    let state = AppState::new(pool, config).with_matching(matching.0, matching.1);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let listen = state.config.listen;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(listen)
            .await
            .with_context(|| format!("cannot listen on {listen}"))?;
        tracing::info!(
            target: "vigie::serve",
            store = %vigie_store::redacted(db),
            listen = %listen,
            "serving {} on http://{listen}/ (Ctrl-C stops)",
            vigie_store::redacted(db)
        );
        if !listen.ip().is_loopback() {
            tracing::warn!(
                target: "vigie::serve",
                "listening beyond this machine; put a TLS proxy in front (cookies are Secure)"
            );
        }
        vigie_server::serve_on(listener, state)
            .await
            .context("serving stopped")
    })?;
    Ok(ExitCode::SUCCESS)
}

/// Runs `vigie review`.
pub fn review(
    store: &mut dyn Store,
    fmt: OutputFormat,
    command: ReviewCommand,
) -> anyhow::Result<ExitCode> {
    match command {
        ReviewCommand::AllowList { bank } => {
            let fed = vigie_review::feed_allow_list(store, &bank, &cli_actor())?;
            let (cases, records_len, counts) = (fed.cases, fed.media, fed.counts);
            if fmt == OutputFormat::Json {
                println!(
                    "{}",
                    serde_json::json!({"bank": bank, "cases": cases, "media": records_len,
                                       "added": counts.added, "unchanged": counts.unchanged})
                );
            } else {
                println!(
                    "{cases} rejected case(s) marked for the allow-list, {} medium(s): {} added to {bank}, {} already there",
                    records_len, counts.added, counts.unchanged
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        ReviewCommand::BlockList { bank } => {
            let fed = vigie_review::feed_block_list(store, &bank, None, &cli_actor())?;
            if fmt == OutputFormat::Json {
                println!(
                    "{}",
                    serde_json::json!({"bank": bank, "cases": fed.cases, "media": fed.media,
                                       "added": fed.counts.added, "unchanged": fed.counts.unchanged})
                );
            } else {
                println!(
                    "{} confirmed case(s), {} medium(s): {} entries added to {bank}, {} already there",
                    fed.cases, fed.media, fed.counts.added, fed.counts.unchanged
                );
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regression_19_cli_audit_entries_name_a_person_or_a_user_id() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |k: &str| {
                pairs
                    .iter()
                    .find(|(n, _)| *n == k)
                    .map(|(_, v)| (*v).to_owned())
            }
        };
        let uid = || Some("1000".to_owned());
        assert_eq!(
            actor_name(env(&[("USER", "ann"), ("VIGIE_ACTOR", "bob")]), uid),
            "bob"
        );
        assert_eq!(actor_name(env(&[("LOGNAME", "ann")]), uid), "ann");
        assert_eq!(actor_name(env(&[("USER", "  ")]), uid), "uid:1000");
        assert_eq!(actor_name(env(&[]), uid), "uid:1000");
        assert_eq!(actor_name(env(&[]), || None), "unknown");
        assert!(uid().is_some_and(|u| u.parse::<u32>().is_ok()));
    }
}
