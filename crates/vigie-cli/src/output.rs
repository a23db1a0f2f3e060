//! Printing results: aligned text for people, JSON for scripts, a progress bar only on a terminal.

use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;
use std::io::{IsTerminal, Write};
use std::path::Path;
use vigie_engine::{Progress, ScanReport};
use vigie_ingest::Input;
use vigie_model::{Account, ImportSummary, QuarantinedRecord};
use vigie_store::{AccountView, Count, PostView, Snapshot, Stats};

/// How results are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    /// Aligned text.
    Text,
    /// One JSON document.
    Json,
}

pub(crate) fn json<T: Serialize + ?Sized>(value: &T) -> anyhow::Result<()> {
    // Buffered: standard output is line-buffered, and pretty JSON is one write per line otherwise.
    let mut out = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
    serde_json::to_writer_pretty(&mut out, value)?;
    writeln!(out)?;
    out.flush()?;
    Ok(())
}

/// The scan's progress bar: a spinner with the current input and the records read, drawn only when stderr
/// is a terminal and the output is text.
pub struct ScanProgress {
    bar: Option<ProgressBar>,
}

impl ScanProgress {
    /// A progress display for the given output format.
    pub fn new(format: OutputFormat) -> Self {
        let bar = (format == OutputFormat::Text && std::io::stderr().is_terminal()).then(|| {
            let bar = ProgressBar::new_spinner();
            let style = ProgressStyle::with_template(
                "{spinner} [{elapsed_precise}] {pos} records ({per_sec}) {wide_msg}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_spinner());
            bar.set_style(style);
            bar.enable_steady_tick(std::time::Duration::from_millis(120));
            bar
        });
        ScanProgress { bar }
    }

    /// Removes the bar.
    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

impl Progress for ScanProgress {
    fn input(&self, index: usize, total: usize, input: &Input) {
        if let Some(bar) = &self.bar {
            bar.set_message(format!(
                "[{}/{total}] {} {}",
                index + 1,
                input.format,
                input.display
            ));
        }
    }
    fn records(&self, n: u64) {
        if let Some(bar) = &self.bar {
            bar.inc(n);
        }
    }
}

fn counts_line(counts: &[Count]) -> String {
    if counts.is_empty() {
        return "none".to_owned();
    }
    counts
        .iter()
        .map(|c| format!("{} {}", c.key, c.count))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Prints a scan's summary.
pub fn scan_report(
    format: OutputFormat,
    report: &ScanReport,
    stats: &Stats,
    db: &str,
) -> anyhow::Result<()> {
    if format == OutputFormat::Json {
        #[derive(Serialize)]
        struct Out<'a> {
            scan: &'a ScanReport,
            store: &'a Stats,
            db: &'a str,
        }
        return json(&Out {
            scan: report,
            store: stats,
            db,
        });
    }
    let mut out = std::io::stdout().lock();
    let t = &report.totals;
    writeln!(
        out,
        "Scanned {} inputs in {:.1} s into {} (text analysis {:.1} s)",
        report.inputs.len(),
        report.elapsed.as_secs_f64(),
        vigie_store::redacted(db),
        report.analysis_time.as_secs_f64()
    )?;
    for i in &report.inputs {
        let c = &i.counts;
        write!(
            out,
            "  {:<9} {}  posts {}, accounts {}, media {}, quarantined {}",
            i.format.as_str(),
            i.path,
            c.posts,
            c.accounts,
            c.media,
            c.quarantined
        )?;
        match &i.error {
            Some(e) => writeln!(out, "  FAILED: {e}")?,
            None => writeln!(out)?,
        }
    }
    writeln!(
        out,
        "Read: {} posts, {} account records, {} media files, {} quarantined",
        t.posts, t.accounts, t.media, t.quarantined
    )?;
    writeln!(
        out,
        "Store: {} accounts ({} observed states), {} posts, {} attachments, {} media ({} bytes), {} quarantined",
        stats.accounts,
        stats.observations,
        stats.posts,
        stats.attachments,
        stats.media,
        stats.media_bytes,
        stats.quarantined
    )?;
    writeln!(
        out,
        "  posts per platform: {}",
        counts_line(&stats.posts_per_platform)
    )?;
    writeln!(
        out,
        "  accounts per platform: {}",
        counts_line(&stats.accounts_per_platform)
    )?;
    writeln!(
        out,
        "  posts per language: {}",
        counts_line(&stats.posts_per_language)
    )?;
    if let Some(m) = &report.matching {
        writeln!(
            out,
            "Matched {} media against the banks ({} PDQ hashes, {} digests): {} new matches ({} suppressed by \
             allow-lists, {} held), {} PDQ hashes under the quality threshold",
            m.media_checked,
            m.index_pdq,
            m.index_digests,
            m.new_matches,
            m.suppressed,
            m.held,
            m.below_quality
        )?;
        for f in &m.flooded {
            writeln!(
                out,
                "  flood guard: held bank {} entry {} {} ({} new matches, {} before); release with \
                 `vigie bank set {} --release {}:{}`",
                f.bank,
                f.signal,
                f.value,
                f.new_matches,
                f.matches_before,
                f.bank,
                f.signal,
                f.value
            )?;
        }
    }
    if let Some(a) = &report.analysis {
        drop(out);
        crate::signals::print_analysis(a);
        out = std::io::stdout().lock();
    }
    if !report.skipped.is_empty() {
        writeln!(out, "Skipped {} paths:", report.skipped.len())?;
        for (path, reason) in report.skipped.iter().take(10) {
            writeln!(out, "  {path}: {reason}")?;
        }
    }
    if t.quarantined > 0 {
        writeln!(
            out,
            "Quarantined {} records (first {}; `vigie quarantine` lists them all):",
            t.quarantined,
            report.quarantined.len()
        )?;
        for q in &report.quarantined {
            writeln!(out, "  {q}")?;
        }
    }
    Ok(())
}

/// A digest of a store's content, with the row count and digest of each table.
#[derive(Debug, Serialize)]
pub struct ContentDigest {
    /// SHA-256 over every table's canonical rows.
    pub sha256: String,
    /// Rows per table.
    pub rows: Vec<(String, usize)>,
    /// Each table's own SHA-256 over its canonical rows, so that two stores that differ say where.
    pub tables: Vec<TableDigest>,
}

/// One table of a [`ContentDigest`].
#[derive(Debug, Serialize)]
pub struct TableDigest {
    /// The table.
    pub table: String,
    /// Its rows.
    pub rows: usize,
    /// SHA-256 over its canonical rows.
    pub sha256: String,
}

impl ContentDigest {
    /// Digests a snapshot.
    pub fn of(snapshot: &Snapshot) -> Self {
        let mut text = String::new();
        let mut tables = Vec::new();
        for (table, rows) in &snapshot.tables {
            let start = text.len();
            text.push_str(table);
            text.push('\n');
            for row in rows {
                text.push_str(row);
                text.push('\n');
            }
            tables.push(TableDigest {
                table: table.clone(),
                rows: rows.len(),
                sha256: vigie_media::digests(&text.as_bytes()[start..]).sha256,
            });
        }
        ContentDigest {
            sha256: vigie_media::digests(text.as_bytes()).sha256,
            rows: snapshot
                .tables
                .iter()
                .map(|(t, r)| (t.clone(), r.len()))
                .collect(),
            tables,
        }
    }
}

/// Prints the store's totals, and the content digest when asked.
pub fn stats(
    format: OutputFormat,
    stats: &Stats,
    digest: Option<&ContentDigest>,
    db: &str,
) -> anyhow::Result<()> {
    if format == OutputFormat::Json {
        #[derive(Serialize)]
        struct Out<'a> {
            #[serde(flatten)]
            stats: &'a Stats,
            #[serde(skip_serializing_if = "Option::is_none")]
            digest: Option<&'a ContentDigest>,
        }
        return json(&Out { stats, digest });
    }
    let mut out = std::io::stdout().lock();
    if let Some(d) = digest {
        writeln!(out, "content digest {}", d.sha256)?;
        for (table, n) in &d.rows {
            writeln!(out, "  {table:<22} {n} rows")?;
        }
    }
    writeln!(out, "Store {}", vigie_store::redacted(db))?;
    writeln!(
        out,
        "  accounts      {} ({} observed states)",
        stats.accounts, stats.observations
    )?;
    writeln!(out, "  posts         {}", stats.posts)?;
    writeln!(out, "  attachments   {}", stats.attachments)?;
    writeln!(
        out,
        "  media         {} ({} bytes)",
        stats.media, stats.media_bytes
    )?;
    writeln!(out, "  quarantined   {}", stats.quarantined)?;
    writeln!(out, "  imports       {}", stats.imports)?;
    writeln!(
        out,
        "  posts per platform: {}",
        counts_line(&stats.posts_per_platform)
    )?;
    writeln!(
        out,
        "  accounts per platform: {}",
        counts_line(&stats.accounts_per_platform)
    )?;
    writeln!(
        out,
        "  posts per language: {}",
        counts_line(&stats.posts_per_language)
    )?;
    Ok(())
}

fn or_dash(s: &Option<String>) -> &str {
    s.as_deref().unwrap_or("-")
}

fn one_line(s: &str, max: usize) -> String {
    let flat: String = s
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if flat.chars().count() <= max {
        flat
    } else {
        let cut: String = flat.chars().take(max.saturating_sub(1)).collect();
        format!("{cut}…")
    }
}

/// Prints accounts (and their histories when asked).
pub fn accounts(
    format: OutputFormat,
    accounts: &[AccountView],
    histories: &[Vec<Account>],
) -> anyhow::Result<()> {
    if format == OutputFormat::Json {
        #[derive(Serialize)]
        struct Row<'a> {
            #[serde(flatten)]
            view: &'a AccountView,
            #[serde(skip_serializing_if = "Option::is_none")]
            history: Option<&'a Vec<Account>>,
        }
        let rows: Vec<Row<'_>> = accounts
            .iter()
            .enumerate()
            .map(|(i, view)| Row {
                view,
                history: histories.get(i),
            })
            .collect();
        return json(&rows);
    }
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "{:<10} {:<22} {:<20} {:<28} {:>7} {:>6}",
        "PLATFORM", "ID", "HANDLE", "NAME", "POSTS", "STATES"
    )?;
    for (i, v) in accounts.iter().enumerate() {
        let a = &v.account;
        writeln!(
            out,
            "{:<10} {:<22} {:<20} {:<28} {:>7} {:>6}",
            a.platform.as_str(),
            one_line(&a.platform_id, 22),
            one_line(or_dash(&a.handle), 20),
            one_line(or_dash(&a.display_name), 28),
            v.posts,
            v.observations
        )?;
        for state in histories.get(i).into_iter().flatten() {
            let seen = state
                .observed_at
                .map(|t| t.to_string())
                .unwrap_or_else(|| "-".into());
            writeln!(
                out,
                "    seen {seen}: @{} \"{}\" followers {} bio \"{}\"",
                or_dash(&state.handle),
                one_line(or_dash(&state.display_name), 30),
                state
                    .followers
                    .map(|n| n.to_string())
                    .unwrap_or_else(|| "-".into()),
                one_line(or_dash(&state.bio), 40)
            )?;
        }
    }
    Ok(())
}

