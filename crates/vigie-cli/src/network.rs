//! `vigie accounts rank` and `vigie graph export`: the account network built from the stored posts, the
//! accounts most tied to the confirmed ones (or to seeds the analyst names), and the graph for Gephi, NetworkX or
//! a spreadsheet.

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::ValueEnum;
use vigie_engine::{Analyzer, Network, NetworkOptions, RankSettings, Ranking, ScoringConfig};
use vigie_graph::{NodeAttrs, NodeId};
use vigie_model::{CaseStatus, CaseSubject};
use vigie_store::{CaseQuery, Store};

use crate::output::{OutputFormat, json};

/// The formats `vigie graph export` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum GraphFormat {
    /// GEXF 1.2 (Gephi; NetworkX `read_gexf`).
    Gexf,
    /// GraphML (NetworkX `read_graphml`, igraph, yEd).
    Graphml,
    /// Two CSV files: `<name>.nodes.csv` and `<name>.edges.csv`.
    Csv,
}

impl GraphFormat {
    /// `given`, else the format `output`'s extension names.
    pub fn of(given: Option<GraphFormat>, output: &Path) -> anyhow::Result<GraphFormat> {
        if let Some(f) = given {
            return Ok(f);
        }
        let ext = output
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        match ext.as_deref() {
            Some("gexf") => Ok(GraphFormat::Gexf),
            Some("graphml") => Ok(GraphFormat::Graphml),
            Some("csv") => Ok(GraphFormat::Csv),
            _ => bail!(
                "{}: name the graph's format with --graph-format gexf|graphml|csv, or end the file name in .gexf, \
                 .graphml or .csv",
                output.display()
            ),
        }
    }
}

/// Builds the network of the stored posts (of `platform` when set).
fn network(
    store: &mut dyn Store,
    scoring: &ScoringConfig,
    platform: Option<String>,
) -> anyhow::Result<Network> {
    let analyzer = Analyzer::load(store, scoring)?;
    let options = NetworkOptions {
        platform,
        ..NetworkOptions::default()
    };
    Ok(vigie_engine::build_network(
        store,
        &analyzer.reporter(),
        &options,
    )?)
}

/// The accounts of confirmed account cases, as `platform:id` keys.
fn confirmed_accounts(
    store: &mut dyn Store,
    platform: Option<&str>,
) -> anyhow::Result<Vec<String>> {
    let cases = store.cases(&CaseQuery {
        subject: Some(CaseSubject::Account),
        status: Some(CaseStatus::Confirmed.as_str().to_owned()),
        platform: platform.map(str::to_owned),
        limit: usize::MAX,
        brief: true,
        ..CaseQuery::default()
    })?;
    Ok(cases
        .into_iter()
        .filter_map(|c| c.account_id.map(|a| format!("{}:{a}", c.platform)))
        .collect())
}

/// The seeds: confirmed accounts (unless `no_confirmed`), then the named ones. Returns the nodes and the names
/// that fit no account.
fn seeds(
    store: &mut dyn Store,
    network: &Network,
    named: &[String],
    no_confirmed: bool,
    platform: Option<&str>,
) -> anyhow::Result<(Vec<NodeId>, Vec<String>)> {
    let mut names: Vec<String> = if no_confirmed {
        Vec::new()
    } else {
        confirmed_accounts(store, platform)?
    };
    names.extend(named.iter().cloned());
    let mut nodes = Vec::new();
    let mut unknown = Vec::new();
    for name in names {
        match network.find(&name) {
            Some(n) if !nodes.contains(&n) => nodes.push(n),
            Some(_) => {}
            None => unknown.push(name),
        }
    }
    Ok((nodes, unknown))
}

/// `vigie accounts rank`.
pub fn rank(
    store: &mut dyn Store,
    fmt: OutputFormat,
    scoring: &ScoringConfig,
    named: &[String],
    no_confirmed: bool,
    platform: Option<String>,
    limit: usize,
) -> anyhow::Result<ExitCode> {
    let network = network(store, scoring, platform.clone())?;
    let (seed_nodes, unknown) = seeds(store, &network, named, no_confirmed, platform.as_deref())?;
    if seed_nodes.is_empty() {
        bail!(
            "no seed account: confirm account cases in the review queue, or name seeds with --seed \
             PLATFORM:ID or --seed @handle{}",
            if unknown.is_empty() {
                String::new()
            } else {
                format!(" (not in the network: {})", unknown.join(", "))
            }
        );
    }
    let communities = vigie_graph::louvain(&network.graph);
    let mut ranking = vigie_engine::rank_accounts(
        &network,
        &seed_nodes,
        &communities,
        &RankSettings::default(),
    );
    ranking.unknown_seeds = unknown;
    ranking.ranked.truncate(limit);
    match fmt {
        OutputFormat::Json => json(&ranking)?,
        OutputFormat::Text => print_ranking(&ranking)?,
    }
    Ok(ExitCode::SUCCESS)
}

