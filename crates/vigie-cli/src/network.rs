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