/// Prints posts.
pub fn posts(format: OutputFormat, posts: &[PostView]) -> anyhow::Result<()> {
    if format == OutputFormat::Json {
        return json(posts);
    }
    let mut out = std::io::stdout().lock();
    for v in posts {
        let p = &v.post;
        let when = p
            .created_at
            .map(|t| t.to_string())
            .unwrap_or_else(|| "-".into());
        let who = v
            .handle
            .as_deref()
            .map(|h| format!("@{h}"))
            .or_else(|| v.display_name.clone())
            .unwrap_or_else(|| "-".into());
        writeln!(
            out,
            "{} {} {} [{}] {}",
            p.platform,
            p.platform_id,
            when,
            or_dash(&p.lang),
            who
        )?;
        if let Some(text) = &p.text {
            writeln!(out, "    {}", one_line(text, 160))?;
        }
        let mut extras = Vec::new();
        for r in &p.references {
            extras.push(format!(
                "{} {}",
                r.kind.as_str(),
                r.target_post_id
                    .as_deref()
                    .or(r.target_account.as_deref())
                    .unwrap_or("?")
            ));
        }
        if !p.hashtags.is_empty() {
            extras.push(format!("#{}", p.hashtags.join(" #")));
        }
        if !p.urls.is_empty() {
            extras.push(p.urls.join(" "));
        }
        for a in &p.attachments {
            extras.push(format!(
                "{} {}",
                a.kind.as_str(),
                a.sha256
                    .as_deref()
                    .map(|s| &s[..12.min(s.len())])
                    .or(a.url.as_deref())
                    .unwrap_or("-")
            ));
        }
        if !extras.is_empty() {
            writeln!(out, "    {}", extras.join(" | "))?;
        }
    }
    Ok(())
}