fn print_ranking(r: &Ranking) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "{} accounts, {} ties, {} communities (modularity {:.2}); seeds: {}",
        r.accounts,
        r.edges,
        r.communities,
        r.modularity,
        r.seeds.join(", ")
    )?;
    if !r.unknown_seeds.is_empty() {
        writeln!(out, "not in the network: {}", r.unknown_seeds.join(", "))?;
    }
    for (i, a) in r.ranked.iter().enumerate() {
        writeln!(
            out,
            "{:>3}. {:<32} score {:>8.2}  community {} ({} seeds)  {}",
            i + 1,
            a.account.label(),
            a.score,
            a.community,
            a.community_seeds,
            a.account.key
        )?;
        for t in a.ties.iter().take(5) {
            writeln!(
                out,
                "       {} {} {} x{}",
                t.kind,
                match t.direction {
                    "to" => "to",
                    "from" => "from",
                    _ => "with",
                },
                t.seed,
                t.count
            )?;
        }
        for (why, factor) in &a.mitigations {
            writeln!(out, "       scaled by {factor}: {why}")?;
        }
    }
    Ok(())
}

/// The node columns of an export: platform, id, handle, name, posts, reporting posts, community, and the rank
/// around the confirmed accounts where there are any.
fn attrs(network: &Network, communities: &[u32], rank: Option<&[f64]>) -> NodeAttrs {
    let column = |f: &dyn Fn(usize) -> String| -> Vec<String> {
        (0..network.accounts.len()).map(f).collect()
    };
    let a = &network.accounts;
    let mut columns = vec![
        ("platform".to_owned(), column(&|v| a[v].platform.clone())),
        (
            "platform_id".to_owned(),
            column(&|v| a[v].platform_id.clone().unwrap_or_default()),
        ),
        (
            "handle".to_owned(),
            column(&|v| a[v].handle.clone().unwrap_or_default()),
        ),
        (
            "display_name".to_owned(),
            column(&|v| a[v].display_name.clone().unwrap_or_default()),
        ),
        ("posts".to_owned(), column(&|v| a[v].posts.to_string())),
        (
            "reporting_posts".to_owned(),
            column(&|v| a[v].reporting_posts.to_string()),
        ),
        (
            "community".to_owned(),
            column(&|v| communities.get(v).map(u32::to_string).unwrap_or_default()),
        ),
    ];
    if let Some(rank) = rank {
        columns.push((
            "rank".to_owned(),
            column(&|v| rank.get(v).map(|r| format!("{r:.6e}")).unwrap_or_default()),
        ));
    }
    NodeAttrs {
        labels: column(&|v| a[v].label()),
        columns,
    }
}

fn create(path: &Path) -> anyhow::Result<BufWriter<std::fs::File>> {
    Ok(BufWriter::new(std::fs::File::create(path).with_context(
        || format!("cannot write {}", path.display()),
    )?))
}

