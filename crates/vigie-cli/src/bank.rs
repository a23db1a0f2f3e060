//! `vigie bank ...` and `vigie match`: hash banks from the command line, and matching files or hashes
//! against them.

use crate::output::{OutputFormat, json};
use anyhow::{Context, bail};
use clap::Subcommand;
use serde::Serialize;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use vigie_engine::{BankHit, MatchConfig, Matcher, MediumHashes};
use vigie_ingest::hashlist::{ListFormat, ListOptions, write_list};
use vigie_model::{AuditEvent, Bank, BankKind, EntryRecord, Labels, SignalType};
use vigie_store::{Actor, BankChange, NewBank, Store};

/// Bank commands.
#[derive(Debug, Subcommand)]
pub enum BankCommand {
    /// Create a bank.
    Create {
        /// Its name.
        name: String,
        /// `block` (known media to find) or `allow` (media whose matches are suppressed: logos, news frames).
        #[arg(long, default_value = "block", value_parser = parse_kind)]
        kind: BankKind,
        /// Where the list comes from.
        #[arg(long)]
        source: Option<String>,
        /// A label every entry inherits, NAME=VALUE (repeatable): ideology, group, media_type, tag, ...
        #[arg(long = "label", value_name = "NAME=VALUE", value_parser = parse_label)]
        labels: Vec<(String, String)>,
        /// The largest PDQ distance that counts as a match, 0 to 63.
        #[arg(long, default_value_t = vigie_model::DEFAULT_PDQ_DISTANCE)]
        distance: u32,
        /// Create it disabled (kept, not matched).
        #[arg(long)]
        disabled: bool,
        /// For an allow bank: a block bank whose matches it suppresses (repeatable; default: every block bank).
        #[arg(long = "suppresses", value_name = "BANK")]
        suppresses: Vec<String>,
    },
    /// Import hash-list files into a bank: added, updated, removed (TCAP `deleted` records) and invalid rows
    /// are counted; invalid rows are quarantined with their line numbers (`vigie quarantine`).
    Import {
        /// The bank.
        name: String,
        /// Files: one hash per line (`pdq <hex>`, as `threatexchange hash` prints them), TCAP JSON, or CSV with a
        /// header (python-threatexchange's dataset CSV, `signal_type,signal_str,...`, too).
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// The files' format (default: from the extension: .json/.jsonl TCAP, .csv CSV, else lines).
        #[arg(long, value_parser = parse_list_format)]
        list_format: Option<ListFormat>,
        /// The type of bare hashes (lines without a type word, CSV without a type column).
        #[arg(long = "type", value_parser = parse_signal)]
        signal: Option<SignalType>,
        /// Create the bank (as a block bank) when it does not exist.
        #[arg(long)]
        create: bool,
    },
    /// Write a bank's entries as a hash list (TCAP also carries removed entries, as `deleted`). `threatexchange`
    /// writes python-threatexchange's lines (`pdq <hex>`, `video_md5 <hex>`: its `local_file` exchange loads
    /// them), with the labels in `FILE.labels.csv` beside.
    Export {
        /// The bank.
        name: String,
        /// The format.
        #[arg(long, default_value = "lines", value_parser = parse_list_format)]
        list_format: ListFormat,
        /// The file to write (default: standard output).
        #[arg(long, short)]
        output: Option<PathBuf>,
        /// Include removed entries (written by TCAP only).
        #[arg(long)]
        include_removed: bool,
    },
    /// List banks.
    List,
    /// Show a bank, its settings and entries.
    Show {
        /// The bank.
        name: String,
        /// At most this many entries.
        #[arg(long, default_value_t = 20)]
        limit: usize,
        /// Include removed entries.
        #[arg(long)]
        removed: bool,
    },
    /// Change a bank's settings; they take effect at the next match, with no rebuild.
    Set {
        /// The bank.
        name: String,
        /// Match it again.
        #[arg(long, conflicts_with = "disable")]
        enable: bool,
        /// Keep it but do not match it.
        #[arg(long)]
        disable: bool,
        /// The largest PDQ distance that counts as a match, 0 to 63.
        #[arg(long)]
        distance: Option<u32>,
        /// Where the list comes from.
        #[arg(long)]
        source: Option<String>,
        /// Add or change a label, NAME=VALUE (repeatable).
        #[arg(long = "label", value_name = "NAME=VALUE", value_parser = parse_label)]
        labels: Vec<(String, String)>,
        /// Remove a label (repeatable).
        #[arg(long = "unset-label", value_name = "NAME")]
        unset_labels: Vec<String>,
        /// Release an entry held by the flood guard, TYPE:HASH or HASH (repeatable).
        #[arg(long = "release", value_name = "HASH")]
        release: Vec<String>,
        /// A new name for the bank.
        #[arg(long)]
        rename: Option<String>,
        /// For an allow bank: suppress only these block banks' matches (repeatable).
        #[arg(
            long = "suppresses",
            value_name = "BANK",
            conflicts_with = "suppresses_all"
        )]
        suppresses: Vec<String>,
        /// For an allow bank: suppress every block bank's matches again.
        #[arg(long)]
        suppresses_all: bool,
    },
    /// Hunt through the stored media again: every entry of the bank (or, without a bank, every stored medium
    /// against every bank), recording new matches and withdrawing those that no longer hold. Bank changes are
    /// hunted by themselves after each import, change or removal; this checks or repeats it on demand.
    Rematch {
        /// The bank (default: every stored medium against every bank).
        name: Option<String>,
    },
    /// Delete a bank with its entries and matches, or with --hash remove only some entries (kept as removed,
    /// so exports carry the withdrawal).
    Remove {
        /// The bank.
        name: String,
        /// Entries to remove, TYPE:HASH or HASH (repeatable); without any, the whole bank is deleted.
        #[arg(long = "hash", value_name = "HASH")]
        hashes: Vec<String>,
    },
}