/// Prints imports.
pub fn imports(format: OutputFormat, imports: &[ImportSummary]) -> anyhow::Result<()> {
    if format == OutputFormat::Json {
        return json(imports);
    }
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "{:>5} {:<9} {:<9} {:<20} {:>8} {:>8} {:>6} {:>6}  PATH",
        "ID", "FORMAT", "STATUS", "STARTED", "POSTS", "ACCOUNTS", "MEDIA", "QUAR"
    )?;
    for i in imports {
        let c = &i.counts;
        writeln!(
            out,
            "{:>5} {:<9} {:<9} {:<20} {:>8} {:>8} {:>6} {:>6}  {}",
            i.id,
            i.format.as_str(),
            i.status.as_str(),
            i.started_at.to_string(),
            c.posts,
            c.accounts,
            c.media,
            c.quarantined,
            i.path
        )?;
    }
    Ok(())
}

/// Prints quarantined records.
pub fn quarantine(format: OutputFormat, records: &[QuarantinedRecord]) -> anyhow::Result<()> {
    if format == OutputFormat::Json {
        #[derive(Serialize)]
        struct Row<'a> {
            file: &'a str,
            position: String,
            reason: &'a str,
            raw: String,
        }
        let rows: Vec<Row<'_>> = records
            .iter()
            .map(|r| Row {
                file: &r.file,
                position: r.position.to_string(),
                reason: &r.reason,
                raw: String::from_utf8_lossy(&r.raw).into_owned(),
            })
            .collect();
        return json(&rows);
    }
    let mut out = std::io::stdout().lock();
    for r in records {
        writeln!(out, "{r}")?;
    }
    Ok(())
}