/// `vigie graph export`.
pub fn export(
    store: &mut dyn Store,
    fmt: OutputFormat,
    scoring: &ScoringConfig,
    format: GraphFormat,
    output: &Path,
    platform: Option<String>,
) -> anyhow::Result<ExitCode> {
    let network = network(store, scoring, platform.clone())?;
    let communities = vigie_graph::louvain(&network.graph);
    let (seed_nodes, _) = seeds(store, &network, &[], false, platform.as_deref())?;
    let rank = (!seed_nodes.is_empty()).then(|| {
        vigie_graph::personalized_pagerank(
            &network.graph,
            &seed_nodes,
            &vigie_graph::RankOptions::default(),
        )
    });
    let attrs = attrs(&network, &communities.of, rank.as_deref());
    let mut written: Vec<PathBuf> = Vec::new();
    match format {
        GraphFormat::Gexf | GraphFormat::Graphml => {
            let mut out = create(output)?;
            if format == GraphFormat::Gexf {
                vigie_graph::write_gexf(&network.graph, &attrs, &mut out)?;
            } else {
                vigie_graph::write_graphml(&network.graph, &attrs, &mut out)?;
            }
            out.flush()
                .with_context(|| format!("cannot write {}", output.display()))?;
            written.push(output.to_path_buf());
        }
        GraphFormat::Csv => {
            let nodes_path = output.with_extension("nodes.csv");
            let edges_path = output.with_extension("edges.csv");
            let mut nodes = create(&nodes_path)?;
            let mut edges = create(&edges_path)?;
            vigie_graph::write_csv(&network.graph, &attrs, &mut nodes, &mut edges)?;
            nodes.flush()?;
            edges.flush()?;
            written.push(nodes_path);
            written.push(edges_path);
        }
    }
    let summary = serde_json::json!({
        "accounts": network.graph.node_count(),
        "edges": network.graph.edge_count(),
        "communities": communities.count,
        "modularity": communities.modularity,
        "seeds": seed_nodes.len(),
        "files": written.iter().map(|p| p.display().to_string()).collect::<Vec<_>>(),
    });
    match fmt {
        OutputFormat::Json => json(&summary)?,
        OutputFormat::Text => println!(
            "{} accounts, {} ties, {} communities: {}",
            network.graph.node_count(),
            network.graph.edge_count(),
            communities.count,
            written
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
    Ok(ExitCode::SUCCESS)
}

/// `vigie accounts successors`.
pub fn successors(
    store: &mut dyn Store,
    fmt: OutputFormat,
    scoring: &ScoringConfig,
    account: &str,
    all: bool,
    limit: usize,
) -> anyhow::Result<ExitCode> {
    let network = network(store, scoring, None)?;
    let Some(target) = network.find(account) else {
        bail!(
            "{account}: no such account in the stored posts (name it as PLATFORM:ID, PLATFORM:@handle or @handle)"
        );
    };
    let mut found = vigie_engine::successors(
        &network,
        target,
        &vigie_engine::SuccessorSettings::default(),
    );
    if !all {
        found.retain(|s| s.likely);
    }
    found.truncate(limit);
    let old = &network.accounts[target as usize];
    match fmt {
        OutputFormat::Json => json(&serde_json::json!({
            "account": old,
            "successors": found,
        }))?,
        OutputFormat::Text => {
            let mut out = std::io::stdout().lock();
            writeln!(
                out,
                "{} ({}): {} candidate{}",
                old.label(),
                old.key,
                found.len(),
                if found.len() == 1 { "" } else { "s" }
            )?;
            for s in &found {
                writeln!(
                    out,
                    "  {:<32} score {:>5.2}{}  {}",
                    s.account.label(),
                    s.score,
                    if s.likely { " likely" } else { "" },
                    s.account.key
                )?;
                for (why, weight) in &s.signals {
                    writeln!(out, "      {weight:>4.1}  {why}")?;
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The answers `vigie accounts eval` reads (the sample's `network/labels.json`).
#[derive(Debug, serde::Deserialize)]
struct Labels {
    seeds: Vec<String>,
    communities: Vec<Vec<String>>,
    suspended: Vec<String>,
    successors: Vec<LabelledSuccessor>,
    hard_negatives: std::collections::BTreeMap<String, Vec<String>>,
    decoys: Vec<String>,
}

#[derive(Debug, serde::Deserialize)]
struct LabelledSuccessor {
    suspended: String,
    successor: String,
}

/// `vigie accounts eval`.
pub fn eval(
    store: &mut dyn Store,
    fmt: OutputFormat,
    scoring: &ScoringConfig,
    labels: &Path,
) -> anyhow::Result<ExitCode> {
    let text = std::fs::read_to_string(labels)
        .with_context(|| format!("cannot read {}", labels.display()))?;
    let labels: Labels = serde_json::from_str(&text)
        .with_context(|| format!("{}: not a network's answers", labels.display()))?;
    let network = network(store, scoring, None)?;
    let (seeds, mut missing) = seeds(store, &network, &labels.seeds, true, None)?;
    if seeds.is_empty() {
        bail!(
            "none of the seeds of the answers is in the store: scan the corpus first (vigie scan sample)"
        );
    }
    let communities = vigie_graph::louvain(&network.graph);
    let ranking =
        vigie_engine::rank_accounts(&network, &seeds, &communities, &RankSettings::default());
    let seed_keys: std::collections::BTreeSet<&str> =
        labels.seeds.iter().map(String::as_str).collect();
    let relevant: std::collections::BTreeSet<&str> = labels
        .communities
        .iter()
        .flatten()
        .map(String::as_str)
        .filter(|k| !seed_keys.contains(k))
        .collect();
    let ranked: Vec<&str> = ranking
        .ranked
        .iter()
        .map(|a| a.account.key.as_str())
        .collect();
    let precision_at = |k: usize| -> f64 {
        let top = ranked.iter().take(k);
        let hits = top.filter(|key| relevant.contains(**key)).count();
        hits as f64 / k as f64
    };
    let top100: std::collections::BTreeSet<&str> = ranked.iter().take(100).copied().collect();
    let mut negatives = serde_json::Map::new();
    for (kind, keys) in &labels.hard_negatives {
        let inside = keys.iter().filter(|k| top100.contains(k.as_str())).count();
        negatives.insert(
            kind.clone(),
            serde_json::json!({
                "accounts": keys.len(),
                "in_top_100": inside,
                "false_positive_rate": if keys.is_empty() { 0.0 } else { inside as f64 / keys.len() as f64 },
            }),
        );
    }
    let decoys_in_top = labels
        .decoys
        .iter()
        .filter(|k| top100.contains(k.as_str()))
        .count();
    // Successors: every likely candidate of every suspended account is a prediction.
    let truth: std::collections::BTreeSet<(&str, &str)> = labels
        .successors
        .iter()
        .map(|p| (p.suspended.as_str(), p.successor.as_str()))
        .collect();
    let settings = vigie_engine::SuccessorSettings::default();
    let mut predicted = 0usize;
    let mut correct = 0usize;
    let mut missed = Vec::new();
    let mut wrong = Vec::new();
    for old in &labels.suspended {
        let Some(node) = network.find(old) else {
            missing.push(old.clone());
            continue;
        };
        let found = vigie_engine::successors(&network, node, &settings);
        let likely: Vec<&str> = found
            .iter()
            .filter(|s| s.likely)
            .map(|s| s.account.key.as_str())
            .collect();
        predicted += likely.len();
        for key in &likely {
            if truth.contains(&(old.as_str(), *key)) {
                correct += 1;
            } else {
                wrong.push(format!("{old} -> {key}"));
            }
        }
        for (o, s) in &truth {
            if o == old && !likely.contains(s) {
                missed.push(format!("{o} -> {s}"));
            }
        }
    }
    let precision = if predicted == 0 {
        0.0
    } else {
        correct as f64 / predicted as f64
    };
    let recall = if truth.is_empty() {
        0.0
    } else {
        correct as f64 / truth.len() as f64
    };
    let report = serde_json::json!({
        "accounts": network.graph.node_count(),
        "edges": network.graph.edge_count(),
        "communities": communities.count,
        "modularity": communities.modularity,
        "seeds": seeds.len(),
        "relevant": relevant.len(),
        "ranked": ranked.len(),
        "precision_at_10": precision_at(10),
        "precision_at_50": precision_at(50),
        "precision_at_100": precision_at(100),
        "hard_negatives": negatives,
        "decoys_in_top_100": decoys_in_top,
        "successors": {
            "pairs": truth.len(),
            "predicted": predicted,
            "correct": correct,
            "precision": precision,
            "recall": recall,
            "missed": missed,
            "wrong": wrong,
        },
        "not_in_store": missing,
    });
    match fmt {
        OutputFormat::Json => json(&report)?,
        OutputFormat::Text => {
            let mut out = std::io::stdout().lock();
            writeln!(
                out,
                "{} accounts, {} ties, {} communities (modularity {:.2}); {} seeds, {} accounts to find",
                network.graph.node_count(),
                network.graph.edge_count(),
                communities.count,
                communities.modularity,
                seeds.len(),
                relevant.len()
            )?;
            writeln!(
                out,
                "seed expansion: precision@10 {:.2}, @50 {:.2}, @100 {:.2}",
                precision_at(10),
                precision_at(50),
                precision_at(100)
            )?;
            for (kind, v) in &negatives {
                writeln!(
                    out,
                    "  {kind:<15} {} of {} in the top 100",
                    v["in_top_100"], v["accounts"]
                )?;
            }
            writeln!(
                out,
                "  decoys          {decoys_in_top} of {} in the top 100",
                labels.decoys.len()
            )?;
            writeln!(
                out,
                "successors: precision {precision:.2}, recall {recall:.2} ({correct} of {} found, {predicted} predicted)",
                truth.len()
            )?;
            for m in &missed {
                writeln!(out, "  missed {m}")?;
            }
            for w in &wrong {
                writeln!(out, "  wrong  {w}")?;
            }
            if !missing.is_empty() {
                writeln!(out, "not in the store: {}", missing.join(", "))?;
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// One row of the account list a platform acts on.
#[derive(Debug, serde::Serialize)]
struct ListedAccount {
    platform: String,
    account_id: String,
    handle: String,
    permalink: String,
    case_id: i64,
    label: String,
    category: String,
    score: f64,
    /// The strongest evidence, in words.
    evidence: String,
    confirmed_at: String,
    reviewers: String,
    /// SHA-256 of the case's frozen evidence: `vigie evidence export CASE` packages it.
    evidence_sha256: String,
}

/// `vigie accounts export --confirmed`.
pub fn export_accounts(
    store: &mut dyn Store,
    fmt: OutputFormat,
    confirmed: bool,
    platform: &str,
    output: &Path,
) -> anyhow::Result<ExitCode> {
    if !confirmed {
        bail!(
            "only accounts with a completed human decision leave Vigie: add --confirmed (the accounts of confirmed \
             account cases)"
        );
    }
    let cases = store.cases(&CaseQuery {
        subject: Some(CaseSubject::Account),
        status: Some(CaseStatus::Confirmed.as_str().to_owned()),
        platform: Some(platform.to_owned()),
        limit: usize::MAX,
        ..CaseQuery::default()
    })?;
    let actor = crate::review::cli_actor();
    let mut rows = Vec::with_capacity(cases.len());
    for case in cases {
        let Some(view) = store.case_view(case.id)? else {
            continue;
        };
        // Checked again from the decisions themselves: a confirmation, and the case confirmed now.
        let confirmations: Vec<&vigie_model::Decision> = view
            .decisions
            .iter()
            .filter(|d| d.to_status == CaseStatus::Confirmed)
            .collect();
        let Some(last) = confirmations.last() else {
            continue;
        };
        if view.case.status != CaseStatus::Confirmed.as_str() {
            continue;
        }
        let reviewers: Vec<&str> = view
            .decisions
            .iter()
            .filter(|d| d.action == vigie_model::Action::Confirm)
            .map(|d| d.user.as_str())
            .collect();
        let frozen = vigie_evidence::freeze::frozen_or_freeze(store, case.id, &actor)?;
        let c = &view.case;
        let evidence: Vec<String> = c
            .evidence
            .iter()
            .take(3)
            .map(|e| format!("{}: {}", e.signal.as_str(), e.detail))
            .collect();
        rows.push(ListedAccount {
            platform: c.platform.clone(),
            account_id: c.account_id.clone().unwrap_or_default(),
            handle: c.handle.clone().unwrap_or_default(),
            permalink: c.permalink.clone().unwrap_or_default(),
            case_id: c.id,
            label: c.label.clone().unwrap_or_default(),
            category: c
                .category
                .map(|v| v.as_str().to_owned())
                .unwrap_or_default(),
            score: c.score,
            evidence: evidence.join(" | "),
            confirmed_at: last.at.to_string(),
            reviewers: reviewers.join(" "),
            evidence_sha256: frozen.sha256,
        });
    }
    let is_json = output
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("json"));
    if is_json {
        let bytes = serde_json::to_vec_pretty(&rows)?;
        std::fs::write(output, bytes)
            .with_context(|| format!("cannot write {}", output.display()))?;
    } else {
        let mut w = csv::Writer::from_path(output)
            .with_context(|| format!("cannot write {}", output.display()))?;
        for r in &rows {
            w.serialize(r)?;
        }
        if rows.is_empty() {
            w.write_record([
                "platform",
                "account_id",
                "handle",
                "permalink",
                "case_id",
                "label",
                "category",
                "score",
                "evidence",
                "confirmed_at",
                "reviewers",
                "evidence_sha256",
            ])?;
        }
        w.flush()
            .with_context(|| format!("cannot write {}", output.display()))?;
    }
    match fmt {
        OutputFormat::Json => json(&serde_json::json!({
            "platform": platform,
            "accounts": rows.len(),
            "file": output.display().to_string(),
        }))?,
        OutputFormat::Text => println!(
            "{} confirmed {platform} account{} written to {}",
            rows.len(),
            if rows.len() == 1 { "" } else { "s" },
            output.display()
        ),
    }
    Ok(ExitCode::SUCCESS)
}