fn parse_kind(text: &str) -> Result<BankKind, String> {
    BankKind::parse(text).ok_or_else(|| format!("{text:?} is not a bank kind (block or allow)"))
}

fn parse_label(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((k, v)) if !k.trim().is_empty() => {
            Ok((k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        }
        _ => Err(format!("{text:?} is not NAME=VALUE")),
    }
}

fn parse_list_format(text: &str) -> Result<ListFormat, String> {
    ListFormat::parse(text)
        .ok_or_else(|| format!("{text:?} is not a list format (lines, tcap or csv)"))
}

fn parse_signal(text: &str) -> Result<SignalType, String> {
    SignalType::parse(text).map_err(|e| e.to_string())
}

/// Parses `TYPE:HASH`, or a bare hash whose length tells its type (32 digits MD5, 64 PDQ).
fn typed_hash(text: &str) -> anyhow::Result<(SignalType, String)> {
    let (signal, value) = match text.split_once(':') {
        Some((t, v)) => (SignalType::parse(t)?, v),
        None => match SignalType::guess(text) {
            Some(t) => (t, text),
            None => bail!(
                "{text:?} is not a hash: give TYPE:HASH (pdq, md5 or sha256) or 32 or 64 hex digits"
            ),
        },
    };
    Ok((signal, signal.normalize(value)?))
}

fn labels_of(pairs: Vec<(String, String)>) -> Labels {
    pairs.into_iter().collect()
}

fn labels_text(labels: &Labels) -> String {
    labels
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// What importing one file did.
#[derive(Debug, Serialize)]
struct FileImport {
    file: String,
    format: &'static str,
    added: u64,
    updated: u64,
    removed: u64,
    unchanged: u64,
    invalid: u64,
    problems: Vec<Problem>,
    /// The earlier import of the same list that this one went on from, and how many of its records (in hash
    /// order) that one had applied; the counts include what it changed.
    #[serde(skip_serializing_if = "Option::is_none")]
    resumed: Option<Resumed>,
}

#[derive(Debug, Serialize)]
struct Resumed {
    import: i64,
    records_applied: u64,
}

#[derive(Debug, Serialize)]
struct Problem {
    position: String,
    reason: String,
}

/// The report of one file's import, for output.
fn file_import(r: vigie_engine::HashListImport) -> FileImport {
    FileImport {
        file: r.file,
        format: r.format.as_str(),
        added: r.counts.added,
        updated: r.counts.updated,
        removed: r.counts.removed,
        unchanged: r.counts.unchanged,
        invalid: r.invalid,
        resumed: r.resumed.map(|(import, records_applied)| Resumed {
            import,
            records_applied,
        }),
        problems: r
            .problems
            .into_iter()
            .map(|p| Problem {
                position: p.position.text(),
                reason: p.reason,
            })
            .collect(),
    }
}

fn print_banks(fmt: OutputFormat, banks: &[Bank]) -> anyhow::Result<()> {
    if fmt == OutputFormat::Json {
        return json(banks);
    }
    let mut out = std::io::stdout().lock();
    if banks.is_empty() {
        writeln!(out, "No banks. Create one with `vigie bank create NAME`.")?;
        return Ok(());
    }
    writeln!(
        out,
        "{:<24} {:<6} {:<8} {:>8} {:>10} {:>6}  source / labels",
        "bank", "kind", "state", "distance", "entries", "held"
    )?;
    for b in banks {
        writeln!(
            out,
            "{:<24} {:<6} {:<8} {:>8} {:>10} {:>6}  {}{}{}",
            b.name,
            b.kind.as_str(),
            if b.enabled { "enabled" } else { "disabled" },
            b.pdq_distance,
            b.live_entries,
            b.quarantined_entries,
            b.source.as_deref().unwrap_or("-"),
            if b.labels.is_empty() { "" } else { "  " },
            labels_text(&b.labels)
        )?;
    }
    Ok(())
}

/// What a bank command needs besides the store: who acts, how to print, and how the changes it makes reach
/// the stored media and their cases.
pub struct BankContext<'a> {
    /// Who acts (the audit trail's actor).
    pub actor: &'a Actor,
    /// Text or JSON.
    pub fmt: OutputFormat,
    /// Matching settings (the index folder, the quality threshold, the flood guard).
    pub matching: &'a MatchConfig,
    /// Scoring settings, for the analysis that follows new or withdrawn matches.
    pub scoring: &'a vigie_engine::ScoringConfig,
}

/// Runs a bank command; a command that changes a bank then hunts through the stored media
/// ([`vigie_engine::hunt`]) and, when their matches changed, analyses the posts again so that cases follow.
pub fn run(
    store: &mut dyn Store,
    cx: &BankContext<'_>,
    command: BankCommand,
) -> anyhow::Result<ExitCode> {
    let changes = !matches!(
        command,
        BankCommand::List
            | BankCommand::Show { .. }
            | BankCommand::Export { .. }
            | BankCommand::Create { .. }
            | BankCommand::Rematch { .. }
    );
    if let BankCommand::Rematch { name } = &command {
        let options = vigie_engine::HuntOptions {
            everything: name.is_none(),
            banks: name.iter().cloned().collect(),
        };
        let report = vigie_engine::hunt(store, cx.matching, &options)?;
        let analysis = follow_up(store, cx, &report)?;
        if cx.fmt == OutputFormat::Json {
            #[derive(Serialize)]
            struct Out<'a> {
                hunt: &'a vigie_engine::HuntReport,
                analysis: Option<&'a vigie_engine::AnalysisReport>,
            }
            json(&Out {
                hunt: &report,
                analysis: analysis.as_ref(),
            })?;
        } else {
            print_hunt(&report, &mut std::io::stdout().lock())?;
            if let Some(a) = &analysis {
                crate::signals::print_analysis(a);
            }
        }
        return Ok(ExitCode::SUCCESS);
    }
    let code = run_command(store, cx.actor, cx.fmt, command)?;
    if changes {
        let report = vigie_engine::hunt(store, cx.matching, &vigie_engine::HuntOptions::default())?;
        if report.media_checked > 0 || report.everything {
            print_hunt(&report, &mut std::io::stderr().lock())?;
        }
        if let Some(a) = follow_up(store, cx, &report)?
            && cx.fmt == OutputFormat::Text
        {
            eprint!("vigie: ");
            eprintln!(
                "analysed {} posts again: {} post cases, {} account cases",
                a.posts, a.post_cases, a.account_cases
            );
        }
    }
    Ok(code)
}