/// Prints what `vigie sample` wrote.
pub fn sample(
    format: OutputFormat,
    out_dir: &Path,
    summary: &vigie_sample::SampleSummary,
) -> anyhow::Result<()> {
    if format == OutputFormat::Json {
        return json(summary);
    }
    let mut out = std::io::stdout().lock();
    writeln!(out, "Wrote a synthetic corpus to {}:", out_dir.display())?;
    writeln!(out, "{}", serde_json::to_string_pretty(summary)?)?;
    writeln!(out, "Ingest it with: vigie scan {}", out_dir.display())?;
    Ok(())
}

/// Prints the result of an integrity check.
pub fn check(format: OutputFormat, problems: &[String], db: &str) -> anyhow::Result<()> {
    if format == OutputFormat::Json {
        #[derive(Serialize)]
        struct Out<'a> {
            ok: bool,
            problems: &'a [String],
        }
        return json(&Out {
            ok: problems.is_empty(),
            problems,
        });
    }
    let mut out = std::io::stdout().lock();
    if problems.is_empty() {
        writeln!(out, "{}: ok", vigie_store::redacted(db))?;
    } else {
        writeln!(
            out,
            "{}: {} problems",
            vigie_store::redacted(db),
            problems.len()
        )?;
        for p in problems {
            writeln!(out, "  {p}")?;
        }
    }
    Ok(())
}
