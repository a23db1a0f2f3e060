//! `vigie terms`, `vigie model`, `vigie analyze` and `vigie cases`: text signal lists, the classifier, and the
//! cases they produce.

use crate::output::{OutputFormat, json};
use anyhow::{Context, bail};
use clap::Subcommand;
use std::io::{BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use vigie_engine::ScoringConfig;
use vigie_model::{CaseSubject, SignalKind};
use vigie_store::{CaseQuery, CaseSort, NewList, Store};
use vigie_text::classifier::{Evaluation, Metrics, TrainConfig};

/// The largest list or labels file read, in bytes.
const MAX_LIST_BYTES: u64 = 256 << 20;

/// Term and domain list commands.
#[derive(Debug, Subcommand)]
pub enum TermsCommand {
    /// Import a term list (TOML `[[term]]` tables or CSV `term,language,category,weight,mode,note`) or a
    /// domain list (CSV `domain,category,weight,note`); replaces the list of the same name. The format comes
    /// from the extension (.toml, .csv), else from the text.
    Import {
        /// The file.
        file: PathBuf,
        /// The list's name (default: the file name without extension).
        #[arg(long)]
        name: Option<String>,
        /// `terms` or `domains` (default: `domains` when the CSV header starts with `domain`, else `terms`).
        #[arg(long)]
        kind: Option<String>,
    },
    /// List the term and domain lists in use (the built-in default list first).
    List,
    /// Remove a list.
    Remove {
        /// The list's name.
        name: String,
    },
}

/// Classifier commands.
#[derive(Debug, Subcommand)]
pub enum ModelCommand {
    /// Train the classifier on labelled examples (JSON lines: text, label, language, category) and store it.
    Train {
        /// The labelled examples.
        #[arg(long)]
        labels: PathBuf,
        /// Held-out examples to evaluate on (default: the training examples).
        #[arg(long)]
        eval: Option<PathBuf>,
        /// The model's name (analysis uses `default`, or `[scoring] model`).
        #[arg(long, default_value = "default")]
        name: String,
        /// Passes over the examples.
        #[arg(long)]
        epochs: Option<u32>,
        /// Hash bits of the feature space.
        #[arg(long)]
        bits: Option<u32>,
        /// Decision threshold for the reported metrics.
        #[arg(long, default_value_t = 0.5)]
        threshold: f32,
    },
    /// Evaluate the stored model on labelled examples: precision, recall, F1, the precision-recall curve, per
    /// language, and the false-positive rate on each hard-negative category.
    Eval {
        /// The labelled examples.
        #[arg(long)]
        labels: PathBuf,
        /// The model's name.
        #[arg(long, default_value = "default")]
        name: String,
        /// Decision threshold.
        #[arg(long, default_value_t = 0.5)]
        threshold: f32,
    },
}

fn read_capped(path: &Path) -> anyhow::Result<String> {
    let meta =
        std::fs::metadata(path).with_context(|| format!("cannot read {}", path.display()))?;
    if meta.len() > MAX_LIST_BYTES {
        bail!(
            "{}: {} bytes, more than the {MAX_LIST_BYTES}-byte limit",
            path.display(),
            meta.len()
        );
    }
    std::fs::read_to_string(path)
        .with_context(|| format!("cannot read {} as UTF-8 text", path.display()))
}

/// Runs a terms command.
pub fn terms(
    store: &mut dyn Store,
    fmt: OutputFormat,
    command: TermsCommand,
) -> anyhow::Result<ExitCode> {
    match command {
        TermsCommand::Import { file, name, kind } => {
            let body = read_capped(&file)?;
            // The extension says the format; otherwise the text does: TOML lists are `[[term]]` tables.
            let format = match file
                .extension()
                .and_then(|e| e.to_str())
                .map(str::to_ascii_lowercase)
                .as_deref()
            {
                Some("csv") => "csv",
                Some("toml") => "toml",
                _ if body.contains("[[term]]") => "toml",
                _ => "csv",
            };
            let kind = kind.unwrap_or_else(|| {
                let header = body
                    .trim_start_matches('\u{feff}')
                    .lines()
                    .next()
                    .unwrap_or("");
                if format == "csv" && header.trim().to_ascii_lowercase().starts_with("domain") {
                    "domains".to_owned()
                } else {
                    "terms".to_owned()
                }
            });
            let (entries, problems) = match kind.as_str() {
                "terms" => {
                    let (good, bad) = vigie_engine::parse_term_list(&body, format);
                    (good.len(), bad)
                }
                "domains" => {
                    let (good, bad) = vigie_engine::parse_domain_list(&body);
                    (good.len(), bad)
                }
                other => bail!("a list is of kind terms or domains, not {other:?}"),
            };
            // One bad entry refuses the whole file: a list half imported silently drops what the analyst
            // meant to add (or to switch off).
            if !problems.is_empty() {
                for p in problems.iter().take(20) {
                    eprintln!("vigie: {}: {p}", file.display());
                }
                bail!(
                    "{}: {} invalid entr{}, the first: {}; nothing was imported",
                    file.display(),
                    problems.len(),
                    if problems.len() == 1 { "y" } else { "ies" },
                    problems[0]
                );
            }
            let name = name.unwrap_or_else(|| {
                file.file_stem()
                    .map(|s| s.to_string_lossy().into_owned())
                    .unwrap_or_else(|| "list".into())
            });
            store.put_list(&NewList {
                name: name.clone(),
                kind: kind.clone(),
                format: format.to_owned(),
                source: Some(file.display().to_string()),
                body,
                entries: entries as u64,
            })?;

            if fmt == OutputFormat::Json {
                json(
                    &serde_json::json!({"name": name, "kind": kind, "entries": entries, "problems": problems}),
                )?;
            } else {
                println!(
                    "list {name} ({kind}, {format}): {entries} entries, {} invalid",
                    problems.len()
                );
                for p in &problems {
                    println!("  invalid, {p}");
                }
                println!(
                    "Run `vigie analyze` to score stored posts with it (new scans use it at once)."
                );
            }
        }
        TermsCommand::List => {
            let lists = store.lists()?;
            let builtin: Vec<(&str, usize)> = vigie_text::BUILTIN_LISTS
                .iter()
                .map(|(name, body)| {
                    let n = vigie_text::parse_terms_toml(body).map_or(0, |l| l.terms.len());
                    (*name, n)
                })
                .collect();
            let hosts = vigie_engine::parse_domain_list(vigie_text::BUILTIN_DOMAINS)
                .0
                .len();
            if fmt == OutputFormat::Json {
                let named: serde_json::Map<String, serde_json::Value> = builtin
                    .iter()
                    .map(|(name, n)| ((*name).to_owned(), serde_json::json!(n)))
                    .collect();
                json(&serde_json::json!({
                    "default_terms": builtin.iter().map(|(_, n)| n).sum::<usize>(),
                    "builtin": named,
                    "builtin_file_hosts": hosts,
                    "lists": lists,
                }))?;
            } else {
                println!(
                    "{:<24} {:<8} {:<5} {:>8}  source",
                    "list", "kind", "fmt", "entries"
                );
                for (name, n) in &builtin {
                    println!(
                        "{name:<24} {:<8} {:<5} {n:>8}  built in (imported terms with the same text override it)",
                        "terms", "toml"
                    );
                }
                println!(
                    "{:<24} {:<8} {:<5} {hosts:>8}  built in (imported domain lists override it)",
                    "file-hosts", "domains", "csv"
                );
                for l in &lists {
                    println!(
                        "{:<24} {:<8} {:<5} {:>8}  {} ({})",
                        l.name,
                        l.kind,
                        l.format,
                        l.entries,
                        l.source.as_deref().unwrap_or("-"),
                        l.imported_at
                    );
                }
            }
        }
        TermsCommand::Remove { name } => {
            if !store.delete_list(&name)? {
                bail!("no list named {name:?} (`vigie terms list` shows them)");
            }
            eprintln!("vigie: removed list {name}");
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Reads labelled examples from a JSON-lines file, or from every `.jsonl` file of a folder in name order.
///
/// A bad line (not JSON, no text, a label that is not one of the known words, a violating example whose
/// category is not a violation of the taxonomy) refuses the whole input, naming the file and line: training on
/// half a file, or on examples whose label was mistyped, would silently teach the wrong thing.
fn read_labels(path: &Path) -> anyhow::Result<Vec<vigie_ingest::labels::LabelledText>> {
    read_labels_grouped(path).map(|(texts, _)| texts)
}

/// [`read_labels`], with each example's group for cross-validation: its file's writer. A file named
/// `<language>-<writer>.jsonl` (`fr-13`, `en-13`, `ar-13`) belongs to the writer after the first `-`, so one
/// writer's files are left out together (the model never sees that writer's style in another language while
/// its posts are scored); any other file is a writer of its own.
fn read_labels_grouped(
    path: &Path,
) -> anyhow::Result<(Vec<vigie_ingest::labels::LabelledText>, Vec<usize>)> {
    let files: Vec<PathBuf> = if path.is_dir() {
        let mut files: Vec<PathBuf> = std::fs::read_dir(path)
            .with_context(|| format!("cannot read the folder {}", path.display()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "jsonl"))
            .collect();
        files.sort();
        files
    } else {
        vec![path.to_owned()]
    };
    let mut texts = Vec::new();
    let mut groups = Vec::new();
    let mut writers: Vec<String> = Vec::new();
    for file_path in &files {
        let group = {
            let writer = writer_of(file_path);
            match writers.iter().position(|w| *w == writer) {
                Some(g) => g,
                None => {
                    writers.push(writer);
                    writers.len() - 1
                }
            }
        };
        let file = std::fs::File::open(file_path)
            .with_context(|| format!("cannot open {}", file_path.display()))?;
        let (mut read, mut problems) = vigie_ingest::labels::read_labels(&mut BufReader::new(file))
            .with_context(|| format!("cannot read {}", file_path.display()))?;
        for t in &read {
            if let Some(c) = t.category.as_deref().filter(|_| t.label)
                && vigie_model::Violation::parse(c).is_none()
            {
                problems.push(format!(
                    "{}: the violating example's category {c:?} is not glorification, support, recruitment, \
                     incitement or distribution",
                    t.id
                ));
            }
        }
        if !problems.is_empty() {
            for p in problems.iter().take(10) {
                eprintln!("vigie: {}: {p}", file_path.display());
            }
            bail!(
                "{}: {} bad line(s), the first: {}; nothing was read",
                file_path.display(),
                problems.len(),
                problems[0]
            );
        }
        groups.extend(std::iter::repeat_n(group, read.len()));
        texts.append(&mut read);
    }
    if texts.is_empty() {
        bail!("{}: no labelled examples", path.display());
    }
    Ok((texts, groups))
}

/// The writer of a label file: what follows the first `-` of its name (`fr-13.jsonl` → `13`), or the whole
/// name.
fn writer_of(path: &Path) -> String {
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    match stem.split_once('-') {
        Some((_, writer)) if !writer.is_empty() => writer.to_owned(),
        _ => stem,
    }
}

fn ratio(v: Option<f64>) -> String {
    v.map_or_else(|| "-".to_owned(), |v| format!("{v:.3}"))
}

fn metrics_line(m: &Metrics) -> String {
    format!(
        "precision {}  recall {}  F1 {}  accuracy {}  (TP {} FP {} TN {} FN {})",
        ratio(m.precision),
        ratio(m.recall),
        ratio(m.f1),
        ratio(m.accuracy),
        m.true_positives,
        m.false_positives,
        m.true_negatives,
        m.false_negatives
    )
}

fn print_evaluation(out: &mut dyn Write, e: &Evaluation) -> std::io::Result<()> {
    print_evaluation_at(out, e)?;
    print_curve(out, e)
}

/// The evaluation at its threshold: overall, per language, per category of negatives.
fn print_evaluation_at(out: &mut dyn Write, e: &Evaluation) -> std::io::Result<()> {
    writeln!(
        out,
        "{} examples ({} positive, {} negative), threshold {:.2}",
        e.examples, e.positives, e.negatives, e.threshold
    )?;
    writeln!(out, "  {}", metrics_line(&e.metrics))?;
    writeln!(out, "  average precision {}", ratio(e.average_precision))?;
    writeln!(out, "per language:")?;
    for (lang, m) in &e.by_language {
        writeln!(out, "  {lang:<4} {}", metrics_line(m))?;
    }
    writeln!(
        out,
        "false positives on each category of negatives (hard negatives first):"
    )?;
    let mut cats: Vec<_> = e.negative_categories.iter().collect();
    cats.sort_by_key(|(name, _)| {
        (
            name.as_str() == "everyday" || name.as_str() == "unspecified",
            name.as_str(),
        )
    });
    for (name, r) in cats {
        writeln!(
            out,
            "  {name:<16} {:>5} of {:>5}  rate {:.4}",
            r.false_positives, r.negatives, r.false_positive_rate
        )?;
    }
    Ok(())
}

/// The precision-recall curve of a classifier's probabilities (thresholds 0.0 to 1.0).
fn print_curve(out: &mut dyn Write, e: &Evaluation) -> std::io::Result<()> {
    writeln!(
        out,
        "precision-recall curve (threshold: precision / recall):"
    )?;
    let points: Vec<String> = e
        .pr_curve
        .iter()
        .filter(|p| (p.threshold * 100.0).round() as i64 % 10 == 0)
        .map(|p| {
            format!(
                "{:.1}: {} / {}",
                p.threshold,
                ratio(p.precision),
                ratio(p.recall)
            )
        })
        .collect();
    for chunk in points.chunks(4) {
        writeln!(out, "  {}", chunk.join("   "))?;
    }
    Ok(())
}

/// Runs a model command.
pub fn model(
    store: &mut dyn Store,
    fmt: OutputFormat,
    scoring: &ScoringConfig,
    command: ModelCommand,
) -> anyhow::Result<ExitCode> {
    match command {
        ModelCommand::Train {
            labels,
            eval,
            name,
            epochs,
            bits,
            threshold,
        } => {
            let (training, groups) = read_labels_grouped(&labels)?;
            let holdout = eval.as_deref().map(read_labels).transpose()?;
            let mut config = TrainConfig::default();
            if let Some(e) = epochs {
                config.epochs = e;
            }
            if let Some(b) = bits {
                config.bits = b;
            }
            let started = std::time::Instant::now();
            let (_, evaluation, calibration) = vigie_engine::model::train_and_store(
                store,
                scoring,
                &name,
                &training,
                Some(&groups),
                holdout.as_deref(),
                &config,
                threshold,
            )?;
            if fmt == OutputFormat::Json {
                json(&serde_json::json!({
                    "model": name, "examples": training.len(), "evaluation": evaluation,
                    "calibration": calibration,
                }))?;
            } else {
                let mut out = std::io::stdout().lock();
                writeln!(
                    out,
                    "trained model {name} on {} examples in {:.1} s; evaluated on {}:",
                    training.len(),
                    started.elapsed().as_secs_f64(),
                    if holdout.is_some() {
                        "the held-out examples"
                    } else {
                        "the training examples (pass --eval for a fair figure)"
                    }
                )?;
                print_evaluation(&mut out, &evaluation)?;
                match &calibration {
                    Some(c) => {
                        writeln!(
                            out,
                            "calibrated over {} writers (the files of each read by the analysis with a model trained on the others, \
                             at most 2 % of a language's benign posts and of each benign category in cases): the \
                             classifier alone puts a post in the queue from probability",
                            c.folds
                        )?;
                        for (language, p) in &c.queue_probability {
                            writeln!(
                                out,
                                "  {language}  {p:.2}  (cases out of fold: {:.1} % of its violating posts, {:.1} % of its benign ones)",
                                100.0 * c.recall.get(language).copied().unwrap_or(0.0),
                                100.0 * c.false_positives.get(language).copied().unwrap_or(0.0)
                            )?;
                            if let Some(curve) = c.curve.get(language) {
                                let points: Vec<String> = curve
                                    .iter()
                                    .map(|(p, r, f, w)| {
                                        format!(
                                            "{p:.2}: {:.0}/{:.1}/{:.1}",
                                            100.0 * r,
                                            100.0 * f,
                                            100.0 * w
                                        )
                                    })
                                    .collect();
                                writeln!(
                                    out,
                                    "      out of fold, probability: violating % found / benign % / worst category %: {}",
                                    points.join("  ")
                                )?;
                            }
                        }
                    }
                    None => writeln!(
                        out,
                        "not calibrated (a folder of at least three label files calibrates the threshold per \
                         language); the configured classifier_threshold applies"
                    )?,
                }
                writeln!(out, "Run `vigie analyze` to score stored posts with it.")?;
            }
        }
        ModelCommand::Eval {
            labels,
            name,
            threshold,
        } => {
            let texts = read_labels(&labels)?;
            let evaluation = vigie_engine::model::evaluate_stored(store, &name, &texts, threshold)?;
            if fmt == OutputFormat::Json {
                json(&evaluation)?;
            } else {
                let mut out = std::io::stdout().lock();
                writeln!(out, "model {name} on {}:", labels.display())?;
                print_evaluation(&mut out, &evaluation)?;
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The targets `vigie evaluate` checks (each optional): a run below one exits 1, naming it.
#[derive(Debug, Clone, Default)]
pub struct Targets {
    /// Recall over every positive.
    pub min_recall: Option<f64>,
    /// Recall in every category of positives and in every language.
    pub min_category_recall: Option<f64>,
    /// The false-positive rate in every category of negatives.
    pub max_false_positive_rate: Option<f64>,
}

impl Targets {
    /// The targets `e` misses, in words.
    fn missed(&self, e: &Evaluation) -> Vec<String> {
        let mut out = Vec::new();
        if let (Some(floor), Some(recall)) = (self.min_recall, e.metrics.recall)
            && recall < floor
        {
            out.push(format!("recall {recall:.3} is below {floor}"));
        }
        if let Some(floor) = self.min_category_recall {
            for (name, r) in &e.positive_categories {
                if r.recall < floor {
                    out.push(format!("recall on {name} {:.3} is below {floor}", r.recall));
                }
            }
            for (language, m) in &e.by_language {
                if let Some(recall) = m.recall.filter(|&r| r < floor) {
                    out.push(format!("recall in {language} {recall:.3} is below {floor}"));
                }
            }
        }
        if let Some(ceiling) = self.max_false_positive_rate {
            for (name, r) in &e.negative_categories {
                if r.false_positive_rate > ceiling {
                    out.push(format!(
                        "false positives on {name} {:.3} are above {ceiling}",
                        r.false_positive_rate
                    ));
                }
            }
        }
        out
    }
}

/// Prints each false positive and false negative at `threshold` with its score and strongest evidence, to
/// standard error: what an analyst reads to see why the lists or the model got a text wrong.
fn print_errors(
    texts: &[vigie_ingest::labels::LabelledText],
    scored: &[vigie_engine::ScoredText],
    threshold: f32,
) {
    for (t, s) in texts.iter().zip(scored) {
        let flagged = s.score >= f64::from(threshold);
        if flagged == t.label {
            continue;
        }
        let kind = if flagged { "false positive" } else { "missed" };
        eprintln!(
            "{kind}: {} [{} {}] score {:.2} {}",
            t.id,
            t.language.as_deref().unwrap_or("?"),
            t.category.as_deref().unwrap_or("?"),
            s.score,
            s.category.map_or("-", vigie_model::Violation::as_str)
        );
        eprintln!("    {}", t.text.replace('\n', " "));
        for e in s.evidence.iter().take(4) {
            eprintln!("    {:+.2} {}: {}", e.weight, e.signal.as_str(), e.detail);
        }
    }
}

/// Runs `vigie evaluate`.
pub fn evaluate(
    store: &mut dyn Store,
    fmt: OutputFormat,
    scoring: &ScoringConfig,
    labels: &Path,
    threshold: f32,
    targets: &Targets,
    show_errors: bool,
) -> anyhow::Result<ExitCode> {
    let texts = read_labels(labels)?;
    let scored = vigie_engine::score_texts(store, scoring, &texts)?;
    if show_errors {
        print_errors(&texts, &scored, threshold);
    }
    let examples: Vec<vigie_text::classifier::Example> = texts
        .iter()
        .map(|t| vigie_text::classifier::Example {
            text: String::new(),
            label: t.label,
            language: t.language.clone(),
            category: t.category.clone(),
        })
        .collect();
    let at = |t: f32| {
        vigie_text::classifier::evaluate_scores(
            scored.iter().map(|s| s.score as f32).zip(examples.iter()),
            t,
        )
    };
    let evaluation = at(threshold);
    // The category each flagged positive's case names, against its label's category.
    let (mut named, mut agreed) = (0usize, 0usize);
    let mut confusions: std::collections::BTreeMap<(String, String), usize> =
        std::collections::BTreeMap::new();
    for (t, s) in texts.iter().zip(&scored) {
        let (score, category) = (s.score, s.category);
        if !t.label || score < f64::from(threshold) {
            continue;
        }
        let (Some(expected), Some(found)) = (t.category.as_deref(), category) else {
            continue;
        };
        if vigie_model::Violation::parse(expected).is_none() {
            continue;
        }
        named += 1;
        if found.as_str() == expected {
            agreed += 1;
        } else {
            *confusions
                .entry((expected.to_owned(), found.as_str().to_owned()))
                .or_default() += 1;
        }
    }
    let missed = targets.missed(&evaluation);
    // Case scores are sums of evidence weights, not probabilities: the curve is read at score cut-offs.
    let cutoffs = [0.5f32, 1.0, 1.5, 2.0, 3.0, 5.0];
    if fmt == OutputFormat::Json {
        let curve: Vec<serde_json::Value> = cutoffs
            .iter()
            .map(|&t| serde_json::json!({"threshold": t, "metrics": at(t).metrics}))
            .collect();
        json(&serde_json::json!({
            "evaluation": evaluation,
            "thresholds": curve,
            "categories_named": {"flagged": named, "agreeing": agreed},
            "targets_missed": missed,
        }))?;
    } else {
        let mut out = std::io::stdout().lock();
        writeln!(
            out,
            "text analysis of this store (lists, classifier, [scoring]) on {}:",
            labels.display()
        )?;
        print_evaluation_at(&mut out, &evaluation)?;
        writeln!(out, "recall on each category of positives:")?;
        for (name, r) in &evaluation.positive_categories {
            writeln!(
                out,
                "  {name:<16} {:>5} of {:>5}  recall {:.3}",
                r.found, r.positives, r.recall
            )?;
        }
        for (language, categories) in &evaluation.positive_categories_by_language {
            let row: Vec<String> = categories
                .iter()
                .map(|(name, r)| format!("{name} {:.2}", r.recall))
                .collect();
            writeln!(out, "  {language:<4} {}", row.join(", "))?;
        }
        if named > 0 {
            writeln!(
                out,
                "the case names the labelled category for {agreed} of {named} flagged positives ({:.3})",
                agreed as f64 / named as f64
            )?;
            for ((expected, found), n) in &confusions {
                writeln!(out, "  {expected} filed as {found}: {n}")?;
            }
        }
        writeln!(out, "at other case-score thresholds:")?;
        for t in cutoffs {
            writeln!(out, "  {t:>4.1}  {}", metrics_line(&at(t).metrics))?;
        }
        for m in &missed {
            writeln!(out, "target missed: {m}")?;
        }
    }
    Ok(if missed.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// Runs `vigie analyze`.
pub fn analyze(
    store: &mut dyn Store,
    fmt: OutputFormat,
    scoring: &ScoringConfig,
) -> anyhow::Result<ExitCode> {
    let report = vigie_engine::analyze(store, scoring)?;
    if fmt == OutputFormat::Json {
        json(&report)?;
    } else {
        print_analysis(&report);
    }
    Ok(ExitCode::SUCCESS)
}

/// One line about an analysis run.
pub fn print_analysis(r: &vigie_engine::AnalysisReport) {
    println!(
        "Analysed {} posts{} with {} terms, {} domains{}: {} post cases, {} account cases",
        r.posts,
        if r.full {
            " (all: lists, model or settings changed)"
        } else {
            ""
        },
        r.terms,
        r.domains,
        if r.classifier {
            " and the classifier"
        } else {
            ""
        },
        r.post_cases,
        r.account_cases,
    );
    for p in r.list_problems.iter().take(5) {
        println!("  {p}");
    }
    if !r.classifier && r.posts > 0 {
        println!(
            "  No classifier yet: the built-in lexicons alone find formulas, not what people write in their own \
             words. Train it: vigie model train --labels testdata/text-train (then vigie analyze)"
        );
    }
}

/// Runs `vigie hashtag TAG`.
pub fn hashtag(
    store: &mut dyn Store,
    fmt: OutputFormat,
    tag: &str,
    top: usize,
) -> anyhow::Result<ExitCode> {
    let t = store.hashtag_timeline(tag, top)?;
    if fmt == OutputFormat::Json {
        json(&t)?;
        return Ok(ExitCode::SUCCESS);
    }
    let mut out = std::io::stdout().lock();
    writeln!(out, "#{}: {} posts", t.tag, t.posts)?;
    if !t.per_hour.is_empty() {
        writeln!(out, "per hour (UTC):")?;
        let peak = t.per_hour.iter().map(|(_, n)| *n).max().unwrap_or(1).max(1);
        for (hour, n) in &t.per_hour {
            let bar = "#".repeat(((n * 40).div_ceil(peak)) as usize);
            writeln!(out, "  {hour}  {n:>6}  {bar}")?;
        }
    }
    writeln!(out, "top accounts:")?;
    for (platform, who, n) in &t.top_accounts {
        writeln!(out, "  {n:>6}  {platform}/{who}")?;
    }
    writeln!(out, "posted with:")?;
    for (tag, n) in &t.co_tags {
        writeln!(out, "  {n:>6}  #{tag}")?;
    }
    Ok(ExitCode::SUCCESS)
}

/// `vigie cases` filters.
#[derive(Debug, clap::Args)]
pub struct CasesArgs {
    /// Only `post` or `account` cases.
    #[arg(long)]
    subject: Option<String>,
    /// Only this platform.
    #[arg(long)]
    platform: Option<String>,
    /// Only posts in this language (fr, en, ar, other).
    #[arg(long)]
    language: Option<String>,
    /// Only cases with this kind of evidence: term, url, hashtag, near_duplicate, classifier, hash_match, context.
    #[arg(long)]
    signal: Option<String>,
    /// Only cases of this category of violating content: glorification, support, recruitment, incitement,
    /// distribution.
    #[arg(long)]
    category: Option<String>,
    /// Only this status.
    #[arg(long)]
    status: Option<String>,
    /// Only cases scoring at least this.
    #[arg(long)]
    min_score: Option<f64>,
    /// `score` (highest first) or `newest`.
    #[arg(long, default_value = "score")]
    sort: String,
    /// At most this many.
    #[arg(long, default_value_t = 20)]
    limit: usize,
}

/// Runs `vigie cases`.
pub fn cases(
    store: &mut dyn Store,
    fmt: OutputFormat,
    args: CasesArgs,
) -> anyhow::Result<ExitCode> {
    let subject = match args.subject.as_deref() {
        None => None,
        Some(s) => {
            Some(CaseSubject::parse(s).with_context(|| format!("{s:?} is not post or account"))?)
        }
    };
    let signal = match args.signal.as_deref() {
        None => None,
        Some(s) => {
            Some(SignalKind::parse(s).with_context(|| format!("{s:?} is not a signal kind"))?)
        }
    };
    let category = match args.category.as_deref() {
        None => None,
        Some(c) => Some(vigie_model::Violation::parse(c).with_context(|| {
            format!(
                "{c:?} is not a category (glorification, support, recruitment, incitement, distribution)"
            )
        })?),
    };
    let sort = match args.sort.as_str() {
        "score" => CaseSort::Score,
        "newest" => CaseSort::Newest,
        other => bail!("--sort is score or newest, not {other:?}"),
    };
    let cases = store.cases(&CaseQuery {
        subject,
        platform: args.platform,
        language: args.language,
        signal,
        category,
        status: args.status,
        min_score: args.min_score,
        sort,
        limit: args.limit,
        ..CaseQuery::default()
    })?;
    if fmt == OutputFormat::Json {
        json(&cases)?;
        return Ok(ExitCode::SUCCESS);
    }
    let mut out = std::io::stdout().lock();
    if cases.is_empty() {
        writeln!(out, "No cases.")?;
    }
    for c in &cases {
        let who = c
            .handle
            .as_deref()
            .map(|h| format!("@{h}"))
            .or_else(|| c.account_id.clone())
            .unwrap_or_else(|| "-".into());
        match c.subject {
            CaseSubject::Post => writeln!(
                out,
                "#{:<6} {:>6.2}  {:<13} post {}/{} by {who} [{}] {}",
                c.id,
                c.score,
                c.category.map_or("-", vigie_model::Violation::as_str),
                c.platform,
                c.post_id.as_deref().unwrap_or("-"),
                c.language.as_deref().unwrap_or("?"),
                c.status
            )?,
            CaseSubject::Account => writeln!(
                out,
                "#{:<6} {:>6.2}  {:<13} account {}/{who} {}",
                c.id,
                c.score,
                c.category.map_or("-", vigie_model::Violation::as_str),
                c.platform,
                c.status
            )?,
        }
        if let Some(text) = &c.text {
            let excerpt: String = text
                .chars()
                .take(160)
                .collect::<String>()
                .replace('\n', " ");
            writeln!(out, "         {excerpt}")?;
        }
        for e in &c.evidence {
            let at = e
                .span
                .map(|(a, b)| format!(" @{a}..{b}"))
                .unwrap_or_default();
            writeln!(
                out,
                "         {:+6.2} {:<14} {}{}{}",
                e.weight,
                e.signal.as_str(),
                e.detail,
                e.source
                    .as_deref()
                    .map(|s| format!(" [{s}]"))
                    .unwrap_or_default(),
                at
            )?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::writer_of;
    use std::path::Path;

    #[test]
    fn a_writers_files_in_every_language_share_a_group() {
        assert_eq!(writer_of(Path::new("t/fr-13.jsonl")), "13");
        assert_eq!(writer_of(Path::new("t/ar-13.jsonl")), "13");
        assert_eq!(writer_of(Path::new("t/en-news-2.jsonl")), "news-2");
        assert_eq!(writer_of(Path::new("t/train.jsonl")), "train");
        assert_eq!(writer_of(Path::new("t/odd-.jsonl")), "odd-");
    }
}