/// Analyses the posts again when a hunt changed matches, so that their cases follow.
fn follow_up(
    store: &mut dyn Store,
    cx: &BankContext<'_>,
    report: &vigie_engine::HuntReport,
) -> anyhow::Result<Option<vigie_engine::AnalysisReport>> {
    if !report.changed_matches() {
        return Ok(None);
    }
    Ok(Some(vigie_engine::analyze(store, cx.scoring)?))
}

/// What a hunt through the stored media found, in a few lines.
pub fn print_hunt(r: &vigie_engine::HuntReport, out: &mut dyn Write) -> std::io::Result<()> {
    let scope = if r.everything {
        "every stored medium matched again".to_owned()
    } else {
        format!("{} entry changes", r.entry_changes)
    };
    writeln!(
        out,
        "Hunted through stored media ({scope}; {} checked): {} media newly match, {} new matches, {} suppressed, {} withdrawn, {} held",
        r.media_checked, r.media_newly_matched, r.new_matches, r.suppressed, r.withdrawn, r.held
    )?;
    if !r.banks_changed.is_empty() {
        writeln!(
            out,
            "  banks whose settings changed: {}",
            r.banks_changed.join(", ")
        )?;
    }
    for f in &r.flooded {
        writeln!(
            out,
            "  flood guard held bank {} entry {} {}: {} new matches, {} before (release: vigie bank set {} --release {}:{})",
            f.bank, f.signal, f.value, f.new_matches, f.matches_before, f.bank, f.signal, f.value
        )?;
    }
    Ok(())
}

fn run_command(
    store: &mut dyn Store,
    actor: &Actor,
    fmt: OutputFormat,
    command: BankCommand,
) -> anyhow::Result<ExitCode> {
    match command {
        BankCommand::Rematch { .. } => unreachable!("handled by run"),
        BankCommand::Create {
            name,
            kind,
            source,
            labels,
            distance,
            disabled,
            suppresses,
        } => {
            let bank = store.create_bank(
                &NewBank {
                    name,
                    kind,
                    source,
                    labels: labels_of(labels),
                    enabled: !disabled,
                    pdq_distance: distance,
                    suppresses: (!suppresses.is_empty()).then_some(suppresses),
                },
                actor,
            )?;
            print_banks(fmt, std::slice::from_ref(&bank))?;
        }
        BankCommand::Import {
            name,
            files,
            list_format,
            signal,
            create,
        } => {
            if create && !store.banks()?.iter().any(|b| b.name == name) {
                store.create_bank(&NewBank::named(&name), actor)?;
            }
            let options = ListOptions {
                default_type: signal,
                ..ListOptions::default()
            };
            let mut reports = Vec::new();
            for path in &files {
                let format = list_format.unwrap_or_else(|| ListFormat::from_path(path));
                let report = match vigie_engine::import_hash_list(
                    store, &name, path, format, &options, actor,
                ) {
                    Ok(r) => r,
                    Err(e @ vigie_engine::EngineError::Store(_)) => {
                        return Err(anyhow::Error::new(e)
                            .context(format!("{}: the store failed", path.display())));
                    }
                    // These name the file.
                    Err(e) => return Err(e.into()),
                };
                reports.push(file_import(report));
            }
            if fmt == OutputFormat::Json {
                json(&reports)?;
            } else {
                let mut out = std::io::stdout().lock();
                for r in &reports {
                    writeln!(
                        out,
                        "{} ({}) into bank {name}: {} added, {} updated, {} removed, {} unchanged, {} invalid",
                        r.file, r.format, r.added, r.updated, r.removed, r.unchanged, r.invalid
                    )?;
                    if let Some(earlier) = &r.resumed {
                        writeln!(
                            out,
                            "  went on from import {}, which had applied the first {} records (in hash order) and \
                             did not finish; the counts include what it changed",
                            earlier.import, earlier.records_applied
                        )?;
                    }
                    for p in &r.problems {
                        writeln!(out, "  invalid, {}: {}", p.position, p.reason)?;
                    }
                    if r.invalid > r.problems.len() as u64 {
                        writeln!(
                            out,
                            "  ... {} more invalid rows, all listed by `vigie quarantine`",
                            r.invalid - r.problems.len() as u64
                        )?;
                    }
                }
            }
        }
        BankCommand::Export {
            name,
            list_format,
            output,
            include_removed,
        } => {
            let entries = store.bank_entries(&name, include_removed, usize::MAX)?;
            match output {
                Some(path) => {
                    let mut file = std::io::BufWriter::new(
                        std::fs::File::create(&path)
                            .with_context(|| format!("cannot create {}", path.display()))?,
                    );
                    write_list(&mut file, list_format, &entries)?;
                    file.flush()?;
                    eprintln!(
                        "vigie: wrote {} entries of bank {name} to {}",
                        entries.len(),
                        path.display()
                    );
                    // python-threatexchange's lines have no place for labels: they go beside, as CSV.
                    if list_format == ListFormat::ThreatExchange
                        && entries
                            .iter()
                            .any(|e| !e.labels.is_empty() || e.provenance.is_some())
                    {
                        let side = path.with_file_name(format!(
                            "{}.labels.csv",
                            path.file_name()
                                .map(|n| n.to_string_lossy())
                                .unwrap_or_default()
                        ));
                        let mut file = std::io::BufWriter::new(
                            std::fs::File::create(&side)
                                .with_context(|| format!("cannot create {}", side.display()))?,
                        );
                        vigie_ingest::hashlist::write_threatexchange_labels(&mut file, &entries)?;
                        file.flush()?;
                        eprintln!(
                            "vigie: their labels and provenance are in {} (vigie bank import reads it)",
                            side.display()
                        );
                    }
                }
                None => {
                    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
                    write_list(&mut out, list_format, &entries)?;
                    out.flush()?;
                }
            }
        }
        BankCommand::List => print_banks(fmt, &store.banks()?)?,
        BankCommand::Show {
            name,
            limit,
            removed,
        } => {
            let bank = store
                .banks()?
                .into_iter()
                .find(|b| b.name == name)
                .ok_or_else(|| vigie_store::StoreError::NoSuchBank(name.clone()))?;
            let entries = store.bank_entries(&name, removed, limit)?;
            if fmt == OutputFormat::Json {
                #[derive(Serialize)]
                struct Out<'a> {
                    bank: &'a Bank,
                    entries: &'a [vigie_model::BankEntry],
                }
                return json(&Out {
                    bank: &bank,
                    entries: &entries,
                })
                .map(|()| ExitCode::SUCCESS);
            }
            let mut out = std::io::stdout().lock();
            writeln!(out, "bank      {}", bank.name)?;
            writeln!(out, "kind      {}", bank.kind.as_str())?;
            writeln!(
                out,
                "state     {}",
                if bank.enabled { "enabled" } else { "disabled" }
            )?;
            writeln!(out, "distance  {} (PDQ)", bank.pdq_distance)?;
            if bank.kind == BankKind::Allow {
                writeln!(
                    out,
                    "suppresses {}",
                    bank.suppresses
                        .as_ref()
                        .map_or_else(|| "every block bank".to_owned(), |s| s.join(", "))
                )?;
            }
            writeln!(out, "source    {}", bank.source.as_deref().unwrap_or("-"))?;
            writeln!(out, "labels    {}", labels_text(&bank.labels))?;
            writeln!(
                out,
                "entries   {} ({} held by the flood guard)",
                bank.live_entries, bank.quarantined_entries
            )?;
            writeln!(out, "created   {}", bank.created_at)?;
            writeln!(out, "changed   {}", bank.updated_at)?;
            for e in &entries {
                let mut state = String::new();
                if let Some(t) = e.removed_at {
                    state = format!("  REMOVED {t}");
                }
                if let Some(q) = &e.quarantine {
                    state.push_str(&format!("  HELD: {q}"));
                }
                writeln!(
                    out,
                    "  #{:<8} {:<6} {}  {}  [{}] added {}{}",
                    e.id,
                    e.signal.as_str(),
                    e.value,
                    labels_text(&e.labels),
                    e.provenance.as_deref().unwrap_or("-"),
                    e.added_at,
                    state
                )?;
            }
        }
        BankCommand::Set {
            name,
            enable,
            disable,
            distance,
            source,
            labels,
            unset_labels,
            release,
            rename,
            suppresses,
            suppresses_all,
        } => {
            let change = BankChange {
                enabled: if enable {
                    Some(true)
                } else if disable {
                    Some(false)
                } else {
                    None
                },
                pdq_distance: distance,
                source,
                set_labels: labels_of(labels),
                unset_labels,
                rename,
                suppresses: if suppresses_all {
                    Some(None)
                } else if suppresses.is_empty() {
                    None
                } else {
                    Some(Some(suppresses))
                },
            };
            let bank = store.update_bank(&name, &change, actor)?;
            for text in &release {
                let (signal, value) = typed_hash(text)?;
                if store.release_entry(&name, signal, &value, actor)? {
                    eprintln!(
                        "vigie: released {signal} {value}: its held matches are active again"
                    );
                } else {
                    eprintln!("vigie: bank {name} holds no entry {signal} {value}");
                }
            }
            print_banks(fmt, std::slice::from_ref(&bank))?;
        }
        BankCommand::Remove { name, hashes } => {
            if hashes.is_empty() {
                let n = store.delete_bank(&name, actor)?;
                eprintln!("vigie: deleted bank {name} and its {n} entries");
            } else {
                let records = hashes
                    .iter()
                    .map(|h| {
                        typed_hash(h).map(|(signal, value)| EntryRecord {
                            signal,
                            value,
                            labels: Labels::new(),
                            provenance: None,
                            deleted: true,
                            updated_on: None,
                        })
                    })
                    .collect::<anyhow::Result<Vec<_>>>()?;
                let counts = store.apply_entries_audited(
                    &name,
                    &records,
                    actor,
                    &AuditEvent::BankRemoveEntries {
                        bank: name.clone(),
                        hashes: hashes.clone(),
                    },
                )?;
                eprintln!(
                    "vigie: removed {} entries from bank {name} ({} were not there)",
                    counts.removed, counts.unchanged
                );
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// One argument of `vigie match` and what it matched.
#[derive(Debug, Serialize)]
struct Matched {
    input: String,
    hits: Vec<HitOut>,
    /// Set when the PDQ hash was not matched because its quality is too low.
    below_quality: Option<u8>,
    error: Option<String>,
}

#[derive(Debug, Serialize)]
struct HitOut {
    bank: String,
    bank_kind: &'static str,
    entry_id: i64,
    signal: SignalType,
    value: String,
    labels: Labels,
    distance: u32,
    variant: &'static str,
    status: &'static str,
    suppressed_by: Option<i64>,
}

fn hit_out(h: &BankHit) -> HitOut {
    let mut labels = h.bank.labels.clone();
    labels.extend(h.entry.labels.clone());
    HitOut {
        bank: h.bank.name.clone(),
        bank_kind: h.bank.kind.as_str(),
        entry_id: h.entry.id,
        signal: h.entry.signal,
        value: h.entry.value.clone(),
        labels,
        distance: h.distance,
        variant: h.variant,
        status: h.status.as_str(),
        suppressed_by: h.suppressed_by,
    }
}

/// What a `vigie match` argument stands for.
fn medium_of(
    arg: &str,
    limits: &vigie_media::MediaLimits,
    hasher: &mut vigie_pdq::Hasher,
) -> anyhow::Result<MediumHashes> {
    let path = Path::new(arg);
    if path.exists() {
        let hashes = vigie_engine::hash_file(path, limits, hasher, true)?;
        let mut medium = MediumHashes {
            sha256: Some(hashes.sha256),
            md5: Some(hashes.md5),
            ..MediumHashes::default()
        };
        match hashes.image {
            Some(Ok(image)) => {
                medium.quality = Some(image.quality);
                medium.pdq = image.matchable();
            }
            Some(Err(e)) => eprintln!("vigie: {arg}: no PDQ hash ({e}); matching its digests only"),
            None => {}
        }
        return Ok(medium);
    }
    let (signal, value) =
        typed_hash(arg).with_context(|| format!("{arg:?} is neither a file nor a hash"))?;
    Ok(match signal {
        SignalType::Pdq => MediumHashes {
            pdq: vec![vigie_pdq::Hash256::from_hex(&value)?],
            ..MediumHashes::default()
        },
        SignalType::Md5 => MediumHashes {
            md5: Some(value),
            ..MediumHashes::default()
        },
        SignalType::Sha256 => MediumHashes {
            sha256: Some(value),
            ..MediumHashes::default()
        },
    })
}

/// Runs `vigie match`.
pub fn run_match(
    store: &mut dyn Store,
    fmt: OutputFormat,
    config: MatchConfig,
    args: &[String],
    limits: &vigie_media::MediaLimits,
) -> anyhow::Result<ExitCode> {
    // Each hit reads its entry by id: one cached statement, whose plan must not be made again for each id.
    store.serve_reads()?;
    let matcher = Matcher::open(store, config)?;
    let min_quality = matcher.config().min_quality;
    let mut hasher = vigie_pdq::Hasher::new();
    let mut results = Vec::new();
    let mut failed = false;
    for arg in args {
        let medium = match medium_of(arg, limits, &mut hasher) {
            Ok(m) => m,
            Err(e) => {
                failed = true;
                results.push(Matched {
                    input: arg.clone(),
                    hits: Vec::new(),
                    below_quality: None,
                    error: Some(format!("{e:#}")),
                });
                continue;
            }
        };
        let result = matcher.match_medium(store, &medium)?;
        results.push(Matched {
            input: arg.clone(),
            hits: result.hits.iter().map(hit_out).collect(),
            below_quality: result.below_quality,
            error: None,
        });
    }
    if fmt == OutputFormat::Json {
        json(&results)?;
    } else {
        let mut out = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
        for r in &results {
            if let Some(e) = &r.error {
                eprintln!("vigie: {e}");
                continue;
            }
            if let Some(q) = r.below_quality {
                writeln!(
                    out,
                    "{}: PDQ quality {q} is below {min_quality}: its PDQ hash is not matched",
                    r.input
                )?;
            }
            if r.hits.is_empty() {
                writeln!(out, "{}: no match", r.input)?;
            }
            for h in &r.hits {
                writeln!(
                    out,
                    "{}: {} bank {} entry #{} {} {} distance {} ({}){}{}  {}",
                    r.input,
                    h.status,
                    h.bank,
                    h.entry_id,
                    h.signal.as_str(),
                    h.value,
                    h.distance,
                    h.variant,
                    if h.bank_kind == "allow" {
                        ", allow-list"
                    } else {
                        ""
                    },
                    h.suppressed_by
                        .map(|id| format!(", suppressed by allow-list entry #{id}"))
                        .unwrap_or_default(),
                    labels_text(&h.labels)
                )?;
            }
        }
        out.flush()?;
    }
    Ok(if failed {
        ExitCode::from(3)
    } else {
        ExitCode::SUCCESS
    })
}
